// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * sort.c - the library's one sort: heapsort, in place.
 *
 * lib/ is freestanding (no qsort()), and what it sorts is read from a
 * handover, so the sort must need no memory and no recursion and take
 * n log n steps whatever order the input comes in: heapsort does.
 *
 *   heap in base[0, end):  base[i]'s children are base[2i+1], base[2i+2]
 *   sorted tail:           base[end, n), each at its final place
 */
#include "kho_internal.h"

static void swap_bytes(unsigned char *a, unsigned char *b, size_t size)
{
	while (size--) {
		unsigned char t = *a;

		*a++ = *b;
		*b++ = t;
	}
}

/* Sift element @root down the max-heap base[0, @n). */
static void sift_down(unsigned char *base, uint64_t root, uint64_t n,
		      size_t size, kho_cmp_fn cmp, const void *ctx)
{
	uint64_t child;

	while ((child = 2 * root + 1) < n) {
		if (child + 1 < n && cmp(base + child * size,
					 base + (child + 1) * size, ctx) < 0)
			child++;
		if (cmp(base + root * size, base + child * size, ctx) >= 0)
			return;
		swap_bytes(base + root * size, base + child * size, size);
		root = child;
	}
}

void kho_sort(void *base, uint64_t n, size_t size, kho_cmp_fn cmp,
	      const void *ctx)
{
	unsigned char *b = base;
	uint64_t i;

	for (i = n / 2; i-- > 0;)
		sift_down(b, i, n, size, cmp, ctx);
	for (i = n; i-- > 1;) {
		swap_bytes(b, b + i * size, size);
		sift_down(b, 0, i, size, cmp, ctx);
	}
}
