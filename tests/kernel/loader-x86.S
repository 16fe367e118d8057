/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * loader-x86.S - entry of the freestanding x86 loader (loader-x86.c).
 *
 * QEMU's multiboot loader starts it in 32-bit protected mode without paging,
 * %eax = 0x2badb002, %ebx = the multiboot information. enter_kernel() leaves
 * for Linux's 32-bit boot protocol (Documentation/arch/x86/boot.rst): flat
 * segments with __BOOT_CS 0x10 and __BOOT_DS 0x18, %esi = boot_params,
 * %ebp = %edi = %ebx = 0, interrupts off.
 */
	.text
	.code32
	.globl	_start
_start:
	cli
	jmp	1f
	.align	4
	.long	0x1badb002		/* multiboot magic */
	.long	0x00000003		/* page-aligned modules, memory map */
	.long	-(0x1badb002 + 0x00000003)
1:	movl	$stack_top, %esp
	pushl	%ebx
	pushl	%eax
	call	loader_main
2:	hlt
	jmp	2b

	.globl	enter_kernel		/* enter_kernel(entry, boot_params) */
enter_kernel:
	movl	4(%esp), %ecx
	movl	8(%esp), %esi
	lgdt	gdt_desc
	ljmp	$0x10, $3f
3:	movl	$0x18, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	xorl	%ebp, %ebp
	xorl	%edi, %edi
	xorl	%ebx, %ebx
	jmp	*%ecx

	.globl	outb_port
outb_port:				/* outb_port(port, value) */
	movl	4(%esp), %edx
	movl	8(%esp), %eax
	outb	%al, %dx
	ret

	.align	16
gdt:
	.quad	0
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x10: flat 4 GiB code */
	.quad	0x00cf92000000ffff	/* 0x18: flat 4 GiB data */
gdt_desc:
	.word	gdt_desc - gdt - 1
	.long	gdt

	.bss
	.align	16
	.space	16384
stack_top:

	.section .note.GNU-stack,"",@progbits
