// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cmd_debug.c - kho debug corrupt DIR WHAT: break a pending handover in one
 * precise way, for the tests that show every way a handover is refused.
 *
 *   fdt-header            the root FDT's magic
 *   fdt-misaligned        the handover's FDT address 4 bytes on, still in RAM
 *   compatible            root compatible "kho-v2" -> "kho-v9"
 *   memory-map-missing    delete preserved-memory-map
 *   memory-map-short      preserved-memory-map of 4 bytes
 *   memory-map-zero       preserved-memory-map = 0
 *   memory-map-outside    preserved-memory-map points past the end of RAM
 *   scratch-array-outside the handover's scratch array address is a hole
 *   scratch-area-outside  the first scratch area lies past the end of RAM
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "kho_tool.h"

/* The first address past all RAM: outside RAM by construction. */
static uint64_t past_ram(const struct sim_machine *m)
{
	const struct sim_ram_range *r = &m->conf.ram[m->conf.nr_ranges - 1];

	return r->base + r->size + (1ULL << 30);
}

static int corrupt(struct sim_machine *m, struct kho_data *kd, const char *what,
		   bool *rewrite)
{
	void *fdt = sim_phys_to_virt(m, kd->fdt_addr);
	const char *map = KHO_FDT_MEMORY_MAP_PROP_NAME;
	uint64_t v;
	uint32_t short_v = 1;

	if (!fdt)
		return -EFAULT;
	if (!strcmp(what, "fdt-header")) {
		memset(fdt, 0xff, 4);
		return 0;
	}
	if (!strcmp(what, "fdt-misaligned")) {
		/* Half of KHO_FDT_ALIGN: inside the same page, not aligned. */
		kd->fdt_addr += KHO_FDT_ALIGN / 2;
		*rewrite = true;
		return 0;
	}
	if (!strcmp(what, "compatible"))
		return fdt_setprop_inplace(fdt, 0, "compatible", "kho-v9",
					   sizeof("kho-v9"));
	if (!strcmp(what, "memory-map-missing"))
		return fdt_delprop(fdt, 0, map);
	if (!strcmp(what, "memory-map-short"))
		return fdt_setprop(fdt, 0, map, &short_v, sizeof(short_v));
	if (!strcmp(what, "memory-map-zero")) {
		v = 0;
		return fdt_setprop_inplace(fdt, 0, map, &v, sizeof(v));
	}
	if (!strcmp(what, "memory-map-outside")) {
		v = past_ram(m);
		return fdt_setprop_inplace(fdt, 0, map, &v, sizeof(v));
	}
	if (!strcmp(what, "scratch-array-outside")) {
		kd->scratch_addr = past_ram(m);
		*rewrite = true;
		return 0;
	}
	if (!strcmp(what, "scratch-area-outside")) {
		struct kho_scratch *s = sim_phys_to_virt(m, kd->scratch_addr);

		if (!s)
			return -EFAULT;
		s[0].addr = past_ram(m);
		return 0;
	}
	return -ENOENT;
}

int cmd_debug(int argc, char **argv)
{
	struct sim_error e = { "" };
	struct sim_machine m;
	struct kho_data kd;
	bool rewrite = false;
	int ret;

	if (argc != 4 || strcmp(argv[1], "corrupt")) {
		tool_error("debug: usage is kho debug corrupt DIR WHAT");
		return 2;
	}
	if (!*argv[2]) {
		tool_error(
			"debug corrupt: the machine directory is an empty string");
		return 2;
	}
	if (sim_machine_open(&m, argv[2], false, &e) ||
	    sim_handover_read(&m, &kd, &e)) {
		tool_error("%s", e.msg);
		sim_machine_close(&m);
		return 1;
	}
	ret = corrupt(&m, &kd, argv[3], &rewrite);
	if (!ret && rewrite)
		ret = sim_handover_write(&m, &kd, &e) ? -EIO : 0;
	sim_machine_close(&m);
	if (ret == -ENOENT) {
		tool_error("debug corrupt: unknown damage \"%s\"", argv[3]);
		return 2;
	}
	if (ret) {
		tool_error("debug corrupt: %s failed (%d)", argv[3], ret);
		return 1;
	}
	return 0;
}
