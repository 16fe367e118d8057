#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Random damage to a pending handover: a few random bytes at a random place
# in the root FDT, the tree's root node or the scratch array. Neither
# `kho inspect` nor `kho boot` may crash; each either accepts the handover
# or refuses it in one sentence, and a refused boot changes nothing on disk.
# Needs KHO (path to kho). KHO_FUZZ_ROUNDS sets the rounds per target.
set -eu
: "${KHO:?KHO must name the kho binary}"
ROUNDS=${KHO_FUZZ_ROUNDS:-10}
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-fuzz.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
rand() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }
# A sanitizer build exits 1 too: look for its report.
sanitized() {
	if grep -q 'Sanitizer\|runtime error' "$T/err"; then
		cat "$T/err" >&2
		fail "round $n: $1 hit a sanitizer after $len bytes at $off"
	fi
}
state() { cksum "$1/ram.img" "$1/handover" | awk '{ print $1 $2 }'; }

B="$T/base"
"$KHO" machine create "$B" --ram 128M >/dev/null
"$KHO" boot "$B" --preserve memfd:2M --preserve guest:4M --kexec >/dev/null ||
	fail "base boot"
"$KHO" inspect "$B" --json >"$T/json"
field() { python3 -c 'import json, sys; j = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): j = j.get(k, {})
print(j if isinstance(j, int) else "")' "$T/json" "$1"; }
fdt=$(field fdt.addr)
array=$(field scratch_array.addr)
root=$(field tree.root)
[ -n "$fdt" ] && [ -n "$array" ] && [ -n "$root" ] || fail "inspect --json lacks addresses"

n=0
for target in "$fdt" "$root" "$array"; do
	base_off=$("$KHO" machine offset "$B" "$target")
	span=4096
	[ "$target" = "$array" ] && span=48
	i=0
	while [ $i -lt "$ROUNDS" ]; do
		i=$((i + 1))
		n=$((n + 1))
		M="$T/m"
		rm -rf "$M"
		cp -r --sparse=always "$B" "$M"
		off=$((base_off + $(rand) % span))
		len=$(($(rand) % 8 + 1))
		head -c "$len" /dev/urandom |
			dd of="$M/ram.img" bs=1 seek="$off" conv=notrunc 2>/dev/null
		before=$(state "$M")
		rc=0
		"$KHO" inspect "$M" >/dev/null 2>"$T/err" || rc=$?
		[ $rc -le 1 ] || fail "round $n: inspect died ($rc) after $len bytes at $off"
		sanitized "inspect"
		[ "$before" = "$(state "$M")" ] || fail "round $n: inspect changed the machine"
		rc=0
		"$KHO" boot "$M" >"$T/out" 2>"$T/err" || rc=$?
		[ $rc -le 1 ] || fail "round $n: boot died ($rc) after $len bytes at $off"
		sanitized "boot"
		if grep -q 'refused' "$T/err"; then
			[ "$(wc -l <"$T/err")" -eq 1 ] || fail "round $n: more than one line"
			[ "$before" = "$(state "$M")" ] ||
				fail "round $n: a refused boot changed the machine"
		fi
	done
done
echo "fuzz: $n damaged handovers, no crash, refusals changed nothing"
