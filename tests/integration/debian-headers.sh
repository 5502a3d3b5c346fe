#!/usr/bin/env bash
# debian-headers.sh: kabigen on the newest real Debian headers package of a suite, against the real build.
#
# usage: debian-headers.sh KABIGEN BTF_CHECK SUITE DEBARCH FLAVOUR KABIGEN_ARCH
#
# Fetches the package (scripts/fetch-debian-headers), generates the header, compiles it
# alone for its target with warnings as errors, then compares it with the truth: the
# vmlinux BTF of the same package, or, where the package ships none (loong64), the
# vermagic of a real module of the same release.
set -euo pipefail
kabigen=$1 btf_check=$2 suite=$3 debarch=$4 flavour=$5 arch=$6
here=$(cd "$(dirname "$0")" && pwd)
fetch=$here/../../scripts/fetch-debian-headers
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'echo "FAIL: $0 line $LINENO: $BASH_COMMAND" >&2' ERR

kdir=$("$fetch" "$suite" "$debarch" "$flavour")
echo "tree: $kdir"
"$kabigen" --arch "$arch" --kdir "$kdir" -o "$work/kabi.h"
target=$(sed -n 's/^#define KABI_TARGET "\(.*\)"$/\1/p' "$work/kabi.h")
release=$(sed -n 's/^#define KABI_UTS_RELEASE "\(.*\)"$/\1/p' "$work/kabi.h")
[ "$release" = "$(basename "$kdir" | sed 's/^linux-headers-//')" ] || {
	echo "FAIL: KABI_UTS_RELEASE '$release' does not name $kdir"; exit 1; }

# Self-contained: compiles alone for the target, and its _Static_asserts hold.
clang-19 -target "$target" -std=gnu11 -ffreestanding -fsyntax-only -Wall -Wextra -Werror "$work/kabi.h"
printf '#include <stddef.h>\n#include "kabi.h"\nint exit_offset = offsetof(struct module, exit);\nint arg_offset = offsetof(struct kernel_param, arg);\n' >"$work/use.c"
clang-19 -target "$target" -std=gnu11 -ffreestanding -fsyntax-only -Wall -Wextra -Werror "$work/use.c"

# Debian's amd64, arm64 and riscv64 headers ship vmlinux with .BTF; loong64's is a stub.
if [ "$debarch" != loong64 ]; then
	[ "$(readelf -S "$kdir/vmlinux" | grep -c '\.BTF ')" -gt 0 ] || { echo "FAIL: $kdir/vmlinux has no .BTF"; exit 1; }
	# modversion_info is only used by modpost and the loader's checks, never by the
	# kernel image, so BTF does not describe it.
	"$btf_check" "$work/kabi.h" "$target" "$kdir/vmlinux" --may-lack modversion_info
else
	echo "loong64 ships no BTF: checking vermagic against a real module instead"
	modroot=$("$fetch" --modules "$suite" "$debarch" "$flavour" | tail -n 1)
	ko=$(find "$modroot" -name '*.ko*' -type f | sort | awk 'NR == 1')
	[ -n "$ko" ] || { echo "FAIL: no module in $modroot"; exit 1; }
	case $ko in
	*.xz) xz -dc "$ko" >"$work/m.ko" ;;
	*.zst) zstd -qdc "$ko" >"$work/m.ko" ;;
	*.gz) gzip -dc "$ko" >"$work/m.ko" ;;
	*) cp "$ko" "$work/m.ko" ;;
	esac
	# .modinfo holds NUL-terminated key=value strings; readelf reads any arch's ELF
	# (the host's objcopy does not) and prints each string whole, trailing spaces too.
	real=$(readelf --wide -p .modinfo "$work/m.ko" | sed -n 's/^ *\[ *[0-9a-f]*\]  vermagic=//p')
	printf '#include "kabi.h"\nstatic const char v[] = KABI_VERMAGIC;\n' >"$work/v.c"
	ours=$(clang-19 -target "$target" -E -P "$work/v.c" | sed -n 's/^static const char v\[\] = "\(.*\)";$/\1/p')
	echo "module:  '$real' ($(basename "$ko"))"
	echo "kabigen: '$ours'"
	[ -n "$real" ] && [ "$real" = "$ours" ] || { echo "FAIL: vermagic differs"; exit 1; }
fi
echo "PASS: $suite $flavour ($release)"
