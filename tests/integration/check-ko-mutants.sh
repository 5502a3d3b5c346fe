#!/usr/bin/env bash
# check-ko-mutants.sh: real Debian modules (sid riscv64 and amd64), each mutated by
# tests/tools/ko_mutate.c so that it breaks one rule of Linux's module loader (or none: the
# controls), fed to 'kabigen check-ko'. No mutant that breaks a rule may be reported as
# loading; each must be refused naming that rule (or, for a file that is not whole, be
# unreadable saying so); every control must load. The expectations are the generator's labels.
# usage: check-ko-mutants.sh KABIGEN KO_MUTATE
. "$(dirname "$0")/../cli/lib.sh"
kabigen=$1 mutate=$2
fetch=$(cd "$(dirname "$0")" && pwd)/../../scripts/fetch-debian-headers
cache_root=${KABIGEN_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kabigen-tests}
export KABIGEN_TEST_CACHE=$cache_root XDG_CACHE_HOME=$work/xdg
per_arch=5	# modules mutated per arch: about 170 mutants each

total=0
for spec in "riscv64 riscv64" "amd64 x86_64"; do
	read -r debarch arch <<<"$spec"
	{ read -r kdir; read -r mods; } < <("$fetch" --modules sid "$debarch" "$debarch")
	mkdir -p "$work/$debarch/in" "$work/$debarch/out"
	# Small modules with the sections whose relocations check-ko reads field by field.
	picked=0
	while read -r f && [ "$picked" -lt "$per_arch" ]; do
		plain=$work/$debarch/in/$(basename "${f%.*}")
		case $f in *.xz) xz -dc "$f" >"$plain" ;; *.zst) zstd -qdc "$f" >"$plain" ;; *) cp "$f" "$plain" ;; esac
		sections=$(readelf -SW "$plain")
		if [ "$(stat -c %s "$plain")" -lt 120000 ] && [ "$(grep -cE ' (__param|__jump_table) ' <<<"$sections")" = 2 ]; then
			picked=$((picked + 1))
		else
			rm "$plain"
		fi
	done < <(find "$mods" -path '*/kernel/net/*' -name '*.ko*' | sort)
	[ "$picked" = "$per_arch" ] || fail "$debarch: only $picked small modules with __param and __jump_table"
	"$mutate" "$work/$debarch/out" "$work/$debarch/in"/*.ko >"$work/$debarch/manifest" || fail "$debarch: ko_mutate failed"
	n=$(wc -l <"$work/$debarch/manifest")
	total=$((total + n))
	[ "$n" -gt 0 ] || { fail "$debarch: no mutants"; continue; }
	rc=0
	"$kabigen" check-ko --arch "$arch" --kdir "$kdir" --loader linux --format json -j 2 "$work/$debarch/out" \
		>"$work/$debarch/report.json" 2>"$work/$debarch/stderr" || rc=$?
	[ $((rc & 16)) = 16 ] && pass "$debarch: $n mutants, exit $rc (bit 16: Linux refuses some)" || fail "$debarch: exit $rc"
	jq -r '.modules[] | [.path, .verdict, ((.findings // []) | map(.reason) | join("|")), (.error // "")] | @tsv' \
		"$work/$debarch/report.json" | sort >"$work/$debarch/got"
	sort "$work/$debarch/manifest" | join -t $'\t' - "$work/$debarch/got" >"$work/$debarch/joined"
	[ "$(wc -l <"$work/$debarch/joined")" = "$n" ] || { fail "$debarch: $(wc -l <"$work/$debarch/joined") of $n mutants reported"; continue; }
	# FILE EXPECT RULE WHAT VERDICT REASONS ERROR
	awk -F '\t' '
		$2 == "loads" && $5 != "loads" { print "control " $4 ": " $5 " (" $6 $7 ")"; next }
		$2 == "refused" && ($5 != "refused by Linux" || index("|" $6 "|", "|" $3 "|") == 0) { print $4 ": " $5 " (" $6 $7 "), expected refused: " $3; next }
		$2 == "unreadable" && ($5 != "unreadable" || index($7, $3) == 0) { print $4 ": " $5 " (" $6 $7 "), expected unreadable: " $3 }
	' "$work/$debarch/joined" >"$work/$debarch/wrong"
	loads_wrong=$(awk -F '\t' '$2 != "loads" && $5 == "loads"' "$work/$debarch/joined" | wc -l)
	[ "$loads_wrong" = 0 ] && pass "$debarch: no mutant breaking a rule loads" ||
		fail "$debarch: $loads_wrong mutants breaking a rule reported as loading"
	[ ! -s "$work/$debarch/wrong" ] && pass "$debarch: every verdict names the mutant's rule ($(cut -f3 "$work/$debarch/manifest" | sort -u | wc -l) rules)" ||
		fail "$debarch: $(wc -l <"$work/$debarch/wrong") wrong verdicts: $(head -n 8 "$work/$debarch/wrong" | tr '\n' ';')"
	controls=$(awk -F '\t' '$2 == "loads"' "$work/$debarch/manifest" | wc -l)
	[ "$controls" -ge "$per_arch" ] && pass "$debarch: $controls controls among them" || fail "$debarch: $controls controls"
done
[ "$total" -ge 1500 ] && pass "$total mutants in all" || fail "only $total mutants; the issue asks for 1,500"
finish
