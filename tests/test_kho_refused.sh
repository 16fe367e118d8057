#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Every way a handover is refused: each damage on a fresh copy of one
# kexec'ed machine; `kho inspect` and `kho boot` must both refuse it with one
# sentence naming the problem, exit non-zero, and change nothing on disk.
# No handover at all means a cold boot. A boot that could not remove or
# write the handover record in its directory (unwritable, or sticky and
# the record someone else's) is refused before it begins; one that finds
# only at power off that it cannot remove the record (an immutable one)
# fails, exit 1, no PASS, and with --kexec says both failures in one
# sentence.
# Needs KHO (path to kho); as root, setpriv(1) and chattr(1).
set -eu
: "${KHO:?KHO must name the kho binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-refused.XXXXXX")
trap 'chattr -i "$T/immutable/handover" 2>/dev/null || :; chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

B="$T/base"
"$KHO" machine create "$B" --ram 128M >/dev/null
"$KHO" boot "$B" --preserve memfd:2M --kexec >/dev/null || fail "base boot"

# damage | what the refusal must say
while IFS='|' read -r what says; do
	M="$T/$what"
	cp -r --sparse=always "$B" "$M"
	"$KHO" debug corrupt "$M" "$what" || fail "$what: cannot corrupt"
	before=$(cksum "$M/ram.img" "$M/handover" | awk '{ print $1 $2 }')
	if "$KHO" inspect "$M" >"$T/out" 2>"$T/err"; then
		fail "$what: inspect accepted a broken handover"
	fi
	grep -q "$says" "$T/err" || fail "$what: inspect said: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$what: more than one line: $(cat "$T/err")"
	if "$KHO" boot "$M" >"$T/out" 2>"$T/err"; then
		fail "$what: boot accepted a broken handover"
	fi
	grep -q "$says" "$T/err" || fail "$what: boot said: $(cat "$T/err")"
	after=$(cksum "$M/ram.img" "$M/handover" | awk '{ print $1 $2 }')
	[ "$before" = "$after" ] || fail "$what: a refused boot changed the machine"
	rm -rf "$M"
done <<'LIST'
fdt-header|FDT header is invalid
fdt-misaligned|not 8-byte aligned
compatible|compatible with no KHO version
memory-map-missing|preserved-memory-map
memory-map-short|preserved-memory-map
memory-map-zero|preserved-memory-map
memory-map-outside|tree root is not in memory
scratch-array-outside|scratch array
scratch-area-outside|scratch area is outside RAM
LIST

# No handover: inspect says so, boot is a cold boot.
M="$T/none"
cp -r --sparse=always "$B" "$M"
rm "$M/handover"
if "$KHO" inspect "$M" >/dev/null 2>"$T/err"; then
	fail "no handover: inspect succeeded"
fi
grep -q "no pending handover" "$T/err" || fail "no handover: inspect said $(cat "$T/err")"
"$KHO" boot "$M" >"$T/out" || fail "no handover: boot failed"
grep -q "cold boot" "$T/out" || fail "no handover: not a cold boot"

# A handover record of the wrong size.
M="$T/short"
cp -r --sparse=always "$B" "$M"
head -c 16 "$B/handover" >"$M/handover"
if "$KHO" boot "$M" >/dev/null 2>"$T/err"; then
	fail "short handover record accepted"
fi
grep -q "not the 32 of struct kho_data" "$T/err" || fail "short record: $(cat "$T/err")"

# A machine in use is refused at once, never waited for: a boot locks
# DIR/machine.conf exclusively (flock(2)), an inspect shared. The lock is
# held here by the shell itself (fd 9, locked through flock(1)) for as long
# as the test needs it, instead of racing two boots.
M="$T/busy"
cp -r --sparse=always "$B" "$M"
before=$(cksum "$M/ram.img" "$M/handover" | awk '{ print $1 $2 }')
exec 9<"$M/machine.conf"
flock -x -n 9 || fail "busy: cannot lock $M/machine.conf"
busy="$M is in use by another process (pid N), which holds a lock on $M/machine.conf"
for cmd in "boot $M --preserve memfd:1M --kexec" "boot $M" "inspect $M" \
	"machine offset $M 0x1000" "debug corrupt $M fdt-header"; do
	rc=0
	# shellcheck disable=SC2086 # the words of $cmd are arguments
	timeout 20 "$KHO" $cmd >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -eq 1 ] || fail "busy: kho $cmd: exit status $rc, not 1: $(cat "$T/err")"
	# The pid /proc/locks gives is flock(1)'s, gone: "pid unknown"
	# (a live holder is named). debug corrupt says its name first.
	[ "$(sed 's/(pid [0-9a-z]*)/(pid N)/; s/^kho: debug corrupt: /kho: /' "$T/err")" = "kho: $busy." ] ||
		fail "busy: kho $cmd said: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "busy: kho $cmd began: $(cat "$T/out")"
done
after=$(cksum "$M/ram.img" "$M/handover" | awk '{ print $1 $2 }')
[ "$before" = "$after" ] || fail "busy: a refused command changed the machine"
# Shared: readers go together, a boot is refused.
flock -s -n 9 || fail "busy: cannot make the lock shared"
"$KHO" inspect "$M" >/dev/null 2>"$T/err" ||
	fail "busy: inspect beside a reader: $(cat "$T/err")"
"$KHO" machine offset "$M" 0x1000 >/dev/null 2>"$T/err" ||
	fail "busy: machine offset beside a reader: $(cat "$T/err")"
rc=0
"$KHO" boot "$M" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] || fail "busy: boot beside a reader: exit status $rc"
grep -q "is in use by another process" "$T/err" ||
	fail "busy: boot beside a reader said: $(cat "$T/err")"
after=$(cksum "$M/ram.img" "$M/handover" | awk '{ print $1 $2 }')
[ "$before" = "$after" ] || fail "busy: a refused boot changed the machine"
# Unlocked: the boot runs, and its lock goes with it.
exec 9<&-
"$KHO" boot "$M" >"$T/out" 2>"$T/err" || fail "busy: boot once free: $(cat "$T/err")"
grep -q "verdict *PASS: every preserved byte" "$T/out" || fail "busy: no PASS once free"
flock -x -n "$M/machine.conf" true || fail "busy: a finished boot left its lock"
rm -rf "$M"
echo "refused: a machine in use refused at once, unchanged; readers share it"

# A boot that would have to remove or write DIR/handover in a directory it
# cannot write in, or in a sticky one where the record is neither its own
# nor in its own directory, is refused before the scrub, nothing changed. Root ignores permissions (CI runs this as root): the boots run as
# uid 65534 through setpriv(1), from util-linux.
user=yes
if [ "$(id -u)" -ne 0 ]; then
	as_user() { "$@"; }
	give() { chmod -R u+w "$1"; }
elif command -v setpriv >/dev/null 2>&1; then
	as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	give() { chown -R 65534:65534 "$1"; }
	chmod a+rx "$T"	# mktemp -d made it 0700
else
	user=no
fi
# locked NAME [handover]: a copy of the base machine whose RAM the user may
# write but whose directory it may not; without "handover", none pending.
locked() {
	M="$T/$1"
	cp -r --sparse=always "$B" "$M"
	[ "${2-}" = handover ] || rm "$M/handover"
	chmod 666 "$M/ram.img"
	chmod 555 "$M"
	saved
}
# saved: keep $M's RAM and record as they are now, for unchanged.
saved() {
	cp --sparse=always "$M/ram.img" "$T/ram.before"
	[ ! -e "$M/handover" ] || cp "$M/handover" "$T/handover.before"
}
# unchanged WHAT: RAM and the record byte-identical to what saved kept.
unchanged() {
	cmp -s "$M/ram.img" "$T/ram.before" || fail "$1: ram.img changed"
	if [ -e "$T/handover.before" ]; then
		cmp -s "$M/handover" "$T/handover.before" ||
			fail "$1: the handover changed or went"
	else
		[ ! -e "$M/handover" ] || fail "$1: a handover was written"
	fi
	rm -f "$T/ram.before" "$T/handover.before"
}
# refused WHAT "sentence" kho-arguments...: as the user, exit 1, that one
# line, no report.
refused() {
	what=$1 says=$2
	shift 2
	rc=0
	as_user "$KHO" "$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -eq 1 ] || fail "$what: exit status $rc, not 1: $(cat "$T/err")"
	[ "$(cat "$T/err")" = "kho: $says." ] || fail "$what: said: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$what: a boot began: $(cat "$T/out")"
}
if [ "$user" = no ]; then
	echo "refused: setpriv missing: the unwritable-directory cases did not run"
else
	locked ro handover
	refused "KHO boot, unwritable directory" \
		"$M is not writable: this KHO boot could not remove the handover it consumes (Permission denied)" \
		boot "$M"
	unchanged "KHO boot, unwritable directory"
	saved
	refused "KHO boot with --kexec, unwritable directory" \
		"$M is not writable: the kexec could not write its handover there (Permission denied)" \
		boot "$M" --preserve guest:8M --kexec
	unchanged "KHO boot with --kexec, unwritable directory"
	# What only reads is not refused.
	as_user "$KHO" inspect "$M" >/dev/null 2>"$T/err" ||
		fail "inspect of an unwritable directory: $(cat "$T/err")"
	# Writable for the user: the same boots work.
	chmod 755 "$M"
	give "$M"
	as_user "$KHO" boot "$M" --kexec >"$T/out" 2>"$T/err" ||
		fail "KHO boot with --kexec as the user: $(cat "$T/err")"
	grep -q "verdict *PASS" "$T/out" || fail "KHO boot with --kexec: no PASS"
	as_user "$KHO" boot "$M" >"$T/out" 2>"$T/err" ||
		fail "KHO boot as the user: $(cat "$T/err")"
	grep -q "verdict *PASS: every preserved byte" "$T/out" ||
		fail "KHO boot as the user: no PASS"
	[ ! -e "$M/handover" ] || fail "KHO boot as the user left its handover"
	rm -rf "$M"

	locked ro-cold
	refused "cold boot with --kexec, unwritable directory" \
		"$M is not writable: the kexec could not write its handover there (Permission denied)" \
		boot "$M" --preserve guest:8M --kexec
	unchanged "cold boot with --kexec, unwritable directory"
	# A cold boot without --kexec leaves the directory as it is: it runs.
	as_user "$KHO" boot "$M" >"$T/out" 2>"$T/err" ||
		fail "cold boot, unwritable directory: $(cat "$T/err")"
	grep -q "verdict *PASS: cold boot" "$T/out" || fail "cold boot: no PASS"
	chmod 755 "$M"
	rm -rf "$M"

	# Writable, but sticky (mode 1777, root's), and the record is a
	# third user's: unlink(2) and rename(2) over it would refuse it only
	# after the scrub (fs/namei.c __check_sticky()), so the boot is
	# refused first, nothing changed. The record the user owns, or a
	# sticky directory the user owns, is removed as usual. Root is the
	# only one who can give files away, so this needs root.
	if [ "$(id -u)" -eq 0 ]; then
		locked sticky handover
		chmod 1777 "$M"
		chown 65533:65533 "$M/handover"
		refused "sticky directory, another user's record" \
			"$M/handover cannot be removed: $M is a sticky directory (mode 1777) and uid 65534 owns neither it (uid 0) nor the file (uid 65533), so this KHO boot could not remove the handover it consumes (Operation not permitted)" \
			boot "$M"
		unchanged "sticky directory, another user's record"
		saved
		refused "sticky directory, another user's record, --kexec" \
			"$M/handover cannot be removed: $M is a sticky directory (mode 1777) and uid 65534 owns neither it (uid 0) nor the file (uid 65533), so the kexec could not replace it with the next handover (Operation not permitted)" \
			boot "$M" --preserve guest:8M --kexec
		unchanged "sticky directory, another user's record, --kexec"
		# The user's own record: removed, PASS.
		chown 65534:65534 "$M/handover"
		as_user "$KHO" boot "$M" >"$T/out" 2>"$T/err" ||
			fail "sticky directory, the user's record: $(cat "$T/err")"
		grep -q "verdict *PASS: every preserved byte" "$T/out" ||
			fail "sticky directory, the user's record: no PASS"
		[ ! -e "$M/handover" ] ||
			fail "sticky directory, the user's record: left"
		rm -rf "$M"
		# The user's sticky directory, another user's record: removed.
		locked sticky-own handover
		chmod 1777 "$M"
		chown 65534:65534 "$M"
		chown 65533:65533 "$M/handover"
		as_user "$KHO" boot "$M" >"$T/out" 2>"$T/err" ||
			fail "the user's sticky directory: $(cat "$T/err")"
		grep -q "verdict *PASS: every preserved byte" "$T/out" ||
			fail "the user's sticky directory: no PASS"
		[ ! -e "$M/handover" ] || fail "the user's sticky directory: left"
		rm -f "$T/ram.before" "$T/handover.before"
		rm -rf "$M"
	fi
	echo "refused: boots that could not remove or write the handover refused first, or failed"
fi
# A record that cannot be removed only at power off all the same: an
# immutable one (chattr +i: unlink(2) refuses it, even to root, in a
# directory the boot may write in). No PASS, exit 1, the sentence says why.
# Setting the flag needs root (CAP_LINUX_IMMUTABLE) and a file system
# that has it.
M="$T/immutable"
cp -r --sparse=always "$B" "$M"
if [ "$(id -u)" -ne 0 ] || ! chattr +i "$M/handover" 2>/dev/null; then
	echo "refused: chattr +i not possible here: the immutable-record case did not run"
else
	rc=0
	"$KHO" boot "$M" >"$T/out" 2>"$T/err" || rc=$?
	chattr -i "$M/handover"
	[ "$rc" -eq 1 ] || fail "immutable record: exit status $rc, not 1"
	! grep -q "PASS" "$T/out" || fail "immutable record: PASS printed"
	[ "$(cat "$T/err")" = "kho: $M/handover was consumed by this boot but cannot be removed (Operation not permitted): the next boot would take it again over scrubbed memory." ] ||
		fail "immutable record: said: $(cat "$T/err")"
	# With --kexec (on a fresh copy: that boot scrubbed RAM), the next
	# record cannot be renamed over it either: the kexec fails, and so does the removal at power off; one
	# sentence joins both (run_boot()), and handover.tmp is gone.
	rm -rf "$M"
	cp -r --sparse=always "$B" "$M"
	chattr +i "$M/handover"
	rc=0
	"$KHO" boot "$M" --preserve memfd:1M --kexec >"$T/out" 2>"$T/err" ||
		rc=$?
	chattr -i "$M/handover"
	[ "$rc" -eq 1 ] || fail "immutable record, --kexec: exit status $rc, not 1"
	! grep -q "PASS" "$T/out" || fail "immutable record, --kexec: PASS printed"
	[ "$(cat "$T/err")" = "kho: cannot rename $M/handover.tmp to $M/handover: Operation not permitted, and $M/handover was consumed by this boot but cannot be removed (Operation not permitted): the next boot would take it again over scrubbed memory." ] ||
		fail "immutable record, --kexec: said: $(cat "$T/err")"
	[ ! -e "$M/handover.tmp" ] || fail "immutable record, --kexec: handover.tmp left"
	cmp -s "$M/handover" "$B/handover" ||
		fail "immutable record, --kexec: the record changed"
	echo "refused: a record that cannot be removed at power off fails the boot, with --kexec too"
fi
rm -rf "$M"
echo "refused: every damaged handover refused, machine unchanged"
