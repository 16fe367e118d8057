#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""An independent reader of a kho-v2 handover on a libkho simulated machine.

Written only from the design note abi.md (the kho-v2 formats) and the
devicetree specification (the flattened FDT format), in plain Python with the
standard library, so that it shares no code and no assumptions with lib/: when
the C library and this reader agree, the agreement means something.

Usage:
    kho_v2_reader.py DIR            check the pending handover, print a summary
    kho_v2_reader.py DIR --json     the same summary as one JSON object
    kho_v2_reader.py DIR --offset PHYS
                                    print the ram.img offset of PHYS (helper)

A machine directory holds machine.conf (page_size, ram lines), ram.img (the
RAM ranges back to back, a sparse file) and handover (the 32-byte native
struct kho_data { u64 fdt_addr, fdt_size, scratch_addr, scratch_size; }).

Exit status: 0 when the handover is accepted; 1 when it is refused (one
sentence on standard error); 2 for a usage error.
"""

import bisect
import json
import os
import struct
import sys

# struct formats in the CPU's native byte order with standard sizes: KHO's
# u64 values (properties, tree entries, kho_data, scratch) are native-endian.
U64 = "=Q"
U64_MAX = (1 << 64) - 1

# Devicetree flattened format (DTSpec): big-endian header and tokens.
FDT_MAGIC = 0xD00DFEED
FDT_BEGIN_NODE = 1
FDT_END_NODE = 2
FDT_PROP = 3
FDT_NOP = 4
FDT_END = 9
FDT_HEADER = ">10I"          # magic .. size_dt_struct (version 17 header)
FDT_HEADER_SIZE = struct.calcsize(FDT_HEADER)


class Refused(Exception):
    """The handover breaks a rule: the message is the one-sentence reason."""


# --- the machine: machine.conf and lazy access to ram.img -----------------

class Machine:
    """RAM ranges of a simulated machine and page-wise reads of ram.img."""

    def __init__(self, directory):
        self.dir = directory
        self.page_size = None
        self.ranges = []        # (base, size, offset in ram.img), ascending
        self._parse_conf(os.path.join(directory, "machine.conf"))
        self.page_shift = self.page_size.bit_length() - 1
        self._starts = [r[0] for r in self.ranges]
        path = os.path.join(directory, "ram.img")
        try:
            self.img = open(path, "rb")
        except OSError as e:
            raise Refused(f"cannot open {path}: {e.strerror}") from None
        need = sum(r[1] for r in self.ranges)
        have = os.fstat(self.img.fileno()).st_size
        if have < need:
            raise Refused(f"{path} holds {have} bytes but the RAM ranges "
                          f"need {need}")

    def _parse_conf(self, path):
        try:
            with open(path, encoding="ascii") as f:
                lines = f.readlines()
        except (OSError, UnicodeDecodeError) as e:
            raise Refused(f"cannot read {path}: {e}") from None
        offset = 0
        for n, line in enumerate(lines, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            key, sep, value = (s.strip() for s in line.partition("="))
            if not sep:
                raise Refused(f"{path} line {n} is not 'key = value'")
            try:
                if key == "page_size":
                    self.page_size = int(value, 0)
                elif key == "ram":
                    # "BASE SIZE node=N", BASE and SIZE hexadecimal
                    words = value.split()
                    base, size = int(words[0], 16), int(words[1], 16)
                    if size == 0 or base + size > U64_MAX + 1:
                        raise ValueError("bad range")
                    if self.ranges and base < sum(self.ranges[-1][:2]):
                        raise ValueError("not ascending")
                    self.ranges.append((base, size, offset))
                    offset += size
                # other settings (kho_scratch, ...) do not concern a reader
            except (ValueError, IndexError):
                raise Refused(f"{path} line {n} is malformed: {line}") from None
        if self.page_size not in (4096, 16384, 65536):
            raise Refused(f"{path} has page_size {self.page_size}, "
                          "not 4096, 16384 or 65536")
        if not self.ranges:
            raise Refused(f"{path} has no ram line")

    def offset(self, phys, length=1):
        """ram.img offset of [phys, phys + length), or None when that span
        is not inside one RAM range."""
        i = bisect.bisect_right(self._starts, phys) - 1
        if i < 0 or length < 0:
            return None
        base, size, off = self.ranges[i]
        if phys + length > base + size:
            return None
        return off + (phys - base)

    def in_ram(self, phys, length):
        return self.offset(phys, length) is not None

    def read(self, phys, length, what):
        """Read length bytes at phys (seek + read: never the whole file)."""
        off = self.offset(phys, length)
        if off is None:
            raise Refused(f"{what} at {phys:#x} ({length} bytes) "
                          "is not inside RAM")
        self.img.seek(off)
        data = self.img.read(length)
        if len(data) != length:
            raise Refused(f"{what} at {phys:#x}: short read from ram.img")
        return data


# --- the flattened device tree -------------------------------------------

class Node:
    def __init__(self, name):
        self.name = name
        self.props = {}         # name -> bytes
        self.children = []


def parse_fdt(blob, where):
    """Parse an FDT blob into its root Node (DTSpec, chapter 5)."""
    if len(blob) < FDT_HEADER_SIZE:
        raise Refused(f"the root FDT at {where:#x} is shorter than its header")
    (magic, totalsize, off_struct, off_strings, _off_rsvmap, version,
     last_comp, _cpu, size_strings, size_struct) = struct.unpack_from(
        FDT_HEADER, blob)
    if magic != FDT_MAGIC:
        raise Refused(f"the root FDT at {where:#x} has magic {magic:#x}, "
                      f"not {FDT_MAGIC:#x}")
    if version < 17 or last_comp > 17:
        raise Refused(f"the root FDT at {where:#x} has version {version} "
                      f"(last compatible {last_comp}), not 17")
    if totalsize > len(blob) or totalsize < FDT_HEADER_SIZE:
        raise Refused(f"the root FDT at {where:#x} has totalsize {totalsize} "
                      f"but the handover gives it {len(blob)} bytes")
    if (off_struct + size_struct > totalsize or
            off_strings + size_strings > totalsize or off_struct % 4):
        raise Refused(f"the root FDT at {where:#x} has blocks outside "
                      "its totalsize")
    structs = blob[off_struct:off_struct + size_struct]
    strings = blob[off_strings:off_strings + size_strings]

    def bad(what, pos):
        return Refused(f"the root FDT at {where:#x} is malformed: {what} "
                       f"at structure offset {pos}")

    def cstring(buf, pos, what):
        end = buf.find(b"\0", pos)
        if pos >= len(buf) or end < 0:
            raise bad(f"unterminated {what}", pos)
        return buf[pos:end].decode("latin-1"), end + 1

    def align4(n):
        return (n + 3) & ~3

    pos = 0
    stack = []                  # open nodes, root first
    root = None
    while True:
        if pos + 4 > len(structs):
            raise bad("missing FDT_END", pos)
        (token,) = struct.unpack_from(">I", structs, pos)
        start, pos = pos, pos + 4
        if token == FDT_NOP:
            continue
        if token == FDT_BEGIN_NODE:
            name, pos = cstring(structs, pos, "node name")
            pos = align4(pos)
            node = Node(name)
            if stack:
                stack[-1].children.append(node)
            elif root is None:
                root = node
            else:
                raise bad("second root node", start)
            stack.append(node)
        elif token == FDT_PROP:
            if not stack or pos + 8 > len(structs):
                raise bad("property outside a node", start)
            length, nameoff = struct.unpack_from(">II", structs, pos)
            pos += 8
            if pos + length > len(structs):
                raise bad("property value past the structure block", start)
            name, _ = cstring(strings, nameoff, "property name")
            stack[-1].props[name] = structs[pos:pos + length]
            pos = align4(pos + length)
        elif token == FDT_END_NODE:
            if not stack:
                raise bad("FDT_END_NODE without a node", start)
            stack.pop()
        elif token == FDT_END:
            if stack or root is None:
                raise bad("FDT_END inside a node", start)
            return root
        else:
            raise bad(f"unknown token {token}", start)


# --- the radix tree -----------------------------------------------------

# Radix-tree versions: compatible -> (depth from the pfn bits only, blob-size)
VERSIONS = {
    b"kho-v2": (True, False),
    b"kho-v3": (False, True),
    b"kho-v4": (False, True),
}

class Geometry:
    """Constants of the tree for one page size (abi.md, "The radix tree")."""

    def __init__(self, page_shift, depth_from_order0=False):
        self.page_shift = page_shift
        self.page_size = 1 << page_shift
        self.order0_bit = 64 - page_shift
        self.key_width = self.order0_bit + 1          # pfn bits + order bit
        self.table_bits = page_shift - 3              # log2(PAGE_SIZE / 8)
        self.bitmap_bits = page_shift + 3             # PAGE_SIZE * 8 bits
        # kho-v2 as first merged counted the pfn bits only; kho-v3 on count
        # the order bit too (one level more on 16 KiB pages).
        counted = self.order0_bit if depth_from_order0 else self.key_width
        inner_bits = counted - self.bitmap_bits
        self.depth = -(-inner_bits // self.table_bits) + 1  # ceil, + leaves
        covered = self.bitmap_bits + (self.depth - 1) * self.table_bits
        self.key_width = min(self.key_width, covered)

    def shift(self, level):
        """Lowest key bit indexed by a node of this level (0 = leaf)."""
        if level == 0:
            return 0
        return (level - 1) * self.table_bits + self.bitmap_bits

    def decode(self, key):
        """(phys, order) of a key, or None when no block has this key."""
        top = key.bit_length() - 1
        if top < 0 or top > self.order0_bit:
            return None
        order = self.order0_bit - top
        phys = (key & ~(1 << top)) << (self.page_shift + order)
        return phys, order


def walk_tree(machine, geo, root):
    """Visit every node from the root down: returns (blocks, nodes) where
    blocks is a list of (phys, order) in ascending key order and nodes maps
    each node's address to its level. Refuses a node outside RAM, not
    page-aligned, reached twice, or a key that no block can have."""
    blocks = []
    nodes = {}
    page = geo.page_size
    entries = page // 8

    def visit(phys, level, prefix, parent):
        where = (f"tree node at {phys:#x} (level {level}"
                 + (f", linked from {parent})" if parent else ", the root)"))
        if phys % page:
            raise Refused(f"{where} is not page-aligned")
        if not machine.in_ram(phys, page):
            raise Refused(f"{where} is not inside RAM")
        if phys in nodes:
            raise Refused(f"{where} was already reached at level "
                          f"{nodes[phys]}: the tree is not a tree")
        nodes[phys] = level
        data = machine.read(phys, page, "tree node")
        words = struct.unpack(f"={entries}Q", data)
        if level > 0:
            # inner node: entry i is the address of a child, or 0
            for i, child in enumerate(words):
                if not child:
                    continue
                key = prefix | (i << geo.shift(level))
                if key >> geo.key_width:
                    raise Refused(f"{where} entry {i} leads to keys wider than "
                                  f"{geo.key_width} bits")
                visit(child, level - 1, key, f"{phys:#x} entry {i}")
            return
        # leaf: bit b (bit b % 64 of word b // 64) is the key prefix | b
        for w, word in enumerate(words):
            while word:
                low = word & -word
                bit = w * 64 + low.bit_length() - 1
                word ^= low
                key = prefix | bit
                block = geo.decode(key)
                if block is None:
                    raise Refused(f"leaf at {phys:#x} bit {bit} holds key "
                                  f"{key:#x}, which encodes no block")
                blocks.append(block)

    visit(root, geo.depth - 1, 0, None)
    return blocks, nodes


# --- intervals -------------------------------------------------------------

class Spans:
    """Sorted, disjoint [start, end) intervals with containment queries."""

    def __init__(self, spans):
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]

    def hit(self, start, end):
        """The first interval overlapping [start, end), or None."""
        i = bisect.bisect_right(self.starts, start) - 1
        for j in (i, i + 1):
            if 0 <= j < len(self.spans):
                s, e = self.spans[j]
                if s < end and start < e:
                    return s, e
        return None

    def covers(self, start, end):
        """True when one interval holds all of [start, end)."""
        i = bisect.bisect_right(self.starts, start) - 1
        return i >= 0 and self.spans[i][1] >= end


def coalesce(spans):
    """Merge touching or overlapping sorted intervals."""
    out = []
    for s, e in spans:
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [tuple(x) for x in out]


# --- the handover --------------------------------------------------------

def u64_prop(node, name):
    """The u64 value of an exactly-8-byte property, or None."""
    value = node.props.get(name)
    if value is None or len(value) != 8:
        return None
    return struct.unpack(U64, value)[0]


def read_handover(machine):
    """Check the whole handover; return the summary dict, or raise Refused."""
    path = os.path.join(machine.dir, "handover")
    try:
        with open(path, "rb") as f:
            record = f.read(33)
    except OSError as e:
        raise Refused(f"cannot read {path}: {e.strerror}") from None
    if len(record) != 32:
        raise Refused(f"{path} is {len(record)} bytes, not 32")
    fdt_addr, fdt_size, scratch_addr, scratch_size = struct.unpack(
        "=4Q", record)
    page = machine.page_size

    # Root FDT: one page of RAM, compatible "kho-v2", "kho-v3" or "kho-v4",
    # preserved-memory-map.
    if fdt_size == 0 or fdt_size > page:
        raise Refused(f"the root FDT size {fdt_size} is not 1..{page} bytes")
    fdt = parse_fdt(machine.read(fdt_addr, fdt_size, "the root FDT"),
                    fdt_addr)
    compat = fdt.props.get("compatible", b"").split(b"\0")
    version = next((v for v in VERSIONS if v in compat), None)
    if version is None:
        raise Refused(f"the root FDT at {fdt_addr:#x} is not compatible "
                      f"\"kho-v2\", \"kho-v3\" or \"kho-v4\" (compatible is "
                      f"{compat[0].decode('latin-1')!r})")
    depth_from_order0, sized = VERSIONS[version]
    geo = Geometry(machine.page_shift, depth_from_order0)
    mm = fdt.props.get("preserved-memory-map")
    if mm is None:
        raise Refused("the root FDT has no preserved-memory-map property")
    if len(mm) != 8:
        raise Refused(f"preserved-memory-map is {len(mm)} bytes, not 8")
    tree_root = struct.unpack(U64, mm)[0]
    if tree_root == 0:
        raise Refused("preserved-memory-map is 0")

    # Subtrees: child nodes of the root with an 8-byte preserved-data and,
    # from kho-v3 on, an 8-byte non-zero blob-size.
    subtrees, ignored = [], []
    for child in fdt.children:
        addr = u64_prop(child, "preserved-data")
        if addr is None:
            ignored.append(child.name)
            continue
        size = u64_prop(child, "blob-size") if sized else 1
        if not size:
            raise Refused(f"subtree {child.name!r} has no 8-byte non-zero "
                          "blob-size")
        subtrees.append((child.name, addr, size))

    # Scratch array: 16-byte (addr, size) entries in RAM.
    if scratch_size == 0 or scratch_size % 16:
        raise Refused(f"the scratch array size {scratch_size} is not a "
                      "non-zero multiple of 16")
    raw = machine.read(scratch_addr, scratch_size, "the scratch array")
    scratch = [struct.unpack_from("=2Q", raw, i)
               for i in range(0, scratch_size, 16)]
    for i, (addr, size) in enumerate(scratch):
        if addr + size > U64_MAX + 1:
            raise Refused(f"scratch area {i} at {addr:#x} ({size:#x} bytes) "
                          "wraps past the end of the address space")
    scratch_spans = Spans([(a, a + s) for a, s in scratch if s])
    for a, b in zip(scratch_spans.spans, scratch_spans.spans[1:]):
        if b[0] < a[1]:
            raise Refused(f"scratch areas [{a[0]:#x}, {a[1]:#x}) and "
                          f"[{b[0]:#x}, {b[1]:#x}) overlap")

    # The tree: every node in RAM, reached once; every key a block.
    blocks, nodes = walk_tree(machine, geo, tree_root)

    # Blocks: inside RAM, outside scratch, not overlapping one another.
    spans = []
    for phys, order in blocks:
        size = page << order
        name = f"block {phys:#x} order {order}"
        if not machine.in_ram(phys, size):
            raise Refused(f"{name} is not inside RAM")
        hit = scratch_spans.hit(phys, phys + size)
        if hit:
            raise Refused(f"{name} overlaps scratch area "
                          f"[{hit[0]:#x}, {hit[1]:#x})")
        spans.append((phys, phys + size))
    spans.sort()
    for a, b in zip(spans, spans[1:]):
        if b[0] < a[1]:
            raise Refused(f"preserved blocks [{a[0]:#x}, {a[1]:#x}) and "
                          f"[{b[0]:#x}, {b[1]:#x}) overlap")
    block_spans = Spans(spans)
    ranges = coalesce(spans)
    preserved = Spans(ranges)

    # Node pages: outside scratch and outside every preserved block (kernel B
    # reuses them once walked, so no block may share a page with a node).
    for phys, level in sorted(nodes.items()):
        for kind, where in (("scratch area", scratch_spans),
                            ("preserved block", block_spans)):
            hit = where.hit(phys, phys + page)
            if hit:
                raise Refused(f"tree node at {phys:#x} (level {level}) lies "
                              f"in {kind} [{hit[0]:#x}, {hit[1]:#x})")

    # What kernel B needs must be preserved or in RAM.
    fdt_page = fdt_addr - fdt_addr % page
    if not preserved.covers(fdt_page, fdt_addr + fdt_size):
        raise Refused(f"the root FDT page at {fdt_page:#x} is not preserved")
    for name, addr, size in subtrees:
        if not preserved.covers(addr, addr + size):
            raise Refused(f"subtree {name!r} blob at {addr:#x} ({size} bytes) "
                          "is not all preserved")

    per_order = {}
    for _, order in blocks:
        per_order[order] = per_order.get(order, 0) + 1
    per_level = [0] * geo.depth          # index = level, 0 = leaves
    for level in nodes.values():
        per_level[level] += 1
    return {
        "machine": machine.dir,
        "verdict": "accepted",
        "page_size": page,
        "depth": geo.depth,
        "fdt": {"addr": fdt_addr, "size": fdt_size},
        "tree_root": tree_root,
        "scratch_array": {"addr": scratch_addr, "size": scratch_size},
        "scratch": [{"addr": a, "size": s} for a, s in scratch],
        "format": version.decode(),
        "subtrees": [{"name": n, "phys": a, "size": s if sized else None}
                     for n, a, s in subtrees],
        "ignored_children": ignored,
        "blocks_per_order": {str(o): per_order[o] for o in sorted(per_order)},
        "blocks": len(blocks),
        "nodes_per_level": per_level,
        "nodes": len(nodes),
        "ranges": len(ranges),
        "preserved_bytes": sum(e - s for s, e in spans),
    }


def print_summary(s):
    print(f"{s['format']} handover in {s['machine']}: {s['verdict']}")
    print(f"page size {s['page_size']}, tree depth {s['depth']}, "
          f"tree root {s['tree_root']:#x}")
    print(f"root FDT {s['fdt']['addr']:#x} ({s['fdt']['size']} bytes), "
          f"scratch array {s['scratch_array']['addr']:#x} "
          f"({len(s['scratch'])} areas)")
    print(f"subtrees: {len(s['subtrees'])}")
    for t in s["subtrees"]:
        print(f"  {t['name']} {t['phys']:#x}")
    for name in s["ignored_children"]:
        print(f"  (child {name!r} has no 8-byte preserved-data: not a subtree)")
    print("blocks per order: " + " ".join(
        f"{o}:{n}" for o, n in s["blocks_per_order"].items()))
    print(f"blocks: {s['blocks']}")
    print("nodes per level: " + " ".join(
        f"L{lv}:{n}" for lv, n in reversed(list(enumerate(s['nodes_per_level'])))))
    print(f"nodes: {s['nodes']}")
    print(f"coalesced ranges: {s['ranges']}")
    print(f"preserved bytes: {s['preserved_bytes']}")


def main(argv):
    usage = ("usage: kho_v2_reader.py DIR [--json]\n"
             "       kho_v2_reader.py DIR --offset PHYS")
    if len(argv) < 2 or argv[1].startswith("-"):
        print(usage, file=sys.stderr)
        return 2
    rest = argv[2:]
    try:
        machine = Machine(argv[1])
        if rest[:1] == ["--offset"] and len(rest) == 2:
            phys = int(rest[1], 0)
            off = machine.offset(phys)
            if off is None:
                raise Refused(f"{phys:#x} is not inside RAM")
            print(off)
            return 0
        if rest not in ([], ["--json"]):
            print(usage, file=sys.stderr)
            return 2
        summary = read_handover(machine)
    except Refused as e:
        print(f"kho_v2_reader: refused: {e}.", file=sys.stderr)
        return 1
    except ValueError as e:
        print(f"kho_v2_reader: {e}", file=sys.stderr)
        return 2
    if rest == ["--json"]:
        print(json.dumps(summary, indent=1))
    else:
        print_summary(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
