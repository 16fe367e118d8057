// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * radix_kernel_glue.c - the kernel's own KHO radix tree, compiled in user
 * space, behind a small API for tests/tools/radix_kernel_driver.c.
 *
 * tests/test_radix_kernel.sh cuts the tree's code out of an unpacked
 * kernel source (kernel/liveupdate/kexec_handover.c, kho_encode_radix_key()
 * to kho_radix_walk_tree()) into kernel_radix.inc, writes stand-ins for the
 * few kernel headers it needs, and builds this file once per page size
 * (-DPAGE_SHIFT=12, 14, 16), with the kernel's exported names renamed
 * (-Dkho_radix_add_key=kernel_radix_add_key, ...) so that they do not meet
 * libkho's. Nothing of the kernel is kept in this repository.
 *
 *   kernel_radix.inc  the kernel's functions, as released
 *   kshim.h           types, bit helpers, WARN_ON counted, the page
 *                     allocator: aligned_alloc(), physical == virtual,
 *                     its n-th allocation failing on request
 *   this file         kernel_*(): what the driver calls
 */
#include "kshim.h"

#include <linux/kho_radix_tree.h>
#include <linux/kho/abi/kexec_handover.h>

#include "kernel_radix.inc"

#include "radix_kernel.h"

unsigned long kshim_warnings;
unsigned long kshim_live_pages;
static unsigned long fail_nth;

unsigned long kshim_get_zeroed_page(void)
{
	void *p;

	if (fail_nth && !--fail_nth)
		return 0;
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!p)
		abort();
	memset(p, 0, PAGE_SIZE);
	kshim_live_pages++;
	return (unsigned long)p;
}

void kshim_free_page(unsigned long addr)
{
	free((void *)addr);
	kshim_live_pages--;
}

unsigned int kernel_page_shift(void)
{
	return PAGE_SHIFT;
}

unsigned int kernel_depth(void)
{
	return KHO_TREE_MAX_DEPTH;
}

unsigned int kernel_table_log2(void)
{
	return KHO_TABLE_SIZE_LOG2;
}

unsigned int kernel_bitmap_log2(void)
{
	return KHO_BITMAP_SIZE_LOG2;
}

uint64_t kernel_key(uint64_t phys, unsigned int order)
{
	return kho_encode_radix_key(phys, order);
}

uint64_t kernel_decode(uint64_t key, unsigned int *order)
{
	return kho_decode_radix_key(key, order);
}

struct kernel_tree *kernel_tree_new(uint64_t root)
{
	struct kho_radix_tree *t = calloc(1, sizeof(*t));

	if (!t || kho_radix_init_tree(t, (struct kho_radix_node *)root))
		abort();
	return (struct kernel_tree *)t;
}

/* Forget a tree whose nodes are someone else's (attached). */
void kernel_tree_forget(struct kernel_tree *kt)
{
	free(kt);
}

void kernel_tree_free(struct kernel_tree *kt)
{
	kho_radix_destroy_tree((struct kho_radix_tree *)kt);
	free(kt);
}

uint64_t kernel_root(struct kernel_tree *kt)
{
	return (uint64_t)(uintptr_t)((struct kho_radix_tree *)kt)->root;
}

int kernel_add(struct kernel_tree *kt, uint64_t key)
{
	return kho_radix_add_key((struct kho_radix_tree *)kt, key);
}

void kernel_del(struct kernel_tree *kt, uint64_t key)
{
	kho_radix_del_key((struct kho_radix_tree *)kt, key);
}

int kernel_walk(struct kernel_tree *kt, int (*leaf)(unsigned long, void *),
		int (*node)(uint64_t, void *), void *data)
{
	struct kho_radix_walk_cb cb = { .leaf = leaf, .node = node };

	return kho_radix_walk_tree((struct kho_radix_tree *)kt, &cb, data);
}

void kernel_fail_alloc_nth(unsigned long n)
{
	fail_nth = n;
}
