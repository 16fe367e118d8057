// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_lock.c - the hosted lock (lib/hosted/lock_futex.c) excludes and
 * wakes: threads add to a plain counter under it, some holding it long
 * enough that the others go to sleep, and the counter must come out exact,
 * the lock free with nobody counted as waiting, and nothing may hang. Run
 * with membarrier() and with the fence every release takes without it.
 * The Makefile also builds this test with ThreadSanitizer.
 */
#include <linux/membarrier.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <kho/lock.h>

/* lib/hosted/lock_fast.h: set when releases fence instead of waiters. */
extern bool lock_futex_fence;

#define NR_THREADS 4
#ifdef __SANITIZE_THREAD__
#define NR_ROUNDS 20000
#else
#define NR_ROUNDS 200000
#endif
/* One round in this many holds the lock for a while: others sleep. */
#define LONG_EVERY 4096

struct shared {
	struct kho_lock lock;
	uint64_t counter; /* plain: only the lock protects it */
	uint64_t long_holds;
};

static void *worker(void *arg)
{
	struct shared *sh = arg;
	const struct timespec pause = { .tv_nsec = 20000 };

	for (unsigned int i = 0; i < NR_ROUNDS; i++) {
		kho_lock_acquire(&sh->lock);
		sh->counter++;
		if (i % LONG_EVERY == 0) {
			sh->long_holds++;
			nanosleep(&pause, NULL);
		}
		kho_lock_release(&sh->lock);
	}
	return NULL;
}

static void run(bool fence)
{
	bool saved = lock_futex_fence;
	pthread_t t[NR_THREADS];
	struct shared sh = { 0 };

	kho_lock_init(&sh.lock);
	if (fence)
		lock_futex_fence = true;
	for (int i = 0; i < NR_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, &sh), 0);
	for (int i = 0; i < NR_THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	lock_futex_fence = saved;
	assert_int_equal(sh.counter, (uint64_t)NR_THREADS * NR_ROUNDS);
	assert_int_equal(sh.long_holds,
			 NR_THREADS *
				 ((NR_ROUNDS + LONG_EVERY - 1) / LONG_EVERY));
	assert_int_equal(sh.lock.state, 0);
	assert_int_equal(sh.lock.waiters, 0);
	kho_lock_destroy(&sh.lock);
}

/*
 * Where the kernel offers membarrier(), the lock must use it rather than
 * fence every release. (Whether a releaser could miss a sleeper without
 * it depends on the processor reordering a store and a load in a window of
 * a few cycles: no test provokes that; lock_fast.h has the argument.)
 */
static void test_membarrier(void **state)
{
	long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	struct kho_lock lock;

	kho_lock_init(&lock);
	if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		assert_false(lock_futex_fence);
	kho_lock_destroy(&lock);
	run(false);
}

static void test_fence(void **state)
{
	run(true);
}

/* The layout of every structure that embeds the lock is unchanged. */
static void test_layout(void **state)
{
	assert_int_equal(sizeof(struct kho_lock), sizeof(pthread_mutex_t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_membarrier),
		cmocka_unit_test(test_fence),
		cmocka_unit_test(test_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
