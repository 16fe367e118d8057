/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * stub-arm64.S - a "next kernel" that stops the machine at the kexec point.
 *
 * kexec_file_load() takes it for an arm64 Image (magic, image_size and
 * flags: arch/arm64/kernel/kexec_image.c image_probe() and image_load());
 * it is entered with the MMU off and x0 holding the DTB kexec built, whose
 * /chosen carries linux,kho-fdt and linux,kho-scratch. It prints that
 * address on QEMU virt's PL011 (0x09000000) and powers off through PSCI
 * SYSTEM_OFF over HVC, so QEMU exits with RAM exactly as the next kernel
 * would have found it.
 *
 * Assembled and copied out as a flat file: objcopy -O binary -j .text.
 */
	.text
	b	entry			/* code0 */
	.long	0			/* code1 */
	.quad	0			/* text_offset */
	.quad	0x10000			/* image_size */
	.quad	0xa			/* flags: LE, 4 KiB pages, anywhere */
	.quad	0, 0, 0			/* res2..res4 */
	.ascii	"ARM\x64"		/* magic */
	.long	0			/* res5 */
entry:
	mov	x19, x0
	movz	x20, #0x0900, lsl #16	/* PL011 data register */
	adr	x1, msg
	bl	puts
	mov	x4, #16
	adr	x5, hexd
1:	ror	x19, x19, #60
	and	x3, x19, #15
	ldrb	w3, [x5, x3]
	strb	w3, [x20]
	subs	x4, x4, #1
	b.ne	1b
	adr	x1, nl
	bl	puts
	movz	x0, #0x0008
	movk	x0, #0x8400, lsl #16	/* PSCI SYSTEM_OFF */
	hvc	#0
2:	wfi
	b	2b

puts:					/* x1: NUL-terminated string */
	ldrb	w3, [x1], #1
	cbz	w3, 3f
	strb	w3, [x20]
	b	puts
3:	ret

msg:	.asciz	"\r\nKHOSTUB arm64 dtb=0x"
nl:	.asciz	"\r\n"
hexd:	.ascii	"0123456789abcdef"
	.balign	4096
