// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bench/memblock.c - a model of memblock.reserved as Linux 7.3.4 keeps it
 * (mm/memblock.c), for the cost of kernel B reserving preserved memory one
 * block at a time. Written from reading the kernel, not copied; what it
 * keeps of the kernel's behaviour, and where that is:
 *
 *  - an array of regions {base, size, flags, nid} sorted by base, starting
 *    with 128 entries (INIT_MEMBLOCK_RESERVED_REGIONS, memblock.c:36) and
 *    doubled when full (memblock_double_array(), memblock.c:429): a new
 *    array, the old one copied and freed;
 *  - memblock_add_range() (memblock.c:610): a scan of the array from its
 *    first region up to the first region above the new range, run twice
 *    (first counting the pieces, then inserting them) unless the array is
 *    less than half full; every piece is inserted with a memmove of the
 *    regions after it (memblock_insert_region(), memblock.c:576), then
 *    neighbours that touch and agree on flags and node are merged, each
 *    merge another memmove (memblock_merge_regions(), memblock.c:535);
 *  - memblock_reserved_mark_noinit() (memblock.c:1156) through
 *    memblock_setclr_flag() (memblock.c:1042): isolate the range (another
 *    scan from the first region, splitting the regions that cross its ends,
 *    memblock.c:812), set MEMBLOCK_RSRV_NOINIT on the regions inside, merge.
 *
 * kho_preserved_memory_reserve() (kernel/liveupdate/kexec_handover.c:614)
 * calls both per preserved block. A block reserved next to a block already
 * marked noinit does not merge with it (the flags differ) until its own mark
 * makes them equal; scattered blocks never merge, so the array grows by one
 * region per block and each call scans all of it: quadratic.
 *
 * Left out: the array's own reservation after a doubling (one region) and
 * memblock_dbg(); nid is always 0 here, as for one node.
 *
 * With @bisect set the model runs patches/0001-memblock-*.patch: both scans
 * start at the first region that ends above the new range, found by
 * bisection, instead of at region 0.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define MB_INIT_REGIONS 128

void mb_init(struct mb_type *t, bool bisect)
{
	t->bisect = bisect;
	t->max = MB_INIT_REGIONS;
	t->cnt = 0;
	t->total = 0;
	t->visits = 0;
	t->r = calloc(t->max, sizeof(*t->r));
	if (!t->r)
		bench_die("memblock model: no memory");
}

void mb_free(struct mb_type *t)
{
	free(t->r);
	t->r = NULL;
	t->cnt = t->max = 0;
}

/*
 * Where a scan for a range starting at @base begins: region 0, or with the
 * patch the first region that ends above @base (the ones before it are
 * skipped by the scan anyway: sorted and disjoint, they end at or below it).
 */
static size_t mb_scan_start(struct mb_type *t, uint64_t base)
{
	size_t lo = 0, hi = t->cnt;

	if (!t->bisect)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		t->visits++;
		if (t->r[mid].base + t->r[mid].size <= base)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Twice the room: a new array, the old regions copied over, the old freed. */
static void mb_double(struct mb_type *t)
{
	struct mb_region *n = calloc(2 * t->max, sizeof(*n));

	if (!n)
		bench_die("memblock model: cannot double %zu regions", t->max);
	memcpy(n, t->r, t->max * sizeof(*n));
	free(t->r);
	t->r = n;
	t->max *= 2;
}

/* Put a region at @idx, moving every region from there up by one. */
static void mb_insert(struct mb_type *t, size_t idx, uint64_t base,
		      uint64_t size, uint32_t flags, int32_t nid)
{
	if (t->cnt >= t->max)
		bench_die("memblock model: insert into a full array");
	memmove(&t->r[idx + 1], &t->r[idx], (t->cnt - idx) * sizeof(*t->r));
	t->r[idx].base = base;
	t->r[idx].size = size;
	t->r[idx].flags = flags;
	t->r[idx].nid = nid;
	t->cnt++;
	t->total += size;
}

/*
 * Merge neighbours that touch and agree, looking at pairs from
 * (@from - 1, @from) up to (@to - 1, @to), the window the caller changed.
 */
static void mb_merge(struct mb_type *t, size_t from, size_t to)
{
	size_t i = from ? from - 1 : 0;

	if (to > t->cnt - 1)
		to = t->cnt - 1;
	while (i < to) {
		struct mb_region *a = &t->r[i], *b = &t->r[i + 1];

		t->visits++;
		if (a->base + a->size != b->base || a->flags != b->flags ||
		    a->nid != b->nid) {
			if (a->base + a->size > b->base)
				bench_die("memblock model: regions overlap");
			i++;
			continue;
		}
		a->size += b->size;
		memmove(b, b + 1, (t->cnt - i - 2) * sizeof(*b));
		t->cnt--;
		to--;
	}
}

int mb_add_range(struct mb_type *t, uint64_t base, uint64_t size,
		 uint32_t flags)
{
	const uint64_t end = base + size;
	size_t idx, first = SIZE_MAX, last = 0, pieces;
	bool insert;
	uint64_t cur;

	if (!size)
		return 0;
	if (!t->cnt) {
		t->r[0] = (struct mb_region){ base, size, flags, 0 };
		t->cnt = 1;
		t->total = size;
		return 0;
	}
	/* Room for the worst case (a piece in every gap): insert at once. */
	insert = t->cnt * 2 + 1 <= t->max;
	for (;;) {
		cur = base;
		pieces = 0;
		for (idx = mb_scan_start(t, base); idx < t->cnt; idx++) {
			uint64_t rbase = t->r[idx].base;
			uint64_t rend = rbase + t->r[idx].size;

			t->visits++;
			if (rbase >= end)
				break;
			if (rend <= cur)
				continue;
			if (rbase > cur) {
				/* The part of the new range below this region. */
				pieces++;
				if (insert) {
					if (first == SIZE_MAX)
						first = idx;
					last = idx + 1;
					mb_insert(t, idx++, cur, rbase - cur,
						  flags, 0);
				}
			}
			cur = rend < end ? rend : end;
		}
		if (cur < end) {
			pieces++;
			if (insert) {
				if (first == SIZE_MAX)
					first = idx;
				last = idx + 1;
				mb_insert(t, idx, cur, end - cur, flags, 0);
			}
		}
		if (!pieces)
			return 0;
		if (insert)
			break;
		while (t->cnt + pieces > t->max)
			mb_double(t);
		insert = true;
	}
	mb_merge(t, first, last);
	return 0;
}

/*
 * Split the regions that cross base or base + size, so that the range is
 * made of whole regions [*@from, *@to).
 */
static void mb_isolate(struct mb_type *t, uint64_t base, uint64_t size,
		       size_t *from, size_t *to)
{
	const uint64_t end = base + size;
	size_t idx;

	*from = *to = 0;
	if (!size)
		return;
	while (t->cnt + 2 > t->max)
		mb_double(t);
	for (idx = mb_scan_start(t, base); idx < t->cnt; idx++) {
		struct mb_region *r = &t->r[idx];
		uint64_t rbase = r->base, rend = rbase + r->size;

		t->visits++;
		if (rbase >= end)
			break;
		if (rend <= base)
			continue;
		if (rbase < base) {
			/* Crosses the start: keep the lower part apart. */
			r->base = base;
			r->size -= base - rbase;
			t->total -= base - rbase;
			mb_insert(t, idx, rbase, base - rbase, r->flags,
				  r->nid);
		} else if (rend > end) {
			/* Crosses the end: split, then look at the lower part. */
			r->base = end;
			r->size -= end - rbase;
			t->total -= end - rbase;
			mb_insert(t, idx, rbase, end - rbase, r->flags, r->nid);
			idx--;
		} else {
			if (!*to)
				*from = idx;
			*to = idx + 1;
		}
	}
}

int mb_set_flag(struct mb_type *t, uint64_t base, uint64_t size, uint32_t flag)
{
	size_t from, to, i;

	mb_isolate(t, base, size, &from, &to);
	for (i = from; i < to; i++)
		t->r[i].flags |= flag;
	mb_merge(t, from, to);
	return 0;
}

void mb_reserve_noinit(struct mb_type *t, uint64_t base, uint64_t size)
{
	mb_add_range(t, base, size, 0);
	mb_set_flag(t, base, size, MB_RSRV_NOINIT);
}
