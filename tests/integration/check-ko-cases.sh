#!/usr/bin/env bash
# check-ko-cases.sh: 'kabigen check-ko' on real Debian modules where the answer is known from
# the packages themselves: the rt flavour's modules against the generic amd64 triple (init
# moves, vermagic differs), the imports a folder needs, a minimal loader's refusals,
# MODVERSIONS CRCs, and broken files among good ones. Expected values are read from the
# modules with binutils, never typed.
# usage: check-ko-cases.sh KABIGEN
. "$(dirname "$0")/../cli/lib.sh"
kabigen=$1
fetch=$(cd "$(dirname "$0")" && pwd)/../../scripts/fetch-debian-headers
cache_root=${KABIGEN_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kabigen-tests}
export KABIGEN_TEST_CACHE=$cache_root XDG_CACHE_HOME=$work/xdg
share_downloads

{ read -r gen_kdir; read -r gen_mods; } < <("$fetch" --modules sid amd64 amd64)
{ read -r rt_kdir; read -r rt_mods; } < <("$fetch" --modules sid amd64 rt-amd64)
{ read -r la_kdir; read -r la_mods; } < <("$fetch" --modules sid loong64 loong64)

# A module as a plain ELF file, whatever its compression.
plain() { # MODULE OUT
	case $1 in
	*.xz) xz -dc "$1" >"$2" ;;
	*.zst) zstd -qdc "$1" >"$2" ;;
	*.gz) gzip -dc "$1" >"$2" ;;
	*) cp "$1" "$2" ;;
	esac
}
one() { find "$1" -path "*/$2.ko*" | head -n 1; }
# Where a module relocates SYMBOL into __this_module (decimal), from readelf.
this_module_offset() { # PLAIN SYMBOL
	local hex
	hex=$(readelf -rW "$1" | awk -v sym="$2" '/^Relocation section/ { s = index($0, "'"'"'.rela.gnu.linkonce.this_module'"'"'") > 0; next }
		s && $5 == sym { print $1; exit }')
	echo $((16#$hex))
}
vermagic_of() { tr '\0' '\n' <"$1" | sed -n 's/^vermagic=//p'; }

# ---- the rt flavour's modules against the generic triple ----
plain "$(one "$gen_mods" af_key)" "$work/gen.ko"
plain "$(one "$rt_mods" af_key)" "$work/rt.ko"
gen_init=$(this_module_offset "$work/gen.ko" init_module)
rt_init=$(this_module_offset "$work/rt.ko" init_module)
[ "$gen_init" != "$rt_init" ] || fail "the packages no longer differ in init ($gen_init); this case needs another pair"
rc=0
"$kabigen" check-ko --arch amd64 --kdir "$gen_kdir" "$rt_mods" >"$work/rt.txt" 2>"$work/rt.err" || rc=$?
[ $((rc & 8)) = 8 ] && pass "rt modules against the generic triple: exit $rc (bit 8)" || fail "exit $rc, expected bit 8"
grep -A4 "/af_key.ko[^:]*: " "$work/rt.txt" >"$work/rt.af_key" || true
grep -qF "init at $rt_init (init_module relocated there), the triple's struct module has it at $gen_init" "$work/rt.af_key" &&
	pass "af_key: init at $rt_init vs $gen_init" || fail "af_key's init $rt_init vs $gen_init not reported: $(cat "$work/rt.af_key")"
grep -qF "vermagic \"$(vermagic_of "$work/rt.ko")\", the triple's \"$(vermagic_of "$work/gen.ko")\"" "$work/rt.af_key" &&
	pass "af_key: the vermagic" || fail "af_key's vermagic not reported: $(cat "$work/rt.af_key")"

# ---- the symbols a folder imports: the summary lists exactly what nm finds undefined ----
folder=$(dirname "$(one "$la_mods" ipv4/tcp_bic)")
mkdir "$work/nm"
while read -r f; do
	plain "$f" "$work/nm/$(basename "$f").ko"
	nm -u "$work/nm/$(basename "$f").ko" | awk '{ print $NF }' | sort -u
done < <(find "$folder" -name '*.ko*') | sort | uniq -c | awk '{ print $2, $1 }' | sort >"$work/nm.expected"
"$kabigen" check-ko --arch loong64 --kdir "$la_kdir" --format json "$folder" >"$work/folder.json" 2>/dev/null
jq -r '.summary.symbols[] | "\(.name) \(.modules)"' "$work/folder.json" | sort >"$work/nm.reported"
if [ -s "$work/nm.expected" ] && cmp -s "$work/nm.expected" "$work/nm.reported"; then
	pass "the summary's symbols are the folder's imports ($(wc -l <"$work/nm.expected") symbols, $(ls "$folder" | wc -l) modules)"
else
	fail "symbols differ from nm -u: $(diff "$work/nm.expected" "$work/nm.reported" | head -n 10 | tr '\n' ';')"
fi

# ---- the minimal example loader refuses what it cannot do ----
rc=0
"$kabigen" check-ko --arch loong64 --kdir "$la_kdir" --loader minimal --format json "$folder" >"$work/minimal.json" 2>/dev/null || rc=$?
[ $((rc & 4)) = 4 ] && pass "minimal loader on loong64: exit $rc (bit 4)" || fail "minimal loader: exit $rc, expected bit 4"
with_bug=0
for f in "$work"/nm/*.ko; do
	# (grep -c, not -q: with pipefail, -q's early exit fails readelf with SIGPIPE)
	if [ "$(readelf -SW "$f" | grep -c ' __bug_table ')" -gt 0 ]; then with_bug=$((with_bug + 1)); fi
done
[ "$with_bug" -gt 0 ] && [ "$(jq '[.summary.reasons[] | select(.name == "section __bug_table")][0].modules' "$work/minimal.json")" = "$with_bug" ] &&
	pass "minimal: __bug_table refused in the $with_bug modules that have it" || fail "minimal: __bug_table not refused in $with_bug modules"
not_provided=$(jq '[.summary.reasons[] | select(.name == "symbol not provided")][0].modules' "$work/minimal.json")
[ "$not_provided" -gt 0 ] && pass "minimal: $not_provided modules need symbols it does not provide" ||
	fail "minimal: no module needs a symbol it lacks"

# Modules of plain folder DIR (decompressed into $work/nm) whose relocations of TYPE readelf
# shows, all of them or (EXTERNAL=1) those against a symbol nm -u lists as undefined.
modules_with_reloc() { # PLAIN_DIR TYPE EXTERNAL
	local n=0 f
	for f in "$1"/*.ko; do
		nm -u "$f" | awk '{ print $NF }' >"$work/undef"
		if [ "$(readelf -rW "$f" | awk -v t="$2" -v ext="$3" 'NR == FNR { u[$1] = 1; next }
			$3 == t && (!ext || ($5 in u)) { n++ } END { print n + 0 }' "$work/undef" -)" -gt 0 ]; then
			n=$((n + 1))
		fi
	done
	echo "$n"
}
reason_modules() { jq "[.summary.reasons[] | select(.name == \"$2\")][0].modules // 0" "$1"; }

# loong64: B26 calls into the kernel need a PLT, GOT_PC_* loads a GOT; the minimal loader has neither.
b26=$(modules_with_reloc "$work/nm" R_LARCH_B26 1)
got=$(modules_with_reloc "$work/nm" R_LARCH_GOT_PC_HI20 0)
[ "$b26" -gt 0 ] && [ "$(reason_modules "$work/minimal.json" "R_LARCH_B26 needs a PLT")" = "$b26" ] &&
	pass "minimal on loong64: R_LARCH_B26 to the kernel needs a PLT, in the $b26 modules readelf finds" ||
	fail "minimal on loong64: B26/PLT in $(reason_modules "$work/minimal.json" "R_LARCH_B26 needs a PLT") modules, readelf: $b26"
[ "$got" -gt 0 ] && [ "$(reason_modules "$work/minimal.json" "R_LARCH_GOT_PC_HI20 needs a GOT")" = "$got" ] &&
	pass "minimal on loong64: R_LARCH_GOT_PC_HI20 needs a GOT, in the $got modules readelf finds" ||
	fail "minimal on loong64: GOT in $(reason_modules "$work/minimal.json" "R_LARCH_GOT_PC_HI20 needs a GOT") modules, readelf: $got"
jq -r '.modules[].findings[].text' "$work/minimal.json" | grep -c 'R_LARCH_B26 (x[0-9]* to kernel symbols): .*through a PLT the loader builds; loader minimal has plt: false' >"$work/count" || true
[ "$(cat "$work/count")" = "$b26" ] && pass "minimal on loong64: the PLT need is said" || fail "the B26 sentence: $(jq -r '.modules[0].findings[].text' "$work/minimal.json" | head -n 5)"

# amd64: R_X86_64_32S needs the top 2 GiB, which a loader placing modules anywhere does not give.
amd_folder=$(dirname "$(one "$gen_mods" ipv4/tcp_bic)")
mkdir "$work/amd"
while read -r f; do plain "$f" "$work/amd/$(basename "$f").ko"; done < <(find "$amd_folder" -maxdepth 1 -name '*.ko*')
s32=$(modules_with_reloc "$work/amd" R_X86_64_32S 0)
rc=0
"$kabigen" check-ko --arch amd64 --kdir "$gen_kdir" --loader minimal --format json "$work/amd" >"$work/amd.json" 2>/dev/null || rc=$?
[ $((rc & 4)) = 4 ] && [ "$s32" -gt 0 ] && [ "$(reason_modules "$work/amd.json" "R_X86_64_32S needs the top 2 GiB")" = "$s32" ] &&
	pass "minimal on amd64: R_X86_64_32S needs the top 2 GiB, in the $s32 modules readelf finds" ||
	fail "minimal on amd64 (exit $rc): 32S in $(reason_modules "$work/amd.json" "R_X86_64_32S needs the top 2 GiB") modules, readelf: $s32"
[ "$(jq -r '.modules[].findings[].text' "$work/amd.json" | grep -c 'R_X86_64_32S (x[0-9]*): a sign-extended 32-bit absolute address: the module must lie in the top 2 GiB of the address space; loader minimal has placement: anywhere')" = "$s32" ] &&
	pass "minimal on amd64: the top-2-GiB placement is said" || fail "the 32S sentence is missing"
# The same modules under linux.yaml: Linux places modules in the top 2 GiB; all load.
rc=0
"$kabigen" check-ko --arch amd64 --kdir "$gen_kdir" "$work/amd" >/dev/null 2>&1 || rc=$?
[ "$rc" = 0 ] && pass "the same modules under linux.yaml: exit 0" || fail "the same modules under linux.yaml: exit $rc"

# ---- the model's section table: each table section a whole number of its element, relocations
# on its members; a dump whose element size is wrong is caught ----
"$kabigen" --arch loong64 --kdir "$la_kdir" --format json -o "$work/la.json" --no-cache 2>/dev/null
la_af_key=$(one "$la_mods" af_key)
plain "$la_af_key" "$work/la_af_key.ko"
want=$(readelf -rW "$work/la_af_key.ko" | sed -n "s/^Relocation section '.rela__jump_table' at offset [0-9a-fx]* contains \([0-9]*\) entr.*/\1/p")
"$kabigen" check-ko --layout "$work/la.json" --format json "$la_af_key" >"$work/tables.json" 2>/dev/null
got_n=$(jq '.modules[0].tables[] | select(.name == "__jump_table") | .relocations' "$work/tables.json")
[ -n "$want" ] && [ "$got_n" = "$want" ] && pass "__jump_table: its $want relocations read and checked against the section table" ||
	fail "__jump_table relocations: $got_n, readelf: $want"
# __param is read field by field on its own (check_params): its relocations counted in the table too.
la_loop=$(one "$la_mods" loop)
plain "$la_loop" "$work/la_loop.ko"
want=$(readelf -rW "$work/la_loop.ko" | sed -n "s/^Relocation section '.rela__param' at offset [0-9a-fx]* contains \([0-9]*\) entr.*/\1/p")
"$kabigen" check-ko --layout "$work/la.json" --format json "$la_loop" >"$work/param.json" 2>/dev/null
got_n=$(jq '.modules[0].tables[] | select(.name == "__param") | .relocations' "$work/param.json")
[ -n "$want" ] && [ "$want" -gt 0 ] && [ "$got_n" = "$want" ] && pass "__param: its $want relocations counted in the tables" ||
	fail "__param relocations: $got_n, readelf: $want"
size=$(jq '.sections[] | select(.name == "__jump_table") | .size' "$work/la.json")
jq "(.sections[] | select(.name == \"__jump_table\") | .size) |= $((size + 8))" "$work/la.json" >"$work/la-bad.json"
rc=0
"$kabigen" check-ko --layout "$work/la-bad.json" "$la_af_key" >"$work/bad-table.txt" 2>/dev/null || rc=$?
[ "$rc" = 8 ] && grep -q "section __jump_table is [0-9]* bytes, not a whole number of struct jump_entry ($((size + 8)) bytes)" "$work/bad-table.txt" &&
	pass "a dump with another jump_entry size: exit 8, named" || fail "another jump_entry size: exit $rc: $(head -n 3 "$work/bad-table.txt")"

# ---- MODVERSIONS: __versions CRCs against Module.symvers (bookworm's 6.12 has them) ----
{ read -r bw_kdir; read -r bw_mods; } < <("$fetch" --modules bookworm amd64 amd64)
bw_module=$(one "$bw_mods" af_key)
plain "$bw_module" "$work/bw.ko"
if [ "$(readelf -SW "$work/bw.ko" | grep -c ' __versions ')" -gt 0 ]; then
	rc=0
	"$kabigen" check-ko --arch amd64 --kdir "$bw_kdir" "$bw_module" >"$work/bw.txt" 2>&1 || rc=$?
	[ "$rc" = 0 ] && pass "bookworm af_key: its CRCs match Module.symvers" || fail "bookworm af_key: exit $rc: $(cat "$work/bw.txt")"
	nm -u "$work/bw.ko" | awk '{ print $NF }' >"$work/bw.imports"
	sym=
	while read -r s; do
		if [ "$(grep -c "	$s	vmlinux	" "$bw_kdir/Module.symvers")" -gt 0 ]; then sym=$s; break; fi
	done <"$work/bw.imports"
	awk -F '\t' -v OFS='\t' -v s="$sym" '$2 == s { $1 = "0x00c0ffee" } { print }' "$bw_kdir/Module.symvers" >"$work/Module.symvers"
	rc=0
	"$kabigen" check-ko --arch amd64 --kdir "$bw_kdir" --symvers "$work/Module.symvers" "$bw_module" >"$work/bw.txt" 2>&1 || rc=$?
	[ "$rc" = 8 ] && grep -q "__versions has $sym with CRC 0x[0-9a-f]*, Module.symvers 0x00c0ffee" "$work/bw.txt" &&
		pass "a changed CRC of $sym: exit 8, named" || fail "a changed CRC of $sym: exit $rc: $(cat "$work/bw.txt")"
else
	fail "bookworm's af_key has no __versions; MODVERSIONS needs another package"
fi

# ---- --kver with --modules: kabigen fetches the modules package itself (sid: linux-modules-R;
# bookworm: linux-image-R-unsigned, with MODVERSIONS), the same modules the test's fetch found ----
count_modules() { find "$1" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' | wc -l; }
for spec in "loongarch64 ${la_kdir##*/linux-headers-} $la_mods" "x86_64 ${bw_kdir##*/linux-headers-} $bw_mods"; do
	read -r arch release mods <<<"$spec"
	offlines=("")
	[ "$arch" != loongarch64 ] || offlines+=(--offline)	# the cache replayed once: on the smaller package
	for offline in "${offlines[@]}"; do
		rc=0
		# kabigen's downloads shared with the other --kver tests (share_downloads): fetched once.
		"$kabigen" check-ko --arch "$arch" --kver "$release" --modules $offline \
			--format json >"$work/kver.json" 2>"$work/kver.err" || rc=$?
		want=$(count_modules "$mods")
		[ "$rc" = 0 ] && [ "$(jq .summary.modules "$work/kver.json")" = "$want" ] && [ "$(jq .summary.load "$work/kver.json")" = "$want" ] &&
			pass "--kver $release --modules $offline: all $want modules load" ||
			fail "--kver $release --modules $offline: exit $rc, $(jq -c '.summary | {modules, load}' "$work/kver.json") of $want: $(tail -n 2 "$work/kver.err")"
	done
done

# ---- broken files among good ones: one line each, naming the file; the scan goes on ----
mkdir "$work/bad"
good=$(one "$la_mods" af_key)
plain "$good" "$work/good.ko"
cp "$good" "$work/bad/good.ko.xz"
echo "not a module" >"$work/bad/text.ko"
head -c 3000 "$work/good.ko" >"$work/bad/truncated.ko"
head -c 3000 "$good" >"$work/bad/truncated.ko.xz"
cp "$work/gen.ko" "$work/bad/x86.ko"
printf 'int x;\n' >"$work/x.c"
clang-19 -target i386-linux-gnu -c "$work/x.c" -o "$work/bad/i386.ko"
# e_machine, a little-endian half-word at offset 18 of the ELF header.
x86_machine=$(od -An -tu2 -j18 -N2 "$work/gen.ko" | tr -d ' ')
la_machine=$(od -An -tu2 -j18 -N2 "$work/good.ko" | tr -d ' ')
rc=0
"$kabigen" check-ko --arch loong64 --kdir "$la_kdir" --format json "$work/bad" >"$work/bad.json" 2>"$work/bad.err" || rc=$?
[ "$rc" = 1 ] && pass "broken modules: exit 1" || fail "broken modules: exit $rc"
[ "$(jq .summary.load "$work/bad.json")" = 1 ] && [ "$(jq .summary.unreadable "$work/bad.json")" = 5 ] &&
	pass "the good module was checked, the 5 broken ones reported" || fail "summary: $(jq -c .summary "$work/bad.json")"
for expect in "text.ko: not an ELF file" "truncated.ko: .*truncated or damaged" "truncated.ko.xz: cannot decompress it \(xz\): the xz stream is truncated" \
	"x86.ko: built for ELF machine $x86_machine, but the triple's modules are machine $la_machine" "i386.ko: a 32-bit ELF file, but the triple is 64-bit"; do
	[ "$(grep -cE "^kabigen: error: $work/bad/$expect" "$work/bad.err")" = 1 ] && pass "one line: $expect" ||
		fail "no line '$expect' in: $(cat "$work/bad.err")"
done
[ "$(grep -vc 'warning' "$work/bad.err")" = 5 ] || fail "expected 5 error lines: $(cat "$work/bad.err")"

# ---- the formats and usage errors ----
"$kabigen" check-ko --arch loong64 --kdir "$la_kdir" --format md "$folder" >"$work/folder.md" 2>/dev/null
grep -q '^| load | fail the loader profile |' "$work/folder.md" && grep -q '^## Symbols most needed' "$work/folder.md" &&
	pass "Markdown report" || fail "Markdown report: $(head -n 5 "$work/folder.md")"
expect_error "no modules" 2 "needs modules" /dev/null -- "$kabigen" check-ko --arch loong64 --kdir "$la_kdir"
expect_error "two triples" 2 "--layout" /dev/null -- "$kabigen" check-ko --arch loong64 --kdir "$la_kdir" --layout x.json "$folder"
expect_error "format" 2 "text, md or json" /dev/null -- "$kabigen" check-ko --arch loong64 --kdir "$la_kdir" --format xml "$folder"
expect_error "no such module" 1 "nothing.ko: No such file" /dev/null -- "$kabigen" check-ko --arch loong64 --kdir "$la_kdir" "$work/nothing.ko"
expect_error "no such loader" 1 "nosuch.yaml" /dev/null -- "$kabigen" check-ko --arch loong64 --kdir "$la_kdir" --loader nosuch "$folder"
finish
