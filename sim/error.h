/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * sim/error.h - one sentence saying what went wrong and where.
 *
 * Every sim function that can fail returns a negative errno and, when the
 * caller passed a struct sim_error, fills it with the sentence the tool prints.
 */
#ifndef SIM_ERROR_H
#define SIM_ERROR_H

#include <stddef.h>

/*
 * Long enough for the longest sentence naming a machine directory twice
 * (DIR/machine.conf and DIR/ram.img, say) with the longest path it may have
 * (SIM_DIR_LEN, sim/machine.h, checks this at compile time) and room for
 * the words and numbers around them. A struct sim_error is 9 KiB: keep it
 * out of recursion and of structs copied by value.
 */
#define SIM_ERROR_LEN 9216

struct sim_error {
	char msg[SIM_ERROR_LEN];
};

/**
 * sim_fail() - record why a call failed
 * @e: filled in when not NULL
 * @code: negative errno to return
 * @fmt: printf format of one sentence, no full stop
 *
 * Return: @code, so callers can write "return sim_fail(e, -EINVAL, ...)".
 */
int sim_fail(struct sim_error *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* SIM_ERROR_H */
