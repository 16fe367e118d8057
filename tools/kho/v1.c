// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * v1.c - kho inspect on a kho-v1 memory map (Linux 6.16 to 6.19).
 *
 * The chunk list is decoded by lib/kho_v1.c (<kho/kho_v1.h> draws it),
 * through inspect's view of the memory source: its chunks and bitmaps come
 * back through the view's own() as metadata. What needs memory is done
 * here: the blocks, gathered as runs of one order, sorted by address, must
 * lie in RAM and must not overlap; touching runs coalesce into ranges.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kho/kho_v1.h>

#include "inspect_mem.h"

/* Bitmaps any memory map may have, however little RAM the source holds. */
#define V1_MIN_MAX_BITMAPS 4096

static int v1_fail(struct inspect *in, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int v1_fail(struct inspect *in, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(in->reason, sizeof(in->reason), fmt, ap);
	va_end(ap);
	in->code = code;
	return code;
}

struct v1_runs {
	struct inspect *in;
	uint64_t cap;
};

/* A block: extends the last run when it follows it, else starts one. */
static int add_block(uint64_t phys, unsigned int order, void *arg)
{
	struct v1_runs *r = arg;
	struct inspect *in = r->in;
	uint64_t size = 1ULL << (order + in->page_shift);
	struct inspect_run *last =
		in->nr_v1_runs ? &in->v1_runs[in->nr_v1_runs - 1] : NULL;

	if (last && last->order == order && last->end == phys) {
		last->end += size;
		return 0;
	}
	if (in->nr_v1_runs == r->cap) {
		uint64_t n = r->cap ? r->cap * 2 : 256;
		void *p = realloc(in->v1_runs, n * sizeof(*in->v1_runs));

		if (!p)
			return -ENOMEM;
		in->v1_runs = p;
		r->cap = n;
	}
	in->v1_runs[in->nr_v1_runs++] = (struct inspect_run){
		.start = phys,
		.end = phys + size,
		.order = order,
	};
	return 0;
}

static int run_cmp(const void *a, const void *b)
{
	const struct inspect_run *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Sorted runs: in RAM, not overlapping; coalesced into @in->ranges. */
static int make_ranges(struct inspect *in)
{
	uint64_t cap = 0;

	qsort(in->v1_runs, in->nr_v1_runs, sizeof(*in->v1_runs), run_cmp);
	for (uint64_t i = 0; i < in->nr_v1_runs; i++) {
		const struct inspect_run *r = &in->v1_runs[i];
		struct kho_mem_region *last;

		if (!memsrc_backed(&in->ms, r->start, r->end - r->start))
			return v1_fail(in, -ERANGE,
				       "kho-v1 block at %#" PRIx64
				       " (order %u) is not in RAM",
				       r->start, r->order);
		last = in->nr_ranges ? &in->ranges[in->nr_ranges - 1] : NULL;
		if (last && r->start < last->end)
			return v1_fail(in, -EEXIST,
				       "kho-v1 blocks overlap at %#" PRIx64
				       " (order %u inside preserved memory up "
				       "to %#" PRIx64 ")",
				       r->start, r->order, last->end);
		if (last && r->start == last->end) {
			last->end = r->end;
			continue;
		}
		if (in->nr_ranges == cap) {
			uint64_t n = cap ? cap * 2 : 64;
			void *p = realloc(in->ranges, n * sizeof(*in->ranges));

			if (!p)
				return v1_fail(in, -ENOMEM, "out of memory");
			in->ranges = p;
			cap = n;
		}
		in->ranges[in->nr_ranges++] = (struct kho_mem_region){
			.start = r->start,
			.end = r->end,
		};
	}
	return 0;
}

static void say_why(struct inspect *in, const struct kho_v1_info *info)
{
	char *w = in->v1_bitmap_why;
	size_t len = sizeof(in->v1_bitmap_why);

	switch (info->why) {
	case KHO_V1_BITMAP_GIVEN:
		snprintf(w, len, "set with --v1-bitmap");
		break;

	case KHO_V1_BITMAP_UNALIGNED:
		snprintf(w, len,
			 "inferred: the bitmap at %#" PRIx64
			 " is not page-aligned",
			 info->why_phys);
		break;
	case KHO_V1_BITMAP_SPAN:
		snprintf(w, len,
			 "inferred: phys_start %#" PRIx64 " (order %u) is not "
			 "a multiple of a page-sized bitmap's span",
			 info->why_phys, info->why_order);
		break;
	case KHO_V1_BITMAP_PAGE:
		snprintf(w, len,
			 "inferred: every bitmap is page-aligned and every "
			 "phys_start a multiple of a page-sized bitmap's span");
		break;
	}
}

/*
 * --v1-bitmap 512 over a map whose data fits page-sized bitmaps too: no
 * field says which, so nothing can be refused; read as 512 bytes, a page
 * bitmap's bits past its first 512 bytes are not shown. Say so where the
 * bitmap size is explained.
 */
static bool page_fits(struct inspect *in, uint64_t max_bitmaps)
{
	struct kho_view quiet = in->view;
	struct kho_v1_info inferred;
	struct kho_error err = { 0 };

	quiet.own = NULL;
	return !kho_v1_read(&quiet, in->map_phys, 0, max_bitmaps, NULL, NULL,
			    &inferred, &err) &&
	       inferred.why == KHO_V1_BITMAP_PAGE;
}

int inspect_v1_read(struct inspect *in, unsigned int bitmap_bytes)
{
	struct v1_runs runs = { in, 0 };
	struct kho_v1_info info;
	struct kho_error err = { 0 };
	uint64_t ram = 0, max_bitmaps;
	int ret, saved = in->cur_owner;

	/*
	 * A kernel needs at most about two bitmaps per bitmap span of RAM
	 * (every order together); more is a hostile list, refused before it
	 * makes us read more than the RAM it claims to describe.
	 */
	for (unsigned int i = 0; i < in->ms.nr_ram; i++)
		ram += in->ms.ram[i].end - in->ms.ram[i].start;
	max_bitmaps = 2 * (ram / ((uint64_t)KHO_V1_SMALL_BITMAP_BYTES * 8
				  << in->page_shift)) +
		      V1_MIN_MAX_BITMAPS;
	in->cur_owner = -1;
	ret = kho_v1_read(&in->view, in->map_phys, bitmap_bytes, max_bitmaps,
			  add_block, &runs, &info, &err);
	in->cur_owner = saved;
	in->v1_chunks = info.nr_chunks;
	in->v1_bitmaps = info.nr_bitmaps;
	in->v1_bitmap_bytes = info.bitmap_bytes;
	say_why(in, &info);
	if (!ret && bitmap_bytes == KHO_V1_SMALL_BITMAP_BYTES &&
	    page_fits(in, max_bitmaps))
		snprintf(in->v1_bitmap_why, sizeof(in->v1_bitmap_why),
			 "set with --v1-bitmap, though page-sized bitmaps fit "
			 "this map too: if they are page-sized, the blocks of "
			 "bits past each bitmap's first 512 bytes are not "
			 "shown");
	if (ret == -E2BIG)
		return v1_fail(in, ret,
			       "kho-v1 memory map lists more than %" PRIu64
			       " bitmaps (chunk %#" PRIx64 "), more than %s "
			       "of RAM can need",
			       max_bitmaps, err.phys, in->source);
	if (ret && err.code) {
		int n = kho_error_describe(&err, in->reason,
					       sizeof(in->reason));

		if (err.phys != KHO_ERR_NO_ADDR && n > 0 &&
		    (size_t)n < sizeof(in->reason) &&
		    !memsrc_backed(&in->ms, err.phys, 1))
			snprintf(in->reason + n, sizeof(in->reason) - n,
				 "; %s has no memory at %#" PRIx64, in->source,
				 err.phys);
		in->code = ret;
		return ret;
	}
	if (ret)
		return v1_fail(in, ret, "reading the kho-v1 map failed: %s",
			       strerror(-ret));
	memcpy(in->blocks, info.blocks, sizeof(in->blocks));
	in->nr_blocks = info.nr_blocks;
	in->preserved_bytes = info.preserved_bytes;
	in->meta_bytes = info.meta_bytes;
	return make_ranges(in);
}
