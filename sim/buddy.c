// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * buddy.c - free lists per order and migrate type over a fresh memmap.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buddy.h"

int sim_buddy_init(struct sim_buddy *b, struct sim_machine *m)
{
	memset(b, 0, sizeof(*b));
	b->m = m;
	b->memmap = calloc(m->nr_pages ? m->nr_pages : 1, sizeof(*b->memmap));
	if (!b->memmap)
		return -ENOMEM;
	for (int mt = 0; mt < SIM_MT_NR; mt++)
		for (int o = 0; o < SIM_NR_ORDERS; o++)
			b->head[mt][o] = SIM_NO_PAGE;
	return 0;
}

void sim_buddy_destroy(struct sim_buddy *b)
{
	free(b->memmap);
	b->memmap = NULL;
}

struct sim_page *sim_pfn_to_page(struct sim_buddy *b, uint64_t pfn)
{
	uint64_t idx = sim_pfn_to_index(b->m, pfn);

	return idx == SIM_NO_PHYS ? NULL : &b->memmap[idx];
}

/* Order of the largest aligned block at @pfn that fits before @end. */
static unsigned int block_order(uint64_t pfn, uint64_t end)
{
	unsigned int fit = 63 - __builtin_clzll(end - pfn);
	unsigned int align = pfn ? __builtin_ctzll(pfn) : 63;

	return align < fit ? align : fit;
}

static enum sim_migratetype page_mt(const struct sim_page *p)
{
	return p->flags & SIM_PG_CMA ? SIM_MT_CMA : SIM_MT_UNMOVABLE;
}

static void list_add(struct sim_buddy *b, uint32_t idx, unsigned int order)
{
	struct sim_page *p = &b->memmap[idx];
	enum sim_migratetype mt = page_mt(p);
	uint32_t head = b->head[mt][order];

	p->flags |= SIM_PG_BUDDY;
	p->order = order;
	p->prev = SIM_NO_PAGE;
	p->next = head;
	if (head != SIM_NO_PAGE)
		b->memmap[head].prev = idx;
	b->head[mt][order] = idx;
	b->nr_free[mt][order]++;
	b->free_pages[mt] += 1ULL << order;
}

static void list_del(struct sim_buddy *b, uint32_t idx)
{
	struct sim_page *p = &b->memmap[idx];
	enum sim_migratetype mt = page_mt(p);

	if (p->prev != SIM_NO_PAGE)
		b->memmap[p->prev].next = p->next;
	else
		b->head[mt][p->order] = p->next;
	if (p->next != SIM_NO_PAGE)
		b->memmap[p->next].prev = p->prev;
	p->flags &= ~SIM_PG_BUDDY;
	b->nr_free[mt][p->order]--;
	b->free_pages[mt] -= 1ULL << p->order;
}

/* Free one block of at most SIM_MAX_ORDER, merging with free buddies. */
static int free_one(struct sim_buddy *b, uint64_t pfn, unsigned int order)
{
	const struct sim_ram_range *r;
	struct sim_page *p = sim_pfn_to_page(b, pfn);
	unsigned int shift = b->m->conf.page_shift;
	enum sim_migratetype mt;

	if (!p || (p->flags & SIM_PG_BUDDY))
		return -EINVAL;
	r = sim_ram_range_of(b->m, pfn << shift, (1ULL << order) << shift);
	if (!r)
		return -EINVAL;
	mt = page_mt(p);
	while (order < SIM_MAX_ORDER) {
		uint64_t buddy = pfn ^ (1ULL << order);
		struct sim_page *bp;

		/* The merged block must stay inside this ram range. */
		if ((buddy << shift) < r->base ||
		    ((buddy + (1ULL << order)) << shift) > r->base + r->size)
			break;
		bp = sim_pfn_to_page(b, buddy);
		if (!(bp->flags & SIM_PG_BUDDY) || bp->order != order ||
		    page_mt(bp) != mt)
			break;
		list_del(b, bp - b->memmap);
		pfn &= ~(1ULL << order);
		order++;
	}
	list_add(b, sim_pfn_to_page(b, pfn) - b->memmap, order);
	return 0;
}

int sim_buddy_free(struct sim_buddy *b, uint64_t pfn, unsigned int order)
{
	uint64_t nr = 1ULL << order;

	if (order >= 64 || (pfn & (nr - 1)))
		return -EINVAL;
	if (order <= SIM_MAX_ORDER)
		return free_one(b, pfn, order);
	for (uint64_t i = 0; i < nr; i += 1ULL << SIM_MAX_ORDER) {
		int ret = free_one(b, pfn + i, SIM_MAX_ORDER);

		if (ret)
			return ret;
	}
	return 0;
}

int sim_buddy_free_range(struct sim_buddy *b, uint64_t start_pfn,
			 uint64_t end_pfn, enum sim_migratetype mt)
{
	unsigned int shift = b->m->conf.page_shift;

	if (end_pfn <= start_pfn ||
	    !sim_ram_range_of(b->m, start_pfn << shift,
			      (end_pfn - start_pfn) << shift))
		return -EINVAL;
	for (uint64_t pfn = start_pfn; pfn < end_pfn; pfn++) {
		struct sim_page *p = sim_pfn_to_page(b, pfn);

		if (p->flags & SIM_PG_BUDDY)
			return -EINVAL;
		/* A page sim_buddy_mark_cma() marked stays CMA. */
		if (mt == SIM_MT_CMA)
			p->flags |= SIM_PG_CMA;
	}
	/* Largest aligned blocks first, as the kernel's __free_pages_core. */
	for (uint64_t pfn = start_pfn; pfn < end_pfn;) {
		unsigned int order = block_order(pfn, end_pfn);
		int ret;

		if (order > SIM_MAX_ORDER)
			order = SIM_MAX_ORDER;
		ret = free_one(b, pfn, order);
		if (ret)
			return ret;
		pfn += 1ULL << order;
	}
	return 0;
}

void sim_buddy_mark_cma(struct sim_buddy *b, uint64_t start_pfn,
			uint64_t end_pfn)
{
	for (uint64_t pfn = start_pfn; pfn < end_pfn; pfn++) {
		struct sim_page *p = sim_pfn_to_page(b, pfn);

		if (p)
			p->flags |= SIM_PG_CMA;
	}
}

static uint64_t alloc_mt(struct sim_buddy *b, unsigned int order,
			 enum sim_migratetype mt)
{
	unsigned int o = order;
	uint32_t idx;
	uint64_t pfn;

	while (o <= SIM_MAX_ORDER && b->head[mt][o] == SIM_NO_PAGE)
		o++;
	if (o > SIM_MAX_ORDER)
		return SIM_NO_PHYS;
	idx = b->head[mt][o];
	list_del(b, idx);
	pfn = sim_index_to_pfn(b->m, idx);
	/* Give the upper halves back until the block has the right size. */
	while (o > order) {
		o--;
		list_add(b, idx + (1U << o), o);
	}
	return pfn;
}

uint64_t sim_buddy_alloc(struct sim_buddy *b, unsigned int order, bool movable)
{
	uint64_t pfn = SIM_NO_PHYS;

	if (order > SIM_MAX_ORDER)
		return SIM_NO_PHYS;
	if (movable)
		pfn = alloc_mt(b, order, SIM_MT_CMA);
	if (pfn == SIM_NO_PHYS)
		pfn = alloc_mt(b, order, SIM_MT_UNMOVABLE);
	return pfn;
}

/* Is [pfn, pfn + 2^order) made of free unmovable max-order blocks? */
static bool contig_free(struct sim_buddy *b, uint64_t pfn, unsigned int order)
{
	uint64_t nr = 1ULL << order;

	for (uint64_t i = 0; i < nr; i += 1ULL << SIM_MAX_ORDER) {
		struct sim_page *p = sim_pfn_to_page(b, pfn + i);

		if (!p || !(p->flags & SIM_PG_BUDDY) ||
		    p->order != SIM_MAX_ORDER || page_mt(p) != SIM_MT_UNMOVABLE)
			return false;
	}
	return true;
}

uint64_t sim_buddy_alloc_contig(struct sim_buddy *b, unsigned int order)
{
	unsigned int shift = b->m->conf.page_shift;

	if (order <= SIM_MAX_ORDER)
		return alloc_mt(b, order, SIM_MT_UNMOVABLE);
	if (order >= 64 - shift)
		return SIM_NO_PHYS;
	/* Highest candidate first, as memblock and hugetlb go top-down. */
	for (int i = b->m->conf.nr_ranges - 1; i >= 0; i--) {
		const struct sim_ram_range *r = &b->m->conf.ram[i];
		uint64_t nr = 1ULL << order;
		uint64_t first = (r->base >> shift) + nr - 1;
		uint64_t end = (r->base + r->size) >> shift;

		first &= ~(nr - 1);
		for (uint64_t pfn = end >= nr ? (end - nr) & ~(nr - 1) : 0;
		     pfn >= first && pfn + nr <= end; pfn -= nr) {
			if (!contig_free(b, pfn, order)) {
				if (pfn < nr)
					break;
				continue;
			}
			for (uint64_t j = 0; j < nr; j += 1ULL << SIM_MAX_ORDER)
				list_del(b, sim_pfn_to_page(b, pfn + j) -
						    b->memmap);
			return pfn;
		}
	}
	return SIM_NO_PHYS;
}

int sim_buddy_for_each_free(struct sim_buddy *b, sim_buddy_block_cb cb,
			    void *arg)
{
	for (int mt = 0; mt < SIM_MT_NR; mt++) {
		for (int o = 0; o < SIM_NR_ORDERS; o++) {
			for (uint32_t idx = b->head[mt][o]; idx != SIM_NO_PAGE;
			     idx = b->memmap[idx].next) {
				int ret = cb(sim_index_to_pfn(b->m, idx), o, mt,
					     arg);

				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

uint64_t sim_buddy_nr_free_pages(const struct sim_buddy *b)
{
	return b->free_pages[SIM_MT_UNMOVABLE] + b->free_pages[SIM_MT_CMA];
}
