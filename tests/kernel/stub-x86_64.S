/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * stub-x86_64.S - a "next kernel" that stops the machine at the kexec point.
 *
 * kexec_file_load() takes it for a bzImage (the setup header fields its
 * probe and loader read, arch/x86/kernel/kexec-bzimage64.c:412-470, 480-660);
 * purgatory enters it in 64-bit mode at load address + 0x200 with %rsi
 * holding boot_params. It prints that address on COM1 and writes to QEMU's
 * isa-debug-exit port, so QEMU exits with RAM exactly as the next kernel
 * would have found it: the handover (boot_params -> setup_data type 10,
 * struct kho_data) and everything preserved, untouched by any boot.
 *
 * Assembled and copied out as a flat file: objcopy -O binary -j .text.
 */
	.text
	.code16
	.org	0x1f1
	.byte	1			/* setup_sects: one sector of setup */
	.org	0x1fe
	.word	0xaa55			/* boot_flag */
	.byte	0xeb, 0x66		/* jump; 0x202 + 0x66 ends the header */
	.ascii	"HdrS"			/* header */
	.word	0x020f			/* version 2.15 */
	.org	0x211
	.byte	0x01			/* loadflags: LOADED_HIGH */
	.org	0x230
	.long	0x200000		/* kernel_alignment */
	.byte	1			/* relocatable_kernel */
	.byte	0			/* min_alignment */
	.word	0x0023			/* xloadflags: KERNEL_64, ABOVE_4G, 5LEVEL */
	.long	2047			/* cmdline_size */
	.org	0x258
	.quad	0x1000000		/* pref_address */
	.long	0x100000		/* init_size */
	.org	0x400			/* end of setup: the "kernel" starts here */

	.org	0x600			/* 64-bit entry: load address + 0x200 */
	.code64
entry:
	movq	%rsi, %rbx
	leaq	msg(%rip), %rsi
	call	puts
	movq	%rbx, %rdi
	call	puthex
	leaq	nl(%rip), %rsi
	call	puts
	movw	$0xf4, %dx		/* isa-debug-exit: QEMU exits (0x31<<1|1) */
	movb	$0x31, %al
	outb	%al, %dx
1:	hlt
	jmp	1b

puts:					/* %rsi: NUL-terminated string */
	movw	$0x3f8, %dx
2:	lodsb
	testb	%al, %al
	jz	3f
	outb	%al, %dx
	jmp	2b
3:	ret

puthex:					/* %rdi: 16 hex digits */
	movl	$16, %ecx
	leaq	hexd(%rip), %rsi
	movw	$0x3f8, %dx
4:	rolq	$4, %rdi
	movl	%edi, %eax
	andl	$15, %eax
	movb	(%rsi,%rax), %al
	outb	%al, %dx
	decl	%ecx
	jnz	4b
	ret

msg:	.asciz	"\r\nKHOSTUB x86_64 boot_params=0x"
nl:	.asciz	"\r\n"
hexd:	.ascii	"0123456789abcdef"
	.org	0x1000
