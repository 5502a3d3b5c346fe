#!/usr/bin/env bash
# diff-flavour.sh: 'kabigen diff amd64:VER amd64:VER:rt', the generic flavour against rt at
# the same version, fetched as --kver does. The rt mutex is larger: param_lock grows, init
# and what follows it move, and vermagic differs, so the verdict is 12. Every member change
# and size the report gives is checked against the two packages' BTF.
# usage: diff-flavour.sh KABIGEN BTF_MEMBERS
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/diff-lib.sh"
kabigen=$1 btf_members=$2
fetch=$(cd "$(dirname "$0")" && pwd)/../../scripts/fetch-debian-headers
cache_root=${KABIGEN_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kabigen-tests}
export KABIGEN_TEST_CACHE=$cache_root
share_downloads

# The newest sid packages, resolved independently of kabigen, for their BTF.
generic=$("$fetch" sid amd64 amd64)
rt=$("$fetch" sid amd64 rt-amd64)
release=${generic##*/linux-headers-}
minor=$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$release")

rc=0
"$kabigen" diff "amd64:$minor" "amd64:$minor:rt" --format json -o "$work/diff.json" 2>"$work/log" || rc=$?
cat "$work/log"
[ -s "$work/diff.json" ] || { fail "no report: $(cat "$work/log")"; finish; exit 1; }
[ "$(jq -r .old.release "$work/diff.json")" = "$release" ] &&
	[ "$(jq -r .new.release "$work/diff.json")" = "${rt##*/linux-headers-}" ] ||
	fail "amd64:$minor resolved to $(jq -r .old.release "$work/diff.json"), not sid's newest $release"

check_report_against_btf "$work/diff.json" "$generic/vmlinux" "$rt/vmlinux"

# What the flavours are known for, in the report and in BTF alike.
grown=$(jq '.structs[] | select(.name == "module") | .members[] | select(.name == "param_lock") |
	select(.changes | index("resized")) | .new.size > .old.size' "$work/diff.json")
[ "$grown" = true ] && pass "param_lock grew" || fail "param_lock is not reported as grown"
moved=$(jq '.structs[] | select(.name == "module") | .members[] | select(.name == "init") | .changes | index("moved") != null' "$work/diff.json")
[ "$moved" = true ] && pass "init moved" || fail "init is not reported as moved"
vermagic=$(jq '[.items[] | select(.kind == "string" and .name == "VERMAGIC" and .breaking)] | length' "$work/diff.json")
[ "$vermagic" = 1 ] && pass "vermagic changed, breaking" || fail "vermagic is not reported as a breaking change"

# The verdict: changes (4) that break a loader built for the generic flavour (8).
[ "$rc" = 12 ] && [ "$(jq .exit "$work/diff.json")" = 12 ] && pass "exit 12" || fail "exit $rc, report $(jq .exit "$work/diff.json"), expected 12"

# The text and Markdown reports say the same, with the same exit.
rc=0
"$kabigen" diff "amd64:$minor" "amd64:$minor:rt" >"$work/diff.txt" 2>/dev/null || rc=$?
if [ "$rc" = 12 ] && [ "$(grep -cE '^  init +moved +offset [0-9]+ -> [0-9]+' "$work/diff.txt")" = 1 ] &&
	[ "$(grep -cE '^  param_lock +resized ' "$work/diff.txt")" = 1 ] &&
	[ "$(grep -c '^Verdict: changes that break a loader built for' "$work/diff.txt")" = 1 ]; then
	pass "text report"
else
	fail "text report (exit $rc): $(cat "$work/diff.txt")"
fi
rc=0
"$kabigen" diff "amd64:$minor" "amd64:$minor:rt" --format md >"$work/diff.md" 2>/dev/null || rc=$?
if [ "$rc" = 12 ] && [ "$(grep -c '^| `init` | moved, \*\*breaking\*\* |' "$work/diff.md")" = 1 ] &&
	[ "$(grep -c '^\*\*Breaking\*\* (exit 12)' "$work/diff.md")" = 1 ]; then
	pass "Markdown report"
else
	fail "Markdown report (exit $rc): $(cat "$work/diff.md")"
fi

# --only restricts the report and the verdict; a suppression file takes changes out.
only_expected=$(jq '[.structs[] | select(.name == "kernel_param" or .name == "kernel_param_ops") |
	select(.status != "same")] | if length > 0 then 12 else 0 end' "$work/diff.json")
rc=0
"$kabigen" diff "amd64:$minor" "amd64:$minor:rt" --only kernel_param,kernel_param_ops --format json -o "$work/only.json" 2>/dev/null || rc=$?
[ "$rc" = "$only_expected" ] && [ "$(jq '.structs | length' "$work/only.json")" = 2 ] &&
	[ "$(jq '.items | length' "$work/only.json")" = 0 ] && pass "--only kernel_param,kernel_param_ops: exit $rc" ||
	fail "--only kernel_param,kernel_param_ops: exit $rc, expected $only_expected"
printf 'suppress:\n  - struct: module\n    reason: the rt mutex\n  - string: VERMAGIC\n  - string: UTS_RELEASE\n' >"$work/sup.yaml"
rc=0
"$kabigen" diff "amd64:$minor" "amd64:$minor:rt" --suppress "$work/sup.yaml" --format json -o "$work/sup.json" 2>/dev/null || rc=$?
expected=$(jq '[.structs[] | select(.name == "module") | (.members | length) + (if (.changes | length) > 0 then 1 else 0 end)] | add + 2' "$work/diff.json")
[ "$rc" = 0 ] && [ "$(jq .suppressed "$work/sup.json")" = "$expected" ] && pass "suppressing module and the strings: exit 0, $expected suppressed" ||
	fail "--suppress: exit $rc, $(jq .suppressed "$work/sup.json") suppressed, expected $expected"
finish
