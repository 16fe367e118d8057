// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * loader-x86.c - a freestanding x86 boot loader that hands a KHO handover to
 * Linux, the way only a boot loader or kexec can on x86: in setup_data of
 * type SETUP_KEXEC_KHO (10) holding struct kho_data (arch/x86/include/uapi/
 * asm/setup_data.h:16,85-90; read by arch/x86/kernel/setup.c).
 *
 * QEMU loads it as a multiboot kernel with three modules: a bzImage, an
 * initrd and the 32-byte kho_data (a libkho machine's handover file). The
 * command line is "kaddr=0xADDR" followed by Linux's command line; ADDR is
 * where the protected-mode kernel goes (2 MiB-aligned, in KHO scratch, room
 * for the header's init_size: the case script checks that). It builds
 * boot_params (setup header copied from the bzImage, the e820 map from
 * multiboot's memory map, command line, initrd, setup_data) in the first
 * MiB, and enters the kernel through the 32-bit boot protocol.
 *
 * No libc, no lib/: byte offsets are those of Documentation/arch/x86/
 * boot.rst and arch/x86/include/uapi/asm/bootparam.h.
 */
#include <stddef.h>
#include <stdint.h>

void enter_kernel(uint32_t entry, uint32_t boot_params);
void outb_port(uint32_t port, uint32_t value);
void loader_main(uint32_t magic, uint32_t mbi);

#define BOOT_PARAMS 0x90000u
#define CMDLINE (BOOT_PARAMS + 0x1000u)
#define SETUP_DATA (BOOT_PARAMS + 0x2000u)
#define CMDLINE_MAX 2048u

/* boot_params and setup header offsets (bootparam.h, boot.rst). */
#define BP_E820_ENTRIES 0x1e8
#define BP_SETUP_SECTS 0x1f1
#define BP_TYPE_OF_LOADER 0x210
#define BP_LOADFLAGS 0x211
#define BP_CODE32_START 0x214
#define BP_RAMDISK_IMAGE 0x218
#define BP_RAMDISK_SIZE 0x21c
#define BP_CMD_LINE_PTR 0x228
#define BP_SETUP_DATA 0x250
#define BP_E820_TABLE 0x2d0
#define E820_MAX 128
#define SETUP_KEXEC_KHO 10

static void putc_serial(char c)
{
	outb_port(0x3f8, (uint8_t)c);
}

static void puts_serial(const char *s)
{
	while (*s)
		putc_serial(*s++);
}

static void puthex(uint64_t v)
{
	puts_serial("0x");
	for (int i = 60; i >= 0; i -= 4)
		putc_serial("0123456789abcdef"[(v >> i) & 15]);
}

static void halt(const char *why)
{
	puts_serial("\r\nkholoader: ");
	puts_serial(why);
	puts_serial("\r\n");
	outb_port(0xf4, 0x7f); /* isa-debug-exit, when present */
	for (;;)
		__asm__ volatile("hlt");
}

static void *mem(uint32_t pa)
{
	return (void *)(uintptr_t)pa;
}

static void copy(uint8_t *dst, const uint8_t *src, uint32_t n)
{
	if (dst < src) {
		for (uint32_t i = 0; i < n; i++)
			dst[i] = src[i];
	} else {
		while (n--)
			dst[n] = src[n];
	}
}

static void zero(uint8_t *p, uint32_t n)
{
	while (n--)
		*p++ = 0;
}

static uint32_t rd32(uint32_t pa)
{
	uint32_t v;

	copy((uint8_t *)&v, mem(pa), 4);
	return v;
}

static void wr32(uint32_t pa, uint32_t v)
{
	copy(mem(pa), (const uint8_t *)&v, 4);
}

static void wr64(uint32_t pa, uint64_t v)
{
	copy(mem(pa), (const uint8_t *)&v, 8);
}

static uint64_t parse_hex(const char *s, const char **end)
{
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (;; s++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		v = v << 4 | d;
	}
	*end = s;
	return v;
}

void loader_main(uint32_t magic, uint32_t mbi)
{
	uint32_t flags, mods, nr_mods, bz, bz_len, setup_sects, pm_off, kaddr;
	uint32_t hdr_end, n_e820 = 0;
	const char *cmd, *p;
	uint8_t *bp = mem(BOOT_PARAMS);

	puts_serial("\r\nkholoader: multiboot entry\r\n");
	if (magic != 0x2badb002)
		halt("not started by a multiboot loader");
	flags = rd32(mbi);
	if (!(flags & (1u << 3)) || rd32(mbi + 20) != 3)
		halt("need three modules: bzImage, initrd, kho_data");
	if (!(flags & (1u << 6)))
		halt("no memory map from the multiboot loader");
	if (!(flags & (1u << 2)))
		halt("no command line");
	mods = rd32(mbi + 24);
	nr_mods = rd32(mbi + 20);
	(void)nr_mods;

	/* "FILE kaddr=0x... LINUX COMMAND LINE" (QEMU puts the file first). */
	cmd = mem(rd32(mbi + 16));
	while (*cmd && *cmd != ' ')
		cmd++;
	while (*cmd == ' ')
		cmd++;
	if (cmd[0] != 'k' || cmd[1] != 'a' || cmd[2] != 'd' || cmd[3] != 'd' ||
	    cmd[4] != 'r' || cmd[5] != '=')
		halt("the command line must start with kaddr=0xADDR");
	kaddr = (uint32_t)parse_hex(cmd + 6, &p);
	while (*p == ' ')
		p++;
	if (!kaddr || kaddr & 0x1fffff)
		halt("kaddr must be a non-zero 2 MiB-aligned address");

	zero(bp, 0x3000);
	/* The bzImage: its setup header into boot_params, the rest to kaddr. */
	bz = rd32(mods);
	bz_len = rd32(mods + 4) - bz;
	if (bz_len < 1024 || rd32(bz + 0x202) != 0x53726448) /* "HdrS" */
		halt("module 1 is not a bzImage");
	hdr_end = 0x202 + *(uint8_t *)mem(bz + 0x201);
	copy(bp + BP_SETUP_SECTS, mem(bz + BP_SETUP_SECTS),
	     hdr_end - BP_SETUP_SECTS);
	setup_sects = *(uint8_t *)mem(bz + BP_SETUP_SECTS);
	if (!setup_sects)
		setup_sects = 4;
	pm_off = (setup_sects + 1) * 512;
	/* The kernel must not be copied over a module still to be read. */
	for (uint32_t m = 0; m < 3; m++)
		if (kaddr < rd32(mods + m * 16 + 4) &&
		    rd32(mods + m * 16) < kaddr + (bz_len - pm_off))
			halt("kaddr overlaps a module");
	copy(mem(kaddr), mem(bz + pm_off), bz_len - pm_off);

	bp[BP_TYPE_OF_LOADER] = 0xff;
	bp[BP_LOADFLAGS] = 0x01; /* LOADED_HIGH */
	wr32(BOOT_PARAMS + BP_CODE32_START, kaddr);
	/* The initrd stays where the multiboot loader put it. */
	wr32(BOOT_PARAMS + BP_RAMDISK_IMAGE, rd32(mods + 16));
	wr32(BOOT_PARAMS + BP_RAMDISK_SIZE, rd32(mods + 20) - rd32(mods + 16));
	for (uint32_t i = 0; i < CMDLINE_MAX - 1 && p[i]; i++)
		((char *)mem(CMDLINE))[i] = p[i];
	wr32(BOOT_PARAMS + BP_CMD_LINE_PTR, CMDLINE);

	/* e820 from the multiboot memory map (the same entries). */
	for (uint32_t e = rd32(mbi + 48), end = e + rd32(mbi + 44);
	     e < end && n_e820 < E820_MAX; e += rd32(e) + 4, n_e820++)
		copy(bp + BP_E820_TABLE + n_e820 * 20, mem(e + 4), 20);
	bp[BP_E820_ENTRIES] = (uint8_t)n_e820;

	/* setup_data: {next, type, len} and the 32-byte kho_data. */
	if (rd32(mods + 36) - rd32(mods + 32) != 32)
		halt("module 3 is not a 32-byte kho_data");
	wr64(SETUP_DATA, 0);
	wr32(SETUP_DATA + 8, SETUP_KEXEC_KHO);
	wr32(SETUP_DATA + 12, 32);
	copy(mem(SETUP_DATA + 16), mem(rd32(mods + 32)), 32);
	wr64(BOOT_PARAMS + BP_SETUP_DATA, SETUP_DATA);

	puts_serial("kholoader: kernel at ");
	puthex(kaddr);
	puts_serial(", kho_data fdt ");
	puthex(*(uint64_t *)mem(SETUP_DATA + 16));
	puts_serial(" scratch ");
	puthex(*(uint64_t *)mem(SETUP_DATA + 32));
	puts_serial(", e820 entries ");
	puthex(n_e820);
	puts_serial("\r\n");
	enter_kernel(kaddr, BOOT_PARAMS);
}
