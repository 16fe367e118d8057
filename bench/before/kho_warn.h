/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho_warn.h - impossible arguments are loud, and still return an error.
 */
#ifndef KHO_WARN_H
#define KHO_WARN_H

#include <stdbool.h>

#include <kho/radix.h>

/* Report an impossible argument through kho_warn_hook; evaluates to @cond. */
#define KHO_WARN_ON(cond)                                                  \
	({                                                                 \
		bool __c = (cond);                                         \
		if (__c && kho_warn_hook)                                  \
			kho_warn_hook(__FILE__, __LINE__, #cond);          \
		__c;                                                       \
	})

#endif /* KHO_WARN_H */
