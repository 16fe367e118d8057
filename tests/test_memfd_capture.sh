#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# test_memfd_capture.sh - a memfd a real Linux 7.3 kernel preserved through
# LUO comes back on the simulated machine with its bytes intact: for each
# capture tests/kernel made (KHO_CAPTURES, default /var/cache/libkho/
# captures/*), `kho boot` on a copy restores the LUO session's memfd-v2
# file and prints the FNV-1a 64 of its bytes, which must be the one the
# real kernel's init printed (expected.txt: "memfd SIZE FNV"). Without a
# capture on this machine there is nothing to check, and the test says so.
set -eu

KHO=${KHO:-build/kho}
CAPTURES=${KHO_CAPTURES:-/var/cache/libkho/captures}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

n=0
for C in "$CAPTURES"/*; do
	[ -f "$C/expected.txt" ] && [ -f "$C/handover" ] || continue
	grep -q '^memfd ' "$C/expected.txt" || continue
	set -- $(grep '^memfd ' "$C/expected.txt")
	size=$2 fnv=$3
	M="$T/$(basename "$C")"
	mkdir "$M"
	cp "$C/machine.conf" "$C/handover" "$M/"
	cp --sparse=always "$C/ram.img" "$M/ram.img"
	"$KHO" boot "$M" >"$T/out" 2>&1 || fail "$C: kho boot failed: $(cat "$T/out")"
	grep -q "restore .*memfd: live update .* $size B fnv1a $fnv" "$T/out" ||
		fail "$C: the memfd did not come back as $size bytes with FNV $fnv: $(grep memfd "$T/out")"
	rm -rf "$M"
	n=$((n + 1))
done
if [ $n -eq 0 ]; then
	echo "no capture with a memfd in $CAPTURES: nothing to check"
else
	echo "$n real kernels' memfds restored through LUO with their bytes intact"
fi
