#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "chain" (real A -> libkho B -> real C): the capture case's
# machine directory (real kernel A's handover) is booted by `kho boot`
# (libkho as kernel B: takes the handover, restores every subsystem, checks
# it, preserves it anew and kexecs); then real kernel C boots on the same RAM
# file (arm64: handover in the DTB; x86_64: through tests/kernel/loader-x86.c
# in setup_data) and must accept libkho's handover: test_kho's "KHO restore
# succeeded" (libkho B preserves a fresh kho_test: CHAIN_PRESERVE, default
# "--preserve kho-test --preserve memblock"; the memblock client revives and
# hands on every region kernel A named), kernel A's reserve_mem regions handed on and
# revived with kernel A's pattern still in them (after C's init dirtied free
# memory), as a real kernel B hands on revived regions, and every memfd in
# libkho B's handover back through /dev/liveupdate with its contents.
. "$(dirname "$0")/lib.sh"
[ -x "$KHO" ] || fail "no kho binary at $KHO (make first)"
A=$kwork/capture/machine
[ -f "$A/handover" ] || fail "no capture in $A: run case capture first"
M=$out/machine
mkdir -p "$M"
for f in machine.conf handover expected.txt; do cp "$A/$f" "$M/"; done
cp --sparse=always "$A/ram.img" "$M/ram.img"
rc=0
# shellcheck disable=SC2086
"$KHO" boot "$M" ${CHAIN_PRESERVE---preserve kho-test --preserve memblock} --kexec >"$out/boot-b.txt" 2>&1 || rc=$?
sed 's/^/    /' "$out/boot-b.txt"
grep -E 'verdict|restore' "$out/boot-b.txt" | sed 's/^ */  says: libkho B: /'
[ $rc -eq 0 ] || fail "libkho as kernel B refused real kernel A's handover (exit $rc): $(tail -n 1 "$out/boot-b.txt")"
[ -f "$M/handover" ] || fail "libkho B wrote no handover"
boot_real "$M"
judge_real kinit
say "PASS"
