#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# kho inspect on bad input: truncated ELF cores (header, program headers,
# segment data), files that are no ELF core, FDTs of the wrong kind or none
# at all, a tree node in a segment the dump lacks, bad source names, and
# every damage `kho debug corrupt` makes; the root FDT, handover record and
# debugfs scratch lists given as files, missing or wrong; more RAM than
# inspect checks. Each: exit 1 (2 for usage), one sentence on stderr naming
# the problem and where, no --svg file written, and the input files
# unchanged.
# Needs KHO (path to kho); python3.
set -eu
: "${KHO:?KHO must name the kho binary}"
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
H="python3 $ROOT/tests/lib/kho_testdata.py"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-inspect-err.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

# inputs: the small input files' bytes; the large images' size and times
# (a write changes the modification time), which is much faster to read.
inputs() {
	cat "$T"/m/handover "$T"/*.dtb "$T"/*.fdt "$T"/*.rec 2>/dev/null | cksum
	stat -c '%n %s %y %z' "$T"/m/ram.img "$T"/*.core 2>/dev/null || :
}

# refused WANT_RC PATTERN ARGS...: kho inspect ARGS fails with WANT_RC and
# one stderr line matching PATTERN; no picture; inputs unchanged.
refused() {
	want=$1 pattern=$2
	shift 2
	before=$(inputs)
	rc=0
	"$KHO" inspect "$@" --svg "$T/pic.svg" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -eq "$want" ] || fail "$*: exit status $rc, want $want ($(cat "$T/err"))"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$*: not one line: $(cat "$T/err")"
	grep -q -- "$pattern" "$T/err" || fail "$*: said: $(cat "$T/err")"
	if [ "$want" -ne 1 ] || ! grep -q "^  verdict" "$T/out"; then
		[ ! -e "$T/pic.svg" ] || fail "$*: a picture was written"
	fi
	rm -f "$T/pic.svg"
	after=$(inputs)
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
# (Each refused run sums every core: keep only those still used.)
rm -f "$T"/t[123].core
# ELF header fields that libelf does not check, or refuses without saying
# where: an e_phentsize other than 56 (the headers were read 56 bytes apart
# all the same), program headers starting or ending past the end of the
# file ("bad program header count: invalid data"), and PN_XNUM without the
# section header 0 that holds the count.
# elf_field NAME OFFSET FORMAT VALUE: good.core with one field replaced.
elf_field() {
	cp --sparse=always "$T/good.core" "$T/$1.core"
	python3 - "$T/$1.core" "$2" "$3" "$4" <<'PY'
import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2], 0))
    f.write(struct.pack("=" + sys.argv[3], int(sys.argv[4], 0)))
PY
}
elf_field phent 54 H 64
refused 1 "phent.core: e_phentsize is 64, but a 64-bit program header is 56 bytes" \
	--fdt "$T/root.fdt" --mem "elf:$T/phent.core"
elf_field phoff 32 Q 0xfffffffffffffff8
refused 1 "phoff.core is truncated: its program headers start at offset 0xfffffffffffffff8 (e_phoff) but the file has $(printf '%#x' "$size") bytes" \
	--fdt "$T/root.fdt" --mem "elf:$T/phoff.core"
elf_field xnum 56 H 0xffff
refused 1 "xnum.core: e_phnum is PN_XNUM, but section header 0, which holds the program header count, cannot be read" \
	--fdt "$T/root.fdt" --mem "elf:$T/xnum.core"
rm -f "$T"/phent.core "$T"/phoff.core "$T"/xnum.core
$H elfcore "$M" "$T/t4.core" --truncate 64
refused 1 "t4.core is truncated: its 3 program headers end at offset 0xe8 but the file has 0x40 bytes" \
	--fdt "$T/root.fdt" --mem "elf:$T/t4.core"
rm -f "$T/t4.core"

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

# The root FDT file itself: missing, unreadable (a directory), too short.
head -c 20 "$T/root.fdt" >"$T/tiny.fdt"
refused 1 "cannot open $T/none.fdt: No such file" \
	--fdt "$T/none.fdt" --mem "elf:$T/good.core"
refused 1 "cannot read $T: Is a directory" --fdt "$T" --mem "elf:$T/good.core"
refused 1 "tiny.fdt is 20 bytes, too short for an FDT" \
	--fdt "$T/tiny.fdt" --mem "elf:$T/good.core"
# More than inspect reads of an FDT file: refused, not cut short and read.
truncate -s $((16 * 1024 * 1024 + 1)) "$T/big.dat"
refused 1 "big.dat is larger than 16777216 bytes" \
	--fdt "$T/big.dat" --mem "elf:$T/good.core"
rm -f "$T/big.dat"

# --handover FILE gives the core the machine's 32-byte handover record: the
# same handover, taken as from the directory; a record of another size, or
# none, is refused.
"$KHO" inspect --mem "elf:$T/good.core" --handover "$M/handover" \
	>"$T/out" 2>"$T/err" || fail "--handover: $(cat "$T/err")"
"$KHO" inspect "$M" >"$T/dir.out"
[ "$(sed -n '/^  scratch array/,$p' "$T/out")" = \
	"$(sed -n '/^  scratch array/,$p' "$T/dir.out")" ] ||
	fail "--handover: not the machine's handover: $(cat "$T/out")"
head -c 31 "$M/handover" >"$T/short.rec"
{ cat "$M/handover"; echo; } >"$T/long.rec"
refused 1 "short.rec is 31 bytes, not the 32 of struct kho_data" \
	--mem "elf:$T/good.core" --handover "$T/short.rec"
refused 1 "long.rec is 33 bytes, not the 32 of struct kho_data" \
	--mem "elf:$T/good.core" --handover "$T/long.rec"
refused 1 "cannot open $T/none: No such file" \
	--mem "elf:$T/good.core" --handover "$T/none"
rc=0
"$KHO" inspect --mem "elf:$T/good.core" --handover 2>"$T/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "inspect: --handover needs a value (kho inspect" "$T/err" ||
	fail "--handover without a value: exit status $rc: $(cat "$T/err")"
# The usage line names --scratch's value as kho.1 and kho's usage do.
grep -q -- "\[--scratch DIR\]" "$T/err" ||
	fail "usage: --scratch's value is not DIR: $(cat "$T/err")"
# Records with one bad field: an FDT size of 0 (kernel B's check, word
# for word); a scratch array of no whole number of areas, or outside the
# memory, which inspect's own reader refuses when the root FDT comes from
# --fdt (without it, kernel B's checks refuse it first).
for r in sz:record:3=40 out:record:2=0x7f000000 fdt0:record:1=0 \
	fdtbig:record:1=0xffffffffffffffff; do
	cp "$M/handover" "$T/${r%%:*}.rec"
	$H handover "$T/${r%%:*}.rec" "${r#*:}" >/dev/null
done
refused 1 "KHO handover refused: FDT size is smaller than an FDT header (phys 0x" \
	--mem "elf:$T/good.core" --handover "$T/fdt0.rec"
# A size kernel B cannot map: what inspect reads is said, not just the size.
refused 1 "the root FDT at 0x[0-9a-f]*: the handover gives its size as 18446744073709551615 bytes, and inspect reads a root FDT of 1 to 16777216 bytes" \
	--mem "elf:$T/good.core" --handover "$T/fdtbig.rec"
refused 1 "the scratch array's size 40 is not a small non-zero multiple of 16 bytes" \
	--fdt "$T/root.fdt" --mem "elf:$T/good.core" --handover "$T/sz.rec"
refused 1 "the scratch array: physical address 0x7f000000 is not in" \
	--fdt "$T/root.fdt" --mem "elf:$T/good.core" --handover "$T/out.rec"

# Linux's debugfs scratch lists (--scratch DIR): missing, not hex, of
# different lengths, too long.
mkdir "$T/s-hex" "$T/s-len" "$T/s-long"
printf '1000\n' >"$T/s-hex/scratch_phys"
printf '1000\nzz\n' >"$T/s-hex/scratch_len"
printf '1000\n2000\n' >"$T/s-len/scratch_phys"
printf '1000\n' >"$T/s-len/scratch_len"
seq 4097 >"$T/s-long/scratch_phys"
printf '1000\n' >"$T/s-long/scratch_len"
for c in "s-none|cannot open $T/s-none/scratch_phys: No such file" \
	"s-hex|s-hex/scratch_len:2: \"zz\" is not a hex number" \
	"s-len|s-len: scratch_phys lists 2 areas, scratch_len 1" \
	"s-long|s-long/scratch_phys lists more than 4096 areas"; do
	refused 1 "${c#*|}" --fdt "$T/root.fdt" --mem "elf:$T/good.core" \
		--scratch "$T/${c%%|*}"
done
# Linux writes each "0x%llx": a sign, a blank, a number past 2^64 - 1 or
# a line longer than any number is refused at its line, never wrapped
# ("-1" was 2^64 - 1) or taken.
mkdir "$T/s-bad"
long=$(printf '%070d' 1)
for c in "phys|-0x4dc00000|is not a hex number" \
	"phys| 0x4dc00000|is not a hex number" \
	"len|   +0x1800000|is not a hex number" "len|-1|is not a hex number" \
	"len|0x|is not a hex number" "phys|0x1000 |is not a hex number" \
	"phys|0x10000000000000000|is larger than 2^64 - 1" \
	"phys|$long|is longer than a hex number"; do
	what=${c%%|*} rest=${c#*|}
	text=${rest%|*}
	printf '0x1000\n' >"$T/s-bad/scratch_phys"
	printf '0x1000\n' >"$T/s-bad/scratch_len"
	printf '%s\n' "$text" >"$T/s-bad/scratch_$what"
	case $text in
	"$long") shown="$(printf '%.32s' "$text")\.\.\." ;;
	*) shown=$(printf '%s' "$text" | sed 's/[+]/[+]/g') ;;
	esac
	refused 1 "s-bad/scratch_$what:1: \"$shown\" ${rest##*|}" \
		--fdt "$T/root.fdt" --mem "elf:$T/good.core" --scratch "$T/s-bad"
done
# A line is its bytes: a NUL byte ends no line (it was read as the end of
# "0x1000", or the line called longer than a number); control characters
# are shown escaped, never sent to the terminal; two empty lists are
# refused (Linux always lists at least one area).
printf '0x1000\n' >"$T/s-bad/scratch_len"
printf '0x1000\0garbage' >"$T/s-bad/scratch_phys"
refused 1 "s-bad/scratch_phys:1: the line holds a NUL byte (after \"0x1000\")" \
	--fdt "$T/root.fdt" --mem "elf:$T/good.core" --scratch "$T/s-bad"
printf '0x1000\0garbage\n' >"$T/s-bad/scratch_phys"
refused 1 "s-bad/scratch_phys:1: the line holds a NUL byte (after \"0x1000\")" \
	--fdt "$T/root.fdt" --mem "elf:$T/good.core" --scratch "$T/s-bad"
printf '0x1000\n\0330x\033[2J\n' >"$T/s-bad/scratch_phys"
refused 1 's-bad/scratch_phys:2: "\\x1b0x\\x1b\[2J" is not a hex number' \
	--fdt "$T/root.fdt" --mem "elf:$T/good.core" --scratch "$T/s-bad"
: >"$T/s-bad/scratch_phys"
: >"$T/s-bad/scratch_len"
refused 1 "s-bad: scratch_phys and scratch_len list no scratch areas; Linux lists at least one" \
	--fdt "$T/root.fdt" --mem "elf:$T/good.core" --scratch "$T/s-bad"
head -c 200000 /dev/zero | tr '\0' '\n' >"$T/s-bad/scratch_phys"
refused 1 "s-bad/scratch_phys is larger than 131072 bytes" \
	--fdt "$T/root.fdt" --mem "elf:$T/good.core" --scratch "$T/s-bad"
rm -rf "$T/s-bad"
# A FIFO (or other non-regular file) given as --fdt, --handover or a
# scratch list is refused, not waited on (it used to hang for ever).
mkdir "$T/s-fifo"
printf '0x1000\n' >"$T/s-fifo/scratch_phys"
mkfifo "$T/s-fifo/scratch_len" "$T/fifo"
for c in "$T/s-fifo/scratch_len|--fdt|$T/root.fdt|--scratch|$T/s-fifo" \
	"$T/fifo|--fdt|$T/fifo|--scratch|$T/s-none" \
	"$T/fifo|--fdt|$T/root.fdt|--handover|$T/fifo" \
	"/dev/null|--fdt|/dev/null|--scratch|$T/s-none"; do
	IFS='|' read -r what o1 v1 o2 v2 <<EOT
$c
EOT
	rc=0
	timeout 30 "$KHO" inspect --mem "elf:$T/good.core" "$o1" "$v1" \
		"$o2" "$v2" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
		grep -q -- "^kho: $what is not a regular file\.$" "$T/err" ||
		fail "$o1 $v1 $o2 $v2: exit status $rc: $(cat "$T/err")"
done
rm -rf "$T/s-fifo" "$T/fifo"
# With a handover record the scratch array comes from it: --scratch is not
# read (docs/inspect.md, kho.1).
"$KHO" inspect --mem "elf:$T/good.core" --handover "$M/handover" \
	--scratch "$T/s-none" >"$T/out" 2>"$T/err" ||
	fail "--scratch with a handover record: $(cat "$T/err")"
grep -q "^  scratch array 0x" "$T/out" || fail "--scratch with a record: $(cat "$T/out")"

# Scratch areas from a handover record beside --fdt, or from a debugfs
# directory, are judged as kernel B judges the record's: one that wraps or
# lies outside RAM is refused in its words (they used to be taken).
D="$T/d-area-wraps"
cp -r --sparse=always "$M" "$D"
$H handover "$D" area:0:addr=0xffffffff00000000 area:0:size=0x150000000 >/dev/null
refused 1 "KHO handover refused: scratch area wraps around the address space (phys 0xffffffff00000000, index 0)" \
	--fdt "$T/root.fdt" --mem "$D"
rm -rf "$D"
mkdir "$T/s-out"
printf '7f000000\n' >"$T/s-out/scratch_phys"
printf '1000000\n' >"$T/s-out/scratch_len"
refused 1 "KHO handover refused: scratch area is outside RAM (phys 0x7f000000, index 0)" \
	--fdt "$T/root.fdt" --mem "elf:$T/good.core" --scratch "$T/s-out"

# A root FDT or scratch array across a page is read whole, as Linux reads
# it: a sound one is accepted, and kernel B's checks still run (an area
# outside RAM was accepted when either crossed a page).
D="$T/d-cross"
cp -r --sparse=always "$M" "$D"
rec=$($H handover "$D")
python3 - "$D/ram.img" "$rec" \
	"$("$KHO" machine offset "$D" "${rec%% *}")" \
	"$("$KHO" machine offset "$D" 0x3010f00)" \
	"$("$KHO" machine offset "$D" "$(echo "$rec" | cut -d' ' -f3)")" \
	"$("$KHO" machine offset "$D" 0x3011ff0)" <<'PY'
import sys
img, rec = sys.argv[1], sys.argv[2].split()
fdt_from, fdt_to, arr_from, arr_to = (int(a) for a in sys.argv[3:7])
with open(img, "r+b") as f:
    for src, dst, n in ((fdt_from, fdt_to, int(rec[1])),
                        (arr_from, arr_to, int(rec[3]))):
        f.seek(src)
        b = f.read(n)
        f.seek(dst)
        f.write(b)
PY
$H handover "$D" record:0=0x3010f00 record:2=0x3011ff0 >/dev/null
"$KHO" inspect "$D" >"$T/out" 2>"$T/err" ||
	fail "FDT and scratch array across pages: refused: $(cat "$T/err")"
grep -q "^  verdict       accepted" "$T/out" ||
	fail "FDT and scratch array across pages: $(cat "$T/out")"
"$KHO" debug corrupt "$D" scratch-area-outside ||
	fail "scratch-area-outside: cannot corrupt"
refused 1 "KHO handover refused: scratch area is outside RAM (phys 0x" --mem "$D"
rm -rf "$D"

# More RAM than the validator's page bitmap covers (1 GiB: 32 TiB of 4 KiB
# pages): refused, not allocated. 64 TiB claimed, no bytes in the file.
$H elfcore "$M" "$T/huge.core" --extra-ram 0x400000000000@0x100000000000
# A limit of inspect, not a fault of the handover: said so, verdict error.
refused 1 "^kho: inspect cannot check the handover: elf:$T/huge.core claims 17179901952 pages of RAM, more than inspect checks (8589934592)\.$" \
	--fdt "$T/root.fdt" --mem "elf:$T/huge.core"
"$KHO" inspect --fdt "$T/root.fdt" --mem "elf:$T/huge.core" --json \
	>"$T/huge.json" 2>/dev/null && fail "huge: --json accepted"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "error" and d["code"] == -7, d
assert d["reason"].startswith("inspect cannot check the handover: ")' \
	"$T/huge.json" || fail "huge: --json verdict"
rm -f "$T/huge.core"
# RAM less than a page: not a page the validator can use, the rest is read.
$H elfcore "$M" "$T/sub.core" --extra-ram 0x200@0x200000100
"$KHO" inspect --fdt "$T/root.fdt" --mem "elf:$T/sub.core" >"$T/out" ||
	fail "a sub-page RAM range: refused"
grep -q "^                0x000200000100-0x000200000300 512 B" "$T/out" ||
	fail "a sub-page RAM range: not listed: $(cat "$T/out")"
grep -q "^  verdict       accepted" "$T/out" ||
	fail "a sub-page RAM range: $(grep verdict "$T/out")"
rm -f "$T/sub.core"

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
rm -f "$T/noroot.core" "$T/nonode.core"

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
# A SOURCE that cannot be parsed is a usage error (2), as a bad option
# value is; one that names a file that cannot be read is not (1).
refused 2 "\"foo:bar\" is no memory source" --fdt "$T/root.fdt" --mem foo:bar
refused 1 "$T/nodir is not a machine directory" --mem "$T/nodir"
refused 2 "raw:x@zz: \"zz\" is not a base address" --fdt "$T/root.fdt" --mem "raw:x@zz"
refused 2 "raw:x: no base address" --fdt "$T/root.fdt" --mem "raw:x"
refused 2 "raw: which file?" --fdt "$T/root.fdt" --mem "raw:@0x1000"
refused 1 "cannot open $T/none.img: No such file" --fdt "$T/root.fdt" \
	--mem "raw:$T/none.img@0"
refused 2 "--page-size is 4K, 16K or 64K" --mem "$M" --page-size 8K
refused 2 "--v1-bitmap is 512 or page" --mem "$M" --v1-bitmap 1024
refused 2 "unknown option --frobnicate" --mem "$M" --frobnicate
refused 2 "\"$T/m2\": one memory source only" "$M" "$T/m2"
refused 2 "\"$T/m2\": one memory source only" "$M" --mem "$T/m2"
refused 2 "--svg-color is order or subsystem, not \"size\"" --mem "$M" \
	--svg-color size
refused 2 "which memory? give --mem SOURCE or a machine directory" --json
# An empty value is no file (--scratch "" read /scratch_phys).
for o in --fdt --handover --scratch; do
	refused 2 "inspect: $o needs a value, not an empty string" \
		--mem "elf:$T/good.core" "$o" ""
done

# --svg-color without --svg: refused, not ignored.
rc=0
"$KHO" inspect --mem "$M" --svg-color subsystem >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 2 ] || fail "--svg-color alone: exit status $rc, want 2"
grep -q -- "--svg-color colours the picture of --svg FILE, which is not given" \
	"$T/err" || fail "--svg-color alone: said: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "--svg-color alone: a report was printed"

# A picture that cannot be written: that one sentence, exit 1, no report
# (it used to follow the error).
rc=0
"$KHO" inspect --mem "$M" --svg "$T/nodir/pic.svg" >"$T/out" 2>"$T/err" ||
	rc=$?
[ "$rc" -eq 1 ] || fail "unwritable --svg: exit status $rc, want 1"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "unwritable --svg: not one line: $(cat "$T/err")"
grep -q "cannot create $T/nodir/pic.svg: No such file or directory" "$T/err" ||
	fail "unwritable --svg: said: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "unwritable --svg: a report was printed"

# --svg FILE naming a file the inspection reads (through any name: a
# symbolic link, a hard link, ../) would replace it with the picture:
# refused as a usage error before anything is read or written, for every
# kind of source and input file.
mkdir "$T/sd"
printf '0x1000\n' >"$T/sd/scratch_phys"
printf '0x1000\n' >"$T/sd/scratch_len"
ln -s "$M/ram.img" "$T/ram.link"
ln "$T/root.fdt" "$T/root.hard"
for c in "$M/ram.img|$M" "$M/handover|$M" "$M/machine.conf|$M" \
	"$T/ram.link|$M" "$M/../m/handover|--mem machine:$M" \
	"$M/ram.img|--mem raw:$M/ram.img@0 --fdt $T/root.fdt" \
	"$T/good.core|--mem elf:$T/good.core --fdt $T/root.fdt" \
	"$T/root.hard|--mem elf:$T/good.core --fdt $T/root.fdt" \
	"$M/handover|--mem elf:$T/good.core --handover $M/handover" \
	"$T/sd/scratch_phys|--mem elf:$T/good.core --fdt $T/root.fdt --scratch $T/sd" \
	"$T/sd/scratch_len|--mem elf:$T/good.core --fdt $T/root.fdt --scratch $T/sd"; do
	svg=${c%%|*}
	before=$(inputs; cksum "$T"/sd/* "$T/root.fdt" "$M/machine.conf")
	rc=0
	# shellcheck disable=SC2086
	"$KHO" inspect ${c#*|} --svg "$svg" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -eq 2 ] || fail "--svg $svg: exit status $rc, want 2 ($(cat "$T/err"))"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "--svg $svg: not one line: $(cat "$T/err")"
	grep -q -- "--svg $svg is .*which inspect reads: the picture would replace it\|--svg $svg is a file inspect reads" "$T/err" ||
		fail "--svg $svg: said: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "--svg $svg: a report was printed"
	after=$(inputs; cksum "$T"/sd/* "$T/root.fdt" "$M/machine.conf")
	[ "$before" = "$after" ] || fail "--svg $svg: an input changed"
	[ ! -L "$svg" ] || [ "$(readlink "$svg")" = "$M/ram.img" ] ||
		fail "--svg $svg: the link was replaced"
done
rm -rf "$T/sd" "$T/ram.link" "$T/root.hard"
# --mem devmem reads its iomem list (KHO_IOMEM) too.
printf '%s\n' "00000000-03ffffff : System RAM" >"$T/iomem"
before=$(inputs; cksum "$T/iomem")
rc=0
KHO_IOMEM="$T/iomem" KHO_DEVMEM="$M/ram.img" "$KHO" inspect --fdt "$T/root.fdt" \
	--mem devmem --svg "$T/iomem" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 2 ] || fail "--svg iomem: exit status $rc, want 2 ($(cat "$T/err"))"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "--svg iomem: not one line: $(cat "$T/err")"
grep -q -- "--svg $T/iomem is a file inspect reads: the picture would replace it" "$T/err" ||
	fail "--svg iomem: said: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "--svg iomem: a report was printed"
[ "$before" = "$(inputs; cksum "$T/iomem")" ] || fail "--svg iomem: an input changed"
rm "$T/iomem"
# A picture next to the inputs, not yet there, is written.
"$KHO" inspect "$M" --svg "$M/pic.svg" >/dev/null 2>"$T/err" ||
	fail "--svg in the machine directory: $(cat "$T/err")"
grep -q "^<svg" "$M/pic.svg" || fail "--svg in the machine directory: no picture"
rm -f "$M/pic.svg"

# A root FDT the handover record places off its 8-byte alignment: refused
# before a byte of it is read as a header, in kernel B's words (the FDT
# crosses a page, and is read whole as Linux reads it).
D="$T/d-misaligned"
cp -r --sparse=always "$M" "$D"
"$KHO" debug corrupt "$D" fdt-misaligned || fail "fdt-misaligned: cannot corrupt"
addr=$($H handover "$D" | cut -d' ' -f1)
refused 1 "KHO handover refused: FDT is not 8-byte aligned (phys $addr)" \
	--mem "$D"
rm -rf "$D"

# A root FDT outside RAM: kho boot's refusal, the FDT reported as not
# read, and the record's scratch array as the record gives it, in text and
# JSON alike.
D="$T/d-fdt-outside"
cp -r --sparse=always "$M" "$D"
rec=$($H handover "$D" record:0=0x10000000000 | awk '{ print $3 ", " $4 " bytes" }')
rc=0
"$KHO" inspect --mem "$D" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] || fail "FDT outside RAM: exit $rc"
grep -q "KHO handover refused: the root FDT at 0x10000000000 ([0-9]* bytes) is not in RAM" "$T/err" ||
	fail "FDT outside RAM: said $(cat "$T/err")"
grep -q "^  root FDT *memory at 0x10000000000, not read$" "$T/out" ||
	fail "FDT outside RAM: the report does not say it was not read: $(cat "$T/out")"
grep -q "^  scratch array *$rec$" "$T/out" ||
	fail "FDT outside RAM: the scratch array is not the record's ($rec): $(cat "$T/out")"
"$KHO" inspect --mem "$D" --json >"$T/out" 2>/dev/null || true
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
a = d["scratch_array"]
assert "%#x, %d bytes" % (a["addr"], a["size"]) == sys.argv[2], a' \
	"$T/out" "$rec" || fail "FDT outside RAM: JSON scratch array"
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
# A machine directory's record is checked as kho boot checks it before
# kho_populate() (sim_check_handover_record()), and read with its size
# check: a refusal is the sentence kho boot prints, word for word.
for what in scratch-array-outside zeroes short; do
	D="$T/d-$what"
	cp -r --sparse=always "$M" "$D"
	case $what in
	zeroes) head -c 32 /dev/zero >"$D/handover" ;;
	short) head -c 31 "$M/handover" >"$D/handover" ;;
	*) "$KHO" debug corrupt "$D" "$what" || fail "$what: cannot corrupt" ;;
	esac
	cp -r --sparse=always "$D" "$D.boot"
	rc=0
	"$KHO" inspect "$D" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -eq 1 ] || fail "$what: inspect: exit status $rc"
	rc=0
	"$KHO" boot "$D.boot" >/dev/null 2>"$T/boot.err" || rc=$?
	[ "$rc" -eq 1 ] || fail "$what: boot: exit status $rc"
	[ "$(sed "s|$D.boot|$D|g" "$T/boot.err")" = "$(cat "$T/err")" ] ||
		fail "$what: inspect said $(cat "$T/err"), boot $(cat "$T/boot.err")"
	rm -rf "$D" "$D.boot"
done
# A root FDT given with --fdt is not taken by kernel B's code first:
# inspect's own checks of the memory map say what is wrong.
for c in "memory-map-short|preserved-memory-map is 4 bytes, not 8" \
	"memory-map-zero|preserved-memory-map is 0"; do
	what=${c%%|*}
	D="$T/d-$what"
	cp -r --sparse=always "$M" "$D"
	"$KHO" debug corrupt "$D" "$what" || fail "$what: cannot corrupt"
	$H fdt-from-machine "$D" "$T/$what.fdt"
	rm -rf "$D"
	refused 1 "KHO handover refused: ${c#*|} (root FDT in $T/$what.fdt)" \
		--fdt "$T/$what.fdt" --mem "elf:$T/good.core"
done
echo "inspect errors: one sentence each, nothing written"
