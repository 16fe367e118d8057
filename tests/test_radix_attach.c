// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_radix_attach.c - a tree built by the library is a kho-v2 tree that
 * someone else can read.
 *
 * - An independent reader that knows only abi.md (pages linked by physical
 *   address, the index of a key at each level, bit i of word i/64) finds
 *   exactly the blocks the library added, for all three page sizes.
 * - kho_radix_attach() on a second struct kho_radix_tree, given only the
 *   root's physical address, walks the same blocks and ranges and counts the
 *   same nodes; it is read-only (-EPERM) and its destroy frees nothing.
 *   It reads nodes mapped 8 bytes off a 16-byte boundary as well.
 * - attach refuses a root that is 0, misaligned or not mapped; a table entry
 *   that phys_to_virt() does not map, or that is misaligned, makes the walks
 *   return -EFAULT / -EINVAL at every level, and never crashes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kho/radix.h>

#include "lib/arena.h"
#include "lib/model.h"

static const unsigned int page_shifts[] = { 12, 14, 16 };
/* Arena physical bases: low, a hole's worth above 4 GiB, near the top. */
static const uint64_t phys_bases[] = { 0x100000ULL, 0x180000000ULL,
				       0xffff800000000000ULL };

struct fixture {
	unsigned int shift;
	struct kho_geometry geo;
	struct arena *arena;
	struct kho_radix_tree tree;
	struct model m;
	uint64_t seed;
};

static uint64_t rnd(struct fixture *f)
{
	uint64_t x = f->seed;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return f->seed = x;
}

static void *va_of(struct fixture *f, uint64_t pa)
{
	return arena_ops(f->arena)->phys_to_virt(f->arena, pa);
}

static void add(struct fixture *f, uint64_t pfn, unsigned int order)
{
	assert_int_equal(kho_radix_add_page(&f->tree, pfn, order), 0);
	model_add(&f->m, pfn, order);
}

static int split_add(uint64_t pfn, unsigned int order, void *arg)
{
	model_add(arg, pfn, order);
	return 0;
}

static int split_del(uint64_t pfn, unsigned int order, void *arg)
{
	model_del(arg, pfn, order);
	return 0;
}

static void add_range(struct fixture *f, uint64_t pfn, uint64_t nr)
{
	assert_int_equal(kho_radix_add_range(&f->tree, pfn, nr), 0);
	model_split(pfn, nr, split_add, &f->m);
}

/* A tree with blocks of many orders, spread and clustered, plus ranges. */
static void fixture_setup(struct fixture *f, unsigned int shift,
			  uint64_t phys_base, uint64_t seed)
{
	uint64_t limit, pfn;
	unsigned int i, order;

	memset(f, 0, sizeof(*f));
	f->shift = shift;
	f->seed = seed;
	assert_int_equal(kho_geometry_init(&f->geo, shift), 0);
	limit = 1ULL << f->geo.order0_bit;
	f->arena = arena_create(shift, phys_base, 4096);
	assert_non_null(f->arena);
	/* Neighbours in memory are not neighbours physically. */
	assert_true(arena_scramble(f->arena, 0xa5c));
	assert_int_equal(kho_radix_init(&f->tree, &f->geo, arena_ops(f->arena)),
			 0);
	model_init(&f->m, shift);
	for (i = 0; i < 300; i++) {
		order = rnd(f) % 4 ? rnd(f) % 12 :
				     rnd(f) % (f->geo.order0_bit - 1);
		if (i % 3)
			pfn = rnd(f) % (1ULL << (f->geo.bitmap_bits + 2));
		else
			pfn = rnd(f) & (limit - 1);
		pfn &= ~((1ULL << order) - 1);
		if (limit - pfn <= 1ULL << order)
			continue;
		add(f, pfn, order);
	}
	add_range(f, 3, 1000);
	add_range(f, limit / 2 - 17, 5000);
	add_range(f, limit - 2000, 1999);
	add(f, 0, 0);
	add(f, 1ULL << 20, 20);
}

static void fixture_teardown(struct fixture *f)
{
	kho_radix_destroy(&f->tree);
	assert_int_equal(arena_live(f->arena), 0);
	assert_int_equal(arena_errors(f->arena), 0);
	arena_destroy(f->arena);
	model_free(&f->m);
}

/*
 * The reader of abi.md: inner nodes are tables of physical addresses, level
 * L >= 1 indexed by key bits [(L-1)*TABLE_BITS + BITMAP_BITS, +TABLE_BITS),
 * leaves are bitmaps indexed by the low BITMAP_BITS bits.
 */
static void read_node(struct fixture *f, unsigned int level,
		      const uint64_t *node, uint64_t prefix, struct model *out)
{
	unsigned int tb = f->shift - 3, bb = f->shift + 3;
	uint64_t i, words = (1ULL << f->shift) / 8;

	if (!level) {
		for (i = 0; i < words; i++) {
			uint64_t w = node[i];

			for (; w; w &= w - 1) {
				uint64_t key =
					prefix | i << 6 | __builtin_ctzll(w);
				unsigned int top = 63 - __builtin_clzll(key);
				unsigned int order = 64 - f->shift - top;
				uint64_t pfn = (key ^ (1ULL << top)) << order;

				assert_true(key != 0);
				model_add(out, pfn, order);
			}
		}
		return;
	}
	for (i = 0; i < words; i++) {
		const uint64_t *child;

		if (!node[i])
			continue;
		assert_int_equal(node[i] & ((1ULL << f->shift) - 1), 0);
		child = va_of(f, node[i]);
		assert_non_null(child);
		read_node(f, level - 1, child,
			  prefix | i << ((level - 1) * tb + bb), out);
	}
}

static void test_abi_reader(void **state)
{
	unsigned int s;

	for (s = 0; s < 3; s++) {
		struct fixture f;
		struct model got;
		const uint64_t *root;
		uint64_t i, words;
		unsigned int root_shift;

		fixture_setup(&f, page_shifts[s], phys_bases[s], 11 + s);
		root = va_of(&f, kho_radix_root_phys(&f.tree));
		assert_non_null(root);
		model_init(&got, f.shift);
		read_node(&f, model_depth(f.shift) - 1, root, 0, &got);
		assert_int_equal(got.n, f.m.n);
		assert_true(model_equal(&got, &f.m));
		/* Root indices above the key width are never used. */
		words = (1ULL << f.shift) / 8;
		root_shift = (model_depth(f.shift) - 2) * (f.shift - 3) +
			     f.shift + 3;
		for (i = 0; i < words; i++)
			if (i << root_shift >> (65 - f.shift))
				assert_int_equal(root[i], 0);
		model_free(&got);
		fixture_teardown(&f);
	}
}

/* abi.md's worked example, followed by hand through a 4 KiB tree. */
static void test_abi_layout_4k(void **state)
{
	static const struct {
		uint64_t phys;
		unsigned int order;
		uint64_t key;
	} v[] = {
		{ 0x0, 0, 0x0010000000000000ULL },
		{ 0x1000, 0, 0x0010000000000001ULL },
		{ 0x200000, 9, 0x0000080000000001ULL },
		{ 0x40000000, 18, 0x0000000400000001ULL },
		{ 0x123456000, 0, 0x0010000000123456ULL },
	};
	struct fixture f;
	unsigned int i, level;

	memset(&f, 0, sizeof(f));
	f.shift = 12;
	assert_int_equal(kho_geometry_init(&f.geo, 12), 0);
	f.arena = arena_create(12, 0xabcd000000000000ULL, 64);
	assert_non_null(f.arena);
	assert_int_equal(kho_radix_init(&f.tree, &f.geo, arena_ops(f.arena)),
			 0);
	model_init(&f.m, 12);
	for (i = 0; i < 5; i++)
		add(&f, v[i].phys >> 12, v[i].order);
	for (i = 0; i < 5; i++) {
		const struct kho_radix_node *node =
			va_of(&f, kho_radix_root_phys(&f.tree));
		const struct kho_radix_leaf *leaf;
		uint64_t bit;

		/* Level 5 (root) = bits 59:51, ..., level 1 = bits 23:15. */
		for (level = 5; level >= 1; level--) {
			unsigned int idx =
				v[i].key >> ((level - 1) * 9 + 15) & 511;
			uint64_t entry = node->table[idx];

			assert_int_not_equal(entry, 0);
			assert_true(arena_is_live(f.arena, entry));
			node = va_of(&f, entry);
		}
		leaf = (const struct kho_radix_leaf *)node;
		bit = v[i].key & 0x7fff;
		assert_true(leaf->bitmap[bit / 64] >> (bit % 64) & 1);
	}
	/* 0x0 and 0x1000 share a leaf: bits 0 and 1 of its first word. */
	fixture_teardown(&f);
}

struct count {
	uint64_t n;
};

static int count_cb(uint64_t phys, unsigned int order, void *arg)
{
	((struct count *)arg)->n++;
	return 0;
}

static int count_range_cb(uint64_t start, uint64_t end, void *arg)
{
	((struct count *)arg)->n++;
	return 0;
}

static void test_attach_same_blocks(void **state)
{
	unsigned int s;

	for (s = 0; s < 3; s++) {
		struct kho_radix_tree att;
		struct fixture f;
		uint64_t live;
		size_t i;

		fixture_setup(&f, page_shifts[s], phys_bases[2 - s], 21 + s);
		live = arena_live(f.arena);
		memset(&att, 0x5a, sizeof(att));
		assert_int_equal(kho_radix_attach(&att, &f.geo,
						  arena_ops(f.arena),
						  kho_radix_root_phys(&f.tree)),
				 0);
		assert_int_equal(kho_radix_root_phys(&att),
				 kho_radix_root_phys(&f.tree));
		/* Walk, ranges and node counts, as the model says. */
		model_assert_tree(&f.m, &att, "attached");
		model_assert_tree(&f.m, &f.tree, "original");
		for (i = 0; i < f.m.n; i++) {
			uint64_t pfn = f.m.v[i].phys >> f.shift;

			assert_true(
				kho_radix_test_page(&att, pfn, f.m.v[i].order));
			if (f.m.v[i].order &&
			    !model_has(&f.m, pfn, f.m.v[i].order - 1))
				assert_false(kho_radix_test_page(
					&att, pfn, f.m.v[i].order - 1));
		}
		assert_int_equal(arena_live(f.arena), live);
		kho_radix_destroy(&att);
		fixture_teardown(&f);
	}
}

static void test_attached_read_only(void **state)
{
	struct kho_radix_tree att;
	struct fixture f;
	uint64_t live, allocs;
	size_t i;

	fixture_setup(&f, 12, 0x200000000ULL, 5);
	assert_int_equal(kho_radix_attach(&att, &f.geo, arena_ops(f.arena),
					  kho_radix_root_phys(&f.tree)),
			 0);
	live = arena_live(f.arena);
	allocs = arena_nr_allocs(f.arena);
	for (i = 0; i < f.m.n; i += 7) {
		uint64_t pfn = f.m.v[i].phys >> f.shift;
		unsigned int order = f.m.v[i].order;

		/* Present and absent blocks alike. */
		assert_int_equal(kho_radix_del_page(&att, pfn, order), -EPERM);
		assert_int_equal(kho_radix_add_page(&att, pfn, order), -EPERM);
		/* The next block of the order, when it is a valid one. */
		if ((1ULL << f.geo.order0_bit) - pfn > 2ULL << order)
			assert_int_equal(
				kho_radix_add_page(&att, pfn + (1ULL << order),
						   order),
				-EPERM);
	}
	assert_int_equal(kho_radix_add_page(&att, 0x777, 0), -EPERM);
	assert_int_equal(kho_radix_add_range(&att, 0x100000, 4096), -EPERM);
	assert_int_equal(kho_radix_del_range(&att, 3, 1000), -EPERM);
	assert_int_equal(kho_radix_add_range(&att, 3, 1000), -EPERM);
	assert_int_equal(arena_nr_allocs(f.arena), allocs);
	assert_int_equal(arena_live(f.arena), live);
	model_assert_tree(&f.m, &att, "attached after refused edits");
	model_assert_tree(&f.m, &f.tree, "original after refused edits");

	/* Destroying the attached tree frees nothing... */
	kho_radix_destroy(&att);
	assert_int_equal(arena_live(f.arena), live);
	assert_int_equal(arena_nr_frees(f.arena), 0);
	/* ...and the owner's tree is intact and still editable. */
	model_assert_tree(&f.m, &f.tree, "original after attached destroy");
	assert_int_equal(kho_radix_del_page(&f.tree, 0, 0), 0);
	model_del(&f.m, 0, 0);
	model_assert_tree(&f.m, &f.tree, "original edited");
	fixture_teardown(&f);
}

/*
 * A reader needs phys_to_virt() only: with every other op NULL it walks,
 * looks up, counts, refuses edits and is destroyed without calling them.
 */
static void test_attach_only_phys_to_virt(void **state)
{
	struct kho_radix_tree att;
	struct kho_mem_ops ops = { 0 };
	struct fixture f;
	unsigned int s;
	size_t i;

	for (s = 0; s < 3; s++) {
		fixture_setup(&f, page_shifts[s], phys_bases[s], 61 + s);
		ops.phys_to_virt = arena_ops(f.arena)->phys_to_virt;
		ops.ctx = f.arena;
		assert_int_equal(kho_radix_attach(&att, &f.geo, &ops,
						  kho_radix_root_phys(&f.tree)),
				 0);
		model_assert_tree(&f.m, &att, "reader with phys_to_virt only");
		for (i = 0; i < f.m.n; i += 5)
			assert_true(kho_radix_test_page(
				&att, f.m.v[i].phys >> f.shift,
				f.m.v[i].order));
		assert_int_equal(kho_radix_add_page(&att, 0x10, 4), -EPERM);
		assert_int_equal(kho_radix_add_range(&att, 0x10, 100), -EPERM);
		assert_int_equal(kho_radix_add_blocks(&att, 0x10, 3, 4),
				 -EPERM);
		assert_int_equal(kho_radix_del_page(&att, 0, 0), -EPERM);
		assert_int_equal(kho_radix_del_range(&att, 3, 1000), -EPERM);
		kho_radix_destroy(&att);
		model_assert_tree(&f.m, &f.tree, "owner after the reader");
		fixture_teardown(&f);
	}
}

/*
 * A reader that maps each page to a copy of it 8 bytes past a 16-byte
 * boundary, as a tool holding a dump in its own buffers may: the walks read
 * the nodes a word at a time instead of two words a vector load.
 */
struct offset_copies {
	struct arena *arena;
	size_t page, n, max;
	uint64_t *phys;
	unsigned char *buf; /* slot i at buf + i * (page + 16) + 8 */
};

static void *offset_copy_of(void *ctx, uint64_t pa)
{
	struct offset_copies *c = ctx;
	const void *va = arena_ops(c->arena)->phys_to_virt(c->arena, pa);
	unsigned char *copy;
	size_t i;

	if (!va)
		return NULL;
	for (i = 0; i < c->n && c->phys[i] != pa; i++)
		;
	copy = c->buf + i * (c->page + 16) + 8;
	if (i == c->n) {
		assert_true(c->n < c->max);
		memcpy(copy, va, c->page);
		c->phys[c->n++] = pa;
	}
	return copy;
}

static void test_attach_unaligned_copies(void **state)
{
	struct kho_radix_tree att;
	struct kho_mem_ops ops = { .phys_to_virt = offset_copy_of };
	struct offset_copies c;
	struct fixture f;
	unsigned int s;

	for (s = 0; s < 3; s++) {
		fixture_setup(&f, page_shifts[s], phys_bases[s], 71 + s);
		c.arena = f.arena;
		c.page = (size_t)1 << f.shift;
		c.n = 0;
		c.max = arena_live(f.arena);
		c.phys = calloc(c.max, sizeof(*c.phys));
		c.buf = malloc(c.max * (c.page + 16));
		assert_non_null(c.phys);
		assert_non_null(c.buf);
		assert_int_equal((uintptr_t)c.buf % 16, 0);
		ops.ctx = &c;
		assert_int_equal(kho_radix_attach(&att, &f.geo, &ops,
						  kho_radix_root_phys(&f.tree)),
				 0);
		model_assert_tree(&f.m, &att, "reader of offset copies");
		assert_int_equal(c.n, c.max);
		kho_radix_destroy(&att);
		free(c.buf);
		free(c.phys);
		fixture_teardown(&f);
	}
}

/* Attach sees what the owner changes afterwards: nothing is copied. */
static void test_attach_sees_updates(void **state)
{
	struct kho_radix_tree att;
	struct fixture f;

	fixture_setup(&f, 14, 0x4000ULL, 9);
	assert_int_equal(kho_radix_attach(&att, &f.geo, arena_ops(f.arena),
					  kho_radix_root_phys(&f.tree)),
			 0);
	add(&f, 0x123450, 4);
	add_range(&f, 0x3000000000ULL, 0x12345);
	assert_int_equal(kho_radix_del_range(&f.tree, 3, 1000), 0);
	model_split(3, 1000, split_del, &f.m);
	assert_false(kho_radix_test_page(&att, 512, 8));
	model_assert_tree(&f.m, &att, "attached after owner's edits");
	kho_radix_destroy(&att);
	fixture_teardown(&f);
}

/*
 * An attached tree reads nodes only through phys_to_virt() of the entries it
 * finds now: after the owner deleted a block and freed its leaf, a lookup on
 * the attached tree must not answer from the freed page (here poisoned, so
 * every bit reads as set; in a kernel it may be reused or unmapped).
 */
static void test_attach_lookup_after_owner_frees(void **state)
{
	struct kho_radix_tree att;
	struct fixture f;

	memset(&f, 0, sizeof(f));
	f.shift = 12;
	assert_int_equal(kho_geometry_init(&f.geo, 12), 0);
	f.arena = arena_create(12, 0x100000, 256);
	assert_non_null(f.arena);
	assert_int_equal(kho_radix_init(&f.tree, &f.geo, arena_ops(f.arena)),
			 0);
	model_init(&f.m, 12);
	add(&f, 0x1000, 0);
	add(&f, 0x9000000, 0);
	assert_int_equal(kho_radix_attach(&att, &f.geo, arena_ops(f.arena),
					  kho_radix_root_phys(&f.tree)),
			 0);
	assert_true(kho_radix_test_page(&att, 0x1000, 0));
	/* The owner deletes it: its leaf (and the nodes above) are freed. */
	assert_int_equal(kho_radix_del_page(&f.tree, 0x1000, 0), 0);
	model_del(&f.m, 0x1000, 0);
	assert_false(kho_radix_test_page(&f.tree, 0x1000, 0));
	if (kho_radix_test_page(&att, 0x1000, 0) ||
	    kho_radix_test_page(&att, 0x1001, 0))
		fail_msg("the attached tree answered from a leaf the owner "
			 "freed (its cached descent path is stale)");
	model_assert_tree(&f.m, &att, "attached after owner's delete");
	kho_radix_destroy(&att);
	fixture_teardown(&f);
}

static void test_attach_bad_root(void **state)
{
	struct kho_radix_tree att;
	struct kho_geometry bad;
	struct fixture f;
	uint64_t root;

	fixture_setup(&f, 16, 0x10000000ULL, 3);
	root = kho_radix_root_phys(&f.tree);
	assert_int_equal(kho_radix_attach(&att, &f.geo, arena_ops(f.arena), 0),
			 -EINVAL);
	assert_int_equal(
		kho_radix_attach(&att, &f.geo, arena_ops(f.arena), root + 8),
		-EINVAL);
	assert_int_equal(kho_radix_attach(&att, &f.geo, arena_ops(f.arena),
					  root + (1ULL << 15)),
			 -EINVAL);
	/* Page-aligned, but not memory the arena maps. */
	assert_int_equal(kho_radix_attach(&att, &f.geo, arena_ops(f.arena),
					  arena_phys_end(f.arena)),
			 -EFAULT);
	assert_int_equal(kho_radix_attach(&att, &f.geo, arena_ops(f.arena),
					  0x10000000ULL - 0x10000),
			 -EFAULT);
	/* A page of the arena that is not allocated. */
	assert_int_equal(kho_radix_attach(&att, &f.geo, arena_ops(f.arena),
					  arena_page_phys(f.arena, 4000)),
			 -EFAULT);
	/* A geometry that no page size has. */
	bad = f.geo;
	bad.depth = 3;
	assert_int_equal(kho_radix_attach(&att, &bad, arena_ops(f.arena), root),
			 -EINVAL);
	bad = f.geo;
	bad.page_shift = 13;
	assert_int_equal(kho_radix_attach(&att, &bad, arena_ops(f.arena), root),
			 -EINVAL);
	fixture_teardown(&f);
}

/*
 * Find an entry at @level (depth-1 = root ... 1) on the path of the @nth
 * block of the model; return its slot.
 */
static uint64_t *entry_slot(struct fixture *f, size_t nth, unsigned int level)
{
	const struct model_block *b = &f->m.v[nth];
	uint64_t key = model_key(f->shift, b->phys, b->order);
	unsigned int tb = f->shift - 3, bb = f->shift + 3, l;
	uint64_t *node = va_of(f, kho_radix_root_phys(&f->tree));

	for (l = model_depth(f->shift) - 1;; l--) {
		uint64_t *slot = &node[(key >> ((l - 1) * tb + bb)) &
				       ((1ULL << tb) - 1)];

		assert_int_not_equal(*slot, 0);
		if (l == level)
			return slot;
		node = va_of(f, *slot);
		assert_non_null(node);
	}
}

static uint64_t nr_cb;

static int counting_cb(uint64_t phys, unsigned int order, void *arg)
{
	nr_cb++;
	return 0;
}

static int counting_range_cb(uint64_t start, uint64_t end, void *arg)
{
	nr_cb++;
	return 0;
}

/* Every reader of @t fails with @err; nothing crashes. */
static void expect_walk_error(struct fixture *f, struct kho_radix_tree *t,
			      int err, size_t nth)
{
	const struct model_block *b = &f->m.v[nth];
	struct kho_radix_stats st;

	nr_cb = 0;
	assert_int_equal(kho_radix_walk(t, counting_cb, NULL), err);
	/* The walk stopped at the bad entry: it did not visit everything. */
	assert_true(nr_cb < f->m.n);
	assert_int_equal(kho_radix_walk_ranges(t, counting_range_cb, NULL),
			 err);
	assert_int_equal(kho_radix_get_stats(t, &st), err);
	/* The block under the bad entry cannot be found. */
	assert_false(kho_radix_test_page(t, b->phys >> f->shift, b->order));
}

static void test_attach_bad_entries(void **state)
{
	unsigned int s, level;

	for (s = 0; s < 3; s++) {
		struct kho_radix_tree att;
		struct fixture f;
		size_t nth;

		fixture_setup(&f, page_shifts[s], phys_bases[s], 31 + s);
		assert_int_equal(kho_radix_attach(&att, &f.geo,
						  arena_ops(f.arena),
						  kho_radix_root_phys(&f.tree)),
				 0);
		/* A block in the middle of the walk, so some come before. */
		nth = f.m.n / 2;
		for (level = model_depth(f.shift) - 1; level >= 1; level--) {
			uint64_t *slot = entry_slot(&f, nth, level);
			uint64_t saved = *slot;
			const uint64_t bad[] = {
				arena_phys_end(f.arena), /* outside */
				arena_page_phys(f.arena,
						4095), /* not allocated */
				phys_bases[s] ?
					phys_bases[s] - (1ULL << f.shift) :
					1ULL << 63,
				~0ULL << f.shift,
			};
			unsigned int i;

			for (i = 0; i < 4; i++) {
				*slot = bad[i];
				expect_walk_error(&f, &att, -EFAULT, nth);
			}
			/* Misaligned, inside a live page. */
			*slot = saved + 8;
			expect_walk_error(&f, &att, -EINVAL, nth);
			*slot = saved + (1ULL << (f.shift - 1));
			expect_walk_error(&f, &att, -EINVAL, nth);
			*slot = saved | 1;
			expect_walk_error(&f, &att, -EINVAL, nth);
			*slot = saved;
			model_assert_tree(&f.m, &att, "repaired");
		}
		kho_radix_destroy(&att);
		fixture_teardown(&f);
	}
}

/*
 * An entry that points back up the tree (to the root, or to its own node)
 * is a mapped, aligned page: reading it as a lower level must terminate.
 */
static void test_attach_cycles_terminate(void **state)
{
	unsigned int s, level;

	for (s = 0; s < 3; s++) {
		struct kho_radix_tree att;
		struct kho_radix_stats st;
		struct fixture f;
		struct count c;

		fixture_setup(&f, page_shifts[s], phys_bases[s], 41 + s);
		assert_int_equal(kho_radix_attach(&att, &f.geo,
						  arena_ops(f.arena),
						  kho_radix_root_phys(&f.tree)),
				 0);
		for (level = model_depth(f.shift) - 1; level >= 1; level--) {
			uint64_t *slot = entry_slot(&f, 0, level);
			uint64_t saved = *slot;

			*slot = kho_radix_root_phys(&f.tree);
			c.n = 0;
			kho_radix_walk(&att, count_cb, &c);
			kho_radix_walk_ranges(&att, count_range_cb, &c);
			kho_radix_get_stats(&att, &st);
			*slot = saved;
		}
		model_assert_tree(&f.m, &att, "repaired");
		kho_radix_destroy(&att);
		fixture_teardown(&f);
	}
}

struct fuzz_check {
	unsigned int shift;
	uint64_t last, n;
	bool bad;
};

static int fuzz_block_cb(uint64_t phys, unsigned int order, void *arg)
{
	struct fuzz_check *c = arg;
	uint64_t key = model_key(c->shift, phys, order);

	/* Whatever the bits say, blocks come in ascending key order. */
	if (order > 64 - c->shift || (c->n++ && key <= c->last))
		c->bad = true;
	c->last = key;
	return 0;
}

static int fuzz_range_cb(uint64_t start, uint64_t end, void *arg)
{
	struct fuzz_check *c = arg;

	if (end <= start || (c->n++ && start <= c->last))
		c->bad = true;
	c->last = end;
	return 0;
}

static bool walk_ret_ok(int ret)
{
	return !ret || ret == -EFAULT || ret == -EINVAL;
}

/*
 * Random damage to the nodes of an adopted tree: words overwritten with
 * random values, with addresses of other nodes (cycles, wrong levels),
 * misaligned or unmapped addresses, or zero. Every reader must return
 * normally, with 0 or -EFAULT/-EINVAL, and what the walks report must
 * still be in order. Then the damage is undone and the tree is intact.
 */
static void test_attach_fuzz(void **state)
{
	unsigned int s, iter, i;

	for (s = 0; s < 3; s++) {
		struct kho_radix_tree att;
		struct fixture f;
		uint64_t nodes[512], nr_nodes = 0, pa;
		uint64_t *slot[8], saved[8];

		fixture_setup(&f, page_shifts[s], phys_bases[s], 51 + s);
		for (i = 0; i < 4096 && nr_nodes < 512; i++) {
			pa = arena_page_phys(f.arena, i);
			if (arena_is_live(f.arena, pa))
				nodes[nr_nodes++] = pa;
		}
		assert_true(nr_nodes > 10);
		assert_int_equal(kho_radix_attach(&att, &f.geo,
						  arena_ops(f.arena),
						  kho_radix_root_phys(&f.tree)),
				 0);
		for (iter = 0; iter < 120; iter++) {
			struct fuzz_check c = { .shift = f.shift };
			struct kho_radix_stats st;
			uint64_t words = (1ULL << f.shift) / 8;
			unsigned int k = 1 + rnd(&f) % 8;
			int ret;

			for (i = 0; i < k; i++) {
				uint64_t *node =
					va_of(&f, nodes[rnd(&f) % nr_nodes]);
				uint64_t v;

				slot[i] = &node[rnd(&f) % words];
				saved[i] = *slot[i];
				switch (rnd(&f) % 6) {
				case 0:
					v = rnd(&f);
					break;
				case 1:
				case 2:
					v = nodes[rnd(&f) % nr_nodes];
					break;
				case 3:
					v = nodes[rnd(&f) % nr_nodes] +
					    8 * (1 + rnd(&f) % 8);
					break;
				case 4:
					v = arena_phys_end(f.arena) +
					    (rnd(&f) % 64 << f.shift);
					break;
				default:
					v = 0;
					break;
				}
				*slot[i] = v;
			}
			ret = kho_radix_walk(&att, fuzz_block_cb, &c);
			assert_true(walk_ret_ok(ret));
			assert_false(c.bad);
			memset(&c, 0, sizeof(c));
			ret = kho_radix_walk_ranges(&att, fuzz_range_cb, &c);
			assert_true(walk_ret_ok(ret));
			assert_false(c.bad);
			assert_true(
				walk_ret_ok(kho_radix_get_stats(&att, &st)));
			for (i = 0; i < 16; i++) {
				const struct model_block *b =
					&f.m.v[rnd(&f) % f.m.n];

				kho_radix_test_page(&att, b->phys >> f.shift,
						    b->order);
			}
			/* Undo, last change first (a slot may repeat). */
			for (i = k; i--;)
				*slot[i] = saved[i];
		}
		model_assert_tree(&f.m, &att, "after the fuzzing, repaired");
		kho_radix_destroy(&att);
		fixture_teardown(&f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abi_layout_4k),
		cmocka_unit_test(test_abi_reader),
		cmocka_unit_test(test_attach_same_blocks),
		cmocka_unit_test(test_attached_read_only),
		cmocka_unit_test(test_attach_only_phys_to_virt),
		cmocka_unit_test(test_attach_unaligned_copies),
		cmocka_unit_test(test_attach_sees_updates),
		cmocka_unit_test(test_attach_lookup_after_owner_frees),
		cmocka_unit_test(test_attach_bad_root),
		cmocka_unit_test(test_attach_bad_entries),
		cmocka_unit_test(test_attach_cycles_terminate),
		cmocka_unit_test(test_attach_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
