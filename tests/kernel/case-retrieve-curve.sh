#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "retrieve-curve": how long real kernel B takes to take over N
# scattered order-0 pages, on the kernel as Debian ships it and on the same
# kernel with patches/*.patch applied (issue 11 item 5). Too slow for CI
# (minutes); run it by name:
#
#   make kernel-check KERNEL_CASES="retrieve-curve:x86_64 retrieve-curve:arm64"
#   RETRIEVE_PAGES="5000 10000 20000 40000 80000" sh tests/kernel/case-retrieve-curve.sh x86_64
#
# For each N and each kernel, kernel A (kinit kcase=scatter) preserves a
# memfd of N pages that are not physically adjacent in a LUO session and
# kexecs into the same kernel. Kernel B's kho_memory_init() (mm/mm_init.c,
# in mm_core_init() between report_meminit() and memblock_free_all()) runs
# kho_mem_retrieve(), which reserves every preserved block in memblock.
# Its time is read on the host: kernel B writes its log to the serial port
# as it goes (earlyprintk or earlycon; printk's own stamps are all 0.000000
# that early under TCG, sched_clock is not running yet), and a follower here
# stamps each line of QEMU's serial file when it appears (polled every
# 0.5 ms). The span runs from the "mem auto-init:" line (report_meminit(),
# the last line before kho_memory_init()) to the "SLUB:" line
# (kmem_cache_init(), the first line after it). It also holds
# memblock_free_all() and mem_init() (the N=RETRIEVE_BASE row shows that
# fixed part), and it is wall time of a TCG guest on a shared machine:
# compare the two kernels at the same N, in one run.
#
# Environment: RETRIEVE_PAGES (default "5000 10000 20000 40000"),
# RETRIEVE_BASE (a small N for the fixed part, default 16; empty: none),
# RETRIEVE_PATCHES (default: patches/0001-memblock-*.patch, the one this
# curve is about; see scripts/kernel/build.sh KERNEL_PATCHES), QEMU_MEM (default 1G here;
# 2 * N pages must fit, so 160000 needs 2G).
# Passes when every boot reached kernel B's init, kernel B took the handover
# and each N came out scattered (at most 5% of the pages adjacent to another
# kept page: 160000 pages in 2G gave 1.4%).
. "$(dirname "$0")/lib.sh"
pages=${RETRIEVE_PAGES:-5000 10000 20000 40000}
base=${RETRIEVE_BASE-16}
patches=${RETRIEVE_PATCHES:-$top/patches/0001-memblock-start-range-scans-at-the-first-region-above.patch}
res=$out/curve.tsv

# The patched kernel (its own cache directory) and an initrd that carries
# it as kernel B; the unpatched one is lib.sh's $kdir.
pdir=$(KERNEL_PATCHES=$patches "$scripts/build.sh" "$arch") ||
	fail "cannot build the patched kernel"
KINIT_KHO= "$scripts/initrd.sh" "$arch" "$pdir" "$out/patched-initrd" ||
	fail "cannot build the patched kernel's initrds"
say "unpatched: $kdir"
say "patched:   $pdir ($(tr '\n' ' ' <"$pdir/patches" | sed 's,[^ ]*/,,g'))"

# follow LOG STAMPS: until killed, copy each line of QEMU's serial file LOG
# to STAMPS as "SECONDS<tab>LINE", SECONDS when the line was complete.
follow() {
	python3 - "$1" "$2" <<'PY' &
import os, sys, time
path, out = sys.argv[1], sys.argv[2]
while not os.path.exists(path):
    time.sleep(0.0005)
src, dst, rest, t0 = open(path, "rb"), open(out, "w"), b"", time.monotonic()
while True:
    data = src.read(65536)
    if not data:
        time.sleep(0.0005)
        continue
    now = time.monotonic() - t0
    *lines, rest = (rest + data).split(b"\n")
    for l in lines:
        dst.write("%.4f\t%s\n" % (now, l.decode("utf-8", "replace").rstrip("\r")))
    dst.flush()
PY
	follower=$!
}

# stamp STAMPS PATTERN: the host time of kernel B's (the last) line
# matching PATTERN.
stamp() {
	grep -a -- "$2" "$1" | tail -n 1 | cut -f 1
}

# Kernel B's log must reach the serial port as it is printed, not when
# the console registers: lib.sh's $early.

printf 'pages\tkernel\tretrieve_s\tadjacent\n' >"$res"
for n in $base $pages; do
	for v in unpatched patched; do
		case $v in
		unpatched) k=$kdir i=$kwork/initrd-a.cpio ;;
		patched) k=$pdir i=$out/patched-initrd/initrd-a.cpio ;;
		esac
		log=$out/serial-$n-$v.log
		st=$out/stamps-$n-$v.tsv
		rm -f "$log"
		follow "$log" "$st"
		rc=0
		QEMU_MEM=${QEMU_MEM:-1G} qemu "$k/image" "$i" \
			"console=$console $early $kho_args panic=-1 liveupdate=on kcase=scatter kscatter=$n" \
			"$log" || rc=$?
		sleep 0.1
		kill "$follower" 2>/dev/null || true
		wait "$follower" 2>/dev/null || true
		grep -aq "kinit: stage B up" "$log" ||
			{ bad="$bad; N=$n $v: kernel B's init never ran (QEMU exit $rc, $log)"; continue; }
		grep -aq "found kexec handover data" "$log" ||
			bad="$bad; N=$n $v: kernel B did not take the handover"
		adj=$(grep -a "kinit: scatter: $n pages" "$log" | tr -d '\r' |
			sed -n 's/.* \([0-9]*\) adjacent.*/\1/p')
		[ -n "$adj" ] && [ $((adj * 20)) -le "$n" ] ||
			bad="$bad; N=$n $v: pages not scattered (${adj:-?} adjacent)"
		t0=$(stamp "$st" "mem auto-init:")
		t1=$(stamp "$st" "SLUB: HWalign")
		[ -n "$t0" ] && [ -n "$t1" ] ||
			{ bad="$bad; N=$n $v: no lines around kho_memory_init() in $st"; continue; }
		dt=$(echo "$t1 - $t0" | bc -l | sed 's/^\./0./')
		printf '%s\t%s\t%s\t%s\n' "$n" "$v" "$dt" "$adj" >>"$res"
		say "N=$n $v: kho_memory_init() span $dt s (${adj} of $n pages adjacent)"
	done
done
# The table: both kernels per N and their ratio.
awk -F '\t' 'NR > 1 { t[$1, $2] = $3; if (!($1 in seen)) { seen[$1] = 1; o[++k] = $1 } }
END {
	printf "  says: %8s %12s %12s %10s\n", "pages", "unpatched_s", "patched_s", "ratio"
	for (j = 1; j <= k; j++) {
		u = t[o[j], "unpatched"]; p = t[o[j], "patched"]
		r = (p > 0) ? sprintf("%.1f", u / p) : "-"
		printf "  says: %8d %12s %12s %10s\n", o[j], u, p, r
	}
}' "$res"
[ -z "$bad" ] || fail "${bad#; }"
say "PASS: table in $res"
