// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * abi_version.c - the table of KHO ABI versions (<kho/version.h>), and the
 * tree geometry each one gives a page size.
 */
#include <kho/version.h>

#include "kho_internal.h"

/* Root FDT compatible strings and subtree property names, per version. */
#define KHO_V1_NAME "kho-v1"
#define KHO_V2_NAME "kho-v2"
#define KHO_V3_NAME "kho-v3"
#define KHO_V4_NAME KHO_FDT_COMPATIBLE
#define KHO_BLOB_SIZE_PROP KHO_FDT_SUB_TREE_SIZE_PROP_NAME

static const struct kho_abi_version kho_abi_table[] = {
	{
		.abi = KHO_ABI_V1,
		.name = KHO_V1_NAME,
		.kernels = "Linux 6.16 to 6.19",
		.mem_map = KHO_MEM_MAP_CHUNKS,
		.sub_prop = KHO_V1_FDT_SUB_TREE_PROP_NAME,
		.memfd = KHO_MEMFD_SUBTREE,
		.memfd_compatible = "memfd-v1",
	},
	{
		.abi = KHO_ABI_V2,
		.name = KHO_V2_NAME,
		.kernels = "the first radix-tree kernels",
		.mem_map = KHO_MEM_MAP_RADIX,
		.sub_prop = KHO_FDT_SUB_TREE_PROP_NAME,
		.depth_from_order0 = true,
		.memfd = KHO_MEMFD_SUBTREE,
		.memfd_compatible = "memfd-v1",
	},
	{
		.abi = KHO_ABI_V3,
		.name = KHO_V3_NAME,
		.kernels =
			"the kernels between the blob-size and the block changes",
		.mem_map = KHO_MEM_MAP_RADIX,
		.sub_prop = KHO_FDT_SUB_TREE_PROP_NAME,
		.size_prop = KHO_BLOB_SIZE_PROP,
		.size_required = true,
		.memfd = KHO_MEMFD_SUBTREE,
		.memfd_compatible = "memfd-v1",
	},
	{
		.abi = KHO_ABI_V4,
		.name = KHO_V4_NAME,
		.kernels = "Linux 7.2 and 7.3",
		.mem_map = KHO_MEM_MAP_RADIX,
		.sub_prop = KHO_FDT_SUB_TREE_PROP_NAME,
		.size_prop = KHO_BLOB_SIZE_PROP,
		.size_required = true,
		.blocks = true,
		.memfd = KHO_MEMFD_LUO,
		.luo_compatible = "luo-v5",
		.memfd_compatible = "memfd-v2",
	},
};

#define KHO_ABI_COUNT (sizeof(kho_abi_table) / sizeof(kho_abi_table[0]))

const struct kho_abi_version *kho_abi_get(enum kho_abi abi)
{
	unsigned int i;

	for (i = 0; i < KHO_ABI_COUNT; i++) {
		if (kho_abi_table[i].abi == abi)
			return &kho_abi_table[i];
	}
	return NULL;
}

const struct kho_abi_version *kho_abi_find(const char *compatible)
{
	unsigned int i;

	if (!compatible)
		return NULL;
	for (i = 0; i < KHO_ABI_COUNT; i++) {
		if (!__builtin_strcmp(kho_abi_table[i].name, compatible))
			return &kho_abi_table[i];
	}
	return NULL;
}

const struct kho_abi_version *kho_abi_for_each(unsigned int *i)
{
	if (*i >= KHO_ABI_COUNT)
		return NULL;
	return &kho_abi_table[(*i)++];
}

/* Levels that cover @bits key bits above a leaf's bitmap, leaf included. */
static unsigned int depth_for(const struct kho_geometry *geo, unsigned int bits)
{
	return (bits - geo->bitmap_bits + geo->table_bits - 1) /
		       geo->table_bits +
	       1;
}

int kho_geometry_init_abi(struct kho_geometry *geo, unsigned int page_shift,
			  const struct kho_abi_version *v)
{
	unsigned int covered;
	int err;

	if (KHO_WARN_ON(!v) || v->mem_map != KHO_MEM_MAP_RADIX)
		return -EINVAL;
	err = kho_geometry_init(geo, page_shift);
	if (err || !v->depth_from_order0)
		return err;

	/* kho-v2: the depth that covers the pfn bits only. */
	geo->depth = depth_for(geo, geo->order0_bit);
	covered = geo->bitmap_bits + (geo->depth - 1) * geo->table_bits;
	if (covered < geo->key_width)
		geo->key_width = covered;
	return 0;
}

bool kho_geometry_truncates_order0(const struct kho_geometry *geo)
{
	return geo->key_width <= geo->order0_bit;
}
