#!/usr/bin/env bash
# cache.sh: the result cache proves what it serves, and is only an optimisation.
# Every damaged, swapped, forged or stale entry must give the bytes --no-cache gives;
# a cache that cannot be used must not turn a good run into a failure.
# usage: cache.sh KABIGEN CC
. "$(dirname "$0")/lib.sh"
kabigen=$(realpath "$1")
cc=${2:-cc}
kdir=$("$(dirname "$0")/../../scripts/fetch-debian-headers" sid riscv64)
release=${kdir##*/linux-headers-}
export XDG_CACHE_HOME=$work/cache
run() { "$kabigen" --arch riscv64 --kdir "$kdir" "$@"; }

# The truth: each format made without the cache.
run --no-cache -o "$work/ref.h" 2>/dev/null
run --no-cache --format rust -o "$work/ref.rs" 2>/dev/null
if [ -e "$XDG_CACHE_HOME/kabigen/results" ] && [ -n "$(ls -A "$XDG_CACHE_HOME/kabigen/results")" ]; then
	fail "--no-cache stored a result: $(ls "$XDG_CACHE_HOME/kabigen/results")"
else
	pass "--no-cache neither reads nor stores"
fi

# entry DIR [KIND]: the file of the entry in cache folder DIR that holds KIND: c (the default),
# rust, model (the JSON dump every format can be made from), answers (the set's last answers)
# or proof (a C header's bytes that compiled).
entry() {
	local r=$1/kabigen/results pattern
	case ${2:-c} in
	c) pattern='^ \* kabi\.h: kernel ABI layouts' ;;
	rust) pattern='^// kabi\.rs: kernel ABI layouts' ;;
	model) pattern='"format": "kabigen-layout"' ;;
	answers) pattern='^kind answers$' ;;
	proof) pattern='^kind proof$' ;;
	esac
	grep -l -- "$pattern" "$r"/* 2>/dev/null | awk 'NR == 1'
}
# fresh NAME [ARGS...]: a new cache folder with one entry, made by a run with ARGS.
fresh() {
	export XDG_CACHE_HOME=$work/$1
	shift
	run "$@" -o "$work/fill" 2>/dev/null
}
# served NAME REF [ARGS...]: a run on the damaged cache writes exactly REF's bytes.
served() {
	local name=$1 ref=$2
	shift 2
	rm -f "$work/got"
	if run "$@" -o "$work/got" 2>"$work/log" && cmp -s "$work/got" "$ref"; then
		pass "$name: the bytes --no-cache writes ($(cat "$work/log"))"
	else
		fail "$name: $(cat "$work/log"); output differs from --no-cache's"
	fi
}

# A flipped byte in the output, then a truncation: a miss, regenerated, and the entry replaced.
fresh flip
e=$(entry "$XDG_CACHE_HOME")
size=$(stat -c %s "$e")
printf '\x01' | dd of="$e" bs=1 seek=$((size - 200)) conv=notrunc status=none
served "a flipped byte in a cached output" "$work/ref.h"
if run -o "$work/again.h" 2>"$work/log" && grep -q "from the result cache" "$work/log" && cmp -s "$work/again.h" "$work/ref.h"; then
	pass "the damaged entry was replaced by a good one"
else
	fail "the damaged entry was not replaced: $(cat "$work/log")"
fi
fresh trunc
truncate -s -100 "$(entry "$XDG_CACHE_HOME")"
served "a truncated cached output" "$work/ref.h"

# Two entries swapped (the Rust file under the C header's key, and back).
fresh swap
run --format rust -o "$work/fill.rs" 2>/dev/null
c_entry=$(entry "$XDG_CACHE_HOME" c) rust_entry=$(entry "$XDG_CACHE_HOME" rust)
if [ -n "$c_entry" ] && [ -n "$rust_entry" ] && [ "$c_entry" != "$rust_entry" ]; then
	mv "$c_entry" "$work/tmp-entry" && mv "$rust_entry" "$c_entry" && mv "$work/tmp-entry" "$rust_entry"
	served "two cache entries swapped (C)" "$work/ref.h"
	served "two cache entries swapped (Rust)" "$work/ref.rs" --format rust
else
	fail "expected a C and a Rust entry: $(ls "$XDG_CACHE_HOME/kabigen/results")"
fi

# The model: a second format for a triple comes from it without a parse (the trace says what
# the run parsed), with the bytes --no-cache gives; damaged, it is a miss and the run parses.
fresh model
KABIGEN_TRACE=1 run --format rust -o "$work/model.rs" 2>"$work/log"
if cmp -s "$work/model.rs" "$work/ref.rs" && grep -q "trace: the model from the result cache" "$work/log" &&
	! grep -q "trace: parsed" "$work/log"; then
	pass "a second format from the cached model, no parse: $(grep -v trace "$work/log")"
else
	fail "a second format from the cached model: $(cat "$work/log")"
fi
fresh model-damaged
m=$(entry "$XDG_CACHE_HOME" model)
printf '9' | dd of="$m" bs=1 seek=$(($(stat -c %s "$m") - 300)) conv=notrunc status=none
KABIGEN_TRACE=1 run --format rust -o "$work/got" 2>"$work/log"
if cmp -s "$work/got" "$work/ref.rs" && grep -q "trace: parsed" "$work/log"; then
	pass "a damaged model is a miss: the run parses and writes --no-cache's bytes"
else
	fail "a damaged model: $(cat "$work/log")"
fi

# A header proof: the Rust run that parsed also compiled the model's C header, so C after Rust
# uses no libclang (the trace says when it is first used); a damaged proof is a miss, and the
# C header is compiled again, giving the same bytes.
fresh proof --format rust
KABIGEN_TRACE=1 run -o "$work/proof.h" 2>"$work/log"
if cmp -s "$work/proof.h" "$work/ref.h" && grep -q "trace: the header's bytes compiled before" "$work/log" &&
	! grep -q "trace: libclang's first use" "$work/log"; then
	pass "C after Rust: the header proven by the Rust run, no libclang loaded: $(grep -v trace "$work/log")"
else
	fail "C after Rust loaded libclang or differs: $(cat "$work/log")"
fi
fresh proof-damaged --format rust
p=$(entry "$XDG_CACHE_HOME" proof || true)
if [ -n "$p" ]; then
	sed -i 's/^compiled$/compilEd/' "$p"
	KABIGEN_TRACE=1 run -o "$work/proof.h" 2>"$work/log"
	if cmp -s "$work/proof.h" "$work/ref.h" && grep -q "trace: libclang's first use" "$work/log" &&
		! grep -q "trace: the header's bytes compiled before" "$work/log"; then
		pass "a damaged header proof is a miss: the header is compiled again, same bytes"
	else
		fail "a damaged header proof: $(cat "$work/log")"
	fi
else
	fail "the Rust run kept no header proof: $(ls "$XDG_CACHE_HOME/kabigen/results")"
fi

# The set's last answers are a guess the parse proves: forged answers (a type said defined
# that is not, a prefix's macro dropped, the entry's XXH3-128 made right with xxhsum) cost
# parses, never a byte.
fresh answers
a=$(entry "$XDG_CACHE_HOME" answers)
if [ -z "$a" ]; then
	fail "no answers were stored: $(ls "$XDG_CACHE_HOME/kabigen/results")"
else
	# Neither the output nor the model, nor the mark that makes a second parse precompile the head.
	rm -f "$(entry "$XDG_CACHE_HOME" c)" "$(entry "$XDG_CACHE_HOME" model)" $(grep -l '^kind pch-' "$XDG_CACHE_HOME"/kabigen/results/*)
	body=$(sed '1,/^$/d' "$a")
	forged=$(printf '%s\n' "$body" | sed -e 's/^struct_kernel_symbol 0$/struct_kernel_symbol 1/' -e '/^R_RISCV_64$/d' |
		awk '/^prefix / && $4 != "-" && !done { $3 = $3 - 1; done = 1 } { print }')
	if [ "$forged" = "$body" ]; then
		fail "the answers could not be forged: $body"
	else
		printf '%s\n' "$forged" >"$work/forged-answers"
		{
			sed -n '1,3p' "$a"
			echo "output $(stat -c %s "$work/forged-answers") $(xxhsum -H2 <"$work/forged-answers" | cut -d' ' -f1)"
			echo "files 0"
			echo
			cat "$work/forged-answers"
		} >"$work/forged-entry"
		mv "$work/forged-entry" "$a"
		KABIGEN_TRACE=1 run -o "$work/got" 2>"$work/log"
		if cmp -s "$work/got" "$work/ref.h" && grep -q "trace: parsed the unit (answers: the cache's guess)" "$work/log" &&
			grep -q "trace: the parse disproved those answers" "$work/log"; then
			pass "forged answers were disproved by the parse: the bytes --no-cache writes"
		else
			fail "forged answers: $(cat "$work/log")"
		fi
	fi
fi

# The set's guess (SET.guess/TARGET beside SET.yaml, from scripts/make-guesses): a first run
# with nothing cached parses once where it holds, twice where it does not, the same bytes.
# Each run --no-cache, so that no answer comes from the cache.
parses() { grep -c 'trace: parsed' "$1"; }
configs=$(dirname "$kabigen")/configs
for t in $(sed -n 's/^clang_target: *//p' "$configs"/arch/*.yaml); do
	if [ -s "$configs/sets/loader.guess/$t" ]; then
		pass "the loader set has a guess for $t"
	else
		fail "the loader set has no guess for $t; run scripts/make-guesses"
	fi
done
KABIGEN_TRACE=1 run --no-cache -o "$work/g0.h" 2>"$work/log"
if cmp -s "$work/g0.h" "$work/ref.h" && grep -q "trace: parsed the unit (answers: the set's guess)" "$work/log"; then
	pass "the shipped guess is for the set's questions, and used ($(grep trace "$work/log" | tr '\n' ' '))"
else
	fail "the shipped guess was not used (rerun scripts/make-guesses): $(cat "$work/log")"
fi
# guessed NAME PARSES PATTERN: a run of the copied set writes --no-cache's bytes in PARSES
# parses, and its trace matches PATTERN.
guessed() {
	KABIGEN_TRACE=1 run --no-cache --set-file "$work/gset/loader.yaml" -o "$work/g.h" 2>"$work/log"
	if cmp -s "$work/g.h" "$work/ref.h" && [ "$(parses "$work/log")" = "$2" ] && grep -q "$3" "$work/log"; then
		pass "$1"
	else
		fail "$1: $(cat "$work/log")"
	fi
}
mkdir -p "$work/gset"
cp "$configs/sets/loader.yaml" "$work/gset/loader.yaml"
guess=$work/gset/loader.guess/$(sed -n 's/^clang_target: *//p' "$configs/arch/riscv64.yaml")
KABIGEN_GUESS_OUT=$guess guessed "no guess: two parses" 2 "trace: parsed the head alone"
if [ -s "$guess" ]; then
	pass "KABIGEN_GUESS_OUT wrote what they proved"
else
	fail "KABIGEN_GUESS_OUT wrote nothing: $(ls -l "$guess" 2>&1)"
fi
guessed "a guess that holds: one parse" 1 "answers: the set's guess"
# Wrong: the set's own kernel_symbol then collides with the headers' (errors in its part).
sed -i -e 's/^struct_kernel_symbol 0$/struct_kernel_symbol 1/' -e 's/^struct_module_memory 1$/struct_module_memory 0/' "$guess"
guessed "a wrong guess: disproved by its parse, two parses" 2 "the parse disproved those answers"
# For other questions (a type the set no longer tests): not used.
sed -i -e 's/^types 3$/types 2/' -e '/^enum_mod_mem_type /d' "$guess"
guessed "a guess for other questions is not used" 2 "trace: parsed the head alone"

# The precompiled head: built on the second parse of a tree's head, then used by another set
# (the same includes); a damaged .pch is refused before libclang reads it.
export XDG_CACHE_HOME=$work/pch
cp "$(dirname "$kabigen")/configs/sets/loader.yaml" "$work/set2.yaml"
echo "# the same set, another file" >>"$work/set2.yaml"
cp "$work/set2.yaml" "$work/set3.yaml"
echo "# and a third" >>"$work/set3.yaml"
run -o "$work/p1.h" 2>/dev/null
KABIGEN_TRACE=1 run --set-file "$work/set2.yaml" -o "$work/p2.h" 2>"$work/log2"
KABIGEN_TRACE=1 run --set-file "$work/set3.yaml" -o "$work/p3.h" 2>"$work/log3"
if cmp -s "$work/p2.h" "$work/ref.h" && cmp -s "$work/p3.h" "$work/ref.h" &&
	grep -q "trace: precompiled the head" "$work/log2" && grep -q "after the precompiled head" "$work/log3"; then
	pass "another set after the precompiled head: the bytes --no-cache writes"
else
	fail "the precompiled head: $(cat "$work/log2" "$work/log3")"
fi
p=$(find "$XDG_CACHE_HOME/kabigen/pch" -name '*.pch' | awk 'NR == 1')
printf '\x55' | dd of="$p" bs=1 seek=$(($(stat -c %s "$p") / 2)) conv=notrunc status=none
cp "$work/set3.yaml" "$work/set4.yaml"
echo "# a fourth" >>"$work/set4.yaml"
KABIGEN_TRACE=1 run --set-file "$work/set4.yaml" -o "$work/p4.h" 2>"$work/log4"
if cmp -s "$work/p4.h" "$work/ref.h" && grep -q "trace: precompiled the head" "$work/log4"; then
	pass "a damaged .pch is refused and made again: $(grep trace "$work/log4" | tr '\n' ' ')"
else
	fail "a damaged .pch: $(cat "$work/log4")"
fi

# A full disk while the precompiled head is saved: libclang cannot report the failed write
# (its stream aborts the process), so kabigen saves in a child. The run warns once, leaves
# the head out and writes --no-cache's bytes; no temporary file stays; so does the next run
# that saves it. The cache is a small tmpfs (root, as in CI) that holds the results but not
# the head, else the ENOSPC shim on the pch folder.
export XDG_CACHE_HOME=$work/small
mkdir -p "$XDG_CACHE_HOME"
trap 'umount "$work/small" 2>/dev/null || true; rm -rf "$work"' EXIT
if mount -t tmpfs -o size=2m tmpfs "$XDG_CACHE_HOME" 2>/dev/null; then
	how="a 2 MiB tmpfs"
	small=()
else
	how="the ENOSPC shim"
	"$cc" -shared -fPIC -o "$work/enospc-pch.so" "$(dirname "$0")/support/enospc.c" -ldl
	small=(env ENOSPC_UNDER="$XDG_CACHE_HOME/kabigen/pch/" LD_PRELOAD="$work/enospc-pch.so"
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0")
fi
run -o "$work/s1.h" 2>/dev/null
for n in 2 3; do
	rc=0
	"${small[@]}" "$kabigen" --arch riscv64 --kdir "$kdir" --set-file "$work/set$n.yaml" -o "$work/s$n.h" \
		2>"$work/log" || rc=$?
	left=$(find "$XDG_CACHE_HOME/kabigen/pch" -mindepth 1 2>/dev/null | tr '\n' ' ')
	if [ "$rc" = 0 ] && cmp -s "$work/s$n.h" "$work/ref.h" && [ "$(grep -c . "$work/log")" = 2 ] &&
		[ "$(grep -c 'warning: .*cannot save the precompiled head (libclang: .*No space left on device)' "$work/log")" = 1 ] &&
		[ -z "$left" ]; then
		pass "a full disk while saving the precompiled head ($how, run $n): $(grep warning "$work/log")"
	else
		fail "a full disk while saving the precompiled head ($how, run $n): exit $rc, left: $left; $(cat "$work/log")"
	fi
done
umount "$XDG_CACHE_HOME" 2>/dev/null || true

# The environment's include folders (CPATH and its kin) are not an input: libclang never
# sees them, and the run says so; a later run without them is served the same bytes. A tree
# without a header the set includes where it exists (linux/module_symbol.h, 6.2 on) and a
# folder in the variable that has one, which changes MODULE_NAME_LEN.
mkdir -p "$work/env-tree" "$work/env-inc/linux"
cp -a "$(dirname "$kdir")"/. "$work/env-tree/"
etree=$work/env-tree/${kdir##*/}
rm "$work"/env-tree/linux-headers-*-common/include/linux/module_symbol.h
printf '#undef MODULE_NAME_LEN\n#define MODULE_NAME_LEN 99UL\n' >"$work/env-inc/linux/module_symbol.h"
"$kabigen" --arch riscv64 --kdir "$etree" --no-cache -o "$work/env-ref.h" 2>/dev/null
for var in CPATH C_INCLUDE_PATH; do
	export XDG_CACHE_HOME=$work/env-$var
	env "$var=$work/env-inc" "$kabigen" --arch riscv64 --kdir "$etree" -o "$work/env-$var.h" 2>"$work/log" || true
	"$kabigen" --arch riscv64 --kdir "$etree" -o "$work/env-after.h" 2>"$work/log2" || true
	if cmp -s "$work/env-$var.h" "$work/env-ref.h" && cmp -s "$work/env-after.h" "$work/env-ref.h" &&
		[ "$(grep -c "warning: $var is set; kabigen's parse does not use it" "$work/log")" = 1 ]; then
		pass "$var is not an input: $(grep warning "$work/log")"
	else
		fail "$var changed the parse, or the run after it: $(cat "$work/log" "$work/log2"); $(grep -h MODULE_NAME_LEN "$work/env-$var.h" "$work/env-after.h")"
	fi
done

# A release that would leave out/ ("../../x"), in an entry otherwise whole.
fresh forged
f=$(entry "$XDG_CACHE_HOME" c)
sed -i "0,/^release .*/s//release ..\/..\/x/" "$f"
mkdir -p "$work/run/sub"
(cd "$work/run/sub" && "$kabigen" --arch riscv64 --kdir "$kdir" 2>"$work/log") || true
if [ -e "$work/run/x/kabi.h" ] || ! cmp -s "$work/run/sub/out/$release/kabi.h" "$work/ref.h"; then
	fail "a cached release '../../x': $(cat "$work/log"); $(find "$work/run" -name kabi.h)"
else
	pass "a cached release '../../x' is refused: wrote out/$release/kabi.h"
fi

# A header rewritten (same size) after clang read it and before the entry is stored must not
# vouch for the result: the next run parses the new header. The shim makes the moment exact.
export XDG_CACHE_HOME=$work/race
mkdir -p "$work/tree"
cp -a "$(dirname "$kdir")"/. "$work/tree/"
tree=$work/tree/${kdir##*/}
"$cc" -shared -fPIC -o "$work/race.so" "$(dirname "$0")/support/race_rename.c" -ldl
RACE_OUT=$work/race1.h RACE_FILE=$tree/include/generated/autoconf.h RACE_FROM="CONFIG_MODULE_UNLOAD " \
	RACE_TO="CONFIG_MODULE_UNLOAX " LD_PRELOAD=$work/race.so ASAN_OPTIONS=verify_asan_link_order=0 \
	"$kabigen" --arch riscv64 --kdir "$tree" -o "$work/race1.h" 2>"$work/log" || true
if ! grep -q "race_rename: rewrote" "$work/log"; then
	fail "the race shim did not fire: $(cat "$work/log")"
else
	"$kabigen" --arch riscv64 --kdir "$tree" -o "$work/race2.h" 2>"$work/log"
	"$kabigen" --arch riscv64 --kdir "$tree" --no-cache -o "$work/race-ref.h" 2>/dev/null
	if cmp -s "$work/race2.h" "$work/race-ref.h" && ! cmp -s "$work/race1.h" "$work/race-ref.h"; then
		pass "a header rewritten during the run does not keep the old result ($(cat "$work/log"))"
	else
		fail "a header rewritten during the run: the cache served the old result ($(cat "$work/log"))"
	fi
fi

# A rebuilt engine library (or another libclang) is another key. The sanitizer build links
# the engine into the executable, whose own stamp is in the key.
export XDG_CACHE_HOME=$work/engine
mkdir -p "$work/bin"
cp "$kabigen" "$work/bin/"
# A copied executable finds its configs beside it or where they are installed; point it at them.
export KABIGEN_CONFIGS=$(dirname "$kabigen")/configs
engine=$(dirname "$kabigen")/libkabigen-engine.so
if [ -f "$engine" ]; then
	cp "$engine" "$work/bin/"
	"$work/bin/kabigen" --arch riscv64 --kdir "$kdir" -o "$work/e1.h" 2>/dev/null
	sleep 1
	touch "$work/bin/libkabigen-engine.so"
	"$work/bin/kabigen" --arch riscv64 --kdir "$kdir" -o "$work/e2.h" 2>"$work/log"
	if grep -q "from the result cache" "$work/log"; then
		fail "a rebuilt libkabigen-engine.so was not part of the key: $(cat "$work/log")"
	else
		pass "a rebuilt libkabigen-engine.so parses again: $(cat "$work/log")"
	fi
else
	echo "note: no libkabigen-engine.so beside $kabigen (the sanitizer build links it in)"
fi
unset KABIGEN_CONFIGS

# The cache is an optimisation: unusable, the run still succeeds, with one warning. Its disk
# full: every write into it fails with ENOSPC (an LD_PRELOAD shim).
: >"$work/not-a-folder"
"$cc" -shared -fPIC -o "$work/enospc.so" "$(dirname "$0")/support/enospc.c" -ldl
full="XDG_CACHE_HOME=$work/full ENOSPC_UNDER=$work/full/ LD_PRELOAD=$work/enospc.so ASAN_OPTIONS=verify_asan_link_order=0"
for how in "XDG_CACHE_HOME=$work/not-a-folder" "-u XDG_CACHE_HOME -u HOME" "$full"; do
	rm -f "$work/nc.h" "$work/nc.d"
	# shellcheck disable=SC2086
	if env $how "$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/nc.h" --depfile "$work/nc.d" 2>"$work/log" &&
		cmp -s "$work/nc.h" "$work/ref.h" && [ -s "$work/nc.d" ] && [ "$(grep -c warning "$work/log")" = 1 ]; then
		pass "a cache that cannot be used ($how): $(grep warning "$work/log")"
	else
		fail "a cache that cannot be used ($how): exit or output wrong: $(cat "$work/log")"
	fi
done
finish
