#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# scripts/kernel-src.sh, which make check asks for the kernel source its
# kernel-reading tests use: KHO_KERNEL_SRC wins and nothing is fetched; a
# cache already unpacked is answered from it; a fetch that fails ends in
# one sentence on stderr, nothing on stdout, exit 0 (those tests SKIP).
# No network: the failing cache is a path no one can create.
set -eu
T=$(mktemp -d "${TMPDIR:-/tmp}/kho-ksrc.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
ROOT=${KHO_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
S=$ROOT/scripts/kernel-src.sh
bad=/proc/kho-no-such-cache
# make check runs this with the tree it found in KHO_KERNEL_SRC.
unset KHO_KERNEL_SRC

# KHO_KERNEL_SRC: said as given, no fetch (the cache could not be made).
out=$(KHO_KERNEL_SRC=/some/tree KHO_CACHE=$bad sh "$S" 2>"$T/err")
[ "$out" = /some/tree ] || fail "KHO_KERNEL_SRC=/some/tree gave '$out'"
[ ! -s "$T/err" ] || fail "KHO_KERNEL_SRC set, yet: $(cat "$T/err")"

# An unpacked cache: its tree, from fetch.sh's fast path.
tree=$T/cache/src/linux-source-7.3
mkdir -p "$tree"
: >"$tree/Makefile"
: >"$T/cache/src/.linux-source-7.3.unpacked"
out=$(KHO_CACHE=$T/cache sh "$S" 2>"$T/err")
[ "$out" = "$tree" ] || fail "an unpacked cache gave '$out', not $tree"

# A fetch that fails: nothing on stdout, stderr ending in one sentence, exit 0.
rc=0
out=$(KHO_CACHE=$bad sh "$S" 2>"$T/err") || rc=$?
[ "$rc" = 0 ] || fail "a failed fetch exited $rc"
[ -z "$out" ] || fail "a failed fetch printed '$out'"
# fetch.sh's own words first (here mkdir's), then the one sentence.
[ "$(tail -n 1 "$T/err")" = "check: no kernel source (scripts/kernel/fetch.sh failed); the tests that read it will say SKIP" ] ||
	fail "a failed fetch said: $(cat "$T/err")"
echo "kernel-src: KHO_KERNEL_SRC, an unpacked cache and a failed fetch answered as make check needs"
