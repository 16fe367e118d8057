// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_radix_keys.c - the key encoding and the geometry are abi.md's:
 * the worked key vectors, encode/decode round trips for every order and all
 * three page sizes (against an independent formula), the geometry of each
 * page size (16 KiB pages need 5 levels), rejection of other page sizes, and
 * the kernel's split of a page run into aligned blocks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <kho/radix.h>

#include "lib/model.h"

static const unsigned int page_shifts[] = { 12, 14, 16 };

static unsigned int nr_warnings;

static void count_warning(const char *file, int line, const char *what)
{
	nr_warnings++;
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void test_key_vectors(void **state)
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
	struct kho_geometry geo;
	unsigned int i, order;

	assert_int_equal(kho_geometry_init(&geo, 12), 0);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(kho_key_encode(&geo, v[i].phys, v[i].order),
				 v[i].key);
		order = 99;
		assert_int_equal(kho_key_decode(&geo, v[i].key, &order),
				 v[i].phys);
		assert_int_equal(order, v[i].order);
	}
	/* Order 1 uses bit 51, order 2 bit 50: one tree holds every order. */
	assert_int_equal(kho_key_encode(&geo, 0, 1), 1ULL << 51);
	assert_int_equal(kho_key_encode(&geo, 0, 2), 1ULL << 50);
	/* The block of the whole address space is key 1. */
	assert_int_equal(kho_key_encode(&geo, 0, 52), 1);
	assert_int_equal(kho_key_decode(&geo, 1, &order), 0);
	assert_int_equal(order, 52);
	/* The last page of the address space: every key bit set. */
	assert_int_equal(kho_key_encode(&geo, 0xfffffffffffff000ULL, 0),
			 (1ULL << 53) - 1);
}

/* Round trip of one block; the key also matches abi.md's formula. */
static void check_round_trip(const struct kho_geometry *geo, uint64_t phys,
			     unsigned int order)
{
	uint64_t key = kho_key_encode(geo, phys, order);
	unsigned int got_order = 999;
	uint64_t got;

	if (key != model_key(geo->page_shift, phys, order))
		fail_msg("shift %u phys 0x%llx order %u: key 0x%llx, "
			 "expected 0x%llx",
			 geo->page_shift, (unsigned long long)phys, order,
			 (unsigned long long)key,
			 (unsigned long long)model_key(geo->page_shift, phys,
						       order));
	/* The order bit sits at order0_bit - order; the key fits the tree. */
	assert_int_equal(63 - __builtin_clzll(key), geo->order0_bit - order);
	assert_true(key >> geo->key_width == 0);
	got = kho_key_decode(geo, key, &got_order);
	if (got != phys || got_order != order)
		fail_msg("shift %u: key 0x%llx decodes to phys 0x%llx order "
			 "%u, expected 0x%llx order %u",
			 geo->page_shift, (unsigned long long)key,
			 (unsigned long long)got, got_order,
			 (unsigned long long)phys, order);
}

static void test_round_trips(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	unsigned int s, order, i;

	for (s = 0; s < 3; s++) {
		struct kho_geometry geo;

		assert_int_equal(kho_geometry_init(&geo, page_shifts[s]), 0);
		for (order = 0; order <= geo.order0_bit; order++) {
			unsigned int bshift = geo.page_shift + order;
			uint64_t mask =
				bshift < 64 ? ~((1ULL << bshift) - 1) : 0;

			check_round_trip(&geo, 0, order);
			if (!mask)
				continue;
			/* Lowest and highest aligned block, and random ones. */
			check_round_trip(&geo, 1ULL << bshift, order);
			check_round_trip(&geo, mask, order);
			check_round_trip(&geo, 0x5555555555555555ULL & mask,
					 order);
			check_round_trip(&geo, 0xaaaaaaaaaaaaaaaaULL & mask,
					 order);
			for (i = 0; i < 200; i++)
				check_round_trip(&geo, xorshift64(&seed) & mask,
						 order);
		}
	}
}

/* Distinct blocks have distinct keys: a set of keys decodes back to itself. */
static void test_keys_distinct(void **state)
{
	unsigned int s, order, i;

	for (s = 0; s < 3; s++) {
		struct kho_geometry geo;
		uint64_t key;

		assert_int_equal(kho_geometry_init(&geo, page_shifts[s]), 0);
		/* Every key of the first 2^10 keys decodes to a block that
		 * encodes back to it: the encoding is a bijection there. */
		for (key = 1; key < 1024; key++) {
			uint64_t phys = kho_key_decode(&geo, key, &order);

			assert_int_equal(kho_key_encode(&geo, phys, order),
					 key);
		}
		/* Same for the top keys of every order's band. */
		for (order = 0; order <= geo.order0_bit; order++) {
			unsigned int bit = geo.order0_bit - order;
			uint64_t top = (2ULL << bit) - 1;

			for (i = 0; i < 4 && top - i >= 1ULL << bit; i++) {
				unsigned int o2 = 999;
				uint64_t phys =
					kho_key_decode(&geo, top - i, &o2);

				assert_int_equal(o2, order);
				assert_int_equal(kho_key_encode(&geo, phys, o2),
						 top - i);
			}
		}
	}
}

static void test_geometry(void **state)
{
	static const struct {
		unsigned int shift, order0_bit, key_width, table_bits;
		unsigned int bitmap_bits, depth;
	} g[] = {
		{ 12, 52, 53, 9, 15, 6 },
		{ 14, 50, 51, 11, 17, 5 },
		{ 16, 48, 49, 13, 19, 4 },
	};
	unsigned int i;

	for (i = 0; i < 3; i++) {
		struct kho_geometry geo;

		memset(&geo, 0xff, sizeof(geo));
		assert_int_equal(kho_geometry_init(&geo, g[i].shift), 0);
		assert_int_equal(geo.page_shift, g[i].shift);
		assert_int_equal(geo.order0_bit, g[i].order0_bit);
		assert_int_equal(geo.key_width, g[i].key_width);
		assert_int_equal(geo.table_bits, g[i].table_bits);
		assert_int_equal(geo.bitmap_bits, g[i].bitmap_bits);
		assert_int_equal(geo.depth, g[i].depth);
		/* The independent formula of the model agrees. */
		assert_int_equal(model_depth(g[i].shift), g[i].depth);
		/* The levels cover the whole key, and one level fewer would
		 * not (the miscounted depth of the first upstream version). */
		assert_true(geo.bitmap_bits +
				    (geo.depth - 1) * geo.table_bits >=
			    geo.key_width);
		assert_true(geo.bitmap_bits + (geo.depth - 2) * geo.table_bits <
			    geo.key_width);
		/* A node is a page of u64, a leaf a page of bits. */
		assert_int_equal(1U << geo.table_bits, (1U << g[i].shift) / 8);
		assert_int_equal(1U << geo.bitmap_bits, (1U << g[i].shift) * 8);
	}
	assert_true(KHO_TREE_MAX_DEPTH >= 6);
	assert_true(KHO_MAX_ORDERS >= 53);
}

static void test_geometry_rejects(void **state)
{
	static const unsigned int bad[] = { 13, 11, 17, 0, 10, 15, 20, 64 };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct kho_geometry geo;

		assert_int_equal(kho_geometry_init(&geo, bad[i]), -EINVAL);
	}
}

/* Impossible arguments return the documented value and are reported. */
static void test_encode_decode_invalid(void **state)
{
	unsigned int s, order;

	kho_warn_hook = count_warning;
	for (s = 0; s < 3; s++) {
		struct kho_geometry geo;

		assert_int_equal(kho_geometry_init(&geo, page_shifts[s]), 0);
		nr_warnings = 0;
		assert_int_equal(kho_key_encode(&geo, 0, geo.order0_bit + 1),
				 0);
		assert_int_equal(nr_warnings, 1);
		order = 7;
		nr_warnings = 0;
		assert_int_equal(kho_key_decode(&geo, 0, &order), 0);
		assert_int_equal(order, 0);
		assert_int_equal(nr_warnings, 1);
		order = 7;
		nr_warnings = 0;
		assert_int_equal(
			kho_key_decode(&geo, 1ULL << geo.key_width, &order), 0);
		assert_int_equal(order, 0);
		assert_int_equal(nr_warnings, 1);
	}
	kho_warn_hook = NULL;
}

static int note_block(uint64_t pfn, unsigned int order, void *arg)
{
	unsigned int *orders = arg;

	orders[++orders[0]] = order;
	return 0;
}

static void test_range_block_order(void **state)
{
	static const struct {
		uint64_t pfn, end;
		unsigned int order;
	} v[] = {
		{ 0, 1, 0 },
		{ 0, 8, 3 },
		{ 0, 9, 3 },
		{ 0, 15, 3 },
		{ 1, 100, 0 },
		{ 4, 100, 2 },
		{ 8, 12, 2 },
		{ 8, 24, 3 },
		{ 0x200, 0x400, 9 },
		{ 0x200, 0x401, 9 },
		{ 0x200, 0x3ff, 8 },
		{ 0x40000, 0x80000, 18 },
		{ 1ULL << 51, (1ULL << 52) - 1, 50 },
		{ 1ULL << 63, UINT64_MAX, 62 },
		{ 0, UINT64_MAX, 63 },
		{ UINT64_MAX - 1, UINT64_MAX, 0 },
	};
	uint64_t seed = 12345;
	unsigned int i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(kho_range_block_order(v[i].pfn, v[i].end),
				 v[i].order);
	/* Random runs: the whole split matches the model's. */
	for (i = 0; i < 20000; i++) {
		unsigned int orders[200] = { 0 };
		uint64_t pfn, nr;
		unsigned int j;

		pfn = xorshift64(&seed);
		pfn >>= xorshift64(&seed) % 64;
		nr = xorshift64(&seed);
		nr = (nr >> (xorshift64(&seed) % 64)) | 1;

		if (pfn + nr < pfn)
			continue;
		model_split(pfn, nr, note_block, orders);
		for (j = 1; j <= orders[0]; j++) {
			unsigned int o = kho_range_block_order(pfn, pfn + nr);

			if (o != orders[j])
				fail_msg("split of [0x%llx, +0x%llx): order %u,"
					 " expected %u",
					 (unsigned long long)pfn,
					 (unsigned long long)nr, o, orders[j]);
			nr -= 1ULL << o;
			pfn += 1ULL << o;
		}
		assert_int_equal(nr, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_vectors),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_keys_distinct),
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_geometry_rejects),
		cmocka_unit_test(test_encode_decode_invalid),
		cmocka_unit_test(test_range_block_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
