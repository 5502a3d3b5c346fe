#!/usr/bin/env bash
# completion.sh: the bash completion, installed with the build into a prefix, is found by
# bash-completion's loader, and offers subcommands, options, arches, formats, and the
# --kver and --flavour values `kabigen list` found in Debian's archive (the same set).
# usage: completion.sh BUILD_DIR
. "$(dirname "$0")/../cli/lib.sh"
build_dir=$(realpath "$1")
cmake --install "$build_dir" --prefix "$work/prefix" >"$work/install.log"
# bash-completion 2.11 looks in $XDG_DATA_DIRS/bash-completion/completions (/usr/share for the .deb).
export XDG_CACHE_HOME=$work/cache PATH=$work/prefix/bin:$PATH XDG_DATA_DIRS=$work/prefix/share:/usr/share
export XDG_DATA_HOME=$work/data
completions=$work/prefix/share/bash-completion/completions/kabigen
[ -f "$completions" ] && pass "installed as share/bash-completion/completions/kabigen" ||
	fail "no $completions: $(cat "$work/install.log")"

# The archive's amd64 releases and flavours, as 'kabigen list' prints them.
kabigen list --arch amd64 >"$work/list" 2>"$work/list.err" || fail "kabigen list: $(cat "$work/list.err")"
want_flavours=$(awk 'NR > 1 && $4 != "generic" { print $4 }' "$work/list" | sort -u | tr '\n' ' ')
newest=$(awk 'NR == 2 { print $1 }' "$work/list")
[ -n "$want_flavours" ] && [ -n "$newest" ] || fail "kabigen list printed no flavours: $(cat "$work/list")"

# complete WORD... : COMPREPLY for the last word, in a bash that loaded the completion
# the way an interactive shell does (bash-completion's loader, on first use of kabigen).
complete() {
	bash -c '
		. /usr/share/bash-completion/bash_completion
		__load_completion kabigen || { echo "no completion for kabigen found"; exit 1; }
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		fn=$(complete -p kabigen | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
		"$fn" kabigen "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
		[ ${#COMPREPLY[@]} = 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' complete "$@" || true
}
expect() {
	local want=$1 got
	shift
	got=$(complete "$@")
	[ "$got" = "$want" ] && pass "kabigen ${*:2} <TAB>: $got" || fail "kabigen ${*:2} <TAB>: '$got', expected '$want'"
}
# The commands are those of 'kabigen --help', every one.
commands=$(kabigen --help | sed -nE 's/^  ([a-z][a-z-]*)  .*/\1/p' | sort | tr '\n' ' ')
[[ "$commands" == *"check-ko "* ]] || fail "kabigen --help lists no check-ko: $commands"
expect "$commands" kabigen ""
expect "${commands/help /}" kabigen help ""
# The profiles configs/loaders ships, as the completion should offer them.
profiles=$(cd "$(dirname "$0")/../../configs/loaders" && ls *.yaml | sed 's/\.yaml$//' | sort | tr '\n' ' ')
expect "$profiles" kabigen check-ko --arch amd64 --loader ""
expect "json md text " kabigen check-ko --format ""
expect "$want_flavours" kabigen --arch amd64 --flavour ""
expect "$want_flavours" kabigen diff amd64:7.2: --format text --only module --flavour ""
expect "riscv64 " kabigen --arch ri
expect "c json rust " kabigen --arch riscv64 --format ""
expect "json md text " kabigen diff --format ""
expect "--flavour --format " kabigen --arch amd64 --f
expect "" kabigen --arch riscv64 --flavour ""
kvers=$(complete kabigen --arch amd64 --kver "")
upstream=${newest%%+*}
for v in "${upstream%.*}" "$upstream" "$newest-amd64" "$newest-rt-amd64"; do
	[[ " $kvers " == *" $v "* ]] && pass "--kver offers $v (the newest release kabigen list shows)" ||
		fail "--kver does not offer $v: $kvers"
done
sides=$(complete kabigen diff "amd64:${upstream%.*}:")
[ "$sides" = "$want_flavours" ] && pass "a diff side ARCH:KVER: offers the flavours" || fail "diff amd64:${upstream%.*}: offers '$sides'"
# Every option of a command's option table is offered after '-' (generate's with no command).
for command in "" generate list diff matrix check-ko crate; do
	options=$(complete kabigen $command -)
	for o in $(kabigen help "${command:-generate}" | sed -nE 's/^  (-[a-z], )?(--[a-z-]+).*/\2/p'); do
		[[ " $options " == *" $o "* ]] || fail "'kabigen $command -<TAB>' does not offer $o: $options"
	done
	pass "kabigen $command -<TAB> offers every option of 'kabigen help ${command:-generate}': $options"
done
finish
