#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "memfd-seals": a memfd's seals through LUO, and the kernel fix
# patches/0003-mm-memfd_luo-keep-a-noexec-memfd-writable-on-retrieve.patch.
#
# Linux 7.3.4's memfd_luo_retrieve() makes the new file with mode 0777 and
# re-applies the seals with memfd_add_seals(), which gives F_SEAL_EXEC on
# an executable file the four write seals too (mm/memfd_luo.c:539, :546,
# mm/memfd.c:291-292): a memfd handed over with F_SEAL_EXEC alone (every
# MFD_NOEXEC_SEAL memfd) comes back read-only, seals 0x3e. Case
# libkho-real checks that 7.3.4 as released does so (docs/abi.md says it);
# this one boots the patched kernel (every patch of patches/, lib.sh
# patched_kdir) on the same kind of handover, libkho's
# memfd client handing over files of seals 0, F_SEAL_EXEC, GROW|SHRINK and
# SEAL|WRITE, and kinit must get every file back with the very seals it
# was handed over with (F_GET_SEALS), besides everything libkho-real
# checks.
. "$(dirname "$0")/lib.sh"
[ -x "$KHO" ] || fail "no kho binary at $KHO (make first)"
patched_kernel
M=$out/machine
libkho_kernel_a "$M"
python3 "$top/tests/kernel/handover.py" info "$M" |
	python3 -c "import json, sys; sys.exit(not any(f['seals'] == 0x20 for f in json.load(sys.stdin).get('memfds', [])))" ||
	fail "libkho's handover has no memfd sealed F_SEAL_EXEC alone: nothing to check"
kdir=$pdir
MEMFD_SEALS=handed-over
export MEMFD_SEALS
boot_real "$M"
judge_real
say "PASS"
