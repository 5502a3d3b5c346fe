# lib.sh: helpers for kabigen's command-line tests (sourced).
set -euo pipefail
failures=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The Debian packages stay in the tests' shared package cache (scripts/fetch-debian-headers);
# kabigen's own cache is this test's alone, so that no run is served by another test's.
export KABIGEN_TEST_CACHE=${KABIGEN_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kabigen-tests}
export XDG_CACHE_HOME=$work/xdg

# share_downloads: what --kver downloads (the archive's indexes and the extracted trees) is
# shared by the tests that fetch (links into $KABIGEN_TEST_CACHE/xdg), so a package is
# fetched once; kabigen's results, models and precompiled heads stay this test's own.
share_downloads() {
	local shared=$KABIGEN_TEST_CACHE/xdg/kabigen
	mkdir -p "$shared/apt" "$shared/trees" "$XDG_CACHE_HOME/kabigen"
	ln -sfn "$shared/apt" "$XDG_CACHE_HOME/kabigen/apt"
	ln -sfn "$shared/trees" "$XDG_CACHE_HOME/kabigen/trees"
	# scripts/fetch-debian-headers updates its index on every call; kabigen would use the
	# shared one for hours (KABIGEN_INDEX_MAX_AGE) and miss a release published since, which
	# the fetch found. Marked old here, the test's first --kver updates it (--offline still
	# reads it).
	find "$shared/apt" -name updated -exec touch -d '1 day ago' {} +
}
# A command failing outside a check stops the script (set -e): say which.
trap 'echo "FAIL: ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND"' ERR

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# expect_error NAME CODE PATTERN OUTPUT -- COMMAND...
# COMMAND must exit with CODE, print exactly one line on stderr matching PATTERN (grep -E),
# and leave OUTPUT as it was (absent, or with the same bytes) with no temporary file beside it.
expect_error() {
	local name=$1 code=$2 pattern=$3 output=$4 before=absent rc=0 after=absent
	shift 5
	[ -f "$output" ] && before=$(sha256sum <"$output")
	"$@" >"$work/stdout" 2>"$work/stderr" || rc=$?
	[ -f "$output" ] && after=$(sha256sum <"$output")
	if [ "$rc" != "$code" ]; then
		fail "$name: exit $rc, expected $code; stderr: $(cat "$work/stderr")"
	elif [ "$(wc -l <"$work/stderr")" != 1 ]; then
		fail "$name: expected one line on stderr, got: $(cat "$work/stderr")"
	elif ! grep -qE -- "$pattern" "$work/stderr"; then
		fail "$name: message does not match '$pattern': $(cat "$work/stderr")"
	elif [ "$before" != "$after" ]; then
		fail "$name: $output was changed"
	elif [ -d "$(dirname "$output")" ] && [ "$(dirname "$output")" != /dev ] &&
		[ "$(ls -a "$(dirname "$output")" | grep -c '^\..*\.[A-Za-z0-9]\{6\}$')" -gt 0 ]; then
		fail "$name: a temporary file was left beside $output"
	else
		pass "$name: $(cat "$work/stderr")"
	fi
}

finish() {
	echo "$failures failed"
	[ "$failures" = 0 ]
}
