// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * text.c - strings read from memory, made safe to print.
 */
#include <stdbool.h>
#include <string.h>

#include "text.h"

void sim_clean_str(char *dst, size_t len, const char *src, size_t srclen)
{
	static const char hex[] = "0123456789abcdef";
	/* Room kept for "..." and the NUL. */
	const size_t room = len > 4 ? len - 4 : 0;
	size_t i = 0, n = 0;

	if (!len)
		return;
	for (; src && i < srclen && src[i]; i++) {
		unsigned char c = (unsigned char)src[i];
		bool plain = c >= 0x20 && c < 0x7f && c != '\\';

		if (n + (plain ? 1 : 4) > room)
			break;
		if (plain) {
			dst[n++] = (char)c;
			continue;
		}
		dst[n++] = '\\';
		dst[n++] = 'x';
		dst[n++] = hex[c >> 4];
		dst[n++] = hex[c & 15];
	}
	if (src && i < srclen && src[i] && len >= 4) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
}
