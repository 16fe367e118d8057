// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * main.c - the kho command: run, inspect and measure KHO handovers on a
 * simulated machine.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kho_tool.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kho demo\n"
		"       kho machine create DIR [--ram SIZE] [--nodes N] [--page-size 4K|16K|64K]\n"
		"                              [--kho-scratch N%%|LOW,GLOBAL,PERNODE]\n"
		"       kho machine offset DIR PHYS\n"
		"       kho boot DIR [--preserve CLIENT[:SIZE] ...] [--kexec] [--no-scrub]\n"
		"                    [--without CLIENT ...]\n"
		"       kho inspect DIR [--json]\n"
		"       kho inspect [DIR] [--fdt FILE] [--mem SOURCE] [--page-size 4K|16K|64K]\n"
		"                   [--v1-bitmap 512|page] [--scratch DIR] [--handover FILE]\n"
		"                   [--json] [--blocks] [--svg FILE [--svg-color order|subsystem]]\n"
		"         SOURCE: DIR, raw:FILE@0xBASE, elf:FILE, kcore:/proc/kcore or devmem\n"
		"       kho debug corrupt DIR WHAT   (for tests; see kho(1))\n"
		"clients:");
	for (int i = 0; kho_clients[i]; i++)
		fprintf(f, " %s", kho_clients[i]->name);
	fprintf(f, "\nSee kho(1).\n");
}

void tool_error(const char *fmt, ...)
{
	char *buf;
	size_t n;
	va_list ap;
	int len;

	/* Whole, however long: a sentence may name two long paths. */
	va_start(ap, fmt);
	len = vasprintf(&buf, fmt, ap);
	va_end(ap);
	if (len < 0) {
		va_start(ap, fmt);
		fputs("kho: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputs("\n", stderr);
		va_end(ap);
		return;
	}
	n = strlen(buf);
	/* A sentence ends once: no period after ".", "?" or "!". */
	fprintf(stderr, "kho: %s%s\n", buf,
		n && strchr(".?!", buf[n - 1]) ? "" : ".");
	free(buf);
}

const char *fmt_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;
	double v = bytes;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (!u || v == (uint64_t)v)
		snprintf(buf, len, "%.0f %s", v, unit[u]);
	else
		snprintf(buf, len, "%.2f %s", v, unit[u]);
	return buf;
}

const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000000)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 10000000000ULL)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "help")) {
		usage(cmd ? stdout : stderr);
		return cmd ? 0 : 2;
	}
	if (!strcmp(cmd, "demo"))
		return cmd_demo(argc - 1, argv + 1);
	if (!strcmp(cmd, "machine"))
		return cmd_machine(argc - 1, argv + 1);
	if (!strcmp(cmd, "boot"))
		return cmd_boot(argc - 1, argv + 1);
	if (!strcmp(cmd, "inspect"))
		return cmd_inspect(argc - 1, argv + 1);
	if (!strcmp(cmd, "debug"))
		return cmd_debug(argc - 1, argv + 1);
	tool_error("unknown command \"%s\" (try kho --help)", cmd);
	return 2;
}
