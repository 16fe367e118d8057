#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "reserve-mem-added": a reserve_mem= region added across a live
# update makes Linux 7.3.4 drop every region at the kexec after, shown on
# three real kernels, A -> B -> C (kinit kcase=rmadd; tests/kernel/kinit.c,
# rm_report(), rm_b() and stage_c()).
#   - Kernel A boots with reserve_mem=1M:PAGE:r1; kinit fills r1 with its
#     pattern and kexecs into B, adding reserve_mem=1M:PAGE:r2 (and
#     memblock=debug, so that B's log names the range r2 gets).
#   - Kernel B revives r1 from KHO; r2 is new, and memblock takes it from
#     the scratch areas, the only memory it allocates from while the early
#     parameters are parsed (mm/memblock.c:183, set by kho_populate(),
#     kernel/liveupdate/kexec_handover.c:2023, which x86 calls before
#     parse_early_param(), arch/x86/kernel/setup.c:976 and :989).
#     reserve_mem_init() (mm/memblock.c:2701-2713) preserves every region;
#     kho_preserve_pages() refuses r2, which overlaps scratch
#     (CONFIG_KEXEC_HANDOVER_DEBUG: WARN and -EINVAL,
#     kernel/liveupdate/kexec_handover.c:1232-1236), and prepare_kho_fdt()
#     unpreserves r1 and removes the whole memblock subtree
#     (mm/memblock.c:2613-2641, :2686-2699).
#   - Kernel C (same two regions) takes B's handover but revives neither:
#     r1 is a fresh allocation without kernel A's pattern.
# 7.3.4 must show exactly that; anything else fails. x86_64 only: the
# order of kho_populate() and parse_early_param() cited is x86's.
. "$(dirname "$0")/lib.sh"
[ "$arch" = x86_64 ] || skip "shown on x86_64 only (the scratch-only window cited is x86's setup_arch())"
kinit_boot "log_buf_len=4M kcase=rmadd reserve_mem=1M:$page_k:r1 krm_add=1M:$page_k:r2"
# The log of each kernel: kinit says "rebooting into" before each kexec.
tr -d '\r' <"$log" | awk -v a="$out/a.log" -v b="$out/b.log" -v c="$out/c.log" '
	BEGIN { f[0] = a; f[1] = b; f[2] = c; k = 0 }
	{ print > f[k > 2 ? 2 : k] }
	/^kinit: rebooting into / { k++ }'
for k in a b c; do [ -f "$out/$k.log" ] || : >"$out/$k.log"; done
evidence "$log" "kinit: reserve_mem r1" "Revived memory reservation" \
	"FDT 'memblock' has no child" "kinit: rmadd" "WARNING: .*kho_preserve_pages" \
	"failed to prepare memblock FDT" "found kexec handover" "kinit: kho_in" \
	"kinit: kho_out" "kinit: FAIL" "kinit: stage" "Kernel panic"
bad=
want() { # KERNEL PATTERN WHAT: WHAT is missing unless KERNEL's log has PATTERN
	grep -aq -- "$2" "$out/$1.log" || bad="$bad; $3"
}
none() { # KERNEL PATTERN WHAT: WHAT happened if KERNEL's log has PATTERN
	! grep -aq -- "$2" "$out/$1.log" || bad="$bad; $3"
}
# Kernel A.
want a "^kinit: reserve_mem r1 start=0x[0-9a-f]* size=0x100000 fnv=[0-9a-f]*$" \
	"kernel A's kinit did not fill r1"
want a "^kinit: kexec /kernel, cmdline: .* reserve_mem=1M:$page_k:r2" \
	"kernel A did not load kernel B with r2 added"
# Kernel B.
want b "found kexec handover data" "kernel B did not take the handover"
want b "Revived memory reservation 'r1' from KHO" "kernel B did not revive r1"
none b "Revived memory reservation 'r2'" "kernel B revived r2, which kernel A never had"
want b "^kinit: rmadd: B: region r1 \[.*\] revived from KHO, outside every scratch area, kinit_pattern=yes" \
	"kernel B's r1 is not kernel A's, outside scratch, with its pattern"
want b "^kinit: rmadd: B: region r2 \[.*\] allocated at boot, inside scratch area [0-9]" \
	"kernel B's r2 does not lie inside a scratch area"
want b "WARNING: kernel/liveupdate/kexec_handover.c:[0-9]* at kho_preserve_pages+" \
	"kernel B did not warn in kho_preserve_pages()"
want b "failed to prepare memblock FDT for KHO: -22" \
	"kernel B did not drop its memblock subtree with -EINVAL"
none b "^kinit: kho_out memblock" "kernel B still hands on a memblock subtree"
want b "^kinit: kexec /kernel, cmdline: .*reserve_mem=1M:$page_k:r1 .*reserve_mem=1M:$page_k:r2 .*kstage=c krm_kept=r1$" \
	"kernel B did not load kernel C with both regions"
# Kernel C.
want c "found kexec handover data" "kernel C did not take kernel B's handover"
none c "Revived memory reservation" "kernel C revived a region"
none c "^kinit: kho_in memblock" "kernel C was handed a memblock subtree"
want c "^kinit: rmadd: C: region r1 \[.*\] allocated at boot, .*kinit_pattern=no" \
	"kernel C's r1 is not a fresh region without kernel A's pattern"
want c "^kinit: rmadd: C: region r2 \[.*\] allocated at boot" \
	"kernel C did not allocate r2 afresh"
want c "^kinit: FAIL rmadd: kernel A's region r1 revived in kernel C with its contents" \
	"kernel C's kinit did not find r1 lost"
want c "^kinit: stage C done, 1 failure$" \
	"kernel C's init did not finish with exactly the one FAIL line of r1 (QEMU exit $rc)"
! grep -aq "Kernel panic\|kernel BUG" "$log" || bad="$bad; a kernel crashed"
says "$log" "kinit: rmadd: B: region r2" "WARNING: .*kho_preserve_pages" \
	"failed to prepare memblock FDT" "kinit: rmadd: C: region r1" \
	"kinit: FAIL rmadd"
[ -z "$bad" ] || fail "${bad#; }"
say "PASS: 7.3.4 puts the added region r2 in scratch, refuses to preserve it and hands on neither r1 nor r2"
