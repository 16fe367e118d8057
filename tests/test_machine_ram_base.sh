#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# kho machine create --ram-base: RAM where a real machine has it (arm64
# QEMU virt puts it at 0x40000000), one block without the hole; a machine
# made that way boots, preserves, kexecs and restores; bad bases are
# refused with one sentence. Needs KHO (path to kho).
set -eu
: "${KHO:?KHO must name the kho binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-rambase.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

expect_error() {
	frag=$1
	shift
	if "$@" >"$T/out" 2>"$T/err"; then
		fail "\"$*\" succeeded"
	fi
	grep -q -- "$frag" "$T/err" || fail "\"$*\" said: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "\"$*\" said more than one line"
}

M=$T/virt
"$KHO" machine create "$M" --ram 1G --ram-base 0x40000000 >"$T/out"
grep -qx 'ram = 0x40000000 0x40000000 node=0' "$M/machine.conf" ||
	fail "virt layout: $(cat "$M/machine.conf")"
[ "$(stat -c %s "$M/ram.img")" -eq $((1 << 30)) ] || fail "ram.img size"
[ "$("$KHO" machine offset "$M" 0x40000000)" = 0 ] || fail "offset of base"
expect_error "not RAM" "$KHO" machine offset "$M" 0x3ffff000

# Two nodes split the block evenly, still without a hole.
"$KHO" machine create "$T/two" --ram 512M --nodes 2 --ram-base 0x80000000 >/dev/null
grep -qx 'ram = 0x80000000 0x10000000 node=0' "$T/two/machine.conf" &&
	grep -qx 'ram = 0x90000000 0x10000000 node=1' "$T/two/machine.conf" ||
	fail "two nodes: $(cat "$T/two/machine.conf")"

# --ram-base 0 is a base like any other: one block from 0, no hole.
"$KHO" machine create "$T/zero" --ram 1G --ram-base 0 >/dev/null
[ "$(grep -c '^ram' "$T/zero/machine.conf")" -eq 1 ] &&
	grep -qx 'ram = 0 0x40000000 node=0' "$T/zero/machine.conf" ||
	fail "base 0: $(cat "$T/zero/machine.conf")"

# It boots: preserve, kexec, restore.
"$KHO" boot "$M" --preserve memfd:8M --kexec >"$T/boot1" 2>&1 ||
	fail "cold boot: $(cat "$T/boot1")"
grep -q 'verdict.*PASS' "$T/boot1" || fail "cold boot verdict"
"$KHO" boot "$M" >"$T/boot2" 2>&1 || fail "KHO boot: $(cat "$T/boot2")"
grep -q 'verdict.*PASS' "$T/boot2" || fail "KHO boot verdict"

expect_error "2 MiB-aligned" "$KHO" machine create "$T/b1" --ram 1G --ram-base 0x40001000
expect_error "below 2^64" "$KHO" machine create "$T/b2" --ram 1G --ram-base 0xffffffffffe00000
expect_error "not an address" "$KHO" machine create "$T/b3" --ram-base 4x
# RAM mostly above 4 GiB (fix-boot2): the lowmem scratch area must lie
# below 4 GiB; "give the machine more RAM" was no help.
expect_error "cannot reserve 16 MiB of KHO scratch (lowmem): it must lie below 4 GiB, where the machine has 16 MiB of RAM, not enough of it free (give the machine more RAM below 4 GiB, or set kho_scratch)" \
	"$KHO" machine create "$T/b4" --ram-base 0xff000000 --ram 1G
[ ! -e "$T/b1" ] && [ ! -e "$T/b2" ] && [ ! -e "$T/b3" ] && [ ! -e "$T/b4" ] ||
	fail "refused create left files"
echo "ram-base: ok"
