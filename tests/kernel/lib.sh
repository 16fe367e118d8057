# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Sourced by the case scripts tests/kernel/case-*.sh: paths and helpers.
#
# Every case takes the architecture as its argument, works in
# $KWORK/<arch>/<case>/ (default KWORK=build/kernel), prints its evidence
# (the kernel's own verdict lines), and exits 0 (pass), 1 (fail) or 77
# (cannot run here: a prerequisite is missing, said in one line).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
scripts=$top/scripts/kernel
KWORK=${KWORK:-$top/build/kernel}
KHO=${KHO:-$top/build/kho}
arch=${1:?usage: $0 x86_64|arm64}
case_name=$(basename "$0" .sh)
case_name=${case_name#case-}
case $arch in
x86_64) console=ttyS0 ram_base=0 ;;
arm64) console=ttyAMA0 ram_base=0x40000000 ;;
*) echo "$case_name: unknown architecture '$arch'" >&2; exit 2 ;;
esac
# The kernel build (cached) and this architecture's initrds.
kdir=$("$scripts/build.sh" "$arch")
kwork=$KWORK/$arch
"$scripts/initrd.sh" "$arch" "$kdir" "$kwork"
out=$kwork/$case_name
rm -rf "$out"
mkdir -p "$out"

say() { echo "$case_name[$arch]: $*"; }
fail() {
	say "FAIL: $*"
	exit 1
}
skip() {
	say "SKIP: $*"
	exit 77
}

# evidence LOG PATTERN...: the log lines matching any pattern, indented.
evidence() {
	log=$1
	shift
	for p in "$@"; do
		grep -a -- "$p" "$log" | tr -d '\r' | sed 's/^/    /' || true
	done
}

# says LOG PATTERN...: the first log line matching each pattern, as a
# "  says: " line: the kernel's own verdict words, which make kernel-check
# puts on the case's line.
says() {
	log=$1
	shift
	for p in "$@"; do
		l=$(grep -a -m 1 -- "$p" "$log" | tr -d '\r') || true
		[ -z "$l" ] || echo "  says: $l"
	done
}

# qemu ARGS...: scripts/kernel/qemu.sh for this architecture.
qemu() { "$scripts/qemu.sh" "$arch" "$@"; }
