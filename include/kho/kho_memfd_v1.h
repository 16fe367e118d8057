/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/kho_memfd_v1.h - reading "memfd-v1", the memfd handover of kho-v2 and
 * kho-v3 (before Live Update kept memfds in LUO sessions as memfd-v2): a
 * top-level child "memfd" whose blob is an FDT naming the file's struct.
 *
 *   child "memfd" --> / { compatible = "memfd-v1";
 *                         data = <u64: phys of struct kho_memfd_ser>; }
 *                                          |
 *   struct kho_memfd_ser (40 bytes) <------+
 *   pos, size, nr_folios,
 *   folios: struct kho_vmalloc --> chunk list --> pages of the folio array:
 *                                  struct kho_memfd_folio_ser {pfn:52,
 *                                  flags:12, index} x nr_folios
 *
 * The structs are in <kho/abi.h>. A pfn of 0 is a hole. This is the one
 * reader of the format: kho inspect uses it, and so can kernel B's client.
 */
#ifndef KHO_KHO_MEMFD_V1_H
#define KHO_KHO_MEMFD_V1_H

#include <stdint.h>

#include <kho/abi.h>
#include <kho/kho.h>
#include <kho/view.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct kho_memfd_v1_info - a memfd-v1 handover, as read
 * @ser_phys: where struct kho_memfd_ser lies (the FDT's data)
 * @pos: file position
 * @size: file size in bytes
 * @nr_folios: entries of the folio array
 * @nr_holes: entries with pfn 0
 * @folios: the array's vmalloc preservation
 * @fdt_size: the blob FDT's totalsize
 */
struct kho_memfd_v1_info {
	uint64_t ser_phys;
	uint64_t pos;
	uint64_t size;
	uint64_t nr_folios;
	uint64_t nr_holes;
	struct kho_vmalloc folios;
	uint64_t fdt_size;
};

/*
 * Called per folio that is not a hole, in array order: its physical
 * address, its first page in the file, its flags and its entry number.
 */
typedef int (*kho_memfd_v1_folio_cb)(uint64_t phys, uint64_t index,
				     unsigned int flags, uint64_t entry,
				     void *arg);

/**
 * kho_memfd_v1_read() - check a memfd-v1 handover, then list its folios
 * @view: memory of the handover
 * @phys: the "memfd" child's blob (an FDT)
 * @size: its blob-size (kho-v3), or 0 (kho-v2: the FDT's totalsize)
 * @cb: called per folio once everything was checked; may be NULL
 * @arg: passed to @cb
 * @info: the fields, when not NULL
 * @err: filled in on failure (field, physical address, entry)
 *
 * Checks: the blob a sound FDT (version 16 or later, within @size),
 * compatible "memfd-v1", data 8 bytes; the struct mapped; the file at most
 * 2^32 - 1 pages with at most one folio per page; the folio array through
 * kho_vmalloc_read(), large enough for nr_folios entries; each entry's pfn
 * inside the address space, its flags dirty and uptodate at most, its
 * index inside the file and above the previous one. view->own() gets the
 * blob ("memfd-v1"), the struct ("memfd-v1 struct"), the array's chunks
 * and pages and each folio's first page ("memfd folio"), once each.
 * Context: any; allocates nothing.
 * Return: 0; -EINVAL (malformed, @err says where); -EFAULT (not mapped);
 * or a non-zero return of @cb or own().
 */
int kho_memfd_v1_read(const struct kho_view *view, uint64_t phys, uint64_t size,
		      kho_memfd_v1_folio_cb cb, void *arg,
		      struct kho_memfd_v1_info *info, struct kho_error *err);

#ifdef __cplusplus
}
#endif

#endif /* KHO_KHO_MEMFD_V1_H */
