// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * kho_env.c - test machine for the handover tests: RAM with fake physical
 * addresses, a memmap, a first-fit page allocator, failure injection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <libfdt.h>

#include "kho_env.h"

/* Inaccessible pages on each side of RAM. */
#define GUARD_PAGES 1
#define PHYS_BASE_ALIGN (1ULL << 30)

static void *env_alloc_pages(void *ctx, unsigned int order);
static void env_free_pages(void *ctx, void *va, unsigned int order);
static void *env_alloc_page(void *ctx);
static void env_free_page(void *ctx, void *page);
static uint64_t env_virt_to_phys(void *ctx, const void *va);
static void *env_phys_to_virt(void *ctx, uint64_t pa);
static struct kho_page *env_pfn_to_page(void *ctx, uint64_t pfn);

struct kho_env *kho_env_create(unsigned int page_shift, uint64_t phys_base,
			       size_t nr_pages)
{
	struct kho_env *e;
	size_t page_size = (size_t)1 << page_shift;

	if (phys_base % PHYS_BASE_ALIGN || !nr_pages)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e || kho_geometry_init(&e->geo, page_shift))
		goto err;
	e->page_size = page_size;
	e->phys_base = phys_base;
	e->nr_pages = nr_pages;
	/* Over-map by one page to align, plus a guard page on each side. */
	e->raw_len = (nr_pages + 2 * GUARD_PAGES + 1) * page_size;
	e->raw = mmap(NULL, e->raw_len, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (e->raw == MAP_FAILED)
		goto err;
	e->va = (unsigned char *)((((uintptr_t)e->raw + page_size - 1) &
				   ~(uintptr_t)(page_size - 1)) +
				  GUARD_PAGES * page_size);
	if (mprotect(e->va, nr_pages * page_size, PROT_READ | PROT_WRITE))
		goto err_unmap;
	e->memmap = calloc(nr_pages, sizeof(*e->memmap));
	e->alloc_order = malloc(nr_pages);
	e->in_use = calloc(nr_pages, sizeof(*e->in_use));
	e->ram.start = phys_base;
	e->ram.end = phys_base + (uint64_t)nr_pages * page_size;
	e->seen_words = kho_tree_check_words(&e->ram, 1, page_shift);
	e->seen = calloc(e->seen_words, sizeof(*e->seen));
	if (!e->memmap || !e->alloc_order || !e->in_use || !e->seen)
		goto err_unmap;
	memset(e->alloc_order, -1, nr_pages);

	e->ops.mem.alloc_page = env_alloc_page;
	e->ops.mem.free_page = env_free_page;
	e->ops.mem.virt_to_phys = env_virt_to_phys;
	e->ops.mem.phys_to_virt = env_phys_to_virt;
	e->ops.mem.ctx = e;
	e->ops.alloc_pages = env_alloc_pages;
	e->ops.free_pages = env_free_pages;
	e->ops.pfn_to_page = env_pfn_to_page;
	return e;

err_unmap:
	munmap(e->raw, e->raw_len);
	free(e->memmap);
	free(e->alloc_order);
	free(e->in_use);
	free(e->seen);
err:
	free(e);
	return NULL;
}

void kho_env_destroy(struct kho_env *e)
{
	if (!e)
		return;
	munmap(e->raw, e->raw_len);
	free(e->memmap);
	free(e->alloc_order);
	free(e->in_use);
	free(e->seen);
	free(e);
}

struct kho_tree_check *kho_env_check(struct kho_env *e)
{
	memset(&e->chk, 0, sizeof(e->chk));
	memset(e->seen, 0, e->seen_words * sizeof(*e->seen));
	e->chk.ram = &e->ram;
	e->chk.nr_ram = 1;
	e->chk.seen = e->seen;
	return &e->chk;
}

void kho_env_add_scratch(struct kho_env *e, size_t first, size_t nr)
{
	if (e->nr_scratch == KHO_ENV_MAX_SCRATCH)
		abort();
	e->scratch[e->nr_scratch].addr = kho_env_page_phys(e, first);
	e->scratch[e->nr_scratch].size = (uint64_t)nr * e->page_size;
	e->nr_scratch++;
}

void kho_env_reboot(struct kho_env *e)
{
	memset(e->memmap, 0, e->nr_pages * sizeof(*e->memmap));
}

void kho_env_fail_nth(struct kho_env *e, uint64_t n)
{
	e->fail_countdown = n;
}

bool kho_env_fail_pending(struct kho_env *e)
{
	return e->fail_countdown != 0;
}

static bool page_in_scratch(struct kho_env *e, size_t i)
{
	uint64_t pa = kho_env_page_phys(e, i);
	unsigned int s;

	for (s = 0; s < e->nr_scratch; s++) {
		if (pa >= e->scratch[s].addr &&
		    pa - e->scratch[s].addr < e->scratch[s].size)
			return true;
	}
	return false;
}

static bool block_free(struct kho_env *e, size_t first, size_t nr)
{
	size_t i;

	for (i = first; i < first + nr; i++) {
		if (e->in_use[i] || page_in_scratch(e, i))
			return false;
	}
	return true;
}

void *kho_env_alloc(struct kho_env *e, unsigned int order)
{
	size_t nr = (size_t)1 << order, first, i;
	unsigned char *va;

	if (e->fail_countdown && !--e->fail_countdown) {
		e->nr_injected++;
		return NULL;
	}
	if (order > 20)
		return NULL;
	for (first = 0; first + nr <= e->nr_pages; first += nr) {
		if (!block_free(e, first, nr))
			continue;
		for (i = first; i < first + nr; i++)
			e->in_use[i] = true;
		e->alloc_order[first] = (signed char)order;
		e->live_pages += nr;
		e->nr_allocs++;
		va = e->va + first * e->page_size;
		memset(va, 0, nr * e->page_size);
		return va;
	}
	return NULL;
}

void kho_env_free(struct kho_env *e, void *va, unsigned int order)
{
	size_t nr = (size_t)1 << order, first, i;
	uintptr_t off = (uintptr_t)va - (uintptr_t)e->va;

	if ((unsigned char *)va < e->va || off % e->page_size ||
	    off / e->page_size >= e->nr_pages) {
		e->bad_frees++;
		return;
	}
	first = off / e->page_size;
	if (e->alloc_order[first] != (signed char)order) {
		e->bad_frees++;
		return;
	}
	e->alloc_order[first] = -1;
	for (i = first; i < first + nr; i++)
		e->in_use[i] = false;
	e->live_pages -= nr;
	memset(va, KHO_ENV_POISON, nr * e->page_size);
}

uint64_t kho_env_page_phys(struct kho_env *e, size_t i)
{
	return e->phys_base + (uint64_t)i * e->page_size;
}

uint64_t kho_env_phys(struct kho_env *e, const void *va)
{
	return e->phys_base + (uint64_t)((const unsigned char *)va - e->va);
}

void *kho_env_va(struct kho_env *e, uint64_t phys)
{
	if (phys < e->phys_base ||
	    phys - e->phys_base >= (uint64_t)e->nr_pages * e->page_size)
		return NULL;
	return e->va + (phys - e->phys_base);
}

struct kho_page *kho_env_page(struct kho_env *e, uint64_t phys)
{
	return env_pfn_to_page(e, phys >> e->geo.page_shift);
}

bool kho_env_any_stamp(struct kho_env *e)
{
	size_t i;

	for (i = 0; i < e->nr_pages; i++) {
		if (e->memmap[i].private)
			return true;
	}
	return false;
}

static void *env_alloc_pages(void *ctx, unsigned int order)
{
	return kho_env_alloc(ctx, order);
}

static void env_free_pages(void *ctx, void *va, unsigned int order)
{
	kho_env_free(ctx, va, order);
}

static void *env_alloc_page(void *ctx)
{
	return kho_env_alloc(ctx, 0);
}

static void env_free_page(void *ctx, void *page)
{
	kho_env_free(ctx, page, 0);
}

static uint64_t env_virt_to_phys(void *ctx, const void *va)
{
	return kho_env_phys(ctx, va);
}

static void *env_phys_to_virt(void *ctx, uint64_t pa)
{
	return kho_env_va(ctx, pa);
}

static struct kho_page *env_pfn_to_page(void *ctx, uint64_t pfn)
{
	struct kho_env *e = ctx;
	uint64_t first = e->phys_base >> e->geo.page_shift;

	if (pfn < first || pfn - first >= e->nr_pages)
		return NULL;
	return &e->memmap[pfn - first];
}

struct block_list {
	struct kho_env_block *v;
	size_t nr, cap;
};

static int collect_block(uint64_t phys, unsigned int order, void *arg)
{
	struct block_list *l = arg;

	if (l->nr == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			abort();
	}
	l->v[l->nr].phys = phys;
	l->v[l->nr].order = order;
	l->nr++;
	return 0;
}

struct kho_env_block *kho_env_blocks(struct kho_radix_tree *tree, size_t *nr)
{
	struct block_list l = { 0 };

	if (kho_radix_walk(tree, collect_block, &l))
		abort();
	*nr = l.nr;
	return l.v;
}

void kho_env_snapshot(struct kho_env *e, struct kho_out *out,
		      struct kho_env_snapshot *s)
{
	s->blocks = kho_env_blocks(&out->tree, &s->nr_blocks);
	s->fdt_len = fdt_totalsize(out->fdt);
	s->fdt = malloc(s->fdt_len);
	if (!s->fdt)
		abort();
	memcpy(s->fdt, out->fdt, s->fdt_len);
	s->live_pages = e->live_pages;
}

bool kho_env_snapshot_equal(const struct kho_env_snapshot *a,
			    const struct kho_env_snapshot *b)
{
	size_t i;

	if (a->nr_blocks != b->nr_blocks || a->fdt_len != b->fdt_len ||
	    a->live_pages != b->live_pages)
		return false;
	/* Field by field: the struct has padding. */
	for (i = 0; i < a->nr_blocks; i++) {
		if (a->blocks[i].phys != b->blocks[i].phys ||
		    a->blocks[i].order != b->blocks[i].order)
			return false;
	}
	return !memcmp(a->fdt, b->fdt, a->fdt_len);
}

void kho_env_snapshot_free(struct kho_env_snapshot *s)
{
	free(s->blocks);
	free(s->fdt);
	s->blocks = NULL;
	s->fdt = NULL;
}

static const void *env_view_map(void *ctx, uint64_t phys, uint64_t len)
{
	struct kho_env *e = ctx;
	uint64_t end = e->phys_base + e->nr_pages * e->page_size;

	if (phys < e->phys_base || len > end - phys)
		return NULL;
	return kho_env_va(e, phys);
}

struct kho_view kho_env_view(struct kho_env *e)
{
	struct kho_view v = { .map = env_view_map,
			      .ctx = e,
			      .page_shift = e->geo.page_shift };

	return v;
}

static int reserve_nothing(uint64_t start, uint64_t end, void *arg)
{
	return 0;
}

int kho_env_kexec(struct kho_env *e, uint64_t fdt_phys, struct kho_in *in,
		  uint64_t *scratch_phys)
{
	struct kho_scratch *array = kho_env_alloc(e, 0);
	int ret;

	if (!array)
		return -ENOMEM;
	memcpy(array, e->scratch, sizeof(*array));
	if (scratch_phys)
		*scratch_phys = kho_env_phys(e, array);
	kho_env_reboot(e);
	ret = kho_populate(in, &e->geo, &e->ops, fdt_phys, e->page_size,
			   kho_env_phys(e, array), sizeof(*array));
	if (!ret)
		ret = kho_memory_init(in, kho_env_check(e), reserve_nothing,
				      NULL);
	return ret;
}
