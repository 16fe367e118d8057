// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * radix.c - the KHO radix tree: create, adopt, add, delete, test, destroy.
 * The format is drawn in <kho/abi.h>, the invariants in <kho/radix.h>; the
 * walks are in radix_walk.c.
 *
 * Descents start at the finger: tree->finger_node[] holds the path of the
 * last key looked up, so a key that shares the leaf (or any lower node) with
 * it skips the levels above. Any node freed invalidates the finger.
 */
#include <kho/radix.h>
#include <kho/version.h>

#include "radix_internal.h"

/* Blocks of one range split: orders rise then fall, so at most this many. */
#define RANGE_MAX_BLOCKS (2 * KHO_MAX_ORDERS)
#define RANGE_MASK_WORDS ((RANGE_MAX_BLOCKS + BITS_PER_WORD - 1) / BITS_PER_WORD)

static bool geometry_valid(const struct kho_geometry *geo)
{
	struct kho_geometry ref;

	if (kho_geometry_init(&ref, geo->page_shift))
		return false;
	/* kho-v2's 16 KiB-page tree: fewer levels, narrower keys. */
	if (kho_geometry_truncates_order0(geo) &&
	    kho_geometry_init_abi(&ref, geo->page_shift,
				  kho_abi_get(KHO_ABI_V2)))
		return false;
	return ref.order0_bit == geo->order0_bit &&
	       ref.table_bits == geo->table_bits &&
	       ref.bitmap_bits == geo->bitmap_bits &&
	       ref.depth == geo->depth && ref.key_width == geo->key_width;
}

/*
 * The key of block (@pfn, @order). A block must end below 2^64 so that
 * [start, end) ranges of it are representable: pfn + 2^order < 2^order0_bit.
 */
static int block_key_error(const struct kho_geometry *geo, uint64_t pfn,
			   unsigned int order)
{
	if (order >= geo->order0_bit)
		return -ERANGE;
	if (KHO_WARN_ON(pfn & ((1ULL << order) - 1)))
		return -EINVAL;
	return -ERANGE;
}

static inline int block_key(const struct kho_geometry *geo, uint64_t pfn,
			    unsigned int order, uint64_t *key)
{
	/* The key's order bit: order0_bit - order, at most key_width - 1. */
	unsigned int order_bit = geo->order0_bit - order;
	uint64_t top, idx;

	/*
	 * Two tests for every bad case on the hot path, three variable
	 * shifts; block_key_error() says which case it was. The first: order
	 * at or above order0_bit (order_bit is then 0 or wraps, and
	 * order_bit - 1 is at least key_width - 1), or a key wider than the
	 * tree, where it drops order bits (kho-v2, 16 KiB pages).
	 */
	if (__builtin_expect(order_bit - 1 >= geo->key_width - 1, 0))
		return block_key_error(geo, pfn, order);
	/*
	 * The second: @pfn misaligned, or the block not ending below
	 * 2^order0_bit. An aligned block ends below it exactly when its index
	 * is below 2^order_bit - 1, a limit that cannot wrap.
	 */
	idx = pfn >> order;
	top = 1ULL << order_bit;
	if (__builtin_expect(idx << order != pfn || idx >= top - 1, 0))
		return block_key_error(geo, pfn, order);
	*key = top | idx;
	return 0;
}

int radix_map_entry(const struct kho_radix_tree *tree, uint64_t entry,
		    uint64_t **node)
{
	if (entry & (page_size(&tree->geo) - 1))
		return -EINVAL;
	*node = tree->ops.phys_to_virt(tree->ops.ctx, entry);
	return *node ? 0 : -EFAULT;
}

static void finger_reset(struct kho_radix_tree *tree)
{
	tree->finger_key = KHO_RADIX_NO_FINGER;
	tree->finger_node[tree->geo.depth - 1] = tree->root;
}

static void tree_setup(struct kho_radix_tree *tree,
		       const struct kho_geometry *geo,
		       const struct kho_mem_ops *ops)
{
	unsigned int level, bit;

	tree->geo = *geo;
	tree->ops = *ops;
	for (level = 0; level < geo->depth; level++)
		tree->index_shift[level] = level_shift(geo, level);
	/* Keys differing first in @bit share the nodes whose span covers it. */
	for (bit = 0; bit < 64; bit++) {
		level = bit < geo->bitmap_bits ?
				0 :
				(bit - geo->bitmap_bits) / geo->table_bits + 1;
		tree->start_level[bit] =
			level < geo->depth - 1 ? level : geo->depth - 1;
	}
	kho_lock_init(&tree->lock);
}

/**
 * kho_radix_init() - a new, empty tree
 * @tree: caller-allocated
 * @geo: geometry (copied)
 * @ops: memory operations (copied)
 *
 * Return: 0, -EINVAL for a bad geometry or missing op, -ENOMEM.
 */
int kho_radix_init(struct kho_radix_tree *tree, const struct kho_geometry *geo,
		   const struct kho_mem_ops *ops)
{
	if (KHO_WARN_ON(!geometry_valid(geo)) ||
	    KHO_WARN_ON(!ops->alloc_page || !ops->free_page ||
			!ops->virt_to_phys || !ops->phys_to_virt))
		return -EINVAL;

	tree_setup(tree, geo, ops);
	tree->root = ops->alloc_page(ops->ctx);
	if (!tree->root) {
		kho_lock_destroy(&tree->lock);
		return -ENOMEM;
	}
	__builtin_memset(tree->root, 0, page_size(geo));
	tree->root_phys = ops->virt_to_phys(ops->ctx, tree->root);
	tree->attached = false;
	finger_reset(tree);
	return 0;
}

/**
 * kho_radix_attach() - adopt a tree someone else built
 * @tree: caller-allocated
 * @geo: geometry (copied)
 * @ops: memory operations (copied); only phys_to_virt is needed
 * @root_phys: physical address of the root
 *
 * Return: 0, -EINVAL (bad geometry, root 0 or misaligned), -EFAULT (root not
 * mapped).
 */
int kho_radix_attach(struct kho_radix_tree *tree, const struct kho_geometry *geo,
		     const struct kho_mem_ops *ops, uint64_t root_phys)
{
	int ret;

	if (KHO_WARN_ON(!geometry_valid(geo)) || KHO_WARN_ON(!ops->phys_to_virt))
		return -EINVAL;
	if (!root_phys)
		return -EINVAL;

	tree_setup(tree, geo, ops);
	ret = radix_map_entry(tree, root_phys, &tree->root);
	if (ret) {
		kho_lock_destroy(&tree->lock);
		return ret;
	}
	tree->root_phys = root_phys;
	tree->attached = true;
	finger_reset(tree);
	return 0;
}

/**
 * kho_radix_root_phys() - physical address of the tree's root
 * @tree: tree
 *
 * Return: what the root FDT's preserved-memory-map property carries.
 */
uint64_t kho_radix_root_phys(const struct kho_radix_tree *tree)
{
	return tree->root_phys;
}

static int free_node(struct kho_radix_tree *tree, unsigned int level,
		     uint64_t *node, uint64_t base, void *arg)
{
	tree->ops.free_page(tree->ops.ctx, node);
	return 0;
}

/**
 * kho_radix_destroy() - free every node of a tree
 * @tree: tree; an attached tree is only forgotten; destroyed already: no-op
 */
void kho_radix_destroy(struct kho_radix_tree *tree)
{
	/* Destroyed already: nothing is left to free. */
	if (!tree->root)
		return;
	if (!tree->attached)
		radix_for_each_node(tree, free_node, NULL);
	kho_lock_destroy(&tree->lock);
	tree->root = NULL;
	tree->root_phys = 0;
	tree->finger_key = KHO_RADIX_NO_FINGER;
}

/*
 * Fill tree->finger_node[] with the path to @key's leaf, starting at the
 * lowest node shared with the last descent. With @create, a missing node is
 * allocated, zeroed, then linked by a release store, so a reader never sees
 * a node with stale contents. On failure every node this call linked is
 * unlinked (the topmost one suffices) and freed: the tree is as before.
 */
static int radix_descend_slow(struct kho_radix_tree *tree, uint64_t key,
			      bool create)
{
	const struct kho_geometry *geo = &tree->geo;
	const uint64_t index_mask = (1ULL << geo->table_bits) - 1;
	uint64_t **path = tree->finger_node;
	/*
	 * An attached tree belongs to someone else, who may free its nodes at
	 * any time: it keeps no finger (KHO_RADIX_NO_FINGER, set below), so
	 * every descent of it starts at the root.
	 */
	uint64_t diff = key ^ tree->finger_key;
	unsigned int first_new = 0; /* level whose entry this call set, 0: none */
	unsigned int level, l;
	int ret;

	if (!(diff >> geo->bitmap_bits))
		return 0;
	/*
	 * Start at the lowest node the two keys share. Without a finger (all
	 * ones) the difference reaches above every level: that is the root.
	 */
	level = tree->start_level[63 - __builtin_clzll(diff)];

	for (; level; level--) {
		uint64_t *slot =
			&path[level][(key >> tree->index_shift[level]) & index_mask];
		uint64_t entry = load_entry(slot);
		uint64_t *child;

		if (entry) {
			ret = radix_map_entry(tree, entry, &child);
			if (ret)
				goto fail;
		} else if (!create) {
			ret = -ENOENT;
			goto fail;
		} else {
			child = tree->ops.alloc_page(tree->ops.ctx);
			if (!child) {
				ret = -ENOMEM;
				goto fail;
			}
			__builtin_memset(child, 0, page_size(geo));
			store_word(slot, tree->ops.virt_to_phys(tree->ops.ctx,
								child));
			if (!first_new)
				first_new = level;
		}
		path[level - 1] = child;
	}
	if (!tree->attached)
		tree->finger_key = key;
	return 0;

fail:
	if (first_new) {
		store_word(&path[first_new][level_index(geo, key, first_new)], 0);
		for (l = level; l < first_new; l++)
			tree->ops.free_page(tree->ops.ctx, path[l]);
	}
	finger_reset(tree);
	return ret;
}

static inline int radix_descend(struct kho_radix_tree *tree, uint64_t key,
				bool create)
{
	const struct kho_geometry *geo = &tree->geo;
	uint64_t **path = tree->finger_node;
	uint64_t diff = key ^ tree->finger_key;
	uint64_t entry, *leaf;

	/*
	 * The common case: the same leaf as last time. An attached tree has
	 * no finger, so neither this test nor the next holds for it.
	 */
	if (!(diff >> geo->bitmap_bits))
		return 0;
	/*
	 * Next: another leaf under the finger's level-1 table, as scattered
	 * blocks within 2^(bitmap_bits + table_bits) keys are. One entry to
	 * read, without the slow path's lookup of where to start and its
	 * loop: these loads are the chain a random add waits on.
	 */
	if (!(diff >> (geo->bitmap_bits + geo->table_bits))) {
		entry = load_entry(&path[1][level_index(geo, key, 1)]);
		if (entry && !radix_map_entry(tree, entry, &leaf)) {
			path[0] = leaf;
			tree->finger_key = key;
			return 0;
		}
	}
	return radix_descend_slow(tree, key, create);
}

static bool node_is_empty(const struct kho_geometry *geo, const uint64_t *node)
{
	uint64_t i;

	for (i = 0; i < node_words(geo); i++)
		if (node[i])
			return false;
	return true;
}

/* Free the nodes on @key's path (in the finger) that its delete emptied. */
static void radix_reclaim(struct kho_radix_tree *tree, uint64_t key)
{
	const struct kho_geometry *geo = &tree->geo;
	uint64_t **path = tree->finger_node;
	unsigned int level;

	for (level = 0; level < geo->depth - 1; level++) {
		uint64_t *node = path[level];

		if (!node_is_empty(geo, node))
			break;
		/* Unlink before freeing: a reader never follows a freed page. */
		store_word(&path[level + 1][level_index(geo, key, level + 1)], 0);
		tree->ops.free_page(tree->ops.ctx, node);
		finger_reset(tree);
	}
}

static uint64_t *leaf_word(const struct kho_radix_tree *tree, uint64_t key)
{
	uint64_t bit = key & (leaf_keys(&tree->geo) - 1);

	return &tree->finger_node[0][bit >> BITS_PER_WORD_LOG2];
}

static uint64_t key_mask(uint64_t key)
{
	return 1ULL << (key & (BITS_PER_WORD - 1));
}

/* Set @key's bit; *@added tells whether it was clear. Lock held. */
static int radix_add_locked(struct kho_radix_tree *tree, uint64_t key,
			    bool *added)
{
	uint64_t *word, old;
	int ret;

	ret = radix_descend(tree, key, true);
	if (ret)
		return ret;
	word = leaf_word(tree, key);
	old = *word;
	*added = !(old & key_mask(key));
	if (*added)
		store_word(word, old | key_mask(key));
	return 0;
}

/* Clear @key's bit and reclaim what it emptied. Lock held. */
static int radix_del_locked(struct kho_radix_tree *tree, uint64_t key)
{
	uint64_t *word, old;
	int ret;

	ret = radix_descend(tree, key, false);
	if (ret)
		return ret;
	word = leaf_word(tree, key);
	old = *word;
	if (!(old & key_mask(key)))
		return -ENOENT;
	store_word(word, old & ~key_mask(key));
	if (!(old & ~key_mask(key)))
		radix_reclaim(tree, key);
	return 0;
}

bool radix_test_locked(struct kho_radix_tree *tree, uint64_t key)
{
	if (radix_descend(tree, key, false))
		return false;
	return *leaf_word(tree, key) & key_mask(key);
}

static int radix_add_key(struct kho_radix_tree *tree, uint64_t key)
{
	bool added;

	return radix_add_locked(tree, key, &added);
}

/* Check a block and an owned tree, then run @op on its key under the lock. */
static inline __attribute__((always_inline)) int
block_op(struct kho_radix_tree *tree, uint64_t pfn, unsigned int order,
	 int (*op)(struct kho_radix_tree *tree, uint64_t key))
{
	uint64_t key;
	int ret;

	ret = block_key(&tree->geo, pfn, order, &key);
	if (ret)
		return ret;
	if (tree->attached)
		return -EPERM;

	radix_lock(tree);
	ret = op(tree, key);
	radix_unlock(tree);
	return ret;
}

/**
 * kho_radix_add_page() - record a block as preserved
 * @tree: tree
 * @pfn: first page frame, aligned to 2^@order
 * @order: log2 of the block's pages
 *
 * Return: 0, -EINVAL, -ERANGE, -ENOMEM, -EPERM (see <kho/radix.h>).
 */
int kho_radix_add_page(struct kho_radix_tree *tree, uint64_t pfn,
		       unsigned int order)
{
	uint64_t key, *word, mask;
	int ret;

	ret = block_key(&tree->geo, pfn, order, &key);
	if (ret)
		return ret;
	if (tree->attached)
		return -EPERM;

	radix_lock(tree);
	ret = radix_descend(tree, key, true);
	if (!ret) {
		word = leaf_word(tree, key);
		mask = key_mask(key);
		if (!(*word & mask))
			store_word(word, *word | mask);
	}
	radix_unlock(tree);
	return ret;
}

/**
 * kho_radix_del_page() - forget a preserved block
 * @tree: tree
 * @pfn: first page frame
 * @order: its order, as added
 *
 * Return: 0, -ENOENT, -EINVAL, -ERANGE, -EPERM (see <kho/radix.h>).
 */
int kho_radix_del_page(struct kho_radix_tree *tree, uint64_t pfn,
		       unsigned int order)
{
	return block_op(tree, pfn, order, radix_del_locked);
}

/**
 * kho_radix_test_page() - is a block preserved
 * @tree: tree
 * @pfn: first page frame
 * @order: order
 *
 * Return: true when exactly this block is present.
 */
bool kho_radix_test_page(struct kho_radix_tree *tree, uint64_t pfn,
			 unsigned int order)
{
	uint64_t key;
	bool present;

	if (block_key(&tree->geo, pfn, order, &key))
		return false;

	radix_lock(tree);
	present = radix_test_locked(tree, key);
	radix_unlock(tree);
	return present;
}

/* A raw key of the kernel's key API: at most key_width bits, any value. */
static inline __attribute__((always_inline)) int
raw_key_op(struct kho_radix_tree *tree, uint64_t key,
	   int (*op)(struct kho_radix_tree *tree, uint64_t key))
{
	int ret;

	if (key >> tree->geo.key_width)
		return -ERANGE;
	if (tree->attached)
		return -EPERM;

	radix_lock(tree);
	ret = op(tree, key);
	radix_unlock(tree);
	return ret;
}

/**
 * kho_radix_add_key() - set a key, the kernel's kho_radix_add_key()
 * @tree: tree
 * @key: any key of at most geo.key_width bits (key 0 included)
 *
 * Return: 0, -ERANGE, -ENOMEM, -EPERM (see <kho/radix.h>).
 */
int kho_radix_add_key(struct kho_radix_tree *tree, uint64_t key)
{
	return raw_key_op(tree, key, radix_add_key);
}

/**
 * kho_radix_del_key() - clear a key, the kernel's kho_radix_del_key()
 * @tree: tree
 * @key: a key, as added
 *
 * Return: 0, -ENOENT, -ERANGE, -EPERM (see <kho/radix.h>).
 */
int kho_radix_del_key(struct kho_radix_tree *tree, uint64_t key)
{
	return raw_key_op(tree, key, radix_del_locked);
}

/* Check a page run and give the frame after it. */
static int range_end(const struct kho_geometry *geo, uint64_t pfn,
		     uint64_t nr_pages, uint64_t *end)
{
	if (KHO_WARN_ON(!nr_pages))
		return -EINVAL;
	*end = pfn + nr_pages;
	/* The last block must end below 2^64, as for a single block. */
	if (*end < pfn || *end >> geo->order0_bit)
		return -ERANGE;
	/*
	 * An odd end splits off an order-0 block, which kho-v2's 16 KiB-page
	 * tree has no place for (block_key() refuses one the same way).
	 */
	if (kho_geometry_truncates_order0(geo) && (pfn | *end) & 1)
		return -ERANGE;
	return 0;
}

/* Key of the next block of the split of [*pfn, end); advances *pfn. */
static uint64_t range_next_key(const struct kho_geometry *geo, uint64_t *pfn,
			       uint64_t end)
{
	unsigned int order = kho_range_block_order(*pfn, end);
	uint64_t key = 1ULL << (geo->order0_bit - order) | *pfn >> order;

	*pfn += 1ULL << order;
	return key;
}

/**
 * kho_radix_add_range() - preserve a run of pages
 * @tree: tree
 * @pfn: first page frame
 * @nr_pages: pages
 *
 * Return: 0, -EINVAL, -ERANGE, -ENOMEM, -EPERM (see <kho/radix.h>).
 */
int kho_radix_add_range(struct kho_radix_tree *tree, uint64_t pfn,
			uint64_t nr_pages)
{
	const struct kho_geometry *geo = &tree->geo;
	uint64_t added_mask[RANGE_MASK_WORDS] = { 0 };
	uint64_t end, p, key;
	unsigned int i, nr_blocks;
	bool added;
	int ret = 0;

	ret = range_end(geo, pfn, nr_pages, &end);
	if (ret)
		return ret;
	if (tree->attached)
		return -EPERM;

	radix_lock(tree);
	for (p = pfn, nr_blocks = 0; p < end; nr_blocks++) {
		key = range_next_key(geo, &p, end);
		ret = radix_add_locked(tree, key, &added);
		if (ret)
			break;
		if (added)
			added_mask[nr_blocks / BITS_PER_WORD] |=
				1ULL << (nr_blocks % BITS_PER_WORD);
	}
	/* Undo: remove what this call added, keep what was there before. */
	for (p = pfn, i = 0; ret && i < nr_blocks; i++) {
		key = range_next_key(geo, &p, end);
		if (added_mask[i / BITS_PER_WORD] & 1ULL << (i % BITS_PER_WORD))
			radix_del_locked(tree, key);
	}
	radix_unlock(tree);
	return ret;
}

/**
 * kho_radix_del_range() - unpreserve a run of pages
 * @tree: tree
 * @pfn: first page frame, as given to kho_radix_add_range()
 * @nr_pages: pages, as given to kho_radix_add_range()
 *
 * Return: 0, -ENOENT, -EINVAL, -ERANGE, -EPERM (see <kho/radix.h>).
 */
int kho_radix_del_range(struct kho_radix_tree *tree, uint64_t pfn,
			uint64_t nr_pages)
{
	const struct kho_geometry *geo = &tree->geo;
	uint64_t end, p;
	int ret;

	ret = range_end(geo, pfn, nr_pages, &end);
	if (ret)
		return ret;
	if (tree->attached)
		return -EPERM;

	radix_lock(tree);
	/* All or nothing: look first, delete only when every block is there. */
	for (p = pfn; p < end;) {
		if (!radix_test_locked(tree, range_next_key(geo, &p, end))) {
			ret = -ENOENT;
			goto out;
		}
	}
	for (p = pfn; p < end;)
		radix_del_locked(tree, range_next_key(geo, &p, end));
out:
	radix_unlock(tree);
	return ret;
}

/* Keys [first, end) of a run of @nr blocks of @order from @pfn. */
static int blocks_keys(const struct kho_geometry *geo, uint64_t pfn,
		       uint64_t nr, unsigned int order, uint64_t *first,
		       uint64_t *end)
{
	uint64_t obase;
	int ret;

	if (KHO_WARN_ON(!nr))
		return -EINVAL;
	ret = block_key(geo, pfn, order, first);
	if (ret)
		return ret;
	/*
	 * Keys of one order lie in [obase, 2 * obase); like a single block,
	 * the run must end before the order's last key, the block at 2^64.
	 */
	obase = 1ULL << (geo->order0_bit - order);
	if (nr > 2 * obase - 1 - *first)
		return -ERANGE;
	*end = *first + nr;
	return 0;
}

/* Check a run on an owned tree and take the lock; on error it is not taken. */
static int blocks_begin(struct kho_radix_tree *tree, uint64_t pfn,
			uint64_t nr, unsigned int order, uint64_t *first,
			uint64_t *end)
{
	int ret;

	ret = blocks_keys(&tree->geo, pfn, nr, order, first, end);
	if (ret)
		return ret;
	if (tree->attached)
		return -EPERM;
	radix_lock(tree);
	return 0;
}

/* First key of the leaf after the one holding @key. */
static uint64_t next_leaf_key(const struct kho_geometry *geo, uint64_t key)
{
	return (key | (leaf_keys(geo) - 1)) + 1;
}

/* Bit after the last one of keys [@key, @end) in @key's leaf. */
static uint64_t leaf_stop(const struct kho_geometry *geo, uint64_t key,
			  uint64_t end)
{
	uint64_t base = key & ~(leaf_keys(geo) - 1);

	return end - base < leaf_keys(geo) ? end - base : leaf_keys(geo);
}

/*
 * Set or clear bits [@from, @to) of one leaf word by word.
 * Return: whether every bit was already in the wanted state (for a check,
 * pass @write false).
 */
static bool leaf_bits(uint64_t *leaf, uint64_t from, uint64_t to, bool set,
		      bool write)
{
	bool all = true;

	while (from < to) {
		unsigned int lo = from & (BITS_PER_WORD - 1);
		uint64_t n = to - from < BITS_PER_WORD - lo ? to - from :
							      BITS_PER_WORD - lo;
		uint64_t mask = (n == BITS_PER_WORD ? ~0ULL : ((1ULL << n) - 1))
				<< lo;
		uint64_t *word = &leaf[from >> BITS_PER_WORD_LOG2];
		uint64_t old = *word;

		all &= set ? (old & mask) == mask : !(old & mask);
		if (write)
			store_word(word, set ? old | mask : old & ~mask);
		from += n;
	}
	return all;
}

/**
 * kho_radix_add_blocks() - record a run of equal blocks in one call
 * @tree: tree
 * @pfn: first page frame of the first block, aligned to 2^@order
 * @nr_blocks: blocks, each 2^@order pages, back to back
 *
 * The batch form of kho_radix_add_page() for memory preserved page by page
 * but contiguous (a file's folios, all of a guest's RAM): one lock, one
 * descent per leaf, 64 blocks per word store. The blocks keep their order;
 * nothing is merged into larger blocks.
 * Context: takes the tree lock; may allocate.
 * Return: 0, -EINVAL, -ERANGE, -ENOMEM, -EPERM; on failure nothing changed.
 */
int kho_radix_add_blocks(struct kho_radix_tree *tree, uint64_t pfn,
			 uint64_t nr_blocks, unsigned int order)
{
	const struct kho_geometry *geo = &tree->geo;
	const uint64_t mask = leaf_keys(geo) - 1;
	uint64_t first, end, k, done;
	int ret;

	ret = blocks_begin(tree, pfn, nr_blocks, order, &first, &end);
	if (ret)
		return ret;
	/* First make every leaf exist, so that setting bits cannot fail. */
	for (k = first; k < end; k = next_leaf_key(geo, k)) {
		ret = radix_descend(tree, k, true);
		if (ret)
			break;
	}
	if (ret) {
		/*
		 * Only nodes made above are empty (no other node is), so
		 * reclaiming the empty ones undoes exactly this call.
		 */
		done = k;
		for (k = first; k < done; k = next_leaf_key(geo, k))
			if (!radix_descend(tree, k, false))
				radix_reclaim(tree, k);
		goto out;
	}
	for (k = first; k < end; k = next_leaf_key(geo, k)) {
		radix_descend(tree, k, false);
		leaf_bits(tree->finger_node[0], k & mask, leaf_stop(geo, k, end),
			  true, true);
	}
out:
	radix_unlock(tree);
	return ret;
}

/**
 * kho_radix_del_blocks() - forget a run of equal blocks in one call
 * @tree: tree
 * @pfn: first page frame of the first block
 * @nr_blocks: blocks, as given to kho_radix_add_blocks()
 * @order: their order
 *
 * All or nothing: when one block is missing nothing is deleted.
 * Context: takes the tree lock.
 * Return: 0, -ENOENT, -EINVAL, -ERANGE, -EPERM.
 */
int kho_radix_del_blocks(struct kho_radix_tree *tree, uint64_t pfn,
			 uint64_t nr_blocks, unsigned int order)
{
	const struct kho_geometry *geo = &tree->geo;
	const uint64_t mask = leaf_keys(geo) - 1;
	uint64_t first, end, k;
	int ret;

	ret = blocks_begin(tree, pfn, nr_blocks, order, &first, &end);
	if (ret)
		return ret;
	for (k = first; k < end; k = next_leaf_key(geo, k)) {
		if (radix_descend(tree, k, false) ||
		    !leaf_bits(tree->finger_node[0], k & mask,
			       leaf_stop(geo, k, end), true, false)) {
			ret = -ENOENT;
			goto out;
		}
	}
	for (k = first; k < end; k = next_leaf_key(geo, k)) {
		radix_descend(tree, k, false);
		leaf_bits(tree->finger_node[0], k & mask, leaf_stop(geo, k, end),
			  false, true);
		radix_reclaim(tree, k);
	}
out:
	radix_unlock(tree);
	return ret;
}
