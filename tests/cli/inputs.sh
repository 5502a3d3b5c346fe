#!/usr/bin/env bash
# inputs.sh: every input is read whole and checked: NUL bytes, duplicate keys, nesting depth,
# impossible layout dumps, special files, a .config of 100k symbols in linear time, and a
# --kver that names one flavour with --flavour naming another.
# usage: inputs.sh KABIGEN
. "$(dirname "$0")/lib.sh"
kabigen=$(realpath "$1")
kdir=$("$(dirname "$0")/../../scripts/fetch-debian-headers" sid riscv64)
export XDG_CACHE_HOME=$work/cache
configs=$(dirname "$0")/../../configs
run() { "$kabigen" --arch riscv64 --kdir "$kdir" --no-cache "$@"; }

# A .config cut by a NUL (crash damage) is refused, not read up to the NUL.
{ head -n 400 "$kdir/.config"; printf '\0'; tail -n +401 "$kdir/.config"; } >"$work/nul.config"
expect_error "a .config with a NUL byte" 1 "nul.config:[0-9]+: the .config holds a NUL byte" "$work/x.h" -- \
	run --kconfig "$work/nul.config" -o "$work/x.h"

# A key given twice in a YAML file is an error, not "the first wins".
{ cat "$configs/sets/loader.yaml"; echo "name: other"; } >"$work/dup.yaml"
expect_error "a YAML key given twice" 1 "dup.yaml:[0-9]+:[0-9]+: the key 'name' is given twice" "$work/x.h" -- \
	run --set-file "$work/dup.yaml" -o "$work/x.h"

# Deep nesting is refused before it can exhaust the stack.
run --format json -o "$work/good.json" 2>/dev/null
python3 -c "print('[' * 200000 + ']' * 200000)" >"$work/deep.json"
expect_error "JSON nested 200000 deep" 1 "deep.json:[0-9]+:[0-9]+: nested more than [0-9]+ levels" "$work/x.txt" -- \
	"$kabigen" diff "$work/deep.json" "$work/good.json" -o "$work/x.txt"
python3 -c "
import sys
sys.stdout.write('name: x\nstructs:\n' + ''.join('  ' * i + '- a:\n' for i in range(1, 3000)))" >"$work/deep.yaml"
expect_error "YAML nested 3000 deep" 1 "deep.yaml:[0-9]+:[0-9]+: nested more than [0-9]+ levels" "$work/x.h" -- \
	run --set-file "$work/deep.yaml" -o "$work/x.h"

# A layout dump with impossible values is refused by diff (each made from the good dump).
damage() {	# NAME PYTHON-STATEMENT-ON-d PATTERN
	python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
s = next(s for s in d['structs'] if s['name'] == 'module')
m = s['members'][-1]
e = d['enums'][0]
$2
json.dump(d, open(sys.argv[2], 'w'))" "$work/good.json" "$work/bad.json"
	expect_error "a dump with $1" 1 "$3" "$work/x.txt" -- "$kabigen" diff "$work/good.json" "$work/bad.json" -o "$work/x.txt"
}
damage "a member beyond its struct" "m['offset_bits'] = s['size'] * 8 + 64" "lies beyond its record"
damage "a size that wraps" "s['size'] = 2**64 - 1" "impossible|larger than any"
damage "a negative array count" "
for m in s['members']:
    if m['ctype']['kind'] == 'array':
        m['ctype']['count'] = -7
        break
else:
    raise SystemExit('no array member in struct module')" "count -7 is negative"
damage "an enum value out of its type" "e['values'][0]['value'] = 2**40 if e['type']['size'] == 4 else 2**62" "does not fit its"
damage "a huge array count" "
for m in s['members']:
    if m['ctype']['kind'] == 'array' and m['ctype']['count'] > 0:
        m['ctype']['count'] = 2**62
        break
else:
    raise SystemExit('no array member in struct module')" "elements of .* bytes does not fit its size"
damage "a huge count of members" "s['members'] = [dict(m, name='%s_%d' % (m['name'], i)) if 'name' in m else m
                for i in range(4000) for m in s['members']]" "cannot be laid out as the dump says"
# A key given twice is an error in every YAML file kabigen reads, not only a set: here a
# suppression file of diff.
printf 'suppress:\n  - struct: module\n    struct: kernel_param\n' >"$work/dup-suppress.yaml"
expect_error "a key given twice in a suppression file" 1 "dup-suppress.yaml:[0-9]+:[0-9]+: the key 'struct' is given twice" \
	"$work/x.txt" -- "$kabigen" diff "$work/good.json" "$work/good.json" --suppress "$work/dup-suppress.yaml" -o "$work/x.txt"

# Special files: a FIFO or a device where a file is expected is refused at once.
mkfifo "$work/fifo.config"
ln -s /dev/zero "$work/zero.yaml"
expect_error "a FIFO as --kconfig" 1 "fifo.config: the .config is a FIFO \(named pipe\), not a regular file" "$work/x.h" -- \
	timeout 20 "$kabigen" --arch riscv64 --kdir "$kdir" --no-cache --kconfig "$work/fifo.config" -o "$work/x.h"
expect_error "a link to /dev/zero as --set-file" 1 "zero.yaml: the YAML file is a character device, not a regular file" "$work/x.h" -- \
	timeout 20 "$kabigen" --arch riscv64 --kdir "$kdir" --no-cache --set-file "$work/zero.yaml" -o "$work/x.h"
# ... also among a tree's files that a build writes, which libclang would read for ever.
tree=$work/tree/${kdir##*/}
mkdir -p "$work/tree"
cp -a "$(dirname "$kdir")"/. "$work/tree/"
rm "$tree/include/generated/utsrelease.h"
ln -s /dev/zero "$tree/include/generated/utsrelease.h"
expect_error "a tree's generated header linked to /dev/zero" 1 "utsrelease.h is a character device where a header should be; the tree is damaged" \
	"$work/x.h" -- timeout 60 "$kabigen" --arch riscv64 --kdir "$tree" --no-cache -o "$work/x.h"
rm "$tree/include/generated/utsrelease.h"
mkfifo "$tree/include/generated/utsrelease.h"
expect_error "a tree's generated header that is a FIFO" 1 "utsrelease.h is a FIFO \(named pipe\) where a header should be; the tree is damaged" \
	"$work/x.h" -- timeout 60 "$kabigen" --arch riscv64 --kdir "$tree" --no-cache -o "$work/x.h"

# A .config of 100k symbols: linear in its size (it took 50 s when each line searched all the others).
{ cat "$kdir/.config"; for ((i = 0; i < 100000; i++)); do echo "CONFIG_KABIGEN_TEST_$i=y"; done; } >"$work/big.config"
start=$(date +%s)
if timeout 60 "$kabigen" --arch riscv64 --kdir "$kdir" --no-cache --kconfig "$work/big.config" -o "$work/big.h" 2>"$work/log"; then
	pass "a .config of 100k symbols in $(($(date +%s) - start)) s"
else
	fail "a .config of 100k symbols: $(cat "$work/log") (after $(($(date +%s) - start)) s; limit 60)"
fi

# --kver that names the generic flavour, with --flavour rt: refused before any download.
expect_error "--kver of one flavour with --flavour of another" 2 \
	"--kver 7.2.13\+deb14-amd64 is the generic flavour, but --flavour rt asks for another" "$work/x.h" -- \
	"$kabigen" --arch amd64 --kver 7.2.13+deb14-amd64 --flavour rt --offline -o "$work/x.h"
finish
