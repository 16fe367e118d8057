// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * scratch.c - the kho_scratch= option.
 */
#include <ctype.h>
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
		unsigned long long v;
		char *end;

		/*
		 * The kernel reads the percentage with kstrtouint()
		 * (kexec_handover.c:703-715): any 32-bit value, a '+' before
		 * it. 0% leaves the fixed sizes in force, which N% does not
		 * set: as 0,0,0.
		 */
		if (!isdigit((unsigned char)s[*s == '+']))
			return -EINVAL;
		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno || end != s + len - 1 || v > UINT32_MAX)
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
