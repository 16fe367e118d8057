// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_blocks.c - libFuzzer target: kho_block_read() over hostile block
 * chains, against a model.
 *
 * The input writes RAM (one range, or two with a hole) with fuzz_env.h
 * records and names a chain's head and an entry size; kho_block_read()
 * reads it through a view of that RAM. A model written the obvious way (a
 * visited bitmap instead of Floyd's pointers) decides the same chain.
 *
 * Input: cfg (1: bits 0-1 page size, bits 2-4 entry size, bit 5 two
 * ranges, bit 6 head misaligned by 8), head page (2), then records.
 *
 * Must hold: no crash, hang or read outside RAM; the verdict and error
 * code are the model's; a refusal fills the error and visits nothing; an
 * accepted chain reports each block once to own() and every entry in
 * order, inside its block.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kho/block.h>

#include "fuzz_env.h"

#define CHECK FENV_CHECK
#define RAM_BASE (1ULL << 30)
#define RANGE_PAGES 64

struct hdr {
	uint8_t cfg;
	uint16_t head;
} __attribute__((packed));

static unsigned int cfg_shift(uint8_t cfg)
{
	static const unsigned int shifts[] = { 12, 14, 16, 12 };

	return shifts[cfg & 3];
}

static size_t cfg_entry(uint8_t cfg, uint64_t page)
{
	static const size_t sizes[] = { 16, 32, 64, 80, 1000, 24, 48, 0 };
	size_t s = sizes[(cfg >> 2) & 7];

	/* 0 stands for one entry per block; 80 for LUO sessions. */
	return s ? s : page - sizeof(struct kho_block_header_ser);
}

struct read_state {
	struct fenv *f;
	size_t entry_size;
	uint64_t owned, entries;
	uint64_t last_own;
};

static const void *read_map(void *ctx, uint64_t phys, uint64_t len)
{
	return fenv_map_in_page(((struct read_state *)ctx)->f, phys, len);
}

static int read_own(void *ctx, uint64_t phys, uint64_t len, const char *what)
{
	struct read_state *rs = ctx;

	fenv_check_own_page(rs->f, phys, len);
	rs->owned++;
	rs->last_own = phys;
	return 0;
}

static int read_entry(const void *entry, uint64_t phys, uint64_t index,
		      void *arg)
{
	struct read_state *rs = arg;

	CHECK(index == rs->entries);
	/* Inside the block own() was just told of, after its header. */
	CHECK(phys >= rs->last_own + sizeof(struct kho_block_header_ser));
	CHECK(phys + rs->entry_size <= rs->last_own + rs->f->page);
	CHECK(entry == fenv_phys_to_virt(rs->f, phys));
	rs->entries++;
	return 0;
}

/* The model: walk, remember every block, refuse the first problem. */
static int model(struct fenv *f, uint64_t head, size_t entry_size,
		 uint64_t *blocks, uint64_t *entries)
{
	static bool visited[2 * FENV_MAX_PAGES];
	uint64_t cap =
		(f->page - sizeof(struct kho_block_header_ser)) / entry_size;
	uint64_t phys = head, idx;
	int ret = 0, r;

	memset(visited, 0, sizeof(visited));
	*blocks = *entries = 0;
	while (phys) {
		const struct kho_block_header_ser *b;

		if (phys & (f->page - 1)) {
			ret = -EINVAL;
			break;
		}
		r = fenv_range_of(f, phys, &idx);
		if (r < 0) {
			ret = -EFAULT;
			break;
		}
		idx += r ? f->npages[0] : 0;
		if (visited[idx]) {
			ret = -EINVAL;
			break;
		}
		visited[idx] = true;
		b = fenv_phys_to_virt(f, phys);
		if (!b->count || b->count > cap) {
			ret = -EINVAL;
			break;
		}
		*entries += b->count;
		++*blocks;
		phys = b->next;
	}
	/* At most 2 * FENV_MAX_PAGES distinct blocks: never over the limit. */
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct read_state rs = { 0 };
	struct kho_block_info info = { 0 };
	struct kho_error err = { 0 };
	struct kho_view view = { 0 };
	uint64_t head, mblocks, mentries;
	struct fenv *f;
	struct hdr h;
	int ret, want;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	f = fenv_get(cfg_shift(h.cfg));
	if (h.cfg & 0x20)
		fenv_reset(f, RAM_BASE, RANGE_PAGES, 3, RANGE_PAGES);
	else
		fenv_reset(f, RAM_BASE, 2 * RANGE_PAGES, 0, 0);
	fenv_apply(f, data + sizeof(h), data + size, 0,
		   (unsigned int)fenv_total_pages(f));
	rs.f = f;
	rs.entry_size = cfg_entry(h.cfg, f->page);
	/* A head a little past RAM too, and 0 (an empty chain). */
	head = h.head % (fenv_total_pages(f) + 2);
	head = head ? fenv_page_phys(f, (unsigned int)head - 1) : 0;
	if (h.cfg & 0x40)
		head += 8;

	view.map = read_map;
	view.own = read_own;
	view.ctx = &rs;
	view.page_shift = f->geo.page_shift;
	want = model(f, head, rs.entry_size, &mblocks, &mentries);
	ret = kho_block_read(&view, head, rs.entry_size, "fuzz", read_entry,
			     &rs, &info, &err);
	CHECK(ret == want);
	if (ret) {
		CHECK(err.code == ret && err.what && err.property);
		CHECK(!rs.owned && !rs.entries);
		return 0;
	}
	CHECK(info.nr_blocks == mblocks && info.nr_entries == mentries);
	CHECK(rs.owned == mblocks && rs.entries == mentries);
	return 0;
}
