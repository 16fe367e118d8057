#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# An independent reader agrees with the library: tests/tools/kho_v2_reader.py
# (standard-library Python written from abi.md and the devicetree spec only,
# no libfdt, no code from this repository) must accept every handover `kho`
# makes, for 4, 16 and 64 KiB pages, and count the same blocks (per order),
# tree nodes (per level), coalesced ranges and preserved bytes as
# `kho inspect --json`. A tree whose root links to itself, and the damages of
# `kho debug corrupt` that abi.md rules out, must be refused by both.
# Needs KHO (path to kho) and python3.
set -eu
: "${KHO:?KHO must name the kho binary}"
command -v python3 >/dev/null 2>&1 ||
	{ echo "FAIL: python3 is missing (scripts/deps.sh check installs it)" >&2; exit 1; }
READER="$(cd "$(dirname "$0")" && pwd)/tools/kho_v2_reader.py"
[ -f "$READER" ] || { echo "FAIL: $READER is missing" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-reader.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

# agree DIR: the reader accepts the pending handover of DIR and its counts
# equal those of `kho inspect --json`.
agree() {
	python3 "$READER" "$1" || fail "$1: the reader refused a handover kho made"
	python3 "$READER" "$1" --json >"$T/reader.json" || fail "$1: reader --json"
	"$KHO" inspect "$1" --json >"$T/kho.json" || fail "$1: kho inspect refused"
	python3 - "$T/reader.json" "$T/kho.json" <<'EOF' || fail "$1: reader and kho inspect disagree"
import json, sys
r = json.load(open(sys.argv[1]))
k = json.load(open(sys.argv[2]))
pairs = [
    ("verdict", r["verdict"], k["verdict"]),
    ("page size", r["page_size"], k["page_size"]),
    ("tree root", r["tree_root"], k["tree"]["root"]),
    ("tree depth", r["depth"], k["tree"]["depth"]),
    ("blocks", r["blocks"], k["blocks"]),
    ("preserved bytes", r["preserved_bytes"], k["preserved_bytes"]),
    ("blocks per order", r["blocks_per_order"], k["blocks_per_order"]),
    ("nodes per level", r["nodes_per_level"], k["tree"]["nodes_per_level"]),
    ("coalesced ranges", r["ranges"], len(k["ranges"])),
    ("subtrees", sorted((s["name"], s["phys"]) for s in r["subtrees"]),
     sorted((s["name"], s["phys"]) for s in k["subtrees"])),
]
bad = [f"{what}: reader {a}, kho {b}" for what, a, b in pairs if a != b]
if r["blocks"] == 0 or not r["subtrees"]:
    bad.append("nothing preserved")
for line in bad:
    print(line, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}

# The issue's case: the default machine (4 GiB, a hole, RAM above 4 GiB,
# 4 KiB pages) with 64 MiB of memfd and a 256 MiB guest.
M="$T/default"
"$KHO" machine create "$M" >/dev/null || fail "default: machine create"
"$KHO" boot "$M" --preserve memfd:64M --preserve guest:256M --kexec >/dev/null ||
	fail "default: boot"
agree "$M"

# Small machines for every page size, two handovers each: a cold boot's and
# that of a KHO boot that restored everything and preserved it again.
for ps in 4K 16K 64K; do
	M="$T/p$ps"
	ram=256M
	[ "$ps" = 64K ] && ram=1G	# 64 MiB scratch alignment
	"$KHO" machine create "$M" --ram "$ram" --page-size "$ps" >/dev/null ||
		fail "$ps: machine create"
	for gen in 1 2; do
		"$KHO" boot "$M" --preserve memfd:8M --preserve guest:16M \
			--preserve memblock --kexec >/dev/null || fail "$ps: boot $gen"
		agree "$M"
	done
done

# refused DIR WHY: the reader and kho inspect both refuse DIR's handover,
# the reader with one sentence.
refused() {
	if python3 "$READER" "$1" >"$T/out" 2>"$T/err"; then
		fail "$2: the reader accepted it"
	fi
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$2: reader said: $(cat "$T/err")"
	grep -q "refused" "$T/err" || fail "$2: reader said: $(cat "$T/err")"
	if "$KHO" inspect "$1" >"$T/out" 2>&1; then
		fail "$2: kho inspect accepted it"
	fi
}

# Negative: the root's entry 0 holds the root's own address, so the walk
# comes back to the root. The offset comes from the reader's helper and must
# equal kho's.
B="$T/base"
"$KHO" machine create "$B" --ram 128M >/dev/null || fail "base: machine create"
"$KHO" boot "$B" --preserve memfd:2M --kexec >/dev/null || fail "base: boot"
agree "$B"
M="$T/selfloop"
cp -r --sparse=always "$B" "$M"
root=$(python3 "$READER" "$M" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["tree_root"])')
off=$(python3 "$READER" "$M" --offset "$root") || fail "reader --offset"
koff=$("$KHO" machine offset "$M" "$root") || fail "kho machine offset"
[ "$off" = "$koff" ] || fail "offset of $root: reader $off, kho $koff"
python3 -c 'import struct, sys; sys.stdout.buffer.write(struct.pack("=Q", int(sys.argv[1])))' "$root" |
	dd of="$M/ram.img" bs=1 seek="$off" conv=notrunc status=none
refused "$M" "root linked to itself"
grep -q "already reached" "$T/err" || fail "root linked to itself: reader said: $(cat "$T/err")"

# Negative: damages of the root FDT and the handover record (kho debug
# corrupt) that abi.md rules out.
for what in fdt-header compatible memory-map-missing memory-map-short \
	memory-map-zero memory-map-outside scratch-array-outside; do
	M="$T/$what"
	cp -r --sparse=always "$B" "$M"
	"$KHO" debug corrupt "$M" "$what" || fail "$what: cannot corrupt"
	refused "$M" "$what"
done
echo "independent reader: every handover accepted and counted alike, every damage refused"
