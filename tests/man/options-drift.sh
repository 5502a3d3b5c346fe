#!/usr/bin/env bash
# options-drift.sh: an option lives in four lists that must agree, command by command:
# longopts (what getopt_long accepts, asked of the binary: an option it refuses is "unknown"
# or "goes with" another command), the usage text ('kabigen help COMMAND'), the man page's
# section, and the bash completion's options (its own _kabigen_options). And every option
# that takes a value is one the completion's `case $prev` knows, so that its value, not an
# option name, is completed. The option table makes longopts and the usage text together,
# so an option added to the table alone is in those two and missing from the other two.
# usage: options-drift.sh KABIGEN PAGE.scd COMPLETION.bash
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/options-lib.sh"
kabigen=$1 page=$2 completion=$3

# The completion's option names for COMMAND, from the completion's own function.
completion_options() {
	bash -c '. "$1" && _kabigen_options "$2" "$3"' _ "$completion" "$kabigen" "$1" | sort -u
}
# Whether getopt_long takes OPTION for COMMAND: one it refuses is a usage error saying so.
# Each answer is kept ($work/accepted), so the comparisons below ask the binary once.
accepted() {
	local memo=$work/accepted/$1$2 err
	mkdir -p "$work/accepted"
	if [ ! -f "$memo" ]; then
		err=$(timeout 30 "$kabigen" "$1" "$2" </dev/null 2>&1 >/dev/null) || true
		grep -qE "^kabigen: usage: (unknown option |.* goes with 'kabigen )" <<<"$err" && echo 0 >"$memo" ||
			echo 1 >"$memo"
	fi
	[ "$(cat "$memo")" = 1 ]
}
# The options of every usage text that take a value ("--kdir DIR", "-o, --output FILE").
value_options() {
	local command
	for command in $(help_commands); do
		"$kabigen" help "$command" | sed -nE 's/^  (-[^ ]*( [^ -][^ ]*)?(, -[^ ]*( [^ -][^ ]*)?)*)  .*/\1/p' |
			grep -E ' [^ -][^ ]*$' | grep -oE -- '(^|[ ,])--?[A-Za-z][A-Za-z-]*' | sed -E 's/^[ ,]//'
	done | sort -u
}
# The options the completion's `case $prev` completes a value for.
completion_value_options() {
	awk '/case \$prev in/ { on = 1; next } on && /^    esac/ { exit } on' "$completion" |
		sed -nE 's/^    (-[-A-Za-z| ]*)\)$/\1/p' | tr '|' '\n' | tr -d ' ' | sort -u
}

# lists COMMAND: "NAME usage longopts man completion" per option, 1 where the list has it.
lists() {
	local command=$1 name
	"$kabigen" help "$command" | help_options >"$work/usage"
	man_options "$page" "$command" >"$work/man"
	completion_options "$command" >"$work/completion"
	for name in $(sort -u "$work/usage" "$work/man" "$work/completion"); do
		printf '%s %d %d %d %d\n' "$name" "$(grep -cx -- "$name" "$work/usage")" \
			"$(accepted "$command" "$name" && echo 1 || echo 0)" \
			"$(grep -cx -- "$name" "$work/man")" "$(grep -cx -- "$name" "$work/completion")"
	done
}
# drift: "COMMAND NAME: in LISTS; not in LISTS" for each option not in all four lists.
drift() {
	local command name u l m c
	for command in $(help_commands); do
		lists "$command" | while read -r name u l m c; do
			[ "$u$l$m$c" = 1111 ] && continue
			in_lists "$command $name: in" 1 "$u" "$l" "$m" "$c"
			in_lists "; not in" 0 "$u" "$l" "$m" "$c"
			echo
		done
	done
}
# in_lists LEAD WANT U L M C: LEAD and the names of the lists whose flag is WANT.
in_lists() {
	local lead=$1 want=$2 names=(usage longopts man completion) i
	shift 2
	printf '%s' "$lead"
	for i in 0 1 2 3; do
		[ "${@:i+1:1}" = "$want" ] && printf ' %s' "${names[i]}"
	done
}

# The probe of longopts bites before it is trusted.
accepted diff --only && ! accepted generate --only && ! accepted list --no-such-option && accepted matrix -j &&
	! accepted check-ko --jobs && pass "longopts asked of the binary: diff takes --only, generate does not" ||
	fail "the longopts probe does not tell taken from refused options"

found=$(drift)
[ -z "$found" ] && pass "longopts, usage, man page and completion agree: $(for c in $(help_commands); do
	printf '%s (%s) ' "$c" "$(man_options "$page" "$c" | wc -l)"; done)" || fail "the option lists drift: $found"
only_value=$(comm -23 <(value_options) <(completion_value_options))
only_comp=$(comm -13 <(value_options) <(completion_value_options))
[ -z "$only_value$only_comp" ] && pass "the completion's case \$prev knows the $(value_options | wc -l) options that take a value" ||
	fail "options taking a value the completion's case \$prev lacks: $only_value; that it names but none takes: $only_comp"

# longopts are made from the tables alone: no other file under gen/ calls getopt_long or
# fills a struct option, so an option cannot reach longopts without reaching the usage text.
gen=$(dirname "$page")/..
others=$(grep -rlE '\bgetopt(_long)?[[:space:]]*\(|struct option\b' "$gen" --include='*.[ch]' | grep -v '/cmd/options\.c$' || true)
[ -z "$others" ] && pass "getopt_long is called from gen/cmd/options.c alone, with arrays made from the tables" ||
	fail "these read options outside the tables (gen/cmd/options.c): $others"

# The comparison bites: a binary whose check-ko table has one more row (its usage text and
# longopts have --drift-probe; the completion reads the usage text) against this page.
cat >"$work/kabigen-plus-one" <<EOF
#!/bin/bash
if [ "\$*" = "help check-ko" ]; then
	"$kabigen" help check-ko | sed '/^  -h, --help/i\\  --drift-probe      a row added to the table'
elif [ "\$*" = "check-ko --drift-probe" ]; then
	echo "kabigen: usage: 'kabigen check-ko' needs modules" >&2; exit 2
else
	exec "$kabigen" "\$@"
fi
EOF
chmod +x "$work/kabigen-plus-one"
found=$(kabigen=$work/kabigen-plus-one drift)
[ "$found" = "check-ko --drift-probe: in usage longopts completion; not in man" ] &&
	pass "an option added to check-ko's table alone is caught: $found" || fail "an option added to the table alone: $found"
finish
