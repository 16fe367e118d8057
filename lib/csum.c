// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * csum.c - the kernel's raw csum_partial() for x86-64 and arm64, written
 * from what the two compute, not from how (<kho/csum.h> says what).
 *
 * Both are a ones' complement sum: adding with end-around carry (the carry
 * out of the top bit comes back in at bit 0) is addition modulo 2^n - 1,
 * and it gives 0 only when everything added was 0. So the order of the
 * adds, the word size they use and where the folds happen do not change
 * the result, as long as the last fold is to the same width:
 *
 *   words of 64 bits --fold--> 32 bits               x86-64 stops here
 *                             --fold--> 16 bits      arm64's do_csum()
 *
 * since 2^16 - 1 divides 2^32 - 1, which divides 2^64 - 1. One loop over
 * little-endian 64-bit words serves both.
 */
#include <kho/csum.h>

#include "kho_internal.h"

/* a + b with end-around carry: at most 2^64 - 1, 0 only for 0 + 0. */
static inline uint64_t add_eac64(uint64_t a, uint64_t b)
{
	a += b;
	return a + (a < b);
}

static inline uint64_t load_le64(const unsigned char *p)
{
	uint64_t w;

	kho_memcpy(&w, p, sizeof(w));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/*
 * @acc plus the data as little-endian 64-bit words, the last 1 to 7 bytes
 * zero-padded at the top (the bytes keep their place in the word).
 * Four sums in parallel: independent carries run faster.
 */
static uint64_t sum_words(const unsigned char *p, size_t len, uint64_t acc)
{
	uint64_t s1 = 0, s2 = 0, s3 = 0, tail = 0;
	size_t i;

	for (; len >= 32; p += 32, len -= 32) {
		acc = add_eac64(acc, load_le64(p));
		s1 = add_eac64(s1, load_le64(p + 8));
		s2 = add_eac64(s2, load_le64(p + 16));
		s3 = add_eac64(s3, load_le64(p + 24));
	}
	for (; len >= 8; p += 8, len -= 8)
		acc = add_eac64(acc, load_le64(p));
	for (i = 0; i < len; i++)
		tail |= (uint64_t)p[i] << (8 * i);
	acc = add_eac64(acc, tail);
	return add_eac64(add_eac64(acc, s1), add_eac64(s2, s3));
}

/* The two halves added with end-around carry. */
static inline uint32_t fold32(uint64_t x)
{
	uint64_t r = (x >> 32) + (x & UINT32_MAX);

	return (uint32_t)((r & UINT32_MAX) + (r >> 32));
}

static inline uint32_t fold16(uint32_t x)
{
	uint32_t r = (x >> 16) + (x & UINT16_MAX);

	return (r & UINT16_MAX) + (r >> 16);
}

uint64_t kho_csum_add(uint64_t acc, const void *buf, size_t len)
{
	return sum_words(buf, len, acc);
}

/* The sum of the data in @acc, then @sum, as @arch folds and adds them. */
static uint32_t finish(bool arm64, uint64_t acc, uint32_t sum)
{
	uint32_t d, r;

	if (!arm64)
		return fold32(add_eac64(acc, sum));
	d = fold16(fold32(acc));
	r = d + sum;
	return r + (r < sum);
}

uint32_t kho_csum_finish(enum kho_csum_arch arch, uint64_t acc, uint32_t sum)
{
	KHO_WARN_ON(arch != KHO_CSUM_X86_64 && arch != KHO_CSUM_ARM64);
	return finish(arch == KHO_CSUM_ARM64, acc, sum);
}

uint32_t kho_csum_partial_x86_64(const void *buf, size_t len, uint32_t sum)
{
	return finish(false, sum_words(buf, len, 0), sum);
}

uint32_t kho_csum_partial_arm64(const void *buf, size_t len, uint32_t sum)
{
	return finish(true, sum_words(buf, len, 0), sum);
}

uint32_t kho_csum_partial(enum kho_csum_arch arch, const void *buf, size_t len,
			  uint32_t sum)
{
	return kho_csum_finish(arch, sum_words(buf, len, 0), sum);
}
