// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * lock_futex.c - the hosted build's lock: one locked instruction to take
 * it, none to drop it when nobody waits (lock_fast.h says why that is
 * safe). A waiter spins a little, as a holder's add or delete takes tens
 * of nanoseconds, then counts itself, runs membarrier() and sleeps on the
 * futex word. Where membarrier() is refused (kernels before 4.14, a
 * seccomp filter, valgrind), every release takes a full fence instead and
 * the lock is as correct, one fence slower.
 *
 * Linux only (futex, membarrier), as the rest of the hosted build.
 * Freestanding users provide the four functions of <kho/lock.h> over their
 * own lock instead of this file.
 */
#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <kho/lock.h>

#include "lock_fast.h"

/*
 * Looks at a held lock before sleeping. With x86's pause at tens of
 * nanoseconds, a few microseconds: hundreds of adds by the holder, far less
 * than a sleep and a wake-up cost.
 */
#define LOCK_SPINS 128

bool lock_futex_fence;

/*
 * Register for membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), once per
 * process, before the first lock is used; fence every release without it.
 */
static void lock_barrier_setup(void)
{
	static bool done;

	if (__atomic_load_n(&done, __ATOMIC_ACQUIRE))
		return;
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
		    0, 0))
		__atomic_store_n(&lock_futex_fence, true, __ATOMIC_RELAXED);
	__atomic_store_n(&done, true, __ATOMIC_RELEASE);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

void lock_futex_wait(struct kho_lock *lock)
{
	/* Bounded sleeps, only if the barrier failed after registering. */
	static const struct timespec tick = { .tv_nsec = 1000000 };
	const struct timespec *timeout = NULL;
	unsigned int i;

	for (i = 0; i < LOCK_SPINS; i++) {
		if (!__atomic_load_n(&lock->state, __ATOMIC_RELAXED) &&
		    lock_fast_try(lock))
			return;
		cpu_relax();
	}
	__atomic_fetch_add(&lock->waiters, 1, __ATOMIC_SEQ_CST);
	/*
	 * From here every release either reads the count or is visible to
	 * the next try: see lock_fast.h. A barrier that fails (it should not
	 * once registered) leaves that unproven, so sleeps are then bounded.
	 */
	if (!__atomic_load_n(&lock_futex_fence, __ATOMIC_RELAXED) &&
	    syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0))
		timeout = &tick;
	while (!lock_fast_try(lock))
		syscall(SYS_futex, &lock->state, FUTEX_WAIT_PRIVATE, 1, timeout,
			NULL, 0);
	__atomic_fetch_sub(&lock->waiters, 1, __ATOMIC_RELAXED);
}

void lock_futex_wake(struct kho_lock *lock)
{
	syscall(SYS_futex, &lock->state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

void kho_lock_init(struct kho_lock *lock)
{
	lock_barrier_setup();
	__atomic_store_n(&lock->state, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&lock->waiters, 0, __ATOMIC_RELAXED);
}

void kho_lock_destroy(struct kho_lock *lock)
{
}

void kho_lock_acquire(struct kho_lock *lock)
{
	lock_fast_acquire(lock);
}

void kho_lock_release(struct kho_lock *lock)
{
	lock_fast_release(lock);
}
