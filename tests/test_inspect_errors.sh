#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# kho inspect on bad input: truncated ELF cores (header, program headers,
# segment data), files that are no ELF core, FDTs of the wrong kind or none
# at all, a tree node in a segment the dump lacks, bad source names, and
# every damage `kho debug corrupt` makes. Each: exit 1 (2 for usage), one
# sentence on stderr naming the problem and where, no --svg file written,
# and the input files unchanged.
# Needs KHO (path to kho); python3.
set -eu
: "${KHO:?KHO must name the kho binary}"
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
H="python3 $ROOT/tests/lib/kho_testdata.py"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-inspect-err.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

# refused WANT_RC PATTERN ARGS...: kho inspect ARGS fails with WANT_RC and
# one stderr line matching PATTERN; no picture; inputs unchanged.
refused() {
	want=$1 pattern=$2
	shift 2
	before=$(cat "$T"/m/ram.img "$T"/m/handover "$T"/*.core "$T"/*.dtb \
		"$T"/*.fdt 2>/dev/null | cksum)
	rc=0
	"$KHO" inspect "$@" --svg "$T/pic.svg" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -eq "$want" ] || fail "$*: exit status $rc, want $want ($(cat "$T/err"))"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$*: not one line: $(cat "$T/err")"
	grep -q -- "$pattern" "$T/err" || fail "$*: said: $(cat "$T/err")"
	if [ "$want" -ne 1 ] || ! grep -q "^  verdict" "$T/out"; then
		[ ! -e "$T/pic.svg" ] || fail "$*: a picture was written"
	fi
	rm -f "$T/pic.svg"
	after=$(cat "$T"/m/ram.img "$T"/m/handover "$T"/*.core "$T"/*.dtb \
		"$T"/*.fdt 2>/dev/null | cksum)
	[ "$before" = "$after" ] || fail "$*: an input changed"
}

M="$T/m"
"$KHO" machine create "$M" --ram 128M >/dev/null
"$KHO" boot "$M" --preserve memfd:1M --preserve memblock --kexec >/dev/null
$H fdt-from-machine "$M" "$T/root.fdt"
$H elfcore "$M" "$T/good.core"
size=$(wc -c <"$T/good.core")

# Truncated ELF cores.
$H elfcore "$M" "$T/t1.core" --truncate 40
refused 1 "t1.core is truncated: 40 bytes, an ELF header needs 64" \
	--fdt "$T/root.fdt" --mem "elf:$T/t1.core"
$H elfcore "$M" "$T/t2.core" --truncate 150
refused 1 "t2.core is truncated: its 3 program headers end at offset 0xe8" \
	--fdt "$T/root.fdt" --mem "elf:$T/t2.core"
$H elfcore "$M" "$T/t3.core" --truncate $((size / 2))
refused 1 "t3.core is truncated: segment 1 (physical 0) ends at file offset 0x4001000 but the file has" \
	--fdt "$T/root.fdt" --mem "elf:$T/t3.core"

# Not an ELF core at all.
refused 1 "root.fdt is not an ELF file" --fdt "$T/root.fdt" --mem "elf:$T/root.fdt"
refused 1 "is an ELF file but not a core dump (e_type 3, want ET_CORE)" \
	--fdt "$T/root.fdt" --mem "elf:$KHO"
refused 1 "cannot open $T/none.core: No such file" \
	--fdt "$T/root.fdt" --mem "elf:$T/none.core"

# FDTs of the wrong kind, or none.
$H dtb "$T/other.dtb" "acme,widget-v3"
refused 1 "the FDT in $T/other.dtb is compatible \"acme,widget-v3\", no KHO version (kho-v1 to kho-v4)" \
	--fdt "$T/other.dtb" --mem "elf:$T/good.core"
refused 1 "$M/machine.conf is not an FDT: FDT_ERR_BADMAGIC" \
	--fdt "$M/machine.conf" --mem "elf:$T/good.core"
# FDT versions before 16 are refused before libfdt looks inside (libfdt
# 1.6.1's fdt_check_full() dereferences NULL on some).
python3 - "$T/root.fdt" "$T/old.fdt" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into(">II", b, 20, 7, 7)
open(sys.argv[2], "wb").write(b)
PY
refused 1 "old.fdt is an FDT of version 7, older than 16" \
	--fdt "$T/old.fdt" --mem "elf:$T/good.core"
head -c 100 "$T/root.fdt" >"$T/short.fdt"
refused 1 "short.fdt is truncated: the FDT header says" \
	--fdt "$T/short.fdt" --mem "elf:$T/good.core"
refused 1 "holds no pending handover: give the root FDT with --fdt FILE" \
	--mem "elf:$T/good.core"

# A tree node in memory the dump does not hold: the root, then a lower node.
root=$("$KHO" inspect --mem "$M" --json |
	python3 -c "import json, sys; print(json.load(sys.stdin)['memory_map'])")
$H elfcore "$M" "$T/noroot.core" --hole "$root:0x1000"
refused 1 "the tree root $(printf '%#x' "$root") named by preserved-memory-map is not in memory" \
	--fdt "$T/root.fdt" --mem "elf:$T/noroot.core"
node=$(python3 - "$M" "$root" <<'PY'
import struct, sys
d, root = sys.argv[1], int(sys.argv[2])
conf = open(d + "/machine.conf").read().split("\n")
ranges, off = [], 0
for l in conf:
    if l.startswith("ram"):
        b, s = [int(x, 0) for x in l.split("=")[1].split()[:2]]
        ranges.append((b, s, off)); off += s
def read(pa, n):
    for b, s, o in ranges:
        if b <= pa < b + s:
            with open(d + "/ram.img", "rb") as f:
                f.seek(o + pa - b); return f.read(n)
t = struct.unpack("=512Q", read(root, 4096))
print(next(x for x in t if x))
PY
)
$H elfcore "$M" "$T/nonode.core" --hole "$node:0x1000"
refused 1 "a table entry points outside RAM (phys $(printf '%#x' "$node"), level 5, index [0-9]*); elf:$T/nonode.core has no memory at $(printf '%#x' "$node")" \
	--fdt "$T/root.fdt" --mem "elf:$T/nonode.core"

# Subtree blobs of an old FDT version: not decoded, not a crash.
cp "$T/good.core" "$T/oldblobs.core"
"$KHO" inspect --mem "$M" --json | python3 -c '
import json, struct, sys
d = json.load(sys.stdin)
with open(sys.argv[1], "r+b") as f:
    for s in d["subtrees"]:
        if s["fdt_size"]:
            f.seek(0x1000 + s["phys"] + 20)     # segment 1 at file offset 0x1000
            f.write(struct.pack(">II", 7, 7))
' "$T/oldblobs.core"
"$KHO" inspect --fdt "$T/root.fdt" --mem "elf:$T/oldblobs.core" >"$T/out" 2>"$T/err" ||
	fail "old subtree blobs: $(cat "$T/err")"
grep -q "note: an FDT header, but not a sound FDT of version 16 or later" "$T/out" ||
	fail "old subtree blobs: no note"

# Bad source names and options.
refused 1 "\"foo:bar\" is no memory source" --fdt "$T/root.fdt" --mem foo:bar
refused 1 "$T/nodir is not a machine directory" --mem "$T/nodir"
refused 1 "raw:x@zz: \"zz\" is not a base address" --fdt "$T/root.fdt" --mem "raw:x@zz"
refused 2 "--page-size is 4K, 16K or 64K" --mem "$M" --page-size 8K
refused 2 "--v1-bitmap is 512 or page" --mem "$M" --v1-bitmap 1024
refused 2 "unknown option --frobnicate" --mem "$M" --frobnicate

# A root FDT the handover record places off its 8-byte alignment: refused
# before a byte of it is read as a header.
D="$T/d-misaligned"
cp -r --sparse=always "$M" "$D"
"$KHO" debug corrupt "$D" fdt-misaligned || fail "fdt-misaligned: cannot corrupt"
addr=$(python3 -c 'import struct, sys
print(hex(struct.unpack_from("<Q", open(sys.argv[1], "rb").read())[0]))' "$D/handover")
refused 1 "the root FDT at $addr is not 8-byte aligned, as an FDT must be" \
	--mem "$D"
rm -rf "$D"

# Every damage the machine's own inspect refuses, refused here too.
for what in fdt-header fdt-misaligned compatible memory-map-missing \
	memory-map-short memory-map-zero memory-map-outside \
	scratch-array-outside; do
	D="$T/d-$what"
	cp -r --sparse=always "$M" "$D"
	"$KHO" debug corrupt "$D" "$what" || fail "$what: cannot corrupt"
	rc=0
	"$KHO" inspect --mem "$D" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -eq 1 ] || fail "$what: exit status $rc"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$what: not one line: $(cat "$T/err")"
	rm -rf "$D"
done
echo "inspect errors: one sentence each, nothing written"
