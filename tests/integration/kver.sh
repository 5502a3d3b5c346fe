#!/usr/bin/env bash
# kver.sh: kabigen --kver fetches a triple from Debian's archive in one command.
# usage: kver.sh KABIGEN BTF_CHECK
#
# The expected releases come from the archive's index through scripts/fetch-debian-headers
# (apt, independently of kabigen), never typed in here.
. "$(dirname "$0")/../cli/lib.sh"
kabigen=$1 btf_check=$2
fetch=$(cd "$(dirname "$0")" && pwd)/../../scripts/fetch-debian-headers
cache_root=${KABIGEN_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kabigen-tests}
export KABIGEN_TEST_CACHE=$cache_root
share_downloads
body() { sed -n '/^#ifndef KABIGEN_KABI_H/,$p' "$1"; }

# The newest 7.2-style version of sid for each arch, and its tree fetched independently.
for spec in "riscv64 riscv64 generic" "arm64 arm64 generic" "amd64 rt-amd64 rt" "loong64 loong64 generic"; do
	set -- $spec
	debarch=$1 flavour=$2 name=$3
	kdir=$("$fetch" sid "$debarch" "$flavour")
	release=${kdir##*/linux-headers-}
	minor=$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$release")
	args=(--arch "$debarch" --kver "$minor")
	[ "$name" = generic ] || args+=(--flavour "$name")
	if "$kabigen" "${args[@]}" -o "$work/$flavour.h" 2>"$work/log"; then
		got=$(sed -n 's/^#define KABI_UTS_RELEASE "\(.*\)"$/\1/p' "$work/$flavour.h")
		"$kabigen" --arch "$debarch" --kdir "$kdir" -o "$work/$flavour-kdir.h" 2>/dev/null
		if [ "$got" != "$release" ]; then
			fail "--kver $minor on $debarch gave $got, the archive's newest is $release"
		elif [ "$(body "$work/$flavour.h")" != "$(body "$work/$flavour-kdir.h")" ]; then
			fail "--kver $minor on $debarch differs from --kdir of the same package"
		elif [ "$(grep -cF "flavour:    $name (linux-headers-$release " "$work/$flavour.h")" != 1 ]; then
			fail "--kver $minor on $debarch: the provenance does not name the flavour $name"
		else
			pass "${args[*]} fetched $release in one command"
		fi
	else
		fail "${args[*]}: $(cat "$work/log")"
	fi
done

# The second run needs no network: --offline, and a dead proxy with a stale index.
rv_minor=$(sed -n 's/^#define KABI_UTS_RELEASE "\([0-9]*\.[0-9]*\).*/\1/p' "$work/riscv64.h")
if "$kabigen" --arch riscv64 --kver "$rv_minor" --offline -o "$work/offline.h" 2>"$work/log" &&
	cmp -s "$work/offline.h" "$work/riscv64.h"; then
	pass "--offline gives the same bytes from the cache"
else
	fail "--offline: $(cat "$work/log")"
fi
if http_proxy=http://127.0.0.1:9 KABIGEN_INDEX_MAX_AGE=0 "$kabigen" --arch riscv64 --kver "$rv_minor" \
	-o "$work/nonet.h" 2>"$work/log" && cmp -s "$work/nonet.h" "$work/riscv64.h" &&
	[ "$(grep -c 'could not be refreshed' "$work/log")" -gt 0 ]; then
	pass "with the network down, the cached index and tree are used, with a warning"
else
	fail "with the network down: $(cat "$work/log")"
fi

# Each format's cache key holds the provenance of its run: a --kver run writing several formats
# (whose first one builds the model) leaves no entry that a --kdir run of the same tree is served
# (it has no flavour line). A fresh kabigen cache, with the shared downloads, for both runs.
export XDG_CACHE_HOME=$work/keys-cache
share_downloads
"$kabigen" --arch riscv64 --kver "$rv_minor" --offline --format c,rust,json -o "$work/keys" 2>/dev/null
rv_tree=$(find -L "$XDG_CACHE_HOME/kabigen/trees" -maxdepth 5 -type d -path "*/root/usr/src/linux-headers-$(sed -n 's/^#define KABI_UTS_RELEASE "\(.*\)"$/\1/p' "$work/riscv64.h")" | awk 'NR == 1')
"$kabigen" --arch riscv64 --kdir "$rv_tree" --format json -o "$work/keys-kdir.json" 2>"$work/log"
"$kabigen" --arch riscv64 --kdir "$rv_tree" --format json --no-cache -o "$work/keys-ref.json" 2>/dev/null
if [ -z "$rv_tree" ]; then
	fail "no cached riscv64 tree under $XDG_CACHE_HOME/kabigen/trees"
elif cmp -s "$work/keys-kdir.json" "$work/keys-ref.json"; then
	pass "--kdir after a several-format --kver run: the bytes --no-cache writes ($(cat "$work/log"))"
else
	fail "--kdir after a several-format --kver run is served another run's provenance: $(diff "$work/keys-ref.json" "$work/keys-kdir.json" | head -3 | tr '\n' ' ')"
fi
export XDG_CACHE_HOME=$work/xdg

# A cached index that apt cannot read (torn, altered) is never "no such version": offline it is
# named with the way out, online it is fetched again and the release found. (A copy of the
# indexes: the shared ones stay whole.)
rv_release=$(sed -n 's/^#define KABI_UTS_RELEASE "\(.*\)"$/\1/p' "$work/riscv64.h")
# own_indexes DIR: a kabigen cache in DIR with a copy of the shared riscv64 indexes, to alter,
# and the shared trees. Prints DIR/kabigen.
own_indexes() {
	mkdir -p "$1/kabigen/apt"
	cp -a "$KABIGEN_TEST_CACHE/xdg/kabigen/apt/riscv64" "$1/kabigen/apt/"
	ln -s "$KABIGEN_TEST_CACHE/xdg/kabigen/trees" "$1/kabigen/trees"
	echo "$1/kabigen"
}
damaged=$(own_indexes "$work/damaged-cache")
packages=$(find "$damaged/apt/riscv64/sid/lists" -maxdepth 1 -name '*_Packages*' | awk 'NR == 1')
if [ -z "$packages" ]; then
	fail "no cached sid index for riscv64 to damage: $(ls "$damaged/apt/riscv64/sid/lists")"
else
	truncate -s $(($(stat -c %s "$packages") / 2)) "$packages"
	# The other suites failed their last update minutes ago and are due again: each refresh
	# (the first, and the one after the damage is found) plans them without trying them.
	for dir in "$damaged"/apt/riscv64/*/; do
		[ "$dir" = "$damaged/apt/riscv64/sid/" ] && continue
		[ -e "$dir/updated" ] || continue
		echo "E: a failure minutes ago (written by kver.sh)" >"$dir/failed"
		touch -d '1 day ago' "$dir/updated"
	done
	expect_error "a damaged cached index, offline" 1 "sid: apt cannot read its cached index .*; run without --offline to fetch it again" \
		"$work/x.h" -- env XDG_CACHE_HOME="$work/damaged-cache" "$kabigen" --arch riscv64 --kver "$rv_release" --offline -o "$work/x.h"
	if XDG_CACHE_HOME=$work/damaged-cache "$kabigen" --arch riscv64 --kver "$rv_minor" -o "$work/repaired.h" 2>"$work/log" &&
		cmp -s "$work/repaired.h" "$work/riscv64.h"; then
		pass "a damaged cached index is fetched again: the same header"
	else
		fail "a damaged cached index online: $(cat "$work/log")"
	fi
fi

# A release published after the cached index was fetched (that index still young): sid's
# cached index loses the release's entry, and its InRelease, so that apt fetches the index
# again as it would after a publication. The run must find the release, not say "no such".
late=$(own_indexes "$work/late-cache")
rm -f "$late"/apt/riscv64/*/failed
packages=$(find "$late/apt/riscv64/sid/lists" -maxdepth 1 -name '*_Packages.lz4' | awk 'NR == 1')
if [ -z "$packages" ]; then
	fail "no lz4 sid index for riscv64 to make old: $(ls "$late/apt/riscv64/sid/lists")"
else
	lz4cat "$packages" | awk -v RS= -v ORS='\n\n' -v p="Package: linux-headers-$rv_release" \
		'{ split($0, l, "\n"); if (l[1] != p) print }' | lz4 -q -f - "$work/Packages.lz4"
	mv "$work/Packages.lz4" "$packages"
	rm -f "$late"/apt/riscv64/sid/lists/*_InRelease
	touch "$late"/apt/riscv64/*/updated
	if XDG_CACHE_HOME=$work/late-cache "$kabigen" list --arch riscv64 --kver "${rv_release%-riscv64}" --offline \
		2>&1 | grep -c " sid " >/dev/null; then # -c reads it all: -q's early exit could fail list (pipefail)
		fail "the edited sid index still lists $rv_release"
	elif XDG_CACHE_HOME=$work/late-cache "$kabigen" --arch riscv64 --kver "$rv_release" -o "$work/late.h" 2>"$work/log" &&
		cmp -s "$work/late.h" "$work/riscv64.h"; then
		pass "a release newer than a young cached index: the indexes are updated and it is found"
	else
		fail "a release newer than a young cached index: $(cat "$work/log")"
	fi
fi

# A version the archive does not have: the message lists what it has (amd64: all its suites read).
amd64_release=$(sed -n 's/^#define KABI_UTS_RELEASE "\(.*\)-rt-amd64"$/\1/p' "$work/rt-amd64.h" | sed 's/[.+]/\\&/g')
expect_error "a version that is not there" 1 "--kver 1\.0: no such linux-headers package for amd64.*available: .*$amd64_release.*--kdir" \
	"$work/absent.h" -- "$kabigen" --arch amd64 --kver 1.0 -o "$work/absent.h"

# The network down and nothing cached: reported as such, never as a missing version.
expect_error "no network, empty cache" 1 "could not be read: .*(after 3 attempts)" "$work/x.h" -- \
	env http_proxy=http://127.0.0.1:9 XDG_CACHE_HOME="$work/empty-cache" \
	"$kabigen" --arch riscv64 --kver "$rv_minor" -o "$work/x.h"

# Strings are checked before any process starts: nothing is created.
expect_error "shell syntax in --kver" 2 "--kver '7.2;touch x'" "$work/x.h" -- \
	env XDG_CACHE_HOME="$work/never" "$kabigen" --arch riscv64 --kver '7.2;touch x' -o "$work/x.h"
expect_error "a path in --flavour" 2 "--flavour '../rt'" "$work/x.h" -- \
	env XDG_CACHE_HOME="$work/never" "$kabigen" --arch amd64 --kver 7.2 --flavour ../rt -o "$work/x.h"
[ ! -e "$work/never" ] && pass "nothing was created for rejected strings" || fail "$work/never was created"

# The configuration axis: the generic amd64 headers with the rt flavour's .config have the
# rt layouts (its BTF agrees), not the generic ones.
generic=$("$fetch" sid amd64 amd64)
rt=$("$fetch" sid amd64 rt-amd64)
"$kabigen" --arch amd64 --kdir "$generic" --kconfig "$rt/.config" -o "$work/kc.h" 2>/dev/null
if "$btf_check" "$work/kc.h" x86_64-linux-gnu "$rt/vmlinux" --may-lack modversion_info >"$work/kc-rt" &&
	! "$btf_check" "$work/kc.h" x86_64-linux-gnu "$generic/vmlinux" --may-lack modversion_info >"$work/kc-generic"; then
	pass "generic headers + the rt .config agree with the rt BTF, not the generic one"
else
	fail "--kconfig: rt BTF: $(tail -n 1 "$work/kc-rt"); generic BTF: $(tail -n 1 "$work/kc-generic")"
fi
sum=$(sha256sum <"$rt/.config" | cut -d' ' -f1)
[ "$(grep -c "\.config: *\.config sha256 $sum" "$work/kc.h")" = 1 ] && pass "the provenance records the .config's sha256" ||
	fail "the provenance does not record the .config's sha256"

# --set on top: modversions appears in vermagic exactly when CONFIG_MODVERSIONS is set.
"$kabigen" --arch amd64 --kdir "$generic" --set CONFIG_MODVERSIONS=y -o "$work/mv.h" 2>/dev/null
"$kabigen" --arch amd64 --kdir "$generic" --set CONFIG_MODVERSIONS=n -o "$work/nomv.h" 2>/dev/null
if [ "$(grep -c '^#define KABI_VERMAGIC ".* modversions ' "$work/mv.h")" = 1 ] &&
	[ "$(grep -c '^#define KABI_VERMAGIC ".* modversions ' "$work/nomv.h")" = 0 ] &&
	[ "$(grep -c -- '--set: *CONFIG_MODVERSIONS=y' "$work/mv.h")" = 1 ]; then
	pass "--set CONFIG_MODVERSIONS=y|n changes vermagic and is recorded"
else
	fail "--set CONFIG_MODVERSIONS did not take effect"
fi
printf 'CONFIG_A=y\nthis is not a config line\n' >"$work/bad.config"
expect_error "a .config with garbage" 1 "bad.config:2: not a .config line" "$work/x.h" -- \
	"$kabigen" --arch amd64 --kdir "$generic" --kconfig "$work/bad.config" -o "$work/x.h"

# Two kabigen processes sharing one fresh cache both succeed, and a third of another arch
# shares the release's one extracted -common tree with them.
export XDG_CACHE_HOME=$work/shared-cache
"$kabigen" --arch loong64 --kver "$rv_minor" -o "$work/p1.h" 2>"$work/p1.log" & p1=$!
"$kabigen" --arch loong64 --kver "$rv_minor" -o "$work/p2.h" 2>"$work/p2.log" & p2=$!
"$kabigen" --arch riscv64 --kver "$rv_minor" -o "$work/p3.h" 2>"$work/p3.log" & p3=$!
if wait $p1 && wait $p2 && wait $p3 && cmp -s "$work/p1.h" "$work/p2.h"; then
	pass "three processes fetching into one cache all succeed"
else
	fail "concurrent fetches: $(cat "$work/p1.log" "$work/p2.log" "$work/p3.log")"
fi
trees=$XDG_CACHE_HOME/kabigen/trees
mapfile -t commons < <(find "$trees" -mindepth 1 -maxdepth 1 -type d -name 'linux-headers-*-common_*')
mapfile -t links < <(find "$trees"/linux-headers-*/root/usr/src -maxdepth 1 -type l -name 'linux-headers-*-common')
if [ ${#commons[@]} = 1 ] && [ ${#links[@]} = 2 ] &&
	[ "$(readlink -f "${links[0]}")" = "$(readlink -f "${links[1]}")" ] &&
	[ "$(readlink -f "${links[0]}")" = "$(readlink -f "${commons[0]}"/root/usr/src/linux-headers-*-common)" ] &&
	cmp -s "$work/p3.h" "$work/riscv64.h"; then
	pass "loong64 and riscv64 share one -common tree ($(du -sh "$trees" | cut -f1) for both), the same bytes"
else
	fail "the -common tree is not shared: ${commons[*]}; links ${links[*]}"
fi
finish
