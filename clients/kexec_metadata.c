// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * kexec_metadata.c - the "kexec-metadata" subtree: which kernel kexec'ed
 * us and how many kexecs there were since the last cold boot.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "client.h"

/* What the previous kernel told us; 0 after a cold boot. */
static uint32_t prev_count;

static int km_restore(struct sim_boot *b, struct client_state *st,
		      uint64_t blob_phys, struct sim_error *e)
{
	struct kho_kexec_metadata *md;

	md = sim_phys_to_virt(&b->m, blob_phys);
	if (!md || !sim_ram_range_of(&b->m, blob_phys, sizeof(*md)))
		return sim_fail(e, -EFAULT,
				"kexec-metadata: blob at %#" PRIx64 " is not in RAM",
				blob_phys);
	if (md->version != KHO_KEXEC_METADATA_VERSION)
		return sim_fail(e, -EINVAL,
				"kexec-metadata: version %u at %#" PRIx64
				" (expected %d)", md->version, blob_phys,
				KHO_KEXEC_METADATA_VERSION);
	if (!memchr(md->previous_release, '\0', KHO_KEXEC_RELEASE_LEN))
		return sim_fail(e, -EINVAL,
				"kexec-metadata: previous_release at %#" PRIx64
				" is not terminated", blob_phys);
	if (!md->kexec_count)
		return sim_fail(e, -EINVAL,
				"kexec-metadata: kexec_count 0 at %#" PRIx64,
				blob_phys);
	prev_count = md->kexec_count;
	snprintf(st->msg, sizeof(st->msg),
		 "kexec %u since cold boot, from %.*s", md->kexec_count,
		 KHO_KEXEC_RELEASE_LEN, md->previous_release);
	st->restored_bytes = sizeof(*md);
	if (kho_restore_free(&b->in, md))
		return sim_fail(e, -ENOENT,
				"kexec-metadata: blob at %#" PRIx64 " was not preserved",
				blob_phys);
	return 0;
}

static int km_preserve(struct sim_boot *b, struct client_state *st,
		       struct sim_error *e)
{
	struct kho_kexec_metadata *md;
	int ret;

	md = kho_alloc_preserve(&b->out, sizeof(*md));
	if (!md)
		return sim_fail(e, -ENOMEM, "kexec-metadata: out of memory");
	md->version = KHO_KEXEC_METADATA_VERSION;
	snprintf(md->previous_release, KHO_KEXEC_RELEASE_LEN, "%s",
		 SIM_KERNEL_RELEASE);
	md->kexec_count = prev_count + 1;
	ret = kho_add_subtree(&b->out, KHO_KEXEC_METADATA_NAME, md,
			      sizeof(*md));
	if (ret) {
		kho_unpreserve_free(&b->out, md);
		return sim_fail(e, ret, "kexec-metadata: cannot add the subtree: %s",
				strerror(-ret));
	}
	st->preserved_bytes = sizeof(*md);
	return 0;
}

const struct kho_client client_kexec_metadata = {
	.name = KHO_KEXEC_METADATA_NAME,
	.summary = "which kernel kexec'ed and how many kexecs since cold boot",
	.default_size = sizeof(struct kho_kexec_metadata),
	.restore = km_restore,
	.preserve = km_preserve,
};
