// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bench/impl_libkho.c - libkho itself, through its public API only
 * (<kho/radix.h>), over the bench's page arena (phys == va).
 *
 * Two entries: "libkho" adds and deletes block by block with
 * kho_radix_add_page()/kho_radix_del_page(), exactly the calls the
 * kernel-like baseline gets; "libkho-batch" gets the same workload cut into
 * runs of back-to-back equal blocks and uses kho_radix_add_blocks()/
 * kho_radix_del_blocks(). "libkho" walks with kho_radix_walk_ranges(), a
 * call per range; "libkho-batch" with kho_radix_walk_range_batches(), a call
 * per array of ranges.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <kho/radix.h>

#include "bench.h"

struct lk {
	struct arena arena;
	struct kho_radix_tree tree;
};

static void lk_warn(const char *file, int line, const char *what)
{
	bench_die("libkho warned at %s:%d: %s", file, line, what);
}

static void *lk_create(void)
{
	struct lk *l = calloc(1, sizeof(*l));
	struct kho_geometry geo;
	struct kho_mem_ops ops;
	int err;

	kho_warn_hook = lk_warn;
	if (!l || arena_init(&l->arena, 1UL << 30))
		bench_die("libkho: no memory");
	err = kho_geometry_init(&geo, BENCH_PAGE_SHIFT);
	if (err)
		bench_die("libkho: kho_geometry_init: %d", err);
	ops.alloc_page = arena_alloc_page;
	ops.free_page = arena_free_page;
	ops.virt_to_phys = arena_virt_to_phys;
	ops.phys_to_virt = arena_phys_to_virt;
	ops.ctx = &l->arena;
	err = kho_radix_init(&l->tree, &geo, &ops);
	if (err)
		bench_die("libkho: kho_radix_init: %d", err);
	return l;
}

static int lk_add(void *s, uint64_t pfn, unsigned int order)
{
	struct lk *l = s;

	return kho_radix_add_page(&l->tree, pfn, order);
}

static int lk_del(void *s, uint64_t pfn, unsigned int order)
{
	struct lk *l = s;

	return kho_radix_del_page(&l->tree, pfn, order);
}

static int lk_add_run(void *s, uint64_t pfn, uint64_t nr, unsigned int order)
{
	struct lk *l = s;

	return kho_radix_add_blocks(&l->tree, pfn, nr, order);
}

static int lk_del_run(void *s, uint64_t pfn, uint64_t nr, unsigned int order)
{
	struct lk *l = s;

	return kho_radix_del_blocks(&l->tree, pfn, nr, order);
}

static int lk_range_cb(uint64_t start, uint64_t end, void *arg)
{
	range_append(arg, start, end);
	return 0;
}

static int lk_walk(void *s, struct range_array *out)
{
	struct lk *l = s;

	return kho_radix_walk_ranges(&l->tree, lk_range_cb, out);
}

/* The layouts match: the array is used as it is handed over. */
_Static_assert(sizeof(struct range) == sizeof(struct kho_radix_range) &&
		       offsetof(struct range, end) ==
			       offsetof(struct kho_radix_range, end),
	       "struct range and struct kho_radix_range differ");

static int lk_batch_cb(const struct kho_radix_range *r, size_t nr, void *arg)
{
	range_append_array(arg, (const struct range *)r, nr);
	return 0;
}

static int lk_walk_batches(void *s, struct range_array *out)
{
	struct lk *l = s;

	return kho_radix_walk_range_batches(&l->tree, lk_batch_cb, out);
}

static int lk_count_cb(const struct kho_radix_range *r, size_t nr, void *arg)
{
	(void)r;
	*(uint64_t *)arg += nr;
	return 0;
}

static int lk_walk_count(void *s, uint64_t *nr)
{
	struct lk *l = s;

	*nr = 0;
	return kho_radix_walk_range_batches(&l->tree, lk_count_cb, nr);
}

static void lk_stats(struct lk *l, struct kho_radix_stats *st)
{
	int err = kho_radix_get_stats(&l->tree, st);

	if (err)
		bench_die("libkho: kho_radix_get_stats: %d", err);
	if (st->nr_nodes != l->arena.live_pages)
		bench_die(
			"libkho: stats say %llu nodes, the arena holds %llu pages",
			(unsigned long long)st->nr_nodes,
			(unsigned long long)l->arena.live_pages);
}

static uint64_t lk_memory(void *s)
{
	struct kho_radix_stats st;

	lk_stats(s, &st);
	return st.bytes;
}

static uint64_t lk_nodes(void *s)
{
	struct kho_radix_stats st;

	lk_stats(s, &st);
	return st.nr_nodes;
}

static void lk_destroy(void *s)
{
	struct lk *l = s;

	kho_radix_destroy(&l->tree);
	if (l->arena.live_pages)
		bench_die("libkho: %llu pages left after kho_radix_destroy",
			  (unsigned long long)l->arena.live_pages);
	arena_destroy(&l->arena);
	free(l);
}

const struct bench_impl impl_libkho = {
	.name = "libkho",
	.create = lk_create,
	.add = lk_add,
	.del = lk_del,
	.walk = lk_walk,
	.memory = lk_memory,
	.nodes = lk_nodes,
	.destroy = lk_destroy,
};

const struct bench_impl impl_libkho_batch = {
	.name = "libkho-batch",
	.create = lk_create,
	.add = lk_add,
	.del = lk_del,
	.add_run = lk_add_run,
	.del_run = lk_del_run,
	.walk = lk_walk_batches,
	.walk_count = lk_walk_count,
	.memory = lk_memory,
	.nodes = lk_nodes,
	.destroy = lk_destroy,
};
