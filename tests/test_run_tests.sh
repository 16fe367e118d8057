#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The test runner itself (tests/run-tests.sh, tests/lib/run-one.sh), on a
# tree of made-up tests: cmocka programs that pass and skip cases, a
# program that dies before its summary, scripts that pass, fail and skip
# (exit 77, with a "SKIP: " line or without). What is counted where:
# skipped tests are neither passed nor failed, each is listed with its
# reason before the last line, and the last line is exactly "N passed, N
# failed".
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-run-tests.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$T/tree/tests/lib" "$T/tree/b/tests"
cp "$ROOT/tests/run-tests.sh" "$T/tree/tests/"
cp "$ROOT/tests/lib/run-one.sh" "$T/tree/tests/lib/"

# A cmocka program is whatever prints cmocka's summary.
prog() { # name body
	printf '#!/bin/sh\n%s\n' "$2" >"$T/tree/b/tests/$1"
	chmod +x "$T/tree/b/tests/$1"
}
prog test_cm_pass 'echo "[  PASSED  ] 3 test(s)."'
prog test_cm_skip 'echo "SKIP: no widget here"
echo "[  PASSED  ] 2 test(s)."
echo "[  SKIPPED ] 1 test(s), listed below:"
echo "[  SKIPPED ] test_widget"'
prog test_cm_crash 'echo "[ RUN      ] test_a"; kill -SEGV $$'
script() { # name body
	printf '#!/bin/sh\n%s\n' "$2" >"$T/tree/tests/$1.sh"
}
script test_s_pass 'exit 0'
script test_s_skip 'echo "SKIP: no gadget at /nowhere"; exit 77'
script test_s_fail 'echo "FAIL: broke"; exit 1'
script test_s_mute 'exit 77'

KHO_TEST_JOBS=2 sh "$T/tree/tests/run-tests.sh" "$T/tree/b" >"$T/out" 2>&1 &&
	fail "the runner exited 0 with failed tests"
last=$(tail -n 1 "$T/out")
# 3 + 2 cmocka cases, one passing script; the crash and the failing script.
[ "$last" = "6 passed, 2 failed" ] || fail "last line \"$last\": $(cat "$T/out")"
grep -q "^3 skipped, for want of what this machine lacks:$" "$T/out" ||
	fail "no count of the skipped: $(cat "$T/out")"
grep -q "^    $T/tree/b/tests/test_cm_skip: no widget here$" "$T/out" ||
	fail "the cmocka skip's reason is not listed: $(cat "$T/out")"
grep -q "^    tests/test_s_skip.sh: no gadget at /nowhere$" "$T/out" ||
	fail "the script skip's reason is not listed: $(cat "$T/out")"
grep -q "^    tests/test_s_mute.sh: (no reason given)$" "$T/out" ||
	fail "a skip without a reason is not listed: $(cat "$T/out")"
grep -q "^SKIP tests/test_s_skip.sh, [0-9.]*s: no gadget at /nowhere$" "$T/out" ||
	fail "no SKIP line for the script: $(cat "$T/out")"
grep -q "^PASS $T/tree/b/tests/test_cm_skip: 2 passed, 0 failed, 1 skipped," "$T/out" ||
	fail "no PASS line with its skip: $(cat "$T/out")"
grep -q "^FAIL $T/tree/b/tests/test_cm_crash: 0 passed, 1 failed, .*no cmocka summary" "$T/out" ||
	fail "the crash is not a failure: $(cat "$T/out")"

# Nothing failed: exit 0, and the skipped still listed.
rm "$T/tree/b/tests/test_cm_crash" "$T/tree/tests/test_s_fail.sh"
KHO_TEST_JOBS=1 sh "$T/tree/tests/run-tests.sh" "$T/tree/b" >"$T/out" 2>&1 ||
	fail "the runner failed with nothing failed: $(cat "$T/out")"
[ "$(tail -n 1 "$T/out")" = "6 passed, 0 failed" ] || fail "$(cat "$T/out")"
grep -q "^3 skipped" "$T/out" || fail "skips not listed: $(cat "$T/out")"
echo "runner: passed, failed and skipped counted apart; reasons listed"
