// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_luo.c - LUO "luo-v5" both ways: the writer's bytes (the 32-byte
 * blob, sessions and files in block chains, the FLB page), its refusals
 * (names, tokens, a full FLB page), an injected allocation failure at every
 * allocation of init, session and file (nothing changes), destroy, a round
 * trip through a kexec (every session, file and FLB back in order, LUO's
 * pages freed, the FLB page kept), and the reader's refusals: a small
 * blob, an unmapped blob, a wrong compatible, duplicate session names, a
 * file count that differs from the chain, files 0 with a count, an
 * unterminated compatible, a cyclic file chain, bad FLB regions.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kho/block.h>
#include <kho/kho.h>
#include <kho/luo.h>

#include "lib/machine.h"

#define ENV_PHYS_BASE 0x100000000ULL
#define ENV_PAGES 2048
#define SCRATCH_PAGES 16

struct machine {
	struct kho_env *e;
	struct kho_out out;
	struct kho_in in;
	struct kho_luo_out luo;
	struct kho_luo_session s[3];
	uint64_t blob;
};

static void machine_init(struct machine *m, unsigned int page_shift)
{
	memset(m, 0, sizeof(*m));
	m->e = machine_env_new(page_shift, ENV_PHYS_BASE, ENV_PAGES,
			       SCRATCH_PAGES, &m->out);
}

static void machine_free(struct machine *m)
{
	machine_env_free(m->e, &m->out, &m->in);
}

static void kexec(struct machine *m)
{
	assert_int_equal(kho_env_kexec(m->e, m->out.fdt_phys, &m->in, NULL), 0);
}

/* Sessions "alpha" (0 files), "beta" (@nr_beta files), "gamma" (1 file). */
static const char *const names[] = { "alpha", "beta", "gamma" };

static uint64_t token_of(unsigned int s, uint64_t i)
{
	return (uint64_t)s << 32 | (i * 2654435761u);
}

static void build(struct machine *m, uint64_t nr_beta)
{
	size_t size;

	assert_int_equal(kho_luo_out_init(&m->luo, &m->out, 7), 0);
	for (unsigned int s = 0; s < 3; s++)
		assert_int_equal(
			kho_luo_session_create(&m->luo, &m->s[s], names[s]), 0);
	for (uint64_t i = 0; i < nr_beta; i++)
		assert_int_equal(kho_luo_session_add_file(&m->s[1], "memfd-v2",
							  0x1000 * i,
							  token_of(1, i)),
				 0);
	assert_int_equal(kho_luo_session_add_file(&m->s[2], "other-v1", 42,
						  token_of(2, 0)),
			 0);
	assert_int_equal(kho_luo_add_flb(&m->luo, "flb-one", 11, 3), 0);
	assert_int_equal(kho_luo_add_flb(&m->luo, "flb-two", 12, 1), 0);
	m->blob = kho_env_phys(m->e, kho_luo_finish(&m->luo, &size));
	assert_int_equal(size, 32);
}

/* ---- writer ---------------------------------------------------------------- */

static void test_layout(void **state)
{
	struct kho_luo_session_ser *sess;
	struct kho_block_header_ser *b;
	struct kho_luo_file_ser *f;
	struct kho_luo_ser *ser;
	struct kho_luo_flb_header_ser *flb;
	struct machine m;

	machine_init(&m, 12);
	build(&m, 70);
	ser = kho_env_va(m.e, m.blob);
	assert_memory_equal(ser->compatible, "luo-v5\0\0", 8);
	assert_int_equal(ser->liveupdate_num, 7);
	/* sessions: one block of three entries */
	b = kho_env_va(m.e, ser->sessions_pa);
	assert_int_equal(b->count, 3);
	assert_int_equal(b->next, 0);
	sess = (struct kho_luo_session_ser *)(b + 1);
	assert_string_equal(sess[0].name, "alpha");
	assert_int_equal(sess[0].file_set_ser.files, 0);
	assert_int_equal(sess[0].file_set_ser.count, 0);
	assert_string_equal(sess[1].name, "beta");
	assert_int_equal(sess[1].file_set_ser.count, 70);
	/* beta's files: 63 then 7, 64 bytes each */
	b = kho_env_va(m.e, sess[1].file_set_ser.files);
	assert_int_equal(b->count, 63);
	f = (struct kho_luo_file_ser *)(b + 1);
	assert_string_equal(f[5].compatible, "memfd-v2");
	assert_int_equal(f[5].data, 0x5000);
	assert_int_equal(f[5].token, token_of(1, 5));
	b = kho_env_va(m.e, b->next);
	assert_int_equal(b->count, 7);
	assert_int_equal(b->next, 0);
	/* FLB page: pgcnt 1, two entries */
	flb = kho_env_va(m.e, ser->flbs_pa);
	assert_int_equal(flb->pgcnt, 1);
	assert_int_equal(flb->count, 2);
	assert_string_equal(((struct kho_luo_flb_ser *)(flb + 1))[1].name,
			    "flb-two");
	/* every structure is a preserved page */
	assert_true(kho_radix_test_page(&m.out.tree, m.blob >> 12, 0));
	assert_true(kho_radix_test_page(&m.out.tree, ser->flbs_pa >> 12, 0));
	assert_true(
		kho_radix_test_page(&m.out.tree, ser->sessions_pa >> 12, 0));
	kho_luo_out_destroy(&m.luo);
	machine_free(&m);
}

static void test_no_sessions(void **state)
{
	struct kho_luo_info info;
	struct kho_view view;
	struct machine m;
	size_t size;

	machine_init(&m, 12);
	assert_int_equal(kho_luo_out_init(&m.luo, &m.out, 1), 0);
	m.blob = kho_env_phys(m.e, kho_luo_finish(&m.luo, &size));
	assert_int_equal(
		((struct kho_luo_ser *)kho_env_va(m.e, m.blob))->sessions_pa,
		0);
	view = kho_env_view(m.e);
	assert_int_equal(kho_luo_read(&view, m.blob, size, NULL, &info, NULL),
			 0);
	assert_int_equal(info.nr_sessions, 0);
	assert_int_equal(info.nr_flbs, 0);
	assert_int_equal(info.liveupdate_num, 1);
	kho_luo_out_destroy(&m.luo);
	kho_luo_out_destroy(&m.luo);
	machine_free(&m);
}

static void test_writer_refusals(void **state)
{
	struct kho_luo_session s;
	struct machine m;
	char longname[80];

	machine_init(&m, 12);
	assert_int_equal(kho_luo_out_init(&m.luo, &m.out, 1), 0);
	memset(longname, 'x', sizeof(longname));
	/* 64 bytes do not fit with the NUL, 63 do (luo_session.c:471) */
	longname[64] = '\0';
	assert_int_equal(kho_luo_session_create(&m.luo, &s, longname), -EINVAL);
	longname[63] = '\0';
	assert_int_equal(kho_luo_session_create(&m.luo, &s, longname), 0);
	assert_int_equal(kho_luo_session_create(&m.luo, &s, longname), -EEXIST);
	assert_int_equal(kho_luo_session_create(&m.luo, &s, ""), -EINVAL);
	assert_int_equal(kho_luo_session_create(&m.luo, &s, NULL), -EINVAL);
	assert_int_equal(kho_luo_session_create(&m.luo, &m.s[0], "s"), 0);
	assert_int_equal(kho_luo_session_add_file(&m.s[0], "", 1, 1), -EINVAL);
	longname[48] = '\0';
	assert_int_equal(kho_luo_session_add_file(&m.s[0], longname, 1, 1),
			 -EINVAL);
	longname[47] = '\0';
	assert_int_equal(kho_luo_session_add_file(&m.s[0], longname, 1, 1), 0);
	assert_int_equal(kho_luo_session_add_file(&m.s[0], "memfd-v2", 2, 1),
			 -EEXIST);
	/* the same token in another session is fine */
	assert_int_equal(kho_luo_session_add_file(&s, "memfd-v2", 2, 1), 0);
	/* An object nothing uses is not handed over; a refcount_t is an int. */
	assert_int_equal(kho_luo_add_flb(&m.luo, "unused", 1, 0), -EINVAL);
	assert_int_equal(kho_luo_add_flb(&m.luo, "huge", 1, 1ULL << 31),
			 -EINVAL);
	for (int i = 0; i < 63; i++) {
		char n[16];

		snprintf(n, sizeof(n), "f%d", i);
		assert_int_equal(kho_luo_add_flb(&m.luo, n, i, 1), 0);
	}
	assert_int_equal(kho_luo_add_flb(&m.luo, "full", 1, 1), -ENOSPC);
	assert_int_equal(kho_luo_add_flb(&m.luo, "", 1, 1), -EINVAL);
	kho_luo_out_destroy(&m.luo);
	machine_free(&m);
}

static int op_luo_init(void *arg)
{
	struct machine *m = arg;

	return kho_luo_out_init(&m->luo, &m->out, 1);
}

struct session_op {
	struct machine *m;
	struct kho_luo_session *s;
};

static int op_session_create(void *arg)
{
	struct session_op *o = arg;
	int ret = kho_luo_session_create(&o->m->luo, o->s, "one");

	if (ret == -ENOMEM)
		assert_int_equal(o->m->luo.sessions.count, 0);
	return ret;
}

static int op_add_file(void *arg)
{
	struct kho_luo_session *s = arg;

	return kho_luo_session_add_file(s, "memfd-v2", 5, s->files.count);
}

static void test_alloc_failure(void **state)
{
	struct kho_luo_session s;
	struct machine m;
	struct session_op create = { &m, &s };

	machine_init(&m, 12);
	/* kho_luo_out_init() */
	assert_true(kho_env_sweep(m.e, &m.out, op_luo_init, &m, -ENOMEM) >= 2);
	/* kho_luo_session_create(): the first session block */
	kho_env_sweep(m.e, &m.out, op_session_create, &create, -ENOMEM);
	/* kho_luo_session_add_file(): first block, then the 64th file's */
	for (int round = 0; round < 2; round++) {
		kho_env_sweep(m.e, &m.out, op_add_file, &s, -ENOMEM);
		while (s.files.count < 63)
			assert_int_equal(
				kho_luo_session_add_file(&s, "memfd-v2", 5,
							 s.files.count),
				0);
	}
	assert_int_equal(s.files.nblocks, 2);
	kho_luo_out_destroy(&m.luo);
	machine_free(&m);
}

static void test_destroy(void **state)
{
	struct kho_env_snapshot before, after;
	struct machine m;

	machine_init(&m, 12);
	kho_env_snapshot(m.e, &m.out, &before);
	build(&m, 130);
	kho_luo_out_destroy(&m.luo);
	kho_env_snapshot(m.e, &m.out, &after);
	assert_true(kho_env_snapshot_equal(&before, &after));
	kho_env_snapshot_free(&before);
	kho_env_snapshot_free(&after);
	machine_free(&m);
}

/* ---- reader ---------------------------------------------------------------- */

struct seen {
	unsigned int sessions;
	uint64_t files[3];
	unsigned int flbs;
	bool bad;
	int fail;
};

static int on_session(const struct kho_luo_session_info *s, void *arg)
{
	struct seen *v = arg;

	if (s->index != v->sessions || strcmp(s->name, names[s->index]))
		v->bad = true;
	v->sessions++;
	return v->fail == 1 ? -ENOSPC : 0;
}

static int on_file(const struct kho_luo_session_info *s,
		   const struct kho_luo_file_info *f, void *arg)
{
	struct seen *v = arg;
	uint64_t i = v->files[s->index]++;

	if (f->index != i || f->token != token_of((unsigned int)s->index, i))
		v->bad = true;
	if (s->index == 1 &&
	    (strcmp(f->compatible, "memfd-v2") || f->data != 0x1000 * i))
		v->bad = true;
	if (s->index == 2 &&
	    (strcmp(f->compatible, "other-v1") || f->data != 42))
		v->bad = true;
	return v->fail == 2 ? -ENOSPC : 0;
}

static int on_flb(const struct kho_luo_flb_info *f, void *arg)
{
	struct seen *v = arg;

	if (f->index != v->flbs ||
	    strcmp(f->name, f->index ? "flb-two" : "flb-one") ||
	    f->data != 11 + f->index)
		v->bad = true;
	v->flbs++;
	return v->fail == 3 ? -ENOSPC : 0;
}

static void test_round_trip(void **state)
{
	static const unsigned int shifts[] = { 12, 14, 16 };

	for (unsigned int k = 0; k < 3; k++) {
		struct seen v = { 0 };
		struct kho_luo_read_ops ops = { on_session, on_file, on_flb,
						&v };
		struct kho_luo_info info;
		struct kho_error err;
		struct kho_view view;
		struct machine m;
		uint64_t live, flbs_pa;

		machine_init(&m, shifts[k]);
		build(&m, 2000);
		flbs_pa = ((struct kho_luo_ser *)kho_env_va(m.e, m.blob))
				  ->flbs_pa;
		kexec(&m);
		kho_in_view(&m.in, &view);
		assert_int_equal(
			kho_luo_read(&view, m.blob, 32, &ops, &info, &err), 0);
		assert_false(v.bad);
		assert_int_equal(v.sessions, 3);
		assert_int_equal(v.files[1], 2000);
		assert_int_equal(v.files[2], 1);
		assert_int_equal(v.flbs, 2);
		assert_int_equal(info.nr_sessions, 3);
		assert_int_equal(info.nr_files, 2001);
		assert_int_equal(info.nr_flbs, 2);
		assert_int_equal(info.liveupdate_num, 7);
		/* callbacks' errors come back */
		for (int f = 1; f <= 3; f++) {
			memset(&v, 0, sizeof(v));
			v.fail = f;
			assert_int_equal(kho_luo_read(&view, m.blob, 32, &ops,
						      NULL, &err),
					 -ENOSPC);
		}
		/* LUO's pages go back; the FLB page stays reserved */
		live = m.e->live_pages;
		assert_int_equal(kho_luo_restore_free(&m.in, m.blob), 0);
		assert_true(live - m.e->live_pages ==
			    1 + 1 +
				    (shifts[k] == 12 ? 32 + 1 :
				     shifts[k] == 14 ? 8 + 1 :
						       2 + 1));
		assert_non_null(kho_restore_folio(&m.in, flbs_pa));
		machine_free(&m);
	}
}

/* Working memory for the sorted name check; counts its calls. */
static unsigned int scratch_allocs, scratch_frees;
static bool scratch_fails;

static void *scratch_alloc(void *ctx, uint64_t len)
{
	if (scratch_fails)
		return NULL;
	scratch_allocs++;
	return malloc(len);
}

static void scratch_free(void *ctx, void *p)
{
	scratch_frees++;
	free(p);
}

/* The view of kernel B's memory, with working memory or without. */
static struct kho_view view_of(struct machine *m, bool scratch)
{
	struct kho_view view = kho_env_view(m->e);

	if (scratch) {
		view.scratch_alloc = scratch_alloc;
		view.scratch_free = scratch_free;
	}
	return view;
}

/* Refused the same way with the sorted and the pairwise name check. */
static struct kho_error expect_refusal(struct machine *m, uint64_t size,
				       int code, const char *what,
				       const char *field)
{
	struct kho_error err[2];

	for (int k = 0; k < 2; k++) {
		struct kho_view view = view_of(m, k);
		struct seen v = { 0 };
		struct kho_luo_read_ops ops = { on_session, on_file, on_flb,
						&v };

		memset(&err[k], 0, sizeof(err[k]));
		assert_int_equal(
			kho_luo_read(&view, m->blob, size, &ops, NULL, &err[k]),
			code);
		assert_int_equal(err[k].code, code);
		if (what)
			assert_string_equal(err[k].what, what);
		if (field)
			assert_string_equal(err[k].property, field);
		/* Nothing was visited before the whole state was checked. */
		assert_int_equal(v.sessions + v.flbs, 0);
	}
	assert_ptr_equal(err[0].what, err[1].what);
	assert_int_equal(err[0].phys, err[1].phys);
	assert_int_equal(err[0].index, err[1].index);
	assert_int_equal(scratch_allocs, scratch_frees);
	return err[0];
}

static void test_refusals(void **state)
{
	struct kho_luo_session_ser *sess;
	struct kho_block_header_ser *b;
	struct kho_luo_flb_header_ser *flb;
	struct kho_luo_ser *ser;
	struct kho_luo_file_ser *f;
	struct kho_view view;
	struct machine m;
	uint64_t saved;

	machine_init(&m, 12);
	build(&m, 70);
	view = kho_env_view(m.e);
	ser = kho_env_va(m.e, m.blob);
	b = kho_env_va(m.e, ser->sessions_pa);
	sess = (struct kho_luo_session_ser *)(b + 1);
	flb = kho_env_va(m.e, ser->flbs_pa);
	assert_int_equal(kho_luo_read(&view, m.blob, 32, NULL, NULL, NULL), 0);

	expect_refusal(&m, 31, -EINVAL,
		       "the LUO blob is smaller than struct luo_ser",
		       "blob-size");
	saved = m.blob;
	m.blob = ENV_PHYS_BASE - 4096;
	/* LUO is the node, not a property: the sentence names none. */
	assert_null(expect_refusal(&m, 32, -EFAULT,
				   "the LUO blob is not in memory", NULL)
			    .property);
	m.blob = saved;

	/* compatible: strncmp() semantics */
	memcpy(ser->compatible, "luo-v4\0\0", 8);
	expect_refusal(&m, 32, -EINVAL,
		       "the LUO blob is not compatible with luo-v5",
		       "compatible");
	memcpy(ser->compatible, "luo-v50\0", 8);
	expect_refusal(&m, 32, -EINVAL, NULL, "compatible");
	memcpy(ser->compatible, "luo-v5\0X", 8);
	assert_int_equal(kho_luo_read(&view, m.blob, 32, NULL, NULL, NULL), 0);
	memcpy(ser->compatible, "luo-v5\0\0", 8);

	/* two sessions named alike, also past 63 bytes */
	memcpy(sess[2].name, "beta", 5);
	expect_refusal(&m, 32, -EEXIST, "two LUO sessions have the same name",
		       "name");
	memset(sess[1].name, 'n', 64);
	memset(sess[2].name, 'n', 63);
	sess[2].name[63] = 'Z';
	expect_refusal(&m, 32, -EEXIST, NULL, "name");
	memset(sess[1].name, 0, 64);
	memset(sess[2].name, 0, 64);
	strcpy(sess[1].name, "beta");
	strcpy(sess[2].name, "gamma");

	/* file count against the chain */
	sess[1].file_set_ser.count = 69;
	expect_refusal(&m, 32, -EINVAL,
		       "a LUO session's file count differs from its file chain",
		       "count");
	sess[1].file_set_ser.count = 70;
	sess[0].file_set_ser.count = 3;
	expect_refusal(&m, 32, -EINVAL,
		       "a LUO session counts files but has no file chain",
		       "count");
	sess[0].file_set_ser.count = 0;

	/* a file's compatible without its NUL */
	f = (struct kho_luo_file_ser
		     *)((struct kho_block_header_ser *)kho_env_va(
				m.e, sess[2].file_set_ser.files) +
			1);
	memset(f->compatible, 'c', 48);
	expect_refusal(&m, 32, -EINVAL,
		       "a LUO file's compatible is not NUL-terminated",
		       "compatible");
	memset(f->compatible, 0, 48);
	strcpy(f->compatible, "other-v1");

	/* a cyclic file chain, a count of 0 in the session chain */
	b = kho_env_va(m.e, sess[1].file_set_ser.files);
	saved = b->next;
	((struct kho_block_header_ser *)kho_env_va(m.e, saved))->next =
		sess[1].file_set_ser.files;
	expect_refusal(&m, 32, -EINVAL, "the KHO block chain is cyclic",
		       "next");
	((struct kho_block_header_ser *)kho_env_va(m.e, saved))->next = 0;
	b = kho_env_va(m.e, ser->sessions_pa);
	b->count = 0;
	expect_refusal(&m, 32, -EINVAL, "a KHO block's count is 0", "count");
	b->count = 3;

	/* FLBs */
	flb->pgcnt = 0;
	expect_refusal(&m, 32, -EINVAL,
		       "the LUO FLB region's page count is not valid", "pgcnt");
	flb->pgcnt = 1;
	flb->count = 64;
	expect_refusal(&m, 32, -EINVAL,
		       "the LUO FLB count is larger than its pages hold",
		       "count");
	/* a count its pages would hold, but more bytes than all of RAM */
	flb->pgcnt = ENV_PAGES + 1;
	flb->count = ENV_PAGES * 4096ULL / sizeof(struct kho_luo_flb_ser);
	expect_refusal(&m, 32, -EFAULT, "the LUO FLB entries are not in memory",
		       "count");
	flb->pgcnt = 1;
	flb->count = 2;
	memset(((struct kho_luo_flb_ser *)(flb + 1))[1].name, 'f', 48);
	expect_refusal(&m, 32, -EINVAL,
		       "a LUO FLB's name is not NUL-terminated", "name");
	memset(((struct kho_luo_flb_ser *)(flb + 1))[1].name, 0, 48);
	strcpy(((struct kho_luo_flb_ser *)(flb + 1))[1].name, "flb-two");
	/* Linux writes FLBs in use only, and reads the count as a refcount_t */
	((struct kho_luo_flb_ser *)(flb + 1))[1].count = 0;
	expect_refusal(
		&m, 32, -EINVAL,
		"a LUO FLB's count is 0 or above 2^31 - 1, which the next kernel's refcount_t cannot hold",
		"count");
	((struct kho_luo_flb_ser *)(flb + 1))[1].count = 1ULL << 31;
	expect_refusal(
		&m, 32, -EINVAL,
		"a LUO FLB's count is 0 or above 2^31 - 1, which the next kernel's refcount_t cannot hold",
		"count");
	((struct kho_luo_flb_ser *)(flb + 1))[1].count = 1;
	saved = ser->flbs_pa;
	ser->flbs_pa = ENV_PHYS_BASE + ENV_PAGES * 4096ULL;
	expect_refusal(&m, 32, -EFAULT, "the LUO FLB header is not in memory",
		       "flbs_pa");
	ser->flbs_pa = saved + 8;
	expect_refusal(&m, 32, -EINVAL, NULL, "pgcnt");
	ser->flbs_pa = 0;
	assert_int_equal(kho_luo_read(&view, m.blob, 32, NULL, NULL, NULL), 0);
	ser->flbs_pa = saved;
	assert_int_equal(kho_luo_read(&view, m.blob, 32, NULL, NULL, NULL), 0);
	/* a reader with no FLB callback still sees every session */
	{
		struct seen v = { 0 };
		struct kho_luo_read_ops ops = { on_session, on_file, NULL, &v };

		assert_int_equal(
			kho_luo_read(&view, m.blob, 32, &ops, NULL, NULL), 0);
		assert_int_equal(v.sessions, 3);
		assert_int_equal(v.flbs, 0);
		assert_false(v.bad);
	}
	/* and one with no file callback every session and FLB */
	{
		struct seen v = { 0 };
		struct kho_luo_read_ops ops = { on_session, NULL, on_flb, &v };

		assert_int_equal(
			kho_luo_read(&view, m.blob, 32, &ops, NULL, NULL), 0);
		assert_int_equal(v.sessions, 3);
		assert_int_equal(v.files[1] + v.files[2], 0);
		assert_int_equal(v.flbs, 2);
		assert_false(v.bad);
	}
	kho_luo_out_destroy(&m.luo);
	machine_free(&m);
}

/* Session @i's entry, following the chain from its head. */
static struct kho_luo_session_ser *session_at(struct machine *m, uint64_t i)
{
	const struct kho_luo_ser *ser = kho_env_va(m->e, m->blob);
	uint64_t per = (m->e->page_size - sizeof(struct kho_block_header_ser)) /
		       sizeof(struct kho_luo_session_ser);
	struct kho_block_header_ser *b = kho_env_va(m->e, ser->sessions_pa);

	for (; i >= per; i -= per)
		b = kho_env_va(m->e, b->next);
	return (struct kho_luo_session_ser *)(b + 1) + i;
}

/*
 * 600 sessions over 12 blocks. Sessions 450 and 400 repeat the names of 3
 * and 10: the one reported is 400, the first in index order whose name came
 * before, by the sorted check (when the view gives working memory), by the
 * pairwise one (when it gives none, or nothing) alike. Names compare as the
 * kernel keeps them: bytes after the first NUL do not count.
 */
static void test_many_sessions(void **state)
{
	const uint64_t nr = 600;
	struct kho_luo_session_ser *a, *b;
	struct kho_luo_session *sess;
	struct kho_luo_info info;
	struct kho_error err;
	struct kho_view view;
	struct machine m;
	size_t size;

	scratch_allocs = scratch_frees = 0;
	sess = calloc(nr, sizeof(*sess));
	assert_non_null(sess);
	machine_init(&m, 12);
	assert_int_equal(kho_luo_out_init(&m.luo, &m.out, 1), 0);
	for (uint64_t i = 0; i < nr; i++) {
		char name[32];

		snprintf(name, sizeof(name), "session-%" PRIu64, i);
		assert_int_equal(kho_luo_session_create(&m.luo, &sess[i], name),
				 0);
	}
	m.blob = kho_env_phys(m.e, kho_luo_finish(&m.luo, &size));
	for (int k = 0; k < 2; k++) {
		view = view_of(&m, k);
		assert_int_equal(
			kho_luo_read(&view, m.blob, 32, NULL, &info, NULL), 0);
		assert_int_equal(info.nr_sessions, nr);
	}
	assert_int_equal(scratch_allocs, 1);

	memcpy(session_at(&m, 450)->name, session_at(&m, 3)->name, 64);
	memcpy(session_at(&m, 400)->name, session_at(&m, 10)->name, 64);
	err = expect_refusal(&m, 32, -EEXIST,
			     "two LUO sessions have the same name", "name");
	assert_int_equal(err.index, 400);
	assert_int_equal(err.phys, kho_env_phys(m.e, session_at(&m, 400)));
	scratch_fails = true;
	err = expect_refusal(&m, 32, -EEXIST, NULL, "name");
	assert_int_equal(err.index, 400);
	scratch_fails = false;

	/* "x\0garbage" and "x\0other": one name to strncmp(). */
	a = session_at(&m, 400);
	b = session_at(&m, 10);
	memset(a->name, 0, 64);
	strcpy(a->name, "solo");
	memset(b->name, 'g', 64);
	strcpy(b->name, "x");
	a = session_at(&m, 599);
	memset(a->name, 'o', 64);
	strcpy(a->name, "x");
	memcpy(session_at(&m, 450)->name, "unique-450", 11);
	err = expect_refusal(&m, 32, -EEXIST, NULL, "name");
	assert_int_equal(err.index, 599);
	/* 63 bytes are kept: a 64th that differs does not count either. */
	memset(a->name, 'q', 64);
	memset(b->name, 'q', 63);
	b->name[63] = 'Z';
	err = expect_refusal(&m, 32, -EEXIST, NULL, "name");
	assert_int_equal(err.index, 599);
	assert_true(scratch_allocs > 1 && scratch_allocs == scratch_frees);

	kho_luo_out_destroy(&m.luo);
	machine_free(&m);
	free(sess);
}

/* Kernel B: a LUO blob whose session block was not preserved. */
static void test_not_preserved(void **state)
{
	struct kho_luo_session_ser *sess;
	struct kho_luo_info info;
	struct kho_error err;
	struct kho_view view;
	struct machine m;
	struct kho_luo_ser *ser;

	machine_init(&m, 12);
	build(&m, 3);
	ser = kho_env_va(m.e, m.blob);
	assert_int_equal(kho_unpreserve_folio(&m.out, ser->flbs_pa, 0), 0);
	kexec(&m);
	kho_in_view(&m.in, &view);
	assert_int_equal(kho_luo_read(&view, m.blob, 32, NULL, NULL, &err),
			 -EINVAL);
	assert_string_equal(err.what,
			    "the LUO FLB region is not preserved memory");
	/* kho_luo_restore_free(): a blob not in memory, a broken chain */
	assert_int_equal(kho_luo_restore_free(&m.in, ENV_PHYS_BASE - 4096),
			 -EFAULT);
	((struct kho_block_header_ser *)kho_env_va(m.e, ser->sessions_pa))
		->count = 0;
	assert_int_equal(kho_luo_restore_free(&m.in, m.blob), -EINVAL);
	machine_free(&m);

	/*
	 * A file chain that is the session chain: its three entries read as
	 * three files, and the reader takes them, as Linux's would (neither
	 * looks for a block two chains share). Freeing the file chains then
	 * frees the session block, and freeing the session chain finds it
	 * restored already: refused, the blob kept.
	 */
	machine_init(&m, 12);
	build(&m, 3);
	ser = kho_env_va(m.e, m.blob);
	sess = session_at(&m, 0);
	sess[2].file_set_ser.files = ser->sessions_pa;
	sess[2].file_set_ser.count = 3;
	kexec(&m);
	kho_in_view(&m.in, &view);
	assert_int_equal(kho_luo_read(&view, m.blob, 32, NULL, &info, &err), 0);
	assert_int_equal(info.nr_files, 3 + 3);
	assert_int_equal(kho_luo_restore_free(&m.in, m.blob), -EINVAL);
	assert_non_null(kho_restore_folio(&m.in, m.blob));
	machine_free(&m);

	/* the blob itself */
	machine_init(&m, 12);
	build(&m, 3);
	assert_int_equal(kho_unpreserve_folio(&m.out, m.blob, 0), 0);
	kexec(&m);
	kho_in_view(&m.in, &view);
	assert_int_equal(kho_luo_read(&view, m.blob, 32, NULL, NULL, &err),
			 -EINVAL);
	assert_string_equal(err.what, "the LUO blob is not preserved memory");
	assert_null(err.property);
	assert_int_equal(err.phys, m.blob);
	machine_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_no_sessions),
		cmocka_unit_test(test_writer_refusals),
		cmocka_unit_test(test_alloc_failure),
		cmocka_unit_test(test_destroy),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_many_sessions),
		cmocka_unit_test(test_not_preserved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
