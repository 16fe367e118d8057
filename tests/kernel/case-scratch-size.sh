#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "scratch-size": how Linux sizes the KHO scratch areas, and the fix
# patches/0006-kexec-kho-size-the-per-node-scratch-areas-before-the-others-are-reserved.patch.
#
# Kernel A reserves the lowmem and the global scratch areas and only then
# sizes each node's as scratch_scale (200%) of the kernel memory memblock
# holds on the node (kernel/liveupdate/kexec_handover.c:789-805, :856-895),
# which by then counts those two areas (reserved MEMBLOCK_RSRV_KERN,
# mm/memblock.c:1587): the node's area is 200% of kernel + lowmem + global.
# kinit (kcase=capture, then the halt stub) prints debugfs
# kho/out/scratch_len: lowmem L, global G, node N.
#   - Linux 7.3.4 as released: N >= 2 (L + G).
#   - The patched kernel (every patch of patches/, lib.sh patched_kdir):
#     N < 2 (L + G), the node's area sized before the other two exist.
# (x86_64, 1 GiB: 76, 0 and 228 MiB on 7.3.4; 76, 0 and 76 patched.)
# Needs the default scale: arm64-64k passes fixed sizes (lib.sh) and skips.
. "$(dirname "$0")/lib.sh"
case $kho_args in *kho_scratch=*) skip "this guest's kernel A takes fixed scratch sizes ($kho_args)" ;; esac
patched_prepare
for run in released patched; do
	kinit_boot "liveupdate=on kcase=capture" "$run"
	evidence "$log" "kinit: scratch" "KHO:"
	# shellcheck disable=SC2046
	set -- $(grep -a "kinit: scratch_len " "$log" | tr -d '\r' | awk '{ print $3 }')
	if [ $# -ne 3 ]; then
		bad="$bad; $run: kho/out/scratch_len does not list three areas (QEMU exit $rc)"
		continue
	fi
	l=$(($1)) g=$(($2)) n=$(($3))
	echo "  says: $run: scratch lowmem $((l >> 20)) MiB, global $((g >> 20)) MiB, node 0 $((n >> 20)) MiB"
	if [ "$run" = released ]; then
		[ "$n" -ge $((2 * (l + g))) ] ||
			bad="$bad; 7.3.4's node area is less than twice lowmem and global together: not the sizing described"
	else
		[ "$n" -lt $((2 * (l + g))) ] ||
			bad="$bad; the patched kernel's node area is still at least twice lowmem and global together"
	fi
done
[ -z "$bad" ] || fail "${bad#; }"
say "PASS: the node's scratch area counts lowmem and global on 7.3.4, not with patches/0006"
