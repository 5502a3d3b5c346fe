#!/usr/bin/env bash
# progress.sh: long work shows its progress on a terminal (a pseudo-terminal from
# script(1)) and nothing of it when standard error is a file: 'kabigen matrix' counts the
# triples done, 'kabigen list' the indexes updated and read, and a --kver download shows
# apt's own progress instead of kabigen's "fetched" lines.
# usage: progress.sh KABIGEN
. "$(dirname "$0")/lib.sh"
kabigen=$(realpath "$1")
export XDG_CACHE_HOME=$work/cache TERM=xterm
# on_tty OUT COMMAND...: COMMAND with a terminal for stdout and stderr, both into OUT.
on_tty() {
	local out=$1
	shift
	script -qec "$(printf '%q ' "$@")" /dev/null >"$out" 2>&1 </dev/null || true
}

# matrix: three triples that fail at once (their trees do not exist), so it is quick.
cat >"$work/m.yaml" <<YAML
triples:
  - { arch: riscv64, kdir: $work/none-1 }
  - { arch: arm64, kdir: $work/none-2 }
  - { arch: x86_64, kdir: $work/none-3 }
YAML
on_tty "$work/tty" "$kabigen" matrix -j 1 "$work/m.yaml"
grep -q $'\r''kabigen: triples done 3/3' "$work/tty" && grep -q '3 triples, 3 failed' "$work/tty" &&
	pass "matrix on a terminal counts the triples done: $(grep -o 'triples done [0-9]*/3' "$work/tty" | tr '\n' ' ')" ||
	fail "matrix on a terminal: $(cat -v "$work/tty")"
"$kabigen" matrix -j 1 "$work/m.yaml" >"$work/out" 2>"$work/err" || true
! grep -q 'triples done' "$work/err" && ! grep -q $'\r' "$work/err" "$work/out" &&
	grep -q '3 triples, 3 failed' "$work/out" &&
	pass "matrix not on a terminal prints no progress" || fail "matrix not on a terminal: $(cat -v "$work/err")"

# list: the first run (on a terminal) updates the indexes and reads them; the second (not
# on one) reads them again, silently.
on_tty "$work/tty" "$kabigen" list --arch riscv64 --kver 7.2
grep -q "updating the archive's indexes [0-9]*/[0-9]*" "$work/tty" &&
	pass "list on a terminal counts the indexes updated: $(grep -o "updating the archive's indexes [0-9]*/[0-9]*" "$work/tty" | tail -n 1)" ||
	fail "list on a terminal with no index cached: $(cat -v "$work/tty")"
n=$(grep -o "reading the archive's indexes [0-9]*/[0-9]*" "$work/tty" | tail -n 1)
last=${n##* }
[ -n "$n" ] && [ "${last%/*}" = "${last#*/}" ] && grep -q 'RELEASE  ' "$work/tty" &&
	pass "and the indexes read, to $last" || fail "list on a terminal: $(cat -v "$work/tty")"
"$kabigen" list --arch riscv64 --offline >"$work/out" 2>"$work/err" || true
grep -q '^RELEASE' "$work/out" && ! grep -q $'\r' "$work/err" "$work/out" && ! grep -q "archive's indexes" "$work/err" &&
	pass "list not on a terminal prints no progress" || fail "list not on a terminal: $(cat -v "$work/err")"

# --kver: apt's progress on a terminal, kabigen's one line per package elsewhere.
on_tty "$work/tty" "$kabigen" --arch riscv64 --kver 7.2 -o "$work/a.h"
grep -q 'Get:1 ' "$work/tty" && ! grep -q 'kabigen: fetched' "$work/tty" && [ -f "$work/a.h" ] &&
	pass "a --kver download on a terminal shows apt's progress" || fail "--kver on a terminal: $(cat -v "$work/tty")"
rm -rf "$work/cache/kabigen/trees"
"$kabigen" --arch riscv64 --kver 7.2 --no-cache -o "$work/b.h" 2>"$work/err"
[ "$(grep -c '^kabigen: fetched ' "$work/err")" = 2 ] && ! grep -q '^Get:' "$work/err" && ! grep -q $'\r' "$work/err" &&
	pass "and not on one, a line per package: $(grep '^kabigen: fetched' "$work/err" | tr '\n' ' ')" ||
	fail "--kver not on a terminal: $(cat -v "$work/err")"
finish
