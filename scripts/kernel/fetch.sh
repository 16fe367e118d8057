#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Fetch and unpack Debian's linux-source package once, cached by version.
#
# Usage: scripts/kernel/fetch.sh
# Prints the source directory on stdout.
#
# Environment:
#   KHO_CACHE        cache root (default /var/cache/libkho)
#   KERNEL_SERIES    Debian source package series (default 7.3)
#   KERNEL_SUITE     Debian suite carrying it (default trixie-backports)
#   KERNEL_MIRROR    archive URI (default http://deb.debian.org/debian)
set -eu
cache=${KHO_CACHE:-/var/cache/libkho}
series=${KERNEL_SERIES:-7.3}
suite=${KERNEL_SUITE:-trixie-backports}
mirror=${KERNEL_MIRROR:-http://deb.debian.org/debian}
pkg=linux-source-$series
src=$cache/src
tree=$src/$pkg

log() { echo "kernel-fetch: $*" >&2; }

# A marker beside the tree (never inside it) says the unpacking finished.
if [ -f "$tree/Makefile" ] && [ -f "$src/.$pkg.unpacked" ]; then
	echo "$tree"
	exit 0
fi
# A tree unpacked before this script existed (by hand, the same way).
if [ -f "$tree/Makefile" ] && [ -f "$tree/usr/gen_init_cpio.c" ] &&
	[ -d "$tree/tools/include/nolibc" ]; then
	touch "$src/.$pkg.unpacked" 2>/dev/null || true
	echo "$tree"
	exit 0
fi

mkdir -p "$src" "$cache/apt/lists/partial" "$cache/apt/archives/partial"
deb=$(ls "$src"/"${pkg}"_*_all.deb 2>/dev/null | tail -n 1 || true)
if [ -z "$deb" ]; then
	list=$cache/apt/sources.list
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >"$list"
	aptopts="-o Dir::Etc::sourcelist=$list -o Dir::Etc::sourceparts=/nonexistent -o Dir::State::Lists=$cache/apt/lists"
	# As root, apt's _apt user may not write into the cache: download as root.
	[ "$(id -u)" -ne 0 ] || aptopts="$aptopts -o APT::Sandbox::User=root"
	log "apt-get update ($suite)"
	# shellcheck disable=SC2086
	apt-get $aptopts -qq update
	log "downloading $pkg"
	# shellcheck disable=SC2086
	(cd "$src" && apt-get $aptopts -qq download "$pkg")
	deb=$(ls "$src"/"${pkg}"_*_all.deb | tail -n 1)
fi
log "unpacking $deb"
(cd "$src" && dpkg-deb --fsys-tarfile "$deb" | tar -x)
tarball=$(ls "$src"/usr/src/"$pkg".tar.* | head -n 1)
(cd "$src" && tar -xf "$tarball")
[ -f "$tree/Makefile" ] || {
	log "$tarball did not unpack to $tree"
	exit 1
}
touch "$src/.$pkg.unpacked"
echo "$tree"
