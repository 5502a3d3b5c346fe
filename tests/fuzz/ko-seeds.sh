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
# One mutant per rule of Linux's module loader (tests/tools/ko_mutate.c), of the x86_64 and
# riscv64 seeds: the paths check-ko refuses by. KO_MUTATE: the built ko_mutate (build/tests/ko_mutate).
if [ -n "${KO_MUTATE:-}" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	rm -f "$out"/mutant-*.ko
	for arch in x86_64 riscv64; do
		"$KO_MUTATE" "$tmp" "$out/seed-$arch.ko" | awk -F '\t' '$2 != "loads" && !seen[$3]++ { print $1 "\t" $3 }
			$4 ~ /sh_entsize 0/ && !seen["entsize"]++ { print $1 "\tsh_entsize 0" }' |
			while IFS=$'\t' read -r file rule; do
				cp "$file" "$out/mutant-$(tr -c 'a-zA-Z0-9\n' '-' <<<"$rule" | tr -s '-')-$arch.ko"
			done
	done
fi
