#!/usr/bin/env bash
# debian-headers.sh: kabigen on the newest real Debian headers package of a suite, against the real build.
#
# usage: debian-headers.sh KABIGEN BTF_CHECK KO_CHECK SUITE DEBARCH FLAVOUR KABIGEN_ARCH [RELEASE]
#
# Fetches the package (scripts/fetch-debian-headers; RELEASE picks a version, as 6.1,
# instead of the newest), generates the header, compiles it alone for its target with
# warnings as errors, then compares it with the truth: the vmlinux BTF of the same
# package, or, where the package ships none (loong64, Debian 12's 6.1), real modules of
# the same build (tests/tools/ko_check.c).
set -euo pipefail
kabigen=$1 btf_check=$2 ko_check=$3 suite=$4 debarch=$5 flavour=$6 arch=$7 release_opt=(${8:+--release "$8"})
here=$(cd "$(dirname "$0")" && pwd)
fetch=$here/../../scripts/fetch-debian-headers
work=$(mktemp -d)
# kabigen's own cache is this test's alone; the packages stay in the tests' shared cache.
export KABIGEN_TEST_CACHE=${KABIGEN_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kabigen-tests}
export XDG_CACHE_HOME=$work/xdg
trap 'rm -rf "$work"' EXIT
trap 'echo "FAIL: $0 line $LINENO: $BASH_COMMAND" >&2' ERR

kdir=$("$fetch" "${release_opt[@]}" "$suite" "$debarch" "$flavour")
echo "tree: $kdir"
"$kabigen" --arch "$arch" --kdir "$kdir" -o "$work/kabi.h"
target=$(sed -n 's/^#define KABI_TARGET "\(.*\)"$/\1/p' "$work/kabi.h")
release=$(sed -n 's/^#define KABI_UTS_RELEASE "\(.*\)"$/\1/p' "$work/kabi.h")
[ "$release" = "$(basename "$kdir" | sed 's/^linux-headers-//')" ] || {
	echo "FAIL: KABI_UTS_RELEASE '$release' does not name $kdir"; exit 1; }

# Self-contained: compiles alone for the target, and its _Static_asserts hold.
clang-19 -target "$target" -std=gnu11 -ffreestanding -fsyntax-only -Wall -Wextra -Werror "$work/kabi.h"
printf '#include <stddef.h>\n#include "kabi.h"\nint exit_offset = offsetof(struct module, exit);\nint arg_offset = offsetof(struct kernel_param, arg);\n' >"$work/use.c"
clang-19 -target "$target" -std=gnu11 -ffreestanding -fsyntax-only -Wall -Wextra -Werror "$work/use.c"

# Debian's amd64, arm64 and riscv64 headers ship vmlinux with .BTF (from 6.12 on); loong64's
# is a stub and Debian 12's 6.1 ships none.
if [ -f "$kdir/vmlinux" ] && [ "$(readelf -S "$kdir/vmlinux" | grep -c '\.BTF ')" -gt 0 ]; then
	# modversion_info is only used by modpost and the loader's checks, never by the
	# kernel image, so BTF does not describe it.
	"$btf_check" "$work/kabi.h" "$target" "$kdir/vmlinux" --may-lack modversion_info
else
	echo "$kdir ships no vmlinux with BTF: checking real modules of the same build instead"
	modroot=$("$fetch" --modules "${release_opt[@]}" "$suite" "$debarch" "$flavour" | tail -n 1)
	"$ko_check" "$work/kabi.h" "$target" "$modroot"
fi
echo "PASS: $suite $flavour ($release)"
