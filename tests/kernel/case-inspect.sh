#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "inspect" (real -> libkho): `kho inspect` reads the handover a real
# kernel wrote (the capture case's machine directory, no byte patched),
# notes no problem in it, and agrees with the kernel's own view (agree.py:
# root FDT address, scratch areas from debugfs, every subtree debugfs
# listed, both reserve_mem regions preserved), block for block (address and order, in key order) with the
# radix tree walked by handover.py from the kernel's ABI header, and in its
# counts with the independent Python reader in tests/tools.
. "$(dirname "$0")/lib.sh"
M=$kwork/capture/machine
[ -f "$M/handover" ] || fail "no capture in $M: run case capture first"
[ -x "$KHO" ] || fail "no kho binary at $KHO (make first)"
rc=0
"$KHO" inspect "$M" >"$out/inspect.txt" 2>&1 || rc=$?
sed 's/^/    /' "$out/inspect.txt"
[ $rc -eq 0 ] || fail "kho inspect refused the kernel's handover: $(tail -n 1 "$out/inspect.txt")"
# A note says kernel B could not restore something: none on Linux's own.
! grep -q '^ *note: ' "$out/inspect.txt" ||
	fail "kho inspect notes a problem in the kernel's handover: $(grep -m 1 '^ *note: ' "$out/inspect.txt")"
"$KHO" inspect "$M" --json --blocks >"$out/inspect.json" 2>"$out/inspect.err" ||
	fail "kho inspect --json --blocks: $(cat "$out/inspect.err")"
python3 "$top/tests/kernel/handover.py" blocks "$M" >"$out/blocks.json" ||
	fail "handover.py cannot walk the kernel's tree"
ind=
for r in "$top"/tests/tools/kho_*reader.py; do
	[ -f "$r" ] || continue
	if python3 "$r" "$M" --json >"$out/independent.json" 2>"$out/independent.err"; then
		ind=$out/independent.json
		say "independent reader $(basename "$r") accepts the capture"
	else
		say "independent reader $(basename "$r"): $(cat "$out/independent.err")"
	fi
done
rc=0
python3 "$top/tests/kernel/agree.py" "$M" "$out/inspect.json" $ind \
	--blocks "$out/blocks.json" >"$out/agree.txt" || rc=$?
sed 's/^/    /' "$out/agree.txt"
grep -E '^agree: [0-9]|block for block' "$out/agree.txt" | sed 's/^/  says: /'
[ $rc -eq 0 ] || fail "kho inspect disagrees with the kernel"
[ -n "$ind" ] || fail "no independent reader accepted the capture: blocks not cross-checked"
say "PASS"
