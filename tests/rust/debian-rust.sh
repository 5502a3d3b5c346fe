#!/usr/bin/env bash
# debian-rust.sh: kabigen --format rust on the newest real Debian headers package, through rustc and clang.
#
# usage: debian-rust.sh KABIGEN RUSTC SUITE DEBARCH FLAVOUR KABIGEN_ARCH
#
# Fetches the package (scripts/fetch-debian-headers), generates kabi.rs and kabi.h, and:
# kabi.rs compiles as a crate root with -D warnings (its own assertions holding); a
# #![no_std] crate include!s it and exposes offset_of!(module, exit) and kernel_param's
# arg (through __anon0), which must equal what clang computes from kabi.h for the target
# (read from the global's initialiser in LLVM IR), and must refuse any other value; the
# strings must equal the C header's. All four targets are LP64 little-endian, so rustc on
# the host lays each one out as its target does.
set -euo pipefail
kabigen=$1 rustc=$2 suite=$3 debarch=$4 flavour=$5 arch=$6
here=$(cd "$(dirname "$0")" && pwd)
fetch=$here/../../scripts/fetch-debian-headers
work=$(mktemp -d)
# kabigen's own cache is this test's alone; the packages stay in the tests' shared cache.
export KABIGEN_TEST_CACHE=${KABIGEN_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kabigen-tests}
export XDG_CACHE_HOME=$work/xdg
trap 'rm -rf "$work"' EXIT
trap 'echo "FAIL: $0 line $LINENO: $BASH_COMMAND" >&2' ERR

kdir=$("$fetch" "$suite" "$debarch" "$flavour")
echo "tree: $kdir"
"$kabigen" --arch "$arch" --kdir "$kdir" --format rust -o "$work/kabi.rs"
"$kabigen" --arch "$arch" --kdir "$kdir" -o "$work/kabi.h"
target=$(sed -n 's/^#define KABI_TARGET "\(.*\)"$/\1/p' "$work/kabi.h")
[ -n "$target" ] || { echo "FAIL: no KABI_TARGET in kabi.h"; exit 1; }

# A crate root as it is, warnings as errors; its const assertions hold.
"$rustc" --crate-type lib --edition 2021 -D warnings --crate-name kabi -o "$work/libkabi.rlib" "$work/kabi.rs"

# The strings, byte for byte as the C header quotes them (both escape only " and \ here).
for name in ARCH KERNEL_ARCH TARGET UTS_RELEASE VERMAGIC; do
	c=$(sed -n "s/^#define KABI_$name \(\".*\"\)\$/\1/p" "$work/kabi.h")
	rs=$(sed -n "s/^pub const KABI_$name: &str = \(\".*\"\);\$/\1/p" "$work/kabi.rs")
	[ -n "$c" ] && [ "$c" = "$rs" ] || { echo "FAIL: KABI_$name: C $c, Rust $rs"; exit 1; }
done
c_ops=$(sed -n '/^#define KABI_PARAM_OPS(X)/,/^#define KABI_PARAM_OPS_COUNT/s/^\tX(\(.*\)) *\\\{0,1\}$/"\1",/p' "$work/kabi.h" | tr -d '\n')
rs_ops=$(sed -n '/^pub const KABI_PARAM_OPS: &\[&str\] = &\[$/,/^\];$/s/^    \(".*",\)$/\1/p' "$work/kabi.rs" | tr -d '\n')
[ -n "$c_ops" ] && [ "$c_ops" = "$rs_ops" ] || { echo "FAIL: KABI_PARAM_OPS: C $c_ops, Rust $rs_ops"; exit 1; }

# What clang computes from the C header for the target.
c_offset() {
	printf '#include "kabi.h"\nint v = __builtin_offsetof(%s);\n' "$1" >"$work/off.c"
	clang-19 -target "$target" -std=gnu11 -ffreestanding -S -emit-llvm -o - "$work/off.c" |
		sed -n 's/^@v = .*global i32 \([0-9][0-9]*\), .*$/\1/p'
}
exit_c=$(c_offset 'struct module, exit')
arg_c=$(c_offset 'struct kernel_param, arg')
[ -n "$exit_c" ] && [ -n "$arg_c" ] || { echo "FAIL: no offset from clang's IR"; exit 1; }

# A #![no_std] crate that include!s kabi.rs and compares with clang's numbers.
probe() {
	cat >"$work/probe.rs" <<EOF
#![no_std]
mod kabi {
    include!("kabi.rs");
}
pub const MODULE_EXIT: usize = core::mem::offset_of!(kabi::module, exit);
pub const KERNEL_PARAM_ARG: usize = core::mem::offset_of!(kabi::kernel_param, __anon0.arg);
const _: () = assert!(MODULE_EXIT == $1);
const _: () = assert!(KERNEL_PARAM_ARG == $2);
EOF
	"$rustc" --crate-type lib --edition 2021 -D warnings --crate-name probe -o "$work/libprobe.rlib" "$work/probe.rs"
}
probe "$exit_c" "$arg_c"
# The comparison bites: one byte off is refused.
if probe $((exit_c + 1)) "$arg_c" >"$work/refused.log" 2>&1; then
	echo "FAIL: the no_std probe accepts offsetof(module, exit) == $((exit_c + 1))"; exit 1
fi
grep -F 'assertion failed: MODULE_EXIT ==' "$work/refused.log" >/dev/null
echo "clang ($target): offsetof(module, exit) = $exit_c, offsetof(kernel_param, arg) = $arg_c; rustc agrees"
echo "kabi.rs: $(wc -c <"$work/kabi.rs") bytes, kabi.h: $(wc -c <"$work/kabi.h") bytes"
echo "PASS: $suite $flavour ($(sed -n 's/^#define KABI_UTS_RELEASE "\(.*\)"$/\1/p' "$work/kabi.h"))"
