// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * scratch.c - the kho_scratch= option, read as Linux 7.3.4 reads it
 * (kho_parse_scratch_size(), kernel/liveupdate/kexec_handover.c:688-753).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "scratch.h"

/*
 * A number as memparse() reads it (lib/cmdline.c:164-212, through
 * simple_strtoull() and _parse_integer_fixup_radix(), lib/kstrtox.c:27-41):
 * 0x then a hex digit is hexadecimal, any other leading 0 octal, else
 * decimal; no sign, no blank; too many digits saturate at 2^64 - 1; then
 * an optional K, M, G, T, P or E (either case) shifts, saturating too.
 * Return: characters read, 0 when there is no number.
 */
static size_t memparse(const char *s, uint64_t *out)
{
	static const char suffixes[] = "kmgtpe";
	const char *p = s, *sfx;
	unsigned int base = 10;
	uint64_t v = 0;
	bool over = false;

	if (p[0] == '0') {
		base = 8;
		if (tolower((unsigned char)p[1]) == 'x' &&
		    isxdigit((unsigned char)p[2])) {
			base = 16;
			p += 2;
		}
	}
	for (;; p++) {
		int c = tolower((unsigned char)*p);
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		if (v > (UINT64_MAX - d) / base)
			over = true;
		v = v * base + d;
	}
	if (p == s)
		return 0;
	if (over)
		v = UINT64_MAX;
	sfx = *p ? strchr(suffixes, tolower((unsigned char)*p)) : NULL;
	if (sfx) {
		unsigned int shift = 10 * (unsigned int)(sfx - suffixes + 1);

		v = v > UINT64_MAX >> shift ? UINT64_MAX : v << shift;
		p++;
	}
	*out = v;
	return p - s;
}

int sim_scratch_parse(const char *s, struct sim_scratch_spec *spec)
{
	uint64_t sizes[3], total = 0;
	size_t len;

	memset(spec, 0, sizeof(*spec));
	spec->scale = SIM_SCRATCH_DEFAULT_SCALE;
	if (!s || !*s)
		return 0;
	len = strlen(s);
	if (s[len - 1] == '%') {
		const char *p = s + (*s == '+');
		unsigned long long v = 0;

		/*
		 * kstrtouint(): at most 10 characters before the '%' (:706-709),
		 * a '+', then decimal digits only, below 2^32. 0% leaves the
		 * fixed sizes in force, which N% does not set: as 0,0,0.
		 */
		if (len > 11 || p == s + len - 1)
			return -EINVAL;
		for (; p < s + len - 1; p++) {
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			v = v * 10 + (*p - '0');
		}
		if (v > UINT32_MAX)
			return -EINVAL;
		spec->scale = v;
		return 0;
	}
	/*
	 * Three sizes, each after a ',' but the first, the string used up;
	 * all zero is refused (:718-739). The total wraps as the kernel's
	 * size_t does.
	 */
	for (int i = 0; i < 3; i++) {
		size_t n;

		if (i > 0 && *s++ != ',')
			return -EINVAL;
		n = memparse(s, &sizes[i]);
		if (!n)
			return -EINVAL;
		s += n;
		total += sizes[i];
	}
	if (!total || *s)
		return -EINVAL;
	spec->scale = 0;
	spec->lowmem = sizes[0];
	spec->global = sizes[1];
	spec->pernode = sizes[2];
	return 0;
}
