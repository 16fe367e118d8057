#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# End to end, one process per boot, for 4 KiB, 16 KiB and 64 KiB pages:
# cold boot, preserve every client, kexec, inspect the pending handover,
# KHO boot that restores and checks every byte, and a chain of kexecs whose
# kexec-metadata count grows. Needs KHO (path to kho).
set -eu
: "${KHO:?KHO must name the kho binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-roundtrip.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

for ps in 4K 16K 64K; do
	M="$T/m$ps"
	# Scratch areas are rounded to PAGE_SIZE << MAX_PAGE_ORDER: 64 MiB
	# each with 64 KiB pages, so that machine needs more RAM.
	ram=256M
	[ "$ps" = 64K ] && ram=1G
	"$KHO" machine create "$M" --ram "$ram" --page-size "$ps" >/dev/null
	grep -q '^ram = 0x100000000 ' "$M/machine.conf" ||
		fail "$ps: no RAM above 4 GiB in the default layout"

	"$KHO" boot "$M" --preserve memblock:1M --preserve memfd:8M \
		--preserve guest:16M --kexec >"$T/boot1" ||
		fail "$ps: cold boot with --kexec failed: $(cat "$T/boot1")"
	grep -q 'cold boot' "$T/boot1" || fail "$ps: first boot was not cold"
	[ -f "$M/handover" ] || fail "$ps: kexec left no handover file"
	[ "$(wc -c <"$M/handover")" -eq 32 ] || fail "$ps: handover is not 32 bytes"

	"$KHO" inspect "$M" >"$T/inspect" || fail "$ps: inspect refused the handover"
	# kho-v4: the memfd client's subtree is LUO (sessions of memfd-v2).
	for s in kexec-metadata memblock LUO guest; do
		grep -q "$s .*preserved" "$T/inspect" ||
			fail "$ps: inspect does not list subtree $s"
	done
	"$KHO" inspect "$M" --json >"$T/json" || fail "$ps: inspect --json failed"
	grep -q '"verdict": "accepted"' "$T/json" || fail "$ps: json verdict"
	grep -q "\"page_size\": $(( ${ps%K} * 1024 ))" "$T/json" ||
		fail "$ps: json page size"
	[ -f "$M/handover" ] || fail "$ps: inspect consumed the handover"

	# Second boot: restore, check, and hand over again.
	"$KHO" boot "$M" --preserve memfd:4M --preserve memblock:1M \
		--preserve guest:16M --kexec >"$T/boot2" ||
		fail "$ps: KHO boot failed: $(cat "$T/boot2")"
	grep -q 'KHO boot' "$T/boot2" || fail "$ps: second boot did not take the handover"
	for s in memblock memfd guest; do
		grep -q "restore .*$s: .*intact" "$T/boot2" ||
			fail "$ps: $s not restored intact: $(cat "$T/boot2")"
	done
	grep -q 'kexec 1 since cold boot' "$T/boot2" || fail "$ps: kexec_count is not 1"
	# reserve_mem regions keep their address across a kexec.
	trace=$(sed -n 's/.*memblock: .*trace at \(0x[0-9a-f]*\).*/\1/p' "$T/boot1")
	grep -q "memblock: .*trace at $trace (revived)" "$T/boot2" ||
		fail "$ps: reserve_mem region not revived at $trace"
	# The guest goes on in the folios it had: restored, then preserved again.
	grep -q 'preserve .*guest: .*the same ones' "$T/boot2" ||
		fail "$ps: the guest's folios were not handed over again"
	grep -q 'verdict .*PASS' "$T/boot2" || fail "$ps: no PASS verdict"

	# Third boot: the chain's count grows, and the handover is consumed.
	"$KHO" boot "$M" >"$T/boot3" || fail "$ps: third boot failed: $(cat "$T/boot3")"
	grep -q 'kexec 2 since cold boot' "$T/boot3" || fail "$ps: kexec_count is not 2"
	grep -q 'restore .*memfd: .*intact' "$T/boot3" || fail "$ps: memfd lost on boot 3"
	grep -q 'restore .*guest: 8 folios, 16 MiB intact' "$T/boot3" ||
		fail "$ps: re-preserved guest lost on boot 3: $(cat "$T/boot3")"
	[ ! -f "$M/handover" ] || fail "$ps: a boot without --kexec left the handover"
	"$KHO" boot "$M" >"$T/boot4" || fail "$ps: fourth boot failed"
	grep -q 'cold boot' "$T/boot4" || fail "$ps: no handover should mean a cold boot"
	rm -rf "$M"
done

# The layout of the issue's example: default machine (4 GiB), big clients.
M="$T/big"
"$KHO" machine create "$M" >/dev/null
"$KHO" boot "$M" --preserve memfd:64M --preserve guest:256M --kexec >/dev/null ||
	fail "default machine: boot with memfd:64M and guest:256M failed"
"$KHO" inspect "$M" >/dev/null || fail "default machine: inspect refused it"
"$KHO" boot "$M" >"$T/big2" || fail "default machine: restore failed: $(cat "$T/big2")"
grep -q 'guest: 128 folios, 256 MiB intact' "$T/big2" || fail "default machine: guest"
echo "roundtrip: 4K, 16K, 64K and the default machine pass"
