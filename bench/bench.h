/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * bench/bench.h - what the benchmark's implementations share.
 *
 * Every implementation stores a set of preserved blocks (pfn, order) with
 * 4 KiB pages and sits behind one small vtable, struct bench_impl. The walk
 * hands the blocks to the next kernel as memblock would take them: each
 * implementation calls range_reserve() (a model of memblock_reserve(), see
 * ranges_out.c) for what it finds, and the result, a sorted array of merged
 * [start, end) physical ranges, must be the same for every implementation.
 */
#ifndef KHO_BENCH_H
#define KHO_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_PAGE_SHIFT 12
#define BENCH_PAGE_SIZE (1UL << BENCH_PAGE_SHIFT)

/* One physical range [start, end), bytes. */
struct range {
	uint64_t start;
	uint64_t end;
};

/* Aborts with a message: a benchmark with a broken baseline is worthless. */
void bench_die(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

/* A sorted array of disjoint, non-adjacent ranges: memblock.reserved. */
struct range_array {
	struct range *r;
	size_t nr;
	size_t cap;
};

void range_array_init(struct range_array *ra, size_t cap);
void range_array_reset(struct range_array *ra);
void range_array_free(struct range_array *ra);
/* memblock_reserve(): insert [start, end), merging with what it touches. */
void range_reserve(struct range_array *ra, uint64_t start, uint64_t end);
void range_array_grow(struct range_array *ra);
/* range_append() when the array is full or the range is out of order. */
void range_append_slow(struct range_array *ra, uint64_t start, uint64_t end);

/*
 * The consumers of a walk are inline, the same for every implementation, so
 * that a walk is not charged two calls per range for storing its output.
 */
static inline void range_push(struct range_array *ra, uint64_t start,
			      uint64_t end)
{
	if (ra->nr == ra->cap)
		range_array_grow(ra);
	ra->r[ra->nr].start = start;
	ra->r[ra->nr].end = end;
	ra->nr++;
}

/*
 * Take a range that should come after every range held: append it, merge
 * it with the last one when they touch, or fall back to range_reserve().
 */
static inline void range_add_sorted(struct range_array *ra, uint64_t start,
				    uint64_t end)
{
	struct range *last = ra->nr ? &ra->r[ra->nr - 1] : NULL;

	if (!last || start > last->end) {
		range_push(ra, start, end);
		return;
	}
	if (start == last->end) {
		last->end = end;
		return;
	}
	range_reserve(ra, start, end);
}

/*
 * Append a range that must lie after, and not touch, every range held: the
 * contract of kho_radix_walk_ranges(). Dies when it does not.
 */
static inline void range_append(struct range_array *ra, uint64_t start,
				uint64_t end)
{
	size_t n = ra->nr;

	/* One test for the rare cases, so that the slow path is a tail call. */
	if (__builtin_expect(start >= end || n == ra->cap ||
				     (n && start <= ra->r[n - 1].end),
			     0)) {
		range_append_slow(ra, start, end);
		return;
	}
	ra->r[n].start = start;
	ra->r[n].end = end;
	ra->nr = n + 1;
}

/*
 * range_append() for an array of ranges, as kho_radix_walk_range_batches()
 * hands them over: the same checks, one range at a time, and the copy.
 */
static inline void range_append_array(struct range_array *ra,
				      const struct range *r, size_t nr)
{
	/* A start must be above the last end (ends stay below 2^64 - 1). */
	uint64_t above = ra->nr ? ra->r[ra->nr - 1].end + 1 : 0;
	struct range *to;
	bool bad = !nr;
	size_t i;

	while (ra->nr + nr > ra->cap)
		range_array_grow(ra);
	to = &ra->r[ra->nr];
	for (i = 0; i < nr; i++) {
		bad |= (r[i].start >= r[i].end) | (r[i].start < above);
		above = r[i].end + 1;
		to[i] = r[i];
	}
	if (__builtin_expect(bad, 0))
		bench_die("walk_range_batches gave a batch of %zu ranges that "
			  "is empty, not ascending or not coalesced",
			  nr);
	ra->nr += nr;
}

/*
 * Coalesces blocks that arrive in ascending address order (one order of a
 * per-order structure) into runs before adding them: one add per run.
 */
struct coalescer {
	struct range_array *out;
	uint64_t start;
	uint64_t end;
};

static inline void coalesce_init(struct coalescer *c, struct range_array *out)
{
	c->out = out;
	c->start = 0;
	c->end = 0;
}

static inline void coalesce_flush(struct coalescer *c)
{
	if (c->end > c->start)
		range_add_sorted(c->out, c->start, c->end);
	c->start = 0;
	c->end = 0;
}

static inline void coalesce_add(struct coalescer *c, uint64_t start,
				uint64_t end)
{
	if (start == c->end && c->end > c->start) {
		c->end = end;
		return;
	}
	coalesce_flush(c);
	c->start = start;
	c->end = end;
}

/*
 * A page arena: the memory every page-based implementation takes its nodes
 * from. Pages come from one large anonymous mapping (virtual address space
 * only until touched), are zeroed on allocation like get_zeroed_page(), and
 * freed pages go to a free list. phys == va: the trees store the address
 * they get from virt_to_phys() and map it back with phys_to_virt().
 */
struct arena {
	unsigned char *base;
	size_t size;
	size_t used;
	void *free_list;
	uint64_t live_pages;
	uint64_t peak_pages;
};

int arena_init(struct arena *a, size_t size);
void arena_destroy(struct arena *a);
void *arena_alloc_page(void *ctx);
void arena_free_page(void *ctx, void *page);
uint64_t arena_virt_to_phys(void *ctx, const void *va);
void *arena_phys_to_virt(void *ctx, uint64_t pa);

/*
 * memblock.reserved as Linux 7.3.4 keeps it (bench/memblock.c): the cost of
 * reserving block by block. @visits counts regions looked at by the scans.
 */
struct mb_region {
	uint64_t base;
	uint64_t size;
	uint32_t flags;
	int32_t nid;
};

struct mb_type {
	struct mb_region *r;
	size_t cnt;
	size_t max;
	uint64_t total;
	uint64_t visits;
	bool bisect; /* the scans start by bisection (the kernel patch) */
};

#define MB_RSRV_NOINIT 0x20

void mb_init(struct mb_type *t, bool bisect);
void mb_free(struct mb_type *t);
/* memblock_add_range(): scan from the first region, insert, merge. */
int mb_add_range(struct mb_type *t, uint64_t base, uint64_t size,
		 uint32_t flags);
/* memblock_setclr_flag() setting @flag: isolate, flag, merge. */
int mb_set_flag(struct mb_type *t, uint64_t base, uint64_t size,
		uint32_t flag);
/* memblock_reserve() then memblock_reserved_mark_noinit(), as kernel B. */
void mb_reserve_noinit(struct mb_type *t, uint64_t base, uint64_t size);

/* One implementation under test. */
struct bench_impl {
	const char *name;
	/* New, empty set. NULL on failure. */
	void *(*create)(void);
	/* Returns 0 or a negative errno. */
	int (*add)(void *s, uint64_t pfn, unsigned int order);
	int (*del)(void *s, uint64_t pfn, unsigned int order);
	/*
	 * Optional batch forms: @nr blocks of @order back to back from @pfn.
	 * When set, the bench hands each phase over as such runs (cut from
	 * the workload before the clock starts) instead of block by block.
	 */
	int (*add_run)(void *s, uint64_t pfn, uint64_t nr, unsigned int order);
	int (*del_run)(void *s, uint64_t pfn, uint64_t nr, unsigned int order);
	/* Everything preserved, reserved into @out (reset by the caller). */
	int (*walk)(void *s, struct range_array *out);
	/*
	 * Optional: the same walk with a consumer that only counts the
	 * ranges into *@nr, to time the walk without what is done with its
	 * output (kho-bench --parts).
	 */
	int (*walk_count)(void *s, uint64_t *nr);
	/* Metadata bytes the structure takes for its content. */
	uint64_t (*memory)(void *s);
	/* Nodes (pages) for page-based structures, 0 when not meaningful. */
	uint64_t (*nodes)(void *s);
	void (*destroy)(void *s);
	/* Only when named in --impls: too slow for the full workloads. */
	bool explicit_only;
	/* After walk(): regions the reserve model looked at, or 0. */
	uint64_t (*visits)(void *s);
};

extern const struct bench_impl impl_libkho;
extern const struct bench_impl impl_libkho_batch;
extern const struct bench_impl impl_libkho_before;
extern const struct bench_impl impl_kernel;
extern const struct bench_impl impl_kernel_memblock;
extern const struct bench_impl impl_kernel_memblock_fix;
extern const struct bench_impl impl_v1;
extern const struct bench_impl impl_ranges;
extern const struct bench_impl impl_judy;
extern const struct bench_impl impl_roaring;

/* Sum of every leaf word of a kernel-like tree: the walk's bandwidth bound. */
uint64_t kernel_like_sum_leaves(void *s, uint64_t *words);

static inline unsigned int bench_fls64(uint64_t x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

#endif /* KHO_BENCH_H */
