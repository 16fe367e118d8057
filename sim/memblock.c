// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * memblock.c - memory and reserved region arrays, top-down allocation.
 *
 * Every change is "cut a hole, insert, merge neighbours": simple enough to
 * be obviously right, and the arrays stay small (tens of regions).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memblock.h"

#define SIM_MB_INIT_REGIONS 32

void sim_memblock_init(struct sim_memblock *mb)
{
	memset(mb, 0, sizeof(*mb));
}

void sim_memblock_destroy(struct sim_memblock *mb)
{
	free(mb->memory.regions);
	free(mb->reserved.regions);
	memset(mb, 0, sizeof(*mb));
}

static int type_grow(struct sim_mb_type *t, unsigned int extra)
{
	struct sim_mb_region *r;
	unsigned int max = t->max ? t->max : SIM_MB_INIT_REGIONS;

	if (t->cnt + extra <= t->max)
		return 0;
	while (max < t->cnt + extra)
		max *= 2;
	r = realloc(t->regions, max * sizeof(*r));
	if (!r)
		return -ENOMEM;
	t->regions = r;
	t->max = max;
	return 0;
}

static void type_insert_at(struct sim_mb_type *t, unsigned int i,
			   const struct sim_mb_region *reg)
{
	memmove(&t->regions[i + 1], &t->regions[i],
		(t->cnt - i) * sizeof(*reg));
	t->regions[i] = *reg;
	t->cnt++;
}

static void type_remove_at(struct sim_mb_type *t, unsigned int i)
{
	memmove(&t->regions[i], &t->regions[i + 1],
		(t->cnt - i - 1) * sizeof(t->regions[0]));
	t->cnt--;
}

/* Split regions at @addr so no region straddles it. Needs one free slot. */
static void type_split(struct sim_mb_type *t, uint64_t addr)
{
	for (unsigned int i = 0; i < t->cnt; i++) {
		struct sim_mb_region *r = &t->regions[i], tail;

		if (addr <= r->base || addr >= r->base + r->size)
			continue;
		tail = *r;
		tail.base = addr;
		tail.size = r->base + r->size - addr;
		r->size = addr - r->base;
		type_insert_at(t, i + 1, &tail);
		return;
	}
}

static void type_merge(struct sim_mb_type *t)
{
	for (unsigned int i = 1; i < t->cnt;) {
		struct sim_mb_region *a = &t->regions[i - 1];
		struct sim_mb_region *b = &t->regions[i];

		if (a->base + a->size != b->base || a->flags != b->flags ||
		    a->nid != b->nid) {
			i++;
			continue;
		}
		a->size += b->size;
		type_remove_at(t, i);
	}
}

/* Add [base, end) where nothing is yet; existing regions keep their flags. */
static int type_add(struct sim_mb_type *t, uint64_t base, uint64_t size,
		    unsigned int flags, int nid)
{
	uint64_t end = base + size, cur = base;
	unsigned int i = 0;

	if (!size || end < base)
		return -EINVAL;
	/* At most one new region per existing one, plus one. */
	if (type_grow(t, t->cnt + 1))
		return -ENOMEM;
	while (cur < end) {
		struct sim_mb_region reg = { cur, 0, flags, nid };

		while (i < t->cnt &&
		       t->regions[i].base + t->regions[i].size <= cur)
			i++;
		if (i < t->cnt && t->regions[i].base <= cur) {
			cur = t->regions[i].base + t->regions[i].size;
			continue;
		}
		reg.size = (i < t->cnt && t->regions[i].base < end ?
				    t->regions[i].base :
				    end) -
			   cur;
		type_insert_at(t, i, &reg);
		cur += reg.size;
	}
	type_merge(t);
	return 0;
}

/* Isolate [base, end): afterwards regions either lie inside or outside it. */
static int type_isolate(struct sim_mb_type *t, uint64_t base, uint64_t end)
{
	if (type_grow(t, 2))
		return -ENOMEM;
	type_split(t, base);
	type_split(t, end);
	return 0;
}

static int type_remove(struct sim_mb_type *t, uint64_t base, uint64_t size)
{
	uint64_t end = base + size;

	if (!size || end < base)
		return -EINVAL;
	if (type_isolate(t, base, end))
		return -ENOMEM;
	for (unsigned int i = 0; i < t->cnt;) {
		if (t->regions[i].base >= base && t->regions[i].base < end)
			type_remove_at(t, i);
		else
			i++;
	}
	return 0;
}

int sim_memblock_add(struct sim_memblock *mb, uint64_t base, uint64_t size,
		     int nid)
{
	return type_add(&mb->memory, base, size, 0, nid);
}

int sim_memblock_reserve(struct sim_memblock *mb, uint64_t base, uint64_t size,
			 unsigned int flags)
{
	return type_add(&mb->reserved, base, size, flags, SIM_NUMA_NO_NODE);
}

int sim_memblock_free(struct sim_memblock *mb, uint64_t base, uint64_t size)
{
	return type_remove(&mb->reserved, base, size);
}

uint64_t sim_mb_type_total(const struct sim_mb_type *type)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < type->cnt; i++)
		total += type->regions[i].size;
	return total;
}

static uint64_t covered(const struct sim_mb_type *t, uint64_t base,
			uint64_t end)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < t->cnt; i++) {
		const struct sim_mb_region *r = &t->regions[i];
		uint64_t s = r->base > base ? r->base : base;
		uint64_t e = r->base + r->size < end ? r->base + r->size : end;

		if (s < e)
			total += e - s;
	}
	return total;
}

int sim_memblock_mark_scratch(struct sim_memblock *mb, uint64_t base,
			      uint64_t size)
{
	struct sim_mb_type *t = &mb->memory;
	uint64_t end = base + size;

	if (!size || end < base || covered(t, base, end) != size)
		return -EINVAL;
	if (type_isolate(t, base, end))
		return -ENOMEM;
	for (unsigned int i = 0; i < t->cnt; i++)
		if (t->regions[i].base >= base && t->regions[i].base < end)
			t->regions[i].flags |= SIM_MB_SCRATCH;
	type_merge(t);
	return 0;
}

bool sim_memblock_is_reserved(const struct sim_memblock *mb, uint64_t base,
			      uint64_t size)
{
	return covered(&mb->reserved, base, base + size) != 0;
}

uint64_t sim_memblock_reserved_kern_size(const struct sim_memblock *mb,
					 uint64_t limit, int nid)
{
	const struct sim_mb_type *mem = &mb->memory;
	const struct sim_mb_type *rsv = &mb->reserved;
	uint64_t total = 0;

	/* A reservation's node is the node of the memory under it. */
	for (unsigned int i = 0; i < rsv->cnt; i++) {
		const struct sim_mb_region *r = &rsv->regions[i];

		if (!(r->flags & SIM_MB_RSRV_KERN))
			continue;
		for (unsigned int j = 0; j < mem->cnt; j++) {
			const struct sim_mb_region *m = &mem->regions[j];
			uint64_t s = r->base > m->base ? r->base : m->base;
			uint64_t e = r->base + r->size;

			if (m->base + m->size < e)
				e = m->base + m->size;
			if (e > limit)
				e = limit;
			if (s >= e)
				continue;
			if (nid != SIM_NUMA_NO_NODE && m->nid != nid)
				continue;
			total += e - s;
		}
	}
	return total;
}

int sim_memblock_for_each_free(const struct sim_memblock *mb, sim_mb_free_cb cb,
			       void *arg)
{
	const struct sim_mb_type *rsv = &mb->reserved;

	for (unsigned int i = 0; i < mb->memory.cnt; i++) {
		const struct sim_mb_region *m = &mb->memory.regions[i];
		uint64_t cur = m->base, end = m->base + m->size;

		for (unsigned int j = 0; j <= rsv->cnt && cur < end; j++) {
			uint64_t stop = end, next = end;
			int ret;

			if (j < rsv->cnt) {
				const struct sim_mb_region *r = &rsv->regions[j];

				if (r->base + r->size <= cur)
					continue;
				if (r->base >= end) {
					j = rsv->cnt - 1;
					continue;
				}
				stop = r->base > cur ? r->base : cur;
				next = r->base + r->size;
			}
			if (stop > cur) {
				ret = cb(cur, stop, m->flags, m->nid, arg);
				if (ret)
					return ret;
			}
			cur = next;
		}
	}
	return 0;
}

struct alloc_ctx {
	uint64_t size, align, start, end;
	int nid;
	bool scratch_only, no_scratch;
	uint64_t found;
};

/* Remember the highest fit; free ranges come ascending. */
static int alloc_fit(uint64_t s, uint64_t e, unsigned int flags, int nid,
		     void *arg)
{
	struct alloc_ctx *c = arg;
	uint64_t top, base;

	if (c->scratch_only && !(flags & SIM_MB_SCRATCH))
		return 0;
	if (c->no_scratch && (flags & SIM_MB_SCRATCH))
		return 0;
	if (c->nid != SIM_NUMA_NO_NODE && nid != c->nid)
		return 0;
	if (s < c->start)
		s = c->start;
	top = e < c->end ? e : c->end;
	if (top <= s || top - s < c->size)
		return 0;
	base = (top - c->size) & ~(c->align - 1);
	if (base < s)
		return 0;
	if (c->found == SIM_MB_ALLOC_ANYWHERE || base > c->found)
		c->found = base;
	return 0;
}

uint64_t sim_memblock_alloc(struct sim_memblock *mb, uint64_t size,
			    uint64_t align, uint64_t start, uint64_t end,
			    int nid, unsigned int rsrv_flags,
			    unsigned int alloc_flags)
{
	struct alloc_ctx c = {
		.size = size,
		.align = align ? align : 1,
		.start = start,
		.end = end,
		.nid = nid,
		.scratch_only = mb->scratch_only,
		.no_scratch = alloc_flags & SIM_MB_ALLOC_NO_SCRATCH,
		.found = SIM_MB_ALLOC_ANYWHERE,
	};

	if (!size || (c.align & (c.align - 1)))
		return SIM_MB_ALLOC_ANYWHERE;
	sim_memblock_for_each_free(mb, alloc_fit, &c);
	if (c.found == SIM_MB_ALLOC_ANYWHERE)
		return c.found;
	if (sim_memblock_reserve(mb, c.found, size, rsrv_flags))
		return SIM_MB_ALLOC_ANYWHERE;
	return c.found;
}
