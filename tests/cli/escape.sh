#!/usr/bin/env bash
# escape.sh: text from the inputs (--set values, 'if' conditions and expressions of a set
# file, which reach comments) cannot end a comment or add a line to generated C or Rust, and
# C names that would become one Rust name are refused.
# usage: escape.sh KABIGEN
. "$(dirname "$0")/lib.sh"
kabigen=$(realpath "$1")
kdir=$("$(dirname "$0")/../../scripts/fetch-debian-headers" sid riscv64)
export XDG_CACHE_HOME=$work/cache
set_file=$(dirname "$0")/../../configs/sets/loader.yaml
run() { "$kabigen" --arch riscv64 --kdir "$kdir" --no-cache "$@"; }

# A --set string holding "*/": pasted raw, it closes the provenance comment and declares.
if run --set 'CONFIG_KABIGEN_TEST="x */ int kabigen_injected; /* y"' -o "$work/set.h" 2>"$work/log"; then
	if grep -q '\*/ int kabigen_injected' "$work/set.h"; then
		fail "a --set value closed the C comment: $(grep -n kabigen_injected "$work/set.h")"
	else
		pass "a --set value with */ stays inside the comment: $(grep kabigen_injected "$work/set.h" | sed 's/^ *//')"
	fi
else
	fail "a --set value with */: $(cat "$work/log")"
fi

# A set file's 'if' condition with a comment in it (the preprocessor accepts it), and a
# constant's expression spread over two lines: both reach comments in C and Rust.
python3 - "$set_file" "$work/set.yaml" <<'PY'
import sys
text = open(sys.argv[1]).read()
text = text.replace("  - { name: jump_entry, if: defined(CONFIG_JUMP_LABEL) }",
                    '  - { name: jump_entry, if: "0 /* never */ && defined(CONFIG_JUMP_LABEL)" }')
text = text.replace("constants:\n", 'constants:\n  - { name: KABI_TEST_ESCAPE, expr: "1 +\\n 2", type: int }\n', 1)
open(sys.argv[2], "w").write(text)
PY
grep -q 'never' "$work/set.yaml" && grep -q KABI_TEST_ESCAPE "$work/set.yaml" || fail "the test set file was not made"
if run --set-file "$work/set.yaml" -o "$work/if.h" 2>"$work/log"; then
	pass "an 'if' condition with a comment in it: $(grep -m1 'never' "$work/if.h" | sed 's/^ *//')"
else
	fail "an 'if' condition with a comment in it: $(cat "$work/log")"
fi
if run --set-file "$work/set.yaml" --format rust -o "$work/if.rs" 2>"$work/log"; then
	# Every line of the file is Rust: no line that a comment's newline pushed out of it.
	if grep -qx ' 2.*' "$work/if.rs"; then
		fail "an expression's newline broke a Rust comment: $(grep -n -B1 -x ' 2.*' "$work/if.rs")"
	else
		pass "an expression over two lines stays one Rust comment: $(grep -m1 'KABI_TEST_ESCAPE' "$work/if.rs")"
	fi
	if command -v rustc >/dev/null; then
		if rustc --edition 2021 --crate-type lib --emit metadata -o "$work/if.rmeta" "$work/if.rs" 2>"$work/rustc.log"; then
			pass "the Rust file with escaped input text compiles"
		else
			fail "the Rust file does not compile: $(head -5 "$work/rustc.log")"
		fi
	fi
else
	fail "Rust with an expression over two lines: $(cat "$work/log")"
fi

# uts_tree NAME LINE: a copy of the tree under $work/NAME whose utsrelease.h is LINE (a printf
# format); prints its path.
uts_tree() {
	local t=$work/$1/${kdir##*/}
	mkdir -p "$work/$1"
	cp -a "$(dirname "$kdir")"/. "$work/$1/"
	rm "$t/include/generated/utsrelease.h"
	# shellcheck disable=SC2059
	printf "$2" >"$t/include/generated/utsrelease.h"
	echo "$t"
}
# A tree's UTS_RELEASE reaches comments and literals: "*/" and quotes stay text, in C and Rust;
# one that cannot name a folder under out/ asks for -o.
tree=$(uts_tree tree '#define UTS_RELEASE "7.2 */ int kabigen_injected; /* \\"q\\""\n')
if "$kabigen" --arch riscv64 --kdir "$tree" --no-cache --format c,rust -o "$work/uts" 2>"$work/log" &&
	grep -qF '#define KABI_UTS_RELEASE "7.2 */ int kabigen_injected; /* \"q\""' "$work/uts/kabi.h" &&
	grep -qF 'pub const KABI_UTS_RELEASE: &str = "7.2 */ int kabigen_injected; /* \"q\"";' "$work/uts/kabi.rs" &&
	! grep -q '^[^#].*[^*] \*/ int kabigen_injected' "$work/uts/kabi.h" &&
	clang-19 -target riscv64-linux-gnu -std=gnu11 -ffreestanding -fsyntax-only -Werror "$work/uts/kabi.h" 2>"$work/cc.log"; then
	pass "a UTS_RELEASE with */ and quotes stays a string in C and Rust: $(grep -m1 'kabi.h: kernel ABI' "$work/uts/kabi.h")"
else
	fail "a UTS_RELEASE with */ and quotes: $(cat "$work/log" "$work/cc.log")"
fi
# A UTS_RELEASE that is not UTF-8 (a LOCALVERSION in Latin-1), with a backslash: rustc reads
# kabi.rs as UTF-8, so its strings are byte strings there (every byte kept) and its comments
# say \xNN; messages show the backslash doubled. A crate's Triple (str) cannot hold it: refused.
tree8=$(uts_tree tree8 '#define UTS_RELEASE "7.2-caf\xe9\\\\x41"\n')
if "$kabigen" --arch riscv64 --kdir "$tree8" --no-cache --format c,rust -o "$work/uts8" 2>"$work/log" &&
	grep -qF 'pub const KABI_UTS_RELEASE: &[u8] = b"7.2-caf\xe9\\x41";' "$work/uts8/kabi.rs" &&
	grep -qF 'kabi.rs: kernel ABI layouts for 7.2-caf\xe9\x41 (riscv64)' "$work/uts8/kabi.rs" &&
	grep -q 'wrote .*/uts8/kabi.rs (.*, 7\.2-caf\\xe9\\\\x41)$' "$work/log" &&
	rustc --edition 2021 --crate-type lib --emit metadata -o "$work/uts8.rmeta" "$work/uts8/kabi.rs" 2>"$work/rustc.log"; then
	pass "a UTS_RELEASE that is not UTF-8: $(grep -m1 'KABI_UTS_RELEASE' "$work/uts8/kabi.rs"), and rustc reads kabi.rs"
else
	fail "a UTS_RELEASE that is not UTF-8: $(cat "$work/log"; head -5 "$work/rustc.log" 2>/dev/null; grep -a 'KABI_UTS_RELEASE\|^// kabi.rs' "$work/uts8/kabi.rs" 2>/dev/null)"
fi
printf 'triples:\n  - { arch: riscv64, kdir: "%s" }\n' "$tree8" >"$work/crate8.yaml"
expect_error "a crate of a triple whose vermagic is not UTF-8" 1 \
	"7.2-caf\\\\xe9\\\\\\\\x41: the release or vermagic is not UTF-8 .*; nothing was written; leave the triple out of the crate" \
	"$work/crate8" -- "$kabigen" crate "$work/crate8.yaml" -o "$work/crate8"
[ ! -e "$work/crate8" ] && [ -z "$(ls -A "$work" | grep '^\.crate8')" ] && pass "no crate, no temporary" ||
	fail "the refused crate left: $(ls -a "$work" | grep crate8)"
expect_error "a UTS_RELEASE that is no folder name, without -o" 1 "cannot name a folder under out/; nothing was written; pass -o" \
	"$work/nothing" -- bash -c 'cd "$1" && "$2" --arch riscv64 --kdir "$3" --no-cache' - "$work" "$kabigen" "$tree"

# Two C names that become one Rust name are refused with one line (C keeps both names).
# clash NAME DEFINITIONS STRUCTS PATTERN
clash() {
	printf 'name: clash\nincludes: [linux/module.h, generated/utsrelease.h]\ndefinitions:\n  - c: "%s"\nstructs: [%s]\n' \
		"$2" "$3" >"$work/clash-$1.yaml"
	expect_error "Rust names: $1" 1 "$4" "$work/clash-$1.rs" -- \
		run --set-file "$work/clash-$1.yaml" --format rust -o "$work/clash-$1.rs"
	if run --set-file "$work/clash-$1.yaml" -o "$work/clash-$1.h" 2>/dev/null; then
		pass "C keeps both names: $1"
	else
		fail "C with $1 failed"
	fi
}
clash keyword "struct loop { int a; }; struct loop_ { int b; };" "loop, loop_" \
	'would name two things `loop_`: struct loop and struct loop_'
clash setter "struct bits { unsigned int x : 3; unsigned int set_x : 3; };" "bits" \
	'would name two things `set_x`: the writer of the bitfield x of bits and the reader of the bitfield set_x of bits'
clash anonymous "struct holder { union { int a; long b; }; }; struct holder__anon0 { int z; };" "holder, holder__anon0" \
	'would name two things `holder__anon0`: the anonymous union kabigen names after the record holding it and struct holder__anon0'
finish
