/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * clients/client.h - subsystems that preserve state across a kexec, the way
 * kernel users of KHO do, on the simulated machine.
 *
 *   client          subtree          blob                     memory
 *   kexec-metadata  kexec-metadata   struct kho_kexec_metadata  -
 *   memblock        memblock         FDT "memblock-v1"          reserve_mem
 *                                    + "reserve-mem-v1" nodes   regions
 *   memfd           LUO (kho-v4)     struct luo_ser -> session  folios, and a
 *                                    and file block chains ->   vmalloc'ed
 *                                    memfd-v2 blobs             folio array
 *                   memfd (v2, v3)   FDT "memfd-v1" -> struct   (both)
 *                                    kho_memfd_ser
 *   guest           guest            FDT "guest-memory-v1"      2 MiB and
 *                                                               1 GiB folios
 *   kho-test        kho_test         FDT "kho-test-v1"          random folios
 *                                    (lib/test_kho.c's)         and their
 *                                                               csum_partial
 *
 * Each fills its memory with random data and keeps an XXH3-64 hash of it in
 * its blob; the next boot restores every block through libkho and checks the
 * hashes. Properties named "xxh3" are the simulator's own: a kernel reading
 * the same blob ignores them.
 */
#ifndef CLIENTS_CLIENT_H
#define CLIENTS_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <kho/block.h>
#include <kho/view.h>

#include "../sim/boot.h"
#include "../sim/text.h"

#define CLIENT_HASH_PROP "xxh3"
/* A client's report line: room for names from memory, shown escaped. */
#define CLIENT_MSG_LEN 1024

struct kho_client;

/**
 * struct client_state - one client in one boot
 * @cl: the client
 * @requested: asked to preserve (--preserve)
 * @size: bytes to preserve
 * @found: its subtree was in the handover
 * @restore_ret: 0 when everything came back intact, else a negative errno
 * @restored_bytes: bytes restored and checked
 * @preserved_bytes: bytes preserved for the next boot
 * @restore_ns: time restoring and checking
 * @msg: what happened, one line
 * @priv: the client's, between early() and preserve()
 */
struct client_state {
	const struct kho_client *cl;
	bool requested;
	uint64_t size;
	bool found;
	int restore_ret;
	uint64_t restored_bytes;
	uint64_t preserved_bytes;
	uint64_t restore_ns;
	char msg[CLIENT_MSG_LEN];
	void *priv;
};

/**
 * struct kho_client - a subsystem
 * @name: its name on the command line and, unless @subtree or @subtree_of
 *	says otherwise, the name of the subtree it restores
 * @subtree: the subtree's name when it is not @name, or NULL (kho-test:
 *	lib/test_kho.c:322 looks up "kho_test", never "kho-test")
 * @subtree_of: the subtree's name in a handover of version @abi, when it
 *	depends on the version (memfd: "LUO" on kho-v4, "memfd" before), or
 *	NULL
 * @summary: one line for help and the man page
 * @default_size: bytes preserved when --preserve gives no size
 * @fixed_size: the client preserves @default_size bytes, never another
 *	size, and --preserve refuses one
 * @needs_order0: whether preserving @size bytes (--preserve's, or
 *	@default_size) on pages of @page_size bytes makes the client preserve
 *	an order-0 page, which kho-v2's 16 KiB-page tree cannot hold
 *	(kho_geometry_truncates_order0()); NULL when it never does
 * @early: memblock time (before the page allocator); may be NULL
 * @restore: take back and check what the blob at @blob_phys describes
 * @preserve: preserve fresh data and add the subtree
 */
struct kho_client {
	const char *name;
	const char *subtree;
	const char *(*subtree_of)(const struct kho_abi_version *abi);
	const char *summary;
	uint64_t default_size;
	bool fixed_size;
	bool (*needs_order0)(uint64_t size, uint64_t page_size);
	int (*early)(struct sim_boot *b, struct client_state *st,
		     struct sim_error *e);
	int (*restore)(struct sim_boot *b, struct client_state *st,
		       uint64_t blob_phys, struct sim_error *e);
	int (*preserve)(struct sim_boot *b, struct client_state *st,
			struct sim_error *e);
};

extern const struct kho_client client_kexec_metadata;
extern const struct kho_client client_memblock;
extern const struct kho_client client_memfd;
extern const struct kho_client client_guest;
extern const struct kho_client client_kho_test;

/* Every client, NULL-terminated. */
extern const struct kho_client *const kho_clients[];

/*
 * The client called @name on the command line, or whose fixed @subtree
 * is @name ("kho_test"), or NULL.
 */
const struct kho_client *client_find(const char *name);

/**
 * client_subtree() - the name of @cl's subtree in a handover of @abi
 * @cl: client
 * @abi: the handover's version (may be NULL: no handover)
 *
 * The one name the kernel of that version looks up for the subsystem.
 * Return: the name.
 */
const char *client_subtree(const struct kho_client *cl,
			   const struct kho_abi_version *abi);

/**
 * client_for_subtree() - the client a child of the root FDT belongs to
 * @name: the child's name
 * @abi: the handover's version
 *
 * By client_subtree() only, so that a child named after a client, or
 * after what the subsystem was called in another version, is nobody's.
 *
 * Return: the client, or NULL.
 */
const struct kho_client *client_for_subtree(const char *name,
					    const struct kho_abi_version *abi);

/* ---- helpers ------------------------------------------------------------ */

/* Fill @len bytes with pseudo-random data (a fresh seed per boot). */
void client_fill_random(void *buf, uint64_t len);

/* A pseudo-random number from the same generator. */
uint64_t client_random(void);

/* XXH3-64 of @len bytes. */
uint64_t client_hash(const void *buf, uint64_t len);

/**
 * client_view() - kernel B's view of the handover, as lib/ decoders read it
 * @b: boot
 * @view: set to kho_in_view()'s, with malloc() for working memory (the
 *	sorted check of LUO's session names)
 */
void client_view(struct sim_boot *b, struct kho_view *view);

/**
 * client_retrieve() - kho_retrieve_subtree() of the child a client restores
 * @b: boot
 * @name: the child's name (the boot found it; the first of its name is the
 *	one a client gets, and the one this finds)
 * @size: set to its blob-size; 0 in a version without one
 * @e: filled in on failure, naming the child
 *
 * Linux's owners ask kho_retrieve_subtree() first and give up when it
 * fails, as for a child whose blob address or blob-size is missing or not
 * 8 bytes (kernel/liveupdate/kexec_handover.c:1665-1676): so does a
 * client. Only that child fails; the handover was taken.
 * Return: 0, or the negative code (@e says why).
 */
int client_retrieve(struct sim_boot *b, const char *name, uint64_t *size,
		    struct sim_error *e);

/**
 * client_restore_folio() - kho_restore_folio(), also telling the order
 * @b: boot
 * @phys: first byte of the folio
 * @order: set to the folio's order as stamped by the walk
 *
 * Return: 0, or -ENOENT when @phys heads no preserved block (never
 * preserved, tail page, already restored).
 */
int client_restore_folio(struct sim_boot *b, uint64_t phys, unsigned int *order);

/* Give restored memory back to the page allocator (folio_put). */
void client_release(struct sim_boot *b, uint64_t phys, uint64_t size);

/**
 * client_size() - the size a client preserves, rounded up without wrapping
 * @b: boot
 * @st: the client; @st->size is what --preserve asked for
 * @align: a power of two to round @st->size up to (1: no rounding)
 * @size: set to @st->size rounded up to @align
 * @e: set on failure
 *
 * Every client is handed its size as is, whatever it is: no rounding may
 * wrap past 2^64 and no count derived from it may be truncated. A size
 * larger than the machine's RAM cannot be preserved on it, so it is
 * refused here, before any count or allocation is derived from it.
 *
 * Return: 0, or -ENOMEM (with @e naming the client and the size) when
 * @st->size, rounded up, is more than the machine's RAM.
 */
int client_size(struct sim_boot *b, const struct client_state *st,
		uint64_t align, uint64_t *size, struct sim_error *e);

/**
 * client_strerror() - why preserving failed, in words
 * @b: boot
 * @ret: a negative errno from a kho_preserve_*() call
 *
 * Return: strerror(-@ret), but for -ERANGE on kho-v2's 16 KiB-page tree
 * the reason: it has no place for an order-0 page (docs/abi.md).
 */
const char *client_strerror(struct sim_boot *b, int ret);

/**
 * client_out_of_memory() - say that the machine's free memory ran out
 * @b: the booting machine
 * @st: the client, by name
 * @done: bytes it had allocated
 * @want: bytes it was to allocate in all (its SIZE, rounded)
 * @e: filled in
 *
 * The sentence gives @done, @want and the free memory left in the
 * machine's page allocator, which the client could not use.
 * Return: -ENOMEM.
 */
int client_out_of_memory(struct sim_boot *b, const struct client_state *st,
			 uint64_t done, uint64_t want, struct sim_error *e);

/* The u64 property @name of node @node, native-endian; -EINVAL otherwise. */
int client_fdt_u64(const void *fdt, int node, const char *name, uint64_t *v);

/* Map the FDT blob at @phys and check its header and root compatible. */
const void *client_map_fdt(struct sim_boot *b, uint64_t phys,
			   const char *compatible, struct sim_error *e,
			   const char *who);

/* A kho_client's needs_order0 for a client that preserves some at any size. */
bool client_always_order0(uint64_t size, uint64_t page_size);

#endif /* CLIENTS_CLIENT_H */
