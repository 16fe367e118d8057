// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_sim_conf.c - machine.conf parsing and writing, the default layout,
 * sizes and the kho_scratch= option.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../sim/machine.h"
#include "../sim/scratch.h"

#define SZ_1M (1ULL << 20)
#define SZ_1G (1ULL << 30)

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
	expect_refused("page_size = 4096\ncolour = blue\n", ":2: unknown key");
	expect_refused("page_size = 4096\nnonsense\n", ":2: expected");
	expect_refused("page_size = 4096\nram = 0xfffffffffffff000 0x2000\n",
		       "wraps");
}

static void test_format_round_trip(void **state)
{
	struct sim_conf a, b;
	struct sim_error e;
	char text[4096];

	assert_int_equal(sim_conf_layout(&a, 4 * SZ_1G, 3, 16, &e), 0);
	strcpy(a.kho_scratch, "64M,128M,32M");
	assert_true(sim_conf_format(&a, text, sizeof(text)) > 0);
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
	assert_int_equal(sim_conf_layout(&c, 32 * SZ_1M, 1, 12, &e), -EINVAL);
	assert_int_equal(sim_conf_layout(&c, 65 * SZ_1M, 1, 12, &e), -EINVAL);
	assert_int_equal(sim_conf_layout(&c, 126 * SZ_1M, 1, 12, &e), -EINVAL);
	assert_int_equal(sim_conf_layout(&c, 128 * SZ_1M, 1, 12, &e), 0);
	assert_int_equal(sim_conf_layout(&c, SZ_1G, 0, 12, &e), -EINVAL);
	assert_int_equal(sim_conf_layout(&c, SZ_1G, 1, 13, &e), -EINVAL);
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
	assert_int_equal(sim_parse_size("", &v), -EINVAL);
	assert_int_equal(sim_parse_size("-1M", &v), -EINVAL);
	assert_int_equal(sim_parse_size("12Q", &v), -EINVAL);
	assert_int_equal(sim_parse_size("99999999999999999999", &v), -EINVAL);
	assert_int_equal(sim_parse_size("17179869184G", &v), -EINVAL);
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
	assert_int_equal(sim_scratch_parse("0%", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("x%", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("16M,512M", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("1M,2M,3M,4M", &s), -EINVAL);
	assert_int_equal(sim_scratch_parse("1M,two,3M", &s), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_scratch_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
