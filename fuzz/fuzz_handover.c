// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_handover.c - libFuzzer target: a whole handover from hostile bytes,
 * through kho_populate(), kho_memory_init() (which validates the tree with
 * kho_radix_validate() before it walks it) and the restores, as the next
 * kernel takes it.
 *
 * Input (fuzz_env.h machine):
 *   cfg (1)     bits 0-1 page size (4/16/64/4 KiB), bit 2 RAM starts at 0
 *               (else 1 GiB); bit 3 is ignored (it once asked for a walk
 *               without validation, which kho_memory_init() no longer does;
 *               kept so the corpus means what it meant)
 *   n0, n1, gap (1 each)  RAM layout: n0 pages, a hole of gap pages, n1 pages
 *   struct kho_data (32)  the handover record: FDT and scratch array
 *   records ...           what RAM holds: FDT page, tree pages, scratch array
 *
 * Nothing may crash, hang, leak or read outside RAM (phys_to_virt() is NULL
 * there and the ranges have guard pages). Beyond that: a handover
 * kho_memory_init() refuses is refused with in->err filled, revival off and
 * no stamp left; a tree its check passed is never refused (a broken
 * subtree is a warning); an accepted handover is walked: every block
 * restores exactly once, and every reserved range is RAM, ascending.
 *
 * KHO_FUZZ_WRITE_SEEDS=DIR: write seeds made from real handovers (kernel A
 * of this library over the same machine) into DIR and exit.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kho/kho.h>
#include <kho/validate.h>

#include "fuzz_env.h"

#define CHECK FENV_CHECK

struct hdr {
	uint8_t cfg;
	uint8_t n0, n1, gap;
	struct kho_data kd;
} __attribute__((packed));

#define CFG_SHIFT_MASK 0x3
#define CFG_BASE_ZERO 0x4
#define RAM_BASE (1ULL << 30)

static unsigned int cfg_shift(uint8_t cfg)
{
	static const unsigned int shifts[] = { 12, 14, 16, 12 };

	return shifts[cfg & CFG_SHIFT_MASK];
}

struct reserve_state {
	struct fenv *f;
	uint64_t last_end;
	uint64_t nr;
};

/* Every reserved range is RAM (touching ranges may merge), ascending. */
static int on_reserve(uint64_t start, uint64_t end, void *arg)
{
	struct reserve_state *rs = arg;
	uint64_t idx;

	CHECK(start < end);
	CHECK(!rs->nr || start > rs->last_end);
	CHECK(fenv_range_of(rs->f, start, &idx) >= 0);
	CHECK(fenv_range_of(rs->f, end - 1, &idx) >= 0);
	rs->last_end = end;
	rs->nr++;
	return 0;
}

struct blocks {
	uint64_t phys[2 * FENV_MAX_PAGES];
	unsigned int order[2 * FENV_MAX_PAGES];
	unsigned int nr;
	bool overflow;
};

static int collect(uint64_t phys, unsigned int order, void *arg)
{
	struct blocks *b = arg;

	if (b->nr == 2 * FENV_MAX_PAGES) {
		b->overflow = true;
		return 1;
	}
	b->phys[b->nr] = phys;
	b->order[b->nr++] = order;
	return 0;
}

static int try_subtree(const char *name, uint64_t phys,
			 uint64_t size, void *arg)
{
	struct kho_in *in = arg;
	uint64_t got;
	int ret;

	ret = kho_retrieve_subtree(in, name, &got, NULL);
	CHECK(ret == 0 || ret == -EINVAL || ret == -ENOENT);
	if (phys == KHO_ERR_NO_ADDR)
		return 0;
	/* Whatever it points at: a restore either works once or fails. */
	if (kho_restore_folio(in, phys))
		CHECK(!kho_restore_folio(in, phys));
	return 0;
}

/* Does any page of the layout carry a stamp (or other private)? */
static bool any_stamp(struct fenv *f)
{
	for (int r = 0; r < 2; r++)
		for (uint64_t i = 0; i < f->npages[r]; i++)
			if (f->memmap[r][i].private)
				return true;
	return false;
}

/* Return: true when the handover was accepted and walked. */
static bool run(struct fenv *f, const struct hdr *h)
{
	struct reserve_state rs = { .f = f };
	static struct blocks blocks;
	struct kho_tree_check *chk;
	struct kho_radix_stats st;
	struct kho_in in;
	int ret;

	ret = kho_populate(&in, &f->geo, &f->ops, h->kd.fdt_addr,
			   h->kd.fdt_size, h->kd.scratch_addr,
			   h->kd.scratch_size);
	if (ret) {
		CHECK(ret < 0 && in.err.code == ret && in.err.what);
		CHECK(!in.revive);
		CHECK(kho_memory_init(&in, fenv_check(f), on_reserve, &rs) ==
		      ret);
		CHECK(!rs.nr);
		CHECK(!kho_restore_folio(&in, h->kd.fdt_addr));
		return false;
	}
	/*
	 * kho_memory_init() checks the whole tree before it walks any of it:
	 * a tree of shared nodes, which a trusting walk would follow for
	 * days, is refused at the second mention of a node.
	 */
	chk = fenv_check(f);
	ret = kho_memory_init(&in, chk, on_reserve, &rs);
	CHECK(ret <= 0);
	CHECK(chk->scratch == in.scratch && chk->nr_scratch == in.nr_scratch);
	if (ret) {
		CHECK(in.err.code == ret && in.err.what && !in.revive);
		CHECK(!in.walked);
		/* The tree check's refusal is the handover's, word for word. */
		CHECK(!chk->err.code ||
		      (chk->err.code == ret && in.err.what == chk->err.what &&
		       in.err.phys == chk->err.phys));
		/*
		 * The tree check refuses before anything is reserved. A tree
		 * it passed walks: only a block on a memmap hole (fuzz_env's
		 * memmap and RAM agree, so never here) could still be refused;
		 * a broken subtree is a warning, never a refusal.
		 */
		CHECK(!chk->err.code || !rs.nr);
		/* kho-v1 has no tree check: its chunk list refuses. */
		CHECK(chk->err.code || in.abi->mem_map == KHO_MEM_MAP_CHUNKS);
		CHECK(!any_stamp(f));
		CHECK(!kho_restore_folio(&in, h->kd.fdt_addr));
		kho_in_destroy(&in);
		return false;
	}
	CHECK(in.walked && !chk->err.code);
	/* kho-v1: no tree to walk again; its subtrees still resolve. */
	if (in.abi->mem_map == KHO_MEM_MAP_CHUNKS) {
		kho_for_each_subtree(&in, try_subtree, &in);
		kho_in_destroy(&in);
		return true;
	}
	/* Walked: every block is stamped, so each restores exactly once. */
	blocks.nr = 0;
	blocks.overflow = false;
	CHECK(kho_radix_walk(&in.tree, collect, &blocks) == 0 ||
	      blocks.overflow);
	CHECK(!blocks.overflow);
	CHECK(kho_radix_get_stats(&in.tree, &st) == 0);
	CHECK(st.nr_blocks == blocks.nr);
	kho_for_each_subtree(&in, try_subtree, &in);
	for (unsigned int i = 0; i < blocks.nr; i++) {
		struct kho_page *pg = kho_restore_folio(&in, blocks.phys[i]);

		/* A subtree's blob may have been restored just above. */
		if (!pg)
			continue;
		CHECK(pg->refcount == 1);
		CHECK(!kho_restore_folio(&in, blocks.phys[i]));
	}
	kho_in_destroy(&in);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hdr h;
	struct fenv *f;
	uint64_t n0;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	f = fenv_get(cfg_shift(h.cfg));
	n0 = h.n0 ? h.n0 : 1;
	fenv_reset(f, h.cfg & CFG_BASE_ZERO ? 0 : RAM_BASE, n0, h.gap, h.n1);
	fenv_apply(f, data + sizeof(h), data + size, 0, fenv_total_pages(f));
	run(f, &h);
	return 0;
}

/* ---- seeds: real handovers of this library's kernel A ------------------- */

struct scenario {
	const char *name;
	unsigned int shift;
	uint8_t n0, gap, n1;
	bool subtrees, vmalloc, many;
};

static void write_seed(const char *dir, const struct scenario *s)
{
	struct kho_scratch sc[2];
	struct fenv *f = fenv_get(s->shift);
	struct kho_out out;
	struct hdr h = { 0 };
	char path[4096];
	FILE *fp;
	unsigned int total;
	void *blob, *arr;

	fenv_reset(f, RAM_BASE, s->n0, s->gap, s->n1);
	total = fenv_total_pages(f);
	/* Scratch: the last 4 pages of range 0 and the last 2 of range 1. */
	sc[0].addr = fenv_page_phys(f, s->n0 - 4);
	sc[0].size = 4 * f->page;
	sc[1].addr = fenv_page_phys(f, total - 2);
	sc[1].size = 2 * f->page;
	/* Kernel A's own pages (tree, FDT, blobs, chunks): 40 and up. */
	f->alloc_lo = 40;
	f->alloc_hi = s->n0 - 4;
	CHECK(!kho_out_init(&out, &f->geo, &f->ops, sc, s->n1 ? 2 : 1));
	/* Kernel A's memory: blocks in both ranges, several orders. */
	CHECK(!kho_preserve_folio(&out, fenv_page_phys(f, 0), 0));
	CHECK(!kho_preserve_folio(&out, fenv_page_phys(f, 4), 2));
	CHECK(!kho_preserve_pages(&out, fenv_page_phys(f, 9), 7));
	if (s->n1)
		CHECK(!kho_preserve_pages(&out, fenv_page_phys(f, s->n0), 5));
	if (s->many)
		for (unsigned int i = 27; i < 40; i += 2)
			CHECK(!kho_preserve_folio(&out, fenv_page_phys(f, i), 0));
	if (s->subtrees) {
		blob = kho_alloc_preserve(&out, 100);
		CHECK(blob);
		memcpy(blob, "blob of a subsystem", 20);
		CHECK(!kho_add_subtree(&out, "kexec-metadata", blob, 64));
		blob = kho_alloc_preserve(&out, 2 * f->page);
		CHECK(blob);
		CHECK(!kho_add_subtree(&out, "memblock", blob, 64));
	}
	if (s->vmalloc) {
		uint64_t bl[3] = { fenv_page_phys(f, 20), fenv_page_phys(f, 24),
				   fenv_page_phys(f, 22) };
		struct kho_vmalloc v;

		CHECK(!kho_preserve_vmalloc(&out, bl, 3, 1, 1, &v));
		blob = kho_alloc_preserve(&out, sizeof(v));
		CHECK(blob);
		memcpy(blob, &v, sizeof(v));
		CHECK(!kho_add_subtree(&out, "memfd", blob, 64));
	}
	/* kexec: the scratch array travels in the first scratch area. */
	arr = fenv_page(f, s->n0 - 4, true);
	memcpy(arr, sc, sizeof(sc));
	h.cfg = (uint8_t)((s->shift - 12) / 2);
	h.n0 = s->n0;
	h.n1 = s->n1;
	h.gap = s->gap;
	h.kd.fdt_addr = out.fdt_phys;
	h.kd.fdt_size = f->page;
	h.kd.scratch_addr = sc[0].addr;
	h.kd.scratch_size = (s->n1 ? 2 : 1) * sizeof(sc[0]);

	snprintf(path, sizeof(path), "%s/%s", dir, s->name);
	fp = fopen(path, "wb");
	CHECK(fp);
	fwrite(&h, 1, sizeof(h), fp);
	fenv_dump(f, 0, total, fp);
	CHECK(!fclose(fp));
	/* The seed must be a handover the next kernel accepts. */
	fenv_reboot(f);
	CHECK(run(f, &h));
	kho_out_destroy(&out);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct scenario seeds[] = {
		{ "h4k-plain", 12, 128, 0, 0, false, false, false },
		{ "h4k-holes", 12, 128, 8, 32, true, false, false },
		{ "h4k-all", 12, 128, 3, 16, true, true, true },
		{ "h16k-all", 14, 96, 1, 16, true, true, false },
		{ "h64k-all", 16, 96, 0, 8, true, true, false },
	};
	const char *dir = getenv("KHO_FUZZ_WRITE_SEEDS");

	if (!dir)
		return 0;
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		write_seed(dir, &seeds[i]);
	exit(0);
}
