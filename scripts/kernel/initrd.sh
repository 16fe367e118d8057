#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Build the guests' init program, the halt stub and the initrds for one
# architecture, next to a kernel build from build.sh.
#
# Usage: scripts/kernel/initrd.sh ARCH KERNEL_DIR OUT_DIR
# Writes into OUT_DIR:
#   kinit           tests/kernel/kinit.c, static, on the kernel's nolibc
#   stub            tests/kernel/stub-ARCH.S as a flat kernel image
#   initrd-b.cpio   /init only: what a kernel B boots with
#   initrd-a.cpio   /init, /kernel (the kernel image), /stub, /initrd-b.cpio
#                   and, when KINIT_KHO names a static kho binary, /kho
# KINIT_ST names a directory of static programs that both archives carry
# in /st (case luo-selftests: Linux's live update selftests). KINIT_DYN
# names programs of this machine (x86_64 only) that initrd-a.cpio carries
# in /bin, with the shared libraries ldd lists for them at their paths
# (case kexec-load: kexec-tools' kexec, which Debian builds dynamic).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
arch=${1:?usage: initrd.sh ARCH KERNEL_DIR OUT_DIR}
kdir=${2:?usage: initrd.sh ARCH KERNEL_DIR OUT_DIR}
out=${3:?usage: initrd.sh ARCH KERNEL_DIR OUT_DIR}
src=$("$here/fetch.sh")
# arm64-16k and arm64-64k: arm64 with other pages, the same programs.
base=${arch%%-*}
case $base in
x86_64) cross= ;;
arm64) cross=aarch64-linux-gnu- ;;
*) echo "initrd: unknown architecture '$arch'" >&2; exit 2 ;;
esac
mkdir -p "$out"
"${cross}gcc" -s -static -Os -nostdinc -nostdlib -fno-asynchronous-unwind-tables \
	-fno-ident -fno-stack-protector -Wall -Wno-unused-parameter \
	-I "$kdir/hdr/include" -I "$src/tools/include/nolibc" \
	-o "$out/kinit" "$top/tests/kernel/kinit.c"
"${cross}gcc" -c -o "$out/stub.o" "$top/tests/kernel/stub-$base.S"
"${cross}objcopy" -O binary -j .text "$out/stub.o" "$out/stub"
rm -f "$out/stub.o"
cat >"$out/cpio-b.list" <<LIST
dir /dev 0755 0 0
dir /proc 0755 0 0
dir /debugfs 0755 0 0
nod /dev/console 0600 0 0 c 5 1
file /init $out/kinit 0755 0 0
LIST
if [ -n "${KINIT_ST:-}" ]; then
	echo "dir /st 0755 0 0" >>"$out/cpio-b.list"
	for f in "$KINIT_ST"/*; do
		echo "file /st/$(basename "$f") $f 0755 0 0" >>"$out/cpio-b.list"
	done
fi
"$kdir/gen_init_cpio" "$out/cpio-b.list" >"$out/initrd-b.cpio"
cp "$out/cpio-b.list" "$out/cpio-a.list"
cat >>"$out/cpio-a.list" <<LIST
file /kernel $kdir/image 0644 0 0
file /stub $out/stub 0644 0 0
file /initrd-b.cpio $out/initrd-b.cpio 0644 0 0
LIST
[ -z "${KINIT_KHO:-}" ] || echo "file /kho $KINIT_KHO 0755 0 0" >>"$out/cpio-a.list"
if [ -n "${KINIT_DYN:-}" ]; then
	[ "$base" = "$(uname -m)" ] || {
		echo "initrd: KINIT_DYN needs programs of $base; this machine is $(uname -m)" >&2
		exit 2
	}
	for p in $KINIT_DYN; do
		[ -x "$p" ] || { echo "initrd: no program $p (KINIT_DYN)" >&2; exit 2; }
		echo "file /bin/$(basename "$p") $(readlink -f "$p") 0755 0 0"
		ldd "$p" | sed -n 's|.*[[:space:]]\(/[^ ]*\) (0x.*|\1|p' |
			while read -r f; do
				echo "file $f $(readlink -f "$f") 0755 0 0"
				# Every directory above it: gen_init_cpio makes none.
				d=$(dirname "$f")
				until [ "$d" = / ]; do
					echo "dir $d 0755 0 0"
					d=$(dirname "$d")
				done
			done
	done >"$out/cpio-dyn.list"
	# Directories before files, each parent before its children.
	{ echo "dir /bin 0755 0 0"; echo "dir /sys 0755 0 0"; cat "$out/cpio-dyn.list"; } |
		sort -u >>"$out/cpio-a.list"
fi
"$kdir/gen_init_cpio" "$out/cpio-a.list" >"$out/initrd-a.cpio"
