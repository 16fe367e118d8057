// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * radix_walk.c - reading a whole tree: blocks in key order, coalesced
 * physical ranges, every node (statistics, destroy).
 *
 * One mechanism serves both block walks: a cursor that yields runs of
 * consecutive set keys. Inside a leaf it skips empty words and turns a run of
 * set bits into one [start, end) without looking at each bit; it descends from
 * the root only to find the next leaf, skipping empty subtrees, and without
 * recursion. Nothing here allocates.
 */
#include <kho/radix.h>

#include "radix_internal.h"

/* Run of consecutive set keys, searched in [key, limit). */
struct radix_cursor {
	struct kho_radix_tree *tree;
	uint64_t key;   /* next key to look at */
	uint64_t limit; /* first key not to look at */
	uint64_t *leaf; /* leaf holding keys [base, base + leaf_keys), or NULL */
	uint64_t base;
};

/*
 * Find the first leaf holding a key in [*@key, @limit); raise *@key to the
 * leaf's first key when the leaf starts above it.
 * Return: 1 found, 0 none, or a negative error from a bad entry.
 */
static int radix_next_leaf(struct kho_radix_tree *tree, uint64_t *key,
			   uint64_t limit, uint64_t **leaf, uint64_t *base)
{
	const struct kho_geometry *geo = &tree->geo;
	const unsigned int entries = 1U << geo->table_bits;
	uint64_t *stack[KHO_TREE_MAX_DEPTH];
	unsigned int level = geo->depth - 1;
	uint64_t k = *key;
	int ret;

	stack[level] = tree->root;
	while (k < limit) {
		unsigned int shift = level_shift(geo, level);
		unsigned int idx = level_index(geo, k, level);
		uint64_t entry = 0, start, span;

		while (idx < entries && !(entry = load_entry(&stack[level][idx])))
			idx++;
		if (!entry) {
			/*
			 * Nothing left under this node: resume after its span,
			 * in the first ancestor that still has keys after it.
			 */
			uint64_t old = k;

			do {
				if (level == geo->depth - 1)
					return 0;
				span = level_shift(geo, level + 1);
				k = ((old >> span) + 1) << span;
				level++;
			} while (level < geo->depth - 1 &&
				 !same_node(geo, old, k, level));
			continue;
		}
		span = shift + geo->table_bits;
		start = (k >> span << span) | (uint64_t)idx << shift;
		if (start > k)
			k = start;
		if (k >= limit)
			return 0;
		ret = radix_map_entry(tree, entry, &stack[level - 1]);
		if (ret)
			return ret;
		if (--level)
			continue;
		*leaf = stack[0];
		*base = k & ~(leaf_keys(geo) - 1);
		*key = k;
		return 1;
	}
	return 0;
}

/* First bit at or after @bit that equals @set, or @nbits. */
static uint64_t find_next(const uint64_t *map, uint64_t nbits, uint64_t bit,
			  bool set)
{
	const uint64_t flip = set ? 0 : ~0ULL;
	uint64_t i = bit >> BITS_PER_WORD_LOG2;
	uint64_t word;

	if (bit >= nbits)
		return nbits;
	word = (map[i] ^ flip) & (~0ULL << (bit & (BITS_PER_WORD - 1)));
	while (!word) {
		const uint64_t nwords = nbits >> BITS_PER_WORD_LOG2;

		/* Dense or empty stretches: four words a turn, no branch each. */
		for (i++; i + 4 <= nwords; i += 4)
			if ((map[i] ^ flip) | (map[i + 1] ^ flip) |
			    (map[i + 2] ^ flip) | (map[i + 3] ^ flip))
				break;
		for (; i < nwords && !(map[i] ^ flip); i++)
			;
		if (i == nwords)
			return nbits;
		word = map[i] ^ flip;
	}
	return (i << BITS_PER_WORD_LOG2) + __builtin_ctzll(word);
}

static void cursor_init(struct radix_cursor *c, struct kho_radix_tree *tree,
			uint64_t key, uint64_t limit)
{
	c->tree = tree;
	c->key = key;
	c->limit = limit;
	c->leaf = NULL;
	c->base = 0;
}

/* Make c->leaf the first leaf at or after c->key. Return: 1, 0 none, error. */
static int cursor_leaf(struct radix_cursor *c)
{
	uint64_t nkeys = leaf_keys(&c->tree->geo);

	if (c->leaf && c->key < c->base + nkeys) {
		if (c->key < c->base)
			c->key = c->base;
		return 1;
	}
	c->leaf = NULL;
	return radix_next_leaf(c->tree, &c->key, c->limit, &c->leaf, &c->base);
}

/*
 * Next run of set keys [*@start, *@end) at or after c->key, clipped to the
 * limit; runs continue across leaf boundaries.
 * Return: 1, 0 when there is none, or a negative error.
 */
static int cursor_next_run(struct radix_cursor *c, uint64_t *start,
			   uint64_t *end)
{
	const uint64_t nkeys = leaf_keys(&c->tree->geo);
	uint64_t bit, next_base, w, word, clear;
	int ret;

	/*
	 * Fast path, the common case of scattered blocks: the next run starts
	 * and ends in the word the last one ended in.
	 */
	bit = c->key - c->base;
	if (c->leaf && bit < nkeys) {
		w = bit >> BITS_PER_WORD_LOG2;
		word = c->leaf[w] & ~0ULL << (bit & (BITS_PER_WORD - 1));
		clear = word ? ~c->leaf[w] & ~0ULL << __builtin_ctzll(word) : 0;
		if (clear) {
			w = c->base + (w << BITS_PER_WORD_LOG2);
			*start = w + __builtin_ctzll(word);
			*end = w + __builtin_ctzll(clear);
			if (*start >= c->limit)
				return 0;
			if (*end > c->limit)
				*end = c->limit;
			c->key = *end;
			return 1;
		}
	}

	for (;;) {
		if (c->key >= c->limit)
			return 0;
		ret = cursor_leaf(c);
		if (ret <= 0)
			return ret;
		bit = find_next(c->leaf, nkeys, c->key - c->base, true);
		if (bit < nkeys)
			break;
		c->key = c->base + nkeys;
	}
	*start = c->base + bit;
	if (*start >= c->limit)
		return 0;

	for (;;) {
		bit = find_next(c->leaf, nkeys, bit, false);
		if (bit < nkeys) {
			*end = c->base + bit;
			break;
		}
		/* The run reaches the end of the leaf: does the next one go on? */
		next_base = c->base + nkeys;
		*end = next_base;
		c->key = next_base;
		if (next_base >= c->limit)
			break;
		ret = cursor_leaf(c);
		if (ret < 0)
			return ret;
		if (!ret || c->base != next_base || !(c->leaf[0] & 1))
			break;
		bit = 0;
	}
	if (*end > c->limit)
		*end = c->limit;
	c->key = *end;
	return 1;
}

/**
 * kho_radix_walk() - visit every preserved block
 * @tree: tree
 * @cb: called with each block's address and order, ascending key order
 * @arg: passed to @cb
 *
 * Context: holds the tree lock throughout; @cb must not call into @tree.
 * Return: 0, @cb's first non-zero return, or -EFAULT/-EINVAL for an entry
 * that is not mapped or misaligned.
 */
int kho_radix_walk(struct kho_radix_tree *tree, kho_radix_walk_cb cb, void *arg)
{
	const struct kho_geometry *geo = &tree->geo;
	struct radix_cursor c;
	uint64_t start, end, key, phys;
	unsigned int order;
	int ret;

	kho_lock_acquire(&tree->lock);
	/* Key 0 carries no order bit: it is never a block. */
	cursor_init(&c, tree, 1, 1ULL << geo->key_width);
	while ((ret = cursor_next_run(&c, &start, &end)) > 0) {
		for (key = start; key < end; key++) {
			phys = kho_key_decode(geo, key, &order);
			ret = cb(phys, order, arg);
			if (ret)
				goto out;
		}
	}
out:
	kho_lock_release(&tree->lock);
	return ret;
}

/* One order's blocks as ascending physical runs. */
struct order_stream {
	struct radix_cursor c;
	unsigned int order;
	uint64_t first_key; /* key of the block at physical address 0 */
	uint64_t start, end; /* the current run, physical */
};

/* Advance @s to its next run. Return: 1, 0 at the end, or an error. */
static int stream_next(struct order_stream *s, const struct kho_geometry *geo)
{
	unsigned int shift = geo->page_shift + s->order;
	uint64_t kstart, kend;
	int ret;

	ret = cursor_next_run(&s->c, &kstart, &kend);
	if (ret <= 0)
		return ret;
	s->start = (kstart - s->first_key) << shift;
	s->end = (kend - s->first_key) << shift;
	return 1;
}

int radix_merge_ranges(struct kho_radix_tree *tree, kho_radix_range_cb cb,
		       void *arg, uint64_t *overlap)
{
	const struct kho_geometry *geo = &tree->geo;
	struct order_stream streams[KHO_MAX_ORDERS];
	unsigned int nr = 0, i, pick, order;
	uint64_t cur_start = 0, cur_end = 0;
	bool have = false;
	int ret = 0;

	/*
	 * Blocks end below 2^64 (see block_key()), so an order's last key, the
	 * block ending at 2^64, is left out; that also keeps ends representable.
	 */
	for (order = 0; order < geo->order0_bit; order++) {
		struct order_stream *s = &streams[nr];

		s->order = order;
		s->first_key = 1ULL << (geo->order0_bit - order);
		cursor_init(&s->c, tree, s->first_key, 2 * s->first_key - 1);
		ret = stream_next(s, geo);
		if (ret < 0)
			return ret;
		nr += ret;
	}

	while (nr) {
		pick = 0;
		for (i = 1; i < nr; i++)
			if (streams[i].start < streams[pick].start)
				pick = i;

		if (have && streams[pick].start < cur_end && overlap) {
			/* Within an order runs never overlap: two orders do. */
			*overlap = streams[pick].start;
			return -EEXIST;
		}
		if (have && streams[pick].start <= cur_end) {
			if (streams[pick].end > cur_end)
				cur_end = streams[pick].end;
		} else {
			if (have) {
				ret = cb(cur_start, cur_end, arg);
				if (ret)
					return ret;
			}
			cur_start = streams[pick].start;
			cur_end = streams[pick].end;
			have = true;
		}

		ret = stream_next(&streams[pick], geo);
		if (ret < 0)
			return ret;
		if (!ret)
			streams[pick] = streams[--nr];
	}
	return have ? cb(cur_start, cur_end, arg) : 0;
}

/**
 * kho_radix_walk_ranges() - preserved memory as coalesced physical ranges
 * @tree: tree
 * @cb: called with each maximal [start, end), ascending address
 * @arg: passed to @cb
 *
 * Each order's keys are one contiguous key range in ascending address order,
 * so the ranges are a merge of one stream per order present.
 * Context: holds the tree lock throughout; @cb must not call into @tree.
 * Return: as kho_radix_walk().
 */
int kho_radix_walk_ranges(struct kho_radix_tree *tree, kho_radix_range_cb cb,
			  void *arg)
{
	int ret;

	kho_lock_acquire(&tree->lock);
	ret = radix_merge_ranges(tree, cb, arg, NULL);
	kho_lock_release(&tree->lock);
	return ret;
}

int radix_for_each_node(struct kho_radix_tree *tree, radix_node_fn fn,
			void *arg)
{
	const struct kho_geometry *geo = &tree->geo;
	const unsigned int entries = 1U << geo->table_bits;
	const unsigned int top = geo->depth - 1;
	uint64_t *stack[KHO_TREE_MAX_DEPTH];
	unsigned int next[KHO_TREE_MAX_DEPTH];
	uint64_t base[KHO_TREE_MAX_DEPTH];
	unsigned int level = top, idx;
	uint64_t entry;
	int ret;

	stack[top] = tree->root;
	next[top] = 0;
	base[top] = 0;
	for (;;) {
		if (!level || next[level] == entries) {
			ret = fn(tree, level, stack[level], base[level], arg);
			if (ret || level == top)
				return ret;
			level++;
			continue;
		}
		idx = next[level]++;
		entry = load_entry(&stack[level][idx]);
		if (!entry)
			continue;
		ret = radix_map_entry(tree, entry, &stack[level - 1]);
		if (ret)
			return ret;
		base[level - 1] =
			base[level] | (uint64_t)idx << level_shift(geo, level);
		next[level - 1] = 0;
		level--;
	}
}

/* Add a leaf's blocks to the per-order counts. */
static void count_leaf(const struct kho_geometry *geo, const uint64_t *leaf,
		       uint64_t base, struct kho_radix_stats *st)
{
	uint64_t w, word, key;
	unsigned int order;

	for (w = 0; w < node_words(geo); w++) {
		word = leaf[w];
		key = base + (w << BITS_PER_WORD_LOG2);
		/* Past the first 64 keys, a word's keys share one order. */
		if (word && key >= BITS_PER_WORD) {
			kho_key_decode(geo, key, &order);
			st->blocks[order] += __builtin_popcountll(word);
			continue;
		}
		for (; word; word &= word - 1) {
			uint64_t k = key + __builtin_ctzll(word);

			if (k)
				st->blocks[geo->order0_bit -
					   (63 - __builtin_clzll(k))]++;
		}
	}
}

static int count_node(struct kho_radix_tree *tree, unsigned int level,
		      uint64_t *node, uint64_t base, void *arg)
{
	struct kho_radix_stats *st = arg;

	st->nodes[level]++;
	st->nr_nodes++;
	/* A leaf beyond the key width is unreachable by a valid key. */
	if (!level && !(base >> tree->geo.key_width))
		count_leaf(&tree->geo, node, base, st);
	return 0;
}

/**
 * kho_radix_get_stats() - count nodes per level and blocks per order
 * @tree: tree
 * @stats: filled in
 *
 * Context: takes the tree lock.
 * Return: 0, or -EFAULT/-EINVAL as kho_radix_walk().
 */
int kho_radix_get_stats(struct kho_radix_tree *tree,
			struct kho_radix_stats *stats)
{
	unsigned int order;
	int ret;

	__builtin_memset(stats, 0, sizeof(*stats));
	kho_lock_acquire(&tree->lock);
	ret = radix_for_each_node(tree, count_node, stats);
	kho_lock_release(&tree->lock);

	stats->bytes = stats->nr_nodes << tree->geo.page_shift;
	for (order = 0; order < KHO_MAX_ORDERS; order++) {
		stats->nr_blocks += stats->blocks[order];
		/* A block of order0_bit would be the whole 2^64 bytes. */
		if (order < tree->geo.order0_bit)
			stats->preserved_bytes += stats->blocks[order]
						  << (tree->geo.page_shift + order);
	}
	return ret;
}
