#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# `kho demo` as `make demo` runs it: a 4 GiB machine in $TMPDIR, a cold
# boot and three kexecs, a 1 GiB guest folio carried over, a summary row
# per boot, the PASS verdict, exit 0, and the machine removed afterwards
# (about 5 s). Then the ways it stops: a boot that fails (one file
# descriptor past stdio, --abi kho-v3) ends the chain with FAIL and
# exit 1; an existing machine, an unusable $TMPDIR, an unknown argument
# and an unknown --abi are refused, and so is a $TMPDIR too long for a
# machine. Standard output that cannot be written stops it before the
# first boot. SIGINT or SIGTERM end it with its machine removed and its
# boot killed. Needs KHO (path to kho).
set -eu
: "${KHO:?KHO must name the kho binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-demo-test.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir "$T/tmp"
TMPDIR="$T/tmp" "$KHO" demo >"$T/out" 2>"$T/err" ||
	fail "demo failed: $(tail -5 "$T/out") $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "demo wrote to stderr: $(cat "$T/err")"
head -1 "$T/out" | grep -q "^kho demo: kho-v4 handover, 4 GiB of RAM, 2 NUMA nodes, 4 KiB pages, in $T/tmp/kho-demo\." ||
	fail "header: $(head -1 "$T/out")"
[ "$(tail -1 "$T/out")" = "kho demo: PASS: every preserved byte survived 3 kexecs" ] ||
	fail "verdict: $(tail -1 "$T/out")"
[ "$(grep -c '^== boot [1-4] of 4: ' "$T/out")" -eq 4 ] || fail "not 4 boots"
[ "$(grep -c 'verdict *PASS' "$T/out")" -eq 4 ] || fail "not 4 boot verdicts"
grep -q '^         1     cold  -  .*PASS$' "$T/out" || fail "summary: no cold boot row"
[ "$(grep -c '^         [234]     KHO   1.32 GiB .*PASS$' "$T/out")" -eq 3 ] ||
	fail "summary: not 3 KHO rows: $(grep -A5 '^summary' "$T/out")"
# The guest runs in one 1 GiB folio that the next boots keep.
grep -q 'preserve *guest: 1.25 GiB, 1 x 1 GiB + 128 x 2 MiB folios$' "$T/out" ||
	fail "no 1 GiB guest folio"
[ "$(grep -c 'preserve *guest: .*, the same ones: the VM kept running' "$T/out")" -eq 2 ] ||
	fail "the guest did not keep its folios"
[ -z "$(ls -A "$T/tmp")" ] || fail "the demo machine was left in \$TMPDIR: $(ls "$T/tmp")"

# A boot that fails stops the chain: FAIL, exit 1, the kept --dir intact.
# Boot 1 keeps machine.conf (its lock) and ram.img open, so with two
# descriptors past stdio it cannot open a handover. (A handover.tmp
# directory in --dir was the way in; machine create refuses that directory
# now.) Descriptors 3 to 9 that the caller may have left open are closed
# first, so that the limit leaves exactly two.
if (exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- && ulimit -n 5 &&
	exec "$KHO" demo --dir "$T/stop" --abi v3) >"$T/out" 2>"$T/err"; then
	fail "stop: a failed chain exited 0"
fi
head -1 "$T/out" | grep -q "^kho demo: kho-v3 handover, .* in $T/stop$" ||
	fail "stop: header: $(head -1 "$T/out")"
grep -q '^boot 1 failed: the chain stops here$' "$T/out" || fail "stop: $(cat "$T/out")"
[ "$(grep -c '^         [1-4]     did not finish$' "$T/out")" -eq 4 ] ||
	fail "stop: summary: $(grep -A5 '^summary' "$T/out")"
[ "$(tail -1 "$T/out")" = "kho demo: FAIL" ] || fail "stop: verdict: $(tail -1 "$T/out")"
grep -q "cannot open $T/stop/handover: Too many open files" "$T/err" ||
	fail "stop: $(cat "$T/err")"
for f in machine.conf ram.img; do
	[ -f "$T/stop/$f" ] || fail "stop: --dir lost $f"
done

# Refusals: status, one sentence, nothing left behind.
while IFS='|' read -r status args says; do
	# shellcheck disable=SC2086 # args are split on purpose
	if TMPDIR="$T/none" "$KHO" demo $args >"$T/out" 2>"$T/err"; then
		fail "$args: accepted"
	else
		rc=$?
	fi
	[ "$rc" -eq "$status" ] || fail "$args: exit $rc, not $status"
	grep -q "^kho: demo: $says" "$T/err" || fail "$args: said $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$args: more than one line: $(cat "$T/err")"
	[ ! -e "$T/none" ] || fail "$args: created \$TMPDIR"
done <<LIST
1||cannot create a directory in $T/none: No such file or directory
1|--dir $T/stop|$T/stop already holds a machine ($T/stop/machine.conf)
2|--bogus|unknown argument --bogus (--dir DIR keeps the machine
2|--abi kho-v9|--abi "kho-v9": libkho writes kho-v2, kho-v3 and kho-v4
2|--abi|--abi
LIST

# A $TMPDIR too long for a machine directory is said so (fix-cli): the
# template was cut short and mkdtemp() said "Invalid argument".
long=/$(printf '%04100d' 0 | tr 0 d)
rc=0
TMPDIR=$long "$KHO" demo >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] || fail "long TMPDIR: exit $rc"
[ "$(cat "$T/err")" = "kho: demo: cannot create a directory in \$TMPDIR: machine directory path of $((${#long} + 16)) bytes is too long (at most 3999)." ] ||
	fail "long TMPDIR: $(cat "$T/err")"

# Standard output that cannot be written (fix-cli): the demo ran whole and
# exited 0. It stops before the first boot, says why, exits 1 and removes
# its machine.
mkdir "$T/w"
for to in full closed; do
	rc=0
	case $to in
	full)
		why="No space left on device"
		TMPDIR="$T/w" "$KHO" demo >/dev/full 2>"$T/err" || rc=$?
		;;
	closed)
		why="Bad file descriptor"
		TMPDIR="$T/w" "$KHO" demo >&- 2>"$T/err" || rc=$?
		;;
	esac
	[ "$rc" -eq 1 ] || fail "demo >$to: exit $rc"
	[ "$(cat "$T/err")" = "kho: cannot write standard output: $why." ] ||
		fail "demo >$to said: $(cat "$T/err")"
	[ -z "$(ls -A "$T/w")" ] || fail "demo >$to left $(ls "$T/w")"
done

# A signal that ends the demo removes its machine (fix-cli): SIGINT left
# 4 GiB (sparse) in $TMPDIR. The signal goes to the demo alone, not to
# its boot: the demo kills the boot, removes the machine, and dies of the
# signal. env resets SIGINT, which sh ignores in a background job.
# holders FILE: the processes that have FILE open.
holders() { find /proc/[0-9]*/fd -lname "$1" 2>/dev/null || true; }
mkdir "$T/sig"
for sig in INT TERM; do
	TMPDIR="$T/sig" env --default-signal=INT "$KHO" demo >"$T/sig.out" 2>"$T/sig.err" &
	pid=$!
	# The header is flushed before the first boot starts: the machine is
	# made and the handler armed. With TERM, wait for boot 2 as well.
	case $sig in
	INT) ready='^kho demo: ' want=130 ;;
	TERM) ready='^== boot 1 of 4: ' want=143 ;;
	esac
	n=0
	until grep -q "$ready" "$T/sig.out"; do
		n=$((n + 1))
		if [ "$n" -gt 3000 ] || ! kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null || true
			fail "SIG$sig: the demo did not start: $(cat "$T/sig.out" "$T/sig.err")"
		fi
		sleep 0.1
	done
	kill -"$sig" "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq "$want" ] || fail "SIG$sig: exit $rc, not $want: $(cat "$T/sig.err")"
	[ -z "$(ls -A "$T/sig")" ] || fail "SIG$sig left $(ls "$T/sig") in \$TMPDIR"
	[ -z "$(holders "$T/sig.out")" ] ||
		fail "SIG$sig: a boot outlived the demo: $(holders "$T/sig.out")"
done
echo "demo: PASS chain of 3 kexecs in \$TMPDIR, removed; failed chain; refusals"
