#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "luo-retry-nomem": patches/0010's page-cache failure path, on the
# real kernel. luo-bugs fails a memfd retrieve midway with strict
# overcommit, which fails shmem's accounting only; here the folio cannot
# be added to the page cache. Kernel A preserves a 16 MiB memfd (kinit
# kcase=luobugs kfailslab=SPACE); kernel B retrieves it with every slab
# allocation of its task failing once SPACE bytes were allocated (debugfs
# failslab, /proc/self/make-it-fail), so that an XArray node of the page
# cache cannot be had midway, then turns that off and retrieves again.
# Run "7.3.4" must fail the first retrieve at a folio past the first ("shmem:
# failed to add to page cache folio index N: -12") and the second too, the
# file gone (the bug luo-bugs shows with overcommit). Run "fixed" (every
# patch of patches/) must fail the first the same way, then give the file
# back whole: contents intact, 32768 blocks. Neither may BUG (these kernels
# have CONFIG_DEBUG_VM: the folio taken out of the page cache and uncharged
# again passes its VM_BUG_ONs). Both kernels are built with
# KERNEL_CONFIG=extra (scripts/kernel/extra.config: slab fault
# injection, which no other case's kernel has). 4 KiB pages only: the
# SPACE below is measured for them.
KERNEL_CONFIG=extra
export KERNEL_CONFIG
. "$(dirname "$0")/lib.sh"
[ "$page_size" = 4096 ] || skip "the slab budget is measured for 4 KiB pages; this kernel's pages are $page_k"
patched_prepare
space=${FAILSLAB_SPACE:-20000}
for run in 7.3.4 fixed; do
	kinit_boot "liveupdate=on kcase=luobugs kdup=0 kfailslab=$space" "$run"
	evidence "$log" "kinit: luobugs: .*MiB memfd" \
		"shmem: failed" "FAULT_INJECTION" "Kernel panic" "BUG:" "kinit: stage B done"
	want "found kexec handover data" "kernel B did not take the handover"
	want "shmem: failed to add to page cache folio index [1-9][0-9]*: -12" \
		"the retrieve did not fail midway in the page cache (failslab space $space)"
	case $run in
	7.3.4)
		want "kinit: luobugs: 16 MiB memfd: RETRIEVE_FD with failslab space=$space: errno 12; again after setting it back: errno 12" \
			"7.3.4 did not fail the retrieve with ENOMEM twice (the file not lost)"
		;;
	fixed)
		want "kinit: luobugs: 16 MiB memfd: RETRIEVE_FD with failslab space=$space: errno 12; again after setting it back: errno 0" \
			"the patched kernel did not give the file back at the second RETRIEVE_FD"
		want "kinit: luobugs: retried 16 MiB memfd: contents intact, 32768 blocks" \
			"the retried 16 MiB memfd is not whole"
		;;
	esac
	! grep -aq "Kernel panic\|kernel BUG\|BUG:" "$log" || bad="$bad; $run: a kernel crashed"
done
says "$out/serial-7.3.4.log" "shmem: failed to add to page cache" "kinit: luobugs: 16 MiB memfd"
says "$out/serial-fixed.log" "shmem: failed to add to page cache" "kinit: luobugs: 16 MiB memfd" \
	"kinit: luobugs: retried 16 MiB"
[ -z "$bad" ] || fail "${bad#; }"
say "PASS: a retrieve that fails in the page cache loses the file on 7.3.4; patched, the second RETRIEVE_FD gives it back whole"
