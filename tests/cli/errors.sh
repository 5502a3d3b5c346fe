#!/usr/bin/env bash
# errors.sh: each bad input gives one line naming the problem, a non-zero exit, and writes nothing.
# usage: errors.sh KABIGEN
. "$(dirname "$0")/lib.sh"
kabigen=$1
kdir=$("$(dirname "$0")/../../scripts/fetch-debian-headers" sid riscv64)
out=$work/out/kabi.h
mkdir -p "$work/out"
sets=$work/sets
mkdir -p "$sets"

expect_error "missing tree" 1 "--kdir $work/nope: " "$out" -- \
	"$kabigen" --arch riscv64 --kdir "$work/nope" -o "$out"
expect_error "tree of another arch" 1 "tree is for arch/riscv .*--arch arm64 is arch/arm64" "$out" -- \
	"$kabigen" --arch arm64 --kdir "$kdir" -o "$out"
expect_error "unknown arch" 1 "--arch sparc64: no arch profile" "$out" -- \
	"$kabigen" --arch sparc64 --kdir "$kdir" -o "$out"
# Control characters from an input never reach the terminal: they are shown escaped (\x1b, \r).
expect_error "control characters in an input" 1 '--arch sparc\\x1b\[2J\\rx: no arch profile' "$out" -- \
	"$kabigen" --arch $'sparc\033[2J\rx' --kdir "$kdir" -o "$out"
if grep -q $'\033' "$work/stderr"; then fail "an escape character reached stderr"; else pass "no escape character on stderr"; fi
expect_error "no --arch" 2 "usage: --arch is required" "$out" -- \
	"$kabigen" --kdir "$kdir" -o "$out"
expect_error "contradictory options" 2 "usage: -o .* does not go with --print-cflags" "$out" -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" --print-cflags -o "$out"
expect_error "unknown option" 2 "usage: unknown option --frobnicate" "$out" -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" --frobnicate

# A tree without its -common package beside it.
mkdir -p "$work/lonely"
cp -r "$kdir" "$work/lonely/"
expect_error "flavour without common" 1 "includes .*-common/Makefile.*extract the matching linux-headers-\*-common" "$out" -- \
	"$kabigen" --arch riscv64 --kdir "$work/lonely/$(basename "$kdir")" -o "$out"

printf 'name: broken\nincludes: [linux/module.h]\nstructs: [module\n' >"$sets/malformed.yaml"
expect_error "malformed YAML" 1 "malformed.yaml:[0-9]+:[0-9]+: malformed YAML" "$out" -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" --set-file "$sets/malformed.yaml" -o "$out"
: >"$sets/empty.yaml"
expect_error "empty YAML" 1 "empty.yaml: the set file is empty" "$out" -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" --set-file "$sets/empty.yaml" -o "$out"
printf 'name: typo\nincludes: [linux/module.h]\nstrcts: [module]\n' >"$sets/typo.yaml"
expect_error "unknown key" 1 "typo.yaml:3:1: unknown key 'strcts'" "$out" -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" --set-file "$sets/typo.yaml" -o "$out"
printf 'name: missing\nincludes: [linux/module.h]\nstructs: [module, no_such_struct]\n' >"$sets/missing.yaml"
expect_error "struct not in the headers" 1 "struct no_such_struct of the set is not defined by these headers" "$out" -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" --set-file "$sets/missing.yaml" -o "$out"
printf 'name: badcond\nincludes: [linux/module.h]\nstructs:\n  - { name: module, if: defined(struct) }\n' >"$sets/badcond.yaml"
expect_error "malformed type test" 1 "badcond.yaml:4:[0-9]+: malformed type test at 'defined\\(struct\\)'" "$out" -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" --set-file "$sets/badcond.yaml" -o "$out"
printf 'name: noenum\nincludes: [linux/module.h]\nstructs: [module]\nenums: [no_such_enum]\n' >"$sets/noenum.yaml"
expect_error "enum not in the headers" 1 "enum no_such_enum of the set is not defined by the headers; remove it from .* or give it an 'if' condition" "$out" -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" --set-file "$sets/noenum.yaml" -o "$out"
printf 'name: noparse\nincludes: [linux/no-such-header.h]\nstructs: [module]\n' >"$sets/noparse.yaml"
expect_error "headers that fail to parse" 1 "fail to parse: kabigen-noparse.c:[0-9]+:[0-9]+: fatal error: 'linux/no-such-header.h' file not found" "$out" -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" --set-file "$sets/noparse.yaml" -o "$out"

# Output that cannot be written; and an existing header survives a failed run untouched.
: >"$work/plainfile"
expect_error "unwritable output folder" 1 "cannot (write|create)" "$work/plainfile/kabi.h" -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/plainfile/kabi.h"
expect_error "output to /dev/full" 1 "/dev/full: exists and is a character device, not a regular file; nothing was written; give -o the path of a regular file" /dev/full -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" -o /dev/full
echo "previous header" >"$out"
expect_error "failed run keeps the previous file" 1 "struct no_such_struct" "$out" -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" --set-file "$sets/missing.yaml" -o "$out"

# A --set value the headers cannot take is blamed on the configuration, not on --arch.
expect_error "a --set value that does not parse" 1 "the configuration kabigen wrote from --kconfig and --set does not parse; check those symbols" \
	"$out" -- "$kabigen" --arch riscv64 --kdir "$kdir" --set CONFIG_NR_CPUS=n --no-cache -o "$out"
# KABIGEN_INDEX_MAX_AGE is seconds, and nothing else: "6h" is not six seconds.
expect_error "KABIGEN_INDEX_MAX_AGE=6h" 2 "KABIGEN_INDEX_MAX_AGE=6h: give the index's age limit in seconds" "$out" -- \
	env KABIGEN_INDEX_MAX_AGE=6h "$kabigen" list --arch riscv64

# Outputs never replace one another or an input: one line, and the file stays as it was.
expect_error "-o and --depfile on one file" 1 "-o .*same.h and --depfile .*same.h are one file" "$work/same.h" -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/same.h" --depfile "$work/same.h"
cp "$kdir/.config" "$work/k.config"
expect_error "-o onto --kconfig's file" 1 "-o .*k.config is --kconfig's file .*, which this run reads" "$work/k.config" -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" --kconfig "$work/k.config" -o "$work/k.config"
ln -s k.config "$work/k-link.config"
expect_error "-o onto a link to --kconfig's file" 1 "which this run reads" "$work/k.config" -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" --kconfig "$work/k.config" -o "$work/k-link.config"
cp "$(dirname "$0")/../../configs/sets/loader.yaml" "$work/set.yaml"
expect_error "--emit-tu onto the set file" 1 "--emit-tu .*set.yaml is the set file" "$work/set.yaml" -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" --set-file "$work/set.yaml" --emit-tu "$work/set.yaml"
"$kabigen" --arch riscv64 --kdir "$kdir" --format json -o "$work/old.json" 2>/dev/null
expect_error "diff's report onto a dump it compares" 1 "-o .*old.json is OLD .*, which this run reads" "$work/old.json" -- \
	"$kabigen" diff "$work/old.json" "$work/old.json" -o "$work/old.json"
# A link as -o is written through: its target gets the header, the link stays a link.
echo "previous" >"$work/target.h"
ln -s target.h "$work/link.h"
if "$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/link.h" 2>/dev/null && [ -L "$work/link.h" ] &&
	grep -q KABI_VERMAGIC "$work/target.h"; then
	pass "-o on a link writes through it, and the link stays"
else
	fail "-o on a link: $(ls -l "$work/link.h" "$work/target.h")"
fi

# A run writes all its outputs or none: every destination is checked before the first is
# written, so a bad one later in the list leaves the earlier ones as they were.
echo "previous header" >"$work/x.h"
expect_error "--depfile /dev/full keeps -o's file" 1 "^kabigen: error: /dev/full: exists and is a character device, not a regular file; nothing was written; give --depfile the path of a regular file$" \
	"$work/x.h" -- "$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/x.h" --depfile /dev/full
mkdir -p "$work/both/kabi.rs"
echo "previous header" >"$work/both/kabi.h"
expect_error "a folder where kabi.rs goes keeps kabi.h" 1 "both/kabi.rs: exists and is a folder, not a regular file; nothing was written; move it away, or choose another path for -o" \
	"$work/both/kabi.h" -- "$kabigen" --arch riscv64 --kdir "$kdir" --format c,rust -o "$work/both"
ln -s nowhere.h "$work/dangling.h"
expect_error "-o on a link to nothing" 1 "is a symbolic link to a file that does not exist" "$work/dangling.h" -- \
	"$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/dangling.h"
finish
