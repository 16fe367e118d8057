#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "libkho-real" (libkho -> real kernel, arm64): libkho's simulated
# machine is kernel A. Its RAM starts at 0x40000000 as on QEMU virt; `kho
# boot --preserve ... --kexec` writes a kho-v4 handover into ram.img. Then a
# real arm64 Linux boots on that very RAM file (memory-backend-file) with
# QEMU's own DTB plus /chosen linux,kho-fdt and linux,kho-scratch.
# Before booting, nothing QEMU loads (Image, initrd, DTB: "info roms") may
# land on the handover (handover.py overlap).
# Kernel B's own words decide: "found kexec handover data", "Revived memory
# reservation" for each reserve_mem region libkho handed over (and kinit,
# after dirtying free memory, finds their bytes as libkho left them), test_kho
# "KHO restore succeeded" for libkho's kho_test subtree, and the memfd back
# through /dev/liveupdate for libkho's LUO session.
# LIBKHO_PRESERVE overrides the --preserve options.
. "$(dirname "$0")/lib.sh"
[ "$arch" = arm64 ] || skip "the device-tree handover needs arm64 (x86 needs setup_data from a loader)"
[ -x "$KHO" ] || fail "no kho binary at $KHO (make first)"
M=$out/machine
"$KHO" machine create "$M" --ram 1G --ram-base 0x40000000 >"$out/create.txt" ||
	fail "kho machine create --ram-base: $(cat "$out/create.txt")"
# shellcheck disable=SC2086
"$KHO" boot "$M" ${LIBKHO_PRESERVE:---preserve memblock --preserve memfd:1M --preserve kho-test} \
	--kexec >"$out/boot-a.txt" 2>&1 ||
	fail "kho boot --kexec: $(tail -n 1 "$out/boot-a.txt")"
sed 's/^/    /' "$out/boot-a.txt"
python3 "$top/tests/kernel/handover.py" info "$M" >"$out/handover.json" ||
	fail "cannot read libkho's handover"
"$KHO" inspect "$M" --json >"$out/inspect.json" 2>"$out/inspect.err" ||
	fail "kho inspect refuses libkho's own handover: $(cat "$out/inspect.err")"
# Kernel B's command line: the reserve_mem regions libkho handed over, by
# name and size, and what kinit should check.
eval "$(python3 - "$out/handover.json" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))
print("compat='%s'" % h["compatible"])
print("subtrees='%s'" % " ".join(c["name"] for c in h["children"]))
print("rm='%s'" % " ".join("reserve_mem=%d:4096:%s" % (r["size"], r["name"]) for r in h["regions"]))
print("regions='%s'" % " ".join("%s=%s" % (r["name"], r["fnv"]) for r in h["regions"]))
PY
)"
say "libkho handed over $compat with subtrees: $subtrees"
# QEMU's DTB, with the handover in /chosen.
qemu "$kdir/image" "$kwork/initrd-b.cpio" "console=$console" "$out/dumpdtb.log" \
	--dumpdtb "$out/qemu.dtb" >/dev/null 2>&1 || true
[ -s "$out/qemu.dtb" ] || fail "QEMU did not dump its DTB"
dtc -q -I dtb -O dts -o "$out/qemu.dts" "$out/qemu.dtb"
python3 "$top/tests/kernel/handover.py" chosen "$M" "$out/qemu.dts" "$out/kho.dts"
dtc -q -I dts -O dtb -o "$out/kho.dtb" "$out/kho.dts"
append="console=$console kho=on panic=-1 liveupdate=on kstage=b kdirty=1 $rm"
case " $subtrees " in *" LUO "*) append="$append kcheck_memfd=1 ${LIBKHO_LUO_ARGS:-}" ;; esac
# Where QEMU puts Image, initrd and DTB (same machine, RAM not the file).
printf 'info roms\nquit\n' | timeout -k 5 60 qemu-system-aarch64 \
	-M virt -cpu "${QEMU_CPU:-cortex-a72}" -m 1G -S -nographic -nodefaults \
	-monitor stdio -kernel "$kdir/image" -initrd "$kwork/initrd-b.cpio" \
	-dtb "$out/kho.dtb" -append "$append" >"$out/roms.txt" 2>&1 || true
grep 'mem=ram' "$out/roms.txt" | tr -d '\r' | sed 's/^/    /'
python3 "$top/tests/kernel/handover.py" overlap "$M" "$out/roms.txt" "$out/inspect.json" \
	>"$out/overlap.txt" || { cat "$out/overlap.txt"; fail "QEMU would load onto the handover"; }
cat "$out/overlap.txt" | sed 's/^/  says: /'
log=$out/serial.log
rc=0
qemu "$kdir/image" "$kwork/initrd-b.cpio" "$append" "$log" \
	--ram-file "$M/ram.img" --dtb "$out/kho.dtb" || rc=$?
evidence "$log" "KHO" "kho" "reserve" "Revived" "kinit:" "LUO" "liveupdate" "test_kho"
says "$log" "found kexec handover data" "incompatible" "disabling KHO" "KHO restore" "kinit: stage B done"
bad=
grep -aq "found kexec handover data" "$log" || bad="$bad; kernel B did not take the handover"
for r in $regions; do
	name=${r%%=*}
	hash=${r#*=}
	grep -aq "Revived memory reservation '$name' from KHO" "$log" ||
		bad="$bad; reserve_mem $name not revived"
	l=$(grep -a "kinit: reserve_mem $name " "$log" | tr -d '\r')
	echo "  says: $l (libkho wrote fnv=$hash)"
	case $l in *"fnv=$hash "*) ;; *) bad="$bad; reserve_mem $name contents differ" ;; esac
done
[ -n "$regions" ] || bad="$bad; libkho handed over no reserve_mem region"
case " $subtrees " in
*" kho_test "*) grep -aq "KHO restore succeeded" "$log" || bad="$bad; test_kho did not restore libkho's kho_test" ;;
*) bad="$bad; libkho handed over no kho_test subtree" ;;
esac
case " $subtrees " in
*" LUO "*) grep -aq "kinit: PASS memfd" "$log" || bad="$bad; memfd not back through /dev/liveupdate" ;;
*) bad="$bad; libkho handed over no LUO session" ;;
esac
grep -aq "kinit: stage B done" "$log" || bad="$bad; kernel B's init did not finish (QEMU exit $rc)"
[ -z "$bad" ] || fail "${bad#; }"
say "PASS"
