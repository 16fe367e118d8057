// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bench/impl_roaring.c - baseline: CRoaring compressed bitmaps, one 32-bit
 * bitmap per order keyed by pfn >> order (libroaring 0.2.66 has no 64-bit
 * bitmap in C; pfn >> order fits 32 bits up to 16 TiB with 4 KiB pages, and
 * a wider key aborts the run). It models a compressed in-memory set that
 * switches per 64 Ki-key container between sorted arrays, bitmaps and runs;
 * like Judy it has no handover format. The walk goes from the largest order
 * down, reads values in batches and coalesces adjacent blocks. The memory
 * reported is roaring_bitmap_size_in_bytes() after run_optimize and
 * shrink_to_fit (taken after the timed operations).
 */
#include <errno.h>
#include <stdlib.h>

#include <roaring/roaring.h>

#include "bench.h"

#define RB_ORDERS 53
#define RB_BATCH 256

struct rb {
	roaring_bitmap_t *bm[RB_ORDERS];
};

static void *rb_create(void)
{
	struct rb *r = calloc(1, sizeof(*r));

	if (!r)
		bench_die("roaring: no memory");
	return r;
}

static int rb_add(void *s, uint64_t pfn, unsigned int order)
{
	struct rb *r = s;
	uint64_t v = pfn >> order;

	if (v > UINT32_MAX)
		bench_die("roaring: pfn >> order = %#llx does not fit 32 bits",
			  (unsigned long long)v);
	if (!r->bm[order]) {
		r->bm[order] = roaring_bitmap_create();
		if (!r->bm[order])
			return -ENOMEM;
	}
	roaring_bitmap_add(r->bm[order], (uint32_t)v);
	return 0;
}

static int rb_del(void *s, uint64_t pfn, unsigned int order)
{
	struct rb *r = s;

	if (!r->bm[order] || (pfn >> order) > UINT32_MAX)
		return -ENOENT;
	return roaring_bitmap_remove_checked(r->bm[order],
					     (uint32_t)(pfn >> order)) ?
		       0 :
		       -ENOENT;
}

static int rb_walk(void *s, struct range_array *out)
{
	struct rb *r = s;
	struct coalescer co;
	uint32_t buf[RB_BATCH];

	coalesce_init(&co, out);
	for (int order = RB_ORDERS - 1; order >= 0; order--) {
		unsigned int shift = BENCH_PAGE_SHIFT + order;
		roaring_uint32_iterator_t *it;
		uint32_t n;

		if (!r->bm[order])
			continue;
		it = roaring_create_iterator(r->bm[order]);
		while ((n = roaring_read_uint32_iterator(it, buf, RB_BATCH))) {
			for (uint32_t i = 0; i < n; i++) {
				uint64_t start = (uint64_t)buf[i] << shift;

				coalesce_add(&co, start,
					     start + (1ULL << shift));
			}
		}
		roaring_free_uint32_iterator(it);
	}
	coalesce_flush(&co);
	return 0;
}

static uint64_t rb_memory(void *s)
{
	struct rb *r = s;
	uint64_t bytes = 0;

	for (int o = 0; o < RB_ORDERS; o++) {
		if (!r->bm[o])
			continue;
		roaring_bitmap_run_optimize(r->bm[o]);
		roaring_bitmap_shrink_to_fit(r->bm[o]);
		bytes += roaring_bitmap_size_in_bytes(r->bm[o]);
	}
	return bytes;
}

static uint64_t rb_nodes(void *s)
{
	return 0;
}

static void rb_destroy(void *s)
{
	struct rb *r = s;

	for (int o = 0; o < RB_ORDERS; o++)
		if (r->bm[o])
			roaring_bitmap_free(r->bm[o]);
	free(r);
}

const struct bench_impl impl_roaring = {
	.name = "roaring",
	.create = rb_create,
	.add = rb_add,
	.del = rb_del,
	.walk = rb_walk,
	.memory = rb_memory,
	.nodes = rb_nodes,
	.destroy = rb_destroy,
};
