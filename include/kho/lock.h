/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/lock.h - the one seam between the library and its environment's lock.
 *
 * Hosted builds use a pthread mutex (lib/hosted/lock_pthread.c). A
 * freestanding user (boot loader, hypervisor, kernel) builds lib/ with
 * -DKHO_FREESTANDING and supplies the four functions below over its own lock,
 * stored in @opaque.
 */
#ifndef KHO_LOCK_H
#define KHO_LOCK_H

#ifdef KHO_FREESTANDING
struct kho_lock {
	_Alignas(16) unsigned char opaque[64];
};
#else
#include <pthread.h>
struct kho_lock {
	pthread_mutex_t mutex;
};
#endif

/* Each returns nothing: a lock that cannot be taken is the environment's bug. */
void kho_lock_init(struct kho_lock *lock);
void kho_lock_destroy(struct kho_lock *lock);
void kho_lock_acquire(struct kho_lock *lock);
void kho_lock_release(struct kho_lock *lock);

#endif /* KHO_LOCK_H */
