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
 *
 * The record is checked first, as kho boot checks it
 * (sim_machine_check_record()), and then what the damage touches: the
 * root FDT's header, or the whole root FDT checked by libfdt before any
 * lookup in it, or the first scratch entry. Nothing outside the RAM range
 * that holds it is read or written; a refusal changes nothing on disk.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "kho_tool.h"

enum damage {
	FDT_HEADER,
	FDT_MISALIGNED,
	COMPATIBLE,
	MAP_MISSING,
	MAP_SHORT,
	MAP_ZERO,
	MAP_OUTSIDE,
	SCRATCH_ARRAY_OUTSIDE,
	SCRATCH_AREA_OUTSIDE,
	NR_DAMAGES
};

static const char *const damage_names[NR_DAMAGES] = {
	[FDT_HEADER] = "fdt-header",
	[FDT_MISALIGNED] = "fdt-misaligned",
	[COMPATIBLE] = "compatible",
	[MAP_MISSING] = "memory-map-missing",
	[MAP_SHORT] = "memory-map-short",
	[MAP_ZERO] = "memory-map-zero",
	[MAP_OUTSIDE] = "memory-map-outside",
	[SCRATCH_ARRAY_OUTSIDE] = "scratch-array-outside",
	[SCRATCH_AREA_OUTSIDE] = "scratch-area-outside",
};

/* The damage @name names, or NR_DAMAGES. */
static enum damage damage_of(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_DAMAGES; i++)
		if (!strcmp(name, damage_names[i]))
			break;
	return i;
}

/* The first address past all RAM: outside RAM by construction. */
static uint64_t past_ram(const struct sim_machine *m)
{
	const struct sim_ram_range *r = &m->conf.ram[m->conf.nr_ranges - 1];

	return r->base + r->size + (1ULL << 30);
}

/* The root FDT's header, when all of it is in one RAM range. */
static void *fdt_header_at(const struct sim_machine *m, uint64_t pa,
			   struct sim_error *e)
{
	if (!sim_ram_range_of(m, pa, sizeof(struct fdt_header))) {
		sim_fail(e, -EINVAL,
			 "the root FDT's %zu-byte header at %#" PRIx64
			 " is not in RAM",
			 sizeof(struct fdt_header), pa);
		return NULL;
	}
	return sim_phys_to_virt(m, pa);
}

/*
 * The root FDT, for libfdt to look into: aligned, a valid header, whole in
 * the RAM range of its header and in what the record gives it, and its
 * structure checked by fdt_check_full() (as lib/kho_in.c does before any
 * lookup), so that no libfdt call reads or writes past it.
 */
static void *fdt_whole_at(const struct sim_machine *m,
			  const struct kho_data *kd, struct sim_error *e)
{
	uint64_t pa = kd->fdt_addr;
	uint32_t total;
	void *fdt;
	int err;

	if (pa % KHO_FDT_ALIGN) {
		sim_fail(e, -EINVAL,
			 "the root FDT at %#" PRIx64 " is not %d-byte aligned",
			 pa, KHO_FDT_ALIGN);
		return NULL;
	}
	fdt = fdt_header_at(m, pa, e);
	if (!fdt)
		return NULL;
	err = fdt_check_header(fdt);
	if (err) {
		sim_fail(e, -EINVAL,
			 "the root FDT at %#" PRIx64
			 " has no valid header (%s)",
			 pa, fdt_strerror(err));
		return NULL;
	}
	total = fdt_totalsize(fdt);
	if (total > kd->fdt_size || !sim_ram_range_of(m, pa, total)) {
		sim_fail(e, -EINVAL,
			 "the root FDT at %#" PRIx64 " says it is %" PRIu32
			 " bytes, more than the handover record's %" PRIu64,
			 pa, total, kd->fdt_size);
		return NULL;
	}
	err = fdt_check_full(fdt, total);
	if (err) {
		sim_fail(e, -EINVAL,
			 "the root FDT at %#" PRIx64 " is corrupt (%s)", pa,
			 fdt_strerror(err));
		return NULL;
	}
	return fdt;
}

/* A libfdt error about the root's property @prop, said as a sentence. */
static int prop_fail(const struct kho_data *kd, const char *prop, int err,
		     struct sim_error *e)
{
	if (err == -FDT_ERR_NOTFOUND)
		return sim_fail(e, -ENOENT,
				"the root FDT at %#" PRIx64
				" has no property \"%s\"",
				kd->fdt_addr, prop);
	return sim_fail(
		e, -EINVAL,
		"cannot change property \"%s\" of the root FDT at %#" PRIx64
		" (%s)",
		prop, kd->fdt_addr, fdt_strerror(err));
}

/* The root's property @prop, which must exist and be @len bytes, set. */
static int set_prop(void *fdt, const struct kho_data *kd, const char *prop,
		    const void *val, int len, struct sim_error *e)
{
	int old_len, err;

	if (!fdt_getprop(fdt, 0, prop, &old_len))
		return prop_fail(kd, prop, old_len, e);
	if (old_len != len)
		return sim_fail(e, -EINVAL,
				"property \"%s\" of the root FDT at %#" PRIx64
				" is %d bytes, not %d",
				prop, kd->fdt_addr, old_len, len);
	err = fdt_setprop_inplace(fdt, 0, prop, val, len);
	return err ? prop_fail(kd, prop, err, e) : 0;
}

/* Damages the handover of @m (@kd); @rewrite: the record changed. */
static int corrupt(struct sim_machine *m, struct kho_data *kd, enum damage d,
		   bool *rewrite, struct sim_error *e)
{
	const char *map = KHO_FDT_MEMORY_MAP_PROP_NAME;
	struct kho_scratch *s;
	uint32_t short_v = 1;
	uint64_t v;
	void *fdt;
	int err;

	switch (d) {
	case FDT_HEADER:
		fdt = fdt_header_at(m, kd->fdt_addr, e);
		if (!fdt)
			return -EINVAL;
		memset(fdt, 0xff, 4);
		return 0;
	case FDT_MISALIGNED:
		/* Half of KHO_FDT_ALIGN: inside the same page, not aligned. */
		if (kd->fdt_addr % KHO_FDT_ALIGN)
			return sim_fail(e, -EINVAL,
					"the root FDT at %#" PRIx64
					" is misaligned already",
					kd->fdt_addr);
		if (!sim_ram_range_of(m, kd->fdt_addr + KHO_FDT_ALIGN / 2,
				      kd->fdt_size))
			return sim_fail(
				e, -EINVAL,
				"the root FDT at %#" PRIx64 " (%" PRIu64
				" bytes) moved %d bytes on would leave RAM",
				kd->fdt_addr, kd->fdt_size, KHO_FDT_ALIGN / 2);
		kd->fdt_addr += KHO_FDT_ALIGN / 2;
		*rewrite = true;
		return 0;
	case SCRATCH_ARRAY_OUTSIDE:
		kd->scratch_addr = past_ram(m);
		*rewrite = true;
		return 0;
	case SCRATCH_AREA_OUTSIDE:
		if (kd->scratch_addr % _Alignof(struct kho_scratch))
			return sim_fail(e, -EINVAL,
					"the scratch array at %#" PRIx64
					" is not %zu-byte aligned",
					kd->scratch_addr,
					_Alignof(struct kho_scratch));
		if (!sim_ram_range_of(m, kd->scratch_addr, sizeof(*s)))
			return sim_fail(
				e, -EINVAL,
				"the first scratch area's entry at %#" PRIx64
				" is not in RAM",
				kd->scratch_addr);
		s = sim_phys_to_virt(m, kd->scratch_addr);
		s->addr = past_ram(m);
		return 0;
	default:
		break;
	}

	/* The rest look into the root FDT. */
	fdt = fdt_whole_at(m, kd, e);
	if (!fdt)
		return -EINVAL;
	switch (d) {
	case COMPATIBLE:
		return set_prop(fdt, kd, "compatible", "kho-v9",
				sizeof("kho-v9"), e);
	case MAP_MISSING:
		err = fdt_delprop(fdt, 0, map);
		return err ? prop_fail(kd, map, err, e) : 0;
	case MAP_SHORT:
		/* A property that is there, made shorter: never a new one. */
		if (!fdt_getprop(fdt, 0, map, &err))
			return prop_fail(kd, map, err, e);
		err = fdt_setprop(fdt, 0, map, &short_v, sizeof(short_v));
		return err ? prop_fail(kd, map, err, e) : 0;
	case MAP_ZERO:
		v = 0;
		return set_prop(fdt, kd, map, &v, sizeof(v), e);
	case MAP_OUTSIDE:
		v = past_ram(m);
		return set_prop(fdt, kd, map, &v, sizeof(v), e);
	default:
		return sim_fail(e, -EINVAL, "no such damage");
	}
}

int cmd_debug(int argc, char **argv)
{
	char names[256] = "";
	struct sim_error e = { "" };
	const char *op[2], *dir, *what;
	struct sim_machine m;
	struct kho_data kd;
	bool rewrite = false;
	enum damage d;
	int ret;

	if (argc >= 2 && tool_is_help(argv[1])) {
		tool_usage(stdout, "debug");
		return 0;
	}
	/* Anything but "corrupt" DIR WHAT is refused below. */
	ret = 0;
	if (argc >= 2 && !strcmp(argv[1], "corrupt"))
		ret = tool_operands("debug corrupt", argc - 1, argv + 1, op, 2);
	if (ret == TOOL_HELP)
		return 0;
	if (ret != 2) {
		tool_error("debug: usage is kho debug corrupt DIR WHAT");
		return 2;
	}
	dir = op[0];
	what = op[1];
	if (!*dir) {
		tool_error(
			"debug corrupt: the machine directory is an empty string");
		return 2;
	}
	d = damage_of(what);
	if (d == NR_DAMAGES) {
		for (unsigned int i = 0; i < NR_DAMAGES; i++)
			snprintf(names + strlen(names),
				 sizeof(names) - strlen(names), "%s%s",
				 i ? ", " : "", damage_names[i]);
		tool_error("debug corrupt: unknown damage \"%s\" (%s)", what,
			   names);
		return 2;
	}
	if (sim_machine_open(&m, dir, false, &e) ||
	    sim_handover_read(&m, &kd, &e) ||
	    sim_machine_check_record(&m, &kd, &e)) {
		tool_error("debug corrupt: %s", e.msg);
		sim_machine_close(&m);
		return 1;
	}
	ret = corrupt(&m, &kd, d, &rewrite, &e);
	if (!ret && rewrite)
		ret = sim_handover_write(&m, &kd, &e);
	sim_machine_close(&m);
	if (ret) {
		tool_error("debug corrupt: %s: %s", what, e.msg);
		return 1;
	}
	return 0;
}
