#!/usr/bin/env bash
# archive.sh: the archive's state folders without the network: a suite's sources.list is
# rewritten, and a damaged index removed, only under the suite's lock, so a kabigen updating
# that suite's index (holding the lock) never sees its sources change or its files vanish.
# usage: archive.sh KABIGEN
. "$(dirname "$0")/lib.sh"
kabigen=$(realpath "$1")
export KABIGEN_CONFIGS=$work/configs
cp -r "$(dirname "$0")/../../configs" "$KABIGEN_CONFIGS"
suite=$XDG_CACHE_HOME/kabigen/apt/amd64/sid
use_archive() { printf 'archives:\n  - uri: %s\n    suites: [sid]\n' "$1" >"$KABIGEN_CONFIGS/archive.yaml"; }
list() { "$kabigen" list --arch x86_64 --offline; }
# waits_for_lock PID: waits until PID waits for the suite's lock (true) or ends (false).
# /proc/locks shows a process waiting for a lock as "N: -> FLOCK ... MAJ:MIN:INODE ...".
waits_for_lock() {
	local inode
	inode=$(stat -c %i "$suite/lock")
	for _ in $(seq 600); do
		grep -q -- "-> FLOCK .*:$inode " /proc/locks && return 0
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	grep -q -- "-> FLOCK .*:$inode " /proc/locks
}

# A first run makes the suite's folder and its sources.list.
use_archive http://first.example/debian
list >/dev/null 2>&1 || true
grep -q ' http://first.example/debian sid main$' "$suite/sources.list" || fail "the first run wrote no sources.list"

# Another process holds the suite's lock (as a kabigen updating its index does); a run with
# another archive must wait for it before rewriting sources.list.
use_archive http://second.example/debian
exec 9>"$suite/lock"
flock 9
list >"$work/list.out" 2>&1 9>&- &
pid=$!
if ! waits_for_lock $pid; then
	fail "kabigen list did not wait for the suite's lock: $(cat "$work/list.out")"
elif grep -q ' http://first.example/debian sid main$' "$suite/sources.list"; then
	pass "sources.list unchanged while another process holds the suite's lock"
else
	fail "sources.list rewritten under another process's lock: $(cat "$suite/sources.list")"
fi
exec 9>&-
wait $pid || true
if grep -q ' http://second.example/debian sid main$' "$suite/sources.list"; then
	pass "sources.list names the new archive once the lock is released"
else
	fail "sources.list after the lock: $(cat "$suite/sources.list")"
fi

# A cached index apt cannot read is removed, to be fetched again, only under the suite's lock:
# another kabigen may be writing that index under it. (A file: archive that does not exist:
# the new fetch fails without the network.)
use_archive file:/nonexistent/kabigen-test
list >/dev/null 2>&1 || true
packages=$suite/lists/_nonexistent_kabigen-test_dists_sid_main_binary-amd64_Packages
printf 'Origin: Debian\nCodename: sid\nArchitectures: amd64\nComponents: main\n' \
	>"$suite/lists/_nonexistent_kabigen-test_dists_sid_Release"
printf 'Package linux-headers-damaged\n' >"$packages"
touch "$suite/updated"
list >"$work/damaged.out" 2>&1 || true
grep -q "apt cannot read its cached index" "$work/damaged.out" ||
	fail "the damaged index was read: $(cat "$work/damaged.out")"
# apt-cache itself, held back (its first time) until the test holds the suite's lock: kabigen
# then finds the index damaged while another process holds that lock.
mkdir "$work/bin"
cat >"$work/bin/apt-cache" <<EOF
#!/bin/sh
if [ ! -e "$work/scanning" ]; then
	: >"$work/scanning"
	while [ ! -e "$work/go" ]; do sleep 0.05; done
fi
exec $(command -v apt-cache) "\$@"
EOF
chmod +x "$work/bin/apt-cache"
PATH=$work/bin:$PATH "$kabigen" list --arch x86_64 >"$work/forget.out" 2>&1 &
pid=$!
for _ in $(seq 600); do
	[ -e "$work/scanning" ] && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
exec 9>"$suite/lock"
flock 9
: >"$work/go"
if ! waits_for_lock $pid; then
	fail "kabigen list did not wait for the suite's lock: $(cat "$work/forget.out")"
elif [ -e "$packages" ]; then
	pass "a damaged index is kept while another process holds the suite's lock"
else
	fail "a damaged index was removed under another process's lock: $(ls "$suite/lists")"
fi
exec 9>&-
wait $pid || true
if [ ! -e "$packages" ] && grep -q "apt cannot read its cached index .*, even fetched again" "$work/forget.out"; then
	pass "a damaged index is removed and fetched again once the lock is released"
else
	fail "a damaged index after the lock: $(ls "$suite/lists"); $(cat "$work/forget.out")"
fi
finish
