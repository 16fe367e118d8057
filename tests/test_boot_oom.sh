#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# kho boot (the simulated kernel B) when memory runs out: each allocation
# of a KHO boot that restores memfds through LUO, memblock regions and
# kexec-metadata, then preserves them and a kho-test client again and
# kexecs, fails in turn (tests/tools/failmalloc.c), on a fresh copy of the
# same handover. The boot must pass as without the failure, refuse
# with one sentence (exit 1), or end with verdict FAIL and the client that
# ran out named with "out of memory"; never crash or hang.
# Needs KHO (path to kho) and BUILD (its build directory, which holds
# tests/failmalloc.so).
set -eu
: "${KHO:?KHO must name the kho binary}"
: "${BUILD:?BUILD must name the build directory}"
SHIM=$(cd "$BUILD" && pwd)/tests/failmalloc.so
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-boot-oom.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
[ -f "$SHIM" ] || fail "$SHIM is missing (make tests builds it)"

"$KHO" machine create "$T/keep" --ram 128M >/dev/null
"$KHO" boot "$T/keep" --preserve memfd:1M --preserve memblock \
	--preserve kexec-metadata --kexec >/dev/null

fresh() {
	rm -rf "$T/m"
	cp -r --sparse=always "$T/keep" "$T/m"
}

set -- --preserve memfd:1M --preserve memblock --preserve kexec-metadata \
	--preserve kho-test --kexec
fresh
KHO_COUNT_ALLOC="$T/count" LD_PRELOAD="$SHIM" "$KHO" boot "$T/m" "$@" \
	>"$T/out" 2>&1 || fail "the boot fails without any failure: $(cat "$T/out")"
grep -q 'verdict .*PASS' "$T/out" || fail "no PASS without failure"
n=$(cat "$T/count")
[ "$n" -gt 5 ] || fail "only $n allocations counted"
i=1
while [ "$i" -le "$n" ]; do
	fresh
	rc=0
	KHO_FAIL_ALLOC=$i LD_PRELOAD="$SHIM" timeout 120 "$KHO" boot "$T/m" \
		"$@" >"$T/out" 2>"$T/err" || rc=$?
	case $rc in
	0)
		grep -q 'verdict .*PASS' "$T/out" ||
			fail "allocation $i failed: exit 0 without PASS: $(cat "$T/out")" ;;
	1)
		if grep -q 'verdict .*FAIL' "$T/out"; then
			grep -q 'FAILED: .*out of memory' "$T/out" ||
				fail "allocation $i failed: FAIL names no client out of memory: $(cat "$T/out")"
		else
			[ "$(wc -l <"$T/err")" -eq 1 ] ||
				fail "allocation $i failed: not one sentence: $(cat "$T/err")"
		fi ;;
	*)
		fail "allocation $i failed: exit status $rc: $(head -c 300 "$T/err")" ;;
	esac
	i=$((i + 1))
done
echo "boot: $n allocations failed one at a time: a pass, one sentence or a client's FAIL, never a crash"
