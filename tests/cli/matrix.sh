#!/usr/bin/env bash
# matrix.sh: 'kabigen matrix' generates each triple, in parallel, the same bytes as one run
# each; rows of one tree are one child (one parse); a failing triple fails alone and the exit
# status says so.
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
  - { arch: riscv64, kdir: "$rv", formats: [json, c] }
YAML
cd "$work"
rc=0
"$kabigen" matrix matrix.yaml -j 2 --no-cache >summary 2>&1 || rc=$?
cat summary
rv_release=${rv##*/linux-headers-} arm_release=${arm##*/linux-headers-}
for f in c rust json; do
	"$kabigen" --arch riscv64 --kdir "$rv" --no-cache --format $f -o single.$f 2>/dev/null
done
[ $rc = 1 ] && pass "a failing triple makes the exit status 1" || fail "exit status $rc"
[ "$(grep -c ' ok ' summary)" = 4 ] && [ "$(grep -c ' FAILED ' summary)" = 1 ] &&
	grep -qE "^riscv64 [^ ]+ json +ok .*/kabi\.json " summary &&
	pass "the summary has four successes (a row per format) and the failure" || fail "the summary is wrong"
grep -q '^5 triples, 1 failed, .* 3 kabigen runs$' summary &&
	pass "the two riscv64 rows and their formats are one run" || fail "riscv64's rows were not grouped"
cmp -s "out/$rv_release/kabi.h" single.c && cmp -s "out/$rv_release/kabi.rs" single.rust &&
	cmp -s "out/$rv_release/kabi.json" single.json && [ -s "out/$arm_release/kabi.h" ] &&
	pass "each triple wrote what one run writes" || fail "the matrix outputs differ from single runs"
finish
