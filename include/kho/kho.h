/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/kho.h - a kho-v2 handover: the outgoing side (kernel A preserves
 * memory, builds the root FDT and the tree) and the incoming side (kernel B
 * takes the handover, reserves every preserved block and gives it back).
 *
 *   kernel A                                  kernel B
 *   kho_out_init()                            kho_populate()    FDT, scratch
 *   kho_preserve_folio/pages/vmalloc()        kho_memory_init() walk: reserve
 *   kho_alloc_preserve()                                        ranges, stamp
 *   kho_add_subtree("name", blob)                               first pages
 *        |  root FDT page + tree pages stay   kho_retrieve_subtree()
 *        +-- in RAM; struct kho_data -------> kho_restore_folio/pages/
 *            names the FDT and scratch        vmalloc/free()
 *
 * Like the kernel, every function takes an explicit context instead of
 * globals. Memory is reached only through struct kho_env_ops.
 */
#ifndef KHO_KHO_H
#define KHO_KHO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kho/abi.h>
#include <kho/lock.h>
#include <kho/radix.h>

/**
 * struct kho_page - the part of a struct page KHO uses
 * @private: union kho_page_info on the first page of a preserved block
 *	after kernel B walked the tree; cleared by a restore
 * @refcount: 1 on a restored head page (and on each page of restored pages)
 * @flags: the environment's
 */
struct kho_page {
	uint64_t private;
	uint32_t refcount;
	uint32_t flags;
};

/**
 * struct kho_env_ops - what the handover needs from its environment
 * @mem: page operations for tree nodes and chunk pages; @mem.alloc_page
 *	never returns scratch memory (it is overwritten at kexec)
 * @alloc_pages: 2^order zeroed, physically contiguous pages outside scratch,
 *	or NULL
 * @free_pages: give back pages from @alloc_pages
 * @pfn_to_page: the memmap entry of a page frame, NULL outside RAM
 */
struct kho_env_ops {
	struct kho_mem_ops mem;
	void *(*alloc_pages)(void *ctx, unsigned int order);
	void (*free_pages)(void *ctx, void *va, unsigned int order);
	struct kho_page *(*pfn_to_page)(void *ctx, uint64_t pfn);
};

/* Where a handover is wrong: "no" values for fields that do not apply. */
#define KHO_ERR_NO_ADDR UINT64_MAX
#define KHO_ERR_NO_LEVEL (-1)
#define KHO_ERR_NO_INDEX (-1L)

/**
 * struct kho_error - what is wrong with a handover, and where
 * @code: negative errno
 * @what: one sentence without a full stop, e.g. "preserved-memory-map is
 *	not 8 bytes"
 * @property: FDT property or node involved, or NULL
 * @phys: physical address involved, or KHO_ERR_NO_ADDR
 * @level: tree level (0 = leaf), or KHO_ERR_NO_LEVEL
 * @index: table index or bitmap bit, or KHO_ERR_NO_INDEX
 *
 * kho_error_format() (hosted builds) turns it into the sentence tools print.
 */
struct kho_error {
	int code;
	const char *what;
	const char *property;
	uint64_t phys;
	int level;
	long index;
};

/**
 * struct kho_out - kernel A's side of a handover
 * @geo: geometry
 * @ops: environment
 * @tree: preserved blocks
 * @fdt: the root FDT page (itself preserved)
 * @fdt_phys: its physical address
 * @scratch: scratch areas; preserving memory that overlaps one is refused
 * @nr_scratch: entries of @scratch
 * @lock: serializes FDT edits
 */
struct kho_out {
	struct kho_geometry geo;
	struct kho_env_ops ops;
	struct kho_radix_tree tree;
	void *fdt;
	uint64_t fdt_phys;
	const struct kho_scratch *scratch;
	unsigned int nr_scratch;
	struct kho_lock lock;
};

/**
 * struct kho_in - kernel B's side of a handover
 * @geo: geometry
 * @ops: environment
 * @fdt: the root FDT, mapped
 * @fdt_phys: its physical address
 * @fdt_size: its size as the handover gives it
 * @scratch: the scratch array, mapped
 * @nr_scratch: its entries
 * @tree: the handed-over tree, attached read-only
 * @revive: the handover was accepted; false disables every restore
 * @walked: kho_memory_init() reserved and stamped every block
 * @err: why the handover was refused
 */
struct kho_in {
	struct kho_geometry geo;
	struct kho_env_ops ops;
	const void *fdt;
	uint64_t fdt_phys;
	uint64_t fdt_size;
	const struct kho_scratch *scratch;
	unsigned int nr_scratch;
	struct kho_radix_tree tree;
	bool revive;
	bool walked;
	struct kho_error err;
};

/* ---- kernel A ---------------------------------------------------------- */

int kho_out_init(struct kho_out *out, const struct kho_geometry *geo,
		 const struct kho_env_ops *ops, const struct kho_scratch *scratch,
		 unsigned int nr_scratch);
void kho_out_destroy(struct kho_out *out);

int kho_preserve_folio(struct kho_out *out, uint64_t phys, unsigned int order);
int kho_unpreserve_folio(struct kho_out *out, uint64_t phys, unsigned int order);
int kho_preserve_pages(struct kho_out *out, uint64_t phys, uint64_t nr_pages);
int kho_unpreserve_pages(struct kho_out *out, uint64_t phys, uint64_t nr_pages);

void *kho_alloc_preserve(struct kho_out *out, size_t size);
void kho_unpreserve_free(struct kho_out *out, void *mem);

int kho_preserve_vmalloc(struct kho_out *out, const uint64_t *block_phys,
			 unsigned int nr_blocks, unsigned int order,
			 uint16_t flags, struct kho_vmalloc *preservation);
void kho_unpreserve_vmalloc(struct kho_out *out,
			    struct kho_vmalloc *preservation);

int kho_add_subtree(struct kho_out *out, const char *name, void *blob);
void kho_remove_subtree(struct kho_out *out, void *blob);

/* ---- kernel B ---------------------------------------------------------- */

int kho_populate(struct kho_in *in, const struct kho_geometry *geo,
		 const struct kho_env_ops *ops, uint64_t fdt_phys,
		 uint64_t fdt_size, uint64_t scratch_phys,
		 uint64_t scratch_size);

typedef int (*kho_reserve_cb)(uint64_t start, uint64_t end, void *arg);
int kho_memory_init(struct kho_in *in, kho_reserve_cb reserve, void *arg);

struct kho_page *kho_restore_folio(struct kho_in *in, uint64_t phys);
struct kho_page *kho_restore_pages(struct kho_in *in, uint64_t phys,
				   uint64_t nr_pages);

typedef int (*kho_vmalloc_map_cb)(uint64_t phys, unsigned int order,
				  void *arg);
int kho_restore_vmalloc(struct kho_in *in, const struct kho_vmalloc *v,
			kho_vmalloc_map_cb map, void *arg);
int kho_restore_free(struct kho_in *in, void *mem);

int kho_retrieve_subtree(struct kho_in *in, const char *name, uint64_t *phys);

typedef int (*kho_subtree_cb)(const char *name, uint64_t phys, void *arg);
int kho_for_each_subtree(struct kho_in *in, kho_subtree_cb cb, void *arg);

void kho_in_destroy(struct kho_in *in);

#endif /* KHO_KHO_H */
