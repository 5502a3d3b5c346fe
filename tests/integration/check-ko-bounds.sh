#!/usr/bin/env bash
# check-ko-bounds.sh: 'kabigen check-ko' in bounded time and memory on hostile inputs, each
# made here from a real Debian module (sid amd64's af_key) linked (ld -r) with generated
# assembly, or with real xz and zstd: links back into a folder, a dangling link, 100,000
# files, 320,000 relocation types, 500,000 stray __param relocations, a sparse 3 GB file, a
# 10 GB one, decompression bombs on every thread, an xz dictionary and a zstd window past the
# budget, a 2 GB symbols file, FIFOs and devices, -j past the cores, and threads that cannot start. Counts are read from the inputs, never typed; time is CPU time
# (the machine may be shared) and memory the peak resident set.
# usage: check-ko-bounds.sh KABIGEN KO_RETYPE
. "$(dirname "$0")/../cli/lib.sh"
kabigen=$1 retype=$2
fetch=$(cd "$(dirname "$0")" && pwd)/../../scripts/fetch-debian-headers
{ read -r kdir; read -r mods; } < <("$fetch" --modules sid amd64 amd64)
# The sanitizer build needs terabytes of address space: ulimit -v cannot bound it, and it
# keeps freed memory in quarantine, so its peak resident set says little.
sanitized=0
if [ "$(ldd "$kabigen" | grep -c 'libasan')" -gt 0 ]; then sanitized=1; fi

"$kabigen" --arch amd64 --kdir "$kdir" --format json -o "$work/la.json" 2>/dev/null
layout=$work/la.json
module=$(find "$mods" -path '*/net/key/af_key.ko*' | head -n 1)
xz -dc "$module" >"$work/real.ko"

# measure OUT -- COMMAND...: runs COMMAND (stdout to OUT, stderr to OUT.err); sets rc, cpu
# (user + system seconds) and peak (resident kilobytes).
measure() {
	local out=$1
	shift 2
	rc=0
	/usr/bin/time -f '%U %S %M' -o "$work/time" "$@" >"$out" 2>"$out.err" || rc=$?
	read -r user sys peak < <(tail -n 1 "$work/time") || true
	cpu=$(awk -v u="${user:-0}" -v s="${sys:-0}" 'BEGIN { printf "%.2f", u + s }')
}
# asm NAME TEXT: assembles TEXT and links it with the real module into $work/NAME.ko.
asm() {
	printf '.section .note.GNU-stack,"",@progbits\n%s\n' "$2" >"$work/$1.s"
	clang-19 -target x86_64-linux-gnu -c "$work/$1.s" -o "$work/$1.o"
	ld -r "$work/real.ko" "$work/$1.o" -o "$work/$1.ko"
}
# How many modules of a JSON report are over a bound (their own verdict).
over_bound() { jq '[.modules[] | select(.verdict == "over a bound")] | length' "$1"; }

# ---- item 9: links back into the folder end the walk; a file reached twice is checked once ----
mkdir "$work/loop"
cp "$module" "$work/loop/"
ln -s . "$work/loop/a.ko"
ln "$work/loop/$(basename "$module")" "$work/loop/hard.ko.xz"
measure "$work/loop1.json" -- timeout -k 5 60 "$kabigen" check-ko --layout "$layout" --format json "$work/loop"
[ "$rc" = 0 ] && [ "$(jq .summary.modules "$work/loop1.json")" = 1 ] &&
	pass "one '*.ko -> .' link and a hard link: the module checked once" ||
	fail "one link back: exit $rc, $(jq .summary.modules "$work/loop1.json" 2>/dev/null) modules, expected 1"
ln -s . "$work/loop/b.ko"
measure "$work/loop2.json" -- timeout -k 5 60 "$kabigen" check-ko --layout "$layout" --format json "$work/loop"
[ "$rc" = 0 ] && [ "$(jq .summary.modules "$work/loop2.json")" = 1 ] &&
	pass "two '*.ko -> .' links: the walk ends, the module checked once (${cpu}s)" ||
	fail "two links back: exit $rc (124: timed out), $(jq .summary.modules "$work/loop2.json" 2>/dev/null) modules"

# ---- item 14: a dangling '*.ko' link is reported, not skipped ----
rm "$work/loop/a.ko" "$work/loop/b.ko"
ln -s nowhere.ko "$work/loop/gone.ko"
measure "$work/gone.json" -- "$kabigen" check-ko --layout "$layout" --format json "$work/loop"
[ "$rc" = 1 ] && [ "$(jq .summary.unreadable "$work/gone.json")" = 1 ] &&
	grep -qF "$work/loop/gone.ko: a symbolic link to nowhere.ko, which does not exist; fix the link or remove it" "$work/gone.json.err" &&
	pass "a dangling link: exit 1, named: $(grep gone.ko "$work/gone.json.err")" ||
	fail "a dangling link: exit $rc, $(jq -c .summary "$work/gone.json"): $(cat "$work/gone.json.err")"
rm "$work/loop/gone.ko"

# ---- item 10: time in proportion to the number of files ----
mkdir "$work/many"
(cd "$work/many" && seq 1 100000 | sed 's/^/m/; s/$/.ko/' | xargs touch)
measure "$work/many.json" -- "$kabigen" check-ko --layout "$layout" --format json "$work/many"
[ "$(jq .summary.modules "$work/many.json")" = 100000 ] && awk -v c="$cpu" 'BEGIN { exit !(c < 10) }' &&
	pass "a folder of 100,000 files: ${cpu}s of CPU" || fail "100,000 files: ${cpu}s of CPU, $(jq .summary.modules "$work/many.json") modules"
rm -rf "$work/many"

# ---- item 10: time in proportion to the number of relocation types ----
asm types ".data
.rept 320000
.quad target
.endr"
n_types=$("$retype" "$work/types.ko" .rela.data 1000)
xz -0 -T1 "$work/types.ko"
measure "$work/types.txt" -- timeout -k 5 120 "$kabigen" check-ko --layout "$layout" "$work/types.ko.xz"
[ "$rc" = 4 ] && awk -v c="$cpu" 'BEGIN { exit !(c < 30) }' &&
	grep -qF "relocation type 1000 (x1) is none the triple's headers name (and $((n_types - 1)) more types)" "$work/types.txt" &&
	pass "$n_types relocation types in a $(stat -c %s "$work/types.ko.xz")-byte .ko.xz: ${cpu}s of CPU, one finding" ||
	fail "$n_types relocation types: exit $rc (124: timed out) after ${cpu}s: $(grep -m 1 'relocation type' "$work/types.txt" | cut -c 1-200)"
rm -f "$work/types.ko.xz" "$work/types.o"

# ---- item 11: stray __param relocations: memory in proportion, one finding ----
stride=$(jq '.structs[] | select(.name == "kernel_param") | .size' "$layout")
perm=$(jq '.structs[] | select(.name == "kernel_param") | .members[] | select(.name == "perm") | .offset_bits / 8' "$layout")
asm param "$(printf '.section __param,"a"\n.rept 500000\n.zero %d\n.quad target\n.zero %d\n.endr' "$perm" $((stride - perm - 8)))"
n_param=$(readelf -rW "$work/param.ko" | sed -n "s/^Relocation section '.rela__param' at offset [0-9a-fx]* contains \([0-9]*\) entr.*/\1/p")
plain_size=$(stat -c %s "$work/param.ko")
zstd -q -1 --rm "$work/param.ko"
measure "$work/param.json" -- "$kabigen" check-ko --layout "$layout" --format json "$work/param.ko.zst"
report_size=$(stat -c %s "$work/param.json")
[ "$rc" = 8 ] && [ "$report_size" -lt 1000000 ] &&
	[ "$(jq -r '.modules[0].findings[].text' "$work/param.json" | grep -cF "(and $((n_param - 1)) more relocations)")" = 1 ] &&
	pass "$n_param stray __param relocations: one finding, a $report_size-byte report" ||
	fail "$n_param stray __param relocations: exit $rc, a $report_size-byte report"
if [ "$sanitized" = 0 ]; then
	[ "$peak" -lt $((3 * plain_size / 1024)) ] && pass "... in $((peak / 1024)) MiB, under 3 times the $((plain_size >> 20)) MiB module" ||
		fail "$n_param stray __param relocations took $((peak / 1024)) MiB for a $((plain_size >> 20)) MiB module"
fi
rm -f "$work/param.ko.zst" "$work/param.o"

# ---- item 11: files past every bound are named, without being read; the scan goes on ----
mkdir "$work/big"
cp "$module" "$work/big/good.ko.xz"
truncate -s 3G "$work/big/sparse.ko"
cp "$work/real.ko" "$work/big/huge.ko"
truncate -s 10G "$work/big/huge.ko"
limit=
[ "$sanitized" = 1 ] || limit="ulimit -v 4000000;"
measure "$work/big.json" -- bash -c "$limit exec \"\$@\"" - "$kabigen" check-ko --layout "$layout" --format json "$work/big"
[ "$rc" = 1 ] && [ "$(jq .summary.load "$work/big.json")" = 1 ] && [ "$(jq .summary.unreadable "$work/big.json")" = 2 ] &&
	[ "$(jq -r '.modules[] | select(.verdict == "over a bound") | .path' "$work/big.json")" = "$work/big/huge.ko" ] &&
	grep -qF "$work/big/sparse.ko: not an ELF file" "$work/big.json.err" &&
	grep -qF "$work/big/huge.ko: 10.0 GiB, more than the 1 GiB check-ko reads of one module" "$work/big.json.err" &&
	[ "$peak" -lt 300000 ] &&
	pass "a sparse 3 GB file and a 10 GB one${limit:+ under ulimit -v 4G}: named, the good module loads, $((peak / 1024)) MiB" ||
	fail "3 GB and 10 GB files: exit $rc, $(jq -c .summary "$work/big.json" 2>/dev/null), $((peak / 1024)) MiB: $(cat "$work/big.json.err")"
rm -rf "$work/big"

# ---- item 11: decompression bombs on every thread share one budget ----
mkdir "$work/bombs"
cp "$module" "$work/bombs/good.ko.xz"
{ cat "$work/real.ko"; head -c 900M /dev/zero; } | zstd -q -1 -o "$work/bombs/bomb1.ko.zst"
for i in 2 3 4; do cp "$work/bombs/bomb1.ko.zst" "$work/bombs/bomb$i.ko.zst"; done
measure "$work/bombs.json" -- "$kabigen" check-ko --layout "$layout" --format json -j 4 --max-memory 256M "$work/bombs"
[ "$rc" = 1 ] && [ "$(jq .summary.load "$work/bombs.json")" = 1 ] && [ "$(over_bound "$work/bombs.json")" = 4 ] &&
	[ "$(grep -c "bomb[1-4].ko.zst: cannot decompress it: it inflates past check-ko's memory budget of 256.0 MiB" "$work/bombs.json.err")" = 4 ] &&
	{ [ "$sanitized" = 1 ] || [ "$peak" -lt $(((256 + 100) * 1024)) ]; } &&
	pass "4 bombs at -j 4 in a 256 MiB budget: each named, the good module loads, $((peak / 1024)) MiB" ||
	fail "4 bombs in 256 MiB: exit $rc, $(jq -c .summary "$work/bombs.json" 2>/dev/null), $((peak / 1024)) MiB: $(cat "$work/bombs.json.err")"
if [ "$sanitized" = 0 ]; then
	# Without --max-memory the budget is half of what ulimit -v leaves: no "out of memory" death.
	measure "$work/bombs-v.json" -- bash -c 'ulimit -v 2500000; exec "$@"' - "$kabigen" check-ko --layout "$layout" \
		--format json -j 4 "$work/bombs"
	[ "$rc" = 1 ] && [ "$(jq .summary.load "$work/bombs-v.json")" = 1 ] && [ "$(over_bound "$work/bombs-v.json")" = 4 ] &&
		[ "$(grep -c "bomb[1-4].ko.zst: .*memory budget" "$work/bombs-v.json.err")" = 4 ] &&
		pass "4 bombs at -j 4 under ulimit -v 2.5G: each named as over the budget, the good module loads" ||
		fail "4 bombs under ulimit -v 2.5G: exit $rc: $(head -c 600 "$work/bombs-v.json.err")"
fi
# Modules that fit the budget alone but not two at once: the second is read again alone, and
# both load, whatever the threads' timing.
asm wide ".data
.zero 200000000"
for i in 1 2; do zstd -q -1 "$work/wide.ko" -o "$work/bombs/wide$i.ko.zst"; done
rm -f "$work/wide.ko" "$work/wide.o"
measure "$work/budget.json" -- "$kabigen" check-ko --layout "$layout" --format json -j 2 --max-memory 1G \
	"$work/bombs/wide1.ko.zst" "$work/bombs/wide2.ko.zst"
[ "$rc" = 0 ] && [ "$(jq .summary.load "$work/budget.json")" = 2 ] &&
	pass "two 200 MB modules in a 1 GiB budget at -j 2: both load" ||
	fail "two 200 MB modules in 1 GiB: exit $rc, $(jq -c .summary "$work/budget.json" 2>/dev/null): $(cat "$work/budget.json.err")"
rm -rf "$work/bombs"

# ---- item 11: the decoders' own memory is the budget's too: a stream chooses its dictionary or
# window whatever the module's size (read from a pipe, xz and zstd keep the size asked for) ----
mkdir "$work/dict"
xz -9e --lzma2=dict=512MiB -T1 -c <"$work/real.ko" >"$work/dict/dict.ko.xz"
zstd -q --long=31 -c <"$work/real.ko" >"$work/dict/window.ko.zst"
dict_mib=$(xz -lvv "$work/dict/dict.ko.xz" | sed -n 's/^ *Memory needed: *\([0-9]*\) MiB$/\1/p' | head -n 1)
window_mib=$(($(zstd -lv "$work/dict/window.ko.zst" 2>&1 | sed -n 's/^Window Size: .*(\([0-9]*\) B)$/\1/p') >> 20))
measure "$work/dict.json" -- "$kabigen" check-ko --layout "$layout" --format json -j 2 --max-memory 64M "$work/dict"
[ "$dict_mib" -gt 64 ] && [ "$window_mib" -gt 64 ] && [ "$rc" = 1 ] && [ "$(over_bound "$work/dict.json")" = 2 ] &&
	need_mib=$(sed -n 's/.*dict.ko.xz: needs \([0-9.]*\) MiB to be read, more than check-ko.s memory budget of 64.0 MiB.*/\1/p' "$work/dict.json.err") &&
	awk -v n="$need_mib" -v d="$dict_mib" 'BEGIN { exit !(n != "" && n >= d - 1 && n <= d + 2) }' &&
	grep -qF "window.ko.zst: cannot decompress it: its zstd window is larger than what is left of check-ko's memory budget of 64.0 MiB" "$work/dict.json.err" &&
	pass "a $dict_mib MiB xz dictionary and a $window_mib MiB zstd window in a 64 MiB budget: over a bound ($need_mib MiB needed)" ||
	fail "a $dict_mib MiB dictionary, a $window_mib MiB window in 64 MiB: exit $rc, $(jq -c '[.modules[].verdict]' "$work/dict.json" 2>/dev/null): $(cat "$work/dict.json.err")"
# A budget for one decoder at a time: two copies of each, at -j 2, all load (one read again alone).
cp "$work/dict/dict.ko.xz" "$work/dict/dict2.ko.xz"
cp "$work/dict/window.ko.zst" "$work/dict/window2.ko.zst"
measure "$work/dict-fits.json" -- "$kabigen" check-ko --layout "$layout" --format json -j 2 \
	--max-memory $((window_mib + 64))M "$work/dict"
[ "$rc" = 0 ] && [ "$(jq .summary.load "$work/dict-fits.json")" = 4 ] &&
	pass "the same modules, twice, in a $((window_mib + 64)) MiB budget at -j 2: all load" ||
	fail "a $((window_mib + 64)) MiB budget: exit $rc, $(jq -c .summary "$work/dict-fits.json" 2>/dev/null): $(cat "$work/dict-fits.json.err")"
rm -rf "$work/dict"

# ---- item 11 and 14: the symbols file: its size and what it is, said first ----
truncate -s 2G "$work/huge.symvers"
measure "$work/sym.txt" -- "$kabigen" check-ko --layout "$layout" --symvers "$work/huge.symvers" "$module"
[ "$rc" = 1 ] && [ "$(wc -l <"$work/sym.txt.err")" = 1 ] &&
	grep -qF "$work/huge.symvers: 2048 MiB, not a Module.symvers" "$work/sym.txt.err" && [ "$peak" -lt 300000 ] &&
	pass "a 2 GB symbols file: $(cat "$work/sym.txt.err") ($((peak / 1024)) MiB)" ||
	fail "a 2 GB symbols file: exit $rc, $((peak / 1024)) MiB: $(cat "$work/sym.txt.err")"
mkfifo "$work/fifo.symvers" "$work/fifo.ko"
expect_error "a FIFO as the symbols file" 1 "fifo.symvers: a FIFO \(named pipe\), not a file; save the symbols to a file" \
	"$work/none" -- timeout -k 5 20 "$kabigen" check-ko --layout "$layout" --symvers "$work/fifo.symvers" "$module"
expect_error "a device as the symbols file" 1 "/dev/null: a character device, not a file" \
	"$work/none" -- "$kabigen" check-ko --layout "$layout" --symvers /dev/null "$module"
for special in "$work/fifo.ko" /dev/null; do
	measure "$work/special.txt" -- timeout -k 5 20 "$kabigen" check-ko --layout "$layout" "$special" "$module"
	[ "$rc" = 1 ] && grep -qE "^kabigen: error: $special: a (FIFO \(named pipe\)|character device), not a file; check-ko reads a module from a file" "$work/special.txt.err" &&
		pass "$special as a module: $(grep "$special" "$work/special.txt.err")" ||
		fail "$special as a module: exit $rc: $(cat "$work/special.txt.err")"
done

# ---- item 11: -j is at most the online cores (each thread holds a module's memory) ----
mkdir "$work/jobs"
cp "$(dirname "$(find "$mods" -path '*/ipv4/tcp_bic.ko*')")"/*.ko* "$work/jobs"
# (LeakSanitizer cannot run under a tracer: the sanitizer build runs this once without it)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=clone,clone3 -o "$work/clones" \
	"$kabigen" check-ko --layout "$layout" -j 64 "$work/jobs" >/dev/null 2>&1
threads=$(grep -c 'CLONE_THREAD' "$work/clones" || true)
cores=$(getconf _NPROCESSORS_ONLN)
[ "$threads" -le $((cores - 1)) ] && pass "-j 64 on $cores cores: $threads more threads" ||
	fail "-j 64 on $cores cores started $threads threads"

# ---- item 15: threads that cannot start: the scan goes on without them ----
# A thread's stack is RLIMIT_STACK's size: 3 GB of it under ulimit -v 2.5G cannot be mapped.
if [ "$sanitized" = 0 ]; then
	mkdir "$work/threads"
	cp "$work/jobs"/* "$work/threads"
	measure "$work/threads.json" -- bash -c 'ulimit -s 3000000; ulimit -v 2500000; exec "$@"' - "$kabigen" check-ko \
		--layout "$layout" --format json -j 2 "$work/threads"
	want=$(find "$work/threads" -name '*.ko*' | wc -l)
	[ "$rc" = 0 ] && [ "$(jq .summary.load "$work/threads.json")" = "$want" ] &&
		pass "no thread can start: all $want modules checked on the main one" ||
		fail "threads that cannot start: exit $rc, $(jq -c .summary "$work/threads.json" 2>/dev/null): $(cat "$work/threads.json.err")"
fi

finish
