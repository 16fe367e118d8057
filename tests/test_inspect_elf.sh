#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# kho inspect on other memory sources reads exactly what the machine
# directory holds: an ELF core written from a kexec'ed machine (4, 16 and
# 64 KiB pages, as a vmcore and as a /proc/kcore look-alike with kernel text
# and vmalloc segments) gives the same blocks, ranges and tree as the
# directory, and agrees with the machine's own `kho inspect DIR --json`;
# with a debugfs-like directory (fdt with blob-size, scratch_phys,
# scratch_len) the scratch areas are checked; a raw image, an ELF core of it
# and /dev/mem (a stand-in file and iomem) agree with each other and with
# what the test wrote.
# Needs KHO (path to kho); python3.
set -eu
: "${KHO:?KHO must name the kho binary}"
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
H="python3 $ROOT/tests/lib/kho_testdata.py"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-inspect-elf.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

# The lines from the verdict on: blocks, tree, ranges.
# From the verdict on; the verdict's words depend on what the source knows
# (a machine directory knows the scratch areas, an ELF core does not).
results() { sed -n '/^  verdict/,$p' "$1" | sed 's/^  verdict .*/  verdict/'; }

for ps in 4K 16K 64K; do
	M="$T/m$ps"
	# 64 KiB pages: 64 MiB scratch alignment (PAGE_SIZE << MAX_PAGE_ORDER)
	ram=128M
	[ "$ps" = 64K ] && ram=512M
	"$KHO" machine create "$M" --ram $ram --page-size $ps >/dev/null
	"$KHO" boot "$M" --preserve memfd:2M --preserve guest:8M \
		--preserve kexec-metadata --preserve memblock --kexec >/dev/null ||
		fail "$ps: boot"
	$H fdt-from-machine "$M" "$T/fdt"
	$H elfcore "$M" "$T/core"
	$H elfcore "$M" "$T/kcore" --kcore

	"$KHO" inspect --mem "$M" --blocks >"$T/dir.out" || fail "$ps: inspect DIR"
	"$KHO" inspect --fdt "$T/fdt" --mem "elf:$T/core" --blocks >"$T/elf.out" ||
		fail "$ps: inspect elf: $(cat "$T/elf.out")"
	"$KHO" inspect --fdt "$T/fdt" --mem "kcore:$T/kcore" --blocks >"$T/kcore.out" ||
		fail "$ps: inspect kcore"

	grep '^block ' "$T/dir.out" >"$T/dir.blocks"
	cp "$T/dir.blocks" "$T/m$ps.blocks"
	results "$T/dir.out" >"$T/dir.res"
	[ "$(wc -l <"$T/dir.blocks")" -gt 20 ] || fail "$ps: too few blocks"
	for src in elf kcore; do
		grep '^block ' "$T/$src.out" | cmp -s - "$T/dir.blocks" ||
			fail "$ps: $src core lists other blocks than the directory"
		results "$T/$src.out" | cmp -s - "$T/dir.res" ||
			fail "$ps: $src core: other blocks, tree or ranges"
	done
	grep -q "page size .*(VMCOREINFO)" "$T/elf.out" ||
		fail "$ps: the page size was not taken from VMCOREINFO"
	grep -q "accepted (kho-v4, ${ps%K} KiB pages)" "$T/elf.out" ||
		fail "$ps: $(head -1 "$T/elf.out")"

	# The machine's own inspect (the simulated kernel B's view) agrees.
	"$KHO" inspect "$M" --json >"$T/sim.json"
	"$KHO" inspect --fdt "$T/fdt" --mem "elf:$T/core" --json >"$T/elf.json"
	python3 - "$T/sim.json" "$T/elf.json" <<'PY' || fail "$ps: JSON differs from kho inspect DIR"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
for k in ("blocks_per_order", "blocks", "preserved_bytes", "ranges"):
    assert a[k] == b[k], (k, a[k], b[k])
for k in ("nodes_per_level", "nodes", "leaves", "bytes", "depth"):
    assert a["tree"][k] == b["tree"][k], k
assert sorted(s["name"] for s in a["subtrees"]) == \
    sorted(s["name"] for s in b["subtrees"])
assert b["verdict"] == "accepted" and b["format"] == "kho-v4"
PY
done

# What a real system gives (debugfs kho/out: fdt, scratch_phys,
# scratch_len; a newer kernel's blob-size) with a kcore: the same blocks,
# the scratch areas checked, a block in scratch refused.
M="$T/m4K"
D="$T/debugfs"
mkdir "$D"
$H fdt-from-machine "$M" "$T/fdt"
$H fdt-add-blob-size "$T/fdt" "$D/fdt" 4096
$H elfcore "$M" "$T/kcore" --kcore
"$KHO" inspect --mem "$M" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
with open(sys.argv[1] + "/scratch_phys", "w") as p, \
     open(sys.argv[1] + "/scratch_len", "w") as l:
    for s in d["scratch"]:
        p.write("%#x\n" % s["addr"])
        l.write("%#x\n" % s["size"])
' "$D"
"$KHO" inspect --fdt "$D/fdt" --mem "kcore:$T/kcore" --scratch "$D" --blocks \
	>"$T/real.out" || fail "debugfs: $(cat "$T/real.out")"
grep '^block ' "$T/real.out" | cmp -s - "$T/m4K.blocks" || fail "debugfs: other blocks"
[ "$(grep -c 'blob-size 4096' "$T/real.out")" -eq 4 ] || fail "blob-size not shown"
"$KHO" inspect --mem "$M" | grep -A3 '^  scratch  ' >"$T/dir.scratch"
grep -A3 '^  scratch  ' "$T/real.out" | cmp -s - "$T/dir.scratch" ||
	fail "debugfs: scratch areas differ"
block=$(grep '^block ' "$T/real.out" | head -1 | cut -d' ' -f2)
echo "$block" >>"$D/scratch_phys"
echo 0x1000 >>"$D/scratch_len"
# Linux takes a block inside scratch (it reserves what the tree lists):
# accepted, with a warning naming where.
"$KHO" inspect --fdt "$D/fdt" --mem "kcore:$T/kcore" --scratch "$D" \
	>"$T/warn.out" 2>"$T/err" || fail "a block inside scratch was refused: $(cat "$T/err")"
grep -q "preserved memory overlaps a scratch area (phys $block" "$T/warn.out" "$T/err" ||
	fail "scratch overlap not warned: $(cat "$T/warn.out" "$T/err")"
grep -q "^  verdict       accepted, with the warnings above$" "$T/warn.out" ||
	fail "a block inside scratch: $(grep verdict "$T/warn.out")"

# One image three ways: raw, ELF core, /dev/mem.
$H v1 "$T/v1" --bitmap page >/dev/null
base=0x100000000
"$KHO" inspect --fdt "$T/v1/fdt.dtb" --mem "raw:$T/v1/mem.img@$base" --blocks \
	>"$T/raw.out" || fail "raw: $(cat "$T/raw.out")"
$H elfcore "raw:$T/v1/mem.img@$base" "$T/v1.core"
"$KHO" inspect --fdt "$T/v1/fdt.dtb" --mem "elf:$T/v1.core" --blocks \
	>"$T/v1elf.out" || fail "v1 elf"
python3 - "$T/v1/mem.img" "$T/devmem" <<'PY'
import sys
src, dst = sys.argv[1:]
with open(src, "rb") as s, open(dst, "wb") as d:
    d.truncate(0x100000000 + 64 * 2**20)
    d.seek(0x100000000)
    while True:
        b = s.read(1 << 20)
        if not b:
            break
        if b.count(0) == len(b):
            d.seek(len(b), 1)
        else:
            d.write(b)
PY
printf '%s\n' "00000000-00000fff : Reserved" \
	"00001000-0009ffff : System RAM" \
	"000a0000-000fffff : PCI Bus 0000:00" \
	"100000000-103ffffff : System RAM" \
	"  100000000-1001fffff : Kernel code" >"$T/iomem"
KHO_DEVMEM="$T/devmem" KHO_IOMEM="$T/iomem" "$KHO" inspect \
	--fdt "$T/v1/fdt.dtb" --mem devmem --blocks >"$T/devmem.out" ||
	fail "devmem: $(cat "$T/devmem.out")"
for src in raw v1elf devmem; do
	grep '^block ' "$T/$src.out" | cmp -s - "$T/v1/expected" ||
		fail "$src: blocks differ from what the test wrote"
done
results "$T/raw.out" >"$T/raw.res"
results "$T/v1elf.out" | cmp -s - "$T/raw.res" || fail "raw and ELF core differ"
echo "inspect ELF/kcore/raw/devmem: same blocks as the source"
