# options-lib.sh: the option names a usage text and the man page give (sourced by
# man-options.sh and options-drift.sh; $kabigen is the binary).

# The option names of a usage text's table: "  -o, --output FILE  where ..." -> -o --output.
help_options() {
	sed -nE 's/^  (-[^ ]*( [^ -][^ ]*)?(, -[^ ]*( [^ -][^ ]*)?)*)  .*/\1/p' |
		grep -oE -- '(^|[ ,])--?[A-Za-z][A-Za-z-]*' | sed -E 's/^[ ,]//' | sort -u
}
# The option names of one "## kabigen COMMAND" section: its "*-o*, *--output* _FILE_" lines.
man_options() {
	awk -v want="## kabigen $2" '$0 == want { on = 1; next } /^#/ { on = 0 } on' "$1" |
		grep -E '^\*-' | grep -oE -- '\*--?[A-Za-z][A-Za-z-]*\*' | tr -d '*' | sort -u
}
# The commands of 'kabigen --help': "  NAME      what it does".
help_commands() { "$kabigen" --help | sed -nE 's/^  ([a-z][a-z-]*) {2,}.*/\1/p' | sort -u; }
