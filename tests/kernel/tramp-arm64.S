/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * tramp-arm64.S - enter an arm64 Image the way the boot protocol wants
 * (Documentation/arch/arm64/booting.rst): MMU off, x0 = the DTB's physical
 * address, x1 = x2 = x3 = 0. QEMU's generic loader places the Image, the
 * initrd, the DTB and this trampoline where the case chose (in KHO scratch,
 * like kexec) and starts the CPU here. Built with -DDTB=... -DKERNEL=...
 */
	.text
	ldr	x0, dtb
	mov	x1, xzr
	mov	x2, xzr
	mov	x3, xzr
	ldr	x4, kernel
	br	x4
	.balign	8
dtb:	.quad	DTB
kernel:	.quad	KERNEL
