// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cmd_inspect.c - kho inspect: the pending handover, read-only.
 *
 * Does what the next kernel's early boot would do (validate the FDT and the
 * scratch array, check the whole tree, walk it) on a read-only mapping of
 * ram.img, in this process's memory only, and describes what it found.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "inspect_mem.h"
#include "kho_tool.h"
#include "report.h"

/* Ranges shown in text output; JSON lists them all. */
#define INSPECT_TEXT_RANGES 32

struct range_list {
	uint64_t nr, max;
	uint64_t (*r)[2];
};

static int collect_range(uint64_t start, uint64_t end, void *arg)
{
	struct range_list *l = arg;

	if (l->nr == l->max) {
		uint64_t max = l->max ? l->max * 2 : 64;
		void *p = realloc(l->r, max * sizeof(*l->r));

		if (!p)
			return -ENOMEM;
		l->r = p;
		l->max = max;
	}
	l->r[l->nr][0] = start;
	l->r[l->nr][1] = end;
	l->nr++;
	return 0;
}

static bool in_ranges(const struct range_list *l, uint64_t pa)
{
	uint64_t lo = 0, hi = l->nr;

	while (lo < hi) {
		uint64_t mid = (lo + hi) / 2;

		if (pa < l->r[mid][0])
			hi = mid;
		else if (pa >= l->r[mid][1])
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

struct sub {
	char name[64];
	uint64_t phys;
	char compatible[64];
	bool preserved;
};

struct sub_list {
	unsigned int nr;
	struct sub s[KHO_MAX_SUBTREES];
	struct sim_boot *b;
	const struct range_list *ranges;
};

static int collect_sub(const char *name, uint64_t phys, uint64_t size,
		       void *arg)
{
	struct sub_list *l = arg;
	struct sub *s;
	const void *blob;

	if (l->nr == KHO_MAX_SUBTREES)
		return -ENOSPC;
	s = &l->s[l->nr++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->phys = phys;
	s->preserved = in_ranges(l->ranges, phys);
	s->compatible[0] = '\0';
	blob = sim_phys_to_virt(&l->b->m, phys);
	/* A blob is a sub-FDT or a plain struct: name what it says it is. */
	if (blob && sim_ram_range_of(&l->b->m, phys, sizeof(struct fdt_header)) &&
	    !fdt_check_header(blob) &&
	    sim_ram_range_of(&l->b->m, phys, fdt_totalsize(blob))) {
		const char *c = fdt_getprop(blob, 0, "compatible", NULL);

		snprintf(s->compatible, sizeof(s->compatible), "%s",
			 c ? c : "(FDT)");
	}
	return 0;
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void print_json(FILE *out, struct sim_boot *b, const struct sub_list *subs,
		       const struct range_list *ranges)
{
	const struct kho_radix_stats *st = &b->stats.in_tree;
	int n = 0;

	fprintf(out, "{\n  \"machine\": ");
	json_str(out, b->m.dir);
	fprintf(out, ",\n  \"page_size\": %" PRIu64 ",\n", b->m.page_size);
	fprintf(out, "  \"verdict\": \"accepted\",\n");
	fprintf(out, "  \"fdt\": { \"addr\": %" PRIu64 ", \"size\": %" PRIu64 " },\n",
		b->handover.fdt_addr, b->handover.fdt_size);
	fprintf(out, "  \"scratch_array\": { \"addr\": %" PRIu64 ", \"size\": %" PRIu64 " },\n",
		b->handover.scratch_addr, b->handover.scratch_size);
	fprintf(out, "  \"scratch\": [");
	for (unsigned int i = 0; i < b->nr_scratch; i++)
		fprintf(out, "%s{ \"addr\": %" PRIu64 ", \"size\": %" PRIu64 " }",
			i ? ", " : "", b->scratch[i].addr, b->scratch[i].size);
	fprintf(out, "],\n  \"subtrees\": [");
	for (unsigned int i = 0; i < subs->nr; i++) {
		fprintf(out, "%s\n    { \"name\": ", i ? "," : "");
		json_str(out, subs->s[i].name);
		fprintf(out, ", \"phys\": %" PRIu64 ", \"compatible\": ", subs->s[i].phys);
		json_str(out, subs->s[i].compatible);
		fprintf(out, ", \"preserved\": %s }",
			subs->s[i].preserved ? "true" : "false");
	}
	fprintf(out, "\n  ],\n  \"blocks_per_order\": {");
	for (int o = 0; o < KHO_MAX_ORDERS; o++)
		if (st->blocks[o])
			fprintf(out, "%s \"%d\": %" PRIu64, n++ ? "," : "", o,
				st->blocks[o]);
	fprintf(out, " },\n  \"blocks\": %" PRIu64 ",\n", st->nr_blocks);
	fprintf(out, "  \"preserved_bytes\": %" PRIu64 ",\n", st->preserved_bytes);
	fprintf(out, "  \"tree\": { \"root\": %" PRIu64 ", \"depth\": %u, "
		"\"nodes_per_level\": [", b->in.tree.root_phys, b->geo.depth);
	for (unsigned int l = 0; l < b->geo.depth; l++)
		fprintf(out, "%s%" PRIu64, l ? ", " : "", st->nodes[l]);
	fprintf(out, "], \"nodes\": %" PRIu64 ", \"leaves\": %" PRIu64
		", \"bytes\": %" PRIu64 ", \"overhead_percent\": %.6f },\n",
		st->nr_nodes, st->nodes[0], st->bytes, report_overhead(st));
	fprintf(out, "  \"ranges\": [");
	for (uint64_t i = 0; i < ranges->nr; i++)
		fprintf(out, "%s[%" PRIu64 ", %" PRIu64 "]", i ? ", " : "",
			ranges->r[i][0], ranges->r[i][1]);
	fprintf(out, "]\n}\n");
}

static void print_text(FILE *out, struct sim_boot *b, const struct sub_list *subs,
		       const struct range_list *ranges)
{
	char b1[32];

	fprintf(out, "handover of %s: accepted (kho-v2, %" PRIu64 " KiB pages)\n",
		b->m.dir, b->m.page_size >> 10);
	fprintf(out, "  %-14s%#" PRIx64 ", %" PRIu64 " bytes\n", "root FDT",
		b->handover.fdt_addr, b->handover.fdt_size);
	fprintf(out, "  %-14s%#" PRIx64 " (preserved-memory-map)\n", "tree root",
		b->in.tree.root_phys);
	fprintf(out, "  %-14s%#" PRIx64 ", %u areas\n", "scratch array",
		b->handover.scratch_addr, b->nr_scratch);
	for (unsigned int i = 0; i < b->nr_scratch; i++)
		fprintf(out, "  %-14s0x%012" PRIx64 "-0x%012" PRIx64 " %s\n",
			i ? "" : "scratch", b->scratch[i].addr,
			b->scratch[i].addr + b->scratch[i].size,
			fmt_bytes(b->scratch[i].size, b1, sizeof(b1)));
	for (unsigned int i = 0; i < subs->nr; i++)
		fprintf(out, "  %-14s%-16s at %#" PRIx64 "%s%s%s, %s\n",
			i ? "" : "subtrees", subs->s[i].name, subs->s[i].phys,
			subs->s[i].compatible[0] ? " (" : "",
			subs->s[i].compatible,
			subs->s[i].compatible[0] ? ")" : "",
			subs->s[i].preserved ? "preserved" : "NOT PRESERVED");
	report_blocks(out, "blocks", &b->stats.in_tree);
	report_tree(out, "tree", &b->stats.in_tree, b->geo.depth);
	fprintf(out, "  %-14s%u levels; every node in RAM, reached once, outside "
		"scratch and outside preserved blocks\n", "tree check",
		b->geo.depth);
	for (uint64_t i = 0; i < ranges->nr && i < INSPECT_TEXT_RANGES; i++)
		fprintf(out, "  %-14s0x%012" PRIx64 "-0x%012" PRIx64 " %s\n",
			i ? "" : "ranges", ranges->r[i][0], ranges->r[i][1],
			fmt_bytes(ranges->r[i][1] - ranges->r[i][0], b1, sizeof(b1)));
	if (ranges->nr > INSPECT_TEXT_RANGES)
		fprintf(out, "  %-14s... %" PRIu64 " more ranges (--json lists all)\n",
			"", ranges->nr - INSPECT_TEXT_RANGES);
	fprintf(out, "  %-14s%" PRIu64 " ranges, %s\n", "", ranges->nr,
		fmt_bytes(b->stats.in_tree.preserved_bytes, b1, sizeof(b1)));
}

int cmd_inspect(int argc, char **argv)
{
	struct sim_boot_opts opts = { .inspect = true };
	struct range_list ranges = { 0 };
	struct sim_error e = { "" };
	struct sub_list *subs;
	const char *dir = NULL;
	struct sim_boot *b;
	bool json = false;
	int ret;

	/* --fdt, --mem, --svg ...: any physical memory (inspect_mem.c). */
	if (inspect_mem_wanted(argc, argv))
		return cmd_inspect_mem(argc, argv);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (argv[i][0] == '-') {
			tool_error("inspect: unknown option %s", argv[i]);
			return 2;
		} else if (dir) {
			tool_error("inspect: one machine directory only");
			return 2;
		} else {
			dir = argv[i];
		}
	}
	if (!dir) {
		tool_error("inspect: which machine directory?");
		return 2;
	}
	b = calloc(1, sizeof(*b));
	subs = calloc(1, sizeof(*subs));
	if (!b || !subs) {
		tool_error("out of memory");
		return 1;
	}
	ret = sim_boot_open(b, dir, &opts, &e);
	if (ret) {
		if (json) {
			printf("{ \"machine\": ");
			json_str(stdout, dir);
			printf(", \"verdict\": \"%s\", \"reason\": ",
			       ret == -ENOENT ? "none" : "refused");
			json_str(stdout, e.msg);
			printf(" }\n");
		}
		tool_error("%s", e.msg);
		free(b);
		free(subs);
		return 1;
	}
	ret = kho_radix_walk_ranges(&b->in.tree, collect_range, &ranges);
	subs->b = b;
	subs->ranges = &ranges;
	if (!ret)
		ret = kho_for_each_subtree(&b->in, collect_sub, subs);
	if (ret) {
		tool_error("%s: reading the handover failed: %s", dir, strerror(-ret));
		ret = 1;
	} else {
		if (json)
			print_json(stdout, b, subs, &ranges);
		else
			print_text(stdout, b, subs, &ranges);
		for (unsigned int i = 0; i < subs->nr; i++)
			if (!subs->s[i].preserved) {
				tool_error("%s: subtree %s's blob at %#" PRIx64
					   " is not preserved memory", dir,
					   subs->s[i].name, subs->s[i].phys);
				ret = 1;
			}
	}
	free(ranges.r);
	sim_boot_close(b);
	free(b);
	free(subs);
	return ret;
}
