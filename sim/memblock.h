/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * sim/memblock.h - the boot-time memory map, like the kernel's mm/memblock.c.
 *
 * Two arrays of regions, each sorted and non-overlapping:
 *   memory    what RAM exists (machine.conf), flagged SIM_MB_SCRATCH where
 *             it is a KHO scratch area
 *   reserved  what is in use: firmware, kernel image, boot allocations,
 *             preserved blocks of a handover
 * Free memory is memory minus reserved. Allocation is top-down. While a KHO
 * boot has not walked the preserved-memory tree (scratch_only), it may only
 * allocate from scratch: anything else may hold a preserved block.
 */
#ifndef SIM_MEMBLOCK_H
#define SIM_MEMBLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* memory: this range is a KHO scratch area (movable-only after boot). */
#define SIM_MB_SCRATCH 0x1
/* reserved: a kernel allocation; counts towards the scratch size. */
#define SIM_MB_RSRV_KERN 0x2
/* reserved: a preserved block; its struct pages are not initialized. */
#define SIM_MB_RSRV_NOINIT 0x4
/* reserved: a scratch area held back from allocations until the buddy
 * allocator gets it as movable memory. */
#define SIM_MB_RSRV_SCRATCH 0x8

/* Any node / any address, as the kernel's NUMA_NO_NODE and ALLOC_ANYWHERE. */
#define SIM_NUMA_NO_NODE (-1)
#define SIM_MB_ALLOC_ANYWHERE UINT64_MAX

/**
 * struct sim_mb_region - a range of one memblock type
 * @base: physical address
 * @size: bytes
 * @flags: SIM_MB_*
 * @nid: NUMA node (memory) or SIM_NUMA_NO_NODE
 */
struct sim_mb_region {
	uint64_t base;
	uint64_t size;
	unsigned int flags;
	int nid;
};

/**
 * struct sim_mb_type - a sorted array of non-overlapping regions
 * @cnt: regions in use
 * @max: regions allocated
 * @regions: the array
 */
struct sim_mb_type {
	unsigned int cnt;
	unsigned int max;
	struct sim_mb_region *regions;
};

/**
 * struct sim_memblock - memory and reserved, and the allocation policy
 * @memory: RAM
 * @reserved: memory in use
 * @scratch_only: allocate only from SIM_MB_SCRATCH memory (KHO boot before
 *	the tree walk)
 */
struct sim_memblock {
	struct sim_mb_type memory;
	struct sim_mb_type reserved;
	bool scratch_only;
};

void sim_memblock_init(struct sim_memblock *mb);
void sim_memblock_destroy(struct sim_memblock *mb);

/**
 * sim_memblock_add() - add RAM
 * @mb: memblock
 * @base: physical address
 * @size: bytes
 * @nid: NUMA node
 *
 * Return: 0, -EINVAL (empty or wrapping), -ENOMEM.
 */
int sim_memblock_add(struct sim_memblock *mb, uint64_t base, uint64_t size,
		     int nid);

/**
 * sim_memblock_reserve() - mark memory in use
 * @mb: memblock
 * @base: physical address
 * @size: bytes
 * @flags: SIM_MB_RSRV_*; parts already reserved keep their flags
 *
 * Return: 0, -EINVAL, -ENOMEM.
 */
int sim_memblock_reserve(struct sim_memblock *mb, uint64_t base, uint64_t size,
			 unsigned int flags);

/**
 * sim_memblock_free() - drop a reservation (or part of one)
 * Return: 0, -EINVAL, -ENOMEM (a split needed a region).
 */
int sim_memblock_free(struct sim_memblock *mb, uint64_t base, uint64_t size);

/**
 * sim_memblock_mark_scratch() - flag memory as a KHO scratch area
 * Return: 0, -EINVAL (not all of it is memory), -ENOMEM.
 */
int sim_memblock_mark_scratch(struct sim_memblock *mb, uint64_t base,
			      uint64_t size);

/* How sim_memblock_alloc() may choose. */
#define SIM_MB_ALLOC_NO_SCRATCH 0x1 /* never inside a scratch area */

/**
 * sim_memblock_alloc() - find and reserve free memory, top-down
 * @mb: memblock
 * @size: bytes
 * @align: power of two
 * @start: lowest acceptable address
 * @end: first unacceptable address (SIM_MB_ALLOC_ANYWHERE: none)
 * @nid: node, or SIM_NUMA_NO_NODE
 * @rsrv_flags: flags of the reservation
 * @alloc_flags: SIM_MB_ALLOC_*
 *
 * Honours @mb->scratch_only.
 * Return: the physical address, or SIM_MB_ALLOC_ANYWHERE (UINT64_MAX) when
 * nothing fits.
 */
uint64_t sim_memblock_alloc(struct sim_memblock *mb, uint64_t size,
			    uint64_t align, uint64_t start, uint64_t end,
			    int nid, unsigned int rsrv_flags,
			    unsigned int alloc_flags);

/* Bytes reserved with SIM_MB_RSRV_KERN below @limit on node @nid (or any),
 * like the kernel's memblock_reserved_kern_size(). */
uint64_t sim_memblock_reserved_kern_size(const struct sim_memblock *mb,
					 uint64_t limit, int nid);

/* Is any byte of [base, base + size) reserved? */
bool sim_memblock_is_reserved(const struct sim_memblock *mb, uint64_t base,
			      uint64_t size);

/* Called per free range, ascending; non-zero stops the iteration. */
typedef int (*sim_mb_free_cb)(uint64_t start, uint64_t end, unsigned int flags,
			      int nid, void *arg);

/**
 * sim_memblock_for_each_free() - visit memory minus reserved
 * @mb: memblock
 * @cb: called with [start, end), the memory region's flags and node
 * @arg: passed to @cb
 *
 * Return: 0 or @cb's first non-zero return.
 */
int sim_memblock_for_each_free(const struct sim_memblock *mb, sim_mb_free_cb cb,
			       void *arg);

/* Total bytes of a type. */
uint64_t sim_mb_type_total(const struct sim_mb_type *type);

#endif /* SIM_MEMBLOCK_H */
