// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_radix_keyapi.c - the kernel's key API: kho_radix_add_key(),
 * kho_radix_del_key(), kho_radix_walk_tree() with its leaf and node
 * callbacks, as Linux 7.3 declares them in include/linux/kho_radix_tree.h.
 *
 * - Raw keys, key 0 and the widest key included, come back from the walk
 *   ascending; a key past the tree's width is -ERANGE; deleting a key that
 *   is not set is -ENOENT; deleting every key leaves only the root.
 * - The node callback sees the root first, every node before the nodes and
 *   keys below it, each once, as many as kho_radix_get_stats() counts.
 * - A non-zero callback return stops the walk and is returned; NULL
 *   callbacks are skipped.
 * - A key is a block: add_key(kho_key_encode(phys, order)) is
 *   add_page(pfn, order), and del_key of it undoes add_page.
 * - An allocation that fails leaves the tree as it was, nothing leaked.
 * - An attached tree is read-only (-EPERM) and walks the same; a bad entry
 *   stops its walk with -EFAULT.
 * - The kernel's own use ported: kho_extend_scratch()'s digest of a memory
 *   tree into a tree of 1 GiB block numbers, then free gaps between them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kho/radix.h>

#include "lib/arena.h"

static const unsigned int page_shifts[] = { 12, 14, 16 };

#define MAX_KEYS 4096
#define ARENA_PAGES 4096

struct walk_log {
	uint64_t keys[MAX_KEYS];
	size_t nr_keys;
	uint64_t nodes[ARENA_PAGES];
	size_t nr_nodes;
	/* Index in nodes[] of the last node reported before each key. */
	size_t node_before[MAX_KEYS];
	size_t stop_after_keys; /* 0: never stop */
	size_t stop_after_nodes;
};

static int log_leaf(uint64_t key, void *data)
{
	struct walk_log *l = data;

	assert_true(l->nr_keys < MAX_KEYS);
	l->node_before[l->nr_keys] = l->nr_nodes;
	l->keys[l->nr_keys++] = key;
	if (l->stop_after_keys && l->nr_keys == l->stop_after_keys)
		return 42;
	return 0;
}

static int log_node(uint64_t phys, void *data)
{
	struct walk_log *l = data;

	assert_true(l->nr_nodes < ARENA_PAGES);
	l->nodes[l->nr_nodes++] = phys;
	if (l->stop_after_nodes && l->nr_nodes == l->stop_after_nodes)
		return -7;
	return 0;
}

static const struct kho_radix_walk_cb log_cb = {
	.leaf = log_leaf,
	.node = log_node,
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static struct arena *new_tree(unsigned int shift, struct kho_geometry *geo,
			      struct kho_radix_tree *tree)
{
	struct arena *a = arena_create(shift, 0x40000000ULL << 8, ARENA_PAGES);

	assert_non_null(a);
	assert_int_equal(kho_geometry_init(geo, shift), 0);
	assert_int_equal(kho_radix_init(tree, geo, arena_ops(a)), 0);
	return a;
}

static void end_tree(struct arena *a, struct kho_radix_tree *tree)
{
	kho_radix_destroy(tree);
	assert_int_equal(arena_live(a), 0);
	assert_int_equal(arena_errors(a), 0);
	arena_destroy(a);
}

static uint64_t nr_nodes(struct kho_radix_tree *tree)
{
	struct kho_radix_stats st;

	assert_int_equal(kho_radix_get_stats(tree, &st), 0);
	return st.nr_nodes;
}

/* Raw keys round trip, ascending, with every edge of the key space. */
static void test_keys_round_trip(void **state)
{
	for (size_t p = 0; p < sizeof(page_shifts) / sizeof(page_shifts[0]);
	     p++) {
		struct kho_geometry geo;
		struct kho_radix_tree tree;
		struct arena *a = new_tree(page_shifts[p], &geo, &tree);
		static struct walk_log log;
		static uint64_t want[MAX_KEYS];
		const uint64_t top = 1ULL << geo.key_width;
		uint64_t seed = 0x1234567 + p, k;
		size_t n = 0, i, j;

		want[n++] = 0;
		want[n++] = 1;
		want[n++] = top - 1;
		want[n++] = top / 2;
		/* Clustered (same leaf) and spread keys. */
		for (i = 0; i < 200; i++)
			want[n++] = (top / 3 + i * 7) & (top - 1);
		for (i = 0; i < 300; i++)
			want[n++] = xorshift64(&seed) & (top - 1);
		for (i = 0; i < n; i++)
			assert_int_equal(kho_radix_add_key(&tree, want[i]), 0);
		/* Again: already set is fine. */
		assert_int_equal(kho_radix_add_key(&tree, want[5]), 0);
		qsort(want, n, sizeof(want[0]), cmp_u64);
		for (i = j = 0; i < n; i++)
			if (!j || want[j - 1] != want[i])
				want[j++] = want[i];
		n = j;

		memset(&log, 0, sizeof(log));
		assert_int_equal(kho_radix_walk_tree(&tree, &log_cb, &log), 0);
		assert_int_equal(log.nr_keys, n);
		for (i = 0; i < n; i++)
			assert_int_equal(log.keys[i], want[i]);
		assert_int_equal(log.nr_nodes, nr_nodes(&tree));

		/* Too wide, and wider still. */
		assert_int_equal(kho_radix_add_key(&tree, top), -ERANGE);
		assert_int_equal(kho_radix_add_key(&tree, ~0ULL), -ERANGE);
		assert_int_equal(kho_radix_del_key(&tree, top), -ERANGE);

		/* Delete every other key, check, then the rest. */
		for (i = 0; i < n; i += 2)
			assert_int_equal(kho_radix_del_key(&tree, want[i]), 0);
		for (i = 0; i < n; i += 2)
			assert_int_equal(kho_radix_del_key(&tree, want[i]),
					 -ENOENT);
		memset(&log, 0, sizeof(log));
		assert_int_equal(kho_radix_walk_tree(&tree, &log_cb, &log), 0);
		assert_int_equal(log.nr_keys, n / 2);
		for (i = 1, j = 0; i < n; i += 2, j++)
			assert_int_equal(log.keys[j], want[i]);
		for (i = 1; i < n; i += 2)
			assert_int_equal(kho_radix_del_key(&tree, want[i]), 0);
		/* Only the root is left, and a key never set is absent. */
		assert_int_equal(nr_nodes(&tree), 1);
		assert_int_equal(arena_live(a), 1);
		k = want[n / 2];
		assert_int_equal(kho_radix_del_key(&tree, k), -ENOENT);
		memset(&log, 0, sizeof(log));
		assert_int_equal(kho_radix_walk_tree(&tree, &log_cb, &log), 0);
		assert_int_equal(log.nr_keys, 0);
		assert_int_equal(log.nr_nodes, 1);
		assert_int_equal(log.nodes[0], kho_radix_root_phys(&tree));
		end_tree(a, &tree);
	}
}

/* Nodes: root first, each once, parents before children, leaf before keys. */
static void test_node_order(void **state)
{
	struct kho_geometry geo;
	struct kho_radix_tree tree;
	struct arena *a = new_tree(12, &geo, &tree);
	static struct walk_log log;
	uint64_t seed = 99;
	size_t i, j;

	for (i = 0; i < 64; i++)
		assert_int_equal(
			kho_radix_add_key(&tree, xorshift64(&seed) >>
							 (64 - geo.key_width)),
			0);
	memset(&log, 0, sizeof(log));
	assert_int_equal(kho_radix_walk_tree(&tree, &log_cb, &log), 0);
	assert_int_equal(log.nr_keys, 64);
	assert_int_equal(log.nodes[0], kho_radix_root_phys(&tree));
	assert_int_equal(log.nr_nodes, nr_nodes(&tree));
	for (i = 0; i < log.nr_nodes; i++) {
		assert_true(arena_is_live(a, log.nodes[i]));
		for (j = 0; j < i; j++)
			assert_true(log.nodes[i] != log.nodes[j]);
	}
	/*
	 * Every key comes after its leaf and, with keys this far apart, the
	 * node reported just before a key is that key's leaf: it holds the
	 * key's bit.
	 */
	for (i = 0; i < log.nr_keys; i++) {
		uint64_t leaf_pa = log.nodes[log.node_before[i] - 1];
		const uint64_t *leaf = arena_ops(a)->phys_to_virt(a, leaf_pa);
		uint64_t bit = log.keys[i] & ((1ULL << geo.bitmap_bits) - 1);

		assert_non_null(leaf);
		assert_true(leaf[bit / 64] & 1ULL << (bit % 64));
	}
	end_tree(a, &tree);
}

/* A non-zero return stops the walk; NULL callbacks are skipped. */
static void test_walk_stops(void **state)
{
	struct kho_geometry geo;
	struct kho_radix_tree tree;
	struct arena *a = new_tree(12, &geo, &tree);
	static struct walk_log log;
	const struct kho_radix_walk_cb only_leaf = { .leaf = log_leaf };
	const struct kho_radix_walk_cb only_node = { .node = log_node };
	const struct kho_radix_walk_cb none = { 0 };
	size_t i;

	for (i = 0; i < 10; i++)
		assert_int_equal(kho_radix_add_key(&tree, 1000 + 3 * i), 0);
	memset(&log, 0, sizeof(log));
	log.stop_after_keys = 4;
	assert_int_equal(kho_radix_walk_tree(&tree, &log_cb, &log), 42);
	assert_int_equal(log.nr_keys, 4);

	memset(&log, 0, sizeof(log));
	log.stop_after_nodes = 1; /* the root */
	assert_int_equal(kho_radix_walk_tree(&tree, &log_cb, &log), -7);
	assert_int_equal(log.nr_keys, 0);
	memset(&log, 0, sizeof(log));
	log.stop_after_nodes = 3; /* a node below the root */
	assert_int_equal(kho_radix_walk_tree(&tree, &log_cb, &log), -7);
	assert_int_equal(log.nr_nodes, 3);
	assert_int_equal(log.nr_keys, 0);

	memset(&log, 0, sizeof(log));
	assert_int_equal(kho_radix_walk_tree(&tree, &only_leaf, &log), 0);
	assert_int_equal(log.nr_keys, 10);
	assert_int_equal(log.nr_nodes, 0);
	memset(&log, 0, sizeof(log));
	assert_int_equal(kho_radix_walk_tree(&tree, &only_node, &log), 0);
	assert_int_equal(log.nr_keys, 0);
	assert_int_equal(log.nr_nodes, geo.depth);
	assert_int_equal(kho_radix_walk_tree(&tree, &none, NULL), 0);
	end_tree(a, &tree);
}

/* A key is a block: the two APIs see each other's changes. */
static void test_keys_are_blocks(void **state)
{
	for (size_t p = 0; p < sizeof(page_shifts) / sizeof(page_shifts[0]);
	     p++) {
		struct kho_geometry geo;
		struct kho_radix_tree tree;
		struct arena *a = new_tree(page_shifts[p], &geo, &tree);
		const unsigned int shift = page_shifts[p];
		static const unsigned int orders[] = { 0, 1, 9, 18 };

		for (size_t o = 0; o < 4; o++) {
			unsigned int order = orders[o];
			uint64_t pfn = (0x123ULL << 20) >> order << order;
			uint64_t key =
				kho_key_encode(&geo, pfn << shift, order);

			assert_int_equal(kho_radix_add_key(&tree, key), 0);
			assert_true(kho_radix_test_page(&tree, pfn, order));
			assert_int_equal(kho_radix_del_page(&tree, pfn, order),
					 0);
			assert_int_equal(kho_radix_del_key(&tree, key),
					 -ENOENT);
			assert_int_equal(kho_radix_add_page(&tree, pfn, order),
					 0);
			assert_int_equal(kho_radix_del_key(&tree, key), 0);
			assert_false(kho_radix_test_page(&tree, pfn, order));
		}
		assert_int_equal(nr_nodes(&tree), 1);
		end_tree(a, &tree);
	}
}

/* ENOMEM at each allocation of an add: the tree is as it was. */
static void test_add_key_enomem(void **state)
{
	struct kho_geometry geo;
	struct kho_radix_tree tree;
	struct arena *a = new_tree(12, &geo, &tree);
	static struct walk_log log;
	const uint64_t key = (1ULL << 52) | 0xabcdef;
	uint64_t live = arena_live(a), n;

	assert_int_equal(kho_radix_add_key(&tree, 7), 0);
	live = arena_live(a);
	for (n = 1; n < geo.depth; n++) {
		arena_fail_nth(a, n);
		assert_int_equal(kho_radix_add_key(&tree, key), -ENOMEM);
		arena_fail_nth(a, 0);
		assert_int_equal(arena_live(a), live);
		memset(&log, 0, sizeof(log));
		assert_int_equal(kho_radix_walk_tree(&tree, &log_cb, &log), 0);
		assert_int_equal(log.nr_keys, 1);
		assert_int_equal(log.keys[0], 7);
	}
	assert_int_equal(kho_radix_add_key(&tree, key), 0);
	assert_int_equal(arena_live(a), live + geo.depth - 1);
	end_tree(a, &tree);
}

/* An attached tree: read-only, walks the same, refuses a bad entry. */
static void test_attached(void **state)
{
	struct kho_geometry geo;
	struct kho_radix_tree tree, copy;
	struct arena *a = new_tree(12, &geo, &tree);
	static struct walk_log log, log2;
	uint64_t *root, saved;
	unsigned int i;

	for (i = 0; i < 100; i++)
		assert_int_equal(kho_radix_add_key(&tree, (1ULL << 40) * i + i),
				 0);
	assert_int_equal(kho_radix_attach(&copy, &geo, arena_ops(a),
					  kho_radix_root_phys(&tree)),
			 0);
	assert_int_equal(kho_radix_add_key(&copy, 5), -EPERM);
	assert_int_equal(kho_radix_del_key(&copy, 1ULL << 40), -EPERM);
	memset(&log, 0, sizeof(log));
	memset(&log2, 0, sizeof(log2));
	assert_int_equal(kho_radix_walk_tree(&tree, &log_cb, &log), 0);
	assert_int_equal(kho_radix_walk_tree(&copy, &log_cb, &log2), 0);
	assert_int_equal(log.nr_keys, 100);
	assert_memory_equal(&log, &log2, sizeof(log));

	/* A root entry pointing nowhere: the walk stops with -EFAULT. */
	root = arena_ops(a)->phys_to_virt(a, kho_radix_root_phys(&tree));
	for (i = 0; !root[i]; i++)
		;
	saved = root[i];
	root[i] = arena_phys_end(a);
	memset(&log, 0, sizeof(log));
	assert_int_equal(kho_radix_walk_tree(&copy, &log_cb, &log), -EFAULT);
	root[i] = saved + 8;
	assert_int_equal(kho_radix_walk_tree(&copy, &log_cb, &log), -EINVAL);
	root[i] = saved;
	kho_radix_destroy(&copy);
	end_tree(a, &tree);
}

/*
 * The kernel's kho_extend_scratch() ported: digest the preserved-memory tree
 * (blocks and the tree's own nodes) into a tree of 1 GiB block numbers, then
 * walk that for the gaps between busy blocks.
 */
#define GIB_SHIFT 30

struct digest {
	const struct kho_geometry *geo;
	struct kho_radix_tree *busy;
};

static int digest_leaf(uint64_t key, void *data)
{
	struct digest *d = data;
	unsigned int order;
	uint64_t start = kho_key_decode(d->geo, key, &order);
	uint64_t end = start + (1ULL << (order + d->geo->page_shift));
	int ret;

	for (; start < end; start += 1ULL << GIB_SHIFT) {
		ret = kho_radix_add_key(d->busy, start >> GIB_SHIFT);
		if (ret)
			return ret;
	}
	return 0;
}

static int digest_node(uint64_t phys, void *data)
{
	struct digest *d = data;

	return kho_radix_add_key(d->busy, phys >> GIB_SHIFT);
}

struct gaps {
	uint64_t prev_end;
	uint64_t starts[16], ends[16];
	unsigned int nr;
};

static int mark_gap(uint64_t key, void *data)
{
	struct gaps *g = data;
	uint64_t start = key << GIB_SHIFT;

	if (start > g->prev_end) {
		assert_true(g->nr < 16);
		g->starts[g->nr] = g->prev_end;
		g->ends[g->nr++] = start;
	}
	g->prev_end = start + (1ULL << GIB_SHIFT);
	return 0;
}

static void test_kernel_port_extend_scratch(void **state)
{
	struct kho_geometry geo;
	struct kho_radix_tree mem, busy;
	struct arena *a = new_tree(12, &geo, &mem);
	const struct kho_radix_walk_cb kho_cb = { .leaf = digest_leaf,
						  .node = digest_node };
	const struct kho_radix_walk_cb ext_cb = { .leaf = mark_gap };
	struct digest d = { .geo = &geo, .busy = &busy };
	struct gaps g = { 0 };
	const uint64_t gib = 1ULL << GIB_SHIFT;
	uint64_t node_gib = (0x40000000ULL << 8) >> GIB_SHIFT;

	/* A page at 1 GiB + 8 KiB, a 2 GiB block at 4 GiB, a page at 9 GiB. */
	assert_int_equal(kho_radix_add_page(&mem, (gib + 0x2000) >> 12, 0), 0);
	assert_int_equal(kho_radix_add_page(&mem, (4 * gib) >> 12, 19), 0);
	assert_int_equal(kho_radix_add_page(&mem, (9 * gib) >> 12, 0), 0);
	assert_int_equal(kho_radix_init(&busy, &geo, arena_ops(a)), 0);
	assert_int_equal(kho_radix_walk_tree(&mem, &kho_cb, &d), 0);
	assert_int_equal(kho_radix_walk_tree(&busy, &ext_cb, &g), 0);
	/* Busy: 1, 4, 5, 9 and the GiB of the tree's nodes (the arena). */
	assert_int_equal(g.nr, 4);
	assert_int_equal(g.starts[0], 0);
	assert_int_equal(g.ends[0], gib);
	assert_int_equal(g.starts[1], 2 * gib);
	assert_int_equal(g.ends[1], 4 * gib);
	assert_int_equal(g.starts[2], 6 * gib);
	assert_int_equal(g.ends[2], 9 * gib);
	assert_int_equal(g.starts[3], 10 * gib);
	assert_int_equal(g.ends[3], node_gib * gib);
	assert_int_equal(g.prev_end, (node_gib + 1) * gib);
	kho_radix_destroy(&busy);
	end_tree(a, &mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_round_trip),
		cmocka_unit_test(test_node_order),
		cmocka_unit_test(test_walk_stops),
		cmocka_unit_test(test_keys_are_blocks),
		cmocka_unit_test(test_add_key_enomem),
		cmocka_unit_test(test_attached),
		cmocka_unit_test(test_kernel_port_extend_scratch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
