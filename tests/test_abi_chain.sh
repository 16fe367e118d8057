#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Every version libkho writes (kho-v2, kho-v3, kho-v4), at 4, 16 and 64 KiB
# pages: kernel A preserves with `kho boot --abi`, `kho inspect` reads the
# version, its tree depth and its subtree properties, kernel B restores
# every byte and hands over again in the same version, and the independent
# reader (tests/tools/kho_v2_reader.py) accepts each handover.
#
# kho-v2 on 16 KiB pages has no room for order-0 keys (abi.md): there the
# memfd and kho-test clients, whose folios may be single pages, are
# refused with -ERANGE, and the chain runs without them.
set -u
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-abi.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
READER="$(cd "$(dirname "$0")" && pwd)/tools/kho_v2_reader.py"

for v in 2 3 4; do
	for ps in 4K 16K 64K; do
		M="$T/v$v-$ps"
		ram=256M
		[ "$ps" = 64K ] && ram=1G	# 64 MiB scratch alignment
		"$KHO" machine create "$M" --ram $ram --page-size $ps >/dev/null ||
			fail "v$v $ps: machine create"
		pres="--preserve memblock:1M --preserve guest:8M"
		if [ "$v$ps" = 216K ]; then
			# memfd always preserves order-0 pages (its folio array's
			# at least): refused before the boot, saying why.
			"$KHO" boot "$M" --abi kho-v2 --preserve memfd:1040K --kexec \
				>"$T/out" 2>&1 && fail "kho-v2 16K: an order-0 memfd folio was preserved"
			grep -q "cannot hold memfd's order-0 pages: its tree has no place for them" "$T/out" ||
				fail "kho-v2 16K: $(tail -1 "$T/out")"
		else
			pres="$pres --preserve memfd:2M --preserve kho-test"
		fi
		for gen in 1 2; do
			"$KHO" boot "$M" --abi kho-v$v $pres --kexec >"$T/out" 2>&1 ||
				fail "v$v $ps boot $gen: $(tail -3 "$T/out")"
			"$KHO" inspect --mem "$M" --json >"$T/j" 2>"$T/err" ||
				fail "v$v $ps inspect: $(cat "$T/err")"
			python3 - "$T/j" "$v" "$ps" <<'PY' || fail "v$v $ps: inspect JSON"
import json, sys
d = json.load(open(sys.argv[1]))
v, ps = sys.argv[2], sys.argv[3]
depth = {"4K": 6, "16K": 4 if v == "2" else 5, "64K": 4}[ps]
assert d["format"] == "kho-v" + v, d["format"]
assert d["verdict"] == "accepted", d.get("reason")
assert d["tree"]["depth"] == depth, d["tree"]["depth"]
names = {s["name"] for s in d["subtrees"]}
assert {"memblock", "guest", "kexec-metadata"} <= names, names
PY
			python3 "$READER" "$M" --json >"$T/r" 2>"$T/err" ||
				fail "v$v $ps: the independent reader refused: $(cat "$T/err")"
		done
		"$KHO" boot "$M" >"$T/out" 2>&1 || fail "v$v $ps last boot: $(tail -5 "$T/out")"
		grep -q "verdict.*PASS" "$T/out" || fail "v$v $ps: no PASS: $(tail -3 "$T/out")"
	done
done
echo "abi chain: kho-v2, kho-v3, kho-v4 at 4/16/64 KiB pages written, inspected, restored"
