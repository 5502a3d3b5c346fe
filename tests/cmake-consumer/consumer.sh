#!/usr/bin/env bash
# consumer.sh: kabigen's build is installed into a prefix (cmake --install); the example
# project finds it there with find_package(Kabigen 0.2 REQUIRED), is configured and built,
# rebuilt without change (kabigen does not run), and rebuilt after a header the translation
# unit read is touched (it runs).
# usage: consumer.sh BUILD_DIR GENERATOR
. "$(dirname "$0")/../cli/lib.sh"
build_dir=$(realpath "$1") generator=$2
here=$(cd "$(dirname "$0")" && pwd)
cmake --install "$build_dir" --prefix "$work/prefix" >"$work/install.log"
kabigen=$work/prefix/bin/kabigen
kdir=$("$here/../../scripts/fetch-debian-headers" sid riscv64)
# A private copy of the tree, so that touching it leaves the shared cache alone.
cp -r "$(dirname "$kdir")" "$work/src"
tree=$work/src/$(basename "$kdir")

# find_package's version check: the installed 0.2 satisfies 0.2 and refuses 0.3 and 1.0.
mkdir "$work/want"
for want in 0.2 0.3 1.0; do
	printf 'cmake_minimum_required(VERSION 3.20)\nproject(want NONE)\nfind_package(Kabigen %s REQUIRED)\nmessage(STATUS "kabigen=${KABIGEN_EXECUTABLE}")\n' \
		"$want" >"$work/want/CMakeLists.txt"
	rc=0
	cmake -S "$work/want" -B "$work/want/build-$want" -DCMAKE_PREFIX_PATH="$work/prefix" >"$work/want.log" 2>&1 || rc=$?
	case $want,$rc in
	0.2,0) grep -q "kabigen=$kabigen\$" "$work/want.log" && pass "find_package(Kabigen 0.2) finds $kabigen" ||
		fail "find_package(Kabigen 0.2): $(cat "$work/want.log")" ;;
	0.2,*) fail "find_package(Kabigen 0.2) failed: $(cat "$work/want.log")" ;;
	*,0) fail "find_package(Kabigen $want) accepted the installed $("$kabigen" --version)" ;;
	*) grep -q 'KabigenConfig.cmake, version: 0\.2\.' "$work/want.log" && pass "find_package(Kabigen $want) refuses the installed 0.2" ||
		fail "find_package(Kabigen $want) failed for another reason: $(cat "$work/want.log")" ;;
	esac
done

# The project names no path to kabigen: find_package gives it (configs and engine installed beside).
cmake -S "$here" -B "$work/build" -G "$generator" -DCMAKE_PREFIX_PATH="$work/prefix" -DKDIR="$tree" \
	>"$work/configure.log"
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
