// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * loader-x86.c - a freestanding x86 boot loader that hands a KHO handover to
 * Linux, the way only a boot loader or kexec can on x86: in setup_data of
 * type SETUP_KEXEC_KHO (10) holding struct kho_data (arch/x86/include/uapi/
 * asm/setup_data.h:16,85-90; read by arch/x86/kernel/setup.c).
 *
 * QEMU loads it as a multiboot kernel with three modules: a bzImage, an
 * initrd and the 32-byte kho_data (a libkho machine's handover file). The
 * command line is "kaddr=0xADDR ktree=0xROOT" followed by Linux's command
 * line; ADDR is
 * where the protected-mode kernel goes (2 MiB-aligned, in KHO scratch, room
 * for the header's init_size: the case script checks that). It builds
 * boot_params (setup header copied from the bzImage, the e820 map from
 * multiboot's memory map, command line, initrd, setup_data) in the first
 * MiB, and enters the kernel through the 32-bit boot protocol.
 *
 * Before it boots anything it checks the handed-over radix tree with
 * libkho's own lib/ (kho_radix_attach() and kho_radix_validate(), built
 * -ffreestanding -DKHO_FREESTANDING into this 32-bit loader): every node in
 * RAM, reached once, outside scratch, every block inside RAM. The tree's
 * root comes from the command line ("ktree=0xADDR"; the case reads it from
 * the root FDT). A refused tree is not booted.
 *
 * No libc: byte offsets are those of Documentation/arch/x86/boot.rst and
 * arch/x86/include/uapi/asm/bootparam.h; the few helpers lib/ and the
 * compiler need are at the end of this file.
 */
#include <stddef.h>
#include <stdint.h>

#include <kho/abi.h>
#include <kho/kho.h>
#include <kho/radix.h>
#include <kho/validate.h>

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

/* lib/ reaches memory through these: physical = virtual below 4 GiB. */
static void *phys_to_virt(void *ctx, uint64_t pa)
{
	return pa >> 32 ? NULL : (void *)(uintptr_t)pa;
}

static uint64_t virt_to_phys(void *ctx, const void *va)
{
	return (uintptr_t)va;
}

static void *no_alloc(void *ctx)
{
	return NULL;
}

static void no_free(void *ctx, void *page)
{
}

#define MAX_RAM 32
#define MAX_SCRATCH 64
static uint64_t seen[(4ULL << 30) >> 12 >> 6]; /* a bit per page of 4 GiB */

/* Check the tree with lib/; halt (no boot) when it is refused. */
static void validate_tree(uint64_t root, uint32_t mmap, uint32_t mmap_len,
			  uint64_t scratch_addr, uint64_t scratch_size)
{
	static struct kho_mem_region ram[MAX_RAM];
	static struct kho_scratch scratch[MAX_SCRATCH];
	struct kho_mem_ops ops = { .alloc_page = no_alloc,
				   .free_page = no_free,
				   .virt_to_phys = virt_to_phys,
				   .phys_to_virt = phys_to_virt };
	struct kho_tree_check chk = { 0 };
	struct kho_radix_tree tree;
	struct kho_geometry geo;
	unsigned int nr_ram = 0, nr_scratch;
	int ret;

	for (uint32_t e = mmap, end = mmap + mmap_len;
	     e < end && nr_ram < MAX_RAM; e += rd32(e) + 4) {
		uint64_t base, len;

		copy((uint8_t *)&base, mem(e + 4), 8);
		copy((uint8_t *)&len, mem(e + 12), 8);
		if (rd32(e + 20) != 1 || !len)
			continue;
		ram[nr_ram].start = base;
		ram[nr_ram++].end = base + len;
	}
	nr_scratch = scratch_size / sizeof(scratch[0]);
	if (nr_scratch > MAX_SCRATCH || scratch_addr >> 32)
		halt("the scratch array is too large or above 4 GiB");
	copy((uint8_t *)scratch, mem((uint32_t)scratch_addr),
	     nr_scratch * sizeof(scratch[0]));
	if (kho_tree_check_words(ram, nr_ram, 12) > sizeof(seen) / 8)
		halt("RAM above 4 GiB: the check bitmap is too small");
	chk.ram = ram;
	chk.nr_ram = nr_ram;
	chk.scratch = scratch;
	chk.nr_scratch = nr_scratch;
	chk.seen = seen;
	ret = kho_geometry_init(&geo, 12);
	if (!ret)
		ret = kho_radix_attach(&tree, &geo, &ops, root);
	if (ret)
		halt("lib/ cannot attach the radix tree at ktree=");
	ret = kho_radix_validate(&tree, &chk);
	puts_serial("kholoader: lib/ kho_radix_validate(): ");
	if (ret) {
		puts_serial(chk.err.what ? chk.err.what : "refused");
		puts_serial(" at ");
		puthex(chk.err.phys);
		halt("refused: not booting");
	}
	puts_serial("tree accepted, ");
	puthex(chk.nr_nodes);
	puts_serial(" nodes, ");
	puthex(chk.nr_ranges);
	puts_serial(" ranges\r\n");
}

void loader_main(uint32_t magic, uint32_t mbi)
{
	uint32_t flags, mods, nr_mods, bz, bz_len, setup_sects, pm_off, kaddr;
	uint32_t hdr_end, n_e820 = 0;
	uint64_t tree_root;
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
	if (p[0] != 'k' || p[1] != 't' || p[2] != 'r' || p[3] != 'e' ||
	    p[4] != 'e' || p[5] != '=')
		halt("kaddr= must be followed by ktree=0xADDR");
	tree_root = parse_hex(p + 6, &p);
	while (*p == ' ')
		p++;
	{
		const uint64_t *kd = mem(rd32(mods + 32));

		validate_tree(tree_root, rd32(mbi + 48), rd32(mbi + 44), kd[2],
			      kd[3]);
	}

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

/* What lib/ and the compiler expect from the environment. */
void kho_lock_init(struct kho_lock *lock)
{
}

void kho_lock_destroy(struct kho_lock *lock)
{
}

void kho_lock_acquire(struct kho_lock *lock)
{
}

void kho_lock_release(struct kho_lock *lock)
{
}

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;

	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	copy(d, s, n);
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (uint8_t)*a - (uint8_t)*b;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int __ctzdi2(uint64_t x);
int __popcountdi2(uint64_t x);

int __ctzdi2(uint64_t x)
{
	int n = 0;

	while (!(x & 1) && n < 64) {
		x >>= 1;
		n++;
	}
	return n;
}

int __popcountdi2(uint64_t x)
{
	int n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

/* 64-bit division and bit helpers a 32-bit build of lib/ may call. */
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int __clzdi2(uint64_t x);

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0, r = 0;

	if (!d)
		halt("division by zero in lib/");
	for (int i = 63; i >= 0; i--) {
		r = r << 1 | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= 1ULL << i;
		}
	}
	if (rem)
		*rem = r;
	return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
	return __udivmoddi4(n, d, NULL);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
	uint64_t r;

	__udivmoddi4(n, d, &r);
	return r;
}

int __clzdi2(uint64_t x)
{
	int n = 0;

	while (n < 64 && !(x >> 63)) {
		x <<= 1;
		n++;
	}
	return n;
}
