# lib.sh: fetch Debian sid's kernel for an arch, pack a busybox initramfs, boot it under QEMU (sourced).
#
# The kernel, its modules and busybox-static come from the archive through
# scripts/fetch-debian-headers (newest release, cached in $KABIGEN_TEST_CACHE); QEMU is Debian's
# (scripts/setup installs it), except for loong64, where bookworm's QEMU 7.2 cannot boot the
# kernel and bookworm-backports' qemu-system-misc is unpacked privately (nothing installed).
set -euo pipefail

kernel_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fetch=$kernel_here/../../scripts/fetch-debian-headers
# One test fetches several packages of a suite and arch: the index is updated once in 15 minutes.
fetch() { "$fetch" --max-age 900 "$@"; }

# kernel_fetch DEBARCH: sets kdir (headers), modroot (modules), image (the kernel image file),
# busybox (the static binary) for sid's newest release of the arch's own flavour.
kernel_fetch() {
	local debarch=$1 out imgroot bbroot
	out=$(fetch --modules --image sid "$debarch")
	kdir=$(echo "$out" | sed -n 1p)
	modroot=$(echo "$out" | sed -n 2p)
	imgroot=$(echo "$out" | sed -n 3p)
	release=$(basename "$kdir")
	release=${release#linux-headers-}
	image=
	for f in "$imgroot/usr/lib/modules/$release/vmlinuz" "$imgroot/boot/vmlinuz-$release" \
		"$imgroot/usr/lib/modules/$release/vmlinux" "$imgroot/boot/vmlinux-$release"; do
		[ -f "$f" ] && { image=$f; break; }
	done
	[ -n "$image" ] || { echo "FAIL: no kernel image for $release under $imgroot" >&2; return 1; }
	bbroot=$(fetch --package busybox-static sid "$debarch")
	busybox=
	for f in "$bbroot/usr/bin/busybox" "$bbroot/bin/busybox"; do
		[ -f "$f" ] && { busybox=$f; break; }
	done
	[ -n "$busybox" ] || { echo "FAIL: busybox-static for $debarch has no busybox binary" >&2; return 1; }
	echo "kernel: $image"
	echo "busybox: $busybox"
}

# kernel_module_copy NAME DEST: a module of the fetched release, decompressed (busybox's insmod
# passes the bytes to init_module as they are).
kernel_module_copy() {
	local name=$1 dest=$2 found
	found=$(find "$modroot" -name "$name.ko*" -type f | sort | sed -n 1p)
	[ -n "$found" ] || { echo "FAIL: $modroot has no $name.ko" >&2; return 1; }
	case $found in
	*.xz) xz -dc "$found" >"$dest" ;;
	*.zst) zstd -qdc "$found" >"$dest" ;;
	*.gz) gzip -dc "$found" >"$dest" ;;
	*) cp "$found" "$dest" ;;
	esac
}

# kernel_initramfs DIR INIT OUT: a cpio newc archive of DIR with busybox as /bin/busybox and the
# shell script INIT as /init.
kernel_initramfs() {
	local dir=$1 init=$2 out=$3
	mkdir -p "$dir/bin" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/tmp"
	cp "$busybox" "$dir/bin/busybox"
	{ echo '#!/bin/busybox sh'; cat "$init"; } >"$dir/init"
	chmod 755 "$dir/init" "$dir/bin/busybox"
	(cd "$dir" && find . -print0 | LC_ALL=C sort -z | cpio --quiet -o -H newc -0 -R 0:0) >"$out"
}

# kernel_unzboot IMAGE OUT: an EFI zboot image's payload, decompressed (QEMU's direct kernel boot
# of loong64 takes the kernel itself). The header (drivers/firmware/efi/libstub/zboot-header.S):
# "zimg" at 4, the payload's offset and size as little-endian 32-bit words at 8 and 12, the
# compression's name at 24.
kernel_unzboot() {
	local image=$1 out=$2 offset size type
	[ "$(dd if="$image" bs=1 skip=4 count=4 status=none)" = zimg ] ||
		{ echo "FAIL: $image is not an EFI zboot image" >&2; return 1; }
	offset=$(od -An -tu4 -j8 -N4 --endian=little "$image" | tr -d ' ')
	size=$(od -An -tu4 -j12 -N4 --endian=little "$image" | tr -d ' ')
	type=$(dd if="$image" bs=1 skip=24 count=8 status=none | tr -d '\0')
	payload() { dd if="$image" bs=64K iflag=skip_bytes,count_bytes skip="$offset" count="$size" status=none; }
	case $type in
	zstd) payload | zstd -qdc >"$out" ;;
	gzip) payload | gzip -dc >"$out" ;;
	xzkern) payload | xz -dc >"$out" ;;
	*) echo "FAIL: $image: zboot payload compressed with '$type', which this test does not read" >&2; return 1 ;;
	esac
}

# kernel_qemu DEBARCH: sets qemu (the command, an array) and console for the arch. loong64 takes
# QEMU from bookworm-backports (kernel_qemu_loong64).
kernel_qemu() {
	case $1 in
	amd64) qemu=(qemu-system-x86_64 -M q35 -cpu max) console=ttyS0 ;;
	arm64) qemu=(qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on) console=ttyAMA0 ;;
	riscv64) qemu=(qemu-system-riscv64 -M virt -bios default) console=ttyS0 ;;
	loong64) kernel_qemu_loong64 ;;
	*) echo "FAIL: no QEMU machine for $1" >&2; return 1 ;;
	esac
	command -v "${qemu[0]}" >/dev/null || { echo "FAIL: ${qemu[0]} is missing; run scripts/setup" >&2; return 1; }
}

# Debian 12's QEMU 7.2 gives loong64's direct kernel boot no EFI system table; bookworm-backports'
# 10.0 boots it. Unpacked privately; its libraries must be this machine's (checked with ldd).
kernel_qemu_loong64() {
	local root bin missing
	root=$(fetch --package qemu-system-misc bookworm-backports amd64)
	bin=$root/usr/bin/qemu-system-loongarch64
	[ -x "$bin" ] || { echo "FAIL: bookworm-backports' qemu-system-misc has no qemu-system-loongarch64" >&2; return 1; }
	missing=$(ldd "$bin" | grep -c 'not found' || true)
	if [ "$missing" != 0 ]; then
		echo "FAIL: $bin needs libraries this machine lacks: $(ldd "$bin" | grep 'not found' | tr -s ' \t\n' ' ')" >&2
		return 1
	fi
	qemu=("$bin" -M virt -cpu la464) console=ttyS0
}

# kernel_boot DEBARCH KERNEL INITRD LOG [APPEND...]: boots once, one CPU, no reboot, the console in
# LOG; a guest that hangs is stopped after $KERNEL_BOOT_TIMEOUT seconds (default 240).
kernel_boot() {
	local debarch=$1 kernel=$2 initrd=$3 log=$4 start rc=0
	shift 4
	kernel_qemu "$debarch"
	start=$(date +%s)
	timeout "${KERNEL_BOOT_TIMEOUT:-240}" "${qemu[@]}" -smp 1 -m 1024 -accel tcg -display none -monitor none -nic none \
		-serial stdio -no-reboot -kernel "$kernel" -initrd "$initrd" \
		-append "console=$console panic=-1 rdinit=/init loglevel=7 $*" </dev/null >"$log" 2>&1 || rc=$?
	echo "boot: $debarch exited $rc after $(($(date +%s) - start)) s"
	[ "$rc" != 124 ] || echo "FAIL: $debarch boot timed out; console: $(tail -n 20 "$log")" >&2
	return 0
}
