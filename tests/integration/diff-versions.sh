#!/usr/bin/env bash
# diff-versions.sh: the newest headers of one Debian suite against another's (trixie's 6.12
# against sid), as --kdir trees whose arch kabigen takes from the trees. Every member change
# and struct size the report gives is checked against the two packages' BTF (libbpf).
# usage: diff-versions.sh KABIGEN BTF_MEMBERS OLD_SUITE NEW_SUITE DEBARCH
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/diff-lib.sh"
kabigen=$1 btf_members=$2 old_suite=$3 new_suite=$4 debarch=$5
fetch=$(cd "$(dirname "$0")" && pwd)/../../scripts/fetch-debian-headers

old=$("$fetch" "$old_suite" "$debarch")
new=$("$fetch" "$new_suite" "$debarch")
echo "old: $old"
echo "new: $new"
rc=0
"$kabigen" diff "$old" "$new" --format json -o "$work/diff.json" || rc=$?
[ -s "$work/diff.json" ] || { fail "no report"; finish; exit 1; }
check_report_against_btf "$work/diff.json" "$old/vmlinux" "$new/vmlinux"

# The verdict follows from what BTF shows: two releases differ in vermagic at least.
n_module=$(jq '.structs[] | select(.name == "module") | .members | length' "$work/diff.json")
echo "struct module: $n_module member changes"
jq -r '.structs[] | select(.name == "module") | .members[] | "  \(.name): \(.changes | join(","))"' "$work/diff.json" | head -n 12
if [ "${old##*/linux-headers-}" != "${new##*/linux-headers-}" ]; then
	[ "$rc" = 12 ] && pass "exit 12 between two releases" || fail "exit $rc between two releases, expected 12"
fi

# The loader facts that changed, derived from the two trees: each Kconfig fact whose
# autoconf.h differs is reported with its new value (breaking); a struct module member the
# kernel fills from a section (flagstab: __kflagstab) that only the new tree has is a new
# section, breaking; and so is a relocation type only the new tree's headers define.
for opt in MODVERSIONS JUMP_LABEL HAVE_ARCH_PREL32_RELOCATIONS MODULE_SIG STRICT_MODULE_RWX; do
	a=$(grep -c "^#define CONFIG_$opt 1$" "$old/include/generated/autoconf.h" || true)
	b=$(grep -c "^#define CONFIG_$opt 1$" "$new/include/generated/autoconf.h" || true)
	got=$(jq -r --arg n "KABI_CONFIG_$opt" '.items[] | select(.kind == "constant" and .name == $n) | "\(.old) \(.new) \(.breaking)"' "$work/diff.json")
	if [ "$a" = "$b" ]; then
		[ -z "$got" ] && pass "KABI_CONFIG_$opt: $a on both sides, not reported" || fail "KABI_CONFIG_$opt reported: $got"
	else
		[ "$got" = "$a $b true" ] && pass "KABI_CONFIG_$opt: $a -> $b, breaking" || fail "KABI_CONFIG_$opt: '$got', expected '$a $b true'"
	fi
done
members() { # the struct module members of a tree's linux/module.h that are named flagstab
	local tree=$1 src
	src=$(find "$tree/../" -maxdepth 1 -name 'linux-headers-*-common*' | head -n 1)
	grep -c '^[[:space:]]*const u8 \*flagstab;' "$src/include/linux/module.h" || true
}
a=$(members "$old") b=$(members "$new")
got=$(jq -r '.items[] | select(.kind == "section" and .name == "__kflagstab") | "\(.changes | join(",")) \(.breaking)"' "$work/diff.json")
if [ "$a" = 0 ] && [ "$b" = 1 ]; then
	[ "$got" = "added true" ] && pass "section __kflagstab added, breaking" || fail "section __kflagstab: '$got'"
else
	[ -z "$got" ] && pass "__kflagstab: flagstab in both trees or neither ($a, $b), not reported" || fail "__kflagstab reported: $got"
fi
for tree in "$old" "$new"; do
	src=$(find "$tree/../" -maxdepth 1 -name 'linux-headers-*-common*' | head -n 1)
	cat "$src"/arch/*/include/asm/elf.h "$src"/arch/riscv/include/uapi/asm/elf.h |
		sed -n 's/^#define[[:space:]]\{1,\}\(R_[A-Z0-9]*_[A-Z0-9_]*\)[[:space:]].*/\1/p' | sort -u >"$work/relocs.$([ "$tree" = "$old" ] && echo old || echo new)"
done
for r in $(comm -13 "$work/relocs.old" "$work/relocs.new"); do
	got=$(jq -r --arg n "KABI_$r" '.items[] | select(.kind == "constant" and .name == $n) | .breaking' "$work/diff.json")
	case $r in R_X86_64_*) want=$([ "$debarch" = amd64 ] && echo true) ;; R_AARCH64_*) want=$([ "$debarch" = arm64 ] && echo true) ;; *) want= ;; esac
	[ "$got" = "$want" ] && pass "relocation type $r only in the new tree: '${got:-not this arch}'" || fail "relocation type $r: '$got', expected '$want'"
done

# The text report is the same diff.
rc2=0
"$kabigen" diff "$old" "$new" >"$work/diff.txt" || rc2=$?
[ "$rc2" = "$rc" ] && [ "$(grep -c '^struct module: ' "$work/diff.txt")" = 1 ] && pass "text report, exit $rc2" ||
	fail "text report: exit $rc2"
finish
