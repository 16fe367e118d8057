#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "kaslr-array" (x86_64 only): x86's KASLR and the KHO scratch array.
#
# On a KHO boot the decompressor picks the kernel's place among the scratch
# areas only, and avoids every setup_data entry but not the scratch array
# the KHO entry names (arch/x86/boot/compressed/kaslr.c:405-450, :770-807).
# libkho keeps the array out of scratch for that reason (docs/abi.md, "The
# scratch array"); this case shows the hazard and the kernel fix,
# patches/0002-x86-boot-kaslr-avoid-the-KHO-scratch-array.patch, with
# nothing left to chance:
#
#   scratch:  8 MiB areas (no slot fits) ... | trap: ALIGN(init_size, 2 MiB) | 8 MiB ...
#                                                       ^ the array, in the middle
#
# libkho (kernel A) hands over as in case libkho-real; handover.py
# kaslrtrap then rewrites the scratch areas so that KASLR's only slot is the
# trap, with the array inside every slot it could hold.
#   - Linux 7.3.4 as released must decompress over the array and never
#     finish its boot (it panics before panic= is parsed, or hangs).
#   - The patched kernel (every patch of patches/, lib.sh patched_kdir)
#     finds no slot ("Physical KASLR disabled"), stays
#     where the loader put it, and takes the handover like libkho-real.
# If 7.3.4 ever survives the trap, the case fails: the finding is wrong.
. "$(dirname "$0")/lib.sh"
[ "$arch" = x86_64 ] || skip "KASLR's physical placement is x86's"
[ -x "$KHO" ] || fail "no kho binary at $KHO (make first)"
patched_kernel
base=$out
A=$base/kernel-a
libkho_kernel_a "$A"

# trap_boot KERNEL_DIR NAME: boot kernel B from KERNEL_DIR on a copy of
# kernel A's machine whose scratch areas were rewritten into the trap; its
# serial log is $log (in $base/NAME), QEMU's status $rc. The trap is sized
# for each kernel's own init_size.
trap_boot() {
	kdir=$1 name=$2
	out=$base/$name
	M=$out/machine
	mkdir -p "$M"
	cp "$A/machine.conf" "$A/handover" "$M/"
	cp --sparse=always "$A/ram.img" "$M/ram.img"
	x86_sizes
	tp=$(python3 "$top/tests/kernel/handover.py" kaslrtrap "$M" "$init_size" "$mods") ||
		fail "$name: cannot set the trap"
	set -- $tp
	say "$name: loader at $1, kernel loaded at $2, KASLR's one slot at $3, the scratch array at $4"
	X86_PLACE="$1 $2" boot_real "$M"
	[ "$array_area" -ge 0 ] || fail "$name: the scratch array is not in scratch"
}

# earlyprintk: the decompressor's warnings, and a panic before the console.
# The released kernel panics a few seconds into the boot and then hangs:
# a shorter timeout for it (KASLR_TIMEOUT, 60 s: kho_populate() must be
# reached within it, so not too short for a loaded machine), the usual one
# for the patched kernel.
KERNEL_APPEND=earlyprintk=serial,ttyS0,115200
usual=${QEMU_TIMEOUT:-300}
QEMU_TIMEOUT=${KASLR_TIMEOUT:-60}
export QEMU_TIMEOUT
trap_boot "$kdir" released
QEMU_TIMEOUT=$usual
released_log=$log released_rc=$rc
says "$released_log" "Physical KASLR disabled"
grep -aq "found kexec handover data" "$released_log" ||
	fail "7.3.4 as released stopped before kho_populate() (QEMU exit $released_rc): not the hazard under test"
! grep -aq "kinit: stage B done" "$released_log" ||
	fail "7.3.4 as released finished its boot with the array in KASLR's only slot: the hazard is not what docs/abi.md says"
! grep -aq "Physical KASLR disabled" "$released_log" ||
	fail "7.3.4 as released found no slot: the trap did not work"
say "7.3.4 as released decompressed over the array and did not boot (QEMU exit $released_rc)"

# The patched kernel carries patches/0003 too: memfds keep their seals.
MEMFD_SEALS=handed-over
export MEMFD_SEALS
trap_boot "$pdir" patched
says "$log" "Physical KASLR disabled"
grep -aq "Physical KASLR disabled: no suitable memory region" "$log" ||
	fail "the patched kernel did not refuse the slot over the array"
ARRAY_IN_SCRATCH=1 judge_real
say "PASS"
