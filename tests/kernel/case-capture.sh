#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "capture": real kernel A preserves memory, libkho gets a machine
# directory holding exactly what kernel B would have found.
#
# Kernel A (RAM backed by a file) runs lib/test_kho.c (the kho_test
# subtree), two reserve_mem= regions that kinit fills with a known pattern
# through /dev/mem (so each starts at a page of the kernel's size), and a
# memfd with known contents that kinit preserves in a LUO session through
# /dev/liveupdate. kinit prints the kernel's view
# (debugfs kho/out, /proc/iomem, hashes) and kexec_file_loads
# tests/kernel/stub-ARCH.S, which stops the machine at its entry point.
# capture.py then writes $KWORK/ARCH/capture/machine/ (machine.conf,
# ram.img, handover, kernel-view.txt, expected.txt, blobs/), and a copy
# replaces ARCH-7.3.4-capture1 under KHO_CAPTURES (default
# /var/cache/libkho/captures), where make check's tests of real kernels'
# handovers find it (tests/test_inspect_capture.sh, test_kho_test.c).
. "$(dirname "$0")/lib.sh"
log=$out/serial.log
ram=$out/guest-ram
rc=0
qemu "$kdir/image" "$kwork/initrd-a.cpio" \
	"console=$console $kho_args panic=-1 liveupdate=on kcase=capture reserve_mem=1M:$page_k:kho_rm1 reserve_mem=256K:64K:kho_rm2" \
	"$log" --ram-file "$ram" || rc=$?
evidence "$log" "KHOSTUB" "kinit: reserve_mem" "kinit: memfd" \
	"kinit: scratch" "kinit: blob" "kinit: kexec" "kinit: FAIL" "KHO:"
# x86: isa-debug-exit makes QEMU exit 99; arm64: PSCI SYSTEM_OFF, 0.
grep -aq "KHOSTUB" "$log" || fail "the stub never ran (QEMU exit $rc; log $log)"
grep -aq "kinit: memfd session" "$log" || fail "no memfd was preserved"
[ "$(grep -ac 'kinit: reserve_mem' "$log")" -eq 2 ] ||
	fail "kinit did not find both reserve_mem regions"
python3 "$top/tests/kernel/capture.py" "$base_arch" "$log" "$ram" "$out/machine" \
	--ram-base "$ram_base" --page-size "$page_size" || fail "capture.py refused the capture"
sed 's/^/    /' "$out/machine/expected.txt"
says "$log" "KHOSTUB" "blob fdt"
echo "  says: $(grep -c . "$out/machine/expected.txt") facts in expected.txt, $(ls "$out/machine/blobs" | wc -l) blobs"
# Published whole or not at all: copied beside, then renamed into place.
caps=${KHO_CAPTURES:-/var/cache/libkho/captures}
dest=$caps/$arch-7.3.4-capture1
mkdir -p "$caps" && tmp=$(mktemp -d "$caps/.$arch.XXXXXX") ||
	fail "cannot write under $caps"
cp -a --sparse=always "$out/machine/." "$tmp/" || {
	rm -rf "$tmp"
	fail "cannot copy the capture to $tmp"
}
rm -rf "$dest.old"
{ [ ! -e "$dest" ] || mv "$dest" "$dest.old"; } && mv "$tmp" "$dest" ||
	fail "cannot publish the capture as $dest"
rm -rf "$dest.old"
say "PASS: machine directory $out/machine, published as $dest"
