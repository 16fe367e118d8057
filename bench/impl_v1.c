// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bench/impl_v1.c - baseline: the kho-v1 design (Linux 6.16 to 6.19).
 *
 * What it models: kernel A tracks preserved blocks per order in sparse maps,
 * as the kernel does with xarrays (kernel/kexec_handover.c in 6.16 and
 * later, __kho_preserve_order()): one map from order to the order's record,
 * and in each record one map from a bitmap index to a page-sized bitmap
 * (PAGE_SIZE * 8 blocks of that order each, as later kernels sized them;
 * 6.16 used 512 bytes). Bitmaps are never freed by a delete. At kexec, a
 * finalize step serializes the maps into a linked list of one-page
 * struct khoser_mem_chunk (abi.h): per order, ascending bitmap index, one
 * (phys_start, bitmap address) element each. Kernel B walks the chunk list
 * and every bitmap's set bits, coalescing adjacent blocks of an order into
 * runs before reserving them. The walk timed here is finalize + chunk walk:
 * v1 pays at kexec for what v2 keeps up to date in place.
 *
 * An add is what the kernel's is: two xa_load() lookups, the order's record
 * then its bitmap, and one atomic bit set.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <kho/abi.h>

#include "bench.h"

#define V1_BITS_LOG2 (BENCH_PAGE_SHIFT + 3) /* blocks per bitmap, log2 */
#define V1_BITMAP_WORDS ((1UL << V1_BITS_LOG2) / 64)
#define V1_ORDERS 53
#define V1_PER_CHUNK KHOSER_BITMAPS_PER_CHUNK_OF(BENCH_PAGE_SHIFT)

/*
 * The xarray as a lookup sees it (include/linux/xarray.h, lib/xarray.c in
 * 7.3.4): nodes of 64 slots, each node knowing the shift of its index bits;
 * the head is the entry itself while index 0 is the only one used, else a
 * node. A node is told from an entry by a tag in the pointer's low bits.
 *
 *   head -> [node, shift 6] -slot (i >> 6) & 63-> [node, shift 0]
 *                                                   -slot i & 63-> bitmap
 */
#define XA_CHUNK_SHIFT 6
#define XA_CHUNK_SIZE (1UL << XA_CHUNK_SHIFT)
#define XA_NODE_TAG 2UL
#define XA_TAG_MASK 3UL

struct xa_node {
	unsigned int shift;
	void *slots[XA_CHUNK_SIZE];
};

struct xa {
	void *head;
	uint64_t nr_nodes;
};

static bool xa_is_node(const void *entry)
{
	return ((uintptr_t)entry & XA_TAG_MASK) == XA_NODE_TAG;
}

static struct xa_node *xa_to_node(const void *entry)
{
	return (struct xa_node *)((uintptr_t)entry - XA_NODE_TAG);
}

static void *xa_mk_node(struct xa_node *node)
{
	return (void *)((uintptr_t)node | XA_NODE_TAG);
}

static void *xa_read(void *const *slot)
{
	return __atomic_load_n(slot, __ATOMIC_CONSUME);
}

/* The slot of @node that @index goes through. */
static unsigned int xa_offset(uint64_t index, const struct xa_node *node)
{
	return (index >> node->shift) & (XA_CHUNK_SIZE - 1);
}

/*
 * rcu_read_lock() and rcu_read_unlock() of a PREEMPT_RCU kernel (Debian's
 * and the harness's configs): out-of-line calls that count the task's
 * nesting, and on the way out test whether the task owes RCU anything.
 */
static __thread int rcu_nesting;
static __thread int rcu_special;

static __attribute__((noinline)) void rcu_lock(void)
{
	rcu_nesting++;
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void rcu_unlock(void)
{
	__asm__ volatile("" ::: "memory");
	if (!--rcu_nesting && __atomic_load_n(&rcu_special, __ATOMIC_RELAXED))
		bench_die("kho-v1: the model never sets rcu_special");
}

/* xa_load(): the entry at @index or NULL, an out-of-line call as exported. */
static __attribute__((noinline)) void *xa_load(const struct xa *xa,
					       uint64_t index)
{
	struct xa_node *node;
	void *entry;

	rcu_lock();
	entry = xa_read(&xa->head);
	if (!xa_is_node(entry)) {
		if (index)
			entry = NULL;
		goto out;
	}
	node = xa_to_node(entry);
	if ((index >> node->shift) >= XA_CHUNK_SIZE) {
		entry = NULL;
		goto out;
	}
	for (;;) {
		entry = xa_read(&node->slots[xa_offset(index, node)]);
		if (!node->shift || !xa_is_node(entry))
			break;
		node = xa_to_node(entry);
	}
out:
	rcu_unlock();
	return entry;
}

static struct xa_node *xa_node_new(struct xa *xa, unsigned int shift)
{
	struct xa_node *node = calloc(1, sizeof(*node));

	if (!node)
		bench_die("kho-v1: no memory");
	node->shift = shift;
	xa->nr_nodes++;
	return node;
}

/*
 * Store @entry at a free @index (the kernel's xa_cmpxchg() from NULL, under
 * the xarray's lock; once per bitmap, off the common path): grow the head
 * until it spans @index, then make the nodes down to it.
 */
static void xa_store_new(struct xa *xa, uint64_t index, void *entry)
{
	void *head = xa->head;
	struct xa_node *node, *child;
	void **slot;

	if (!head && !index) {
		__atomic_store_n(&xa->head, entry, __ATOMIC_RELEASE);
		return;
	}
	if (!head) {
		unsigned int shift = 0;

		while (index >> shift >= XA_CHUNK_SIZE)
			shift += XA_CHUNK_SHIFT;
		head = xa_mk_node(xa_node_new(xa, shift));
	}
	while (!xa_is_node(head) ||
	       index >> xa_to_node(head)->shift >= XA_CHUNK_SIZE) {
		node = xa_node_new(xa, xa_is_node(head) ?
					       xa_to_node(head)->shift +
						       XA_CHUNK_SHIFT :
					       0);
		node->slots[0] = head;
		head = xa_mk_node(node);
	}
	__atomic_store_n(&xa->head, head, __ATOMIC_RELEASE);
	for (node = xa_to_node(head); node->shift; node = xa_to_node(*slot)) {
		slot = &node->slots[xa_offset(index, node)];
		if (*slot)
			continue;
		child = xa_node_new(xa, node->shift - XA_CHUNK_SHIFT);
		__atomic_store_n(slot, xa_mk_node(child), __ATOMIC_RELEASE);
	}
	__atomic_store_n(&node->slots[xa_offset(index, node)], entry,
			 __ATOMIC_RELEASE);
}

/* xa_for_each(): @fn on every entry, ascending index. */
static void xa_visit(const void *entry, uint64_t base,
		     void (*fn)(uint64_t index, void *entry, void *arg),
		     void *arg)
{
	const struct xa_node *node;

	if (!entry)
		return;
	if (!xa_is_node(entry)) {
		fn(base, (void *)entry, arg);
		return;
	}
	node = xa_to_node(entry);
	for (uint64_t i = 0; i < XA_CHUNK_SIZE; i++)
		xa_visit(node->slots[i], base + (i << node->shift), fn, arg);
}

static void xa_free_nodes(void *entry)
{
	struct xa_node *node;

	if (!xa_is_node(entry))
		return;
	node = xa_to_node(entry);
	for (unsigned int i = 0; i < XA_CHUNK_SIZE; i++)
		xa_free_nodes(node->slots[i]);
	free(node);
}

/* An order's record: the kernel's struct kho_mem_phys. */
struct v1_order {
	struct xa phys_bits;
};

struct v1 {
	struct arena arena;
	struct xa orders; /* order -> struct v1_order */
	struct khoser_mem_chunk *first; /* chunk list of the last finalize */
	uint64_t nr_chunks;
	uint64_t nr_bitmaps;
	uint64_t nr_orders;
};

/*
 * kho-v1 set and cleared a block's bit with the kernel's atomic set_bit()
 * and clear_bit() (kernel/kexec_handover.c:161 and :137 in Linux 6.16,
 * torvalds/linux 00c010e130e5): preservers ran concurrently, with no lock
 * around the bitmap. On x86 both are one locked instruction
 * (arch/x86/include/asm/bitops.h:60 and :79 in 7.3.4); so are these. That
 * one atomic per add is kho-v1's price for the guarantee libkho pays with
 * its tree lock.
 */
static void v1_set_bit(uint64_t *bitmap, uint64_t bit)
{
	__atomic_fetch_or(&bitmap[bit / 64], 1ULL << (bit % 64),
			  __ATOMIC_RELAXED);
}

static void v1_clear_bit(uint64_t *bitmap, uint64_t bit)
{
	__atomic_fetch_and(&bitmap[bit / 64], ~(1ULL << (bit % 64)),
			   __ATOMIC_RELAXED);
}

static void *v1_create(void)
{
	struct v1 *v = calloc(1, sizeof(*v));

	if (!v || arena_init(&v->arena, 1UL << 30))
		bench_die("kho-v1: no memory");
	return v;
}

static int v1_add(void *s, uint64_t pfn, unsigned int order)
{
	struct v1 *v = s;
	uint64_t idx = pfn >> order;
	struct v1_order *o = xa_load(&v->orders, order);
	uint64_t *bitmap;

	if (!o) {
		o = calloc(1, sizeof(*o));
		if (!o)
			return -ENOMEM;
		xa_store_new(&v->orders, order, o);
		v->nr_orders++;
	}
	bitmap = xa_load(&o->phys_bits, idx >> V1_BITS_LOG2);
	if (!bitmap) {
		bitmap = arena_alloc_page(&v->arena);
		if (!bitmap)
			return -ENOMEM;
		xa_store_new(&o->phys_bits, idx >> V1_BITS_LOG2, bitmap);
		v->nr_bitmaps++;
	}
	v1_set_bit(bitmap, idx & ((1UL << V1_BITS_LOG2) - 1));
	return 0;
}

static int v1_del(void *s, uint64_t pfn, unsigned int order)
{
	struct v1 *v = s;
	uint64_t idx = pfn >> order;
	struct v1_order *o = xa_load(&v->orders, order);
	uint64_t *bitmap =
		o ? xa_load(&o->phys_bits, idx >> V1_BITS_LOG2) : NULL;

	if (!bitmap)
		return -ENOENT;
	v1_clear_bit(bitmap, idx & ((1UL << V1_BITS_LOG2) - 1));
	return 0;
}

static void v1_free_chunks(struct v1 *v)
{
	struct khoser_mem_chunk *c = v->first;

	while (c) {
		struct khoser_mem_chunk *next =
			arena_phys_to_virt(&v->arena, c->hdr.next);

		arena_free_page(&v->arena, c);
		c = next;
	}
	v->first = NULL;
	v->nr_chunks = 0;
}

struct v1_serialize {
	struct v1 *v;
	unsigned int order;
	struct khoser_mem_chunk *chunk; /* of this order, being filled */
	struct khoser_mem_chunk *last; /* of the list */
};

/* One bitmap into the chunk list, a new chunk when there is no room. */
static void v1_put_bitmap(uint64_t index, void *bitmap, void *arg)
{
	struct v1_serialize *z = arg;
	struct v1 *v = z->v;
	struct khoser_mem_bitmap_ptr *e;

	if (!z->chunk || z->chunk->hdr.num_elms == V1_PER_CHUNK) {
		z->chunk = arena_alloc_page(&v->arena);
		if (!z->chunk)
			bench_die("kho-v1: arena full");
		z->chunk->hdr.order = z->order;
		if (z->last)
			z->last->hdr.next =
				arena_virt_to_phys(&v->arena, z->chunk);
		else
			v->first = z->chunk;
		z->last = z->chunk;
		v->nr_chunks++;
	}
	e = &z->chunk->bitmaps[z->chunk->hdr.num_elms++];
	e->phys_start = (index << V1_BITS_LOG2)
			<< (z->order + BENCH_PAGE_SHIFT);
	e->bitmap = arena_virt_to_phys(&v->arena, bitmap);
}

static void v1_put_order(uint64_t order, void *entry, void *arg)
{
	struct v1_serialize *z = arg;
	struct v1_order *o = entry;

	z->order = order;
	z->chunk = NULL;
	xa_visit(o->phys_bits.head, 0, v1_put_bitmap, z);
}

/*
 * kho-v1 finalize: serialize every order's bitmaps into a chunk list, as
 * the kernel's kho_mem_serialize() does with two nested xa_for_each().
 */
static int v1_finalize(struct v1 *v)
{
	struct v1_serialize z = { .v = v };

	v1_free_chunks(v);
	xa_visit(v->orders.head, 0, v1_put_order, &z);
	return 0;
}

static int v1_walk(void *s, struct range_array *out)
{
	struct v1 *v = s;
	const struct khoser_mem_chunk *c;
	struct coalescer co;

	v1_finalize(v);
	coalesce_init(&co, out);
	for (c = v->first; c; c = arena_phys_to_virt(&v->arena, c->hdr.next)) {
		unsigned int shift = BENCH_PAGE_SHIFT + c->hdr.order;

		for (uint32_t e = 0; e < c->hdr.num_elms; e++) {
			const uint64_t *bm = arena_phys_to_virt(
				&v->arena, c->bitmaps[e].bitmap);
			uint64_t base = c->bitmaps[e].phys_start;

			for (unsigned long w = 0; w < V1_BITMAP_WORDS; w++) {
				uint64_t word = bm[w];

				while (word) {
					uint64_t bit =
						w * 64 + __builtin_ctzll(word);
					uint64_t start = base + (bit << shift);

					coalesce_add(&co, start,
						     start + (1ULL << shift));
					word &= word - 1;
				}
			}
		}
	}
	coalesce_flush(&co);
	return 0;
}

static uint64_t v1_nodes(void *s)
{
	struct v1 *v = s;

	return v->nr_bitmaps + v->nr_chunks;
}

static void v1_order_nodes(uint64_t order, void *entry, void *arg)
{
	uint64_t *nodes = arg;

	*nodes += ((struct v1_order *)entry)->phys_bits.nr_nodes;
}

/* Bitmaps and chunks, the xarrays' nodes and the orders' records. */
static uint64_t v1_memory(void *s)
{
	struct v1 *v = s;
	uint64_t nodes = v->orders.nr_nodes;

	xa_visit(v->orders.head, 0, v1_order_nodes, &nodes);
	return v1_nodes(s) * BENCH_PAGE_SIZE + nodes * sizeof(struct xa_node) +
	       v->nr_orders * sizeof(struct v1_order);
}

static void v1_free_order(uint64_t order, void *entry, void *arg)
{
	struct v1_order *o = entry;

	xa_free_nodes(o->phys_bits.head);
	free(o);
}

static void v1_destroy(void *s)
{
	struct v1 *v = s;

	xa_visit(v->orders.head, 0, v1_free_order, NULL);
	xa_free_nodes(v->orders.head);
	arena_destroy(&v->arena);
	free(v);
}

const struct bench_impl impl_v1 = {
	.name = "kho-v1",
	.create = v1_create,
	.add = v1_add,
	.del = v1_del,
	.walk = v1_walk,
	.memory = v1_memory,
	.nodes = v1_nodes,
	.destroy = v1_destroy,
};
