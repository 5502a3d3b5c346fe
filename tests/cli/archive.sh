#!/usr/bin/env bash
# archive.sh: the archive's state folders without the network: a suite's sources.list is
# rewritten only under the suite's lock, so a kabigen updating that suite's index (holding the
# lock) never sees its sources change under it.
# usage: archive.sh KABIGEN
. "$(dirname "$0")/lib.sh"
kabigen=$(realpath "$1")
export KABIGEN_CONFIGS=$work/configs
cp -r "$(dirname "$0")/../../configs" "$KABIGEN_CONFIGS"
suite=$XDG_CACHE_HOME/kabigen/apt/amd64/sid
use_archive() { printf 'archives:\n  - uri: %s\n    suites: [sid]\n' "$1" >"$KABIGEN_CONFIGS/archive.yaml"; }
list() { "$kabigen" list --arch x86_64 --offline; }

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
inode=$(stat -c %i "$suite/lock")
# /proc/locks shows a process waiting for a lock as "N: -> FLOCK ... MAJ:MIN:INODE ...".
for _ in $(seq 600); do
	grep -q -- "-> FLOCK .*:$inode " /proc/locks && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
if ! grep -q -- "-> FLOCK .*:$inode " /proc/locks; then
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
finish
