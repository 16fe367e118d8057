#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The kernel patches of patches/ against the unpacked Linux 7.3.4 source
# (KHO_KERNEL_SRC, default Debian's linux-source-7.3 under
# /var/cache/libkho/src), without building a kernel:
#   - each applies alone (`git apply --check` on a copy of the files it
#     touches), as patches/README.md says, and all apply together in order,
#     as scripts/kernel/build.sh applies them (KERNEL_PATCHES=all);
#   - each says what it is: a Subject line, a rationale, the
#     "Not-signed-off-by" statement that keeps it from going anywhere as
#     it is, and a summary line ("N files changed, N insertions(+), N
#     deletions(-)") that matches what the diff changes;
#   - the kernel's own scripts/checkpatch.pl finds no error and no warning
#     in it (BAD_SIGN_OFF ignored: checkpatch reads the Not-signed-off-by
#     statement as a signature without an address);
#   - patches/README.md names each.
# Without the kernel source, git or perl (scripts/deps.sh check installs
# perl; a clone has git), the test says why and is skipped (exit 77).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
SRC=${KHO_KERNEL_SRC:-/var/cache/libkho/src/linux-source-7.3}
PATCHES=${KHO_PATCHES:-$top/patches}

if [ ! -f "$SRC/mm/memblock.c" ]; then
	echo "SKIP: no kernel source at $SRC (make check fetches it with scripts/kernel/fetch.sh; or set KHO_KERNEL_SRC)"
	exit 77
fi
command -v git >/dev/null 2>&1 || { echo "SKIP: no git (git apply checks the patches)"; exit 77; }
perl -MTerm::ANSIColor -MEncode -e 1 2>/dev/null ||
	{ echo "SKIP: no perl with its standard modules (for checkpatch.pl; Debian's perl)"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/kho-patches.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
bad=0
fail() {
	echo "FAIL: $*" >&2
	bad=$((bad + 1))
}

# touched PATCH: the source files PATCH changes, one a line.
touched() {
	sed -n 's|^diff --git a/\([^ ]*\) b/.*|\1|p' "$1"
}

# fresh DIR PATCH...: DIR, a repository of its own (git apply takes paths
# from a repository's top), holds a copy of every file the patches touch.
fresh() {
	dir=$1
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	git -C "$dir" init -q
	for p in "$@"; do
		for f in $(touched "$p"); do
			[ -f "$SRC/$f" ] || { fail "$(basename "$p") touches $f, which $SRC does not have"; continue; }
			mkdir -p "$dir/$(dirname "$f")"
			cp "$SRC/$f" "$dir/$f"
		done
	done
}

set -- "$PATCHES"/*.patch
[ -f "$1" ] || { echo "FAIL: no patch in $PATCHES" >&2; exit 1; }
for p in "$@"; do
	name=$(basename "$p")
	[ -n "$(touched "$p")" ] || fail "$name changes no file"
	grep -q '^Subject: \[PATCH\] ..' "$p" || fail "$name has no Subject line"
	grep -q '^Not-signed-off-by: ' "$p" || fail "$name lacks the Not-signed-off-by statement"
	# The rationale: the lines between the Subject and the summary.
	words=$(sed -n '/^Subject:/,/^---$/p' "$p" | wc -w)
	[ "$words" -ge 60 ] || fail "$name gives its rationale in $words words"
	grep -qF -- "\`$name\`" "$PATCHES/README.md" || fail "patches/README.md does not name $name"
	# What the summary line says against what the diff changes.
	said=$(sed -n 's/^ \([0-9]*\) files\{0,1\} changed\(, \([0-9]*\) insertions\{0,1\}(+)\)\{0,1\}\(, \([0-9]*\) deletions\{0,1\}(-)\)\{0,1\}$/\1:\3:\5/p' "$p" | head -1)
	[ -n "$said" ] || fail "$name has no summary line (N files changed, ...)"
	fresh "$T/alone" "$p"
	if ! git -C "$T/alone" apply --check --numstat "$p" >"$T/numstat" 2>"$T/err"; then
		fail "$name does not apply alone to $SRC: $(head -1 "$T/err")"
		continue
	fi
	if ! perl "$SRC/scripts/checkpatch.pl" --no-tree --no-signoff \
			--ignore BAD_SIGN_OFF --terse --show-types -q "$p" \
			>"$T/checkpatch" 2>&1; then
		fail "checkpatch.pl on $name: $(grep -v '^total:' "$T/checkpatch" | head -3 | tr '\n' ' ')"
	fi
	diffed=$(awk '{ n++; a += $1; d += $2 } END { print n, a, d }' "$T/numstat")
	# Fields split at ":", so that a missing count keeps its place.
	IFS=: read -r files ins del <<EOF
$said
EOF
	said="$files ${ins:-0} ${del:-0}"
	[ "$said" = "$diffed" ] ||
		fail "$name's summary says files, insertions, deletions $said; the diff has $diffed"
done

# All together, in order, on one copy, as the kernel build applies them.
set -- "$PATCHES"/*.patch
fresh "$T/all" "$@"
for p in "$@"; do
	git -C "$T/all" apply "$p" 2>"$T/err" ||
		fail "$(basename "$p") does not apply after the patches before it: $(head -1 "$T/err")"
done

[ "$bad" -eq 0 ] || exit 1
echo "patches: $# apply alone and in order to $SRC, each with its rationale, a true summary and nothing checkpatch.pl objects to"
