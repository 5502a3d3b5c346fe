#!/usr/bin/env bash
# crate-loader.sh: a loader built against a crate of 'kabigen crate' reads every module of
# one arch's 6.12 (trixie) and 7.2 (sid) modules packages in one run, picking each module's
# triple by its vermagic (tests/rust/crate_loader), and agrees with 'kabigen check-ko' on
# every module: the vermagic, __this_module's size, the relocation types and counts, and
# __param's size (check-ko's JSON counts no relocation in its tables' __param entry: it keeps
# those apart, in ko_module.param); every module reads as its triple says ("ok"), as check-ko
# says they all load. A copy of a module with its vermagic changed matches no triple: the
# loader refuses it, and check-ko reports its vermagic.
# usage: crate-loader.sh KABIGEN CARGO DEBARCH KABIGEN_ARCH
. "$(dirname "$0")/../cli/lib.sh"
kabigen=$(realpath "$1") cargo=$2 debarch=$3 arch=$4
here=$(cd "$(dirname "$0")" && pwd)
fetch=$here/../../scripts/fetch-debian-headers
share_downloads
export CARGO_TARGET_DIR=$work/target RUSTFLAGS="-D warnings"

# The two packages, and a crate of exactly their triples (kdir rows of a YAML file).
echo "triples:" >"$work/triples.yaml"
kdirs=() modroots=()
for suite in trixie sid; do
	{ read -r kdir; read -r modroot; } < <("$fetch" --modules "$suite" "$debarch")
	kdirs+=("$kdir") modroots+=("$modroot")
	echo "  - { arch: $arch, kdir: \"$kdir\" }" >>"$work/triples.yaml"
done
"$kabigen" crate "$work/triples.yaml" -o "$work/kabi" 2>"$work/stderr" && pass "$(cat "$work/stderr")" ||
	{ fail "kabigen crate: $(cat "$work/stderr")"; finish; exit 1; }

cp -r "$here/crate_loader" "$work/loader"
cp "$here/loader/module_file.rs" "$work/loader/"	# main.rs's module_file, at the same place relative to it
sed -i "s|KABI_CRATE|$work/kabi|" "$work/loader/Cargo.toml"
(cd "$work/loader" && "$cargo" build --offline -q) >"$work/build.log" 2>&1 && pass "the loader builds against the crate, -D warnings" ||
	{ fail "the loader: $(tail -n 30 "$work/build.log")"; finish; exit 1; }

# One module of the 7.2 package with its vermagic changed (same length: "SMP" -> "XMP").
one=$(find "${modroots[1]}" -name '*.ko.xz' | sort | sed -n 1p)
xz -dc "$one" | LC_ALL=C sed 's/vermagic=\([^ ]* \)SMP/vermagic=\1XMP/' >"$work/stranger.ko"
grep -aq 'vermagic=[^ ]* XMP' "$work/stranger.ko" || fail "could not change the vermagic of $one"

find "${modroots[@]}" -name '*.ko*' -type f | sort >"$work/list"
echo "$work/stranger.ko" >>"$work/list"
SECONDS=0
"$work/target/debug/crate-loader" <"$work/list" >"$work/loader.out" 2>"$work/loader.err" ||
	fail "the loader failed: $(tail -n 5 "$work/loader.out") $(cat "$work/loader.err")"
echo "loader: $(cat "$work/loader.err") (${SECONDS}s)"
modules=$(($(wc -l <"$work/list") - 1))
[ "$(grep -c ' ok$' "$work/loader.out")" = "$modules" ] &&
	pass "all $modules modules of both packages read as their triple says, in one run" ||
	fail "$(grep -c ' ok$' "$work/loader.out") of $modules read; first others: $(grep -v ' ok$' "$work/loader.out" | head -n 3)"
for kdir in "${kdirs[@]}"; do
	release=${kdir##*/linux-headers-}
	n=$(grep -F " vermagic=$release " "$work/loader.out" | grep -F " triple=" | grep -c ' ok$' || true)
	[ "$n" -gt 100 ] && pass "$n modules of $release picked their triple by vermagic" ||
		fail "only $n modules of $release were given a triple"
done
grep -qxF "$work/stranger.ko vermagic=$(grep -aom1 'vermagic=[^[:cntrl:]]*' "$work/stranger.ko" | cut -d= -f2-) refused: vermagic matches no triple of the crate" "$work/loader.out" &&
	pass "a module whose vermagic matches no triple is refused" ||
	fail "the changed module: $(grep -F "$work/stranger.ko" "$work/loader.out")"

# check-ko on each package against its own triple: the same facts, module by module.
facts='.modules[] | "\(.path) vermagic=\(.vermagic) this_module=\(.this_module.size) relocs=\([.relocations[] | "\(.type):\(.count)"] | join(","))\([.tables[] | select(.name == "__param") | " param=\(.size)"] | join(""))"'
: >"$work/check-ko.facts"
for i in 0 1; do
	rc=0
	"$kabigen" check-ko --arch "$arch" --kdir "${kdirs[$i]}" --loader linux --format json "${modroots[$i]}" \
		>"$work/check-ko.$i.json" 2>"$work/check-ko.err" || rc=$?
	load=$(jq .summary.load "$work/check-ko.$i.json") all=$(jq .summary.modules "$work/check-ko.$i.json")
	[ "$rc" = 0 ] && [ "$load" = "$all" ] && pass "check-ko: all $all modules of ${kdirs[$i]##*/linux-headers-} load" ||
		fail "check-ko exit $rc, $load of $all load"
	jq -r "$facts" "$work/check-ko.$i.json" >>"$work/check-ko.facts"
done
sort -o "$work/check-ko.facts" "$work/check-ko.facts"
grep ' ok$' "$work/loader.out" | sed -E 's/ triple=[^ ]+//; s/ ok$//' | sort >"$work/loader.facts"
[ "$(wc -l <"$work/check-ko.facts")" = "$modules" ] && cmp -s "$work/loader.facts" "$work/check-ko.facts" &&
	pass "the loader and check-ko agree on all $modules modules (vermagic, __this_module size, relocations, __param size)" ||
	fail "they disagree: $(diff "$work/check-ko.facts" "$work/loader.facts" | head -n 6)"
rc=0
"$kabigen" check-ko --arch "$arch" --kdir "${kdirs[1]}" --format json "$work/stranger.ko" >"$work/stranger.json" 2>/dev/null || rc=$?
jq -e '.modules[0].findings[] | select(.reason == "vermagic")' "$work/stranger.json" >/dev/null &&
	pass "check-ko reports the changed module's vermagic too (exit $rc)" || fail "check-ko does not report the changed vermagic"
finish
