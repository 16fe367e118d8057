// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_radix_ops.c - libFuzzer target: sequences of radix tree operations,
 * differential against the model (a sorted set of blocks).
 *
 * Input: byte 0 picks the page size (4/16/64 KiB) and the address mode
 * (clustered in a few MiB, so blocks collide, or spread over the whole key
 * space); then records of REC_SIZE bytes: operation, order, pfn (8 bytes),
 * count. One operation injects an allocation failure into the next call.
 * After every call the return code must be what the model predicts; at the
 * end the walk, the ranges and the statistics must equal the model's, and
 * destroying the tree must give back every page.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kho/radix.h>

#include "../tests/lib/arena.h"
#include "../tests/lib/model.h"

#define REC_SIZE 11
#define MAX_OPS 200
#define ARENA_PAGES 4096
#define CLUSTER_PFNS (1ULL << 12)

enum op { OP_ADD, OP_DEL, OP_TEST, OP_ADD_RANGE, OP_DEL_RANGE, OP_ADD_BLOCKS,
	  OP_DEL_BLOCKS, OP_FAIL_ALLOC, NR_OPS };

static struct arena *arenas[3];

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,   \
				#cond);                                      \
			abort();                                             \
		}                                                            \
	} while (0)

static uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* What the library must answer for a block, before looking at the tree. */
static int block_error(const struct kho_geometry *geo, uint64_t pfn,
		       unsigned int order)
{
	if (order >= geo->order0_bit)
		return -ERANGE;
	if (pfn & ((1ULL << order) - 1))
		return -EINVAL;
	if (pfn >> geo->order0_bit || (pfn + (1ULL << order)) >> geo->order0_bit)
		return -ERANGE;
	return 0;
}

struct split_ctx {
	struct model *m;
	bool all_present;
	bool apply_add, apply_del;
};

static int split_fn(uint64_t pfn, unsigned int order, void *arg)
{
	struct split_ctx *c = arg;

	if (c->apply_add)
		model_add(c->m, pfn, order);
	else if (c->apply_del)
		model_del(c->m, pfn, order);
	else if (!model_has(c->m, pfn, order))
		c->all_present = false;
	return 0;
}

static int range_error(const struct kho_geometry *geo, uint64_t pfn,
		       uint64_t nr)
{
	if (!nr)
		return -EINVAL;
	if (pfn + nr < pfn || (pfn + nr) >> geo->order0_bit)
		return -ERANGE;
	return 0;
}

static bool blocks_present(struct model *m, uint64_t pfn, uint64_t nr,
			   unsigned int order)
{
	uint64_t i;

	for (i = 0; i < nr; i++)
		if (!model_has(m, pfn + (i << order), order))
			return false;
	return true;
}

static int blocks_error(const struct kho_geometry *geo, uint64_t pfn,
			uint64_t nr, unsigned int order)
{
	int ret;

	if (!nr)
		return -EINVAL;
	ret = block_error(geo, pfn, order);
	if (ret)
		return ret;
	if (block_error(geo, pfn + ((nr - 1) << order), order))
		return -ERANGE;
	return 0;
}

static void blocks_apply(struct model *m, uint64_t pfn, uint64_t nr,
			 unsigned int order, bool add)
{
	uint64_t i;

	for (i = 0; i < nr; i++) {
		if (add)
			model_add(m, pfn + (i << order), order);
		else
			model_del(m, pfn + (i << order), order);
	}
}

struct ranges {
	struct model_range *v;
	size_t n, cap;
};

static void check_final(struct model *m, struct kho_radix_tree *tree)
{
	struct model walked;
	struct model_range *want;
	struct ranges got = { 0 };
	struct kho_radix_stats st;
	size_t n;

	model_init(&walked, tree->geo.page_shift);
	CHECK(model_from_walk(&walked, tree) == 0);
	CHECK(model_equal(&walked, m));
	model_free(&walked);

	n = model_ranges(m, &want);
	/* Every way of walking the ranges (model_walk_ranges() compares). */
	CHECK(model_walk_ranges(tree, &got.v, &got.n, "fuzz") == 0);
	CHECK(got.n == n);
	CHECK(!n || !memcmp(got.v, want, n * sizeof(*want)));
	free(want);
	free(got.v);

	CHECK(kho_radix_get_stats(tree, &st) == 0);
	CHECK(st.nr_blocks == m->n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int shifts[] = { 12, 14, 16 };
	struct kho_geometry geo;
	struct kho_radix_tree tree;
	struct { struct model m; } h;
	struct arena *a;
	unsigned int sel, order, nops = 0;
	bool clustered, fail_next = false;

	int ret, want;

	if (!size)
		return 0;
	sel = data[0] % 3;
	clustered = data[0] & 0x80;
	a = arenas[sel];
	CHECK(kho_geometry_init(&geo, shifts[sel]) == 0);
	CHECK(kho_radix_init(&tree, &geo, arena_ops(a)) == 0);
	model_init(&h.m, shifts[sel]);

	for (data++, size--; size >= REC_SIZE && nops < MAX_OPS;
	     data += REC_SIZE, size -= REC_SIZE, nops++) {
		enum op op = data[0] % NR_OPS;
		uint64_t pfn = load64(data + 2), nr = data[10] % 70;
		struct split_ctx sc = { .m = &h.m, .all_present = true };

		ret = 0;
		order = clustered ? data[1] % 12 : data[1] % (geo.order0_bit + 2);
		pfn = clustered ? pfn % CLUSTER_PFNS :
				  pfn & ((1ULL << geo.order0_bit) - 1);
		/* Mostly aligned blocks, so that most calls do something. */
		if (data[1] & 0x80)
			pfn &= ~((1ULL << order) - 1);
		if (fail_next)
			arena_fail_nth(a, 1 + data[10] % 4);

		switch (op) {
		case OP_ADD:
			want = block_error(&geo, pfn, order);
			ret = kho_radix_add_page(&tree, pfn, order);
			if (ret == -ENOMEM) /* injected, or the arena is full */
				break;
			CHECK(ret == want);
			if (!ret)
				model_add(&h.m, pfn, order);
			break;
		case OP_DEL:
			want = block_error(&geo, pfn, order);
			if (!want && !model_has(&h.m, pfn, order))
				want = -ENOENT;
			ret = kho_radix_del_page(&tree, pfn, order);
			CHECK(ret == want);
			if (!ret)
				model_del(&h.m, pfn, order);
			break;
		case OP_TEST:
			CHECK(kho_radix_test_page(&tree, pfn, order) ==
			      (!block_error(&geo, pfn, order) &&
			       model_has(&h.m, pfn, order)));
			break;
		case OP_ADD_RANGE:
			want = range_error(&geo, pfn, nr);
			ret = kho_radix_add_range(&tree, pfn, nr);
			if (ret == -ENOMEM) /* injected, or the arena is full */
				break;
			CHECK(ret == want);
			sc.apply_add = true;
			if (!ret)
				model_split(pfn, nr, split_fn, &sc);
			break;
		case OP_DEL_RANGE:
			want = range_error(&geo, pfn, nr);
			if (!want) {
				model_split(pfn, nr, split_fn, &sc);
				if (!sc.all_present)
					want = -ENOENT;
			}
			ret = kho_radix_del_range(&tree, pfn, nr);
			CHECK(ret == want);
			sc.apply_del = true;
			if (!ret)
				model_split(pfn, nr, split_fn, &sc);
			break;
		case OP_ADD_BLOCKS:
			want = blocks_error(&geo, pfn, nr, order);
			ret = kho_radix_add_blocks(&tree, pfn, nr, order);
			if (ret == -ENOMEM) /* injected, or the arena is full */
				break;
			CHECK(ret == want);
			if (!ret)
				blocks_apply(&h.m, pfn, nr, order, true);
			break;
		case OP_DEL_BLOCKS:
			want = blocks_error(&geo, pfn, nr, order);
			if (!want && !blocks_present(&h.m, pfn, nr, order))
				want = -ENOENT;
			ret = kho_radix_del_blocks(&tree, pfn, nr, order);
			CHECK(ret == want);
			if (!ret)
				blocks_apply(&h.m, pfn, nr, order, false);
			break;
		case OP_FAIL_ALLOC:
		case NR_OPS:
			break;
		}
		fail_next = op == OP_FAIL_ALLOC;
		arena_fail_nth(a, 0);
		/* A failed call changed nothing: the tree is still the model. */
		if (ret == -ENOMEM)
			check_final(&h.m, &tree);
	}

	check_final(&h.m, &tree);
	kho_radix_destroy(&tree);
	CHECK(arena_live(a) == 0);
	CHECK(arena_errors(a) == 0);
	model_free(&h.m);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const unsigned int shifts[] = { 12, 14, 16 };
	unsigned int i;

	/* Nodes high in the physical space: phys and virt never coincide. */
	for (i = 0; i < 3; i++) {
		arenas[i] = arena_create(shifts[i], 0x7f0000000000ULL,
					 ARENA_PAGES);
		CHECK(arenas[i]);
	}
	return 0;
}
