// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bench/impl_v1.c - baseline: the kho-v1 design (Linux 6.16 to 6.19).
 *
 * What it models: kernel A tracks preserved blocks per order in a sparse map
 * (the kernel used one xarray per order; here one open-addressing hash per
 * order) from a bitmap index to a page-sized bitmap (PAGE_SIZE * 8 blocks of
 * that order each). Bitmaps are never freed by a delete. At kexec, a
 * finalize step serializes the maps into a linked list of one-page
 * struct khoser_mem_chunk (abi.h): per order, ascending bitmap index, one
 * (phys_start, bitmap address) element each. Kernel B walks the chunk list
 * and every bitmap's set bits, coalescing adjacent blocks of an order into
 * runs before reserving them. The walk timed here is finalize + chunk walk:
 * v1 pays at kexec for what v2 keeps up to date in place.
 *
 * An add is one hash lookup (the kernel's two xa_load() walks cost more; the
 * model errs in kho-v1's favour) and one atomic bit set, as the kernel's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <kho/abi.h>

#include "bench.h"

#define V1_BITS_LOG2 (BENCH_PAGE_SHIFT + 3) /* blocks per bitmap, log2 */
#define V1_BITMAP_WORDS ((1UL << V1_BITS_LOG2) / 64)
#define V1_ORDERS 53
#define V1_PER_CHUNK KHOSER_BITMAPS_PER_CHUNK_OF(BENCH_PAGE_SHIFT)

struct v1_map {
	uint64_t *keys; /* bitmap index + 1; 0 = empty slot */
	uint64_t **vals; /* the bitmaps */
	size_t cap; /* power of two */
	size_t nr;
};

struct v1 {
	struct arena arena;
	struct v1_map map[V1_ORDERS];
	struct khoser_mem_chunk *first; /* chunk list of the last finalize */
	uint64_t nr_chunks;
	uint64_t nr_bitmaps;
};

static size_t v1_hash(uint64_t key, size_t cap)
{
	return (key * 0x9e3779b97f4a7c15ULL) >> 17 & (cap - 1);
}

static uint64_t **v1_slot(struct v1_map *m, uint64_t key)
{
	size_t i = v1_hash(key, m->cap);

	while (m->keys[i] && m->keys[i] != key + 1)
		i = (i + 1) & (m->cap - 1);
	if (!m->keys[i])
		return NULL;
	return &m->vals[i];
}

static void v1_insert(struct v1_map *m, uint64_t key, uint64_t *bitmap);

static void v1_grow(struct v1_map *m)
{
	struct v1_map old = *m;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->nr = 0;
	m->keys = calloc(m->cap, sizeof(*m->keys));
	m->vals = calloc(m->cap, sizeof(*m->vals));
	if (!m->keys || !m->vals)
		bench_die("kho-v1: no memory");
	for (size_t i = 0; i < old.cap; i++)
		if (old.keys[i])
			v1_insert(m, old.keys[i] - 1, old.vals[i]);
	free(old.keys);
	free(old.vals);
}

static void v1_insert(struct v1_map *m, uint64_t key, uint64_t *bitmap)
{
	size_t i;

	if ((m->nr + 1) * 2 > m->cap)
		v1_grow(m);
	i = v1_hash(key, m->cap);
	while (m->keys[i])
		i = (i + 1) & (m->cap - 1);
	m->keys[i] = key + 1;
	m->vals[i] = bitmap;
	m->nr++;
}

/*
 * kho-v1 set and cleared a block's bit with the kernel's atomic set_bit()
 * and clear_bit() (kernel/kexec_handover.c:161 and :137 in Linux 6.16,
 * torvalds/linux 00c010e130e5): preservers ran concurrently, with no lock
 * around the bitmap. On x86 both are one locked instruction
 * (arch/x86/include/asm/bitops.h:60 and :79 in 7.3.4); so are these. That
 * one atomic per add is kho-v1's price for the guarantee libkho pays with
 * its tree lock.
 */
static void v1_set_bit(uint64_t *bitmap, uint64_t bit)
{
	__atomic_fetch_or(&bitmap[bit / 64], 1ULL << (bit % 64),
			  __ATOMIC_RELAXED);
}

static void v1_clear_bit(uint64_t *bitmap, uint64_t bit)
{
	__atomic_fetch_and(&bitmap[bit / 64], ~(1ULL << (bit % 64)),
			   __ATOMIC_RELAXED);
}

static void *v1_create(void)
{
	struct v1 *v = calloc(1, sizeof(*v));

	if (!v || arena_init(&v->arena, 1UL << 30))
		bench_die("kho-v1: no memory");
	return v;
}

static int v1_add(void *s, uint64_t pfn, unsigned int order)
{
	struct v1 *v = s;
	struct v1_map *m = &v->map[order];
	uint64_t idx = pfn >> order;
	uint64_t key = idx >> V1_BITS_LOG2;
	uint64_t bit = idx & ((1UL << V1_BITS_LOG2) - 1);
	uint64_t **slot = m->cap ? v1_slot(m, key) : NULL;
	uint64_t *bitmap;

	if (slot) {
		bitmap = *slot;
	} else {
		bitmap = arena_alloc_page(&v->arena);
		if (!bitmap)
			return -ENOMEM;
		v1_insert(m, key, bitmap);
		v->nr_bitmaps++;
	}
	v1_set_bit(bitmap, bit);
	return 0;
}

static int v1_del(void *s, uint64_t pfn, unsigned int order)
{
	struct v1 *v = s;
	struct v1_map *m = &v->map[order];
	uint64_t idx = pfn >> order;
	uint64_t bit = idx & ((1UL << V1_BITS_LOG2) - 1);
	uint64_t **slot = m->cap ? v1_slot(m, idx >> V1_BITS_LOG2) : NULL;

	if (!slot)
		return -ENOENT;
	v1_clear_bit(*slot, bit);
	return 0;
}

static void v1_free_chunks(struct v1 *v)
{
	struct khoser_mem_chunk *c = v->first;

	while (c) {
		struct khoser_mem_chunk *next =
			arena_phys_to_virt(&v->arena, c->hdr.next);

		arena_free_page(&v->arena, c);
		c = next;
	}
	v->first = NULL;
	v->nr_chunks = 0;
}

struct v1_elm {
	uint64_t key;
	uint64_t *bitmap;
};

static int v1_elm_cmp(const void *a, const void *b)
{
	const struct v1_elm *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

/* kho-v1 finalize: serialize every order's bitmaps into a chunk list. */
static int v1_finalize(struct v1 *v)
{
	struct khoser_mem_chunk *last = NULL, *chunk = NULL;
	struct v1_elm *elms = NULL;
	size_t cap = 0;

	v1_free_chunks(v);
	for (unsigned int order = 0; order < V1_ORDERS; order++) {
		struct v1_map *m = &v->map[order];
		size_t n = 0;

		if (!m->nr)
			continue;
		if (m->nr > cap) {
			cap = m->nr;
			free(elms);
			elms = malloc(cap * sizeof(*elms));
			if (!elms)
				bench_die("kho-v1: no memory");
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->keys[i])
				continue;
			elms[n].key = m->keys[i] - 1;
			elms[n].bitmap = m->vals[i];
			n++;
		}
		qsort(elms, n, sizeof(*elms), v1_elm_cmp);
		chunk = NULL;
		for (size_t i = 0; i < n; i++) {
			struct khoser_mem_bitmap_ptr *e;

			if (!chunk || chunk->hdr.num_elms == V1_PER_CHUNK) {
				chunk = arena_alloc_page(&v->arena);
				if (!chunk)
					bench_die("kho-v1: arena full");
				chunk->hdr.order = order;
				if (last)
					last->hdr.next = arena_virt_to_phys(
						&v->arena, chunk);
				else
					v->first = chunk;
				last = chunk;
				v->nr_chunks++;
			}
			e = &chunk->bitmaps[chunk->hdr.num_elms++];
			e->phys_start = (elms[i].key << V1_BITS_LOG2)
					<< (order + BENCH_PAGE_SHIFT);
			e->bitmap =
				arena_virt_to_phys(&v->arena, elms[i].bitmap);
		}
	}
	free(elms);
	return 0;
}

static int v1_walk(void *s, struct range_array *out)
{
	struct v1 *v = s;
	const struct khoser_mem_chunk *c;
	struct coalescer co;

	v1_finalize(v);
	coalesce_init(&co, out);
	for (c = v->first; c; c = arena_phys_to_virt(&v->arena, c->hdr.next)) {
		unsigned int shift = BENCH_PAGE_SHIFT + c->hdr.order;

		for (uint32_t e = 0; e < c->hdr.num_elms; e++) {
			const uint64_t *bm = arena_phys_to_virt(
				&v->arena, c->bitmaps[e].bitmap);
			uint64_t base = c->bitmaps[e].phys_start;

			for (unsigned long w = 0; w < V1_BITMAP_WORDS; w++) {
				uint64_t word = bm[w];

				while (word) {
					uint64_t bit =
						w * 64 + __builtin_ctzll(word);
					uint64_t start = base + (bit << shift);

					coalesce_add(&co, start,
						     start + (1ULL << shift));
					word &= word - 1;
				}
			}
		}
	}
	coalesce_flush(&co);
	return 0;
}

static uint64_t v1_nodes(void *s)
{
	struct v1 *v = s;

	return v->nr_bitmaps + v->nr_chunks;
}

static uint64_t v1_memory(void *s)
{
	struct v1 *v = s;
	uint64_t bytes = v1_nodes(s) * BENCH_PAGE_SIZE;

	for (unsigned int o = 0; o < V1_ORDERS; o++)
		bytes += v->map[o].cap *
			 (sizeof(*v->map[o].keys) + sizeof(*v->map[o].vals));
	return bytes;
}

static void v1_destroy(void *s)
{
	struct v1 *v = s;

	for (unsigned int o = 0; o < V1_ORDERS; o++) {
		free(v->map[o].keys);
		free(v->map[o].vals);
	}
	arena_destroy(&v->arena);
	free(v);
}

const struct bench_impl impl_v1 = {
	.name = "kho-v1",
	.create = v1_create,
	.add = v1_add,
	.del = v1_del,
	.walk = v1_walk,
	.memory = v1_memory,
	.nodes = v1_nodes,
	.destroy = v1_destroy,
};
