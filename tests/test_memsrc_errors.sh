#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# kho inspect's memory sources refuse what they cannot read with exit 1 (2
# for a source name that cannot be parsed) and one sentence naming the file and the problem, and change nothing: bad
# specs, directories, empty, special and too long paths (a FIFO in
# sim_open_file()'s sentence, as kho boot refuses one); a kcore without
# physical addresses; machine directories with a broken
# machine.conf (unparsable, too large, a directory), no or a short ram.img, a
# handover record of the wrong size or that cannot be opened; /dev/mem
# stand-ins (KHO_DEVMEM, KHO_IOMEM) whose iomem path is too long, or
# whose iomem cannot be read, is too large, has a bad range or no System
# RAM, or that end before the root FDT the handover names, /dev/null among them (a character device, taken as
# /dev/mem is). What they can read agrees with the machine
# directory: machine:DIR, a machine.conf larger than a page, and an iomem
# with lines that are not ranges.
# Needs KHO (path to kho); python3.
set -eu
: "${KHO:?KHO must name the kho binary}"
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
H="python3 $ROOT/tests/lib/kho_testdata.py"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-memsrc.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

M="$T/m"
"$KHO" machine create "$M" --ram 128M >/dev/null
"$KHO" boot "$M" --preserve memfd:2M --preserve memblock --kexec >/dev/null ||
	fail "boot"
$H fdt-from-machine "$M" "$T/fdt"
"$KHO" inspect "$M" --blocks >"$T/dir.out" || fail "inspect DIR"
grep '^block ' "$T/dir.out" >"$T/dir.blocks"
[ "$(wc -l <"$T/dir.blocks")" -gt 10 ] || fail "too few blocks"

# What can be read agrees with the directory.
# same_blocks NAME [ENV=VALUE...] kho-arguments...
same_blocks() {
	name=$1
	shift
	env "$@" --blocks >"$T/out" 2>"$T/err" || fail "$name: $(cat "$T/err")"
	grep '^block ' "$T/out" | cmp -s - "$T/dir.blocks" ||
		fail "$name: other blocks than the directory"
}
# A copy of the machine directory to break (its RAM shared).
broken() {
	mkdir "$T/$1"
	cp "$M/machine.conf" "$M/handover" "$T/$1/"
	ln -s "$M/ram.img" "$T/$1/ram.img"
}
same_blocks machine: "$KHO" inspect --mem "machine:$M"
# A machine.conf larger than the first read (4 KiB).
broken big
head -c 5000 /dev/zero | tr '\0' '#' >>"$T/big/machine.conf"
same_blocks "a 5 KiB machine.conf" "$KHO" inspect "$T/big"
# /dev/mem and /proc/iomem stand-ins: the RAM at its physical offsets.
dd if="$M/ram.img" of="$T/devmem" bs=1M count=64 conv=sparse 2>/dev/null
dd if="$M/ram.img" of="$T/devmem" bs=1M skip=64 seek=4096 count=64 \
	conv=sparse,notrunc 2>/dev/null
printf '%s\n' "00000000-00000fff : Reserved" "not a range" \
	"00001000-03ffffff : System RAM" \
	"10000-1ffffffffffffffffff : System RAM" \
	"  00001000-00ffffff : Kernel code" \
	"100000000-103ffffff : System RAM" >"$T/iomem"
same_blocks devmem KHO_DEVMEM="$T/devmem" KHO_IOMEM="$T/iomem" \
	"$KHO" inspect --fdt "$T/fdt" --mem devmem

# Broken machine directories: machine.conf, ram.img, handover.
broken conf
echo "ram = 0x8000000 0x1000 node=0" >>"$T/conf/machine.conf"
broken hugeconf
head -c 1100000 /dev/zero | tr '\0' '#' >>"$T/hugeconf/machine.conf"
broken nulconf
conf_len=$(wc -c <"$T/nulconf/machine.conf")
printf '\000' >>"$T/nulconf/machine.conf"
echo "# after the NUL" >>"$T/nulconf/machine.conf"
broken confdir
rm "$T/confdir/machine.conf"
mkdir "$T/confdir/machine.conf"
broken noram
rm "$T/noram/ram.img"
broken short
rm "$T/short/ram.img"
truncate -s 64M "$T/short/ram.img"
# A page longer than machine.conf describes: kho boot refuses it too.
broken long
rm "$T/long/ram.img"
cp --sparse=always "$M/ram.img" "$T/long/ram.img"
truncate -s +4096 "$T/long/ram.img"
broken hshort
head -c 16 "$M/handover" >"$T/hshort/handover"
broken hloop
rm "$T/hloop/handover"
ln -s handover "$T/hloop/handover"
# An ELF core of a 4 MiB raw image: p_paddr 0 twice in a kcore.
head -c 4194304 /dev/zero >"$T/img"
$H elfcore "raw:$T/img@0" "$T/kold" --kcore --extra-ram 0x1000@0
# One PT_LOAD, of no memory: no RAM at all.
$H elfcore "raw:$T/img@0" "$T/noload" --drop-range 0 --extra-ram 0@0x100000000
# iomem stand-ins.
echo "5000-4000 : System RAM" >"$T/iomem.bad"
echo "00000000-00000fff : Reserved" >"$T/iomem.noram"
# A NUL byte ended the text there: the RAM after it was never seen.
{ printf '00000000-00000fff : Reserved\n'; printf '\000'
  printf '100000000-103ffffff : System RAM\n'; } >"$T/iomem.nul"
head -c 1100000 /dev/zero | tr '\0' '\n' >"$T/iomem.huge"
: >"$T/empty"
mkfifo "$T/fifo"
# Held open for writing, so that opening it to read does not wait.
exec 3<>"$T/fifo"
long=$(printf '%04100d' 0)
touch "$T/marker"

# exit status (2: a SOURCE that cannot be parsed, a usage error) | fragment
# of the one sentence | --mem SOURCE | KHO_IOMEM | KHO_DEVMEM
while IFS='|' read -r want says spec iomem devmem; do
	rc=0
	KHO_IOMEM=$iomem KHO_DEVMEM=$devmem "$KHO" inspect --fdt "$T/fdt" \
		--mem "$spec" </dev/null >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -eq "$want" ] || fail "$spec: exit $rc, want $want: $(cat "$T/err")"
	grep -q -- "$says" "$T/err" || fail "$spec: said $(cat "$T/err"), not $says"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$spec: more than one line: $(cat "$T/err")"
done <<LIST
2|which memory? --mem SOURCE||
2|"nosuch:x" is no memory source: use DIR|nosuch:x||
1|cannot read $T: Is a directory|elf:$T||
1|$T/empty is empty|raw:$T/empty@0||
2|raw: which file? (raw:FILE@0xBASE)|raw:@0x1000||
2|elf: which file? (elf:FILE)|elf:||
2|machine: which directory? (machine:DIR)|machine:||
1|cannot open $T/nokcore: No such file|kcore:$T/nokcore||
2|raw:$T/empty: no base address: where does the image start? (raw:FILE@0xBASE)|raw:$T/empty||
2|raw:$T/empty@ -0x40000000: " -0x40000000" is not a base address|raw:$T/empty@ -0x40000000||
1|/dev/null is not a regular file or a block device|raw:/dev/null@0||
1|a path of 4100 bytes is too long (at most 4095)\.$|elf:$long||
1|a path of 4100 bytes is too long (at most 4095)\.$|raw:$long@0x0||
1|a path of 4100 bytes is too long (at most 4095)\.$|$long||
1|$T/fifo is not a regular file\.$|elf:$T/fifo||
1|$T/fifo is not a regular file or a block device|raw:$T/fifo@0x0||
1|$T/fifo is not a regular file or a character device|devmem|$T/iomem|$T/fifo
1|$T/noload has no PT_LOAD segment with a physical address and memory (p_memsz above 0)\.$|elf:$T/noload||
1|$T/kold gives no physical addresses (p_paddr is 0 in several segments)|kcore:$T/kold||
1|$T/conf/machine.conf: ram range at 0x8000000 is not above the one before it|$T/conf||
1|$T/hugeconf/machine.conf is larger than 1048576 bytes|$T/hugeconf||
1|$T/nulconf/machine.conf: a NUL byte at offset $conf_len\.$|$T/nulconf||
1|cannot read $T/confdir/machine.conf: Is a directory|$T/confdir||
1|cannot open $T/noram/ram.img: No such file or directory|$T/noram||
1|$T/short/ram.img is 67108864 bytes but machine.conf describes 134217728\.$|$T/short||
1|$T/long/ram.img is 134221824 bytes but machine.conf describes 134217728\.$|$T/long||
1|$T/hshort/handover is 16 bytes, not the 32 of struct kho_data|$T/hshort||
1|cannot open $T/hloop/handover: Too many levels of symbolic links|$T/hloop||
1|cannot read $T: Is a directory|devmem|$T|$T/devmem
1|$T/iomem.bad:1: bad range|devmem|$T/iomem.bad|$T/devmem
1|$T/iomem.noram lists no System RAM|devmem|$T/iomem.noram|$T/devmem
1|$T/iomem.nul: a NUL byte at offset 29|devmem|$T/iomem.nul|$T/devmem
1|$T/iomem.huge is larger than 1048576 bytes|devmem|$T/iomem.huge|$T/devmem
1|KHO_IOMEM: a path of 4100 bytes is too long (at most 4095)\.$|devmem|$long|$T/devmem
LIST
exec 3>&-

[ -z "$(find "$T" -newer "$T/marker" ! -name out ! -name err ! -name fifo)" ] ||
	fail "a refused inspect changed $(find "$T" -newer "$T/marker")"
# A /dev/mem stand-in shorter than its iomem says: the root FDT the
# handover record names is RAM by iomem but past the file's end. The read
# that fails is the refusal, not "not in memory" (which is what the
# decoders would make of memory they cannot read).
head -c 1048576 "$T/devmem" >"$T/devmem.short"
fdt_addr=$($H handover "$M" | cut -d' ' -f1)
for fmt in "" --json; do
	rc=0
	KHO_DEVMEM="$T/devmem.short" KHO_IOMEM="$T/iomem" "$KHO" inspect \
		--handover "$M/handover" --mem devmem $fmt >"$T/out" 2>"$T/err" ||
		rc=$?
	[ "$rc" -eq 1 ] || fail "short devmem $fmt: exit $rc: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -eq 1 ] ||
		fail "short devmem $fmt: not one line: $(cat "$T/err")"
	grep -q "$T/devmem.short ends before physical $fdt_addr (file offset $fdt_addr): truncated" \
		"$T/err" || fail "short devmem $fmt: said $(cat "$T/err")"
done
grep -q '"reason": ".*devmem.short ends before physical' "$T/out" ||
	fail "short devmem --json: $(cat "$T/out")"
rm "$T/devmem.short"

# /dev/mem is a character device: /dev/null in its place is opened like
# it, and what fails is reading the memory there, not the kind of file.
rc=0
KHO_DEVMEM=/dev/null KHO_IOMEM="$T/iomem" "$KHO" inspect \
	--handover "$M/handover" --mem devmem >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] || fail "devmem /dev/null: exit $rc: $(cat "$T/err")"
! grep -q "not a regular file" "$T/err" ||
	fail "devmem /dev/null: refused as a file: $(cat "$T/err")"
grep -q "^kho: /dev/null ends before physical $fdt_addr" "$T/err" ||
	fail "devmem /dev/null: said $(cat "$T/err")"

echo "memory sources: every unreadable source refused in one sentence, the rest agree"
