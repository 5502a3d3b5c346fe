#!/usr/bin/env bash
# message-path.sh: gen/util/report.c is the one writer to standard error. No other C file
# under gen/ names stderr, calls perror, psignal, psiginfo or <err.h>'s and <error.h>'s
# writers, writes to fd 2 (write, dprintf), or names STDERR_FILENO other than to ask
# isatty() or to redirect a child (dup2, posix_spawn_file_actions_adddup2). Comments and
# strings are blanked first (lines kept), so a comment that says "stderr" is not counted.
# The check bites: a copy of gen/ with one fprintf(stderr, ...) added is caught, and
# report.c itself is caught when it is not the one allowed.
# usage: message-path.sh SOURCE_DIR
. "$(dirname "$0")/../cli/lib.sh"
src=$1

# blank FILE: FILE with comments emptied (their newlines kept) and strings and characters as "".
blank() {
	perl -0777 -pe 's{/\*.*?\*/|//[^\n]*|"(?:[^"\\\n]|\\.)*"|'\''(?:[^'\''\\\n]|\\.)*'\''}{
		my $m = $&; $m =~ /^["'\'']/ ? q("") : ($m =~ tr/\n//cdr) }gse' "$1"
}

# writers DIR ALLOWED: "FILE:LINE: TEXT" for each line of DIR's C files but ALLOWED that writes to stderr.
writers() {
	local dir=$1 allowed=$2 f
	find "$dir" -name '*.[ch]' | sort | while read -r f; do
		[ "${f#"$dir"/}" = "$allowed" ] && continue
		blank "$f" | sed -E -e 's/isatty\(STDERR_FILENO\)//g' -e 's/[a-z_]*dup2\([^;]*STDERR_FILENO[^;]*;//g' |
			grep -nE -e '\bstderr\b' -e 'STDERR_FILENO' -e '#[[:space:]]*include[[:space:]]*<(err|error)\.h>' \
				-e '\b(perror|psignal|psiginfo|warnx|vwarn|vwarnx|err|errx|verr|verrx|error_at_line)[[:space:]]*\(' \
				-e '\b(write|dprintf|vdprintf)[[:space:]]*\([[:space:]]*2[[:space:]]*,' |
			sed "s|^|${f#"$dir"/}:|" || true
	done
}

found=$(writers "$src/gen" util/report.c)
[ -z "$found" ] && pass "only util/report.c writes to stderr ($(find "$src/gen" -name '*.[ch]' | wc -l) files read)" ||
	fail "these write to stderr themselves; use report.h's functions: $found"

# The check bites: report.c is caught when not allowed, and so is one fprintf(stderr) added to a copy.
case $(writers "$src/gen" none) in
*"util/report.c:"*stderr*) pass "report.c's own writes are seen when it is not the one allowed" ;;
*) fail "report.c's writes to stderr are not seen: the check reads nothing" ;;
esac
cp -r "$src/gen" "$work/gen"
printf '%s\n' '/* a comment about stderr, and a string: */' 'static const char *s = "stderr";' \
	'void shout(void) { fprintf(stderr, "x\n"); }' >>"$work/gen/util/fs.c"
line=$(($(wc -l <"$work/gen/util/fs.c")))
found=$(writers "$work/gen" util/report.c)
[ "$found" = "util/fs.c:$line:void shout(void) { fprintf(stderr, \"\"); }" ] &&
	pass "an fprintf(stderr) added to fs.c is caught, its line alone: $found" ||
	fail "an fprintf(stderr) added to fs.c: expected util/fs.c:$line alone, found: $found"
finish
