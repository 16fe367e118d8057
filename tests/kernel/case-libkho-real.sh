#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "libkho-real" (libkho -> real kernel): libkho's simulated machine is
# kernel A. Its RAM is where QEMU's has it (arm64 virt: 0x40000000; x86 pc:
# 0); `kho boot --preserve ... --kexec` writes a kho-v4 handover into
# ram.img. Then a real Linux boots on that very RAM file (memory-backend-
# file): on arm64 with QEMU's own DTB plus /chosen linux,kho-fdt and
# linux,kho-scratch; on x86_64 through tests/kernel/loader-x86.c, which
# passes the handover in setup_data type 10 as kexec would.
# Before booting, nothing QEMU or the loader writes may land on the handover
# (handover.py overlap).
# Kernel B's own words decide: "found kexec handover data", "Revived memory
# reservation" for each reserve_mem region libkho handed over (and kinit,
# after dirtying free memory, finds their bytes as libkho left them), test_kho
# "KHO restore succeeded" for libkho's kho_test subtree, and the memfd back
# through /dev/liveupdate for libkho's LUO session.
# LIBKHO_PRESERVE overrides the --preserve options.
. "$(dirname "$0")/lib.sh"
[ -x "$KHO" ] || fail "no kho binary at $KHO (make first)"
M=$out/machine
libkho_kernel_a "$M"
sed 's/^/    /' "$out/boot-a.txt"
boot_real "$M"
judge_real
say "PASS"
