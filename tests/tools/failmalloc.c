// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * failmalloc.c - an LD_PRELOAD library that makes one allocation fail, for
 * tests of the tools' out-of-memory paths (tests/test_oom.sh).
 *
 *   KHO_FAIL_ALLOC=N      the Nth call to malloc, calloc, realloc,
 *                         aligned_alloc, posix_memalign or memalign (counted
 *                         from 1, libraries included) returns NULL / ENOMEM
 *   KHO_COUNT_ALLOC=FILE  at exit, write the number of calls to FILE
 *
 * Every other call goes to glibc's own allocator (__libc_*). Plain builds
 * only: ASan replaces the allocator itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);

static unsigned long calls, fail_at;
static int configured;

/* Does this call fail? Reads the environment on the first call. */
static int fail_now(void)
{
	if (!configured) {
		const char *s = getenv("KHO_FAIL_ALLOC");

		fail_at = s ? strtoul(s, NULL, 10) : 0;
		configured = 1;
	}
	if (++calls != fail_at)
		return 0;
	errno = ENOMEM;
	return 1;
}

void *malloc(size_t size)
{
	return fail_now() ? NULL : __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	return fail_now() ? NULL : __libc_realloc(p, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	return fail_now() ? NULL : __libc_memalign(align, size);
}

void *memalign(size_t align, size_t size)
{
	return fail_now() ? NULL : __libc_memalign(align, size);
}

int posix_memalign(void **p, size_t align, size_t size)
{
	if (fail_now())
		return ENOMEM;
	*p = __libc_memalign(align, size);
	return *p ? 0 : ENOMEM;
}

__attribute__((destructor)) static void count_calls(void)
{
	const char *path = getenv("KHO_COUNT_ALLOC");
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%lu\n", calls);
		fclose(f);
	}
}
