#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "live-inspect" (x86_64): a static `kho` inside the real guest reads
# the live kernel's handover (/proc/kcore, debugfs kho/out) and agrees with
# `kho inspect` of the capture taken from outside right after.
#
# Kernel A preserves test_kho's folios and two reserve_mem regions, kinit
# kexec_file_loads the halt stub (the handover is complete), then works
# around the short debugfs kho/out/fdt (its size is fixed when the file is
# made, before subtrees are added): it finds the page that starts with the
# same bytes in RAM through /dev/mem and saves the whole FDT, as long as its
# header says. It runs `kho inspect --fdt FDT --mem kcore:/proc/kcore
# --scratch /debugfs/kho/out --json --blocks` and prints the JSON; then the stub
# stops the machine and capture.py turns the RAM file into a machine
# directory, which the host's `kho inspect --json --blocks` reads: the
# same blocks, block for block.
. "$(dirname "$0")/lib.sh"
[ "$arch" = x86_64 ] || skip "a static kho for the guest is built for x86_64 only"
[ -x "$KHO" ] || fail "no kho binary at $KHO (make first)"
b=$(dirname "$KHO")
# The libraries the Makefile links kho with, and libelf's zlib.
libs=$(sed -n 's/^LDLIBS_ALL := //p' "$top/Makefile")
# shellcheck disable=SC2086
cc -static -o "$out/kho-static" "$b"/obj/tools/kho/*.o "$b/libkho-sim.a" \
	"$b/libkho.a" $libs -lz >"$out/link.txt" 2>&1 ||
	fail "cannot link a static kho: $(grep -m 1 'undefined\|cannot find' "$out/link.txt")"
KINIT_KHO=$out/kho-static "$scripts/initrd.sh" "$arch" "$kdir" "$out/initrd"
log=$out/serial.log
ram=$out/guest-ram
rc=0
qemu "$kdir/image" "$out/initrd/initrd-a.cpio" \
	"console=$console kho=on panic=-1 kcase=live reserve_mem=1M:4K:kho_rm1 reserve_mem=256K:64K:kho_rm2" \
	"$log" --ram-file "$ram" || rc=$?
evidence "$log" "kinit: root FDT" "kinit: live: " "KHOSTUB"
says "$log" "kinit: root FDT" "kinit: live: kho inspect exit"
grep -a "kinit: live " "$log" | tr -d '\r' | sed 's/^kinit: live //' >"$out/live.json"
grep -aq "kinit: live: kho inspect exit 0" "$log" ||
	fail "kho inspect in the guest failed: $(grep -a 'kinit: live ' "$log" | tail -n 1 | tr -d '\r')"
python3 "$top/tests/kernel/capture.py" "$arch" "$log" "$ram" "$out/machine" \
	--ram-base "$ram_base" >/dev/null || fail "capture.py refused the capture"
"$KHO" inspect "$out/machine" --json --blocks >"$out/outside.json" 2>"$out/outside.err" ||
	fail "kho inspect of the capture: $(cat "$out/outside.err")"
python3 - "$out/live.json" "$out/outside.json" <<'PY' || fail "the live view and the capture disagree"
import json, sys
live, outside = (json.load(open(f)) for f in sys.argv[1:3])
bad = 0
for key in ("blocks_per_order", "blocks", "preserved_bytes", "ranges", "block_list"):
    same = live.get(key) == outside.get(key)
    shown = live.get(key)
    if key in ("ranges", "block_list"):
        shown = "%d entries" % len(shown or [])
    print("  says: %s %s: live %s" % (key, "agrees" if same else "DIFFERS", shown))
    bad += not same
# The live run reads the FDT from a file: its address is kinit's to say.
b = (outside.get("fdt") or {}).get("addr")
print("  says: root FDT of the capture at %s" % (hex(b) if isinstance(b, int) else b))
ls = sorted(s.get("name") for s in live.get("subtrees", []))
os_ = sorted(s.get("name") for s in outside.get("subtrees", []))
print("  says: subtrees live %s, capture %s" % (ls, os_))
bad += ls != os_
sys.exit(1 if bad else 0)
PY
fdt=$(python3 -c "import json,sys; print(hex(json.load(open(sys.argv[1]))['fdt']['addr']))" "$out/outside.json")
tr -d '\r' <"$log" | grep -aq "the whole FDT is at $fdt\$" ||
	fail "kinit found the root FDT elsewhere than the handover says"
say "PASS"
