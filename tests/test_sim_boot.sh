#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The simulated machine's own refusals, each one sentence naming the
# machine and the problem, exit 1: a cold boot on RAM too small for the
# kernel, a kho_scratch it cannot parse or reserve, a KHO boot whose
# scratch areas cannot hold the memmap; a handover whose record or scratch
# array is damaged (nothing changed on disk); a lowmem scratch area that
# cannot take the next kernel, refused before the boot when it would kexec; a scratch area over preserved
# blocks, which boots and kexecs; a client that runs out of memory while
# it preserves (no handover written). And a node without RAM boots
# and kexecs, and a handover of more scratch areas than the machine has
# nodes boots. Needs KHO (path to kho); python3.
set -eu
: "${KHO:?KHO must name the kho binary}"
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
H="python3 $ROOT/tests/lib/kho_testdata.py"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-sim-boot.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

sums() { cksum "$1/ram.img" "$1/handover" 2>/dev/null | awk '{ print $1 $2 }'; }

# refused DIR SAYS [boot options]: boot DIR, expect exit 1 and SAYS as the
# one line on stderr, and the machine unchanged.
refused() {
	d=$1 says=$2
	shift 2
	before=$(sums "$d")
	if "$KHO" boot "$d" "$@" >"$T/out" 2>"$T/err"; then
		fail "$d: booted: $(cat "$T/out")"
	else
		rc=$?
	fi
	[ "$rc" -eq 1 ] || fail "$d: exit $rc"
	[ "$(cat "$T/err")" = "kho: $says" ] || fail "$d: said $(cat "$T/err"), not $says"
	[ "$before" = "$(sums "$d")" ] || fail "$d: a refused boot changed the machine"
}

# A cold boot: RAM too small for the kernel image; scratch.
M="$T/tiny"
mkdir "$M"
printf 'page_size = 4096\nram = 0 0x400000\n' >"$M/machine.conf"
truncate -s 4M "$M/ram.img"
refused "$M" "$M: no room for the kernel image (it needs 8 MiB of free RAM below 4 GiB)."
for spec in '1M,100G,0|cannot reserve 102400 MiB of KHO scratch (global): not enough free memory (give the machine more RAM or fewer nodes, or set kho_scratch)' \
	'4294967295%|cannot reserve 343597384 MiB of KHO scratch (lowmem): it must lie below 4 GiB, which cannot hold that much (set kho_scratch)' \
	'18446744073709551615,0,0|cannot reserve 17592186044412 MiB of KHO scratch (lowmem): it must lie below 4 GiB, which cannot hold that much (set kho_scratch)' \
	'100M,0,0|cannot reserve 100 MiB of KHO scratch (lowmem): it must lie below 4 GiB, where the machine has 64 MiB of RAM, not enough of it free (give the machine more RAM below 4 GiB, or set kho_scratch)'; do
	M="$T/scratch-${spec%%|*}"
	"$KHO" machine create "$M" --ram 128M >/dev/null
	echo "kho_scratch = ${spec%%|*}" >>"$M/machine.conf"
	case ${spec#*|} in
	kho_scratch*) refused "$M" "$M/machine.conf: ${spec#*|}." ;;
	*) refused "$M" "$M: ${spec#*|}." ;;
	esac
done

# 0% is the kernel's too: the fixed sizes stay, all zero; the lowmem area
# is raised to hold the kernel.
M="$T/zero-0%"
"$KHO" machine create "$M" --ram 128M >/dev/null
echo "kho_scratch = 0%" >>"$M/machine.conf"
"$KHO" boot "$M" >"$T/out" || fail "kho_scratch = 0%: $(cat "$T/out")"
grep -q '12 MiB (lowmem)' "$T/out" || fail "kho_scratch = 0%: $(cat "$T/out")"

# Values Linux 7.3.4 refuses (kexec_handover.c:688-753: all zero, empty
# fields, a trailing or leading comma, a suffix it does not know, more than
# 10 characters before the %, above 2^32 - 1): the kernel warns and keeps
# its defaults (init/main.c:743-744), and so does the boot, saying so.
"$KHO" machine create "$T/dflt" --ram 128M >/dev/null
"$KHO" boot "$T/dflt" >"$T/out" || fail "default scratch: $(cat "$T/out")"
grep -A2 '^  scratch' "$T/out" >"$T/scratch-default"
for spec in bogus 0,0,0 1M,2M,3M, ,1M,2M,3M 1M,,2M,3M 1MB,2M,3M \
	00000000200% 4294967296% % +% 1M,2M; do
	M="$T/malformed-$spec"
	"$KHO" machine create "$M" --ram 128M >/dev/null
	echo "kho_scratch = $spec" >>"$M/machine.conf"
	"$KHO" boot "$M" >"$T/out" 2>&1 || fail "kho_scratch = $spec: $(cat "$T/out")"
	grep -qF "kho_scratch   \"$spec\" is malformed" "$T/out" ||
		fail "kho_scratch = $spec: not said: $(cat "$T/out")"
	grep -A2 '^  scratch' "$T/out" | cmp -s - "$T/scratch-default" ||
		fail "kho_scratch = $spec: not the defaults: $(cat "$T/out")"
done
# What it accepts, as it reads it: a leading 0 is octal, 0x hex.
M="$T/octal"
"$KHO" machine create "$M" --ram 256M --kho-scratch 020M,0x400000,+0 >/dev/null 2>&1 &&
	fail "+0 is no number to memparse()"
"$KHO" machine create "$M" --ram 256M --kho-scratch 020M,0x400000,04M >/dev/null
"$KHO" boot "$M" >"$T/out" || fail "octal scratch: $(cat "$T/out")"
grep -q '16 MiB (lowmem)' "$T/out" && grep -q '4 MiB (global)' "$T/out" &&
	grep -q '4 MiB (node 0)' "$T/out" || fail "020M,0x400000,04M: $(cat "$T/out")"

# Scratch as small as the kernel allows: the next kernel has no room in
# it for the 16 MiB memmap of 1 GiB.
M="$T/no-memmap"
"$KHO" machine create "$M" --ram 1G >/dev/null
echo "kho_scratch = 1M,0,0" >>"$M/machine.conf"
"$KHO" boot "$M" --preserve memfd:1M --kexec >/dev/null || fail "no-memmap: cold boot"
refused "$M" "$M: no room for the memmap of node 0 (16384 KiB) in the scratch areas."

# A node that has no RAM of its own (node 1's ranges only): no memmap, no
# scratch, and the machine still kexecs.
M="$T/empty-node"
"$KHO" machine create "$M" --ram 128M >/dev/null
sed -i 's/node=0/node=1/' "$M/machine.conf"
"$KHO" boot "$M" --preserve memfd:1M --kexec >"$T/out" || fail "empty node: $(cat "$T/out")"
grep -q '(node 0)' "$T/out" && fail "empty node: node 0 has scratch: $(cat "$T/out")"
grep -q '(node 1)' "$T/out" || fail "empty node: node 1 has no scratch: $(cat "$T/out")"
"$KHO" boot "$M" >"$T/out" || fail "empty node: KHO boot: $(cat "$T/out")"
grep -q 'verdict *PASS' "$T/out" || fail "empty node: $(cat "$T/out")"
# Only node 5 has memory: one node, three scratch areas (lowmem, global,
# node 5), as Linux makes one per node with memory (kexec_handover.c:883).
M="$T/node5"
"$KHO" machine create "$M" --ram 256M >/dev/null
printf 'page_size = 4096\nram = 0 0x10000000 node=5\n' >"$M/machine.conf"
"$KHO" boot "$M" --kexec >"$T/out" || fail "node 5: $(cat "$T/out")"
grep -q 'in 1 ranges, 1 node,' "$T/out" || fail "node 5: $(cat "$T/out")"
[ "$(grep -c -E '\((lowmem|global|node [0-9]+)\)$' "$T/out")" -eq 3 ] &&
	grep -q '(node 5)$' "$T/out" || fail "node 5: scratch: $(cat "$T/out")"
"$KHO" boot "$M" >"$T/out" || fail "node 5: KHO boot: $(cat "$T/out")"
grep -q '(3 areas)' "$T/out" || fail "node 5: handed over: $(cat "$T/out")"
# A handover from a kernel of two nodes to one whose RAM is all node 0's
# (machine.conf changed between them): four areas for one node; the fourth
# is named by its index, not a node, and the boot takes all four.
M="$T/fewer-nodes"
"$KHO" machine create "$M" --ram 256M --nodes 2 >/dev/null
"$KHO" boot "$M" --preserve memfd:1M --kexec >"$T/out" ||
	fail "fewer nodes: $(cat "$T/out")"
sed -i 's/node=1/node=0/' "$M/machine.conf"
"$KHO" boot "$M" >"$T/out" || fail "fewer nodes: KHO boot: $(cat "$T/out")"
grep -q 'in 2 ranges, 1 node,' "$T/out" && grep -q '(4 areas)' "$T/out" &&
	[ "$(grep -c -E ' \((lowmem|global|node 0|area 3)\)$' "$T/out")" -eq 4 ] &&
	grep -q '^ *0x[0-9a-f]*-0x[0-9a-f]* 4 MiB (area 3)$' "$T/out" &&
	grep -q 'verdict *PASS' "$T/out" || fail "fewer nodes: $(cat "$T/out")"

# ---- a damaged handover: the record, the scratch array in RAM ----------
# 128 MiB: scratch lowmem 16 MiB at 0x3000000 (the next kernel), global
# 4 MiB, node 0 20 MiB; the array in a preserved page outside them all
# (@ARRAY@ below). A lowmem area that runs over the hole starts and ends in
# RAM, which is all the library checks.
B="$T/base"
"$KHO" machine create "$B" --ram 128M >/dev/null
"$KHO" boot "$B" --preserve memfd:1M --kexec >/dev/null || fail "base boot"
array=$(printf '%#x' "0x$(od -An -tx8 -j16 -N8 "$B/handover" | tr -d ' ')")
"$KHO" inspect "$B" | grep -q "scratch array $array, 48 bytes" ||
	fail "base: the record's scratch array is not $array"
# what | patches | the refusal
while IFS='|' read -r what patches says; do
	M="$T/$what"
	cp -r --sparse=always "$B" "$M"
	# shellcheck disable=SC2086 # one FIELD=VALUE an argument
	$H handover "$M" $patches >/dev/null || fail "$what: cannot patch"
	refused "$M" "$(echo "$says" | sed "s/@ARRAY@/$array/")"
	rm -rf "$M"
done <<'LIST'
fdt-outside|record:0=0x10000000000|KHO handover refused: the root FDT at 0x10000000000 (4096 bytes) is not in RAM.
array-size|record:3=40|KHO handover refused: the scratch array at @ARRAY@ (40 bytes) is not a whole array in RAM.
array-long|record:3=304|KHO handover refused: 19 scratch areas (1 to 18 expected).
area-spans-hole|area:0:size=0xfd100000|KHO handover refused: scratch area 0 (0x3000000+0xfd100000) is not page-aligned RAM.
no-kernel-area|area:0:size=0x400000 area:2:size=0x400000|KHO handover refused: no scratch area can hold the kernel (8192 KiB).
LIST

# The kernel found room in node 0's area, but the lowmem area the next
# one is loaded into is too small: a boot that would kexec is refused
# before it takes the handover (nothing changed); one that would not boots.
M="$T/low-small"
cp -r --sparse=always "$B" "$M"
$H handover "$M" area:0:size=0x400000 >/dev/null || fail "low-small: cannot patch"
refused "$M" "$M: the lowmem scratch area (4096 KiB) cannot hold the next kernel." \
	--kexec
"$KHO" boot "$M" >"$T/out" 2>&1 || fail "low-small, no kexec: $(cat "$T/out")"
grep -q "restore *memfd: .* intact" "$T/out" || fail "low-small: $(cat "$T/out")"

# Scratch area 0 moved onto the lowest preserved memory: Linux takes it
# (inspect warns), and the blocks restored inside it go back to scratch,
# movable memory, when freed: the outgoing handover's own pages come from
# elsewhere and the kexec goes through (it failed with "cannot start the
# outgoing handover" when a freed block served kho_alloc_preserve()).
M="$T/overlap"
cp -r --sparse=always "$B" "$M"
low=$("$KHO" inspect "$M" --json | python3 -c 'import json, sys
print(hex(json.load(sys.stdin)["ranges"][0][0] & ~0xfff))')
$H handover "$M" area:0:addr="$low" >/dev/null || fail "overlap: cannot patch"
$H handover "$M" area:1:size=0 >/dev/null || fail "overlap: cannot patch"
"$KHO" inspect "$M" >"$T/out" 2>&1 || fail "overlap: inspect refused: $(cat "$T/out")"
grep -q "preserved memory overlaps a scratch area" "$T/out" ||
	fail "overlap: no warning: $(cat "$T/out")"
warnings() { # the "warning" line and the lines that go on from it
	awk '/^  warning / { w = 1; print; next }
	     w && /^                [^ ]/ { print; next } { w = 0 }' "$1"
}
warnings "$T/out" >"$T/warn.inspect"
"$KHO" boot "$M" --preserve memfd:1M --kexec >"$T/out" 2>&1 ||
	fail "overlap: $(cat "$T/out")"
# The boot says what Linux took though it is odd, as inspect says it: an
# empty area, and each preserved range the moved area overlaps.
warnings "$T/out" >"$T/warn.boot"
grep -q "^  warning       scratch area is empty (phys 0x[0-9a-f]*, index 1)\.\?$" \
	"$T/warn.boot" && [ "$(wc -l <"$T/warn.boot")" -ge 2 ] &&
	cmp -s "$T/warn.inspect" "$T/warn.boot" ||
	fail "overlap: boot warned $(cat "$T/warn.boot"), inspect $(cat "$T/warn.inspect")"
"$KHO" boot "$M" >"$T/out" 2>&1 || fail "overlap, next boot: $(cat "$T/out")"
grep -q "restore *memfd: .* intact" "$T/out" || fail "overlap, next boot: $(cat "$T/out")"

# Each client asked for more than the free memory of 128 MiB (and memfd
# for more than its 200 files of 512 KiB): the boot stops, no handover,
# and the sentence says what was free outside and inside KHO scratch.
# Folio orders are random: how far a client got is a pattern. Whether a
# memfd's folios or, after them, its folio array and tree nodes meet the
# end of memory, memfd says it in the same sentence as the others.
M="$T/oom"
"$KHO" machine create "$M" --ram 128M >/dev/null
while IFS='|' read -r args says; do
	# shellcheck disable=SC2086 # args are split on purpose
	if "$KHO" boot "$M" $args --kexec >"$T/out" 2>"$T/err"; then
		fail "$args: preserved"
	fi
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$args: said $(cat "$T/err")"
	grep -qx "kho: $says" "$T/err" || fail "$args: said $(cat "$T/err")"
	[ ! -e "$M/handover" ] || fail "$args: a handover was written"
done <<'LIST'
--preserve memfd:101M|memfd: the machine's free memory ran out after [0-9]* \(KiB\|MiB\) of 101 MiB: of its 128 MiB of RAM, [0-9]* \(bytes\|KiB\|MiB\) is left free outside KHO scratch, too little in blocks large enough, and the [0-9]* MiB free in scratch cannot hold preserved memory\.
--abi kho-v3 --preserve memfd:100M|memfd: the machine's free memory ran out after [0-9]* \(KiB\|MiB\) of 100 MiB: of its 128 MiB of RAM, [0-9]* \(bytes\|KiB\|MiB\) is left free outside KHO scratch, too little in blocks large enough, and the [0-9]* MiB free in scratch cannot hold preserved memory\.
--preserve guest:100M|guest: the machine's free memory ran out after 76 MiB of 100 MiB: of its 128 MiB of RAM, [0-9]* \(bytes\|KiB\|MiB\) is left free outside KHO scratch, too little in blocks large enough, and the [0-9]* MiB free in scratch cannot hold preserved memory\.
--preserve memblock:100M|memblock: no room for reserve_mem region trace (51200 KiB)\.
--preserve kho-test:100M|kho-test: the machine's free memory ran out after [0-9]* \(KiB\|MiB\) of 100 MiB: of its 128 MiB of RAM, [0-9]* \(bytes\|KiB\|MiB\) is left free outside KHO scratch, too little in blocks large enough, and the [0-9]* MiB free in scratch cannot hold preserved memory\.
LIST

# Larger pages: every scratch area is a whole number of alignment units
# (page size << 10: 16 MiB with 16 KiB pages, 64 MiB with 64 KiB), the
# lowmem area's minimum (the kernel and a unit) too; and the kexec line
# names the record the next boot reads (root FDT, scratch array).
for spec in "16K 128M 16" "64K 384M 64"; do
	set -- $spec
	M="$T/align-$1"
	"$KHO" machine create "$M" --ram "$2" --page-size "$1" >/dev/null
	"$KHO" boot "$M" --kexec >"$T/out" || fail "$1 pages: $(cat "$T/out")"
	sizes=$(sed -n 's/^  \(scratch \)* *0x[0-9a-f]*-0x[0-9a-f]* \([0-9]*\) MiB (.*/\2/p' "$T/out")
	[ "$(echo "$sizes" | wc -w)" -eq 3 ] || fail "$1 pages: scratch areas: $(cat "$T/out")"
	for s in $sizes; do
		[ $((s % $3)) -eq 0 ] || fail "$1 pages: a $s MiB scratch area: $(cat "$T/out")"
	done
	said=$(sed -n 's/.*handover: FDT \(0x[0-9a-f]*\), scratch array \(0x[0-9a-f]*\)$/\1 \2/p' "$T/out")
	"$KHO" boot "$M" >"$T/out" || fail "$1 pages: KHO boot: $(cat "$T/out")"
	read_=$(sed -n 's/^  handover *root FDT \(0x[0-9a-f]*\), scratch array \(0x[0-9a-f]*\) .*/\1 \2/p' "$T/out")
	[ -n "$said" ] && [ "$said" = "$read_" ] ||
		fail "$1 pages: kexec said \"$said\", the next boot read \"$read_\""
done

# Preserve sizes and --without (fix-boot)
# memfd:SIZE preserves SIZE bytes on kho-v4 (its last file used to lose
# 100 bytes so as to end inside a page: memfd:1K preserved 924 B), and
# they come back intact.
M="$T/memfd-size"
"$KHO" machine create "$M" --ram 128M >/dev/null
for spec in "1K|1 KiB" "4K|4 KiB" "1M|1 MiB" "1025K|1.00 MiB"; do
	size=${spec%%|*} says=${spec#*|}
	"$KHO" boot "$M" --preserve memfd:"$size" --kexec >"$T/out" ||
		fail "memfd:$size: $(cat "$T/out")"
	grep -q "^  preserve *memfd: $says, " "$T/out" ||
		fail "memfd:$size: $(grep 'preserve *memfd' "$T/out")"
	"$KHO" boot "$M" >"$T/out" || fail "memfd:$size: restore: $(cat "$T/out")"
	grep -q "restore *memfd: .* intact" "$T/out" ||
		fail "memfd:$size: restore: $(grep 'memfd' "$T/out")"
done
# --without kexec-metadata: a kernel that lacks it neither restores nor
# hands it over (it once preserved it all the same, and the boot after
# said "kexec 1 since cold boot" after 3 kexecs); the next kernel, handed
# none, counts from 0 again, as Linux's kho_in_kexec_metadata() does.
M="$T/without-km"
"$KHO" machine create "$M" --ram 128M >/dev/null
"$KHO" boot "$M" --kexec >/dev/null && "$KHO" boot "$M" --kexec >/dev/null ||
	fail "without kexec-metadata: the first two boots"
"$KHO" boot "$M" --without kexec-metadata --kexec >"$T/out" ||
	fail "--without kexec-metadata: $(cat "$T/out")"
grep -q 'unclaimed *subtree "kexec-metadata"' "$T/out" ||
	fail "--without kexec-metadata restored it: $(cat "$T/out")"
grep -q 'preserve *kexec-metadata' "$T/out" &&
	fail "--without kexec-metadata preserved it: $(cat "$T/out")"
"$KHO" boot "$M" --kexec >"$T/out" || fail "after --without: $(cat "$T/out")"
grep -q '^  restore *kexec-metadata: none handed over (the previous kernel had none): the count starts again$' "$T/out" ||
	fail "after --without: $(grep kexec-metadata "$T/out")"
"$KHO" boot "$M" >"$T/out" || fail "two after --without: $(cat "$T/out")"
grep -q 'restore *kexec-metadata: kexec 1 since cold boot or a kernel without kexec-metadata, from ' "$T/out" ||
	fail "two after --without: $(grep kexec-metadata "$T/out")"

# memblock:SIZE on a boot that revives regions: Linux revives a
# reserve_mem region only at the size asked for (mm/memblock.c:2778), so
# memblock:8M after a handover of 2M allocates 4 MiB regions anew (it
# once revived the 1 MiB ones and ignored the size); the same size again
# revives them.
M="$T/memblock-size"
"$KHO" machine create "$M" --ram 128M >/dev/null
"$KHO" boot "$M" --preserve memblock:2M --kexec >/dev/null || fail "memblock:2M"
"$KHO" boot "$M" --preserve memblock:8M --kexec >"$T/out" ||
	fail "memblock:8M after 2M: $(cat "$T/out")"
grep -q '^  restore *memblock: 2 reserve_mem regions intact; trace (1024 KiB) and oops (1024 KiB) are not the 4096 KiB asked for: allocated anew, not revived, as Linux does (' "$T/out" ||
	fail "memblock:8M after 2M: $(grep memblock "$T/out")"
grep -q '^  preserve *memblock: 8 MiB, 2 regions, trace at 0x[0-9a-f]*$' "$T/out" ||
	fail "memblock:8M after 2M: $(grep memblock "$T/out")"
"$KHO" boot "$M" --preserve memblock:8M --kexec >"$T/out" ||
	fail "memblock:8M again: $(cat "$T/out")"
grep -q '^  preserve *memblock: 8 MiB, 2 regions, trace at 0x[0-9a-f]* (revived)$' "$T/out" ||
	fail "memblock:8M again: $(grep memblock "$T/out")"

# kho-v2 on 16 KiB pages has no place for an order-0 page (docs/abi.md):
# memfd and kho-test, which always preserve some, are refused before the
# boot with that reason (memfd once failed mid-boot with "Numerical result
# out of range"); so is memblock when its regions (half of SIZE each,
# rounded up to pages) are an odd number of pages: it once failed only
# after RAM was scrubbed (fix-boot2), and before that wrote a truncated
# handover.
M="$T/v2-16k"
"$KHO" machine create "$M" --ram 512M --page-size 16K >/dev/null
for c in memfd kho-test memblock:1 memblock:32K memblock:96K memblock:160K; do
	refused "$M" "$M: --abi kho-v2 on 16 KiB pages cannot hold ${c%%:*}'s order-0 pages: its tree has no place for them (docs/abi.md); kho-v3 and kho-v4 have." \
		--abi v2 --preserve $c --kexec
	[ ! -e "$M/handover" ] || fail "v2 16K $c wrote a handover"
done
for c in memblock:64K memblock:192K memblock; do
	"$KHO" boot "$M" --abi v2 --preserve $c --kexec >"$T/out" ||
		fail "v2 16K $c: $(cat "$T/out")"
	"$KHO" boot "$M" --preserve $c >"$T/out" ||
		fail "v2 16K $c, the boot after: $(cat "$T/out")"
	grep -q 'restore *memblock: 2 reserve_mem regions intact' "$T/out" ||
		fail "v2 16K $c, the boot after: $(grep memblock "$T/out")"
done
"$KHO" boot "$M" --abi v3 --preserve memfd:1M --preserve kho-test:1M --kexec >"$T/out" ||
	fail "v3 16K: $(cat "$T/out")"

# Two root children of one name (fix-boot2): Linux's kho_retrieve_subtree()
# finds the first only (fdt_subnode_offset(), kexec_handover.c:1661); kho
# boot called the client's restore for both. kho_test comes first in the
# root FDT, memblock second.
M="$T/dup"
"$KHO" machine create "$M" --ram 128M >/dev/null
"$KHO" boot "$M" --preserve kho-test:64K --preserve memblock:64K --kexec >/dev/null ||
	fail "dup: the first boot"
cp -r "$M" "$T/dup2"
$H ram-replace "$M" 'memblock\x00' 'kho_test\x00'
"$KHO" boot "$M" >"$T/out" || fail "dup kho_test: $(cat "$T/out")"
[ "$(grep -c 'restore *kho-test' "$T/out")" -eq 1 ] ||
	fail "dup kho_test: $(grep kho "$T/out")"
grep -q '^  restore *kho-test: KHO restore succeeded' "$T/out" ||
	fail "dup kho_test: $(grep kho "$T/out")"
grep -q '^  unclaimed *subtree "kho_test" at 0x[0-9a-f]*: a second one of that name, which Linux never finds (it finds the first), its memory stays reserved$' "$T/out" ||
	fail "dup kho_test: $(grep kho "$T/out")"
grep -q 'verdict *PASS' "$T/out" || fail "dup kho_test: $(cat "$T/out")"
# The other way round: memblock's restore gets kho_test's blob (the first
# "memblock", as in Linux) and refuses it, once.
M="$T/dup2"
$H ram-replace "$M" 'kho_test\x00' 'memblock\x00'
"$KHO" boot "$M" >"$T/out" && fail "dup memblock passed: $(cat "$T/out")"
[ "$(grep -c 'restore *memblock' "$T/out")" -eq 1 ] ||
	fail "dup memblock: $(grep memblock "$T/out")"
grep -q '^  unclaimed *subtree "memblock" at 0x[0-9a-f]*: a second one of that name' "$T/out" ||
	fail "dup memblock: $(grep memblock "$T/out")"

# Names from memory are shown escaped (fix-boot2): a subtree's name and a
# revived reserve_mem region's name reached the terminal raw.
M="$T/names"
"$KHO" machine create "$M" --ram 128M >/dev/null
"$KHO" boot "$M" --preserve kho-test:64K --preserve memblock:64K --kexec >/dev/null ||
	fail "names: the first boot"
$H ram-replace "$M" 'kho_test\x00' 'g"\x01\xffkho!\x00'
$H ram-replace "$M" 'trace\x00' 'tr\x1b\xc3\\\x00'
"$KHO" boot "$M" --preserve memblock:64K >"$T/out" || fail "names: $(cat "$T/out")"
LC_ALL=C grep -q '[^ -~]' "$T/out" && fail "names: a byte outside printable ASCII was printed"
grep -qF '  unclaimed     subtree "g"\x01\xffkho!" at 0x' "$T/out" ||
	fail "names: $(grep unclaimed "$T/out")"
grep -qF '  preserve      memblock: 64 KiB, 2 regions, tr\x1b\xc3\x5c at 0x' "$T/out" ||
	fail "names: $(grep 'preserve *memblock' "$T/out")"

# Children of the root FDT by name (fix-boot3). A root FDT with one child
# more, a copy of LUO's under NAME, loaded into a copy of a kho-v4 machine.
M="$T/kids"
"$KHO" machine create "$M" --ram 256M >/dev/null
"$KHO" boot "$M" --preserve memfd:1M --kexec >/dev/null || fail "kids: the first boot"
$H fdt-from-machine "$M" "$T/kids.dtb"
fdt_at=$($H handover "$M" | awk '{ print $1 }')
# kids NAME [CHILD]: boot a copy whose root FDT has a second CHILD (LUO)
# named NAME.
kids() {
	rm -rf "$T/kid"
	cp -r "$M" "$T/kid"
	$H fdt-clone-child "$T/kids.dtb" "$T/kid.dtb" "${2:-LUO}" "$1"
	python3 -c "import sys; f = open(sys.argv[1], 'r+b'); f.seek(int(sys.argv[2], 0)); f.write(open(sys.argv[3], 'rb').read())" \
		"$T/kid/ram.img" "$fdt_at" "$T/kid.dtb"
	$H handover "$T/kid" record:1="$(wc -c <"$T/kid.dtb")" >/dev/null
	"$KHO" boot "$T/kid" >"$T/out" 2>&1 || fail "kids $1: $(cat "$T/out")"
	grep -q 'restore *memfd: .* 4 intact' "$T/out" || fail "kids $1: $(cat "$T/out")"
}
# A name longer than 63 bytes was shown cut at 63, without "...".
long=$(printf '%0100dEND' 0 | tr 0 L)
kids "$long"
grep -q "^  unclaimed *subtree \"$long\" at 0x[0-9a-f]*: no client here" "$T/out" ||
	fail "kids long: $(grep unclaimed "$T/out")"
# "memfd" is memfd's child in kho-v2 and kho-v3 only: on kho-v4 the
# kernel looks up "LUO", so a "memfd" child is nobody's (it was claimed,
# and a LUO blob under it was read as memfd-v1).
kids memfd
grep -q '^  unclaimed *subtree "memfd" at 0x[0-9a-f]*: no client here, its memory stays reserved$' "$T/out" ||
	fail "kids memfd: $(grep unclaimed "$T/out")"
# "kho-test" is the client's name, not its subtree's: Linux's test_kho
# looks up "kho_test" only (lib/test_kho.c:322). It was claimed and the
# boot failed.
kids kho-test
grep -q '^  unclaimed *subtree "kho-test" at 0x[0-9a-f]*: no client here, its memory stays reserved$' "$T/out" ||
	fail "kids kho-test: $(grep unclaimed "$T/out")"
grep -q 'verdict *PASS' "$T/out" || fail "kids kho-test: $(cat "$T/out")"
# A second LUO at the first one's address: memfd's restore freed those
# pages, so "its memory stays reserved" was false.
kids LUO
grep -q '^  unclaimed *subtree "LUO" at 0x[0-9a-f]*: a second one of that name, which Linux never finds (it finds the first), at the first one'"'"'s address$' "$T/out" ||
	fail "kids LUO: $(grep unclaimed "$T/out")"
# And on kho-v3 the kernel looks up "memfd": a "LUO" child there is
# nobody's (it was claimed, and the kho-v3 "memfd" child never restored).
M3="$T/kids3"
"$KHO" machine create "$M3" --ram 256M >/dev/null
"$KHO" boot "$M3" --abi kho-v3 --preserve memfd:1M --kexec >/dev/null ||
	fail "kids3: the first boot"
$H fdt-from-machine "$M3" "$T/kids3.dtb"
fdt3=$($H handover "$M3" | awk '{ print $1 }')
rm -rf "$T/kid"
cp -r "$M3" "$T/kid"
$H fdt-clone-child "$T/kids3.dtb" "$T/kid.dtb" memfd LUO
python3 -c "import sys; f = open(sys.argv[1], 'r+b'); f.seek(int(sys.argv[2], 0)); f.write(open(sys.argv[3], 'rb').read())" \
	"$T/kid/ram.img" "$fdt3" "$T/kid.dtb"
$H handover "$T/kid" record:1="$(wc -c <"$T/kid.dtb")" >/dev/null
"$KHO" boot "$T/kid" >"$T/out" 2>&1 || fail "kids3 LUO: $(cat "$T/out")"
grep -q '^  unclaimed *subtree "LUO" at 0x[0-9a-f]*: no client here, its memory stays reserved$' "$T/out" ||
	fail "kids3 LUO: $(grep unclaimed "$T/out")"
grep -q 'restore *memfd: ' "$T/out" && grep -q 'verdict *PASS' "$T/out" ||
	fail "kids3 LUO: $(cat "$T/out")"

# Files of other sessions (fix-boot3): the restore line named two in 128
# bytes, cut an escaped name mid-escape and said nothing of the rest. Now
# whole entries, then "and N more".
rm -rf "$T/kid"
cp -r "$M" "$T/kid"
$H ram-replace "$T/kid" 'kho-sim-memfd-a\x00' "$(printf '%063d' 0 | sed 's/0/\\x01/g')\\x00"
$H ram-replace "$T/kid" 'kho-sim-memfd-b\x00' 'other-b\x00'
"$KHO" boot "$T/kid" >"$T/out" || fail "others: $(cat "$T/out")"
x63=$(printf '%063d' 0 | sed 's/0/\\\\x01/g')
# Two such entries fill the room; a third, short one fits when the
# tokens' hex happens to be short.
two="^  restore *memfd: .*, 0 intact, not ours: $x63/0x[0-9a-f]* 524288 B fnv1a [0-9a-f]\\{16\\}, $x63/0x[0-9a-f]* 524188 B fnv1a [0-9a-f]\\{16\\}"
grep -q -e "$two and 2 more (" -e "$two, other-b/0x[0-9a-f]* 100 B fnv1a [0-9a-f]\\{16\\} and 1 more (" "$T/out" ||
	fail "others: $(grep 'restore *memfd' "$T/out")"
rm -rf "$T/kid"
cp -r "$M" "$T/kid"
$H ram-replace "$T/kid" 'kho-sim-memfd-a\x00' 'x\x00'
$H ram-replace "$T/kid" 'kho-sim-memfd-b\x00' 'y\x00'
"$KHO" boot "$T/kid" >"$T/out" || fail "others: $(cat "$T/out")"
grep -q '^  restore *memfd: .*, 0 intact, not ours: x/[^,]*, x/[^,]*, y/0x[0-9a-f]* 100 B fnv1a [0-9a-f]*, y/0x[0-9a-f]* 0 B fnv1a cbf29ce484222325 (' "$T/out" ||
	fail "others: $(grep 'restore *memfd' "$T/out")"

# SIZE is rounded as man/kho.1 says (fix-boot2): guest to 2 MiB, kho-test
# and memblock's two halves to a page, memfd on kho-v4 not at all.
M="$T/round"
"$KHO" machine create "$M" --ram 128M >/dev/null
"$KHO" boot "$M" --preserve guest:1 --preserve kho-test:1 --preserve memblock:1 \
	--preserve memfd:1 >"$T/out" || fail "round: $(cat "$T/out")"
for want in 'guest: 2 MiB,' 'kho-test: 4 KiB,' 'memblock: 8 KiB, 2 regions' 'memfd: 1 B,'; do
	grep -q "^  preserve *$want" "$T/out" || fail "round: $want: $(grep preserve "$T/out")"
done

echo "sim boot: kernel, scratch, memmap, empty node, damaged record and array, lowmem at kexec, clients out of memory, larger pages' scratch, the record at kexec, duplicate and hostile subtree names"
