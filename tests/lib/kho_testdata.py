#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Test data for `kho inspect` on foreign memory, written from the formats
in docs/abi.md and the ELF specification, independently of the C code:

  elfcore DIR|raw:FILE@BASE OUT [--drop-range N] [--hole PHYS:SIZE]
          [--extra-ram SIZE@BASE] [--kcore] [--page-size N] [--truncate N]
        an ELF core (ET_CORE, one PT_LOAD per RAM range with p_paddr, a
        VMCOREINFO note) of a machine directory's RAM or a raw image,
        written sparse; --extra-ram adds RAM with p_filesz 0 (reads as
        zeroes), so a small dump can claim a TiB
  fdt-from-machine DIR OUT
        the pending handover's root FDT, read out of ram.img
  handover DIR|FILE [FIELD=VALUE ...]
        set fields of a handover record (DIR/handover, or a record FILE),
        in place: FIELD is record:N (u64 N of struct kho_data) or, in a
        machine directory, area:N:addr or area:N:size (scratch area N in
        ram.img); VALUE is absolute or +/-delta. Prints the record after:
        "FDT_ADDR FDT_SIZE SCRATCH_ADDR SCRATCH_SIZE", addresses in hex
  blob-move DIR SUBTREE DELTA
        move the pending handover's SUBTREE preserved-data address by DELTA
        bytes in ram.img, in place (the blob itself stays where it is);
        prints the new address
  blob-size DIR SUBTREE VALUE
        set the pending handover's SUBTREE blob-size (in the root FDT) to
        VALUE, in ram.img
  luo-flb DIR NAME DATA COUNT
        append a File-Lifecycle-Bound entry to the pending handover's LUO
        FLB region in ram.img, in place (the simulator writes none)
  luo-many DIR AT SIZE SESSIONS FILES FLBS
        give the pending handover's LUO blob new chains, written in
        ram.img in the SIZE bytes at physical AT (page-aligned; a preserved
        region, such as a memblock one): SESSIONS sessions named s00000,
        s00001, ..., session i holding FILES[i] files (FILES a comma list,
        its last count repeated) with compatible f<i>-<j> and token
        i << 32 | j, and an FLB region of FLBS entries named flb00000, ...
        (data k, count 1); prints the pages used
  blob-prop DIR SUBTREE PROP DELTA
        add DELTA to the first 8-byte property PROP (native-endian) of the
        pending handover's SUBTREE blob, in ram.img; prints the new value
  blob-rename DIR SUBTREE PROP NEW
        rename property PROP of the pending handover's SUBTREE blob to NEW
        (as long), in the blob's strings, in ram.img
  dtb OUT COMPATIBLE
        a root FDT of some other kind (compatible COMPATIBLE)
  fdt-add-blob-size IN OUT SIZE
        a copy of a root FDT whose subtrees carry blob-size = SIZE, as
        newer kernels write it (replacing any blob-size they had)
  fdt-clone-child IN OUT CHILD NAME [N]
        a copy of a root FDT with a copy of its child CHILD named NAME added
        at the end, or N copies named NAME0 to NAME<N-1>
  v4-full IMG FDT GIB
        a sparse raw image IMG of GIB GiB of RAM at physical 0 whose kho-v4
        radix tree (4 KiB pages, at 1 MiB) preserves every page but its
        own and the 1 MiB after them, each as an order-0 block; FDT is its
        root FDT (no subtrees)
  flip DIR PHYS [N]
        invert the N bytes (default 1) at physical PHYS in a machine
        directory's ram.img, in place: damage that always changes them,
        whatever they held (writing a fixed byte leaves one byte in 256 as
        it was)
  ram-replace DIR OLD NEW
        replace the first occurrence of the bytes OLD (Python escapes, such
        as \\xff) in a machine directory's ram.img by NEW, in place
  v1 OUTDIR --bitmap 512|page [--aligned] [--loop] [--flood N]
          [--page-size N]
        a kho-v1 handover as Linux 6.16-6.19 serialize it: OUTDIR/mem.img
        (RAM at V1_BASE), OUTDIR/fdt.dtb, OUTDIR/expected (one
        "block 0x... order N" line per preserved block, ascending address)
  png-check FILE
        exit 0 when a PNG is not blank (several colours, pixel variance)
  schema-check SCHEMA JSON
        validate a document against docs/inspect-schema.json (the
        jsonschema module when present, else the subset the schema uses)
"""
import json
import os
import struct
import sys
import zlib

V1_BASE = 0x100000000
V1_SIZE = 64 << 20
NATIVE = "<" if sys.byteorder == "little" else ">"


def die(msg):
    print("kho_testdata: " + msg, file=sys.stderr)
    sys.exit(1)


# ---- machine directories ---------------------------------------------------

def raw_spec(d):
    """raw:FILE@BASE -> (FILE, BASE), else None."""
    if not d.startswith("raw:"):
        return None
    path, base = d[4:].rsplit("@", 1)
    return path, int(base, 0)


def machine_image(d):
    r = raw_spec(d)
    return r[0] if r else os.path.join(d, "ram.img")


def machine_ranges(d):
    """[(base, size, file_off)] and the page size from machine.conf (or
    the one range of a raw:FILE@BASE image, 4 KiB pages)."""
    r = raw_spec(d)
    if r:
        return [(r[1], os.path.getsize(r[0]), 0)], 4096
    ranges, off, page = [], 0, 4096
    with open(os.path.join(d, "machine.conf")) as f:
        for line in f:
            line = line.split("#")[0].strip()
            if not line:
                continue
            key, val = [x.strip() for x in line.split("=", 1)]
            if key == "page_size":
                page = int(val, 0)
            elif key == "ram":
                t = val.split()
                base, size = int(t[0], 0), int(t[1], 0)
                ranges.append((base, size, off))
                off += size
    return ranges, page


def machine_read(d, phys, n):
    ranges, _ = machine_ranges(d)
    for base, size, off in ranges:
        if base <= phys and phys + n <= base + size:
            with open(machine_image(d), "rb") as f:
                f.seek(off + phys - base)
                return f.read(n)
    die("physical %#x is not in %s" % (phys, d))


def copy_sparse(src, src_off, dst, size):
    """Copy size bytes, seeking over all-zero MiBs so the file stays sparse."""
    step = 1 << 20
    done = 0
    while done < size:
        n = min(step, size - done)
        src.seek(src_off + done)
        buf = src.read(n)
        if buf.count(0) != len(buf):
            dst.write(buf)
        else:
            dst.seek(n, 1)
        done += n


def elf_note(name, desc, ntype):
    name_b = name.encode() + b"\0"
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack(NATIVE + "III", len(name_b), len(desc), ntype) + \
        pad(name_b) + pad(desc)


def cmd_elfcore(args):
    d, out = args[0], args[1]
    drop, kcore, page_size, trunc, hole = None, False, None, None, None
    extra = []
    i = 2
    while i < len(args):
        if args[i] == "--drop-range":
            drop = int(args[i + 1]); i += 2
        elif args[i] == "--kcore":
            kcore = True; i += 1
        elif args[i] == "--page-size":
            page_size = int(args[i + 1], 0); i += 2
        elif args[i] == "--hole":
            hole = [int(x, 0) for x in args[i + 1].split(":")]; i += 2
        elif args[i] == "--extra-ram":
            size, base = args[i + 1].split("@"); i += 2
            extra.append((int(base, 0), int(size, 0)))
        elif args[i] == "--truncate":
            trunc = int(args[i + 1], 0); i += 2
        else:
            die("elfcore: unknown option " + args[i])
    ranges, page = machine_ranges(d)
    page_size = page_size or page
    note = elf_note("VMCOREINFO",
                    ("OSRELEASE=6.19.0-libkho-test\nPAGESIZE=%d\n" %
                     page_size).encode(), 0)
    # (paddr, vaddr, size, source file offset or None for zeroes)
    loads = []
    for n, (base, size, off) in enumerate(ranges):
        if n == drop:
            continue
        if hole and base <= hole[0] < base + size:
            # Leave [hole[0], hole[0] + hole[1]) out: two segments around it.
            cut, end = hole[0] - base, hole[0] - base + hole[1]
            loads.append((base, 0xffff888000000000 + base, cut, off))
            loads.append((base + end, 0xffff888000000000 + base + end,
                          size - end, off + end))
            continue
        loads.append((base, 0xffff888000000000 + base, size, off))
    for base, size in extra:
        # RAM the dump declares but holds no bytes of (p_filesz 0): zeroes.
        loads.append((base, (0xffff888000000000 + base) & (2**64 - 1),
                      size, None))
    if kcore:
        # /proc/kcore also has the kernel text (inside RAM: a second view
        # of the same bytes) and vmalloc space (no physical address).
        base, size, off = ranges[0]
        loads.insert(0, (base + 0x200000, 0xffffffff81000000,
                         min(0x200000, size - 0x200000), off + 0x200000))
        loads.append((0xffffffffffffffff, 0xffffc90000000000, 0x10000, None))
    phnum = 1 + len(loads)
    off = 64 + 56 * phnum
    note_off = off
    off += len(note)
    hdrs = [struct.pack(NATIVE + "IIQQQQQQ", 4, 0, note_off, 0, 0, len(note),
                        0, 0)]
    data_offs = []
    for paddr, vaddr, size, srcoff in loads:
        off = (off + 0xfff) & ~0xfff
        data_offs.append(off)
        filesz = size if srcoff is not None or paddr == 0xffffffffffffffff \
            else 0
        hdrs.append(struct.pack(NATIVE + "IIQQQQQQ", 1, 7, off, vaddr, paddr,
                                filesz, size, 0x1000))
        off += filesz
    total = off
    ident = b"\x7fELF" + bytes([2, 1 if NATIVE == "<" else 2, 1, 0]) + \
        b"\0" * 8
    ehdr = ident + struct.pack(NATIVE + "HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0,
                               0, 64, 56, phnum, 64, 0, 0)
    with open(machine_image(d), "rb") as src, open(out, "wb") as f:
        f.write(ehdr)
        for h in hdrs:
            f.write(h)
        f.write(note)
        for (paddr, vaddr, size, srcoff), doff in zip(loads, data_offs):
            f.seek(doff)
            if srcoff is not None:
                copy_sparse(src, srcoff, f, size)
        f.truncate(total if trunc is None else trunc)


def cmd_fdt_from_machine(args):
    d, out = args
    with open(os.path.join(d, "handover"), "rb") as f:
        fdt_addr, fdt_size, _, _ = struct.unpack(NATIVE + "QQQQ", f.read(32))
    blob = machine_read(d, fdt_addr, fdt_size)
    total = struct.unpack(">I", blob[4:8])[0]
    with open(out, "wb") as f:
        f.write(blob[:total])


def machine_offset(d, phys):
    """File offset of physical address phys in the machine's image."""
    ranges, _ = machine_ranges(d)
    for base, size, off in ranges:
        if base <= phys < base + size:
            return off + phys - base
    die("physical %#x is not in %s" % (phys, d))


def fdt_tokens(blob):
    """(kind, path, name, offset, length) of each token of an FDT, in
    order: kind "node" (a node begins; path ends with its name), "prop" (a
    property of the node at path: its value's offset in blob and length) or
    "end" (the node at path ends); path lists node names from the root ("")."""
    magic, _, off_struct, off_strings = struct.unpack(">4I", blob[:16])
    if magic != 0xd00dfeed:
        die("not an FDT")
    pos, path = off_struct, []
    while True:
        tok = struct.unpack(">I", blob[pos:pos + 4])[0]
        pos += 4
        if tok == 1:
            end = blob.index(b"\0", pos)
            path.append(blob[pos:end].decode())
            yield "node", path, path[-1], None, None
            pos = (end + 4) & ~3
        elif tok == 2:
            yield "end", path, None, None, None
            path.pop()
        elif tok == 3:
            ln, nameoff = struct.unpack(">II", blob[pos:pos + 8])
            pos += 8
            nend = blob.index(b"\0", off_strings + nameoff)
            name = blob[off_strings + nameoff:nend].decode()
            yield "prop", path, name, pos, ln
            pos = (pos + ln + 3) & ~3
        elif tok == 9:
            return
        elif tok != 4:
            die("bad FDT token %d" % tok)


def fdt_props(blob):
    """(path, name, offset of the value, length) of every property."""
    for kind, path, name, pos, ln in fdt_tokens(blob):
        if kind == "prop":
            yield path, name, pos, ln


def fdt_nodes(blob):
    """("/a/b", {property name: value bytes}) of every node, as it ends."""
    stack = []
    for kind, path, name, pos, ln in fdt_tokens(blob):
        if kind == "node":
            stack.append({})
        elif kind == "prop":
            stack[-1][name] = blob[pos:pos + ln]
        else:
            yield "/" + "/".join(path[1:]), stack.pop()


def machine_write(d, phys, data):
    with open(machine_image(d), "r+b") as f:
        f.seek(machine_offset(d, phys))
        f.write(data)


def subtree_data(d, subtree):
    """Physical address of the pending handover's SUBTREE preserved-data
    property, and of its value."""
    with open(os.path.join(d, "handover"), "rb") as f:
        fdt_addr, fdt_size, _, _ = struct.unpack(NATIVE + "QQQQ", f.read(32))
    blob = machine_read(d, fdt_addr, fdt_size)
    for path, name, pos, _ in fdt_props(blob):
        if name == "preserved-data" and path[1:] == [subtree]:
            return fdt_addr + pos, struct.unpack(NATIVE + "Q",
                                                 blob[pos:pos + 8])[0]
    die("no subtree %s with preserved-data in %s" % (subtree, d))


def add_u64(d, phys, delta):
    """Add delta to the native u64 at phys in the machine's image, modulo
    2^64; print the new value."""
    old = struct.unpack(NATIVE + "Q", machine_read(d, phys, 8))[0]
    new = (old + delta) % (1 << 64)
    machine_write(d, phys, struct.pack(NATIVE + "Q", new))
    print("%#x" % new)


def cmd_handover(args):
    d = args[0]
    rec = os.path.join(d, "handover") if os.path.isdir(d) else d
    for spec in args[1:]:
        field, value = spec.split("=", 1)
        what = field.split(":")
        with open(rec, "rb") as f:
            kd = struct.unpack(NATIVE + "4Q", f.read(32))
        if what[0] == "record":
            target, at = rec, 8 * int(what[1])
        elif what[0] == "area" and rec != d:
            pa = kd[2] + 16 * int(what[1]) + (8 if what[2] == "size" else 0)
            target, at = machine_image(d), machine_offset(d, pa)
        else:
            die("handover: no field %s in %s" % (field, d))
        with open(target, "r+b") as f:
            f.seek(at)
            old = struct.unpack(NATIVE + "Q", f.read(8))[0]
            new = old + int(value, 0) if value[0] in "+-" else int(value, 0)
            f.seek(at)
            f.write(struct.pack(NATIVE + "Q", new % (1 << 64)))
    with open(rec, "rb") as f:
        kd = struct.unpack(NATIVE + "4Q", f.read(32))
    print("%#x %d %#x %d" % kd)


def cmd_blob_move(args):
    d, subtree, delta = args[0], args[1], int(args[2], 0)
    at, _ = subtree_data(d, subtree)
    add_u64(d, at, delta)


def cmd_blob_size(args):
    """Set the pending handover's SUBTREE blob-size to VALUE."""
    d, subtree, value = args[0], args[1], int(args[2], 0)
    with open(os.path.join(d, "handover"), "rb") as f:
        fdt_addr, fdt_size, _, _ = struct.unpack(NATIVE + "QQQQ", f.read(32))
    blob = machine_read(d, fdt_addr, fdt_size)
    for path, name, pos, ln in fdt_props(blob):
        if name == "blob-size" and path[1:] == [subtree] and ln == 8:
            machine_write(d, fdt_addr + pos,
                          struct.pack(NATIVE + "Q", value % (1 << 64)))
            return
    die("no 8-byte blob-size in subtree %s of %s" % (subtree, d))


def cmd_prop_len(args):
    """Set the length of the pending handover's SUBTREE property PROP, an
    8-byte one, to LEN (5 to 8: the value keeps its 8 aligned bytes, so
    the FDT stays sound and only the property is broken)."""
    d, subtree, prop, ln = args[0], args[1], args[2], int(args[3], 0)
    if not 5 <= ln <= 8:
        die("prop-len: LEN must be 5 to 8, not %d" % ln)
    with open(os.path.join(d, "handover"), "rb") as f:
        fdt_addr, fdt_size, _, _ = struct.unpack(NATIVE + "QQQQ", f.read(32))
    blob = machine_read(d, fdt_addr, fdt_size)
    for path, name, pos, old in fdt_props(blob):
        if name == prop and path[1:] == [subtree] and old == 8:
            # FDT_PROP, then len and nameoff, big-endian, before the value.
            machine_write(d, fdt_addr + pos - 8, struct.pack(">I", ln))
            return
    die("no 8-byte %s in subtree %s of %s" % (prop, subtree, d))


def cmd_luo_flb(args):
    """Append an FLB entry (luo_flb_ser: name[48], data, count) to the
    pending handover's LUO FLB region (header {pgcnt, count})."""
    d, name, data, count = args[0], args[1], int(args[2], 0), int(args[3], 0)
    _, luo = subtree_data(d, "LUO")
    flbs_pa = struct.unpack(NATIVE + "Q", machine_read(d, luo + 24, 8))[0]
    if not flbs_pa:
        die("the LUO blob at %#x has no FLB region" % luo)
    pgcnt, n = struct.unpack(NATIVE + "QQ", machine_read(d, flbs_pa, 16))
    machine_write(d, flbs_pa + 16 + n * 64,
                  struct.pack(NATIVE + "48sQQ", name.encode(), data, count))
    machine_write(d, flbs_pa + 8, struct.pack(NATIVE + "Q", n + 1))


def cmd_luo_many(args):
    """Write LUO block chains (docs/abi.md, KHO serialization blocks and
    LUO luo-v5) of many sessions, files and FLBs, and point the LUO blob
    (struct luo_ser: compatible[8], liveupdate_num, sessions_pa, flbs_pa)
    at them."""
    d, at, size = args[0], int(args[1], 0), int(args[2], 0)
    nr_sessions, nr_flbs = int(args[3], 0), int(args[5], 0)
    files = [int(x, 0) for x in args[4].split(",")]
    _, page = machine_ranges(d)
    if at % page:
        die("luo-many: %#x is not page-aligned" % at)
    pages = []

    def alloc():
        if (len(pages) + 1) * page > size:
            die("luo-many: %d bytes at %#x are too few" % (size, at))
        pages.append(at + len(pages) * page)
        return pages[-1]

    def chain(entries, entry_size):
        """A block chain of the packed entries: its head, or 0."""
        per = (page - 16) // entry_size
        blocks = [entries[i:i + per] for i in range(0, len(entries), per)]
        phys = [alloc() for _ in blocks]
        for i, b in enumerate(blocks):
            nxt = phys[i + 1] if i + 1 < len(blocks) else 0
            machine_write(d, phys[i], struct.pack(NATIVE + "QQ", nxt, len(b))
                          + b"".join(b))
        return phys[0] if phys else 0

    sessions = []
    for i in range(nr_sessions):
        n = files[min(i, len(files) - 1)]
        head = chain([struct.pack(NATIVE + "48sQQ",
                                  ("f%d-%d" % (i, j)).encode(), 0,
                                  i << 32 | j) for j in range(n)], 64)
        sessions.append(struct.pack(NATIVE + "64sQQ",
                                    ("s%05d" % i).encode(), head, n))
    sessions_pa = chain(sessions, 80)
    region = struct.pack(NATIVE + "Q", nr_flbs) + b"".join(
        struct.pack(NATIVE + "48sQQ", ("flb%05d" % k).encode(), k, 1)
        for k in range(nr_flbs))
    pgcnt = (8 + len(region) + page - 1) // page
    flbs_pa = alloc()
    for _ in range(pgcnt - 1):
        alloc()
    machine_write(d, flbs_pa, struct.pack(NATIVE + "Q", pgcnt) + region)
    _, luo = subtree_data(d, "LUO")
    machine_write(d, luo + 16, struct.pack(NATIVE + "QQ", sessions_pa,
                                           flbs_pa))
    print(len(pages))


def cmd_flip(args):
    d, phys = args[0], int(args[1], 0)
    n = int(args[2], 0) if len(args) > 2 else 1
    machine_write(d, phys, bytes(b ^ 0xff for b in machine_read(d, phys, n)))


def cmd_blob_prop(args):
    d, subtree, prop, delta = args[0], args[1], args[2], int(args[3], 0)
    _, blob_phys = subtree_data(d, subtree)
    head = machine_read(d, blob_phys, 8)
    blob = machine_read(d, blob_phys, struct.unpack(">I", head[4:8])[0])
    for _, name, pos, ln in fdt_props(blob):
        if name == prop and ln == 8:
            add_u64(d, blob_phys + pos, delta)
            return
    die("no 8-byte property %s in subtree %s of %s" % (prop, subtree, d))


def cmd_blob_rename(args):
    d, subtree, prop, new = args
    if len(new) != len(prop):
        die("blob-rename: %s and %s differ in length" % (prop, new))
    _, blob_phys = subtree_data(d, subtree)
    head = machine_read(d, blob_phys, 8)
    blob = machine_read(d, blob_phys, struct.unpack(">I", head[4:8])[0])
    off_strings = struct.unpack(">I", blob[12:16])[0]
    try:
        at = blob.index(prop.encode() + b"\0", off_strings)
    except ValueError:
        die("no property name %s in subtree %s of %s" % (prop, subtree, d))
    with open(machine_image(d), "r+b") as f:
        f.seek(machine_offset(d, blob_phys + at))
        f.write(new.encode())


# ---- FDT writer ----------------------------------------------------------------

class Fdt:
    """A flattened device tree, written as libfdt's sequential writer does."""

    def __init__(self):
        self.struct = b""
        self.strings = b""
        self.names = {}

    def _pad(self):
        self.struct += b"\0" * (-len(self.struct) % 4)

    def begin(self, name):
        self.struct += struct.pack(">I", 1) + name.encode() + b"\0"
        self._pad()

    def end(self):
        self.struct += struct.pack(">I", 2)

    def prop(self, name, value):
        if name not in self.names:
            self.names[name] = len(self.strings)
            self.strings += name.encode() + b"\0"
        self.struct += struct.pack(">III", 3, len(value), self.names[name])
        self.struct += value
        self._pad()

    def prop_str(self, name, s):
        self.prop(name, s.encode() + b"\0")

    def prop_u64(self, name, v):
        self.prop(name, struct.pack(NATIVE + "Q", v))

    def blob(self):
        body = self.struct + struct.pack(">I", 9)
        rsv = b"\0" * 16
        off_rsv = 40
        off_struct = off_rsv + len(rsv)
        off_strings = off_struct + len(body)
        total = off_strings + len(self.strings)
        hdr = struct.pack(">10I", 0xd00dfeed, total, off_struct, off_strings,
                          off_rsv, 17, 16, 0, len(self.strings), len(body))
        return hdr + rsv + body + self.strings


def fdt_parse(blob):
    """[(depth, kind, name, value)] of an FDT: kind is node, prop or end;
    a node and its end at the depth of its parent's properties."""
    out = []
    for kind, path, name, pos, ln in fdt_tokens(blob):
        if kind == "prop":
            out.append((len(path), kind, name, blob[pos:pos + ln]))
        else:
            out.append((len(path) - 1, kind, name, None))
    return out


def cmd_fdt_add_blob_size(args):
    """Copy a root FDT, giving every subtree a blob-size property as newer
    kernels write it (the value: SIZE)."""
    src, out, size = args[0], args[1], int(args[2], 0)
    t = Fdt()
    for depth, kind, name, value in fdt_parse(open(src, "rb").read()):
        if kind == "node":
            t.begin(name)
            if depth == 1:
                t.prop_u64("blob-size", size)
        elif kind == "prop":
            if not (depth == 2 and name == "blob-size"):
                t.prop(name, value)
        else:
            t.end()
    with open(out, "wb") as f:
        f.write(t.blob())


def cmd_fdt_clone_child(args):
    """Copy a root FDT, adding copies of its child CHILD at the end."""
    src, out, child, name = args[:4]
    names = ([name] if len(args) < 5 else
             ["%s%d" % (name, i) for i in range(int(args[4], 0))])
    toks = fdt_parse(open(src, "rb").read())
    body, inside = [], False
    for depth, kind, nm, value in toks:
        if kind == "node" and depth == 1 and nm == child:
            inside = True
        elif inside and kind == "end" and depth == 1:
            inside = False
        elif inside:
            body.append((kind, nm, value))
    if not body and not any(d == 1 and n == child for d, k, n, _ in toks):
        die("fdt-clone-child: no child %s in %s" % (child, src))
    t = Fdt()
    for depth, kind, nm, value in toks:
        if kind == "end" and depth == 0:
            for n in names:
                t.begin(n)
                for k, bn, bv in body:
                    if k == "node":
                        t.begin(bn)
                    elif k == "prop":
                        t.prop(bn, bv)
                    else:
                        t.end()
                t.end()
        if kind == "node":
            t.begin(nm)
        elif kind == "prop":
            t.prop(nm, value)
        else:
            t.end()
    with open(out, "wb") as f:
        f.write(t.blob())


def cmd_v4_full(args):
    """A kho-v4 tree of order-0 blocks covering a whole sparse image: the
    key of a page is (1 << 52) | pfn, 9 bits per level from bit 51 down
    to the leaves' 15 (docs/abi.md)."""
    img, fdt, gib = args[0], args[1], int(args[2], 0)
    page = 4096
    nodes, leaves, nxt = {}, {}, [0x100000]

    def alloc():
        a = nxt[0]
        nxt[0] += page
        return a
    root = alloc()
    nodes[root] = [0] * 512

    def leaf(key):
        t = root
        for sh in (51, 42, 33, 24):
            i = (key >> sh) & 511
            if not nodes[t][i]:
                n = alloc()
                nodes[n] = [0] * 512
                nodes[t][i] = n
            t = nodes[t][i]
        i = (key >> 15) & 511
        if not nodes[t][i]:
            n = alloc()
            nodes[t][i] = n
            leaves[n] = bytearray(b"\xff" * page)
        return nodes[t][i]
    for pfn in range(0, (gib << 30) // page, page * 8):
        leaf((1 << 52) | pfn)
    first = leaves[leaf(1 << 52)]
    for pfn in range((nxt[0] >> 12) + 256):
        first[pfn >> 3] &= ~(1 << (pfn & 7)) & 0xff
    with open(img, "wb") as f:
        f.truncate(gib << 30)
        for a, t in nodes.items():
            f.seek(a)
            f.write(struct.pack(NATIVE + "512Q", *t))
        for a, b in leaves.items():
            f.seek(a)
            f.write(bytes(b))
    t = Fdt()
    t.begin("")
    t.prop_str("compatible", "kho-v4")
    t.prop_u64("preserved-memory-map", root)
    t.end()
    with open(fdt, "wb") as f:
        f.write(t.blob())


def cmd_ram_replace(args):
    import codecs
    d = args[0]
    old, new = (codecs.escape_decode(a.encode())[0] for a in args[1:3])
    with open(machine_image(d), "r+b") as f:
        data = f.read()
        at = data.find(old)
        if at < 0:
            die("ram-replace: %r is not in %s" % (old, machine_image(d)))
        f.seek(at)
        f.write(new)


def cmd_dtb(args):
    out, compatible = args
    t = Fdt()
    t.begin("")
    t.prop_str("compatible", compatible)
    t.prop_u64("preserved-memory-map", 0x100000)
    t.end()
    with open(out, "wb") as f:
        f.write(t.blob())


# ---- kho-v1 -------------------------------------------------------------------------

def v1_blocks(page):
    """Blocks to preserve: (phys, order), all inside [V1_BASE, + V1_SIZE)."""
    mib = 1 << 20
    b = []
    for i in range(40):                     # order 0, with gaps
        if i % 7 != 3:
            b.append((V1_BASE + 2 * mib + i * page, 0))
    for i in range(5):                      # order 0 in the second 16 MiB
        b.append((V1_BASE + 20 * mib + i * page * 3, 0))
    b.append((V1_BASE + 3 * mib, 2))        # order 2
    b.append((V1_BASE + 3 * mib + 8 * page, 2))
    for off in (8, 10, 40):                 # order 9 (2 MiB with 4 KiB pages)
        size = page << 9
        b.append((V1_BASE + (off * mib // size) * size, 9))
    b.append((V1_BASE + 48 * mib, 0))       # the memblock sub-FDT's page
    return sorted(set(b))


def cmd_v1(args):
    outdir = args[0]
    bitmap, aligned, loop, page, flood = None, False, False, 4096, 0
    i = 1
    while i < len(args):
        if args[i] == "--bitmap":
            bitmap = args[i + 1]; i += 2
        elif args[i] == "--aligned":
            aligned = True; i += 1
        elif args[i] == "--loop":
            loop = True; i += 1
        elif args[i] == "--flood":
            flood = int(args[i + 1]); i += 2
        elif args[i] == "--page-size":
            page = int(args[i + 1], 0); i += 2
        else:
            die("v1: unknown option " + args[i])
    shift = page.bit_length() - 1
    bm_bytes = 512 if bitmap == "512" else page
    bits = bm_bytes * 8
    blocks = v1_blocks(page)
    os.makedirs(outdir, exist_ok=True)
    mem = bytearray()                       # written piecewise below
    writes = []                             # (phys, bytes)

    # Per order, per bitmap index: the kernel's xarray of bitmaps.
    per_order = {}
    for phys, order in blocks:
        n = phys >> (order + shift)
        per_order.setdefault(order, {}).setdefault(n // bits, set()).add(n % bits)

    meta = V1_BASE + (1 << 20)              # chunks, then bitmaps
    chunk_next = meta
    bm_next = meta + 16 * page
    elems_per_chunk = (page - 16) // 16
    chunks = []                             # [phys, order, [(start, bitmap)]]
    for order in sorted(per_order):
        for idx in sorted(per_order[order]):
            bm = bytearray(bm_bytes)
            for bit in per_order[order][idx]:
                bm[bit // 8] |= 1 << (bit % 8)
            if bm_bytes == 512 and not aligned:
                # kmalloc-512: 512-byte aligned, rarely page-aligned.
                if bm_next % page == 0:
                    bm_next += 512
            elif bm_next % page:
                bm_next = (bm_next + page - 1) & ~(page - 1)
            bm_phys = bm_next
            bm_next += bm_bytes
            writes.append((bm_phys, bytes(bm)))
            start = (idx * bits) << (order + shift)
            if not chunks or chunks[-1][1] != order or \
                    len(chunks[-1][2]) == elems_per_chunk:
                chunks.append([chunk_next, order, []])
                chunk_next += page
            chunks[-1][2].append((start, bm_phys))
    # --flood: empty bitmaps by the thousand, as no kernel writes them.
    if flood:
        empty = bm_next
        writes.append((empty, bytes(bm_bytes)))
        chunk_next = V1_BASE + 56 * (1 << 20)    # room for many chunks
        for k in range(flood):
            if chunks[-1][1] != 0 or len(chunks[-1][2]) == elems_per_chunk:
                chunks.append([chunk_next, 0, []])
                chunk_next += page
            chunks[-1][2].append(((k * bits) << shift, empty))
    for n, (phys, order, elms) in enumerate(chunks):
        nxt = chunks[n + 1][0] if n + 1 < len(chunks) else 0
        if loop and n + 1 == len(chunks):
            nxt = chunks[0][0]
        body = struct.pack(NATIVE + "QII", nxt, order, len(elms))
        for start, bm_phys in elms:
            body += struct.pack(NATIVE + "QQ", start, bm_phys)
        writes.append((phys, body))

    # A memblock sub-FDT, itself preserved (last order-0 block).
    sub = Fdt()
    sub.begin("")
    sub.prop_str("compatible", "memblock-v1")
    sub.begin("trace")
    sub.prop_str("compatible", "reserve-mem-v1")
    sub.prop_u64("start", V1_BASE + 32 * (1 << 20))
    sub.prop_u64("size", 1 << 20)
    sub.end()
    sub.end()
    sub_phys = V1_BASE + 48 * (1 << 20)
    writes.append((sub_phys, sub.blob()))

    with open(os.path.join(outdir, "mem.img"), "wb") as f:
        f.truncate(V1_SIZE)
        for phys, data in writes:
            f.seek(phys - V1_BASE)
            f.write(data)
    root = Fdt()
    root.begin("")
    root.prop_str("compatible", "kho-v1")
    root.prop_u64("preserved-memory-map", chunks[0][0])
    root.begin("memblock")
    root.prop_u64("fdt", sub_phys)
    root.end()
    root.end()
    with open(os.path.join(outdir, "fdt.dtb"), "wb") as f:
        f.write(root.blob())
    with open(os.path.join(outdir, "expected"), "w") as f:
        for phys, order in blocks:
            f.write("block %#x order %d\n" % (phys, order))
    print("%#x" % V1_BASE)


# ---- checks ------------------------------------------------------------------------

def png_pixels(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        die("%s is not a PNG" % path)
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    if depth != 8 or ctype not in (2, 6):
        die("%s: only 8-bit RGB(A) PNGs are checked" % path)
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    p = 0
    for _ in range(h):
        ft = raw[p]
        line = bytearray(raw[p + 1:p + 1 + stride])
        p += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def cmd_png_check(args):
    w, h, bpp, rows = png_pixels(args[0])
    colours = set()
    s = s2 = n = 0
    for r in rows[::2]:
        for x in range(0, w * bpp, bpp * 2):
            px = r[x:x + 3]
            colours.add(bytes(px))
            v = sum(px) / 3
            s += v
            s2 += v * v
            n += 1
    var = s2 / n - (s / n) ** 2
    print("%dx%d, %d colours, variance %.1f" % (w, h, len(colours), var))
    if len(colours) < 6 or var < 50:
        die("%s looks blank" % args[0])


def mini_validate(schema, doc, path="$", root=None):
    """The subset of JSON Schema docs/inspect-schema.json uses."""
    root = root or schema
    if "$ref" in schema:
        ref = schema["$ref"]
        node = root
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        return mini_validate(node, doc, path, root)
    if "anyOf" in schema:
        errs = [mini_validate(s, doc, path, root) for s in schema["anyOf"]]
        if all(errs):
            return errs[0]
        return None
    t = schema.get("type")
    types = t if isinstance(t, list) else [t] if t else []
    ok = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    if types and not any(ok[x](doc) for x in types):
        return "%s: %r is not %s" % (path, doc, "/".join(types))
    if "enum" in schema and doc not in schema["enum"]:
        return "%s: %r not in %r" % (path, doc, schema["enum"])
    if "minimum" in schema and isinstance(doc, (int, float)) and \
            doc < schema["minimum"]:
        return "%s: %r below %r" % (path, doc, schema["minimum"])
    if isinstance(doc, dict):
        for k in schema.get("required", []):
            if k not in doc:
                return "%s: missing %s" % (path, k)
        props = schema.get("properties", {})
        for k, v in doc.items():
            if k in props:
                e = mini_validate(props[k], v, path + "." + k, root)
                if e:
                    return e
            elif "patternProperties" in schema:
                import re
                for pat, sub in schema["patternProperties"].items():
                    if re.search(pat, k):
                        e = mini_validate(sub, v, path + "." + k, root)
                        if e:
                            return e
                        break
                else:
                    if schema.get("additionalProperties") is False:
                        return "%s: unexpected key %s" % (path, k)
            elif schema.get("additionalProperties") is False:
                return "%s: unexpected key %s" % (path, k)
    if isinstance(doc, list):
        if "minItems" in schema and len(doc) < schema["minItems"]:
            return "%s: fewer than %d items" % (path, schema["minItems"])
        if "maxItems" in schema and len(doc) > schema["maxItems"]:
            return "%s: more than %d items" % (path, schema["maxItems"])
        if "items" in schema:
            for n, v in enumerate(doc):
                e = mini_validate(schema["items"], v, "%s[%d]" % (path, n), root)
                if e:
                    return e
    return None


def cmd_schema_check(args):
    with open(args[0]) as f:
        schema = json.load(f)
    with open(args[1]) as f:
        doc = json.load(f)
    try:
        import jsonschema
    except ImportError:
        jsonschema = None
    if jsonschema:
        try:
            jsonschema.validate(doc, schema)
        except jsonschema.ValidationError as e:
            die("%s does not match %s: %s at %s" %
                (args[1], args[0], e.message, list(e.absolute_path)))
    err = mini_validate(schema, doc)
    if err:
        die("%s does not match %s: %s" % (args[1], args[0], err))


def main():
    cmds = {
        "elfcore": cmd_elfcore,
        "fdt-from-machine": cmd_fdt_from_machine,
        "handover": cmd_handover,
        "blob-move": cmd_blob_move,
        "blob-size": cmd_blob_size,
        "prop-len": cmd_prop_len,
        "luo-flb": cmd_luo_flb,
        "luo-many": cmd_luo_many,
        "blob-prop": cmd_blob_prop,
        "blob-rename": cmd_blob_rename,
        "dtb": cmd_dtb,
        "fdt-add-blob-size": cmd_fdt_add_blob_size,
        "fdt-clone-child": cmd_fdt_clone_child,
        "flip": cmd_flip,
        "ram-replace": cmd_ram_replace,
        "v4-full": cmd_v4_full,
        "v1": cmd_v1,
        "png-check": cmd_png_check,
        "schema-check": cmd_schema_check,
    }
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        die("usage: kho_testdata.py " + "|".join(cmds) + " ...")
    cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
