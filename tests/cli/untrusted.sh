#!/usr/bin/env bash
# untrusted.sh: text from modules, dumps, profiles and paths never reaches a report or a
# message raw (no forged line, no escape sequence, JSON stays UTF-8, Markdown stays a table),
# and hostile inputs are refused with one line naming the real cause: a dump that gives an
# item twice, a NUL byte in a symbols file or Module.symvers, a loader profile with a NUL in
# a value, one arch twice or an unknown placement, a --kdir path clang cannot -include, and
# a tree the user cannot read. Real riscv64 headers and modules from Debian, changed with
# llvm-objcopy; every expected string is derived from them. Also a matrix row named with ESC.
# usage: untrusted.sh KABIGEN
. "$(dirname "$0")/lib.sh"
kabigen=$(realpath "$1")
fetch=$(cd "$(dirname "$0")" && pwd)/../../scripts/fetch-debian-headers
configs=$(cd "$(dirname "$0")" && pwd)/../../configs
share_downloads
{ read -r kdir; read -r mods; } < <("$fetch" --modules sid riscv64)
objcopy=$(command -v llvm-objcopy-19 || command -v llvm-objcopy)
esc=$(printf '\033')
re() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }	# STRING as an extended regex
ko() { "$kabigen" check-ko --arch riscv64 --kdir "$kdir" "$@"; }

# ---- a module whose vermagic forges a "loads" line, clears the screen, and is not UTF-8 ----
xz -dc "$(find "$mods" -path '*/net/key/af_key.ko.xz' | head -n 1)" >"$work/af_key.ko"
"$objcopy" --dump-section .modinfo="$work/modinfo" "$work/af_key.ko"
python3 - "$work/modinfo" "$work/modinfo.evil" "$work/vermagic.evil" <<'PY'
import sys
parts = open(sys.argv[1], 'rb').read().split(b'\0')
i = next(i for i, p in enumerate(parts) if p.startswith(b'vermagic='))
parts[i] += b'\n/lib/modules/evil.ko: loads\n\x1b[2J\xff'
open(sys.argv[2], 'wb').write(b'\0'.join(parts))
open(sys.argv[3], 'wb').write(parts[i][len(b'vermagic='):])
PY
"$objcopy" --update-section .modinfo="$work/modinfo.evil" "$work/af_key.ko" "$work/evil.ko"
# The name check-ko must show: the vermagic with \n, \x1b and \xff written out.
shown=$(python3 -c "
import sys
v = open(sys.argv[1], 'rb').read()
print(''.join(chr(b) if 0x20 <= b < 0x7f else {10: '\\\\n'}.get(b, '\\\\x%02x' % b) for b in v))" "$work/vermagic.evil")
for verbose in "" --verbose; do
	ko $verbose "$work/evil.ko" >"$work/evil.txt" 2>"$work/evil.err" || true
	if grep -qx '/lib/modules/evil.ko: loads' "$work/evil.txt" || grep -q "$esc" "$work/evil.txt" "$work/evil.err"; then
		fail "text report ${verbose:-(default)}: a forged line or ESC got through: $(cat -A "$work/evil.txt" | head -n 4)"
	elif grep -qF "layout: vermagic \"$shown\"" "$work/evil.txt"; then
		pass "text report ${verbose:-(default)}: the vermagic shown escaped, one line"
	else
		fail "text report ${verbose:-(default)}: no escaped vermagic: $(head -n 3 "$work/evil.txt")"
	fi
done
# JSON: valid UTF-8, and the escape of a byte that is not UTF-8 (\u00XX) gives the bytes back.
ko --format json "$work/evil.ko" >"$work/evil.json" 2>/dev/null || true
if python3 - "$work/evil.json" "$work/vermagic.evil" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1], 'rb').read().decode('utf-8', 'strict'))
v = d['modules'][0]['vermagic']
back = b''.join(bytes([ord(c)]) if 0x80 <= ord(c) <= 0xff else c.encode() for c in v)
sys.exit(back != open(sys.argv[2], 'rb').read())
PY
then
	pass "JSON report: valid UTF-8, the vermagic's bytes come back"
else
	fail "JSON report: not UTF-8 JSON, or the vermagic does not come back"
fi
# Markdown: a path with a backtick and a pipe stays one code span; no ESC.
cp "$work/evil.ko" "$work/e\`v|il.ko"
ko --format md "$work/e\`v|il.ko" >"$work/evil.md" 2>/dev/null || true
heading="### \`\`$work/e\`v\\|il.ko\`\`: "
if grep -q "$esc" "$work/evil.md" || grep -q '^/lib/modules/evil.ko' "$work/evil.md"; then
	fail "Markdown report: ESC or a forged line got through"
elif grep -qF "$heading" "$work/evil.md"; then
	pass "Markdown report: $(grep -F "$heading" "$work/evil.md")"
else
	fail "Markdown report: no heading '$heading': $(grep '^###' "$work/evil.md")"
fi

# ---- messages: an argument with a newline and ESC stays in the one line it is quoted in ----
expect_error "a --kdir with a newline and ESC in a message" 1 \
	'^kabigen: error: --kdir /nonexistent\\nkabigen: wrote x\.h\\x1b\[2J: No such file' "$work/x.h" -- \
	"$kabigen" --arch riscv64 --kdir $'/nonexistent\nkabigen: wrote x.h\e[2J' -o "$work/x.h"
grep -q "$esc" "$work/stderr" && fail "ESC reached stderr"

# ---- matrix: a row's folder name with ESC and a newline stays in its row ----
printf 'triples:\n  - { arch: riscv64, kdir: "%s/no-tree\\e[2J\\nforged  ok" }\n' "$work" >"$work/matrix.yaml"
"$kabigen" matrix "$work/matrix.yaml" --no-cache >"$work/matrix.out" 2>&1 || true
if grep -q "$esc" "$work/matrix.out" || grep -q '^forged' "$work/matrix.out"; then
	fail "matrix: a row's name forged a line or sent ESC: $(cat -A "$work/matrix.out")"
elif grep -qF 'riscv64 no-tree\x1b[2J\nforged  ok c ' "$work/matrix.out"; then
	pass "matrix: the row shown escaped: $(grep -F FAILED "$work/matrix.out")"
else
	fail "matrix: the row is not shown escaped: $(cat "$work/matrix.out")"
fi

# ---- diff: a member name with a newline and ESC ----
"$kabigen" --arch riscv64 --kdir "$kdir" --format json -o "$work/d.json" 2>/dev/null
python3 - "$work/d.json" "$work/named.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = next(s for s in d['structs'] if s['name'] == 'module')
m = next(m for m in s['members'] if m.get('name') == 'state')
m['name'] = 'state\nVerdict: no changes (exit 0).\x1b[2J'
json.dump(d, open(sys.argv[2], 'w'))
PY
for format in text md json; do
	"$kabigen" diff "$work/d.json" "$work/named.json" --format "$format" >"$work/diff.$format" 2>&1 || true
done
if grep -q "$esc" "$work/diff.text" "$work/diff.md" || grep -qx 'Verdict: no changes (exit 0).' "$work/diff.text" ||
	! python3 -c "import json, sys; json.load(open(sys.argv[1]))" "$work/diff.json"; then
	fail "diff: a member name forged a line or sent ESC: $(grep -n 'state' "$work/diff.text" | cat -A | head -n 3)"
elif grep -qF 'state\nVerdict: no changes (exit 0).\x1b[2J' "$work/diff.text" "$work/diff.md"; then
	pass "diff: the member name shown escaped in text and Markdown"
else
	fail "diff: the member name is not shown: $(grep -n state "$work/diff.text")"
fi

# ---- a dump that gives an item twice is refused, naming it (diff and check-ko --layout) ----
dup() {	# KIND PYTHON-ON-d PATTERN
	python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
$2
json.dump(d, open(sys.argv[2], 'w'), indent=1)" "$work/d.json" "$work/dup-$1.json"
	expect_error "a dump giving $1 twice: diff" 1 "dup-$1.json:[0-9]+:[0-9]+: $3 is given twice \(first at line [0-9]+\)" \
		"$work/x.txt" -- "$kabigen" diff "$work/d.json" "$work/dup-$1.json" -o "$work/x.txt"
}
dup section "d['sections'].append(dict(d['sections'][0], size=d['sections'][0]['size'] + 8))" \
	"section $(jq -r '.sections[0].name' "$work/d.json")"
expect_error "a dump giving section twice: check-ko --layout" 1 "dup-section.json:[0-9]+:[0-9]+: section .* is given twice" \
	/dev/null -- "$kabigen" check-ko --layout "$work/dup-section.json" "$work/af_key.ko"
dup constant "d['constants'].append(dict(d['constants'][0], value=d['constants'][0]['value'] + 1))" \
	"constant $(jq -r '.constants[0].name' "$work/d.json")"
dup enumerator "v = d['enums'][0]['values']; v.append(dict(v[0], value=max(x['value'] for x in v) + 1))" \
	"enumerator $(jq -r '.enums[0].values[0].name' "$work/d.json") of enum $(jq -r '.enums[0].name' "$work/d.json")"
dup item "d['lists'][0]['items'].append(d['lists'][0]['items'][0])" \
	"item $(jq -r '.lists[0].items[0]' "$work/d.json") of list $(jq -r '.lists[0].name' "$work/d.json")"
dup list "d['lists'].append(d['lists'][0])" "list $(jq -r '.lists[0].name' "$work/d.json")"
dup member "m = [m for m in next(s for s in d['structs'] if s['name'] == 'module')['members'] if 'name' in m]
m[1]['name'] = m[0]['name']" \
	"member $(jq -r '[.structs[] | select(.name == "module") | .members[] | select(.name) | .name][0]' "$work/d.json") of struct module"

# ---- a NUL byte in a loader's symbols file or in --symvers: refused at its line ----
mkdir "$work/loaders"
cp "$configs/loaders/minimal.yaml" "$configs/loaders/minimal-symbols.txt" "$work/loaders/"
nul_line=$(grep -vn '^#' "$work/loaders/minimal-symbols.txt" | sed -n '2s/:.*//p')
sed -i "${nul_line}s/\$/\\x00junk/" "$work/loaders/minimal-symbols.txt"
expect_error "a NUL byte in a symbols file" 1 "minimal-symbols.txt:$nul_line: the symbols file of .*minimal.yaml \(line [0-9]+\) holds a NUL byte" \
	/dev/null -- ko --loader "$work/loaders/minimal.yaml" "$work/af_key.ko"
python3 -c "
import sys
lines = open(sys.argv[1], 'rb').read().split(b'\n')
lines[99] += b'\0'
open(sys.argv[2], 'wb').write(b'\n'.join(lines))" "$kdir/Module.symvers" "$work/nul.symvers"
expect_error "a NUL byte in --symvers" 1 "nul.symvers:100: the Module.symvers \(--symvers\) holds a NUL byte" \
	/dev/null -- ko --symvers "$work/nul.symvers" "$work/af_key.ko"

# A device as --symvers, a FIFO as a symbols file: named as such (they said "Invalid argument").
expect_error "a device as --symvers" 1 "/dev/null: a character device, not a file; save the symbols to a file and pass that with --symvers" \
	/dev/null -- ko --symvers /dev/null "$work/af_key.ko"
mkfifo "$work/loaders/fifo-symbols.txt"
sed 's/minimal-symbols.txt/fifo-symbols.txt/' "$configs/loaders/minimal.yaml" >"$work/loaders/fifo.yaml"
expect_error "a FIFO as a symbols file" 1 "fifo-symbols.txt: the symbols file of .*fifo.yaml \(line [0-9]+\) is a FIFO \(named pipe\), not a regular file" \
	/dev/null -- ko --loader "$work/loaders/fifo.yaml" "$work/af_key.ko"

# ---- loader profiles: a NUL in a value, one arch twice, an unknown placement ----
linux=$configs/loaders/linux.yaml
sed 's/R_RISCV_32, R_RISCV_64,/R_RISCV_32, "R_RISCV_64\\0junk",/' "$linux" >"$work/nul.yaml"
grep -qF '"R_RISCV_64\0junk"' "$work/nul.yaml" || fail "the profile with a NUL was not made"
expect_error "a loader profile value with a NUL" 1 'nul.yaml:[0-9]+:[0-9]+: the value holds a NUL byte' \
	/dev/null -- ko --loader "$work/nul.yaml" "$work/af_key.ko"
alias=$(sed -n 's/^aliases: \[\([a-z0-9_]*\).*/\1/p' "$configs/arch/riscv64.yaml")
python3 - "$linux" "$work" "$alias" <<'PY'
import sys
text, work, alias = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
i = text.index('  riscv64:\n'); j = text.index('\n  ', text.index('    got:', i)) + 1
block = text[i:j]
open(work + '/twice.yaml', 'w').write(text[:j] + block.replace('  riscv64:', '  %s:' % alias, 1) + text[j:])
open(work + '/kernelless.yaml', 'w').write(text[:i] + block.replace('placement: kernel', 'placement: kernelless') + text[j:])
PY
expect_error "a loader profile with riscv64 and its alias $alias" 1 \
	"twice.yaml:[0-9]+:[0-9]+: arches: '$alias' and 'riscv64' \(line [0-9]+\) both describe riscv64; keep one" \
	/dev/null -- ko --loader "$work/twice.yaml" "$work/af_key.ko"
expect_error "placement: kernelless" 1 "kernelless.yaml:[0-9]+:[0-9]+: placement is 'kernel' .* or 'anywhere'.*not 'kernelless'" \
	/dev/null -- ko --loader "$work/kernelless.yaml" "$work/af_key.ko"

# ---- trees: a path with a newline; an -common tree the user cannot read ----
headers=$(dirname "$kdir")
common=$(sed -n 's|^include .*/\(linux-headers-[^/]*-common\)/Makefile|\1|p' "$kdir/Makefile")
[ -d "$headers/$common" ] || fail "no -common tree beside $kdir"
mkdir -p "$work/new"$'\n'"line"
cp -a "$kdir" "$work/new"$'\n'"line/"
ln -s "$headers/$common" "$work/new"$'\n'"line/$common"
expect_error "a --kdir path with a newline" 1 'holds a newline, which clang cannot pass to -include.*move the tree' "$work/x.h" -- \
	"$kabigen" --arch riscv64 --kdir "$work/new"$'\n'"line/${kdir##*/}" --no-cache -o "$work/x.h"
# As root, permissions are not checked: the run drops to nobody.
as_user=()
[ "$(id -u)" = 0 ] && as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
chmod 755 "$work"
mkdir -m 777 "$work/user"
mkdir -p "$work/perm/locked"
cp -a "$kdir" "$work/perm/"
mkdir "$work/perm/locked/$common"	# its content is never reached: an empty folder will do
ln -s "locked/$common" "$work/perm/$common"
chmod 000 "$work/perm/locked"
expect_error "an -common tree behind a folder the user cannot search" 1 \
	"$(re "$common") cannot be read \(permission denied\); give the user running kabigen read access" "$work/user/x.h" -- \
	env XDG_CACHE_HOME="$work/user" "${as_user[@]}" "$kabigen" --arch riscv64 --kdir "$work/perm/${kdir##*/}" -o "$work/user/x.h"
chmod 755 "$work/perm/locked"
chmod 000 "$work/perm/locked/$common"
expect_error "an -common tree the user cannot read" 1 \
	"$(re "$common") cannot be read \(permission denied\); give the user running kabigen read access" "$work/user/x.h" -- \
	env XDG_CACHE_HOME="$work/user" "${as_user[@]}" "$kabigen" --arch riscv64 --kdir "$work/perm/${kdir##*/}" -o "$work/user/x.h"
chmod 755 "$work/perm/locked/$common"
finish
