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
 * lowest of them, usually nearly all blocks, is scanned word by word into
 * edges, the addresses where runs start and end, stored without a branch per
 * edge (see "Edges" below); 32 empty or full words are tested per turn, and
 * a run open at a leaf's end goes on into the next leaf, so a range is
 * reported once. Every other order is a cursor stream whose runs are folded
 * in by address just before the first run of the lowest order that starts
 * after them. Ranges go to the caller in arrays of up to 127, or one by one.
 * On x86-64 the scan has further builds for popcnt/BMI and for AVX-512
 * VBMI2 and VPOPCNTDQ, chosen from cpuid on the first walk. A search for
 * the next leaf reads a table no further than the entry where its limit
 * falls. Nothing here allocates. A walk takes about 4.5 KiB of stack (the
 * scan's buffers about 2.5), 10 KiB for a tree of more than 9 orders
 * (merge_few_orders()).
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

	/*
	 * Start in the lowest node shared with the last leaf found; a key in
	 * that leaf itself (no caller asks for one) from its level-1 table.
	 */
	level = diff ? tree->start_level[63 - __builtin_clzll(diff)] : 0;
	if (!level)
		level = 1;
	path->key = KHO_RADIX_NO_FINGER;
	while (k < limit) {
		unsigned int shift = level_shift(geo, level);
		unsigned int idx = level_index(geo, k, level), end = entries;
		uint64_t entry = 0, start, span = shift + geo->table_bits;

		/* When the limit falls in this node, look no further than it. */
		if (span >= 64 || !((k ^ (limit - 1)) >> span))
			end = level_index(geo, limit - 1, level) + 1;
		/* Under the lock entries do not change: skip empty ones fast. */
		idx = skip_words(stack[level], idx, end, 0);
		if (idx < end)
			entry = load_entry(&stack[level][idx]);
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
		start = span >= 64 ? 0 : k >> span << span;
		start |= (uint64_t)idx << shift;
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
 * Return: 0, @cb's first non-zero return, -EINVAL (with a warning) for a
 * NULL @cb, or -EFAULT/-EINVAL for an entry that is not mapped or misaligned.
 */
int kho_radix_walk(struct kho_radix_tree *tree, kho_radix_block_cb cb,
		   void *arg)
{
	const struct kho_geometry *geo = &tree->geo;
	struct radix_cursor c;
	uint64_t start, end, key, phys;
	unsigned int order;
	int ret;

	if (KHO_WARN_ON(!cb))
		return -EINVAL;
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

/* Ranges gathered by the merge before they are handed over. */
#define MERGE_BATCH 32

/*
 * Coalescing of the runs of every order into maximal ranges. The runs of one
 * order (the primary, scanned word by word) arrive in address order; the
 * other orders' runs come from one stream each and are folded in before the
 * first primary run that starts after them.
 */
struct range_merge {
	struct kho_radix_tree *tree;
	kho_radix_range_cb cb; /* one call per range, or */
	kho_radix_ranges_cb batch; /* one call per array of ranges */
	void *arg;
	uint64_t *overlap; /* NULL: overlapping blocks merge silently */
	uint64_t start, end; /* the range being built, when @have */
	bool have;
	struct order_stream *streams; /* the other orders with runs left */
	unsigned int nr;
	uint64_t next; /* lowest start among @streams, UINT64_MAX if none */
	unsigned int nout;
	struct kho_radix_range out[MERGE_BATCH]; /* finished, not handed over */
};

/* Hand @nr finished ranges to the caller. */
static inline int merge_deliver(const struct range_merge *m,
				const struct kho_radix_range *r,
				unsigned int nr)
{
	unsigned int i;
	int ret;

	if (m->batch)
		return nr ? m->batch(r, nr, m->arg) : 0;
	for (i = 0; i < nr; i++) {
		ret = m->cb(r[i].start, r[i].end, m->arg);
		if (ret)
			return ret;
	}
	return 0;
}

/* A finished range: into the batch, handed over when the batch is full. */
static inline int merge_out(struct range_merge *m, uint64_t start, uint64_t end)
{
	m->out[m->nout].start = start;
	m->out[m->nout].end = end;
	if (++m->nout < MERGE_BATCH)
		return 0;
	m->nout = 0;
	return merge_deliver(m, m->out, MERGE_BATCH);
}

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
		ret = merge_out(m, m->start, m->end);
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

/*
 * Edges: scan_order() turns each leaf word into the addresses where a run
 * starts or ends (a bit that differs from the one below it), written to a
 * buffer without a branch per edge, and reports the buffered runs in one go.
 * Edges alternate start, end, start, ... so the buffer is an array of
 * [start, end) pairs, with at most one start still open at its end.
 *
 *   word x      ...0 1 1 1 0 0 1 0 | carry (bit 63 of the word below)
 *   edges b = x ^ (x << 1 | carry): a bit set where a run starts or ends
 *
 * A fixed number of edges, the slots, is stored for every word whatever it
 * holds, and the count of its edges says where the next word's go: no branch
 * depends on the bits. A word with more edges than slots takes a loop. The
 * slots follow the density: each leaf gets the count that fits the average
 * of the leaf before it.
 */
/* Edges gathered before the runs are reported; even. */
#define EDGE_BATCH 128

/*
 * What a step of the scan may store beyond EDGE_BATCH once n < EDGE_BATCH:
 * a word's BITS_PER_WORD edges, or scan_eight_vec()'s eight words of at
 * most sixteen each.
 */
#define EDGE_SLACK (2 * BITS_PER_WORD)

struct edge_buf {
	/*
	 * The edges start at pair 1: pair 0 is room for a finished range to
	 * go out in the same array as the runs after it (merge_pairs()).
	 *
	 *   pair  [    0    ][    1    ][    2    ] ...
	 *   at              [ 0 ][ 1 ][ 2 ][ 3 ] ...
	 */
	union {
		struct {
			uint64_t room[2];
			uint64_t at[EDGE_BATCH + EDGE_SLACK];
		};
		struct kho_radix_range pair[1 + (EDGE_BATCH + EDGE_SLACK) / 2];
	};
};

/* Where scan_order() is in a leaf. */
struct edge_scan {
	const uint64_t *leaf;
	unsigned int w; /* next word */
	unsigned int full; /* words wholly the order's */
	unsigned int wend; /* words with a key of the order */
	uint64_t tail; /* mask of the order's bits in word full, if partial */
	uint64_t x; /* word w, masked */
	uint64_t carry; /* bit 63 of the word before w: inside a run */
	uint64_t wphys; /* address of word w's bit 0 */
	unsigned int shift; /* log2 of the bytes per block */
	unsigned int skipped; /* words skipped in this leaf, for the slots */
};

/*
 * Instructions beyond the x86-64 baseline, in up to three builds of the scan
 * that the processor chooses from, once (as the kernel patches hweight64()
 * and its crypto with alternatives):
 *
 *   RADIX_SCAN_BASE  what every x86-64 (or other) processor has;
 *   RADIX_SCAN_BITS  popcnt, and BMI's tzcnt, blsr and shlx: a fifth less
 *                    time than the base build;
 *   RADIX_SCAN_VEC   also AVX-512 VBMI2, whose vpcompressb gathers the
 *                    positions of a word's edges in one instruction, and
 *                    VPOPCNTDQ, eight words' edge counts in one: a
 *                    quarter to a half less again. Hosted builds only
 *                    (gcc and clang, so the fuzzers run it too): a
 *                    freestanding user (a kernel, a loader) may not have
 *                    the vector registers to itself.
 */
#if defined(__x86_64__)
#define RADIX_BITS_TARGET __attribute__((target("popcnt,bmi,bmi2")))

static void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c)
{
	uint32_t d;

	asm volatile("cpuid"
		     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(d)
		     : "a"(leaf), "c"(0));
}

#if !defined(KHO_FREESTANDING)
#include <immintrin.h>

#define RADIX_VEC 1
#define RADIX_VEC_TARGET                                          \
	__attribute__((target("popcnt,bmi,bmi2,avx512f,avx512bw," \
			      "avx512vl,avx512vbmi2,avx512vpopcntdq")))

/* Has the system enabled the opmask and ZMM state (XCR0 bits 1, 2, 5-7)? */
static bool os_has_zmm(void)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 0xe6) == 0xe6;
}
#endif

int radix_cpu_scan(void)
{
	uint32_t a, b, c, c1;

	cpuid(0, &a, &b, &c);
	if (a < 7)
		return RADIX_SCAN_BASE;
	cpuid(1, &a, &b, &c1);
	cpuid(7, &a, &b, &c);
	/* POPCNT; BMI1, BMI2 */
	if (!(c1 & 1U << 23) || !(b & 1U << 3) || !(b & 1U << 8))
		return RADIX_SCAN_BASE;
#ifdef RADIX_VEC
	/* OSXSAVE; AVX512F, AVX512BW, AVX512VL; AVX512_VBMI2, _VPOPCNTDQ */
	if ((c1 & 1U << 27) && (b & 1U << 16) && (b & 1U << 30) &&
	    (b & 1U << 31) && (c & 1U << 6) && (c & 1U << 14) && os_has_zmm())
		return RADIX_SCAN_VEC;
#endif
	return RADIX_SCAN_BITS;
}
#else
#define RADIX_BITS_TARGET
int radix_cpu_scan(void)
{
	return RADIX_SCAN_BASE;
}
#endif

int radix_walk_scan = RADIX_SCAN_AUTO;

/* The build of the scan to run: decided on the first walk. */
static int radix_scan(void)
{
	int v = __atomic_load_n(&radix_walk_scan, __ATOMIC_RELAXED);

	if (v == RADIX_SCAN_AUTO) {
		v = radix_cpu_scan();
		__atomic_store_n(&radix_walk_scan, v, __ATOMIC_RELAXED);
	}
	return v;
}

/* Set bits of @x; @hw: in a RADIX_BITS_TARGET function, one popcnt. */
static inline unsigned int popcount64(uint64_t x, const bool hw)
{
	if (hw)
		return __builtin_popcountll(x);
	/* Without the instruction gcc calls libgcc: sum the bits in place. */
	x -= (x >> 1) & 0x5555555555555555ULL;
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (x * 0x0101010101010101ULL) >> 56;
}

/*
 * Trailing zeros of @x, any value when @x is 0 (a slot that is not kept).
 * On x86-64 one tzcnt, which processors without BMI run as bsf: both give
 * the right count for a non-zero word, which is all that is read.
 */
static inline uint64_t ctz_any(uint64_t x)
{
#ifdef __x86_64__
	uint64_t r;

	asm("rep; bsfq %1, %0" : "=r"(r) : "rm"(x) : "cc");
	return r;
#else
	return ctz(x | 1ULL << (BITS_PER_WORD - 1));
#endif
}

#ifdef RADIX_VEC
/* The numbers 0 to 63 in a vector's bytes: a word's bit numbers. */
static inline RADIX_VEC_TARGET __m512i byte_numbers(void)
{
	return _mm512_set_epi8(
		63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48,
		47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32,
		31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16,
		15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
}

/* Eight edges: the bit numbers in @bytes' low eight, << @count, + @base. */
static inline RADIX_VEC_TARGET void store_eight(uint64_t *p, __m128i bytes,
						__m128i count, __m512i base)
{
	__m512i v = _mm512_cvtepu8_epi64(bytes);

	_mm512_storeu_si512(p,
			    _mm512_add_epi64(_mm512_sll_epi64(v, count), base));
}

/*
 * vpcompressb of the bytes of @bytes that @mask selects, into a register
 * zeroed first. With a zeroing mask alone AMD Zen 5 still waits for the
 * destination's old value, and gcc gives the eight compresses of
 * scan_eight_vec() one register, so they would run one after the other.
 * The zeroing idiom breaks that chain; gcc folds any intrinsic spelling of
 * it into the zeroing mask, hence the asm. Every compress of the scan goes
 * through here (the idiom costs no execution slot).
 */
static inline RADIX_VEC_TARGET __m512i compress_bytes(uint64_t mask,
						      __m512i bytes)
{
	__m512i out;

	asm("vpxord %0, %0, %0\n\t"
	    "vpcompressb %2, %0%{%1%}"
	    : "=&v"(out)
	    : "Yk"((__mmask64)mask), "v"(bytes));
	return out;
}

/*
 * The stores every word gets whatever it holds: the edges whose bit numbers
 * are in @low's bytes 0-7, and with @sixteen those in bytes 8-15, taken by
 * an in-lane shift.
 */
static inline RADIX_VEC_TARGET void store_first(uint64_t *p, __m128i low,
						__m128i count, __m512i base,
						const bool sixteen)
{
	store_eight(p, low, count, base);
	if (sixteen)
		store_eight(&p[8], _mm_srli_si128(low, 8), count, base);
}

/*
 * The @nr edges of @b as addresses @wphys + (i << @shift), eight per vector
 * store: vpcompressb packs the numbers of @b's set bits (taken from the
 * bytes 0..63) into the low bytes, and each eight widen to 64 bits. @slots
 * are stored whatever @b holds, eight a store: four slots take one store,
 * eight or twelve two, since a word with more edges than the stores made
 * costs a mispredicted loop, and on W5 (about four edges a word) one in
 * fifteen words had more than eight. The first sixteen come from the low
 * 128 bits by an in-lane shift, not a shuffle across the vector (valignq:
 * most of the scan's time on AMD Zen 5). Only the VEC build calls it, and
 * gcc inlines it there alone (it is not always_inline: elsewhere the
 * target would not allow it; clang may keep it out of line).
 */
static inline RADIX_VEC_TARGET void
word_edges_vec(uint64_t *p, uint64_t b, unsigned int nr, uint64_t wphys,
	       unsigned int shift, const unsigned int slots)
{
	const __m512i bit_numbers = byte_numbers();
	const __m512i base = _mm512_set1_epi64(wphys);
	const __m128i count = _mm_cvtsi32_si128(shift);
	__m512i pos = compress_bytes(b, bit_numbers);
	unsigned int i = slots > 4 ? 16 : 8;

	/*
	 * The stores made whatever @b holds, then those it needs beyond
	 * (valignq's count must be a constant expression for clang).
	 */
	store_first(p, _mm512_castsi512_si128(pos), count, base, slots > 4);
	if (__builtin_expect(nr <= i, 1))
		return;
	pos = slots > 4 ? _mm512_alignr_epi64(pos, pos, 2) :
			  _mm512_alignr_epi64(pos, pos, 1);
	for (; i < nr; i += 8) {
		store_eight(&p[i], _mm512_castsi512_si128(pos), count, base);
		pos = _mm512_alignr_epi64(pos, pos, 1);
	}
}

/* Words an eight-word step takes. */
#define EIGHT_WORDS 8

/*
 * Words @w to @w + 7 of the leaf, each with a whole word after it, at once:
 * their edges from one vector,
 *
 *   words   [ w  ][w+1 ] ... [w+7 ]
 *   below   [ c  ][ w  ] ... [w+6 ]   each lane's word below; c: the carry
 *   edges   words ^ (words << 1 | below >> 63): one vpshldq and a xor
 *
 * then @stores (8 or 16) for each word with no test or branch of its own,
 * and one vpopcntq checks the counts. 13 to 18 instructions a word where
 * the word loop takes 39 (gcc 12): W2's scan (about two edges a word) in
 * 40 us instead of 56, W5's in 0.49 ms instead of 0.73, W1's in 0.47
 * instead of 0.59 (warm, the fastest of 201 walks).
 *
 * The words are read as they are in the leaf: scan_order() masks only a
 * leaf's first word when the order's keys start inside it (an order of
 * fewer than 64 keys, all in that word) and the words from s->full on,
 * and a step takes none of those.
 *
 * Return: false, with nothing done, when none of the words has an edge
 * (the word-at-a-time step then skips the stretch) or one has more than
 * @stores (it takes the loop there).
 */
static inline RADIX_VEC_TARGET bool
scan_eight_vec(struct edge_scan *s, uint64_t *at, unsigned int *n,
	       unsigned int w, const unsigned int stores)
{
	const __m512i bit_numbers = byte_numbers();
	const __m512i words = _mm512_loadu_si512(&s->leaf[w]);
	const __m512i below = _mm512_alignr_epi64(
		words, _mm512_set1_epi64(s->carry << (BITS_PER_WORD - 1)), 7);
	const __m512i edges =
		_mm512_xor_si512(words, _mm512_shldi_epi64(words, below, 1));
	const __m512i counts = _mm512_popcnt_epi64(edges);
	const __m512i step =
		_mm512_set1_epi64((uint64_t)BITS_PER_WORD << s->shift);
	const __m128i count = _mm_cvtsi32_si128(s->shift);
	__m512i base = _mm512_set1_epi64(s->wphys);
	uint64_t b[EIGHT_WORDS];
	unsigned int i;

	if (!_mm512_test_epi64_mask(edges, edges) ||
	    _mm512_cmpgt_epu64_mask(counts, _mm512_set1_epi64(stores)))
		return false;
	_mm512_storeu_si512(b, edges);
#pragma GCC unroll 8
	for (i = 0; i < EIGHT_WORDS; i++) {
		const __m128i low = _mm512_castsi512_si128(
			compress_bytes(b[i], bit_numbers));

		store_first(&at[*n], low, count, base, stores > 8);
		base = _mm512_add_epi64(base, step);
		*n += __builtin_popcountll(b[i]);
	}
	s->carry = s->leaf[w + EIGHT_WORDS - 1] >> (BITS_PER_WORD - 1);
	s->wphys += (uint64_t)EIGHT_WORDS << (BITS_PER_WORD_LOG2 + s->shift);
	return true;
}
#endif

/*
 * The edges of word @x (already masked) into @at from @n: @slots stores
 * whatever it holds, a loop for any more; @build is the scan's build.
 * Return: the new count.
 */
static inline __attribute__((always_inline)) unsigned int
word_edges(struct edge_scan *s, uint64_t *at, unsigned int n, uint64_t x,
	   const unsigned int slots, const int build)
{
	uint64_t b = x ^ (x << 1 | s->carry);
	const unsigned int nr = popcount64(b, build >= RADIX_SCAN_BITS);
	uint64_t *p = &at[n];
	unsigned int i;

#ifdef RADIX_VEC
	if (build == RADIX_SCAN_VEC)
		word_edges_vec(p, b, nr, s->wphys, s->shift, slots);
	else
#endif
	{
#pragma GCC unroll 16
		for (i = 0; i < slots; i++) {
			p[i] = s->wphys + (ctz_any(b) << s->shift);
			b &= b - 1;
		}
		for (; i < nr; i++) {
			p[i] = s->wphys + (ctz(b) << s->shift);
			b &= b - 1;
		}
	}
	s->carry = x >> (BITS_PER_WORD - 1);
	s->wphys += (uint64_t)BITS_PER_WORD << s->shift;
	return n + nr;
}

/*
 * Skip from word @w (equal to @x, as its edges showed none) over the words
 * equal to it; load the next one. Return: false at the leaf's end.
 */
static inline bool skip_same(struct edge_scan *s, unsigned int w, uint64_t x)
{
	unsigned int to = skip_words(s->leaf, w + 1, s->full, x);

	s->wphys += (uint64_t)(to - w) << (BITS_PER_WORD_LOG2 + s->shift);
	s->skipped += to - w;
	s->w = to;
	if (to >= s->wend)
		return false;
	s->x = s->leaf[to] & (to < s->full ? ~0ULL : s->tail);
	return true;
}

/*
 * Scan words from s->w until the leaf's end or until the buffer holds
 * EDGE_BATCH edges; return the new count. Words with a whole word after them
 * take the fast loop: no mask, and a word with no edge that the next word
 * equals starts a skip. The last one or two words follow, masked.
 */
static inline __attribute__((always_inline)) unsigned int
scan_words(struct edge_scan *s, uint64_t *at, unsigned int n,
	   const unsigned int slots, const int build)
{
	const uint64_t *leaf = s->leaf;
	const unsigned int last = s->full ? s->full - 1 : 0;
	unsigned int w = s->w;
	uint64_t x = s->x;

	while (w < last && n < EDGE_BATCH) {
		uint64_t next;

#ifdef RADIX_VEC
		if (build == RADIX_SCAN_VEC && w + EIGHT_WORDS <= last &&
		    scan_eight_vec(s, at, &n, w, slots > 4 ? 16 : 8)) {
			w += EIGHT_WORDS;
			x = leaf[w];
			continue;
		}
#endif
		next = leaf[w + 1];

		if (!(x ^ (x << 1 | s->carry)) && next == x) {
			if (!skip_same(s, w, x))
				return n;
			w = s->w;
			x = s->x;
			continue;
		}
		n = word_edges(s, at, n, x, slots, build);
		x = next;
		w++;
	}
	/* No stores for nothing here: one or two words a leaf. */
	while (w < s->wend && n < EDGE_BATCH) {
		n = word_edges(s, at, n, x, 0, build);
		if (++w < s->wend)
			x = leaf[w] & (w < s->full ? ~0ULL : s->tail);
	}
	s->w = w;
	s->x = x;
	return n;
}

/*
 * @nr runs of the primary order, ascending, none starting at or after @last,
 * in e->pair[1..nr]. When no other order's run starts before @last, the
 * first run joins the range being built or follows it, and the range then
 * being built ends before the second run, the runs after the first are
 * final as they are (a gap separates two runs of one order). What goes out
 * before them takes the pairs in front: pair 1 (the first run's, merged
 * into it) the range being built, pair 0 a finished range if one waits, so
 * that one call takes them all unless more wait. The last run stays the
 * range being built. Otherwise each run is merged.
 */
static int merge_pairs(struct range_merge *m, struct edge_buf *e,
		       unsigned int nr, uint64_t last)
{
	struct kho_radix_range *r = &e->pair[1];
	unsigned int i = 0, from = 1;
	int ret;

	if (nr >= 2 && m->next > last) {
		ret = merge_add(m, r[0].start, r[0].end);
		if (ret)
			return ret;
		i = 1;
	}
	if (i && m->end < r[1].start) {
		r[0].start = m->start;
		r[0].end = m->end;
		if (m->nout == 1) {
			e->pair[0] = m->out[0];
			from = 0;
		} else {
			ret = merge_deliver(m, m->out, m->nout);
			if (ret)
				return ret;
		}
		m->nout = 0;
		ret = merge_deliver(m, &e->pair[from], nr - from);
		m->start = r[nr - 1].start;
		m->end = r[nr - 1].end;
		return ret;
	}
	for (; i < nr; i++) {
		ret = merge_run(m, r[i].start, r[i].end);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Report the first *@n buffered edges as runs; an open start stays, moved to
 * the front, and *@n counts what is left.
 * Return: 0 or the first non-zero return of a callback.
 */
static inline __attribute__((always_inline)) int
edges_flush(struct range_merge *m, struct edge_buf *e, unsigned int *n,
	    const bool direct)
{
	const unsigned int pairs = *n / 2;
	int ret;

	ret = direct ? merge_deliver(m, &e->pair[1], pairs) :
		       merge_pairs(m, e, pairs, e->at[*n - 1]);
	e->at[0] = e->at[*n - 1];
	*n &= 1;
	return ret;
}

/*
 * Slots per word for a leaf after one with @edges edges in @words words:
 * about the average, so that a word rarely needs the loop and rarely wastes
 * more than half its stores (measured best on W2, W5 and W1 of kho-bench).
 */
static inline unsigned int slots_for(unsigned int edges, unsigned int words)
{
	if (edges < 3 * words)
		return 4;
	if (edges < 6 * words)
		return 8;
	return 12;
}

/*
 * The first leaf has no leaf before it to go by, so it takes the most
 * slots: a word with more edges than slots pays the loop and its
 * mispredicted exit, a slot too many one store (an eighth of one in the
 * AVX-512 build). A tree of a leaf or two is mostly its first leaf: W3's,
 * about 9 edges a word, was walked in 14.0 us with 8 and in 11.4 with 12
 * (kho-bench --workloads W3,W6, 3 runs of 7); trees of many leaves, whose
 * first leaf is a small part, did not change.
 */
#define SLOTS_FIRST 12

/*
 * Scan the lowest order's leaves into edges, and a run open at the end of a
 * leaf goes on into the next one when that one starts where it ends. With
 * no other order (@direct) runs never touch, a gap separates them, and the
 * buffer goes to the caller as it is; otherwise each run goes through
 * merge_run().
 */
static inline __attribute__((always_inline)) int
scan_order(struct range_merge *m, unsigned int order, const bool direct,
	   const int build)
{
	struct kho_radix_tree *tree = m->tree;
	const struct kho_geometry *geo = &tree->geo;
	const uint64_t nkeys = leaf_keys(geo);
	const uint64_t first = order_first_key(geo, order);
	const uint64_t limit = 2 * first - 1;
	const unsigned int shift = geo->page_shift + order;
	struct edge_scan s = {
		.shift = shift,
	};
	struct leaf_path path;
	struct edge_buf e;
	uint64_t key = first, base, open_end = 0;
	unsigned int n = 0, slots = SLOTS_FIRST;
	uint64_t *leaf;
	int ret;

	path_init(&path, tree);
	while ((ret = radix_next_leaf(tree, &path, &key, limit, &leaf, &base)) >
	       0) {
		/* Bits [bit, stop) of this leaf are the order's. */
		const uint64_t stop =
			limit - base < nkeys ? limit - base : nkeys;
		uint64_t bit = key - base;
		unsigned int w0, edges;

		s.leaf = leaf;
		s.w = bit >> BITS_PER_WORD_LOG2;
		s.full = stop >> BITS_PER_WORD_LOG2;
		s.wend = (stop + BITS_PER_WORD - 1) >> BITS_PER_WORD_LOG2;
		s.tail = (1ULL << (stop & (BITS_PER_WORD - 1))) - 1;
		s.wphys = (base + ((uint64_t)s.w << BITS_PER_WORD_LOG2) - first)
			  << shift;
		s.skipped = 0;
		/*
		 * A run open at the last leaf's end ends there unless this
		 * leaf goes on from it.
		 */
		if (s.carry && base != open_end) {
			e.at[n++] = (open_end - first) << shift;
			s.carry = 0;
		}
		w0 = s.w;
		edges = -n; /* plus what is flushed and what is left */
		s.x = leaf[s.w] & ~0ULL << (bit & (BITS_PER_WORD - 1));
		if (s.w >= s.full)
			s.x &= s.tail;
		while (s.w < s.wend) {
			/*
			 * The AVX-512 build stores sixteen edges for eight
			 * slots as for twelve: one copy of its loop for both
			 * keeps a cold walk's code (a boot's) smaller.
			 */
			if (slots == 4)
				n = scan_words(&s, e.at, n, 4, build);
			else if (slots == 8 || build == RADIX_SCAN_VEC)
				n = scan_words(&s, e.at, n, 8, build);
			else
				n = scan_words(&s, e.at, n, 12, build);
			if (n < EDGE_BATCH)
				continue;
			edges += n;
			ret = edges_flush(m, &e, &n, direct);
			if (ret)
				return ret;
			edges -= n;
		}
		edges += n;
		if (s.wend - w0 > s.skipped)
			slots = slots_for(edges, s.wend - w0 - s.skipped);
		open_end = base + stop;
		key = base + nkeys;
		if (key >= limit)
			break;
	}
	if (ret < 0)
		return ret;
	if (s.carry)
		e.at[n++] = (open_end - first) << shift;
	return n ? edges_flush(m, &e, &n, direct) : 0;
}

/*
 * The builds of scan_order(): with or without other orders, for each build
 * of the scan. Not inlined: only one of their buffers is on the stack.
 */
#define SCAN_BUILD(name, attr, build)                                     \
	static __attribute__((noinline))                                  \
	attr int name##_merge(struct range_merge *m, unsigned int order)  \
	{                                                                 \
		return scan_order(m, order, false, build);                \
	}                                                                 \
	static __attribute__((noinline))                                  \
	attr int name##_direct(struct range_merge *m, unsigned int order) \
	{                                                                 \
		return scan_order(m, order, true, build);                 \
	}

SCAN_BUILD(scan_base, , RADIX_SCAN_BASE)
SCAN_BUILD(scan_bits, RADIX_BITS_TARGET, RADIX_SCAN_BITS)
#ifdef RADIX_VEC
SCAN_BUILD(scan_vec, RADIX_VEC_TARGET, RADIX_SCAN_VEC)
#endif

/* Scan the primary order with the build chosen for this processor. */
static int scan_primary(struct range_merge *m, unsigned int order)
{
	const bool direct = !m->nr;

	switch (radix_scan()) {
#ifdef RADIX_VEC
	case RADIX_SCAN_VEC:
		return direct ? scan_vec_direct(m, order) :
				scan_vec_merge(m, order);
#endif
	case RADIX_SCAN_BITS:
		return direct ? scan_bits_direct(m, order) :
				scan_bits_merge(m, order);
	default:
		return direct ? scan_base_direct(m, order) :
				scan_base_merge(m, order);
	}
}

/*
 * Merge the orders of @mask into ranges: the lowest is scanned word by word
 * (usually it holds most blocks), each other one runs as a stream in
 * @streams, which has room for all of them.
 */
static int merge_orders(struct range_merge *m, uint64_t mask,
			struct order_stream *streams)
{
	const struct kho_geometry *geo = &m->tree->geo;
	unsigned int order, primary = __builtin_ctzll(mask);
	int ret;

	m->streams = streams;
	for (order = primary + 1; order < geo->order0_bit; order++) {
		struct order_stream *s = &streams[m->nr];

		if (!(mask & 1ULL << order))
			continue;
		s->order = order;
		s->first_key = order_first_key(geo, order);
		cursor_init(&s->c, m->tree, s->first_key, 2 * s->first_key - 1);
		ret = stream_next(s, geo);
		if (ret < 0)
			return ret;
		m->nr += ret;
	}
	merge_update_next(m);

	ret = scan_primary(m, primary);
	if (!ret)
		ret = merge_others(m, UINT64_MAX);
	if (ret)
		return ret;
	if (m->have) {
		m->out[m->nout].start = m->start;
		m->out[m->nout++].end = m->end;
	}
	return merge_deliver(m, m->out, m->nout);
}

/*
 * A stream takes 128 bytes: one for every order would put 6.6 KiB on the
 * stack of a walk that a kernel or a boot loader may run on a 16 KiB one.
 * Trees hold a few orders (the folio sizes in use), so a walk of one with
 * at most FEW_ORDERS besides the lowest takes a small array, and only a
 * tree with more pays for the large one. Two frames, never inlined, so that
 * only one of the arrays is ever on the stack.
 */
#define FEW_ORDERS 8

static __attribute__((noinline)) int merge_few_orders(struct range_merge *m,
						      uint64_t mask)
{
	struct order_stream streams[FEW_ORDERS];

	return merge_orders(m, mask, streams);
}

static __attribute__((noinline)) int merge_many_orders(struct range_merge *m,
						       uint64_t mask)
{
	struct order_stream streams[KHO_MAX_ORDERS - 1];

	return merge_orders(m, mask, streams);
}

int radix_merge_ranges(struct kho_radix_tree *tree, kho_radix_range_cb cb,
		       kho_radix_ranges_cb batch, void *arg, uint64_t *overlap)
{
	struct range_merge m = {
		.tree = tree,
		.cb = cb,
		.batch = batch,
		.arg = arg,
		.overlap = overlap,
	};
	uint64_t mask;
	int ret;

	ret = orders_present(tree, &mask);
	if (ret || !mask)
		return ret;
	/* Orders besides the lowest: the ones that need a stream. */
	if (popcount64(mask, false) - 1 <= FEW_ORDERS)
		return merge_few_orders(&m, mask);
	return merge_many_orders(&m, mask);
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

	if (KHO_WARN_ON(!cb))
		return -EINVAL;
	kho_lock_acquire(&tree->lock);
	ret = radix_merge_ranges(tree, cb, NULL, arg, NULL);
	kho_lock_release(&tree->lock);
	return ret;
}

/**
 * kho_radix_walk_range_batches() - kho_radix_walk_ranges(), an array at a time
 * @tree: tree
 * @cb: called with arrays of maximal ranges, ascending address across calls
 * @arg: passed to @cb
 *
 * The same ranges as kho_radix_walk_ranges() gives, handed over in arrays
 * of up to 127: one indirect call per array, not per range.
 * Context: holds the tree lock throughout; @cb must not call into @tree.
 * Return: as kho_radix_walk().
 */
int kho_radix_walk_range_batches(struct kho_radix_tree *tree,
				 kho_radix_ranges_cb cb, void *arg)
{
	int ret;

	if (KHO_WARN_ON(!cb))
		return -EINVAL;
	kho_lock_acquire(&tree->lock);
	ret = radix_merge_ranges(tree, NULL, cb, arg, NULL);
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
 * @cb: callbacks, required; either member may be NULL
 * @data: passed to each callback
 *
 * Depth first, without recursion: a node is reported when the walk enters
 * it, then its entries in index order.
 * Context: holds the tree lock throughout; callbacks must not call into
 * @tree.
 * Return: 0, the first non-zero callback return, -EINVAL (with a warning)
 * for a NULL @cb, or -EFAULT/-EINVAL for an entry that is not mapped or
 * misaligned.
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

	if (KHO_WARN_ON(!cb))
		return -EINVAL;
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
 * @stats: filled in; required
 *
 * Context: takes the tree lock.
 * Return: 0, -EINVAL (with a warning) for a NULL @stats, or -EFAULT/-EINVAL
 * as kho_radix_walk().
 */
int kho_radix_get_stats(struct kho_radix_tree *tree,
			struct kho_radix_stats *stats)
{
	unsigned int order;
	int ret;

	if (KHO_WARN_ON(!stats))
		return -EINVAL;
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
