// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_luo.c - libFuzzer target: LUO luo-v5 and memfd-v2 over hostile
 * memory, read and restored by kernel B.
 *
 * Kernel A (this library) builds a LUO state as the input's header says:
 * up to three sessions of up to 255 files each (spanning several blocks),
 * the first files memfd-v2 files with real folios and folio arrays, FLB
 * entries. Its LUO and memfd structures and the files' folios come from
 * the data pages; the tree and the root FDT from pages of their own, so
 * the handover itself stays valid. The input's records then write what
 * they like into the data pages. Kernel B takes the handover, reads the
 * LUO state through kho_in_view() and, when it is accepted, restores every
 * memfd-v2 file with kho_memfd_restore() and frees LUO's pages.
 *
 *   pages 0..159     data: LUO, memfd blobs, arrays, folios; input writes
 *   pages 160..163   scratch (the scratch array in its first page)
 *   pages 164..255   kernel A's tree nodes and root FDT
 *
 * Input: struct hdr, then fuzz_env.h records over the data pages.
 *
 * Must hold: no crash, hang, leak, bad free or read outside RAM; the
 * sorted session-name check (a view with working memory) and the pairwise
 * one give the same verdict, error and place; a refusal
 * fills the error (what, field) and calls nothing; an accepted state calls
 * back exactly the sessions, files and FLBs it counted; a memfd restore
 * hands out folios in RAM (any preserved block a hostile entry names),
 * aligned to their order, at indices that are multiples of their size and
 * in index order, and a second restore of the same file fails.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kho/block.h>
#include <kho/kho.h>
#include <kho/luo.h>
#include <kho/memfd.h>

#include "fuzz_env.h"

#define CHECK FENV_CHECK

#define RAM_BASE (1ULL << 30)
#define RAM_PAGES 256
#define DATA_PAGES 160
#define SCRATCH_PAGE 160
#define SCRATCH_PAGES 4
#define KERNEL_PAGE 164
#define MAX_MEMFDS 4
#define MAX_FOLIOS 8

struct hdr {
	uint8_t cfg; /* bits 0-1 page size, bits 2-3 sessions */
	uint8_t files[3]; /* files per session */
	uint8_t memfds; /* memfd-v2 files among session 0's, % 5 */
	uint8_t pages[MAX_MEMFDS]; /* each memfd's size in pages, % 9 */
	uint8_t seals;
	uint8_t flbs; /* FLB entries, % 8 */
} __attribute__((packed));

static unsigned int cfg_shift(uint8_t cfg)
{
	static const unsigned int shifts[] = { 12, 14, 16, 12 };

	return shifts[cfg & 3];
}

/* Tree nodes from kernel A's own pages, everything else from data pages. */
static struct fenv *cur;

static void *tree_alloc_page(void *ctx)
{
	unsigned int lo = cur->alloc_lo, hi = cur->alloc_hi;
	void *p;

	cur->alloc_lo = KERNEL_PAGE;
	cur->alloc_hi = RAM_PAGES;
	p = fenv_alloc_pages(ctx, 0);
	cur->alloc_lo = lo;
	cur->alloc_hi = hi;
	return p;
}

/* Kernel A: a valid LUO state; returns the blob's address or 0. */
static uint64_t kernel_a(struct fenv *f, struct kho_out *out,
			 const struct hdr *h)
{
	static const unsigned int orders[] = { 0, 1, 0, 2 };
	struct kho_env_ops ops = f->ops;
	struct kho_luo_session s[3];
	struct kho_luo_out luo;
	unsigned int nr_sessions = ((h->cfg >> 2) & 3) % 4, memfds;
	size_t size;

	cur = f;
	ops.mem.alloc_page = tree_alloc_page;
	fenv_kernel_a(f, out, &ops, RAM_BASE, RAM_PAGES, SCRATCH_PAGE,
		      SCRATCH_PAGES, KERNEL_PAGE);
	f->alloc_lo = 0;
	f->alloc_hi = DATA_PAGES;

	if (kho_luo_out_init(&luo, out, 1))
		return 0;
	memfds = nr_sessions ? h->memfds % (MAX_MEMFDS + 1) : 0;
	for (unsigned int i = 0; i < nr_sessions; i++) {
		char name[16];

		snprintf(name, sizeof(name), "s%u", i);
		if (kho_luo_session_create(&luo, &s[i], name))
			return 0;
	}
	for (unsigned int i = 0; i < memfds; i++) {
		struct kho_memfd_folio folios[MAX_FOLIOS];
		struct kho_memfd_file file = { 0 };
		uint64_t pages = h->pages[i] % 9, index = 0, ser;

		while (index < pages && file.nr_folios < MAX_FOLIOS) {
			unsigned int order = orders[file.nr_folios % 4];
			void *va;

			while ((1ULL << order) > pages - index ||
			       index & ((1ULL << order) - 1))
				order--;
			va = fenv_alloc_pages(f, order);
			if (!va)
				break;
			folios[file.nr_folios].phys = fenv_virt_to_phys(f, va);
			folios[file.nr_folios].order = order;
			folios[file.nr_folios].index = index;
			file.nr_folios++;
			index += 1ULL << order;
		}
		file.size = index * f->page;
		file.pos = i;
		file.seals = h->seals & KHO_MEMFD_ALL_SEALS;
		file.folios = folios;
		if (kho_memfd_preserve(out, &file, &ser) ||
		    kho_luo_session_add_file(&s[0], KHO_MEMFD_V2_COMPATIBLE,
					     ser, 1000 + i))
			return 0;
	}
	for (unsigned int i = 0; i < nr_sessions; i++) {
		for (unsigned int j = 0; j < h->files[i]; j++) {
			if (kho_luo_session_add_file(&s[i], "other-v1", j, j))
				break;
		}
	}
	for (unsigned int i = 0; i < h->flbs % 8u; i++) {
		char name[16];

		snprintf(name, sizeof(name), "flb%u", i);
		CHECK(!kho_luo_add_flb(&luo, name, i, 1));
	}
	return fenv_virt_to_phys(f, kho_luo_finish(&luo, &size));
}

struct counts {
	struct fenv *f;
	struct kho_in *in;
	uint64_t sessions, files, flbs, folios, memfds;
	uint64_t next_index;
};

static int on_folio(uint64_t phys, unsigned int order, uint64_t index,
		    void *arg)
{
	struct counts *c = arg;
	struct fenv *f = c->f;

	CHECK(!(phys & ((f->page << order) - 1)));
	/* In RAM: a hostile entry may name any preserved block, the FDT's too. */
	CHECK(phys >= f->base[0] &&
	      phys + (f->page << order) <= f->base[0] + RAM_PAGES * f->page);
	CHECK(index >= c->next_index);
	CHECK(!(index & ((1ULL << order) - 1)));
	c->next_index = index + (1ULL << order);
	c->folios++;
	return 0;
}

static int on_session(const struct kho_luo_session_info *s, void *arg)
{
	struct counts *c = arg;

	CHECK(s->index == c->sessions);
	CHECK(strnlen(s->name, sizeof(s->name)) < sizeof(s->name));
	c->sessions++;
	return 0;
}

static int on_file(const struct kho_luo_session_info *s,
		   const struct kho_luo_file_info *fi, void *arg)
{
	struct counts *c = arg;
	struct kho_error err = { 0 };
	int ret;

	CHECK(strnlen(fi->compatible, sizeof(fi->compatible)) <
	      sizeof(fi->compatible));
	c->files++;
	if (strcmp(fi->compatible, KHO_MEMFD_V2_COMPATIBLE))
		return 0;
	c->next_index = 0;
	ret = kho_memfd_restore(c->in, fi->data, on_folio, c, NULL, &err);
	if (ret) {
		CHECK(ret < 0);
		CHECK(err.what);
		return 0;
	}
	c->memfds++;
	/* Its blob is gone now. */
	CHECK(kho_memfd_restore(c->in, fi->data, NULL, NULL, NULL, &err));
	return 0;
}

static int on_flb(const struct kho_luo_flb_info *fl, void *arg)
{
	struct counts *c = arg;

	CHECK(fl->index == c->flbs);
	c->flbs++;
	return 0;
}

static void *scratch_alloc(void *ctx, uint64_t len)
{
	return malloc(len);
}

static void scratch_free(void *ctx, void *p)
{
	free(p);
}

static void kernel_b(struct fenv *f, struct kho_out *out, uint64_t blob)
{
	struct counts c = { .f = f };
	struct kho_luo_read_ops ops = { on_session, on_file, on_flb, &c };
	struct kho_luo_info info;
	struct kho_error err = { 0 }, sorted_err = { 0 };
	struct kho_view view, sorted;
	struct kho_in in;
	int ret, sorted_ret;

	ret = fenv_kexec(f, out, SCRATCH_PAGE, &in);
	CHECK(!ret);
	c.in = &in;
	kho_in_view(&in, &view);
	/* The sorted name check and the pairwise one: the same verdict. */
	sorted = view;
	sorted.scratch_alloc = scratch_alloc;
	sorted.scratch_free = scratch_free;
	sorted_ret = kho_luo_read(&sorted, blob, sizeof(struct kho_luo_ser),
				  NULL, NULL, &sorted_err);
	ret = kho_luo_read(&view, blob, sizeof(struct kho_luo_ser), NULL, &info,
			   &err);
	CHECK(sorted_ret == ret);
	CHECK(!ret || (sorted_err.what == err.what &&
		       sorted_err.phys == err.phys &&
		       sorted_err.index == err.index));
	if (ret) {
		CHECK(ret < 0 && err.code == ret && err.what);
		kho_in_destroy(&in);
		return;
	}
	ret = kho_luo_read(&view, blob, sizeof(struct kho_luo_ser), &ops, NULL,
			   &err);
	/* Only a file restore freeing LUO's own pages can change the state. */
	if (!ret) {
		CHECK(c.sessions == info.nr_sessions);
		CHECK(c.files == info.nr_files);
		CHECK(c.flbs == info.nr_flbs);
	}
	kho_luo_restore_free(&in, blob);
	CHECK(!f->bad_frees);
	kho_in_destroy(&in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kho_out out;
	struct fenv *f;
	uint64_t blob;
	struct hdr h;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	f = fenv_get(cfg_shift(h.cfg));
	blob = kernel_a(f, &out, &h);
	if (blob) {
		fenv_apply(f, data + sizeof(h), data + size, 0, DATA_PAGES);
		kernel_b(f, &out, blob);
	}
	kho_out_destroy(&out);
	return 0;
}
