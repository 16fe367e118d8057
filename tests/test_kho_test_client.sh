#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The kho-test client (lib/test_kho.c on the simulated machine), end to
# end: a chain of kexecs at 4, 16 and 64 KiB pages with x86_64's and
# arm64's csum_partial (machine.conf arch, x86_64 when absent), each boot
# restoring every folio and finding the stored checksum ("KHO restore
# succeeded"); a machine whose arch is set wrong is told which one the
# checksum is; a damaged folio fails the boot; a bad arch line is
# refused. (Linux 7.3.4's own test_kho blobs are restored by
# tests/test_inspect_capture.sh, from real kernels' captures.) Needs KHO
# (path to kho).
set -eu
: "${KHO:?KHO must name the kho binary}"
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-test-client.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

for ps in 4K 16K 64K; do
	for arch in x86_64 arm64; do
		M="$T/m$ps-$arch"
		"$KHO" machine create "$M" --ram 512M --page-size "$ps" >/dev/null
		# Written out for both (absent, it is x86_64: see m-wrong).
		echo "arch = $arch" >>"$M/machine.conf"
		"$KHO" boot "$M" --preserve kho-test --kexec >"$T/b1" ||
			fail "$ps $arch: cold boot: $(cat "$T/b1")"
		sum=$(sed -n "s/.*preserve *kho-test: .*csum \(0x[0-9a-f]*\) ($arch).*/\1/p" "$T/b1")
		[ -n "$sum" ] || fail "$ps $arch: no csum preserved: $(cat "$T/b1")"
		"$KHO" boot "$M" --preserve kho-test:2M --kexec >"$T/b2" ||
			fail "$ps $arch: KHO boot: $(cat "$T/b2")"
		grep -q "restore *kho-test: KHO restore succeeded: .* csum $sum ($arch)" "$T/b2" ||
			fail "$ps $arch: not restored: $(cat "$T/b2")"
		grep -q 'verdict *PASS' "$T/b2" || fail "$ps $arch: no PASS"
		"$KHO" boot "$M" >"$T/b3" || fail "$ps $arch: third boot: $(cat "$T/b3")"
		grep -q "restore *kho-test: KHO restore succeeded" "$T/b3" ||
			fail "$ps $arch: 2 MiB not restored: $(cat "$T/b3")"
	done
done

# A machine.conf that says the wrong architecture: the other sum matches.
M="$T/m-wrong"
"$KHO" machine create "$M" --ram 256M >/dev/null
"$KHO" boot "$M" --preserve kho-test --kexec >"$T/b1" || fail "wrong: cold boot"
grep -q "preserve *kho-test: .*csum 0x[0-9a-f]* (x86_64)" "$T/b1" ||
	fail "no arch line: not x86_64's csum: $(cat "$T/b1")"
echo "arch = arm64" >>"$M/machine.conf"
if "$KHO" boot "$M" >"$T/out-wrong" 2>&1; then
	fail "wrong: a boot with the wrong csum_partial passed"
fi
grep -q "kho-test: FAILED: .*which is x86_64's: set arch = x86_64 in machine.conf" "$T/out-wrong" ||
	fail "wrong: no hint: $(cat "$T/out-wrong")"

# A damaged byte in a folio: the checksum differs, the boot fails. The
# folio is found from the blob: /data/folios_info -> chunk -> list page.
M="$T/damaged"
"$KHO" machine create "$M" --ram 256M >/dev/null
"$KHO" boot "$M" --preserve kho-test:64K --kexec >/dev/null || fail "damaged: cold boot"
"$KHO" inspect "$M" --json >"$T/out-json"
KHO="$KHO" M="$M" python3 - "$T/out-json" "$ROOT/tests/lib" <<'PY' || fail "damaged: cannot find folio 0"
import json, os, struct, subprocess, sys

sys.path.insert(0, sys.argv[2])
import kho_testdata as td

kho, m = os.environ["KHO"], os.environ["M"]
page = json.load(open(sys.argv[1]))["page_size"]
blob = [s["phys"] for s in json.load(open(sys.argv[1]))["subtrees"]
        if s["name"] == "kho_test"][0]
img = open(os.path.join(m, "ram.img"), "r+b")

def read(phys, n):
    off = int(subprocess.check_output([kho, "machine", "offset", m, str(phys)]))
    img.seek(off)
    return off, img.read(n)

_, fdt = read(blob, page)
first = [struct.unpack("<Q", fdt[pos:pos + 8])[0]
         for _, name, pos, _ in td.fdt_props(fdt) if name == "folios_info"][0]
_, chunk = read(first, 16)
_, lst = read(struct.unpack("<Q", chunk[8:16])[0], 8)
folio = struct.unpack("<Q", lst)[0] & ~(page - 1)
off, b = read(folio + 100, 1)
img.seek(off)
img.write(bytes([b[0] ^ 0x5a]))
PY
if "$KHO" boot "$M" >"$T/out-damaged" 2>&1; then
	fail "damaged: a boot with a changed folio passed"
fi
grep -q "kho-test: FAILED: .*the folios sum to" "$T/out-damaged" ||
	fail "damaged: $(cat "$T/out-damaged")"

# arch must be one we know.
M="$T/m-badarch"
"$KHO" machine create "$M" --ram 128M >/dev/null
echo "arch = riscv" >>"$M/machine.conf"
if "$KHO" boot "$M" >"$T/out-badarch" 2>&1; then
	fail "badarch: accepted"
fi
grep -q "arch must be x86_64 or arm64" "$T/out-badarch" || fail "badarch: $(cat "$T/out-badarch")"

echo "kho-test client: chains at 4/16/64 KiB x2 arches, wrong arch, damage"
