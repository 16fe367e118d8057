/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * sim/buddy.h - the memmap and the buddy page allocator of one boot.
 *
 * The memmap is one struct sim_page per page frame of RAM, indexed like
 * ram.img (memmap index = file offset >> page_shift), built afresh in process
 * memory at every boot, as a kernel builds its struct pages. Its first member
 * is the struct kho_page libkho stamps and restores.
 *
 * The allocator keeps free blocks of 2^0 .. 2^SIM_MAX_ORDER pages on one
 * list per order and per migrate type:
 *
 *   UNMOVABLE  order 0: [pfn 0x4a1] <-> [pfn 0x4a7]
 *              order 1: [pfn 0x4a2]
 *              ...
 *              order 10: [pfn 0x800] <-> [pfn 0xc00] <-> ...
 *   CMA        the KHO scratch areas: only movable allocations get them,
 *              because the next kernel overwrites them
 *
 * A freed block merges with its buddy (pfn ^ 2^order) while the buddy is a
 * free block of the same order and type, inside the same ram range.
 */
#ifndef SIM_BUDDY_H
#define SIM_BUDDY_H

#include <stdbool.h>
#include <stdint.h>

#include <kho/kho.h>

#include "machine.h"

/* The kernel's MAX_PAGE_ORDER: blocks of up to 2^10 pages. */
#define SIM_MAX_ORDER 10
#define SIM_NR_ORDERS (SIM_MAX_ORDER + 1)

/* No page: the end of a free list. */
#define SIM_NO_PAGE UINT32_MAX

enum sim_migratetype {
	SIM_MT_UNMOVABLE,	/* ordinary memory: any allocation */
	SIM_MT_CMA,		/* scratch: movable allocations only */
	SIM_MT_NR,
};

/* struct sim_page flags */
#define SIM_PG_BUDDY 0x1	/* head of a free block */
#define SIM_PG_CMA 0x2		/* page of a scratch area */

/**
 * struct sim_page - a struct page
 * @kp: what libkho reads and stamps (kho_page_info, refcount)
 * @next: next free block on its list (memmap index), SIM_NO_PAGE at the end
 * @prev: previous free block, SIM_NO_PAGE at the head
 * @order: order of the free block this page heads
 * @flags: SIM_PG_*
 */
struct sim_page {
	struct kho_page kp;
	uint32_t next;
	uint32_t prev;
	uint8_t order;
	uint8_t flags;
};

/**
 * struct sim_buddy - the page allocator
 * @m: the machine
 * @memmap: m->nr_pages pages
 * @head: first free block per type and order (memmap index)
 * @nr_free: free blocks per type and order
 * @free_pages: free pages per type
 */
struct sim_buddy {
	struct sim_machine *m;
	struct sim_page *memmap;
	uint32_t head[SIM_MT_NR][SIM_NR_ORDERS];
	uint64_t nr_free[SIM_MT_NR][SIM_NR_ORDERS];
	uint64_t free_pages[SIM_MT_NR];
};

/**
 * sim_buddy_init() - an allocator with no free memory and a fresh memmap
 * @b: allocator
 * @m: machine
 *
 * Return: 0 or -ENOMEM.
 */
int sim_buddy_init(struct sim_buddy *b, struct sim_machine *m);
void sim_buddy_destroy(struct sim_buddy *b);

/* The struct page of @pfn, or NULL outside RAM. */
struct sim_page *sim_pfn_to_page(struct sim_buddy *b, uint64_t pfn);

/**
 * sim_buddy_mark_cma() - make [@start_pfn, @end_pfn) a scratch area's
 * @b: allocator, before any page is free (a free block's list is its
 *	type's)
 * @start_pfn: first page frame
 * @end_pfn: page frame after the range; pages outside RAM are skipped
 *
 * Every page, free later or reserved now, goes to the CMA lists whenever it
 * is freed: a preserved block restored inside a scratch area and given
 * back never serves an allocation that may be preserved, as Linux marks a
 * scratch area's whole pageblocks MIGRATE_CMA (kho_release_scratch()).
 */
void sim_buddy_mark_cma(struct sim_buddy *b, uint64_t start_pfn,
			uint64_t end_pfn);

/**
 * sim_buddy_free_range() - hand [@start_pfn, @end_pfn) to the allocator
 * @b: allocator
 * @start_pfn: first page frame
 * @end_pfn: page frame after the range; all of it in one ram range
 * @mt: its migrate type (the pages get it; one sim_buddy_mark_cma() marked
 *	stays CMA)
 *
 * Return: 0, -EINVAL (outside RAM or a page already free).
 */
int sim_buddy_free_range(struct sim_buddy *b, uint64_t start_pfn,
			 uint64_t end_pfn, enum sim_migratetype mt);

/**
 * sim_buddy_free() - free a block allocated with an order
 * @b: allocator
 * @pfn: first page frame, aligned to 2^@order
 * @order: any order; above SIM_MAX_ORDER the block is freed in pieces
 *
 * Return: 0, -EINVAL (misaligned, outside RAM, already free).
 */
int sim_buddy_free(struct sim_buddy *b, uint64_t pfn, unsigned int order);

/**
 * sim_buddy_alloc() - allocate 2^@order pages
 * @b: allocator
 * @order: 0..SIM_MAX_ORDER
 * @movable: the caller can live in a scratch area (it will not be preserved)
 *
 * Movable allocations take scratch memory first; others never get it.
 * Return: the first page frame, or SIM_NO_PHYS.
 */
uint64_t sim_buddy_alloc(struct sim_buddy *b, unsigned int order, bool movable);

/**
 * sim_buddy_alloc_contig() - allocate a naturally aligned block of any order
 * @b: allocator
 * @order: may exceed SIM_MAX_ORDER (a 1 GiB folio is order 18 with 4 KiB
 *	pages), as hugetlb's contiguous allocation does
 *
 * Never returns scratch memory.
 * Return: the first page frame, or SIM_NO_PHYS.
 */
uint64_t sim_buddy_alloc_contig(struct sim_buddy *b, unsigned int order);

/* Called per free block; non-zero stops. */
typedef int (*sim_buddy_block_cb)(uint64_t pfn, unsigned int order,
				  enum sim_migratetype mt, void *arg);

/* Visit every free block. Return: 0 or @cb's first non-zero return. */
int sim_buddy_for_each_free(struct sim_buddy *b, sim_buddy_block_cb cb,
			    void *arg);

/* Free pages of every type. */
uint64_t sim_buddy_nr_free_pages(const struct sim_buddy *b);

#endif /* SIM_BUDDY_H */
