#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Debian's kexec-tools for a guest's initrd, unpacked into the cache and
# never installed: the package's postinst sets LOAD_KEXEC=true in
# /etc/default/kexec, which would make this machine's own reboots kexec.
#
# Usage: scripts/kernel/kexec-tools.sh
# Prints the path of the kexec binary on stdout. Its shared libraries (the
# Xen ones come with qemu-system-x86, which deps.sh installs) must be on
# this machine; initrd.sh KINIT_DYN copies them from here.
# Environment: KHO_CACHE (default /var/cache/libkho).
set -eu
cache=${KHO_CACHE:-/var/cache/libkho}
dir=$cache/kexec-tools
bin=$dir/root/sbin/kexec

log() { echo "kexec-tools: $*" >&2; }

if [ ! -x "$bin" ]; then
	mkdir -p "$dir"
	exec 8>"$dir/.lock"
	flock 8
	if [ ! -x "$bin" ]; then
		rm -rf "$dir/root" "$dir"/*.deb
		log "downloading Debian's kexec-tools (not installed)"
		# As root, apt's _apt user may not write into the cache.
		opt=
		[ "$(id -u)" -ne 0 ] || opt="-o APT::Sandbox::User=root"
		# shellcheck disable=SC2086
		download() { (cd "$dir" && apt-get $opt -qq download kexec-tools); }
		# Root may refresh stale package lists once and try again.
		download || { [ "$(id -u)" -eq 0 ] && apt-get -qq update && download; } ||
			{ log "apt-get download kexec-tools failed"; exit 1; }
		dpkg-deb -x "$dir"/kexec-tools_*.deb "$dir/root"
		[ -x "$bin" ] || { log "the package has no sbin/kexec"; exit 1; }
	fi
fi
missing=$(ldd "$bin" | grep 'not found' | tr -s ' \t' ' ' | tr '\n' ';') || true
[ -z "$missing" ] || { log "$bin lacks libraries on this machine:$missing"; exit 1; }
echo "$bin"
