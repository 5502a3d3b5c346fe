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
printf 'name: missing\nincludes: [linux/module.h]\nstructs: [module, no_such_struct]\n' >"$work/missing.yaml"
rc=0
"${vg[@]}" "$kabigen" --arch riscv64 --kdir "$kdir" --set-file "$work/missing.yaml" -o "$work/x.h" >"$work/vg2.log" 2>&1 || rc=$?
[ $rc = 1 ] && pass "an error path: $(grep -o 'definitely lost: .*' "$work/vg2.log" || echo 'no leaks')" ||
	fail "an error path under valgrind exited $rc: $(grep -E 'definitely lost|ERROR SUMMARY' "$work/vg2.log")"
finish
