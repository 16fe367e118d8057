#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "selftest": the kernel's own KHO test, real kernel A -> real kernel B,
# as tools/testing/selftests/kho/vmtest.sh does: lib/test_kho.c preserves
# folios in A, kinit kexecs (kexec_file_load) into the same kernel, B's
# test_kho checks them and prints "KHO restore succeeded". When this fails,
# the kernels or QEMU are broken, not libkho.
. "$(dirname "$0")/lib.sh"
log=$out/serial.log
rc=0
qemu "$kdir/image" "$kwork/initrd-a.cpio" \
	"console=$console $kho_args panic=-1 kcase=selftest" "$log" || rc=$?
evidence "$log" "KHO restore succeeded" "KHO: found kexec handover" \
	"kinit: stage" "kinit: kexec" "KHO.*fail" "KHO.*error"
says "$log" "KHO restore succeeded" "kinit: stage B done"
grep -aq "KHO restore succeeded" "$log" ||
	fail "no \"KHO restore succeeded\" (QEMU exit $rc; log $log)"
grep -aq "kinit: stage B up" "$log" || fail "kernel B's init never ran"
say "PASS"
