#!/usr/bin/env bash
# crate-build.sh: 'kabigen crate' for {amd64, arm64, riscv64, loong64} x {6.12 (trixie's
# newest), 7.2 (sid's)} (Debian has no 6.12 for loong64: seven triples, from a YAML file as
# 'matrix' takes) writes a #![no_std] crate without dependencies that builds with
# `cargo build --offline` and documents with `cargo doc`, warnings denied (RUSTFLAGS and
# RUSTDOCFLAGS -D warnings; the crate denies missing_docs), for the host and for every
# bare-metal target whose core is installed. A probe crate built against it must find each
# triple where its name says, agree with `kabigen --format json` of the same triple on
# release, vermagic, struct module size and the init/exit offsets, find each by vermagic and
# refuse an unknown one. One triple's module must be under a twentieth of the 2.6 MB bindgen
# file it replaces, and the same as a crate of that triple alone made from --arch/--kver
# lists. A failed run leaves the crate as it was; a folder kabigen did not write is never
# replaced.
# usage: crate-build.sh KABIGEN CARGO
. "$(dirname "$0")/../cli/lib.sh"
kabigen=$(realpath "$1") cargo=$2
share_downloads
export CARGO_TARGET_DIR=$work/target RUSTFLAGS="-D warnings" RUSTDOCFLAGS="-D warnings"
archs="amd64 arm64 riscv64 loong64" kvers="6.12 7.2"
# Every arch with every version the archive has: loong64 entered Debian after trixie (6.12).
has() { [ "$1 $2" != "loong64 6.12" ]; }
{
	echo "triples:"
	for a in $archs; do for v in $kvers; do has "$a" "$v" && echo "  - { arch: $a, kver: \"$v\" }"; done; done
} >"$work/triples.yaml"

SECONDS=0
"$kabigen" crate "$work/triples.yaml" -o "$work/kabi" 2>"$work/stderr" &&
	pass "kabigen crate wrote the crate (${SECONDS}s): $(tail -n 1 "$work/stderr")" ||
	{ fail "kabigen crate: $(cat "$work/stderr")"; finish; exit 1; }

# Every triple where its name says: ARCH::vVERSION::generic.
declare -A name=([amd64]=x86_64 [arm64]=arm64 [riscv64]=riscv64 [loong64]=loongarch64)
for a in $archs; do
	for v in $kvers; do
		has "$a" "$v" || continue
		f=$work/kabi/src/${name[$a]}/v${v//./_}/generic.rs
		[ -f "$f" ] && pass "${name[$a]}::v${v//./_}::generic is $(basename "$(dirname "$(dirname "$f")")")/$(basename "$(dirname "$f")")/generic.rs" ||
			fail "no $f: $(cd "$work/kabi" && find src -name '*.rs' | tr '\n' ' ')"
	done
done
grep -q '^\[dependencies\]$' "$work/kabi/Cargo.toml" && [ "$(sed -n '/^\[dependencies\]$/,$p' "$work/kabi/Cargo.toml" | grep -c .)" = 1 ] &&
	pass "Cargo.toml has no dependencies" || fail "Cargo.toml: $(cat "$work/kabi/Cargo.toml")"

build() { (cd "$1" && "$cargo" "${@:2}") >"$work/build.log" 2>&1; }
build "$work/kabi" build --offline && pass "cargo build --offline, -D warnings" ||
	fail "cargo build: $(tail -n 30 "$work/build.log")"
build "$work/kabi" doc --offline && pass "cargo doc --offline, -D warnings" ||
	fail "cargo doc: $(tail -n 30 "$work/build.log")"
rustc=$(dirname "$cargo")/rustc
[ -x "$rustc" ] || rustc=rustc
sysroot=$("$rustc" --print sysroot)
built=0
for target in x86_64-unknown-none aarch64-unknown-none riscv64gc-unknown-none-elf loongarch64-unknown-none; do
	[ -d "$sysroot/lib/rustlib/$target/lib" ] || continue
	build "$work/kabi" build --offline --target "$target" && pass "cargo build --offline --target $target" ||
		fail "cargo build --target $target: $(tail -n 30 "$work/build.log")"
	built=$((built + 1))
done
[ "$built" -gt 0 ] || echo "note: no bare-metal target's core is installed in $sysroot; built for the host only"

# `native` is each arch's module under the target_arch rustc gives that arch's targets
# (their core need not be installed for --print cfg).
for spec in x86_64:x86_64-unknown-none arm64:aarch64-unknown-none riscv64:riscv64gc-unknown-none-elf \
	loongarch64:loongarch64-unknown-none; do
	ta=$("$rustc" --print cfg --target "${spec#*:}" | sed -n 's/^target_arch="\(.*\)"$/\1/p')
	grep -A2 -xF "#[cfg(target_arch = \"$ta\")]" "$work/kabi/src/lib.rs" | grep -qxF "pub use ${spec%%:*} as native;" &&
		pass "native is ${spec%%:*} when building for ${spec#*:} (target_arch $ta)" ||
		fail "no native alias for target_arch $ta ($spec)"
done

# The size of each triple against the 2.6 MB bindgen file (2,600,000 bytes) it replaces.
sizes=$(cd "$work/kabi/src" && for f in */*/*.rs; do echo "$(stat -c %s "$f") $f"; done)
[ "$(echo "$sizes" | awk '$1 >= 130000' | wc -l)" = 0 ] &&
	pass "each triple is under a twentieth of 2.6 MB (130000): $(echo "$sizes" | tr '\n' ',')" ||
	fail "triples of 130000 bytes or more: $(echo "$sizes" | awk '$1 >= 130000' | tr '\n' ',')"

# The list form for one triple gives the same module, byte for byte.
"$kabigen" crate --arch riscv64 --kver 7.2 -o "$work/one" 2>"$work/stderr" &&
	cmp -s "$work/one/src/riscv64/v7_2/generic.rs" "$work/kabi/src/riscv64/v7_2/generic.rs" &&
	pass "--arch riscv64 --kver 7.2 writes the same riscv64::v7_2::generic" ||
	fail "the list form differs or failed: $(cat "$work/stderr")"

# A probe crate that depends on it: each triple's table against kabigen's own JSON of it.
mkdir -p "$work/probe/src"
cat >"$work/probe/Cargo.toml" <<TOML
[package]
name = "probe"
version = "0.1.0"
edition = "2021"
[dependencies]
kabi = { path = "../kabi" }
TOML
cat >"$work/probe/src/main.rs" <<'RS'
//! Prints each triple's facts, one line each; checks by_vermagic finds each and refuses another.
#![allow(clippy::all)]
fn main() {
    for t in kabi::TRIPLES {
        let found = kabi::Triple::by_vermagic(t.vermagic.as_bytes()).map(|f| f.path);
        println!(
            "{} {} {} {} {} {} {:?}",
            t.path,
            t.release,
            t.module.size,
            t.module.init.unwrap(),
            t.module.exit.map_or(-1, |e| e as i64),
            t.vermagic,
            found
        );
    }
    let refused = kabi::Triple::by_vermagic(b"0.0.0-none SMP mod_unload").is_none();
    println!("refused {refused}");
    // Every relocation number converts to Reloc and names back as KABI_RELOC says; others err.
    macro_rules! relocs {
        ($($m:path),*) => {$({
            use $m as t;
            for &(v, _) in t::KABI_RELOC {
                let r = t::Reloc::try_from(v).expect("a number of KABI_RELOC");
                let first = t::KABI_RELOC.iter().find(|p| p.0 == v).unwrap().1;
                assert!(r as u32 == v && r.name() == first && format!("{r}") == first, "{v}");
            }
            assert!(t::Reloc::try_from(0xffff_u32) == Err(0xffff));
            println!("relocs {} {}", stringify!($m), t::KABI_RELOC.len());
        })*};
    }
    relocs!(kabi::x86_64::v6_12::generic, kabi::x86_64::v7_2::generic, kabi::arm64::v6_12::generic,
        kabi::arm64::v7_2::generic, kabi::riscv64::v6_12::generic, kabi::riscv64::v7_2::generic,
        kabi::loongarch64::v7_2::generic);
    // The native alias and a typed relocation: compile-time checks of the names.
    let _ = kabi::x86_64::v7_2::generic::Reloc::R_X86_64_64.name();
    let _ = kabi::riscv64::v6_12::generic::Reloc::try_from(2u32);
    let _: &[&kabi::Triple] = kabi::native::TRIPLES;
}
RS
build "$work/probe" run --offline -q && pass "a probe crate builds against it and runs" ||
	fail "the probe: $(tail -n 30 "$work/build.log")"
for a in $archs; do
	for v in $kvers; do
		has "$a" "$v" || continue
		"$kabigen" --arch "$a" --kver "$v" --format json -o "$work/$a-$v.json" 2>/dev/null ||
			fail "kabigen --arch $a --kver $v --format json"
		want=$(jq -r '[.triple.release,
			(.structs[] | select(.name == "module") | .size, (.members[] | select(.name == "init") | .offset_bits / 8),
			 ([.members[] | select(.name == "exit") | .offset_bits / 8] + [-1])[0])] | join(" ")' "$work/$a-$v.json")
		vermagic=$(jq -r '.strings.VERMAGIC' "$work/$a-$v.json")
		path=${name[$a]}::v${v//./_}::generic
		line="$path $want $vermagic Some(\"$path\")"
		grep -qxF "$line" "$work/build.log" && pass "$path: $want, found by its vermagic" ||
			fail "$path: kabigen's JSON says '$line', the crate: $(grep "^$path " "$work/build.log")"
	done
done
grep -qx 'refused true' "$work/build.log" && pass "an unknown vermagic is refused" || fail "an unknown vermagic was not refused"
[ "$(grep -c '^relocs kabi::' "$work/build.log")" = 7 ] &&
	pass "every relocation number of every triple converts to Reloc and back: $(sed -n 's/^relocs kabi::\([^ ]*\) \([0-9]*\)$/\1 \2/p' "$work/build.log" | tr '\n' ',')" ||
	fail "Reloc round trips: $(grep '^relocs' "$work/build.log")"

# A module built in Rust for x86_64 7.2 with this_module!, modinfo! and module_param!: the
# section is the triple's struct module, init_module and cleanup_module are relocated where
# kabigen's JSON says init and exit are, __param is one kernel_param, and check-ko takes the
# object for a module of the triple (vermagic, name, __param relocations on its pointers,
# param_ops_int one the headers declare and the kernel exports).
cat >"$work/hello.rs" <<'RS'
#![no_std]
//! A module in Rust.
/// Called when the module is loaded.
#[no_mangle]
pub unsafe extern "C" fn init_module() -> i32 {
    0
}
/// Called when it is unloaded.
#[no_mangle]
pub unsafe extern "C" fn cleanup_module() {}
kabi::x86_64::v7_2::generic::this_module!("hello", init_module, cleanup_module);
kabi::x86_64::v7_2::generic::modinfo!("hello", "GPL");
/// A parameter, under the name a user types.
#[allow(non_upper_case_globals)]
pub static mut debug: i32 = 0;
kabi::x86_64::v7_2::generic::module_param!(debug, param_ops_int, 0o644);
RS
"$rustc" --edition 2021 --crate-type lib --emit obj -C panic=abort -O -D warnings -L "dependency=$work/target/debug/deps" \
	--extern "kabi=$(ls "$work"/target/debug/deps/libkabi-*.rlib | sed -n 1p)" -o "$work/hello.o" "$work/hello.rs" \
	>"$work/rustc.log" 2>&1 && pass "a module using this_module!, modinfo! and module_param! compiles" || fail "hello.rs: $(cat "$work/rustc.log")"
size=$(readelf -W -S "$work/hello.o" | sed -n 's/.* \.gnu\.linkonce\.this_module *PROGBITS *[0-9a-f]* [0-9a-f]* \([0-9a-f]*\) .*/\1/p')
read -r _ msize init exit < <(jq -r '[.triple.release, (.structs[] | select(.name == "module") | .size,
	(.members[] | select(.name == "init") | .offset_bits / 8), (.members[] | select(.name == "exit") | .offset_bits / 8))] | join(" ")' \
	"$work/amd64-7.2.json")
[ -n "$size" ] && [ "$((16#$size))" = "$msize" ] && pass "__this_module is $msize bytes, the triple's struct module" ||
	fail "__this_module is ${size:-missing} (hex), struct module $msize"
relocs=$(readelf -W -r "$work/hello.o" | awk '/\.rela\.gnu\.linkonce\.this_module/ { on = 1; next } /^Relocation section/ { on = 0 }
	on && ($5 == "init_module" || $5 == "cleanup_module") { print $5, $1 }' | while read -r sym off; do printf '%s@%d ' "$sym" "$((16#$off))"; done)
[ "$relocs" = "init_module@$init cleanup_module@$exit " ] && pass "init and exit relocated at $init and $exit" ||
	fail "relocations in __this_module: '$relocs', the triple's init $init, exit $exit"
kpsize=$(jq '.structs[] | select(.name == "kernel_param") | .size' "$work/amd64-7.2.json")
psize=$(readelf -W -S "$work/hello.o" | sed -n 's/.* __param *PROGBITS *[0-9a-f]* [0-9a-f]* \([0-9a-f]*\) .*/\1/p')
[ -n "$psize" ] && [ "$((16#$psize))" = "$kpsize" ] && pass "__param is one $kpsize-byte kernel_param" ||
	fail "__param is ${psize:-missing} (hex), kernel_param $kpsize"
rc=0
"$kabigen" check-ko --arch amd64 --kver 7.2 --loader linux --format json "$work/hello.o" >"$work/hello.json" 2>"$work/stderr" || rc=$?
[ "$rc" = 0 ] && [ "$(jq '.modules[0].findings | length' "$work/hello.json")" = 0 ] &&
	[ "$(jq '[.modules[0].tables[] | select(.name == "__param")] | length' "$work/hello.json")" = 1 ] &&
	pass "check-ko: the Rust module loads into the triple, no finding (imports: $(jq -r '.modules[0].imports | join(" ")' "$work/hello.json"))" ||
	fail "check-ko exit $rc: $(jq -c '.modules[0].findings' "$work/hello.json") $(cat "$work/stderr")"

# rust-version is what the code needs: &raw in the module macros (1.82); const bitfield setters
# taking &mut self (const_mut_refs, 1.83), here with struct kobject's bitfields added to the set.
rust_version() { # CRATE: the rust-version its sources need, read from them
	if grep -rqE 'pub const fn set_[A-Za-z0-9_]*\(&mut self' "$1/src"; then echo 1.83
	elif grep -rqF '&raw ' "$1/src"; then echo 1.82; fi
}
set_file=$(dirname "$(readlink -f "$kabigen")")/configs/sets/loader.yaml
sed 's/^structs:$/structs:\n  - kobject/' "$set_file" >"$work/kobject.yaml"
"$kabigen" crate --set-file "$work/kobject.yaml" --arch riscv64 --kver 7.2 -o "$work/kobject" 2>"$work/stderr" ||
	fail "a crate with struct kobject: $(cat "$work/stderr")"
for c in kabi kobject; do
	want=$(rust_version "$work/$c")
	[ -n "$want" ] && grep -qx "rust-version = \"$want\"" "$work/$c/Cargo.toml" &&
		pass "$c: rust-version $want, what its code needs" ||
		fail "$c: $(grep rust-version "$work/$c/Cargo.toml"), its code needs '${want}'"
done
[ "$(rust_version "$work/kobject")" = 1.83 ] && pass "kobject's bitfields have const setters" ||
	fail "no const bitfield setter in the kobject crate"

# A failed run changes nothing; a folder kabigen did not write is never replaced.
before=$(cd "$work/kabi" && find . -path ./target -prune -o -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
rc=0
"$kabigen" crate --arch riscv64 --kver 7.2,0.1 -o "$work/kabi" 2>"$work/stderr" || rc=$?
after=$(cd "$work/kabi" && find . -path ./target -prune -o -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
[ "$rc" = 1 ] && [ "$before" = "$after" ] && [ -z "$(ls "$work" | grep kabigen-)" ] &&
	pass "a run that fails (a version the archive lacks) leaves the crate as it was: $(cat "$work/stderr")" ||
	fail "failed run: exit $rc, crate changed: $([ "$before" = "$after" ] || echo yes), left: $(ls "$work")"
mkdir "$work/mine" && echo keep >"$work/mine/notes"
expect_error "a folder kabigen did not write" 1 "did not write" "$work/mine/notes" \
	-- "$kabigen" crate --arch riscv64 --kver 7.2 -o "$work/mine"
finish
