// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * kexec_metadata.c - the "kexec-metadata" subtree: which kernel kexec'ed
 * us and how many kexecs there were since the last cold boot (or since
 * a kernel that had none and handed none over: Linux then counts from 0
 * again, kernel/liveupdate/kexec_handover.c:1737). The format
 * is lib/kho_metadata.c's (reader and writer); this client only keeps the
 * count from one boot to the next, as kho_in.kexec_count does.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <kho/block.h>
#include <kho/kho_metadata.h>

#include "client.h"

/* What the previous kernel told us; 0 after a cold boot. */
static uint32_t prev_count;

static int km_restore(struct sim_boot *b, struct client_state *st,
		      uint64_t blob_phys, struct sim_error *e)
{
	struct kho_metadata_info info;
	struct kho_error err = { 0 };
	struct kho_view view;
	uint64_t size;
	char release[SIM_SHOWN_LEN(KHO_KEXEC_RELEASE_LEN)];
	char why[512];
	int ret;

	/*
	 * Linux's kho_in_kexec_metadata() gives up on a child it cannot
	 * retrieve (kexec_handover.c:1736-1740): so does this client, and the
	 * boot counts the subtree as not back.
	 */
	ret = client_retrieve(b, KHO_KEXEC_METADATA_NAME, &size, e);
	if (ret)
		return ret;
	client_view(b, &view);
	/* kho-v2 has no blob-size: the reader then wants the whole struct. */
	ret = kho_metadata_read(&view, blob_phys,
				b->in.abi->size_prop ? &size : NULL, &info,
				&err);
	if (ret) {
		if (!err.code)
			err = (struct kho_error){ ret,
						  NULL,
						  NULL,
						  blob_phys,
						  KHO_ERR_NO_LEVEL,
						  KHO_ERR_NO_INDEX };
		kho_error_describe(&err, why, sizeof(why));
		return sim_fail(e, ret, "kexec-metadata: %s", why);
	}
	prev_count = info.kexec_count;
	sim_clean_str(release, sizeof(release), info.previous_release,
		      sizeof(info.previous_release));
	/* Linux counts from 0 again after a kernel that handed none over. */
	snprintf(
		st->msg, sizeof(st->msg),
		"kexec %u since cold boot or a kernel without kexec-metadata, from %s",
		info.kexec_count, release);
	st->restored_bytes = info.size;
	if (kho_restore_free(&b->in, sim_phys_to_virt(&b->m, blob_phys)))
		return sim_fail(e, -ENOENT,
				"kexec-metadata: blob at %#" PRIx64
				" was not preserved",
				blob_phys);
	return 0;
}

static int km_preserve(struct sim_boot *b, struct client_state *st,
		       struct sim_error *e)
{
	int ret = kho_metadata_preserve(&b->out, SIM_KERNEL_RELEASE,
					prev_count + 1, NULL);

	if (ret)
		return sim_fail(e, ret,
				"kexec-metadata: cannot add the subtree: %s",
				strerror(-ret));
	st->preserved_bytes = sizeof(struct kho_kexec_metadata);
	return 0;
}

const struct kho_client client_kexec_metadata = {
	.name = KHO_KEXEC_METADATA_NAME,
	.summary = "which kernel kexec'ed and how many kexecs since cold boot",
	.default_size = sizeof(struct kho_kexec_metadata),
	.fixed_size = true,
	.restore = km_restore,
	.preserve = km_preserve,
};
