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
# BUILD=<first BUILDDIR> in its environment; tests/lib/run-one.sh runs and
# counts each. KHO_TEST_JOBS of them run at once (default: one per online
# CPU); every test keeps to its own temporary files, so they may. One line
# per program as it ends, then the output of those that failed, in the
# order they were started, then what was skipped and why (a test that
# needs what this machine lacks: a kernel source, a real kernel's
# capture), and last, exactly:
#   N passed, N failed
# The exit status is non-zero when anything failed; skipped tests count as
# neither.

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
# One program may not hang the suite (seconds; tests/lib/run-one.sh).
KHO_TEST_TIMEOUT=${KHO_TEST_TIMEOUT:-900}
KHO_TEST_FIRST=$1
export CMOCKA_MESSAGE_OUTPUT KHO_TEST_TIMEOUT KHO_TEST_FIRST

jobs=${KHO_TEST_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}
case $jobs in
'' | *[!0-9]* | 0)
	echo "run-tests.sh: KHO_TEST_JOBS must be a number of jobs above 0, not '$jobs'" >&2
	exit 2
	;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/kho-test.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# The jobs, one a line: "IDX KIND PATH", in the order they start.
n=0
for dir in "$@"; do
	[ -d "$dir" ] || continue
	for prog in "$dir"/tests/test_*; do
		case ${prog##*/} in
		*.*) continue ;;	# objects, logs: not programs
		esac
		[ -f "$prog" ] && [ -x "$prog" ] || continue
		n=$((n + 1))
		echo "$n program $prog"
	done
done >"$work/jobs"
for script in tests/test_*.sh; do
	[ -f "$script" ] || continue
	n=$((n + 1))
	echo "$n script $script"
done >>"$work/jobs"

# Each job's result line is one short write, so lines never mix.
xargs -d '\n' -n 1 -P "$jobs" sh tests/lib/run-one.sh "$work" <"$work/jobs"

total_pass=0
total_fail=0
total_skip=0
i=0
while [ "$i" -lt "$n" ]; do
	i=$((i + 1))
	name=$(sed -n "${i}s/^[0-9]* [a-z]* //p" "$work/jobs")
	if ! read -r pass fail skip <"$work/$i.res" 2>/dev/null; then
		# The job never finished (xargs stopped, or it was killed).
		pass=0 fail=1 skip=0
		echo "FAIL $name: no result"
	fi
	skip=${skip:-0}
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	if [ "$skip" -ne 0 ]; then
		total_skip=$((total_skip + skip))
		# The reasons, once each: every skip should print a "SKIP: " line.
		grep -h '^SKIP: ' "$work/$i.out" 2>/dev/null | sort -u |
			sed "s|^SKIP: |    $name: |" >"$work/$i.skip"
		[ -s "$work/$i.skip" ] || echo "    $name: (no reason given)" >"$work/$i.skip"
		cat "$work/$i.skip" >>"$work/skipped"
	fi
	[ "$fail" -eq 0 ] && continue
	# What a failed job printed, indented, at most 200 lines.
	echo "--- output of $name:"
	if [ -f "$work/$i.out" ] && [ "$(wc -l <"$work/$i.out")" -gt 200 ]; then
		echo "    ... (last 200 lines)"
	fi
	tail -n 200 "$work/$i.out" 2>/dev/null | sed 's/^/    | /'
done

if [ "$total_skip" -ne 0 ]; then
	echo "$total_skip skipped, for want of what this machine lacks:"
	cat "$work/skipped" 2>/dev/null
fi

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
