// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * client.c - the client registry and what clients share.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <libfdt.h>
#include <kho/version.h>
#include <xxhash.h>

#include "client.h"

const struct kho_client *const kho_clients[] = {
	&client_kexec_metadata,
	&client_memblock,
	&client_memfd,
	&client_guest,
	&client_kho_test,
	NULL,
};

int client_size(struct sim_boot *b, const struct client_state *st,
		uint64_t align, uint64_t *size, struct sim_error *e)
{
	/* At most the RAM, far below 2^64: the round-up cannot wrap. */
	if (st->size > b->m.ram_bytes ||
	    ((st->size + align - 1) & ~(align - 1)) > b->m.ram_bytes)
		return sim_fail(e, -ENOMEM,
				"%s: %" PRIu64 " bytes (%#" PRIx64
				") asked for, more than the machine's %" PRIu64
				" bytes of RAM",
				st->cl->name, st->size, st->size,
				b->m.ram_bytes);
	*size = (st->size + align - 1) & ~(align - 1);
	return 0;
}

/* @bytes in the largest unit that holds it whole. */
static const char *whole_size(uint64_t bytes, char *buf, size_t len)
{
	if (bytes && !(bytes & ((1ULL << 20) - 1)))
		snprintf(buf, len, "%" PRIu64 " MiB", bytes >> 20);
	else if (bytes && !(bytes & 1023))
		snprintf(buf, len, "%" PRIu64 " KiB", bytes >> 10);
	else
		snprintf(buf, len, "%" PRIu64 " bytes", bytes);
	return buf;
}

int client_out_of_memory(struct sim_boot *b, const struct client_state *st,
			 uint64_t done, uint64_t want, struct sim_error *e)
{
	const struct sim_buddy *z = &b->buddy;
	uint64_t left = z->free_pages[SIM_MT_UNMOVABLE] * b->m.page_size;
	uint64_t scratch = z->free_pages[SIM_MT_CMA] * b->m.page_size;
	char d[32], w[32], l[32], r[32], s[32];

	/* Scratch is movable-only, as in Linux: no preserved page there. */
	return sim_fail(
		e, -ENOMEM,
		"%s: the machine's free memory ran out after %s of %s: of its %s of RAM, %s is left free outside KHO scratch, too little in blocks large enough, and the %s free in scratch cannot hold preserved memory",
		st->cl->name, whole_size(done, d, sizeof(d)),
		whole_size(want, w, sizeof(w)),
		whole_size(b->m.ram_bytes, r, sizeof(r)),
		whole_size(left, l, sizeof(l)),
		whole_size(scratch, s, sizeof(s)));
}

bool client_always_order0(uint64_t size, uint64_t page_size)
{
	return true;
}

const char *client_strerror(struct sim_boot *b, int ret)
{
	/* On that tree an order-0 key is the one key out of range. */
	if (ret == -ERANGE && kho_geometry_truncates_order0(&b->out.geo))
		return "kho-v2 on 16 KiB pages has no place in its tree for an order-0 page (docs/abi.md); kho-v3 and kho-v4 have";
	return strerror(-ret);
}

const struct kho_client *client_find(const char *name)
{
	for (int i = 0; kho_clients[i]; i++)
		if (!strcmp(kho_clients[i]->name, name) ||
		    (kho_clients[i]->subtree &&
		     !strcmp(kho_clients[i]->subtree, name)))
			return kho_clients[i];
	return NULL;
}

const char *client_subtree(const struct kho_client *cl,
			   const struct kho_abi_version *abi)
{
	if (cl->subtree_of)
		return cl->subtree_of(abi);
	return cl->subtree ? cl->subtree : cl->name;
}

const struct kho_client *client_for_subtree(const char *name,
					    const struct kho_abi_version *abi)
{
	for (int i = 0; kho_clients[i]; i++)
		if (!strcmp(client_subtree(kho_clients[i], abi), name))
			return kho_clients[i];
	return NULL;
}

static uint64_t rng_state;

/* splitmix64: fast, and random enough that no two pages hash alike. */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t client_random(void)
{
	if (!rng_state && getrandom(&rng_state, sizeof(rng_state), 0) !=
				  sizeof(rng_state))
		rng_state = (uintptr_t)&rng_state ^ 0x5851f42d4c957f2dULL;
	return rng_next();
}

void client_fill_random(void *buf, uint64_t len)
{
	uint64_t *w = buf, i;

	client_random();
	for (i = 0; i < len / 8; i++)
		w[i] = rng_next();
	for (i = len & ~7ULL; i < len; i++)
		((uint8_t *)buf)[i] = rng_next();
}

uint64_t client_hash(const void *buf, uint64_t len)
{
	return XXH3_64bits(buf, len);
}

int client_restore_folio(struct sim_boot *b, uint64_t phys, unsigned int *order)
{
	struct sim_page *p = sim_pfn_to_page(&b->buddy, phys >> b->m.conf.page_shift);
	union kho_page_info info;

	if (!p)
		return -ENOENT;
	/* The walk stamped the order; the restore clears the stamp. */
	info.page_private = p->kp.private;
	if (!kho_restore_folio(&b->in, phys))
		return -ENOENT;
	*order = info.order;
	return 0;
}

void client_release(struct sim_boot *b, uint64_t phys, uint64_t size)
{
	unsigned int shift = b->m.conf.page_shift;

	sim_buddy_free_range(&b->buddy, phys >> shift, (phys + size) >> shift,
			     SIM_MT_UNMOVABLE);
}

int client_fdt_u64(const void *fdt, int node, const char *name, uint64_t *v)
{
	const void *prop;
	int len;

	prop = fdt_getprop(fdt, node, name, &len);
	if (!prop || len != sizeof(*v))
		return -EINVAL;
	/* KHO properties are native-endian and may be unaligned. */
	memcpy(v, prop, sizeof(*v));
	return 0;
}

static void *view_scratch_alloc(void *ctx, uint64_t len)
{
	return len <= SIZE_MAX ? malloc((size_t)len) : NULL;
}

static void view_scratch_free(void *ctx, void *p)
{
	free(p);
}

void client_view(struct sim_boot *b, struct kho_view *view)
{
	kho_in_view(&b->in, view);
	view->scratch_alloc = view_scratch_alloc;
	view->scratch_free = view_scratch_free;
}

int client_retrieve(struct sim_boot *b, const char *name, uint64_t *size,
		    struct sim_error *e)
{
	uint64_t phys;
	int ret = kho_retrieve_subtree(&b->in, name, &phys, size);

	/*
	 * The boot found the child and hands a client only the first of its
	 * name, the one this finds: -EINVAL is the one answer left.
	 */
	if (ret)
		return sim_fail(e, ret,
				"%s: kho_retrieve_subtree() refuses the child: "
				"its blob address or blob-size is missing or "
				"not 8 bytes",
				name);
	return 0;
}

const void *client_map_fdt(struct sim_boot *b, uint64_t phys,
			   const char *compatible, struct sim_error *e,
			   const char *who)
{
	const void *fdt = sim_phys_to_virt(&b->m, phys);

	if (!fdt || !sim_ram_range_of(&b->m, phys, b->m.page_size)) {
		sim_fail(e, -EFAULT, "%s: blob at %#" PRIx64 " is not in RAM",
			 who, phys);
		return NULL;
	}
	if (phys & (KHO_FDT_ALIGN - 1)) {
		sim_fail(e, -EINVAL,
			 "%s: blob at %#" PRIx64 " is not %d-byte aligned, "
			 "as an FDT must be",
			 who, phys, KHO_FDT_ALIGN);
		return NULL;
	}
	if (fdt_check_header(fdt) || fdt_totalsize(fdt) > b->m.page_size * 64 ||
	    !sim_ram_range_of(&b->m, phys, fdt_totalsize(fdt))) {
		sim_fail(e, -EINVAL, "%s: blob at %#" PRIx64 " is not a valid FDT",
			 who, phys);
		return NULL;
	}
	if (fdt_node_check_compatible(fdt, 0, compatible)) {
		sim_fail(e, -EINVAL, "%s: blob at %#" PRIx64 " is not compatible with %s",
			 who, phys, compatible);
		return NULL;
	}
	return fdt;
}
