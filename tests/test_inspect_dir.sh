#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# kho inspect DIR is kho inspect --mem DIR: one reader, one JSON. A pending
# handover is taken as kernel B takes it; a scratch array that crosses a
# page boundary (the reader's page cache holds pages apart) is still read
# and accepted, as kernel B accepts it. A record refused for its root FDT's
# size or alignment still says where the FDT was looked for, and one too
# small for an FDT header how many bytes were read. A broken subtree (its
# blob not all preserved, a blob-size of 0) is a warning in kho boot's
# words, and only its owner fails, as in Linux.
set -eu
: "${KHO:?KHO must name the kho binary}"
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
H="python3 $ROOT/tests/lib/kho_testdata.py"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-inspect-dir.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

M="$T/m"
"$KHO" machine create "$M" --ram 256M >/dev/null
"$KHO" boot "$M" --preserve memfd:2M --preserve memblock --kexec >/dev/null ||
	fail "boot"
"$KHO" inspect "$M" --json >"$T/dir.json" || fail "DIR refused"
"$KHO" inspect --mem "$M" --json >"$T/mem.json" || fail "--mem DIR refused"
cmp -s "$T/dir.json" "$T/mem.json" || fail "DIR and --mem DIR differ"
"$KHO" inspect "$M" >"$T/dir.txt" || fail "DIR text"
"$KHO" inspect --mem "$M" >"$T/mem.txt" || fail "--mem DIR text"
cmp -s "$T/dir.txt" "$T/mem.txt" || fail "DIR and --mem DIR texts differ"
for want in "^handover of $M: accepted (kho-v4" "^  scratch array 0x" \
	"^  tree check " "LUO .*luo-v5" "memblock .*2 reserve_mem regions" \
	"kexec-metadata .*kexec count 1"; do
	grep -q "$want" "$T/dir.txt" || fail "text lacks \"$want\""
done

# A record whose root FDT is refused before it is read: the report names
# the address it gives, not an empty name.
cp "$M/handover" "$T/handover.good"
fdt=$($H handover "$M" | cut -d' ' -f1)
for damage in record:1=0 record:0=+1; do
	cp "$T/handover.good" "$M/handover"
	rec=$($H handover "$M" "$damage")
	rc=0
	"$KHO" inspect "$M" >"$T/refused.txt" 2>"$T/refused.err" || rc=$?
	[ "$rc" -eq 1 ] || fail "$damage: exit $rc: $(cat "$T/refused.err")"
	grep -q "^handover of $M: REFUSED" "$T/refused.txt" ||
		fail "$damage: not refused: $(cat "$T/refused.txt")"
	want="^  root FDT      memory at ${rec%% *}, not read\$"
	grep -q "$want" "$T/refused.txt" ||
		fail "$damage: no \"$want\": $(grep 'root FDT' "$T/refused.txt")"
done
[ "${rec%% *}" = "$(printf '%#x' $((fdt + 1)))" ] || fail "record:0=+1 gave $rec"
# A root FDT of 5 bytes is read for the report and refused: its header,
# size included, is not taken from those bytes (they hold no size).
cp "$T/handover.good" "$M/handover"
$H handover "$M" record:1=5 >/dev/null
rc=0
"$KHO" inspect "$M" >"$T/refused.txt" 2>"$T/refused.err" || rc=$?
[ "$rc" -eq 1 ] || fail "record:1=5: exit $rc: $(cat "$T/refused.err")"
grep -q "^  root FDT      memory at $(printf '%#x' "$fdt"), 5 bytes read, refused\$" \
	"$T/refused.txt" ||
	fail "record:1=5: $(grep 'root FDT' "$T/refused.txt")"
cp "$T/handover.good" "$M/handover"

# A broken subtree (its blob not all preserved, a blob-size of 0, its
# address or size not 8 bytes):
# as in Linux, only that child fails. inspect DIR accepts the handover with
# one warning naming the child, kho boot prints the same warning, and only
# that child's owner fails its restore (exit 1), or restores when it reads
# no more than is preserved (a 1 GiB blob-size: kexec-metadata reads its
# 73 bytes, as Linux's kho_in_kexec_metadata() does).
cp -r --sparse=always "$M" "$T/good"
meta=$($H blob-move "$M" kexec-metadata 0)
for case in "blob-move kexec-metadata -$meta|kexec-metadata|fails" \
	"blob-size kexec-metadata 0|kexec-metadata|fails" \
	"blob-size kexec-metadata 0x40000000|kexec-metadata|restores" \
	"blob-size memblock -1|memblock|fails" \
	"blob-move memblock 0x10000000000|memblock|fails" \
	"prop-len memblock preserved-data 7|memblock|fails" \
	"prop-len kexec-metadata blob-size 5|kexec-metadata|fails"; do
	damage=${case%%|*} child=${case#*|} outcome=${child#*|} child=${child%|*}
	rm -rf "$T/d" && cp -r --sparse=always "$T/good" "$T/d"
	# shellcheck disable=SC2086 # the damage is words
	$H $(echo "$damage" | sed "s|^\([a-z-]*\) |\1 $T/d |") >/dev/null ||
		fail "$damage: cannot apply it"
	rc=0
	"$KHO" inspect "$T/d" >"$T/d.txt" 2>"$T/d.err" || rc=$?
	[ "$rc" -eq 0 ] || fail "$damage: inspect exit $rc: $(cat "$T/d.err")"
	grep "^  verdict       accepted, with the warnings above\$" "$T/d.txt" >/dev/null ||
		fail "$damage: $(grep verdict "$T/d.txt")"
	said=$(grep "^  warning       " "$T/d.txt")
	[ "$(echo "$said" | wc -l)" -eq 1 ] || fail "$damage: warnings: $said"
	case $said in
	*"a subtree's "*"(property $child"[,\)]*) ;;
	*) fail "$damage: inspect warned: $said" ;;
	esac
	rc=0
	"$KHO" boot "$T/d" >"$T/b.txt" 2>"$T/b.err" || rc=$?
	[ "$(grep "^  warning       " "$T/b.txt")" = "$said" ] ||
		fail "$damage: boot warned: $(grep warning "$T/b.txt")"
	failed=$(grep -c "^  restore       [a-z-]*: FAILED" "$T/b.txt" || :)
	case $outcome in
	fails)
		[ "$rc" -eq 1 ] && [ "$failed" -eq 1 ] &&
			grep -q "^  restore       $child: FAILED: " "$T/b.txt" &&
			grep -q "^  verdict       FAIL: 1 subtree did not come back intact\$" "$T/b.txt" ||
			fail "$damage: boot exit $rc, $failed failed: $(grep -e FAILED -e verdict "$T/b.txt")"
		;;
	restores)
		[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] ||
			fail "$damage: boot exit $rc: $(grep -e FAILED -e verdict "$T/b.txt")"
		;;
	esac
	# Every other child came back.
	for other in memblock kexec-metadata; do
		[ "$other" = "$child" ] ||
			grep -q "^  restore       $other: [^F]" "$T/b.txt" ||
			fail "$damage: $other: $(grep "restore       $other" "$T/b.txt")"
	done
done
rm -rf "$T/good" "$T/d"

# Move the scratch array to 16 bytes before a page boundary.
python3 - "$KHO" "$M" <<'PY' || fail "cannot move the scratch array"
import struct, subprocess, sys
kho, d = sys.argv[1], sys.argv[2]
fdt, fsz, sa, ss = struct.unpack("<4Q", open(d + "/handover", "rb").read())
off = lambda pa: int(subprocess.check_output(
    [kho, "machine", "offset", d, hex(pa)]).decode().strip(), 0)
with open(d + "/ram.img", "r+b") as img:
    img.seek(off(sa))
    arr = img.read(ss)
    first = struct.unpack("<Q", arr[:8])[0]
    new = first + 0x2000 - 16
    img.seek(off(new))
    img.write(arr)
open(d + "/handover", "wb").write(struct.pack("<4Q", fdt, fsz, new, ss))
PY
"$KHO" inspect "$M" >"$T/cross.txt" 2>"$T/cross.err" ||
	fail "a scratch array across a page was refused: $(cat "$T/cross.err")"
grep -q "^  scratch array 0x[0-9a-f]*ff0, 48 bytes" "$T/cross.txt" ||
	fail "scratch array not shown: $(grep scratch "$T/cross.txt")"
echo "inspect DIR: the same reader as --mem DIR; a scratch array across a page; a refused root FDT named; subtree blobs judged as kho boot judges them"
