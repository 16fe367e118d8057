/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/memfd.h - a memfd kept across a live update, "memfd-v2" (Linux 7.2
 * and 7.3): a LUO file (<kho/luo.h>) whose compatible is "memfd-v2" and
 * whose data is the physical address of struct kho_memfd_v2_ser.
 *
 *   LUO file {"memfd-v2", data, token}
 *                          |
 *                          v
 *   struct kho_memfd_v2_ser (48 bytes, kho_alloc_preserve())
 *   pos, size, seals, flags = 0, nr_folios,
 *   folios: struct kho_vmalloc --> chunk list --> pages of the folio array:
 *                                                 struct kho_memfd_folio_ser
 *                                                 {pfn:52, flags:12, index}
 *                                                 x nr_folios (16 bytes each)
 *   each pfn names a folio preserved with kho_preserve_folio(); pfn 0 is a
 *   hole; index is the folio's first page in the file.
 *
 * A file of size 0 has nr_folios 0 and no folio array. The folio's order is
 * not in the array: kernel B learns it from the preserved block.
 */
#ifndef KHO_MEMFD_H
#define KHO_MEMFD_H

#include <stdint.h>

#include <kho/abi.h>
#include <kho/kho.h>
#include <kho/view.h>

#ifdef __cplusplus
extern "C" {
#endif

/* include/linux/kho/abi/memfd.h:91: the LUO handler's compatible. */
#define KHO_MEMFD_V2_COMPATIBLE "memfd-v2"

/*
 * include/linux/kho/abi/memfd.h:63: the seals memfd-v2 keeps: F_SEAL_SEAL,
 * SHRINK, GROW, WRITE, FUTURE_WRITE, EXEC (include/uapi/linux/fcntl.h:47-52).
 */
#define KHO_MEMFD_SEAL_SEAL 0x0001
#define KHO_MEMFD_SEAL_SHRINK 0x0002
#define KHO_MEMFD_SEAL_GROW 0x0004
#define KHO_MEMFD_SEAL_WRITE 0x0008
#define KHO_MEMFD_SEAL_FUTURE_WRITE 0x0010
#define KHO_MEMFD_SEAL_EXEC 0x0020
#define KHO_MEMFD_ALL_SEALS 0x003f

/* Folio flags memfd-v2 defines (memfd.h:37,45); the kernel sets both. */
#define KHO_MEMFD_FOLIO_FLAGS (KHO_MEMFD_FOLIO_DIRTY | KHO_MEMFD_FOLIO_UPTODATE)

/* include/linux/kho/abi/memfd.h:81: one memfd. */
struct kho_memfd_v2_ser {
	uint64_t pos; /* file position */
	uint64_t size; /* i_size in bytes */
	uint32_t seals; /* F_SEAL_* within KHO_MEMFD_ALL_SEALS */
	uint32_t flags; /* none defined: 0 */
	uint64_t nr_folios; /* entries of the folio array */
	struct kho_vmalloc folios; /* the array of struct kho_memfd_folio_ser */
} __attribute__((packed));

KHO_STATIC_ASSERT(sizeof(struct kho_memfd_v2_ser) == 48,
		  "memfd_luo_ser (memfd-v2) is 48 bytes");

/* ---- writer (kernel A) --------------------------------------------------- */

/**
 * struct kho_memfd_folio - one folio of a file, for the writer
 * @phys: its physical address, aligned to its size
 * @order: log2 of its pages
 * @index: its first page in the file, a multiple of 2^@order (as shmem
 *	keeps folios: a kernel restoring one elsewhere hits a bug check)
 */
struct kho_memfd_folio {
	uint64_t phys;
	unsigned int order;
	uint64_t index;
};

/**
 * struct kho_memfd_file - what the writer preserves
 * @pos: file position
 * @size: file size in bytes
 * @seals: F_SEAL_* bits, within KHO_MEMFD_ALL_SEALS
 * @folios: the file's folios in index order
 * @nr_folios: entries of @folios
 */
struct kho_memfd_file {
	uint64_t pos;
	uint64_t size;
	uint32_t seals;
	const struct kho_memfd_folio *folios;
	uint64_t nr_folios;
};

/**
 * kho_memfd_preserve() - preserve a memfd as memfd_luo_preserve() does
 * @out: outgoing handover
 * @file: the file
 * @ser_phys: set to the blob's physical address: the LUO file's data
 *
 * Allocates and preserves the 48-byte blob, preserves every folio with
 * kho_preserve_folio(), writes the folio array (flags dirty|uptodate, as
 * the kernel writes them) into order-0 pages and preserves them with
 * kho_preserve_vmalloc() (flag VM_ALLOC).
 * Context: may allocate.
 * Return: 0; -EINVAL (a seal memfd-v2 cannot keep, a position above
 * INT64_MAX (a negative loff_t, which the next kernel drops), a folio
 * starting past the end of the file, not in index order or at an index
 * that is not a multiple of its size, two folios sharing memory (the
 * kernel never hands a folio over twice, and its retrieve fails on the
 * second), a folio at address 0 (its pfn 0 would read back as a hole), a
 * folio the handover refuses); -ERANGE (more than 2^32 - 1 pages);
 * -ENOMEM. On failure the tree is as before the call: what the call
 * preserved is released, and a folio the caller had preserved before stays
 * preserved; nothing stays allocated.
 */
int kho_memfd_preserve(struct kho_out *out, const struct kho_memfd_file *file,
		       uint64_t *ser_phys);

/* ---- reader (kernel B, kho inspect) -------------------------------------- */

/**
 * struct kho_memfd_info - a memfd-v2 blob as read
 * @pos: file position
 * @size: file size
 * @seals: seals
 * @nr_folios: entries of the folio array
 * @nr_holes: entries with pfn 0 (skipped, as the kernel skips them)
 * @folios: the array's vmalloc preservation
 */
struct kho_memfd_info {
	uint64_t pos;
	uint64_t size;
	uint32_t seals;
	uint64_t nr_folios;
	uint64_t nr_holes;
	struct kho_vmalloc folios;
};

/*
 * Called per folio that is not a hole, in array order: its physical
 * address, its first page in the file, its flags and its entry number.
 */
typedef int (*kho_memfd_folio_cb)(uint64_t phys, uint64_t index,
				  unsigned int flags, uint64_t entry,
				  void *arg);

/**
 * kho_memfd_read() - check a memfd-v2 blob and its folio array, then list
 * @view: memory of the handover
 * @phys: the blob (the LUO file's data)
 * @cb: called per folio once everything was checked; may be NULL
 * @arg: passed to @cb
 * @info: the blob's fields, when not NULL
 * @err: filled in on failure (field, physical address, entry)
 *
 * Checks: the blob mapped; seals within KHO_MEMFD_ALL_SEALS (as
 * memfd_luo_retrieve() does); flags 0; the position at most INT64_MAX
 * (vfs_setpos() in kernel B drops a negative loff_t); the size at most
 * 2^32 - 1 pages; at most one folio per page of the file; the folio array
 * through kho_vmalloc_read(), large enough for nr_folios entries; each
 * entry's pfn inside the address space, its flags known, its index inside
 * the file and above the previous one. view->own() gets the blob ("memfd-v2"), the
 * array's chunks and pages and each folio's first page ("memfd folio").
 * Context: any; allocates nothing.
 * Return: 0; -EINVAL (malformed, @err says where); -EFAULT (not mapped);
 * or a non-zero return of @cb or own().
 */
int kho_memfd_read(const struct kho_view *view, uint64_t phys,
		   kho_memfd_folio_cb cb, void *arg,
		   struct kho_memfd_info *info, struct kho_error *err);

/* Called per restored folio, in index order: address, order, first page. */
typedef int (*kho_memfd_restore_cb)(uint64_t phys, unsigned int order,
				    uint64_t index, void *arg);

/**
 * kho_memfd_restore() - take a memfd-v2 file back, as memfd_luo_retrieve()
 * @in: walked handover
 * @phys: the blob (the LUO file's data)
 * @cb: called per folio after it is restored, may be NULL
 * @arg: passed to @cb
 * @info: the blob's fields, when not NULL
 * @err: filled in on failure
 *
 * Reads the blob with kho_memfd_read() through kho_in_view(), restores the
 * folio array (kho_restore_vmalloc()), then each folio with
 * kho_restore_folio(): its order comes from the handover, and it must start
 * after the previous folio ends (the last one may reach past the end of
 * the file, as a large shmem folio over a short file does) at an index that
 * is a multiple of its size. Frees the array and
 * the blob. A failure after the array was restored leaves the folios
 * restored so far with their owner (@cb saw them), as the kernel does.
 * Context: after kho_memory_init(); frees.
 * Return: 0, kho_memfd_read()'s errors, -EPERM (no handover to restore
 * from), -EINVAL (a folio not preserved, overlapping the one before or
 * misaligned in the file), or
 * @cb's non-zero return.
 */
int kho_memfd_restore(struct kho_in *in, uint64_t phys, kho_memfd_restore_cb cb,
		      void *arg, struct kho_memfd_info *info,
		      struct kho_error *err);

/**
 * kho_memfd_folio_misplaced() - can a folio go where a memfd-v2 file says
 * @index: the folio's first page in the file (its entry's index)
 * @order: the order of the preserved block that starts at the folio, or -1
 *	when none does
 * @next_index: the first page after the file's folio before it, 0 for the
 *	first
 *
 * What memfd_luo_retrieve_folios() needs of each folio: a preserved block
 * to restore (kho_restore_folio(), else the file is lost), a place of its
 * own in the page cache (else shmem_add_to_page_cache() fails), and an
 * index that is a multiple of its size (else shmem_add_to_page_cache() hits
 * VM_BUG_ON_FOLIO, mm/shmem.c:901, or the page cache is wrong without
 * CONFIG_DEBUG_VM). kho_memfd_restore() refuses a file that breaks one;
 * `kho inspect` notes it, taking @order from the tree.
 * Context: any.
 * Return: NULL when the folio fits, else what is wrong, as a sentence for
 * struct kho_error.
 */
const char *kho_memfd_folio_misplaced(uint64_t index, int order,
				      uint64_t next_index);

/**
 * kho_memfd_seals_retrieved() - the seals a memfd has after Linux 7.3.4
 *	retrieves it
 * @seals: the seals it was handed over with (struct kho_memfd_v2_ser)
 *
 * memfd_luo_retrieve() makes the new file with mode 0777 and re-applies
 * @seals with memfd_add_seals() (mm/memfd_luo.c:539, :546), which gives
 * F_SEAL_EXEC on an executable file the four write seals too
 * (mm/memfd.c:291-292): a file handed over with F_SEAL_EXEC alone (an
 * MFD_NOEXEC_SEAL memfd's) comes back read-only. libkho's patches/0003
 * keeps @seals as they are; `kho inspect` says where they differ.
 * Context: any.
 * Return: @seals with the write seals added when F_SEAL_EXEC is among them.
 */
uint32_t kho_memfd_seals_retrieved(uint32_t seals);

#ifdef __cplusplus
}
#endif

#endif /* KHO_MEMFD_H */
