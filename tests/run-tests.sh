#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Run the test suite and count what passed.
#
# Usage: sh tests/run-tests.sh BUILDDIR [BUILDDIR...]
#
# Runs every BUILDDIR/tests/test_* program of each build directory that
# exists (a variant such as build/tsan holds only some of them), then every
# tests/test_*.sh script once, with KHO=<first BUILDDIR>/kho and
# BUILD=<first BUILDDIR> in its environment. A cmocka program counts its test
# cases from its summary ("[  PASSED  ] N test(s)." / "[  FAILED  ] N
# test(s)"); a program that crashes, times out or exits non-zero without a
# failed case counts one failure more. A script counts as one test. One line
# per program, the output of those that failed, and last, exactly:
#   N passed, N failed
# The exit status is non-zero when anything failed.

[ $# -ge 1 ] || { echo "usage: sh tests/run-tests.sh BUILDDIR [BUILDDIR...]" >&2; exit 2; }

# Run from the top of the tree; build directories named relative to where
# we were called from keep working.
orig=$(pwd)
root=$(cd "$(dirname "$0")/.." && pwd) || exit 2
if [ "$orig" != "$root" ]; then
	for dir in "$@"; do
		case $dir in
		/*) set -- "$@" "$dir" ;;
		*) set -- "$@" "$orig/$dir" ;;
		esac
		shift
	done
fi
cd "$root" || exit 2

# cmocka's plain output, on stdout (its summary goes to stderr: both kept).
CMOCKA_MESSAGE_OUTPUT=stdout
export CMOCKA_MESSAGE_OUTPUT
# One program may not hang the suite.
TIMEOUT=${KHO_TEST_TIMEOUT:-900}
if command -v timeout >/dev/null 2>&1; then
	run_limited() { timeout -k 10 "$TIMEOUT" "$@"; }
else
	run_limited() { "$@"; }
fi

total_pass=0
total_fail=0
out=$(mktemp "${TMPDIR:-/tmp}/kho-test.XXXXXX") || exit 2
trap 'rm -f "$out"' EXIT INT TERM

now() { date +%s.%N 2>/dev/null || date +%s; }

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# Show what a failed program printed, indented, at most 200 lines.
show_output() {
	if [ "$(wc -l <"$out")" -gt 200 ]; then
		echo "    ... (last 200 lines)"
	fi
	tail -n 200 "$out" | sed 's/^/    | /'
}

# Sum the counts of every "[  PASSED  ] N test(s)" / "[  FAILED  ] N test(s)"
# (a program may run several groups). The summary can share a line with
# other output, so match anywhere in a line.
count() {
	grep -o "\[  $1  \] [0-9][0-9]* test(s)" "$out" |
		awk '{ n += $(NF - 1) } END { print n + 0 }'
}

run_program() {
	prog=$1
	start=$(now)
	run_limited "$prog" >"$out" 2>&1
	rc=$?
	t=$(elapsed "$start" "$(now)")
	pass=$(count PASSED)
	fail=$(count FAILED)
	summary=$(grep -e "\[  PASSED  \] [0-9]" -e "\[  FAILED  \] [0-9]" "$out")
	note=
	if [ -z "$summary" ]; then
		# Not a cmocka program, or it died before its summary.
		if [ "$rc" -eq 0 ]; then
			pass=1
		else
			fail=1
			note=" (exit status $rc, no cmocka summary)"
		fi
	elif [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		fail=1
		note=" (exit status $rc after all cases passed)"
	fi
	[ "$rc" -eq 124 ] && note=" (timed out after ${TIMEOUT}s)"
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	if [ "$fail" -eq 0 ]; then
		echo "PASS $prog: $pass passed, 0 failed, ${t}s"
	else
		echo "FAIL $prog: $pass passed, $fail failed, ${t}s$note"
		show_output
	fi
}

run_script() {
	script=$1
	start=$(now)
	KHO=$first/kho BUILD=$first run_limited sh "$script" >"$out" 2>&1
	rc=$?
	t=$(elapsed "$start" "$(now)")
	if [ "$rc" -eq 0 ]; then
		total_pass=$((total_pass + 1))
		echo "PASS $script: 1 passed, 0 failed, ${t}s"
	else
		total_fail=$((total_fail + 1))
		echo "FAIL $script: 0 passed, 1 failed, ${t}s (exit status $rc)"
		show_output
	fi
}

first=$1
for dir in "$@"; do
	[ -d "$dir" ] || continue
	for prog in "$dir"/tests/test_*; do
		case ${prog##*/} in
		*.*) continue ;;	# objects, logs: not programs
		esac
		[ -f "$prog" ] && [ -x "$prog" ] || continue
		run_program "$prog"
	done
done

for script in tests/test_*.sh; do
	[ -f "$script" ] || continue
	run_script "$script"
done

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
