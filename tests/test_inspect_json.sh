#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# kho inspect --json matches docs/inspect-schema.json (checked with the
# jsonschema module when installed and always with the test's own checker)
# for a kho-v4 machine, an ELF core, kho-v1 images of both bitmap sizes, a
# refused handover and an unreadable source; and its numbers agree with
# each other (blocks per order sum to blocks, ranges ascending, disjoint and
# summing to preserved_bytes; --blocks lists what the text lists).
# Needs KHO (path to kho); python3.
set -eu
: "${KHO:?KHO must name the kho binary}"
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
H="python3 $ROOT/tests/lib/kho_testdata.py"
SCHEMA="$ROOT/docs/inspect-schema.json"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-inspect-json.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

# check NAME VERDICT: $T/NAME.json matches the schema and says VERDICT.
check() {
	$H schema-check "$SCHEMA" "$T/$1.json" || fail "$1: schema"
	python3 - "$T/$1.json" "$2" <<'PY' || fail "$1: inconsistent"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == sys.argv[2], d["verdict"]
if d["verdict"] == "accepted":
    assert sum(d["blocks_per_order"].values()) == d["blocks"]
    page = d["page_size"]
    covered = sum(n * (page << int(o)) for o, n in d["blocks_per_order"].items())
    assert covered == d["preserved_bytes"], (covered, d["preserved_bytes"])
    r = d["ranges"]
    assert all(s < e for s, e in r)
    assert all(r[i][1] < r[i + 1][0] for i in range(len(r) - 1))
    assert sum(e - s for s, e in r) == d["preserved_bytes"]
    assert all(s["preserved"] for s in d["subtrees"])
else:
    assert d["reason"] and d["code"] < 0
PY
}

M="$T/m"
"$KHO" machine create "$M" --ram 128M >/dev/null
# kho-v3: the memfd-v1 child inspect decodes (kho-v4 puts memfds in LUO).
"$KHO" boot "$M" --abi kho-v3 --preserve memfd:2M --preserve guest:4M \
	--preserve memblock --preserve kexec-metadata --kexec >/dev/null
"$KHO" inspect --mem "$M" --json >"$T/machine.json" || fail "machine"
check machine accepted
python3 - "$T/machine.json" <<'PY' || fail "machine: decoded subtrees"
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["name"]: x for x in d["subtrees"]}
assert s["kexec-metadata"]["decoded"]["type"] == "kexec-metadata"
assert s["kexec-metadata"]["decoded"]["kexec_count"] >= 1
assert s["memblock"]["decoded"]["nr_regions"] >= 1
m = s["memfd"]["decoded"]
assert m["type"] == "memfd-v1" and m["nr_folios"] == m["entries_found"] > 0
assert m["size"] == 2 << 20
assert d["format"] == "kho-v3" and d["tree"]["depth"] == 6
assert d["scratch"] and d["fdt"]["addr"] is not None
PY

# --blocks adds every block, the same as the text lists.
"$KHO" inspect --mem "$M" --json --blocks >"$T/blocks.json" || fail "blocks"
check blocks accepted
"$KHO" inspect --mem "$M" --blocks | grep '^block ' >"$T/blocks.txt"
python3 - "$T/blocks.json" "$T/blocks.txt" <<'PY' || fail "block_list differs from --blocks"
import json, sys
d = json.load(open(sys.argv[1]))
text = ["block %#x order %d" % (p, o) for p, o in d["block_list"]]
assert text == open(sys.argv[2]).read().split("\n")[:-1]
assert len(text) == d["blocks"]
PY

$H fdt-from-machine "$M" "$T/root.fdt"
$H elfcore "$M" "$T/core"
"$KHO" inspect --fdt "$T/root.fdt" --mem "elf:$T/core" --json >"$T/elf.json" ||
	fail "elf"
check elf accepted

for bm in 512 page; do
	$H v1 "$T/v1$bm" --bitmap $bm >/dev/null
	"$KHO" inspect --fdt "$T/v1$bm/fdt.dtb" --mem "raw:$T/v1$bm/mem.img@0x100000000" \
		--json >"$T/v1$bm.json" || fail "v1 $bm"
	check v1$bm accepted
	python3 - "$T/v1$bm.json" "$bm" <<'PY' || fail "v1 $bm: kho_v1"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "kho-v1" and "tree" not in d
want = 512 if sys.argv[2] == "512" else 4096
assert d["kho_v1"]["bitmap_bytes"] == want
assert d["kho_v1"]["bitmap_size_reason"].startswith("inferred")
PY
done

$H dtb "$T/other.dtb" "acme,widget-v3"
if "$KHO" inspect --fdt "$T/other.dtb" --mem "elf:$T/core" --json \
	>"$T/refused.json" 2>/dev/null; then
	fail "wrong FDT accepted"
fi
check refused refused

$H elfcore "$M" "$T/short.core" --truncate 100
if "$KHO" inspect --fdt "$T/root.fdt" --mem "elf:$T/short.core" --json \
	>"$T/error.json" 2>/dev/null; then
	fail "truncated core accepted"
fi
check error error
echo "inspect --json: matches docs/inspect-schema.json"
