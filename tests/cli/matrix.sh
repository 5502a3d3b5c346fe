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

# Two rows never write one file: one tree in two configurations is refused before anything
# runs unless each has its own 'output' folder; what only the run can tell (one release
# reached by two kdir spellings) fails the later row after the run, naming the file.
cp "$rv/.config" k.config
printf 'triples:\n  - { arch: riscv64, kdir: "%s" }\n  - { arch: riscv64, kdir: "%s", kconfig: k.config }\n' "$rv" "$rv" >same.yaml
expect_error "one tree in two configurations, one output folder" 1 "same.yaml: rows 1 and 2 are one tree in two configurations" \
	"$work/nothing" -- "$kabigen" matrix same.yaml --no-cache
printf 'triples:\n  - { arch: riscv64, kdir: "%s", output: o1 }\n  - { arch: riscv64, kdir: "%s", kconfig: k.config, output: o2, formats: [c, rust] }\n' \
	"$rv" "$rv" >outputs.yaml
if "$kabigen" matrix outputs.yaml --no-cache >summary2 2>&1 && cmp -s o1/kabi.h single.c &&
	grep -q '^ \* .config: *k.config sha256' o2/kabi.h && grep -q '^// .config: *k.config sha256' o2/kabi.rs; then
	pass "'output' folders keep one tree's two configurations apart"
else
	fail "'output' folders: $(cat summary2)"
fi
# One 'output' folder however it is spelt ("mo", "./mo/", a link to it, there yet or not)
# is refused before anything runs, naming both rows: else one row's header is lost.
printf 'triples:\n  - { arch: riscv64, kdir: "%s", output: mo }\n  - { arch: arm64, kdir: "%s", output: ./mo/ }\n' \
	"$rv" "$arm" >spelt.yaml
expect_error "'mo' and './mo/' as two rows' output" 1 "spelt.yaml: rows 1 \(output: mo\) and 2 \(output: ./mo/\) both write into $work/mo;" \
	"$work/mo/kabi.h" -- "$kabigen" matrix spelt.yaml --no-cache
ln -s mo mo-link
printf 'triples:\n  - { arch: riscv64, kdir: "%s", output: mo }\n  - { arch: arm64, kdir: "%s", output: mo-link }\n' \
	"$rv" "$arm" >linked.yaml
expect_error "a link to a row's output folder (not there yet)" 1 "linked.yaml: rows 1 \(output: mo\) and 2 \(output: mo-link\) both write" \
	"$work/mo/kabi.h" -- "$kabigen" matrix linked.yaml --no-cache
mkdir -p mo
expect_error "a link to a row's output folder" 1 "linked.yaml: rows 1 \(output: mo\) and 2 \(output: mo-link\) both write" \
	"$work/mo/kabi.h" -- "$kabigen" matrix linked.yaml --no-cache
# Every row's files are checked before any child runs: a folder where row 2's kabi.h goes
# leaves row 1's header as it was (else row 1 wrote, and only row 2 failed).
mkdir -p good bad/kabi.h
echo "previous header" >good/kabi.h
printf 'triples:\n  - { arch: riscv64, kdir: "%s", output: good }\n  - { arch: arm64, kdir: "%s", output: bad }\n' \
	"$rv" "$arm" >bad.yaml
expect_error "a folder where a row's kabi.h goes" 1 "bad.yaml: row 2: bad/kabi.h: exists and is a folder, not a regular file; nothing was written; move it away, or choose another path for the row's 'output'" \
	"$work/good/kabi.h" -- "$kabigen" matrix bad.yaml --no-cache
ln -s "$rv" rv-link
printf 'triples:\n  - { arch: riscv64, kdir: "%s" }\n  - { arch: riscv64, kdir: "%s" }\n' "$rv" "$work/rv-link" >spellings.yaml
rc=0
"$kabigen" matrix spellings.yaml --no-cache >summary3 2>&1 || rc=$?
if [ $rc = 1 ] && grep -q "FAILED .*, which row 1 wrote too: one overwrote the other" summary3; then
	pass "one release by two spellings: the later row fails, naming the file"
else
	fail "two spellings of one tree: exit $rc, $(cat summary3)"
fi
# A row's booleans follow kabigen's one rule (true or yes, false or no): 'offline: yes' makes the
# row offline, so with this test's empty cache it fails naming --offline (it was read as false
# and fetched); a word that is not a boolean is refused, naming the row's line.
printf 'triples:\n  - { arch: riscv64, kver: "%s", offline: yes }\n' "$rv_release" >offline.yaml
rc=0
"$kabigen" matrix offline.yaml --no-cache >summary4 2>&1 || rc=$?
if [ $rc = 1 ] && grep -q "FAILED .*--offline forbids the network" summary4; then
	pass "'offline: yes' is offline"
else
	fail "'offline: yes': exit $rc, $(cat summary4)"
fi
printf 'triples:\n  - { arch: riscv64, kdir: "%s", offline: maybe }\n' "$rv" >maybe.yaml
expect_error "'offline: maybe'" 1 "^kabigen: error: maybe.yaml:2:[0-9]+: offline must be true or false \\(or yes or no\\), not 'maybe'$" \
	"$work/out/$rv_release/kabi.h" -- "$kabigen" matrix maybe.yaml --no-cache
finish
