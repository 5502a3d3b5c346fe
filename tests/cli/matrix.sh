#!/usr/bin/env bash
# matrix.sh: 'kabigen matrix' generates each triple, in parallel, the same bytes as one run
# each; a failing triple fails alone and the exit status says so.
# usage: matrix.sh KABIGEN
. "$(dirname "$0")/lib.sh"
kabigen=$(realpath "$1")
fetch=$(dirname "$0")/../../scripts/fetch-debian-headers
rv=$("$fetch" sid riscv64) arm=$("$fetch" sid arm64)
cat >"$work/matrix.yaml" <<YAML
triples:
  - { arch: riscv64, kdir: "$rv", formats: [c, rust] }
  - { arch: arm64, kdir: "$arm" }
  - { arch: arm64, kdir: "$work/no-such-tree" }
YAML
cd "$work"
rc=0
"$kabigen" matrix matrix.yaml -j 2 --no-cache >summary 2>&1 || rc=$?
cat summary
rv_release=${rv##*/linux-headers-} arm_release=${arm##*/linux-headers-}
"$kabigen" --arch riscv64 --kdir "$rv" -o single.h 2>/dev/null
[ $rc = 1 ] && pass "a failing triple makes the exit status 1" || fail "exit status $rc"
[ "$(grep -c ' ok ' summary)" = 3 ] && [ "$(grep -c ' FAILED ' summary)" = 1 ] &&
	pass "the summary has three successes and the failure" || fail "the summary is wrong"
cmp -s "out/$rv_release/kabi.h" single.h && [ -s "out/$rv_release/kabi.rs" ] && [ -s "out/$arm_release/kabi.h" ] &&
	pass "each triple wrote what one run writes" || fail "the matrix outputs differ from single runs"
finish
