// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cmd_machine.c - kho machine create | offset.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim/scratch.h"
#include "kho_tool.h"

#define DEFAULT_RAM (4ULL << 30)

static int machine_create(int argc, char **argv)
{
	enum {
		OPT_RAM,
		OPT_RAM_BASE,
		OPT_NODES,
		OPT_PAGE_SIZE,
		OPT_KHO_SCRATCH
	};
	struct tool_opt opts[] = {
		[OPT_RAM] = { "--ram", "a value" },
		[OPT_RAM_BASE] = { "--ram-base", "a value" },
		[OPT_NODES] = { "--nodes", "a value" },
		[OPT_PAGE_SIZE] = { "--page-size", "a value" },
		[OPT_KHO_SCRATCH] = { "--kho-scratch", "a value" },
		{ NULL },
	};
	uint64_t ram = DEFAULT_RAM, page = 4096, nodes = 1, base = 0;
	const char *dir = NULL, *scratch = NULL;
	struct sim_error e = { "" };
	struct tool_args args;
	bool have_base = false;
	struct sim_conf conf;
	char buf[64];
	int k;

	tool_args_init(&args, "machine create", opts, argc, argv);
	while ((k = tool_next(&args)) != TOOL_END) {
		const char *v = args.arg;

		switch (k) {
		case TOOL_OPERAND:
			if (dir) {
				tool_error(
					"machine create: one directory only (\"%s\" and \"%s\")",
					dir, v);
				return 2;
			}
			if (!*v) {
				tool_error(
					"machine create: the directory is an empty string");
				return 2;
			}
			dir = v;
			break;
		case OPT_RAM:
			if (sim_parse_size(v, &ram)) {
				tool_error("machine create: --ram \"%s\" is not a size like 256M or 4G", v);
				return 2;
			}
			break;
		case OPT_RAM_BASE:
			if (sim_parse_size(v, &base)) {
				tool_error("machine create: --ram-base \"%s\" is not an address like 0x40000000", v);
				return 2;
			}
			have_base = true;
			break;
		case OPT_NODES: {
			const char *end;
			uint64_t n;

			/* strtoull() took " 2" and "-18446744073709551614". */
			if (sim_parse_number(v, 10, &n, &end) || *end || !n ||
			    n > SIM_MAX_NODES) {
				tool_error("machine create: --nodes \"%s\" is not 1 to %d", v,
					   SIM_MAX_NODES);
				return 2;
			}
			nodes = n;
			break;
		}
		case OPT_PAGE_SIZE:
			if (sim_parse_size(v, &page) ||
			    (page != 4096 && page != 16384 && page != 65536)) {
				tool_error("machine create: --page-size \"%s\" is not 4K, 16K or 64K", v);
				return 2;
			}
			break;
		case OPT_KHO_SCRATCH: {
			struct sim_scratch_spec spec;

			if (strlen(v) >= SIM_SCRATCH_SPEC_LEN) {
				tool_error(
					"machine create: --kho-scratch is longer than %d characters",
					SIM_SCRATCH_SPEC_LEN - 1);
				return 2;
			}
			/* Linux refuses an empty value too. */
			if (!*v || sim_scratch_parse(v, &spec)) {
				tool_error(
					"machine create: --kho-scratch \"%s\" is neither %s",
					v, SIM_SCRATCH_SYNTAX);
				return 2;
			}
			scratch = v;
			break;
		}
		default:
			return tool_args_stop(&args, k);
		}
	}
	if (!dir) {
		tool_error(
			"machine create: no directory given (kho machine create DIR)");
		return 2;
	}
	/* Every refusal of the layout is of an option's value: usage. */
	if (have_base ? sim_conf_layout_at(&conf, base, ram, nodes,
					   __builtin_ctzll(page), &e) :
			sim_conf_layout(&conf, ram, nodes,
					__builtin_ctzll(page), &e)) {
		tool_error("machine create: %s", e.msg);
		return 2;
	}
	if (scratch)
		strcpy(conf.kho_scratch, scratch);
	/* A machine that could never boot is not made (nothing written). */
	if (sim_boot_plan(&conf, dir, &e)) {
		tool_error("machine create: it could not boot: %s", e.msg);
		return 2;
	}
	if (sim_machine_create(dir, &conf, &e)) {
		tool_error("machine create: %s", e.msg);
		return 1;
	}
	printf("machine %s: %s of RAM, %u node%s, %llu KiB pages\n", dir,
	       fmt_bytes(ram, buf, sizeof(buf)), conf.nr_nodes,
	       conf.nr_nodes > 1 ? "s" : "", (unsigned long long)page >> 10);
	for (unsigned int i = 0; i < conf.nr_ranges; i++)
		printf("  ram 0x%012" PRIx64 "-0x%012" PRIx64 " node %d\n",
		       conf.ram[i].base, conf.ram[i].base + conf.ram[i].size,
		       conf.ram[i].nid);
	return 0;
}

/* Where a physical address lives in ram.img: for dd in tests and debugging. */
static int machine_offset(int argc, char **argv)
{
	struct sim_error e = { "" };
	struct sim_machine m;
	const char *op[2];
	uint64_t pa, off;
	int n;

	n = tool_operands("machine offset", argc, argv, op, 2);
	if (n == TOOL_HELP)
		return 0;
	if (n != 2) {
		tool_error("machine offset: usage is kho machine offset DIR PHYS");
		return 2;
	}
	if (!*op[0]) {
		tool_error("machine offset: the directory is an empty string");
		return 2;
	}
	/* As a size is read: no sign, no wrap ("-1" is not 2^64 - 1). */
	if (sim_parse_size(op[1], &pa)) {
		tool_error("machine offset: \"%s\" is not an address", op[1]);
		return 2;
	}
	if (sim_machine_open(&m, op[0], true, &e)) {
		tool_error("%s", e.msg);
		return 1;
	}
	off = sim_phys_to_offset(&m, pa);
	sim_machine_close(&m);
	if (off == SIM_NO_PHYS) {
		tool_error("machine offset: %#" PRIx64 " is not RAM of %s", pa,
			   op[0]);
		return 1;
	}
	printf("%" PRIu64 "\n", off);
	return 0;
}

int cmd_machine(int argc, char **argv)
{
	if (argc >= 2 && tool_is_help(argv[1])) {
		tool_usage(stdout, "machine");
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "create"))
		return machine_create(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "offset"))
		return machine_offset(argc - 1, argv + 1);
	tool_error("machine: expected \"create DIR\" or \"offset DIR PHYS\"");
	return 2;
}
