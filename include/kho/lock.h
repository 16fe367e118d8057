/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/lock.h - the one seam between the library and its environment's lock.
 *
 * Hosted builds use a futex lock whose waiters sleep and whose uncontended
 * lock and unlock take one locked instruction between them
 * (lib/hosted/lock_futex.c). A freestanding user (boot loader, hypervisor,
 * kernel) builds lib/ with -DKHO_FREESTANDING and supplies the four
 * functions below over its own lock, stored in @opaque.
 */
#ifndef KHO_LOCK_H
#define KHO_LOCK_H

#ifndef KHO_FREESTANDING
#include <pthread.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifdef KHO_FREESTANDING
struct kho_lock {
#ifdef __cplusplus
	alignas(16) unsigned char opaque[64];
#else
	_Alignas(16) unsigned char opaque[64];
#endif
};
#else
/*
 * @state: 0 free, 1 held (a futex word); @waiters: threads asleep or about
 * to sleep on it. The space is that of the pthread_mutex_t it held before,
 * so that the structures embedding it keep their layout. (Anonymous members
 * are C11; __extension__ lets ISO C++ have them too, a struct in a union.)
 */
struct kho_lock {
	__extension__ union {
		struct {
			unsigned int state;
			unsigned int waiters;
		};
		pthread_mutex_t layout;
	};
};
#endif

/* Each returns nothing: a lock that cannot be taken is the environment's bug. */
void kho_lock_init(struct kho_lock *lock);
void kho_lock_destroy(struct kho_lock *lock);
void kho_lock_acquire(struct kho_lock *lock);
void kho_lock_release(struct kho_lock *lock);

#ifdef __cplusplus
}
#endif

#endif /* KHO_LOCK_H */
