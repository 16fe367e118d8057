#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The checks have teeth: a preserved byte changed behind KHO's back (here with
# dd, in the middle of the guest's memory) fails the next boot, which names
# the folio and says FAIL; so does the guest's blob address moved off the
# 8-byte alignment an FDT needs. Needs KHO (path to kho); python3.
set -eu
: "${KHO:?KHO must name the kho binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-detect.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

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
off=$("$KHO" machine offset "$M" "$largest")
printf 'XXXXXXXX' | dd of="$M/ram.img" bs=1 seek="$off" conv=notrunc 2>/dev/null

if "$KHO" boot "$M" >"$T/out" 2>&1; then
	fail "a corrupted guest folio passed: $(cat "$T/out")"
fi
grep -q 'restore .*guest: FAILED: .*did not survive' "$T/out" ||
	fail "the failure does not name the folio: $(cat "$T/out")"
grep -q 'verdict .*FAIL' "$T/out" || fail "no FAIL verdict"

# The guest's blob address 4 bytes on: still in RAM and preserved, but no
# FDT may start there; the guest refuses it before reading a header.
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
at=$(python3 "$ROOT/tests/lib/kho_testdata.py" blob-move "$T/moved" guest 4) ||
	fail "cannot move the guest's blob"
if "$KHO" boot "$T/moved" >"$T/out" 2>&1; then
	fail "a misaligned guest blob passed: $(cat "$T/out")"
fi
grep -q "restore .*guest: FAILED: guest: blob at $at is not 8-byte aligned, as an FDT must be" \
	"$T/out" || fail "the misaligned blob is not named: $(cat "$T/out")"
grep -q 'verdict .*FAIL' "$T/out" || fail "misaligned blob: no FAIL verdict"
echo "detect: a changed preserved byte and a misaligned blob fail the boot"
