#!/usr/bin/env bash
# build-ko.sh: what `kabigen build-ko` derives and refuses, on sid's newest amd64 headers.
#
# usage: build-ko.sh KABIGEN
#
# - the module's .modinfo has the header's vermagic, its name (from -o, '-' read as '_'),
#   retpoline=Y exactly when the tree's autoconf.h has CONFIG_MITIGATION_RETPOLINE, the license
#   and a parmtype per parameter; __this_module is the size of the tree's struct module;
# - the compiler line has -fcf-protection=branch and -mretpoline-external-thunk exactly when
#   autoconf.h enables X86_KERNEL_IBT and MITIGATION_RETPOLINE (the facts, not the arch, decide);
# - --loader minimal builds with the profile's flags for it: only R_X86_64_64, no retpoline=Y;
#   the same loader profile under another name gets Linux's flags, which it cannot place
#   (R_X86_64_32S): refused with check-ko's reasons and nothing is written; a compile error, a bad module name and -o naming a C file of the
#   module, and a profile whose module_cflags_if is malformed or names a fact the set lacks are
#   one-line errors; no
#   temporary folder is left behind;
# - CPATH and C_INCLUDE_PATH naming a folder with a poisoned header change nothing, the model
#   parsed or from the cache.
set -euo pipefail
kabigen=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/cli/lib.sh
. "$here/../cli/lib.sh"
kdir=$("$here/../../scripts/fetch-debian-headers" sid amd64)
export TMPDIR=$work/tmp # build-ko's private folder must be gone after every run
mkdir -p "$TMPDIR"
autoconf=$kdir/include/generated/autoconf.h
enabled() { [ "$(grep -c "^#define CONFIG_$1 1$" "$autoconf" || true)" = 1 ]; }

"$kabigen" --arch amd64 --kdir "$kdir" -o "$work/kabi.h" 2>/dev/null
vermagic=$(sed -n 's/^#define KABI_VERMAGIC "\(.*\)"$/\1/p' "$work/kabi.h")
size=$(sed -n 's/^_Static_assert(sizeof(struct module) == \([0-9]*\),.*/\1/p' "$work/kabi.h")

if "$kabigen" build-ko --arch amd64 --kdir "$kdir" -o "$work/my-hello.ko" "$here/hello.c" 2>"$work/err"; then
	pass "build-ko: $(cat "$work/err")"
else
	fail "build-ko failed: $(cat "$work/err")"
fi
readelf -p .modinfo "$work/my-hello.ko" | sed -n 's/^ *\[ *[0-9a-f]*\]  //p' >"$work/modinfo"
want_modinfo() { grep -qxF -- "$1" "$work/modinfo" && pass ".modinfo has '$1'" || fail ".modinfo lacks '$1': $(tr '\n' '|' <"$work/modinfo")"; }
want_modinfo "vermagic=$vermagic"
want_modinfo "name=my_hello"
want_modinfo "license=GPL"
want_modinfo "parmtype=answer:int"
want_modinfo "parmtype=bonus:int"
if enabled MITIGATION_RETPOLINE; then want_modinfo "retpoline=Y"; else
	! grep -q '^retpoline=' "$work/modinfo" && pass "no retpoline= without MITIGATION_RETPOLINE" || fail "retpoline= without MITIGATION_RETPOLINE"
fi
got=$(readelf -SW "$work/my-hello.ko" | sed -n 's/.*\] \.gnu\.linkonce\.this_module  *PROGBITS  *[0-9a-f]* [0-9a-f]* \([0-9a-f]*\) .*/\1/p')
got=$((16#${got:-0}))
[ "$got" = "$size" ] && pass "__this_module is $size bytes, the tree's struct module" || fail "__this_module is '$got' bytes, struct module $size"

# CPATH and its kin are no input of the compile: a folder in them with a poisoned header the
# module would take (__has_include) changes nothing, whether the model is parsed (libclang's
# first use clears them) or read from the cache (libclang never loaded).
mkdir -p "$work/cpath"
printf '#error "CPATH reached the compile"\n' >"$work/cpath/kabigen_poison.h"
{ cat "$here/hello.c"; printf '#if __has_include(<kabigen_poison.h>)\n#include <kabigen_poison.h>\n#endif\n'
  printf '#ifdef KABIGEN_POISON\n#error "CCC_OVERRIDE_OPTIONS reached the compile"\n#endif\n'; } >"$work/poison.c"
"$kabigen" build-ko --arch amd64 --kdir "$kdir" -o "$work/poison.ko" "$work/poison.c" 2>/dev/null || fail "poison.c without CPATH: not built"
for run in parsed cached; do
	rc=0
	no_cache=
	[ "$run" = parsed ] && no_cache=--no-cache
	mkdir -p "$work/$run"
	CPATH=$work/cpath C_INCLUDE_PATH=$work/cpath "$kabigen" build-ko --arch amd64 --kdir "$kdir" $no_cache \
		-o "$work/$run/poison.ko" "$work/poison.c" 2>"$work/err" || rc=$?
	if [ "$rc" = 0 ] && cmp -s "$work/$run/poison.ko" "$work/poison.ko" &&
		[ "$(grep -c "warning: CPATH, C_INCLUDE_PATH are set; build-ko does not use them" "$work/err")" = 1 ]; then
		pass "CPATH and C_INCLUDE_PATH with a poisoned header, the model $run: the same module; $(grep warning: "$work/err")"
	else
		fail "CPATH and C_INCLUDE_PATH, the model $run: exit $rc, $(cmp "$work/$run/poison.ko" "$work/poison.ko" 2>&1); $(cat "$work/err")"
	fi
done

# Nor is CCC_OVERRIDE_OPTIONS, through which the clang program edits its own command line.
rc=0
mkdir -p "$work/ccc"
CCC_OVERRIDE_OPTIONS='+-DKABIGEN_POISON' "$kabigen" build-ko --arch amd64 --kdir "$kdir" -o "$work/ccc/poison.ko" "$work/poison.c" \
	2>"$work/err" || rc=$?
if [ "$rc" = 0 ] && cmp -s "$work/ccc/poison.ko" "$work/poison.ko" &&
	[ "$(grep -c "warning: CCC_OVERRIDE_OPTIONS is set; build-ko does not use it" "$work/err")" = 1 ]; then
	pass "CCC_OVERRIDE_OPTIONS adding a poisoned define: the same module; $(grep warning: "$work/err")"
else
	fail "CCC_OVERRIDE_OPTIONS: exit $rc, $(cmp "$work/ccc/poison.ko" "$work/poison.ko" 2>&1); $(cat "$work/err")"
fi

# The flags follow the tree's facts.
"$kabigen" build-ko --arch amd64 --kdir "$kdir" --print-cflags -o x.ko "$here/hello.c" >"$work/cflags"
flag_if() { # CONFIG FLAG
	local has=0
	grep -qw -- "$2" "$work/cflags" && has=1
	if enabled "$1"; then
		[ $has = 1 ] && pass "$2 with CONFIG_$1" || fail "$2 missing though CONFIG_$1 is enabled: $(cat "$work/cflags")"
	else
		[ $has = 0 ] && pass "no $2 without CONFIG_$1" || fail "$2 without CONFIG_$1"
	fi
}
flag_if X86_KERNEL_IBT -fcf-protection=branch
flag_if MITIGATION_RETPOLINE -mretpoline-external-thunk
grep -qw -- '-mfunction-return=thunk-extern' "$work/cflags" && fail "return thunks without objtool's .return_sites" ||
	pass "no -mfunction-return=thunk-extern (no objtool to list the return sites)"

# The minimal loader profile's build: the profile's module_loaders.minimal flags (large code
# model, no retpoline thunks) leave only R_X86_64_64, and no retpoline=Y is claimed.
"$kabigen" build-ko --arch amd64 --kdir "$kdir" --loader minimal -o "$work/min.ko" "$here/hello.c" 2>"$work/err" ||
	fail "build-ko --loader minimal: $(tail -n 3 "$work/err")"
types=$(readelf -rW "$work/min.ko" | awk '/R_X86_64_/ { print $3 }' | sort -u | tr '\n' ' ')
[ "$types" = "R_X86_64_64 " ] && pass "--loader minimal: only R_X86_64_64" || fail "--loader minimal: relocations $types"
readelf -p .modinfo "$work/min.ko" >"$work/min.modinfo"	# a file: grep -q's early exit would fail readelf
grep -q 'retpoline=' "$work/min.modinfo" && fail "--loader minimal claims retpoline=Y" ||
	pass "--loader minimal claims no retpoline=Y"

# Refusals: nothing written. The same loader profile under another name gets Linux's flags
# (module_loaders is keyed by the profile's name): check-ko refuses them.
cp "$(dirname "$(readlink -f "$kabigen")")/configs/loaders/minimal.yaml" "$work/tiny.yaml"
cp "$(dirname "$(readlink -f "$kabigen")")/configs/loaders/minimal-symbols.txt" "$work/"
rc=0
"$kabigen" build-ko --arch amd64 --kdir "$kdir" --loader "$work/tiny.yaml" -o "$work/tiny.ko" "$here/hello.c" >"$work/out" 2>"$work/err" || rc=$?
if [ $rc = 1 ] && [ ! -e "$work/tiny.ko" ] && grep -q 'R_X86_64_32S' "$work/err" &&
	[ "$(tail -n 1 "$work/err" | grep -c "tiny.ko: check-ko finds that the .*tiny.yaml loader would not load it")" = 1 ]; then
	pass "Linux's flags under a minimal loader refused: $(tail -n 1 "$work/err")"
else
	fail "Linux's flags under a minimal loader: exit $rc, $([ -e "$work/tiny.ko" ] && echo written), $(tail -n 3 "$work/err")"
fi
printf 'static int broken(void) { return undeclared_thing; }\n' >"$work/broken.c"
rc=0
"$kabigen" build-ko --arch amd64 --kdir "$kdir" -o "$work/broken.ko" "$work/broken.c" >/dev/null 2>"$work/err" || rc=$?
[ $rc = 1 ] && [ ! -e "$work/broken.ko" ] && [ "$(tail -n 1 "$work/err" | grep -c 'broken.c: clang-19 failed (compile, exit 1)')" = 1 ] &&
	pass "a compile error: $(tail -n 1 "$work/err")" || fail "a compile error: exit $rc, $(tail -n 2 "$work/err")"
expect_error "a module name with a dot" 1 "-o .*bad.name.ko: a module's name is letters, digits" "$work/bad.name.ko" -- \
	"$kabigen" build-ko --arch amd64 --kdir "$kdir" -o "$work/bad.name.ko" "$here/hello.c"
cp "$here/hello.c" "$work/same.c"
expect_error "-o is the C file" 1 "same.c.*same.c" "$work/same.c" -- \
	"$kabigen" build-ko --arch amd64 --kdir "$kdir" -o "$work/same.c" "$work/same.c"
expect_error "no -o" 2 "-o MODULE.ko is required" "$work/none.ko" -- \
	"$kabigen" build-ko --arch amd64 --kdir "$kdir" "$here/hello.c"
# The profile's conditional flags name facts of the set; a wrong shape or an unknown fact is an
# error naming the profile.
configs=$(cd "$(dirname "$(readlink -f "$kabigen")")" && pwd)/configs
cp -rL "$configs" "$work/configs"
sed -i 's/^  X86_KERNEL_IBT: .*/  NO_SUCH_FACT: [-fcf-protection=branch]/' "$work/configs/arch/x86_64.yaml"
KABIGEN_CONFIGS=$work/configs expect_error "a fact the set lacks" 1 \
	"x86_64.yaml: module_cflags_if names NO_SUCH_FACT, which the set's KABI_CONFIG_\* facts lack" "$work/fact.ko" -- \
	"$kabigen" build-ko --arch amd64 --kdir "$kdir" -o "$work/fact.ko" "$here/hello.c"
sed -i 's/^module_cflags_if:$/module_cflags_if: [X86_KERNEL_IBT]/; /^  [A-Z_0-9]*: \[/d' "$work/configs/arch/x86_64.yaml"
KABIGEN_CONFIGS=$work/configs expect_error "module_cflags_if not a mapping" 1 \
	"x86_64.yaml:[0-9]+:[0-9]+: module_cflags_if maps a Kconfig option" "$work/shape.ko" -- \
	"$kabigen" build-ko --arch amd64 --kdir "$kdir" -o "$work/shape.ko" "$here/hello.c"
[ -z "$(ls -A "$TMPDIR")" ] && pass "no temporary folder left" || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
finish
