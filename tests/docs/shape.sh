#!/usr/bin/env bash
# shape.sh: the documentation keeps its shape. The README stays a front door (at most 200
# lines); every test CTest lists has its row in tests/README.md, whose File column names
# files that exist; every relative link of the Markdown pages leads to a file; and the
# kabigen-layout(5) page renders (scdoc) without a warning from man.
# usage: shape.sh SOURCE_DIR BUILD_DIR
. "$(dirname "$0")/../cli/lib.sh"
src=$1 build=$2

lines=$(wc -l <"$src/README.md")
[ "$lines" -le 200 ] && pass "README.md has $lines lines" || fail "README.md has $lines lines, more than 200: move reference text into docs/"

# The catalogue: a "| `NAME` | FILE ... |" row for each test of this build.
ctest --test-dir "$build" -N | sed -nE 's/^ *Test +#[0-9]+: (.*)$/\1/p' | sort -u >"$work/tests"
[ -s "$work/tests" ] || fail "ctest -N in $build lists no tests"
# rowless CATALOGUE: the tests of this build that CATALOGUE has no row for.
rowless() { sed -nE 's/^\| `([^`]+)` \|.*/\1/p' "$1" | sort -u | comm -23 "$work/tests" - | tr '\n' ' '; }
catalogue=$src/tests/README.md
if [ ! -f "$catalogue" ]; then
	fail "no tests/README.md"
else
	missing=$(rowless "$catalogue")
	[ -z "$missing" ] && pass "every one of $(wc -l <"$work/tests") tests has a row in tests/README.md" ||
		fail "tests without a row in tests/README.md: $missing"
	# The check bites: a copy without unit.json's row.
	grep -v '^| `unit.json` |' "$catalogue" >"$work/drifted.md"
	[ "$(rowless "$work/drifted.md")" = "unit.json " ] && pass "a catalogue without unit.json's row is caught" ||
		fail "a catalogue without unit.json's row is not caught: '$(rowless "$work/drifted.md")'"
	# The File column's first word is a path from the source root.
	bad=""
	while read -r f; do
		[ -e "$src/$f" ] || bad+="$f "
	done < <(sed -nE 's/^\| `[^`]+` \| ([^ |]+).*/\1/p' "$catalogue" | tr -d ',' | sort -u)
	[ -z "$bad" ] && pass "every File of tests/README.md exists" || fail "tests/README.md names files that do not exist: $bad"
fi

# Relative links: [text](path) or [text](path#anchor), from the page's own folder.
# broken PAGE...: each link that leads nowhere, as "PAGE: TARGET; ".
broken() {
	local page target
	for page; do
		while read -r target; do
			case $target in http://* | https://* | mailto:* | '') continue ;; esac
			[ -e "$(dirname "$page")/$target" ] || printf '%s: %s; ' "${page#"$src"/}" "$target"
		done < <(grep -oE '\]\([^)#]+' "$page" | sed 's/^](//')
	done
}
pages=("$src"/README.md "$src"/HACKING.md "$src"/tests/README.md "$src"/docs/*.md)
existing=()
for page in "${pages[@]}"; do [ -f "$page" ] && existing+=("$page"); done
bad=$(broken "${existing[@]}")
[ -z "$bad" ] && pass "every relative link of ${#existing[@]} pages leads to a file" || fail "broken links: $bad"
printf 'See [the cache](docs/cahce.md).\n' >"$work/typo.md"
case $(broken "$work/typo.md") in
*"docs/cahce.md; ") pass "a link to a misspelt page is caught" ;;
*) fail "a link to a misspelt page is not caught" ;;
esac

page=$src/docs/kabigen-layout.5.scd
if [ ! -f "$page" ]; then
	fail "no docs/kabigen-layout.5.scd"
elif scdoc <"$page" >"$work/kabigen-layout.5" 2>"$work/scdoc.err"; then
	MANWIDTH=80 man --warnings -l "$work/kabigen-layout.5" >"$work/rendered" 2>"$work/man.err"
	[ ! -s "$work/man.err" ] && grep -q 'offset_bits' "$work/rendered" &&
		pass "kabigen-layout(5) renders without warnings" || fail "man on kabigen-layout(5): $(cat "$work/man.err")"
else
	fail "scdoc on kabigen-layout.5.scd: $(cat "$work/scdoc.err")"
fi
finish
