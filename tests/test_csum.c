// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_csum.c - kho_csum_partial() for x86-64 and arm64: known answers
 * worked out independently (closed forms in Python, the first few by
 * hand), then a plain reference written here from the definition of a
 * ones' complement sum, checked for every length 0..300 at every alignment
 * 0..7, with running sums at the edges (0, 1, 0xffff, 0xffffffff), on
 * random, all-zero and all-0xff data, and for chains like lib/test_kho.c's.
 *
 * The reference: a 32-bit (x86-64) or 16-bit (arm64) ones' complement sum
 * is the total of the little-endian words modulo 2^n - 1, represented in
 * [1, 2^n - 1] unless the total is 0. x86-64 adds the running sum into
 * that total; arm64 adds it afterwards with end-around carry in 32 bits.
 * tests/test_csum_kernel.sh also checks against the kernel's own C files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kho/csum.h>
#include <kho/radix.h>

static void count_warning(const char *file, int line, const char *what)
{
}

/* ---- the reference ------------------------------------------------------ */

/* The total @t as a ones' complement value modulo @m = 2^n - 1. */
static uint64_t ones(uint64_t t, uint64_t m)
{
	return t ? (t - 1) % m + 1 : 0;
}

/* Little-endian @n-byte words of @b, zero-padded at the end, added up. */
static uint64_t total_words(const unsigned char *b, size_t len, unsigned int n)
{
	uint64_t total = 0, w;
	size_t i;
	unsigned int k;

	for (i = 0; i < len; i += n) {
		w = 0;
		for (k = 0; k < n && i + k < len; k++)
			w |= (uint64_t)b[i + k] << (8 * k);
		total += w;
	}
	return total;
}

static uint32_t ref_x86(const unsigned char *b, size_t len, uint32_t sum)
{
	return (uint32_t)ones(sum + total_words(b, len, 4), UINT32_MAX);
}

static uint32_t ref_arm64(const unsigned char *b, size_t len, uint32_t sum)
{
	uint64_t r = ones(total_words(b, len, 2), UINT16_MAX) + sum;

	return (uint32_t)(r > UINT32_MAX ? r - UINT32_MAX : r);
}

/* ---- known answers ------------------------------------------------------ */

enum fill { RAW, PATTERN7, PATTERN131, FF, ZERO };

struct vector {
	enum fill fill;
	const char *raw;
	size_t len;
	uint32_t sum, x86, arm64;
};

static void fill(unsigned char *b, const struct vector *v)
{
	size_t i;

	for (i = 0; i < v->len; i++) {
		switch (v->fill) {
		case RAW:
			b[i] = (unsigned char)v->raw[i];
			break;
		case PATTERN7:
			b[i] = (unsigned char)(i * 7 + 3);
			break;
		case PATTERN131:
			b[i] = (unsigned char)(i * 131 + 17);
			break;
		case FF:
			b[i] = 0xff;
			break;
		case ZERO:
			b[i] = 0;
			break;
		}
	}
}

static const struct vector vectors[] = {
	{ RAW, "", 0, 0, 0, 0 },
	{ RAW, "", 0, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef },
	{ RAW, "\x01", 1, 0, 0x1, 0x1 },
	{ RAW, "\x01\x02", 2, 0, 0x201, 0x201 },
	/* x86-64 keeps 32 bits: 0x04030201; arm64 adds 0x0201 + 0x0403. */
	{ RAW, "\x01\x02\x03\x04", 4, 0, 0x4030201, 0x604 },
	/* 2 x 0xffffffff = 0x1fffffffe -> 0xffffffff, and 4 x 0xffff. */
	{ FF, NULL, 8, 0, 0xffffffff, 0xffff },
	/* One more is 1 in 32 bits; arm64 adds it to 0xffff: 0x10000. */
	{ FF, NULL, 8, 1, 0x1, 0x10000 },
	{ RAW, "123456789", 9, 0, 0x6c6a689f, 0xd509 },
	/* 0xffffffff is a ones' complement zero: the same sums. */
	{ RAW, "123456789", 9, 0xffffffff, 0x6c6a689f, 0xd509 },
	{ PATTERN7, NULL, 4096, 0x12345678, 0x10365c72, 0x12345a74 },
	{ PATTERN131, NULL, 1000, 0xfffffff0, 0xdcedff04, 0xdbf2 },
	{ ZERO, NULL, 64, 0, 0, 0 },
	{ FF, NULL, 63, 0xffffffff, 0xffffff, 0xff },
};

static void test_known_answers(void **state)
{
	unsigned char *b = malloc(4096 + 8);
	size_t i, off;

	assert_non_null(b);
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];

		/* The address does not matter, on either architecture. */
		for (off = 0; off < 8; off++) {
			fill(b + off, v);
			assert_int_equal(kho_csum_partial_x86_64(
						 b + off, v->len, v->sum),
					 v->x86);
			assert_int_equal(
				kho_csum_partial_arm64(b + off, v->len, v->sum),
				v->arm64);
			assert_int_equal(kho_csum_partial(KHO_CSUM_X86_64,
							  b + off, v->len,
							  v->sum),
					 v->x86);
			assert_int_equal(kho_csum_partial(KHO_CSUM_ARM64,
							  b + off, v->len,
							  v->sum),
					 v->arm64);
			/* The reference agrees with the answers too. */
			assert_int_equal(ref_x86(b + off, v->len, v->sum),
					 v->x86);
			assert_int_equal(ref_arm64(b + off, v->len, v->sum),
					 v->arm64);
		}
	}
	free(b);
}

/* ---- against the reference ---------------------------------------------- */

#define MAX_LEN 300

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint32_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void check_all(const unsigned char *b, size_t len, uint32_t sum)
{
	assert_int_equal(kho_csum_partial_x86_64(b, len, sum),
			 ref_x86(b, len, sum));
	assert_int_equal(kho_csum_partial_arm64(b, len, sum),
			 ref_arm64(b, len, sum));
}

/* Every length 0..MAX_LEN at every alignment, running sums at the edges. */
static void test_lengths_alignments(void **state)
{
	static const uint32_t sums[] = { 0,	    1,		0xffff,
					 0x10000,   0x7fffffff, 0xfffffffe,
					 0xffffffff };
	static unsigned char buf[MAX_LEN + 16];
	size_t len, off, i, s;
	unsigned int kind;

	for (kind = 0; kind < 3; kind++) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = kind == 0 ? (unsigned char)next_random() :
				 kind == 1 ? 0xff :
					     0;
		for (len = 0; len <= MAX_LEN; len++) {
			for (off = 0; off < 8; off++) {
				for (s = 0; s < sizeof(sums) / sizeof(sums[0]);
				     s++)
					check_all(buf + off, len, sums[s]);
				check_all(buf + off, len, next_random());
			}
		}
	}
}

/* Large buffers: carries out of every word, sums near the top. */
static void test_large(void **state)
{
	size_t len = (1U << 20) + 5, i;
	unsigned char *b = malloc(len);

	assert_non_null(b);
	memset(b, 0xff, len);
	check_all(b, len, 0);
	check_all(b, len, 0xffffffff);
	for (i = 0; i < len; i++)
		b[i] = (unsigned char)next_random();
	check_all(b, len, 0);
	check_all(b + 1, len - 1, 0x80000000);
	for (i = 0; i < len; i++)
		b[i] = (unsigned char)(i % 8 < 7 ? 0xff : 0xfe);
	check_all(b, len, 1);
	free(b);
}

/*
 * A chain as lib/test_kho.c computes it: csum = csum_partial(folio, size,
 * csum) over folios of orders 0, 1, 2. The two architectures store
 * different values for the same data, equal after a 16-bit fold.
 */
static uint16_t fold16(uint32_t x)
{
	return (uint16_t)ones((x >> 16) + (x & 0xffff), UINT16_MAX);
}

static void test_chain(void **state)
{
	uint32_t x86 = 0, arm64 = 0, rx = 0, ra = 0;
	unsigned char *b;
	size_t len, i;
	unsigned int k;

	for (k = 0; k < 3; k++) {
		len = 4096U << k;
		b = malloc(len);
		assert_non_null(b);
		for (i = 0; i < len; i++)
			b[i] = (unsigned char)(((i ^ (k * 0x5a)) * 13) & 0xff);
		x86 = kho_csum_partial_x86_64(b, len, x86);
		arm64 = kho_csum_partial_arm64(b, len, arm64);
		rx = ref_x86(b, len, rx);
		ra = ref_arm64(b, len, ra);
		free(b);
	}
	/* Worked out independently (Python, the closed forms above). */
	assert_int_equal(x86, 0xfe01e619);
	assert_int_equal(arm64, 0x2e419);
	assert_int_equal(x86, rx);
	assert_int_equal(arm64, ra);
	assert_int_not_equal(x86, arm64);
	assert_int_equal(fold16(x86), fold16(arm64));
}

/* In pieces: kho_csum_add() page by page, kho_csum_finish() once. */
static void test_pieces(void **state)
{
	static unsigned char b[4 * 4096 + 3];
	static const uint32_t sums[] = { 0, 1, 0xffff, 0xffffffff };
	uint64_t acc;
	size_t i, off;
	unsigned int s;

	for (i = 0; i < sizeof(b); i++)
		b[i] = (unsigned char)next_random();
	for (s = 0; s < 4; s++) {
		acc = 0;
		for (off = 0; off < sizeof(b); off += 4096)
			acc = kho_csum_add(acc, b + off,
					   sizeof(b) - off < 4096 ?
						   sizeof(b) - off :
						   4096);
		assert_int_equal(kho_csum_finish(KHO_CSUM_X86_64, acc, sums[s]),
				 ref_x86(b, sizeof(b), sums[s]));
		assert_int_equal(kho_csum_finish(KHO_CSUM_ARM64, acc, sums[s]),
				 ref_arm64(b, sizeof(b), sums[s]));
	}
}

static int bad_arch_warnings;

static void count_bad_arch(const char *file, int line, const char *what)
{
	bad_arch_warnings++;
}

/* An unknown flavour is a bug: warned, and x86-64's value. */
static void test_bad_arch(void **state)
{
	kho_warn_hook = count_bad_arch;
	assert_int_equal(kho_csum_partial((enum kho_csum_arch)7,
					  "\x01\x02\x03\x04", 4, 0),
			 0x4030201);
	assert_int_equal(bad_arch_warnings, 1);
	assert_int_equal(kho_csum_finish((enum kho_csum_arch)7, 0x1234, 1),
			 0x1235);
	assert_int_equal(bad_arch_warnings, 2);
	kho_warn_hook = count_warning;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_lengths_alignments),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_bad_arch),
	};

	kho_warn_hook = count_warning;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
