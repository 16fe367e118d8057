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
# kernels do not have: kinit only probes kexec_load() and the case reports
# the answer.
# 7.3.4 must show bugs 1 and 2 exactly as described; anything else fails.
# In CI on x86_64; it also passes on arm64, arm64-16k and arm64-64k.
. "$(dirname "$0")/lib.sh"
kinit_boot "liveupdate=on kcase=luofind"
evidence "$log" "kinit: luofind" "kinit: PASS luofind" "kinit: FAIL luofind" \
	"found kexec handover" "response to user failed" "Kernel panic" "kinit: stage B done"
bad=
want() { # PATTERN WHAT: WHAT is missing unless the log has PATTERN
	grep -aq -- "$1" "$log" || bad="$bad; $2"
}
# Kernel A.
want "kinit: luofind: A: the memfd reopened read-only, writable descriptor closed: access mode O_RDONLY, write(2) -9" \
	"kernel A's read-only memfd description did not refuse write(2) with EBADF"
want "kinit: luofind: A: PRESERVE_FD of the O_RDONLY descriptor: ret 0 errno 0" \
	"kernel A could not preserve the O_RDONLY memfd"
want "kinit: luofind: A: PRESERVE_FD with its argument on a read-only page: ret -1 errno 14" \
	"PRESERVE_FD with an unwritable reply did not return EFAULT"
want "The file was successfully preserved, but response to user failed" \
	"kernel A did not warn that it preserved the file the EFAULT was about"
want "kinit: luofind: A: retry, same fd and token, writable argument: ret -1 errno 17" \
	"the retry of PRESERVE_FD did not find the token in use (EEXIST)"
# Kernel B.
want "found kexec handover data" "kernel B did not take the handover"
want "kinit: luofind: B: the memfd preserved O_RDONLY: contents intact" \
	"the O_RDONLY memfd did not come back with its contents"
want "kinit: luofind: B: the memfd preserved O_RDONLY: access mode O_RDWR, write(2) 1" \
	"the O_RDONLY memfd did not come back O_RDWR taking a write (bug 1 not shown)"
want "kinit: FAIL luofind: O_RDONLY memfd comes back O_RDONLY" \
	"kernel B's kinit did not find the O_RDONLY memfd writable (bug 1 not shown)"
want "kinit: FAIL luofind: O_RDONLY memfd refuses write(2)" \
	"kernel B's kinit did not find the O_RDONLY memfd taking writes (bug 1 not shown)"
want "kinit: luofind: B: the memfd whose PRESERVE_FD returned EFAULT is back: contents intact" \
	"the memfd whose PRESERVE_FD returned EFAULT did not come back intact (bug 2 not shown)"
want "kinit: FAIL luofind: memfd whose PRESERVE_FD failed not handed over" \
	"kernel B's kinit did not find the EFAULT memfd handed over (bug 2 not shown)"
want "kinit: stage B done, 3 failures" \
	"kernel B's init did not finish with exactly the three FAIL lines of bugs 1 and 2 (QEMU exit $rc)"
! grep -aq "Kernel panic\|kernel BUG" "$log" || bad="$bad; a kernel crashed"
says "$log" "kinit: luofind: B: the memfd preserved O_RDONLY: access" \
	"kinit: luofind: A: PRESERVE_FD with its argument" \
	"kinit: luofind: A: retry, same fd and token" \
	"kinit: luofind: B: the memfd whose PRESERVE_FD" \
	"kinit: luofind: A: kexec_load() probe"
[ -z "$bad" ] || fail "${bad#; }"
say "PASS: 7.3.4 hands an O_RDONLY memfd back O_RDWR and writable, and preserves a file whose PRESERVE_FD returned EFAULT"
