#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Case "luo-selftests": Linux's own live update selftests
# (tools/testing/selftests/liveupdate of the fetched source, built static
# against this machine's C library: libc6-dev, libc6-dev-arm64-cross,
# both in scripts/kernel/deps.sh) on the real kernel, A -> B (kinit
# kcase=luoself). Kernel A runs liveupdate (sessions and files, no kexec)
# and stage 1 of luo_kexec_simple, luo_multi_session, luo_stress_sessions
# (2000 sessions) and luo_stress_files (500 memfds); a child of each keeps
# its sessions open across kexec_file_load, as the selftests' do_kexec.sh
# expects. Kernel B runs stage 2 of each, which retrieves, checks and
# finishes them. A program passes when it exits 0.
# Run "7.3.4" and run "fixed" (7.3.4 with every patch of patches/, lib.sh
# patched_kdir; 0003, 0004, 0005, 0007, 0008 and 0010 change live update)
# must each pass all nine: the patches must not break what Linux's own
# tests check, and what libkho's cases show must not be a harness that
# Linux's own tests would disagree with.
. "$(dirname "$0")/lib.sh"
case $base_arch in
x86_64) cc=gcc ;;
arm64) cc=aarch64-linux-gnu-gcc ;;
esac
command -v "$cc" >/dev/null 2>&1 || skip "no $cc"
# -print-file-name answers the bare name when it finds no such file.
[ "$("$cc" -print-file-name=libc.a)" != libc.a ] ||
	skip "no static C library for $base_arch ($cc finds no libc.a)"
src=$("$scripts/fetch.sh")
sel=$src/tools/testing/selftests
st=$out/st
mkdir -p "$st"
# kinit's luo_self_kexec[] runs the kexec tests in this order.
kexec_progs="luo_kexec_simple luo_multi_session luo_stress_sessions luo_stress_files"
for p in liveupdate $kexec_progs; do
	"$cc" -static -s -O2 -Wall -Wno-unused-function \
		-I "$kdir/hdr/include" -I "$sel" -I "$sel/liveupdate/lib/include" \
		-o "$st/$p" "$sel/liveupdate/$p.c" "$sel/liveupdate/lib/lu_utils.c" \
		>"$out/cc-$p.log" 2>&1 ||
		fail "cannot build the selftest $p (see $out/cc-$p.log)"
done
patched_prepare
KINIT_ST=$st "$scripts/initrd.sh" "$arch" "$kdir" "$kwork"
KINIT_ST=$st "$scripts/initrd.sh" "$arch" "$pdir" "$out/patched"
for run in 7.3.4 fixed; do
	kinit_boot "liveupdate=on kcase=luoself" "$run"
	evidence "$log" "kinit: luoself" "^not ok" "# Totals" "Kernel panic" "kinit: stage B done"
	grep -aq "kinit: PASS luoself: liveupdate" "$log" ||
		bad="$bad; $run: liveupdate did not pass"
	for p in $kexec_progs; do
		for stage in 1 2; do
			grep -aq "kinit: PASS luoself: $p stage $stage" "$log" ||
				bad="$bad; $run: $p stage $stage did not pass"
		done
	done
	grep -aq "kinit: stage B done, 0 failures" "$log" ||
		bad="$bad; $run: kernel B did not finish without failures"
done
[ -z "$bad" ] || fail "${bad#; }"
say "PASS: Linux's live update selftests pass on 7.3.4 and with every patch"
