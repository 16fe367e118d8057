// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * error_format.c - struct kho_error as the one sentence tools print:
 *
 *   KHO handover refused: preserved-memory-map is not 8 bytes (property
 *   preserved-memory-map, phys 0x..., level 2, index 17)
 *
 * kho_error_format() for the verdict on a handover, kho_error_describe()
 * for a blob one owner refused (the same without "KHO handover refused: ").
 * Fields that do not apply are left out, and so are the parentheses when
 * none applies. Hosted only: it needs snprintf.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <kho/kho.h>

/* Append to @buf as snprintf would, counting what did not fit. */
static size_t append(char *buf, size_t len, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(pos < len ? buf + pos : NULL, pos < len ? len - pos : 0,
		      fmt, ap);
	va_end(ap);
	return n < 0 ? pos : pos + (size_t)n;
}

/* ", " between the parenthesized fields, "(" before the first. */
static const char *sep(bool *first)
{
	const char *s = *first ? " (" : ", ";

	*first = false;
	return s;
}

/* The parenthesized fields that apply, appended at @pos. */
static size_t append_where(const struct kho_error *err, char *buf, size_t len,
			   size_t pos)
{
	bool first = true;

	if (err->property)
		pos = append(buf, len, pos, "%sproperty %s", sep(&first),
			     err->property);
	if (err->phys != KHO_ERR_NO_ADDR)
		pos = append(buf, len, pos, "%sphys 0x%llx", sep(&first),
			     (unsigned long long)err->phys);
	if (err->level != KHO_ERR_NO_LEVEL)
		pos = append(buf, len, pos, "%slevel %d", sep(&first),
			     err->level);
	if (err->index != KHO_ERR_NO_INDEX)
		pos = append(buf, len, pos, "%sindex %ld", sep(&first),
			     err->index);
	if (!first)
		pos = append(buf, len, pos, ")");
	return pos;
}

/* What went wrong: the sentence, else the code's name. */
static const char *what_of(const struct kho_error *err)
{
	return err->what ? err->what :
			   strerror(err->code < 0 ? -err->code : err->code);
}

int kho_error_format(const struct kho_error *err, char *buf, size_t len)
{
	size_t pos;

	if (!err)
		return -1;
	if (len)
		buf[0] = '\0';
	if (!err->code && !err->what)
		return (int)append(buf, len, 0, "KHO handover accepted");
	/* A warning (struct kho_warnings: code 0) is its sentence and where. */
	pos = append(buf, len, 0, "%s%s",
		     err->code ? "KHO handover refused: " : "", what_of(err));
	return (int)append_where(err, buf, len, pos);
}

int kho_error_describe(const struct kho_error *err, char *buf, size_t len)
{
	if (!err)
		return -1;
	if (len)
		buf[0] = '\0';
	return (int)append_where(err, buf, len,
				 append(buf, len, 0, "%s", what_of(err)));
}
