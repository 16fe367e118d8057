/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/kho_metadata.h - the "kexec-metadata" subtree: which kernel kexec'ed
 * and how many kexecs happened since the last cold boot. Linux 7.2 and 7.3
 * write it on every boot; kernel B only reports what it finds.
 *
 *   root FDT child "kexec-metadata" --> blob (kho_alloc_preserve()), 73 bytes
 *   +---------+------------------------------+-------------+
 *   | version | previous_release[65]         | kexec_count |
 *   | u32 = 1 | NUL-terminated uts release   | u32         |
 *   +---------+------------------------------+-------------+
 *   0         4                              69            73   (packed)
 *
 * Kernel facts (Linux 7.3.4):
 *   include/linux/kho/abi/kexec_metadata.h:24   version 1
 *   include/linux/kho/abi/kexec_metadata.h:38   the packed struct
 *   include/linux/kho/abi/kexec_metadata.h:44   node name "kexec-metadata"
 *   kernel/liveupdate/kexec_handover.c:1743     blob-size < 4: ignored
 *   kernel/liveupdate/kexec_handover.c:1751     version other than 1: ignored
 *   kernel/liveupdate/kexec_handover.c:1757     blob-size < 73: ignored
 *   kernel/liveupdate/kexec_handover.c:1768     release copied with strscpy()
 *   kernel/liveupdate/kexec_handover.c:1789     writer: version 1, release,
 *                                               kexec_count = previous + 1
 */
#ifndef KHO_KHO_METADATA_H
#define KHO_KHO_METADATA_H

#include <stdbool.h>
#include <stdint.h>

#include <kho/abi.h>
#include <kho/kho.h>
#include <kho/view.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct kho_metadata_info - a kexec-metadata blob, as read
 * @version: the blob's version (valid whenever 4 bytes could be read)
 * @previous_release: the release string, cut and terminated as the
 *	kernel's strscpy() leaves it
 * @release_terminated: the blob's string had its NUL inside the field
 * @kexec_count: kexecs since the last cold boot, this one included
 * @size: bytes of the blob read (73)
 */
struct kho_metadata_info {
	uint32_t version;
	char previous_release[KHO_KEXEC_RELEASE_LEN];
	bool release_terminated;
	uint32_t kexec_count;
	uint64_t size;
};

/**
 * kho_metadata_read() - check a kexec-metadata blob and read it
 * @view: memory of the handover
 * @phys: the blob (the subtree's address)
 * @size: the subtree's blob-size, or NULL when the handover has none
 *	(kho-v2): the whole 73-byte struct must then be mapped. A blob-size
 *	of 0 is one: Linux writes it and its reader finds it too small
 * @info: filled in (as far as the blob could be read); may be NULL
 * @err: filled in on failure: what, property, physical address; may be NULL
 *
 * Checks what kho_in_kexec_metadata() checks before it believes the blob:
 * a blob-size of at least 4 bytes, version 1, a blob-size of at least 73;
 * and what it takes on trust: the 73 bytes mapped. A release string
 * without its NUL is accepted and cut, as strscpy() cuts it
 * (@info->release_terminated says so). The blob goes to view->own() as
 * "kexec-metadata".
 * Context: any; allocates nothing.
 * Return: 0; -EINVAL (blob-size too small: property "blob-size"; or a
 * version other than 1: property "version", @info->version says which);
 * -EFAULT (not mapped); or own()'s non-zero return.
 */
int kho_metadata_read(const struct kho_view *view, uint64_t phys,
		      const uint64_t *size, struct kho_metadata_info *info,
		      struct kho_error *err);

/**
 * kho_metadata_preserve() - hand kexec-metadata over, as kernel A does
 * @out: outgoing handover
 * @release: this kernel's release string (cut to 64 bytes)
 * @kexec_count: what to write: the count this boot read plus 1 (1 after
 *	a cold boot)
 * @phys: set to the blob's physical address; may be NULL
 *
 * Allocates and preserves the 73-byte blob (kho_alloc_preserve()), fills
 * it and adds it as subtree "kexec-metadata" with its size.
 * Context: may allocate.
 * Return: 0, -ENOMEM, or kho_add_subtree()'s error (the blob is then
 * unpreserved and freed again).
 */
int kho_metadata_preserve(struct kho_out *out, const char *release,
			  uint32_t kexec_count, uint64_t *phys);

#ifdef __cplusplus
}
#endif

#endif /* KHO_KHO_METADATA_H */
