#!/usr/bin/env bash
# consumer.sh: the example project is configured and built, rebuilt without change (kabigen
# does not run), and rebuilt after a header the translation unit read is touched (it runs).
# usage: consumer.sh KABIGEN GENERATOR
. "$(dirname "$0")/../cli/lib.sh"
kabigen=$(realpath "$1") generator=$2
here=$(cd "$(dirname "$0")" && pwd)
kdir=$("$here/../../scripts/fetch-debian-headers" sid riscv64)
# A private copy of the tree, so that touching it leaves the shared cache alone.
cp -r "$(dirname "$kdir")" "$work/src"
tree=$work/src/$(basename "$kdir")

cmake -S "$here" -B "$work/build" -G "$generator" -DCMAKE_MODULE_PATH="$here/../../cmake" \
	-DKABIGEN_EXECUTABLE="$kabigen" -DKDIR="$tree" >"$work/configure.log"
build() { cmake --build "$work/build" >"$work/build.log" 2>&1; }
runs() { [ "$(grep -c 'kabigen: kabi (riscv64' "$work/build.log")" -gt 0 ]; }

build && runs && [ -f "$work/build/kabi/kabi.h" ] && [ -f "$work/build/kabi/kabi.rs" ] &&
	pass "the first build runs kabigen ($generator)" || fail "the first build: $(tail -n 5 "$work/build.log")"
"$work/build/loader" >"$work/out" && [ "$(grep -c 'init=[0-9]* exit=[0-9]*' "$work/out")" = 1 ] &&
	pass "the loader reads struct module through kabi.h: $(cat "$work/out")" || fail "the loader did not run"
build && ! runs && pass "a rebuild without change does not run kabigen" ||
	fail "a rebuild without change ran kabigen: $(cat "$work/build.log")"
sleep 1
touch "$work/src/linux-headers-"*-common/include/linux/moduleparam.h
build && runs && pass "touching a header the unit read runs kabigen again" ||
	fail "touching moduleparam.h did not rerun kabigen: $(cat "$work/build.log")"
build && ! runs && pass "and the next build does not" || fail "kabigen ran twice after one touch"
finish
