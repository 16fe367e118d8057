#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The kho command's contract: bad input gets one sentence on stderr, a
# non-zero exit (2 for a usage error) and no change on disk, in every
# command (machine, boot, debug corrupt, the usage itself); an unclaimed
# subtree is reported by name and never fails the boot; machine layouts,
# kho_scratch=, --no-scrub and `machine offset` behave as documented.
# The usage is kho.1's SYNOPSIS; every command takes -h/--help and "--";
# an option's value is never another option, and is given once; standard
# output that cannot be written fails the command.
# Needs KHO (path to kho).
set -eu
: "${KHO:?KHO must name the kho binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_error "fragment" cmd...: non-zero, one line on stderr with fragment.
expect_error() {
	frag=$1
	shift
	rc=0
	"$@" </dev/null >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -ne 0 ] || fail "\"$*\" succeeded"
	grep -q -- "$frag" "$T/err" || fail "\"$*\" said: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "\"$*\" said more than one line: $(cat "$T/err")"
}

# expect_table: lines "STATUS|fragment|arguments of kho" (arguments split
# at blanks); each must exit with STATUS and say fragment in one line.
expect_table() {
	while IFS='|' read -r want frag args; do
		set -f
		# shellcheck disable=SC2086
		expect_error "$frag" "$KHO" $args
		set +f
		[ "$rc" -eq "$want" ] || fail "\"kho $args\" exited $rc, not $want"
	done
}

state() { (cd "$1" && ls -l --time-style=+%s.%N && cksum ./*) 2>/dev/null; }

M="$T/m"
"$KHO" machine create "$M" --ram 128M --nodes 2 --kho-scratch 4M,4M,2M >"$T/out"
grep -q '2 nodes' "$T/out" || fail "create: $(cat "$T/out")"
grep -q 'node=1' "$M/machine.conf" || fail "no node 1 in machine.conf"
grep -q 'kho_scratch = 4M,4M,2M' "$M/machine.conf" || fail "kho_scratch not written"

# machine create refusals leave nothing behind.
expect_error "already holds a machine" "$KHO" machine create "$M"
expect_error "at least 128 MiB" "$KHO" machine create "$T/x" --ram 3M
[ ! -e "$T/x" ] || fail "a refused create left $T/x"
expect_error "--page-size" "$KHO" machine create "$T/x" --page-size 8K
expect_error "--nodes" "$KHO" machine create "$T/x" --nodes 0
expect_error "not a size" "$KHO" machine create "$T/x" --ram lots
expect_error "--kho-scratch" "$KHO" machine create "$T/x" --kho-scratch 1M,2M
[ ! -e "$T/x" ] || fail "a refused create left $T/x"

# Usage errors exit 2, a directory that is no machine 1; nothing is made.
expect_table <<LIST
2|one directory only ("$T/x" and "$T/y")|machine create $T/x $T/y
2|machine create: --ram needs a value|machine create $T/x --ram
2|machine create: unknown option --colour|machine create $T/x --colour blue
2|machine create: no directory given (kho machine create DIR).|machine create --ram 128M
2|machine: expected "create DIR" or "offset DIR PHYS"|machine
2|machine: expected "create DIR" or "offset DIR PHYS"|machine destroy $T/x
2|machine offset: usage is kho machine offset DIR PHYS|machine offset $M
2|machine offset: "12zz" is not an address|machine offset $M 12zz
2|machine offset: "-1" is not an address|machine offset $M -1
2|machine offset: "18446744073709551616" is not an address|machine offset $M 18446744073709551616
1|$T/x is not a machine directory (no machine.conf)|machine offset $T/x 0x1000
2|machine create: it could not boot: $T/x: cannot reserve 128 MiB of KHO scratch (lowmem)|machine create $T/x --ram 128M --page-size 64K
2|machine create: it could not boot: $T/x: cannot reserve 20 MiB of KHO scratch (node 0)|machine create $T/x --ram 128M --nodes 2
2|machine create: it could not boot: $T/x: no room for the kernel image (it needs 8 MiB of free RAM below 4 GiB)|machine create $T/x --ram 256M --ram-base 0x100000000
LIST
[ ! -e "$T/x" ] && [ ! -e "$T/y" ] || fail "a refused command made a directory"

# No command: the usage on stderr, exit 2; asked for, on stdout, exit 0.
rc=0
"$KHO" >"$T/out" 2>"$T/usage" || rc=$?
[ "$rc" -eq 2 ] && [ ! -s "$T/out" ] || fail "kho without a command: exit $rc"
grep -q '^usage: kho demo \[--dir DIR\] \[--abi VERSION\]$' "$T/usage" ||
	fail "no usage: $(cat "$T/usage")"
grep -q '^clients: kexec-metadata memblock memfd guest kho-test$' "$T/usage" ||
	fail "the usage lists other clients: $(grep clients "$T/usage")"
for h in -h --help help; do
	"$KHO" $h >"$T/out" 2>"$T/err" || fail "kho $h failed"
	cmp -s "$T/out" "$T/usage" && [ ! -s "$T/err" ] ||
		fail "kho $h does not print the usage on stdout"
done

# Physical address to ram.img offset, through the hole.
[ "$("$KHO" machine offset "$M" 0x1000)" = 4096 ] || fail "offset of 0x1000"
[ "$("$KHO" machine offset "$M" 0x100000000)" = $((64 << 20)) ] ||
	fail "offset of 4 GiB"
expect_error "is not RAM" "$KHO" machine offset "$M" 0x80000000

# boot refusals: nothing changes.
before=$(state "$M")
expect_error "no client" "$KHO" boot "$M" --preserve nosuch
expect_error "not a size" "$KHO" boot "$M" --preserve memfd:big
expect_error "given twice" "$KHO" boot "$M" --preserve memfd --preserve memfd:1M
expect_error "unknown option" "$KHO" boot "$M" --fast
expect_error "machine.conf" "$KHO" boot "$T/nowhere"
mkdir -p "$T/confdir/machine.conf"
expect_error "cannot read $T/confdir/machine.conf: Is a directory" \
	"$KHO" boot "$T/confdir"
expect_error "no pending handover" "$KHO" inspect "$M"
expect_error "unknown command" "$KHO" reboot
long=client-name-longer-than-sixty-four-characters-is-no-client-of-ours
expect_table <<LIST
2|boot: --without needs a client name (kexec-metadata, memblock|boot $M --without
2|boot: --without nosuch: "nosuch" is no client (kexec-metadata, memblock|boot $M --without nosuch
2|boot: --without memfd given twice|boot $M --without memfd --without memfd
2|boot: --preserve memfd and --without memfd: a kernel without memfd preserves none|boot $M --without memfd --preserve memfd:1M
2|boot: --preserve needs CLIENT\[:SIZE\]|boot $M --preserve
2|boot: one machine directory only ("$M" and "$T/y")|boot $M $T/y
2|boot: no machine directory given (kho boot DIR).|boot --kexec
2|boot: --abi needs a version (kho-v2, kho-v3, kho-v4)|boot $M --abi
2|boot: --abi "kho-v1": libkho writes kho-v2, kho-v3 and kho-v4 (kho-v1 is read only)|boot $M --abi kho-v1
2|boot: --abi "v9": libkho writes|boot $M --abi v9
2|boot: --preserve "$long": no such client|boot $M --preserve $long
2|boot: --preserve "kexec-metadata:4M": kexec-metadata preserves 73 bytes and takes no size|boot $M --preserve kexec-metadata:4M
2|demo: --abi "kho-v1": libkho writes|demo --abi kho-v1
LIST
# An empty value is shown quoted, as every value there.
expect_error 'boot: --abi "": libkho writes kho-v2, kho-v3 and kho-v4' \
	"$KHO" boot "$M" --abi ""
[ "$rc" -eq 2 ] || fail "--abi \"\" exited $rc, not 2"
[ "$before" = "$(state "$M")" ] || fail "a refused command changed the machine"
cp "$M/machine.conf" "$T/conf"
echo "ram = 0x0 0x1000 node=0" >>"$M/machine.conf"
expect_error "not above" "$KHO" boot "$M"
cp "$T/conf" "$M/machine.conf"
truncate -s 1M "$M/ram.img.short" && mv "$M/ram.img" "$T/ram.img" &&
	mv "$M/ram.img.short" "$M/ram.img"
expect_error "machine.conf describes" "$KHO" boot "$M"
mv "$T/ram.img" "$M/ram.img"

# Fixed scratch sizes from kho_scratch=: 4M lowmem... raised to hold the kernel.
"$KHO" boot "$M" --preserve memfd:1M --preserve guest:4M --kexec >"$T/b1" ||
	fail "boot 1: $(cat "$T/b1")"
grep -q '4 MiB (global)' "$T/b1" || fail "global scratch is not 4 MiB"
# 2M per node is rounded up like the kernel's: to PAGE_SIZE << MAX_PAGE_ORDER.
grep -q '4 MiB (node 1)' "$T/b1" || fail "node 1 scratch is not 4 MiB"

# More than the machine has: refused before the handover is touched.
before=$(state "$M")
expect_error "asks for 1 GiB but the machine has 128 MiB" \
	"$KHO" boot "$M" --preserve guest:1G
[ "$before" = "$(state "$M")" ] || fail "an impossible --preserve changed the machine"

# A kernel without the memfd subsystem: its subtree is unclaimed, reported
# by name, and the boot still passes.
"$KHO" boot "$M" --without memfd --kexec >"$T/b2" || fail "boot 2: $(cat "$T/b2")"
# (kho-v4: memfds travel in LUO sessions, subtree "LUO".)
grep -q 'unclaimed .*"LUO"' "$T/b2" || fail "memfd's LUO not reported unclaimed"
grep -q 'restore .*guest: .*intact' "$T/b2" || fail "guest not restored"
grep -q 'verdict .*PASS' "$T/b2" || fail "an unclaimed subtree failed the boot"
"$KHO" boot "$M" >"$T/b3" || fail "boot 3"
grep -q 'memfd' "$T/b3" && fail "memfd survived a kernel that did not keep it"
grep -q 'kexec 2 since cold boot' "$T/b3" || fail "kexec count after 2 kexecs"
# --no-scrub: free memory keeps what it held; a boot without destroys it.
S="$T/s"
"$KHO" machine create "$S" --ram 128M >/dev/null
off=$("$KHO" machine offset "$S" 0x2000000)
mark() { printf KHOMARK1 | dd of="$S/ram.img" bs=1 seek="$off" conv=notrunc 2>/dev/null; }
marked() { [ "$(dd if="$S/ram.img" bs=1 skip="$off" count=8 2>/dev/null)" = KHOMARK1 ]; }
mark
"$KHO" boot "$S" --no-scrub >"$T/out" || fail "--no-scrub: $(cat "$T/out")"
grep -q 'scrubbed      0 B in .* (--no-scrub)$' "$T/out" || fail "--no-scrub: $(grep scrub "$T/out")"
marked || fail "--no-scrub destroyed free memory"
"$KHO" boot "$S" >/dev/null || fail "boot after --no-scrub"
marked && fail "a boot without --no-scrub kept free memory"

# An early client that fails on a cold boot: one sentence, nothing changed.
before=$(state "$S")
expect_error "memblock: no room for reserve_mem region trace" \
	"$KHO" boot "$S" --preserve memblock:120M
[ "$rc" -eq 1 ] || fail "a failed early client exited $rc"
[ "$before" = "$(state "$S")" ] || fail "a failed cold boot changed the machine"

# kho debug corrupt: refusals change nothing; a damage that cannot be done
# again is a failure.
expect_error "no pending handover" "$KHO" debug corrupt "$S" fdt-header
"$KHO" boot "$S" --kexec >/dev/null || fail "boot S --kexec"
before=$(state "$S")
expect_table <<LIST
2|debug: usage is kho debug corrupt DIR WHAT|debug corrupt $S
2|debug: usage is kho debug corrupt DIR WHAT|debug break $S fdt-header
2|debug corrupt: unknown damage "nosuch" (fdt-header, fdt-misaligned, compatible, memory-map-missing, memory-map-short, memory-map-zero, memory-map-outside, scratch-array-outside, scratch-area-outside).|debug corrupt $S nosuch
1|$T/x is not a machine directory (no machine.conf)|debug corrupt $T/x fdt-header
LIST
[ "$before" = "$(state "$S")" ] || fail "a refused debug command changed the machine"
"$KHO" debug corrupt "$S" memory-map-missing || fail "memory-map-missing"
before=$(state "$S")
expect_error "debug corrupt: memory-map-missing: the root FDT at 0x[0-9a-f]* has no property \"preserved-memory-map\"\.$" \
	"$KHO" debug corrupt "$S" memory-map-missing
[ "$rc" -eq 1 ] || fail "a failed damage exited $rc"
[ "$before" = "$(state "$S")" ] || fail "a failed damage changed the machine"
# debug corrupt (fix-debug)
G="$T/fix-debug"
mkdir "$G"
# A bad WHAT is a usage error, whatever the directory holds.
"$KHO" machine create "$G/cold" --ram 128M >/dev/null
for d in "$G/cold" "$G/nosuch"; do
	expect_error 'debug corrupt: unknown damage "bogus" (fdt-header, fdt-misaligned, .*, scratch-area-outside)' \
		"$KHO" debug corrupt "$d" bogus
	[ "$rc" -eq 2 ] || fail "debug corrupt $d bogus exited $rc"
done
# ho DIR FDT_ADDR FDT_SIZE SCRATCH_ADDR SCRATCH_SIZE: write a handover record.
ho() {
	python3 -c 'import struct, sys
open(sys.argv[1] + "/handover", "wb").write(struct.pack("=4Q", *[int(x, 0) for x in sys.argv[2:]]))' "$@"
}
# refuse DIR WHAT "sentence": debug corrupt refuses, exit 1, nothing changed.
refuse() {
	before=$(state "$1")
	expect_error "debug corrupt: $3\.$" "$KHO" debug corrupt "$1" "$2"
	[ "$rc" -eq 1 ] || fail "debug corrupt $2 exited $rc: $(cat "$T/err")"
	[ "$before" = "$(state "$1")" ] || fail "a refused $2 changed the machine"
}
# Records naming the last bytes of a RAM range, or across the end of one
# (the machine has two): refused before a byte is read or written.
C="$G/ce"
"$KHO" machine create "$C" --ram 128M >/dev/null
read -r b1 s1 b2 s2 more <<EOF
$(sed -n 's/^ram = \([^ ]*\) \([^ ]*\) .*/\1 \2/p' "$C/machine.conf" | tr '\n' ' ')
EOF
[ -n "$s2" ] && [ -z "$more" ] ||
	fail "expected two RAM ranges: $(cat "$C/machine.conf")"
e1=$(printf '%#x' $((b1 + s1)))
e2=$(printf '%#x' $((b2 + s2)))
x() { printf '%#x' $(($1)); }
ho "$C" "$(x "$e2 - 1")" 0x1000 "$(x "$e2 - 4")" 0x30
for what in fdt-header fdt-misaligned compatible memory-map-zero scratch-area-outside; do
	refuse "$C" $what "KHO handover refused: the root FDT at $(x "$e2 - 1") (4096 bytes) is not in RAM"
done
ho "$C" "$(x "$e1 - 2")" 0x1000 "$(x "$e1 - 8")" 0x30
refuse "$C" fdt-header "KHO handover refused: the root FDT at $(x "$e1 - 2") (4096 bytes) is not in RAM"
ho "$C" "$(x "$e1 - 0x1000")" 0x1000 "$(x "$e1 - 8")" 0x30
refuse "$C" scratch-area-outside "KHO handover refused: the scratch array at $(x "$e1 - 8") (48 bytes) is not a whole array in RAM"
# The record in RAM, but not what the damage touches: the FDT's header,
# the FDT moved 4 bytes on, an aligned one for libfdt, an aligned entry.
ho "$C" "$(x "$e1 - 8")" 8 "$(x "$e1 - 16")" 16
refuse "$C" fdt-header "fdt-header: the root FDT's 40-byte header at $(x "$e1 - 8") is not in RAM"
refuse "$C" compatible "compatible: the root FDT's 40-byte header at $(x "$e1 - 8") is not in RAM"
refuse "$C" fdt-misaligned "fdt-misaligned: the root FDT at $(x "$e1 - 8") (8 bytes) moved 4 bytes on would leave RAM"
ho "$C" "$(x "$e1 - 4")" 4 "$(x "$e1 - 20")" 16
refuse "$C" memory-map-short "memory-map-short: the root FDT at $(x "$e1 - 4") is not 8-byte aligned"
refuse "$C" fdt-misaligned "fdt-misaligned: the root FDT at $(x "$e1 - 4") is misaligned already"
refuse "$C" scratch-area-outside "scratch-area-outside: the scratch array at $(x "$e1 - 20") is not 8-byte aligned"
# ... and the last entry of a range, aligned, is damaged in place.
ho "$C" "$(x "$e1 - 0x1000")" 0x1000 "$(x "$e1 - 16")" 16
"$KHO" debug corrupt "$C" scratch-area-outside || fail "scratch-area-outside at the end of RAM"
# A damage on a damaged handover says what is in the way, in words.
B="$G/base"
"$KHO" machine create "$B" --ram 128M >/dev/null
"$KHO" boot "$B" --preserve memfd:1M --kexec >/dev/null || fail "boot $B --kexec"
fdt=$(od -An -tx8 -N8 "$B/handover" | tr -d ' ')
fdt=$(printf '%#x' "0x$fdt")
twice() {
	rm -rf "$G/c"
	cp -r --sparse=always "$B" "$G/c"
	"$KHO" debug corrupt "$G/c" "$1" || fail "$1: cannot corrupt"
	refuse "$G/c" "$2" "$3"
}
twice fdt-header compatible "compatible: the root FDT at $fdt has no valid header (FDT_ERR_BADMAGIC)"
twice fdt-misaligned memory-map-short "memory-map-short: the root FDT at $(x "$fdt + 4") is not 8-byte aligned"
twice fdt-misaligned fdt-misaligned "fdt-misaligned: the root FDT at $(x "$fdt + 4") is misaligned already"
twice memory-map-short memory-map-zero "memory-map-zero: property \"preserved-memory-map\" of the root FDT at $fdt is 4 bytes, not 8"
twice memory-map-missing memory-map-short "memory-map-short: the root FDT at $fdt has no property \"preserved-memory-map\""
twice scratch-array-outside scratch-area-outside "KHO handover refused: the scratch array at 0x[0-9a-f]* (48 bytes) is not a whole array in RAM"
# An FDT larger than the record says, or with a broken structure: libfdt
# never looks into it.
rm -rf "$G/c"
cp -r --sparse=always "$B" "$G/c"
read -r _ _ sa ss <<EOF
$(od -An -tx8 -w32 "$B/handover")
EOF
ho "$G/c" "$fdt" 0x100 "0x$sa" "0x$ss"
refuse "$G/c" memory-map-zero "memory-map-zero: the root FDT at $fdt says it is [0-9]* bytes, more than the handover record's 256"
cp "$B/handover" "$G/c/handover"
off=$("$KHO" machine offset "$G/c" "$fdt")
python3 -c 'import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2]) + 8)
    (st,) = struct.unpack(">I", f.read(4))
    f.seek(int(sys.argv[2]) + st)
    f.write(b"\xff\xff\xff\xff")' "$G/c/ram.img" "$off"
refuse "$G/c" compatible "compatible: the root FDT at $fdt is corrupt (FDT_ERR_[A-Z]*)"
# A record that cannot be rewritten: sim_handover_write()'s own sentence.
rm -rf "$G/c"
cp -r --sparse=always "$B" "$G/c"
chmod 666 "$G/c/ram.img"
if [ "$(id -u)" -eq 0 ]; then
	chmod 711 "$T" "$G"
	run_as() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
else
	chmod 555 "$G/c"
	run_as() { "$@"; }
fi
for what in fdt-misaligned scratch-array-outside; do
	before=$(state "$G/c")
	expect_error "debug corrupt: $what: cannot create $G/c/handover.tmp: Permission denied\.$" \
		run_as "$KHO" debug corrupt "$G/c" $what
	[ "$rc" -eq 1 ] || fail "$what in a read-only directory exited $rc"
	[ "$before" = "$(state "$G/c")" ] || fail "a refused $what changed the machine"
done
chmod 700 "$T" "$G"
chmod 755 "$G/c"
rm -rf "$G"
# Machine directories and numbers (fix-sim)
F="$T/fix-sim"
mkdir "$F"
# A leading 0 is decimal, never octal: 0200M is 200 MiB, 010 is ten.
"$KHO" machine create "$F/o" --ram 0200M >"$T/out" || fail "create --ram 0200M"
grep -q '200 MiB of RAM' "$T/out" || fail "--ram 0200M: $(cat "$T/out")"
[ "$("$KHO" machine offset "$F/o" 010)" = 10 ] || fail "offset 010 is not 10"
[ "$("$KHO" machine offset "$F/o" 08)" = 8 ] || fail "offset 08 is not 8"
rm -rf "$F/o"
# --ram-base 0 is one block from 0; --ram's rule, said with the real size;
# a bad value of an option is a usage error (2).
"$KHO" machine create "$F/rb" --ram 256M --ram-base 0 >/dev/null
[ "$(grep -c '^ram' "$F/rb/machine.conf")" -eq 1 ] ||
	fail "--ram-base 0: $(cat "$F/rb/machine.conf")"
rm -rf "$F/rb"
expect_table <<LIST
2|--ram 1 byte: RAM must be a multiple of 2 MiB and at least 128 MiB|machine create $F/x --ram 1
2|--ram 129 MiB: RAM must be a multiple of 2 MiB and at least 128 MiB|machine create $F/x --ram 129M --nodes 3
2|--ram-base 0x1000 is not 2 MiB-aligned|machine create $F/x --ram-base 0x1000
LIST
[ ! -e "$F/x" ] || fail "a refused create left $F/x"
# create never overwrites a ram.img, and refuses a path boot would refuse.
mkdir "$F/e"
echo precious >"$F/e/ram.img"
expect_error "already holds a ram.img" "$KHO" machine create "$F/e" --ram 128M
[ "$(cat "$F/e/ram.img")" = precious ] || fail "create overwrote ram.img"
[ ! -e "$F/e/machine.conf" ] || fail "a refused create wrote machine.conf"
long=$F
while [ ${#long} -lt 3900 ]; do long=$long/dddddddddddddddddddddddddddddddddddddddddddddddddd; done
mkdir -p "$long"
long=$long/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee
expect_error "machine directory path of ${#long} bytes is too long (at most 3999)" \
	"$KHO" machine create "$long" --ram 128M
[ ! -e "$long" ] || fail "a refused create left $long"
# Opening one says the same (sim_machine_open()).
expect_error "machine directory path of ${#long} bytes is too long (at most 3999)" \
	"$KHO" boot "$long"
# A FIFO in a machine directory is refused by name, never waited on.
"$KHO" machine create "$F/ff" --ram 128M >/dev/null
mkfifo "$F/ff/handover"
expect_error "$F/ff/handover is not a regular file" timeout 10 "$KHO" boot "$F/ff"
[ "$rc" -eq 1 ] || fail "boot with a FIFO handover exited $rc"
expect_error "$F/ff/handover is not a regular file" timeout 10 "$KHO" debug corrupt "$F/ff" fdt-header
expect_error "$F/ff/handover is not a regular file" timeout 10 "$KHO" inspect "$F/ff"
rm "$F/ff/handover"
mv "$F/ff/machine.conf" "$F/ff.conf"
mkfifo "$F/ff/machine.conf"
expect_error "$F/ff/machine.conf is not a regular file" timeout 10 "$KHO" machine offset "$F/ff" 0
expect_error "$F/ff/machine.conf is not a regular file" timeout 10 "$KHO" inspect "$F/ff"
rm "$F/ff/machine.conf"
mv "$F/ff.conf" "$F/ff/machine.conf"
mv "$F/ff/ram.img" "$F/ff.img"
mkfifo "$F/ff/ram.img"
expect_error "$F/ff/ram.img is not a regular file" timeout 10 "$KHO" boot "$F/ff"
expect_error "$F/ff/ram.img is not a regular file" timeout 10 "$KHO" inspect "$F/ff"
rm -rf "$F/ff" "$F/ff.img"
# A socket in its place is refused in the same words: it cannot be opened
# (ENXIO), which says nothing of what it is.
"$KHO" machine create "$F/so" --ram 128M >/dev/null
sock() { python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$1"; }
for f in handover machine.conf ram.img; do
	[ ! -e "$F/so/$f" ] || mv "$F/so/$f" "$F/so.keep"
	sock "$F/so/$f"
	before=$(state "$F/so" || :)
	expect_error "$F/so/$f is not a regular file\.$" timeout 10 "$KHO" boot "$F/so"
	[ "$rc" -eq 1 ] || fail "boot with a socket $f exited $rc"
	expect_error "$F/so/$f is not a regular file\.$" timeout 10 "$KHO" inspect "$F/so"
	[ "$rc" -eq 1 ] || fail "inspect with a socket $f exited $rc"
	[ "$before" = "$(state "$F/so" || :)" ] || fail "a refused socket $f changed the machine"
	rm "$F/so/$f"
	[ ! -e "$F/so.keep" ] || mv "$F/so.keep" "$F/so/$f"
done
rm -rf "$F/so"
# Every error is one line, whatever it quotes: an argument's newline and
# escape byte are shown as \xHH, never sent to the terminal.
nl_esc=$(printf '4K\n\033[2J')
expect_error '--page-size "4K\\x0a\\x1b\[2J" is not 4K, 16K or 64K\.$' \
	"$KHO" machine create "$F/nl" --page-size "$nl_esc"
[ "$rc" -eq 2 ] || fail "--page-size with a newline exited $rc"
expect_error "$F/nl\\\\x0a is not a machine directory (no machine.conf)\\.$" \
	"$KHO" boot "$F/nl
"
# A symbolic link to nothing in its place is not an absent file: a pending
# handover whose record is on a filesystem not mounted is refused, never
# taken for none and cold-booted over.
"$KHO" machine create "$F/dl" --ram 128M >/dev/null
"$KHO" boot "$F/dl" --preserve memfd --kexec >/dev/null
for f in handover machine.conf ram.img; do
	mv "$F/dl/$f" "$F/dl.keep"
	ln -s "$F/unmounted/$f" "$F/dl/$f"
	before=$(state "$F/dl" || :; cksum "$F/dl.keep")
	says="$F/dl/$f is a symbolic link to $F/unmounted/$f, which does not exist\.$"
	expect_error "$says" "$KHO" boot "$F/dl"
	[ "$rc" -eq 1 ] || fail "boot with a dangling $f exited $rc"
	expect_error "$says" "$KHO" inspect "$F/dl"
	[ "$rc" -eq 1 ] || fail "inspect with a dangling $f exited $rc"
	[ "$before" = "$(state "$F/dl" || :; cksum "$F/dl.keep")" ] ||
		fail "a refused dangling $f changed the machine"
	rm "$F/dl/$f"
	mv "$F/dl.keep" "$F/dl/$f"
done
"$KHO" boot "$F/dl" >/dev/null || fail "the machine after the dangling links"
rm -rf "$F/dl"
# --kho-scratch takes exactly what Linux's kho_scratch= takes: a usage
# error (2) otherwise, and nothing made.
for v in 0,0,0 1M,2M,3M, ,1M,2M,3M 1M,,2M,3M 1MB,2M,3M 00000000200% ""; do
	expect_error "machine create: --kho-scratch \"$v\" is neither" \
		"$KHO" machine create "$F/x" --kho-scratch "$v"
	[ "$rc" -eq 2 ] || fail "--kho-scratch \"$v\" exited $rc"
done
expect_error "--kho-scratch is longer than 63 characters" \
	"$KHO" machine create "$F/x" --kho-scratch 000000000000000000000000000000000000000000000000000000000000000200%
[ ! -e "$F/x" ] || fail "a refused create left $F/x"
# Messages end once; a missing value is said as such; an empty DIR is
# refused as empty, never taken as "/".
expect_error "demo: --dir needs a directory." "$KHO" demo --dir
[ "$rc" -eq 2 ] || fail "demo --dir exited $rc"
expect_error "demo: --dir needs a directory." "$KHO" demo --dir ""
expect_error "boot: the machine directory is an empty string." "$KHO" boot ""
[ "$rc" -eq 2 ] || fail "boot \"\" exited $rc"
expect_error "machine create: the directory is an empty string." "$KHO" machine create ""
expect_error "machine offset: the directory is an empty string." "$KHO" machine offset "" 0
expect_error "debug corrupt: the machine directory is an empty string." "$KHO" debug corrupt "" fdt-header
for c in "machine create" boot; do
	# shellcheck disable=SC2086
	"$KHO" $c </dev/null 2>"$T/err" && fail "kho $c succeeded"
	grep -q '[.?!]\.$' "$T/err" && fail "kho $c: $(cat "$T/err")"
done
# Preserve sizes and --without (fix-boot)
# --preserve sizes that add up past 2^64 bytes once wrapped to a small sum
# that passed the RAM check (2^63 + 2^63 = 0): a heap overflow in guest,
# a huge calloc in memfd, "guest: 0 B" preserved. Refused before the boot.
before=$(state "$M")
expect_table <<LIST
2|boot: --preserve guest:0x8000000000000000 + kho-test:0x8000000000000000 add up to more than 2^64 bytes|boot $M --preserve guest:0x8000000000000000 --preserve kho-test:0x8000000000000000
2|boot: --preserve guest:0x8000000000000000 + memfd:0x8000000000000000 add up to more than 2^64 bytes|boot $M --preserve guest:0x8000000000000000 --preserve memfd:0x8000000000000000 --kexec
2|boot: --preserve guest:0xfffffffffff00000 + memfd:0x200000 add up|boot $M --preserve guest:0xFFFFFFFFFFF00000 --preserve memfd:0x200000 --kexec
2|boot: --preserve kho-test:0xfffffffffff00000 + memfd:0x200000 add up|boot $M --preserve kho-test:0xFFFFFFFFFFF00000 --preserve memfd:0x200000 --kexec
1|--preserve asks for 16777216 TiB but the machine has 128 MiB of RAM|boot $M --preserve guest:0xFFFFFFFFFFFFFFFF --kexec
LIST
[ "$before" = "$(state "$M")" ] || fail "a refused --preserve size changed the machine"

# Long machine paths (fix-boot2): sentences were cut at 511 bytes, so a
# ~500-byte DIR got its path printed and never the reason.
c=$(printf '%0120d' 0 | tr 0 l)
L="$T/$c/$c/$c/$c"
expect_error "cannot reserve 128 MiB of KHO scratch (lowmem)" "$KHO" machine create "$L" --ram 128M --page-size 64K
mkdir -p "$L"
expect_error "$L is not a machine directory (no machine.conf)" "$KHO" boot "$L"
# Stale files of a machine directory (fix-boot2): a left-over handover was
# kept, and the first boot took it (or failed on it).
for f in handover handover.tmp; do
	mkdir "$T/stale"
	printf x >"$T/stale/$f"
	expect_error "$T/stale already holds a $f ($T/stale/$f): move it away to make a machine there" \
		"$KHO" machine create "$T/stale" --ram 128M
	[ "$(ls "$T/stale")" = "$f" ] || fail "a refused create wrote into $T/stale"
	rm -r "$T/stale"
done

# Numbers are digits after an optional 0x, nothing else (fix-boot2): a
# second 0x, a blank or a sign was read as part of the number.
expect_table <<LIST
2|machine create: --ram "0x0x10000000" is not a size|machine create $T/y --ram 0x0x10000000
2|machine create: --nodes "-18446744073709551614" is not 1 to 16|machine create $T/y --ram 128M --nodes -18446744073709551614
2|machine create: --nodes "+2" is not 1 to 16|machine create $T/y --ram 128M --nodes +2
2|machine offset: "0x0x1000" is not an address|machine offset $M 0x0x1000
2|boot: --preserve "memfd:0x0x100000": "0x0x100000" is not a size like 64M|boot $M --preserve memfd:0x0x100000
2|boot: --preserve "memfd:0": a size must be at least 1 byte|boot $M --preserve memfd:0
2|boot: --preserve "guest:0x0": a size must be at least 1 byte|boot $M --preserve guest:0x0
LIST
expect_error 'machine create: --nodes " 2" is not 1 to 16' "$KHO" machine create "$T/y" --ram 128M --nodes " 2"
[ "$rc" -eq 2 ] || fail "--nodes \" 2\" exited $rc"
[ ! -e "$T/y" ] || fail "a refused create left $T/y"

# The usage's synopsis is kho.1's, word for word (fix-cli): --help left
# out demo's options, --ram-base and boot's --abi. The man page's roff is
# made plain text: ".RB [ \-\-dir" is "[--dir", ".br" ends a command.
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
awk '
/^\.SH/ { on = ($2 == "SYNOPSIS"); next }
!on { next }
/^\.br/ { print line; line = ""; next }
{
	text = $0
	glue = text ~ /^\.(RB|IR|BR|RI|BI|IB)( |$)/
	if (text ~ /^\./)
		sub(/^\.[A-Z]+ ?/, "", text)
	out = ""; n = 0; arg = ""; q = 0; have = 0
	for (i = 1; i <= length(text); i++) {
		c = substr(text, i, 1)
		if (c == "\"") { q = !q; have = 1; continue }
		if (c == " " && !q) {
			if (have)
				out = out (n++ && !glue ? " " : "") arg
			arg = ""; have = 0
			continue
		}
		arg = arg c; have = 1
	}
	if (have)
		out = out (n++ && !glue ? " " : "") arg
	gsub(/\\f[RIBP]/, "", out)
	gsub(/\\-/, "-", out)
	line = line (line == "" ? "" : " ") out
}
END { if (line != "") print line }' "$ROOT/man/kho.1" >"$T/synopsis.man"
[ "$(wc -l <"$T/synopsis.man")" -ge 7 ] || fail "kho.1's SYNOPSIS: $(cat "$T/synopsis.man")"
"$KHO" --help | awk '
/^(usage: |       )kho / { if (e != "") print e; sub(/^(usage:)? +/, ""); e = $0; next }
/^ +\[/ { sub(/^ +/, ""); e = e " " $0; next }
{ exit }
END { if (e != "") print e }' >"$T/synopsis.usage"
diff "$T/synopsis.man" "$T/synopsis.usage" >"$T/out" ||
	fail "kho --help and kho.1's SYNOPSIS differ: $(cat "$T/out")"
[ "$(awk 'length > 80' "$T/usage")" = "" ] || fail "the usage is wider than 80 columns"

# Every command takes -h and --help, wherever they come (fix-cli): its
# usage on stdout, exit 0, nothing done. "debug corrupt -h x" read
# -h/machine.conf; "machine create --help" wanted a value.
before=$(state "$M")
while IFS='|' read -r shows args; do
	for h in -h --help; do
		# shellcheck disable=SC2086 # args are split on purpose
		set -- $args
		for a in "$@"; do
			shift
			if [ "$a" = H ]; then set -- "$@" "$h"; else set -- "$@" "$a"; fi
		done
		rc=0
		"$KHO" "$@" </dev/null >"$T/out" 2>"$T/err" || rc=$?
		[ "$rc" -eq 0 ] && [ ! -s "$T/err" ] ||
			fail "kho $*: exit $rc, $(cat "$T/err")"
		[ "$(head -1 "$T/out")" = "usage: $(sed -n "s/^\(usage:\)\{0,1\} *\($shows\)/\2/p" "$T/usage" | head -1)" ] ||
			fail "kho $* printed: $(cat "$T/out")"
		grep -q '^See kho(1)\.$' "$T/out" || fail "kho $*: $(cat "$T/out")"
	done
done <<LIST
kho demo |demo H
kho machine create |machine create H
kho machine create |machine create $T/x --ram 128M H
kho machine create |machine H
kho machine create |machine H create
kho machine offset |machine offset H
kho machine offset |machine offset $M H
kho boot |boot H
kho boot |boot $M --kexec H
kho inspect |inspect H
kho inspect |inspect $M --json H
kho debug corrupt |debug H
kho debug corrupt |debug corrupt H x
kho debug corrupt |debug corrupt $M H
LIST
"$KHO" machine -h >"$T/out"
grep -q '^       kho machine offset DIR PHYS$' "$T/out" ||
	fail "kho machine -h: $(cat "$T/out")"
[ ! -e "$T/x" ] || fail "-h made $T/x"
[ "$before" = "$(state "$M")" ] || fail "-h changed the machine"

# Options (fix-cli): an unknown option is said as such even when last; a
# value that is one of the command's option names is a missing value; a
# value given twice is refused (a flag twice is harmless).
expect_table <<LIST
2|machine create: unknown option --bogus.|machine create $T/x --bogus
2|machine create: unknown option --bogus.|machine create $T/x --bogus 1
2|boot: unknown option --bogus.|boot $M --bogus
2|inspect: unknown option --bogus (kho inspect|inspect $M --bogus
2|machine create: --ram needs a value.|machine create $T/x --ram --nodes 2
2|machine create: --ram needs a value.|machine create $T/x --ram -h
2|inspect: --fdt needs a value (kho inspect|inspect --fdt --json $M
2|inspect: --mem needs a value (kho inspect|inspect --mem --blocks
2|boot: --preserve needs CLIENT\[:SIZE\].|boot $M --preserve --kexec
2|boot: --without needs a client name|boot $M --without --no-scrub
2|boot: --abi needs a version (kho-v2, kho-v3, kho-v4).|boot $M --abi --kexec
2|demo: --dir needs a directory.|demo --dir --abi v3
2|demo: --abi needs a version (kho-v2, kho-v3, kho-v4).|demo --abi --dir
2|machine create: --ram given twice.|machine create $T/x --ram 128M --ram 256M
2|machine create: --ram-base given twice.|machine create $T/x --ram-base 0 --ram-base 0
2|machine create: --nodes given twice.|machine create $T/x --nodes 1 --nodes 2
2|machine create: --page-size given twice.|machine create $T/x --page-size 4K --page-size 4K
2|machine create: --kho-scratch given twice.|machine create $T/x --kho-scratch 50% --kho-scratch 1M,1M,1M
2|boot: --abi given twice.|boot $M --abi v3 --abi v4
2|demo: --abi given twice.|demo --abi v3 --abi v3
2|demo: --dir given twice.|demo --dir $T/x --dir $T/y
2|inspect: --fdt given twice (kho inspect|inspect $M --fdt $T/a --fdt $T/b
2|inspect: --page-size given twice (kho inspect|inspect $M --page-size 4K --page-size 4K
2|inspect: --v1-bitmap given twice (kho inspect|inspect $M --v1-bitmap 512 --v1-bitmap page
2|inspect: --scratch given twice (kho inspect|inspect $M --scratch $T/a --scratch $T/b
2|inspect: --handover given twice (kho inspect|inspect $M --handover $T/a --handover $T/b
2|inspect: --svg given twice (kho inspect|inspect $M --svg $T/a.svg --svg $T/b.svg
2|inspect: --svg-color given twice (kho inspect|inspect $M --svg $T/a.svg --svg-color order --svg-color order
2|boot: unknown option -x.|boot -x
LIST
[ ! -e "$T/x" ] && [ ! -e "$T/y" ] && [ ! -e "$T/a.svg" ] ||
	fail "a refused command made a file"
[ "$before" = "$(state "$M")" ] || fail "a refused option changed the machine"

# "--" ends the options (fix-cli): a machine in a directory named -x.
mkdir "$T/dash"
KHO=$(cd "$(dirname "$KHO")" && pwd)/${KHO##*/}
(
	cd "$T/dash"
	"$KHO" machine create --ram 128M -- -x >/dev/null || fail "create -- -x"
	[ -f ./-x/ram.img ] || fail "create -- -x made no -x/ram.img"
	[ "$("$KHO" machine offset -- -x 0x1000)" = 4096 ] || fail "offset -- -x"
	"$KHO" boot --kexec --kexec -- -x >/dev/null || fail "boot -- -x"
	"$KHO" inspect --json -- -x >/dev/null || fail "inspect -- -x"
	"$KHO" debug corrupt -- -x fdt-header || fail "debug corrupt -- -x"
	expect_error "FDT header is invalid" "$KHO" inspect -- -x
	[ "$rc" -eq 1 ] || fail "inspect of a corrupt -x exited $rc"
	expect_error "machine create: one directory only (\"-x\" and \"--ram\")" \
		"$KHO" machine create -- -x --ram
	expect_error "machine offset: usage is kho machine offset DIR PHYS" \
		"$KHO" machine offset -- -x
)

# Standard output that cannot be written fails the command (fix-cli):
# machine offset's number goes to dd, and exited 0 unwritten.
W="$T/write"
"$KHO" machine create "$W" --ram 128M >/dev/null
"$KHO" boot "$W" --kexec >/dev/null
full="cannot write standard output: No space left on device."
closed="cannot write standard output: Bad file descriptor."
while IFS='|' read -r to says args; do
	rc=0
	set -f
	# shellcheck disable=SC2086 # args are split on purpose
	case $to in
	full) "$KHO" $args </dev/null >/dev/full 2>"$T/err" || rc=$? ;;
	closed) "$KHO" $args </dev/null >&- 2>"$T/err" || rc=$? ;;
	esac
	set +f
	[ "$rc" -eq 1 ] || fail "kho $args >$to: exit $rc"
	[ "$(cat "$T/err")" = "kho: $says" ] || fail "kho $args >$to said: $(cat "$T/err")"
done <<LIST
full|$full|machine offset $W 0
closed|$closed|machine offset $W 0
full|$full|inspect $W
full|$full|inspect $W --json
closed|$closed|inspect $W --json --blocks
full|$full|machine create $T/x --ram 128M
full|$full|--help
full|$full|boot -h
closed|$closed|boot $W --kexec
LIST
# The machine was made, the boot done: only the report is lost.
[ -f "$T/x/ram.img" ] || fail "machine create >/dev/full made no machine"
[ -f "$W/handover" ] || fail "boot --kexec >&- wrote no handover"
# A command that failed keeps its status and its own sentence first.
rc=0
"$KHO" machine offset "$W" 0x80000000 >/dev/full 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] ||
	fail "a failed offset >/dev/full: exit $rc, $(cat "$T/err")"

# A closed stdout is held by /dev/null, opened read-only (fix-cli): no file
# kho opens takes descriptor 1 and the report with it (ram.img, during a
# boot). Descriptor 1 is watched for the whole boot.
"$KHO" machine create "$T/h" --ram 1G >/dev/null
"$KHO" boot "$T/h" --preserve memfd:64M --kexec >&- 2>"$T/err" &
pid=$!
held=0
took=
while { read -r _ _ st _ <"/proc/$pid/stat"; } 2>/dev/null && [ "$st" != Z ]; do
	fd1=$(readlink "/proc/$pid/fd/1" 2>/dev/null) || continue
	case $fd1 in
	/dev/null) held=1 ;;
	"$T/h"/*) took=$fd1 ;;
	esac
done
rc=0
wait "$pid" || rc=$?
[ -z "$took" ] || fail "$took took the closed stdout's descriptor"
[ "$held" -eq 1 ] || fail "descriptor 1 was never seen held by /dev/null"
[ "$rc" -eq 1 ] && [ "$(cat "$T/err")" = "kho: $closed" ] ||
	fail "boot >&-: exit $rc, $(cat "$T/err")"
rm -rf "$T/h" "$T/x"
echo "cli: errors, layouts, scratch sizes and unclaimed subtrees pass"
