#!/usr/bin/env bash
# man-options.sh: the man page cannot drift from the usage texts. Its "## kabigen COMMAND"
# sections are exactly the commands 'kabigen --help' lists, and each section lists exactly
# the options 'kabigen help COMMAND' does; the page renders (scdoc) and man reports no
# warning; and a page with one option left out is caught.
# usage: man-options.sh KABIGEN PAGE.scd
. "$(dirname "$0")/../cli/lib.sh"
kabigen=$1 page=$2

. "$(dirname "$0")/options-lib.sh"
man_commands() { sed -nE 's/^## kabigen ([a-z][a-z-]*)$/\1/p' "$1" | sort -u; }

# compare PAGE: every difference, as "COMMAND: only in help: ..., only in the page: ...".
compare() {
	local p=$1 diffs="" command
	[ "$(help_commands)" = "$(man_commands "$p")" ] ||
		diffs+="commands: help has $(help_commands | tr '\n' ' '), the page $(man_commands "$p" | tr '\n' ' ');"
	for command in $(help_commands); do
		"$kabigen" help "$command" | help_options >"$work/help"
		man_options "$p" "$command" >"$work/man"
		cmp -s "$work/help" "$work/man" ||
			diffs+="$command: only in help: $(comm -23 "$work/help" "$work/man" | tr '\n' ' ')only in the page: $(comm -13 "$work/help" "$work/man" | tr '\n' ' ');"
	done
	echo "$diffs"
}

[ -n "$(help_commands)" ] || fail "'kabigen --help' lists no commands"
[ -n "$("$kabigen" help generate | help_options)" ] || fail "no options read from 'kabigen help generate'"
diffs=$(compare "$page")
[ -z "$diffs" ] && pass "the page's sections and options are the usage texts': $(for c in $(help_commands); do
	printf '%s (%s) ' "$c" "$(man_options "$page" "$c" | wc -l)"; done)" || fail "the page and the usage texts differ: $diffs"

# The comparison bites: drop one option of 'diff' from a copy of the page.
grep -v '^\*--suppress\* _FILE_$' "$page" >"$work/drifted.scd"
case $(compare "$work/drifted.scd") in
*"diff: only in help: --suppress only in the page: ;"*) pass "a page without diff's --suppress is caught" ;;
*) fail "a page without diff's --suppress is not caught: $(compare "$work/drifted.scd")" ;;
esac

scdoc <"$page" >"$work/kabigen.1" 2>"$work/scdoc.err" && pass "scdoc renders the page" ||
	fail "scdoc: $(cat "$work/scdoc.err")"
MANWIDTH=80 man --warnings -l "$work/kabigen.1" >"$work/rendered" 2>"$work/man.err"
[ ! -s "$work/man.err" ] && grep -q 'kabigen diff' "$work/rendered" && pass "man renders it without warnings" ||
	fail "man: $(cat "$work/man.err")"
finish
