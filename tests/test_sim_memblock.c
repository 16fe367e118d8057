// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_sim_memblock.c - memory and reserved arrays, top-down allocation,
 * scratch-only allocation before the tree walk, kernel sizes per node.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../sim/memblock.h"

#define SZ_1M (1ULL << 20)
#define SZ_4K 4096ULL

static void two_nodes(struct sim_memblock *mb)
{
	sim_memblock_init(mb);
	/* node 0: [0, 64M), node 1: [4G, 4G + 64M) */
	assert_int_equal(sim_memblock_add(mb, 0, 64 * SZ_1M, 0), 0);
	assert_int_equal(sim_memblock_add(mb, 4096 * SZ_1M, 64 * SZ_1M, 1), 0);
}

static void test_reserve_merge_free(void **state)
{
	struct sim_memblock mb;

	two_nodes(&mb);
	assert_int_equal(mb.memory.cnt, 2);
	assert_int_equal(sim_memblock_reserve(&mb, 0, SZ_1M, 0), 0);
	assert_int_equal(sim_memblock_reserve(&mb, SZ_1M, SZ_1M, 0), 0);
	/* Adjacent with equal flags: one region. */
	assert_int_equal(mb.reserved.cnt, 1);
	assert_int_equal(mb.reserved.regions[0].size, 2 * SZ_1M);
	/* Overlapping: only the new part is added, old flags stay. */
	assert_int_equal(sim_memblock_reserve(&mb, SZ_1M, 2 * SZ_1M,
					      SIM_MB_RSRV_KERN), 0);
	assert_int_equal(mb.reserved.cnt, 2);
	assert_int_equal(mb.reserved.regions[1].base, 2 * SZ_1M);
	assert_int_equal(mb.reserved.regions[1].flags, SIM_MB_RSRV_KERN);
	assert_int_equal(sim_mb_type_total(&mb.reserved), 3 * SZ_1M);
	/* Freeing a hole in the middle splits. */
	assert_int_equal(sim_memblock_free(&mb, SZ_1M / 2, SZ_4K), 0);
	assert_int_equal(mb.reserved.cnt, 3);
	assert_int_equal(sim_mb_type_total(&mb.reserved), 3 * SZ_1M - SZ_4K);
	assert_true(sim_memblock_is_reserved(&mb, 0, SZ_4K));
	assert_false(sim_memblock_is_reserved(&mb, SZ_1M / 2, SZ_4K));
	assert_int_equal(sim_memblock_reserve(&mb, 5, 0, 0), -EINVAL);
	assert_int_equal(sim_memblock_reserve(&mb, UINT64_MAX - 5, 10, 0), -EINVAL);
	sim_memblock_destroy(&mb);
}

struct free_seen {
	unsigned int nr;
	uint64_t start[8], end[8];
	unsigned int flags[8];
};

static int record_free(uint64_t start, uint64_t end, unsigned int flags,
		       int nid, void *arg)
{
	struct free_seen *s = arg;

	if (s->nr < 8) {
		s->start[s->nr] = start;
		s->end[s->nr] = end;
		s->flags[s->nr] = flags;
	}
	s->nr++;
	return 0;
}

static void test_free_ranges_and_scratch(void **state)
{
	struct sim_memblock mb;
	struct free_seen s = { 0 };

	two_nodes(&mb);
	sim_memblock_reserve(&mb, 0, SZ_1M, 0);
	sim_memblock_reserve(&mb, 8 * SZ_1M, SZ_1M, 0);
	assert_int_equal(sim_memblock_mark_scratch(&mb, 32 * SZ_1M, 16 * SZ_1M), 0);
	/* Not all memory: refused. */
	assert_int_equal(sim_memblock_mark_scratch(&mb, 60 * SZ_1M, 8 * SZ_1M),
			 -EINVAL);
	sim_memblock_for_each_free(&mb, record_free, &s);
	assert_int_equal(s.nr, 5);
	assert_int_equal(s.start[0], SZ_1M);
	assert_int_equal(s.end[0], 8 * SZ_1M);
	assert_int_equal(s.start[1], 9 * SZ_1M);
	assert_int_equal(s.end[1], 32 * SZ_1M);
	assert_int_equal(s.flags[2], SIM_MB_SCRATCH);
	assert_int_equal(s.end[2], 48 * SZ_1M);
	assert_int_equal(s.start[4], 4096 * SZ_1M);
	sim_memblock_destroy(&mb);
}

static void test_alloc_policy(void **state)
{
	struct sim_memblock mb;
	uint64_t pa;

	two_nodes(&mb);
	/* Top-down: the highest fit. */
	pa = sim_memblock_alloc(&mb, SZ_1M, SZ_4K, 0, SIM_MB_ALLOC_ANYWHERE,
				SIM_NUMA_NO_NODE, SIM_MB_RSRV_KERN, 0);
	assert_int_equal(pa, 4096 * SZ_1M + 63 * SZ_1M);
	/* Below a limit, on a node, aligned. */
	pa = sim_memblock_alloc(&mb, SZ_1M, 2 * SZ_1M, 0, 4096 * SZ_1M,
				SIM_NUMA_NO_NODE, SIM_MB_RSRV_KERN, 0);
	assert_int_equal(pa, 62 * SZ_1M);
	pa = sim_memblock_alloc(&mb, SZ_1M, SZ_4K, 0, SIM_MB_ALLOC_ANYWHERE, 0,
				0, 0);
	assert_int_equal(pa, 63 * SZ_1M);	/* above the aligned one */
	/* Kernel allocations per node and below a limit. */
	assert_int_equal(sim_memblock_reserved_kern_size(&mb, SIM_MB_ALLOC_ANYWHERE,
							 SIM_NUMA_NO_NODE), 2 * SZ_1M);
	assert_int_equal(sim_memblock_reserved_kern_size(&mb, SIM_MB_ALLOC_ANYWHERE, 1),
			 SZ_1M);
	assert_int_equal(sim_memblock_reserved_kern_size(&mb, 4096 * SZ_1M,
							 SIM_NUMA_NO_NODE), SZ_1M);

	/* A KHO boot before the walk: scratch only. */
	sim_memblock_mark_scratch(&mb, 16 * SZ_1M, 4 * SZ_1M);
	mb.scratch_only = true;
	pa = sim_memblock_alloc(&mb, SZ_1M, SZ_4K, 0, SIM_MB_ALLOC_ANYWHERE,
				SIM_NUMA_NO_NODE, 0, 0);
	assert_int_equal(pa, 19 * SZ_1M);
	pa = sim_memblock_alloc(&mb, 8 * SZ_1M, SZ_4K, 0, SIM_MB_ALLOC_ANYWHERE,
				SIM_NUMA_NO_NODE, 0, 0);
	assert_int_equal(pa, SIM_MB_ALLOC_ANYWHERE);
	mb.scratch_only = false;
	/* And never scratch when asked. */
	pa = sim_memblock_alloc(&mb, SZ_1M, SZ_4K, 16 * SZ_1M, 20 * SZ_1M,
				SIM_NUMA_NO_NODE, 0, SIM_MB_ALLOC_NO_SCRATCH);
	assert_int_equal(pa, SIM_MB_ALLOC_ANYWHERE);
	pa = sim_memblock_alloc(&mb, SZ_1M, 3, 0, SIM_MB_ALLOC_ANYWHERE,
				SIM_NUMA_NO_NODE, 0, 0);
	assert_int_equal(pa, SIM_MB_ALLOC_ANYWHERE); /* align not a power of 2 */
	sim_memblock_destroy(&mb);
}

static void test_many_regions(void **state)
{
	struct sim_memblock mb;

	two_nodes(&mb);
	/* Every other page: the arrays grow past their first allocation. */
	for (uint64_t i = 0; i < 1000; i++)
		assert_int_equal(sim_memblock_reserve(&mb, 2 * i * SZ_4K, SZ_4K, 0), 0);
	assert_int_equal(mb.reserved.cnt, 1000);
	/* Filling the gaps merges everything into one. */
	for (uint64_t i = 0; i < 1000; i++)
		assert_int_equal(sim_memblock_reserve(&mb, (2 * i + 1) * SZ_4K,
						      SZ_4K, 0), 0);
	assert_int_equal(mb.reserved.cnt, 1);
	assert_int_equal(mb.reserved.regions[0].size, 2000 * SZ_4K);
	sim_memblock_destroy(&mb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reserve_merge_free),
		cmocka_unit_test(test_free_ranges_and_scratch),
		cmocka_unit_test(test_alloc_policy),
		cmocka_unit_test(test_many_regions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
