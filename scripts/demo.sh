#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# make demo: run `kho demo` from the build directory given as $1.
# kho demo makes a 4 GiB machine (sparse ram.img in $TMPDIR or /tmp), boots
# it, preserves every client, kexecs three times, checks every preserved
# byte at every boot and removes the machine. Exit 0 only when all survived.
set -e
BUILD=${1:-build}
KHO="$BUILD/kho"
if [ ! -x "$KHO" ]; then
	echo "demo: $KHO is missing: run make first" >&2
	exit 1
fi
exec "$KHO" demo
