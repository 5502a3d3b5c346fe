#!/usr/bin/env bash
# robustness.sh: a damaged cache, an unwritable cache, a kill in the middle of a write,
# two processes on one output, and no shell anywhere.
# usage: robustness.sh KABIGEN
. "$(dirname "$0")/lib.sh"
kabigen=$(realpath "$1")
kdir=$("$(dirname "$0")/../../scripts/fetch-debian-headers" sid riscv64)
release=${kdir##*/linux-headers-}
minor=$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$release")
export XDG_CACHE_HOME=$work/cache

# A cached tree that lost a file is refused with advice; once marked incomplete it is fetched again.
# The -common tree is shared by every arch tree of the release (a link into its own folder):
# the lost file is in that folder, and a fetch cut short leaves both without .complete.
"$kabigen" --arch riscv64 --kver "$minor" -o "$work/first.h" 2>/dev/null
tree=$(find "$XDG_CACHE_HOME/kabigen/trees" -maxdepth 1 -type d -name "linux-headers-${release}_*" | awk 'NR == 1')
common=$(realpath "$(find "$tree/root/usr/src" -maxdepth 1 -name '*-common' | awk 'NR == 1')")
common_tree=${common%/root/usr/src/*}
[ -f "$common_tree/.complete" ] || fail "the -common tree $common_tree has no .complete mark"
rm "$common/include/linux/module.h"
expect_error "a damaged tree in the cache" 1 "include/linux/module.h is missing" "$work/x.h" -- \
	"$kabigen" --arch riscv64 --kver "$minor" --offline -o "$work/x.h"
rm "$tree/.complete" "$common_tree/.complete"
if "$kabigen" --arch riscv64 --kver "$minor" -o "$work/again.h" 2>"$work/log" && cmp -s "$work/first.h" "$work/again.h"; then
	pass "a tree without its .complete mark is fetched again, whole"
else
	fail "refetching an incomplete tree: $(cat "$work/log")"
fi

# A changed file in a cached tree: every run proves the tree against the package's md5sums
# (the list kabigen made when it extracted it) before it uses it, with or without --no-cache.
# Offline the run fails naming the file; online the package is fetched again, the same bytes.
offline() { "$kabigen" --arch riscv64 --kver "$minor" --offline "$@"; }
autoconf=$(find "$tree/root" -path '*/include/generated/autoconf.h' | awk 'NR == 1')
sed -i '/CONFIG_MODULE_UNLOAD /d' "$autoconf"
for nc in "" --no-cache; do
	expect_error "a line removed from a cached autoconf.h, offline ${nc:-(with the cache)}" 1 \
		"--kver $minor: linux-headers-$(sed 's/[.+]/\\&/g' <<<"$release") [^ ]+ in the cache is not what the package holds: .*/include/generated/autoconf.h differs from the package: .* bytes where it has .*; run once without --offline to fetch it again" \
		"$work/x.h" -- offline $nc -o "$work/x.h"
done
if "$kabigen" --arch riscv64 --kver "$minor" --no-cache -o "$work/refetched.h" 2>"$work/log" &&
	cmp -s "$work/first.h" "$work/refetched.h" && grep -q "warning: .*autoconf.h differs from the package.*; fetching it again" "$work/log" &&
	offline -o "$work/offline.h" 2>/dev/null && cmp -s "$work/first.h" "$work/offline.h"; then
	pass "a damaged cached tree is fetched again, the same bytes: $(grep warning "$work/log")"
else
	fail "a damaged cached tree online: $(cat "$work/log")"
fi
# One byte, the file's size and modification time kept: its change time moved, so it is read.
module_h=$common/include/linux/module.h
cp -p "$module_h" "$work/module.h.orig"
printf 'X' | dd of="$module_h" bs=1 seek=2000 conv=notrunc status=none
touch -r "$work/module.h.orig" "$module_h"
expect_error "a byte changed in a cached header, its size and time kept" 1 \
	"include/linux/module.h differs from the package: MD5 [0-9a-f]{32} where its md5sums say [0-9a-f]{32}; run once without --offline" \
	"$work/x.h" -- offline --no-cache -o "$work/x.h"
# Its bytes put back (a new change time: read again, found whole): used, and the list takes the new stamp.
cp -p "$work/module.h.orig" "$module_h"
if offline -o "$work/restored.h" 2>"$work/log" && cmp -s "$work/first.h" "$work/restored.h" && ! grep -q warning "$work/log"; then
	pass "a cached file with its bytes put back is used"
else
	fail "a cached file with its bytes put back: $(cat "$work/log")"
fi
# A file the package does not have, where the headers are searched.
echo '#error not from the package' >"$common/include/linux/kabigen-extra.h"
expect_error "a file added to a cached tree" 1 "include/linux/kabigen-extra.h is not part of the package; run once without --offline" \
	"$work/x.h" -- offline -o "$work/x.h"
rm "$common/include/linux/kabigen-extra.h"
# A tree an older kabigen extracted (an empty .complete): fetched again, never trusted.
: >"$tree/.complete"
expect_error "a cached tree without a list (an older kabigen's)" 1 "\.complete lists nothing to prove the tree by \(an older kabigen extracted it\); run once without --offline" \
	"$work/x.h" -- offline -o "$work/x.h"
if "$kabigen" --arch riscv64 --kver "$minor" -o "$work/relisted.h" 2>"$work/log" && cmp -s "$work/first.h" "$work/relisted.h" &&
	offline --no-cache -o "$work/x.h" 2>/dev/null; then
	pass "an unlisted cached tree is fetched again, then proven: $(grep warning "$work/log")"
else
	fail "an unlisted cached tree online: $(cat "$work/log")"
fi

# A cache that cannot be written.
: >"$work/not-a-folder"
expect_error "an unwritable cache" 1 "Not a directory; check the cache folder" "$work/x.h" -- \
	env XDG_CACHE_HOME="$work/not-a-folder" "$kabigen" --arch riscv64 --kver "$minor" -o "$work/x.h"

# SIGKILL at any moment leaves the previous file at the output path whole, or the new one whole.
# The runs do the work (--no-cache: a cache hit ends before the first kill), and the kills are
# spread over a run's measured length (the shorter of two: a first run that waited on the disk
# or on other tests made the late kills miss); most must land while the run is alive, or the
# test proves nothing.
# (In a folder of their own: a kill during the write leaves its temporary file there.)
mkdir -p "$work/kill"
length=
for i in 1 2; do
	start=$EPOCHREALTIME
	"$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/kill/good.h" --no-cache 2>/dev/null
	length=$(awk -v s="$start" -v e="$EPOCHREALTIME" -v l="$length" 'BEGIN { d = e - s; print (l == "" || d < l) ? d : l }')
done
torn=0 landed=0
for part in 0.02 0.05 0.1 0.15 0.2 0.3 0.4 0.5 0.6 0.7; do
	echo "previous contents" >"$work/kill/out.h"
	"$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/kill/out.h" --no-cache 2>/dev/null & pid=$!
	sleep "$(awk -v l="$length" -v p="$part" 'BEGIN { print l * p }')"
	kill -KILL "$pid" 2>/dev/null || true
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	[ $rc != 137 ] || landed=$((landed + 1))
	if [ "$(cat "$work/kill/out.h")" != "previous contents" ] && ! cmp -s "$work/kill/out.h" "$work/kill/good.h"; then
		torn=$((torn + 1))
	fi
done
if [ $torn = 0 ] && [ $landed -ge 8 ]; then
	pass "SIGKILL at ten moments of a $length s run ($landed landed mid-run) never left a partial header"
else
	fail "SIGKILL: $torn kills left a partial header; $landed of 10 landed while the run was alive"
fi

# What killed runs leave is removed by a later run once it is an hour old: a fetch's
# temporary tree and a matrix run's log folder; younger ones (a run at work) are kept.
mkdir -p "$XDG_CACHE_HOME/kabigen/trees/.tmp-old1" "$XDG_CACHE_HOME/kabigen/trees/.tmp-new1" "$work/left"
touch -d '2 hours ago' "$XDG_CACHE_HOME/kabigen/trees/.tmp-old1"
echo torn >"$work/left/.refetch.h.kabigen.Ab12Cd"
touch -d '2 hours ago' "$work/left/.refetch.h.kabigen.Ab12Cd"
logs_old=$(mktemp -d /tmp/kabigen-matrix-XXXXXX) logs_new=$(mktemp -d /tmp/kabigen-matrix-XXXXXX)
touch -d '2 hours ago' "$logs_old"
rm -rf "$XDG_CACHE_HOME/kabigen/trees/linux-headers-${release}_"*
"$kabigen" --arch riscv64 --kver "$minor" -o "$work/left/refetch.h" 2>/dev/null || true
printf 'triples:\n  - { arch: riscv64, kdir: "%s", formats: [c] }\n' "$kdir" >"$work/one.yaml"
(cd "$work" && "$kabigen" matrix one.yaml -j 1 >/dev/null 2>&1) || true
if [ ! -e "$XDG_CACHE_HOME/kabigen/trees/.tmp-old1" ] && [ -e "$XDG_CACHE_HOME/kabigen/trees/.tmp-new1" ] &&
	[ ! -e "$logs_old" ] && [ -e "$logs_new" ] && [ ! -e "$work/left/.refetch.h.kabigen.Ab12Cd" ] && [ -s "$work/left/refetch.h" ]; then
	pass "leftovers an hour old are removed (trees/.tmp-*, /tmp/kabigen-matrix-*, an output's .NAME.kabigen.XXXXXX), younger ones kept"
else
	fail "leftovers: $(ls -a "$XDG_CACHE_HOME/kabigen/trees") $(ls -d /tmp/kabigen-matrix-* 2>/dev/null)"
fi
rm -rf "$logs_new" "$XDG_CACHE_HOME/kabigen/trees/.tmp-new1"

# Only kabigen's own temporaries are removed (files named .NAME.kabigen.XXXXXX): what the
# user keeps beside an output (an editor's .kabi.h.swp, .kabi.h.orig, .kabi.h.backup, a
# folder .kabi.h.d/, even one named like a temporary) stays, however old. An existing
# output keeps its permissions; a new one is 0644.
mine=$work/mine
mkdir -p "$mine/.kabi.h.d" "$mine/.kabi.h.kabigen.Fo1der"
for f in .kabi.h.swp .kabi.h.orig .kabi.h.backup .kabi.h.d/notes .kabi.h.kabigen.Fo1der/notes .kabi.h.kabigen.Ab12Cd; do
	echo "$f" >"$mine/$f"
done
touch -d '2 hours ago' "$mine"/.kabi.h.* "$mine"/.kabi.h.*/notes
echo "previous header" >"$mine/kabi.h"
chmod 600 "$mine/kabi.h"
if "$kabigen" --arch riscv64 --kdir "$kdir" -o "$mine/kabi.h" 2>"$work/log" &&
	"$kabigen" --arch riscv64 --kdir "$kdir" -o "$mine/new.h" 2>>"$work/log"; then
	kept=0
	for f in .kabi.h.swp .kabi.h.orig .kabi.h.backup .kabi.h.d/notes .kabi.h.kabigen.Fo1der/notes; do
		[ ! -e "$mine/$f" ] || kept=$((kept + 1))
	done
	if [ "$kept" = 5 ] && [ ! -e "$mine/.kabi.h.kabigen.Ab12Cd" ]; then
		pass "a user's .kabi.h.swp, .orig, .backup and folders stay; kabigen's own old temporary is removed"
	else
		fail "beside the output: $(ls -aR "$mine")"
	fi
	[ "$(stat -c %a "$mine/kabi.h")" = 600 ] && [ "$(stat -c %a "$mine/new.h")" = 644 ] &&
		pass "a 0600 output stays 0600, a new one is 0644" ||
		fail "permissions: $(stat -c '%a %n' "$mine/kabi.h" "$mine/new.h")"
else
	fail "writing beside a user's files: $(cat "$work/log")"
fi

# A full disk while a package is extracted is a full disk, not "a damaged download".
cc -shared -fPIC -o "$work/enospc.so" "$(dirname "$0")/support/enospc.c" -ldl
rm -rf "$XDG_CACHE_HOME/kabigen/trees/linux-headers-${release}_"*
expect_error "a full disk while a package is fetched" 1 "No space left on device.*; the disk holding .* is full: free space" \
	"$work/x.h" -- env ENOSPC_UNDER="$XDG_CACHE_HOME/kabigen/trees/" LD_PRELOAD="$work/enospc.so" \
	ASAN_OPTIONS=verify_asan_link_order=0 "$kabigen" --arch riscv64 --kver "$minor" -o "$work/x.h"
expect_error "a full disk while a package is extracted" 1 "dpkg-deb cannot extract it: .*; the disk holding .* is full" \
	"$work/x.h" -- env ENOSPC_UNDER="$XDG_CACHE_HOME/kabigen/trees/" ENOSPC_CONTAINING=/root/usr/ \
	LD_PRELOAD="$work/enospc.so" ASAN_OPTIONS=verify_asan_link_order=0 "$kabigen" --arch riscv64 --kver "$minor" \
	-o "$work/x.h"

# All or nothing when a write fails after the checks: a full disk in --depfile's folder (-o's
# file is already in its temporary), or a rename that fails (-o's file is already in place):
# -o's previous file is there as it was, and no temporary is left in either folder.
cc -shared -fPIC -o "$work/rename-fails.so" "$(dirname "$0")/support/rename-fails.c" -ldl
mkdir -p "$work/all/a" "$work/all/b"
echo "previous header" >"$work/all/a/x.h"
expect_error "a full disk in --depfile's folder keeps -o's file" 1 \
	"all/b/x.d: cannot write into .*all/b: No space left on device; nothing was written; free space on that disk" \
	"$work/all/a/x.h" -- env ENOSPC_UNDER="$work/all/b/" LD_PRELOAD="$work/enospc.so" \
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	"$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/all/a/x.h" --depfile "$work/all/b/x.d"
[ -z "$(ls -A "$work/all/b")" ] && pass "no temporary left in --depfile's folder" || fail "left: $(ls -A "$work/all/b")"
expect_error "a failed rename puts -o's file back" 1 \
	"all/b/x.d: cannot rename its temporary file into place: Input/output error \(the other outputs are put back" \
	"$work/all/a/x.h" -- env RENAME_FAILS_UNDER="$work/all/b/" LD_PRELOAD="$work/rename-fails.so" \
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	"$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/all/a/x.h" --depfile "$work/all/b/x.d"
[ -z "$(ls -A "$work/all/b")" ] && pass "no file left in --depfile's folder" || fail "left: $(ls -A "$work/all/b")"
# Where the file system cannot exchange files (vfat, many FUSE ones), -o's file is replaced by a
# plain rename: when --depfile's rename then fails it cannot be put back, and the message says
# so, naming it, instead of "put back as they were; nothing was written".
rc=0
env NO_EXCHANGE_UNDER="$work/all/a/" RENAME_FAILS_UNDER="$work/all/b/" LD_PRELOAD="$work/rename-fails.so" \
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	"$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/all/a/x.h" --depfile "$work/all/b/x.d" 2>"$work/log" || rc=$?
if [ "$rc" = 1 ] && [ "$(wc -l <"$work/log")" = 1 ] && ! grep -q "previous header" "$work/all/a/x.h" &&
	grep -qF "all/b/x.d: cannot rename its temporary file into place: Input/output error; $work/all/a/x.h was replaced already and cannot be put back (the file system cannot exchange files, so the old one was not kept)" "$work/log" &&
	[ -z "$(ls -A "$work/all/b")" ] && [ "$(ls -A "$work/all/a")" = x.h ]; then
	pass "no exchange: the replaced -o is named as not put back: $(cat "$work/log")"
else
	fail "no exchange: exit $rc, -o holds '$(head -c 40 "$work/all/a/x.h")', left: $(ls -A "$work/all/a" "$work/all/b"): $(cat "$work/log")"
fi

# Two processes writing the same output at once both succeed, and the file is whole.
"$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/same.h" 2>"$work/a.log" & a=$!
"$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/same.h" 2>"$work/b.log" & b=$!
if wait $a && wait $b && cmp -s "$work/same.h" "$work/kill/good.h"; then
	pass "two processes writing one output both succeed"
else
	fail "concurrent writes: $(cat "$work/a.log" "$work/b.log")"
fi

# Children are started with argument vectors: kabigen does not even link system() or popen().
if nm -D --undefined-only "$kabigen" | awk '{print $NF}' | grep -E -x 'system(@.*)?|popen(@.*)?' >"$work/nm"; then
	fail "kabigen calls $(cat "$work/nm")"
else
	pass "kabigen links neither system() nor popen()"
fi
finish
