/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho_internal.h - helpers shared by the handover's files: kho_out.c,
 * kho_fdt.c, kho_in.c and kho_vmalloc.c.
 *
 * lib/ is freestanding: no <string.h>. The compiler builtins below lower to
 * memcpy/memset/memcmp/strlen, which every libfdt environment provides anyway.
 */
#ifndef KHO_INTERNAL_H
#define KHO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kho/kho.h>
#include <kho/view.h>

#include "kho_errno.h"
#include "kho_warn.h"

#define kho_memcpy __builtin_memcpy
#define kho_memset __builtin_memset
#define kho_memcmp __builtin_memcmp
#define kho_strlen __builtin_strlen


/* Size in bytes of a u64 FDT property (KHO properties are native u64). */
#define KHO_U64_PROP_LEN ((int)sizeof(uint64_t))

/*
 * The largest scratch array a handover may carry: one area per NUMA node
 * (Linux allows at most 2^10 nodes, CONFIG_NODES_SHIFT <= 10) plus the
 * lowmem and the global area. Bounding it keeps the overlap check, which
 * compares every pair, fast on a hostile array.
 */
#define KHO_MAX_NUMNODES_LOG2 10
#define KHO_SCRATCH_FIXED_AREAS 2
#define KHO_SCRATCH_MAX_AREAS                                              \
	((1U << KHO_MAX_NUMNODES_LOG2) + KHO_SCRATCH_FIXED_AREAS)

static inline uint64_t kho_page_size(const struct kho_geometry *geo)
{
	return 1ULL << geo->page_shift;
}

static inline bool kho_page_aligned(const struct kho_geometry *geo,
				    uint64_t addr)
{
	return !(addr & (kho_page_size(geo) - 1));
}

/*
 * Linux keeps a vmalloc block's alignment and a kho_test folio's size in
 * bytes in an unsigned int (kexec_handover.c:1467, lib/test_kho.c:265): a
 * block of 2^32 bytes or more is read wrong there, so neither side of
 * libkho writes or accepts one.
 */
#define KHO_LINUX_BLOCK_BYTES_BITS 32

static inline bool kho_block_bytes_fit_u32(unsigned int page_shift,
					   unsigned int order)
{
	return page_shift + order < KHO_LINUX_BLOCK_BYTES_BITS;
}

static inline uint64_t kho_phys_to_pfn(const struct kho_geometry *geo,
				       uint64_t phys)
{
	return phys >> geo->page_shift;
}

static inline uint64_t kho_pfn_to_phys(const struct kho_geometry *geo,
				       uint64_t pfn)
{
	return pfn << geo->page_shift;
}

/* Does [a, a + a_len) meet [b, b + b_len)? Lengths are non-zero, no wrap. */
static inline bool kho_ranges_overlap(uint64_t a, uint64_t a_len, uint64_t b,
				      uint64_t b_len)
{
	return a < b + b_len && b < a + a_len;
}

/* Read a u64 property value wherever libfdt left it (4-byte aligned only). */
static inline uint64_t kho_load_u64(const void *p)
{
	uint64_t v;

	kho_memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Map [phys, phys + len) and check it is one contiguous mapping: every page
 * it touches is mapped, at the virtual offset its physical offset says (a
 * range across a hole in RAM fails even when the mappings on either side
 * are adjacent). Only small ranges are mapped this way: at most the scratch
 * array.
 */
static inline bool kho_mapped_at(const struct kho_mem_ops *mem,
				 const unsigned char *first, uint64_t phys,
				 uint64_t at)
{
	const unsigned char *va = mem->phys_to_virt(mem->ctx, at);

	return va && va - first == (ptrdiff_t)(at - phys);
}

static inline const void *kho_map_range(const struct kho_geometry *geo,
					const struct kho_mem_ops *mem,
					uint64_t phys, uint64_t len)
{
	uint64_t page = kho_page_size(geo), last = phys + len - 1, at;
	const unsigned char *first;

	if (!len || last < phys)
		return NULL;
	first = mem->phys_to_virt(mem->ctx, phys);
	if (!first)
		return NULL;
	/* Each page the range enters after the first (stop on wrap), ... */
	at = (phys | (page - 1)) + 1;
	for (; at > phys && at <= last; at += page) {
		if (!kho_mapped_at(mem, first, phys, at))
			return NULL;
	}
	/* ... and its last byte. */
	return kho_mapped_at(mem, first, phys, last) ? first : NULL;
}

/*
 * Can a format decoder read through @view? It needs map(), and a page size
 * a geometry has (KHO_PAGE_SHIFT_MIN to KHO_PAGE_SHIFT_MAX): the formats
 * size their pages, chunks and blocks by it, and a shift of 64 or more is
 * no size at all. A caller's mistake: the decoders warn and return -EINVAL.
 */
static inline bool kho_view_unusable(const struct kho_view *view)
{
	return !view || !view->map || view->page_shift < KHO_PAGE_SHIFT_MIN ||
	       view->page_shift > KHO_PAGE_SHIFT_MAX;
}

/*
 * Say what is wrong and where in @err (when there is one), for the format
 * decoders; return @code. A tree level does not apply to their formats.
 */
static inline int kho_fail(struct kho_error *err, int code, const char *what,
			   const char *field, uint64_t phys, long index)
{
	if (err) {
		err->code = code;
		err->what = what;
		err->property = field;
		err->phys = phys;
		err->level = KHO_ERR_NO_LEVEL;
		err->index = index;
	}
	return code;
}

/*
 * A refusal of kho_vmalloc_read() about its descriptor, which it gets by
 * value and cannot place: name @phys, the blob or struct holding it.
 * Return: @ret.
 */
static inline int kho_fail_in(struct kho_error *err, int ret, uint64_t phys)
{
	if (ret && err && err->phys == KHO_ERR_NO_ADDR)
		err->phys = phys;
	return ret;
}

/*
 * kho_fdt.c: a subsystem blob that is an FDT (memblock-v1, memfd-v1,
 * kho-test-v1), mapped from untrusted memory. KHO_FDT_BLOB() spells out
 * the sentences for one format from its name and compatible, both string
 * literals, so every refusal names the format.
 */
enum kho_fdt_blob_problem {
	KHO_FDT_BLOB_ABSENT,
	KHO_FDT_BLOB_MISALIGNED,
	KHO_FDT_BLOB_NOT_FDT,
	KHO_FDT_BLOB_TOO_BIG,
	KHO_FDT_BLOB_PARTIAL,
	KHO_FDT_BLOB_CORRUPT,
	KHO_FDT_BLOB_INCOMPATIBLE,
	KHO_FDT_BLOB_NR_PROBLEMS
};

struct kho_fdt_blob {
	const char *compatible;
	const char *say[KHO_FDT_BLOB_NR_PROBLEMS];
};

#define KHO_FDT_BLOB(name, compat)                                          \
	{                                                                    \
		.compatible = compat,                                        \
		.say = {                                                     \
			[KHO_FDT_BLOB_ABSENT] = "the " name                  \
						" blob is not in memory",    \
			[KHO_FDT_BLOB_MISALIGNED] =                          \
				"the " name " blob is not 8-byte aligned, "  \
				"as an FDT must be",                         \
			[KHO_FDT_BLOB_NOT_FDT] =                             \
				"the " name " blob is not an FDT of "        \
				"version 16 or later",                       \
			[KHO_FDT_BLOB_TOO_BIG] = "the " name                 \
						 " FDT is larger than its "  \
						 "blob-size",                \
			[KHO_FDT_BLOB_PARTIAL] = "the " name                 \
						 " FDT is not all in memory", \
			[KHO_FDT_BLOB_CORRUPT] = "the " name                 \
						 " FDT is corrupt",          \
			[KHO_FDT_BLOB_INCOMPATIBLE] =                        \
				"the " name " blob is not compatible with "  \
				compat,                                      \
		},                                                           \
	}

struct kho_view;
int kho_view_map_fdt(const struct kho_view *view,
		     const struct kho_fdt_blob *blob, uint64_t phys,
		     uint64_t size, const void **fdt, struct kho_error *err);

/* kho_fdt.c: the root FDT */
struct kho_abi_version;
int root_fdt_build(void *fdt, uint64_t fdt_len,
		   const struct kho_abi_version *v, uint64_t tree_root_phys);
int root_fdt_add_subtree(void *fdt, uint64_t fdt_len,
			 const struct kho_abi_version *v, const char *name,
			 uint64_t blob_phys, uint64_t blob_size);
int root_fdt_remove_subtree(void *fdt, uint64_t fdt_len,
			    const struct kho_abi_version *v, uint64_t blob_phys);
int root_fdt_subtree_phys(const void *fdt, const struct kho_abi_version *v,
			  int node, uint64_t *phys);
int root_fdt_subtree_size(const void *fdt, const struct kho_abi_version *v,
			  int node, uint64_t *size);

/* kho_out.c: is every page of [@phys, @phys + @size) in a preserved block? */
bool out_range_preserved(struct kho_out *out, uint64_t phys, uint64_t size);

/*
 * memfd.c: the folio array of memfd-v1 and memfd-v2, one format (16-byte
 * entries, flags DIRTY | UPTODATE), read in two passes: the first checks
 * every entry and owns the array and each folio, the second calls back.
 * @say holds the format's sentences, in the order memfd_folios_block()
 * checks them.
 */
struct kho_vmalloc;

struct memfd_folios_say {
	const char *array_absent, *array_unowned, *pfn_wide, *flags, *past_end,
		*not_above, *folio_unowned;
};

/* kho_memfd_folio_cb and kho_memfd_v1_folio_cb: one type, two names. */
typedef int (*memfd_folio_fn)(uint64_t phys, uint64_t index, unsigned int flags,
			      uint64_t entry, void *arg);

struct memfd_folios {
	const struct kho_view *view;
	const struct memfd_folios_say *say;
	struct kho_error *err;
	uint64_t nr_folios;
	uint64_t pages; /* of the file */
	/* set by the walk */
	bool check; /* pass 1: check and own; pass 2: call back */
	memfd_folio_fn cb;
	void *arg;
	uint64_t entry; /* entries seen */
	uint64_t next_index; /* lowest index the next folio may have */
	uint64_t holes;
};

int memfd_folios_check(struct memfd_folios *w, const struct kho_vmalloc *array);
int memfd_folios_visit(struct memfd_folios *w, const struct kho_vmalloc *array,
		       memfd_folio_fn cb, void *arg);

/* kho_in.c: restores shared with kho_vmalloc.c and the format modules */
bool in_may_restore(const struct kho_in *in);
int in_restore_view(struct kho_in *in, uint64_t phys, const char *none,
		    struct kho_view *view, struct kho_error *err);
struct kho_page *in_restore_block(struct kho_in *in, uint64_t pfn,
				      unsigned int order, bool is_folio);
void in_unrestore_block(struct kho_in *in, uint64_t pfn,
			    unsigned int order);
bool in_block_stamped(struct kho_in *in, uint64_t pfn, unsigned int order);

/* sort.c */
/* <0, 0 or >0 as @a sorts before, with or after @b; @ctx: the caller's. */
typedef int (*kho_cmp_fn)(const void *a, const void *b, const void *ctx);
/*
 * Sort @n elements of @size bytes at @base in place by @cmp (heapsort: no
 * memory, no recursion, n log n steps for any input; not stable).
 */
void kho_sort(void *base, uint64_t n, size_t size, kho_cmp_fn cmp,
	      const void *ctx);

#endif /* KHO_INTERNAL_H */
