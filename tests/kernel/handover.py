#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Prepare a libkho machine's pending handover for a real arm64 kernel.

Usage:
  handover.py info MACHINE_DIR
      JSON: the handover (kho_data), the root FDT's compatible string, its
      children (name, preserved-data, blob-size), the memblock subtree's
      reserve_mem regions with the FNV-1a 64 hash of their bytes in ram.img,
      every page the radix tree occupies, and every memfd-v2 file of a luo-v5
      LUO subtree (session, token, size, FNV-1a 64 of its contents: folios
      by index, each folio running up to the next one).
  handover.py chosen MACHINE_DIR IN.dts OUT.dts [BOOTARGS INITRD SIZE]
      Copy QEMU's device tree source, adding to /chosen the properties Linux
      reads the handover from (drivers/of/fdt.c: linux,kho-fdt and
      linux,kho-scratch, one address/size pair each in 2+2 cells), and, when
      given, bootargs and linux,initrd-start/end (what QEMU's -kernel would
      have added).
  handover.py arm64place MACHINE_DIR IMAGE_SIZE INITRD_SIZE DTB_SIZE
      Where tests/kernel/tramp-arm64.S, the DTB, the initrd and the Image go
      (QEMU's generic loader puts them there): "TRAMP DTB INITRD IMAGE", in
      the largest scratch area past the scratch array, as kexec would.
  handover.py overlap MACHINE_DIR ROMS.txt INSPECT.json
      Refuse (exit 1, one line per clash) when anything QEMU loads (ROMS.txt
      is the monitor's "info roms") lands on memory the handover owns: a
      preserved range (INSPECT.json: kho inspect --json), the root FDT, the
      scratch array or a radix tree page.
  handover.py blocks MACHINE_DIR
      Every preserved block as [phys, order], in key order (the page size machine.conf gives).
  handover.py memfds MACHINE_DIR [CONTENT_DIR]
      The memfd-v2 files as JSON; with CONTENT_DIR (a machine directory on
      the same RAM layout), their bytes are read from its ram.img instead:
      did they survive what ran on that RAM since?
  handover.py x86place MACHINE_DIR INIT_SIZE MODULE_BYTES
      Where tests/kernel/loader-x86.c and the kernel it loads go: "LOADER
      KADDR", both 2 MiB-aligned in the largest scratch area, past the
      scratch array, KADDR leaving room for the bzImage's init_size.
  handover.py kaslrtrap MACHINE_DIR INIT_SIZE MODULE_BYTES
      Rewrite the handover's scratch areas (x86) so that the decompressor's
      KASLR has one choice only, and it lies over the scratch array: a trap
      area of ALIGN(INIT_SIZE, 2 MiB) holding the array in its middle, the
      rest of the old areas cut into 8 MiB areas (too small for any slot).
      The array is written into the trap, the handover record updated.
      Prints "LOADER KADDR TRAP ARRAY" (the loader and the kernel go into
      the largest old area, as x86place puts them).

Written from the devicetree specification and the kernel's ABI header
(include/linux/kho/abi/kexec_handover.h: "preserved-memory-map",
"preserved-data", "blob-size"); shares no code with libkho (the FDT
tokenizer is the test helpers', tests/lib/kho_testdata.py).
"""
import json
import os
import re
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import kho_testdata as td  # noqa: E402


def geometry(shift):
    """The radix tree's shape for pages of 2^shift bytes, from the enum
    kho_radix_consts of include/linux/kho/abi/kexec_handover.h: keys of
    65 - shift bits (the pfn and an order bit), tables of a page of u64
    (shift - 3 bits of key), leaves of a page of bits (shift + 3 bits), as
    many table levels above the leaves as the rest of the key needs. 4 KiB
    pages: 6 levels, 9-bit tables, 32768-bit leaves; 16 KiB: 5, 11, 2^17;
    64 KiB: 4, 13, 2^19."""
    key_width = 64 - shift + 1
    table_bits, leaf_bits = shift - 3, shift + 3
    depth = -(-(key_width - leaf_bits) // table_bits) + 1
    return table_bits, leaf_bits, depth


def seals_retrieved(seals):
    """The seals a 7.3.4 kernel B's memfd has after retrieve: the new file
    has mode 0777 (mm/memfd_luo.c:539, mm/shmem.c:5841) and memfd_add_seals()
    adds SHRINK, GROW, WRITE and FUTURE_WRITE to F_SEAL_EXEC on an executable
    file (mm/memfd.c:291-292); patches/0003 keeps them as they were."""
    return seals | 0x1e if seals & 0x20 else seals


def fail(msg):
    sys.stderr.write("handover: %s\n" % msg)
    sys.exit(1)


class Bad(Exception):
    """Memory the handover points at is not there."""


class Machine:
    def __init__(self, d):
        self.dir = d
        self.ranges = []
        self.page = 4096
        off = 0
        for line in open(d + "/machine.conf"):
            line = line.split("#")[0].strip()
            if line.startswith("page_size"):
                self.page = int(line.split("=", 1)[1], 0)
            elif line.startswith("ram"):
                w = line.split("=", 1)[1].split()
                base, size = int(w[0], 0), int(w[1], 0)
                self.ranges.append((base, size, off))
                off += size
        self.shift = self.page.bit_length() - 1
        self.ram = open(d + "/ram.img", "rb")
        self.kho = None
        try:
            with open(d + "/handover", "rb") as f:
                self.kho = struct.unpack("<QQQQ", f.read(32))
        except FileNotFoundError:
            pass  # a machine after its boot: only its RAM is read

    def read(self, pa, n):
        for base, size, off in self.ranges:
            if base <= pa and pa + n <= base + size:
                self.ram.seek(off + pa - base)
                return self.ram.read(n)
        raise Bad("%#x+%#x is not RAM of %s" % (pa, n, self.dir))

    def write(self, pa, data):
        for base, size, off in self.ranges:
            if base <= pa and pa + len(data) <= base + size:
                with open(self.dir + "/ram.img", "r+b") as f:
                    f.seek(off + pa - base)
                    f.write(data)
                return
        raise Bad("%#x+%#x is not RAM of %s" % (pa, len(data), self.dir))


def fnv(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def u64(v):
    return struct.unpack("<Q", v)[0]


def block_chain(m, pa, entry_size):
    """Entries of a KHO serialization block chain (include/linux/kho/abi/
    block.h: a page headed by {u64 next; u64 count;})."""
    seen = 0
    while pa:
        seen += 1
        if seen > 10000:
            fail("block chain at %#x does not end" % pa)
        page = m.read(pa, m.page)
        nxt, count = struct.unpack_from("<QQ", page, 0)
        if count * entry_size + 16 > m.page:
            fail("block at %#x claims %d entries" % (pa, count))
        for i in range(count):
            yield page[16 + i * entry_size:16 + (i + 1) * entry_size]
        pa = nxt


def vmalloc_bytes(m, first, total_pages, order):
    """The bytes of a KHO-preserved vmalloc area (struct kho_vmalloc: a chunk
    list of pages holding a next pointer and zero-terminated phys[])."""
    out = bytearray()
    pa = first
    while pa and len(out) < total_pages * m.page:
        chunk = m.read(pa, m.page)
        nxt = struct.unpack_from("<Q", chunk, 0)[0]
        for i in range(1, m.page // 8):
            phys = struct.unpack_from("<Q", chunk, i * 8)[0]
            if not phys:
                break
            out += m.read(phys, m.page << order)
        pa = nxt
    return bytes(out)


def block_orders(m):
    """Each preserved block's order by its pfn, or None when the tree
    cannot be read (a boot took the handover)."""
    try:
        return dict((pa >> m.shift, o) for pa, o in tree_blocks(m))
    except Bad:
        return None


def luo_memfds(m, luo_pa, content=None, orders=None):
    """Every memfd-v2 file of a luo-v5 handover (include/linux/kho/abi/luo.h,
    memfd.h): session name, token, size and FNV-1a 64 of its contents.
    A folio covers 2^order pages from its index, its order that of its
    block in the tree; a page no folio covers is a hole and reads as zeroes
    (libkho leaves some, Linux none). Where the tree cannot be read (a boot
    took the handover), a folio reaches the next one, as Linux writes them.
    Entries with pfn 0 are holes too (memfd_luo_retrieve_folios() skips
    them). @orders: block_orders(m), when the caller has it already."""
    compat, num, sessions_pa, flbs_pa = struct.unpack("<8sQQQ", m.read(luo_pa, 32))
    if compat.rstrip(b"\0") != b"luo-v5":
        return []
    if orders is None:
        orders = block_orders(m)
    files = []
    for ses in block_chain(m, sessions_pa, 80):
        name = ses[:64].split(b"\0")[0].decode(errors="replace")
        files_pa, count = struct.unpack_from("<QQ", ses, 64)
        for f in block_chain(m, files_pa, 64):
            compat = f[:48].split(b"\0")[0]
            data, token = struct.unpack_from("<QQ", f, 48)
            if compat != b"memfd-v2":
                continue
            pos, size, seals, flags, nr_folios, first, total, vflags, order = \
                struct.unpack("<QQIIQQIHH", m.read(data, 48))
            ser = vmalloc_bytes(m, first, total, order)[:nr_folios * 16]
            folios = sorted(f for f in ((struct.unpack_from("<Q", ser, i * 16 + 8)[0],
                                         struct.unpack_from("<Q", ser, i * 16)[0] & ((1 << 52) - 1))
                                        for i in range(nr_folios)) if f[1])
            page = m.page
            pages = size // page + (1 if size % page else 0)
            data_of = content or m
            data = bytearray()
            k = 0
            for j in range(pages):
                while k + 1 < len(folios) and folios[k + 1][0] <= j:
                    k += 1
                inside = bool(folios) and folios[k][0] <= j
                if inside and orders is not None:
                    inside = j < folios[k][0] + (1 << orders.get(folios[k][1], 0))
                if inside:
                    idx, pfn = folios[k]
                    data += data_of.read((pfn + j - idx) * page, page)
                else:
                    data += bytes(page)
            entry = {"session": name, "token": token, "size": size, "seals": seals,
                     "seals_retrieved": seals_retrieved(seals),
                     "fnv": "%016x" % fnv(bytes(data[:size])),
                     "folios": [[idx, pfn] for idx, pfn in folios]}
            files.append(entry)
    return files


def scratch_areas(m):
    """The handover's scratch areas, (addr, size) each, in the array's order."""
    raw = m.read(m.kho[2], m.kho[3])
    return [struct.unpack("<QQ", raw[i:i + 16]) for i in range(0, len(raw) - 15, 16)]


def largest_first(areas):
    return sorted((a for a in areas if a[1]), key=lambda a: -a[1])


def info(m):
    fdt_addr, fdt_size, scr_addr, scr_size = m.kho
    root = m.read(fdt_addr, struct.unpack(">I", m.read(fdt_addr + 4, 4))[0])
    nodes = dict(td.fdt_nodes(root))
    top = nodes["/"]
    out = {"fdt_addr": fdt_addr, "fdt_size": fdt_size, "page_size": m.page,
           "scratch_addr": scr_addr, "scratch_size": scr_size,
           "compatible": top.get("compatible", b"").rstrip(b"\0").decode(),
           "children": [], "regions": [], "tree_pages": []}
    # The scratch area the array lies in, if any: x86's KASLR may decompress
    # the kernel over it there (docs/abi.md, "The scratch array").
    areas = scratch_areas(m)
    out["array_area"] = next((i for i, (a, n) in enumerate(areas)
                              if a < scr_addr + scr_size and scr_addr < a + n), -1)
    for path, props in nodes.items():
        if path.count("/") != 1 or path == "/":
            continue
        child = {"name": path[1:]}
        if len(props.get("preserved-data", b"")) == 8:
            child["phys"] = u64(props["preserved-data"])
        if len(props.get("blob-size", b"")) == 8:
            child["blob_size"] = u64(props["blob-size"])
        out["children"].append(child)
        if child["name"] == "memblock" and "phys" in child:
            total = struct.unpack(">I", m.read(child["phys"] + 4, 4))[0]
            for p, rp in td.fdt_nodes(m.read(child["phys"], total)):
                if p.count("/") == 1 and p != "/" and "start" in rp and "size" in rp:
                    start, size = u64(rp["start"]), u64(rp["size"])
                    out["regions"].append({"name": p[1:], "start": start, "size": size,
                                           "fnv": "%016x" % fnv(m.read(start, size))})
        if child["name"] == "LUO" and "phys" in child:
            orders = block_orders(m)
            out["memfds"] = luo_memfds(m, child["phys"], orders=orders)
    # What a kernel cannot take although it does not check it: shmem adds
    # a folio of 2^k pages only at a file index that is a multiple of 2^k
    # (mm/shmem.c:901, VM_BUG_ON_FOLIO in shmem_add_to_page_cache()).
    if out.get("memfds"):
        orders = orders or {}
        out["problems"] = []
        for f in out["memfds"]:
            for idx, pfn in f["folios"]:
                o = orders.get(pfn)
                if o and idx % (1 << o):
                    out["problems"].append(
                        "memfd %s:%d: folio at pfn %#x of order %d sits at file index %d, not a multiple of %d"
                        % (f["session"], f["token"], pfn, o, idx, 1 << o))
    # The radix tree: tables of u64 child addresses down to level 1, then
    # level-0 leaves (bitmaps); geometry() has its levels.
    # After a boot took the handover, the tree's pages are free memory again:
    # say so instead of failing.
    mm = top.get("preserved-memory-map")
    if mm is not None and len(mm) == 8:
        out["tree_root"] = u64(mm)
        table_bits, _, depth = geometry(m.shift)
        pages, todo = [], [(u64(mm), depth - 1)]
        try:
            while todo:
                pa, level = todo.pop()
                pages.append(pa)
                if level == 0 or len(pages) > 1 << 20:
                    continue
                table = struct.unpack("<%dQ" % (1 << table_bits), m.read(pa, m.page))
                todo.extend((e & ~(m.page - 1), level - 1) for e in table if e)
            out["tree_pages"] = sorted(pages)
        except Bad as e:
            out["tree_error"] = str(e)
    return out


def tree_blocks(m):
    """Every preserved block as (phys, order), in key order: the radix tree
    of include/linux/kho/abi/kexec_handover.h walked for the machine's page
    size (geometry(); key = order bit at 64 - PAGE_SHIFT - order
    | pa >> (PAGE_SHIFT + order))."""
    fdt_addr = m.kho[0]
    root = m.read(fdt_addr, struct.unpack(">I", m.read(fdt_addr + 4, 4))[0])
    top = dict(td.fdt_nodes(root))["/"]
    out = []
    shift, order0 = m.shift, 64 - m.shift
    table_bits, leaf_bits, depth = geometry(shift)

    def walk(pa, level, prefix):
        if level == 0:
            leaf = m.read(pa, m.page)
            for w in range(m.page // 8):
                word = struct.unpack_from("<Q", leaf, w * 8)[0]
                while word:
                    b = (word & -word).bit_length() - 1
                    word &= word - 1
                    key = prefix << leaf_bits | w * 64 + b
                    h = key.bit_length() - 1
                    order = order0 - h
                    out.append(((key & ((1 << h) - 1)) << (shift + order), order))
            return
        table = struct.unpack("<%dQ" % (1 << table_bits), m.read(pa, m.page))
        for i, e in enumerate(table):
            if e:
                walk(e & ~(m.page - 1), level - 1, prefix << table_bits | i)
    walk(u64(top["preserved-memory-map"]), depth - 1, 0)
    return out


def chosen(m, src, dst, bootargs=None, initrd=None):
    fdt_addr, fdt_size, scr_addr, scr_size = m.kho

    def cells(a, s):
        return "<0x%x 0x%x 0x%x 0x%x>" % (a >> 32, a & 0xFFFFFFFF, s >> 32, s & 0xFFFFFFFF)
    extra = "\t\tlinux,kho-fdt = %s;\n\t\tlinux,kho-scratch = %s;\n" % (
        cells(fdt_addr, fdt_size), cells(scr_addr, scr_size))
    if bootargs is not None:
        extra += '\t\tbootargs = "%s";\n' % bootargs.replace('"', '')
    if initrd is not None:
        a, n = initrd
        extra += "\t\tlinux,initrd-start = <0x%x 0x%x>;\n" % (a >> 32, a & 0xFFFFFFFF)
        extra += "\t\tlinux,initrd-end = <0x%x 0x%x>;\n" % ((a + n) >> 32, (a + n) & 0xFFFFFFFF)
    text = open(src).read()
    text = re.sub(r"\n\t\t(bootargs|linux,initrd-start|linux,initrd-end) = [^;]*;", "", text)
    new, n = re.subn(r"(\n\tchosen \{\n)", lambda mt: mt.group(1) + extra, text, count=1)
    if n != 1:
        fail("%s has no top-level chosen node" % src)
    open(dst, "w").write(new)


def overlap(m, roms_file, inspect_file):
    h = info(m)
    if "tree_error" in h:
        fail("cannot walk the radix tree: %s" % h["tree_error"])
    owned = [(h["fdt_addr"], h["fdt_addr"] + h["fdt_size"], "the root FDT"),
             (h["scratch_addr"], h["scratch_addr"] + h["scratch_size"], "the scratch array")]
    owned += [(p, p + m.page, "a radix tree page") for p in h["tree_pages"]]
    ins = json.load(open(inspect_file))
    rngs = ins.get("ranges", [])
    if isinstance(rngs, list):
        owned += [(a, b, "a preserved range") for a, b in rngs]
    clashes = 0
    loads = 0
    for line in open(roms_file):
        # "addr=0000000040200000 size=0x1ad0a00 mem=ram name="kernel""
        mt = re.search(r"addr=([0-9a-f]+) size=0x([0-9a-f]+) mem=ram name=\"?([^\"]*)", line)
        if not mt:
            continue
        a, n, name = int(mt.group(1), 16), int(mt.group(2), 16), mt.group(3)
        loads += 1
        for s, e, what in owned:
            if a < e and s < a + n:
                print("handover: QEMU loads %s at %#x+%#x onto %s at %#x-%#x" % (name, a, n, what, s, e))
                clashes += 1
                break
    if not loads:
        fail("no ROM loaded into RAM in %s" % roms_file)
    print("handover: %d things QEMU loads checked against %d owned areas: %d clash%s"
          % (loads, len(owned), clashes, "" if clashes == 1 else "es"))
    sys.exit(1 if clashes else 0)


def largest_past_array(m):
    """The largest scratch area as (start, end, lo): lo is where free room
    begins, past the scratch array when it sits there."""
    scr_addr, scr_size = m.kho[2], m.kho[3]
    areas = largest_first(scratch_areas(m))
    if not areas:
        fail("the scratch array at %#x lists no scratch area" % scr_addr)
    start, size = areas[0]
    end = start + size
    lo = start
    if start <= scr_addr < end:
        lo = max(lo, scr_addr + scr_size)
    return start, end, lo


def x86_loader_kernel(start, end, lo, init_size, modules):
    """LOADER and KADDR, 2 MiB-aligned, from lo up in the area [start, end):
    the loader, its modules and a kernel of init_size must fit."""
    al = 2 << 20
    loader = (lo + al - 1) & ~(al - 1)
    kaddr = (loader + (1 << 20) + modules + (1 << 20) + al - 1) & ~(al - 1)
    if kaddr + init_size > end:
        fail("scratch area %#x-%#x is too small for the loader, %d bytes of modules and a kernel of init_size %#x"
             % (start, end, modules, init_size))
    return loader, kaddr


def x86place(m, init_size, modules):
    """Where the x86 loader and the kernel go: in the largest scratch area,
    past the scratch array when it sits there, 2 MiB-aligned. Prints
    "LOADER KADDR"."""
    loader, kaddr = x86_loader_kernel(*largest_past_array(m), init_size, modules)
    print("%#x %#x" % (loader, kaddr))


def kaslrtrap(m, init_size, modules):
    """See the usage text. The decompressor's image size (needed_size,
    arch/x86/boot/compressed/misc.c:472-474) is 2 MiB-aligned and at most
    ALIGN(init_size, 2 MiB), at least the kernel's own size: every slot in
    the trap covers its middle, and no 8 MiB area holds a slot
    (kaslr.c: process_mem_region())."""
    fdt_addr, fdt_size = m.kho[0], m.kho[1]
    old = largest_first(scratch_areas(m))
    if len(old) < 2:
        fail("kaslrtrap needs two non-empty scratch areas, the handover has %d" % len(old))
    al, tile = 2 << 20, 8 << 20
    need = (init_size + al - 1) & ~(al - 1)
    if 2 * tile > need:
        fail("a kernel of init_size %#x is too small for 8 MiB areas to hold no slot" % init_size)
    (bstart, bsize), (ostart, osize) = old[0], old[1]
    loader, kaddr = x86_loader_kernel(*largest_past_array(m), init_size, modules)
    trap = (ostart + al - 1) & ~(al - 1)
    if trap + need > ostart + osize:
        fail("scratch area %#x+%#x is too small for a trap of %#x bytes" % (ostart, osize, need))
    array = trap + need // 2

    def tiles(start, end):
        return [(a, min(tile, end - a)) for a in range(start, end, tile)]
    areas = tiles(bstart, bstart + bsize) + tiles(ostart, trap) + [(trap, need)] + \
        tiles(trap + need, ostart + osize)
    if len(areas) > 64:
        fail("%d scratch areas, more than the x86 loader takes (64)" % len(areas))
    data = b"".join(struct.pack("<QQ", a, n) for a, n in areas)
    m.write(array, data)
    with open(m.dir + "/handover", "wb") as f:
        f.write(struct.pack("<QQQQ", fdt_addr, fdt_size, array, len(data)))
    print("%#x %#x %#x %#x" % (loader, kaddr, trap, array))


def arm64place(m, image_size, initrd_size, dtb_size):
    """Where the arm64 trampoline, DTB, initrd and Image go: in the largest
    scratch area, past the scratch array, the Image 2 MiB-aligned with room
    for its header's image_size. Prints "TRAMP DTB INITRD IMAGE"."""
    start, end, lo = largest_past_array(m)
    al = 2 << 20
    page = m.page
    tramp = (lo + page - 1) & ~(page - 1)
    dtb = tramp + page
    initrd = (dtb + dtb_size + page - 1) & ~(page - 1)
    image = (initrd + initrd_size + al - 1) & ~(al - 1)
    if image + image_size > end:
        fail("scratch area %#x-%#x is too small for DTB, initrd and an Image of %#x bytes"
             % (start, end, image_size))
    print("%#x %#x %#x %#x" % (tramp, dtb, initrd, image))


def main():
    try:
        run(sys.argv[1:])
    except Bad as e:
        fail(str(e))


def run(a):
    if len(a) >= 2 and a[0] == "info":
        print(json.dumps(info(Machine(a[1])), indent=1))
    elif len(a) == 4 and a[0] == "chosen":
        chosen(Machine(a[1]), a[2], a[3])
    elif len(a) == 7 and a[0] == "chosen":
        chosen(Machine(a[1]), a[2], a[3], a[4], (int(a[5], 0), int(a[6], 0)))
    elif len(a) == 2 and a[0] == "blocks":
        print(json.dumps(tree_blocks(Machine(a[1]))))
    elif len(a) in (2, 3) and a[0] == "memfds":
        m = Machine(a[1])
        content = Machine(a[2]) if len(a) == 3 else None
        root = m.read(m.kho[0], struct.unpack(">I", m.read(m.kho[0] + 4, 4))[0])
        luo = dict(td.fdt_nodes(root)).get("/LUO", {}).get("preserved-data")
        print(json.dumps(luo_memfds(m, u64(luo), content) if luo else []))
    elif len(a) == 4 and a[0] == "x86place":
        x86place(Machine(a[1]), int(a[2], 0), int(a[3], 0))
    elif len(a) == 4 and a[0] == "kaslrtrap":
        kaslrtrap(Machine(a[1]), int(a[2], 0), int(a[3], 0))
    elif len(a) == 5 and a[0] == "arm64place":
        arm64place(Machine(a[1]), int(a[2], 0), int(a[3], 0), int(a[4], 0))
    elif len(a) == 4 and a[0] == "overlap":
        overlap(Machine(a[1]), a[2], a[3])
    else:
        fail(__doc__.split("\n\n")[1])


if __name__ == "__main__":
    main()
