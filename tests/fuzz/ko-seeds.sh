#!/usr/bin/env bash
# ko-seeds.sh: rebuilds fuzz_ko's seed corpus from ko-seed.c: one relocatable object per arch
# check-ko knows, and the x86_64 one compressed as Debian ships modules (xz, zstd, gzip).
set -euo pipefail
cd "$(dirname "$0")"
out=corpus/ko
mkdir -p "$out"
for target in x86_64-linux-gnu aarch64-linux-gnu riscv64-linux-gnu loongarch64-linux-gnu; do
	clang-19 -target "$target" -O2 -fno-pic -ffreestanding -c ko-seed.c -o "$out/seed-${target%%-*}.ko"
done
xz -kc --check=crc32 "$out/seed-x86_64.ko" >"$out/seed-x86_64.ko.xz"
zstd -qc "$out/seed-x86_64.ko" >"$out/seed-x86_64.ko.zst"
gzip -nc "$out/seed-x86_64.ko" >"$out/seed-x86_64.ko.gz"
