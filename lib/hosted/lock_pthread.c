// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * lock_pthread.c - the hosted build's tree lock: a pthread mutex.
 * Freestanding users provide these four functions over their own lock.
 */
#include <pthread.h>

#include <kho/lock.h>

void kho_lock_init(struct kho_lock *lock)
{
	pthread_mutex_init(&lock->mutex, NULL);
}

void kho_lock_destroy(struct kho_lock *lock)
{
	pthread_mutex_destroy(&lock->mutex);
}

void kho_lock_acquire(struct kho_lock *lock)
{
	pthread_mutex_lock(&lock->mutex);
}

void kho_lock_release(struct kho_lock *lock)
{
	pthread_mutex_unlock(&lock->mutex);
}
