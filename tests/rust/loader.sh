#!/usr/bin/env bash
# loader.sh: kabi.rs as a loader uses it, on a real Debian kernel and its modules.
#
# usage: loader.sh KABIGEN RUSTC SUITE DEBARCH KABIGEN_ARCH
#
# A loader skeleton (loader/skeleton.rs) defines every param_ops_* of KABI_PARAM_OPS through
# the generated kabi_param_ops! macro and must build with -D warnings and
# #![deny(missing_docs)], each symbol then defined in its object; the module reader
# (loader/ko_facts.rs, kabi.rs and nothing else about ELF) must accept every real module of
# the release and count one module's relocations as readelf does.
set -euo pipefail
kabigen=$1 rustc=$2 suite=$3 debarch=$4 arch=$5
here=$(cd "$(dirname "$0")" && pwd)
fetch=$here/../../scripts/fetch-debian-headers
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'echo "FAIL: $0 line $LINENO: $BASH_COMMAND" >&2' ERR

out=$("$fetch" --modules "$suite" "$debarch")
kdir=$(echo "$out" | sed -n 1p)
modroot=$(echo "$out" | tail -n 1)
echo "tree: $kdir"
XDG_CACHE_HOME=$work/xdg "$kabigen" --arch "$arch" --kdir "$kdir" --format rust -o "$work/kabi.rs"
XDG_CACHE_HOME=$work/xdg "$kabigen" --arch "$arch" --kdir "$kdir" -o "$work/kabi.h"
cp "$here/loader/skeleton.rs" "$here/loader/ko_facts.rs" "$here/loader/module_file.rs" "$work/"

# The skeleton: documented, warning-free, and every param_ops the headers declare defined.
"$rustc" --edition 2021 --crate-type rlib -O -D warnings --emit=obj -o "$work/skeleton.o" "$work/skeleton.rs"
sed -n '/^#define KABI_PARAM_OPS(X)/,/^#define KABI_PARAM_OPS_COUNT/s/^\tX(\(.*\)) *\\\{0,1\}$/\1/p' "$work/kabi.h" | sort >"$work/want"
nm -g --defined-only "$work/skeleton.o" | awk '$2 ~ /^[RDB]$/ && $3 ~ /^param_/ {print $3}' | sort -u >"$work/have"
[ -s "$work/want" ] && cmp -s "$work/want" "$work/have" ||
	{ echo "FAIL: param_ops: the header declares $(tr '\n' ' ' <"$work/want"), the skeleton defines $(tr '\n' ' ' <"$work/have")"; exit 1; }
echo "skeleton: $(wc -l <"$work/have") param_ops statics defined"

# The reader, from kabi.rs alone.
if grep -nE '(^|[^_])R_(X86_64|AARCH64|RISCV|LARCH)_|"(__|\.)(param|ksymtab|kflagstab|ex_table|jump_table|mcount|patchable|rela|return_sites)' "$work/ko_facts.rs"; then
	echo "FAIL: ko_facts.rs names ELF facts of its own"; exit 1
fi
"$rustc" --edition 2021 -O -D warnings -o "$work/ko_facts" "$work/ko_facts.rs"
find "$modroot" -name '*.ko*' -type f | sort >"$work/list"
"$work/ko_facts" <"$work/list"
one=$(awk 'NR == 1' "$work/list")
case $one in
*.xz) xz -dc "$one" >"$work/one.ko" ;;
*) cp "$one" "$work/one.ko" ;;
esac
ours=$(echo "$work/one.ko" | "$work/ko_facts" | sed -n 's/^modules: 1, relocations: \([0-9]*\),.*/\1/p')
theirs=$(readelf -W -r "$work/one.ko" | grep -cE '^[0-9a-f]{16} ')
echo "$(basename "$one"): ko_facts.rs $ours relocations, readelf $theirs"
[ -n "$ours" ] && [ "$ours" = "$theirs" ] || { echo "FAIL: ko_facts.rs misses relocations"; exit 1; }
echo "PASS: $suite $debarch"
