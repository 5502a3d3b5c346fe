#!/usr/bin/env bash
# reproducible.sh: two builds of the same source from two different folders give byte-identical
# kabigen executables and engine libraries (no path of the building machine compiled in).
# usage: reproducible.sh SOURCE_DIR
set -euo pipefail
src=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# One snapshot of the source, copied: both builds see the same files even if SOURCE_DIR changes meanwhile.
mkdir -p "$work/a/src" "$work/bb/another-source-folder"
tar -C "$src" --exclude=./.git --exclude='./build*' --exclude='./obj-*' -cf - . | tar -C "$work/a/src" -xf -
cp -a "$work/a/src/." "$work/bb/another-source-folder/"
for where in a/src bb/another-source-folder; do
	cmake -S "$work/$where" -B "$work/$where/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
		>"$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
	cmake --build "$work/$where/build" -j 2 --target kabigen kabigen_engine >"$work/build.log" 2>&1 ||
		{ cat "$work/build.log"; exit 1; }
done
for f in kabigen libkabigen-engine.so; do
	a=$work/a/src/build/$f b=$work/bb/another-source-folder/build/$f
	if cmp "$a" "$b"; then
		echo "PASS: $f is the same from both folders ($(stat -c %s "$a") bytes, sha256 $(sha256sum <"$a" | cut -c1-16))"
	else
		echo "FAIL: $f differs between builds in $work/a/src and $work/bb/another-source-folder"
		exit 1
	fi
	if strings -a "$a" | grep -F -e "$work" -e "$src"; then
		echo "FAIL: $f holds a build or source path (above)"
		exit 1
	fi
done
