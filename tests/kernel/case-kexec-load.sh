#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "kexec-load": a Linux 7.3.4 bug of live update, shown on the real
# kernel (kinit kcase=kexecload; tests/kernel/kinit.c, kexec_load_a() and
# kexec_load_b(), say where in the kernel). kernel_kexec() serializes the
# sessions whatever loaded the image, but only kexec_file_load() gives the
# image KHO's handover: kernel A, holding a session with a memfd, loads
# kernel B with kexec-tools' kexec_load() and reboots.
# Run "7.3.4" must show the bug: the reboot goes through without a word,
# kernel B takes no handover and has no session. Run "fixed", the same on
# 7.3.4 with every patch of patches/ (patches/0011 is the fix), must not:
# the reboot fails with EOPNOTSUPP and the kernel says why, the memfd is
# intact and the session takes one more file; kernel A then loads kernel B
# with kexec_file_load(), and kernel B gives both memfds back intact. Run
# "fixed-nosession": with no session held, the patched kernel must kexec
# the kexec_load() image as 7.3.4 does.
# Both kernels are built with KERNEL_CONFIG=extra (scripts/kernel/
# extra.config: CONFIG_KEXEC, which no other case's kernel has), and
# kernel A's initrd carries Debian's kexec, unpacked but not installed
# (scripts/kernel/kexec-tools.sh), with this machine's libraries for it
# (initrd.sh KINIT_DYN), so the case runs on x86_64 only.
case ${1:-} in
x86_64) ;;
*)
	echo "kexec-load[${1:-}]: SKIP: kernel A runs this machine's kexec-tools, built for $(uname -m) only"
	exit 77
	;;
esac
KINIT_DYN=$("$(dirname "$0")/../../scripts/kernel/kexec-tools.sh") || {
	echo "kexec-load[$1]: FAIL: no kexec-tools for kernel A's initrd (scripts/kernel/kexec-tools.sh)"
	exit 1
}
KERNEL_CONFIG=extra
export KERNEL_CONFIG KINIT_DYN
. "$(dirname "$0")/lib.sh"
patched_prepare
for run in 7.3.4 fixed fixed-nosession; do
	words="liveupdate=on kcase=kexecload"
	[ "$run" != fixed-nosession ] || words="$words knosession=1"
	kinit_boot "$words" "$run"
	evidence "$log" "kinit: kexecload" "kinit: PASS kexecload" "kinit: FAIL kexecload" \
		"found kexec handover" "cannot cross a kexec" "Kernel panic" "kinit: stage B done"
	want "kinit: kexecload: A: kexec --load --kexec-syscall /kernel: exit 0" \
		"kexec-tools did not load kernel B with kexec_load()"
	[ "$run" = fixed-nosession ] ||
		want "kinit: kexecload: A: PRESERVE_FD of kexecload-before: ret 0 errno 0" \
			"kernel A did not preserve the memfd"
	case $run in
	fixed-nosession)
		# The patch refuses only while a session exists.
		! grep -aq "kinit: kexecload: A: reboot(RB_KEXEC)\|cannot cross a kexec" "$log" ||
			bad="$bad; $run: the patched kernel refused a kexec_load() image with no session held"
		want "kinit: PASS kexecload: a kexec_load() image boots when no session is held" \
			"kernel B did not come up from the kexec_load() image"
		want "kinit: stage B done, 0 failures" \
			"kernel B's init did not finish without a FAIL line (QEMU exit $rc)"
		;;
	7.3.4)
		! grep -aq "kinit: kexecload: A: reboot(RB_KEXEC)" "$log" ||
			bad="$bad; $run: 7.3.4's reboot of the kexec_load() image returned"
		! grep -aq "found kexec handover data" "$log" ||
			bad="$bad; $run: kernel B found a handover in a kexec_load() image"
		want "kinit: kexecload: B, booted from the kexec_load() image: no session kexec-load (errno 2)" \
			"kernel B did not miss the session (the bug not shown)"
		want "kinit: stage B done, 1 failure" \
			"kernel B's init did not finish with exactly the one FAIL line of the lost session (QEMU exit $rc)"
		;;
	fixed)
		want "kinit: kexecload: A: reboot(RB_KEXEC) of the kexec_load() image: ret -1 errno 95" \
			"the patched kernel A did not refuse the kexec_load() image with EOPNOTSUPP"
		want "1 session(s) cannot cross a kexec without the KHO handover" \
			"the patched kernel A did not say why it refused"
		want "kinit: PASS kexecload: the memfd intact after the refused kexec" \
			"the memfd was not intact after the refused kexec"
		want "kinit: PASS kexecload: the session takes a file after the refused kexec" \
			"the session took no file after the refused kexec"
		want "found kexec handover data" "kernel B did not take the handover"
		want "kinit: PASS kexecload: kexecload-before handed over intact" \
			"the first memfd did not come back intact"
		want "kinit: PASS kexecload: kexecload-after handed over intact" \
			"the memfd preserved after the refused kexec did not come back intact"
		want "kinit: stage B done, 0 failures" \
			"the patched kernel B's init did not finish without a FAIL line (QEMU exit $rc)"
		;;
	esac
	! grep -aq "Kernel panic\|kernel BUG" "$log" || bad="$bad; $run: a kernel crashed"
done
says "$out/serial-7.3.4.log" "kinit: kexecload: B, booted from" "kinit: stage B done"
says "$out/serial-fixed.log" "kinit: kexecload: A: reboot(RB_KEXEC)" \
	"cannot cross a kexec" "kinit: kexecload: B, booted from" "kinit: stage B done"
[ -z "$bad" ] || fail "${bad#; }"
says "$out/serial-fixed-nosession.log" "kinit: PASS kexecload"
say "PASS: 7.3.4 kexecs an image loaded with kexec_load() and kernel B has no session; patched, the reboot is refused with EOPNOTSUPP, and kexec_file_load() then carries the session; with no session the patched kernel kexecs the kexec_load() image"
