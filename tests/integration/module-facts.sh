#!/usr/bin/env bash
# module-facts.sh: the generated facts against every real module of a Debian kernel.
#
# usage: module-facts.sh KABIGEN SUITE DEBARCH KABIGEN_ARCH
#
# Fetches the newest headers and modules packages (scripts/fetch-debian-headers --modules),
# generates kabi.h, builds tests/tools/ko_facts.c with nothing but that header (no <elf.h>)
# and has it read every module: ELF header, relocation types, special sections. One module's
# relocation count is compared with readelf's, so the reader is proven to read them all.
set -euo pipefail
kabigen=$1 suite=$2 debarch=$3 arch=$4
here=$(cd "$(dirname "$0")" && pwd)
fetch=$here/../../scripts/fetch-debian-headers
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'echo "FAIL: $0 line $LINENO: $BASH_COMMAND" >&2' ERR
out=$("$fetch" --modules "$suite" "$debarch")
kdir=$(echo "$out" | sed -n 1p)
modroot=$(echo "$out" | tail -n 1)
echo "tree: $kdir"
echo "modules: $modroot"
XDG_CACHE_HOME=$work/xdg "$kabigen" --arch "$arch" --kdir "$kdir" -o "$work/kabi.h"
target=$(sed -n 's/^#define KABI_TARGET "\(.*\)"$/\1/p' "$work/kabi.h")

# The header alone, for its target, pedantic.
clang-19 -target "$target" -std=gnu11 -ffreestanding -fsyntax-only -Wall -Wextra -Wpedantic -Werror "$work/kabi.h"

# The reader, for this host, with the facts of the module's triple and nothing else about ELF.
cc -std=gnu11 -O2 -Wall -Wextra -Werror -include "$work/kabi.h" -o "$work/ko_facts" "$here/../tools/ko_facts.c" -llzma -lzstd
if grep -nE '#include <elf\.h>|(^|[^_])R_(X86_64|AARCH64|RISCV|LARCH)_' "$here/../tools/ko_facts.c"; then
	echo "FAIL: ko_facts.c names ELF facts of its own"; exit 1
fi

find "$modroot" -name '*.ko*' -type f | sort >"$work/list"
echo "$(wc -l <"$work/list") modules"
"$work/ko_facts" "$work/list" | tee "$work/report"

# Not vacuous: the table met real sections and relocations in them, and the flag tables
# marked some exports GPL-only.
[ "$(awk '/^section / && $(NF-1) > 0' "$work/report" | wc -l)" -gt 0 ] || { echo "FAIL: no relocation in any special section"; exit 1; }
[ "$(sed -n 's/^flag tables: \([0-9]*\), GPL-only exports: \([0-9]*\)$/\1 \2/p' "$work/report" | awk '$1 > 0 && $2 > 0' | wc -l)" = 1 ] ||
	{ echo "FAIL: no __kflagstab read with KSYM_FLAG_GPL_ONLY"; exit 1; }

# The reader reads every relocation: one module's count equals readelf's.
one=$(awk 'NR == 1' "$work/list")
case $one in
*.xz) xz -dc "$one" >"$work/one.ko" ;;
*.zst) zstd -qdc "$one" >"$work/one.ko" ;;
*) cp "$one" "$work/one.ko" ;;
esac
echo "$work/one.ko" >"$work/one"
ours=$("$work/ko_facts" "$work/one" | sed -n 's/^modules: 1, relocations: //p')
theirs=$(readelf -W -r "$work/one.ko" | grep -cE '^[0-9a-f]{16} ')
echo "$(basename "$one"): ko_facts $ours relocations, readelf $theirs"
[ -n "$ours" ] && [ "$ours" = "$theirs" ] || { echo "FAIL: ko_facts misses relocations"; exit 1; }
echo "PASS: $suite $debarch"
