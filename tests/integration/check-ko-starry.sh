#!/usr/bin/env bash
# check-ko-starry.sh: configs/loaders/starry-kmod-0.3.yaml (StarryOS's kmod-loader 0.3) on the
# newest sid riscv64 modules package: no module loads, each refused first for the init it reads
# where __this_module holds NULL and the .plt/.got it requires; with the layout and the required
# sections made right in a copy, as many load as with neither (the symbol-limited count); with
# every symbol provided too, the unprocessed sections remain, counted. Every number is the package's.
# usage: check-ko-starry.sh KABIGEN
. "$(dirname "$0")/../cli/lib.sh"
kabigen=$(realpath "$1")
fetch=$(cd "$(dirname "$0")" && pwd)/../../scripts/fetch-debian-headers
configs=$(cd "$(dirname "$0")" && pwd)/../../configs
share_downloads
{ read -r kdir; read -r mods; } < <("$fetch" --modules sid riscv64 riscv64)
profile=$configs/loaders/starry-kmod-0.3.yaml
modules=$(find "$mods" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' | wc -l)
ko() { # PROFILE OUT: exits 4 (some module fails the profile) or 0, with a report and nothing on stderr
	local rc=0
	"$kabigen" check-ko --arch riscv64 --kdir "$kdir" --loader "$1" --format json "$mods" >"$2" 2>"$work/stderr" || rc=$?
	{ [ "$rc" = 0 ] || [ "$rc" = 4 ]; } && [ ! -s "$work/stderr" ] && jq -e .summary "$2" >/dev/null ||
		fail "check-ko --loader $1: exit $rc, $(head -c 2000 "$work/stderr")"
}
reason_modules() { jq "[.summary.reasons[] | select(.name == \"$2\")][0].modules // 0" "$1"; }

# ---- the profile as shipped: nothing loads ----
ko "$profile" "$work/starry.json"
[ "$(jq .summary.modules "$work/starry.json")" = "$modules" ] && [ "$(jq .summary.load "$work/starry.json")" = 0 ] &&
	pass "starry-kmod-0.3: 0 of $modules modules load" || fail "starry: $(jq -c '.summary | del(.reasons, .symbols, .relocations, .sections)' "$work/starry.json")"
for s in .plt .got .got.plt; do
	[ "$(reason_modules "$work/starry.json" "section $s required")" = "$modules" ] &&
		pass "section $s required: all $modules refused" || fail "section $s required in $(reason_modules "$work/starry.json" "section $s required")"
done
# The modules with an init_module are those whose init the loader misreads (at 312, as NULL).
init_at=$(sed -n 's/.*module: { size: [0-9]*, init: \([0-9]*\),.*/\1/p' "$profile")
with_init=0
for f in $(find "$mods" -name '*.ko.xz' | sort | head -n 40); do
	xz -dc "$f" >"$work/m.ko"
	at=$(readelf -rW "$work/m.ko" | awk '/^Relocation section/ { s = index($0, ".rela.gnu.linkonce.this_module") > 0; next }
		s && $5 == "init_module" { print $1 }')
	[ -n "$at" ] && [ $((16#$at)) != "$init_at" ] || continue
	with_init=$((with_init + 1))
	jq -e --arg p "$f" '.modules[] | select(.path == $p) | .findings[] | select(.reason == "layout struct module init")' \
		"$work/starry.json" >/dev/null || fail "$f: init at $((16#$at)), not reported as misread at $init_at"
done
[ "$with_init" -gt 0 ] && pass "init misread in each of the $with_init sampled modules with init_module" || fail "no sampled module has init_module"
# Named first: every module's first finding is the layout or a required section.
[ "$(jq '[.modules[] | select((.findings[0].reason | (startswith("layout ") or endswith(" required"))) | not)] | length' "$work/starry.json")" = 0 ] &&
	pass "every module's first finding is the layout or a required section" ||
	fail "first findings: $(jq -r '[.modules[] | .findings[0].reason] | unique | join(";")' "$work/starry.json")"

# ---- layout and sections made right (the triple's own offsets, nothing required) vs neither ----
this_size=$(jq '[.modules[].this_module.size] | unique | if length == 1 then .[0] else error("sizes differ") end' "$work/starry.json")
xz -dc "$(find "$mods" -path '*/net/key/af_key.ko.xz' | head -n 1)" >"$work/af_key.ko"
reloc_at() {
	echo $((16#$(readelf -rW "$work/af_key.ko" | awk -v sym="$1" '/^Relocation section/ { s = index($0, ".rela.gnu.linkonce.this_module") > 0; next }
		s && $5 == sym { print $1; exit }')))
}
sed -e "s/module: { size: [0-9]*, init: [0-9]*, exit: [0-9]* }/module: { size: $this_size, init: $(reloc_at init_module), exit: $(reloc_at cleanup_module) }/" \
	-e 's/sections: { required: \[[^]]*\] }/sections: { required: [] }/' "$profile" >"$work/right.yaml"
grep -q "size: $this_size" "$work/right.yaml" || fail "the layout line was not rewritten"
sed -e '/^layout:$/,/^$/d' -e '/sections: { required:/d' "$profile" >"$work/neither.yaml"
grep -q -e '^layout:' -e 'required:' "$work/neither.yaml" && fail "neither.yaml still has layout or required"
ko "$work/right.yaml" "$work/right.json"
ko "$work/neither.yaml" "$work/neither.json"
right=$(jq .summary.load "$work/right.json") neither=$(jq .summary.load "$work/neither.json")
[ "$right" = "$neither" ] && [ "$(jq '[.summary.reasons[] | select(.name | startswith("layout ") or endswith(" required"))] | length' "$work/right.json")" = 0 ] &&
	pass "layout and sections made right: $right load, as with neither ($neither)" || fail "made right: $right load, neither: $neither"

# ---- and every symbol provided (Module.symvers): the unprocessed sections remain, counted ----
sed 's/^  list: \[\]$/  list: []\n/; s/^symbols:$/symbols: symvers\nold_symbols:/' "$work/right.yaml" | sed '/^old_symbols:$/,/^$/d' >"$work/all.yaml"
grep -q '^symbols: symvers$' "$work/all.yaml" || fail "all.yaml: symbols not rewritten"
ko "$work/all.yaml" "$work/all.json"
load=$(jq .summary.load "$work/all.json") unproc=$(jq .summary.load_unprocessed "$work/all.json")
# Derived from the modules themselves: those that load and have a special section other than __param.
expected=$(jq '[.modules[] | select(.verdict != "crashes the loader" and (.findings | map(select(.kind != "warning" and .kind != "note")) | length) == 0)
	| select([.special_sections[] | select(startswith("__param ") | not)] | length > 0)] | length' "$work/all.json")
jump=$(jq '[.modules[] | select((.findings | map(select(.kind != "warning" and .kind != "note")) | length) == 0)
	| select(.special_sections | index("__jump_table unprocessed"))] | length' "$work/all.json")
[ "$load" -gt "$right" ] && [ "$unproc" -gt 0 ] && [ "$unproc" = "$expected" ] &&
	[ "$(reason_modules "$work/all.json" "unprocessed section __jump_table")" -ge "$jump" ] && [ "$jump" -gt 0 ] &&
	pass "every symbol provided: $load load, $unproc of them with unprocessed sections (__jump_table in $jump)" ||
	fail "all symbols: load $load (right $right), unprocessed $unproc, expected $expected, __jump_table $jump"
finish
