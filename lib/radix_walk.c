// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * radix_walk.c - reading a whole tree: blocks in key order, coalesced
 * physical ranges, every node (statistics, destroy).
 *
 * Block walks use a cursor that yields runs of consecutive set keys. Inside a
 * leaf it skips empty words and turns a run of set bits into one [start, end)
 * without looking at each bit; between leaves it resumes from the lowest node
 * shared with the last leaf, not from the root, skipping empty subtrees, and
 * without recursion.
 *
 * The range walk first finds which orders are present (one search each). The
 * lowest of them, usually nearly all blocks, is scanned word by word: two
 * count-trailing-zeros per run inside a word, 32 empty or full words tested
 * per turn, and a run that reaches a word's or leaf's end carried on until it
 * ends, so a range is reported once. Every other order is a cursor stream
 * whose runs are folded in by address just before the first run of the
 * lowest order that starts after them. Nothing here allocates.
 */
#include <kho/radix.h>

#include "radix_internal.h"

/*
 * The path to the last leaf found: the next search starts at the lowest node
 * it shares with that leaf instead of the root, so visiting every leaf in
 * order costs about one table entry per leaf.
 */
struct leaf_path {
	uint64_t *node[KHO_TREE_MAX_DEPTH]; /* by level; the root at depth-1 */
	uint64_t key; /* a key under node[0], or KHO_RADIX_NO_FINGER */
};

/* Run of consecutive set keys, searched in [key, limit). */
struct radix_cursor {
	struct kho_radix_tree *tree;
	uint64_t key; /* next key to look at */
	uint64_t limit; /* first key not to look at */
	uint64_t
		*leaf; /* leaf holding keys [base, base + leaf_keys), or NULL */
	uint64_t base;
	struct leaf_path path;
};

static void path_init(struct leaf_path *p, struct kho_radix_tree *tree)
{
	p->node[tree->geo.depth - 1] = tree->root;
	p->key = KHO_RADIX_NO_FINGER;
}

/*
 * Find the first leaf holding a key in [*@key, @limit); raise *@key to the
 * leaf's first key when the leaf starts above it. @path holds the last leaf's
 * path and is updated.
 * Return: 1 found, 0 none, or a negative error from a bad entry.
 */
static int radix_next_leaf(struct kho_radix_tree *tree, struct leaf_path *path,
			   uint64_t *key, uint64_t limit, uint64_t **leaf,
			   uint64_t *base)
{
	const struct kho_geometry *geo = &tree->geo;
	const unsigned int entries = 1U << geo->table_bits;
	uint64_t **stack = path->node;
	uint64_t k = *key, diff = k ^ path->key;
	unsigned int level;
	int ret;

	/* Start in the lowest node shared with the last leaf found. */
	level = diff ? tree->start_level[63 - __builtin_clzll(diff)] : 0;
	if (!level && k < limit) {
		*leaf = stack[0];
		*base = k & ~(leaf_keys(geo) - 1);
		return 1;
	}
	path->key = KHO_RADIX_NO_FINGER;
	while (k < limit) {
		unsigned int shift = level_shift(geo, level);
		unsigned int idx = level_index(geo, k, level);
		uint64_t entry = 0, start, span;

		while (idx < entries &&
		       !(entry = load_entry(&stack[level][idx])))
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
		path->key = k;
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
	path_init(&c->path, tree);
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
	return radix_next_leaf(c->tree, &c->path, &c->key, c->limit, &c->leaf,
			       &c->base);
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

/*
 * Keys of order @order are [first, 2 * first) with first = 2^(order0_bit -
 * order), ascending address. Blocks end below 2^64 (see block_key()), so the
 * order's last key, the block ending at 2^64, is left out; that also keeps
 * ends representable.
 */
static uint64_t order_first_key(const struct kho_geometry *geo,
				unsigned int order)
{
	return 1ULL << (geo->order0_bit - order);
}

/*
 * The orders that have a block, as a mask: one search for the first set key
 * of each order present, in ascending key order (descending order).
 */
static int orders_present(struct kho_radix_tree *tree, uint64_t *mask)
{
	const struct kho_geometry *geo = &tree->geo;
	const uint64_t nkeys = leaf_keys(geo);
	struct radix_cursor c;
	uint64_t bit, first;
	unsigned int order;
	int ret;

	*mask = 0;
	/* Key 0 has no order bit and key 1 is the block of all 2^64 bytes. */
	cursor_init(&c, tree, 2, 1ULL << geo->key_width);
	while (c.key < c.limit) {
		ret = cursor_leaf(&c);
		if (ret <= 0)
			return ret;
		bit = find_next(c.leaf, nkeys, c.key - c.base, true);
		if (bit == nkeys) {
			c.key = c.base + nkeys;
			continue;
		}
		c.key = c.base + bit;
		order = geo->order0_bit - (63 - __builtin_clzll(c.key));
		first = order_first_key(geo, order);
		/* The order's lowest key; its last key alone is left out. */
		if (c.key != 2 * first - 1)
			*mask |= 1ULL << order;
		c.key = 2 * first;
	}
	return 0;
}

/*
 * Coalescing of the runs of every order into maximal ranges. The runs of one
 * order (the primary, scanned word by word) arrive in address order; the
 * other orders' runs come from one stream each and are folded in before the
 * first primary run that starts after them.
 */
struct range_merge {
	struct kho_radix_tree *tree;
	kho_radix_range_cb cb;
	void *arg;
	uint64_t *overlap; /* NULL: overlapping blocks merge silently */
	uint64_t start, end; /* the range being built, when @have */
	bool have;
	struct order_stream *streams; /* the other orders with runs left */
	unsigned int nr;
	uint64_t next; /* lowest start among @streams, UINT64_MAX if none */
};

/* Add run [@start, @end) (ascending starts) to the range being built. */
static inline int merge_add(struct range_merge *m, uint64_t start, uint64_t end)
{
	int ret;

	if (m->have && start <= m->end) {
		if (start < m->end && m->overlap) {
			/* Within an order runs never overlap: two orders do. */
			*m->overlap = start;
			return -EEXIST;
		}
		if (end > m->end)
			m->end = end;
		return 0;
	}
	if (m->have) {
		ret = m->cb(m->start, m->end, m->arg);
		if (ret)
			return ret;
	}
	m->start = start;
	m->end = end;
	m->have = true;
	return 0;
}

static void merge_update_next(struct range_merge *m)
{
	unsigned int i;

	m->next = UINT64_MAX;
	for (i = 0; i < m->nr; i++)
		if (m->streams[i].start < m->next)
			m->next = m->streams[i].start;
}

/* Fold in the other orders' runs that start at or before @addr. */
static int merge_others(struct range_merge *m, uint64_t addr)
{
	const struct kho_geometry *geo = &m->tree->geo;
	unsigned int i, pick;
	int ret;

	while (m->nr && m->next <= addr) {
		for (pick = 0, i = 1; i < m->nr; i++)
			if (m->streams[i].start < m->streams[pick].start)
				pick = i;
		ret = merge_add(m, m->streams[pick].start,
				m->streams[pick].end);
		if (ret)
			return ret;
		ret = stream_next(&m->streams[pick], geo);
		if (ret < 0)
			return ret;
		if (!ret)
			m->streams[pick] = m->streams[--m->nr];
		merge_update_next(m);
	}
	return 0;
}

/* A primary run: the other orders' earlier runs first. */
static inline int merge_run(struct range_merge *m, uint64_t start, uint64_t end)
{
	if (m->next <= start) {
		int ret = merge_others(m, start);

		if (ret)
			return ret;
	}
	return merge_add(m, start, end);
}

/* Count trailing zeros of a non-zero word, as a 64-bit value. */
static inline uint64_t ctz(uint64_t x)
{
	return (unsigned int)__builtin_ctzll(x);
}

/* A vector of two words, for testing many words at once. */
typedef uint64_t radix_v2 __attribute__((vector_size(16)));

#define SKIP_WORDS 32

/* Are the SKIP_WORDS words at @p (16-byte aligned) all @flip? */
static inline bool block_is(const uint64_t *p, uint64_t flip)
{
	const radix_v2 *v = (const radix_v2 *)p;
	radix_v2 o;

	/* Written out: gcc -O2 does not unroll a loop here. */
	if (flip) {
		o = ((v[0] & v[1]) & (v[2] & v[3])) &
		    ((v[4] & v[5]) & (v[6] & v[7]));
		o &= ((v[8] & v[9]) & (v[10] & v[11])) &
		     ((v[12] & v[13]) & (v[14] & v[15]));
		return (o[0] & o[1]) == flip;
	}
	o = ((v[0] | v[1]) | (v[2] | v[3])) | ((v[4] | v[5]) | (v[6] | v[7]));
	o |= ((v[8] | v[9]) | (v[10] | v[11])) |
	     ((v[12] | v[13]) | (v[14] | v[15]));
	return !(o[0] | o[1]);
}

/*
 * First word in [@w, @end) that is not @flip (0: skip empty words, all ones:
 * skip full ones), or @end. SKIP_WORDS words a turn, one vector operation
 * per two words and one test: the walk then runs at the speed of its loads.
 */
static unsigned int skip_words(const uint64_t *leaf, unsigned int w,
			       unsigned int end, uint64_t flip)
{
	const unsigned int from = w;

	/* Aligned vectors fold their loads into the and/or. */
	if ((uintptr_t)leaf & (sizeof(radix_v2) - 1))
		goto tail;
	if (w & 1) {
		if (leaf[w] != flip)
			return w;
		w++;
	}
	for (; w + SKIP_WORDS <= end; w += SKIP_WORDS)
		if (!block_is(&leaf[w], flip))
			goto tail;
	/* The last block, overlapping words already known to be @flip. */
	if (w < end && !(end & 1) && end >= from + SKIP_WORDS &&
	    block_is(&leaf[end - SKIP_WORDS], flip))
		return end;
tail:
	for (; w < end; w++)
		if (leaf[w] != flip)
			return w;
	return end;
}

/*
 * Scan the lowest order's leaves word by word: a run of set bits inside a
 * word costs two count-trailing-zeros;
 * whole empty or full words are skipped SKIP_WORDS at a time; a run open at
 * the end of a word (or leaf) is carried on and reported when it ends. With
 * no other order (@direct) runs never touch, a gap separates them, and each
 * goes straight to the callback; otherwise through merge_run().
 */
static inline __attribute__((always_inline)) int
scan_order(struct range_merge *m, unsigned int order, const bool direct)
{
	struct kho_radix_tree *tree = m->tree;
	const struct kho_geometry *geo = &tree->geo;
	const uint64_t nkeys = leaf_keys(geo);
	const uint64_t first = order_first_key(geo, order);
	const uint64_t limit = 2 * first - 1;
	const unsigned int shift = geo->page_shift + order;
	const kho_radix_range_cb cb = m->cb;
	void *const arg = m->arg;
	struct leaf_path path;
	uint64_t key = first, base, run = 0, open_end = 0;
	uint64_t *leaf;
	bool open = false;
	int ret;

#define EMIT(start, end)                                                       \
	do {                                                                   \
		ret = direct ? cb(start, end, arg) : merge_run(m, start, end); \
		if (ret)                                                       \
			return ret;                                            \
	} while (0)

	path_init(&path, tree);
	while ((ret = radix_next_leaf(tree, &path, &key, limit, &leaf, &base)) >
	       0) {
		/* Bits [bit, stop) of this leaf are the order's. */
		const uint64_t stop =
			limit - base < nkeys ? limit - base : nkeys;
		const unsigned int full = stop >> BITS_PER_WORD_LOG2;
		const unsigned int wend =
			(stop + BITS_PER_WORD - 1) >> BITS_PER_WORD_LOG2;
		uint64_t bit = key - base, x, wphys;
		const uint64_t wstep = (uint64_t)BITS_PER_WORD << shift;
		unsigned int w = bit >> BITS_PER_WORD_LOG2;

		if (open && base != open_end) {
			EMIT(run, (open_end - first) << shift);
			open = false;
		}
		x = leaf[w] & ~0ULL << (bit & (BITS_PER_WORD - 1));
		/* Physical address of word w's bit 0, kept up to date with w. */
		wphys = (base + ((uint64_t)w << BITS_PER_WORD_LOG2) - first)
			<< shift;
		for (;;) {
			if (w >= full)
				x &= (1ULL << (stop & (BITS_PER_WORD - 1))) - 1;
			if (open) {
				unsigned int e;

				if (!~x)
					goto next_word;
				e = ctz(~x);
				EMIT(run, wphys + ((uint64_t)e << shift));
				open = false;
				x &= ~0ULL << e;
			}
			while (x) {
				/* Adding the lowest bit carries through the run. */
				uint64_t t = x + (x & -x);
				uint64_t st = ctz(x);

				if (!t) {
					open = true;
					run = wphys + ((uint64_t)st << shift);
					break;
				}
				EMIT(wphys + ((uint64_t)st << shift),
				     wphys + (ctz(t) << shift));
				x &= t;
			}
next_word:
			if (++w >= wend)
				break;
			wphys += wstep;
			x = leaf[w];
			if (x == (open ? ~0ULL : 0) && w < full) {
				unsigned int from = w;

				w = skip_words(leaf, w, full, x);
				if (w >= wend)
					break;
				wphys += (uint64_t)(w - from) * wstep;
				x = leaf[w];
			}
		}
		open_end = base + stop;
		key = base + nkeys;
		if (key >= limit)
			break;
	}
	if (ret < 0)
		return ret;
	if (open)
		EMIT(run, (open_end - first) << shift);
	return 0;
#undef EMIT
}

int radix_merge_ranges(struct kho_radix_tree *tree, kho_radix_range_cb cb,
		       void *arg, uint64_t *overlap)
{
	const struct kho_geometry *geo = &tree->geo;
	struct order_stream streams[KHO_MAX_ORDERS];
	struct range_merge m = {
		.tree = tree,
		.cb = cb,
		.arg = arg,
		.overlap = overlap,
		.streams = streams,
	};
	unsigned int order, primary;
	uint64_t mask;
	int ret;

	ret = orders_present(tree, &mask);
	if (ret || !mask)
		return ret;
	/* The lowest order present is scanned word by word: usually most. */
	primary = __builtin_ctzll(mask);
	for (order = primary + 1; order < geo->order0_bit; order++) {
		struct order_stream *s = &streams[m.nr];

		if (!(mask & 1ULL << order))
			continue;
		s->order = order;
		s->first_key = order_first_key(geo, order);
		cursor_init(&s->c, tree, s->first_key, 2 * s->first_key - 1);
		ret = stream_next(s, geo);
		if (ret < 0)
			return ret;
		m.nr += ret;
	}
	merge_update_next(&m);

	if (m.nr)
		ret = scan_order(&m, primary, false);
	else
		ret = scan_order(&m, primary, true);
	if (!ret)
		ret = merge_others(&m, UINT64_MAX);
	if (ret)
		return ret;
	return m.have ? cb(m.start, m.end, arg) : 0;
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

/* Every set key of @leaf, whose first key is @base, ascending. */
static int walk_leaf_keys(const struct kho_geometry *geo, const uint64_t *leaf,
			  uint64_t base, int (*fn)(uint64_t key, void *data),
			  void *data)
{
	uint64_t w, word;
	int ret;

	for (w = 0; w < node_words(geo); w++) {
		for (word = leaf[w]; word; word &= word - 1) {
			ret = fn(base + (w << BITS_PER_WORD_LOG2) + ctz(word),
				 data);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/**
 * kho_radix_walk_tree() - visit every node and every set key
 * @tree: tree
 * @cb: callbacks; either may be NULL
 * @data: passed to each callback
 *
 * Depth first, without recursion: a node is reported when the walk enters
 * it, then its entries in index order.
 * Context: holds the tree lock throughout; callbacks must not call into
 * @tree.
 * Return: 0, the first non-zero callback return, or -EFAULT/-EINVAL for an
 * entry that is not mapped or misaligned.
 */
int kho_radix_walk_tree(struct kho_radix_tree *tree,
			const struct kho_radix_walk_cb *cb, void *data)
{
	const struct kho_geometry *geo = &tree->geo;
	const unsigned int entries = 1U << geo->table_bits;
	const unsigned int top = geo->depth - 1;
	uint64_t *stack[KHO_TREE_MAX_DEPTH];
	unsigned int next[KHO_TREE_MAX_DEPTH];
	uint64_t base[KHO_TREE_MAX_DEPTH];
	unsigned int level = top, idx;
	uint64_t entry, key;
	uint64_t *child;
	int ret = 0;

	kho_lock_acquire(&tree->lock);
	if (cb->node)
		ret = cb->node(tree->root_phys, data);
	stack[top] = tree->root;
	next[top] = 0;
	base[top] = 0;
	while (!ret) {
		if (next[level] == entries) {
			if (level == top)
				break;
			level++;
			continue;
		}
		idx = next[level]++;
		entry = load_entry(&stack[level][idx]);
		if (!entry)
			continue;
		ret = radix_map_entry(tree, entry, &child);
		if (ret)
			break;
		key = base[level] | (uint64_t)idx << level_shift(geo, level);
		if (cb->node) {
			ret = cb->node(entry, data);
			if (ret)
				break;
		}
		if (level == 1) {
			if (cb->leaf)
				ret = walk_leaf_keys(geo, child, key, cb->leaf,
						     data);
			continue;
		}
		stack[level - 1] = child;
		base[level - 1] = key;
		next[level - 1] = 0;
		level--;
	}
	kho_lock_release(&tree->lock);
	return ret;
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
			stats->preserved_bytes +=
				stats->blocks[order]
				<< (tree->geo.page_shift + order);
	}
	return ret;
}
