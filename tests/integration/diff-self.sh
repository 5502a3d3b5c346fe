#!/usr/bin/env bash
# diff-self.sh: a triple against itself exits 0 and says nothing changed, in every format;
# so does a layout dump read back against the live tree it was made from.
# usage: diff-self.sh KABIGEN
. "$(dirname "$0")/../cli/lib.sh"
kabigen=$(realpath "$1")
fetch=$(cd "$(dirname "$0")" && pwd)/../../scripts/fetch-debian-headers
cache_root=${KABIGEN_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kabigen-tests}
export KABIGEN_TEST_CACHE=$cache_root
share_downloads

kdir=$("$fetch" sid amd64 amd64)
release=${kdir##*/linux-headers-}
minor=$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$release")

# A dump read back against the live tree, in both orders; arch from the tree, or --arch.
mkdir -p "$work/run"
(cd "$work/run" && "$kabigen" --arch amd64 --kdir "$kdir" --format json 2>/dev/null)
dump=$work/run/out/$release/kabi.json
[ -f "$dump" ] && pass "--format json writes out/$release/kabi.json" || { fail "no $dump"; finish; exit 1; }
[ "$(jq -r .triple.release "$dump")" = "$release" ] && [ "$(jq .schema "$dump")" = 3 ] &&
	pass "the dump names its triple and schema" || fail "the dump's triple or schema"

# The same triple twice: fetched once, laid out twice, identical.
rc=0
"$kabigen" diff "amd64:$minor" "amd64:$minor" >"$work/self.txt" 2>"$work/log" || rc=$?
structs=$(jq '.structs | length' "$dump")
if [ "$rc" = 0 ] && [ "$(grep -c "^No changes: $structs structs, " "$work/self.txt")" = 1 ]; then
	pass "amd64:$minor against itself: exit 0, $(sed -n 's/^No changes: //p' "$work/self.txt")"
else
	fail "amd64:$minor against itself: exit $rc: $(cat "$work/self.txt" "$work/log")"
fi
for format in md json; do
	rc=0
	"$kabigen" diff "amd64:$minor" "amd64:$minor" --format $format >"$work/self.$format" 2>/dev/null || rc=$?
	[ "$rc" = 0 ] && [ "$(grep -cE '\*\*No changes\*\*|"changes": false' "$work/self.$format")" = 1 ] &&
		pass "--format $format: exit 0, no changes" || fail "--format $format: exit $rc: $(cat "$work/self.$format")"
done

rc=0
"$kabigen" diff "$dump" "$kdir" >"$work/dump.txt" 2>&1 || rc=$?
[ "$rc" = 0 ] && pass "dump against the live tree: exit 0" || fail "dump against the live tree: exit $rc: $(cat "$work/dump.txt")"
rc=0
"$kabigen" diff "$kdir" "$dump" --arch x86_64 >"$work/dump2.txt" 2>&1 || rc=$?
[ "$rc" = 0 ] && pass "live tree (--arch) against the dump: exit 0" || fail "live tree against the dump: exit $rc: $(cat "$work/dump2.txt")"
rc=0
"$kabigen" diff "$dump" "amd64:$minor" >"$work/dump3.txt" 2>&1 || rc=$?
[ "$rc" = 0 ] && pass "dump against amd64:$minor: exit 0" || fail "dump against amd64:$minor: exit $rc: $(cat "$work/dump3.txt")"
# And the tree did change between runs in nothing: the dump is stable (a second parse: no cache).
(cd "$work/run" && "$kabigen" --arch amd64 --kdir "$kdir" --format json -o again.json --no-cache 2>/dev/null)
cmp -s "$dump" "$work/run/again.json" && pass "two dumps of one tree are the same bytes" || fail "two dumps of one tree differ"
finish
