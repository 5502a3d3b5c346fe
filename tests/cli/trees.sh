#!/usr/bin/env bash
# trees.sh: the same kernel laid out as each kind of tree gives the same header; the
# printed clang arguments reproduce kabigen's preprocessing.
# usage: trees.sh KABIGEN
. "$(dirname "$0")/lib.sh"
kabigen=$1
kdir=$("$(dirname "$0")/../../scripts/fetch-debian-headers" sid riscv64)
release=${kdir##*/linux-headers-}
common=$(sed -n 's|^include \(.*\)/Makefile$|\1|p' "$kdir/Makefile")
common=$(dirname "$kdir")/$(basename "$common")
body() { sed -n '/^#ifndef KABIGEN_KABI_H/,$p' "$1"; }

"$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/direct.h" 2>/dev/null

# /lib/modules/R/build as the image package installs it: an absolute link, here dangling,
# inside a root the packages were extracted into.
mkdir -p "$work/root/lib/modules/$release" "$work/root/usr"
ln -s "$(dirname "$kdir")" "$work/root/usr/src"
ln -s "/usr/src/linux-headers-$release" "$work/root/lib/modules/$release/build"
"$kabigen" --arch riscv64 --kdir "$work/root/lib/modules/$release/build" -o "$work/modules-build.h" 2>/dev/null
cmp -s "$work/direct.h" "$work/modules-build.h" && pass "/lib/modules/R/build gives the same bytes" ||
	fail "/lib/modules/R/build differs from the headers folder"

# Copies the build's generated files into DIR, as kbuild leaves them there.
add_generated() {
	mkdir -p "$1/include" "$1/arch/riscv/include"
	cp -r "$kdir/include/generated" "$1/include/"
	cp -r "$kdir/arch/riscv/include/generated" "$1/arch/riscv/include/"
}
# same_layouts WHAT DIR: kabigen on DIR gives the headers folder's layouts.
same_layouts() {
	"$kabigen" --arch riscv64 --kdir "$2" -o "$work/other.h" 2>/dev/null
	[ "$(body "$work/direct.h")" = "$(body "$work/other.h")" ] && pass "$1 gives the same layouts" ||
		fail "$1 gives other layouts"
}

# A Debian headers folder whose Makefile includes the common tree by a relative path: make
# reads it from the folder it runs in, the headers folder; and one that points nowhere.
mkdir -p "$work/rel"
cp -a "$kdir" "$work/rel/"
rel_kdir=$work/rel/${kdir##*/}
ln -s "$common" "$work/rel/$(basename "$common")"
sed -i "s|^include .*/Makefile\$|include ../$(basename "$common")/Makefile|" "$rel_kdir/Makefile"
grep -q "^include \.\./" "$rel_kdir/Makefile" || fail "the Makefile's include line was not made relative"
same_layouts "a relative include line in the Makefile" "$rel_kdir"
sed -i "s|^include .*/Makefile\$|include ../nowhere/Makefile|" "$rel_kdir/Makefile"
expect_error "a relative include line to nowhere" 1 "its Makefile includes \.\./nowhere/Makefile, which is neither there nor beside it" \
	"$work/x.h" -- "$kabigen" --arch riscv64 --kdir "$rel_kdir" -o "$work/x.h"

# A build tree made with make O=: generated files in it, a 'source' link to the sources.
add_generated "$work/obj"
ln -s "$common" "$work/obj/source"
same_layouts "an O= build tree" "$work/obj"

# An in-tree build after make prepare: sources and generated files in one folder.
mkdir -p "$work/plain"
cp -rs "$common/." "$work/plain/"
add_generated "$work/plain"
same_layouts "a prepared kernel tree" "$work/plain"

# --print-cflags and --emit-tu: clang-19 reproduces the parse.
"$kabigen" --arch riscv64 --kdir "$kdir" --emit-tu "$work/tu.c"
flags=$("$kabigen" --arch riscv64 --kdir "$kdir" --print-cflags)
# shellcheck disable=SC2086 # the flags are meant to be split, as docs/header.md shows
if clang-19 $flags -fsyntax-only "$work/tu.c" && clang-19 $flags -E "$work/tu.c" -o "$work/tu.i" &&
	grep -q 'struct module {' "$work/tu.i" && grep -q 'struct kernel_symbol {' "$work/tu.i"; then
	pass "clang-19 \$(kabigen --print-cflags) parses the --emit-tu file"
else
	fail "clang-19 with --print-cflags does not reproduce the parse"
fi
[ "$(wc -l <<<"$flags")" = 1 ] && pass "--print-cflags prints one line" || fail "--print-cflags is not one line"
finish
