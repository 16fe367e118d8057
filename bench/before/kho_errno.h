/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho_errno.h - the Linux errno values the library returns, negated.
 * Freestanding builds have no <errno.h>; the values are Linux's on every
 * architecture libkho supports, so hosted callers can compare with errno.h.
 */
#ifndef KHO_ERRNO_H
#define KHO_ERRNO_H

#ifndef EPERM
#define EPERM 1
#endif
#ifndef ENOENT
#define ENOENT 2
#endif
#ifndef EIO
#define EIO 5
#endif
#ifndef ENOMEM
#define ENOMEM 12
#endif
#ifndef EFAULT
#define EFAULT 14
#endif
#ifndef EBUSY
#define EBUSY 16
#endif
#ifndef EEXIST
#define EEXIST 17
#endif
#ifndef EINVAL
#define EINVAL 22
#endif
#ifndef ENOSPC
#define ENOSPC 28
#endif
#ifndef ERANGE
#define ERANGE 34
#endif
#ifndef ELOOP
#define ELOOP 40
#endif
#ifndef EBADMSG
#define EBADMSG 74
#endif
#ifndef EOVERFLOW
#define EOVERFLOW 75
#endif

#endif /* KHO_ERRNO_H */
