// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * v1.c - read a kho-v1 memory map (Linux 6.16 to 6.19).
 *
 * preserved-memory-map names the first of a list of one-page chunks:
 *
 *   chunk (one page)                          bitmap (512 B or one page)
 *   +------+-------+----------+               +--------------------------+
 *   | next | order | num_elms |  elm i: ----> | bit b: block at          |
 *   +------+-------+----------+               |  phys_start +            |
 *   | phys_start | bitmap     | ...           |  b << (order + PAGE_SHIFT)|
 *   +------------+------------+               +--------------------------+
 *
 * Kernels before "increase metadata bitmap size to PAGE_SIZE" used 512-byte
 * bitmaps (4096 blocks each), later ones one page, under the same
 * compatible string. The kernel computes phys_start as (index * bits) <<
 * (order + PAGE_SHIFT), so phys_start is a multiple of the bitmap's span;
 * 512-byte bitmaps come from kmalloc-512 and are only 512-byte aligned,
 * page-sized ones are pages. Either clue betrays 512-byte bitmaps; without
 * one, page-sized is taken (--v1-bitmap overrides).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect_mem.h"

#define V1_SMALL_BITMAP_BYTES 512
/* Bitmaps any memory map may have, however little RAM the source holds. */
#define V1_MIN_MAX_BITMAPS 4096

struct v1_elm {
	uint64_t phys_start;
	uint64_t bitmap;
	unsigned int order;
};

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

/* Follow the chunk list; every element lands in @elms. */
static int read_chunks(struct inspect *in, struct v1_elm **elms, uint64_t *nr)
{
	uint64_t page_size = 1ULL << in->page_shift, cap = 0;
	uint64_t max_elms = KHOSER_BITMAPS_PER_CHUNK_OF(in->page_shift);
	struct u64_map seen = { 0 };
	struct khoser_mem_chunk_hdr hdr;
	struct khoser_mem_bitmap_ptr *ptr;
	uint64_t chunk = in->map_phys, ram = 0, max_total;
	int ret = 0;

	/*
	 * A kernel needs at most about two bitmaps per bitmap span of RAM
	 * (every order together); more is a hostile list, refused before it
	 * makes us read more than the RAM it claims to describe.
	 */
	for (unsigned int i = 0; i < in->ms.nr_ram; i++)
		ram += in->ms.ram[i].end - in->ms.ram[i].start;
	max_total =
		2 * (ram / (V1_SMALL_BITMAP_BYTES * 8ULL << in->page_shift)) +
		V1_MIN_MAX_BITMAPS;
	ptr = malloc(page_size);
	if (!ptr)
		return v1_fail(in, -ENOMEM, "out of memory");
	for (; chunk; chunk = hdr.next) {
		if (chunk & (page_size - 1)) {
			ret = v1_fail(in, -EINVAL,
				      "kho-v1 chunk at %#" PRIx64
				      " is not page-aligned",
				      chunk);
			break;
		}
		if (in->v1_chunks == max_total) {
			ret = v1_fail(
				in, -E2BIG,
				"kho-v1 chunk list is longer than %" PRIu64
				" chunks (at %#" PRIx64 "), more than %s of "
				"RAM can need",
				max_total, chunk, in->source);
			break;
		}
		if (u64_map_get(&seen, chunk)) {
			ret = v1_fail(in, -ELOOP,
				      "kho-v1 chunk list loops: chunk %#" PRIx64
				      " is reached twice",
				      chunk);
			break;
		}
		ret = u64_map_put(&seen, chunk, ptr);
		if (ret) {
			v1_fail(in, ret, "out of memory");
			break;
		}
		ret = memsrc_read(&in->ms, chunk, &hdr, sizeof(hdr), &in->err);
		if (!ret)
			ret = memsrc_read(&in->ms, chunk + sizeof(hdr), ptr,
					  max_elms * sizeof(*ptr), &in->err);
		if (ret) {
			v1_fail(in, ret,
				"kho-v1 chunk at %#" PRIx64
				" cannot be read: %s",
				chunk, in->err.msg);
			break;
		}
		in->v1_chunks++;
		ret = inspect_add_extent(&in->meta, &in->nr_meta, chunk,
					 chunk + page_size, -1);
		if (ret) {
			v1_fail(in, ret, "out of memory");
			break;
		}
		if (hdr.num_elms > max_elms) {
			ret = v1_fail(in, -EINVAL,
				      "kho-v1 chunk at %#" PRIx64 " claims %u "
				      "elements, a page holds %" PRIu64,
				      chunk, hdr.num_elms, max_elms);
			break;
		}
		if (hdr.order + in->page_shift >= 64 ||
		    hdr.order > in->geo.order0_bit) {
			ret = v1_fail(in, -ERANGE,
				      "kho-v1 chunk at %#" PRIx64
				      " has order %u, beyond any block",
				      chunk, hdr.order);
			break;
		}
		if (*nr + hdr.num_elms > max_total) {
			ret = v1_fail(
				in, -E2BIG,
				"kho-v1 memory map lists more than %" PRIu64
				" bitmaps (chunk %#" PRIx64 "), more than %s "
				"of RAM can need",
				max_total, chunk, in->source);
			break;
		}
		if (*nr + hdr.num_elms > cap) {
			uint64_t n = cap ? cap * 2 : 256;
			void *p;

			while (n < *nr + hdr.num_elms)
				n *= 2;
			p = realloc(*elms, n * sizeof(**elms));
			if (!p) {
				ret = v1_fail(in, -ENOMEM, "out of memory");
				break;
			}
			*elms = p;
			cap = n;
		}
		for (uint32_t i = 0; i < hdr.num_elms; i++)
			(*elms)[(*nr)++] = (struct v1_elm){
				.phys_start = ptr[i].phys_start,
				.bitmap = ptr[i].bitmap,
				.order = hdr.order,
			};
	}
	u64_map_free(&seen);
	free(ptr);
	return ret;
}

/* Span of one bitmap of @bytes at @order, or 0 when it overflows. */
static uint64_t bitmap_span(const struct inspect *in, unsigned int bytes,
			    unsigned int order)
{
	unsigned int shift = order + in->page_shift;
	uint64_t bits = (uint64_t)bytes * 8;

	if (shift >= 64 || bits > (UINT64_MAX >> shift))
		return 0;
	return bits << shift;
}

static void infer_bitmap(struct inspect *in, const struct v1_elm *elms,
			 uint64_t nr)
{
	uint64_t page_size = 1ULL << in->page_shift;

	for (uint64_t i = 0; i < nr; i++) {
		uint64_t span = bitmap_span(in, page_size, elms[i].order);

		if (elms[i].bitmap & (page_size - 1)) {
			in->v1_bitmap_bytes = V1_SMALL_BITMAP_BYTES;
			snprintf(in->v1_bitmap_why, sizeof(in->v1_bitmap_why),
				 "inferred: the bitmap at %#" PRIx64
				 " is not page-aligned",
				 elms[i].bitmap);
			return;
		}
		if (!span || elms[i].phys_start % span) {
			in->v1_bitmap_bytes = V1_SMALL_BITMAP_BYTES;
			snprintf(
				in->v1_bitmap_why, sizeof(in->v1_bitmap_why),
				"inferred: phys_start %#" PRIx64 " (order %u) "
				"is not a multiple of a page-sized bitmap's span",
				elms[i].phys_start, elms[i].order);
			return;
		}
	}
	in->v1_bitmap_bytes = page_size;
	snprintf(in->v1_bitmap_why, sizeof(in->v1_bitmap_why),
		 "inferred: every bitmap is page-aligned and every phys_start "
		 "a multiple of a page-sized bitmap's span");
}

static int add_run(struct inspect *in, uint64_t *cap, uint64_t start,
		   uint64_t end, unsigned int order)
{
	if (in->nr_v1_runs == *cap) {
		uint64_t n = *cap ? *cap * 2 : 256;
		void *p = realloc(in->v1_runs, n * sizeof(*in->v1_runs));

		if (!p)
			return -ENOMEM;
		in->v1_runs = p;
		*cap = n;
	}
	in->v1_runs[in->nr_v1_runs++] = (struct inspect_run){
		.start = start,
		.end = end,
		.order = order,
	};
	return 0;
}

/* Turn one bitmap's set bits into runs of blocks. */
static int read_bitmap(struct inspect *in, const struct v1_elm *el,
		       uint64_t *bm, uint64_t *cap)
{
	unsigned int bits = in->v1_bitmap_bytes * 8;
	uint64_t span = bitmap_span(in, in->v1_bitmap_bytes, el->order);
	uint64_t bsize = 1ULL << (el->order + in->page_shift);
	int ret;

	if (!span || el->phys_start % span)
		return v1_fail(
			in, -EINVAL,
			"kho-v1 element with phys_start %#" PRIx64
			" (order %u) is not aligned to its bitmap's span "
			"of %#" PRIx64 " bytes (%u-byte bitmaps)",
			el->phys_start, el->order, span, in->v1_bitmap_bytes);
	if (el->phys_start + span - 1 < el->phys_start)
		return v1_fail(in, -ERANGE,
			       "kho-v1 bitmap at phys_start %#" PRIx64
			       " runs past 2^64",
			       el->phys_start);
	ret = memsrc_read(&in->ms, el->bitmap, bm, in->v1_bitmap_bytes,
			  &in->err);
	if (ret)
		return v1_fail(in, ret,
			       "kho-v1 bitmap at %#" PRIx64
			       " cannot be read: %s",
			       el->bitmap, in->err.msg);
	ret = inspect_add_extent(&in->meta, &in->nr_meta, el->bitmap,
				 el->bitmap + in->v1_bitmap_bytes, -1);
	if (ret)
		return v1_fail(in, ret, "out of memory");
	for (unsigned int b = 0; b < bits;) {
		unsigned int e;

		if (!(bm[b / 64] >> (b % 64) & 1)) {
			b++;
			continue;
		}
		for (e = b; e < bits && bm[e / 64] >> (e % 64) & 1; e++)
			;
		in->blocks[el->order] += e - b;
		in->nr_blocks += e - b;
		in->preserved_bytes += (uint64_t)(e - b) * bsize;
		if (add_run(in, cap, el->phys_start + b * bsize,
			    el->phys_start + e * bsize, el->order))
			return v1_fail(in, -ENOMEM, "out of memory");
		b = e;
	}
	return 0;
}

static int run_cmp(const void *a, const void *b)
{
	const struct inspect_run *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int inspect_v1_read(struct inspect *in, unsigned int bitmap_bytes)
{
	uint64_t nr = 0, cap = 0, ranges_cap = 0;
	struct v1_elm *elms = NULL;
	uint64_t *bm = NULL;
	int ret;

	ret = read_chunks(in, &elms, &nr);
	if (ret)
		goto out;
	in->v1_bitmaps = nr;
	if (bitmap_bytes) {
		in->v1_bitmap_bytes = bitmap_bytes;
		snprintf(in->v1_bitmap_why, sizeof(in->v1_bitmap_why),
			 "set with --v1-bitmap");
	} else {
		infer_bitmap(in, elms, nr);
	}
	in->meta_bytes =
		(in->v1_chunks << in->page_shift) + nr * in->v1_bitmap_bytes;
	bm = malloc(in->v1_bitmap_bytes);
	if (!bm) {
		ret = v1_fail(in, -ENOMEM, "out of memory");
		goto out;
	}
	for (uint64_t i = 0; i < nr; i++) {
		ret = read_bitmap(in, &elms[i], bm, &cap);
		if (ret)
			goto out;
	}
	if (in->nr_v1_runs)
		qsort(in->v1_runs, in->nr_v1_runs, sizeof(*in->v1_runs),
		      run_cmp);
	for (uint64_t i = 0; i < in->nr_v1_runs; i++) {
		const struct inspect_run *r = &in->v1_runs[i];
		struct kho_mem_region *last;

		if (!memsrc_backed(&in->ms, r->start, r->end - r->start)) {
			ret = v1_fail(in, -ERANGE,
				      "kho-v1 block at %#" PRIx64
				      " (order %u) is "
				      "not in RAM",
				      r->start, r->order);
			goto out;
		}
		last = in->nr_ranges ? &in->ranges[in->nr_ranges - 1] : NULL;
		if (last && r->start < last->end) {
			ret = v1_fail(
				in, -EEXIST,
				"kho-v1 blocks overlap at %#" PRIx64
				" (order %u inside preserved memory up to %#" PRIx64
				")",
				r->start, r->order, last->end);
			goto out;
		}
		if (last && r->start == last->end) {
			last->end = r->end;
			continue;
		}
		if (in->nr_ranges == ranges_cap) {
			uint64_t n = ranges_cap ? ranges_cap * 2 : 64;
			void *p = realloc(in->ranges, n * sizeof(*in->ranges));

			if (!p) {
				ret = v1_fail(in, -ENOMEM, "out of memory");
				goto out;
			}
			in->ranges = p;
			ranges_cap = n;
		}
		in->ranges[in->nr_ranges++] = (struct kho_mem_region){
			.start = r->start,
			.end = r->end,
		};
	}
out:
	free(bm);
	free(elms);
	return ret;
}
