#!/usr/bin/env bash
# crate-errors.sh: 'kabigen crate' refuses a bad invocation or output folder with one line,
# before fetching or parsing anything, and writes nothing: no -o, lists and a file together,
# an empty list item, a bad version or package name, a word that is not a boolean, an extra
# argument, a file as -o, and a folder it did not write (whose files stay as they were).
# usage: crate-errors.sh KABIGEN
. "$(dirname "$0")/../cli/lib.sh"
kabigen=$1
export KABIGEN_TRACE=
out=$work/out/kabi
mkdir -p "$work/out"
expect_error "no -o" 2 "-o DIR is required" "$out" -- "$kabigen" crate --arch riscv64 --kver 7.2
expect_error "no --kver" 2 "give --arch and --kver" "$out" -- "$kabigen" crate --arch riscv64 -o "$out"
expect_error "lists and a file" 2 "not both" "$out" -- "$kabigen" crate t.yaml --arch riscv64 -o "$out"
expect_error "an empty item" 2 "--arch 'riscv64,': an empty item" "$out" -- "$kabigen" crate --arch riscv64, --kver 7.2 -o "$out"
expect_error "a bad version" 2 "--kver '7.2;x'" "$out" -- "$kabigen" crate --arch riscv64 --kver '7.2;x' -o "$out"
expect_error "a bad name" 2 "--name 'Kabi'" "$out" -- "$kabigen" crate --arch riscv64 --kver 7.2 --name Kabi -o "$out"
expect_error "two files" 2 "unexpected argument 'b.yaml'" "$out" -- "$kabigen" crate a.yaml b.yaml -o "$out"
expect_error "another command's option" 2 "--loader goes with 'kabigen check-ko'" "$out" -- "$kabigen" crate --loader linux -o "$out"
echo text >"$work/out/file"
expect_error "a file as -o" 1 "a file, not a folder" "$work/out/file" -- "$kabigen" crate --arch riscv64 --kver 7.2 -o "$work/out/file"
mkdir "$work/out/mine" && echo keep >"$work/out/mine/Cargo.toml"
expect_error "a folder it did not write" 1 "did not write" "$work/out/mine/Cargo.toml" \
	-- "$kabigen" crate --arch riscv64 --kver 7.2 --offline -o "$work/out/mine"
[ "$(cat "$work/out/mine/Cargo.toml")" = keep ] && pass "its Cargo.toml is untouched" || fail "the folder was changed"
[ ! -e "$out" ] && [ -z "$(ls "$work/out" | grep -v -e '^file$' -e '^mine$')" ] && pass "nothing was written" ||
	fail "written: $(ls -a "$work/out")"
[ ! -d "$XDG_CACHE_HOME/kabigen/trees" ] && pass "nothing was fetched" || fail "something was fetched"
# A row's boolean follows kabigen's one rule (true or yes, false or no): another word is
# refused, naming its line (it read as false).
printf 'triples:\n  - { arch: riscv64, kdir: "%s", offline: maybe }\n' "$work/none" >"$work/maybe.yaml"
expect_error "'offline: maybe'" 1 "maybe.yaml:2:[0-9]+: offline must be true or false \\(or yes or no\\), not 'maybe'" \
	"$out" -- "$kabigen" crate "$work/maybe.yaml" -o "$out"
finish
