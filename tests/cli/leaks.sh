#!/usr/bin/env bash
# leaks.sh: one full generation under valgrind's leak check loses nothing for good, and
# neither does an error path (everything held is freed before exit).
# usage: leaks.sh KABIGEN
. "$(dirname "$0")/lib.sh"
kabigen=$1
kdir=$("$(dirname "$0")/../../scripts/fetch-debian-headers" sid riscv64)
vg=(valgrind --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --error-exitcode=99
	--suppressions="$(dirname "$0")/valgrind.supp")

if "${vg[@]}" "$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/kabi.h" >"$work/vg.log" 2>&1; then
	pass "a full generation: $(grep -o 'definitely lost: .*' "$work/vg.log")"
else
	fail "a full generation under valgrind: $(grep -E 'definitely lost|ERROR SUMMARY' "$work/vg.log")"
fi
# The precompiled head: made by a second parse of the tree's head (another set with the same
# includes), then used by a third; both paths free what they take.
cp "$(dirname "$kabigen")/configs/sets/loader.yaml" "$work/set2.yaml"
echo "# the loader set again" >>"$work/set2.yaml"
cp "$work/set2.yaml" "$work/set3.yaml"
echo "# and again" >>"$work/set3.yaml"
for set in set2 set3; do
	if KABIGEN_TRACE=1 "${vg[@]}" --suppressions="$(dirname "$0")/valgrind-pch.supp" "$kabigen" --arch riscv64 \
		--kdir "$kdir" --set-file "$work/$set.yaml" \
		-o "$work/$set.h" >"$work/vg-$set.log" 2>&1 && grep -q "precompiled" "$work/vg-$set.log"; then
		pass "$(grep -o 'trace: [a-z ]*precompiled[a-z ]*' "$work/vg-$set.log" | head -n 1): $(grep -o 'definitely lost: .*' "$work/vg-$set.log")"
	else
		fail "the precompiled head ($set) under valgrind: $(grep -E 'trace|definitely lost|ERROR SUMMARY' "$work/vg-$set.log")"
	fi
done
printf 'name: missing\nincludes: [linux/module.h]\nstructs: [module, no_such_struct]\n' >"$work/missing.yaml"
rc=0
"${vg[@]}" "$kabigen" --arch riscv64 --kdir "$kdir" --set-file "$work/missing.yaml" -o "$work/x.h" >"$work/vg2.log" 2>&1 || rc=$?
[ $rc = 1 ] && pass "an error path: $(grep -o 'definitely lost: .*' "$work/vg2.log" || echo 'no leaks')" ||
	fail "an error path under valgrind exited $rc: $(grep -E 'definitely lost|ERROR SUMMARY' "$work/vg2.log")"
finish
