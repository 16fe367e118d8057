// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bench/impl_judy.c - baseline: a Judy1 array (libjudy) keyed by the kho
 * key, i.e. a general-purpose adaptive radix tree holding exactly the keys
 * the kho-v2 tree holds. It models "a better in-memory set" that does not
 * have the handover format: its memory could not be handed to kernel B.
 * The walk visits keys ascending (largest orders first, like kho-v2) and
 * coalesces adjacent blocks before reserving them.
 */
#include <errno.h>
#include <stdlib.h>

#include <Judy.h>

#include <kho/abi.h>

#include "bench.h"

struct judy {
	Pvoid_t arr;
};

static uint64_t judy_key(uint64_t pfn, unsigned int order)
{
	return (1ULL << (KHO_ORDER_0_LOG2 - order)) | (pfn >> order);
}

static void *judy_create(void)
{
	struct judy *j = calloc(1, sizeof(*j));

	if (!j)
		bench_die("judy: no memory");
	return j;
}

static int judy_add(void *s, uint64_t pfn, unsigned int order)
{
	struct judy *j = s;

	if (Judy1Set(&j->arr, judy_key(pfn, order), PJE0) == JERR)
		return -ENOMEM;
	return 0;
}

static int judy_del(void *s, uint64_t pfn, unsigned int order)
{
	struct judy *j = s;

	return Judy1Unset(&j->arr, judy_key(pfn, order), PJE0) == 1 ? 0 :
								      -ENOENT;
}

static int judy_walk(void *s, struct range_array *out)
{
	struct judy *j = s;
	struct coalescer co;
	Word_t key = 0;
	int rc;

	coalesce_init(&co, out);
	for (rc = Judy1First(j->arr, &key, PJE0); rc == 1;
	     rc = Judy1Next(j->arr, &key, PJE0)) {
		unsigned int order = KHO_ORDER_0_LOG2 - (bench_fls64(key) - 1);
		uint64_t start = (uint64_t)key << (BENCH_PAGE_SHIFT + order);

		coalesce_add(&co, start, start + (BENCH_PAGE_SIZE << order));
	}
	coalesce_flush(&co);
	return 0;
}

static uint64_t judy_memory(void *s)
{
	struct judy *j = s;

	return Judy1MemUsed(j->arr);
}

static uint64_t judy_nodes(void *s)
{
	return 0;
}

static void judy_destroy(void *s)
{
	struct judy *j = s;

	Judy1FreeArray(&j->arr, PJE0);
	free(j);
}

const struct bench_impl impl_judy = {
	.name = "judy1",
	.create = judy_create,
	.add = judy_add,
	.del = judy_del,
	.walk = judy_walk,
	.memory = judy_memory,
	.nodes = judy_nodes,
	.destroy = judy_destroy,
};
