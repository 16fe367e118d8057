#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "restore" (real -> libkho): libkho is kernel B. `kho boot` on a copy
# of the capture (scrub on: every byte KHO did not promise is poisoned)
# must take the real kernel's handover, restore test_kho's folios and check
# their checksum, the reserve_mem regions and the LUO session's memfd, and
# say PASS. Independently of kho's own words, the two reserve_mem regions
# in ram.img must still hold kinit's pattern after the boot, and so must the
# memfd's folios (found through the capture's own LUO subtree).
. "$(dirname "$0")/lib.sh"
M=$kwork/capture/machine
[ -f "$M/handover" ] || fail "no capture in $M: run case capture first"
[ -x "$KHO" ] || fail "no kho binary at $KHO (make first)"
B=$out/machine
mkdir -p "$B"
for f in machine.conf handover expected.txt; do cp "$M/$f" "$B/"; done
cp --sparse=always "$M/ram.img" "$B/ram.img"
rc=0
"$KHO" boot "$B" >"$out/boot.txt" 2>&1 || rc=$?
sed 's/^/    /' "$out/boot.txt"
grep -E 'verdict|restore' "$out/boot.txt" | sed 's/^ */  says: /'
[ $rc -eq 0 ] || fail "kho boot refused or failed (exit $rc): $(tail -n 1 "$out/boot.txt")"
missing=
grep -Eq 'restore.*(kho_test|kho-test)' "$out/boot.txt" || missing="$missing kho_test"
grep -Eq 'restore.*(memblock|reserve_mem|reserve-mem)' "$out/boot.txt" || missing="$missing reserve_mem"
grep -Eq 'restore.*(memfd|LUO|luo)' "$out/boot.txt" || missing="$missing memfd(LUO)"
[ -z "$missing" ] || fail "kho boot restored nothing for:$missing"
grep -q 'verdict.*PASS' "$out/boot.txt" || fail "kho boot's verdict is not PASS"
# Independently of kho: kernel A's memfd, located through the capture's LUO
# subtree (handover.py decodes luo-v5 and memfd-v2 from the kernel's
# headers), is still byte for byte in ram.img after libkho's boot (scrub on).
want=$(awk '$1 == "memfd" { print $2 ":" $3 }' "$M/expected.txt")
got=$(python3 "$top/tests/kernel/handover.py" memfds "$M" "$B" | python3 -c "import json,sys; print(' '.join('%d:%s' % (f['size'], f['fnv']) for f in json.load(sys.stdin)))") ||
	fail "cannot decode the capture's memfds"
echo "  says: memfd after kho boot: $got (kernel A wrote $want)"
case " $got " in *" $want "*) ;; *) fail "kernel A's memfd did not survive kho boot" ;; esac
python3 - "$B" <<'PY' || fail "a reserve_mem region lost kinit's pattern"
import struct, sys
d = sys.argv[1]
base = [int(l.split("=")[1].split()[0], 0) for l in open(d + "/machine.conf")
        if l.startswith("ram")][0]
for l in open(d + "/expected.txt"):
    w = l.split()
    if w[0] != "reserve_mem":
        continue
    start, size = int(w[2], 0), int(w[3], 0)
    with open(d + "/ram.img", "rb") as f:
        f.seek(start - base)  # one ram line: the whole RAM file
        data = f.read(size)
    bad = sum(1 for i in range(0, size, 8)
              if struct.unpack_from("<Q", data, i)[0] !=
              ((start + i) * 0x9e3779b97f4a7c15 & (2**64 - 1)) ^ 0x4b484f5245534d31)
    print("  says: region %s %#x+%#x after kho boot: %s" % (w[1], start, size, "intact" if not bad else "%d words differ" % bad))
    if bad:
        sys.exit(1)
PY
say "PASS"
