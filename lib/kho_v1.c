// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * kho_v1.c - the kho-v1 memory map's one decoder (<kho/kho_v1.h> draws
 * the chunk list): three passes over memory read through a struct
 * kho_view, the first two calling nothing, so a bad list is refused before
 * anybody hears of a block.
 */
#include <kho/kho_v1.h>

#include "kho_internal.h"

#ifndef E2BIG
#define E2BIG 7
#endif

/* One element, as read. */
struct v1_elm {
	uint64_t phys_start;
	uint64_t bitmap;
};

struct v1_walk {
	const struct kho_view *view;
	unsigned int shift;
	uint64_t page_size;
	uint64_t per_chunk;
	struct kho_v1_info *info;
	struct kho_error *err;
};

static int v1_fail(struct kho_error *err, int code, const char *what,
		   uint64_t phys, long index)
{
	/* Every part of the chunk list hangs off preserved-memory-map. */
	return kho_fail(err, code, what, KHO_FDT_MEMORY_MAP_PROP_NAME, phys,
			index);
}

/* The chunk at @phys, mapped whole, its header copied to @hdr. */
static const uint8_t *map_chunk(struct v1_walk *w, uint64_t phys, uint64_t nr,
				struct khoser_mem_chunk_hdr *hdr, int *ret)
{
	const uint8_t *c;

	if (phys & (w->page_size - 1)) {
		*ret = v1_fail(w->err, -EINVAL,
			       "a kho-v1 chunk is not page-aligned", phys,
			       (long)nr);
		return NULL;
	}
	c = kho_view_map(w->view, phys, w->page_size);
	if (!c) {
		*ret = v1_fail(w->err, -EFAULT,
			       "a kho-v1 chunk is not in memory", phys,
			       (long)nr);
		return NULL;
	}
	kho_memcpy(hdr, c, sizeof(*hdr));
	*ret = 0;
	return c;
}

static void elm_at(const uint8_t *chunk, uint32_t i, struct v1_elm *e)
{
	struct khoser_mem_bitmap_ptr p;

	kho_memcpy(&p,
		   chunk + sizeof(struct khoser_mem_chunk_hdr) +
			   (uint64_t)i * sizeof(p),
		   sizeof(p));
	e->phys_start = p.phys_start;
	e->bitmap = p.bitmap;
}

/* Bytes one bitmap of @bytes covers at @order, or 0 past 2^64. */
static uint64_t bitmap_span(unsigned int shift, unsigned int bytes,
			    unsigned int order)
{
	uint64_t bits = (uint64_t)bytes * 8;

	shift += order;
	if (shift >= 64 || bits > (UINT64_MAX >> shift))
		return 0;
	return bits << shift;
}

/*
 * Pass 1: the list's shape. Brent's cycle detection: the tortoise jumps
 * to the hare at every power of two, so a loop is found within twice its
 * length plus the tail.
 */
static int pass_chunks(struct v1_walk *w, uint64_t first,
		       unsigned int bitmap_bytes, uint64_t max_bitmaps)
{
	struct kho_v1_info *info = w->info;
	uint64_t tortoise = first, power = 1, lam = 0, nr = 0;
	bool small = false;
	int ret;

	for (uint64_t chunk = first; chunk; nr++) {
		struct khoser_mem_chunk_hdr hdr;
		const uint8_t *c = map_chunk(w, chunk, nr, &hdr, &ret);

		if (!c)
			return ret;
		if (hdr.num_elms > w->per_chunk)
			return v1_fail(w->err, -EINVAL,
				       "a kho-v1 chunk claims more elements "
				       "than a page holds",
				       chunk, (long)nr);
		if (hdr.order >= KHO_MAX_ORDERS || hdr.order + w->shift >= 64)
			return v1_fail(w->err, -EINVAL,
				       "a kho-v1 chunk's order is beyond any "
				       "block",
				       chunk, (long)nr);
		if (max_bitmaps &&
		    info->nr_bitmaps + hdr.num_elms > max_bitmaps)
			return v1_fail(w->err, -E2BIG,
				       "the kho-v1 memory map lists more "
				       "bitmaps than the memory it describes "
				       "can need",
				       chunk, (long)nr);
		info->nr_chunks++;
		info->nr_bitmaps += hdr.num_elms;
		for (uint32_t i = 0;
		     i < hdr.num_elms && !bitmap_bytes && !small; i++) {
			struct v1_elm e;
			uint64_t span =
				bitmap_span(w->shift, w->page_size, hdr.order);

			elm_at(c, i, &e);
			if (e.bitmap & (w->page_size - 1)) {
				info->why = KHO_V1_BITMAP_UNALIGNED;
				info->why_phys = e.bitmap;
				small = true;
			} else if (!span || e.phys_start % span) {
				info->why = KHO_V1_BITMAP_SPAN;
				info->why_phys = e.phys_start;
				info->why_order = hdr.order;
				small = true;
			}
		}
		chunk = hdr.next;
		if (chunk && chunk == tortoise)
			return v1_fail(w->err, -ELOOP,
				       "the kho-v1 chunk list loops: this "
				       "chunk is reached twice",
				       chunk, (long)nr + 1);
		if (++lam == power) {
			tortoise = chunk;
			power *= 2;
			lam = 0;
		}
	}
	if (bitmap_bytes) {
		info->bitmap_bytes = bitmap_bytes;
		info->why = KHO_V1_BITMAP_GIVEN;
	} else if (small) {
		info->bitmap_bytes = KHO_V1_SMALL_BITMAP_BYTES;
	} else {
		info->bitmap_bytes = w->page_size;
		info->why = KHO_V1_BITMAP_PAGE;
	}
	info->meta_bytes = info->nr_chunks * w->page_size +
			   info->nr_bitmaps * info->bitmap_bytes;
	return 0;
}

/* Pass 2 (@check) checks each element; pass 3 tells own() and @cb. */
static int pass_elements(struct v1_walk *w, uint64_t first, bool check,
			 kho_v1_block_cb cb, void *arg)
{
	unsigned int bytes = w->info->bitmap_bytes;
	uint64_t index = 0, nr = 0;
	int ret;

	for (uint64_t chunk = first; chunk; nr++) {
		struct khoser_mem_chunk_hdr hdr;
		const uint8_t *c = map_chunk(w, chunk, nr, &hdr, &ret);
		uint64_t span, bsize = 1ULL << (hdr.order + w->shift);

		if (!c)
			return ret;
		span = bitmap_span(w->shift, bytes, hdr.order);
		if (!check) {
			ret = kho_view_own(w->view, chunk, w->page_size,
					   "kho-v1 chunk");
			if (ret)
				return v1_fail(w->err, ret,
					       "a kho-v1 chunk is not "
					       "preserved memory",
					       chunk, (long)nr);
		}
		for (uint32_t i = 0; i < hdr.num_elms; i++, index++) {
			const uint64_t *bm;
			struct v1_elm e;

			elm_at(c, i, &e);
			if (check && !span)
				return v1_fail(w->err, -EINVAL,
					       "a kho-v1 element's bitmap "
					       "would span 2^64 bytes or more "
					       "at its chunk's order",
					       e.phys_start, (long)index);
			if (check && e.phys_start % span)
				return v1_fail(w->err, -EINVAL,
					       "a kho-v1 element's phys_start "
					       "is not aligned to its bitmap's "
					       "span",
					       e.phys_start, (long)index);
			/*
			 * A kernel of page-sized bitmaps allocates each as a
			 * page: one that is not page-aligned is a 512-byte
			 * kernel's, read as a page (--v1-bitmap page).
			 */
			if (check && bytes == w->page_size &&
			    (e.bitmap & (w->page_size - 1)))
				return v1_fail(w->err, -EINVAL,
					       "a kho-v1 bitmap is not "
					       "page-aligned, as a page-sized "
					       "bitmap is",
					       e.bitmap, (long)index);
			/* A power-of-two span divides 2^64: no wrap. */
			bm = kho_view_map(w->view, e.bitmap, bytes);
			if (!bm)
				return v1_fail(w->err, -EFAULT,
					       "a kho-v1 bitmap is not in "
					       "memory",
					       e.bitmap, (long)index);
			if (check)
				continue;
			ret = kho_view_own(w->view, e.bitmap, bytes,
					   "kho-v1 bitmap");
			if (ret)
				return v1_fail(w->err, ret,
					       "a kho-v1 bitmap is not "
					       "preserved memory",
					       e.bitmap, (long)index);
			for (unsigned int b = 0; b < bytes * 8; b++) {
				uint64_t word;

				kho_memcpy(&word, &bm[b / 64], sizeof(word));
				if (!(word >> (b % 64) & 1)) {
					/* Skip a clear word at once. */
					if (!word && !(b % 64))
						b += 63;
					continue;
				}
				w->info->blocks[hdr.order]++;
				w->info->nr_blocks++;
				w->info->preserved_bytes += bsize;
				if (cb) {
					ret = cb(e.phys_start + b * bsize,
						 hdr.order, arg);
					if (ret)
						return ret;
				}
			}
		}
		chunk = hdr.next;
	}
	return 0;
}

int kho_v1_read(const struct kho_view *view, uint64_t first,
		unsigned int bitmap_bytes, uint64_t max_bitmaps,
		kho_v1_block_cb cb, void *arg, struct kho_v1_info *info,
		struct kho_error *err)
{
	struct kho_v1_info local;
	struct v1_walk w;
	int ret;

	if (KHO_WARN_ON(kho_view_unusable(view)))
		return -EINVAL;
	if (!info)
		info = &local;
	kho_memset(info, 0, sizeof(*info));
	w = (struct v1_walk){
		.view = view,
		.shift = view->page_shift,
		.page_size = 1ULL << view->page_shift,
		.per_chunk = KHOSER_BITMAPS_PER_CHUNK_OF(view->page_shift),
		.info = info,
		.err = err,
	};
	if (bitmap_bytes && bitmap_bytes != KHO_V1_SMALL_BITMAP_BYTES &&
	    bitmap_bytes != w.page_size)
		return v1_fail(err, -EINVAL,
			       "a kho-v1 bitmap is 512 bytes or a page",
			       KHO_ERR_NO_ADDR, KHO_ERR_NO_INDEX);
	ret = pass_chunks(&w, first, bitmap_bytes, max_bitmaps);
	if (!ret)
		ret = pass_elements(&w, first, true, NULL, NULL);
	if (ret)
		return ret;
	return pass_elements(&w, first, false, cb, arg);
}
