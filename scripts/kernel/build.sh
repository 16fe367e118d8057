#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Build (or reuse) a guest kernel for the real-kernel harness.
#
# Usage: scripts/kernel/build.sh x86_64|arm64|arm64-16k|arm64-64k
# (arm64-16k and arm64-64k: the arm64 kernel with 16 or 64 KiB pages; their
# fragment, ARCH.config, is read after arm64.config and wins where both set
# an option)
# Prints the cache directory of the build on stdout; it holds:
#   image       the kernel image QEMU boots and kexec_file_load loads
#               (bzImage on x86_64, Image on arm64)
#   hdr/        the kernel's UAPI headers (headers_install)
#   gen_init_cpio   the kernel's initramfs packer
#   vmlinux     for symbols
#   .config     the configuration used
#
# The directory is $KHO_CACHE/kernels/<arch>-<version>-<hash>/, the hash
# covering the configuration fragments and the recipe number below (bump
# it when a change here must rebuild), so a changed fragment gives a new
# build and an unchanged one is reused.
#
# Environment: KHO_CACHE (default /var/cache/libkho), KERNEL_JOBS (default 2),
# KERNEL_CONFIG: names of more fragments (space separated: NAME reads
# scripts/kernel/NAME.config after the architecture's, and is hashed with
# them; "kexec" adds kexec_load(), for the one case that needs it),
# KERNEL_PATCHES: patch files (space separated, applied in that order with
# `git apply`; "all" means patches/*.patch of this tree). They are applied to
# a copy of the source ($KHO_CACHE/src/<tree>-p<hash>, hard links except for
# the files the patches touch), never to the fetched tree itself, and their
# contents are part of the cache hash, so a patched kernel gets its own
# directory (its name ends in -p<hash>) beside the unpatched one.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
arch=${1:?usage: build.sh x86_64|arm64|arm64-16k|arm64-64k}
cache=${KHO_CACHE:-/var/cache/libkho}
jobs=${KERNEL_JOBS:-2}

log() { echo "kernel-build[$arch]: $*" >&2; }

case $arch in
x86_64) karch=x86 cross= image=arch/x86/boot/bzImage target=bzImage ;;
arm64 | arm64-16k | arm64-64k)
	karch=arm64 cross=aarch64-linux-gnu- image=arch/arm64/boot/Image target=Image ;;
*) log "unknown architecture '$arch' (x86_64, arm64, arm64-16k or arm64-64k)"; exit 2 ;;
esac
# The fragments: every build's, the architecture's, then the variant's.
base=${arch%%-*}
frags="$here/common.config $here/$base.config"
[ "$base" = "$arch" ] || frags="$frags $here/$arch.config"
for name in ${KERNEL_CONFIG:-}; do
	[ -f "$here/$name.config" ] || { log "no fragment scripts/kernel/$name.config (KERNEL_CONFIG)"; exit 2; }
	frags="$frags $here/$name.config"
done

"$here/deps.sh" "$base" >&2
src=$("$here/fetch.sh")
version=$(make -s -C "$src" kernelversion 2>/dev/null)
recipe=1
# shellcheck disable=SC2086
hash=$({ echo "recipe $recipe"; cat $frags; } |
	sha256sum | cut -c1-12)
out=$cache/kernels/$arch-$version-$hash

patches=${KERNEL_PATCHES:-}
[ "$patches" != all ] || patches=$(ls "$here"/../../patches/*.patch)
if [ -n "$patches" ]; then
	abs=
	for p in $patches; do
		[ -f "$p" ] || { log "no patch file '$p'"; exit 2; }
		abs="$abs $(cd "$(dirname "$p")" && pwd)/$(basename "$p")"
	done
	patches=$abs
	# The hash covers the patches' contents and order, not their names.
	phash=$(for p in $patches; do sha256sum <"$p"; done | sha256sum | cut -c1-12)
	out=$out-p$phash
	ptree=$src-p$phash
	if [ ! -f "$ptree.applied" ]; then
		exec 8>"$ptree.lock"
		flock 8
		if [ ! -f "$ptree.applied" ]; then
			log "copying $src to $ptree (hard links) for the patches"
			rm -rf "$ptree"
			cp -al "$src" "$ptree"
			# A patched file must be a file of its own, not a link into
			# the fetched tree, or applying would change that tree too.
			for p in $patches; do
				git apply --numstat "$p" | cut -f3
			done | sort -u | while read -r f; do
				if [ -f "$src/$f" ]; then
					rm -f "$ptree/$f"
					cp -p "$src/$f" "$ptree/$f"
				fi
			done
			for p in $patches; do
				log "applying $(basename "$p")"
				(cd "$ptree" && git apply "$p") || {
					log "patch $p does not apply to $version"
					exit 1
				}
			done
			touch "$ptree.applied"
		fi
		exec 8>&-
	fi
	src=$ptree
fi
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi
mkdir -p "$out"
# One build per directory at a time; a second caller waits for the first.
exec 9>"$out/.lock"
flock 9
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi
[ -z "$patches" ] || printf '%s\n' $patches >"$out/patches"
frag=$out/fragment.config
# An option set again by a later fragment keeps only its last line.
# shellcheck disable=SC2086
cat $frags | grep -v '^# SPDX' | awk '
	/^CONFIG_/ { opt = $0; sub(/=.*/, "", opt) }
	/^# CONFIG_.* is not set$/ { opt = $2 }
	!/^(CONFIG_|# CONFIG_.* is not set$)/ { line[++n] = $0; next }
	{ if (opt in at) line[at[opt]] = ""; line[++n] = $0; at[opt] = n }
	END { for (i = 1; i <= n; i++) if (line[i] != "") print line[i] }' >"$frag"
mk="make -s ARCH=$karch CROSS_COMPILE=$cross -j$jobs -C $src O=$out/build"
mkdir -p "$out/build"
if [ ! -f "$out/build/.config" ] ||
	! cmp -s "$frag" "$out/build/.fragment"; then
	grep -E '^(CONFIG_|# CONFIG_.* is not set$)' "$frag" >"$out/build/.config"
	$mk olddefconfig >&2
	cp "$frag" "$out/build/.fragment"
fi
# Every option of the fragments must have survived olddefconfig.
bad=0
while read -r line; do
	case $line in
	'# CONFIG_'*' is not set')
		opt=${line#\# }
		opt=${opt%% *}
		if grep -q "^$opt=" "$out/build/.config"; then
			log "$opt is set, the fragment wants it off"
			bad=1
		fi
		;;
	CONFIG_*)
		grep -qx "$line" "$out/build/.config" || {
			log "$line did not survive olddefconfig"
			bad=1
		}
		;;
	esac
done <"$frag"
[ $bad -eq 0 ] || exit 1
log "building $target of $version in $out (-j$jobs)"
start=$(date +%s)
$mk "$target" >&2
$mk headers_install INSTALL_HDR_PATH="$out/hdr" >&2
end=$(date +%s)
ln -sf "build/$image" "$out/image"
ln -sf build/vmlinux "$out/vmlinux"
ln -sf build/usr/gen_init_cpio "$out/gen_init_cpio"
ln -sf build/.config "$out/.config"
echo "$((end - start))" >"$out/build-seconds"
log "built in $((end - start)) s"
touch "$out/.done"
echo "$out"
