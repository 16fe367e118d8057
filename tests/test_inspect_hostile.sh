#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Hostile input never crashes or hangs kho inspect: seeded random damage to
# an ELF core's headers, to the root FDT, to the tree pages and blobs in
# the dump, and to a kho-v1 image's chunks and bitmaps. Every run (with
# --json and --svg) must end within its time limit with exit status 0
# (still a valid handover) or 1 (refused, with one sentence on stderr).
# Every subtree's blob address is also moved off its alignment by 1 to 7
# bytes, and the machine's handover record gives every root FDT size up to
# past an FDT header (each report: text, --json, --blocks, --svg). KHO_HOSTILE_RUNS sets the runs per kind (default 60), KHO_HOSTILE_SEED the
# seed. Runs again with the ASan+UBSan build (KHO_ASAN, default
# build/asan/kho) when there is one. Needs KHO (path to kho); python3.
set -eu
: "${KHO:?KHO must name the kho binary}"
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
H="python3 $ROOT/tests/lib/kho_testdata.py"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-inspect-hostile.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

M="$T/m"
"$KHO" machine create "$M" --ram 128M >/dev/null
"$KHO" boot "$M" --preserve memfd:1M --preserve guest:4M --preserve memblock \
	--preserve kexec-metadata --kexec >/dev/null
$H fdt-from-machine "$M" "$T/root.fdt"
$H elfcore "$M" "$T/core"
$H v1 "$T/v1" --bitmap 512 >/dev/null

hostile() {
python3 - "$1" "$T" "${KHO_HOSTILE_RUNS:-60}" "$ROOT/tests/lib" <<'PY'
import os, random, struct, subprocess, sys
kho, t, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, sys.argv[4])
import kho_testdata as td
rng = random.Random(int(os.environ.get("KHO_HOSTILE_SEED", "0x4b484f"), 0))
core, fdt = os.path.join(t, "core"), os.path.join(t, "root.fdt")
v1img, v1fdt = os.path.join(t, "v1/mem.img"), os.path.join(t, "v1/fdt.dtb")

def run(args, what, report=("--json", "--svg", os.path.join(t, "pic.svg"))):
    try:
        p = subprocess.run([kho, "inspect"] + args + list(report),
                           capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        sys.exit("FAIL: %s: kho inspect hung" % what)
    err = p.stderr.decode(errors="replace")
    if p.returncode not in (0, 1):
        sys.exit("FAIL: %s: exit status %d: %s" % (what, p.returncode, err))
    if p.returncode == 1 and len(err.strip().split("\n")) != 1:
        sys.exit("FAIL: %s: not one sentence: %s" % (what, err))

def damage(path, spans, n, what, args):
    """Overwrite n random bytes or words inside spans, run, restore."""
    with open(path, "r+b") as f:
        for i in range(runs):
            saved = []
            for _ in range(rng.randint(1, n)):
                lo, hi = rng.choice(spans)
                off = rng.randrange(lo, hi)
                f.seek(off)
                if rng.random() < 0.5:
                    val = bytes([rng.randrange(256)])
                else:
                    off &= ~7
                    f.seek(off)
                    val = struct.pack("=Q", rng.choice([
                        0, 1, 2**64 - 1, 0x100000, 0x101000, 0x7fffff000,
                        rng.randrange(2**64), rng.randrange(2**28) & ~0xfff]))
                saved.append((off, f.read(len(val))))
                f.seek(off)
                f.write(val)
            f.flush()
            run(args, "%s #%d" % (what, i))
            for off, old in reversed(saved):
                f.seek(off)
                f.write(old)

def prop_offsets(path, name):
    """File offsets of the values of every property called name."""
    return [pos for _, n, pos, _ in td.fdt_props(open(path, "rb").read())
            if n == name]

# Every blob moved off its 8-byte alignment (an FDT blob must not be).
with open(fdt, "r+b") as f:
    for off in prop_offsets(fdt, "preserved-data"):
        f.seek(off)
        old = f.read(8)
        for k in range(1, 8):
            f.seek(off)
            f.write(struct.pack("=Q", struct.unpack("=Q", old)[0] + k))
            f.flush()
            run(["--fdt", fdt, "--mem", "elf:" + core],
                "blob at offset %#x moved by %d" % (off, k))
        f.seek(off)
        f.write(old)
# The machine's handover record: every root FDT size from 1 byte to past
# an FDT header, each report of it (a size below the 8 bytes that hold an
# FDT's own size made the report read past the bytes read).
record = os.path.join(t, "m", "handover")
with open(record, "r+b") as f:
    old = f.read()
    for size in list(range(1, 48)) + [0x1000, 2**64 - 1]:
        f.seek(8)
        f.write(struct.pack("=Q", size))
        f.flush()
        reports = [[], ["--json"]]
        if size in (1, 7, 8, 39, 40):
            reports += [["--blocks"], ["--svg", os.path.join(t, "pic.svg")]]
        for report in reports:
            run([os.path.join(t, "m")], "root FDT of %d bytes" % size, report)
    f.seek(0)
    f.write(old)
# ELF headers and program headers (the first 512 bytes).
damage(core, [(0, 512)], 4, "ELF headers", ["--fdt", fdt, "--mem", "elf:" + core])
# The root FDT, anywhere and in its header's version fields.
damage(fdt, [(0, os.path.getsize(fdt))], 3, "root FDT",
       ["--fdt", fdt, "--mem", "elf:" + core])
damage(fdt, [(20, 28)], 2, "root FDT version",
       ["--fdt", fdt, "--mem", "elf:" + core])
# Tree pages, blobs and the memfd array: the low MiBs of the dump, where
# the simulated kernel keeps them (segment 1 starts at offset 0x1000).
damage(core, [(0x1000 + 0x100000, 0x1000 + 0x400000)], 6, "tree and blobs",
       ["--fdt", fdt, "--mem", "elf:" + core])
# kho-v1 chunks and bitmaps (1 MiB into the image), and its root FDT.
damage(v1img, [(0x100000, 0x140000)], 6, "kho-v1 chunks",
       ["--fdt", v1fdt, "--mem", "raw:%s@0x100000000" % v1img])
damage(v1fdt, [(0, os.path.getsize(v1fdt))], 3, "kho-v1 root FDT",
       ["--fdt", v1fdt, "--mem", "raw:%s@0x100000000" % v1img])
PY
}

hostile "$KHO"
# Sanitizers see what an exit status does not: run the ASan+UBSan build too.
ASAN_KHO=${KHO_ASAN:-$ROOT/build/asan/kho}
if [ -x "$ASAN_KHO" ] && [ "$ASAN_KHO" != "$KHO" ]; then
	hostile "$ASAN_KHO"
fi
echo "inspect: hostile input refused or read, never a crash or a hang"
