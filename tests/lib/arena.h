/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * arena.h - a struct kho_mem_ops over a test arena of pages.
 *
 * The arena is one mapping of page-aligned pages of the tree's page size.
 * Page i has the fake physical address phys_base + i * page_size, chosen by
 * the test (high in the 64-bit space too), so a tree that confuses a virtual
 * address with a physical one fails. phys_to_virt() maps only pages that are
 * allocated right now; everything else (holes, freed pages, addresses outside
 * the arena) is NULL. Freed pages are filled with a poison pattern that is
 * checked when the page is handed out again, so a write after free is seen.
 *
 * Failure injection: arena_fail_nth(a, n) makes the n-th allocation from now
 * (1 = the next one) return NULL, once. Counters say how many pages are live,
 * so a test can check that nothing leaked. Every function is thread-safe.
 */
#ifndef TESTS_ARENA_H
#define TESTS_ARENA_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kho/radix.h>

struct arena {
	pthread_mutex_t lock;
	unsigned int page_shift;
	size_t page_size;
	uint64_t phys_base;
	void *raw; /* the mapping, for munmap */
	unsigned char *va; /* its first page-aligned byte */
	size_t nr_pages; /* capacity */
	size_t next_fresh; /* pages below this have been handed out */
	unsigned char *state; /* per page: ARENA_FREE, _LIVE, _POISONED */
	size_t *freeq; /* FIFO of freed pages */
	size_t freeq_head, freeq_len;
	uint64_t live; /* pages allocated and not freed */
	uint64_t peak; /* most pages live at once */
	uint64_t nr_allocs; /* successful allocations */
	uint64_t nr_frees;
	uint64_t fail_countdown; /* 0: off; else fail when it reaches 1 */
	uint64_t nr_injected; /* allocations failed on purpose */
	uint64_t nr_exhausted; /* allocations failed for lack of room */
	uint64_t errors; /* bad frees, poison overwritten, ... */
	size_t scramble; /* page i has frame i ^ scramble */
	void (*hook)(void *arg, int event);
	void *hook_arg;
	struct kho_mem_ops ops;
};

/* Events passed to the hook (see arena_set_hook()). */
enum { ARENA_EVENT_ALLOC, ARENA_EVENT_FREE };

/*
 * arena_create() - an arena of @nr_pages pages of 2^@page_shift bytes whose
 * first page has physical address @phys_base (page-aligned; the arena must
 * end below 2^64). Returns NULL when the mapping cannot be made.
 */
struct arena *arena_create(unsigned int page_shift, uint64_t phys_base,
			   size_t nr_pages);
/* Unmap the arena. Pages still live are not an error here: check first. */
void arena_destroy(struct arena *a);

/* The ops to give the tree; ctx is the arena. */
const struct kho_mem_ops *arena_ops(struct arena *a);

/*
 * Shuffle physical addresses: page i of the mapping gets frame i ^ @mask, so
 * pages next to each other in memory are not next to each other physically
 * (and the other way round). Only before the first allocation, with a
 * power-of-two number of pages and @mask below it. Returns false otherwise.
 */
bool arena_scramble(struct arena *a, size_t mask);

/* Fail the n-th allocation from now (n >= 1), once; 0 disarms. */
void arena_fail_nth(struct arena *a, uint64_t n);
/*
 * Call @hook(@arg, event) at the start of every allocation and at the end of
 * every free (the page already poisoned and unmapped), without the arena's
 * lock: it may look at the tree as a reader would at that instant. NULL
 * removes it.
 */
void arena_set_hook(struct arena *a, void (*hook)(void *arg, int event),
		    void *arg);

/* Allocations the injected failure still waits for (0: not armed). */
uint64_t arena_fail_pending(struct arena *a);

uint64_t arena_live(struct arena *a);
uint64_t arena_nr_allocs(struct arena *a);
uint64_t arena_nr_frees(struct arena *a);
uint64_t arena_nr_injected(struct arena *a);
/* Bad frees, double frees, writes to freed pages, running out of room. */
uint64_t arena_errors(struct arena *a);

/* Is @pa inside the arena, on a page allocated right now? */
bool arena_is_live(struct arena *a, uint64_t pa);
/* Physical address of page i of the mapping, whatever its state. */
uint64_t arena_page_phys(struct arena *a, size_t i);
/* A physical address just past the arena: never mapped. */
uint64_t arena_phys_end(struct arena *a);

#endif /* TESTS_ARENA_H */
