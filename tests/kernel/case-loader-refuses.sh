#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "loader-refuses" (x86_64): libkho's lib/ runs outside a process. The
# freestanding boot loader (tests/kernel/loader-x86.c, with lib/'s radix
# tree and validator built in) is handed a libkho handover whose tree has
# one table entry pointing outside RAM: kho_radix_validate() must refuse it
# with a sentence naming the address, and no kernel may boot.
. "$(dirname "$0")/lib.sh"
[ "$arch" = x86_64 ] || skip "the freestanding loader is x86 only"
[ -x "$KHO" ] || fail "no kho binary at $KHO (make first)"
M=$out/machine
x86_machine "$M"
"$KHO" boot "$M" --preserve memblock --kexec >"$out/boot-a.txt" 2>&1 ||
	fail "kho boot --kexec: $(tail -n 1 "$out/boot-a.txt")"
python3 "$top/tests/kernel/handover.py" info "$M" >"$out/handover.json" ||
	fail "cannot read the handover"
"$KHO" inspect "$M" --json >"$out/inspect.json" 2>/dev/null || true
append="console=$console kho=on panic=-1 kstage=b"
boot_real_x86_64
# Damage: entry 3 of the root table points far outside RAM.
python3 - "$M" "$ktree" <<'PY'
import struct, sys
with open(sys.argv[1] + "/ram.img", "r+b") as f:
    f.seek(int(sys.argv[2], 0) + 3 * 8)
    f.write(struct.pack("<Q", 0x7fff0000000))
PY
log=$out/serial.log
rc=0
qemu "$boot_kernel" "$boot_initrd" "$boot_append" "$log" --ram-file "$M/ram.img" || rc=$?
evidence "$log" "kholoader" "Linux version"
says "$log" "kholoader: lib/" "kholoader: refused"
grep -aq "kholoader: lib/ kho_radix_validate(): .*outside RAM at 0x000007fff0000000" "$log" ||
	fail "lib/ in the loader did not name the bad entry (QEMU exit $rc)"
! grep -aq "Linux version" "$log" || fail "a kernel booted on a refused handover"
say "PASS"
