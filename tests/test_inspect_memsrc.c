// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_inspect_memsrc.c - kho inspect's memory sources (tools/kho/memsrc.c)
 * read back exactly what a raw image holds: ELF cores written here with
 * <elf.h> (segments out of order, touching, overlapping, at the same
 * address, with p_filesz < p_memsz, with no file bytes and an offset past
 * the end of the file, a vmalloc segment without physical
 * address, a VMCOREINFO note, a note too large to read), reads across
 * segment boundaries and at odd offsets, holes refused with -EFAULT, a file
 * shorter than its segments or that cannot be read at an offset (a FIFO)
 * with -EIO; and the refusals at open (not ELF, not a core, 32-bit,
 * truncated headers, a segment that wraps around, bad raw spec, bad iomem
 * ranges); the name of every kind of source.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* The unit under test is part of the kho tool, not of a library. */
#include "../tools/kho/memsrc.c"

#define MIB (1ULL << 20)
#define RAW_SIZE (4 * MIB)

static char dir[] = "/tmp/kho-memsrc.XXXXXX";
static uint8_t *raw;		/* what physical [RAW_BASE, + RAW_SIZE) holds */
static const uint64_t RAW_BASE = 0x100000000ULL;

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* One PT_LOAD: physical [paddr, + memsz), of which filesz come from raw. */
struct load {
	uint64_t paddr;
	uint64_t memsz;
	uint64_t filesz;
};

/*
 * Write an ELF core of @n loads (in the given order) and optionally a note;
 * the file is cut to @truncate bytes when non-zero.
 */
static void write_core(const char *name, const struct load *l, unsigned int n,
		       bool vmalloc, const char *vmcoreinfo, uint64_t truncate)
{
	unsigned int phnum = n + (vmalloc ? 1 : 0) + (vmcoreinfo ? 1 : 0);
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
			     ELFDATA2LSB, EV_CURRENT },
		.e_type = ET_CORE,
		.e_machine = EM_X86_64,
		.e_version = EV_CURRENT,
		.e_phoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = phnum,
	};
	uint64_t off = sizeof(eh) + phnum * sizeof(Elf64_Phdr);
	char path[4200];
	unsigned int p = 0;
	Elf64_Phdr *ph = calloc(phnum, sizeof(*ph));
	int fd;

	if (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
		eh.e_ident[EI_DATA] = ELFDATA2MSB;
	path_of(path, sizeof(path), name);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	assert_true(fd >= 0 && ph);
	if (vmcoreinfo) {
		size_t dlen = strlen(vmcoreinfo);
		Elf64_Nhdr nh = { sizeof("VMCOREINFO"), dlen, 0 };
		uint8_t note[512] = { 0 };
		size_t nlen = sizeof(nh) + 12 + ((dlen + 3) & ~3UL);

		memcpy(note, &nh, sizeof(nh));
		memcpy(note + sizeof(nh), "VMCOREINFO", sizeof("VMCOREINFO"));
		memcpy(note + sizeof(nh) + 12, vmcoreinfo, dlen);
		ph[p++] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = off,
					.p_filesz = nlen };
		assert_int_equal(pwrite(fd, note, nlen, off), nlen);
		off += nlen;
	}
	for (unsigned int i = 0; i < n; i++) {
		off = (off + 4095) & ~4095ULL;
		ph[p++] = (Elf64_Phdr){
			.p_type = PT_LOAD, .p_offset = off,
			.p_vaddr = 0xffff888000000000ULL + l[i].paddr,
			.p_paddr = l[i].paddr, .p_filesz = l[i].filesz,
			.p_memsz = l[i].memsz, .p_align = 4096,
		};
		if (l[i].filesz)
			assert_int_equal(pwrite(fd,
						raw + (l[i].paddr - RAW_BASE),
						l[i].filesz, off),
					 l[i].filesz);
		off += l[i].filesz;
	}
	if (vmalloc)
		ph[p++] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = off,
					.p_vaddr = 0xffffc90000000000ULL,
					.p_paddr = UINT64_MAX };
	assert_int_equal(pwrite(fd, &eh, sizeof(eh), 0), sizeof(eh));
	assert_int_equal(pwrite(fd, ph, phnum * sizeof(*ph), sizeof(eh)),
			 phnum * sizeof(*ph));
	if (truncate)
		assert_int_equal(ftruncate(fd, truncate), 0);
	close(fd);
	free(ph);
}

static void open_ok(struct memsrc *ms, const char *kind, const char *name)
{
	struct sim_error e = { "" };
	char spec[4300];

	snprintf(spec, sizeof(spec), "%s%s/%s", kind, dir, name);
	if (memsrc_open(ms, spec, &e))
		fail_msg("%s: %s", spec, e.msg);
}

static int open_err(const char *spec, const char *want)
{
	struct sim_error e = { "" };
	struct memsrc ms;
	int ret = memsrc_open(&ms, spec, &e);

	assert_true(ret < 0);
	if (!strstr(e.msg, want))
		fail_msg("%s: \"%s\" lacks \"%s\"", spec, e.msg, want);
	return ret;
}

/* Every read of @ms inside [lo, hi) equals raw; zeroes where @zero says. */
static void check_reads(struct memsrc *ms, uint64_t lo, uint64_t hi,
			uint64_t zero_lo, uint64_t zero_hi)
{
	static const uint64_t lens[] = { 1, 7, 4096, 4097, 65536 + 3 };
	uint8_t *buf = malloc(65536 + 8);
	struct sim_error e;

	for (uint64_t pa = lo; pa < hi; pa += 4093) {
		for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			uint64_t len = lens[k];

			if (pa + len > hi)
				continue;
			assert_int_equal(memsrc_read(ms, pa, buf, len, &e), 0);
			for (uint64_t i = 0; i < len; i++) {
				uint64_t a = pa + i;
				uint8_t want = a >= zero_lo && a < zero_hi ?
						       0 : raw[a - RAW_BASE];

				if (buf[i] != want)
					fail_msg("%#llx: %#x, want %#x",
						 (unsigned long long)a, buf[i], want);
			}
		}
	}
	free(buf);
}

static void test_raw(void **state)
{
	struct memsrc ms;
	struct sim_error e;
	uint8_t b[16];

	open_ok(&ms, "raw:", "raw.img@0x100000000");
	assert_int_equal(ms.nr_ram, 1);
	assert_true(ms.ram[0].start == RAW_BASE &&
		    ms.ram[0].end == RAW_BASE + RAW_SIZE);
	check_reads(&ms, RAW_BASE, RAW_BASE + RAW_SIZE, 0, 0);
	assert_int_equal(memsrc_read(&ms, RAW_BASE - 1, b, 2, &e), -EFAULT);
	assert_non_null(strstr(e.msg, "physical address 0xffffffff is not in"));
	assert_int_equal(memsrc_read(&ms, RAW_BASE + RAW_SIZE - 8, b, 16, &e),
			 -EFAULT);
	assert_false(memsrc_backed(&ms, RAW_BASE + RAW_SIZE - 8, 16));
	assert_true(memsrc_backed(&ms, RAW_BASE, RAW_SIZE));
	memsrc_close(&ms);
	/* Decimal, a leading 0 too (not octal); hex in either case. */
	for (unsigned int i = 0; i < 3; i++) {
		static const char *const same[] = { "raw.img@04294967296",
						    "raw.img@4294967296",
						    "raw.img@0X100000000" };

		open_ok(&ms, "raw:", same[i]);
		assert_true(ms.ram[0].start == RAW_BASE);
		memsrc_close(&ms);
	}
}

/*
 * Segments out of order, touching, overlapping, partly in the file; of two
 * at the same address the longer wins, whatever their order in the file.
 */
static void test_elf_like_raw(void **state)
{
	const struct load l[] = {
		{ RAW_BASE, MIB / 2, 0 },		  /* the longer wins */
		{ RAW_BASE + 2 * MIB, 2 * MIB, MIB },	  /* 2nd MiB reads 0 */
		{ RAW_BASE, MIB, MIB },
		{ RAW_BASE + MIB, MIB, MIB },		  /* touches the first */
		{ RAW_BASE + MIB / 2, MIB, MIB },	  /* inside: clipped */
	};
	struct memsrc ms;

	write_core("a.core", l, 5, true, "OSRELEASE=6.19\nPAGESIZE=16384\n", 0);
	open_ok(&ms, "elf:", "a.core");
	assert_int_equal(ms.nr_ram, 1);
	assert_true(ms.ram[0].start == RAW_BASE &&
		    ms.ram[0].end == RAW_BASE + RAW_SIZE);
	assert_int_equal(ms.page_shift, 14);
	check_reads(&ms, RAW_BASE, RAW_BASE + RAW_SIZE, RAW_BASE + 3 * MIB,
		    RAW_BASE + 4 * MIB);
	memsrc_close(&ms);

	/* The same file as kcore: no page size note is needed. */
	open_ok(&ms, "kcore:", "a.core");
	assert_int_equal(ms.kind, MEMSRC_KCORE);
	memsrc_close(&ms);
}

static void test_elf_hole(void **state)
{
	const struct load l[] = {
		{ RAW_BASE, MIB, MIB },
		{ RAW_BASE + 2 * MIB, 2 * MIB, 2 * MIB },
	};
	struct memsrc ms;
	struct sim_error e;
	uint8_t b[8];

	write_core("hole.core", l, 2, false, NULL, 0);
	open_ok(&ms, "elf:", "hole.core");
	assert_int_equal(ms.nr_ram, 2);
	assert_int_equal(ms.page_shift, 0);
	check_reads(&ms, RAW_BASE, RAW_BASE + MIB, 0, 0);
	check_reads(&ms, RAW_BASE + 2 * MIB, RAW_BASE + 4 * MIB, 0, 0);
	assert_int_equal(memsrc_read(&ms, RAW_BASE + MIB - 4, b, 8, &e), -EFAULT);
	assert_non_null(strstr(e.msg, "physical address 0x100100000 is not in"));
	assert_false(memsrc_backed(&ms, RAW_BASE + MIB + 4096, 1));
	memsrc_close(&ms);
}

static void test_elf_refused(void **state)
{
	const struct load l[] = { { RAW_BASE, 2 * MIB, 2 * MIB } };
	char spec[4300], path[4200];
	Elf64_Ehdr eh;
	int fd;

	/* Segment data past the end of the file. */
	write_core("t.core", l, 1, false, NULL, 3 * 4096);
	snprintf(spec, sizeof(spec), "elf:%s/t.core", dir);
	assert_int_equal(open_err(spec, "is truncated: segment 0 (physical "
				  "0x100000000) ends at file offset 0x201000"),
			 -ENOEXEC);
	/* Program headers past the end. */
	write_core("t.core", l, 1, false, NULL, sizeof(Elf64_Ehdr) + 10);
	open_err(spec, "is truncated: its 1 program headers end at offset 0x78");
	/* The ELF header itself. */
	write_core("t.core", l, 1, false, NULL, 20);
	open_err(spec, "is truncated: 20 bytes, an ELF header needs 64");
	/* Not a core, 32-bit, not ELF. */
	write_core("x.core", l, 1, false, NULL, 0);
	path_of(path, sizeof(path), "x.core");
	fd = open(path, O_RDWR);
	assert_int_equal(pread(fd, &eh, sizeof(eh), 0), sizeof(eh));
	eh.e_type = ET_EXEC;
	assert_int_equal(pwrite(fd, &eh, sizeof(eh), 0), sizeof(eh));
	snprintf(spec, sizeof(spec), "elf:%s", path);
	open_err(spec, "is an ELF file but not a core dump (e_type 2");
	eh.e_type = ET_CORE;
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	assert_int_equal(pwrite(fd, &eh, sizeof(eh), 0), sizeof(eh));
	open_err(spec, "is a 32-bit ELF file");
	close(fd);
	snprintf(spec, sizeof(spec), "elf:%s/raw.img", dir);
	open_err(spec, "raw.img is not an ELF file");
	/* A segment that wraps around the physical address space. */
	write_core("w.core", (struct load[]){ { -0x1000ULL, 0x2000, 0 } }, 1,
		   false, NULL, 4096);
	snprintf(spec, sizeof(spec), "elf:%s/w.core", dir);
	open_err(spec, "segment at physical 0xfffffffffffff000 of 0x2000 bytes "
		       "wraps around");
	/* A core without a physical address. */
	write_core("none.core", NULL, 0, true, NULL, 0);
	snprintf(spec, sizeof(spec), "elf:%s/none.core", dir);
	open_err(spec, "has no PT_LOAD segment with a physical address");
}

/*
 * A segment without file bytes reads as zeros wherever its offset points:
 * past the end of the file is accepted, where one byte of data is refused.
 */
static void test_elf_empty_past_eof(void **state)
{
	const struct load l[] = { { RAW_BASE, MIB, MIB },
				  { RAW_BASE + MIB, MIB, 0 } };
	const off_t at = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
	char path[4200], spec[4300];
	struct memsrc ms;
	Elf64_Phdr ph;
	int fd;

	write_core("empty.core", l, 2, false, NULL, 0);
	path_of(path, sizeof(path), "empty.core");
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &ph, sizeof(ph), at), sizeof(ph));
	assert_int_equal(ph.p_filesz, 0);
	ph.p_offset = 64 * MIB;
	assert_int_equal(pwrite(fd, &ph, sizeof(ph), at), sizeof(ph));
	open_ok(&ms, "elf:", "empty.core");
	assert_int_equal(ms.nr_ram, 1);
	check_reads(&ms, RAW_BASE, RAW_BASE + 2 * MIB, RAW_BASE + MIB,
		    RAW_BASE + 2 * MIB);
	memsrc_close(&ms);

	ph.p_filesz = 1;
	assert_int_equal(pwrite(fd, &ph, sizeof(ph), at), sizeof(ph));
	close(fd);
	snprintf(spec, sizeof(spec), "elf:%s", path);
	assert_int_equal(open_err(spec,
				  "is truncated: segment 1 (physical "
				  "0x100100000) ends at file offset 0x4000001"),
			 -ENOEXEC);

	/* Offset and size that run past 2^64: said so, not the wrapped sum. */
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	ph.p_offset = -0x1000ULL;
	ph.p_filesz = 0x2000;
	assert_int_equal(pwrite(fd, &ph, sizeof(ph), at), sizeof(ph));
	close(fd);
	assert_int_equal(
		open_err(spec, "empty.core: segment 1 (physical 0x100100000) "
			       "runs past 2^64 in the file: file offset "
			       "0xfffffffffffff000 + 0x2000 bytes"),
		-ENOEXEC);
}

/* A note segment larger than any kernel's is not read: no page size. */
static void test_elf_big_note(void **state)
{
	const struct load l[] = { { RAW_BASE, MIB, MIB } };
	char path[4200];
	struct memsrc ms;
	Elf64_Phdr ph;
	int fd;

	write_core("note.core", l, 1, false, "PAGESIZE=16384\n", 0);
	open_ok(&ms, "elf:", "note.core");
	assert_int_equal(ms.page_shift, 14);
	memsrc_close(&ms);
	path_of(path, sizeof(path), "note.core");
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &ph, sizeof(ph), sizeof(Elf64_Ehdr)),
			 sizeof(ph));
	assert_int_equal(ph.p_type, PT_NOTE);
	ph.p_filesz = MEMSRC_NOTE_MAX + 1;
	assert_int_equal(pwrite(fd, &ph, sizeof(ph), sizeof(Elf64_Ehdr)),
			 sizeof(ph));
	assert_int_equal(ftruncate(fd, 4 * MIB), 0);
	close(fd);
	open_ok(&ms, "elf:", "note.core");
	assert_int_equal(ms.page_shift, 0);
	memsrc_close(&ms);
}

static void test_truncated_read(void **state)
{
	struct sim_error e = { "" };
	struct memsrc ms;
	char path[4200];
	uint8_t b[8];

	/* A raw image that shrinks after it was opened. */
	open_ok(&ms, "raw:", "shrink.img@0x100000000");
	path_of(path, sizeof(path), "shrink.img");
	assert_int_equal(truncate(path, MIB), 0);
	assert_int_equal(memsrc_read(&ms, RAW_BASE + 2 * MIB, b, 8, &e), -EIO);
	assert_non_null(strstr(e.msg, "truncated"));
	memsrc_close(&ms);
}

static void test_bad_specs(void **state)
{
	static const char *const kinds[] = {
		[MEMSRC_MACHINE] = "machine directory",
		[MEMSRC_RAW] = "raw image",
		[MEMSRC_ELF] = "ELF core",
		[MEMSRC_KCORE] = "/proc/kcore",
		[MEMSRC_DEVMEM] = "/dev/mem",
	};
	char spec[4300];

	for (unsigned int k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		assert_string_equal(memsrc_kind_name(k), kinds[k]);
	assert_string_equal(memsrc_kind_name(99), "memory source");

	open_err("", "which memory?");
	open_err("foo:bar", "is no memory source");
	snprintf(spec, sizeof(spec), "raw:%s/raw.img@0xzz", dir);
	open_err(spec, "is not a base address");
	snprintf(spec, sizeof(spec), "raw:%s/raw.img@0xffffffffffffff00", dir);
	open_err(spec, "wraps around");
	/* No sign, no space, no wrap, and a base is required. */
	static const char *const bad_base[] = {
		" -0x40000000", "-0x40000000", "+0x1000", " 0x1000",
		"0x1000 ",	"0x",	       "",	  "08x",
		"0x1g"
	};
	for (size_t i = 0; i < sizeof(bad_base) / sizeof(bad_base[0]); i++) {
		snprintf(spec, sizeof(spec), "raw:%s/raw.img@%s", dir,
			 bad_base[i]);
		open_err(spec, "is not a base address");
	}
	snprintf(spec, sizeof(spec), "raw:%s/raw.img@0x10000000000000000", dir);
	open_err(spec, "is larger than 2^64 - 1");
	snprintf(spec, sizeof(spec), "raw:%s/raw.img@18446744073709551616",
		 dir);
	open_err(spec, "is larger than 2^64 - 1");
	snprintf(spec, sizeof(spec), "raw:%s/raw.img", dir);
	open_err(spec, "no base address");
	snprintf(spec, sizeof(spec), "%s/nowhere", dir);
	open_err(spec, "is not a machine directory");
}

static void test_devmem(void **state)
{
	static const struct {
		const char *text, *says;
	} bad[] = {
		{ "2000-1000 : System RAM\n", "iomem:1: bad range" },
		{ "0-fff : Reserved\n0-ffffffffffffffff : System RAM\n",
		  "iomem:2: bad range" },
		{ "0-fff : Reserved\n", "iomem lists no System RAM" },
	};
	char mem[4200], iomem[4200], fifo[4200];
	uint8_t raw_buf[8];
	struct memsrc ms;
	struct sim_error e = { "" };
	int fd, pipefd[2];
	FILE *f;

	path_of(mem, sizeof(mem), "devmem");
	path_of(iomem, sizeof(iomem), "iomem");
	fd = open(mem, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, raw, RAW_SIZE, RAW_BASE), RAW_SIZE);
	close(fd);
	f = fopen(iomem, "w");
	fprintf(f, "00000000-00000fff : Reserved\n"
		   "100000000-1003fffff : System RAM\n"
		   "  100000000-1001fffff : Kernel code\n"
		   "fe000000-feffffff : PCI Bus 0000:00\n");
	fclose(f);
	setenv("KHO_DEVMEM", mem, 1);
	setenv("KHO_IOMEM", iomem, 1);
	assert_int_equal(memsrc_open(&ms, "devmem", &e), 0);
	assert_int_equal(ms.nr_ram, 1);
	check_reads(&ms, RAW_BASE, RAW_BASE + RAW_SIZE, 0, 0);
	memsrc_close(&ms);

	/* A FIFO is refused at the open, in sim_open_file()'s sentence. */
	path_of(fifo, sizeof(fifo), "fifo");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	fd = open(fifo, O_RDWR); /* a writer: opening to read does not wait */
	assert_true(fd >= 0);
	setenv("KHO_DEVMEM", fifo, 1);
	assert_int_equal(memsrc_open(&ms, "devmem", &e), -EINVAL);
	if (!strstr(e.msg, "fifo is not a regular file or a character device"))
		fail_msg("%s", e.msg);
	close(fd);
	/* A character device is taken (/dev/null reads as empty). */
	setenv("KHO_DEVMEM", "/dev/null", 1);
	assert_int_equal(memsrc_open(&ms, "devmem", &e), 0);
	assert_int_equal(memsrc_read(&ms, RAW_BASE, raw_buf, 8, &e), -EIO);
	if (!strstr(e.msg, "/dev/null ends before physical 0x100000000"))
		fail_msg("%s", e.msg);
	/* Memory that cannot be read at an offset: a pipe in its place. */
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(dup2(pipefd[0], ms.fd), ms.fd);
	close(pipefd[0]);
	close(pipefd[1]);
	assert_int_equal(memsrc_read(&ms, RAW_BASE, raw_buf, 8, &e), -EIO);
	if (!strstr(e.msg, "cannot read physical 0x100000000 from ") ||
	    !strstr(e.msg, "/dev/null: Illegal seek"))
		fail_msg("%s", e.msg);
	memsrc_close(&ms);
	setenv("KHO_DEVMEM", mem, 1);

	/* Ranges no kernel writes. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = fopen(iomem, "w");
		fputs(bad[i].text, f);
		fclose(f);
		assert_int_equal(memsrc_open(&ms, "devmem", &e), -EINVAL);
		if (!strstr(e.msg, bad[i].says))
			fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].text, e.msg,
				 bad[i].says);
	}

	/* Not root: /proc/iomem shows zeroes. */
	f = fopen(iomem, "w");
	fprintf(f, "00000000-00000000 : System RAM\n");
	fclose(f);
	assert_int_equal(memsrc_open(&ms, "devmem", &e), -EPERM);
	assert_non_null(strstr(e.msg, "shows no addresses: run as root"));
	unsetenv("KHO_DEVMEM");
	unsetenv("KHO_IOMEM");
}

static int setup(void **state)
{
	char path[4200];
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	int fd;

	if (!mkdtemp(dir))
		return -1;
	raw = malloc(RAW_SIZE);
	if (!raw)
		return -1;
	for (uint64_t i = 0; i < RAW_SIZE; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		raw[i] = x;
	}
	path_of(path, sizeof(path), "raw.img");
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || pwrite(fd, raw, RAW_SIZE, 0) != RAW_SIZE)
		return -1;
	close(fd);
	path_of(path, sizeof(path), "shrink.img");
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || pwrite(fd, raw, RAW_SIZE, 0) != RAW_SIZE)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	char cmd[4300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	free(raw);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_elf_like_raw),
		cmocka_unit_test(test_elf_hole),
		cmocka_unit_test(test_elf_refused),
		cmocka_unit_test(test_elf_big_note),
		cmocka_unit_test(test_elf_empty_past_eof),
		cmocka_unit_test(test_truncated_read),
		cmocka_unit_test(test_bad_specs),
		cmocka_unit_test(test_devmem),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
