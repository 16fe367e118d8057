#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Does `kho inspect --json` agree with what the real kernel said?

Usage: agree.py MACHINE_DIR INSPECT_JSON [INDEPENDENT_JSON]

MACHINE_DIR is a capture (tests/kernel/capture.py): expected.txt and
kernel-view.txt hold kernel A's own view, printed by kinit from debugfs
kho/out and from the regions and memfd it preserved. Checked:
  - the root FDT address is the one kernel A handed over;
  - the scratch areas are exactly debugfs kho/out/scratch_phys, scratch_len;
  - every subtree kernel A listed in debugfs kho/out/sub_fdts is listed;
  - every reserve_mem region lies inside the preserved ranges;
  - the memfd kernel A preserved is decoded with the seals kernel A's
    F_GET_SEALS gave, and with the seals Linux 7.3.4 gives back
    (`seals_retrieved`: F_SEAL_EXEC brings the write seals);
  - with --blocks BLOCKS_JSON (handover.py blocks: the radix tree walked
    from the kernel's ABI header) and INSPECT_JSON from `kho inspect --json
    --blocks`: the same blocks, (address, order), in the same order;
  - with INDEPENDENT_JSON (tests/tools' Python reader, run on the same
    capture): the same blocks per order, blocks, preserved bytes and number
    of coalesced ranges.
One line per check, "agree: ok ..." or "agree: MISMATCH ..."; exit 1 on any
mismatch.
"""
import json
import sys

from handover import seals_retrieved


def main():
    args = sys.argv[1:]
    blocks_file = None
    if "--blocks" in args:
        i = args.index("--blocks")
        blocks_file = args[i + 1]
        del args[i:i + 2]
    if len(args) not in (2, 3):
        sys.stderr.write("usage: agree.py MACHINE_DIR INSPECT_JSON [INDEPENDENT_JSON] [--blocks BLOCKS_JSON]\n")
        sys.exit(2)
    sys.argv[1:] = args
    mdir, ijson = sys.argv[1], sys.argv[2]
    with open(ijson) as f:
        got = json.load(f)
    expected = [l.split() for l in open(mdir + "/expected.txt") if l.strip()]
    view = [l.split() for l in open(mdir + "/kernel-view.txt") if l.strip()]
    bad = 0

    def check(ok, what):
        nonlocal bad
        print("agree: %s %s" % ("ok" if ok else "MISMATCH", what))
        if not ok:
            bad += 1

    fdt = [int(e[1], 0) for e in expected if e[0] == "fdt"][0]
    got_fdt = got.get("fdt", {}).get("addr")
    check(got_fdt == fdt, "root FDT at %#x (inspect: %s)"
          % (fdt, hex(got_fdt) if isinstance(got_fdt, int) else got_fdt))

    want_scratch = sorted((int(e[1], 0), int(e[2], 0))
                          for e in expected if e[0] == "scratch")
    got_scratch = sorted((s["addr"], s["size"]) for s in got.get("scratch", []))
    check(want_scratch == got_scratch,
          "scratch areas %s (inspect: %s)"
          % (["%#x+%#x" % s for s in want_scratch],
             ["%#x+%#x" % s for s in got_scratch]))

    want_sub = sorted(set(w[1][4:] for w in view
                          if w[0] == "blob" and w[1].startswith("sub/")))
    got_sub = sorted(s.get("name") for s in got.get("subtrees", []))
    check(set(want_sub) <= set(got_sub),
          "subtrees %s listed (inspect: %s)" % (want_sub, got_sub))

    ranges = got.get("ranges", [])
    ranges = [tuple(r) for r in ranges] if isinstance(ranges, list) else []

    def covered(start, end):
        for a, b in ranges:
            if a <= start and end <= b:
                return True
        return False

    for e in expected:
        if e[0] != "reserve_mem":
            continue
        start, size = int(e[2], 0), int(e[3], 0)
        check(covered(start, start + size),
              "reserve_mem %s %#x+%#x is preserved" % (e[1], start, size))

    files = [f.get("memfd") or {}
             for s in got.get("subtrees", []) if s.get("name") == "LUO"
             for ses in (s.get("decoded") or {}).get("sessions", [])
             for f in ses.get("files", [])]
    for e in expected:
        if e[0] != "memfd" or len(e) < 4 or e[3] == "-":
            continue
        seals = int(e[3], 0)
        back = seals_retrieved(seals)
        check(any(f.get("size") == int(e[1]) and f.get("seals") == seals
                  and f.get("seals_retrieved") == back for f in files),
              "memfd of %s bytes with seals %#x (back as %#x) (inspect: %s)"
              % (e[1], seals, back,
                 [(f.get("size"), f.get("seals"), f.get("seals_retrieved"))
                  for f in files]))

    if len(sys.argv) == 4:
        with open(sys.argv[3]) as f:
            ind = json.load(f)
        for key in ("blocks_per_order", "blocks", "preserved_bytes"):
            check(got.get(key) == ind.get(key),
                  "%s %s, the independent reader's %s"
                  % (key, got.get(key), ind.get(key)))
        nr = ind.get("ranges")
        nr = len(nr) if isinstance(nr, list) else nr
        check(len(ranges) == nr,
              "%d coalesced ranges, the independent reader's %s" % (len(ranges), nr))
    if blocks_file:
        with open(blocks_file) as f:
            want = [tuple(b) for b in json.load(f)]
        mine = [tuple(b) for b in got.get("block_list", [])]
        first = next((i for i, (a, b) in enumerate(zip(mine, want)) if a != b),
                     min(len(mine), len(want)))
        check(mine == want,
              "block for block: %d blocks listed, %d in the tree walked from the kernel's ABI header%s"
              % (len(mine), len(want), "" if mine == want else
                 " (first difference at #%d)" % first))
    print("agree: %d mismatch%s" % (bad, "" if bad == 1 else "es"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
