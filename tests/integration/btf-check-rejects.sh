#!/usr/bin/env bash
# btf-check-rejects.sh: the BTF comparison can fail. A header made from the generic amd64
# headers must disagree with the rt flavour's BTF (its mutex is larger, so struct module
# moves); otherwise the checker would pass anything.
# usage: btf-check-rejects.sh KABIGEN BTF_CHECK SUITE
set -euo pipefail
kabigen=$1 btf_check=$2 suite=$3
fetch=$(cd "$(dirname "$0")" && pwd)/../../scripts/fetch-debian-headers
work=$(mktemp -d)
# kabigen's own cache is this test's alone; the packages stay in the tests' shared cache.
export KABIGEN_TEST_CACHE=${KABIGEN_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kabigen-tests}
export XDG_CACHE_HOME=$work/xdg
trap 'rm -rf "$work"' EXIT

generic=$("$fetch" "$suite" amd64 amd64)
rt=$("$fetch" "$suite" amd64 rt-amd64)
"$kabigen" --arch x86_64 --kdir "$generic" -o "$work/generic.h"
if "$btf_check" "$work/generic.h" x86_64-linux-gnu "$rt/vmlinux" --may-lack modversion_info >"$work/report"; then
	cat "$work/report"
	echo "FAIL: the generic header passed against the rt BTF"
	exit 1
fi
grep 'struct module: member' "$work/report" | head -n 5
grep -q 'struct module: member init: ' "$work/report" || { echo "FAIL: init was not reported as moved"; exit 1; }
echo "PASS: btf_check rejects the generic header against the rt BTF"
