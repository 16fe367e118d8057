// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * arena.c - test memory for the radix tree: pages with fake physical
 * addresses, strict phys_to_virt(), poison on free, failure injection.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arena.h"

enum { ARENA_FREE, ARENA_LIVE, ARENA_POISONED };

#define ARENA_POISON 0x6b
/* Freed pages wait this long before reuse, so stale reads meet poison. */
#define ARENA_REUSE_DELAY 32

static void *arena_alloc_page(void *ctx);
static void arena_free_page(void *ctx, void *page);
static uint64_t arena_virt_to_phys(void *ctx, const void *va);
static void *arena_phys_to_virt(void *ctx, uint64_t pa);

struct arena *arena_create(unsigned int page_shift, uint64_t phys_base,
			   size_t nr_pages)
{
	size_t page_size = (size_t)1 << page_shift;
	struct arena *a;
	void *va;

	if (phys_base & (page_size - 1) || !nr_pages)
		return NULL;
	/* The last page must end below 2^64. */
	if (nr_pages - 1 > (UINT64_MAX - phys_base) / page_size ||
	    UINT64_MAX - phys_base - (nr_pages - 1) * page_size < page_size)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	/* Over-allocate to align the mapping to the page size. */
	va = mmap(NULL, (nr_pages + 1) * page_size, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (va == MAP_FAILED) {
		free(a);
		return NULL;
	}
	a->state = calloc(nr_pages, 1);
	a->freeq = calloc(nr_pages, sizeof(*a->freeq));
	if (!a->state || !a->freeq) {
		munmap(va, (nr_pages + 1) * page_size);
		free(a->state);
		free(a->freeq);
		free(a);
		return NULL;
	}
	pthread_mutex_init(&a->lock, NULL);
	a->page_shift = page_shift;
	a->page_size = page_size;
	a->phys_base = phys_base;
	a->nr_pages = nr_pages;
	a->va = (unsigned char *)(((uintptr_t)va + page_size - 1) &
				  ~(uintptr_t)(page_size - 1));
	a->ops.alloc_page = arena_alloc_page;
	a->ops.free_page = arena_free_page;
	a->ops.virt_to_phys = arena_virt_to_phys;
	a->ops.phys_to_virt = arena_phys_to_virt;
	a->ops.ctx = a;
	a->raw = va;
	return a;
}

void arena_destroy(struct arena *a)
{
	if (!a)
		return;
	munmap(a->raw, (a->nr_pages + 1) * a->page_size);
	pthread_mutex_destroy(&a->lock);
	free(a->state);
	free(a->freeq);
	free(a);
}

const struct kho_mem_ops *arena_ops(struct arena *a)
{
	return &a->ops;
}

static bool page_is_poisoned(const unsigned char *p, size_t len)
{
	/* Every byte equals the one after it, and the first is poison. */
	return p[0] == ARENA_POISON && !memcmp(p, p + 1, len - 1);
}

static void *arena_alloc_page(void *ctx)
{
	struct arena *a = ctx;
	unsigned char *p;
	size_t i;

	if (a->hook)
		a->hook(a->hook_arg, ARENA_EVENT_ALLOC);
	pthread_mutex_lock(&a->lock);
	if (a->fail_countdown) {
		if (--a->fail_countdown == 0) {
			a->nr_injected++;
			pthread_mutex_unlock(&a->lock);
			return NULL;
		}
	}
	if (a->freeq_len && (a->freeq_len > ARENA_REUSE_DELAY ||
			     a->next_fresh == a->nr_pages)) {
		i = a->freeq[a->freeq_head];
		a->freeq_head = (a->freeq_head + 1) % a->nr_pages;
		a->freeq_len--;
		p = a->va + i * a->page_size;
		if (a->state[i] != ARENA_POISONED ||
		    !page_is_poisoned(p, a->page_size))
			a->errors++; /* written after it was freed */
	} else if (a->next_fresh < a->nr_pages) {
		i = a->next_fresh++;
		p = a->va + i * a->page_size;
	} else {
		a->nr_exhausted++;
		a->errors++;
		pthread_mutex_unlock(&a->lock);
		return NULL;
	}
	memset(p, 0, a->page_size);
	a->state[i] = ARENA_LIVE;
	a->live++;
	if (a->live > a->peak)
		a->peak = a->live;
	a->nr_allocs++;
	pthread_mutex_unlock(&a->lock);
	return p;
}

/* Index of the page at @va, or nr_pages when @va is not a page start. */
static size_t page_index(struct arena *a, const void *va)
{
	uintptr_t off = (uintptr_t)va - (uintptr_t)a->va;

	if ((uintptr_t)va < (uintptr_t)a->va ||
	    off >= a->nr_pages * a->page_size || off & (a->page_size - 1))
		return a->nr_pages;
	return off >> a->page_shift;
}

static void arena_free_page(void *ctx, void *page)
{
	struct arena *a = ctx;
	size_t i;

	pthread_mutex_lock(&a->lock);
	i = page_index(a, page);
	if (i == a->nr_pages || a->state[i] != ARENA_LIVE) {
		a->errors++; /* not ours, or freed twice */
		pthread_mutex_unlock(&a->lock);
		return;
	}
	memset(page, ARENA_POISON, a->page_size);
	a->state[i] = ARENA_POISONED;
	a->freeq[(a->freeq_head + a->freeq_len) % a->nr_pages] = i;
	a->freeq_len++;
	a->live--;
	a->nr_frees++;
	pthread_mutex_unlock(&a->lock);
	if (a->hook)
		a->hook(a->hook_arg, ARENA_EVENT_FREE);
}

void arena_set_hook(struct arena *a, void (*hook)(void *arg, int event),
		    void *arg)
{
	a->hook = hook;
	a->hook_arg = arg;
}

static uint64_t arena_virt_to_phys(void *ctx, const void *va)
{
	struct arena *a = ctx;
	uintptr_t off = (uintptr_t)va - (uintptr_t)a->va;

	if ((uintptr_t)va < (uintptr_t)a->va ||
	    off >= a->nr_pages * a->page_size) {
		pthread_mutex_lock(&a->lock);
		a->errors++;
		pthread_mutex_unlock(&a->lock);
		return 0;
	}
	/* Page i has physical frame i ^ scramble (see arena_scramble()). */
	return a->phys_base +
	       ((uint64_t)((off >> a->page_shift) ^ a->scramble)
		<< a->page_shift) +
	       (off & (a->page_size - 1));
}

static void *arena_phys_to_virt(void *ctx, uint64_t pa)
{
	struct arena *a = ctx;
	uint64_t off;
	void *va = NULL;
	size_t i;

	if (pa < a->phys_base)
		return NULL;
	off = pa - a->phys_base;
	if (off >> a->page_shift >= a->nr_pages)
		return NULL;
	i = (off >> a->page_shift) ^ a->scramble;
	if (i >= a->nr_pages)
		return NULL;
	pthread_mutex_lock(&a->lock);
	if (a->state[i] == ARENA_LIVE)
		va = a->va + (i << a->page_shift) + (off & (a->page_size - 1));
	pthread_mutex_unlock(&a->lock);
	return va;
}

bool arena_scramble(struct arena *a, size_t mask)
{
	/* A bijection of [0, nr_pages) only when nr_pages is a power of 2. */
	if (a->nr_pages & (a->nr_pages - 1) || mask >= a->nr_pages ||
	    a->next_fresh)
		return false;
	a->scramble = mask;
	return true;
}

void arena_fail_nth(struct arena *a, uint64_t n)
{
	pthread_mutex_lock(&a->lock);
	a->fail_countdown = n;
	pthread_mutex_unlock(&a->lock);
}

uint64_t arena_fail_pending(struct arena *a)
{
	uint64_t n;

	pthread_mutex_lock(&a->lock);
	n = a->fail_countdown;
	pthread_mutex_unlock(&a->lock);
	return n;
}

#define ARENA_GETTER(name, field)               \
	uint64_t arena_##name(struct arena *a)  \
	{                                       \
		uint64_t v;                     \
		pthread_mutex_lock(&a->lock);   \
		v = a->field;                   \
		pthread_mutex_unlock(&a->lock); \
		return v;                       \
	}

ARENA_GETTER(live, live)
ARENA_GETTER(nr_allocs, nr_allocs)
ARENA_GETTER(nr_frees, nr_frees)
ARENA_GETTER(nr_injected, nr_injected)
ARENA_GETTER(errors, errors)

bool arena_is_live(struct arena *a, uint64_t pa)
{
	return arena_phys_to_virt(a, pa) != NULL;
}

uint64_t arena_page_phys(struct arena *a, size_t i)
{
	return a->phys_base + ((uint64_t)(i ^ a->scramble) << a->page_shift);
}

uint64_t arena_phys_end(struct arena *a)
{
	return a->phys_base + ((uint64_t)a->nr_pages << a->page_shift);
}
