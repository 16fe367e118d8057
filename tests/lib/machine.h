/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * machine.h - what the handover tests do to a kho_env, with cmocka's
 * assertions (include it after <cmocka.h>):
 *
 *   machine_env_new()   an environment with its first pages as scratch, and
 *                       kernel A's empty handover over it;
 *   machine_env_free()  both handovers and the environment, checking that no
 *                       page was freed twice or wrongly;
 *   kho_env_sweep()     an operation run with its 1st, 2nd, ... allocation
 *                       failing until it succeeds, each failure leaving
 *                       kernel A's side exactly as it was.
 */
#ifndef TESTS_MACHINE_H
#define TESTS_MACHINE_H

#include "kho_env.h"

/*
 * An environment of @pages pages of 2^@page_shift bytes at @phys_base,
 * pages [0, @scratch_pages) a scratch area, and @out kernel A's handover
 * over it, empty.
 */
static inline struct kho_env *machine_env_new(unsigned int page_shift,
					      uint64_t phys_base, size_t pages,
					      size_t scratch_pages,
					      struct kho_out *out)
{
	struct kho_env *e = kho_env_create(page_shift, phys_base, pages);

	assert_non_null(e);
	kho_env_add_scratch(e, 0, scratch_pages);
	assert_int_equal(
		kho_out_init(out, &e->geo, &e->ops, e->scratch, e->nr_scratch),
		0);
	return e;
}

/* Undo machine_env_new(), and kernel B's handover @in (NULL: none). */
static inline void machine_env_free(struct kho_env *e, struct kho_out *out,
				    struct kho_in *in)
{
	kho_in_destroy(in);
	kho_out_destroy(out);
	assert_int_equal(e->bad_frees, 0);
	kho_env_destroy(e);
}

/*
 * Call @op(@arg) with allocation 1 from the call failing, then 2, ... until
 * one call makes every allocation it wants and returns 0. Every failed call
 * must return @expect and leave @out's blocks, its root FDT and the pages
 * allocated as they were; @op may check more of its own state when its
 * call returned @expect. Return: the allocations the successful call made.
 */
static inline uint64_t kho_env_sweep(struct kho_env *e, struct kho_out *out,
				     int (*op)(void *arg), void *arg,
				     int expect)
{
	struct kho_env_snapshot before, after;
	uint64_t n;
	int ret;

	for (n = 1;; n++) {
		kho_env_snapshot(e, out, &before);
		kho_env_fail_nth(e, n);
		ret = op(arg);
		if (kho_env_fail_pending(e))
			break;
		assert_int_equal(ret, expect);
		kho_env_snapshot(e, out, &after);
		assert_true(kho_env_snapshot_equal(&before, &after));
		kho_env_snapshot_free(&before);
		kho_env_snapshot_free(&after);
	}
	kho_env_fail_nth(e, 0);
	kho_env_snapshot_free(&before);
	assert_int_equal(ret, 0);
	return n - 1;
}

#endif /* TESTS_MACHINE_H */
