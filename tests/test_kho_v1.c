// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_kho_v1.c - the kho-v1 chunk list (lib/kho_v1.c): both bitmap sizes
 * inferred and given, blocks listed exactly, and every refusal (misaligned
 * or unmapped chunk, too many elements, order beyond any block, a loop at
 * the head and further on, too many bitmaps, misaligned phys_start, an
 * unmapped bitmap) made before any callback runs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kho/kho_v1.h>

#define SHIFT 12
#define PAGE (1ULL << SHIFT)
#define FLAT_BASE 0x100000000ULL
#define FLAT_PAGES 64
#define FLAT_LEN (FLAT_PAGES * PAGE)

struct flat {
	uint8_t mem[FLAT_LEN];
	unsigned int owned_chunks, owned_bitmaps;
	unsigned int refuse_nth; /* 1: the first own() call refuses */
	uint64_t last_own; /* where the last own() call was */
	const char *last_what;
};

static const void *flat_map(void *ctx, uint64_t phys, uint64_t len)
{
	struct flat *f = ctx;

	if (phys < FLAT_BASE || len > FLAT_LEN ||
	    phys - FLAT_BASE > FLAT_LEN - len)
		return NULL;
	return f->mem + (phys - FLAT_BASE);
}

static int flat_own(void *ctx, uint64_t phys, uint64_t len, const char *what)
{
	struct flat *f = ctx;

	if (!strcmp(what, "kho-v1 chunk")) {
		assert_int_equal(len, PAGE);
		f->owned_chunks++;
	} else {
		assert_string_equal(what, "kho-v1 bitmap");
		f->owned_bitmaps++;
	}
	f->last_own = phys;
	f->last_what = what;
	return f->owned_chunks + f->owned_bitmaps == f->refuse_nth ? -EPERM : 0;
}

static struct flat *flat_new(struct kho_view *v)
{
	struct flat *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	*v = (struct kho_view){
		.map = flat_map, .own = flat_own, .ctx = f, .page_shift = SHIFT
	};
	return f;
}

static uint64_t page_phys(unsigned int i)
{
	return FLAT_BASE + i * PAGE;
}

static void *page_va(struct flat *f, uint64_t phys)
{
	return f->mem + (phys - FLAT_BASE);
}

static void set_chunk(struct flat *f, uint64_t chunk, uint64_t next,
		      uint32_t order, uint32_t num)
{
	struct khoser_mem_chunk_hdr h = { next, order, num };

	memcpy(page_va(f, chunk), &h, sizeof(h));
}

static void set_elm(struct flat *f, uint64_t chunk, unsigned int i,
		    uint64_t phys_start, uint64_t bitmap)
{
	struct khoser_mem_bitmap_ptr p = { phys_start, bitmap };

	memcpy((uint8_t *)page_va(f, chunk) +
		       sizeof(struct khoser_mem_chunk_hdr) + i * sizeof(p),
	       &p, sizeof(p));
}

static void set_bit(struct flat *f, uint64_t bitmap, unsigned int bit)
{
	uint8_t *b = page_va(f, bitmap);

	b[bit / 8] |= 1U << (bit % 8);
}

struct seen {
	unsigned int n;
	uint64_t phys[16];
	unsigned int order[16];
};

static int block_cb(uint64_t phys, unsigned int order, void *arg)
{
	struct seen *s = arg;

	if (s->n < 16) {
		s->phys[s->n] = phys;
		s->order[s->n] = order;
	}
	s->n++;
	return 0;
}

/*
 * Two chunks: order 0 with a page-sized bitmap at phys_start 0, order 9
 * with one whose phys_start is the second page-sized span of order 9.
 */
static void two_chunks_page(struct flat *f)
{
	uint64_t span9 = (PAGE * 8) << (9 + SHIFT);

	set_chunk(f, page_phys(0), page_phys(1), 0, 1);
	set_elm(f, page_phys(0), 0, 0, page_phys(2));
	set_bit(f, page_phys(2), 3);
	set_bit(f, page_phys(2), 64);
	set_chunk(f, page_phys(1), 0, 9, 1);
	set_elm(f, page_phys(1), 0, span9, page_phys(3));
	set_bit(f, page_phys(3), 1);
}

static void test_page_bitmaps(void **state)
{
	struct kho_v1_info info;
	struct seen s = { 0 };
	struct kho_view v;
	struct flat *f = flat_new(&v);
	uint64_t span9 = (PAGE * 8) << (9 + SHIFT);

	two_chunks_page(f);
	assert_int_equal(
		kho_v1_read(&v, page_phys(0), 0, 0, block_cb, &s, &info, NULL),
		0);
	assert_int_equal(info.bitmap_bytes, PAGE);
	assert_int_equal(info.why, KHO_V1_BITMAP_PAGE);
	assert_int_equal(info.nr_chunks, 2);
	assert_int_equal(info.nr_bitmaps, 2);
	assert_int_equal(info.nr_blocks, 3);
	assert_int_equal(info.blocks[0], 2);
	assert_int_equal(info.blocks[9], 1);
	assert_int_equal(info.preserved_bytes, 2 * PAGE + (PAGE << 9));
	assert_int_equal(info.meta_bytes, 4 * PAGE);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.phys[0], 3 * PAGE);
	assert_int_equal(s.phys[1], 64 * PAGE);
	assert_int_equal(s.phys[2], span9 + (PAGE << 9));
	assert_int_equal(s.order[2], 9);
	assert_int_equal(f->owned_chunks, 2);
	assert_int_equal(f->owned_bitmaps, 2);
	/* Told 512 bytes: the order-9 phys_start is a multiple of that too. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(kho_v1_read(&v, page_phys(0), 512, 0, block_cb, &s,
				     &info, NULL),
			 0);
	assert_int_equal(info.why, KHO_V1_BITMAP_GIVEN);
	assert_int_equal(s.n, 3);
	/* An empty map. */
	assert_int_equal(kho_v1_read(&v, 0, 0, 0, block_cb, &s, &info, NULL),
			 0);
	assert_int_equal(info.nr_blocks, 0);
	free(f);
}

static void test_small_bitmaps(void **state)
{
	struct kho_v1_info info;
	struct seen s = { 0 };
	struct kho_view v;
	struct flat *f = flat_new(&v);
	uint64_t span0 = 512 * 8 * PAGE;

	/* A 512-byte bitmap inside a page: not page-aligned. */
	set_chunk(f, page_phys(0), 0, 0, 2);
	set_elm(f, page_phys(0), 0, 0, page_phys(2) + 512);
	set_elm(f, page_phys(0), 1, span0, page_phys(2) + 1024);
	set_bit(f, page_phys(2) + 512, 0);
	set_bit(f, page_phys(2) + 1024, 4095);
	assert_int_equal(
		kho_v1_read(&v, page_phys(0), 0, 0, block_cb, &s, &info, NULL),
		0);
	assert_int_equal(info.bitmap_bytes, 512);
	assert_int_equal(info.why, KHO_V1_BITMAP_UNALIGNED);
	assert_int_equal(info.why_phys, page_phys(2) + 512);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.phys[1], span0 + 4095 * PAGE);
	/*
	 * Told a page (element 0's phys_start 0 divides any span): the
	 * unaligned bitmap is refused, no page-sized bitmap is.
	 */
	set_elm(f, page_phys(0), 1, 0, page_phys(2) + 1024);
	{
		struct kho_error err = { 0 };

		assert_int_equal(kho_v1_read(&v, page_phys(0), PAGE, 0,
					     block_cb, &s, &info, &err),
				 -EINVAL);
		assert_string_equal(err.what, "a kho-v1 bitmap is not "
					      "page-aligned, as a page-sized "
					      "bitmap is");
		assert_int_equal(err.phys, page_phys(2) + 512);
	}
	/* Page-aligned bitmaps, but a phys_start only 512-byte spans divide. */
	memset(f, 0, sizeof(*f));
	memset(&s, 0, sizeof(s));
	set_chunk(f, page_phys(0), 0, 0, 1);
	set_elm(f, page_phys(0), 0, span0, page_phys(2));
	set_bit(f, page_phys(2), 7);
	assert_int_equal(
		kho_v1_read(&v, page_phys(0), 0, 0, block_cb, &s, &info, NULL),
		0);
	assert_int_equal(info.why, KHO_V1_BITMAP_SPAN);
	assert_int_equal(info.why_phys, span0);
	assert_int_equal(s.phys[0], span0 + 7 * PAGE);
	/* Read as page-sized, that phys_start is refused. */
	{
		struct kho_error err;

		memset(&s, 0, sizeof(s));
		assert_int_equal(kho_v1_read(&v, page_phys(0), PAGE, 0,
					     block_cb, &s, &info, &err),
				 -EINVAL);
		assert_int_equal(err.phys, span0);
		assert_int_equal(err.index, 0);
		assert_int_equal(s.n, 0);
		assert_int_equal(kho_v1_read(&v, page_phys(0), 1000, 0, NULL,
					     NULL, NULL, &err),
				 -EINVAL);
	}
	free(f);
}

/* Refused with @code, naming @phys and @index, before any callback. */
static void expect(struct flat *f, struct kho_view *v, uint64_t first,
		   uint64_t max, int code, uint64_t phys, long index)
{
	struct kho_error err;
	struct seen s = { 0 };

	f->owned_chunks = f->owned_bitmaps = 0;
	assert_int_equal(
		kho_v1_read(v, first, 0, max, block_cb, &s, NULL, &err), code);
	assert_int_equal(s.n, 0);
	assert_int_equal(f->owned_chunks + f->owned_bitmaps, 0);
	assert_int_equal(err.code, code);
	assert_int_equal(err.phys, phys);
	assert_int_equal(err.index, index);
	assert_string_equal(err.property, "preserved-memory-map");
}

/* A chunk or bitmap the owner refuses is named, at its address. */
static void test_own_refused(void **state)
{
	for (unsigned int n = 1; n <= 4; n++) {
		struct kho_error err;
		struct kho_view v;
		struct flat *f = flat_new(&v);
		bool chunk;

		two_chunks_page(f);
		f->refuse_nth = n;
		assert_int_equal(kho_v1_read(&v, page_phys(0), 0, 0, NULL, NULL,
					     NULL, &err),
				 -EPERM);
		chunk = !strcmp(f->last_what, "kho-v1 chunk");
		assert_string_equal(
			err.what,
			chunk ? "a kho-v1 chunk is not preserved memory" :
				"a kho-v1 bitmap is not preserved memory");
		assert_string_equal(err.property, "preserved-memory-map");
		assert_int_equal(err.phys, f->last_own);
		assert_int_equal(f->owned_chunks + f->owned_bitmaps, n);
		free(f);
	}
}

static void test_refused(void **state)
{
	struct kho_view v;
	struct flat *f = flat_new(&v);

	two_chunks_page(f);
	/* Misaligned and unmapped chunks. */
	expect(f, &v, page_phys(0) + 8, 0, -EINVAL, page_phys(0) + 8, 0);
	expect(f, &v, FLAT_BASE + FLAT_LEN, 0, -EFAULT, FLAT_BASE + FLAT_LEN,
	       0);
	set_chunk(f, page_phys(0), FLAT_BASE - PAGE, 0, 1);
	expect(f, &v, page_phys(0), 0, -EFAULT, FLAT_BASE - PAGE, 1);
	/* Too many elements; an order beyond any block. */
	set_chunk(f, page_phys(0), page_phys(1), 0,
		  KHOSER_BITMAPS_PER_CHUNK_OF(SHIFT) + 1);
	expect(f, &v, page_phys(0), 0, -EINVAL, page_phys(0), 0);
	set_chunk(f, page_phys(0), page_phys(1), 60, 1);
	expect(f, &v, page_phys(0), 0, -EINVAL, page_phys(0), 0);
	/*
	 * Order 40: a page-sized bitmap would span 2^67 bytes, a 512-byte
	 * one 2^64; neither fits the address space, whatever phys_start is.
	 */
	set_chunk(f, page_phys(0), 0, 40, 1);
	set_elm(f, page_phys(0), 0, 0, page_phys(2));
	{
		struct kho_v1_info info;
		struct kho_error err;
		struct seen s = { 0 };

		assert_int_equal(kho_v1_read(&v, page_phys(0), 0, 0, block_cb,
					     &s, &info, &err),
				 -EINVAL);
		assert_string_equal(err.what,
				    "a kho-v1 element's bitmap would span "
				    "2^64 bytes or more at its chunk's order");
		assert_int_equal(err.phys, 0);
		assert_int_equal(err.index, 0);
		assert_int_equal(s.n, 0);
		assert_int_equal(f->owned_chunks + f->owned_bitmaps, 0);
		assert_int_equal(kho_v1_read(&v, page_phys(0), PAGE, 0, NULL,
					     NULL, &info, &err),
				 -EINVAL);
		assert_string_equal(err.what,
				    "a kho-v1 element's bitmap would span "
				    "2^64 bytes or more at its chunk's order");
		assert_int_equal(err.phys, 0);
	}
	two_chunks_page(f);
	set_chunk(f, page_phys(0), page_phys(1), 0, 1);
	/* More bitmaps than the caller allows. */
	expect(f, &v, page_phys(0), 1, -E2BIG, page_phys(1), 1);
	/* A loop to the head, and one deeper in a longer list. */
	set_chunk(f, page_phys(1), page_phys(0), 9, 1);
	{
		struct kho_error err;
		struct seen s = { 0 };

		assert_int_equal(kho_v1_read(&v, page_phys(0), 0, 0, block_cb,
					     &s, NULL, &err),
				 -ELOOP);
		assert_int_equal(s.n, 0);
		assert_true(err.phys == page_phys(0) ||
			    err.phys == page_phys(1));
	}
	for (unsigned int i = 10; i < 20; i++)
		set_chunk(f, page_phys(i), page_phys(i + 1), 0, 0);
	set_chunk(f, page_phys(20), page_phys(13), 0, 0);
	{
		struct kho_error err;

		assert_int_equal(kho_v1_read(&v, page_phys(10), 0, 0, NULL,
					     NULL, NULL, &err),
				 -ELOOP);
		assert_true(err.phys >= page_phys(13) &&
			    err.phys <= page_phys(20));
	}
	/* An unmapped bitmap; the highest span of all is fine. */
	two_chunks_page(f);
	set_elm(f, page_phys(1), 0, (PAGE * 8) << (9 + SHIFT),
		FLAT_BASE + FLAT_LEN);
	expect(f, &v, page_phys(0), 0, -EFAULT, FLAT_BASE + FLAT_LEN, 1);
	set_elm(f, page_phys(1), 0, 0 - ((PAGE * 8) << (9 + SHIFT)),
		page_phys(3));
	assert_int_equal(
		kho_v1_read(&v, page_phys(0), 0, 0, NULL, NULL, NULL, NULL), 0);
	free(f);
}

static int stop_cb(uint64_t phys, unsigned int order, void *arg)
{
	return -ECANCELED;
}

static void test_callback_stops(void **state)
{
	struct kho_view v;
	struct flat *f = flat_new(&v);

	two_chunks_page(f);
	assert_int_equal(
		kho_v1_read(&v, page_phys(0), 0, 0, stop_cb, NULL, NULL, NULL),
		-ECANCELED);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_bitmaps),
		cmocka_unit_test(test_small_bitmaps),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_own_refused),
		cmocka_unit_test(test_callback_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
