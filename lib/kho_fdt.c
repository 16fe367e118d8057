// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * kho_fdt.c - the root FDT of a handover, written and edited with libfdt
 * as the kernel does it (kho-v4 shown; the names come from the version's
 * entry in <kho/version.h>):
 *
 *   / {
 *           compatible = "kho-v4";
 *           preserved-memory-map = <u64: physical address of the tree root>;
 *           name-of-a-subsystem {
 *                   preserved-data = <u64: physical address of its blob>;
 *                   blob-size = <u64: its size in bytes>;   (v3 and later)
 *           };
 *           ...
 *   };
 *
 * The u64 values are stored in the CPU's byte order, not as big-endian
 * device-tree cells. The blob lives in one page; every edit opens it to the
 * whole page (fdt_open_into) and packs it again (fdt_pack), so the header's
 * totalsize is always the packed size.
 */
#include <libfdt.h>

#include <kho/version.h>
#include <kho/view.h>

#include "kho_internal.h"

/* Root node path and the standard property name. */
#define KHO_FDT_ROOT_NAME ""
#define KHO_FDT_ROOT_OFFSET 0
#define KHO_FDT_COMPATIBLE_PROP "compatible"

/* libfdt's error codes, as the negative errno values the library returns. */
static int fdt_err_to_errno(int fdt_err)
{
	switch (fdt_err) {
	case 0:
		return 0;
	case -FDT_ERR_EXISTS:
		return -EEXIST;
	case -FDT_ERR_NOTFOUND:
		return -ENOENT;
	case -FDT_ERR_NOSPACE:
		return -ENOSPC;
	default:
		return -EIO;
	}
}

const struct kho_abi_version *kho_abi_of_fdt(const void *fdt)
{
	const struct kho_abi_version *newest = NULL, *v;
	unsigned int i = 0;

	if (KHO_WARN_ON(!fdt))
		return NULL;
	/* The table is oldest first: the last match is the newest. */
	while ((v = kho_abi_for_each(&i))) {
		if (!fdt_node_check_compatible(fdt, KHO_FDT_ROOT_OFFSET,
					       v->name))
			newest = v;
	}
	return newest;
}

/**
 * root_fdt_build() - write a fresh root FDT
 * @fdt: the buffer, one page
 * @fdt_len: its size
 * @v: the ABI version, whose name is the compatible
 * @tree_root_phys: what preserved-memory-map carries
 *
 * Return: 0, or a negative errno (the page is too small).
 */
int root_fdt_build(void *fdt, uint64_t fdt_len, const struct kho_abi_version *v,
		   uint64_t tree_root_phys)
{
	int err;

	err = fdt_create(fdt, (int)fdt_len);
	if (!err)
		err = fdt_finish_reservemap(fdt);
	if (!err)
		err = fdt_begin_node(fdt, KHO_FDT_ROOT_NAME);
	if (!err)
		err = fdt_property_string(fdt, KHO_FDT_COMPATIBLE_PROP,
					  v->name);
	if (!err)
		err = fdt_property(fdt, KHO_FDT_MEMORY_MAP_PROP_NAME,
				   &tree_root_phys, sizeof(tree_root_phys));
	if (!err)
		err = fdt_end_node(fdt);
	if (!err)
		err = fdt_finish(fdt);
	return fdt_err_to_errno(err);
}

/**
 * root_fdt_add_subtree() - add a child node naming a subsystem's blob
 * @fdt: the root FDT
 * @fdt_len: the size of its buffer
 * @v: the ABI version: which properties a child carries
 * @name: node name
 * @blob_phys: what the address property carries
 * @blob_size: what the size property carries, where @v has one
 *
 * A failure after the node was added removes it again, so the FDT is
 * unchanged, as the kernel does (kexec_handover.c:1097-1098).
 * Return: 0, -EEXIST (a node of that name exists), -ENOSPC (the page is
 * full), -EINVAL (bad name), -EIO (the FDT is corrupt).
 */
int root_fdt_add_subtree(void *fdt, uint64_t fdt_len,
			 const struct kho_abi_version *v, const char *name,
			 uint64_t blob_phys, uint64_t blob_size)
{
	int off, err;

	err = fdt_open_into(fdt, fdt, (int)fdt_len);
	if (err)
		return fdt_err_to_errno(err);

	off = fdt_add_subnode(fdt, KHO_FDT_ROOT_OFFSET, name);
	if (off < 0) {
		err = off;
		goto out_pack;
	}
	err = fdt_setprop(fdt, off, v->sub_prop, &blob_phys, sizeof(blob_phys));
	if (!err && v->size_prop)
		err = fdt_setprop(fdt, off, v->size_prop, &blob_size,
				  sizeof(blob_size));
	if (err)
		fdt_del_node(fdt, off);
out_pack:
	fdt_pack(fdt);
	return fdt_err_to_errno(err);
}

/* The u64 property @prop of @node; -EINVAL when missing or not 8 bytes. */
static int node_u64(const void *fdt, int node, const char *prop, uint64_t *val)
{
	const void *p;
	int len;

	p = fdt_getprop(fdt, node, prop, &len);
	if (!p || len != KHO_U64_PROP_LEN)
		return -EINVAL;
	*val = kho_load_u64(p);
	return 0;
}

/**
 * root_fdt_subtree_phys() - the blob address of a child node
 * @fdt: the root FDT
 * @v: the ABI version: which property holds it
 * @node: the child's offset
 * @phys: set to the value
 *
 * Return: 0, -EINVAL when the property is missing or not 8 bytes.
 */
int root_fdt_subtree_phys(const void *fdt, const struct kho_abi_version *v,
			  int node, uint64_t *phys)
{
	return node_u64(fdt, node, v->sub_prop, phys);
}

/**
 * root_fdt_subtree_size() - the blob size of a child node
 * @fdt: the root FDT
 * @v: the ABI version
 * @node: the child's offset
 * @size: set to the value; 0 when @v has no size property
 *
 * Return: 0, -EINVAL when @v has the property and it is missing or not
 * 8 bytes.
 */
int root_fdt_subtree_size(const void *fdt, const struct kho_abi_version *v,
			  int node, uint64_t *size)
{
	*size = 0;
	if (!v->size_prop)
		return 0;
	return node_u64(fdt, node, v->size_prop, size);
}

/**
 * root_fdt_remove_subtree() - remove the child whose preserved-data is a blob
 * @fdt: the root FDT
 * @fdt_len: the size of its buffer
 * @v: the ABI version
 * @blob_phys: the blob's physical address
 *
 * Return: 0, -ENOENT (no child names that blob), -EIO (corrupt FDT).
 */
int root_fdt_remove_subtree(void *fdt, uint64_t fdt_len,
			    const struct kho_abi_version *v, uint64_t blob_phys)
{
	uint64_t phys;
	int off, err;

	/*
	 * Find the child first: opening and packing re-lays out an FDT that
	 * fdt_create() wrote, so a call that removes nothing must not.
	 * Node offsets are the structure block's, the same after opening.
	 */
	fdt_for_each_subnode(off, fdt, KHO_FDT_ROOT_OFFSET)
	{
		if (!root_fdt_subtree_phys(fdt, v, off, &phys) &&
		    phys == blob_phys)
			break;
	}
	if (off < 0)
		return fdt_err_to_errno(off);

	err = fdt_open_into(fdt, fdt, (int)fdt_len);
	if (err)
		return fdt_err_to_errno(err);
	err = fdt_del_node(fdt, off);
	fdt_pack(fdt);
	return fdt_err_to_errno(err);
}

/* ---- subsystem blobs that are FDTs ---------------------------------------- */

/* What libfdt can read: version 16 added the size of the strings block. */
#define KHO_BLOB_FDT_MIN_VERSION 16

/**
 * kho_view_map_fdt() - map a subsystem's FDT blob whole and check it
 * @view: the memory the blob is read from; untrusted
 * @blob: the format: its compatible and its sentences (KHO_FDT_BLOB())
 * @phys: the blob's physical address, as the root FDT gives it
 * @size: its blob-size, or 0 when the ABI version has none
 * @fdt: set to the mapped FDT when it is sound
 * @err: what is wrong and where, on failure; may be NULL
 *
 * The blob must be 8-byte aligned, an FDT of version 16 or later whose
 * totalsize fits in @size, mapped whole, sound (fdt_check_full()) and
 * compatible with @blob->compatible at its root.
 *
 * Context: any; reads only.
 * Return: 0; -EFAULT when the blob is not all in memory; -EINVAL for
 * anything else.
 */
int kho_view_map_fdt(const struct kho_view *view,
		     const struct kho_fdt_blob *blob, uint64_t phys,
		     uint64_t size, const void **fdt, struct kho_error *err)
{
	const char *const *say = blob->say;
	const void *p;
	uint64_t total;

	p = kho_view_map(view, phys, sizeof(struct fdt_header));
	if (!p)
		return kho_fail(err, -EFAULT, say[KHO_FDT_BLOB_ABSENT], NULL,
				phys, KHO_ERR_NO_INDEX);
	if ((phys | (uintptr_t)p) & (KHO_FDT_ALIGN - 1))
		return kho_fail(err, -EINVAL, say[KHO_FDT_BLOB_MISALIGNED],
				NULL, phys, KHO_ERR_NO_INDEX);
	if (fdt_check_header(p) || fdt_version(p) < KHO_BLOB_FDT_MIN_VERSION)
		return kho_fail(err, -EINVAL, say[KHO_FDT_BLOB_NOT_FDT], NULL,
				phys, KHO_ERR_NO_INDEX);
	total = fdt_totalsize(p);
	if (size && total > size)
		return kho_fail(err, -EINVAL, say[KHO_FDT_BLOB_TOO_BIG],
				"blob-size", phys, KHO_ERR_NO_INDEX);
	p = kho_view_map(view, phys, total);
	if (!p)
		return kho_fail(err, -EFAULT, say[KHO_FDT_BLOB_PARTIAL], NULL,
				phys, KHO_ERR_NO_INDEX);
	if (fdt_check_full(p, total))
		return kho_fail(err, -EINVAL, say[KHO_FDT_BLOB_CORRUPT], NULL,
				phys, KHO_ERR_NO_INDEX);
	if (fdt_node_check_compatible(p, 0, blob->compatible))
		return kho_fail(err, -EINVAL, say[KHO_FDT_BLOB_INCOMPATIBLE],
				"compatible", phys, KHO_ERR_NO_INDEX);
	*fdt = p;
	return 0;
}
