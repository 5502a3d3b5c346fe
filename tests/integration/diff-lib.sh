# diff-lib.sh: checks a 'kabigen diff --format json' report against the two kernels' BTF (sourced).
# Needs lib.sh (pass, fail), jq, and $btf_members (tests/tools/btf_members.c, libbpf).

# What changed in struct $1 between two BTFs, as the diff report lists members: name, the
# kinds of change (moved, resized, bitfield, added, removed), and each side's offset, size
# and bitfield width. Derived from BTF alone.
btf_changes() { # STRUCT OLD_VMLINUX NEW_VMLINUX
	jq -n --argjson o "$("$btf_members" "$2" "$1")" --argjson n "$("$btf_members" "$3" "$1")" '
		def place: {offset_bits, size, bit_width};
		($o.members | map({(.name): .}) | add // {}) as $om |
		($n.members | map({(.name): .}) | add // {}) as $nm |
		[($n.members[] | .name as $k |
			if $om[$k] == null then {name: $k, changes: ["added"], new: place}
			else ([(if $om[$k].offset_bits != .offset_bits then "moved" else empty end),
			       (if $om[$k].size != .size then "resized" else empty end),
			       (if $om[$k].bit_width != .bit_width then "bitfield" else empty end)]) as $c |
			     if ($c | length) > 0 then {name: $k, changes: $c, old: ($om[$k] | place), new: place}
			     else empty end
			end),
		 ($o.members[] | .name as $k | select($nm[$k] == null) | {name: $k, changes: ["removed"], old: place})]
		| map({name, changes: (.changes | sort), old, new}) | sort_by(.name)'
}

# The same, from the diff report; "retyped" is left out (BTF's type names are not the kernel's spelling).
report_changes() { # STRUCT REPORT
	jq --arg s "$1" '
		def place: if . == null then null else {offset_bits, size, bit_width: (.bit_width // 0)} end;
		[.structs[] | select(.name == $s) | .members[] |
			{name, changes: ((.changes - ["retyped"]) | sort), old: (.old | place), new: (.new | place)} |
			select(.changes | length > 0)] | sort_by(.name)' "$2"
}

# Every struct the report compared that both BTFs have: the same member changes and sizes.
# Prints how many structs and member changes agreed; fails (through fail) on any disagreement.
check_report_against_btf() { # REPORT OLD_VMLINUX NEW_VMLINUX
	local report=$1 old=$2 new=$3 s checked=0 changes=0 expected actual
	for s in $(jq -r '.structs[] | select(.status == "same" or .status == "changed") | .name' "$report"); do
		if [ "$("$btf_members" "$old" "$s" | jq .found)" != true ] ||
			[ "$("$btf_members" "$new" "$s" | jq .found)" != true ]; then
			echo "   (struct $s: not in both BTFs, not checked)"
			continue
		fi
		expected=$(btf_changes "$s" "$old" "$new")
		actual=$(report_changes "$s" "$report")
		if [ "$expected" != "$actual" ]; then
			fail "struct $s: the report's member changes differ from BTF's: $(diff <(echo "$expected") <(echo "$actual") | head -n 20 | tr '\n' ' ')"
		fi
		if [ "$(jq --arg s "$s" '.structs[] | select(.name == $s) | [.old.size, .new.size]' "$report" | jq -c .)" != \
			"$(jq -nc --argjson o "$("$btf_members" "$old" "$s")" --argjson n "$("$btf_members" "$new" "$s")" '[$o.size, $n.size]')" ]; then
			fail "struct $s: the report's sizes differ from BTF's"
		fi
		checked=$((checked + 1))
		changes=$((changes + $(jq length <<<"$expected")))
	done
	[ "$checked" -gt 0 ] || fail "no struct of the report could be checked against BTF"
	echo "$checked structs, $changes member changes checked against BTF"
}
