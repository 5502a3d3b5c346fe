#!/usr/bin/env bash
# check-ko-package.sh: every module of a Debian modules package passes 'kabigen check-ko
# --loader linux' against its own triple (the headers of the same release and flavour): Linux
# loads them all, so any finding is kabigen's mistake. The count is the package's own.
# usage: check-ko-package.sh KABIGEN SUITE DEBARCH FLAVOUR KABIGEN_ARCH
. "$(dirname "$0")/../cli/lib.sh"
kabigen=$1 suite=$2 debarch=$3 flavour=$4 arch=$5
fetch=$(cd "$(dirname "$0")" && pwd)/../../scripts/fetch-debian-headers
cache_root=${KABIGEN_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kabigen-tests}
export KABIGEN_TEST_CACHE=$cache_root XDG_CACHE_HOME=$work/xdg

{ read -r kdir; read -r modroot; } < <("$fetch" --modules "$suite" "$debarch" "$flavour")
release=${kdir##*/linux-headers-}
modules=$(find "$modroot" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' | wc -l)
[ "$modules" -gt 100 ] || { fail "$modroot holds $modules modules; expected a whole package"; finish; exit 1; }

cd "$work"
SECONDS=0
rc=0
"$kabigen" check-ko --arch "$arch" --kdir "$kdir" --loader linux --format json "$modroot" >report.json 2>stderr || rc=$?
seconds=$SECONDS
cat stderr
[ "$rc" = 0 ] && pass "$release: exit 0 (${seconds}s)" ||
	fail "$release: exit $rc; $(jq -r '.summary.reasons[:10][] | "\(.modules) \(.name)"' report.json | tr '\n' ';')"
[ "$(jq .summary.modules report.json)" = "$modules" ] && [ "$(jq .summary.load report.json)" = "$modules" ] &&
	pass "all $modules modules of the package load" ||
	fail "$(jq .summary.load report.json) of $(jq .summary.modules report.json) load; the package has $modules"
# Every module is checked against the vermagic the triple's header gives, not skipped.
[ "$(jq '[.modules[] | select(.vermagic == null)] | length' report.json)" = 0 ] &&
	pass "every module has a vermagic, equal to the triple's" || fail "modules without vermagic"
[ "$(ls -A "$work" | grep -v -e '^report.json$' -e '^stderr$' -e '^xdg$' | wc -l)" = 0 ] &&
	pass "nothing written but the report" || fail "check-ko wrote $(ls -A "$work")"
finish
