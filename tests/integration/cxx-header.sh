#!/usr/bin/env bash
# cxx-header.sh: the generated kabi.h used from C++ lays the structs out as C does.
#
# usage: cxx-header.sh KABIGEN SUITE DEBARCH KABIGEN_ARCH
#
# Generates kabi.h for the newest headers package, compiles it as C++17 and C++20 for its
# target with clang++-19 (and with g++ where the host is the target), reads the offsets of
# module.init, module.exit and kernel_param.arg from the header compiled as C (LLVM IR of
# globals holding them), and checks the same offsets in C++ with static_assert.
set -euo pipefail
kabigen=$1 suite=$2 debarch=$3 arch=$4
here=$(cd "$(dirname "$0")" && pwd)
fetch=$here/../../scripts/fetch-debian-headers
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'echo "FAIL: $0 line $LINENO: $BASH_COMMAND" >&2' ERR
kdir=$("$fetch" "$suite" "$debarch" | sed -n 1p)
XDG_CACHE_HOME=$work/xdg "$kabigen" --arch "$arch" --kdir "$kdir" -o "$work/kabi.h"
target=$(sed -n 's/^#define KABI_TARGET "\(.*\)"$/\1/p' "$work/kabi.h")

members="module:init module:exit kernel_param:arg"
: >"$work/c.c"
echo '#include "kabi.h"' >>"$work/c.c"
for m in $members; do
	echo "unsigned long long off_${m%%:*}_${m#*:} = __builtin_offsetof(struct ${m%%:*}, ${m#*:});" >>"$work/c.c"
done
clang-19 -target "$target" -std=gnu11 -ffreestanding -S -emit-llvm -o "$work/c.ll" "$work/c.c"

echo '#include "kabi.h"' >"$work/cxx.cc"
for m in $members; do
	v=$(sed -n "s/^@off_${m%%:*}_${m#*:} = .* i64 \([0-9][0-9]*\).*/\1/p" "$work/c.ll")
	[ -n "$v" ] || { echo "FAIL: no C offset of ${m/:/.}"; exit 1; }
	echo "C: offsetof(${m/:/, }) = $v"
	echo "static_assert(__builtin_offsetof(struct ${m%%:*}, ${m#*:}) == $v, \"${m/:/.}\");" >>"$work/cxx.cc"
done

for std in c++17 c++20; do
	clang++-19 -target "$target" -std=$std -ffreestanding -fsyntax-only -Werror "$work/cxx.cc"
	echo "clang++-19 -target $target -std=$std: ok"
done
if [ "$(g++ -dumpmachine)" = "$target" ]; then
	g++ -std=c++17 -ffreestanding -fsyntax-only -Werror "$work/cxx.cc"
	echo "g++ -std=c++17: ok"
fi
echo "PASS: $suite $debarch"
