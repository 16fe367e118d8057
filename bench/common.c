// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bench/common.c - the page arena, and the range arrays the walks fill,
 * with the model of memblock_reserve().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench.h"

void bench_die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "kho-bench: FATAL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

void range_array_init(struct range_array *ra, size_t cap)
{
	ra->cap = cap ? cap : 16;
	ra->nr = 0;
	ra->r = malloc(ra->cap * sizeof(*ra->r));
	if (!ra->r)
		bench_die("out of memory for %zu ranges", ra->cap);
}

void range_array_reset(struct range_array *ra)
{
	ra->nr = 0;
}

void range_array_free(struct range_array *ra)
{
	free(ra->r);
	ra->r = NULL;
	ra->nr = ra->cap = 0;
}

/* First index whose range ends at or after @addr (ends are sorted too). */
static size_t first_end_at_or_after(const struct range_array *ra, uint64_t addr)
{
	size_t lo = 0, hi = ra->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ra->r[mid].end < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Models memblock_reserve() -> memblock_add_range() + memblock_merge_regions():
 * find where [start, end) goes in the sorted region array, insert it, merge
 * it with every region it overlaps or touches. memblock finds the place with
 * a linear scan from the first region; we binary search so that a million
 * calls finish (the linear scan would make every per-block walk quadratic).
 * memblock's flags and node ids are left out: all regions here are alike.
 */
void range_reserve(struct range_array *ra, uint64_t start, uint64_t end)
{
	size_t i, j;

	i = first_end_at_or_after(ra, start);
	j = i;
	while (j < ra->nr && ra->r[j].start <= end)
		j++;
	if (i == j) {
		if (ra->nr == ra->cap) {
			ra->cap *= 2;
			ra->r = realloc(ra->r, ra->cap * sizeof(*ra->r));
			if (!ra->r)
				bench_die("out of memory for %zu ranges",
					  ra->cap);
		}
		memmove(&ra->r[i + 1], &ra->r[i],
			(ra->nr - i) * sizeof(*ra->r));
		ra->r[i].start = start;
		ra->r[i].end = end;
		ra->nr++;
		return;
	}
	if (ra->r[i].start > start)
		ra->r[i].start = start;
	if (ra->r[j - 1].end > end)
		end = ra->r[j - 1].end;
	ra->r[i].end = end;
	if (j - i > 1) {
		memmove(&ra->r[i + 1], &ra->r[j],
			(ra->nr - j) * sizeof(*ra->r));
		ra->nr -= j - i - 1;
	}
}

int arena_init(struct arena *a, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	memset(a, 0, sizeof(*a));
	if (p == MAP_FAILED)
		return -1;
	a->base = p;
	a->size = size;
	return 0;
}

void arena_destroy(struct arena *a)
{
	if (a->base)
		munmap(a->base, a->size);
	memset(a, 0, sizeof(*a));
}

void *arena_alloc_page(void *ctx)
{
	struct arena *a = ctx;
	void *page;

	if (a->free_list) {
		page = a->free_list;
		a->free_list = *(void **)page;
	} else {
		if (a->used + BENCH_PAGE_SIZE > a->size)
			return NULL;
		page = a->base + a->used;
		a->used += BENCH_PAGE_SIZE;
	}
	memset(page, 0, BENCH_PAGE_SIZE);
	a->live_pages++;
	if (a->live_pages > a->peak_pages)
		a->peak_pages = a->live_pages;
	return page;
}

void arena_free_page(void *ctx, void *page)
{
	struct arena *a = ctx;

	*(void **)page = a->free_list;
	a->free_list = page;
	a->live_pages--;
}

uint64_t arena_virt_to_phys(void *ctx, const void *va)
{
	return (uint64_t)(uintptr_t)va;
}

void *arena_phys_to_virt(void *ctx, uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

void range_array_grow(struct range_array *ra)
{
	ra->cap *= 2;
	ra->r = realloc(ra->r, ra->cap * sizeof(*ra->r));
	if (!ra->r)
		bench_die("out of memory for %zu ranges", ra->cap);
}

void range_append_slow(struct range_array *ra, uint64_t start, uint64_t end)
{
	const struct range *last = ra->nr ? &ra->r[ra->nr - 1] : NULL;

	if (start >= end || (last && start <= last->end))
		bench_die(
			"walk_ranges gave [%#llx, %#llx) after [%#llx, %#llx): "
			"not ascending, empty, or not coalesced",
			(unsigned long long)start, (unsigned long long)end,
			(unsigned long long)(last ? last->start : 0),
			(unsigned long long)(last ? last->end : 0));
	range_push(ra, start, end);
}
