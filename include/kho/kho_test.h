/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/kho_test.h - "kho-test-v1", what Linux's KHO test module
 * (lib/test_kho.c) hands over: random data in folios of random orders and
 * the checksum the next kernel must find again.
 *
 *   root FDT child "kho_test" --> blob: an FDT of its own, in a preserved
 *                                 folio of order get_order(nr * 8 + PAGE)
 *   /  compatible = "kho-test-v1"
 *      magic      = 0x4b484f21 ("KHO!", u32, native-endian)
 *      data/
 *        nr_folios   u32, native-endian
 *        folios_info struct kho_vmalloc (16 bytes) --> chunk list --> pages
 *                    of u64 entries, one per folio: phys | order
 *        csum        u32 __wsum: csum_partial() chained over the folios in
 *                    list order (<kho/csum.h>: the architecture's raw value)
 *
 * Every folio is preserved with kho_preserve_folio(); the entries' pages
 * are a vmalloc area of order 0 with flag VM_ALLOC. Kernel B restores the
 * area, then each folio (its order must be the entry's), sums them and
 * compares: "KHO restore succeeded" or "KHO restore failed".
 */
#ifndef KHO_KHO_TEST_H
#define KHO_KHO_TEST_H

#include <stddef.h>
#include <stdint.h>

#include <kho/abi.h>
#include <kho/csum.h>
#include <kho/kho.h>
#include <kho/view.h>

#ifdef __cplusplus
extern "C" {
#endif

/* lib/test_kho.c:26-28: the subtree's name, compatible and magic. */
#define KHO_TEST_NAME "kho_test"
#define KHO_TEST_COMPATIBLE "kho-test-v1"
#define KHO_TEST_MAGIC 0x4b484f21U

/* ---- writer (kernel A) --------------------------------------------------- */

/**
 * struct kho_test_folio - one folio of the test's data
 * @phys: its physical address, aligned to its size
 * @order: log2 of its pages
 */
struct kho_test_folio {
	uint64_t phys;
	unsigned int order;
};

/**
 * struct kho_test_out - what kho_test_preserve() made
 * @fdt: the blob, for kho_add_subtree(out, KHO_TEST_NAME, @fdt, @fdt_size)
 * @fdt_phys: its physical address
 * @fdt_size: fdt_totalsize() of the blob: the size the kernel names
 * @nr_folios: folios listed
 * @csum: the raw checksum stored
 * @folios_info: the entries' vmalloc preservation
 * @folios: the caller's array, kept for kho_test_unpreserve()
 */
struct kho_test_out {
	void *fdt;
	uint64_t fdt_phys;
	size_t fdt_size;
	uint32_t nr_folios;
	uint32_t csum;
	struct kho_vmalloc folios_info;
	const struct kho_test_folio *folios;
};

/**
 * kho_test_preserve() - preserve folios as lib/test_kho.c does
 * @out: outgoing handover
 * @folios: the folios, filled with their data; kept by the caller until
 *	kho_test_unpreserve() or the kexec. They are this preservation's
 *	own, as test_kho's are the folios it allocated: not preserved
 *	otherwise (a failed call and kho_test_unpreserve() unpreserve each)
 * @nr_folios: entries of @folios, at least 1
 * @arch: whose csum_partial() the next kernel computes
 * @t: filled in
 *
 * As kho_test_save() in the kernel: sums the folios in order, allocates
 * and preserves the blob's folio (kho_alloc_preserve() of nr * 8 + PAGE
 * bytes), writes the entries (phys | order) into order-0 pages preserved
 * with kho_preserve_vmalloc() (VM_ALLOC), preserves each folio and writes
 * the FDT. The caller then names it: kho_add_subtree(). The entries need
 * one page of scratch list per PAGE / 8 pages of entries.
 * Context: may allocate.
 * Return: 0; -EINVAL (no folios, an order the tree cannot hold, a folio
 * misaligned, not mapped or refused by the handover); -ERANGE (more
 * entries than one page can list the pages of, or a folio of 4 GiB or
 * more, whose bytes Linux's test_kho counts in an unsigned int); -ENOMEM.
 * On failure nothing stays preserved or allocated.
 */
int kho_test_preserve(struct kho_out *out, const struct kho_test_folio *folios,
		      uint32_t nr_folios, enum kho_csum_arch arch,
		      struct kho_test_out *t);

/**
 * kho_test_unpreserve() - undo kho_test_preserve()
 * @out: outgoing handover
 * @t: as filled in; zeroed afterwards (zeroed already: no-op)
 *
 * Unpreserves the folios (they stay the caller's), the entries' area and
 * the blob, and frees the entries' pages and the blob. Remove the subtree
 * first (kho_remove_subtree()).
 * Context: may free.
 */
void kho_test_unpreserve(struct kho_out *out, struct kho_test_out *t);

/* ---- reader (kernel B, kho inspect) -------------------------------------- */

/**
 * struct kho_test_info - the blob's fields, as read
 * @nr_folios: /data/nr_folios
 * @csum: /data/csum, the raw __wsum stored
 * @folios_info: /data/folios_info
 * @fdt_size: fdt_totalsize() of the blob
 */
struct kho_test_info {
	uint32_t nr_folios;
	uint32_t csum;
	struct kho_vmalloc folios_info;
	uint64_t fdt_size;
};

/* Called per folio, in list order: address, order, entry number. */
typedef int (*kho_test_folio_cb)(uint64_t phys, unsigned int order,
				 uint32_t index, void *arg);

/**
 * kho_test_read() - check a kho-test-v1 blob and its folio list, then list
 * @view: memory of the handover
 * @phys: the blob (the subtree's address)
 * @size: the subtree's blob-size, or 0 when the handover has none (kho-v2):
 *	the FDT header's totalsize is used then
 * @cb: called per folio once everything was checked; may be NULL
 * @arg: passed to @cb
 * @info: the blob's fields, when not NULL
 * @err: filled in on failure (property, physical address, entry)
 *
 * Checks what lib/test_kho.c's restore checks, and what it takes on trust:
 * the blob mapped, a sound FDT (version 16 or later, totalsize within
 * @size), root compatible with "kho-test-v1", magic 4 bytes and
 * 0x4b484f21, a /data node, nr_folios (4 bytes, not 0), csum (4 bytes),
 * folios_info (16 bytes) a vmalloc area of order 0 (vmalloc_array() maps
 * no huge pages) read with kho_vmalloc_read() that holds nr_folios
 * entries, and each entry a folio aligned to its order, an order the tree
 * can hold. view->own() gets the blob ("kho-test-v1"), the area's chunks
 * ("vmalloc chunk") and its pages ("kho-test folio list").
 * Context: any; allocates nothing.
 * Return: 0; -EINVAL (malformed, @err says where); -EFAULT (not mapped);
 * a non-zero return of own() (@err says what it refused: kho_in_view()
 * refuses what is not preserved); or a non-zero return of @cb (@err
 * untouched).
 */
int kho_test_read(const struct kho_view *view, uint64_t phys, uint64_t size,
		  kho_test_folio_cb cb, void *arg, struct kho_test_info *info,
		  struct kho_error *err);

/**
 * kho_test_verify() - recompute a kho-test-v1 checksum without restoring
 * @view: memory of the handover
 * @phys: the blob
 * @size: its blob-size, or 0
 * @arch: whose csum_partial() to compute
 * @csum: set to the checksum of the folios as they are in memory
 * @err: filled in on failure
 *
 * kho_test_read(), then csum_partial() over each folio, page by page
 * through @view, chained in list order.
 * Context: any; allocates nothing.
 * Return: 0 (the stored checksum matches), -EBADMSG (it does not: @csum
 * says what was found), or kho_test_read()'s errors; -EFAULT for a folio
 * not mapped.
 */
int kho_test_verify(const struct kho_view *view, uint64_t phys, uint64_t size,
		    enum kho_csum_arch arch, uint32_t *csum,
		    struct kho_error *err);

/**
 * kho_test_restore() - take kho-test-v1 back, as lib/test_kho.c does
 * @in: walked handover
 * @phys: the blob (kho_retrieve_subtree())
 * @size: its blob-size, or 0
 * @arch: whose csum_partial() to compute
 * @info: the blob's fields, when not NULL
 * @err: filled in on failure
 *
 * kho_test_read() through kho_in_view(), then restores the entries' area
 * (kho_restore_vmalloc()) and each folio (kho_restore_folio(): its order
 * must be the entry's), sums it and frees it with ops.free_pages, frees
 * the entries' pages and the blob (the kernel keeps the blob; freeing it
 * changes nothing it hands over). The sum must be the stored one.
 * Context: after kho_memory_init(); frees.
 * Return: 0 ("KHO restore succeeded"); -EPERM (no walked handover);
 * kho_test_read()'s errors; -EINVAL (a folio not preserved with the
 * entry's order, or the area not restorable); -EBADMSG (checksum differs).
 * Folios restored before a failure are freed, as the kernel puts them.
 */
int kho_test_restore(struct kho_in *in, uint64_t phys, uint64_t size,
		     enum kho_csum_arch arch, struct kho_test_info *info,
		     struct kho_error *err);

#ifdef __cplusplus
}
#endif

#endif /* KHO_KHO_TEST_H */
