#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "luo-bugs": three bugs of Linux 7.3.4's live update that a legitimate
# user space triggers, real kernel A -> real kernel B (kinit kcase=luobugs;
# tests/kernel/kinit.c, luo_bugs_a() and luo_bugs_b(), say where in the
# kernel), and the fixes of the first two, patches/0004 and patches/0005.
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
#   its memfd_luo_ser, and luo_retrieve_file() keeps the error (bug 3, not
#   fixed here).
# Then "nodup" and "dup" again on 7.3.4 with the patches (every patch of
# patches/, lib.sh patched_kdir; 0004 and 0005 are these bugs'): every
# session must come back after the refused create, and the memfd with the
# seals it had at the kexec (0x17).
# 7.3.4 must show all three bugs as described, and the patched kernel
# neither of the first two.
. "$(dirname "$0")/lib.sh"
[ "$page_size" = 4096 ] ||
	skip "51 sessions fill a block of 4 KiB pages only; this kernel's pages are $page_k"
patched_prepare
bad=
for run in nodup dup strict fixed-nodup fixed-dup; do
	case $run in
	*nodup) d=0 ;;
	*dup) d=1 ;;
	strict) d="0 kovercommit=1" ;;
	esac
	kernel=released
	case $run in fixed-*) kernel=patched ;; esac
	kinit_boot "liveupdate=on kcase=luobugs kdup=$d" "$run" "$kernel"
	evidence "$log" "kinit: luobugs" "kinit: PASS luobugs" "kinit: FAIL luobugs" \
		"found kexec handover" "LUO\|luo\|shmem:" "Block contains" "Kernel panic"
	case $run in
	nodup)
		grep -aq "kinit: PASS luobugs: every session back" "$log" ||
			bad="$bad; nodup: kernel B did not get its 51 sessions back"
		grep -aq "kinit: FAIL luobugs: seals added after PRESERVE_FD kept" "$log" ||
			bad="$bad; nodup: the seals added after PRESERVE_FD came back (bug 2 not shown)"
		;;
	dup)
		grep -aq "kinit: luobugs: CREATE_SESSION luo-s00 again: ret -1 errno 17" "$log" ||
			bad="$bad; dup: the duplicate CREATE_SESSION did not fail with EEXIST"
		grep -aq "Kernel panic.*The incoming tree failed to initialize properly" "$log" ||
			bad="$bad; dup: kernel B did not panic in liveupdate_early_init() (bug 1 not shown)"
		;;
	strict)
		grep -aq "kinit: FAIL luobugs: memfd retrievable after a failed retrieve" "$log" ||
			bad="$bad; strict: the memfd came back after a failed retrieve (bug 3 not shown)"
		;;
	fixed-*)
		grep -aq "kinit: PASS luobugs: every session back" "$log" ||
			bad="$bad; $run: the patched kernel B did not get its 51 sessions back"
		grep -aq "kinit: PASS luobugs: seals added after PRESERVE_FD kept" "$log" ||
			bad="$bad; $run: the patched kernel B lost the seals added after PRESERVE_FD"
		! grep -aq "Kernel panic" "$log" || bad="$bad; $run: the patched kernel B panicked"
		;;
	esac
done
says "$out/serial-dup.log" "Block contains" "Kernel panic"
says "$out/serial-nodup.log" "kinit: luobugs: memfd back"
says "$out/serial-strict.log" "kinit: luobugs: RETRIEVE_FD under"
says "$out/serial-fixed-dup.log" "kinit: luobugs: CREATE_SESSION" "kinit: luobugs: memfd back" "kinit: PASS luobugs: every"
[ -z "$bad" ] || fail "${bad#; }"
say "PASS: 7.3.4 shows all three bugs, patches 0004 and 0005 fix the first two"
