/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * flat_view.h - a struct kho_view over one flat buffer, for the tests of a
 * blob reader (cmocka: include it after <cmocka.h>):
 *
 *   phys:  FLAT_BASE                       FLAT_BASE + FLAT_LEN
 *          | mem[0] ...             mem[FLAT_LEN - 1] |
 *
 * map() gives the bytes of any range inside the buffer and NULL for any
 * range that reaches outside it; own() records what it was told it owns
 * (the last call) and returns own_ret, 0 unless the test sets it.
 */
#ifndef TESTS_FLAT_VIEW_H
#define TESTS_FLAT_VIEW_H

#include <stdint.h>
#include <stdlib.h>

#include <kho/view.h>

#define FLAT_BASE 0x40000000ULL
#define FLAT_LEN 8192

struct flat {
	uint8_t mem[FLAT_LEN];
	uint64_t own_phys, own_len;
	const char *own_what;
	int own_ret;
};

static inline const void *flat_map(void *ctx, uint64_t phys, uint64_t len)
{
	struct flat *f = ctx;

	if (phys < FLAT_BASE || len > FLAT_LEN ||
	    phys - FLAT_BASE > FLAT_LEN - len)
		return NULL;
	return f->mem + (phys - FLAT_BASE);
}

static inline int flat_own(void *ctx, uint64_t phys, uint64_t len,
			   const char *what)
{
	struct flat *f = ctx;

	f->own_phys = phys;
	f->own_len = len;
	f->own_what = what;
	return f->own_ret;
}

/* A zeroed buffer and @v, a view of it with 4 KiB pages. Free with free(). */
static inline struct flat *flat_new(struct kho_view *v)
{
	struct flat *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	*v = (struct kho_view){
		.map = flat_map, .own = flat_own, .ctx = f, .page_shift = 12
	};
	return f;
}

#endif /* TESTS_FLAT_VIEW_H */
