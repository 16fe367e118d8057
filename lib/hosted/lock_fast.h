/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * lock_fast.h - the hosted lock when nobody waits, inline where it is hot.
 *
 * The lock is a futex word and a count of sleepers:
 *
 *   state    0 free, 1 held              taken with one cmpxchg
 *   waiters  threads in the slow path    read once by every release
 *
 * A release is a plain store of 0 and a plain load of @waiters, with no
 * fence between them, so the processor may do the load first. glibc's
 * mutex releases with a locked xchg to rule that out: otherwise a releaser
 * could read no waiter while a waiter, counted but not yet seeing the
 * store, goes to sleep on a lock nobody will hand it. Here the waiter pays
 * instead, once per wait: before it sleeps it runs membarrier(), which puts
 * a full barrier on every CPU running this process; a releaser then either
 * had its store visible before that barrier, or reads @waiters after it
 * and sees the count (lock_futex.c). That leaves one locked instruction
 * per lock and unlock, as a spinlock, for a lock whose waiters sleep.
 */
#ifndef KHO_LOCK_FAST_H
#define KHO_LOCK_FAST_H

#include <stdbool.h>

#include <kho/lock.h>

/* The slow paths, in lock_futex.c. */
void lock_futex_wait(struct kho_lock *lock);
void lock_futex_wake(struct kho_lock *lock);

/* Set when membarrier() cannot be used: every release fences instead. */
extern bool lock_futex_fence;

/* Take @lock if it is free: the one locked instruction. */
static inline bool lock_fast_try(struct kho_lock *lock)
{
	unsigned int free = 0;

	return __atomic_compare_exchange_n(&lock->state, &free, 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void lock_fast_acquire(struct kho_lock *lock)
{
	if (!lock_fast_try(lock))
		lock_futex_wait(lock);
}

static inline void lock_fast_release(struct kho_lock *lock)
{
	__atomic_store_n(&lock->state, 0, __ATOMIC_RELEASE);
	/* The compiler may not move the load above the store either. */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (__builtin_expect(
		    __atomic_load_n(&lock_futex_fence, __ATOMIC_RELAXED), 0))
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&lock->waiters, __ATOMIC_RELAXED))
		lock_futex_wake(lock);
}

#endif /* KHO_LOCK_FAST_H */
