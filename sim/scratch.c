// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * scratch.c - the kho_scratch= option.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "scratch.h"

int sim_scratch_parse(const char *s, struct sim_scratch_spec *spec)
{
	char buf[SIM_SCRATCH_SPEC_LEN], *p, *save = NULL;
	uint64_t *sizes[] = { &spec->lowmem, &spec->global, &spec->pernode };
	size_t len;
	int n = 0;

	memset(spec, 0, sizeof(*spec));
	if (!s || !*s) {
		spec->scale = SIM_SCRATCH_DEFAULT_SCALE;
		return 0;
	}
	len = strlen(s);
	if (len >= sizeof(buf))
		return -EINVAL;
	if (s[len - 1] == '%') {
		char *end;
		unsigned long v = strtoul(s, &end, 10);

		/* The kernel takes 1..999 percent (the scale is a u16 there). */
		if (end != s + len - 1 || !v || v > 999 || *s == '-')
			return -EINVAL;
		spec->scale = v;
		return 0;
	}
	strcpy(buf, s);
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (n == 3 || sim_parse_size(p, sizes[n]))
			return -EINVAL;
		n++;
	}
	return n == 3 ? 0 : -EINVAL;
}
