#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# kho inspect lists at most 256 LUO sessions, 4096 files and 4096 FLB
# entries (INSPECT_MAX_SESSIONS, INSPECT_MAX_FILES) and counts the rest:
# the text says how many were not listed, JSON has sessions_not_listed,
# files_not_listed and flbs_not_listed (docs/inspect.md). The chains are
# written by kho_testdata.py luo-many into a reserve_mem region of a
# kho-v4 handover (preserved memory, so kernel B would take them); the
# listed entries must be the first ones, in order, and a handover at
# exactly the caps must list everything and say nothing more.
# Needs KHO (path to kho); python3.
set -eu
: "${KHO:?KHO must name the kho binary}"
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
H="python3 $ROOT/tests/lib/kho_testdata.py"
SCHEMA="$ROOT/docs/inspect-schema.json"
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-inspect-luo-caps.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

M="$T/m"
"$KHO" machine create "$M" --ram 256M >/dev/null
"$KHO" boot "$M" --preserve memfd:64K --preserve memblock:2M \
	--kexec >/dev/null
# The first reserve_mem region (1 MiB): where the new chains go.
region=$("$KHO" inspect "$M" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
r = {x["name"]: x for x in d["subtrees"]}["memblock"]["decoded"]["regions"][0]
print(r["start"], r["size"])') || fail "no reserve_mem region"

# run NAME SESSIONS FILES FLBS: rewrite the chains, inspect in text and
# JSON; the JSON must match the schema and the handover be accepted, with
# no note on LUO.
run() {
	$H luo-many "$M" $region "$2" "$3" "$4" >/dev/null ||
		fail "$1: cannot write the LUO chains"
	"$KHO" inspect "$M" >"$T/$1.txt" || fail "$1: text refused"
	"$KHO" inspect "$M" --json >"$T/$1.json" || fail "$1: json refused"
	$H schema-check "$SCHEMA" "$T/$1.json" || fail "$1: schema"
}

# expect NAME SESSIONS FILES FLBS: the JSON and text of run NAME list the
# first entries of the chains luo-many wrote (SESSIONS, the FILES list,
# FLBS), in order, up to the caps, and count the rest, exactly.
expect() {
	python3 - "$T/$1.json" "$T/$1.txt" "$2" "$3" "$4" <<'PY'
import json, re, sys
doc, txt, nr_sessions, files, nr_flbs = sys.argv[1:]
nr_sessions, nr_flbs = int(nr_sessions), int(nr_flbs)
files = [int(x) for x in files.split(",")]
files = [files[min(i, len(files) - 1)] for i in range(nr_sessions)]
MAX_SESSIONS, MAX_FILES = 256, 4096

d = json.load(open(doc))
assert d["verdict"] == "accepted", d["verdict"]
s = {x["name"]: x for x in d["subtrees"]}["LUO"]
assert "problem" not in s, s.get("problem")
luo = s["decoded"]
assert luo["nr_sessions"] == nr_sessions, luo["nr_sessions"]
assert luo["nr_files"] == sum(files), luo["nr_files"]
assert luo["nr_flbs"] == nr_flbs, luo["nr_flbs"]

# What a correct listing holds: sessions in index order, each session's
# files in order, until a cap.
want_sessions, listed_files = [], 0
for i in range(min(nr_sessions, MAX_SESSIONS)):
    n = min(files[i], MAX_FILES - listed_files)
    listed_files += n
    want_sessions.append({"name": "s%05d" % i, "nr_files": files[i],
                          "files": [("f%d-%d" % (i, j), i << 32 | j)
                                    for j in range(n)]})
got = [{"name": x["name"], "nr_files": x["nr_files"],
        "files": [(f["compatible"], f["token"]) for f in x["files"]]}
       for x in luo["sessions"]]
assert got == want_sessions, "sessions listed are not the first ones"
want_flbs = [{"name": "flb%05d" % k, "data": k, "count": 1}
             for k in range(min(nr_flbs, MAX_FILES))]
assert luo["flbs"] == want_flbs, "FLBs listed are not the first ones"

unlisted = {"sessions_not_listed": nr_sessions - len(want_sessions),
            "files_not_listed": sum(files) - listed_files,
            "flbs_not_listed": nr_flbs - len(want_flbs)}
for k, n in unlisted.items():
    # Present only when some are not listed (the schema: minimum 1).
    assert luo.get(k) == (n or None), (k, luo.get(k), n)

t = open(txt).read()
def many(n, what):
    return "%d %s%s" % (n, what, "" if n == 1 else "s")
head = "luo-v5, live update 1, %s, %s, %s," % (
    many(nr_sessions, "session"), many(sum(files), "file"),
    many(nr_flbs, "FLB"))
assert head in t, head
shown = re.findall(r"^ +session (s\d+) ", t, re.M)
assert shown == [x["name"] for x in want_sessions], "text: sessions"
shown = re.findall(r"^ +file (f\d+-\d+) ", t, re.M)
assert shown == [f[0] for x in want_sessions for f in x["files"]], \
    "text: files"
shown = re.findall(r"^ +FLB (flb\d+) ", t, re.M)
assert shown == [x["name"] for x in want_flbs], "text: FLBs"
n_s, n_f, n_l = unlisted.values()
# Only the non-zero counts are said.
parts = [many(n, what) for n, what in ((n_s, "more session"),
                                       (n_f, "more file")) if n]
line = ("... %s not listed (at most 256 sessions and 4096 files are)\n" %
        " and ".join(parts))
assert (line in t) == bool(n_s or n_f), "text: sessions/files not listed"
assert t.count("not listed (at most 256") == bool(n_s or n_f)
line = "... %s not listed (at most 4096 are)\n" % many(n_l, "more FLB")
assert (line in t) == bool(n_l), "text: FLBs not listed"
assert t.count("FLBs not listed") + t.count("FLB not listed") == bool(n_l)
PY
}

# Past the session cap: 300 sessions; session 255 (the last listed) has
# 2 files, 256 (the first not listed) 3 and 299 one: those 4 are counted
# as not listed with their sessions. No FLB.
files=$(python3 -c 'f = [0] * 300; f[255] = 2; f[256] = 3; f[299] = 1
print(",".join(map(str, f)))')
run sessions 300 "$files" 0
expect sessions 300 "$files" 0 || fail "past 256 sessions"

# Past the file and FLB caps: 4000 files in session 0 and 200 in session
# 1 (96 listed, 104 not), 4100 FLBs (4 not listed).
run files 2 4000,200 4100
expect files 2 4000,200 4100 || fail "past 4096 files or FLBs"
grep -q "^ *\.\.\. 104 more files not listed (at most 256 sessions" \
	"$T/files.txt" || fail "past 4096 files: text"

# One past each cap, alone: 257 sessions; 4097 files; 4097 FLBs.
run one-session 257 0 0
expect one-session 257 0 0 || fail "257 sessions"
run one-file 1 4097 0
expect one-file 1 4097 0 || fail "4097 files"
run one-flb 0 0 4097
expect one-flb 0 0 4097 || fail "4097 FLBs"

# At the caps exactly: everything listed, nothing said.
run exact 256 4000,96,0 4096
expect exact 256 4000,96,0 4096 || fail "at the caps"
! grep -q "not listed" "$T/exact.txt" || fail "at the caps: text"
echo "test_inspect_luo_caps: ok"
