#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# kho inspect --json matches docs/inspect-schema.json (checked with the
# jsonschema module when installed and always with the test's own checker)
# for a kho-v4 machine, an ELF core, kho-v1 images of both bitmap sizes, a
# refused handover and an unreadable source; and its numbers agree with
# each other (blocks per order sum to blocks, ranges ascending, disjoint and
# summing to preserved_bytes; --blocks lists what the text lists); and the
# subsystem decoders on damaged or unusual input, text and JSON.
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
# A map read whole is reported, whatever the verdict.
if d["verdict"] == "accepted" or "blocks_per_order" in d:
    assert sum(d["blocks_per_order"].values()) == d["blocks"]
    page = d["page_size"]
    covered = sum(n * (page << int(o)) for o, n in d["blocks_per_order"].items())
    assert covered == d["preserved_bytes"], (covered, d["preserved_bytes"])
    r = d["ranges"]
    assert all(s < e for s, e in r)
    assert all(r[i][1] < r[i + 1][0] for i in range(len(r) - 1))
    assert sum(e - s for s, e in r) == d["preserved_bytes"]
if d["verdict"] == "accepted":
    # A subtree not all preserved is taken, as Linux takes it, with a
    # warning that names it.
    for s in d["subtrees"]:
        assert s["preserved"] or "warnings_not_kept" in d or any(
            "(property %s, " % s["name"] in w for w in d["warnings"]), s
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

# Warnings (what Linux takes though odd): a zero-size scratch area and
# scratch area 0 moved onto the lowest preserved memory, 64 KiB of it (a
# few warnings); then all 16 MiB of it, and eight more areas, empty, at
# the end of the array (more than the 8 kept, whatever the layout).
# --json's warnings are the sentences of the text's warning lines; past
# the first 8 both say how many more there were: one per empty area and
# one per coalesced range and scratch area that overlap.
W="$T/warn"
low=$(python3 -c 'import json, sys
print(hex(json.load(open(sys.argv[1]))["ranges"][0][0] & ~0xfff))' \
	"$T/machine.json")
for size in 0x10000 all; do
	rm -rf "$W"
	cp -r --sparse=always "$M" "$W"
	if [ $size = all ]; then
		set -- record:3=+0x80
	else
		set -- area:0:size=$size
	fi
	$H handover "$W" area:0:addr="$low" "$@" area:1:size=0 \
		>/dev/null || fail "warnings: cannot patch"
	"$KHO" inspect "$W" >"$T/warn$size.txt" ||
		fail "warnings $size: text refused"
	"$KHO" inspect "$W" --json >"$T/warn$size.json" ||
		fail "warnings $size: --json refused"
	check warn$size accepted
	python3 - "$T/warn$size.json" "$T/warn$size.txt" <<'PY' ||
import json, re, sys
d = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
want = sum(1 for a in d["scratch"] if not a["size"])
want += sum(1 for s, e in d["ranges"] for a in d["scratch"]
            if s < a["addr"] + a["size"] and a["addr"] < e)
# The warning lines: from "warning" to the verdict, less their 16 columns.
block = re.search(r"^  warning       .*?(?=^  verdict )", text, re.M | re.S)
lines = [l[16:] for l in block.group(0).splitlines()]
more = [l for l in lines if l.startswith("... ")]
lines = [l for l in lines if not l.startswith("... ")]
assert lines == d["warnings"], (lines, d["warnings"])
# The empty areas first (the scratch array is judged before the tree),
# then the ranges that overlap area 0.
empty = [w.startswith("scratch area is empty (phys 0x") for w in d["warnings"]]
assert empty[0] and empty == sorted(empty, reverse=True), d["warnings"]
assert all(w.startswith("preserved memory overlaps a scratch area (phys 0x")
           and w.endswith(", index 0)")
           for w, e in zip(d["warnings"], empty) if not e), d["warnings"]
assert len(d["warnings"]) == min(want, 8), (want, d["warnings"])
if want > 8:
    n = want - 8
    assert more == ["... %d more warning%s (the first 8 are kept)"
                    % (n, "" if n == 1 else "s")], more
    assert d["warnings_not_kept"] == want - 8, d
else:
    assert not more and "warnings_not_kept" not in d, (more, d)
    assert want > 2, want
assert "\n  verdict       accepted, with the warnings above\n" in text
PY
		fail "warnings, scratch area 0 of $size: text and JSON differ"
done
grep -q "\.\.\. [0-9]* more warnings\? (the first 8 are kept)" "$T/warnall.txt" ||
	fail "warnings: no handover with more than 8"
rm -rf "$W"

# --json --blocks streams the list: a million blocks (4 GiB of 4 KiB pages,
# some 600 MB as json-c objects) cost no more memory than a handful, and
# the document is the same the text lists.
$H v4-full "$T/full.img" "$T/full.dtb" 4
python3 - "$KHO" "$T" <<'PY' || fail "--json --blocks: memory grows with blocks"
import json, resource, subprocess, sys
kho, t = sys.argv[1], sys.argv[2]
out = open(t + "/full.json", "w")
subprocess.run([kho, "inspect", "raw:%s/full.img@0" % t, "--fdt",
                t + "/full.dtb", "--json", "--blocks"], stdout=out, check=True)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
assert rss < 100 << 10, "%d KiB resident" % rss
d = json.load(open(t + "/full.json"))
assert d["blocks"] == len(d["block_list"]) > (1 << 20) - 1024, d["blocks"]
assert all(o == 0 for _, o in d["block_list"])
PY
rm -f "$T/full.img" "$T/full.json"

# More coalesced ranges than the text lists (32): the text shows the first
# 32 as --json has them, then how many more, then the total. A 1 GiB tree
# whose first leaf (at 0x105000, after the root and four inner nodes)
# preserves every other page of pfns 1024-1103 has 41 ranges.
$H v4-full "$T/many.img" "$T/many.dtb" 1
printf '\125\125\125\125\125\125\125\125\125\125' |
	dd of="$T/many.img" bs=1 seek=$((0x105000 + 1024 / 8)) conv=notrunc \
		2>/dev/null
"$KHO" inspect "raw:$T/many.img@0" --fdt "$T/many.dtb" >"$T/many.txt" ||
	fail "41 ranges: text refused"
"$KHO" inspect "raw:$T/many.img@0" --fdt "$T/many.dtb" --json \
	>"$T/many.json" || fail "41 ranges: --json refused"
python3 - "$T/many.json" "$T/many.txt" <<'PY' || fail "41 ranges: text list"
import json, re, sys
d = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
assert len(d["ranges"]) == 41, len(d["ranges"])
got = re.findall(r"^  (?:ranges        |              )0x([0-9a-f]{12})-0x([0-9a-f]{12}) ",
                 text, re.M)
assert [[int(a, 16), int(b, 16)] for a, b in got] == d["ranges"][:32], got
pad = " " * 16
assert re.search("^" + pad + r"\.\.\. 9 more ranges \(--json lists all\)\n"
                 + pad + "41 ranges, ", text, re.M), text
PY
rm -f "$T/many.img"

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
grep -q '"blocks"' "$T/refused.json" && fail "refused: a map never read reported"

$H elfcore "$M" "$T/short.core" --truncate 100
if "$KHO" inspect --fdt "$T/root.fdt" --mem "elf:$T/short.core" --json \
	>"$T/error.json" 2>/dev/null; then
	fail "truncated core accepted"
fi
check error error
# Decoders in text and JSON: a guest whose FDT is larger than a page (read
# as one span), LUO FLBs (the simulator writes none: kho_testdata adds
# two), a memfd-v2 file the reader refuses, a kho-test checksum that does
# not match, kho-test folios a dump lacks, a kho-test folio too large and
# not preserved, a kho-test magic that is wrong.
D="$T/dec" K="$T/kt"
"$KHO" machine create "$D" --ram 1G >/dev/null
"$KHO" boot "$D" --preserve memfd:1M --preserve kho-test:1M \
	--preserve guest:352M --preserve memblock --kexec >/dev/null
"$KHO" machine create "$K" --ram 128M >/dev/null
"$KHO" boot "$K" --preserve kho-test:1M --kexec >/dev/null
$H fdt-from-machine "$K" "$T/kt.fdt"
$H luo-flb "$D" "iommu-<dom>&" 0x1234 3
$H luo-flb "$D" hugetlb 0 1
# damage: in $D a memfd's nr_folios and the kho-test checksum; prints the
# first kho-test folio of $K as PHYS:SIZE.
kt=$(python3 - "$KHO" "$D" "$K" "$ROOT/tests/lib" <<'PY'
import json, struct, subprocess, sys
kho, d, k = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, sys.argv[4])
import kho_testdata as td
def subtrees(d):
    j = json.loads(subprocess.check_output([kho, "inspect", d, "--json"]))
    return {x["name"]: x for x in j["subtrees"]}
s = subtrees(d)
f = s["LUO"]["decoded"]["sessions"][0]["files"][0]
td.machine_write(d, f["data"] + 24, struct.pack("<Q", 0x10000))
t = s["kho_test"]
blob = td.machine_read(d, t["phys"], t["fdt_size"])
csum = struct.pack("<I", t["decoded"]["csum"])
assert blob.count(csum) == 1
td.machine_write(d, t["phys"] + blob.index(csum),
                 struct.pack("<I", t["decoded"]["csum"] ^ 1))
# Entry 0 (phys | order) of the page that chunk 0 names.
chunk = subtrees(k)["kho_test"]["decoded"]["folios_info"]["first"]
page = struct.unpack("<Q", td.machine_read(k, chunk + 8, 8))[0]
e = struct.unpack("<Q", td.machine_read(k, page, 8))[0]
print("%#x:%#x" % (e & ~0xfff, 0x1000 << (e & 0xfff)))
PY
) || fail "decoders: cannot damage the handover"
"$KHO" inspect "$D" >"$T/dec.txt" || fail "decoders: refused"
"$KHO" inspect "$D" --json >"$T/dec.json" || fail "decoders: --json refused"
check dec accepted
for want in "guest  *at 0x[0-9a-f]*, blob-size [0-9]* (guest-memory-v1, FDT [4-9][0-9][0-9][0-9] bytes)" \
	"luo-v5, live update 1, 3 sessions, 4 files, 2 FLBs," \
	"^                  FLB iommu-<dom>&         data 0x1234, 3 files$" \
	"^                  FLB hugetlb              data 0, 1 file$" \
	"file memfd-v2   token 0x[0-9a-f]*, data 0x[0-9a-f]*: a memfd has more folios than pages (property nr_folios, phys 0x" \
	"note: session kho-sim-memfd-a, file 0: a memfd has more folios than pages" \
	"kho-test-v1, FDT [0-9]* bytes), preserved: [0-9]* folios (1 MiB), csum 0x[0-9a-f]* WRONG$" \
	"note: the kho-test checksum 0x[0-9a-f]* does not match its folios (x86_64 sums them to 0x"; do
	grep -q "$want" "$T/dec.txt" || fail "decoders: text lacks \"$want\""
done
python3 - "$T/dec.json" <<'PY' || fail "decoders: JSON"
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["name"]: x for x in d["subtrees"]}
assert s["guest"]["compatible"] == "guest-memory-v1", s["guest"]
assert s["guest"]["fdt_size"] > 4096, s["guest"]
luo = s["LUO"]["decoded"]
assert luo["flbs"] == [{"name": "iommu-<dom>&", "data": 0x1234, "count": 3},
                       {"name": "hugetlb", "data": 0, "count": 1}], luo["flbs"]
f = luo["sessions"][0]["files"][0]
assert f["problem"].startswith("a memfd has more folios than pages"), f
k = s["kho_test"]["decoded"]
assert k["csum_ok"] is False and "csum_note" not in k, k
PY
# memblock's blob address moved (kernel A would not): onto the guest's FDT
# (mapped a second time: from the copy kept), onto an FDT magic 4 bytes
# into a guest folio (misaligned), and to 16 bytes before the end of RAM
# (its header is not all in memory; and not preserved, so kernel B refuses
# the handover, as kho boot does, while the report still decodes it).
python3 - "$KHO" "$D" "$ROOT/tests/lib" <<'PY' || fail "decoders: moved blob"
import json, re, struct, subprocess, sys
kho, d = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
import kho_testdata as td
j = json.loads(subprocess.check_output([kho, "inspect", d, "--json"]))
s = {x["name"]: x for x in j["subtrees"]}
g = s["guest"]
fdt = td.machine_read(d, g["phys"], g["fdt_size"])
folios = [v for _, k, n, v in td.fdt_parse(fdt) if n == "folios"][0]
f0 = struct.unpack(td.NATIVE + "Q", folios[:8])[0]
td.machine_write(d, f0 + 4, struct.pack(">I", 0xd00dfeed))
end = j["memory"][0]["addr"] + j["memory"][0]["size"]
at, _ = td.subtree_data(d, "memblock")
warned = ("  warning       a subtree's blob is not all in preserved memory "
          "(property memblock, phys %#x)\n")
for phys, want, warning in [
        (g["phys"], r"\(guest-memory-v1, FDT %d bytes\), preserved$" % g["fdt_size"], ""),
        (f0 + 4, r", preserved\n +note: an FDT header at %#x, which is not "
                 r"8-byte aligned as an FDT must be$" % (f0 + 4), ""),
        (end - 16, r", NOT PRESERVED$", warned % (end - 16))]:
    td.machine_write(d, at, struct.pack(td.NATIVE + "Q", phys))
    out = subprocess.run([kho, "inspect", d], capture_output=True, text=True)
    m = re.search(r"^(?:  subtrees)? +memblock +at %#x, blob-size \d+"
                  r"(.*(\n +note: .*)?)$" % phys, out.stdout, re.M)
    assert out.returncode == 0 and out.stderr == "" and \
        (warning in out.stdout if warning else "  warning" not in out.stdout) \
        and m and re.search(want, m.group(1)), (hex(phys), out.stdout, out.stderr)
PY
$H elfcore "$K" "$T/kt.core" --hole "$kt"
"$KHO" inspect --fdt "$T/kt.fdt" --mem "elf:$T/kt.core" --json \
	--svg "$T/kt.svg" --svg-color subsystem >"$T/hole.json" 2>/dev/null &&
	fail "decoders: a folio outside RAM accepted"
check hole refused
python3 - "$T/hole.json" <<'PY' || fail "decoders: hole"
import json, sys
d = json.load(open(sys.argv[1]))
k = {x["name"]: x for x in d["subtrees"]}["kho_test"]["decoded"]
assert k["csum_ok"] is None, k
assert k["csum_note"] == "the folios cannot be read: Bad address", k
PY
grep -q "^<svg" "$T/kt.svg" || fail "decoders: no picture of the hole"
# kho-test's first folio entry made 512 MiB at 0 (not preserved, past the
# end of the first RAM range, more than inspect sums whatever the random
# sizes of the other folios: 512 to 513 MiB in all), then its magic
# damaged: each a note on the subtree, the handover still accepted.
python3 - "$KHO" "$K" "$ROOT/tests/lib" "$T/kt2.svg" <<'PY' || fail "decoders: kho-test"
import json, re, struct, subprocess, sys
kho, d, svg = sys.argv[1], sys.argv[2], sys.argv[4]
sys.path.insert(0, sys.argv[3])
import kho_testdata as td
j = json.loads(subprocess.check_output([kho, "inspect", d, "--json"]))
t = {x["name"]: x for x in j["subtrees"]}["kho_test"]
chunk = t["decoded"]["folios_info"]["first"]
page = struct.unpack("<Q", td.machine_read(d, chunk + 8, 8))[0]
blob = td.machine_read(d, t["phys"], t["fdt_size"])
magic = t["phys"] + blob.index(struct.pack("<I", 0x4b484f21))
for at, data, want in [
        (page, struct.pack("<Q", 17),
         r"\(51[23](\.\d\d)? MiB\), csum 0x[0-9a-f]+ not checked: folios larger "
         r"than inspect sums \(256 MiB\)\n +note: kho-test folio 0 at 0 is "
         r"not preserved memory\n"),
        (magic, b"KHO?", r"preserved\n +note: the kho-test magic is not "
         r"0x4b484f21 \(property magic, phys %#x\)\n" % t["phys"])]:
    td.machine_write(d, at, data)
    out = subprocess.run([kho, "inspect", d, "--svg", svg,
                          "--svg-color", "subsystem"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and re.search(
        r"^(?:  subtrees)? +kho_test +at [^\n]*" + want, out.stdout, re.M), out.stdout
PY
# Strings read from memory are shown escaped, in text and JSON: a LUO
# session name of bytes that are no UTF-8 and terminal controls (the JSON
# stays valid UTF-8, the text has no control byte).
N="$T/names"
"$KHO" machine create "$N" --ram 256M >/dev/null
"$KHO" boot "$N" --preserve memfd --preserve kexec-metadata --kexec >/dev/null
$H fdt-from-machine "$N" "$T/names.fdt"
$H ram-replace "$N" 'kho-sim-memfd-empty\x00' '\xff\xfe\x1b[31mRED\x07\\\x00'
"$KHO" inspect "$N" --json >"$T/names.json" || fail "names: json"
check names accepted
"$KHO" inspect "$N" >"$T/names.txt" || fail "names: text"
python3 - "$T/names.json" "$T/names.txt" <<'PY' || fail "names: not escaped"
import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
luo = {x["name"]: x for x in d["subtrees"]}["LUO"]["decoded"]
want = "\\xff\\xfe\\x1b[31mRED\\x07\\x5c"
assert want in [x["name"] for x in luo["sessions"]], luo["sessions"]
text = open(sys.argv[2], "rb").read()
assert all(0x20 <= c < 0x7f or c == 10 for c in text), "raw bytes in text"
assert ("session " + want).encode() in text
PY

# A root FDT's children are all read, to a cap of 4096 that the report
# states; a child named as one before it is shown as kernel B never seeing
# it; blob-size 2^64-1 is a value, not a missing property (and more than
# any preserved block: kernel B refuses the handover, the report shows it).
$H fdt-clone-child "$T/names.fdt" "$T/dup.fdt" LUO LUO
$H fdt-clone-child "$T/dup.fdt" "$T/many.fdt" kexec-metadata s 4100
for f in dup many; do
	"$KHO" inspect --mem "$N" --fdt "$T/$f.fdt" --json >"$T/$f.json" ||
		fail "$f: json"
	check $f accepted
	"$KHO" inspect --mem "$N" --fdt "$T/$f.fdt" >"$T/$f.txt" || fail "$f: text"
done
python3 - "$T" <<'PY' || fail "subtrees: dropped or duplicate unsaid"
import json, sys
t = sys.argv[1]
d = json.load(open(t + "/dup.json"))
luo = [x for x in d["subtrees"] if x["name"] == "LUO"]
assert len(luo) == 2 and "shadowed" not in luo[0] and luo[1]["shadowed"]
txt = open(t + "/dup.txt").read()
assert txt.count("note: a child before it is named LUO too; kernel B finds "
                 "only that one (fdt_subnode_offset())") == 1, txt
n = len(d["subtrees"]) + 4100
d = json.load(open(t + "/many.json"))
assert len(d["subtrees"]) == 4096 and d["subtrees_not_read"] == n - 4096
assert "... %d more subtrees not read (at most 4096 are)" % (n - 4096) in \
    open(t + "/many.txt").read()
PY
$H fdt-add-blob-size "$T/names.fdt" "$T/bsmax.fdt" 0xffffffffffffffff
warned() { # WHAT FILE: exit 0, nothing on stderr, FILE warns of a blob
	[ "$rc" -eq 0 ] && ! [ -s "$T/err" ] ||
		fail "$1: exit $rc: $(cat "$T/err")"
	grep -q "a subtree's blob is not all in preserved memory (property [a-zA-Z-]*, phys 0x[0-9a-f]*)" \
		"$2" || fail "$1: no warning in $2"
}
rc=0
"$KHO" inspect --mem "$N" --fdt "$T/bsmax.fdt" --json >"$T/bsmax.json" \
	2>"$T/err" || rc=$?
warned "bsmax: json" "$T/bsmax.json"
check bsmax accepted
rc=0
"$KHO" inspect --mem "$N" --fdt "$T/bsmax.fdt" >"$T/bsmax.txt" 2>"$T/err" ||
	rc=$?
warned "bsmax: text" "$T/bsmax.txt"
# Every report has the map, and --blocks lists the same blocks in JSON and
# text.
rc=0
"$KHO" inspect --mem "$N" --fdt "$T/bsmax.fdt" --json --blocks \
	>"$T/bsmax-blocks.json" 2>"$T/err" || rc=$?
warned "bsmax: json --blocks" "$T/bsmax-blocks.json"
check bsmax-blocks accepted
"$KHO" inspect --mem "$N" --fdt "$T/bsmax.fdt" --blocks 2>/dev/null |
	grep '^block ' >"$T/bsmax-blocks.txt" || true
python3 - "$T/bsmax.json" "$T/bsmax.txt" "$T/bsmax-blocks.json" \
	"$T/bsmax-blocks.txt" <<'PY' || fail "blob-size 2^64-1"
import json, sys
d = json.load(open(sys.argv[1]))
assert all(x["blob_size"] == 2**64 - 1 for x in d["subtrees"]), d["subtrees"]
assert d["blocks"] > 0 and d["ranges"] and "tree" in d, d.keys()
# 2^64 - 1 bytes from phys: no blob is all in preserved memory, and each
# has its warning (as many as are kept).
assert not any(x["preserved"] for x in d["subtrees"]), d["subtrees"]
assert d["warnings"] and all("a subtree's blob is not all" in w
                             for w in d["warnings"]), d["warnings"]
t = open(sys.argv[2]).read()
assert t.count("blob-size 18446744073709551615") == len(d["subtrees"]), t
assert "no 8-byte blob-size" not in t and "smaller than" not in t, t
b = json.load(open(sys.argv[3]))
text = ["block %#x order %d" % (p, o) for p, o in b["block_list"]]
assert text == open(sys.argv[4]).read().split("\n")[:-1]
assert len(text) == d["blocks"], (len(text), d["blocks"])
PY

# kexec-metadata moved into memory that reads as zeroes (an ELF segment
# without file bytes) has version 0, and says so; moved past the end of
# RAM it is not in memory. Neither is preserved: both warned of.
$H blob-move "$N" kexec-metadata 0x300000000 >/dev/null
$H fdt-from-machine "$N" "$T/km.fdt"
$H elfcore "$N" "$T/km.core" --extra-ram 0x10000000@0x300000000
rc=0
"$KHO" inspect --fdt "$T/km.fdt" --mem "elf:$T/km.core" >"$T/km.txt" \
	2>"$T/err" || rc=$?
warned "kexec-metadata in zeroes" "$T/km.txt"
grep -q "note: kexec-metadata has version 0, not 1 (phys 0x3[0-9a-f]\{8\})$" \
	"$T/km.txt" || fail "kexec-metadata in zeroes: $(grep -A1 kexec "$T/km.txt")"
rc=0
"$KHO" inspect "$N" >"$T/km.txt" 2>"$T/err" || rc=$?
warned "kexec-metadata past RAM" "$T/km.txt"
grep -q "note: the blob at 0x3[0-9a-f]\{8\} is not in memory$" "$T/km.txt" ||
	fail "kexec-metadata past RAM: $(grep -A1 kexec "$T/km.txt")"

# The LUO blob cut by the end of RAM: not in memory, and LUO named as the
# node it is, not as a property.
python3 - "$KHO" "$N" "$ROOT/tests/lib" <<'PY' || fail "LUO at the end of RAM"
import json, subprocess, sys
kho, d = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
import kho_testdata as td
# kexec-metadata past RAM above is a warning: the report comes.
j = json.loads(subprocess.run([kho, "inspect", d, "--json"],
                              capture_output=True).stdout)
end = j["memory"][-1]["addr"] + j["memory"][-1]["size"]
at, phys = td.subtree_data(d, "LUO")
td.machine_write(d, at, td.struct.pack(td.NATIVE + "Q", end - 16))
out = subprocess.run([kho, "inspect", d], capture_output=True, text=True)
assert "note: the LUO blob is not in memory (phys %#x)\n" % (end - 16) in \
    out.stdout, out.stdout
PY
echo "inspect --json: matches docs/inspect-schema.json"
