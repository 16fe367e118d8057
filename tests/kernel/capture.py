#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Turn a halted guest (RAM file + serial log) into a libkho machine directory.

Usage: capture.py ARCH LOG RAMFILE OUTDIR [--ram-base ADDR] [--page-size N]

ARCH is x86_64 or arm64; N the guest kernel's page size in bytes (default
4096).

The guest's kernel A ran tests/kernel/kinit.c (kcase=capture) and kexec'd
into tests/kernel/stub-ARCH.S, which printed where the handover is and
stopped the machine, so RAMFILE holds the RAM exactly as kernel B would have
found it. This writes OUTDIR as a machine directory (sim/machine.h):

  machine.conf   arch, page_size and one ram line: RAMFILE's base and size
  ram.img        RAMFILE (moved when on the same file system, else copied)
  handover       struct kho_data {fdt_addr, fdt_size, scratch_addr,
                 scratch_size}, 32 bytes native-endian: on x86_64 read from
                 boot_params' setup_data of type SETUP_KEXEC_KHO (10), on
                 arm64 from the DTB's /chosen linux,kho-fdt and
                 linux,kho-scratch
and what kernel A said about itself, for the cases to compare against:
  kernel-view.txt  every "kinit: " line of LOG
  blobs/NAME.bin   the debugfs kho/out blobs kinit printed in hex
  expected.txt     "reserve_mem NAME START SIZE FNV", "memfd SIZE FNV",
                   "scratch ADDR SIZE", "fdt ADDR SIZE" lines
"""
import os
import re
import shutil
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import kho_testdata as td  # noqa: E402

SETUP_KEXEC_KHO = 10
BOOT_PARAMS_SETUP_DATA = 0x250


def fail(msg):
    sys.stderr.write("capture: %s\n" % msg)
    sys.exit(1)


def read_phys(ram, base, pa, n):
    if pa < base:
        fail("address %#x is below RAM at %#x" % (pa, base))
    ram.seek(pa - base)
    data = ram.read(n)
    if len(data) != n:
        fail("address %#x+%#x is beyond the RAM file" % (pa, n))
    return data


def x86_handover(log, ram, base):
    m = re.search(r"KHOSTUB x86_64 boot_params=0x([0-9a-f]+)", log)
    if not m:
        fail("the stub never reported boot_params (kexec did not happen?)")
    bp = int(m.group(1), 16)
    sd = struct.unpack("<Q", read_phys(ram, base, bp + BOOT_PARAMS_SETUP_DATA, 8))[0]
    seen = 0
    while sd:
        seen += 1
        if seen > 64:
            fail("setup_data list at %#x does not end" % bp)
        nxt, typ, length = struct.unpack("<QII", read_phys(ram, base, sd, 16))
        if typ == SETUP_KEXEC_KHO:
            if length != 32:
                fail("setup_data type 10 at %#x is %d bytes, not 32" % (sd, length))
            return read_phys(ram, base, sd + 16, 32), "boot_params %#x setup_data %#x" % (bp, sd)
        sd = nxt
    fail("boot_params at %#x has no setup_data of type 10 (no KHO handover)" % bp)


def arm64_handover(log, ram, base):
    m = re.search(r"KHOSTUB arm64 dtb=0x([0-9a-f]+)", log)
    if not m:
        fail("the stub never reported the DTB (kexec did not happen?)")
    dtb = int(m.group(1), 16)
    total = struct.unpack(">I", read_phys(ram, base, dtb + 4, 4))[0]
    blob = read_phys(ram, base, dtb, total)
    chosen = dict(td.fdt_nodes(blob)).get("/chosen", {})
    out = b""
    for name in ("linux,kho-fdt", "linux,kho-scratch"):
        v = chosen.get(name)
        if v is None or len(v) != 16:
            fail("/chosen %s is missing or not one 2+2-cell address/size pair" % name)
        addr, size = struct.unpack(">QQ", v)
        out += struct.pack("<QQ", addr, size)
    return out, "dtb %#x" % dtb


def main():
    args = sys.argv[1:]
    base, page = None, 4096
    if "--ram-base" in args:
        i = args.index("--ram-base")
        base = int(args[i + 1], 0)
        del args[i:i + 2]
    if "--page-size" in args:
        i = args.index("--page-size")
        page = int(args[i + 1], 0)
        del args[i:i + 2]
    if len(args) != 4:
        fail("usage: capture.py ARCH LOG RAMFILE OUTDIR [--ram-base ADDR] [--page-size N]")
    arch, logfile, ramfile, outdir = args
    if base is None:
        base = 0x40000000 if arch == "arm64" else 0
    with open(logfile, "r", errors="replace") as f:
        log = f.read()
    size = os.path.getsize(ramfile)
    with open(ramfile, "rb") as ram:
        if arch == "x86_64":
            kho, where = x86_handover(log, ram, base)
        elif arch == "arm64":
            kho, where = arm64_handover(log, ram, base)
        else:
            fail("unknown architecture %s" % arch)
    os.makedirs(os.path.join(outdir, "blobs"), exist_ok=True)
    with open(os.path.join(outdir, "machine.conf"), "w") as f:
        f.write("# captured from Linux (%s) in QEMU by tests/kernel/capture.py\n" % arch)
        f.write("arch = %s\npage_size = %d\nram = %#x %#x node=0\n" % (arch, page, base, size))
    with open(os.path.join(outdir, "handover"), "wb") as f:
        f.write(kho)
    fdt_addr, fdt_size, scr_addr, scr_size = struct.unpack("<QQQQ", kho)
    lines = [l[l.index("kinit: ") + 7:].rstrip("\r")
             for l in log.splitlines() if "kinit: " in l]
    with open(os.path.join(outdir, "kernel-view.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    blobs = {}
    expected = ["fdt %#x %#x" % (fdt_addr, fdt_size),
                "scratch_array %#x %#x" % (scr_addr, scr_size)]
    phys, lens = [], []
    for l in lines:
        w = l.split()
        if w[0] == "hex" and len(w) == 4:
            blobs.setdefault(w[1], bytearray()).extend(bytes.fromhex(w[3]))
        elif w[0] == "reserve_mem":
            kv = dict(x.split("=", 1) for x in w[2:] if "=" in x)
            expected.append("reserve_mem %s %s %s %s" % (w[1], kv["start"], kv["size"], kv["fnv"]))
        elif w[0] == "memfd":
            kv = dict(x.split("=", 1) for x in w[1:] if "=" in x)
            expected.append("memfd %s %s %s" % (kv["size"], kv["fnv"], kv.get("seals", "-")))
        elif w[0] == "scratch_phys":
            phys.append(w[1])
        elif w[0] == "scratch_len":
            lens.append(w[1])
    for p, n in zip(phys, lens):
        expected.append("scratch %s %s" % (p, n))
    for name, data in blobs.items():
        path = os.path.join(outdir, "blobs", name.replace("/", "_") + ".bin")
        with open(path, "wb") as f:
            f.write(data)
    with open(os.path.join(outdir, "expected.txt"), "w") as f:
        f.write("\n".join(expected) + "\n")
    dest = os.path.join(outdir, "ram.img")
    if os.path.abspath(ramfile) != os.path.abspath(dest):
        shutil.move(ramfile, dest)
    print("capture: %s: handover FDT %#x+%#x, scratch array %#x+%#x (%s)"
          % (outdir, fdt_addr, fdt_size, scr_addr, scr_size, where))


if __name__ == "__main__":
    main()
