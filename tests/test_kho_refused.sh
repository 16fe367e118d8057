#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Every way a handover is refused: each damage on a fresh copy of one
# kexec'ed machine; `kho inspect` and `kho boot` must both refuse it with one
# sentence naming the problem, exit non-zero, and change nothing on disk.
# No handover at all means a cold boot. Needs KHO (path to kho).
set -eu
: "${KHO:?KHO must name the kho binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-refused.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

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
echo "refused: every damaged handover refused, machine unchanged"
