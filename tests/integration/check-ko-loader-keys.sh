#!/usr/bin/env bash
# check-ko-loader-keys.sh: each loader-profile key that describes the loader itself, on real
# Debian riscv64 (and amd64) modules: crashes: (a relocation type, every type not implemented,
# a section), sections: required: and unprocessed, layout: (offsets, a dump), placement:
# near-kernel, and SHF_RO_AFTER_INIT on __this_module; and a malformed profile of each kind
# refused with one line at its place. Every expected value is read from the modules with
# binutils or from the profile shipped, never typed. Quick (seconds once the packages are cached).
# usage: check-ko-loader-keys.sh KABIGEN
. "$(dirname "$0")/../cli/lib.sh"
kabigen=$(realpath "$1")
fetch=$(cd "$(dirname "$0")" && pwd)/../../scripts/fetch-debian-headers
configs=$(cd "$(dirname "$0")" && pwd)/../../configs
share_downloads
{ read -r kdir; read -r mods; } < <("$fetch" --modules sid riscv64)
{ read -r amd_kdir; read -r amd_mods; } < <("$fetch" --modules sid amd64)
ko() { "$kabigen" check-ko --arch riscv64 --kdir "$kdir" "$@"; }
xz -dc "$(find "$mods" -path '*/net/key/af_key.ko.xz' | head -n 1)" >"$work/af_key.ko"
xz -dc "$(find "$mods" -path '*/drivers/net/dummy.ko.xz' | head -n 1)" >"$work/dummy.ko"
# The relocation types af_key uses, by readelf.
types=$(readelf -rW "$work/af_key.ko" | awk '$3 ~ /^R_RISCV_/ { print $3 }' | sort -u)
# A profile: linux.yaml with LINE added under its riscv64 entry (indented as an arch key).
linux_with() { # OUT LINE...
	local out=$1; shift
	cp "$configs/loaders/linux.yaml" "$out"
	for line in "$@"; do sed -i "/^  riscv64:\$/a\\    $line" "$out"; done
}
reasons() { jq -r '.modules[0].findings[] | .reason' "$1"; }
run_json() { # OUT PROFILE MODULE: the exit status in $rc
	rc=0
	ko --loader "$2" --format json "$3" >"$1" 2>"$work/stderr" || rc=$?
}

# ---- crashes: one relocation type af_key uses ----
linux_with "$work/crash.yaml" "crashes: { relocations: [R_RISCV_64] }"
run_json "$work/crash.json" "$work/crash.yaml" "$work/af_key.ko"
[ $((rc & 32)) = 32 ] && [ "$(jq -r '.modules[0].verdict' "$work/crash.json")" = "crashes the loader" ] &&
	[ "$(jq '.summary.crash' "$work/crash.json")" = 1 ] && [ "$(reasons "$work/crash.json" | head -n 1)" = "crash relocation R_RISCV_64" ] &&
	pass "crashes: relocations: [R_RISCV_64]: exit $rc, verdict, count, named first" ||
	fail "crashes: R_RISCV_64: exit $rc, $(jq -c '[.modules[0].verdict, .summary.crash, [.modules[0].findings[].reason]]' "$work/crash.json")"
ko --loader "$work/crash.yaml" "$work/af_key.ko" >"$work/crash.txt" 2>/dev/null || true
grep -n -m1 -e '^  crash the loader: 1$' -e '^  load: ' "$work/crash.txt" | grep -q 'crash the loader' &&
	pass "text: the crash count comes before the other counts" || fail "text: $(grep -e crash -e load: "$work/crash.txt")"

# ---- crashes: other: a type af_key uses, taken out of the implemented list ----
gone=$(echo "$types" | grep -vx R_RISCV_64 | head -n 1)
linux_with "$work/other.yaml" "crashes: { relocations: [other] }"
sed -i "/^  riscv64:\$/,/^  [a-z]/ s/$gone, //" "$work/other.yaml"
grep -q "$gone" <(sed -n '/^  riscv64:$/,/^  loongarch64:$/p' "$work/other.yaml") && fail "$gone still in the profile"
run_json "$work/other.json" "$work/other.yaml" "$work/af_key.ko"
[ $((rc & 32)) = 32 ] && reasons "$work/other.json" | grep -qx "crash relocation $gone" &&
	pass "crashes: [other]: $gone, not implemented, crashes" || fail "crashes: other: exit $rc, $(reasons "$work/other.json" | tr '\n' ';')"
linux_with "$work/refuse.yaml"
sed -i "/^  riscv64:\$/,/^  [a-z]/ s/$gone, //" "$work/refuse.yaml"
run_json "$work/refuse.json" "$work/refuse.yaml" "$work/af_key.ko"
[ $((rc & 32)) = 0 ] && [ $((rc & 4)) = 4 ] && reasons "$work/refuse.json" | grep -qx "relocation $gone" &&
	pass "without crashes:, $gone not implemented is a refusal (exit $rc)" || fail "refusal: exit $rc, $(reasons "$work/refuse.json" | tr '\n' ';')"

# ---- crashes: sections (common to every arch) ----
cp "$configs/loaders/linux.yaml" "$work/csec.yaml"
printf 'crashes:\n  sections: [.modinfo]\n' >>"$work/csec.yaml"
run_json "$work/csec.json" "$work/csec.yaml" "$work/af_key.ko"
[ $((rc & 32)) = 32 ] && reasons "$work/csec.json" | grep -qx "crash section .modinfo" &&
	pass "crashes: sections: [.modinfo]" || fail "crash section: exit $rc, $(reasons "$work/csec.json" | tr '\n' ';')"

# ---- sections: required ----
linux_with "$work/req.yaml" "sections: { required: [.plt, .modinfo] }"
run_json "$work/req.json" "$work/req.yaml" "$work/af_key.ko"
[ "$(readelf -SW "$work/af_key.ko" | grep -c ' \.plt ')" = 0 ] || fail "af_key has a .plt; this case needs another module"
[ $((rc & 4)) = 4 ] && [ "$(reasons "$work/req.json" | grep -c required)" = 1 ] &&
	reasons "$work/req.json" | grep -qx "section .plt required" &&
	pass "sections: required: .plt (absent) refused, .modinfo (present) not" || fail "required: exit $rc, $(reasons "$work/req.json" | tr '\n' ';')"

# ---- unprocessed: a special section af_key has, listed by name in linux.yaml, made unprocessed ----
ko --format json "$work/af_key.ko" >"$work/linux.json" 2>/dev/null
prefixes=$(sed -n 's/^    - \(.*\)\*$/\1/p' "$configs/loaders/linux.yaml")
covered() { local p; for p in $prefixes; do [ "${1#"$p"}" != "$1" ] && return 0; done; return 1; }
section=$(jq -r '.modules[0].special_sections[] | split(" ")[0]' "$work/linux.json" |
	while read -r s; do grep -qx -- "    - $s" "$configs/loaders/linux.yaml" && ! covered "$s" && { echo "$s"; break; }; done)
[ -n "$section" ] || fail "af_key has no special section linux.yaml lists by name"
sed -e "/^    - $section\$/d" -e "s/^  ignored: \[\]/  ignored: []\n  unprocessed: [$section]/" "$configs/loaders/linux.yaml" >"$work/unproc.yaml"
run_json "$work/unproc.json" "$work/unproc.yaml" "$work/af_key.ko"
[ "$rc" = 0 ] && [ "$(jq -r '.modules[0].verdict' "$work/unproc.json")" = "loads, with unprocessed sections" ] &&
	[ "$(jq '.summary.load_unprocessed' "$work/unproc.json")" = 1 ] && [ "$(jq '.summary.load' "$work/unproc.json")" = 1 ] &&
	[ "$(reasons "$work/unproc.json")" = "unprocessed section $section" ] &&
	pass "unprocessed: [$section]: loads (exit 0), with a warning, counted" ||
	fail "unprocessed $section: exit $rc, $(jq -c '[.modules[0].verdict, .summary.load_unprocessed, [.modules[0].findings[].reason]]' "$work/unproc.json")"
sed "s/^  other: ignore/  other: unprocessed/" "$configs/loaders/linux.yaml" | sed "/^    - $section\$/d" >"$work/uother.yaml"
run_json "$work/uother.json" "$work/uother.yaml" "$work/af_key.ko"
[ "$rc" = 0 ] && [ "$(reasons "$work/uother.json")" = "unprocessed section $section" ] &&
	pass "other: unprocessed: $section, listed nowhere, is unprocessed" || fail "other: unprocessed: exit $rc, $(reasons "$work/uother.json" | tr '\n' ';')"

# ---- layout: the offsets, from af_key itself ----
this_size=$((16#$(readelf -SW "$work/af_key.ko" | awk '$2 == ".gnu.linkonce.this_module" { print $6 }')))
reloc_at() { # MODULE SYMBOL: where SYMBOL is relocated into __this_module (decimal)
	echo $((16#$(readelf -rW "$1" | awk -v sym="$2" '/^Relocation section/ { s = index($0, ".rela.gnu.linkonce.this_module") > 0; next }
		s && $5 == sym { print $1; exit }')))
}
init=$(reloc_at "$work/af_key.ko" init_module) exit_=$(reloc_at "$work/af_key.ko" cleanup_module)
layout_yaml() { # OUT SIZE INIT EXIT
	cp "$configs/loaders/linux.yaml" "$1"
	printf 'layout:\n  module: { size: %s, init: %s, exit: %s }\n' "$2" "$3" "$4" >>"$1"
}
layout_yaml "$work/lay.yaml" "$this_size" "$init" "$exit_"
run_json "$work/lay.json" "$work/lay.yaml" "$work/af_key.ko"
[ "$rc" = 0 ] && pass "layout: af_key's own offsets ($this_size, $init, $exit_): loads" || fail "own layout: exit $rc, $(reasons "$work/lay.json" | tr '\n' ';')"
# init read where exit is: cleanup_module called as init.
layout_yaml "$work/swap.yaml" "$this_size" "$exit_" "$exit_"
run_json "$work/swap.json" "$work/swap.yaml" "$work/af_key.ko"
[ $((rc & 32)) = 32 ] && jq -r '.modules[0].findings[0].text' "$work/swap.json" |
	grep -qF "reads init at $exit_ (its layout: offsets), where __this_module holds a pointer to cleanup_module; init_module is at $init" &&
	pass "layout: init at exit's offset: cleanup_module called as init, a crash" || fail "init at $exit_: exit $rc, $(jq -r '.modules[0].findings[0].text' "$work/swap.json")"
# init read where __this_module holds zeros and no relocation: NULL, refused; exit there: never run.
"$(command -v llvm-objcopy-19 || command -v llvm-objcopy)" --dump-section .gnu.linkonce.this_module="$work/this" "$work/af_key.ko"
relocs=$(readelf -rW "$work/af_key.ko" | awk '/^Relocation section/ { s = index($0, ".rela.gnu.linkonce.this_module") > 0; next }
	s && $1 ~ /^[0-9a-f]+$/ { print $1 }' | while read -r h; do printf '%d ' $((16#$h)); done)
zero=$(python3 -c "
import sys
data, relocs = open(sys.argv[1], 'rb').read(), {int(x) for x in sys.argv[2].split()}
print(next(o for o in range(0, len(data) - 7, 8) if o not in relocs and not any(data[o:o + 8])))" "$work/this" "$relocs")
layout_yaml "$work/null.yaml" "$this_size" "$zero" "$zero"
run_json "$work/null.json" "$work/null.yaml" "$work/af_key.ko"
[ $((rc & 32)) = 0 ] && [ $((rc & 4)) = 4 ] && [ "$(reasons "$work/null.json" | tr '\n' ' ')" = "layout struct module init layout struct module exit " ] &&
	[ "$(jq -r '.modules[0].findings[] | select(.reason == "layout struct module exit") | .kind' "$work/null.json")" = warning ] &&
	pass "layout: init and exit at $zero (zeros): init NULL (refused), exit never run (a warning)" ||
	fail "NULL init: exit $rc, $(jq -c '[.modules[0].findings[] | [.kind, .reason]]' "$work/null.json")"
layout_yaml "$work/past.yaml" $((this_size + 64)) "$this_size" "$exit_"
run_json "$work/past.json" "$work/past.yaml" "$work/af_key.ko"
[ $((rc & 32)) = 32 ] && reasons "$work/past.json" | grep -qx "crash layout struct module init" &&
	reasons "$work/past.json" | grep -qx "layout struct module size" && jq -r '.modules[0].findings[0].text' "$work/past.json" | grep -qF "past the end of its $this_size bytes" &&
	pass "layout: init past __this_module's end: a crash; the size differs" || fail "past: exit $rc, $(jq -c '[.modules[0].findings[].text]' "$work/past.json")"

# ---- layout: kernel_param, on a module with parameters ----
param_size=$((16#$(readelf -SW "$work/dummy.ko" | awk '$2 == "__param" { print $6 }')))
nparams=$(readelf -rW "$work/dummy.ko" | awk '/^Relocation section/ { s = index($0, ".rela__param") > 0; next } s && $5 ~ /^param_ops_/' | wc -l)
stride=$((param_size / nparams))
cp "$configs/loaders/linux.yaml" "$work/kp.yaml"
printf 'layout:\n  kernel_param: { size: %s }\n' $((stride + 8)) >>"$work/kp.yaml"
run_json "$work/kp.json" "$work/kp.yaml" "$work/dummy.ko"
[ $((rc & 4)) = 4 ] && [ "$(reasons "$work/kp.json")" = "layout struct kernel_param size" ] &&
	jq -r '.modules[0].findings[0].text' "$work/kp.json" | grep -qF "__param entries are $stride bytes" &&
	pass "layout: kernel_param size $((stride + 8)) against dummy's $stride-byte entries" || fail "kernel_param: exit $rc, $(jq -c '[.modules[0].findings[].text]' "$work/kp.json")"

# ---- layout: dump: the tree's own dump, relative to the profile: as Linux ----
mkdir "$work/d"
"$kabigen" --arch riscv64 --kdir "$kdir" --format json -o "$work/d/kabi.json" 2>/dev/null
cp "$configs/loaders/linux.yaml" "$work/d/dump.yaml"
printf 'layout:\n  dump: kabi.json\n' >>"$work/d/dump.yaml"
run_json "$work/dump.json" "$work/d/dump.yaml" "$work/af_key.ko"
[ "$rc" = 0 ] && pass "layout: dump: the triple's own dump: loads" || fail "dump: exit $rc, $(cat "$work/stderr") $(reasons "$work/dump.json" | tr '\n' ';')"
sed 's/^  dump: kabi.json/  dump: nothere.json/' "$work/d/dump.yaml" >"$work/d/nothere.yaml"
expect_error "layout: a dump that is not there" 1 "d/nothere.json" /dev/null -- ko --loader "$work/d/nothere.yaml" "$work/af_key.ko"

# ---- layout: triple: riscv64:6.12 (fetched as --kver 6.12 would be) against 7.2's af_key: the same
# findings as the offsets of 6.12's dump, given as numbers; init named where 6.12 has it ----
read -r k612 < <("$fetch" trixie riscv64)
"$kabigen" --arch riscv64 --kdir "$k612" --format json -o "$work/d612.json" 2>/dev/null
member() { jq ".structs[] | select(.name == \"module\") | .members[] | select(.name == \"$1\") | .offset_bits / 8" "$work/d612.json"; }
size612=$(jq '.structs[] | select(.name == "module") | .size' "$work/d612.json") init612=$(member init) exit612=$(member exit)
cp "$configs/loaders/linux.yaml" "$work/t612.yaml"
printf 'layout:\n  triple: riscv64:6.12\n' >>"$work/t612.yaml"
layout_yaml "$work/o612.yaml" "$size612" "$init612" "$exit612"
run_json "$work/t612.json" "$work/t612.yaml" "$work/af_key.ko"
run_json "$work/o612.json" "$work/o612.yaml" "$work/af_key.ko"
[ "$init612" != "$init" ] || fail "6.12 and 7.2 have init at the same offset ($init); this case needs another release"
[ -n "$(reasons "$work/t612.json")" ] && [ "$(reasons "$work/t612.json")" = "$(reasons "$work/o612.json")" ] &&
	jq -r '.modules[0].findings[].text' "$work/t612.json" | grep -qF "reads init at $init612 (compiled against riscv64:6.12)" &&
	pass "layout: triple riscv64:6.12: init read at $init612 (7.2 has it at $init), as with 6.12's offsets" ||
	fail "triple 6.12: $(cat "$work/stderr") $(jq -c '[.modules[0].findings[].text]' "$work/t612.json") vs $(reasons "$work/o612.json" | tr '\n' ';')"

# ---- placement: near-kernel on amd64: PC32 and PLT32 reach the kernel, 32S does not ----
xz -dc "$(find "$amd_mods" -path '*/net/key/af_key.ko.xz' | head -n 1)" >"$work/af_key.amd64.ko"
s32=$(readelf -rW "$work/af_key.amd64.ko" | grep -c 'R_X86_64_32S' || true)
sed 's/^    placement: kernel$/    placement: near-kernel/' "$configs/loaders/linux.yaml" >"$work/near.yaml"
rc=0
"$kabigen" check-ko --arch amd64 --kdir "$amd_kdir" --loader "$work/near.yaml" --format json "$work/af_key.amd64.ko" >"$work/near.json" 2>/dev/null || rc=$?
[ "$s32" -gt 0 ] && [ "$(reasons "$work/near.json" | tr '\n' ' ')" = "R_X86_64_32S needs the top 2 GiB " ] &&
	pass "placement: near-kernel on amd64: only R_X86_64_32S (x$s32) refused, not PC32/PLT32" ||
	fail "near-kernel amd64: 32S x$s32, exit $rc, $(reasons "$work/near.json" | tr '\n' ';')"
# riscv64: near-kernel meets CALL_PLT and PCREL_HI20 without a PLT; anywhere does not.
sed -e '/^  riscv64:$/,/^  loongarch64:$/ s/^    placement: kernel$/    placement: near-kernel/' \
	-e '/^  riscv64:$/,/^  loongarch64:$/ s/^    plt: true$/    plt: false/' "$configs/loaders/linux.yaml" >"$work/rnear.yaml"
run_json "$work/rnear.json" "$work/rnear.yaml" "$work/af_key.ko"
[ "$rc" = 0 ] && pass "placement: near-kernel on riscv64 without a PLT: loads" || fail "riscv64 near: exit $rc, $(reasons "$work/rnear.json" | tr '\n' ';')"
sed -i 's/^    placement: near-kernel$/    placement: anywhere/' "$work/rnear.yaml"
run_json "$work/rany.json" "$work/rnear.yaml" "$work/af_key.ko"
[ "$(reasons "$work/rany.json" | sort | tr '\n' ' ')" = "R_RISCV_CALL_PLT needs a PLT or nearby kernel R_RISCV_PCREL_HI20 needs the kernel within 2 GiB " ] &&
	pass "placement: anywhere on riscv64 without a PLT: CALL_PLT and PCREL_HI20 refused" || fail "riscv64 anywhere: $(reasons "$work/rany.json" | tr '\n' ';')"

# ---- SHF_RO_AFTER_INIT on __this_module: Linux seals struct module, then writes to it ----
python3 - "$work/af_key.ko" "$work/ro.ko" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
shoff, = struct.unpack_from('<Q', b, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from('<HHH', b, 0x3a)
stroff, = struct.unpack_from('<Q', b, shoff + shstrndx * shentsize + 0x18)
for i in range(shnum):
    h = shoff + i * shentsize
    name = b[stroff + struct.unpack_from('<I', b, h)[0]:].split(b'\0')[0]
    if name == b'.gnu.linkonce.this_module':
        flags, = struct.unpack_from('<Q', b, h + 8)
        struct.pack_into('<Q', b, h + 8, flags | 0x200000)
open(sys.argv[2], 'wb').write(b)
PY
run_json "$work/ro.json" "$configs/loaders/linux.yaml" "$work/ro.ko"
[ $((rc & 32)) = 32 ] && reasons "$work/ro.json" | grep -qx "crash section .gnu.linkonce.this_module SHF_RO_AFTER_INIT" &&
	pass "SHF_RO_AFTER_INIT on .gnu.linkonce.this_module: crashes Linux" || fail "ro_after_init: exit $rc, $(reasons "$work/ro.json" | tr '\n' ';')"
run_json "$work/ro2.json" "$configs/loaders/linux.yaml" "$work/af_key.ko"
[ "$rc" = 0 ] && pass "the unchanged af_key loads under linux" || fail "af_key under linux: exit $rc"

# ---- .srodata (riscv64's small read-only data) is ordinary data, not a special section ----
xz -dc "$(find "$mods" -path '*/arch/riscv/kvm/kvm.ko.xz' | head -n 1)" >"$work/kvm.ko"
# (Into a file first: grep -q's early exit would fail readelf's later writes under pipefail.)
readelf -SW "$work/kvm.ko" >"$work/kvm.sections"
grep -q ' \.srodata' "$work/kvm.sections" || fail "kvm has no .srodata; this case needs another module"
ko --loader minimal --format json "$work/kvm.ko" >"$work/kvm.json" 2>/dev/null || true
[ "$(jq '[.modules[0].special_sections[] | select(startswith(".srodata"))] | length' "$work/kvm.json")" = 0 ] &&
	pass ".srodata is not a special section (minimal, other: refuse, does not refuse it)" ||
	fail ".srodata: $(jq -c "[.modules[0].findings[].reason | select(contains(\".srodata\"))]" "$work/kvm.json")"

# ---- a folder holding an empty folder (as a modules package does): walked, no undefined behaviour ----
mkdir -p "$work/tree/empty"
cp "$work/af_key.ko" "$work/tree/"
rc=0
ko --format json "$work/tree" >"$work/tree.json" 2>"$work/stderr" || rc=$?
[ "$rc" = 0 ] && [ ! -s "$work/stderr" ] && [ "$(jq .summary.load "$work/tree.json")" = 1 ] &&
	pass "a folder with an empty folder in it: af_key checked, nothing on stderr" || fail "empty folder: exit $rc, $(cat "$work/stderr")"

# ---- malformed profiles: one line, at the place ----
bad() { # NAME PATTERN PROFILE-TEXT-EDIT (a sed script on linux.yaml, or text appended after '+')
	local name=$1 pattern=$2 edit=$3
	if [ "${edit:0:1}" = + ]; then
		{ cat "$configs/loaders/linux.yaml"; printf '%b\n' "${edit:1}"; } >"$work/bad.yaml"
	else
		sed "$edit" "$configs/loaders/linux.yaml" >"$work/bad.yaml"
	fi
	expect_error "$name" 1 "bad.yaml:[0-9]+:[0-9]+: $pattern" /dev/null -- ko --loader "$work/bad.yaml" "$work/af_key.ko"
}
bad "crashes: not a mapping" "crashes maps relocations" '+crashes: [R_RISCV_64]'
bad "crashes: relocations outside an arch" "crashes: relocations are an arch's" '+crashes:\n  relocations: [R_RISCV_64]'
bad "crashes: an unknown key" "unknown key|not .*'sizes'" '+crashes:\n  sizes: [1]'
bad "layout: two forms" "layout: give one of dump, triple, or module and kernel_param offsets, not several" \
	'+layout:\n  dump: a.json\n  triple: riscv64:6.17'
bad "layout: a triple without a version" "layout: triple is ARCH:VERSION" '+layout:\n  triple: riscv64'
bad "layout: an offset that is no number" "layout: module init is a byte offset or size .*not 'abc'" '+layout:\n  module: { init: abc }'
bad "layout: a negative size" "layout: kernel_param size is a byte offset or size .*not '-8'" '+layout:\n  kernel_param: { size: -8 }'
bad "sections: other: an unknown word" "sections: other is ignore, refuse or unprocessed, not 'skip'" 's/^  other: ignore/  other: skip/'
bad "sections: required with a '*'" "required: '.plt\*': name a section" "/^  riscv64:\$/a\\    sections: { required: [.plt*] }"
bad "an arch's sections: handled" "unknown key|handled" "/^  riscv64:\$/a\\    sections: { handled: [.plt] }"
bad "placement: near" "placement is 'kernel' .*'near-kernel'.*not 'near'" '/^  riscv64:$/,/^  loongarch64:$/ s/^    placement: kernel$/    placement: near/'
{ cat "$configs/loaders/linux.yaml"; printf 'layout:\n  triple: riscv64:six\n'; } >"$work/bad.yaml"
expect_error "layout: a triple with a bad version" 1 "bad.yaml: layout: triple 'riscv64:six': give ARCH:VERSION" /dev/null -- \
	ko --loader "$work/bad.yaml" "$work/af_key.ko"
finish
