// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * inspect_svg.c - kho inspect --svg FILE: physical memory as a picture.
 *
 * RAM ranges are laid out left to right over a few rows, each in proportion
 * to its size (at least a few pixels, so 640 KiB of low memory shows next
 * to a TiB), with a narrow hatched gap for each hole. Every pixel column
 * covers a span of addresses and is drawn as a little stacked bar of what
 * that span holds:
 *
 *     +--+--+--+--+      top:    free RAM (light grey)
 *     |  |  |  |##|              scratch (striped blue)
 *     |##|  |  |##|              tree nodes / kho-v1 chunks (red)
 *     |##|##|  |##|      bottom: preserved blocks, by order or subsystem
 *     +--+--+--+--+
 *
 * A kind of memory present in a column gets at least one pixel, so a
 * single 4 KiB tree node stays visible on a 1 TiB machine. Columns with the
 * same stack merge into one rectangle, which keeps the file small.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inspect_mem.h"
#include "kho_tool.h"

#define SVG_ROW_WIDTH 1000
#define SVG_ROW_HEIGHT 48
#define SVG_ROW_GAP 34
#define SVG_MARGIN 20
#define SVG_HOLE_COLS 8
#define SVG_MIN_RANGE_COLS 4
/* Pieces of RAM a picture can hold (real machines have a few dozen). */
#define SVG_MAX_PIECES 1024
#define SVG_SQUEEZED_COLS 56
/* Free stretches longer than RAM / this are squeezed. */
#define SVG_SQUEEZE_FRACTION 8
/* Blocks smaller than RAM / this are never squeezed (and not collected). */
#define SVG_BIG_FRACTION 65536
#define SVG_TITLE_HEIGHT 52
#define SVG_LEGEND_ROW 18

/*
 * Categories, per picture: first the preserved ones, one per order (colour
 * by order) or one per subtree and one for memory no subtree claims
 * (colour by subsystem), then metadata, scratch and free RAM. Every column
 * keeps a sum per category, so there are only as many as the handover
 * needs: sized for the most subtrees a handover may hold, a small machine's
 * picture took 130 MiB and a third of a second.
 *
 *   0 .. nr_pres-1   nr_pres   nr_pres+1   nr_pres+2
 *   [ preserved... ][ meta   ][ scratch  ][ free    ]   = nr_cats
 */
#define SVG_FIXED_CATS 3

/*
 * A piece of RAM and where it lies in the picture. A RAM range is cut into
 * pieces: a long stretch with nothing in it (no block, node or scratch)
 * becomes a "squeezed" piece of fixed width, so what is there stays
 * readable when most of a TiB is free.
 */
struct svg_range {
	uint64_t start, end;
	uint64_t col; /* first column */
	uint64_t cols; /* columns */
	bool squeezed; /* free RAM drawn shorter than its size */
};

struct svg {
	struct inspect *in;
	bool by_subsystem;
	bool squeeze; /* detail view: long free stretches shortened */
	struct svg_range *r;
	unsigned int nr;
	uint64_t nr_cols; /* RAM columns and hole gaps, all rows */
	unsigned int rows;
	unsigned int nr_pres; /* preserved categories */
	unsigned int nr_cats; /* nr_pres + SVG_FIXED_CATS */
	double *acc; /* [nr_cols][nr_cats] bytes */
	bool *used; /* [nr_cats] */
	unsigned int *heights; /* [2][nr_cats]: a column's layers, the next's */
	struct inspect_extent *owners; /* sorted by start */
	uint64_t nr_owners;
	struct kho_mem_region *big; /* blocks the detail view may squeeze */
	uint64_t nr_big;
	uint64_t ram_total;
};

static unsigned int cat_meta(const struct svg *s)
{
	return s->nr_pres;
}

static unsigned int cat_scratch(const struct svg *s)
{
	return s->nr_pres + 1;
}

static unsigned int cat_free(const struct svg *s)
{
	return s->nr_pres + 2;
}

/* Colour by subsystem: preserved memory no subtree claims. */
static unsigned int cat_unowned(const struct svg *s)
{
	return s->in->nr_subtrees;
}

static double *cell(struct svg *s, uint64_t col, unsigned int cat)
{
	return &s->acc[col * s->nr_cats + cat];
}

/* The range holding @pa, or -1. */
static int range_of(const struct svg *s, uint64_t pa)
{
	unsigned int lo = 0, hi = s->nr;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (pa < s->r[mid].start)
			hi = mid;
		else if (pa >= s->r[mid].end)
			lo = mid + 1;
		else
			return mid;
	}
	return -1;
}

/* Column (fractional) of @pa inside range @r. */
static long double col_of(const struct svg_range *r, uint64_t pa)
{
	return r->col + (long double)(pa - r->start) * r->cols /
				(long double)(r->end - r->start);
}

/* Add the bytes of [start, end) to category @cat, column by column. */
static void paint(struct svg *s, uint64_t start, uint64_t end, unsigned int cat)
{
	while (start < end) {
		int i = range_of(s, start);
		const struct svg_range *r;
		uint64_t stop;
		long double c0, c1;

		if (i < 0) {
			/* Skip to the next range above @start, if any. */
			unsigned int j = 0;

			while (j < s->nr && s->r[j].start <= start)
				j++;
			if (j == s->nr)
				return;
			start = s->r[j].start;
			continue;
		}
		r = &s->r[i];
		stop = end < r->end ? end : r->end;
		c0 = col_of(r, start);
		c1 = col_of(r, stop);
		s->used[cat] = true;
		for (uint64_t c = (uint64_t)c0; c < r->col + r->cols && c < c1;
		     c++) {
			long double a = c0 > c ? c0 : c,
				    b = c1 < c + 1 ? c1 : c + 1;

			if (b > a)
				*cell(s, c, cat) +=
					(double)((b - a) *
						 (long double)(r->end -
							       r->start) /
						 r->cols);
		}
		start = stop;
	}
}

static int owner_cmp(const void *a, const void *b)
{
	const struct inspect_extent *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static unsigned int owner_of(const struct svg *s, uint64_t pa)
{
	uint64_t lo = 0, hi = s->nr_owners;

	/* The last extent starting at or below @pa, then a few before it. */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (s->owners[mid].start <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint64_t k = 0; k < 16 && lo > k; k++) {
		const struct inspect_extent *x = &s->owners[lo - 1 - k];

		if (pa >= x->start && pa < x->end && x->owner >= 0 &&
		    (unsigned int)x->owner < s->in->nr_subtrees)
			return x->owner;
	}
	return cat_unowned(s);
}

static int paint_block(uint64_t phys, unsigned int order, void *arg)
{
	struct svg *s = arg;
	uint64_t size = 1ULL << (order + s->in->page_shift);

	paint(s, phys, phys + size,
	      s->by_subsystem ? owner_of(s, phys) : order);
	return 0;
}

static int region_cmp(const void *a, const void *b)
{
	const struct kho_mem_region *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Something the detail view draws: a run of preserved memory or a node. */
struct svg_busy {
	uint64_t start, end;
	bool block; /* one block: may be squeezed like free RAM */
};

static int svg_busy_cmp(const void *a, const void *b)
{
	const struct svg_busy *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * What the detail view shows: preserved ranges and tree nodes at their
 * size, except single blocks larger than @limit (a 1 GiB folio is one
 * colour: drawing it shorter loses nothing), which are listed apart.
 * Free RAM and scratch between them are squeezed when long.
 */
static struct svg_busy *busy_list(struct svg *s, uint64_t limit, uint64_t *nr)
{
	struct inspect *in = s->in;
	uint64_t n = 0, max = 1, j = 0;
	struct svg_busy *b;

	if (in->map_read)
		max += in->nr_ranges + 2 * s->nr_big + in->nr_meta;
	b = calloc(max, sizeof(*b));
	if (!b)
		return NULL;
	if (!in->map_read)
		goto out;
	for (uint64_t i = 0; i < in->nr_ranges; i++) {
		uint64_t pos = in->ranges[i].start, end = in->ranges[i].end;

		while (j < s->nr_big && s->big[j].end <= pos)
			j++;
		for (uint64_t k = j; k < s->nr_big && s->big[k].start < end;
		     k++) {
			if (!limit || s->big[k].end - s->big[k].start <= limit)
				continue;
			if (s->big[k].start > pos)
				b[n++] =
					(struct svg_busy){ pos, s->big[k].start,
							   false };
			b[n++] = (struct svg_busy){ s->big[k].start,
						    s->big[k].end, true };
			pos = s->big[k].end;
		}
		if (pos < end)
			b[n++] = (struct svg_busy){ pos, end, false };
	}
	for (uint64_t i = 0; i < in->nr_meta; i++)
		b[n++] = (struct svg_busy){ in->meta[i].start, in->meta[i].end,
					    false };
	qsort(b, n, sizeof(*b), svg_busy_cmp);
out:
	*nr = n;
	return b;
}

static int add_piece(struct svg *s, unsigned int *cap, uint64_t start,
		     uint64_t end, bool squeezed)
{
	if (start >= end)
		return 0;
	if (s->nr && !squeezed && !s->r[s->nr - 1].squeezed &&
	    s->r[s->nr - 1].end == start) {
		s->r[s->nr - 1].end = end;
		return 0;
	}
	if (s->nr == *cap) {
		unsigned int n = *cap ? *cap * 2 : 16;
		void *p = realloc(s->r, n * sizeof(*s->r));

		if (!p)
			return -ENOMEM;
		s->r = p;
		*cap = n;
	}
	s->r[s->nr++] = (struct svg_range){ .start = start,
					    .end = end,
					    .squeezed = squeezed };
	return 0;
}

/* Cut RAM into pieces and lay them out over the rows. */
static int layout(struct svg *s)
{
	const struct memsrc *ms = &s->in->ms;
	uint64_t total = 0, shown = 0, avail, col = 0, nr_busy = 0, k = 0;
	uint64_t fixed = 0, limit;
	struct svg_busy *busy;
	unsigned int pass = 0;
	unsigned int cap = 0;

	for (unsigned int i = 0; i < ms->nr_ram; i++)
		total += ms->ram[i].end - ms->ram[i].start;
	limit = s->squeeze ? total / SVG_SQUEEZE_FRACTION : 0;
again:
	busy = busy_list(s, limit, &nr_busy);
	if (!busy)
		return -ENOMEM;
	k = 0;
	s->nr = 0;
	for (unsigned int i = 0; i < ms->nr_ram; i++) {
		uint64_t pos = ms->ram[i].start, end = ms->ram[i].end;

		while (pos < end) {
			uint64_t next = end, stop;

			/* The next busy interval that reaches past @pos. */
			while (k < nr_busy && busy[k].end <= pos)
				k++;
			if (k < nr_busy && busy[k].start < end)
				next = busy[k].start > pos ? busy[k].start :
							     pos;
			if (next - pos > limit && limit) {
				if (add_piece(s, &cap, pos, next, true))
					goto nomem;
			} else if (add_piece(s, &cap, pos, next, false)) {
				goto nomem;
			}
			if (next == end)
				break;
			stop = busy[k].end < end ? busy[k].end : end;
			if (add_piece(s, &cap, next, stop, busy[k].block))
				goto nomem;
			pos = stop;
		}
	}
	/*
	 * Once a TiB of free RAM is squeezed, what is left may again be mostly
	 * free: squeeze relative to what is still drawn, a few times over.
	 */
	shown = 0;
	for (unsigned int i = 0; i < s->nr; i++)
		if (!s->r[i].squeezed)
			shown += s->r[i].end - s->r[i].start;
	if (limit && ++pass < 4 && shown / SVG_SQUEEZE_FRACTION < limit / 2) {
		limit = shown / SVG_SQUEEZE_FRACTION;
		free(busy);
		goto again;
	}
	shown = 0;
	free(busy);
	busy = NULL;
	if (s->nr > SVG_MAX_PIECES)
		return -E2BIG;
	for (unsigned int i = 0; i < s->nr; i++) {
		if (s->r[i].squeezed)
			fixed += SVG_SQUEEZED_COLS;
		else
			shown += s->r[i].end - s->r[i].start;
		if (i + 1 < s->nr && s->r[i].end != s->r[i + 1].start)
			fixed += SVG_HOLE_COLS;
	}
	s->rows = !s->squeeze ? 1 : shown > (64ULL << 30) ? 4 : 2;
	avail = (uint64_t)s->rows * SVG_ROW_WIDTH;
	avail = avail > fixed + s->nr * SVG_MIN_RANGE_COLS ?
			avail - fixed :
			s->nr * SVG_MIN_RANGE_COLS + 1;
	for (unsigned int i = 0; i < s->nr; i++) {
		uint64_t size = s->r[i].end - s->r[i].start, cols;

		cols = s->r[i].squeezed ? SVG_SQUEEZED_COLS :
					  (uint64_t)llroundl((long double)size *
							     avail / shown);
		s->r[i].cols =
			cols < SVG_MIN_RANGE_COLS ? SVG_MIN_RANGE_COLS : cols;
		s->r[i].col = col;
		col += s->r[i].cols;
		if (i + 1 < s->nr && s->r[i].end != s->r[i + 1].start)
			col += SVG_HOLE_COLS;
	}
	/* Rounding and minimum widths may overflow the rows: trim the widest. */
	while (col > (uint64_t)s->rows * SVG_ROW_WIDTH) {
		unsigned int w = 0;
		uint64_t over = col - (uint64_t)s->rows * SVG_ROW_WIDTH;

		for (unsigned int i = 1; i < s->nr; i++)
			if (s->r[i].cols > s->r[w].cols)
				w = i;
		if (s->r[w].cols <= SVG_MIN_RANGE_COLS)
			break;
		over = over < s->r[w].cols - SVG_MIN_RANGE_COLS ?
			       over :
			       s->r[w].cols - SVG_MIN_RANGE_COLS;
		s->r[w].cols -= over;
		for (unsigned int i = w + 1; i < s->nr; i++)
			s->r[i].col -= over;
		col -= over;
	}
	s->nr_cols = col;
	s->rows = (col + SVG_ROW_WIDTH - 1) / SVG_ROW_WIDTH;
	s->acc = calloc(s->nr_cols * s->nr_cats, sizeof(*s->acc));
	return s->acc ? 0 : -ENOMEM;
nomem:
	free(busy);
	return -ENOMEM;
}

/* Fill colour of a category; by order, hues run from yellow to purple. */
static void colour(const struct svg *s, unsigned int cat, char *buf, size_t len)
{
	/* Orders 9 (2 MiB) and 18 (1 GiB) get the strongest colours. */
	static const char *const by_order[] = {
		"#f2c500", "#ff7f0e", "#8c564b", "#e377c2",
		"#bcbd22", "#17becf", "#9467bd", "#7f7f7f",
		"#66c2a5", "#2ca02c", "#a6761d", "#e7298a",
	};
	static const char *const tab[] = {
		"#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
		"#bcbd22", "#17becf", "#7f7f7f", "#aec7e8", "#98df8a",
	};

	if (cat == cat_meta(s))
		snprintf(buf, len, "#d62728");
	else if (cat == cat_scratch(s))
		snprintf(buf, len, "url(#scratch)");
	else if (cat == cat_free(s))
		snprintf(buf, len, "#e4e4e4");
	else if (s->by_subsystem && cat == cat_unowned(s))
		snprintf(buf, len, "#555555");
	else if (s->by_subsystem)
		snprintf(buf, len, "%s", tab[cat % 10]);
	else
		snprintf(buf, len, "%s", by_order[cat % 12]);
}

/* Stack heights of one column, in pixels, bottom first. */
static void stack(struct svg *s, const struct svg_range *r, uint64_t col,
		  unsigned int *h)
{
	/* The bytes one column of piece @r stands for. */
	double total = (double)(r->end - r->start) / r->cols;
	unsigned int sum = 0, big = cat_free(s);
	double preserved = 0;

	for (unsigned int c = 0; c < cat_free(s); c++)
		preserved += *cell(s, col, c);
	/* Free is what the column's RAM holds beyond the rest. */
	*cell(s, col, cat_free(s)) = total > preserved ? total - preserved : 0;
	for (unsigned int c = 0; c < s->nr_cats; c++) {
		double v = *cell(s, col, c);

		h[c] = total > 0 && v > 0 ?
			       (unsigned int)lround(v / total *
						    SVG_ROW_HEIGHT) :
			       0;
		if (v > 0 && !h[c])
			h[c] = 1;
		sum += h[c];
		if (h[c] > h[big])
			big = c;
	}
	/* Take rounding and the one-pixel minimums out of the largest. */
	while (sum > SVG_ROW_HEIGHT && h[big] > 1) {
		h[big]--;
		sum--;
	}
	if (sum < SVG_ROW_HEIGHT && total > 0) {
		h[big] += SVG_ROW_HEIGHT - sum;
	}
}

static void fmt_addr(uint64_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%#" PRIx64, a);
}

static void xml_text(FILE *f, const char *t)
{
	for (; *t; t++) {
		if (*t == '<')
			fputs("&lt;", f);
		else if (*t == '>')
			fputs("&gt;", f);
		else if (*t == '&')
			fputs("&amp;", f);
		else if (*t == '"')
			fputs("&quot;", f);
		else
			fputc(*t, f);
	}
}

static void draw_rows(struct svg *s, FILE *f, unsigned int y0)
{
	/* Layer heights of this column and the next. */
	unsigned int *cur = s->heights, *next = s->heights + s->nr_cats;
	char fill[64], b1[32], b2[32];

	/* RAM columns: runs of equal stacks become one rectangle per layer. */
	for (unsigned int i = 0; i < s->nr; i++) {
		const struct svg_range *r = &s->r[i];
		uint64_t c = r->col, end = r->col + r->cols;

		stack(s, r, c, cur);
		while (c < end) {
			uint64_t run = c + 1;
			unsigned int y;

			while (run < end && run % SVG_ROW_WIDTH) {
				stack(s, r, run, next);
				if (memcmp(cur, next,
					   s->nr_cats * sizeof(*cur)))
					break;
				run++;
			}
			y = y0 +
			    (c / SVG_ROW_WIDTH) *
				    (SVG_ROW_HEIGHT + SVG_ROW_GAP) +
			    SVG_ROW_HEIGHT;
			for (unsigned int k = 0; k < s->nr_cats; k++) {
				if (!cur[k])
					continue;
				y -= cur[k];
				colour(s, k, fill, sizeof(fill));
				fprintf(f,
					"<rect x=\"%" PRIu64
					"\" y=\"%u\" width=\"%" PRIu64
					"\" height=\"%u\" fill=\"%s\"/>\n",
					SVG_MARGIN + c % SVG_ROW_WIDTH, y,
					run - c, cur[k], fill);
			}
			c = run;
			if (c < end)
				stack(s, r, c, cur);
		}
		/* The range's outline and tooltip, per row it spans. */
		for (uint64_t c0 = r->col; c0 < end;) {
			uint64_t c1 = (c0 / SVG_ROW_WIDTH + 1) * SVG_ROW_WIDTH;
			unsigned int y =
				y0 + (c0 / SVG_ROW_WIDTH) *
					     (SVG_ROW_HEIGHT + SVG_ROW_GAP);

			c1 = c1 < end ? c1 : end;
			fmt_addr(r->start, b1, sizeof(b1));
			fmt_addr(r->end, b2, sizeof(b2));
			fprintf(f,
				"<rect x=\"%" PRIu64
				"\" y=\"%u\" width=\"%" PRIu64
				"\" height=\"%u\" fill=\"none\" stroke=\"#333\" "
				"stroke-width=\"0.5\"><title>RAM %s-%s</title></rect>\n",
				SVG_MARGIN + c0 % SVG_ROW_WIDTH, y, c1 - c0,
				SVG_ROW_HEIGHT, b1, b2);
			c0 = c1;
		}
	}
	/* Squeezed free RAM: a break mark and its size. */
	for (unsigned int i = 0; i < s->nr; i++) {
		const struct svg_range *r = &s->r[i];
		uint64_t c = r->col + r->cols / 2,
			 x = SVG_MARGIN + c % SVG_ROW_WIDTH;
		unsigned int y = y0 + (c / SVG_ROW_WIDTH) *
					      (SVG_ROW_HEIGHT + SVG_ROW_GAP);

		if (!r->squeezed)
			continue;
		fmt_bytes(r->end - r->start, b1, sizeof(b1));
		fprintf(f,
			"<path d=\"M%" PRIu64 ",%u l-6,%u M%" PRIu64
			",%u l-6,%u\" "
			"stroke=\"#ffffff\" stroke-width=\"3\"/>\n",
			x - 3, y, SVG_ROW_HEIGHT, x + 5, y, SVG_ROW_HEIGHT);
		fprintf(f,
			"<text x=\"%" PRIu64 "\" y=\"%u\" font-size=\"9\" "
			"text-anchor=\"middle\" font-family=\"sans-serif\" "
			"stroke=\"#ffffff\" stroke-width=\"2.5\" paint-order=\"stroke\">"
			"%s<title>no preserved memory here: drawn shorter</title>"
			"</text>\n",
			x, y + SVG_ROW_HEIGHT / 2 + 3, b1);
	}
	/* Holes between ranges. */
	for (unsigned int i = 0; i + 1 < s->nr; i++) {
		uint64_t c = s->r[i].col + s->r[i].cols;

		if (s->r[i].end == s->r[i + 1].start)
			continue;
		unsigned int y = y0 + (c / SVG_ROW_WIDTH) *
					      (SVG_ROW_HEIGHT + SVG_ROW_GAP);
		unsigned int w = SVG_HOLE_COLS;

		if (c % SVG_ROW_WIDTH + w > SVG_ROW_WIDTH)
			w = SVG_ROW_WIDTH - c % SVG_ROW_WIDTH;
		fmt_bytes(s->r[i + 1].start - s->r[i].end, b1, sizeof(b1));
		fprintf(f,
			"<rect x=\"%" PRIu64 "\" y=\"%u\" width=\"%u\" "
			"height=\"%u\" fill=\"url(#hole)\"><title>hole of %s"
			"</title></rect>\n",
			SVG_MARGIN + c % SVG_ROW_WIDTH, y, w, SVG_ROW_HEIGHT,
			b1);
	}
	/*
	 * Address axis: each piece's start, then multiples of a power-of-two
	 * step chosen so labels sit about 125 px apart, never overlapping.
	 */
	uint64_t last = UINT64_MAX;

	for (unsigned int i = 0; i < s->nr; i++) {
		const struct svg_range *r = &s->r[i];
		uint64_t size = r->end - r->start, step = 1, pa = r->start;

		if (r->squeezed)
			continue;

		while (step < UINT64_MAX / 2 &&
		       (long double)step * r->cols / size < 125)
			step *= 2;
		while (pa < r->end) {
			uint64_t c = (uint64_t)col_of(r, pa),
				 x = c % SVG_ROW_WIDTH;
			unsigned int y = y0 +
					 (c / SVG_ROW_WIDTH) * (SVG_ROW_HEIGHT +
								SVG_ROW_GAP) +
					 SVG_ROW_HEIGHT;

			if ((last == UINT64_MAX || c - last >= 90 ||
			     c / SVG_ROW_WIDTH != last / SVG_ROW_WIDTH) &&
			    x + 70 <= SVG_ROW_WIDTH) {
				last = c;
				fmt_addr(pa, b1, sizeof(b1));
				fprintf(f,
					"<line x1=\"%" PRIu64
					"\" y1=\"%u\" x2=\"%" PRIu64
					"\" y2=\"%u\" stroke=\"#333\"/>\n",
					SVG_MARGIN + x, y, SVG_MARGIN + x,
					y + 4);
				fprintf(f,
					"<text x=\"%" PRIu64 "\" y=\"%u\" "
					"font-size=\"10\" font-family=\"monospace\">"
					"%s</text>\n",
					SVG_MARGIN + x, y + 14, b1);
			}
			if (pa > UINT64_MAX - step)
				break;
			pa = (pa / step + 1) * step;
		}
	}
}

/* Draw the legend at @y; return the rows it took. */
static unsigned int draw_legend(struct svg *s, FILE *f, unsigned int y)
{
	unsigned int y0 = y;
	unsigned int x = SVG_MARGIN, n = 0;
	char fill[64], label[INSPECT_NAME_LEN];

	struct {
		unsigned int cat;
		const char *label;
	} fixed[SVG_FIXED_CATS] = {
		{ cat_free(s), "RAM, not preserved" },
		{ cat_scratch(s), "scratch" },
		{ cat_meta(s), s->in->version == 1 ? "kho-v1 chunks, bitmaps" :
						      "tree nodes" },
	};

	for (unsigned int i = 0; i < SVG_FIXED_CATS; i++) {
		colour(s, fixed[i].cat, fill, sizeof(fill));
		fprintf(f,
			"<rect x=\"%u\" y=\"%u\" width=\"12\" height=\"12\" "
			"fill=\"%s\" stroke=\"#333\" stroke-width=\"0.5\"/>"
			"<text x=\"%u\" y=\"%u\" font-size=\"11\" "
			"font-family=\"sans-serif\">%s</text>\n",
			x, y, fill, x + 16, y + 10, fixed[i].label);
		x += 30 + 7 * strlen(fixed[i].label);
	}
	fprintf(f,
		"<rect x=\"%u\" y=\"%u\" width=\"12\" height=\"12\" "
		"fill=\"url(#hole)\" stroke=\"#333\" stroke-width=\"0.5\"/>"
		"<text x=\"%u\" y=\"%u\" font-size=\"11\" "
		"font-family=\"sans-serif\">hole</text>\n",
		x, y, x + 16, y + 10);
	x = SVG_MARGIN;
	y += SVG_LEGEND_ROW;
	for (unsigned int c = 0; c < s->nr_pres; c++) {
		if (!s->used[c])
			continue;
		n++;
		if (s->by_subsystem && c == cat_unowned(s))
			snprintf(label, sizeof(label),
				 "preserved, no subtree says whose");
		else if (s->by_subsystem)
			snprintf(label, sizeof(label), "%s",
				 s->in->subtrees[c].name);
		else
			snprintf(label, sizeof(label), "order %u (%s)", c,
				 fmt_bytes(1ULL << (c + s->in->page_shift),
					   fill, sizeof(fill)));
		if (x + 30 + 7 * strlen(label) > SVG_MARGIN + SVG_ROW_WIDTH) {
			x = SVG_MARGIN;
			y += SVG_LEGEND_ROW;
		}
		colour(s, c, fill, sizeof(fill));
		fprintf(f,
			"<rect x=\"%u\" y=\"%u\" width=\"12\" height=\"12\" "
			"fill=\"%s\"/><text x=\"%u\" y=\"%u\" font-size=\"11\" "
			"font-family=\"sans-serif\">",
			x, y, fill, x + 16, y + 10);
		xml_text(f, label);
		fprintf(f, "</text>\n");
		x += 30 + 7 * strlen(label);
	}
	return (y - y0) / SVG_LEGEND_ROW + (n ? 1 : 0);
}

static void caption(FILE *f, unsigned int y, const char *text)
{
	fprintf(f,
		"<text x=\"%u\" y=\"%u\" font-size=\"11\" "
		"font-style=\"italic\" font-family=\"sans-serif\">%s</text>\n",
		SVG_MARGIN, y, text);
}

static int write_svg(struct svg *s, struct svg *whole, FILE *f)
{
	struct inspect *in = s->in;
	unsigned int legend_rows, whole_y, rows_y, height;
	char title[1400], b1[32], b2[32], *legend = NULL;
	size_t legend_len = 0;
	int bad;
	uint64_t ram = 0;
	FILE *m;

	/* The legend first, into memory: its height places the rest. */
	m = open_memstream(&legend, &legend_len);
	if (!m)
		return -ENOMEM;
	legend_rows = draw_legend(s, m, SVG_TITLE_HEIGHT);
	/* A write that could not grow the buffer only sets the error flag. */
	bad = ferror(m);
	if (fclose(m) || bad || !legend) {
		free(legend);
		return -ENOMEM;
	}
	whole_y = SVG_TITLE_HEIGHT + legend_rows * SVG_LEGEND_ROW + 26;
	rows_y = whole_y + whole->rows * (SVG_ROW_HEIGHT + SVG_ROW_GAP) + 16;
	height = rows_y + s->rows * (SVG_ROW_HEIGHT + SVG_ROW_GAP) + SVG_MARGIN;

	for (unsigned int i = 0; i < in->ms.nr_ram; i++)
		ram += in->ms.ram[i].end - in->ms.ram[i].start;
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" "
		"height=\"%u\" viewBox=\"0 0 %u %u\">\n",
		SVG_ROW_WIDTH + 2 * SVG_MARGIN, height,
		SVG_ROW_WIDTH + 2 * SVG_MARGIN, height);
	fprintf(f,
		"<defs>\n"
		"<pattern id=\"hole\" width=\"4\" height=\"4\" "
		"patternUnits=\"userSpaceOnUse\"><rect width=\"4\" height=\"4\" "
		"fill=\"#ffffff\"/><path d=\"M0,4 L4,0\" stroke=\"#999\" "
		"stroke-width=\"1\"/></pattern>\n"
		"<pattern id=\"scratch\" width=\"6\" height=\"6\" "
		"patternUnits=\"userSpaceOnUse\"><rect width=\"6\" height=\"6\" "
		"fill=\"#c6dbef\"/><path d=\"M0,6 L6,0\" stroke=\"#3182bd\" "
		"stroke-width=\"2\"/></pattern>\n</defs>\n");
	fprintf(f,
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
	snprintf(title, sizeof(title),
		 "Physical memory of %s: %s in %u range%s", in->source,
		 fmt_bytes(ram, b1, sizeof(b1)), in->ms.nr_ram,
		 in->ms.nr_ram == 1 ? "" : "s");
	fprintf(f,
		"<text x=\"%u\" y=\"20\" font-size=\"15\" "
		"font-family=\"sans-serif\" font-weight=\"bold\">",
		SVG_MARGIN);
	xml_text(f, title);
	fprintf(f, "</text>\n");
	if (in->valid)
		snprintf(title, sizeof(title),
			 "kho-v%d handover accepted%s: %" PRIu64 " blocks, %s "
			 "preserved in %" PRIu64
			 " ranges; map %s; colour by %s",
			 in->version,
			 in->warn.nr ?
				 " with warnings (kho inspect says which)" :
				 "",
			 in->nr_blocks,
			 fmt_bytes(in->preserved_bytes, b1, sizeof(b1)),
			 in->nr_ranges,
			 fmt_bytes(in->meta_bytes, b2, sizeof(b2)),
			 s->by_subsystem ? "subsystem" : "order");
	fprintf(f,
		"<text x=\"%u\" y=\"40\" font-size=\"12\" "
		"font-family=\"sans-serif\">",
		SVG_MARGIN);
	/* A refusal's reason is shown whole, however long its paths. */
	xml_text(f, in->valid ? title : in->reason);
	fprintf(f, "</text>\n");
	fputs(legend, f);
	free(legend);
	caption(f, whole_y - 6,
		"All RAM to scale (anything present gets at "
		"least one pixel):");
	draw_rows(whole, f, whole_y);
	caption(f, rows_y - 6,
		"Detail: long stretches without preserved "
		"memory drawn shorter, their size written in them:");
	draw_rows(s, f, rows_y);
	fprintf(f, "</svg>\n");
	return ferror(f) ? -EIO : 0;
}

static int big_block(uint64_t phys, unsigned int order, void *arg)
{
	struct svg *s = arg;
	uint64_t size = 1ULL << (order + s->in->page_shift);

	/* Smaller blocks never exceed a squeeze limit worth drawing. */
	if (size < s->ram_total / SVG_BIG_FRACTION)
		return 0;
	if (!(s->nr_big & (s->nr_big - 1))) {
		void *p = realloc(s->big, (s->nr_big ? s->nr_big * 2 : 1) *
						  sizeof(*s->big));

		if (!p)
			return -ENOMEM;
		s->big = p;
	}
	s->big[s->nr_big++] = (struct kho_mem_region){ phys, phys + size };
	return 0;
}

/* The largest blocks, by address, for the detail view's busy list. */
static int collect_big(struct svg *s)
{
	int ret;

	for (unsigned int i = 0; i < s->in->ms.nr_ram; i++)
		s->ram_total += s->in->ms.ram[i].end - s->in->ms.ram[i].start;
	ret = inspect_for_each_block(s->in, big_block, s);
	if (!ret && s->nr_big)
		qsort(s->big, s->nr_big, sizeof(*s->big), region_cmp);
	return ret;
}

/* Lay out one view and add up what each of its columns holds. */
static int build(struct svg *s)
{
	struct inspect *in = s->in;
	int ret;

	s->nr_pres = s->by_subsystem ? in->nr_subtrees + 1 : KHO_MAX_ORDERS;
	s->nr_cats = s->nr_pres + SVG_FIXED_CATS;
	s->used = calloc(s->nr_cats, sizeof(*s->used));
	s->heights = calloc(2 * s->nr_cats, sizeof(*s->heights));
	if (!s->used || !s->heights)
		return -ENOMEM;
	ret = layout(s);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < in->nr_scratch; i++)
		paint(s, in->scratch[i].addr,
		      in->scratch[i].addr + in->scratch[i].size <
				      in->scratch[i].addr ?
			      UINT64_MAX :
			      in->scratch[i].addr + in->scratch[i].size,
		      cat_scratch(s));
	if (!in->map_read)
		return 0;
	for (uint64_t i = 0; i < in->nr_meta; i++)
		paint(s, in->meta[i].start, in->meta[i].end, cat_meta(s));
	return inspect_for_each_block(in, paint_block, s);
}

int inspect_write_svg(struct inspect *in, const char *path, bool by_subsystem,
		      struct sim_error *e)
{
	struct svg s = { .in = in,
			 .by_subsystem = by_subsystem,
			 .squeeze = true };
	struct svg whole = { .in = in, .by_subsystem = by_subsystem };
	char tmp[4200];
	FILE *f;
	int ret;

	if (!in->ms.nr_ram)
		return sim_fail(e, -EINVAL, "no RAM to draw");
	if (by_subsystem) {
		if (in->nr_owners)
			qsort(in->owners, in->nr_owners, sizeof(*in->owners),
			      owner_cmp);
		s.owners = whole.owners = in->owners;
		s.nr_owners = whole.nr_owners = in->nr_owners;
	}
	ret = collect_big(&s);
	if (!ret)
		ret = build(&s);
	if (!ret)
		ret = build(&whole);
	if (ret == -E2BIG) {
		sim_fail(e, ret,
			 "%s: RAM in %u ranges is more than a picture can show "
			 "(%d)", path, in->ms.nr_ram, SVG_MAX_PIECES);
		goto out;
	}
	if (ret) {
		sim_fail(e, ret, "out of memory drawing %s", path);
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f) {
		ret = sim_fail(e, -errno, "cannot create %s: %s", path,
			       strerror(errno));
		goto out;
	}
	ret = write_svg(&s, &whole, f);
	if (fclose(f) && !ret)
		ret = -EIO;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		unlink(tmp);
		sim_fail(e, ret, "cannot write %s: %s", path, strerror(-ret));
	}
out:
	free(s.r);
	free(s.acc);
	free(s.used);
	free(s.heights);
	free(whole.r);
	free(whole.acc);
	free(whole.used);
	free(whole.heights);
	free(s.big);
	return ret;
}
