// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_sim_conf.c - machine.conf parsing and writing, the default layout,
 * sizes and the kho_scratch= option; making and opening a machine
 * directory and its handover record, and each way that is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../sim/machine.h"
#include "../sim/scratch.h"

#define SZ_1M (1ULL << 20)
#define SZ_1G (1ULL << 30)

static void expect_refused(const char *text, const char *fragment);

static void test_parse_good(void **state)
{
	struct sim_conf c;
	struct sim_error e;

	assert_int_equal(sim_conf_parse(&c,
		"# comment\n"
		"page_size = 16384\n"
		"\n"
		"ram = 0x0 0x80000000 node=0   # low\n"
		"ram = 0x100000000 0x40000000 node=1\n"
		"kho_scratch = 50%\n", "t", &e), 0);
	assert_int_equal(c.page_shift, 14);
	assert_int_equal(c.nr_ranges, 2);
	assert_int_equal(c.nr_nodes, 2);
	assert_int_equal(c.ram[1].base, 0x100000000ULL);
	assert_int_equal(c.ram[1].size, SZ_1G);
	/* ram.img holds the ranges back to back. */
	assert_int_equal(c.ram[1].file_off, 0x80000000ULL);
	assert_int_equal(c.ram[1].nid, 1);
	assert_string_equal(c.kho_scratch, "50%");

	/* machine.conf's numbers too: 0268435456 is decimal, not octal. */
	assert_int_equal(sim_conf_parse(&c,
					"page_size = 04096\n"
					"ram = 00 0268435456 node=01\n",
					"t", &e),
			 0);
	assert_int_equal(c.page_shift, 12);
	assert_int_equal(c.ram[0].size, 256 * SZ_1M);
	assert_int_equal(c.ram[0].nid, 1);
	/* Node ids up to 1, but only node 1 has memory. */
	assert_int_equal(c.nr_nodes, 2);
	assert_int_equal(c.nr_mem_nodes, 1);
	assert_false(sim_conf_node_has_memory(&c, 0));
	assert_true(sim_conf_node_has_memory(&c, 1));

	/* A size takes K, M, G and T, as page_size does; an address not. */
	assert_int_equal(sim_conf_parse(&c,
					"page_size = 4K\n"
					"ram = 0 64M\n"
					"ram = 0x100000000 1GiB\n",
					"t", &e),
			 0);
	assert_int_equal(c.ram[0].size, 64 * SZ_1M);
	assert_int_equal(c.ram[1].size, SZ_1G);
	expect_refused("page_size = 4096\nram = 4G 64M\n",
		       ":2: ram base and size must be numbers, not \"4G\"");
}

static void expect_refused(const char *text, const char *fragment)
{
	struct sim_conf c;
	struct sim_error e = { "" };

	assert_int_equal(sim_conf_parse(&c, text, "machine.conf", &e), -EINVAL);
	if (!strstr(e.msg, fragment))
		fail_msg("\"%s\" does not say \"%s\"", e.msg, fragment);
}

static void test_parse_refused(void **state)
{
	expect_refused("ram = 0 0x1000000\n", "no page_size");
	expect_refused("page_size = 8192\nram = 0 0x1000000\n", "page_size must be");
	expect_refused("page_size = 4096\n", "no ram line");
	expect_refused("page_size = 4096\nram = 0 0x1000001\n", "not page-aligned");
	expect_refused("page_size = 4096\nram = 0x1000000 0x1000000\n"
		       "ram = 0 0x1000000\n", "not above");
	expect_refused("page_size = 4096\nram = 0 0x2000000\n"
		       "ram = 0x1000000 0x1000000\n", "not above");
	expect_refused("page_size = 4096\nram = 0 0x1000000 node=99\n", "node=N");
	expect_refused("page_size = 4096\nram = 0\n", "ram = BASE SIZE");
	expect_refused("page_size = 4096\nram = zero 0x1000\n", "numbers");
	expect_refused("page_size = 4096\nram = 0x0x100000000 0x8000000\n",
		       "numbers");
	expect_refused("page_size = 4096\ncolour = blue\n", ":2: unknown key");
	/*
	 * A word the line is refused for is named, escaped and cut: no
	 * control byte reaches the terminal, no line of a megabyte is
	 * printed whole.
	 */
	expect_refused("page_size = 4096\n\033[2J = 1\n",
		       ":2: unknown key \"\\x1b[2J\"");
	expect_refused("page_size = 4096\nram = 0 -4096\n",
		       ":2: ram base and size must be numbers, not \"-4096\"");
	expect_refused("page_size = 4096\nram = 0 0x1000 node=\377\n",
		       ":2: \"node=\\xff\" is not node=N with N below 16");
	expect_refused("page_size = 4096\nnonsense\n", ":2: expected");
	expect_refused("page_size = 4096\nram = 0xfffffffffffff000 0x2000\n",
		       "wraps");
	expect_refused(
		"page_size = 4096\nram = 0 0x1000000 node=0 more\n",
		"machine.conf:2: a ram line is \"ram = BASE SIZE [node=N]\"");
	expect_refused("page_size = 4096\nram = 0 0x100000000000\n",
		       "machine.conf: more than 4294967294 pages of RAM");
	expect_refused(
		"page_size = 4096\nkho_scratch = "
		"0123456789012345678901234567890123456789012345678901234567890123\n",
		"machine.conf:2: kho_scratch value too long");
	/* Each key but ram (a list) is given once: the last did not win. */
	expect_refused(
		"page_size = 4096\nram = 0 0x1000000\npage_size = 65536\n",
		"machine.conf:3: page_size given twice (first on line 1)");
	expect_refused(
		"page_size = 4096\nram = 0 0x1000000\npage_size = 4096\n",
		"machine.conf:3: page_size given twice (first on line 1)");
	expect_refused("page_size = 4096\narch = arm64\n# x\narch = x86_64\n"
		       "ram = 0 0x1000000\n",
		       "machine.conf:4: arch given twice (first on line 2)");
	expect_refused(
		"page_size = 4096\nkho_scratch = 200%\n"
		"ram = 0 0x1000000\n kho_scratch=50%\n",
		"machine.conf:4: kho_scratch given twice (first on line 2)");
}

/* An unknown key of 100000 bytes is shown cut, not whole. */
static void test_parse_long_key(void **state)
{
	static char text[100064];
	struct sim_conf c;
	struct sim_error e = { "" };
	int n = snprintf(text, sizeof(text), "page_size = 4096\n");

	memset(text + n, 'k', 100000);
	strcpy(text + n + 100000, " = 1\n");
	assert_int_equal(sim_conf_parse(&c, text, "machine.conf", &e), -EINVAL);
	assert_non_null(strstr(e.msg, ":2: unknown key \"kkkk"));
	assert_non_null(strstr(e.msg, "k...\""));
	assert_true(strlen(e.msg) < 200);
}

/* One ram line more than a machine may have: the line is named. */
static void test_parse_too_many_ranges(void **state)
{
	char text[128 * (SIM_MAX_RAM_RANGES + 2)];
	int n = snprintf(text, sizeof(text), "page_size = 4096\n");

	for (int i = 0; i <= SIM_MAX_RAM_RANGES; i++)
		n += snprintf(text + n, sizeof(text) - n,
			      "ram = %#llx 0x1000\n",
			      (unsigned long long)i << 20);
	expect_refused(text, "machine.conf:66: more than 64 ram lines");
}

static void test_format_round_trip(void **state)
{
	struct sim_conf a, b;
	struct sim_error e;
	char text[4096];

	assert_int_equal(sim_conf_layout(&a, 4 * SZ_1G, 3, 16, &e), 0);
	strcpy(a.kho_scratch, "64M,128M,32M");
	a.arch = SIM_ARCH_ARM64;
	assert_true(sim_conf_format(&a, text, sizeof(text)) > 0);
	assert_non_null(strstr(text, "\narch = arm64\n"));
	assert_int_equal(sim_conf_parse(&b, text, "t", &e), 0);
	assert_int_equal(b.nr_ranges, a.nr_ranges);
	assert_int_equal(b.page_shift, 16);
	assert_int_equal(b.nr_nodes, 3);
	for (unsigned int i = 0; i < a.nr_ranges; i++) {
		assert_int_equal(a.ram[i].base, b.ram[i].base);
		assert_int_equal(a.ram[i].size, b.ram[i].size);
		assert_int_equal(a.ram[i].nid, b.ram[i].nid);
	}
	assert_string_equal(b.kho_scratch, "64M,128M,32M");
	assert_int_equal(b.arch, SIM_ARCH_ARM64);
	assert_int_equal(sim_conf_format(&a, text, 16), -ENOSPC);
}

static void test_layout(void **state)
{
	struct sim_conf c;
	struct sim_error e;
	uint64_t total = 0;

	/* 4 GiB: half at 0, a hole, half above 4 GiB. */
	assert_int_equal(sim_conf_layout(&c, 4 * SZ_1G, 1, 12, &e), 0);
	assert_int_equal(c.nr_ranges, 2);
	assert_int_equal(c.ram[0].base, 0);
	assert_int_equal(c.ram[0].size, 2 * SZ_1G);
	assert_int_equal(c.ram[1].base, 4 * SZ_1G);
	assert_int_equal(c.ram[1].size, 2 * SZ_1G);
	/* Large machines keep at most 3 GiB below the hole. */
	assert_int_equal(sim_conf_layout(&c, 16 * SZ_1G, 2, 12, &e), 0);
	assert_int_equal(c.ram[0].size, 3 * SZ_1G);
	for (unsigned int i = 0; i < c.nr_ranges; i++)
		total += c.ram[i].size;
	assert_int_equal(total, 16 * SZ_1G);
	/* Two nodes of 8 GiB each: node 0 spans the hole. */
	assert_int_equal(c.nr_nodes, 2);
	assert_int_equal(c.ram[c.nr_ranges - 1].nid, 1);
	/* 2 MiB units split as evenly as they go; the message says the size. */
	assert_int_equal(sim_conf_layout(&c, 130 * SZ_1M, 3, 12, &e), 0);
	total = 0;
	for (unsigned int i = 0; i < c.nr_ranges; i++)
		if (c.ram[i].nid == 0)
			total += c.ram[i].size;
	assert_int_equal(total, 42 * SZ_1M);
	assert_int_equal(sim_conf_layout(&c, 1, 1, 12, &e), -EINVAL);
	assert_string_equal(
		e.msg,
		"--ram 1 byte: RAM must be a multiple of 2 MiB and at least 128 MiB");
	assert_int_equal(sim_conf_layout(&c, 129 * SZ_1M, 3, 12, &e), -EINVAL);
	assert_string_equal(
		e.msg,
		"--ram 129 MiB: RAM must be a multiple of 2 MiB and at least 128 MiB");
	/* A base of 0 is one block from 0, no hole. */
	assert_int_equal(sim_conf_layout_at(&c, 0, 256 * SZ_1M, 2, 12, &e), 0);
	assert_int_equal(c.nr_ranges, 2);
	assert_int_equal(c.ram[0].base, 0);
	assert_int_equal(c.ram[1].base, 128 * SZ_1M);
	assert_int_equal(c.ram[1].size, 128 * SZ_1M);
	assert_int_equal(sim_conf_layout(&c, 32 * SZ_1M, 1, 12, &e), -EINVAL);
	assert_int_equal(sim_conf_layout(&c, 65 * SZ_1M, 1, 12, &e), -EINVAL);
	assert_int_equal(sim_conf_layout(&c, 126 * SZ_1M, 1, 12, &e), -EINVAL);
	assert_int_equal(sim_conf_layout(&c, 128 * SZ_1M, 1, 12, &e), 0);
	assert_int_equal(sim_conf_layout(&c, SZ_1G, 0, 12, &e), -EINVAL);
	assert_int_equal(sim_conf_layout(&c, SZ_1G, 1, 13, &e), -EINVAL);
	/* 16 TiB of 4 KiB pages: more than the memmap's 32-bit index. */
	assert_int_equal(sim_conf_layout(&c, 1ULL << 44, 1, 12, &e), -EINVAL);
	assert_string_equal(
		e.msg,
		"--ram 16 TiB: 4294967296 pages of 4 KiB, more than the 4294967294 a machine can have");
}

/* The one number reader: its base, its end, overflow apart from junk. */
static void test_parse_number(void **state)
{
	const char *end;
	uint64_t v;

	assert_int_equal(sim_parse_number("1f", 16, &v, &end), 0);
	assert_int_equal(v, 31);
	assert_int_equal(sim_parse_number("0x1f", 10, &v, &end), 0);
	assert_int_equal(v, 31);
	assert_int_equal(sim_parse_number("1f", 10, &v, &end), 0);
	assert_int_equal(v, 1);
	assert_string_equal(end, "f");
	assert_int_equal(sim_parse_number("ffffffffffffffff", 16, &v, &end), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(sim_parse_number("10000000000000000", 16, &v, &end),
			 -ERANGE);
	assert_int_equal(sim_parse_number("18446744073709551616", 10, &v, &end),
			 -ERANGE);
	assert_int_equal(sim_parse_number("0x", 16, &v, &end), -EINVAL);
	assert_int_equal(sim_parse_number("-1", 10, &v, &end), -EINVAL);
	assert_int_equal(sim_parse_number(" 1", 10, &v, &end), -EINVAL);
}

static void test_parse_size(void **state)
{
	uint64_t v;

	assert_int_equal(sim_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(sim_parse_size("0x1000", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(sim_parse_size("64K", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(sim_parse_size("256M", &v), 0);
	assert_int_equal(v, 256 * SZ_1M);
	assert_int_equal(sim_parse_size("4GiB", &v), 0);
	assert_int_equal(v, 4 * SZ_1G);
	assert_int_equal(sim_parse_size("1t", &v), 0);
	assert_int_equal(v, 1ULL << 40);
	/* Decimal or 0x hexadecimal: a leading 0 is not octal. */
	assert_int_equal(sim_parse_size("010", &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(sim_parse_size("08", &v), 0);
	assert_int_equal(v, 8);
	assert_int_equal(sim_parse_size("0200M", &v), 0);
	assert_int_equal(v, 200 * SZ_1M);
	assert_int_equal(sim_parse_size("0X10", &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(sim_parse_size("0x", &v), -EINVAL);
	assert_int_equal(sim_parse_size("0x-1", &v), -EINVAL);
	assert_int_equal(sim_parse_size("0x 1", &v), -EINVAL);
	assert_int_equal(sim_parse_size("+5", &v), -EINVAL);
	assert_int_equal(sim_parse_size(" 5", &v), -EINVAL);
	assert_int_equal(sim_parse_size("", &v), -EINVAL);
	assert_int_equal(sim_parse_size("-1M", &v), -EINVAL);
	assert_int_equal(sim_parse_size("12Q", &v), -EINVAL);
	assert_int_equal(sim_parse_size("99999999999999999999", &v), -EINVAL);
	assert_int_equal(sim_parse_size("17179869184G", &v), -EINVAL);
	/* Digits only after 0x: strtoull() took a second "0x" (fix-boot2). */
	assert_int_equal(sim_parse_size("0x0x10000000", &v), -EINVAL);
	assert_int_equal(sim_parse_size("0X0X10", &v), -EINVAL);
	assert_int_equal(sim_parse_size("0xx10", &v), -EINVAL);
	assert_int_equal(sim_parse_size("0xffffffffffffffff", &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(sim_parse_size("0x10000000000000000", &v), -EINVAL);
	assert_int_equal(sim_parse_size("18446744073709551615", &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(sim_parse_size("18446744073709551616", &v), -EINVAL);
	assert_int_equal(sim_parse_size("0xaBc", &v), 0);
	assert_int_equal(v, 0xabc);
}

static void test_scratch_option(void **state)
{
	struct sim_scratch_spec s;

	assert_int_equal(sim_scratch_parse(NULL, &s), 0);
	assert_int_equal(s.scale, 200);
	assert_int_equal(sim_scratch_parse("", &s), 0);
	assert_int_equal(s.scale, 200);
	assert_int_equal(sim_scratch_parse("50%", &s), 0);
	assert_int_equal(s.scale, 50);
	assert_int_equal(sim_scratch_parse("16M,512M,256M", &s), 0);
	assert_int_equal(s.scale, 0);
	assert_int_equal(s.lowmem, 16 * SZ_1M);
	assert_int_equal(s.global, 512 * SZ_1M);
	assert_int_equal(s.pernode, 256 * SZ_1M);
	/* The kernel's u32 percentage: 0 leaves the (zero) sizes. */
	assert_int_equal(sim_scratch_parse("0%", &s), 0);
	assert_int_equal(s.scale, 0);
	assert_int_equal(s.lowmem | s.global | s.pernode, 0);
	assert_int_equal(sim_scratch_parse("4294967295%", &s), 0);
	assert_int_equal(s.scale, 4294967295U);
	assert_int_equal(sim_scratch_parse("+1000%", &s), 0);
	assert_int_equal(s.scale, 1000);
	assert_int_equal(sim_scratch_parse("4294967296%", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("-1%", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse(" 5%", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("+%", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("%", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("x%", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("16M,512M", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("1M,2M,3M,4M", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("1M,two,3M", &s), -EINVAL);

	/* Exactly what kho_parse_scratch_size() refuses (kexec_handover.c). */
	assert_int_equal(sim_scratch_parse("0,0,0", &s), -EINVAL);
	assert_int_equal(s.scale, 200); /* the defaults, kept */
	assert_int_equal(sim_scratch_parse("1M,2M,3M,", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse(",1M,2M,3M", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("1M,,2M,3M", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("1M,,2M", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("1MB,2M,3M", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("-1M,2M,3M", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("+1M,2M,3M", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse(" 1M,2M,3M", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("08,0,0", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("0x,0,0", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("00000000200%", &s), -EINVAL);
	assert_int_equal(
		sim_scratch_parse(
			"000000000000000000000000000000000000000000000000000000000200%",
			&s),
		-EINVAL);
	assert_int_equal(s.scale, 200);
	/* And what it accepts, as memparse() reads it. */
	assert_int_equal(sim_scratch_parse("0000000200%", &s), 0);
	assert_int_equal(s.scale, 200);
	assert_int_equal(sim_scratch_parse("010M,0x1e,1P", &s), 0);
	assert_int_equal(s.lowmem, 8 * SZ_1M); /* octal */
	assert_int_equal(s.global, 0x1e); /* e is a digit, not exa */
	assert_int_equal(s.pernode, 1ULL << 50);
	assert_int_equal(sim_scratch_parse("0,0,1k", &s), 0);
	assert_int_equal(s.pernode, 1024);
	assert_int_equal(sim_scratch_parse("0x1,0,0", &s), 0);
	assert_int_equal(s.lowmem, 1);
	/* Saturation, not wrap: 2^64 - 1. */
	assert_int_equal(sim_scratch_parse("99999999999999999999,0,0", &s), 0);
	assert_int_equal(s.lowmem, UINT64_MAX);
	assert_int_equal(sim_scratch_parse("16777216T,0,0", &s), 0);
	assert_int_equal(s.lowmem, UINT64_MAX);
	/* The total wraps like the kernel's size_t: to zero, refused. */
	assert_int_equal(sim_scratch_parse(
				 "0x8000000000000000,0x8000000000000000,0", &s),
			 -EINVAL);
}

/* ---- machine directories ------------------------------------------------- */

static char top[256];

static const char *at(const char *name)
{
	static char path[2][512];
	static int i;

	i ^= 1;
	snprintf(path[i], sizeof(path[i]), "%s/%s", top, name);
	return path[i];
}

static int dir_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(top, sizeof(top), "%s/kho-sim-conf.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(top) ? 0 : -1;
}

static int dir_teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd);
}

/* ret is code and the sentence is exactly msg, built like printf. */
static void expect_error(int ret, int code, const struct sim_error *e,
			 const char *fmt, ...)
{
	char want[SIM_ERROR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	assert_int_equal(ret, code);
	assert_string_equal(e->msg, want);
}

static void small_conf(struct sim_conf *c)
{
	struct sim_error e;

	assert_int_equal(sim_conf_layout(c, 128 * SZ_1M, 1, 12, &e), 0);
}

static void write_text(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Each refusal leaves the directory as it found it. */
static void test_create_refused(void **state)
{
	struct sim_error e = { "" };
	struct rlimit old, small;
	struct sim_conf c;
	char d[512];

	small_conf(&c);
	strcpy(d, at("file"));
	assert_int_equal(close(creat(d, 0644)), 0);
	expect_error(sim_machine_create(d, &c, &e), -ENOTDIR, &e,
		     "%s is not a directory", d);
	strcpy(d, at("no/such"));
	expect_error(sim_machine_create(d, &c, &e), -ENOENT, &e,
		     "cannot create directory %s: %s", d, strerror(ENOENT));

	/* machine.conf a dangling link: not followed, not removed. */
	assert_int_equal(mkdir(at("link"), 0755), 0);
	assert_int_equal(symlink("nowhere", at("link/machine.conf")), 0);
	strcpy(d, at("link"));
	expect_error(sim_machine_create(d, &c, &e), -EEXIST, &e,
		     "%s already holds a machine (%s)", d,
		     at("link/machine.conf"));
	assert_int_equal(access(at("link/nowhere"), F_OK), -1);
	assert_int_equal(unlink(at("link/machine.conf")), 0);
	assert_int_equal(rmdir(at("link")), 0);

	/*
	 * A ram.img already there, file, link or directory, is never
	 * overwritten: refused before machine.conf is written.
	 */
	assert_int_equal(mkdir(at("ramdir"), 0755), 0);
	write_text(at("ramdir/ram.img"), "precious\n", 9);
	strcpy(d, at("ramdir"));
	expect_error(
		sim_machine_create(d, &c, &e), -EEXIST, &e,
		"%s already holds a ram.img (%s): move it away to make a machine there",
		d, at("ramdir/ram.img"));
	assert_int_equal(access(at("ramdir/machine.conf"), F_OK), -1);
	{
		struct stat st;

		assert_int_equal(stat(at("ramdir/ram.img"), &st), 0);
		assert_int_equal(st.st_size, 9);
	}
	assert_int_equal(unlink(at("ramdir/ram.img")), 0);
	assert_int_equal(symlink("nowhere", at("ramdir/ram.img")), 0);
	strcpy(d, at("ramdir"));
	expect_error(
		sim_machine_create(d, &c, &e), -EEXIST, &e,
		"%s already holds a ram.img (%s): move it away to make a machine there",
		d, at("ramdir/ram.img"));
	assert_int_equal(access(at("ramdir/nowhere"), F_OK), -1);
	assert_int_equal(unlink(at("ramdir/ram.img")), 0);
	assert_int_equal(rmdir(at("ramdir")), 0);

	/* An empty path is not "/" nor ".". */
	expect_error(sim_machine_create("", &c, &e), -EINVAL, &e,
		     "the machine directory is an empty string");
	expect_error(sim_machine_open(&(struct sim_machine){ 0 }, "", true, &e),
		     -EINVAL, &e, "the machine directory is an empty string");

	/* A path sim_machine_open() would refuse is refused here. */
	{
		char *big = malloc(SIM_DIR_LEN + 1);

		assert_non_null(big);
		memset(big, 'a', SIM_DIR_LEN);
		big[SIM_DIR_LEN] = '\0';
		expect_error(sim_machine_create(big, &c, &e), -ENAMETOOLONG, &e,
			     SIM_DIR_TOO_LONG, (size_t)SIM_DIR_LEN,
			     SIM_DIR_LEN - 1);
		free(big);
	}

	/*
	 * A file size limit below the RAM, then below machine.conf: the
	 * directory made goes too.
	 */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = SZ_1M;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	strcpy(d, at("big"));
	expect_error(sim_machine_create(d, &c, &e), -EFBIG, &e,
		     "cannot create %s: %s", at("big/ram.img"),
		     strerror(EFBIG));
	assert_int_equal(access(d, F_OK), -1);
	small.rlim_cur = 0;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	expect_error(sim_machine_create(d, &c, &e), -EFBIG, &e,
		     "cannot write %s: %s", at("big/machine.conf"),
		     strerror(EFBIG));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(access(d, F_OK), -1);
}

static void test_open_refused(void **state)
{
	struct sim_error e = { "" };
	struct sim_machine m;
	struct sim_conf c;
	char *big, d[512], text[4096];
	size_t nul_at;
	int n;

	strcpy(d, at("m"));

	big = malloc(5000);
	assert_non_null(big);
	memset(big, 'a', 4999);
	big[4999] = '\0';
	expect_error(sim_machine_open(&m, big, true, &e), -ENAMETOOLONG, &e,
		     SIM_DIR_TOO_LONG, (size_t)4999, SIM_DIR_LEN - 1);
	free(big);

	small_conf(&c);
	assert_int_equal(sim_machine_create(d, &c, &e), 0);
	assert_int_equal(unlink(at("m/ram.img")), 0);
	expect_error(sim_machine_open(&m, d, true, &e), -ENOENT, &e,
		     "cannot open %s: %s", at("m/ram.img"), strerror(ENOENT));

	/* machine.conf of more than 1 MiB, or one that cannot be read. */
	big = calloc(1, (1 << 20) + 2);
	assert_non_null(big);
	memset(big, '#', (1 << 20) + 1);
	write_text(at("m/machine.conf"), big, (1 << 20) + 1);
	free(big);
	expect_error(sim_machine_open(&m, d, true, &e), -EFBIG, &e,
		     "%s is larger than %d bytes", at("m/machine.conf"),
		     SIM_CONF_MAX);
	assert_int_equal(unlink(at("m/machine.conf")), 0);
	assert_int_equal(mkdir(at("m/machine.conf"), 0755), 0);
	expect_error(sim_machine_open(&m, d, true, &e), -EISDIR, &e,
		     "cannot read %s: %s", at("m/machine.conf"),
		     strerror(EISDIR));
	assert_int_equal(rmdir(at("m/machine.conf")), 0);

	/*
	 * A NUL byte would end the text there: what follows it (here the
	 * ram lines) was dropped, and ram.img's size blamed.
	 */
	small_conf(&c);
	n = sim_conf_format(&c, text, sizeof(text));
	assert_true(n > 0);
	nul_at = strstr(text, "\nram") - text + 1;
	text[nul_at] = '\0';
	write_text(at("m/machine.conf"), text, n);
	expect_error(sim_machine_open(&m, d, false, &e), -EINVAL, &e,
		     "%s: a NUL byte at offset %zu", at("m/machine.conf"),
		     nul_at);
	assert_int_equal(unlink(at("m/machine.conf")), 0);

	/* A FIFO is refused, not waited on (nobody ever writes to it). */
	assert_int_equal(mkfifo(at("m/machine.conf"), 0644), 0);
	expect_error(sim_machine_open(&m, d, false, &e), -EINVAL, &e,
		     "%s is not a regular file", at("m/machine.conf"));
	assert_int_equal(unlink(at("m/machine.conf")), 0);
	small_conf(&c);
	assert_true(sim_conf_format(&c, text, sizeof(text)) > 0);
	write_text(at("m/machine.conf"), text, strlen(text));
	assert_int_equal(mkfifo(at("m/ram.img"), 0644), 0);
	expect_error(sim_machine_open(&m, d, false, &e), -EINVAL, &e,
		     "%s is not a regular file", at("m/ram.img"));
	expect_error(sim_machine_open(&m, d, true, &e), -EINVAL, &e,
		     "%s is not a regular file", at("m/ram.img"));
}

/* The handover record: read, write (through a temporary file), remove. */
static void test_handover_refused(void **state)
{
	struct kho_data kd = { 0x1000, 0x1000, 0x2000, 0x20 }, back;
	struct sim_error e = { "" };
	struct sim_machine m;
	struct sim_conf c;
	char d[512];

	strcpy(d, at("h"));

	small_conf(&c);
	assert_int_equal(sim_machine_create(d, &c, &e), 0);
	assert_int_equal(sim_machine_open(&m, d, false, &e), 0);

	assert_int_equal(symlink("handover", at("h/handover")), 0);
	expect_error(sim_handover_read(&m, &back, &e), -ELOOP, &e,
		     "cannot open %s: %s", at("h/handover"), strerror(ELOOP));
	assert_int_equal(unlink(at("h/handover")), 0);

	/* FIFOs are refused, not waited on. */
	assert_int_equal(mkfifo(at("h/handover"), 0644), 0);
	expect_error(sim_handover_read(&m, &back, &e), -EINVAL, &e,
		     "%s is not a regular file", at("h/handover"));
	assert_int_equal(unlink(at("h/handover")), 0);
	assert_int_equal(mkfifo(at("h/handover.tmp"), 0644), 0);
	expect_error(sim_handover_write(&m, &kd, &e), -EINVAL, &e,
		     "%s is not a regular file", at("h/handover.tmp"));
	assert_int_equal(unlink(at("h/handover.tmp")), 0);

	/* The temporary file cannot be made, or written. */
	assert_int_equal(mkdir(at("h/handover.tmp"), 0755), 0);
	expect_error(sim_handover_write(&m, &kd, &e), -EISDIR, &e,
		     "cannot create %s: %s", at("h/handover.tmp"),
		     strerror(EISDIR));
	assert_int_equal(rmdir(at("h/handover.tmp")), 0);
	assert_int_equal(symlink("/dev/full", at("h/handover.tmp")), 0);
	expect_error(sim_handover_write(&m, &kd, &e), -EIO, &e,
		     "cannot write %s", at("h/handover.tmp"));
	assert_int_equal(access(at("h/handover.tmp"), F_OK), -1);
	assert_int_equal(access(at("h/handover"), F_OK), -1);

	/* A directory in the handover's place: not replaced, not removed. */
	assert_int_equal(mkdir(at("h/handover"), 0755), 0);
	assert_int_equal(mkdir(at("h/handover/x"), 0755), 0);
	expect_error(sim_handover_write(&m, &kd, &e), -EISDIR, &e,
		     "cannot rename %s to %s: %s", at("h/handover.tmp"),
		     at("h/handover"), strerror(EISDIR));
	assert_int_equal(access(at("h/handover.tmp"), F_OK), -1);
	expect_error(sim_handover_remove(&m, &e), -EISDIR, &e,
		     "cannot remove %s: %s", at("h/handover"),
		     strerror(EISDIR));
	assert_int_equal(access(at("h/handover/x"), F_OK), 0);

	/* And the way that works. */
	assert_int_equal(rmdir(at("h/handover/x")), 0);
	assert_int_equal(rmdir(at("h/handover")), 0);
	assert_int_equal(sim_handover_write(&m, &kd, &e), 0);
	assert_int_equal(sim_handover_read(&m, &back, &e), 0);
	assert_memory_equal(&back, &kd, sizeof(kd));
	assert_int_equal(sim_handover_remove(&m, &e), 0);
	assert_int_equal(sim_handover_remove(&m, &e), 0);
	sim_machine_close(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_parse_number),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_scratch_option),
		cmocka_unit_test(test_parse_long_key),
		cmocka_unit_test(test_parse_too_many_ranges),
		cmocka_unit_test_setup_teardown(test_create_refused, dir_setup,
						dir_teardown),
		cmocka_unit_test_setup_teardown(test_open_refused, dir_setup,
						dir_teardown),
		cmocka_unit_test_setup_teardown(test_handover_refused,
						dir_setup, dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
