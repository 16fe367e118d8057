#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "luo-findings": bugs of Linux 7.3.4's live update found by reading
# it, shown on the real kernel, A -> B (kinit kcase=luofind;
# tests/kernel/kinit.c, luo_find_a() and luo_find_b(), say where in the
# kernel). One session "luo-find" in kernel A holds:
#   - a memfd preserved through an O_RDONLY description (the writable
#     descriptor closed first), which takes no write in A: 7.3.4 gives it
#     back O_RDWR, and it takes a write (bug 1);
#   - a memfd whose PRESERVE_FD returned EFAULT (its argument on a page
#     made read-only: the reply cannot be copied out), and whose retry
#     with the same token says EEXIST: 7.3.4 preserved it anyway, and
#     kernel B gets it back with its contents (bug 2).
# Bug 3 (kexec_load() loses the sessions) needs CONFIG_KEXEC, which these
# kernels do not have: kinit only probes kexec_load() here, and case
# kexec-load shows it on kernels built with it (patches/0011 its fix).
# Run "7.3.4" must show bugs 1 and 2 exactly as described. Run "fixed",
# the same on 7.3.4 with every patch of patches/ (lib.sh patched_kdir;
# patches/0008 is bug 1's fix, 0007 bug 2's), must show neither: the
# O_RDONLY description is refused (ENOENT) and kernel B has no such file;
# the PRESERVE_FD with the read-only argument returns 0, the retry with
# the same token finds the file preserved (EEXIST), and kernel B gives the
# memfd back. kinit A tells kinit B what each PRESERVE_FD returned
# (kluofind=R,E), and B judges by it. Anything else fails.
# In CI on x86_64; it also passes on arm64, arm64-16k and arm64-64k.
. "$(dirname "$0")/lib.sh"
patched_prepare
for run in 7.3.4 fixed; do
	kinit_boot "liveupdate=on kcase=luofind" "$run"
	evidence "$log" "kinit: luofind" "kinit: PASS luofind" "kinit: FAIL luofind" \
		"found kexec handover" "response to user failed" "Kernel panic" "kinit: stage B done"
	want "kinit: luofind: A: the memfd reopened read-only, writable descriptor closed: access mode O_RDONLY, write(2) -9" \
		"kernel A's read-only memfd description did not refuse write(2) with EBADF"
	want "found kexec handover data" "kernel B did not take the handover"
	case $run in
	7.3.4)
		# Bug 1.
		want "kinit: luofind: A: PRESERVE_FD of the O_RDONLY descriptor: ret 0 errno 0" \
			"kernel A could not preserve the O_RDONLY memfd"
		want "kinit: luofind: B: the memfd preserved O_RDONLY: contents intact" \
			"the O_RDONLY memfd did not come back with its contents"
		want "kinit: luofind: B: the memfd preserved O_RDONLY: access mode O_RDWR, write(2) 1" \
			"the O_RDONLY memfd did not come back O_RDWR taking a write (bug 1 not shown)"
		want "kinit: FAIL luofind: O_RDONLY memfd comes back O_RDONLY" \
			"kernel B's kinit did not find the O_RDONLY memfd writable (bug 1 not shown)"
		want "kinit: FAIL luofind: O_RDONLY memfd refuses write(2)" \
			"kernel B's kinit did not find the O_RDONLY memfd taking writes (bug 1 not shown)"
		# Bug 2.
		want "kinit: luofind: A: PRESERVE_FD with its argument on a read-only page: ret -1 errno 14" \
			"PRESERVE_FD with an unwritable reply did not return EFAULT"
		want "The file was successfully preserved, but response to user failed" \
			"kernel A did not warn that it preserved the file the EFAULT was about"
		want "kinit: luofind: A: retry, same fd and token, writable argument: ret -1 errno 17" \
			"the retry of PRESERVE_FD did not find the token in use (EEXIST)"
		want "kinit: luofind: B: the memfd preserved through a read-only argument (errno 14 in A) is back: contents intact" \
			"the memfd whose PRESERVE_FD returned EFAULT did not come back intact (bug 2 not shown)"
		want "kinit: FAIL luofind: memfd whose PRESERVE_FD failed not handed over" \
			"kernel B's kinit did not find the EFAULT memfd handed over (bug 2 not shown)"
		want "kinit: stage B done, 3 failures" \
			"kernel B's init did not finish with exactly the three FAIL lines of bugs 1 and 2 (QEMU exit $rc)"
		;;
	fixed)
		# Bug 1 gone (patches/0008): the description refused, no file.
		want "kinit: luofind: A: PRESERVE_FD of the O_RDONLY descriptor: ret -1 errno 2" \
			"the patched kernel A did not refuse the O_RDONLY memfd with ENOENT"
		want "kinit: PASS luofind: memfd refused O_RDONLY not handed over" \
			"the patched kernel B handed over a memfd kernel A refused"
		# Bug 2 gone (patches/0007): a success, and the file back.
		want "kinit: luofind: A: PRESERVE_FD with its argument on a read-only page: ret 0 errno 0" \
			"PRESERVE_FD with a read-only argument did not succeed on the patched kernel"
		! grep -aq "response to user failed" "$log" ||
			bad="$bad; $run: the patched kernel A still warns of a failed response"
		want "kinit: luofind: A: retry, same fd and token, writable argument: ret -1 errno 17" \
			"the retry of the preserved file's PRESERVE_FD did not say EEXIST"
		want "kinit: luofind: B: the memfd preserved through a read-only argument (errno 0 in A) is back: contents intact" \
			"the patched kernel B did not give back the memfd PRESERVE_FD preserved"
		want "kinit: PASS luofind: memfd whose PRESERVE_FD succeeded handed over" \
			"kernel B's kinit did not find the preserved memfd handed over"
		want "kinit: stage B done, 0 failures" \
			"the patched kernel B's init did not finish without a FAIL line (QEMU exit $rc)"
		;;
	esac
	! grep -aq "Kernel panic\|kernel BUG" "$log" || bad="$bad; $run: a kernel crashed"
done
log=$out/serial-7.3.4.log
says "$log" "kinit: luofind: B: the memfd preserved O_RDONLY: access" \
	"kinit: luofind: A: PRESERVE_FD with its argument" \
	"kinit: luofind: A: retry, same fd and token" \
	"kinit: luofind: B: the memfd preserved through a read-only" \
	"kinit: luofind: A: kexec_load() probe"
says "$out/serial-fixed.log" "kinit: luofind: A: PRESERVE_FD of the O_RDONLY" \
	"kinit: luofind: B: RETRIEVE_FD of the memfd preserved O_RDONLY" \
	"kinit: luofind: A: PRESERVE_FD with its argument" \
	"kinit: luofind: B: the memfd preserved through a read-only"
[ -z "$bad" ] || fail "${bad#; }"
say "PASS: 7.3.4 hands an O_RDONLY memfd back O_RDWR and writable, and preserves a file whose PRESERVE_FD returned EFAULT; patched, the first is refused and the second PRESERVE_FD returns 0"
