/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * tools/kho/report.h - printing trees and blocks for boot and inspect.
 */
#ifndef KHO_REPORT_H
#define KHO_REPORT_H

#include <stdio.h>

#include <kho/kho.h>
#include <kho/radix.h>

#include "kho_tool.h"

/* "order 18: 1, order 9: 64, order 0: 12 (77 blocks, 1.13 GiB)" */
void report_blocks(FILE *out, const char *label,
		   const struct kho_radix_stats *st);
/* Tree bytes per preserved byte, in percent. */
double report_overhead(const struct kho_radix_stats *st);
/* One "warning" line each, then "... N more warnings" past those kept. */
void report_warnings(FILE *out, const struct kho_warnings *warn);
/* "14 nodes (L5 1 L4 1 ... L0 4), 4 leaves, 56 KiB, overhead 0.0042%" */
void report_tree(FILE *out, const char *label, const struct kho_radix_stats *st,
		 unsigned int depth);

#endif /* KHO_REPORT_H */
