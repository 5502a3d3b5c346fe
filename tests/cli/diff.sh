#!/usr/bin/env bash
# diff.sh: 'kabigen diff' and --format json refuse bad input with one line and the right exit.
# usage: diff.sh KABIGEN
. "$(dirname "$0")/lib.sh"
kabigen=$1
kdir=$("$(dirname "$0")/../../scripts/fetch-debian-headers" sid riscv64)
release=${kdir##*/linux-headers-}
out=$work/out.txt
"$kabigen" --arch riscv64 --kdir "$kdir" --format json -o "$work/kabi.json" 2>/dev/null

expect_error "one side" 2 "usage: 'kabigen diff' compares two sides: OLD NEW .*1 given" "$out" -- \
	"$kabigen" diff "$work/kabi.json" -o "$out"
expect_error "a side that does not exist" 1 "error: OLD $work/nope.json: no such file or folder" "$out" -- \
	"$kabigen" diff "$work/nope.json" "$work/kabi.json" -o "$out"
expect_error "a malformed triple" 2 "usage: NEW 'riscv64:7.2;rm -rf x': write a triple as ARCH:KVER\[:FLAVOUR\]" "$out" -- \
	env XDG_CACHE_HOME="$work/never" "$kabigen" diff "$work/kabi.json" 'riscv64:7.2;rm -rf x' -o "$out"
expect_error "a triple with an unknown arch" 1 "error: NEW 'sparc64:7.2': no arch profile is named sparc64; use one of: " "$out" -- \
	env XDG_CACHE_HOME="$work/never" "$kabigen" diff "$work/kabi.json" sparc64:7.2 -o "$out"
[ ! -e "$work/never" ] && pass "nothing was fetched for refused triples" || fail "$work/never was created"
expect_error "a diff format for a header" 2 "usage: --format md: use c, rust or json" "$out" -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" --format md -o "$out"
expect_error "a header format for a diff" 2 "usage: --format c: a diff is text, md or json" "$out" -- \
	"$kabigen" diff "$work/kabi.json" "$work/kabi.json" --format c -o "$out"
expect_error "--arch with two dumps" 2 "usage: --arch goes with a side that is a headers folder" "$out" -- \
	"$kabigen" diff "$work/kabi.json" "$work/kabi.json" --arch riscv64 -o "$out"
expect_error "--only without diff" 2 "usage: --only goes with 'kabigen diff'" "$out" -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" --only module -o "$out"
expect_error "--only naming nothing" 2 "usage: --only modul: neither side has a struct, enum, constant, string or list of that name" "$out" -- \
	"$kabigen" diff "$work/kabi.json" "$work/kabi.json" --only module,modul -o "$out"
expect_error "--only with an empty name" 2 "usage: --only 'module,': give names separated by commas" "$out" -- \
	"$kabigen" diff "$work/kabi.json" "$work/kabi.json" --only module, -o "$out"
expect_error "a tree of another arch" 1 "NEW $(sed 's/[.+]/\\&/g' <<<"$kdir"): the tree is for arch/riscv .* but arm64 is arch/arm64" "$out" -- \
	"$kabigen" diff "$work/kabi.json" "$kdir" --arch arm64 -o "$out"

# Dumps that cannot be read: a newer schema, another kabigen file, a truncated one.
sed 's/"schema": 3,/"schema": 4,/' "$work/kabi.json" >"$work/newer.json"
expect_error "a newer schema" 1 "newer.json:3:13: layout schema 4 is newer than this kabigen reads \(3\); use a newer kabigen" "$out" -- \
	"$kabigen" diff "$work/newer.json" "$work/kabi.json" -o "$out"
# A dump of the previous schema (1: constants without kernel_type, expr, group) is still read.
jq '.schema = 1 | del(.triple.constant_sources, .sections) | .constants |= map(del(.kernel_type, .expr, .group))' \
	"$work/kabi.json" >"$work/schema1.json"
rc=0
"$kabigen" diff "$work/schema1.json" "$work/schema1.json" >"$work/schema1.log" 2>&1 || rc=$?
[ "$rc" = 0 ] && pass "a schema 1 dump is read" || fail "schema 1 dump: exit $rc: $(cat "$work/schema1.log")"
"$kabigen" diff "$work/kabi.json" "$work/kabi.json" --format json -o "$work/report.json"
expect_error "a diff report as a side" 1 "report.json:2:13: this is a \"kabigen-diff\" file, not a layout dump" "$out" -- \
	"$kabigen" diff "$work/report.json" "$work/kabi.json" -o "$out"
head -c 5000 "$work/kabi.json" >"$work/truncated.json"
expect_error "a truncated dump" 1 "truncated.json:[0-9]+:[0-9]+: malformed YAML" "$out" -- \
	"$kabigen" diff "$work/truncated.json" "$work/kabi.json" -o "$out"
sed '0,/"offset_bits": 192,/s//"offset_bits": 200,/' "$work/kabi.json" >"$work/bad-offset.json"
expect_error "an inconsistent dump" 1 "bad-offset.json:[0-9]+:[0-9]+: struct module cannot be laid out as the dump says" "$out" -- \
	"$kabigen" diff "$work/bad-offset.json" "$work/kabi.json" -o "$out"

# Suppression files.
printf 'suppress:\n  - struct: module\n    member: [init]\n' >"$work/typo.yaml"
expect_error "a misspelled suppression key" 1 "typo.yaml:3:5: unknown key 'member'" "$out" -- \
	"$kabigen" diff "$work/kabi.json" "$work/kabi.json" --suppress "$work/typo.yaml" -o "$out"
printf 'suppress:\n  - struct: module\n    string: VERMAGIC\n' >"$work/two.yaml"
expect_error "a suppression naming two things" 1 "two.yaml:2:5: each entry names one struct, enum, constant, string or list" "$out" -- \
	"$kabigen" diff "$work/kabi.json" "$work/kabi.json" --suppress "$work/two.yaml" -o "$out"
printf 'suppress:\n  - struct: no_such_struct\n' >"$work/stale.yaml"
rc=0
"$kabigen" diff "$work/kabi.json" "$work/kabi.json" --suppress "$work/stale.yaml" >/dev/null 2>"$work/stale.log" || rc=$?
[ "$rc" = 0 ] && [ "$(grep -c 'warning: .*stale.yaml:2:13: struct no_such_struct: this suppression matches nothing' "$work/stale.log")" = 1 ] &&
	pass "a stale suppression is a warning" || fail "stale suppression: exit $rc: $(cat "$work/stale.log")"

# A failed diff leaves an existing report as it was.
echo "previous report" >"$out"
expect_error "failed diff keeps the previous report" 1 "newer.json" "$out" -- \
	"$kabigen" diff "$work/newer.json" "$work/kabi.json" -o "$out"
finish
