#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# kho inspect --svg draws physical memory: of a kexec'ed machine (colour by
# order and by subsystem), of a dump that claims 1 TiB of RAM (and one
# whose RAM ends at the top of the address space), of scratch
# areas outside RAM, of a kho-v1 image and of a refused handover. Each SVG
# renders to PNG with rsvg-convert and the PNG is not blank (several
# colours, pixel variance); the picture names the orders, subsystems and
# tree nodes it shows, and escapes what it quotes; a picture that cannot be
# written is an error and leaves nothing behind.
# Needs KHO (path to kho); python3; rsvg-convert.
set -eu
: "${KHO:?KHO must name the kho binary}"
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
H="python3 $ROOT/tests/lib/kho_testdata.py"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-inspect-svg.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
command -v rsvg-convert >/dev/null || fail "rsvg-convert is missing (librsvg2-bin)"

# render NAME: $T/NAME.svg -> PNG, not blank.
render() {
	rsvg-convert "$T/$1.svg" -o "$T/$1.png" || fail "$1: rsvg-convert"
	$H png-check "$T/$1.png" >/dev/null || fail "$1: blank picture"
}

M="$T/m"
"$KHO" machine create "$M" --ram 256M >/dev/null
"$KHO" boot "$M" --preserve memfd:4M --preserve guest:16M --preserve memblock \
	--preserve kexec-metadata --kexec >/dev/null
"$KHO" inspect --mem "$M" --svg "$T/order.svg" >/dev/null || fail "order"
render order
for want in "order 0 (4 KiB)" "order 9 (2 MiB)" "tree nodes" "scratch" "hole" \
	"All RAM to scale" "kho-v4 handover accepted"; do
	grep -q "$want" "$T/order.svg" || fail "order picture lacks \"$want\""
done
"$KHO" inspect --mem "$M" --svg "$T/owner.svg" --svg-color subsystem >/dev/null ||
	fail "subsystem"
render owner
# kho-v4: the memfd client's subtree is LUO.
for want in ">LUO<" ">guest<" ">memblock<" ">kexec-metadata<"; do
	grep -q "$want" "$T/owner.svg" || fail "subsystem picture lacks $want"
done

# 1 TiB claimed by a small dump: drawn in bounded size, detail still there.
$H fdt-from-machine "$M" "$T/root.fdt"
$H elfcore "$M" "$T/big.core" --extra-ram 0xfe00000000@0x200000000
"$KHO" inspect --fdt "$T/root.fdt" --mem "elf:$T/big.core" --svg "$T/big.svg" \
	>/dev/null || fail "1 TiB"
render big
grep -q "1016 GiB" "$T/big.svg" || fail "1 TiB: the squeezed free RAM is not labelled"
grep -q "order 9 (2 MiB)" "$T/big.svg" || fail "1 TiB: blocks vanished"
[ "$(wc -c <"$T/big.svg")" -lt 2000000 ] || fail "1 TiB: SVG too large"

# RAM up to the last page below 2^64: the address axis stops at the last
# label under the end (0xffffffc000000000, its step 2^38) rather than
# wrapping round to 0 and labelling for ever.
$H elfcore "$M" "$T/top.core" --extra-ram 0x10000000000@0xfffffefffffff000
timeout 60 "$KHO" inspect --fdt "$T/root.fdt" --mem "elf:$T/top.core" \
	--svg "$T/top.svg" >/dev/null || fail "RAM to 2^64: exit $?"
render top
python3 - "$T/top.svg" <<'PY' || fail "RAM to 2^64: the axis"
import re, sys
labels = [int(a, 16) for a in
          re.findall(r">(0x[0-9a-f]+)</text>", open(sys.argv[1]).read())]
assert max(labels) == 0xffffffc000000000, hex(max(labels))
assert len(labels) < 200, len(labels)
PY

# Scratch areas from --scratch (a dump has no handover record): one from a
# hole into the next RAM range, drawn where the range begins; one past all
# RAM, not drawn. Kernel B would refuse both (outside RAM): the picture of
# a refused handover is drawn all the same.
mkdir "$T/sc"
"$KHO" inspect --mem "$M" --json | python3 -c '
import json, sys
m = json.load(sys.stdin)["memory"]
hole, ram = m[0]["addr"] + m[0]["size"], m[1]["addr"]
with open(sys.argv[1] + "/scratch_phys", "w") as f:
    f.write("%x\n%x\n" % (hole, 1 << 50))
with open(sys.argv[1] + "/scratch_len", "w") as f:
    f.write("%x\n%x\n" % (ram + (1 << 20) - hole, 1 << 20))
' "$T/sc"
$H elfcore "$M" "$T/core"
rc=0
"$KHO" inspect --fdt "$T/root.fdt" --mem "elf:$T/core" --scratch "$T/sc" \
	--svg "$T/sc.svg" >/dev/null 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "scratch area is outside RAM" "$T/err" ||
	fail "scratch from a hole: exit $rc: $(cat "$T/err")"
render sc
grep -q '^<rect [^>]*fill="url(#scratch)"/>$' "$T/sc.svg" ||
	fail "scratch from a hole: not drawn"

$H v1 "$T/v1" --bitmap 512 >/dev/null
"$KHO" inspect --fdt "$T/v1/fdt.dtb" --mem "raw:$T/v1/mem.img@0x100000000" \
	--svg "$T/v1.svg" >/dev/null || fail "v1"
render v1
grep -q "kho-v1 chunks, bitmaps" "$T/v1.svg" || fail "v1: legend"

# A refused handover still shows the memory, and why.
cp -r --sparse=always "$M" "$T/bad"
"$KHO" debug corrupt "$T/bad" memory-map-outside
if "$KHO" inspect --mem "$T/bad" --svg "$T/bad.svg" >/dev/null 2>&1; then
	fail "refused handover accepted"
fi
render bad
grep -q "KHO handover refused" "$T/bad.svg" || fail "refused: no reason in picture"
grep -q "order 0 (4 KiB)" "$T/bad.svg" && fail "refused: blocks of a map not read"
# Broken subtrees are warnings, as in Linux: the handover is drawn as
# accepted, and the title says there are warnings.
$H fdt-from-machine "$M" "$T/root.fdt"
$H fdt-add-blob-size "$T/root.fdt" "$T/bsmax.fdt" 0xffffffffffffffff
"$KHO" inspect --mem "$M" --fdt "$T/bsmax.fdt" --svg "$T/bsmax.svg" \
	>/dev/null 2>&1 || fail "blob-size 2^64-1 refused"
render bsmax
grep -q "handover accepted with warnings (kho inspect says which)" \
	"$T/bsmax.svg" || fail "broken subtrees: no warning in picture"
grep -q "order 0 (4 KiB)" "$T/bsmax.svg" || fail "broken subtrees: no blocks"
# The reason quotes the FDT: its <, >, & and " are escaped in the picture.
$H dtb "$T/odd.dtb" 'acme,<w>&"x"'
if "$KHO" inspect --fdt "$T/odd.dtb" --mem "elf:$T/big.core" \
	--svg "$T/odd.svg" >/dev/null 2>&1; then
	fail "odd compatible accepted"
fi
render odd
grep -q 'compatible &quot;acme,&lt;w&gt;&amp;&quot;x&quot;&quot;, no KHO version' \
	"$T/odd.svg" || fail "odd compatible: not escaped: $(grep refused "$T/odd.svg")"

# many N: $T/manyN.core, N one-page segments with a page of hole between.
many() {
python3 - "$T/many$1.core" "$1" <<'PY'
import struct, sys
n = int(sys.argv[2])
off = 64 + 56 * n
ph = b"".join(struct.pack("=IIQQQQQQ", 1, 7, off + i * 4096, 0,
                          0x100000000 + i * 0x2000, 4096, 4096, 4096)
              for i in range(n))
eh = b"\x7fELF" + bytes([2, 1 if sys.byteorder == "little" else 2, 1, 0]) + \
    b"\0" * 8 + struct.pack("=HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56,
                            n, 64, 0, 0)
with open(sys.argv[1], "wb") as f:
    f.write(eh + ph)
    f.truncate(off + n * 4096)
PY
}
# More RAM ranges than a picture holds (1500): refused.
many 1500
if "$KHO" inspect --fdt "$T/root.fdt" --mem "elf:$T/many1500.core" \
	--svg "$T/many.svg" >/dev/null 2>"$T/err"; then
	fail "1500 RAM ranges drawn"
fi
grep -q "many.svg: RAM in 1500 ranges is more than a picture can show" "$T/err" ||
	fail "many ranges: $(cat "$T/err")"
[ ! -e "$T/many.svg" ] || fail "many ranges: a picture was written"
# 300 ranges and their holes need more columns than two rows have: each
# range is drawn at its minimum width, the picture grows wider.
many 300
"$KHO" inspect --fdt "$T/root.fdt" --mem "elf:$T/many300.core" \
	--svg "$T/many300.svg" >/dev/null 2>&1 || :
render many300
[ "$(grep -c '^<rect [^>]* width="4" [^>]*><title>RAM 0x' "$T/many300.svg")" \
	-ge 300 ] || fail "300 ranges: not all drawn 4 columns wide"

# Nowhere to write: an error, nothing left behind.
if "$KHO" inspect --mem "$M" --svg "$T/no/such/dir/x.svg" >/dev/null 2>"$T/err"; then
	fail "unwritable picture accepted"
fi
grep -q "cannot create $T/no/such/dir/x.svg" "$T/err" || fail "unwritable: $(cat "$T/err")"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "unwritable: not one line"
# A directory in the way: the picture is written aside, then cannot take
# its name; the error says so and the file written aside is gone.
mkdir "$T/dir.svg"
if "$KHO" inspect --mem "$M" --svg "$T/dir.svg" >/dev/null 2>"$T/err"; then
	fail "a picture over a directory accepted"
fi
grep -q "cannot write $T/dir.svg: Is a directory" "$T/err" ||
	fail "directory: $(cat "$T/err")"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "directory: not one line"
[ -z "$(ls -A "$T/dir.svg")" ] && [ -z "$(ls "$T" | grep '\.tmp\.')" ] ||
	fail "directory: something left behind: $(ls "$T" "$T/dir.svg")"
echo "inspect --svg: pictures render and are not blank"
