// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_radix_validate.c - kho_radix_validate() refuses every hostile tree
 * shape it promises to, names where, and accepts real trees.
 *
 * The tree's nodes live in a test arena (the "node RAM"); preserved blocks
 * live in a second RAM region (the "data RAM"), with a hole between. Each
 * case builds a real tree with the library, corrupts one thing through the
 * arena's mapping, attaches a second tree struct and validates it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <kho/validate.h>

#include "lib/arena.h"

#define NODE_PAGES 4096
#define NODE_BASE 0x2000000000ULL /* node RAM: the arena, at 128 GiB */
#define DATA_BASE 0x40000000ULL	  /* data RAM: [1 GiB, 65 GiB) */
#define DATA_SIZE 0x1000000000ULL
#define HOLE 0x1080000000ULL /* between the two */

struct fixture {
	unsigned int shift;
	struct kho_geometry geo;
	struct arena *arena;
	struct kho_radix_tree tree;   /* built by the library */
	struct kho_radix_tree reader; /* attached to it */
	struct kho_mem_region ram[2];
	struct kho_scratch scratch[1];
	struct kho_tree_check chk;
};

static void *va(struct fixture *f, uint64_t pa)
{
	return arena_ops(f->arena)->phys_to_virt(f->arena, pa);
}

static int setup(void **state, unsigned int shift)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->shift = shift;
	assert_int_equal(kho_geometry_init(&f->geo, shift), 0);
	f->arena = arena_create(shift, NODE_BASE, NODE_PAGES);
	assert_non_null(f->arena);
	assert_int_equal(kho_radix_init(&f->tree, &f->geo, arena_ops(f->arena)),
			 0);
	f->ram[0] = (struct kho_mem_region){ DATA_BASE, DATA_BASE + DATA_SIZE };
	f->ram[1] = (struct kho_mem_region){
		NODE_BASE, NODE_BASE + ((uint64_t)NODE_PAGES << shift)
	};
	/* Scratch: the last 16 MiB of data RAM. */
	f->scratch[0] = (struct kho_scratch){ DATA_BASE + DATA_SIZE - (16 << 20),
					      16 << 20 };
	*state = f;
	return 0;
}

static int setup4k(void **state)
{
	return setup(state, 12);
}

static int setup16k(void **state)
{
	return setup(state, 14);
}

static int setup64k(void **state)
{
	return setup(state, 16);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->chk.seen);
	kho_radix_destroy(&f->tree);
	assert_int_equal(arena_live(f->arena), 0);
	arena_destroy(f->arena);
	free(f);
	return 0;
}

/* Attach a reader to the built tree and validate it. */
static int validate(struct fixture *f)
{
	uint64_t words = kho_tree_check_words(f->ram, 2, f->shift);
	int ret;

	assert_int_equal(kho_radix_attach(&f->reader, &f->geo,
					  arena_ops(f->arena),
					  kho_radix_root_phys(&f->tree)),
			 0);
	free(f->chk.seen);
	memset(&f->chk, 0, sizeof(f->chk));
	f->chk.ram = f->ram;
	f->chk.nr_ram = 2;
	f->chk.scratch = f->scratch;
	f->chk.nr_scratch = 1;
	f->chk.seen = calloc(words, sizeof(uint64_t));
	assert_non_null(f->chk.seen);
	ret = kho_radix_validate(&f->reader, &f->chk);
	kho_radix_destroy(&f->reader); /* attached: frees nothing */
	return ret;
}

static uint64_t pfn(struct fixture *f, uint64_t phys)
{
	return phys >> f->shift;
}

/* A few blocks of several orders, spread over data RAM. */
static void add_some(struct fixture *f)
{
	uint64_t p;

	for (p = DATA_BASE; p < DATA_BASE + (64 << 20); p += 3ULL << f->shift)
		assert_int_equal(kho_radix_add_page(&f->tree, pfn(f, p), 0), 0);
	assert_int_equal(kho_radix_add_page(&f->tree,
					    pfn(f, DATA_BASE + (512 << 20)), 9),
			 0);
	assert_int_equal(kho_radix_add_range(&f->tree,
					     pfn(f, DATA_BASE + (600 << 20)),
					     1000),
			 0);
}

/* The root's first child (a level depth-2 node), mapped. */
static uint64_t *first_child(struct fixture *f, unsigned int *idx)
{
	uint64_t *root = f->tree.root;
	unsigned int i;

	for (i = 0; !root[i]; i++)
		;
	*idx = i;
	return va(f, root[i]);
}

static void test_valid(void **state)
{
	struct fixture *f = *state;
	struct kho_radix_stats st;

	add_some(f);
	assert_int_equal(validate(f), 0);
	assert_int_equal(kho_radix_get_stats(&f->tree, &st), 0);
	assert_int_equal(f->chk.nr_nodes, st.nr_nodes);
	assert_true(f->chk.nr_ranges >= 2);
	assert_null(f->chk.err.what);
}

static void test_empty_tree(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(validate(f), 0);
	assert_int_equal(f->chk.nr_nodes, 1);
	assert_int_equal(f->chk.nr_ranges, 0);
}

static void test_misaligned_entry(void **state)
{
	struct fixture *f = *state;
	unsigned int idx;
	uint64_t *child;

	add_some(f);
	child = first_child(f, &idx);
	(void)child;
	f->tree.root[idx] += 8;
	assert_int_equal(validate(f), -EINVAL);
	assert_int_equal(f->chk.err.level, f->geo.depth - 1);
	assert_int_equal(f->chk.err.index, idx);
	assert_non_null(strstr(f->chk.err.what, "page-aligned"));
	f->tree.root[idx] -= 8;
}

static void test_entry_outside_ram(void **state)
{
	struct fixture *f = *state;
	unsigned int idx;
	uint64_t *child = NULL, saved;

	add_some(f);
	child = first_child(f, &idx);
	for (idx = 0; !child[idx]; idx++)
		;
	saved = child[idx];
	child[idx] = 0x3000000000ULL; /* page-aligned, in no RAM region */
	assert_int_equal(validate(f), -EFAULT);
	assert_int_equal(f->chk.err.phys, 0x3000000000ULL);
	assert_int_equal(f->chk.err.level, f->geo.depth - 2);
	assert_int_equal(f->chk.err.index, idx);
	child[idx] = saved;
}

/* Node RAM left out of the layout: the root itself is refused. */
static void test_root_outside_ram(void **state)
{
	struct fixture *f = *state;
	struct kho_mem_region saved = f->ram[1];

	add_some(f);
	f->ram[1] = (struct kho_mem_region){ HOLE, HOLE + (1ULL << f->shift) };
	assert_int_equal(validate(f), -EFAULT);
	assert_string_equal(f->chk.err.what, "the tree's root is outside RAM");
	assert_int_equal(f->chk.err.phys, kho_radix_root_phys(&f->tree));
	assert_int_equal(f->chk.err.level, f->geo.depth - 1);
	f->ram[1] = saved;
}

static void test_unmapped_entry(void **state)
{
	struct fixture *f = *state;
	unsigned int idx;
	uint64_t *child, saved;

	add_some(f);
	child = first_child(f, &idx);
	for (idx = 0; !child[idx]; idx++)
		;
	saved = child[idx];
	/* Inside node RAM but a page the arena never handed out. */
	child[idx] = arena_page_phys(f->arena, NODE_PAGES - 1);
	assert_int_equal(validate(f), -EFAULT);
	assert_non_null(strstr(f->chk.err.what, "unmapped"));
	child[idx] = saved;
}

static void test_shared_node(void **state)
{
	struct fixture *f = *state;
	unsigned int idx, i;
	uint64_t *child;

	add_some(f);
	child = first_child(f, &idx);
	for (i = 0; !child[i]; i++)
		;
	/* A second entry naming the same subtree. */
	child[i + 1] = child[i];
	assert_int_equal(validate(f), -ELOOP);
	assert_int_equal(f->chk.err.index, i + 1);
	child[i + 1] = 0;
}

static void test_cycle(void **state)
{
	struct fixture *f = *state;
	unsigned int idx;
	uint64_t *child;

	add_some(f);
	child = first_child(f, &idx);
	/* A node pointing back at the root. */
	child[(1U << f->geo.table_bits) - 1] = kho_radix_root_phys(&f->tree);
	assert_int_equal(validate(f), -ELOOP);
	child[(1U << f->geo.table_bits) - 1] = 0;
}

/*
 * Every entry of every table on one path points to the same next node:
 * followed blindly that is entries^(depth-1) paths; refused at once.
 */
static void test_every_entry_same_node(void **state)
{
	struct fixture *f = *state;
	unsigned int entries = 1U << f->geo.table_bits, level, i, idx;
	size_t bytes = (size_t)1 << f->shift;
	uint64_t *node = f->tree.root, *saved[KHO_TREE_MAX_DEPTH];
	struct timespec t0, t1;
	double ms;

	add_some(f);
	(void)first_child(f, &idx);
	for (level = f->geo.depth - 1; level > 0; level--) {
		uint64_t next = node[idx];

		saved[level] = malloc(bytes);
		assert_non_null(saved[level]);
		memcpy(saved[level], node, bytes);
		/* Root: only the entries a valid key reaches. */
		for (i = 0; i < entries; i++)
			if (level != f->geo.depth - 1 || i <= idx)
				node[i] = next;
		node = va(f, next);
		for (idx = 0; level > 1 && !node[idx]; idx++)
			;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(validate(f), -ELOOP);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	/* Not a speed assertion: the figure goes to docs/reliability.md. */
	print_message("every entry the same node: refused in %.3f ms\n", ms);

	/* Put the tables back so the tree can be destroyed. */
	node = f->tree.root;
	for (level = f->geo.depth - 1; level > 0; level--) {
		uint64_t next;

		memcpy(node, saved[level], bytes);
		free(saved[level]);
		for (idx = 0; !node[idx]; idx++)
			;
		next = node[idx];
		node = va(f, next);
	}
}

static void test_root_entry_past_key_width(void **state)
{
	struct fixture *f = *state;
	unsigned int top = f->geo.depth - 1;
	unsigned int past = 1U << (f->geo.key_width -
				   ((top - 1) * f->geo.table_bits +
				    f->geo.bitmap_bits));
	unsigned int idx;

	add_some(f);
	(void)first_child(f, &idx);
	f->tree.root[past] = f->tree.root[idx];
	assert_int_equal(validate(f), -EINVAL);
	assert_int_equal(f->chk.err.index, past);
	assert_non_null(strstr(f->chk.err.what, "no valid key"));
	f->tree.root[past] = 0;
}

static void test_block_outside_ram(void **state)
{
	struct fixture *f = *state;

	add_some(f);
	/* In the hole between data RAM and node RAM. */
	assert_int_equal(kho_radix_add_page(&f->tree, pfn(f, HOLE), 0),
			 0);
	assert_int_equal(validate(f), -ERANGE);
	assert_int_equal(f->chk.err.phys, HOLE);
}

static void test_block_partly_outside_ram(void **state)
{
	struct fixture *f = *state;
	uint64_t order = 30 - f->shift; /* 1 GiB block at 1.5 GiB */

	(void)order;
	assert_int_equal(kho_radix_add_range(&f->tree,
					     pfn(f, DATA_BASE + DATA_SIZE - (1 << 20)),
					     (2 << 20) >> f->shift),
			 0);
	assert_int_equal(validate(f), -ERANGE);
}

static void test_overlapping_blocks(void **state)
{
	struct fixture *f = *state;
	uint64_t big = DATA_BASE + (256 << 20);

	add_some(f);
	assert_int_equal(kho_radix_add_page(&f->tree, pfn(f, big), 4), 0);
	/* The same memory again, a page of it alone. */
	assert_int_equal(kho_radix_add_page(&f->tree,
					    pfn(f, big) + 3, 0), 0);
	/* Linux reserves both: accepted, a warning saying where. */
	assert_int_equal(validate(f), 0);
	assert_int_equal(f->chk.warn.nr, 1);
	assert_non_null(strstr(f->chk.warn.w[0].what, "overlap"));
	assert_int_equal(f->chk.warn.w[0].phys, big + (3ULL << f->shift));
}

static void test_block_overlaps_scratch(void **state)
{
	struct fixture *f = *state;

	add_some(f);
	assert_int_equal(kho_radix_add_page(&f->tree,
					    pfn(f, f->scratch[0].addr) + 5, 0),
			 0);
	/* Linux takes it (a warning): kernel B must not allocate there. */
	assert_int_equal(validate(f), 0);
	assert_int_equal(f->chk.warn.nr, 1);
	assert_non_null(strstr(f->chk.warn.w[0].what, "scratch"));
	assert_int_equal(f->chk.warn.w[0].index, 0);
	assert_int_equal(f->chk.warn.w[0].phys,
			 f->scratch[0].addr + (5ULL << f->shift));
}

static void test_block_overlaps_node(void **state)
{
	struct fixture *f = *state;
	uint64_t root = kho_radix_root_phys(&f->tree);

	add_some(f);
	assert_int_equal(kho_radix_add_page(&f->tree, pfn(f, root), 0), 0);
	assert_int_equal(validate(f), -EBUSY);
	assert_non_null(strstr(f->chk.err.what, "tree node"));
	assert_int_equal(f->chk.err.phys, root);
}

/* Set a key's bit directly, as a hostile writer would. */
static void set_key(struct fixture *f, uint64_t key)
{
	uint64_t *node = f->tree.root;
	unsigned int level, idx;

	for (level = f->geo.depth - 1; level; level--) {
		idx = (key >> ((level - 1) * f->geo.table_bits +
			       f->geo.bitmap_bits)) &
		      ((1U << f->geo.table_bits) - 1);
		assert_true(node[idx] != 0);
		node = va(f, node[idx]);
	}
	key &= (1ULL << f->geo.bitmap_bits) - 1;
	node[key / 64] |= 1ULL << (key % 64);
}

static void test_invalid_keys(void **state)
{
	struct fixture *f = *state;
	/* Keys the encoding never produces: 0, 1, an order's last key. */
	uint64_t bad[] = { 0, 1, 3, (1ULL << f->geo.key_width) - 1 };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* Make the leaf exist with a valid block sharing it. */
		unsigned int order = bad[i] < 64 ? f->geo.order0_bit - 5 : 0;
		uint64_t p = bad[i] < 64 ? 0 :
					   (1ULL << f->geo.order0_bit) - 64;

		assert_int_equal(kho_radix_add_page(&f->tree, p, order), 0);
		set_key(f, bad[i]);
		assert_int_equal(validate(f), -ERANGE);
		assert_int_equal(f->chk.err.level, 0);
		kho_radix_destroy(&f->tree);
		assert_int_equal(kho_radix_init(&f->tree, &f->geo,
						arena_ops(f->arena)),
				 0);
	}
}

/* A tree with as many nodes as the arena holds validates, once each. */
static void test_many_nodes(void **state)
{
	struct fixture *f = *state;
	uint64_t leaf_span = 1ULL << (f->geo.bitmap_bits + f->shift);
	uint64_t p;
	struct kho_radix_stats st;

	/* One order-0 block per leaf over all of data RAM below scratch. */
	for (p = DATA_BASE; p < f->scratch[0].addr; p += leaf_span) {
		int ret = kho_radix_add_page(&f->tree, pfn(f, p), 0);

		if (ret == -ENOMEM)
			break;
		assert_int_equal(ret, 0);
	}
	assert_int_equal(validate(f), 0);
	assert_int_equal(kho_radix_get_stats(&f->tree, &st), 0);
	assert_int_equal(f->chk.nr_nodes, st.nr_nodes);
}

#define CASES(setup_fn)                                                      \
	cmocka_unit_test_setup_teardown(test_valid, setup_fn, teardown),     \
	cmocka_unit_test_setup_teardown(test_empty_tree, setup_fn, teardown), \
	cmocka_unit_test_setup_teardown(test_misaligned_entry, setup_fn,     \
					teardown),                           \
	cmocka_unit_test_setup_teardown(test_entry_outside_ram, setup_fn,    \
					teardown),                           \
	cmocka_unit_test_setup_teardown(test_root_outside_ram, setup_fn,     \
					teardown),                           \
	cmocka_unit_test_setup_teardown(test_unmapped_entry, setup_fn,       \
					teardown),                           \
	cmocka_unit_test_setup_teardown(test_shared_node, setup_fn,          \
					teardown),                           \
	cmocka_unit_test_setup_teardown(test_cycle, setup_fn, teardown),     \
	cmocka_unit_test_setup_teardown(test_every_entry_same_node,          \
					setup_fn, teardown),                 \
	cmocka_unit_test_setup_teardown(test_root_entry_past_key_width,      \
					setup_fn, teardown),                 \
	cmocka_unit_test_setup_teardown(test_block_outside_ram, setup_fn,    \
					teardown),                           \
	cmocka_unit_test_setup_teardown(test_block_partly_outside_ram,       \
					setup_fn, teardown),                 \
	cmocka_unit_test_setup_teardown(test_overlapping_blocks, setup_fn,   \
					teardown),                           \
	cmocka_unit_test_setup_teardown(test_block_overlaps_scratch,         \
					setup_fn, teardown),                 \
	cmocka_unit_test_setup_teardown(test_block_overlaps_node, setup_fn,  \
					teardown),                           \
	cmocka_unit_test_setup_teardown(test_invalid_keys, setup_fn,         \
					teardown),                           \
	cmocka_unit_test_setup_teardown(test_many_nodes, setup_fn, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = { CASES(setup4k), CASES(setup16k),
					    CASES(setup64k) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
