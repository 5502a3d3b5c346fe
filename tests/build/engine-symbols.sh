#!/usr/bin/env bash
# engine-symbols.sh: libkabigen-engine.so needs nothing from the kabigen executable, so loading
# it cannot fail on a missing symbol: no symbol it leaves undefined is one the executable defines.
# usage: engine-symbols.sh KABIGEN ENGINE
set -euo pipefail
kabigen=$1 engine=$2
undefined=$(nm -D --undefined-only "$engine" | awk '{ sub(/@.*/, "", $NF); print $NF }' | sort -u)
[ -n "$undefined" ] || { echo "FAIL: nm found no undefined symbol in $engine (libclang at least)"; exit 1; }
ours=$(nm --defined-only "$kabigen" | awk '$2 ~ /^[TtDdBbRr]$/ { print $3 }' | sort -u)
[ "$(wc -l <<<"$ours")" -gt 100 ] || { echo "FAIL: nm read too few symbols of $kabigen (stripped?)"; exit 1; }
both=$(comm -12 <(echo "$undefined") <(echo "$ours"))
if [ -n "$both" ]; then
	echo "FAIL: the engine takes these from the executable:"
	echo "$both"
	exit 1
fi
echo "PASS: $(wc -l <<<"$undefined") undefined symbols in the engine, none of them the executable's"
nm -D --defined-only "$engine" | awk '{ print $NF }' | grep -qx kabigen_extract_engine ||
	{ echo "FAIL: the engine does not export kabigen_extract_engine"; exit 1; }
exported=$(nm -D --defined-only "$engine" | awk '{ print $NF }' | grep -vx kabigen_extract_engine || true)
[ -z "$exported" ] || { echo "FAIL: the engine exports more than kabigen_extract_engine: $exported"; exit 1; }
echo "PASS: it exports kabigen_extract_engine alone"
