#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The tools when memory runs out: every allocation of a run (the tool's,
# libjudy's, json-c's, libc's), one at a time, is made to fail through
# tests/tools/failmalloc.c.
#
# kho inspect: each run must end with exit status 0 and exactly the report
# of a run without failure (the allocation was one the program can do
# without), or with exit status 1 and one sentence on stderr; never a crash,
# a hang, or a report with something missing. Text, --svg and --json
# reports of a kho-v4 handover (LUO with memfd-v2 files and an FLB,
# memblock, kexec-metadata), its JSON block list, the text report of a
# kho-v3 one (memfd-v1), and the block list of a kho-v1 one (its root FDT
# given), from raw memory and from a /dev/mem; and inspect's error for a
# directory whose name holds a newline, which must stay one line.
#
# kho boot (the simulated kernel B), restoring memfds through LUO, memblock
# regions, kexec-metadata and a guest, then preserving them and a kho-test
# client again and kexecing, and a kho-v3 boot restoring and preserving a
# memfd-v1 file, on a fresh copy of the same handover each time: it
# must pass as without the failure, refuse with one sentence (exit 1), or
# end with verdict FAIL and the client that ran out named with "out of
# memory" (or ENOMEM's strerror).
#
# Needs KHO (path to kho) and BUILD (its build directory, which holds
# tests/failmalloc.so; the plain build: ASan brings its own allocator).
set -eu
: "${KHO:?KHO must name the kho binary}"
: "${BUILD:?BUILD must name the build directory}"
SHIM=$(cd "$BUILD" && pwd)/tests/failmalloc.so
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-oom.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
[ -f "$SHIM" ] || fail "$SHIM is missing (make tests builds it)"

"$KHO" machine create "$T/v4" --ram 128M >/dev/null
"$KHO" boot "$T/v4" --preserve memfd:1M --preserve memblock \
	--preserve kexec-metadata --kexec >/dev/null
python3 "$ROOT/tests/lib/kho_testdata.py" luo-flb "$T/v4" iommu 0x1000 1
"$KHO" machine create "$T/v3" --ram 128M >/dev/null
"$KHO" boot "$T/v3" --abi kho-v3 --preserve memfd:1M --kexec >/dev/null
# A kho-v1 handover as Linux 6.16-6.19 write it (RAM at 4 GiB).
python3 "$ROOT/tests/lib/kho_testdata.py" v1 "$T/v1" --bitmap 512 >/dev/null

runs=0
# sweep NAME MACHINE [OPTIONS]: fail each allocation of the run in turn.
sweep() {
	name=$1 m=$2
	shift 2
	"$KHO" inspect "$m" "$@" >"$T/want" 2>"$T/err" ||
		fail "$name: fails without any failure: $(cat "$T/err")"
	[ ! -e "$T/pic.svg" ] || mv "$T/pic.svg" "$T/want.svg"
	KHO_COUNT_ALLOC="$T/count" LD_PRELOAD="$SHIM" \
		"$KHO" inspect "$m" "$@" >/dev/null 2>&1
	n=$(cat "$T/count")
	[ "$n" -gt 10 ] || fail "$name: only $n allocations counted"
	i=1
	while [ "$i" -le "$n" ]; do
		rc=0
		KHO_FAIL_ALLOC=$i LD_PRELOAD="$SHIM" timeout 60 \
			"$KHO" inspect "$m" "$@" >"$T/out" 2>"$T/err" || rc=$?
		case $rc in
		0)
			cmp -s "$T/out" "$T/want" ||
				fail "$name: allocation $i failed, exit 0, but the report differs: $(diff "$T/want" "$T/out" | head -5)"
			if [ -e "$T/want.svg" ]; then
				cmp -s "$T/pic.svg" "$T/want.svg" ||
					fail "$name: allocation $i failed, exit 0, but the picture differs"
			fi ;;
		1)
			[ "$(wc -l <"$T/err")" -eq 1 ] ||
				fail "$name: allocation $i failed: not one sentence: $(cat "$T/err")" ;;
		*)
			fail "$name: allocation $i failed: exit status $rc: $(head -c 300 "$T/err")" ;;
		esac
		rm -f "$T/pic.svg"
		i=$((i + 1))
	done
	rm -f "$T/want.svg"
	runs=$((runs + n))
}

sweep text "$T/v4"
sweep svg "$T/v4" --svg "$T/pic.svg"
sweep json "$T/v4" --json
sweep kho-v3 "$T/v3"
# sweep runs `kho inspect MACHINE OPTIONS`: here the options alone.
sweep kho-v1 --fdt "$T/v1/fdt.dtb" --mem "raw:$T/v1/mem.img@0x100000000" \
	--blocks
sweep json-blocks "$T/v4" --json --blocks
# The same kho-v1 image read as /dev/mem: /proc/iomem's RAM, then pread.
dd if="$T/v1/mem.img" of="$T/devmem" bs=1M seek=4096 conv=sparse 2>/dev/null
printf '%s\n' "00001000-0009ffff : System RAM" \
	"100000000-103ffffff : System RAM" >"$T/iomem"
export KHO_DEVMEM="$T/devmem" KHO_IOMEM="$T/iomem"
sweep devmem --fdt "$T/v1/fdt.dtb" --mem devmem --blocks
unset KHO_DEVMEM KHO_IOMEM
# An error that names a path holding a newline stays one line even when
# the sentence's own allocation (vasprintf() in tool_error()) fails.
bad="$T/no
such"
KHO_COUNT_ALLOC="$T/count" LD_PRELOAD="$SHIM" "$KHO" inspect "$bad" \
	>/dev/null 2>&1 && fail "inspect of a missing directory succeeded"
n=$(cat "$T/count")
i=1
while [ "$i" -le "$n" ]; do
	rc=0
	KHO_FAIL_ALLOC=$i LD_PRELOAD="$SHIM" timeout 60 "$KHO" inspect "$bad" \
		>/dev/null 2>"$T/err" || rc=$?
	[ "$rc" -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] ||
		fail "missing directory: allocation $i failed: exit $rc, not one line: $(cat "$T/err")"
	i=$((i + 1))
done
runs=$((runs + n))
inspect_runs=$runs

# ---- kho boot ----
# boot_sweep KEPT ARGS...: `kho boot` with ARGS on a fresh copy of the
# machine KEPT, each of its allocations failed in turn; boot_runs counts.
boot_runs=0
boot_sweep() {
	kept=$1
	shift
	rm -rf "$T/m"
	cp -r --sparse=always "$kept" "$T/m"
	KHO_COUNT_ALLOC="$T/count" LD_PRELOAD="$SHIM" "$KHO" boot "$T/m" "$@" \
		>"$T/out" 2>&1 ||
		fail "$kept: the boot fails without any failure: $(cat "$T/out")"
	grep -q 'verdict .*PASS' "$T/out" || fail "$kept: no PASS without failure"
	n=$(cat "$T/count")
	[ "$n" -gt 5 ] || fail "$kept: only $n allocations counted"
	i=1
	while [ "$i" -le "$n" ]; do
		rm -rf "$T/m"
		cp -r --sparse=always "$kept" "$T/m"
		rc=0
		KHO_FAIL_ALLOC=$i LD_PRELOAD="$SHIM" timeout 120 "$KHO" boot \
			"$T/m" "$@" >"$T/out" 2>"$T/err" || rc=$?
		case $rc in
		0)
			grep -q 'verdict .*PASS' "$T/out" ||
				fail "$kept: allocation $i failed: exit 0 without PASS: $(cat "$T/out")" ;;
		1)
			if grep -q 'verdict .*FAIL' "$T/out"; then
				grep -q 'FAILED: .*\(out of memory\|Cannot allocate memory\)' "$T/out" ||
					fail "$kept: allocation $i failed: FAIL names no client out of memory: $(cat "$T/out")"
			else
				[ "$(wc -l <"$T/err")" -eq 1 ] ||
					fail "$kept: allocation $i failed: not one sentence: $(cat "$T/err")"
			fi ;;
		*)
			fail "$kept: allocation $i failed: exit status $rc: $(head -c 300 "$T/err")" ;;
		esac
		i=$((i + 1))
	done
	boot_runs=$((boot_runs + n))
}

"$KHO" machine create "$T/keep" --ram 128M >/dev/null
"$KHO" boot "$T/keep" --preserve memfd:1M --preserve memblock \
	--preserve kexec-metadata --preserve guest:4M --kexec >/dev/null
boot_sweep "$T/keep" --preserve memfd:1M --preserve memblock \
	--preserve kexec-metadata --preserve kho-test --preserve guest:4M \
	--kexec
# kho-v3: a memfd-v1 file restored and preserved again.
"$KHO" machine create "$T/keep3" --ram 128M >/dev/null
"$KHO" boot "$T/keep3" --abi kho-v3 --preserve memfd:1M --kexec >/dev/null
boot_sweep "$T/keep3" --abi kho-v3 --preserve memfd:1M --kexec
echo "inspect: $inspect_runs, boot: $boot_runs allocations failed one at a time: a full report, a pass, one sentence or a client's FAIL, never a crash"
