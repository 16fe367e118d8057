#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# make kernel-check: every real-kernel case, one line each with the kernel's
# own verdict lines, then exactly "N passed, N failed".
#
# Usage: scripts/kernel/check.sh [CASE:ARCH ...]
# Default: $KERNEL_CASES, or every case below. A case is
# tests/kernel/case-CASE.sh ARCH; exit 0 passes, 77 is a skip (counted
# apart, never as a pass), anything else fails. Each case's full output is
# in $KWORK/ARCH/CASE.out (default KWORK=build/kernel).
# Environment: KHO (the kho binary, default build/kho), KWORK, KERNEL_KEEP
# (1: keep the RAM files of passing cases too),
# KERNEL_CASE_TIMEOUT (seconds per case, default 900: a cold kernel build),
# QEMU_ACCEL, QEMU_TIMEOUT (see qemu.sh).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
KWORK=${KWORK:-$top/build/kernel}
export KWORK
KHO=${KHO:-$top/build/kho}
case $KHO in /*) ;; *) KHO=$top/$KHO ;; esac
export KHO
all="selftest:x86_64 capture:x86_64 inspect:x86_64 restore:x86_64
live-inspect:x86_64 loader-refuses:x86_64 libkho-real:x86_64 broken-child:x86_64
chain:x86_64 kaslr-array:x86_64 memfd-seals:x86_64 luo-bugs:x86_64
luo-findings:x86_64 luo-selftests:x86_64 reserve-mem-added:x86_64
scratch-size:x86_64 kexec-load:x86_64 luo-retry-nomem:x86_64
selftest:arm64 capture:arm64 inspect:arm64 restore:arm64 libkho-real:arm64
chain:arm64 luo-selftests:arm64 reserve-mem-added:arm64
selftest:arm64-16k capture:arm64-16k inspect:arm64-16k restore:arm64-16k
libkho-real:arm64-16k chain:arm64-16k
selftest:arm64-64k capture:arm64-64k inspect:arm64-64k restore:arm64-64k
libkho-real:arm64-64k chain:arm64-64k"
[ $# -gt 0 ] || set -- ${KERNEL_CASES:-$all}
passed=0 failed=0 skipped=0
for c in "$@"; do
	name=${c%%:*}
	arch=${c#*:}
	script=tests/kernel/case-$name.sh
	mkdir -p "$KWORK/$arch"
	log=$KWORK/$arch/$name.out
	start=$(date +%s)
	if [ ! -f "$script" ]; then
		echo "$name[$arch]: case not written yet" >"$log"
		rc=1
	else
		rc=0
		timeout -k 10 "${KERNEL_CASE_TIMEOUT:-900}" sh "$script" "$arch" \
			>"$log" 2>&1 || rc=$?
	fi
	secs=$(($(date +%s) - start))
	# The case's last line is its verdict; "  says: " lines are the
	# kernel's (and kinit's) own verdict words.
	words=$(grep -a '^  says: ' "$log" | sed 's/^  says: //' |
		tr '\n' '|' | sed 's/|$//; s/|/ | /g')
	last=$(tail -n 1 "$log")
	case $rc in
	0)
		passed=$((passed + 1)) v=PASS
		# A passing case's RAM files (up to 1 GiB each, dense once a
		# guest dirtied its memory) go, unless later cases read them
		# (capture) or KERNEL_KEEP=1; a failing case keeps everything.
		if [ "$name" != capture ] && [ "${KERNEL_KEEP:-0}" != 1 ]; then
			find "$KWORK/$arch/$name" \( -name ram.img -o -name guest-ram \) \
				-type f -delete 2>/dev/null
		fi
		;;
	77) skipped=$((skipped + 1)); v=SKIP ;;
	*) failed=$((failed + 1)); v=FAIL ;;
	esac
	echo "kernel-check: $name $arch: $v (${secs}s) -- $last"
	[ -z "$words" ] || echo "    $words"
	if [ "$v" = FAIL ]; then
		tail -n 15 "$log" | sed 's/^/    | /'
	fi
done
[ $skipped -eq 0 ] || echo "kernel-check: $skipped skipped (not counted)"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
