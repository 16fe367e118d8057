/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho_env.h - a struct kho_env_ops over a small machine for the handover
 * tests: one range of RAM with fake physical addresses, a memmap of struct
 * kho_page, a trivial page allocator and allocation-failure injection.
 *
 *   phys:  phys_base                                   phys_base + size
 *          | page 0 | page 1 | ...               | page nr_pages - 1 |
 *   va:    guard    | ------------ one mapping ------------ |    guard
 *
 * Page i has physical address phys_base + i * page_size. phys_to_virt()
 * maps any address inside RAM (the next kernel reads the handover wherever
 * it lies) and nothing else; the mapping has an inaccessible page on either
 * side, so a read past RAM faults. pfn_to_page() is NULL outside RAM.
 *
 * The allocator hands out naturally aligned blocks of 2^order pages, first
 * fit, zeroed, never from a scratch area (kho_env_add_scratch()); freed
 * blocks are filled with poison. The allocation table survives
 * kho_env_reboot(), which only clears the memmap: the "next kernel" then
 * frees what it restores into the same table.
 *
 * Failure injection: kho_env_fail_nth(e, n) makes the n-th allocation from
 * now (1 = the next one) fail, once. Counters tell live pages, so a test
 * sees leaks, and bad frees.
 */
#ifndef TESTS_KHO_ENV_H
#define TESTS_KHO_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kho/kho.h>
#include <kho/validate.h>
#include <kho/view.h>

#define KHO_ENV_MAX_SCRATCH 8
#define KHO_ENV_POISON 0x6b

struct kho_env {
	struct kho_geometry geo;
	size_t page_size;
	uint64_t phys_base;
	size_t nr_pages;
	void *raw; /* the mapping, guards included */
	size_t raw_len;
	unsigned char *va; /* page 0 */
	struct kho_page *memmap; /* one per page */
	signed char *alloc_order; /* order at a block's first page, -1 */
	bool *in_use; /* per page */
	struct kho_scratch scratch[KHO_ENV_MAX_SCRATCH];
	unsigned int nr_scratch;
	uint64_t live_pages;
	uint64_t nr_allocs;
	uint64_t fail_countdown; /* 0: off; fail when it reaches 1 */
	uint64_t nr_injected;
	uint64_t bad_frees;
	struct kho_env_ops ops;
	struct kho_mem_region ram; /* for kho_env_check() */
	struct kho_tree_check chk;
	uint64_t *seen; /* its bitmap, seen_words words */
	uint64_t seen_words;
};

/*
 * An environment of @nr_pages pages of 2^@page_shift bytes at @phys_base
 * (aligned to 1 GiB so that large orders have room). NULL on failure.
 */
struct kho_env *kho_env_create(unsigned int page_shift, uint64_t phys_base,
			       size_t nr_pages);
void kho_env_destroy(struct kho_env *e);

/*
 * What kho_memory_init() checks the tree against: the environment's RAM
 * (one region) and a zeroed bitmap. Owned by @e and zeroed again on every
 * call (a check marks its bitmap); freed by kho_env_destroy().
 */
struct kho_tree_check *kho_env_check(struct kho_env *e);

/* Reserve pages [first, first + nr) as a scratch area (no allocations). */
void kho_env_add_scratch(struct kho_env *e, size_t first, size_t nr);

/* The next kernel's memmap: every struct kho_page zeroed. */
void kho_env_reboot(struct kho_env *e);

/* Fail the n-th allocation from now (n >= 1), once; 0 disarms. */
void kho_env_fail_nth(struct kho_env *e, uint64_t n);
/* Is an injected failure still waiting (the call under test did not reach it)? */
bool kho_env_fail_pending(struct kho_env *e);

/* Allocate/free through the same allocator the library uses. */
void *kho_env_alloc(struct kho_env *e, unsigned int order);
void kho_env_free(struct kho_env *e, void *va, unsigned int order);

uint64_t kho_env_phys(struct kho_env *e, const void *va);
void *kho_env_va(struct kho_env *e, uint64_t phys);
/* Physical address of page @i (may be past RAM, for tests of the edges). */
uint64_t kho_env_page_phys(struct kho_env *e, size_t i);
struct kho_page *kho_env_page(struct kho_env *e, uint64_t phys);

/* Does any page of the memmap carry a non-zero private? */
bool kho_env_any_stamp(struct kho_env *e);

/*
 * What an outgoing call may change: the preserved blocks (in walk order),
 * the root FDT's bytes and the pages allocated. Two snapshots equal means
 * a failed call left everything as it was.
 */
struct kho_env_block {
	uint64_t phys;
	unsigned int order;
};

struct kho_env_snapshot {
	struct kho_env_block *blocks;
	size_t nr_blocks;
	unsigned char *fdt;
	size_t fdt_len;
	uint64_t live_pages;
};

void kho_env_snapshot(struct kho_env *e, struct kho_out *out,
		      struct kho_env_snapshot *s);
bool kho_env_snapshot_equal(const struct kho_env_snapshot *a,
			    const struct kho_env_snapshot *b);
void kho_env_snapshot_free(struct kho_env_snapshot *s);

/* Every block of a tree in walk order; *nr set. Free with free(). */
struct kho_env_block *kho_env_blocks(struct kho_radix_tree *tree, size_t *nr);

/* A view straight over the arena's RAM; it owns nothing (own is NULL). */
struct kho_view kho_env_view(struct kho_env *e);

/*
 * The next kernel takes the handover whose root FDT is at @fdt_phys: the
 * arena's first scratch area written as the scratch array into a fresh
 * page (its address in *@scratch_phys when not NULL), the memmap zeroed,
 * kho_populate() and kho_memory_init() reserving nothing.
 * Return: 0, or the first call's negative errno.
 */
int kho_env_kexec(struct kho_env *e, uint64_t fdt_phys, struct kho_in *in,
		  uint64_t *scratch_phys);

#endif /* TESTS_KHO_ENV_H */
