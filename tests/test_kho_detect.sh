#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The checks have teeth: a preserved byte changed behind KHO's back (here
# inverted, in the middle of the guest's memory) fails the next boot, which
# names the folio and says FAIL; so does the guest's blob address moved off the
# 8-byte alignment an FDT needs, and each client's blob address pointed at
# another client's blob: every client refuses what is not its own in one
# sentence naming the blob; a guest blob without its size or whose size
# is not what its folios hold, a reserve_mem
# region moved off its page or with a changed byte fail the boot, and so do
# a kexec-metadata blob-size too small and a region over the
# kexec-metadata blob. Needs KHO (path to kho); python3.
set -eu
: "${KHO:?KHO must name the kho binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-detect.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}

M="$T/m"
"$KHO" machine create "$M" --ram 128M >/dev/null
"$KHO" boot "$M" --preserve guest:8M --kexec >/dev/null || fail "boot 1"
"$KHO" inspect "$M" --json >"$T/json" || fail "inspect"
cp -r --sparse=always "$M" "$T/moved"

# The largest preserved range is the guest's memory: hit its middle.
largest=$(python3 -c '
import json, sys
r = max(json.load(open(sys.argv[1]))["ranges"], key=lambda r: r[1] - r[0])
print(r[0] + (r[1] - r[0]) // 2 + 123)' "$T/json")
[ -n "$largest" ] && [ "$largest" -gt 0 ] || fail "no preserved range found"
python3 "$ROOT/tests/lib/kho_testdata.py" flip "$M" "$largest" 8 ||
	fail "cannot damage the guest's memory"

if "$KHO" boot "$M" >"$T/out" 2>&1; then
	fail "a corrupted guest folio passed: $(cat "$T/out")"
fi
grep -q 'restore .*guest: FAILED: .*did not survive' "$T/out" ||
	fail "the failure does not name the folio: $(cat "$T/out")"
grep -q 'verdict .*FAIL' "$T/out" || fail "no FAIL verdict"

# The guest's blob address 4 bytes on: still in RAM and preserved, but no
# FDT may start there; the guest refuses it before reading a header.
at=$(python3 "$ROOT/tests/lib/kho_testdata.py" blob-move "$T/moved" guest 4) ||
	fail "cannot move the guest's blob"
if "$KHO" boot "$T/moved" >"$T/out" 2>&1; then
	fail "a misaligned guest blob passed: $(cat "$T/out")"
fi
grep -q "restore .*guest: FAILED: guest: blob at $at is not 8-byte aligned, as an FDT must be" \
	"$T/out" || fail "the misaligned blob is not named: $(cat "$T/out")"
grep -q 'verdict .*FAIL' "$T/out" || fail "misaligned blob: no FAIL verdict"

# Each subtree's blob address set to another subtree's blob, preserved but
# not its own: the client says so and the boot fails.
A="$T/all"
"$KHO" machine create "$A" --ram 128M >/dev/null
"$KHO" boot "$A" --preserve guest:4M --preserve memblock:1M --preserve memfd:1M \
	--preserve kho-test:64K --kexec >/dev/null || fail "all: boot 1"
blob() { python3 "$ROOT/tests/lib/kho_testdata.py" blob-move "$1" "$2" 0; }
# subtree | the blob it is given | client | the client's sentence, @ for the address
while IFS='|' read -r subtree other client says; do
	M="$T/$subtree-$other"
	cp -r --sparse=always "$A" "$M"
	from=$(blob "$M" "$subtree") || fail "$subtree: no blob address"
	to=$(blob "$M" "$other") || fail "$other: no blob address"
	python3 "$ROOT/tests/lib/kho_testdata.py" blob-move "$M" "$subtree" \
		$((to - from)) >/dev/null || fail "$subtree: cannot move the blob"
	if "$KHO" boot "$M" >"$T/out" 2>&1; then
		fail "$subtree given $other's blob passed: $(cat "$T/out")"
	fi
	want="restore *$client: FAILED: $(echo "$says" | sed "s/@/$to/g")\$"
	grep -q "$want" "$T/out" || fail "$subtree given $other's blob: $(grep FAILED "$T/out")"
	grep -q 'verdict .*FAIL: 1 subtree did not come back intact' "$T/out" ||
		fail "$subtree given $other's blob: no FAIL verdict"
	rm -rf "$M"
done <<'LIST'
guest|memblock|guest|guest: blob at @ is not compatible with guest-memory-v1
guest|kexec-metadata|guest|guest: blob at @ is not a valid FDT
memblock|guest|memblock|memblock: the memblock blob is not compatible with memblock-v1 (property compatible, phys @)
kexec-metadata|guest|kexec-metadata|kexec-metadata: kexec-metadata has a version other than 1 (property version, phys @)
LUO|guest|memfd|memfd: the LUO state at @ is refused: the LUO blob is not compatible with luo-v5 (property compatible, phys @)
kho_test|guest|kho-test|kho-test: KHO restore failed: the kho-test blob is not compatible with kho-test-v1 (property compatible, phys @)
LIST

# The guest's blob without its size.
M="$T/no-size"
cp -r --sparse=always "$A" "$M"
python3 "$ROOT/tests/lib/kho_testdata.py" blob-rename "$M" guest size SIZE ||
	fail "cannot rename the guest's size"
at=$(blob "$M" guest)
"$KHO" boot "$M" >"$T/out" 2>&1 && fail "a guest without size passed: $(cat "$T/out")"
grep -q "restore *guest: FAILED: guest: blob at $at lacks size or folios$" "$T/out" ||
	fail "guest without size: $(grep FAILED "$T/out")"
rm -rf "$M"

# The guest's size one page more, and 2^64 - 2^32, than its folios hold.
for delta in 0x1000 -0x100000000; do
	M="$T/size$delta"
	cp -r --sparse=always "$A" "$M"
	size=$(python3 "$ROOT/tests/lib/kho_testdata.py" blob-prop "$M" guest size $delta) ||
		fail "cannot change the guest's size"
	at=$(blob "$M" guest)
	"$KHO" boot "$M" >"$T/out" 2>&1 && fail "a guest of size $size passed: $(cat "$T/out")"
	grep -q "restore *guest: FAILED: guest: blob at $at gives size $size, its 2 folios hold 0x400000 bytes$" \
		"$T/out" || fail "guest of size $size: $(grep FAILED "$T/out")"
	rm -rf "$M"
done

# A reserve_mem region moved off its page, and one byte of a region.
M="$T/region"
cp -r --sparse=always "$A" "$M"
at=$(python3 "$ROOT/tests/lib/kho_testdata.py" blob-prop "$M" memblock start 0x800) ||
	fail "cannot move the region"
"$KHO" boot "$M" >"$T/out" 2>&1 && fail "a misaligned region passed: $(cat "$T/out")"
grep -q "restore *memblock: FAILED: memblock: region trace ($at+0x[0-9a-f]*) is not page-aligned RAM$" \
	"$T/out" || fail "misaligned region: $(grep FAILED "$T/out")"
rm -rf "$M"
cp -r --sparse=always "$A" "$M"
at=$(python3 "$ROOT/tests/lib/kho_testdata.py" blob-prop "$M" memblock start 0)
python3 "$ROOT/tests/lib/kho_testdata.py" flip "$M" $((at + 100)) ||
	fail "cannot damage the region"
"$KHO" boot "$M" >"$T/out" 2>&1 && fail "a damaged region passed: $(cat "$T/out")"
grep -q "restore *memblock: FAILED: memblock: region trace at $at did not survive: its hash differs$" \
	"$T/out" || fail "damaged region: $(grep FAILED "$T/out")"

# The kexec-metadata blob-size below its 4-byte version, and below the 73
# bytes of version 1: the client says which, naming the blob.
for bs in 2 8; do
	M="$T/km-size$bs"
	cp -r --sparse=always "$A" "$M"
	python3 "$ROOT/tests/lib/kho_testdata.py" blob-size "$M" kexec-metadata $bs ||
		fail "cannot set kexec-metadata's blob-size"
	at=$(blob "$M" kexec-metadata)
	rc=0
	"$KHO" boot "$M" >"$T/out" 2>&1 || rc=$?
	[ "$rc" -eq 1 ] || fail "kexec-metadata of blob-size $bs: exit $rc: $(cat "$T/out")"
	case $bs in
	2) want="its 4-byte version" ;;
	*) want="the 73 bytes of version 1" ;;
	esac
	grep -q "restore *kexec-metadata: FAILED: kexec-metadata: the kexec-metadata blob is smaller than $want (property blob-size, phys $at)$" \
		"$T/out" || fail "kexec-metadata of blob-size $bs: $(grep FAILED "$T/out")"
	grep -q 'verdict .*FAIL: 1 subtree did not come back intact' "$T/out" ||
		fail "kexec-metadata of blob-size $bs: no FAIL verdict"
	rm -rf "$M"
done

# The reserve_mem region trace shrunk to a page and moved onto the
# kexec-metadata blob: memblock restores that page first, and its bytes are
# not the region's; kexec-metadata then finds its blob taken.
M="$T/region-on-km"
cp -r --sparse=always "$A" "$M"
km=$(blob "$M" kexec-metadata)
tr=$(python3 "$ROOT/tests/lib/kho_testdata.py" blob-prop "$M" memblock start 0)
sz=$(python3 "$ROOT/tests/lib/kho_testdata.py" blob-prop "$M" memblock size 0)
python3 "$ROOT/tests/lib/kho_testdata.py" blob-prop "$M" memblock start \
	$((km - tr)) >/dev/null && python3 "$ROOT/tests/lib/kho_testdata.py" \
	blob-prop "$M" memblock size $((4096 - sz)) >/dev/null ||
	fail "cannot move the region"
rc=0
"$KHO" boot "$M" >"$T/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "region on kexec-metadata: exit $rc: $(cat "$T/out")"
grep -q "restore *memblock: FAILED: memblock: region trace at $km did not survive: its hash differs$" \
	"$T/out" || fail "region on kexec-metadata: $(grep FAILED "$T/out")"
grep -q "restore *kexec-metadata: FAILED: kexec-metadata: the kexec-metadata blob is not preserved memory (phys $km)$" \
	"$T/out" || fail "region on kexec-metadata: $(grep FAILED "$T/out")"
grep -q 'verdict .*FAIL: 2 subtrees did not come back intact' "$T/out" ||
	fail "region on kexec-metadata: no FAIL verdict"
rm -rf "$M"
echo "detect: a changed preserved byte, a misaligned blob, another client's blob, a guest without size or of the wrong size and a damaged region fail the boot"
