#!/usr/bin/env bash
# cargo-example.sh: examples/cargo-kabi (a no_std crate whose build.rs runs kabigen) builds
# with `cargo build --offline` from a clean copy, for the host and for every bare-metal
# target whose core the toolchain has installed; cargo runs the build script again only
# when a header the translation unit read changes, not for one it did not read.
# usage: cargo-example.sh KABIGEN CARGO
. "$(dirname "$0")/../cli/lib.sh"
kabigen=$(realpath "$1") cargo=$2
here=$(cd "$(dirname "$0")" && pwd)
kdir=$("$here/../../scripts/fetch-debian-headers" sid riscv64)
# A private copy of the tree, so that touching it leaves the shared cache alone.
cp -r "$(dirname "$kdir")" "$work/src"
tree=$work/src/$(basename "$kdir")
common=$(echo "$work/src/linux-headers-"*-common)
cp -r "$here/../../examples/cargo-kabi" "$work/crate"
export XDG_CACHE_HOME=$work/cache CARGO_TARGET_DIR=$work/target KABIGEN=$kabigen
export KABIGEN_ARCH=riscv64 KABIGEN_KDIR=$tree

# cargo -v prints "Running `.../build-script-build`" when it runs the build script.
build() { (cd "$work/crate" && "$cargo" build --offline -v "$@") >"$work/build.log" 2>&1; }
runs() { grep -q 'Running `.*build-script-build`' "$work/build.log"; }

build && runs && pass "cargo build --offline runs build.rs and compiles the crate" ||
	fail "the first build: $(tail -n 20 "$work/build.log")"
out=$(echo "$work"/target/debug/build/kabi-example-*/out)
grep -q "^pub const KABI_UTS_RELEASE: &str = \"$(basename "$tree" | sed 's/^linux-headers-//')\";" "$out/kabi.rs" &&
	pass "OUT_DIR/kabi.rs is for $(basename "$tree")" || fail "OUT_DIR/kabi.rs is not the tree's: $(head -n 3 "$out/kabi.rs")"
moduleparam=$common/include/linux/moduleparam.h
grep -qxF "cargo:rerun-if-changed=$moduleparam" "$work"/target/debug/build/kabi-example-*/output &&
	pass "the depfile became cargo:rerun-if-changed lines ($(grep -c '^cargo:rerun-if-changed=' \
		"$work"/target/debug/build/kabi-example-*/output) of them)" ||
	fail "no cargo:rerun-if-changed=$moduleparam"

build && ! runs && pass "a rebuild without change does not run build.rs" ||
	fail "a rebuild without change ran build.rs: $(cat "$work/build.log")"

# A header the unit did not read: some driver's header, not in the depfile.
unread=$(cd "$common/include" && find . -name '*.h' -path '*/media/*' | head -n 1)
[ -n "$unread" ] && ! grep -qF "$common/include/${unread#./}" "$out/kabi.rs.d" ||
	fail "could not find a header the unit did not read"
sleep 1
touch "$common/include/${unread#./}"
build && ! runs && pass "touching a header the unit did not read (${unread#./}) does not run build.rs" ||
	fail "touching ${unread#./} ran build.rs: $(cat "$work/build.log")"

touch "$moduleparam"
build && runs && pass "touching a header the unit read (moduleparam.h) runs build.rs again" ||
	fail "touching moduleparam.h did not rerun build.rs: $(cat "$work/build.log")"
build && ! runs && pass "and the next build does not" || fail "build.rs ran twice after one touch"

# Bare-metal targets: rustup adds them only from the network, so build for those installed.
rustc=$(dirname "$cargo")/rustc
[ -x "$rustc" ] || rustc=rustc
sysroot=$("$rustc" --print sysroot)
built=0
for target in riscv64gc-unknown-none-elf aarch64-unknown-none x86_64-unknown-none loongarch64-unknown-none; do
	[ -d "$sysroot/lib/rustlib/$target/lib" ] || continue
	build --target "$target" && pass "cargo build --offline --target $target" ||
		fail "cargo build --target $target: $(tail -n 20 "$work/build.log")"
	built=$((built + 1))
done
[ "$built" -gt 0 ] || echo "note: no bare-metal target's core is installed in $sysroot (rustup target list --installed: $(rustup target list --installed 2>/dev/null | tr '\n' ' ')); built for the host only"
finish
