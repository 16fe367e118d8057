// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * error.c - the sentence behind a failed sim call.
 */
#include <stdarg.h>
#include <stdio.h>

#include "error.h"

int sim_fail(struct sim_error *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}
