#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The kernel source tree make check's tests read (test_radix_kernel.sh,
# test_csum_kernel.sh, test_patches.sh), on stdout: $KHO_KERNEL_SRC when
# set, else Debian's linux-source fetched and unpacked once by
# scripts/kernel/fetch.sh. When the fetch fails, after fetch.sh's own
# words it says so in one line on stderr, prints nothing and still exits
# 0: those tests then say SKIP and why, and the others run.
#
# Usage: scripts/kernel-src.sh
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${KHO_KERNEL_SRC:-}" ]; then
	echo "$KHO_KERNEL_SRC"
	exit 0
fi
sh "$here/kernel/fetch.sh" && exit 0
echo "check: no kernel source (scripts/kernel/fetch.sh failed); the tests that read it will say SKIP" >&2
exit 0
