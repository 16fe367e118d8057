#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Boot a guest kernel under QEMU, serial console to a log file, never hang.
#
# Usage: scripts/kernel/qemu.sh ARCH KERNEL INITRD APPEND LOG [options]
#   --ram-file FILE   back the guest's RAM by FILE (memory-backend-file,
#                     share=on): FILE keeps the RAM after QEMU exits
#   --dtb FILE        arm64: boot with this device tree instead of QEMU's
#   --dumpdtb FILE    arm64: write QEMU's device tree to FILE and exit
#   --timeout S       kill QEMU after S seconds (default $QEMU_TIMEOUT or 300)
#   --device SPEC     one more -device (repeatable), e.g. QEMU's generic
#                     loader; KERNEL, INITRD or APPEND "none" leaves out
#                     -kernel, -initrd or -append
# Environment: QEMU_ACCEL (default tcg: KVM guests hang at "Decompressing
# Linux..." on the machines this was written on), QEMU_MEM (default 1G),
# QEMU_SMP (default 1), QEMU_CPU (arm64, default cortex-a72; arm64-16k:
# max, since the A72 has no 16 KiB granule). ARCH arm64-16k and arm64-64k
# are arm64 (kernels with 16 and 64 KiB pages).
# Exit status: QEMU's; 124 or 137 when the timeout killed it.
set -eu
arch=${1:?usage: qemu.sh ARCH KERNEL INITRD APPEND LOG [options]}
kernel=${2:?}
initrd=${3:?}
append=${4:?}
log=${5:?}
shift 5
ramfile= dtb= dumpdtb= timeout=${QEMU_TIMEOUT:-300} devices=
while [ $# -gt 0 ]; do
	case $1 in
	--device) devices="$devices
$2"; shift 2 ;;
	--ram-file) ramfile=$2; shift 2 ;;
	--dtb) dtb=$2; shift 2 ;;
	--dumpdtb) dumpdtb=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	*) echo "qemu.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
accel=${QEMU_ACCEL:-tcg}
mem=${QEMU_MEM:-1G}
smp=${QEMU_SMP:-1}
machine_opts=
set --
if [ -n "$ramfile" ]; then
	set -- -object "memory-backend-file,id=mem,size=$mem,mem-path=$ramfile,share=on"
	machine_opts=",memory-backend=mem"
fi
case $arch in
x86_64)
	set -- qemu-system-x86_64 -M "pc$machine_opts" "$@" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04
	;;
arm64 | arm64-16k | arm64-64k)
	cpu=cortex-a72
	[ "$arch" != arm64-16k ] || cpu=max
	[ -n "$dumpdtb" ] && machine_opts="$machine_opts,dumpdtb=$dumpdtb"
	set -- qemu-system-aarch64 -M "virt$machine_opts" \
		-cpu "${QEMU_CPU:-$cpu}" "$@"
	[ -n "$dtb" ] && set -- "$@" -dtb "$dtb"
	;;
*) echo "qemu.sh: unknown architecture '$arch'" >&2; exit 2 ;;
esac
[ "$initrd" = none ] || set -- "$@" -initrd "$initrd"
[ "$kernel" = none ] || set -- "$@" -kernel "$kernel"
[ "$append" = none ] || set -- "$@" -append "$append"
# One -device per line of $devices (specs hold no newline).
nl='
'
oldifs=$IFS
IFS=$nl
for d in $devices; do
	set -- "$@" -device "$d"
done
IFS=$oldifs
rm -f "$log"
exec timeout -k 10 "$timeout" "$@" -accel "$accel" -m "$mem" -smp "$smp" \
	-no-reboot -nographic -nodefaults -serial "file:$log"
