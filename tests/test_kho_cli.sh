#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The kho command's contract: bad input gets one sentence on stderr, a
# non-zero exit and no change on disk; an unclaimed subtree is reported by
# name and never fails the boot; machine layouts, kho_scratch= and
# `machine offset` behave as documented. Needs KHO (path to kho).
set -eu
: "${KHO:?KHO must name the kho binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_error "fragment" cmd...: non-zero, one line on stderr with fragment.
expect_error() {
	frag=$1
	shift
	if "$@" >"$T/out" 2>"$T/err"; then
		fail "\"$*\" succeeded"
	fi
	grep -q -- "$frag" "$T/err" || fail "\"$*\" said: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "\"$*\" said more than one line"
}

state() { (cd "$1" && ls -l --time-style=+%s.%N && cksum ./*) 2>/dev/null; }

M="$T/m"
"$KHO" machine create "$M" --ram 128M --nodes 2 --kho-scratch 4M,4M,2M >"$T/out"
grep -q '2 nodes' "$T/out" || fail "create: $(cat "$T/out")"
grep -q 'node=1' "$M/machine.conf" || fail "no node 1 in machine.conf"
grep -q 'kho_scratch = 4M,4M,2M' "$M/machine.conf" || fail "kho_scratch not written"

# machine create refusals leave nothing behind.
expect_error "already holds a machine" "$KHO" machine create "$M"
expect_error "RAM must be at least" "$KHO" machine create "$T/x" --ram 3M
[ ! -e "$T/x" ] || fail "a refused create left $T/x"
expect_error "--page-size" "$KHO" machine create "$T/x" --page-size 8K
expect_error "--nodes" "$KHO" machine create "$T/x" --nodes 0
expect_error "not a size" "$KHO" machine create "$T/x" --ram lots
expect_error "--kho-scratch" "$KHO" machine create "$T/x" --kho-scratch 1M,2M
[ ! -e "$T/x" ] || fail "a refused create left $T/x"

# Physical address to ram.img offset, through the hole.
[ "$("$KHO" machine offset "$M" 0x1000)" = 4096 ] || fail "offset of 0x1000"
[ "$("$KHO" machine offset "$M" 0x100000000)" = $((64 << 20)) ] ||
	fail "offset of 4 GiB"
expect_error "is not RAM" "$KHO" machine offset "$M" 0x80000000

# boot refusals: nothing changes.
before=$(state "$M")
expect_error "no client" "$KHO" boot "$M" --preserve nosuch
expect_error "not a size" "$KHO" boot "$M" --preserve memfd:big
expect_error "given twice" "$KHO" boot "$M" --preserve memfd --preserve memfd:1M
expect_error "unknown option" "$KHO" boot "$M" --fast
expect_error "machine.conf" "$KHO" boot "$T/nowhere"
expect_error "no pending handover" "$KHO" inspect "$M"
expect_error "unknown command" "$KHO" reboot
[ "$before" = "$(state "$M")" ] || fail "a refused command changed the machine"
cp "$M/machine.conf" "$T/conf"
echo "ram = 0x0 0x1000 node=0" >>"$M/machine.conf"
expect_error "not above" "$KHO" boot "$M"
cp "$T/conf" "$M/machine.conf"
truncate -s 1M "$M/ram.img.short" && mv "$M/ram.img" "$T/ram.img" &&
	mv "$M/ram.img.short" "$M/ram.img"
expect_error "machine.conf describes" "$KHO" boot "$M"
mv "$T/ram.img" "$M/ram.img"

# Fixed scratch sizes from kho_scratch=: 4M lowmem... raised to hold the kernel.
"$KHO" boot "$M" --preserve memfd:1M --preserve guest:4M --kexec >"$T/b1" ||
	fail "boot 1: $(cat "$T/b1")"
grep -q '4 MiB (global)' "$T/b1" || fail "global scratch is not 4 MiB"
# 2M per node is rounded up like the kernel's: to PAGE_SIZE << MAX_PAGE_ORDER.
grep -q '4 MiB (node 1)' "$T/b1" || fail "node 1 scratch is not 4 MiB"

# More than the machine has: refused before the handover is touched.
before=$(state "$M")
expect_error "asks for 1 GiB but the machine has 128 MiB" \
	"$KHO" boot "$M" --preserve guest:1G
[ "$before" = "$(state "$M")" ] || fail "an impossible --preserve changed the machine"

# A kernel without the memfd subsystem: its subtree is unclaimed, reported
# by name, and the boot still passes.
"$KHO" boot "$M" --without memfd --kexec >"$T/b2" || fail "boot 2: $(cat "$T/b2")"
# (kho-v4: memfds travel in LUO sessions, subtree "LUO".)
grep -q 'unclaimed .*"LUO"' "$T/b2" || fail "memfd's LUO not reported unclaimed"
grep -q 'restore .*guest: .*intact' "$T/b2" || fail "guest not restored"
grep -q 'verdict .*PASS' "$T/b2" || fail "an unclaimed subtree failed the boot"
"$KHO" boot "$M" >"$T/b3" || fail "boot 3"
grep -q 'memfd' "$T/b3" && fail "memfd survived a kernel that did not keep it"
grep -q 'kexec 2 since cold boot' "$T/b3" || fail "kexec count after 2 kexecs"
echo "cli: errors, layouts, scratch sizes and unclaimed subtrees pass"
