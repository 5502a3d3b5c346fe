#!/usr/bin/env bash
# robustness.sh: a damaged cache, an unwritable cache, a kill in the middle of a write,
# two processes on one output, and no shell anywhere.
# usage: robustness.sh KABIGEN
. "$(dirname "$0")/lib.sh"
kabigen=$1
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

# A cache that cannot be written.
: >"$work/not-a-folder"
expect_error "an unwritable cache" 1 "Not a directory; check the cache folder" "$work/x.h" -- \
	env XDG_CACHE_HOME="$work/not-a-folder" "$kabigen" --arch riscv64 --kver "$minor" -o "$work/x.h"

# SIGKILL at any moment leaves the previous file at the output path whole, or the new one whole.
"$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/good.h" 2>/dev/null
torn=0
for delay in 0.05 0.1 0.15 0.2 0.25 0.3 0.35 0.4 0.5 0.7; do
	echo "previous contents" >"$work/out.h"
	"$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/out.h" 2>/dev/null & pid=$!
	sleep "$delay"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	if [ "$(cat "$work/out.h")" != "previous contents" ] && ! cmp -s "$work/out.h" "$work/good.h"; then
		torn=$((torn + 1))
	fi
done
[ $torn = 0 ] && pass "SIGKILL at ten moments never left a partial header" || fail "$torn kills left a partial header"

# Two processes writing the same output at once both succeed, and the file is whole.
"$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/same.h" 2>"$work/a.log" & a=$!
"$kabigen" --arch riscv64 --kdir "$kdir" -o "$work/same.h" 2>"$work/b.log" & b=$!
if wait $a && wait $b && cmp -s "$work/same.h" "$work/good.h"; then
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
