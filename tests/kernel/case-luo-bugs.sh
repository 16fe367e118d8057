#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "luo-bugs": three bugs of Linux 7.3.4's live update that a legitimate
# user space triggers, real kernel A -> real kernel B (kinit kcase=luobugs;
# tests/kernel/kinit.c, luo_bugs_a() and luo_bugs_b(), say where in the
# kernel), and their fixes, patches/0004, 0005 and 0010.
# 4 KiB pages (x86_64, arm64): 51 sessions fill one block.
#
# Run "nodup": 51 sessions (one 4 KiB block of struct luo_session_ser), a
#   memfd preserved in the first and given F_SEAL_SHRINK|GROW|FUTURE_WRITE|
#   SEAL after PRESERVE_FD. Kernel B must take all 51 sessions; the memfd
#   comes back without the seals added after PRESERVE_FD (bug 2).
# Run "dup": the same plus one CREATE_SESSION under a name in use (-EEXIST).
#   Kernel B panics in liveupdate_early_init(): the failed create left an
#   empty block in the sessions' chain (bug 1).
# Run "strict": as nodup; kernel B retrieves the memfd once under
#   vm.overcommit_memory=2 (ratio 0): -ENOSPC; after setting it back to 0,
#   RETRIEVE_FD still fails: the first failure freed the file's folios and
#   its memfd_luo_ser, and luo_retrieve_file() keeps the error (bug 3).
# Then "nodup", "dup" and "strict" again on 7.3.4 with the patches (every
# patch of patches/, lib.sh patched_kdir; 0004, 0005 and 0010 are these
# bugs'): every session must come back after the refused create, the memfd
# with the seals it had at the kexec (0x17), and after a failed retrieve
# the second RETRIEVE_FD must give the memfd with its 8 KiB intact and
# accounted once (16 blocks). "strict" and "fixed-strict" also preserve a
# 16 MiB memfd whose retrieve kernel B makes fail midway (strict
# overcommit with room for about half of it): 7.3.4 loses it, the patched
# kernel must fail at a folio past the first and then give it back whole
# (32768 blocks). Run
# "fixed-finish": the same failures (the 16 MiB memfd's midway), then
# FINISH with no second attempt, which must free what the failed attempts
# kept: no warning, and free memory at least 16 MiB higher after it.
# Runs "broken" and "fixed-broken": kernel B damages the 16 MiB memfd's
# folio array in memory before its retrieve (entry 1000 names folio 0
# again, which the retrieve restores first), so the preserved state is
# lost midway for good: both kernels must refuse the file twice with EIO,
# free what was restored at once (free memory up by the 16 MiB less a
# page) and finish the session. With 0010 this is its path for a state
# lost, as against a passing failure.
# 7.3.4 must show all three bugs as described, and the patched kernel none.
. "$(dirname "$0")/lib.sh"
[ "$page_size" = 4096 ] ||
	skip "51 sessions fill a block of 4 KiB pages only; this kernel's pages are $page_k"
patched_prepare
# freed PATTERN KIB WHAT: WHAT is wrong unless the "free memory up N KiB"
# of the log line matching PATTERN is at least KIB.
freed() {
	up=$(grep -a -- "$1" "$log" |
		sed -n 's/.*free memory up \(-\{0,1\}[0-9]*\) KiB.*/\1/p')
	[ "${up:-0}" -ge "$2" ] || bad="$bad; $run: $3 (free memory up ${up:-no} KiB)"
}
for run in nodup dup strict broken fixed-nodup fixed-dup fixed-strict fixed-finish fixed-broken; do
	case $run in
	*nodup) d=0 ;;
	*dup) d=1 ;;
	*strict) d="0 kovercommit=1" ;;
	*finish) d="0 kovercommit=2" ;;
	*broken) d="0 kbreak=1" ;;
	esac
	kinit_boot "liveupdate=on kcase=luobugs kdup=$d" "$run"
	evidence "$log" "kinit: luobugs" "kinit: PASS luobugs" "kinit: FAIL luobugs" \
		"found kexec handover" "LUO\|luo\|shmem:" "Block contains" "Kernel panic" \
		"WARNING:" "BUG:"
	case $run in
	nodup)
		want "kinit: PASS luobugs: every session back" \
			"kernel B did not get its 51 sessions back"
		want "kinit: FAIL luobugs: seals added after PRESERVE_FD kept" \
			"the seals added after PRESERVE_FD came back (bug 2 not shown)"
		;;
	dup)
		want "kinit: luobugs: CREATE_SESSION luo-s00 again: ret -1 errno 17" \
			"the duplicate CREATE_SESSION did not fail with EEXIST"
		want "Kernel panic.*The incoming tree failed to initialize properly" \
			"kernel B did not panic in liveupdate_early_init() (bug 1 not shown)"
		;;
	strict)
		want "kinit: FAIL luobugs: memfd retrievable after a failed retrieve" \
			"the memfd came back after a failed retrieve (bug 3 not shown)"
		want "kinit: luobugs: 16 MiB memfd: RETRIEVE_FD with overcommit_kbytes=[0-9]*: errno 28; again after setting it back: errno 28" \
			"the 16 MiB memfd came back after a retrieve that failed midway (bug 3 not shown)"
		;;
	fixed-strict)
		want "kinit: luobugs: RETRIEVE_FD under vm.overcommit_memory=2: errno 28; again after setting it back to 0: errno 0" \
			"the patched kernel B did not fail with ENOSPC and then retrieve the memfd"
		want "kinit: luobugs: retried memfd: contents intact, seals 0x17, 16 blocks" \
			"the retried memfd lost its contents or its seals, or its blocks are not 16 (8 KiB accounted once)"
		# The 16 MiB memfd must have failed midway, with folios in the
		# new file already, and come back whole at the second try.
		midway=$(grep -a "failed to account folio index" "$log" | tail -n 1 |
			sed -n 's/.*folio index \([0-9]*\).*/\1/p')
		[ "${midway:-0}" -gt 0 ] ||
			bad="$bad; $run: the 16 MiB memfd's retrieve did not fail midway (folio index '${midway:-none}')"
		want "kinit: luobugs: 16 MiB memfd: RETRIEVE_FD with overcommit_kbytes=[0-9]*: errno 28; again after setting it back: errno 0" \
			"the 16 MiB memfd did not fail and then come back"
		want "kinit: luobugs: retried 16 MiB memfd: contents intact, 32768 blocks" \
			"the 16 MiB memfd retried midway lost its contents, or its blocks are not 32768"
		;;
	fixed-finish)
		want "kinit: PASS luobugs: session finished after failed retrieves" \
			"the session did not finish after failed retrieves"
		# What the failed attempts kept, every page of the big memfd
		# among it, must be free again after FINISH (free memory as
		# /proc/zoneinfo counts it, the per-cpu lists included; about
		# 16464 KiB on x86_64 with the folio arrays and the small memfd).
		freed "kinit: luobugs: RETRIEVE_FD under.*then FINISH" 16384 \
			"FINISH freed less than the 16 MiB memfd the failed retrieve kept"
		;;
	esac
	case $run in
	*broken)
		# A state lost for good: the same on both kernels.
		want "kinit: luobugs: the 16 MiB memfd's folio entry 1000 at 0x[0-9a-f]* names folio 0 again" \
			"kernel B's kinit did not damage the folio array"
		want "Unable to restore folio at physical address" \
			"kernel B did not fail to restore the folio named twice"
		want "kinit: luobugs: damaged memfd: RETRIEVE_FD errno 5, free memory up [0-9]* KiB; again: errno 5; then FINISH: errno 0" \
			"the damaged memfd was not refused twice with EIO, or FINISH failed"
		# Everything restored before the damage is freed at once.
		freed "kinit: luobugs: damaged memfd: RETRIEVE_FD" 16320 \
			"the failed retrieve freed less than the 16 MiB memfd less a page"
		! grep -aq "BUG:\|Kernel panic" "$log" ||
			bad="$bad; $run: kernel B oopsed or panicked"
		;;
	fixed-*)
		! grep -aq "WARNING:\|BUG:\|Kernel panic" "$log" ||
			bad="$bad; $run: the patched kernel B warned or panicked"
		;;
	esac
	case $run in
	fixed-*dup)
		want "kinit: PASS luobugs: every session back" \
			"the patched kernel B did not get its 51 sessions back"
		want "kinit: PASS luobugs: seals added after PRESERVE_FD kept" \
			"the patched kernel B lost the seals added after PRESERVE_FD"
		;;
	esac
done
says "$out/serial-dup.log" "Block contains" "Kernel panic"
says "$out/serial-nodup.log" "kinit: luobugs: memfd back" "kho/in/sub_fdts/LUO starts"
says "$out/serial-strict.log" "kinit: luobugs: RETRIEVE_FD under" "kinit: luobugs: 16 MiB memfd"
says "$out/serial-fixed-dup.log" "kinit: luobugs: CREATE_SESSION" "kinit: luobugs: memfd back" "kinit: PASS luobugs: every"
says "$out/serial-fixed-strict.log" "shmem: failed to account" "kinit: luobugs: RETRIEVE_FD under" "kinit: luobugs: retried" "kinit: luobugs: 16 MiB memfd"
says "$out/serial-fixed-finish.log" "kinit: luobugs: RETRIEVE_FD under"
says "$out/serial-broken.log" "kinit: luobugs: damaged memfd"
says "$out/serial-fixed-broken.log" "Unable to restore folio" "kinit: luobugs: damaged memfd"
[ -z "$bad" ] || fail "${bad#; }"
say "PASS: 7.3.4 shows all three bugs, patches 0004, 0005 and 0010 fix them"
