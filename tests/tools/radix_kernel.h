/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * radix_kernel.h - the kernel's KHO radix tree (radix_kernel_glue.c) as
 * tests/tools/radix_kernel_driver.c sees it: no kernel type crosses.
 */
#ifndef TESTS_RADIX_KERNEL_H
#define TESTS_RADIX_KERNEL_H

#include <stdint.h>

struct kernel_tree;

/* Pages the kernel's allocator holds, and WARN_ON()s that fired. */
extern unsigned long kshim_live_pages;
extern unsigned long kshim_warnings;

/* The build's PAGE_SHIFT and the ABI header's constants for it. */
unsigned int kernel_page_shift(void);
unsigned int kernel_depth(void);
unsigned int kernel_table_log2(void);
unsigned int kernel_bitmap_log2(void);

/* kho_encode_radix_key() and kho_decode_radix_key(). */
uint64_t kernel_key(uint64_t phys, unsigned int order);
uint64_t kernel_decode(uint64_t key, unsigned int *order);

/* kho_radix_init_tree(): a new root when @root is 0, else that one. */
struct kernel_tree *kernel_tree_new(uint64_t root);
/* kho_radix_destroy_tree(), then the struct. */
void kernel_tree_free(struct kernel_tree *kt);
/* The struct only: the nodes belong to another tree. */
void kernel_tree_forget(struct kernel_tree *kt);
uint64_t kernel_root(struct kernel_tree *kt);

int kernel_add(struct kernel_tree *kt, uint64_t key);
void kernel_del(struct kernel_tree *kt, uint64_t key);
int kernel_walk(struct kernel_tree *kt, int (*leaf)(unsigned long, void *),
		int (*node)(uint64_t, void *), void *data);

/* The n-th page allocation from now fails, once (0 disarms). */
void kernel_fail_alloc_nth(unsigned long n);

#endif
