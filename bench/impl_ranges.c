// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bench/impl_ranges.c - baseline: preserved memory as sorted, merged
 * [start, end) ranges, the design the kernel's reviewers held up against
 * bitmaps.
 *
 * What it models: a sorted array of disjoint ranges, with binary search to
 * insert (merging with the neighbours a block touches) and to delete (which
 * shrinks or splits a range). One flat array would make a million random
 * inserts quadratic (every insert moves half the array), so the array is
 * cut into page-sized chunks of 255 ranges with a sorted index of chunk
 * starts: a two-level B-tree, the way such an array would be laid out in
 * handover pages anyway. Chunks split when full and merge with their
 * neighbour when a delete leaves them a quarter full. Ranges lose the block
 * orders: kernel B could reserve them but not restore folios from them.
 * Memory is the chunk pages plus the index.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define RC_CAP ((BENCH_PAGE_SIZE - 8) / sizeof(struct range))

struct rchunk {
	uint32_t n;
	uint32_t pad;
	struct range r[RC_CAP];
};

_Static_assert(sizeof(struct rchunk) <= BENCH_PAGE_SIZE, "a chunk is a page");

struct rset {
	struct arena arena;
	struct rchunk **ch;
	uint64_t *first; /* ch[i]->r[0].start, for the binary search */
	size_t nch;
	size_t cap;
};

static void *rs_create(void)
{
	struct rset *rs = calloc(1, sizeof(*rs));

	if (!rs || arena_init(&rs->arena, 1UL << 30))
		bench_die("ranges: no memory");
	return rs;
}

/* Put a new chunk at index @at of the chunk index. */
static struct rchunk *rs_new_chunk(struct rset *rs, size_t at)
{
	struct rchunk *c = arena_alloc_page(&rs->arena);

	if (!c)
		bench_die("ranges: arena full");
	if (rs->nch == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 64;
		rs->ch = realloc(rs->ch, rs->cap * sizeof(*rs->ch));
		rs->first = realloc(rs->first, rs->cap * sizeof(*rs->first));
		if (!rs->ch || !rs->first)
			bench_die("ranges: no memory");
	}
	memmove(&rs->ch[at + 1], &rs->ch[at], (rs->nch - at) * sizeof(*rs->ch));
	memmove(&rs->first[at + 1], &rs->first[at],
		(rs->nch - at) * sizeof(*rs->first));
	rs->ch[at] = c;
	rs->nch++;
	return c;
}

static void rs_drop_chunk(struct rset *rs, size_t at)
{
	arena_free_page(&rs->arena, rs->ch[at]);
	memmove(&rs->ch[at], &rs->ch[at + 1],
		(rs->nch - at - 1) * sizeof(*rs->ch));
	memmove(&rs->first[at], &rs->first[at + 1],
		(rs->nch - at - 1) * sizeof(*rs->first));
	rs->nch--;
}

/*
 * The range with the largest start <= @addr: chunk *@c, index *@i; *@i is
 * -1 (and *@c 0) when every range starts after @addr.
 */
static void rs_locate(const struct rset *rs, uint64_t addr, size_t *c, long *i)
{
	size_t lo = 0, hi = rs->nch;
	const struct rchunk *ch;
	long l, h;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rs->first[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo) {
		*c = 0;
		*i = -1;
		return;
	}
	*c = lo - 1;
	ch = rs->ch[*c];
	l = 0;
	h = ch->n;
	while (l < h) {
		long mid = l + (h - l) / 2;

		if (ch->r[mid].start <= addr)
			l = mid + 1;
		else
			h = mid;
	}
	*i = l - 1;
}

static void rs_insert_at(struct rset *rs, size_t c, size_t i, uint64_t start,
			 uint64_t end)
{
	struct rchunk *ch;

	if (!rs->nch) {
		rs_new_chunk(rs, 0);
		c = 0;
		i = 0;
	}
	ch = rs->ch[c];
	if (ch->n == RC_CAP && i == RC_CAP) {
		/* Appending to a full chunk: start the next one (B-tree trick). */
		c++;
		i = 0;
		ch = rs_new_chunk(rs, c);
	} else if (ch->n == RC_CAP) {
		size_t half = RC_CAP / 2;
		struct rchunk *nc = rs_new_chunk(rs, c + 1);

		nc->n = ch->n - half;
		memcpy(nc->r, &ch->r[half], nc->n * sizeof(nc->r[0]));
		ch->n = half;
		rs->first[c + 1] = nc->r[0].start;
		if (i > half) {
			c++;
			i -= half;
			ch = nc;
		}
	}
	memmove(&ch->r[i + 1], &ch->r[i], (ch->n - i) * sizeof(ch->r[0]));
	ch->r[i].start = start;
	ch->r[i].end = end;
	ch->n++;
	if (!i)
		rs->first[c] = start;
}

static void rs_remove_at(struct rset *rs, size_t c, size_t i)
{
	struct rchunk *ch = rs->ch[c], *next;

	memmove(&ch->r[i], &ch->r[i + 1], (ch->n - i - 1) * sizeof(ch->r[0]));
	ch->n--;
	if (!ch->n) {
		rs_drop_chunk(rs, c);
		return;
	}
	if (!i)
		rs->first[c] = ch->r[0].start;
	if (ch->n >= RC_CAP / 4 || c + 1 >= rs->nch)
		return;
	next = rs->ch[c + 1];
	if (ch->n + next->n > RC_CAP / 2)
		return;
	memcpy(&ch->r[ch->n], next->r, next->n * sizeof(next->r[0]));
	ch->n += next->n;
	rs_drop_chunk(rs, c + 1);
}

static int rs_add(void *s, uint64_t pfn, unsigned int order)
{
	struct rset *rs = s;
	uint64_t start = pfn << BENCH_PAGE_SHIFT;
	uint64_t end = start + (BENCH_PAGE_SIZE << order);
	struct range *pred = NULL, *succ = NULL;
	size_t c, sc = 0, si = 0;
	long i;

	rs_locate(rs, start, &c, &i);
	if (i >= 0) {
		pred = &rs->ch[c]->r[i];
		if (pred->end >= end)
			return 0;
		if (pred->end > start)
			return -EEXIST;
	}
	if (!rs->nch) {
		rs_insert_at(rs, 0, 0, start, end);
		return 0;
	}
	if ((size_t)(i + 1) < rs->ch[c]->n) {
		sc = c;
		si = i + 1;
		succ = &rs->ch[sc]->r[si];
	} else if (c + 1 < rs->nch) {
		sc = c + 1;
		si = 0;
		succ = &rs->ch[sc]->r[si];
	}
	if (succ && succ->start < end)
		return -EEXIST;

	if (pred && pred->end == start) {
		if (succ && succ->start == end) {
			pred->end = succ->end;
			rs_remove_at(rs, sc, si);
		} else {
			pred->end = end;
		}
		return 0;
	}
	if (succ && succ->start == end) {
		succ->start = start;
		if (!si)
			rs->first[sc] = start;
		return 0;
	}
	rs_insert_at(rs, c, i + 1, start, end);
	return 0;
}

static int rs_del(void *s, uint64_t pfn, unsigned int order)
{
	struct rset *rs = s;
	uint64_t start = pfn << BENCH_PAGE_SHIFT;
	uint64_t end = start + (BENCH_PAGE_SIZE << order);
	struct range *r;
	uint64_t old_end;
	size_t c;
	long i;

	rs_locate(rs, start, &c, &i);
	if (i < 0)
		return -ENOENT;
	r = &rs->ch[c]->r[i];
	if (r->end < end)
		return -ENOENT;
	if (r->start == start && r->end == end) {
		rs_remove_at(rs, c, i);
	} else if (r->start == start) {
		r->start = end;
		if (!i)
			rs->first[c] = end;
	} else if (r->end == end) {
		r->end = start;
	} else {
		old_end = r->end;
		r->end = start;
		rs_insert_at(rs, c, i + 1, end, old_end);
	}
	return 0;
}

static int rs_walk(void *s, struct range_array *out)
{
	struct rset *rs = s;

	for (size_t c = 0; c < rs->nch; c++) {
		const struct rchunk *ch = rs->ch[c];

		for (uint32_t i = 0; i < ch->n; i++)
			range_add_sorted(out, ch->r[i].start, ch->r[i].end);
	}
	return 0;
}

static uint64_t rs_nodes(void *s)
{
	struct rset *rs = s;

	return rs->nch;
}

static uint64_t rs_memory(void *s)
{
	struct rset *rs = s;

	return rs->nch * BENCH_PAGE_SIZE +
	       rs->cap * (sizeof(*rs->ch) + sizeof(*rs->first));
}

static void rs_destroy(void *s)
{
	struct rset *rs = s;

	free(rs->ch);
	free(rs->first);
	arena_destroy(&rs->arena);
	free(rs);
}

const struct bench_impl impl_ranges = {
	.name = "ranges",
	.create = rs_create,
	.add = rs_add,
	.del = rs_del,
	.walk = rs_walk,
	.memory = rs_memory,
	.nodes = rs_nodes,
	.destroy = rs_destroy,
};
