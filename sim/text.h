/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * sim/text.h - strings read from memory, made safe to print.
 *
 * Names, compatibles and session names in a handover are bytes another
 * kernel wrote: kho boot, its clients and kho inspect all show them through
 * sim_clean_str(), so no terminal escape and no invalid UTF-8 is printed.
 */
#ifndef SIM_TEXT_H
#define SIM_TEXT_H

#include <stddef.h>

/*
 * A string read from memory, as shown: 4 characters per byte at most
 * (sim_clean_str() writes \xHH), "..." when cut, and the NUL.
 */
#define SIM_SHOWN_LEN(bytes) (4 * (bytes) + 4)

/**
 * sim_clean_str() - a string read from memory, made safe to show
 * @dst: where to write, NUL-terminated
 * @len: its size (SIM_SHOWN_LEN() of @srclen shows any string whole)
 * @src: the bytes, up to a NUL or @srclen; NULL reads as ""
 * @srclen: at most this many
 *
 * Printable ASCII is kept; every other byte (control characters, bytes of
 * UTF-8 or any other encoding) and the backslash are written as \xHH, so
 * a report prints no terminal escape and JSON stays valid UTF-8. What
 * does not fit ends in "...".
 */
void sim_clean_str(char *dst, size_t len, const char *src, size_t srclen);

#endif /* SIM_TEXT_H */
