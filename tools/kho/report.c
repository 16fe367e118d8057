// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * report.c - how a tree, its blocks and its ranges are printed.
 */
#include <inttypes.h>
#include <stdio.h>

#include "report.h"

void report_blocks(FILE *out, const char *label,
		   const struct kho_radix_stats *st)
{
	char b[32];
	int n = 0;

	fprintf(out, "  %-14s", label);
	for (int o = KHO_MAX_ORDERS - 1; o >= 0; o--) {
		if (!st->blocks[o])
			continue;
		fprintf(out, "%sorder %d: %" PRIu64, n++ ? ", " : "", o,
			st->blocks[o]);
	}
	fprintf(out, "%s (%" PRIu64 " blocks, %s)\n", n ? "" : "none",
		st->nr_blocks, fmt_bytes(st->preserved_bytes, b, sizeof(b)));
}

void report_warnings(FILE *out, const struct kho_warnings *warn)
{
	unsigned int more =
		warn->nr > KHO_MAX_WARNINGS ? warn->nr - KHO_MAX_WARNINGS : 0;

	for (unsigned int i = 0; i < warn->nr && i < KHO_MAX_WARNINGS; i++) {
		char w[256];

		kho_error_format(&warn->w[i], w, sizeof(w));
		fprintf(out, "  %-14s%s\n", i ? "" : "warning", w);
	}
	if (more)
		fprintf(out,
			"  %-14s... %u more warning%s (the first %u are "
			"kept)\n",
			"", more, more == 1 ? "" : "s", KHO_MAX_WARNINGS);
}

double report_overhead(const struct kho_radix_stats *st)
{
	return st->preserved_bytes ?
		       100.0 * st->bytes / st->preserved_bytes : 0.0;
}

void report_tree(FILE *out, const char *label, const struct kho_radix_stats *st,
		 unsigned int depth)
{
	char b[32];

	fprintf(out, "  %-14s%" PRIu64 " nodes (", label, st->nr_nodes);
	for (int l = depth - 1; l >= 0; l--)
		fprintf(out, "L%d %" PRIu64 "%s", l, st->nodes[l], l ? " " : "");
	fprintf(out, "), %" PRIu64 " leaves, %s, overhead %.4f%%\n",
		st->nodes[0], fmt_bytes(st->bytes, b, sizeof(b)),
		report_overhead(st));
}
