#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The guest client with 1 GiB folios, which only a machine with a free
# aligned GiB gives it (4 GiB, sparse on disk): a 1026 MiB guest is one
# 1 GiB and one 2 MiB folio; the next boot restores both, keeps them and
# preserves the same two again (the VM kept running, at the same
# addresses); a damaged 2 MiB folio then fails the boot that would have
# kept the 1 GiB one. About 4 s (1 GiB filled and hashed per boot).
# Needs KHO (path to kho); python3.
set -eu
: "${KHO:?KHO must name the kho binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-guest.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}

# The pending handover's preserved ranges of 2 MiB and more, the guest's
# folios (the blobs are reallocated each boot), one "start size" a line.
ranges() {
	"$KHO" inspect "$M" --json >"$T/json" || fail "inspect"
	python3 -c '
import json, sys
for a, b in json.load(open(sys.argv[1]))["ranges"]:
    if b - a >= 2 << 20:
        print("%#x %#x" % (a, b - a))' "$T/json"
}

M="$T/m"
"$KHO" machine create "$M" --ram 4G >/dev/null
"$KHO" boot "$M" --preserve guest:1026M --kexec >"$T/b1" || fail "boot 1: $(cat "$T/b1")"
grep -q 'preserve *guest: 1.00 GiB, 1 x 1 GiB + 1 x 2 MiB folios$' "$T/b1" ||
	fail "boot 1: no 1 GiB folio: $(grep guest "$T/b1")"
ranges >"$T/r1"
grep -q '^0x[0-9a-f]*00000000 0x40000000$' "$T/r1" || fail "no aligned 1 GiB range: $(cat "$T/r1")"

"$KHO" boot "$M" --preserve guest:1026M --kexec >"$T/b2" || fail "boot 2: $(cat "$T/b2")"
grep -q 'restore *guest: 2 folios, 1026 MiB intact' "$T/b2" ||
	fail "boot 2: not restored: $(grep guest "$T/b2")"
grep -q 'preserve *guest: 1.00 GiB, 1 x 1 GiB + 1 x 2 MiB folios, the same ones: the VM kept running$' "$T/b2" ||
	fail "boot 2: the folios were not kept: $(grep guest "$T/b2")"
ranges >"$T/r2"
cmp -s "$T/r1" "$T/r2" || fail "the kept folios moved: $(cat "$T/r1") / $(cat "$T/r2")"

# One byte of the 2 MiB folio (the range of exactly 2 MiB) changed.
small=$(awk '$2 == "0x200000" { print $1 }' "$T/r2")
[ -n "$small" ] || fail "no 2 MiB range: $(cat "$T/r2")"
python3 "$ROOT/tests/lib/kho_testdata.py" flip "$M" $((small + 4096)) ||
	fail "cannot damage the folio"
if "$KHO" boot "$M" --preserve guest:1026M >"$T/b3" 2>&1; then
	fail "a damaged kept guest passed: $(cat "$T/b3")"
fi
grep -q "restore *guest: FAILED: guest: folio 1 at $small did not survive: its hash differs" "$T/b3" ||
	fail "boot 3: $(grep guest "$T/b3")"
grep -q 'verdict *FAIL' "$T/b3" || fail "boot 3: no FAIL verdict"
echo "guest: 1 GiB folio preserved, kept across kexecs, damage detected"
