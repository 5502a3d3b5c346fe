#!/usr/bin/env bash
# check-ko-plan.sh: 'kabigen check-ko' on modules as a set: each module's providers, the load
# order, --want's dependency closure and --plan's unlock curve, on real Debian modules. Every
# expectation comes from the modules (readelf) or from depmod, and a planned step is proved by
# applying it to a copy of the profile and checking again.
# usage: check-ko-plan.sh KABIGEN CONFIGS MODE
#   small: a few amd64 modules (quick; normal and sanitizer builds)
#   plan:  --plan on sid's whole riscv64 package with the minimal profile (slow)
#   want:  --want on three amd64 modules against depmod -b on the extracted package (slow)
. "$(dirname "$0")/../cli/lib.sh"
kabigen=$1 configs=$2 mode=$3
fetch=$(cd "$(dirname "$0")" && pwd)/../../scripts/fetch-debian-headers

# profile_copy DIR: the minimal profile and its symbols file, copied to DIR.
profile_copy() {
	mkdir -p "$1"
	cp "$configs/loaders/minimal.yaml" "$configs/loaders/minimal-symbols.txt" "$1/"
}

# apply DIR ARCH ADD: makes the profile in DIR provide what the plan's step ADD names; 1 when
# the step is no change a profile can make by a list (the plan is then checked up to it).
apply() {
	local dir=$1 arch=$2 add=$3 p=$1/minimal.yaml name prefix
	case $add in
	"symbol "*) echo "${add#symbol }" >>"$dir/minimal-symbols.txt" ;;
	"relocation R_"*)
		name=${add#relocation }
		prefix=$(echo "$name" | sed -E 's/^(R_(X86_64|AARCH64|RISCV|LARCH)_).*/\1/')
		# Each arch's list starts with one of its own types: insert before the first.
		sed -i -E "0,/relocations: \[$prefix/s//relocations: [$name, $prefix/" "$p" ;;
	"section "*)
		# Listed as handled, and out of the refused list (which is read first).
		name=$(printf %s "${add#section }" | sed 's/[.*[\]/\\&/g')
		sed -i -E -e "/^ *refused:/ { s/\[$name, /[/; s/, $name, /, /; s/, $name\]/]/; s/\[$name\]/[]/ }" \
			-e "s/handled: \[/handled: [${add#section }, /" "$p" ;;
	*"needs a PLT"*) sed -i "s/^  $arch:\$/  $arch:\n    plt: true/" "$p" ;;
	*"needs a GOT") sed -i "s/^  $arch:\$/  $arch:\n    got: true/" "$p" ;;
	*"needs the top 2 GiB" | *"needs the kernel within 2 GiB")
		# Linux's placement, in the arch's block (up to the next arch).
		awk -v a="  $arch:" '$0 == a { on = 1 } on && /^    placement:/ { $0 = "    placement: kernel"; on = 0 } { print }' \
			"$p" >"$p.new" && mv "$p.new" "$p" ;;
	*) return 1 ;;
	esac
}

# loads REPORT: the modules a JSON report says load.
loads() { jq .summary.load "$1"; }

small() {
	local kdir mods layout expect got
	{ read -r kdir; read -r mods; } < <("$fetch" --modules sid amd64 amd64)
	"$kabigen" --arch amd64 --kdir "$kdir" --format json -o "$work/la.json" 2>/dev/null
	layout=$work/la.json
	mkdir "$work/m"
	for m in ext4 jbd2 mbcache crc16 af_key; do
		find "$mods" -name "$m.ko*" -exec cp {} "$work/m/" \;
	done
	xz -dfk "$work"/m/*.xz
	# What ext4 needs, from the files: the modules whose __ksymtab_ labels name an undefined symbol of ext4.
	readelf -sW "$work/m/ext4.ko" | awk '$7 == "UND" && $8 != "" { print $8 }' | sort -u >"$work/ext4.und"
	expect=$(for m in jbd2 mbcache crc16 af_key; do
		if readelf -sW "$work/m/$m.ko" | awk '$8 ~ /^__ksymtab_/ { sub(/^__ksymtab_/, "", $8); print $8 }' |
			sort -u | comm -12 - "$work/ext4.und" | grep -q .; then echo "$m"; fi
	done | sort | tr '\n' ' ')
	rm "$work"/m/*.xz
	[ "$(echo "$expect" | wc -w)" -ge 2 ] || fail "ext4 imports from fewer than 2 of jbd2, mbcache, crc16: $expect"
	"$kabigen" check-ko --layout "$layout" --symvers "$kdir/Module.symvers" --format json "$work/m" >"$work/linux.json"
	got=$(jq -r '.modules[] | select(.name == "ext4") | [.needs[].module] | sort | join(" ")' "$work/linux.json")
	[ "$got " = "$expect" ] && pass "ext4 needs $got, as the files' exports and imports say" ||
		fail "ext4 needs '$got', the files say '$expect'"
	got=$(jq -r '.set.load_order | join(" ")' "$work/linux.json")
	for m in $expect; do
		[[ " $got " == *" $m "*"ext4 "* ]] && pass "load order $got: $m before ext4" ||
			fail "load order '$got' does not put $m before ext4"
	done
	[ "$(loads "$work/linux.json")" = 5 ] && pass "all 5 load with the linux profile" || fail "linux: $(loads "$work/linux.json") load"
	"$kabigen" check-ko --layout "$layout" --symvers "$kdir/Module.symvers" --want ext4 "$work/m" >"$work/want.txt"
	got=$(awk '/^load order/ { on = 1; next } /^  step/ { on = 0 } on { print $2 }' "$work/want.txt" | tr '\n' ' ')
	[ "$(echo "$got" | tr ' ' '\n' | grep . | sort | tr '\n' ' ')" = "$(echo "$expect ext4" | tr ' ' '\n' | grep . | sort |
		tr '\n' ' ')" ] && [ "${got% }" != "${got%ext4 }" ] && pass "--want ext4: $got" ||
		fail "--want ext4 lists '$got'; expected $expect then ext4"

	# A loader that reads exports takes a module's missing symbols from the set; one that does not,
	# not (the minimal profile lacks the jbd2 symbols ext4 imports).
	profile_copy "$work/read"
	profile_copy "$work/ignored"
	sed -i 's/^symbols:/exports: ignored\nsymbols:/' "$work/ignored/minimal.yaml"
	readelf -sW "$work/m/jbd2.ko" | awk '$8 ~ /^__ksymtab_/ { sub(/^__ksymtab_/, "", $8); print "imports " $8 "," }' |
		sort -u >"$work/jbd2.exports"
	for how in read ignored; do
		"$kabigen" check-ko --layout "$layout" --symvers "$kdir/Module.symvers" --loader "$work/$how/minimal.yaml" --format json "$work/m" >"$work/$how.json" || true
		jq -r '.modules[] | select(.name == "ext4") | .findings[].text' "$work/$how.json" | awk '{ print $1, $2 }' |
			sort -u | comm -12 - "$work/jbd2.exports" | wc -l >"$work/$how.n"
	done
	[ "$(cat "$work/read.n")" = 0 ] && [ "$(cat "$work/ignored.n")" -gt 0 ] &&
		pass "exports: read takes jbd2's $(cat "$work/ignored.n") symbols from jbd2; exports: ignored fails them" ||
		fail "ext4's findings naming jbd2's exports: $(cat "$work/read.n") with exports read, $(cat "$work/ignored.n") ignored"
	jq -e '.modules[] | select(.name == "ext4") | .findings[] | select(.reason == "needs a module that does not load")' \
		"$work/read.json" >/dev/null && pass "ext4 fails with jbd2, which does not load" || fail "ext4 does not name jbd2"

	# The whole curve, applied to a copy of the profile, loads what the plan says.
	"$kabigen" check-ko --layout "$layout" --symvers "$kdir/Module.symvers" --loader "$work/read/minimal.yaml" --plan --format json "$work/m" >"$work/plan.json" || true
	[ "$(jq .load_now "$work/plan.json")" = "$(loads "$work/read.json")" ] && pass "step 0: $(jq .load_now "$work/plan.json") load" ||
		fail "the plan starts at $(jq .load_now "$work/plan.json"), the report says $(loads "$work/read.json")"
	"$kabigen" check-ko --layout "$layout" --symvers "$kdir/Module.symvers" --loader "$work/read/minimal.yaml" --plan --format md "$work/m" >"$work/plan.md" || true
	[ "$(grep -c '^| [0-9]* | `' "$work/plan.md")" = "$(jq '.steps | length' "$work/plan.json")" ] &&
		pass "--format md: $(jq '.steps | length' "$work/plan.json") steps, as json" || fail "md and json plans differ"
	# Up to the first step that loads a module, and the whole curve.
	profile_copy "$work/first"
	check_steps "$work/plan.json" "$work/first" x86_64 "$(jq '[.steps[].loads > .load_now] | index(true) + 1' "$work/plan.json")" \
		"$kabigen" check-ko --layout "$layout" --symvers "$kdir/Module.symvers" --format json "$work/m"
	check_steps "$work/plan.json" "$work/read" x86_64 "$(jq '.steps | length' "$work/plan.json")" \
		"$kabigen" check-ko --layout "$layout" --symvers "$kdir/Module.symvers" --format json "$work/m"
	expect_error "--want of no module" 1 "--want nosuch: no module of that name among the 5 checked" "$work/none" -- \
		"$kabigen" check-ko --layout "$layout" --symvers "$kdir/Module.symvers" --want ext4,nosuch "$work/m"
	expect_error "--want with an empty name" 2 "--want ext4,: give module names separated by commas" "$work/none" -- \
		"$kabigen" check-ko --layout "$layout" --want ext4, "$work/m"
}

# check_steps PLAN DIR ARCH K CHECK-KO...: applies the plan's first K steps (as far as a profile
# list can say them) to the profile in DIR and checks again: as many load as the plan says.
check_steps() {
	local plan=$1 dir=$2 arch=$3 k=$4 applied=0 add want got adds
	shift 4
	mapfile -t adds < <(jq -r '.steps[].add' "$plan")
	while [ "$applied" -lt "$k" ]; do
		add=${adds[$applied]}
		apply "$dir" "$arch" "$add" || break
		applied=$((applied + 1))
	done
	[ "$applied" -gt 0 ] || { fail "the plan's first step '$add' is none a profile list says"; return; }
	want=$(jq ".steps[$((applied - 1))].loads" "$plan")
	"$@" --loader "$dir/minimal.yaml" >"$work/after.json" || true
	got=$(loads "$work/after.json")
	[ "$got" = "$want" ] && pass "$applied planned additions applied: $got load, as planned" ||
		fail "$applied planned additions applied: $got load, the plan said $want"
}

plan() {
	local kdir mods top alone first base
	{ read -r kdir; read -r mods; } < <("$fetch" --modules sid riscv64 riscv64)
	profile_copy "$work/p"
	"$kabigen" check-ko --arch riscv64 --kdir "$kdir" --loader "$work/p/minimal.yaml" --format json "$mods" >"$work/r.json" || true
	"$kabigen" check-ko --arch riscv64 --kdir "$kdir" --loader "$work/p/minimal.yaml" --plan --format json "$mods" >"$work/plan.json" || true
	base=$(loads "$work/r.json")
	[ "$(jq .load_now "$work/plan.json")" = "$base" ] && [ "$(jq .modules "$work/plan.json")" = "$(jq .summary.modules "$work/r.json")" ] &&
		pass "the plan starts where the report is: $base of $(jq .modules "$work/plan.json")" || fail "plan starts at $(jq .load_now "$work/plan.json"), report $base"
	# The symbol most modules import that neither the kernel nor a module provides, added alone.
	top=$(jq -r '.set.unprovided[0].name' "$work/r.json")
	profile_copy "$work/alone"
	echo "$top" >>"$work/alone/minimal-symbols.txt"
	"$kabigen" check-ko --arch riscv64 --kdir "$kdir" --loader "$work/alone/minimal.yaml" --format json "$mods" >"$work/alone.json" || true
	alone=$(loads "$work/alone.json")
	first=$(jq '.steps[0].loads' "$work/plan.json")
	[ "$first" -ge "$alone" ] && [ "$alone" -ge "$base" ] &&
		pass "step 1 ($(jq -r '.steps[0].add' "$work/plan.json")) loads $first; $top, the most imported, alone $alone" ||
		fail "step 1 loads $first, the most imported symbol $top alone $alone (from $base)"
	jq -e '[.steps[].loads] | . == sort' "$work/plan.json" >/dev/null && pass "the curve never falls" || fail "the curve falls"
	check_steps "$work/plan.json" "$work/p" riscv64 6 "$kabigen" check-ko --arch riscv64 --kdir "$kdir" --format json "$mods"
}

want() {
	local kdir mods release root three got expect
	command -v depmod >/dev/null || { fail "depmod not found: install kmod (scripts/setup)"; return; }
	{ read -r kdir; read -r mods; } < <("$fetch" --modules sid amd64 amd64)
	release=${kdir##*/linux-headers-}
	# depmod -b on a copy (links: depmod writes beside the modules, never into them).
	root=$(find "$mods" -type d -path "*/modules/$release" | head -n 1)
	mkdir -p "$work/dm/lib/modules"
	cp -al "$root" "$work/dm/lib/modules/" 2>/dev/null || cp -r "$root" "$work/dm/lib/modules/"
	depmod -b "$work/dm" "$release" 2>/dev/null
	dep=$work/dm/lib/modules/$release/modules.dep
	# Three modules: ext4 and the two with the most dependencies, by depmod.
	three=$( (grep '/ext4\.ko' "$dep"; awk -F: '{ print (NF > 1 ? split($2, a, " ") : 0), $0 }' "$dep" |
		sort -k1,1nr -k2 | awk "NR <= 2" | cut -d' ' -f2-) | cut -d: -f1)
	"$kabigen" check-ko --arch x86_64 --kdir "$kdir" --want "$(for f in $three; do basename "$f" | sed 's/\.ko.*//'; done |
		paste -sd,)" --format json "$mods" >"$work/want.json"
	jq -r --arg r "/$release/" '.load_order[].path | split($r)[1]' "$work/want.json" >"$work/order"
	expect=$(for f in $three; do echo "$f"; grep "^$f:" "$dep" | cut -d: -f2 | tr ' ' '\n'; done | grep . | sort -u)
	[ "$(sort "$work/order")" = "$expect" ] && pass "--want $(echo $three | wc -w) modules: the closure of $(wc -l <"$work/order") depmod gives" ||
		fail "--want's closure differs from depmod's: $(diff <(sort "$work/order") <(echo "$expect") | grep '^[<>]' | head -5 | tr '\n' ' ')"
	# Load order: each module after every module depmod says it needs.
	got=0
	while read -r f; do
		for d in $(grep "^$f:" "$dep" | cut -d: -f2); do
			[ "$(grep -nxF "$d" "$work/order" | cut -d: -f1)" -lt "$(grep -nxF "$f" "$work/order" | cut -d: -f1)" ] || {
				fail "$f comes before $d, which it needs"
				got=1
			}
		done
	done <"$work/order"
	[ "$got" = 0 ] && pass "each of the $(wc -l <"$work/order") after all it needs, by depmod"
}

case $mode in
small) small ;;
plan) plan ;;
want) want ;;
*) fail "mode $mode: small, plan or want" ;;
esac
finish
