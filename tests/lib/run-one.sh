#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# One job of tests/run-tests.sh, which starts several at once.
#
# Usage: sh tests/lib/run-one.sh WORKDIR "IDX KIND PATH"
#
# KIND is "program" (a test binary) or "script" (a tests/test_*.sh, run
# with KHO=$KHO_TEST_FIRST/kho and BUILD=$KHO_TEST_FIRST). Writes what it
# printed to WORKDIR/IDX.out and "PASSED FAILED SKIPPED" to WORKDIR/IDX.res,
# and prints its one result line, short enough to be written whole among
# the other jobs' lines. A cmocka program counts its test cases from its
# summary ("[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)" /
# "[  SKIPPED ] N test(s)"); a program that crashes, times out or exits
# non-zero without a failed case counts one failure more. A script counts
# as one test; exit status 77 says it had nothing to check here (what it
# needs, a kernel source or a real kernel's capture, is missing), and it
# counts as skipped, with the reason from its "SKIP: " line. Always exits
# 0: the result is in the files.

work=$1
idx=${2%% *}
rest=${2#* }
kind=${rest%% *}
path=${rest#* }
out=$work/$idx.out
timeout=${KHO_TEST_TIMEOUT:-900}

now() { date +%s.%N 2>/dev/null || date +%s; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# One job may not hang the suite.
run_limited() {
	if command -v timeout >/dev/null 2>&1; then
		timeout -k 10 "$timeout" "$@"
	else
		"$@"
	fi
}

# Sum the counts of every "[  PASSED  ] N test(s)" / "[  FAILED  ] N test(s)"
# / "[  SKIPPED ] N test(s)" (a program may run several groups); $1 is the
# word padded as cmocka pads it. The summary can share a line with other
# output, so match anywhere in a line.
count() {
	grep -o "\[  $1\] [0-9][0-9]* test(s)" "$out" |
		awk '{ n += $(NF - 1) } END { print n + 0 }'
}

start=$(now)
note=
skip=0
case $kind in
program)
	run_limited "$path" >"$out" 2>&1
	rc=$?
	pass=$(count "PASSED  ")
	fail=$(count "FAILED  ")
	skip=$(count "SKIPPED ")
	if ! grep -q -e "\[  PASSED  \] [0-9]" -e "\[  FAILED  \] [0-9]" "$out"; then
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
	;;
script)
	KHO=$KHO_TEST_FIRST/kho BUILD=$KHO_TEST_FIRST run_limited sh "$path" \
		>"$out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass=1 fail=0
	elif [ "$rc" -eq 77 ]; then
		pass=0 fail=0 skip=1
		note=": $(sed -n 's/^SKIP: //p' "$out" | head -n 1)"
	else
		pass=0 fail=1
		note=" (exit status $rc)"
	fi
	;;
*)
	echo "run-one.sh: unknown kind of job '$kind'" >"$out"
	rc=2 pass=0 fail=1
	;;
esac
[ "$rc" -eq 124 ] && note=" (timed out after ${timeout}s)"
t=$(elapsed "$start" "$(now)")
echo "$pass $fail $skip" >"$work/$idx.res"
skipped=
[ "$skip" -eq 0 ] || skipped=", $skip skipped"
if [ "$fail" -eq 0 ] && [ "$pass" -eq 0 ] && [ "$skip" -ne 0 ]; then
	echo "SKIP $path, ${t}s$note"
elif [ "$fail" -eq 0 ]; then
	echo "PASS $path: $pass passed, 0 failed$skipped, ${t}s"
else
	echo "FAIL $path: $pass passed, $fail failed, ${t}s$note"
fi
exit 0
