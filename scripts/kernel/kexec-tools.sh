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
		if ! (cd "$dir" && apt-get $opt -qq download kexec-tools); then
			[ "$(id -u)" -eq 0 ] || { log "apt-get download kexec-tools failed"; exit 1; }
			apt-get -qq update
			# shellcheck disable=SC2086
			(cd "$dir" && apt-get $opt -qq download kexec-tools) ||
				{ log "apt-get download kexec-tools failed"; exit 1; }
		fi
		dpkg-deb -x "$dir"/kexec-tools_*.deb "$dir/root"
		[ -x "$bin" ] || { log "the package has no sbin/kexec"; exit 1; }
	fi
fi
if ldd "$bin" | grep -q 'not found'; then
	log "$bin lacks libraries on this machine: $(ldd "$bin" | grep 'not found' | tr -s ' \t' ' ' | tr '\n' ';')"
	exit 1
fi
echo "$bin"
