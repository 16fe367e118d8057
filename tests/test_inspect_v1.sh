#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# kho inspect reads kho-v1 handovers (Linux 6.16 to 6.19) written by the
# test's own writer from abi.md: 512-byte and page-sized bitmaps, inferred
# and set with --v1-bitmap, 4 KiB and 16 KiB pages; the subtree's `fdt`
# property; and refuses a looping chunk list, more bitmaps than the RAM can
# need, a map outside memory, or blocks that overlap.
# Needs KHO (path to kho); python3.
set -eu
: "${KHO:?KHO must name the kho binary}"
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
H="python3 $ROOT/tests/lib/kho_testdata.py"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-inspect-v1.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
base=0x100000000

fail() { echo "FAIL: $*" >&2; exit 1; }

# inspect NAME [options]: inspect $T/NAME, output in $T/NAME.out
inspect() {
	name=$1
	shift
	"$KHO" inspect --fdt "$T/$name/fdt.dtb" --mem "raw:$T/$name/mem.img@$base" \
		--blocks "$@" >"$T/$name.out" 2>"$T/$name.err"
}

check_blocks() {
	grep '^block ' "$T/$1.out" | cmp -s - "$T/$1/expected" ||
		fail "$1: blocks differ: $(grep '^block ' "$T/$1.out" | diff - "$T/$1/expected" | head -5)"
}

# Inferred bitmap sizes.
$H v1 "$T/small" --bitmap 512 >/dev/null
inspect small || fail "512: $(cat "$T/small.err")"
check_blocks small
grep -q "accepted (kho-v1, 4 KiB pages)" "$T/small.out" || fail "512: not kho-v1"
grep -q "bitmaps of 512 bytes" "$T/small.out" || fail "512: bitmap size not inferred"
grep -q "inferred: the bitmap at 0x[0-9a-f]* is not page-aligned" "$T/small.out" ||
	fail "512: no reason given"

$H v1 "$T/page" --bitmap page >/dev/null
inspect page || fail "page: $(cat "$T/page.err")"
check_blocks page
grep -q "bitmaps of 4096 bytes" "$T/page.out" || fail "page: bitmap size not inferred"

# Page-aligned 512-byte bitmaps: phys_start still tells, and the option works.
$H v1 "$T/aligned" --bitmap 512 --aligned >/dev/null
inspect aligned || fail "aligned: $(cat "$T/aligned.err")"
check_blocks aligned
grep -q "is not a multiple of a page-sized bitmap's span" "$T/aligned.out" ||
	fail "aligned: inferred without saying why"
inspect aligned --v1-bitmap 512 || fail "aligned, --v1-bitmap 512"
check_blocks aligned
grep -q "set with --v1-bitmap" "$T/aligned.out" || fail "aligned: option not reported"
# Told the wrong size, the reader refuses instead of inventing blocks.
if inspect aligned --v1-bitmap page; then
	fail "512-byte bitmaps read as page-sized were accepted"
fi
grep -q "phys_start is not aligned to its bitmap's span" "$T/aligned.err" ||
	fail "wrong bitmap size: $(cat "$T/aligned.err")"
# 16 KiB pages, both sizes.
for bm in 512 page; do
	$H v1 "$T/p16$bm" --bitmap $bm --page-size 16384 >/dev/null
	inspect p16$bm --page-size 16K || fail "16K $bm: $(cat "$T/p16$bm.err")"
	check_blocks p16$bm
	grep -q "kho-v1, 16 KiB pages" "$T/p16$bm.out" || fail "16K $bm: page size"
done

# The subtree: v1 names its blob with `fdt`; it is decoded and preserved.
grep -q "memblock .* at 0x103000000 (memblock-v1, FDT [0-9]* bytes), preserved: 1 reserve_mem region" \
	"$T/page.out" || fail "v1 subtree: $(grep memblock "$T/page.out")"

# 512-byte bitmaps that are not page-aligned, read as pages: refused by
# the alignment no page-sized bitmap lacks.
if inspect small --v1-bitmap page; then
	fail "unaligned 512-byte bitmaps read as page-sized were accepted"
fi
grep -q "a kho-v1 bitmap is not page-aligned, as a page-sized bitmap is (property preserved-memory-map, phys 0x[0-9a-f]*, index 0)" \
	"$T/small.err" || fail "small as page: $(cat "$T/small.err")"
# Page-sized bitmaps read as 512 bytes: nothing in the map tells (each is
# page-aligned, each phys_start a multiple of either span), so the blocks
# of their last 3584 bytes are missing; the bitmap size line says so.
# The memblock blob lies in them: a warning, as kho boot would give.
inspect page --v1-bitmap 512 ||
	fail "page as 512: refused: $(cat "$T/page.err")"
grep -q "^  warning       a subtree's blob is not all in preserved memory (property memblock, phys 0x103000000)$" \
	"$T/page.out" || fail "page as 512: $(grep warning "$T/page.out")"
grep -q "bitmap size   set with --v1-bitmap, though page-sized bitmaps fit this map too: if they are page-sized, the blocks of bits past each bitmap's first 512 bytes are not shown" \
	"$T/page.out" || fail "page as 512: not said: $(grep 'bitmap size' "$T/page.out")"
inspect aligned --v1-bitmap 512 || fail "aligned, --v1-bitmap 512"
grep -q "bitmap size   set with --v1-bitmap$" "$T/aligned.out" ||
	fail "aligned as 512: $(grep 'bitmap size' "$T/aligned.out")"


# A chunk list that loops is refused, in one sentence.
$H v1 "$T/loop" --bitmap page --loop >/dev/null
if inspect loop; then
	fail "a looping chunk list was accepted"
fi
grep -q "chunk list loops: this chunk is reached twice (property preserved-memory-map, phys 0x100100000" "$T/loop.err" ||
	fail "loop: $(cat "$T/loop.err")"
[ "$(wc -l <"$T/loop.err")" -eq 1 ] || fail "loop: more than one line"

# Thousands of empty bitmaps, more than 64 MiB of RAM can need: refused
# before they are read.
$H v1 "$T/flood" --bitmap 512 --flood 5000 >/dev/null
if inspect flood; then
	fail "a flooded chunk list was accepted"
fi
grep -q "kho-v1 memory map lists more than 4104 bitmaps (chunk 0x[0-9a-f]*), more than raw:.* of RAM can need" \
	"$T/flood.err" || fail "flood: $(cat "$T/flood.err")"

# A map outside memory.
mkdir "$T/outside"
cp "$T/page/mem.img" "$T/outside/"
$H dtb "$T/outside/fdt.dtb" kho-v1
if inspect outside; then
	fail "a memory map outside memory was accepted"
fi
grep -q "a kho-v1 chunk is not in memory (property preserved-memory-map, phys 0x100000, index 0); raw:.* has no memory at 0x100000" \
	"$T/outside.err" || fail "outside: $(cat "$T/outside.err")"
# An order-0 page inside an order-2 block: the blocks overlap.
cp -r "$T/page" "$T/overlap"
python3 - "$T/overlap/mem.img" $((base)) <<'PY'
import struct, sys
img, base = sys.argv[1], int(sys.argv[2])
page, target = 4096, base + (3 << 20) + 4096
with open(img, "r+b") as f:
    f.seek(1 << 20)  # the first chunk: order 0
    _, order, nr = struct.unpack("=QII", f.read(16))
    start, bm = struct.unpack("=QQ", f.read(16))
    assert order == 0 and start <= target < start + page * 8 * page
    bit = (target - start) // page
    f.seek(bm - base + bit // 8)
    b = f.read(1)[0]
    f.seek(-1, 1)
    f.write(bytes([b | 1 << bit % 8]))
PY
if inspect overlap; then
	fail "overlapping blocks were accepted"
fi
grep -q "^kho: KHO handover refused: kho-v1 blocks overlap at 0x100301000 (order 0 inside preserved memory up to 0x100304000)" \
	"$T/overlap.err" || fail "overlap: $(cat "$T/overlap.err")"
[ "$(wc -l <"$T/overlap.err")" -eq 1 ] || fail "overlap: more than one line"
echo "kho-v1: both bitmap sizes, both page sizes, refusals"
