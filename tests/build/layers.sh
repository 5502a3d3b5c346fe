#!/usr/bin/env bash
# layers.sh: the build enforces gen/'s layers. A copy of the source builds as it is; then, for
# each layer, every layer below it gets one file that includes one of its headers, and
# 'cmake --build' must fail naming each such file and header ("No such file"), so an include
# the wrong way cannot build. The layers and their order are read from CMakeLists.txt
# (KABIGEN_LAYERS), where they are written once. The copy is built as CI builds it, with
# KABIGEN_WERROR=ON: it builds clean, and a warning fails it.
# usage: layers.sh SOURCE_DIR C_COMPILER
src=$1 cc=$2
. "$(dirname "$0")/../cli/lib.sh"

read -r -a layers < <(sed -n 's/^set(KABIGEN_LAYERS \(.*\))$/\1/p' "$src/CMakeLists.txt")
[ ${#layers[@]} -ge 2 ] || { echo "FAIL: no set(KABIGEN_LAYERS ...) line in $src/CMakeLists.txt"; exit 1; }
echo "layers, bottom to top: ${layers[*]}"

# No include climbs out of its folder ("../clang/tu.h" would find a header past the layers).
climbing=$(grep -rn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"\.\./' "$src/gen" || true)
[ -z "$climbing" ] && pass "no include in gen/ climbs out with ../" || fail "includes climbing out: $climbing"

copy=$work/src
mkdir "$copy"
cp -a "$src/CMakeLists.txt" "$src/cmake" "$src/gen" "$src/completions" "$copy/"
build=$work/build
cmake -S "$copy" -B "$build" -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=Debug -DBUILD_TESTING=OFF \
	-DKABIGEN_WERROR=ON -DCMAKE_C_COMPILER="$cc" >"$work/configure.log" 2>&1 ||
	{ cat "$work/configure.log"; echo "FAIL: the copy does not configure"; exit 1; }
if cmake --build "$build" -j2 >"$work/build.log" 2>&1; then
	pass "the unmodified copy builds"
else
	tail -20 "$work/build.log"
	echo "FAIL: the unmodified copy does not build"
	exit 1
fi

# Round U: each layer L below U includes U's first header at the end of L's first .c file.
# make -k compiles every one of them, so each must fail on its own.
for ((u = 1; u < ${#layers[@]}; u++)); do
	upper=${layers[u]}
	header=$(cd "$copy/gen" && ls "$upper"/*.h | head -1)
	files=()
	for ((l = 0; l < u; l++)); do
		file=$(cd "$copy/gen" && ls "${layers[l]}"/*.c | head -1)
		cp -p "$copy/gen/$file" "$work/saved.$l"
		echo "#include \"$header\"" >>"$copy/gen/$file"
		files+=("$file")
	done
	rc=0
	cmake --build "$build" -j2 -- -k >"$work/round.log" 2>&1 || rc=$?
	if [ $rc = 0 ]; then
		fail "the build passed with ${files[*]} including $header"
	else
		for file in "${files[@]}"; do
			if grep -Eq "gen/$file:[0-9]+:[0-9]+: fatal error: $header: No such file" "$work/round.log"; then
				pass "$file including $header fails the build"
			else
				fail "the failed build does not name $file including $header:"
				grep -E 'error' "$work/round.log" | head -5
			fi
		done
	fi
	for ((l = 0; l < u; l++)); do
		cp -p "$work/saved.$l" "$copy/gen/${files[l]}"
	done
done

# The same includes the right way (downwards) are fine: the top layer includes every header.
top=${layers[-1]}
file=$(cd "$copy/gen" && ls "$top"/*.c | head -1)
for ((l = 0; l < ${#layers[@]} - 1; l++)); do
	echo "#include \"$(cd "$copy/gen" && ls "${layers[l]}"/*.h | head -1)\"" >>"$copy/gen/$file"
done
if cmake --build "$build" -j2 >"$work/down.log" 2>&1; then
	pass "$file including a header of every layer below it builds"
else
	fail "$file including a header of every layer below it does not build:"
	grep -E 'error' "$work/down.log" | head -5
fi

# KABIGEN_WERROR=ON: a warning (an unused static variable) fails the build, naming it.
echo 'static int kabigen_unused_probe;' >>"$copy/gen/$file"
rc=0
cmake --build "$build" -j2 >"$work/werror.log" 2>&1 || rc=$?
if [ $rc != 0 ] && grep -Eq "gen/$file:[0-9]+:[0-9]+: error: .kabigen_unused_probe. defined but not used \[-Werror" "$work/werror.log"; then
	pass "with KABIGEN_WERROR=ON, an unused variable in $file fails the build"
else
	fail "with KABIGEN_WERROR=ON, an unused variable in $file did not fail the build (rc $rc):"
	grep -E 'warning|error' "$work/werror.log" | head -5
fi
finish
