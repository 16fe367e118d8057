/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * sim/scratch.h - sizing the KHO scratch areas like the kernel's kho_scratch=.
 *
 *   kho_scratch=N%                   each area is N% (0 to 4294967295, as
 *                                    the kernel's u32) of the kernel's memblock
 *                                    allocations (lowmem: those below 4 GiB;
 *                                    global: all of them, less lowmem;
 *                                    per node: those on the node)
 *   kho_scratch=LOW,GLOBAL,PERNODE   fixed sizes as memparse() reads
 *                                    them (0x hex, a leading 0 octal,
 *                                    K/M/G/T/P/E), not all zero
 *
 * A value the kernel refuses it ignores ("Malformed early option",
 * init/main.c:743-744) and keeps its defaults, 200%.
 */
#ifndef SIM_SCRATCH_H
#define SIM_SCRATCH_H

#include <stdint.h>

/**
 * struct sim_scratch_spec - a parsed kho_scratch= value
 * @scale: percent, or 0 when the sizes below apply (0% too: all zero)
 * @lowmem: fixed lowmem size
 * @global: fixed global size
 * @pernode: fixed size per node
 */
struct sim_scratch_spec {
	unsigned int scale;
	uint64_t lowmem;
	uint64_t global;
	uint64_t pernode;
};

/* What sim_scratch_parse() takes, for the sentence that refuses a value. */
#define SIM_SCRATCH_SYNTAX \
	"N% (0 to 4294967295, at most 10 digits) nor LOW,GLOBAL,PERNODE (not all zero)"

/**
 * sim_scratch_parse() - parse a kho_scratch= value as Linux does
 * @s: "N%" or "LOW,GLOBAL,PERNODE"; NULL or "" gives the default 200%
 * @spec: filled in; the default 200% when @s is refused, as the kernel
 *	keeps its defaults for a value it refuses
 *
 * Accepts exactly what kho_parse_scratch_size() accepts
 * (kernel/liveupdate/kexec_handover.c:688-753).
 * Return: 0 or -EINVAL.
 */
int sim_scratch_parse(const char *s, struct sim_scratch_spec *spec);

#endif /* SIM_SCRATCH_H */
