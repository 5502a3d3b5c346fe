#!/usr/bin/env bash
# formats.sh: several formats from one run are the bytes of one run each, from ONE parse;
# the result cache stores and serves each format on its own; a run's parses share one heap
# prepared for them (gen/clang/parse_heap.c).
# usage: formats.sh KABIGEN
. "$(dirname "$0")/lib.sh"
kabigen=$(realpath "$1")
kdir=$("$(dirname "$0")/../../scripts/fetch-debian-headers" sid riscv64)
release=${kdir##*/linux-headers-}
export XDG_CACHE_HOME=$work/cache
run() { "$kabigen" --arch riscv64 --kdir "$kdir" "$@"; }
cd "$work"

# The truth: one run per format, each parsing (--no-cache).
for f in c rust json; do
	run --no-cache --format $f -o "single.$f" 2>/dev/null
done
same_as_singles() {	# DIR: its three files are the single runs' bytes
	cmp -s "$1/kabi.h" single.c && cmp -s "$1/kabi.rs" single.rust && cmp -s "$1/kabi.json" single.json
}
run --no-cache --format c,rust,json -o multi 2>log
same_as_singles multi && [ "$(grep -c '^kabigen: wrote multi/kabi' log)" = 3 ] &&
	pass "--format c,rust,json -o DIR: the bytes of three single runs" || fail "multi differs: $(cat log)"
run --no-cache --format rust --format json,c 2>log
same_as_singles "out/$release" && pass "repeated --format, default out/RELEASE/: the same bytes" ||
	fail "repeated --format differs: $(cat log)"

# One parse: clang opens each header once per parse (the tree's -common holds linux/module.h),
# so three formats open it as often as one format does; a parse per format would triple it.
# LeakSanitizer cannot run under ptrace; the other runs here check for leaks.
opens() { grep -c '/include/linux/module.h"' "$1" || true; }
traced() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -e trace=open,openat -o "$@"; }
traced one.trace "$kabigen" --arch riscv64 --kdir "$kdir" --no-cache -o one.h 2>/dev/null
traced three.trace "$kabigen" --arch riscv64 --kdir "$kdir" --no-cache \
	--format c,rust,json -o three 2>/dev/null
n1=$(opens one.trace) n3=$(opens three.trace)
[ "$n1" -ge 1 ] && [ "$n3" = "$n1" ] && pass "three formats parse once (module.h opened $n3 times, one format: $n1)" ||
	fail "three formats opened module.h $n3 times, one format $n1"

# The result cache holds each format: C alone first, then all three: C is served, the
# other two made from one parse; then each single format is served.
run --format c -o cached.h 2>/dev/null
run --format c,rust,json -o mixed 2>log
same_as_singles mixed && grep -q '^kabigen: wrote mixed/kabi.h (.*from the result cache)' log &&
	[ "$(grep -c 'from the result cache' log)" = 1 ] &&
	pass "a cached format is served, the others parsed: $(tr '\n' ' ' <log)" || fail "mixed: $(cat log)"
for f in rust json; do
	run --format $f -o "again.$f" 2>log
	grep -q 'from the result cache' log && cmp -s "again.$f" "single.$f" && pass "--format $f then served alone" ||
		fail "--format $f was not served from the cache: $(cat log)"
done

# A depfile names every output as a target.
run --no-cache --format c,json -o dep --depfile dep.d 2>/dev/null
head -1 dep.d | grep -q '^dep/kabi.h dep/kabi.json:' && grep -q 'include/linux/module.h' dep.d &&
	pass "the depfile's targets are every output" || fail "depfile: $(head -2 dep.d)"

# The heap is prepared once per run, before its first parse, here for two (a set with no
# guess beside it asks the head first): grown by 256 MiB at once and advised for huge pages, or left
# to a sanitizer's allocator. The header is the same bytes either way (one.h: one parse).
cp "$(dirname "$kabigen")/configs/sets/loader.yaml" unguessed.yaml
KABIGEN_TRACE=1 run --no-cache --set-file unguessed.yaml -o heap.h 2>log
heap=$(grep 'the parse heap' log || true)
case $(ldd "$kabigen") in # not ldd | grep -q: grep's early exit fails ldd (pipefail)
*libasan*) want='left to the allocator' ;;
*) want='^kabigen: trace: the parse heap: (2[5-9][0-9]|[3-9][0-9][0-9]) MiB advised for huge pages$' ;;
esac
[ "$(grep -c 'trace: parsed' log)" -ge 2 ] && [ "$(wc -l <<<"$heap")" = 1 ] && grep -qE "$want" <<<"$heap" &&
	cmp -s heap.h one.h && pass "two parses, one heap: ${heap#kabigen: trace: }" ||
	fail "the parse heap: '$heap' (want $want) in $(grep -c 'trace: parsed' log) parse(s); same header: $(cmp heap.h one.h 2>&1 && echo yes)"

# Bad lists are usage errors that write nothing.
expect_error "--format c,cobol" 2 "--format cobol: use c, rust or json" "$work/bad/kabi.h" -- \
	run --format c,cobol -o bad
expect_error "--format c," 2 "--format 'c,': an empty format name" "$work/bad/kabi.h" -- run --format c, -o bad
finish
