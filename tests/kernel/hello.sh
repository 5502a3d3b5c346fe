#!/usr/bin/env bash
# hello.sh: Debian sid's own kernel judges a module built from kabi.h alone, under QEMU.
#
# usage: hello.sh KABIGEN DEBARCH OTHER_DEBARCH [WRONG_FLAVOUR]
# (amd64 needs rustc: $RUSTC, else rustc on PATH.)
#
# Fetches sid's newest release of DEBARCH (headers, modules, kernel image) and busybox-static,
# builds tests/kernel/hello.c with `kabigen build-ko` (kabi.h's KABI_THIS_MODULE, KABI_MODINFO,
# KABI_MODULE_PARAM; clang-19 with the arch profile's module flags; ld.lld-19 -r with the
# tree's module linker script; check-ko), and boots the kernel once with an initramfs whose /init:
#   - insmods hello.ko with answer=42 bonus=7: the init line shows both values, /proc/modules
#     lists it, rmmod prints the exit line;
#   - insmods and rmmods a real module of the release (ts_kmp), the control;
#   - on x86_64, the same with hello built for the minimal loader profile (build-ko --loader
#     minimal: no relocation that needs the top 2 GiB or the kernel within 2 GiB);
#   - on x86_64, tests/kernel/hello.rs, the module in Rust from a crate made by `kabigen crate`
#     (its this_module!, modinfo!, module_param!; rustc for the host target with the kernel's
#     code model, linked with the tree's module.lds, check-ko passes it): insmod with answer=13
#     bonus=8, /proc/modules, rmmod; where the kernel has MITIGATION_RETPOLINE, built with
#     retpoline thunks and saying retpoline=Y, so the kernel does not warn; and the same source
#     built against the crate's triple of the WRONG_FLAVOUR, which the kernel must refuse for
#     its vermagic;
#   - insmods two wrong builds the kernel must refuse: hello built with the vermagic of another
#     flavour (WRONG_FLAVOUR of this arch, else OTHER_DEBARCH's), and hello built with
#     OTHER_DEBARCH's layouts (its struct module has another size).
# Any of these going otherwise fails the test.
set -euo pipefail
kabigen=$1 debarch=$2 other=$3 wrong_flavour=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/cli/lib.sh
. "$here/../cli/lib.sh"
# shellcheck source=tests/kernel/lib.sh
. "$here/lib.sh"
start=$(date +%s)

case $debarch in
amd64) arch=x86_64 ;;
loong64) arch=loongarch64 ;;
*) arch=$debarch ;;
esac

kernel_fetch "$debarch"
"$kabigen" --arch "$debarch" --kdir "$kdir" -o "$work/kabi.h" 2>/dev/null
vermagic=$(sed -n 's/^#define KABI_VERMAGIC \(".*"\)$/\1/p' "$work/kabi.h")
karch=$(sed -n 's/^#define KABI_KERNEL_ARCH "\(.*\)"$/\1/p' "$work/kabi.h")

# Another arch's header (its layouts) and another flavour's vermagic.
otherkdir=$(fetch sid "$other")
"$kabigen" --arch "$other" --kdir "$otherkdir" -o "$work/other.h" 2>/dev/null
if [ -n "$wrong_flavour" ]; then
	wrongkdir=$(fetch sid "$debarch" "$wrong_flavour")
	"$kabigen" --arch "$debarch" --kdir "$wrongkdir" -o "$work/wrong.h" 2>/dev/null
else
	cp "$work/other.h" "$work/wrong.h"
fi
wrong_vermagic=$(sed -n 's/^#define KABI_VERMAGIC \(".*"\)$/\1/p' "$work/wrong.h")
[ "$wrong_vermagic" != "$vermagic" ] || { fail "the wrong vermagic is this kernel's: $vermagic"; finish; }

# The module by kabigen's route: build-ko compiles, links with the tree's module.lds and has
# check-ko pass it. The wrong builds take the same compiler line (--print-cflags) with a doctored
# header: kabi.h with another flavour's vermagic, and the other arch's header with this vermagic.
mkdir -p "$work/initrd"
"$kabigen" build-ko --arch "$debarch" --kdir "$kdir" -o "$work/initrd/hello.ko" "$here/hello.c"
read -r -a cc <<<"$("$kabigen" build-ko --arch "$debarch" --kdir "$kdir" --print-cflags -o hello.ko "$here/hello.c")"
lds=$kdir/arch/$karch/module.lds
wrong_build() { # NAME HEADER
	local name=$1 header=$2 args=() i
	for ((i = 0; i < ${#cc[@]}; i++)); do
		case ${cc[i]} in
		-include) args+=(-include "$header"); i=$((i + 1)) ;;
		-c) args+=(-c "$here/hello.c"); i=$((i + 1)) ;;
		-o) args+=(-o "$work/$name.o"); i=$((i + 1)) ;;
		*) args+=("${cc[i]}") ;;
		esac
	done
	"${args[@]}"
	ld.lld-19 -r -T "$lds" -o "$work/initrd/$name.ko" "$work/$name.o"
}
# rust_module: hello_rs.ko (this release's triple) and hello_rs-wrong.ko (WRONG_FLAVOUR's) from
# tests/kernel/hello.rs. rustc for the host target as the kernel compiles C: no floating-point or
# vector registers, no red zone, the kernel code model, no unwinding; stable rustc warns that
# the target's ABI wants sse2 (nothing here passes a float). No -C link-dead-code: it keeps
# core::fmt code whose symbols the kernel lacks. The crate is compiled with the same flags.
rust_module() {
	local rustc=${RUSTC:-rustc} kver=${release%%[-+]*} flags path wrong_path f retpoline
	command -v "$rustc" >/dev/null || { fail "no rustc (set RUSTC) for the Rust module"; return; }
	share_downloads
	"$kabigen" crate --arch "$debarch" --kver "$kver" --flavour "generic,${wrong_flavour%-"$debarch"}" -o "$work/kabi" 2>"$work/crate.log" ||
		{ fail "kabigen crate: $(cat "$work/crate.log")"; return; }
	# Each triple's module by its release, from the table of the crate's root.
	path=$(sed -n "s/^\/\/! | \[\`\(.*\)\`\] | $release | .*/\1/p" "$work/kabi/src/lib.rs")
	wrong_path=$(sed -n "s/^\/\/! | \[\`\(.*\)\`\] | ${release%-*}-$wrong_flavour | .*/\1/p" "$work/kabi/src/lib.rs")
	[ -n "$path" ] && [ -n "$wrong_path" ] ||
		{ fail "the crate has no triple for $release or its $wrong_flavour flavour: $(sed -n '3,8p' "$work/kabi/src/lib.rs")"; return; }
	flags=(--edition 2021 -C panic=abort -C opt-level=2 -C relocation-model=static -C code-model=kernel
		-C no-redzone=yes -C force-unwind-tables=no -C target-feature=-sse,-sse2,-mmx,-avx,-avx2)
	# A kernel with MITIGATION_RETPOLINE: retpoline thunks, as kbuild builds Rust, and modinfo!
	# says retpoline=Y as modpost does (stable rustc warns that the feature is being phased out).
	retpoline=0
	if grep -q '^#define KABI_CONFIG_MITIGATION_RETPOLINE 1' "$work/kabi.h"; then
		retpoline=1
		flags+=(-C target-feature=+retpoline-external-thunk)
	fi
	"$rustc" "${flags[@]}" --crate-type rlib --crate-name kabi --cap-lints allow -o "$work/libkabi.rlib" \
		"$work/kabi/src/lib.rs" 2>"$work/rustc.log" || { fail "rustc of the crate: $(cat "$work/rustc.log")"; return; }
	for f in hello_rs:"$path" hello_rs-wrong:"$wrong_path"; do
		printf '#![no_std]\nuse kabi::%s as t;\ninclude!("%s");\n' "${f#*:}" "$here/hello.rs" >"$work/${f%%:*}.rs"
		"$rustc" "${flags[@]}" --crate-type lib --emit obj --extern "kabi=$work/libkabi.rlib" \
			-o "$work/${f%%:*}.o" "$work/${f%%:*}.rs" 2>"$work/rustc.log" ||
			{ fail "rustc of hello.rs for ${f#*:}: $(cat "$work/rustc.log")"; return; }
		ld.lld-19 -r -T "$lds" -o "$work/initrd/${f%%:*}.ko" "$work/${f%%:*}.o"
	done
	# What the kernel allocates must not carry SHF_GNU_RETAIN (rustc's #[used]), which is the
	# kernel's SHF_RO_AFTER_INIT: struct module would be made read-only after init.
	f=$(readelf -SW "$work/initrd/hello_rs.ko" | grep -E ' (\.gnu\.linkonce\.this_module|__param) ' | grep -cE ' [WAX]*R[WAX]* ' || true)
	[ "$f" = 0 ] && pass "hello_rs.ko: __this_module and __param are not SHF_GNU_RETAIN" ||
		fail "hello_rs.ko: $(readelf -SW "$work/initrd/hello_rs.ko" | grep -E 'this_module|__param')"
	f=$(readelf -p .modinfo "$work/initrd/hello_rs.ko" | grep -c ' retpoline=Y$' || true)
	[ "$f" = "$retpoline" ] && pass "hello_rs.ko: retpoline=Y $f time(s), as MITIGATION_RETPOLINE says" ||
		fail "hello_rs.ko: retpoline=Y $f time(s), MITIGATION_RETPOLINE $retpoline"
	"$kabigen" check-ko --arch "$debarch" --kdir "$kdir" --loader linux "$work/initrd/hello_rs.ko" >"$work/check.log" 2>&1 &&
		pass "check-ko: hello_rs.ko loads ($(sed -n 's/^ *relocations: //p' "$work/check.log"))" ||
		fail "check-ko refuses hello_rs.ko: $(cat "$work/check.log")"
}
sed "s/^#define KABI_VERMAGIC .*/#define KABI_VERMAGIC $wrong_vermagic/" "$work/kabi.h" >"$work/wrong-vermagic.h"
sed "s/^#define KABI_VERMAGIC .*/#define KABI_VERMAGIC $vermagic/" "$work/other.h" >"$work/wrong-layout.h"
# x86_64: the build for the minimal loader profile (placement anywhere: no R_X86_64_32S, PC32 or
# PLT32 into the kernel, which check-ko --loader minimal proves) must load into Linux too.
if [ "$arch" = x86_64 ]; then
	"$kabigen" build-ko --arch "$debarch" --kdir "$kdir" --loader minimal -o "$work/initrd/hello-min.ko" "$here/hello.c"
	relocs=$(readelf -rW "$work/initrd/hello-min.ko" | grep -cE 'R_X86_64_(32S|PC32|PLT32) ' || true)
	[ "$relocs" = 0 ] && pass "the minimal build has no R_X86_64_32S, PC32 or PLT32" ||
		fail "the minimal build has $relocs R_X86_64_32S, PC32 or PLT32 relocations"
fi
# x86_64: hello.rs against a crate of this release's generic and WRONG_FLAVOUR triples.
if [ "$arch" = x86_64 ]; then
	rust_module
fi
wrong_build wrong-vermagic "$work/wrong-vermagic.h"
wrong_build wrong-layout "$work/wrong-layout.h"
kernel_module_copy ts_kmp "$work/initrd/ts_kmp.ko"

# Not vacuous: the other arch's struct module has another size in its header.
size_of() { sed -n 's/^_Static_assert(sizeof(struct module) == \([0-9]*\),.*/\1/p' "$1"; }
[ "$(size_of "$work/kabi.h")" != "$(size_of "$work/other.h")" ] ||
	fail "$other's struct module has $debarch's size $(size_of "$work/kabi.h"): the layout case cannot fail"

# /init: each step's exit status and its kernel messages, marked, then power off.
cat >"$work/init" <<'EOF'
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
dmesg -c >/dev/null
step() {
	name=$1
	shift
	"$@" >/tmp/out 2>&1
	rc=$?
	echo "@@ $name rc=$rc"
	sed "s/^/@@ $name out: /" /tmp/out
	dmesg -c | sed "s/^/@@ $name kmsg: /"
}
step insmod-hello insmod /hello.ko answer=42 bonus=7
step modules-hello grep '^hello ' /proc/modules
step params-hello cat /sys/module/hello/parameters/answer /sys/module/hello/parameters/bonus
step rmmod-hello rmmod hello
step insmod-control insmod /ts_kmp.ko
step modules-control grep '^ts_kmp ' /proc/modules
step rmmod-control rmmod ts_kmp
if [ -f /hello-min.ko ]; then
	step insmod-min insmod /hello-min.ko answer=5 bonus=6
	step modules-min grep '^hello_min ' /proc/modules
	step rmmod-min rmmod hello_min
fi
if [ -f /hello_rs.ko ]; then
	step insmod-rs insmod /hello_rs.ko answer=13 bonus=8
	step modules-rs grep '^hello_rs ' /proc/modules
	step params-rs cat /sys/module/hello_rs/parameters/answer /sys/module/hello_rs/parameters/bonus
	step rmmod-rs rmmod hello_rs
	step insmod-rs-wrong insmod /hello_rs-wrong.ko
fi
step insmod-wrong-vermagic insmod /wrong-vermagic.ko
step insmod-wrong-layout insmod /wrong-layout.ko
step modules-after cat /proc/modules
echo "@@ done"
poweroff -f
EOF
kernel_initramfs "$work/initrd" "$work/init" "$work/initrd.cpio"
# loong64: QEMU boots the kernel inside the EFI zboot image; i8042 probing oopses on its virt board.
append=
if [ "$debarch" = loong64 ]; then
	kernel_unzboot "$image" "$work/vmlinux"
	image=$work/vmlinux append=initcall_blacklist=i8042_init
fi
kernel_boot "$debarch" "$image" "$work/initrd.cpio" "$work/console" $append
tr -d '\r' <"$work/console" >"$work/log"

# expect NAME PATTERN: a marked line of the log matches PATTERN (grep -E).
expect() {
	if grep -qE -- "$2" "$work/log"; then
		pass "$1"
	else
		fail "$1: no line matches '$2'"
	fi
}
expect "booted to /init" '^@@ done$'
expect "hello loads with its parameters" '^@@ insmod-hello rc=0$'
expect "hello's init saw answer=42 bonus=7" '^@@ insmod-hello kmsg: .*hello: init answer=42 bonus=7$'
expect "hello is in /proc/modules" '^@@ modules-hello out: hello [0-9]+ 0 - Live '
expect "the kernel parsed the parameters" '^@@ params-hello out: 42$'
expect "hello unloads" '^@@ rmmod-hello rc=0$'
expect "hello's exit ran" '^@@ rmmod-hello kmsg: .*hello: exit$'
expect "the control loads" '^@@ insmod-control rc=0$'
expect "the control is in /proc/modules" '^@@ modules-control out: ts_kmp [0-9]+ 0 - Live '
expect "the control unloads" '^@@ rmmod-control rc=0$'
if [ "$arch" = x86_64 ]; then
	expect "the minimal build loads" '^@@ insmod-min rc=0$'
	expect "the minimal build's init saw answer=5 bonus=6" '^@@ insmod-min kmsg: .*hello_min: init answer=5 bonus=6$'
	expect "the minimal build is in /proc/modules" '^@@ modules-min out: hello_min [0-9]+ 0 - Live '
	expect "the minimal build unloads" '^@@ rmmod-min rc=0$'
	expect "the minimal build's exit ran" '^@@ rmmod-min kmsg: .*hello_min: exit$'
	# Its cost, said by the kernel: no retpoline thunks, so no retpoline=Y.
	if grep -q '^#define KABI_CONFIG_MITIGATION_RETPOLINE 1' "$work/kabi.h"; then
		expect "the kernel notes the minimal build has no retpolines" \
			'^@@ insmod-min kmsg: .*hello_min: loading module not compiled with retpoline compiler'
	fi
fi
if [ "$arch" = x86_64 ]; then
	expect "the Rust module loads with its parameters" '^@@ insmod-rs rc=0$'
	expect "the Rust module's init saw answer=13 bonus=8" '^@@ insmod-rs kmsg: .*hello_rs: init answer=13 bonus=8$'
	expect "the Rust module is in /proc/modules" '^@@ modules-rs out: hello_rs [0-9]+ 0 - Live '
	expect "the kernel parsed the Rust module's parameters" '^@@ params-rs out: 13$'
	expect "the Rust module unloads" '^@@ rmmod-rs rc=0$'
	expect "the Rust module's exit ran" '^@@ rmmod-rs kmsg: .*hello_rs: exit$'
	# With retpoline=Y the kernel has nothing to say about retpolines.
	if grep -qE '^@@ insmod-rs kmsg: .*hello_rs: loading module not compiled with retpoline compiler' "$work/log"; then
		fail "the kernel says the Rust module was not compiled with retpolines"
	else
		pass "the kernel takes the Rust module's retpolines"
	fi
	expect "the Rust module of another flavour's triple is refused" '^@@ insmod-rs-wrong rc=[1-9]'
	expect "the kernel names its vermagic" "^@@ insmod-rs-wrong kmsg: .*hello_rs: version magic '"
fi
expect "another vermagic is refused" '^@@ insmod-wrong-vermagic rc=[1-9]'
expect "the kernel names the vermagic" "^@@ insmod-wrong-vermagic kmsg: .*hello: version magic '"
expect "another arch's layout is refused" '^@@ insmod-wrong-layout rc=[1-9]'
expect "the kernel names the struct module size" "^@@ insmod-wrong-layout kmsg: .*section size must match the kernel's built struct module size"
if grep -qE 'Oops|BUG:|Kernel panic|Call Trace|WARNING:' "$work/log"; then
	fail "the kernel oopsed or warned: $(grep -m 3 -E 'Oops|BUG:|Kernel panic|Call Trace|WARNING:' "$work/log")"
fi
grep -E '^@@ (insmod|rmmod)-(hello|min|rs|rs-wrong) kmsg' "$work/log" || true
if [ "$failures" != 0 ]; then
	echo "--- console of $debarch"
	tail -n 80 "$work/log"
fi
echo "time: $(($(date +%s) - start)) s"
finish
