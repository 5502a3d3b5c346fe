#!/usr/bin/env bash
# deb.sh: scripts/build-deb builds the Debian package from the checkout (dpkg-buildpackage
# -us -uc -b, its network-free tests included) and lintian reports no error; the package
# holds the program, its engine and configs, the completion, the man page and the CMake
# package config, and the extracted program runs from where it was unpacked.
# usage: deb.sh SOURCE_DIR
. "$(dirname "$0")/../cli/lib.sh"
src=$1
version=$(sed -n 's/^project(kabigen VERSION \([0-9.]*\) .*/\1/p' "$src/CMakeLists.txt")
start=$(date +%s)
if DEB_BUILD_OPTIONS=parallel=$(nproc) "$src/scripts/build-deb" "$work/deb" >"$work/log" 2>&1; then
	pass "scripts/build-deb in $(($(date +%s) - start)) s: $(grep -c '^[EWIN]: kabigen' "$work/deb/lintian.txt") lintian tags, no error"
else
	fail "scripts/build-deb: $(tail -n 30 "$work/log")"
fi
deb=$work/deb/kabigen_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] && pass "$(basename "$deb") (the project's version $version)" || fail "no $deb: $(ls "$work/deb")"
head -n 1 "$src/debian/changelog" | grep -qF "kabigen ($version)" && pass "debian/changelog is at $version" ||
	fail "debian/changelog's version is not the project's $version: $(head -n 1 "$src/debian/changelog")"
dpkg-deb -c "$deb" | awk '{ print $6 }' >"$work/files"
for f in usr/bin/kabigen usr/lib/kabigen/libkabigen-engine.so usr/share/kabigen/configs/archive.yaml \
	usr/share/bash-completion/completions/kabigen usr/share/man/man1/kabigen.1.gz \
	usr/share/kabigen/cmake/KabigenConfig.cmake usr/share/kabigen/cmake/KabigenConfigVersion.cmake \
	usr/share/kabigen/cmake/Kabigen.cmake; do
	grep -qxF "./$f" "$work/files" && pass "the package holds /$f" || fail "the package lacks /$f"
done
dpkg-deb -x "$deb" "$work/root"
[ "$("$work/root/usr/bin/kabigen" --version)" = "kabigen $version" ] &&
	pass "the unpacked kabigen runs: $("$work/root/usr/bin/kabigen" --version)" ||
	fail "the unpacked kabigen --version: $("$work/root/usr/bin/kabigen" --version 2>&1)"
finish
