#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "reserve-mem-added": a reserve_mem= region added across a live
# update makes Linux 7.3.4 drop every region at the kexec after, shown on
# three real kernels, A -> B -> C (kinit kcase=rmadd; tests/kernel/kinit.c,
# rm_report(), rm_b() and stage_c()).
#   - Kernel A boots with reserve_mem=1M:PAGE:r1; kinit fills r1 with its
#     pattern and kexecs into B, adding reserve_mem=4G:PAGE:r3 (more than
#     the machine has: it never fits) and reserve_mem=1M:PAGE:r2 (and
#     memblock=debug, so that B's log names the range r2 gets).
#   - Kernel B revives r1 from KHO; r2 is new, and memblock takes it from
#     the scratch areas, the only memory it allocates from while the
#     parameters are parsed (mm/memblock.c:183, set by kho_populate(),
#     kernel/liveupdate/kexec_handover.c:2023, which setup_arch() calls:
#     x86 from parse_setup_data(), arch/x86/kernel/setup.c:976, arm64
#     through early_init_dt_scan(), arch/arm64/kernel/setup.c:292 and
#     drivers/of/fdt.c:1244, :945; reserve_mem= is a __setup parameter,
#     parsed by start_kernel() after setup_arch(), init/main.c:1009 and
#     :1026, and before mm_core_init() at :1049).
#     reserve_mem_init() (mm/memblock.c:2701-2713) preserves every region;
#     kho_preserve_pages() refuses r2, which overlaps scratch
#     (CONFIG_KEXEC_HANDOVER_DEBUG: WARN and -EINVAL,
#     kernel/liveupdate/kexec_handover.c:1232-1236), and prepare_kho_fdt()
#     unpreserves r1 and removes the whole memblock subtree
#     (mm/memblock.c:2613-2641, :2686-2699).
#   - Kernel C (same regions) takes B's handover but revives none: r1 is
#     a fresh allocation without kernel A's pattern.
#   - r3 fails in B and C alike ("reserve_mem: memblock allocation
#     failed", mm/memblock.c:2866) and changes nothing else.
# Run "7.3.4" must show exactly that. Run "fixed", the same three boots
# on 7.3.4 with every patch of patches/ (patches/0009 is this bug's fix:
# a new region of a KHO boot is allocated once KHO has reserved what it
# keeps, outside the scratch areas), must show kernel B allocating r2
# outside every scratch area (kinit fills it with the pattern), handing on
# both regions without a warning, and kernel C reviving r1 with kernel A's
# pattern and r2 with kernel B's. r3, allocated after r2 was asked for,
# is the patch's error path: "no room for "r3" outside the KHO scratch
# areas" in B and C, the region dropped, the table closed up over it (r2
# moves down a slot) and nothing else changed. Anything else fails. In CI on x86_64;
# it also passes on arm64, arm64-16k and arm64-64k.
. "$(dirname "$0")/lib.sh"
patched_prepare
want_of() { # KERNEL PATTERN WHAT: WHAT is missing unless KERNEL's log has PATTERN
	grep -aq -- "$2" "$out/$run-$1.log" || bad="$bad; $run: $3"
}
none_of() { # KERNEL PATTERN WHAT: WHAT happened if KERNEL's log has PATTERN
	! grep -aq -- "$2" "$out/$run-$1.log" || bad="$bad; $run: $3"
}
region() { # KERNEL NAME HOW WHERE PATTERN: the line rm_report() says
	echo "^kinit: rmadd: $1: region $2 \[0x[0-9a-f]*-0x[0-9a-f]*\] $3, $4, kinit_pattern=$5$"
}
for run in 7.3.4 fixed; do
	kinit_boot "log_buf_len=4M kcase=rmadd reserve_mem=1M:$page_k:r1 krm_add=4G:$page_k:r3,1M:$page_k:r2" \
		"$run"
	# The log of each kernel: kinit says "rebooting into" before each kexec.
	tr -d '\r' <"$log" | awk -v a="$out/$run-a.log" -v b="$out/$run-b.log" \
		-v c="$out/$run-c.log" '
		BEGIN { f[0] = a; f[1] = b; f[2] = c; k = 0 }
		{ print > f[k > 2 ? 2 : k] }
		/^kinit: rebooting into / { k++ }'
	for k in a b c; do [ -f "$out/$run-$k.log" ] || : >"$out/$run-$k.log"; done
	evidence "$log" "kinit: reserve_mem r1" "Revived memory reservation" \
		"FDT 'memblock' has no child" "kinit: rmadd" "WARNING: .*kho_preserve_pages" \
		"failed to prepare memblock FDT" "reserve_mem: no room" "found kexec handover" \
		"kinit: kho_in" "kinit: kho_out" "kinit: PASS" "kinit: FAIL" "kinit: stage" \
		"Kernel panic"
	# Kernel A.
	want_of a "^kinit: reserve_mem r1 start=0x[0-9a-f]* size=0x100000 fnv=[0-9a-f]*$" \
		"kernel A's kinit did not fill r1"
	want_of a "^kinit: kexec /kernel, cmdline: .* reserve_mem=4G:$page_k:r3 reserve_mem=1M:$page_k:r2" \
		"kernel A did not load kernel B with r3 and r2 added"
	# Kernel B.
	want_of b "found kexec handover data" "kernel B did not take the handover"
	want_of b "Revived memory reservation 'r1' from KHO" "kernel B did not revive r1"
	none_of b "Revived memory reservation 'r[23]'" "kernel B revived r2 or r3, which kernel A never had"
	want_of b "$(region B r1 "revived from KHO" "outside every scratch area" yes)" \
		"kernel B's r1 is not kernel A's, outside scratch, with its pattern"
	for k in b c; do
		K=$(echo $k | tr bc BC)
		want_of $k "^kinit: rmadd: $K: region r3: neither revived nor allocated" \
			"kernel $K has a region r3"
		none_of $k "Revived memory reservation 'r3'" "kernel $K revived r3"
	done
	# Kernel C.
	want_of c "found kexec handover data" "kernel C did not take kernel B's handover"
	case $run in
	7.3.4)
		want_of b "$(region B r2 "allocated at boot" "inside scratch area [0-9]" no)" \
			"kernel B's r2 does not lie inside a scratch area"
		for k in b c; do
			want_of $k "reserve_mem: memblock allocation failed" \
				"kernel $k did not fail r3's allocation"
		done
		want_of b "WARNING: kernel/liveupdate/kexec_handover.c:[0-9]* at kho_preserve_pages+" \
			"kernel B did not warn in kho_preserve_pages()"
		want_of b "failed to prepare memblock FDT for KHO: -22" \
			"kernel B did not drop its memblock subtree with -EINVAL"
		none_of b "^kinit: kho_out memblock" "kernel B still hands on a memblock subtree"
		want_of b "^kinit: kexec /kernel, cmdline: .*reserve_mem=1M:$page_k:r1 .*reserve_mem=1M:$page_k:r2 .*kstage=c krm_kept=r1$" \
			"kernel B did not load kernel C with both regions, r1 kept"
		none_of c "Revived memory reservation" "kernel C revived a region"
		none_of c "^kinit: kho_in memblock" "kernel C was handed a memblock subtree"
		want_of c "$(region C r1 "allocated at boot" ".*" no)" \
			"kernel C's r1 is not a fresh region without kernel A's pattern"
		want_of c "$(region C r2 "allocated at boot" ".*" no)" \
			"kernel C did not allocate r2 afresh"
		want_of c "^kinit: FAIL rmadd: region r1 kept by kernel B revived in kernel C with its contents" \
			"kernel C's kinit did not find r1 lost"
		# Not anchored at the end: a kernel message printed while kinit
		# writes may land before its newline ("1 failuretsc: ...").
		want_of c "^kinit: stage C done, 1 failure\($\|[^s]\)" \
			"kernel C's init did not finish with exactly the one FAIL line of r1 (QEMU exit $rc)"
		;;
	fixed)
		want_of b "$(region B r2 "allocated at boot" "outside every scratch area" no)" \
			"the patched kernel B did not allocate r2 outside every scratch area"
		want_of b "^kinit: rmadd: B: region r2 filled with the pattern" \
			"kernel B's kinit did not fill r2"
		for k in b c; do
			want_of $k "^kinit: kmsg: reserve_mem: no room for \"r3\" outside the KHO scratch areas$" \
				"the patched kernel $k did not drop r3 for want of room outside scratch"
		done
		none_of b "WARNING: .*kho_preserve_pages" "the patched kernel B warned in kho_preserve_pages()"
		none_of b "failed to prepare memblock FDT" "the patched kernel B dropped its memblock subtree"
		want_of b "^kinit: kho_out memblock" "the patched kernel B hands on no memblock subtree"
		want_of b "^kinit: kexec /kernel, cmdline: .*reserve_mem=1M:$page_k:r1 .*reserve_mem=1M:$page_k:r2 .*kstage=c krm_kept=r1,r2$" \
			"kernel B did not load kernel C with both regions, both kept"
		want_of c "^kinit: kho_in memblock" "kernel C was handed no memblock subtree"
		want_of c "Revived memory reservation 'r1' from KHO" "kernel C did not revive r1"
		want_of c "Revived memory reservation 'r2' from KHO" "kernel C did not revive r2"
		for r in r1 r2; do
			want_of c "$(region C $r "revived from KHO" "outside every scratch area" yes)" \
				"kernel C's $r is not kernel B's, outside scratch, with the pattern"
			want_of c "^kinit: PASS rmadd: region $r kept by kernel B revived in kernel C with its contents" \
				"kernel C's kinit did not find $r back with its contents"
		done
		want_of c "^kinit: stage C done, 0 failures" \
			"the patched kernel C's init did not finish without a FAIL line (QEMU exit $rc)"
		;;
	esac
	! grep -aq "Kernel panic\|kernel BUG" "$log" || bad="$bad; $run: a kernel crashed"
done
says "$out/serial-7.3.4.log" "kinit: rmadd: B: region r2" "WARNING: .*kho_preserve_pages" \
	"failed to prepare memblock FDT" "kinit: rmadd: C: region r1" \
	"kinit: FAIL rmadd"
says "$out/serial-fixed.log" "kinit: rmadd: B: region r2" "kinit: kmsg: reserve_mem: no room" \
	"kinit: rmadd: C: region r1" "kinit: rmadd: C: region r2" "kinit: stage C done"
[ -z "$bad" ] || fail "${bad#; }"
say "PASS: 7.3.4 puts the added region r2 in scratch, refuses to preserve it and hands on neither r1 nor r2; patched, r2 lies outside scratch and kernel C revives both; r3, too large, is dropped by both"
