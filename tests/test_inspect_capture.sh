#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# kho inspect reads a handover written by a real Linux 7.3.4 kernel (captured
# in QEMU by tests/kernel's case "capture", no byte patched) fully: every
# subtree decoded by the lib/ module kernel B restores with, and what it
# finds agrees with what the kernel said (expected.txt): the reserve_mem
# regions, the LUO session's memfd-v2 size, kho_test's checksum with the
# kernel's own csum_partial(), kexec-metadata. x86 hands over an empty
# scratch area: a warning, not a refusal. The same handover read as DIR and
# as --mem DIR gives one JSON. Booted, the memblock, kexec-metadata and
# kho-test clients take the kernel's blobs back through the same modules,
# and the memfd comes back with the bytes the kernel hashed.
# Every capture under KHO_CAPTURES (default /var/cache/libkho/captures,
# where the capture case leaves ARCH-7.3.4-capture1 for each kernel it
# ran: x86_64, arm64, arm64-16k, arm64-64k); skipped (exit 77) when there
# is none.
set -eu
: "${KHO:?KHO must name the kho binary}"
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
SCHEMA="$ROOT/docs/inspect-schema.json"
H="python3 $ROOT/tests/lib/kho_testdata.py"
CAP=${KHO_CAPTURES:-/var/cache/libkho/captures}
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-inspect-capture.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

n=0
for C in "$CAP"/*-7.3.4-capture1; do
	[ -f "$C/handover" ] && [ -f "$C/expected.txt" ] || continue
	# The kernel (x86_64, arm64-16k, ...) and its architecture.
	kern=$(basename "$C" -7.3.4-capture1)
	arch=${kern%%-*}
	"$KHO" inspect "$C" >"$T/$kern.txt" 2>"$T/$kern.err" ||
		fail "$kern: refused: $(cat "$T/$kern.err")"
	"$KHO" inspect --mem "$C" --json >"$T/$kern.json" ||
		fail "$kern: --json refused"
	"$KHO" inspect "$C" --json >"$T/$kern-dir.json" || fail "$kern: DIR --json"
	cmp -s "$T/$kern.json" "$T/$kern-dir.json" ||
		fail "$kern: DIR and --mem DIR differ"
	$H schema-check "$SCHEMA" "$T/$kern.json" || fail "$kern: schema"
	python3 - "$T/$kern.json" "$C/expected.txt" "$arch" <<'PY' || fail "$kern: disagrees with the kernel"
import json, sys
j = json.load(open(sys.argv[1]))
exp = [l.split() for l in open(sys.argv[2]) if l.strip()]
arch = sys.argv[3]
bad = []
def check(ok, what):
    if not ok:
        bad.append(what)
check(j["verdict"] == "accepted", "verdict %s" % j["verdict"])
check(j["format"] == "kho-v4", "format %s" % j["format"])
sub = {s["name"]: s for s in j["subtrees"]}
for name in ("memblock", "LUO", "kho_test", "kexec-metadata"):
    check(name in sub, "subtree %s missing" % name)
    check(name in sub and not sub[name].get("problem"),
          "subtree %s: %s" % (name, sub.get(name, {}).get("problem")))
    check(name in sub and sub[name]["preserved"], "%s not preserved" % name)
    check(name in sub and sub[name]["decoded"] is not None,
          "%s not decoded" % name)
if bad:
    print("\n".join(bad), file=sys.stderr)
    sys.exit(1)
regions = {r["name"]: (r["start"], r["size"])
           for r in sub["memblock"]["decoded"]["regions"]}
for e in exp:
    if e[0] == "reserve_mem":
        check(regions.get(e[1]) == (int(e[2], 0), int(e[3], 0)),
              "region %s: %s" % (e[1], regions.get(e[1])))
    if e[0] == "memfd":
        sizes = [f["memfd"]["size"]
                 for s in sub["LUO"]["decoded"]["sessions"]
                 for f in s["files"] if f["memfd"]]
        check(int(e[1]) in sizes, "memfd of %s bytes: %s" % (e[1], sizes))
    if e[0] == "scratch":
        check([int(e[1], 0), int(e[2], 0)] in
              [[s["addr"], s["size"]] for s in j["scratch"]],
              "scratch %s %s" % (e[1], e[2]))
kt = sub["kho_test"]["decoded"]
check(kt["csum_ok"] is True and kt["csum_arch"] == arch,
      "kho_test csum: ok %s, arch %s" % (kt["csum_ok"], kt["csum_arch"]))
km = sub["kexec-metadata"]["decoded"]
check(km["version"] == 1 and km["kexec_count"] >= 1 and
      km["previous_release"].startswith("7.3"), "kexec-metadata %s" % km)
luo = sub["LUO"]["decoded"]
check(luo["nr_sessions"] >= 1 and luo["nr_blocks"] >= 2, "LUO %s" % luo)
empty = [s for s in j["scratch"] if not s["size"]]
check(bool(empty) == bool(j.get("warnings")),
      "empty scratch %s, warnings %s" % (empty, j.get("warnings")))
if bad:
    print("\n".join(bad), file=sys.stderr)
    sys.exit(1)
PY
	# The text says the same, in lines a person reads.
	for want in "accepted" "memblock .*preserved: 2 reserve_mem regions" \
		"LUO .*luo-v5, live update 1, 1 session, 1 file" \
		"file memfd-v2 .*size 1060964" "kho_test .*csum 0x[0-9a-f]* ok ($arch)" \
		"kexec-metadata .*previous release \"7.3.4\", kexec count 1"; do
		grep -q "$want" "$T/$kern.txt" || fail "$kern: text lacks \"$want\""
	done
	# The memblock client takes the kernel's regions back (no hash to check).
	M="$T/boot-$kern"
	mkdir "$M"
	cp --sparse=always "$C/machine.conf" "$C/ram.img" "$C/handover" "$M/"
	[ "$arch" = x86_64 ] || grep -q '^arch' "$M/machine.conf" ||
		echo "arch = arm64" >>"$M/machine.conf"
	"$KHO" boot "$M" >"$T/boot-$kern.out" 2>&1 || true
	rm -rf "$M"
	grep -q "restore *memblock: 2 reserve_mem regions restored, 0 of them checked" \
		"$T/boot-$kern.out" ||
		fail "$kern: memblock restore: $(grep memblock "$T/boot-$kern.out")"
	grep -q "restore *kexec-metadata: kexec 1 since cold boot or a kernel without kexec-metadata, from 7.3.4" \
		"$T/boot-$kern.out" ||
		fail "$kern: kexec-metadata restore: $(grep kexec-metadata "$T/boot-$kern.out")"
	# Linux's own test_kho folios, each checked against the stored csum.
	grep -q "restore *kho-test: KHO restore succeeded: .* ($arch)" "$T/boot-$kern.out" ||
		fail "$kern: Linux's kho_test not restored: $(grep kho-test "$T/boot-$kern.out")"
	# The memfd's bytes, hashed as kernel A hashed them (expected.txt).
	grep -q '^memfd ' "$C/expected.txt" || fail "$kern: expected.txt names no memfd"
	set -- $(grep '^memfd ' "$C/expected.txt")
	grep -q "restore .*memfd: live update .* $2 B fnv1a $3" "$T/boot-$kern.out" ||
		fail "$kern: the memfd did not come back as $2 bytes with FNV $3: $(grep memfd "$T/boot-$kern.out")"
	if [ "$arch" = x86_64 ]; then
		grep -q "^  warning  *scratch area is empty" "$T/$kern.txt" ||
			fail "$kern: the empty scratch area is not a warning line"
	fi
	n=$((n + 1))
done
if [ "$n" -eq 0 ]; then
	echo "SKIP: no real kernel's capture under $CAP (make kernel-check KERNEL_CASES=capture:x86_64 leaves one)"
	exit 77
fi
echo "inspect capture: $n real Linux 7.3.4 handovers read whole"
