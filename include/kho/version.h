/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/version.h - the KHO ABI versions, as one table of data.
 *
 * The root FDT's compatible string names the version; everything that
 * differs between versions is a field of struct kho_abi_version, and the
 * writer and the readers consult the table instead of testing versions:
 *
 *   version  kernels        memory map   subtree props              depth 4K/16K/64K
 *   kho-v1   6.16 .. 6.19   chunk list   fdt                        -
 *   kho-v2   first merge    radix tree   preserved-data             6 / 4 / 4
 *   kho-v3   (2026)         radix tree   preserved-data, blob-size  6 / 5 / 4
 *   kho-v4   7.2, 7.3       radix tree   preserved-data, blob-size  6 / 5 / 4
 *
 * kho-v4 changed no byte of the root FDT, the tree or vmalloc from kho-v3:
 * it versions the KHO serialization blocks that Live Update's sessions and
 * files are kept in, and with them LUO "luo-v5" and memfd "memfd-v2".
 */
#ifndef KHO_VERSION_H
#define KHO_VERSION_H

#include <stdbool.h>

#include <kho/radix.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI versions, numbered as their compatible strings are. */
enum kho_abi {
	KHO_ABI_V1 = 1,
	KHO_ABI_V2 = 2,
	KHO_ABI_V3 = 3,
	KHO_ABI_V4 = 4,
};

/* What kernel A writes when nobody asks for another version. */
#define KHO_ABI_DEFAULT KHO_ABI_V4

/* How a version's memory map records preserved blocks. */
enum kho_mem_map {
	KHO_MEM_MAP_CHUNKS, /* kho-v1: list of khoser_mem_chunk bitmaps */
	KHO_MEM_MAP_RADIX, /* kho-v2 on: the radix tree of <kho/abi.h> */
};

/* How Live Update's memfd files travel with a version. */
enum kho_memfd_path {
	KHO_MEMFD_SUBTREE, /* a top-level child, FDT "memfd-v1" */
	KHO_MEMFD_LUO, /* a LUO session's file, "memfd-v2" */
};

/**
 * struct kho_abi_version - everything a KHO ABI version decides
 * @abi: its number
 * @name: "kho-vN", the root FDT's compatible
 * @kernels: which kernels speak it, for messages and docs
 * @mem_map: what preserved-memory-map points to
 * @sub_prop: the subtree property holding a blob's physical address
 * @size_prop: the subtree property holding its size, or NULL
 * @size_required: kho_retrieve_subtree() refuses a child without a valid
 *	@size_prop, even when the caller does not ask for the size
 * @depth_from_order0: the tree depth counts only the pfn bits
 *	(ORDER_0_LOG2), not the order bit: 4 levels on 16 KiB pages, where
 *	order-0 keys lose their order bit (see kho_geometry_init_abi())
 * @blocks: KHO serialization blocks (struct kho_block_header_ser chains)
 *	exist in this version
 * @memfd: how memfd files are handed over
 * @luo_compatible: the LUO blob's compatible, or NULL without LUO
 * @memfd_compatible: the memfd blob's compatible
 */
struct kho_abi_version {
	enum kho_abi abi;
	const char *name;
	const char *kernels;
	enum kho_mem_map mem_map;
	const char *sub_prop;
	const char *size_prop;
	bool size_required;
	bool depth_from_order0;
	bool blocks;
	enum kho_memfd_path memfd;
	const char *luo_compatible;
	const char *memfd_compatible;
};

/**
 * kho_abi_get() - the table entry of a version
 * @abi: a version number
 *
 * Return: the entry, or NULL for a number no version has.
 */
const struct kho_abi_version *kho_abi_get(enum kho_abi abi);

/**
 * kho_abi_find() - the version a compatible string names
 * @compatible: a root FDT's compatible value, e.g. "kho-v4"
 *
 * Return: the entry, or NULL when no version is called that.
 */
const struct kho_abi_version *kho_abi_find(const char *compatible);

/**
 * kho_abi_of_fdt() - the version a root FDT's compatible names
 * @fdt: a root FDT, its header checked (fdt_check_header())
 *
 * The compatible property may list several strings. Linux 7.3 takes a
 * root for kho-v4 when "kho-v4" is among them (kexec_handover.c:1977),
 * whatever else it lists; libkho likewise takes the newest version named.
 * Context: any; reads @fdt only.
 * Return: the entry, or NULL when the root names no KHO version.
 */
const struct kho_abi_version *kho_abi_of_fdt(const void *fdt);

/**
 * kho_abi_for_each() - every version, oldest first
 * @i: cursor, start at 0
 *
 * Return: the version at @i and advance it, or NULL past the last.
 */
const struct kho_abi_version *kho_abi_for_each(unsigned int *i);

/**
 * kho_geometry_init_abi() - the tree geometry of a page size in a version
 * @geo: filled in
 * @page_shift: 12, 14 or 16
 * @v: the version (a radix-tree version: kho-v2 or later)
 *
 * kho-v3 and later: as kho_geometry_init(). kho-v2 counted the depth from
 * ORDER_0_LOG2 instead of the key width: the same on 4 and 64 KiB pages, but
 * on 16 KiB pages 4 levels covering 50 key bits, so the order bit of an
 * order-0 key (bit 50) has no place in the tree. The geometry then has
 * key_width 50: the tree refuses order-0 keys (-ERANGE) instead of writing
 * keys that decode as larger blocks, and a reader checks that no key it
 * finds could also be a truncated order-0 key in RAM.
 *
 * Return: 0, or -EINVAL for another page shift or a kho-v1 version.
 */
int kho_geometry_init_abi(struct kho_geometry *geo, unsigned int page_shift,
			  const struct kho_abi_version *v);

/**
 * kho_geometry_truncates_order0() - does this geometry drop order-0 keys' order bit
 * @geo: a geometry from kho_geometry_init_abi()
 *
 * Return: true for kho-v2's 16 KiB-page tree, false otherwise.
 */
bool kho_geometry_truncates_order0(const struct kho_geometry *geo);

#ifdef __cplusplus
}
#endif

#endif /* KHO_VERSION_H */
