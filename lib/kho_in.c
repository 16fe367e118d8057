// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * kho_in.c - kernel B's side of a handover, in the kernel's order:
 *
 *   kho_populate()     map and check the root FDT and the scratch array,
 *                      adopt the tree (read-only);
 *   kho_memory_init()  validate the whole tree (kho_radix_validate(): the
 *                      tree is another kernel's, its shape is not
 *                      trusted), then walk it: stamp the first struct page
 *                      of every block (order, magic), then reserve the
 *                      coalesced ranges;
 *   kho_restore_*()    give a block back to its owner; only the stamp is
 *                      read, and a restore clears it.
 *
 * The handover comes from another kernel: every address is mapped through
 * ops.mem.phys_to_virt() and checked before it is read. Any failure fills
 * in->err, disables revival (in->revive = false) and returns the negative
 * code; from then on nothing is restored and no subtree is found.
 */
#include <libfdt.h>

#include <kho/block.h>
#include <kho/kho_v1.h>
#include <kho/validate.h>
#include <kho/version.h>
#include <kho/view.h>

#include "kho_internal.h"

#define KHO_FDT_ROOT_OFFSET 0
#define KHO_FDT_COMPATIBLE_PROP "compatible"
/*
 * fdt_create() writes version 17; 16 is the oldest whose node names are
 * not full paths. Older versions are refused before fdt_check_full(),
 * which in libfdt 1.6.1 dereferences NULL on some of them (found by
 * fuzz/fuzz_handover.c).
 */
#define KHO_FDT_MIN_VERSION 16

static bool env_ops_valid(const struct kho_env_ops *ops)
{
	return ops->pfn_to_page && ops->free_pages && ops->mem.phys_to_virt &&
	       ops->mem.virt_to_phys;
}

static void clear_error(struct kho_error *err)
{
	err->code = 0;
	err->what = NULL;
	err->property = NULL;
	err->phys = KHO_ERR_NO_ADDR;
	err->level = KHO_ERR_NO_LEVEL;
	err->index = KHO_ERR_NO_INDEX;
}

/* Record why the handover is refused and disable revival. */
static int refuse(struct kho_in *in, int code, const char *what,
		  const char *property, uint64_t phys, int level, long index)
{
	in->err.code = code;
	in->err.what = what;
	in->err.property = property;
	in->err.phys = phys;
	in->err.level = level;
	in->err.index = index;
	in->revive = false;
	return code;
}

/* The same, for the common case of an error without tree coordinates. */
static int refuse_at(struct kho_in *in, int code, const char *what,
		     const char *property, uint64_t phys)
{
	return refuse(in, code, what, property, phys, KHO_ERR_NO_LEVEL,
		      KHO_ERR_NO_INDEX);
}

static struct kho_page *pfn_page(const struct kho_in *in, uint64_t pfn)
{
	return in->ops.pfn_to_page(in->ops.mem.ctx, pfn);
}

/* ---- kho_populate() ----------------------------------------------------- */

/* The preserved-memory-map property: exactly 8 bytes, non-zero, aligned. */
static int get_memory_map(struct kho_in *in, uint64_t *root)
{
	const char *prop = KHO_FDT_MEMORY_MAP_PROP_NAME;
	const void *val;
	int len;

	val = fdt_getprop(in->fdt, KHO_FDT_ROOT_OFFSET, prop, &len);
	if (!val)
		return refuse_at(in, -ENOENT, "preserved-memory-map is missing",
				 prop, in->fdt_phys);
	if (len != KHO_U64_PROP_LEN)
		return refuse_at(in, -EINVAL,
				 "preserved-memory-map is not 8 bytes", prop,
				 in->fdt_phys);
	/* FDT properties are only 4-byte aligned: load it unaligned. */
	*root = kho_load_u64(val);
	if (!*root)
		return refuse_at(in, -EINVAL, "preserved-memory-map is zero",
				 prop, in->fdt_phys);
	if (!kho_page_aligned(&in->geo, *root))
		return refuse_at(in, -EINVAL,
				 "preserved-memory-map is not page-aligned",
				 prop, *root);
	return 0;
}

/*
 * Which version the root's compatible names (the newest, if it lists
 * several). The version then decides the tree's geometry.
 */
static int populate_version(struct kho_in *in)
{
	const struct kho_abi_version *v = kho_abi_of_fdt(in->fdt);

	if (!v)
		return refuse_at(
			in, -EINVAL,
			"root FDT is compatible with no KHO version (kho-v1 to kho-v4)",
			KHO_FDT_COMPATIBLE_PROP, in->fdt_phys);
	in->abi = v;
	/* kho-v1 has no tree: the plain geometry only gives the page size. */
	if (v->mem_map != KHO_MEM_MAP_RADIX)
		return 0;
	if (kho_geometry_init_abi(&in->geo, in->geo.page_shift, v))
		return refuse_at(in, -EINVAL, "the page size is unsupported",
				 NULL, in->fdt_phys);
	return 0;
}

static int populate_fdt(struct kho_in *in, uint64_t fdt_phys, uint64_t fdt_size,
			uint64_t *root)
{
	uint64_t page = kho_page_size(&in->geo);
	uint64_t map_len = fdt_size < page ? fdt_size : page;
	uint64_t total;
	int err;

	if (fdt_size < sizeof(struct fdt_header))
		return refuse_at(in, -EINVAL,
				 "FDT size is smaller than an FDT header", NULL,
				 fdt_phys);
	/* The root FDT is one page: never map more of what we were told. */
	in->fdt = kho_map_range(&in->geo, &in->ops.mem, fdt_phys, map_len);
	if (!in->fdt)
		return refuse_at(in, -EFAULT, "FDT is not in memory", NULL,
				 fdt_phys);
	if ((fdt_phys | (uintptr_t)in->fdt) & (KHO_FDT_ALIGN - 1))
		return refuse_at(in, -EINVAL, "FDT is not 8-byte aligned", NULL,
				 fdt_phys);
	if (fdt_check_header(in->fdt))
		return refuse_at(in, -EINVAL, "FDT header is invalid", NULL,
				 fdt_phys);
	if (fdt_version(in->fdt) < KHO_FDT_MIN_VERSION)
		return refuse_at(in, -EINVAL, "FDT version is older than 16",
				 NULL, fdt_phys);
	total = fdt_totalsize(in->fdt);
	if (total > fdt_size)
		return refuse_at(in, -EINVAL,
				 "FDT is larger than the handover says", NULL,
				 fdt_phys);
	if (total > page)
		return refuse_at(in, -EINVAL, "FDT is larger than a page", NULL,
				 fdt_phys);
	/* Every offset and string inside the blob, before any lookup. */
	if (fdt_check_full(in->fdt, total))
		return refuse_at(in, -EINVAL, "FDT structure is corrupt", NULL,
				 fdt_phys);
	err = populate_version(in);
	if (err)
		return err;
	return get_memory_map(in, root);
}

/*
 * What is wrong with area @i of @areas, or NULL. An empty area is taken,
 * with a warning in @warn: Linux hands one over where it had nothing to
 * reserve (x86 with all memory below 4 GiB: the global area), and takes
 * it back as one (memblock_add() of 0 bytes does nothing).
 */
static const char *scratch_area_problem(const struct kho_geometry *geo,
					const struct kho_env_ops *ops,
					const struct kho_scratch *areas,
					unsigned int i,
					struct kho_warnings *warn)
{
	const struct kho_scratch area = areas[i];
	uint64_t last;
	unsigned int j;

	if (!area.size) {
		if (warn)
			kho_warn(warn, "scratch area is empty", NULL, area.addr,
				 i);
		return NULL;
	}
	if (!kho_page_aligned(geo, area.addr) ||
	    !kho_page_aligned(geo, area.size))
		return "scratch area is not page-aligned";
	last = area.addr + area.size - 1;
	if (last < area.addr)
		return "scratch area wraps around the address space";
	if (!ops->pfn_to_page(ops->mem.ctx, kho_phys_to_pfn(geo, area.addr)) ||
	    !ops->pfn_to_page(ops->mem.ctx, kho_phys_to_pfn(geo, last)))
		return "scratch area is outside RAM";
	for (j = 0; j < i; j++) {
		if (areas[j].size &&
		    kho_ranges_overlap(area.addr, area.size, areas[j].addr,
				       areas[j].size))
			return "scratch areas overlap";
	}
	return NULL;
}

int kho_check_scratch(const struct kho_geometry *geo,
		      const struct kho_env_ops *ops,
		      const struct kho_scratch *areas, unsigned int nr,
		      struct kho_error *err, struct kho_warnings *warn)
{
	const char *what;
	unsigned int i;

	if (KHO_WARN_ON(!geo || !ops || !ops->pfn_to_page || (nr && !areas)))
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		what = scratch_area_problem(geo, ops, areas, i, warn);
		if (what)
			return kho_fail(err, -EINVAL, what, NULL, areas[i].addr,
					i);
	}
	return 0;
}

static int populate_scratch(struct kho_in *in, uint64_t scratch_phys,
			    uint64_t scratch_size)
{
	const uint64_t entry = sizeof(struct kho_scratch);

	if (!scratch_size)
		return refuse_at(in, -EINVAL, "scratch array is empty", NULL,
				 scratch_phys);
	if (scratch_size % entry)
		return refuse_at(
			in, -EINVAL,
			"scratch array size is not a multiple of 16 bytes",
			NULL, scratch_phys);
	if (scratch_size / entry > KHO_SCRATCH_MAX_AREAS)
		return refuse_at(
			in, -EINVAL,
			"scratch array has more areas than NUMA nodes allow",
			NULL, scratch_phys);
	if (scratch_phys % _Alignof(struct kho_scratch))
		return refuse_at(in, -EINVAL,
				 "scratch array is not 8-byte aligned", NULL,
				 scratch_phys);
	in->scratch = kho_map_range(&in->geo, &in->ops.mem, scratch_phys,
				    scratch_size);
	if (!in->scratch)
		return refuse_at(in, -EFAULT, "scratch array is not in memory",
				 NULL, scratch_phys);
	in->nr_scratch = scratch_size / entry;
	return kho_check_scratch(&in->geo, &in->ops, in->scratch,
				 in->nr_scratch, &in->err, &in->warn);
}

/**
 * kho_populate() - take the handover the previous kernel left
 * @in: filled in; caller-allocated
 * @geo: geometry of this handover's page size (copied)
 * @ops: environment (copied); alloc_pages and mem.alloc_page are not used
 * @fdt_phys: physical address of the root FDT (struct kho_data fdt_addr)
 * @fdt_size: its size as the handover gives it (fdt_size)
 * @scratch_phys: physical address of the scratch array (scratch_addr)
 * @scratch_size: its size in bytes (scratch_size)
 *
 * Return: 0 (the handover is accepted: in->revive is set), or a negative
 * errno with in->err saying why.
 */
int kho_populate(struct kho_in *in, const struct kho_geometry *geo,
		 const struct kho_env_ops *ops, uint64_t fdt_phys,
		 uint64_t fdt_size, uint64_t scratch_phys,
		 uint64_t scratch_size)
{
	struct kho_geometry ref;
	uint64_t root = 0;
	int ret;

	if (KHO_WARN_ON(!in))
		return -EINVAL;
	kho_memset(in, 0, sizeof(*in));
	clear_error(&in->err);
	if (KHO_WARN_ON(!geo || !ops || !env_ops_valid(ops)) ||
	    kho_geometry_init(&ref, geo->page_shift))
		return refuse_at(
			in, -EINVAL,
			"the environment is incomplete or the page size unsupported",
			NULL, KHO_ERR_NO_ADDR);
	in->geo = *geo;
	in->ops = *ops;
	in->fdt_phys = fdt_phys;
	in->fdt_size = fdt_size;

	ret = populate_fdt(in, fdt_phys, fdt_size, &root);
	if (!ret)
		ret = populate_scratch(in, scratch_phys, scratch_size);
	in->map_phys = root;
	if (!ret && in->abi->mem_map == KHO_MEM_MAP_RADIX) {
		ret = kho_radix_attach(&in->tree, &in->geo, &ops->mem, root);
		if (ret)
			refuse(in, ret, "the tree root is not in memory",
			       KHO_FDT_MEMORY_MAP_PROP_NAME, root,
			       (int)in->geo.depth - 1, KHO_ERR_NO_INDEX);
	}
	if (ret) {
		in->fdt = NULL;
		in->scratch = NULL;
		in->nr_scratch = 0;
		return ret;
	}
	in->revive = true;
	return 0;
}

/* ---- kho_memory_init() --------------------------------------------------- */

/* The bit of a block in its leaf: where a refusal points. */
static long block_leaf_bit(const struct kho_in *in, uint64_t phys,
			   unsigned int order)
{
	uint64_t key = kho_key_encode(&in->geo, phys, order);

	return (long)(key & ((1ULL << in->geo.bitmap_bits) - 1));
}

static int refuse_block(struct kho_in *in, const char *what, uint64_t phys,
			unsigned int order)
{
	return refuse(in, -EINVAL, what, NULL, phys, 0,
		      block_leaf_bit(in, phys, order));
}

static uint64_t stamp_of(unsigned int order)
{
	union kho_page_info info = { .order = order, .magic = KHO_PAGE_MAGIC };

	return info.page_private;
}

/*
 * Check one block and stamp its first page. Every page of the block must be
 * in RAM (first and last suffice: the memmap covers RAM ranges). A block
 * that overlaps another or a scratch area was a warning of the tree check;
 * as in Linux (kexec_handover.c:630), the stamp of the block walked last
 * (the smaller order: keys ascend) is the one a page keeps.
 */
static int stamp_block(uint64_t phys, unsigned int order, void *arg)
{
	struct kho_in *in = arg;
	const struct kho_geometry *geo = &in->geo;
	uint64_t pfn = kho_phys_to_pfn(geo, phys);
	struct kho_page *first = pfn_page(in, pfn);

	if (!first || !pfn_page(in, pfn + (1ULL << order) - 1))
		return refuse_block(in, "preserved block is not in RAM", phys,
				    order);
	first->private = stamp_of(order);
	return 0;
}

/* Undo stamp_block() on a walk that failed: clear what it stamped. */
static int unstamp_block(uint64_t phys, unsigned int order, void *arg)
{
	struct kho_in *in = arg;
	uint64_t pfn = kho_phys_to_pfn(&in->geo, phys);
	struct kho_page *first = pfn_page(in, pfn);

	if (first && first->private == stamp_of(order))
		first->private = 0;
	return 0;
}

static bool stamped_order(struct kho_in *in, uint64_t pfn, unsigned int *order);

/*
 * The end of the stamped block that holds the byte at @phys (any order),
 * or 0 when none does. Read from the stamps, which every memory map
 * version leaves the same way.
 */
static uint64_t preserved_block_end(struct kho_in *in, uint64_t phys)
{
	uint64_t pfn = kho_phys_to_pfn(&in->geo, phys);
	unsigned int order, stamped;

	for (order = 0; order < in->geo.order0_bit; order++) {
		uint64_t first = pfn & ~((1ULL << order) - 1);

		if (!stamped_order(in, first, &stamped))
			continue;
		if (pfn - first < 1ULL << stamped)
			return kho_pfn_to_phys(&in->geo,
					       first + (1ULL << stamped));
	}
	return 0;
}

/*
 * Is all of [@phys, @phys + @size) preserved? A blob of unknown size
 * (a version without blob-size) must at least have its first byte kept.
 * Each turn steps over one whole block, so a hostile size costs at most a
 * turn per preserved block.
 */
static bool blob_preserved(struct kho_in *in, uint64_t phys, uint64_t size)
{
	uint64_t end = phys + (size ? size : 1), at = phys;

	if (end < phys)
		return false;
	while (at < end) {
		uint64_t next = preserved_block_end(in, at);

		/* No block, or one ending at 2^64 (never in RAM). */
		if (next <= at)
			return false;
		at = next;
	}
	return true;
}

/*
 * One child of the root FDT, judged as its owner will read it. A blob in
 * memory nobody kept would be read after the page allocator reused it;
 * Linux takes such a handover and its owner reads reused memory later.
 * Return: the sentence of the child's first problem, or NULL when sound.
 */
static const char *subtree_problem(const void *fdt,
				   const struct kho_abi_version *abi, int off,
				   kho_blob_preserved_cb preserved, void *arg,
				   uint64_t *phys)
{
	uint64_t size;

	if (root_fdt_subtree_phys(fdt, abi, off, phys)) {
		*phys = KHO_ERR_NO_ADDR;
		return "a subtree's blob address is missing or not 8 bytes";
	}
	if (root_fdt_subtree_size(fdt, abi, off, &size))
		return "a subtree's blob-size is missing or not 8 bytes";
	if (!preserved(*phys, size, arg))
		return "a subtree's blob is not all in preserved memory";
	/* Linux writes and returns it (kexec_handover.c:1086, :1671). */
	if (abi->size_prop && !size)
		return "a subtree's blob-size is 0";
	return NULL;
}

/*
 * Each child stands alone, as in Linux: kho_retrieve_subtree() of a broken
 * one fails (kexec_handover.c:1665-1676) and every other still works. So a
 * broken child is a warning naming it, not a refusal of the handover; its
 * owner's reader then refuses the blob (kho_view_own() wants the stamp of
 * the block it lies in).
 */
int kho_check_subtrees(const void *fdt, const struct kho_abi_version *abi,
		       kho_blob_preserved_cb preserved, void *arg,
		       struct kho_warnings *warn)
{
	const char *what;
	uint64_t phys;
	int off, nr = 0;

	if (KHO_WARN_ON(!fdt || !abi || !preserved || !warn))
		return -EINVAL;
	fdt_for_each_subnode(off, fdt, KHO_FDT_ROOT_OFFSET)
	{
		what = subtree_problem(fdt, abi, off, preserved, arg, &phys);
		if (!what)
			continue;
		kho_warn(warn, what, fdt_get_name(fdt, off, NULL), phys,
			 KHO_ERR_NO_INDEX);
		nr++;
	}
	return nr;
}

static bool in_blob_preserved(uint64_t phys, uint64_t size, void *arg)
{
	return blob_preserved(arg, phys, size);
}

/* kho_check_subtrees() over the stamps the walk left; run after it. */
static void check_subtrees(struct kho_in *in)
{
	kho_check_subtrees(in->fdt, in->abi, in_blob_preserved, in, &in->warn);
}

struct reserve_arg {
	struct kho_in *in;
	kho_reserve_cb reserve;
	void *arg;
};

static int reserve_range(uint64_t start, uint64_t end, void *arg)
{
	struct reserve_arg *r = arg;
	int ret;

	ret = r->reserve(start, end, r->arg);
	if (!ret)
		return 0;
	/* Keep the caller's errno; anything else is an I/O failure. */
	return refuse_at(r->in, ret < 0 ? ret : -EIO,
			 "reserving preserved memory failed", NULL, start);
}

/*
 * The whole tree, before any of it is trusted: a walk follows every entry
 * of every node, so a tree of shared nodes (every entry of each table
 * naming the one node below: 4 x 512^4 paths on 4 KiB pages from 5 pages)
 * would take days; the check visits each node once and refuses the second
 * mention. It also refuses what the stamp walk below would only catch block
 * by block (outside RAM, overlapping) and what it cannot see (a block
 * across a hole of @chk->ram, or over a tree node). Nothing is stamped or
 * reserved yet when it fails.
 */
static int check_tree(struct kho_in *in, struct kho_tree_check *chk)
{
	int ret;

	chk->scratch = in->scratch;
	chk->nr_scratch = in->nr_scratch;
	ret = kho_radix_validate(&in->tree, chk);
	for (unsigned int i = 0; i < chk->warn.nr && i < KHO_MAX_WARNINGS;
	     i++) {
		const struct kho_error *w = &chk->warn.w[i];

		kho_warn(&in->warn, w->what, w->property, w->phys, w->index);
	}
	/* Those past the kept ones are only counted. */
	if (chk->warn.nr > KHO_MAX_WARNINGS)
		in->warn.nr += chk->warn.nr - KHO_MAX_WARNINGS;
	if (!ret)
		return 0;
	in->err = chk->err;
	/* The check fills err on every failure; keep the code regardless. */
	in->err.code = ret;
	if (!in->err.what)
		in->err.what = "the preserved-memory tree is corrupt";
	in->revive = false;
	return ret;
}

/*
 * Every block is stamped and reserved: restores may begin, and the first is
 * KHO's own, the root FDT's block. Kernel A preserves it (kho_alloc_preserve(),
 * kernel/liveupdate/kexec_handover.c:1832) and this side reads it for as
 * long as the handover lives (kho_retrieve_subtree()), but Linux's kernel B
 * never restores it, so a record that names it (a vmalloc chunk list, a
 * folio's address) would be handed the page KHO still reads. Taken here,
 * such a record is refused as naming no preserved block. A larger block the
 * FDT begins is taken whole; one it lies inside, like an FDT kernel A did
 * not preserve, is left as it is.
 */
static void walk_done(struct kho_in *in)
{
	in->walked = true;
	kho_restore_folio(in, in->fdt_phys);
}

/* ---- kho-v1: the chunk list ---------------------------------------------- */

static int reserve_block(uint64_t phys, unsigned int order, void *arg)
{
	struct reserve_arg *r = arg;

	return reserve_range(phys, phys + (kho_page_size(&r->in->geo) << order),
			     r);
}

/* One pass over the chunk list, @cb per block; the list's errors kept. */
static int v1_pass(struct kho_in *in, uint64_t max_bitmaps, kho_v1_block_cb cb,
		   void *arg)
{
	struct kho_view view;
	struct kho_error err;
	int ret;

	/* Chunks and bitmaps are kernel A's memory, not preserved blocks. */
	kho_in_view(in, &view);
	view.own = NULL;
	clear_error(&err);
	ret = kho_v1_read(&view, in->map_phys, 0, max_bitmaps, cb, arg, NULL,
			  &err);
	/* A callback's refusal filled in->err already; else the list's. */
	if (ret && !in->err.code) {
		in->err = err;
		in->err.code = ret;
		in->revive = false;
	}
	return ret;
}

/*
 * kho-v1 (Linux 6.16 to 6.19): kho_v1_read() checks the whole chunk list
 * before it names any block (no cycle, every chunk and bitmap mapped, at
 * most one element per page of RAM); then every block is stamped, the
 * subtrees checked, and every block reserved, as that kernel's
 * kho_mem_deserialize() did block by block. There is no tree to check for
 * overlaps: a block outside RAM is refused by the stamp walk.
 */
static int v1_memory_init(struct kho_in *in, struct kho_tree_check *chk,
			  struct reserve_arg *r)
{
	uint64_t ram_pages = 0;
	unsigned int i;
	int ret;

	/* @chk says what the check was given, as for a tree. */
	chk->scratch = in->scratch;
	chk->nr_scratch = in->nr_scratch;
	for (i = 0; i < chk->nr_ram; i++)
		ram_pages += (chk->ram[i].end - chk->ram[i].start) >>
			     in->geo.page_shift;
	ret = v1_pass(in, ram_pages, stamp_block, in);
	if (!ret) {
		check_subtrees(in);
		ret = v1_pass(in, ram_pages, reserve_block, r);
	}
	if (!ret) {
		walk_done(in);
		return 0;
	}
	v1_pass(in, ram_pages, unstamp_block, in);
	in->revive = false;
	return ret;
}

/**
 * kho_memory_init() - validate the handed-over tree, stamp and reserve
 * @in: a handover kho_populate() accepted
 * @chk: the caller's RAM and a zeroed bitmap; scratch is taken from @in
 * @reserve: called once per coalesced range [start, end) of preserved memory
 * @arg: passed to @reserve
 *
 * Return: 0 (in->walked is set), or a negative errno with in->err saying
 * why; revival is then disabled and no page keeps a stamp.
 */
int kho_memory_init(struct kho_in *in, struct kho_tree_check *chk,
		    kho_reserve_cb reserve, void *arg)
{
	struct reserve_arg r = { .in = in, .reserve = reserve, .arg = arg };
	int ret;

	if (KHO_WARN_ON(!in || !reserve))
		return -EINVAL;
	/* Without RAM or a bitmap the tree cannot be checked: never walk it. */
	if (KHO_WARN_ON(!chk || !chk->ram || !chk->nr_ram || !chk->seen))
		return -EINVAL;
	if (!in->revive)
		return in->err.code ? in->err.code : -ENOENT;
	/* A second walk would stamp restored blocks again. */
	if (KHO_WARN_ON(in->walked))
		return -EBUSY;
	if (in->abi->mem_map == KHO_MEM_MAP_CHUNKS)
		return v1_memory_init(in, chk, &r);

	ret = check_tree(in, chk);
	if (ret)
		return ret;
	/*
	 * Check and stamp every block before anything is reserved. The tree
	 * is sound now; the walk still checks each block against the memmap,
	 * which may know holes @chk->ram does not.
	 */
	ret = kho_radix_walk(&in->tree, stamp_block, in);
	if (!ret) {
		check_subtrees(in);
		ret = kho_radix_walk_ranges(&in->tree, reserve_range, &r);
	}
	if (!ret) {
		walk_done(in);
		return 0;
	}
	/* The callbacks said why; else the walk met a node it cannot read. */
	if (!in->err.code)
		refuse_at(in, ret, "the preserved-memory tree is corrupt",
			  KHO_FDT_MEMORY_MAP_PROP_NAME, in->tree.root_phys);
	kho_radix_walk(&in->tree, unstamp_block, in);
	return ret;
}

/* ---- restores ------------------------------------------------------------ */

/**
 * in_may_restore() - was the handover accepted and walked
 * @in: incoming handover
 *
 * Return: true when restores may proceed.
 */
bool in_may_restore(const struct kho_in *in)
{
	return in && in->revive && in->walked;
}

/**
 * in_restore_view() - the view a format module's restore reads through
 * @in: incoming handover
 * @phys: where the format's blob is, for @err
 * @none: the sentence for a handover that was not accepted and walked
 * @view: set to @in's view (kho_in_view()) when restores may proceed
 * @err: filled on failure; may be NULL
 *
 * The opening every module's restore shares: nothing is restored from a
 * handover that kho_memory_init() did not take, and the module then reads
 * its blob through the same view as a reader of a memory source.
 *
 * Return: 0, -EINVAL without @in, -EPERM (@none) before the walk.
 */
int in_restore_view(struct kho_in *in, uint64_t phys, const char *none,
		    struct kho_view *view, struct kho_error *err)
{
	if (KHO_WARN_ON(!in))
		return -EINVAL;
	if (!in_may_restore(in))
		return kho_fail(err, -EPERM, none, NULL, phys,
				KHO_ERR_NO_INDEX);
	kho_in_view(in, view);
	return 0;
}

/* The order stamped on @pfn, when it is the first page of a preserved block. */
static bool stamped_order(struct kho_in *in, uint64_t pfn, unsigned int *order)
{
	struct kho_page *page = pfn_page(in, pfn);
	union kho_page_info info;

	if (!page)
		return false;
	info.page_private = page->private;
	/*
	 * Only the first page of a block is stamped: a tail page, a page never
	 * preserved and a block already restored all fail here.
	 */
	if (info.magic != KHO_PAGE_MAGIC || info.order >= in->geo.order0_bit)
		return false;
	/* The stamp sits at the block's start, so @pfn is aligned to it. */
	if (pfn & ((1ULL << info.order) - 1))
		return false;
	*order = info.order;
	return true;
}

/**
 * in_block_stamped() - is (pfn, order) a preserved block not restored yet
 * @in: incoming handover
 * @pfn: first page frame
 * @order: expected order
 *
 * Return: true when the first page carries that stamp.
 */
bool in_block_stamped(struct kho_in *in, uint64_t pfn, unsigned int order)
{
	uint64_t i, nr_pages = 1ULL << order;
	unsigned int stamped;

	if (!stamped_order(in, pfn, &stamped) || stamped != order)
		return false;
	/*
	 * The walk checked the first and the last page, and the tree check
	 * the caller's RAM layout; a block may still span a hole of the
	 * memmap that layout does not show. Every restore touches every page
	 * anyway: make sure each has a struct page before one is.
	 */
	for (i = 1; i + 1 < nr_pages; i++) {
		if (!pfn_page(in, pfn + i))
			return false;
	}
	return true;
}

/**
 * in_restore_block() - hand a stamped block to its owner
 * @in: incoming handover
 * @pfn: first page frame, stamped with @order
 * @order: the block's order
 * @is_folio: a folio (head refcount 1, tails 0) or pages (each 1)
 *
 * Clears the stamp, so a second restore fails.
 * Return: the first page, or NULL when the block is not stamped so.
 */
struct kho_page *in_restore_block(struct kho_in *in, uint64_t pfn,
				  unsigned int order, bool is_folio)
{
	struct kho_page *head = pfn_page(in, pfn);
	uint64_t i, nr_pages = 1ULL << order;

	if (!in_block_stamped(in, pfn, order))
		return NULL;
	head->private = 0;
	head->refcount = 1;
	for (i = 1; i < nr_pages; i++)
		pfn_page(in, pfn + i)->refcount = is_folio ? 0 : 1;
	return head;
}

/**
 * in_unrestore_block() - undo in_restore_block()
 * @in: incoming handover
 * @pfn: first page frame
 * @order: the block's order
 *
 * Used when a restore of several blocks fails half-way: the blocks it took
 * are stamped again, as the walk left them.
 */
void in_unrestore_block(struct kho_in *in, uint64_t pfn, unsigned int order)
{
	uint64_t i, nr_pages = 1ULL << order;

	for (i = 0; i < nr_pages; i++)
		pfn_page(in, pfn + i)->refcount = 0;
	pfn_page(in, pfn)->private = stamp_of(order);
}

struct kho_page *kho_restore_folio(struct kho_in *in, uint64_t phys)
{
	uint64_t pfn;
	unsigned int order;

	if (!in_may_restore(in) || !kho_page_aligned(&in->geo, phys))
		return NULL;
	pfn = kho_phys_to_pfn(&in->geo, phys);
	if (!stamped_order(in, pfn, &order))
		return NULL;
	return in_restore_block(in, pfn, order, true);
}

struct kho_page *kho_restore_pages(struct kho_in *in, uint64_t phys,
				   uint64_t nr_pages)
{
	const struct kho_geometry *geo = &in->geo;
	uint64_t start, end, pfn;
	unsigned int order;

	if (!in_may_restore(in) || !kho_page_aligned(geo, phys) || !nr_pages)
		return NULL;
	start = kho_phys_to_pfn(geo, phys);
	end = start + nr_pages;
	if (end < start)
		return NULL;
	/*
	 * The blocks as stamped, which must tile the range exactly. Not the
	 * split recomputed: Linux's kho_preserve_pages() splits smaller where
	 * a NUMA node ends (kexec_handover.c:1192-1193), and its kernel B,
	 * stepping by min(ctz, ilog2) (:576-582), then leaves the smaller
	 * blocks past the first unrestored. Every block is looked at first, so
	 * that a range with one block missing restores nothing (Linux's keeps
	 * the blocks before the missing one).
	 */
	for (pfn = start; pfn < end; pfn += 1ULL << order) {
		if (!stamped_order(in, pfn, &order) ||
		    end - pfn < 1ULL << order ||
		    !in_block_stamped(in, pfn, order))
			return NULL;
	}
	for (pfn = start; pfn < end; pfn += 1ULL << order) {
		stamped_order(in, pfn, &order);
		in_restore_block(in, pfn, order, false);
	}
	return pfn_page(in, start);
}

int kho_restore_free(struct kho_in *in, void *mem)
{
	uint64_t phys, pfn;
	unsigned int order;

	if (!in_may_restore(in))
		return -EPERM;
	if (!mem)
		return 0;
	phys = in->ops.mem.virt_to_phys(in->ops.mem.ctx, mem);
	pfn = kho_phys_to_pfn(&in->geo, phys);
	if (!kho_page_aligned(&in->geo, phys) ||
	    !stamped_order(in, pfn, &order))
		return -EINVAL;
	in_restore_block(in, pfn, order, true);
	in->ops.free_pages(in->ops.mem.ctx, mem, order);
	return 0;
}

/* ---- subtrees ------------------------------------------------------------ */

int kho_retrieve_subtree(struct kho_in *in, const char *name, uint64_t *phys,
			 uint64_t *size)
{
	uint64_t blob_size;
	int off, ret;

	if (!in || !in->revive || !in->fdt)
		return -ENOENT;
	if (KHO_WARN_ON(!name || !phys))
		return -EINVAL;
	off = fdt_subnode_offset(in->fdt, KHO_FDT_ROOT_OFFSET, name);
	if (off < 0)
		return -ENOENT;
	ret = root_fdt_subtree_phys(in->fdt, in->abi, off, phys);
	if (ret)
		return ret;
	/* Required where the version has it, asked for or not. */
	ret = root_fdt_subtree_size(in->fdt, in->abi, off, &blob_size);
	if (ret)
		return ret;
	if (size)
		*size = blob_size;
	return 0;
}

int kho_for_each_subtree(struct kho_in *in, kho_subtree_cb cb, void *arg)
{
	uint64_t phys, size;
	const char *name;
	int off, ret;

	if (!in || !in->revive || !in->fdt)
		return -ENOENT;
	if (KHO_WARN_ON(!cb))
		return -EINVAL;
	fdt_for_each_subnode(off, in->fdt, KHO_FDT_ROOT_OFFSET)
	{
		/* Never NULL after fdt_check_full(); never pass NULL on. */
		name = fdt_get_name(in->fdt, off, NULL);
		if (!name)
			continue;
		if (root_fdt_subtree_phys(in->fdt, in->abi, off, &phys))
			phys = KHO_ERR_NO_ADDR;
		if (root_fdt_subtree_size(in->fdt, in->abi, off, &size))
			size = 0;
		ret = cb(name, phys, size, arg);
		if (ret)
			return ret;
	}
	return 0;
}

void kho_in_destroy(struct kho_in *in)
{
	if (!in)
		return;
	/* An adopted tree is only forgotten: its pages are the handover's. */
	if (in->tree.root)
		kho_radix_destroy(&in->tree);
	kho_memset(in, 0, sizeof(*in));
	clear_error(&in->err);
}
