// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_sim_buddy.c - the buddy allocator over a fresh memmap: splitting,
 * merging back to max-order blocks, migrate types (scratch only for movable
 * allocations), contiguous blocks above the max order, bad frees.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../sim/buddy.h"

#define SZ_1M (1ULL << 20)

struct fixture {
	char dir[64];
	struct sim_machine m;
	struct sim_buddy b;
	uint64_t pages_per_range;
};

static void rm_machine(const char *dir)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/ram.img", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/machine.conf", dir);
	unlink(path);
	rmdir(dir);
}

/* 128 MiB: [0, 64M) and [4G, 4G + 64M), 4 KiB pages. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sim_error e;
	struct sim_conf c;

	strcpy(f->dir, "/tmp/kho-buddy.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(sim_conf_layout(&c, 128 * SZ_1M, 1, 12, &e), 0);
	assert_int_equal(sim_machine_create(f->dir, &c, &e), 0);
	assert_int_equal(sim_machine_open(&f->m, f->dir, false, &e), 0);
	assert_int_equal(sim_buddy_init(&f->b, &f->m), 0);
	f->pages_per_range = (64 * SZ_1M) >> 12;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sim_buddy_destroy(&f->b);
	sim_machine_close(&f->m);
	rm_machine(f->dir);
	free(f);
	return 0;
}

static uint64_t pfn_of(uint64_t pa)
{
	return pa >> 12;
}

static void test_split_and_merge(void **state)
{
	struct fixture *f = *state;
	struct sim_buddy *b = &f->b;
	uint64_t total = f->pages_per_range, p[64];

	/* An unaligned range frees as the largest aligned blocks. */
	assert_int_equal(sim_buddy_free_range(b, 1, total, SIM_MT_UNMOVABLE), 0);
	assert_int_equal(sim_buddy_nr_free_pages(b), total - 1);
	assert_int_equal(b->nr_free[SIM_MT_UNMOVABLE][0], 1);	/* pfn 1 */
	assert_int_equal(b->nr_free[SIM_MT_UNMOVABLE][SIM_MAX_ORDER],
			 total / 1024 - 1);
	/* Giving pfn 0 back merges all the way up. */
	assert_int_equal(sim_buddy_free_range(b, 0, 1, SIM_MT_UNMOVABLE), 0);
	assert_int_equal(b->nr_free[SIM_MT_UNMOVABLE][0], 0);
	assert_int_equal(b->nr_free[SIM_MT_UNMOVABLE][SIM_MAX_ORDER], total / 1024);

	for (int i = 0; i < 64; i++) {
		p[i] = sim_buddy_alloc(b, i % 4, false);
		assert_int_not_equal(p[i], SIM_NO_PHYS);
		assert_int_equal(p[i] & ((1ULL << (i % 4)) - 1), 0);
	}
	for (int i = 0; i < 64; i++)
		for (int j = 0; j < i; j++)	/* no overlap */
			assert_true(p[i] + (1ULL << (i % 4)) <= p[j] ||
				    p[j] + (1ULL << (j % 4)) <= p[i]);
	/* A double free is refused. */
	assert_int_equal(sim_buddy_free(b, p[0], 0), 0);
	assert_int_equal(sim_buddy_free(b, p[0], 0), -EINVAL);
	for (int i = 1; i < 64; i++)
		assert_int_equal(sim_buddy_free(b, p[i], i % 4), 0);
	assert_int_equal(b->nr_free[SIM_MT_UNMOVABLE][SIM_MAX_ORDER], total / 1024);
	assert_int_equal(sim_buddy_free(b, 3, 1), -EINVAL);	/* misaligned */
	assert_int_equal(sim_buddy_free(b, pfn_of(0x90000000ULL), 0), -EINVAL);
}

static void test_migrate_types(void **state)
{
	struct fixture *f = *state;
	struct sim_buddy *b = &f->b;
	uint64_t hi = pfn_of(4ULL << 30), pfn;

	/* Low range ordinary, high range scratch (CMA). */
	assert_int_equal(sim_buddy_free_range(b, 0, f->pages_per_range,
					      SIM_MT_UNMOVABLE), 0);
	assert_int_equal(sim_buddy_free_range(b, hi, hi + f->pages_per_range,
					      SIM_MT_CMA), 0);
	/* Movable allocations take scratch first, the others never do. */
	pfn = sim_buddy_alloc(b, 3, true);
	assert_true(pfn >= hi);
	assert_true(sim_pfn_to_page(b, pfn)->flags & SIM_PG_CMA);
	for (uint64_t i = 0; i < f->pages_per_range; i++) {
		pfn = sim_buddy_alloc(b, 0, false);
		assert_true(pfn < hi);
	}
	assert_int_equal(sim_buddy_alloc(b, 0, false), SIM_NO_PHYS);
	assert_int_not_equal(sim_buddy_alloc(b, 0, true), SIM_NO_PHYS);
}

/*
 * A scratch area marked before anything is free: its free part and a
 * block reserved in it (a preserved block, freed after its restore) both
 * go to the CMA lists, and an ordinary range freed as unmovable stays so.
 */
static void test_mark_cma(void **state)
{
	struct fixture *f = *state;
	struct sim_buddy *b = &f->b;

	sim_buddy_mark_cma(b, 2048, 4096);
	/* Pages outside RAM are skipped. */
	sim_buddy_mark_cma(b, b->m->nr_pages - 1, b->m->nr_pages + 8);
	assert_int_equal(sim_buddy_free_range(b, 0, 2048, SIM_MT_UNMOVABLE), 0);
	assert_int_equal(sim_buddy_free_range(b, 2048, 3072, SIM_MT_UNMOVABLE),
			 0);
	assert_int_equal(b->nr_free[SIM_MT_CMA][SIM_MAX_ORDER], 1);
	assert_int_equal(b->nr_free[SIM_MT_UNMOVABLE][SIM_MAX_ORDER], 2);
	/* The block at 3072 was reserved; restored and freed, it is CMA. */
	assert_int_equal(sim_buddy_free(b, 3072, 9), 0);
	assert_int_equal(b->nr_free[SIM_MT_CMA][9], 1);
	for (int i = 0; i < 2 * 1024; i++)
		assert_true(sim_buddy_alloc(b, 0, false) < 2048);
	assert_int_equal(sim_buddy_alloc(b, 0, false), SIM_NO_PHYS);
	assert_true(sim_buddy_alloc(b, 9, true) >= 2048);
}

static void test_no_merge_across_types(void **state)
{
	struct fixture *f = *state;
	struct sim_buddy *b = &f->b;

	/* Two halves of one max-order block with different types. */
	assert_int_equal(sim_buddy_free_range(b, 1024, 1536, SIM_MT_UNMOVABLE), 0);
	assert_int_equal(sim_buddy_free_range(b, 1536, 2048, SIM_MT_CMA), 0);
	assert_int_equal(b->nr_free[SIM_MT_UNMOVABLE][9], 1);
	assert_int_equal(b->nr_free[SIM_MT_CMA][9], 1);
	assert_int_equal(b->nr_free[SIM_MT_UNMOVABLE][SIM_MAX_ORDER], 0);
	/* A page already free cannot be freed again. */
	assert_int_equal(sim_buddy_free_range(b, 1024, 1025, SIM_MT_UNMOVABLE),
			 -EINVAL);
	/* Nor an empty range, or one that is not all RAM. */
	assert_int_equal(sim_buddy_free_range(b, 4096, 4096, SIM_MT_UNMOVABLE),
			 -EINVAL);
	assert_int_equal(sim_buddy_free_range(b, 4096, b->m->nr_pages + 1,
					      SIM_MT_UNMOVABLE),
			 -EINVAL);
	assert_int_equal(b->nr_free[SIM_MT_UNMOVABLE][9], 1);
}

static void test_contig(void **state)
{
	struct fixture *f = *state;
	struct sim_buddy *b = &f->b;
	uint64_t hi = pfn_of(4ULL << 30), pfn;
	unsigned int order_16m = 12;	/* 2^12 pages of 4 KiB */

	assert_int_equal(sim_buddy_free_range(b, 0, f->pages_per_range,
					      SIM_MT_UNMOVABLE), 0);
	assert_int_equal(sim_buddy_free_range(b, hi, hi + f->pages_per_range,
					      SIM_MT_CMA), 0);
	/* Only the low range may give it, top-down: [48M, 64M) first. */
	pfn = sim_buddy_alloc_contig(b, order_16m);
	assert_int_equal(pfn, pfn_of(48 * SZ_1M));
	assert_int_equal(sim_buddy_alloc_contig(b, order_16m), pfn_of(32 * SZ_1M));
	assert_int_equal(sim_buddy_alloc_contig(b, order_16m), pfn_of(16 * SZ_1M));
	/* The first 16 MiB too, then nothing (scratch is never used). */
	assert_int_equal(sim_buddy_alloc_contig(b, order_16m), 0);
	assert_int_equal(sim_buddy_alloc_contig(b, order_16m), SIM_NO_PHYS);
	/* Freed above the max order, it comes back as max-order blocks. */
	assert_int_equal(sim_buddy_free(b, pfn, order_16m), 0);
	assert_int_equal(b->nr_free[SIM_MT_UNMOVABLE][SIM_MAX_ORDER], 4);
	/* A page taken from the middle spoils the candidate. */
	assert_int_not_equal(sim_buddy_alloc(b, 0, false), SIM_NO_PHYS);
	assert_int_equal(sim_buddy_alloc_contig(b, order_16m), SIM_NO_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_split_and_merge, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_migrate_types, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mark_cma, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_merge_across_types,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_contig, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
