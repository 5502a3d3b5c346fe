#!/usr/bin/env bash
# diff-versions.sh: the newest headers of one Debian suite against another's (trixie's 6.12
# against sid), as --kdir trees whose arch kabigen takes from the trees. Every member change
# and struct size the report gives is checked against the two packages' BTF (libbpf).
# usage: diff-versions.sh KABIGEN BTF_MEMBERS OLD_SUITE NEW_SUITE DEBARCH
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/diff-lib.sh"
kabigen=$1 btf_members=$2 old_suite=$3 new_suite=$4 debarch=$5
fetch=$(cd "$(dirname "$0")" && pwd)/../../scripts/fetch-debian-headers

old=$("$fetch" "$old_suite" "$debarch")
new=$("$fetch" "$new_suite" "$debarch")
echo "old: $old"
echo "new: $new"
rc=0
"$kabigen" diff "$old" "$new" --format json -o "$work/diff.json" || rc=$?
[ -s "$work/diff.json" ] || { fail "no report"; finish; exit 1; }
check_report_against_btf "$work/diff.json" "$old/vmlinux" "$new/vmlinux"

# The verdict follows from what BTF shows: two releases differ in vermagic at least.
n_module=$(jq '.structs[] | select(.name == "module") | .members | length' "$work/diff.json")
echo "struct module: $n_module member changes"
jq -r '.structs[] | select(.name == "module") | .members[] | "  \(.name): \(.changes | join(","))"' "$work/diff.json" | head -n 12
if [ "${old##*/linux-headers-}" != "${new##*/linux-headers-}" ]; then
	[ "$rc" = 12 ] && pass "exit 12 between two releases" || fail "exit $rc between two releases, expected 12"
fi

# The text report is the same diff.
rc2=0
"$kabigen" diff "$old" "$new" >"$work/diff.txt" || rc2=$?
[ "$rc2" = "$rc" ] && [ "$(grep -c '^struct module: ' "$work/diff.txt")" = 1 ] && pass "text report, exit $rc2" ||
	fail "text report: exit $rc2"
finish
