#!/usr/bin/env bash
# no-scdoc.sh: scdoc is optional for a plain build. The source configures on a machine where
# find_program cannot see scdoc (every folder holding it ignored, the other programs CMake
# looks for given by path); it says the man page is skipped, and neither builds nor installs it.
# usage: no-scdoc.sh SOURCE_DIR C_COMPILER
src=$1 cc=$2
. "$(dirname "$0")/../cli/lib.sh"

scdoc=$(command -v scdoc) || { echo "FAIL: scdoc is not installed (scripts/setup installs it)"; exit 1; }
hidden=()
for dir in $(tr ':' ' ' <<<"$PATH") /bin /usr/bin /usr/local/bin "$(dirname "$(readlink -f "$scdoc")")"; do
	[ -x "$dir/scdoc" ] && [[ " ${hidden[*]} " != *" $dir "* ]] && hidden+=("$dir")
done
ignore=$(IFS=';'; echo "${hidden[*]}")
echo "folders ignored: $ignore"
if cmake -S "$src" -B "$work/build" -DBUILD_TESTING=OFF -DCMAKE_C_COMPILER="$cc" "-DCMAKE_IGNORE_PATH=$ignore" \
	-DLLVM_CONFIG="$(command -v llvm-config-19)" -DCLANG="$(command -v clang-19)" \
	-DPKG_CONFIG_EXECUTABLE="$(command -v pkg-config)" -DCMAKE_MAKE_PROGRAM="$(command -v make)" \
	>"$work/configure.log" 2>&1; then
	pass "configures without scdoc"
else
	tail -15 "$work/configure.log"
	echo "FAIL: does not configure without scdoc"
	exit 1
fi
grep -q '^SCDOC:FILEPATH=SCDOC-NOTFOUND$' "$work/build/CMakeCache.txt" &&
	pass "find_program did not find scdoc" || fail "scdoc was found: $(grep '^SCDOC:' "$work/build/CMakeCache.txt")"
grep -q 'scdoc not found: the man page (kabigen.1) is neither built nor installed' "$work/configure.log" &&
	pass "the configure says the man page is skipped" || fail "no note about the man page in the configure output"
targets=$(cmake --build "$work/build" --target help)
grep -q kabigen_man <<<"$targets" && fail "the build still has a kabigen_man target" || pass "no man page target"
grep -q '^\.\.\. kabigen$' <<<"$targets" && pass "the kabigen target is there" || fail "no kabigen target"
grep -q 'kabigen\.1' "$work/build/cmake_install.cmake" && fail "the install still lists kabigen.1" ||
	pass "the install does not list kabigen.1"
finish
