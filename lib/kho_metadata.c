// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * kho_metadata.c - "kexec-metadata" (<kho/kho_metadata.h> draws it): the
 * one writer and the one reader, for kernel B's client and kho inspect.
 */
#include <kho/kho_metadata.h>

#include "kho_internal.h"

/* Bytes the kernel needs before it looks at the version. */
#define KHO_METADATA_VERSION_LEN sizeof(uint32_t)

int kho_metadata_read(const struct kho_view *view, uint64_t phys,
		      const uint64_t *size, struct kho_metadata_info *info,
		      struct kho_error *err)
{
	const struct kho_kexec_metadata *md;
	struct kho_metadata_info tmp;
	uint32_t version;
	const void *p;
	int ret;

	if (KHO_WARN_ON(kho_view_unusable(view)))
		return -EINVAL;
	if (!info)
		info = &tmp;
	kho_memset(info, 0, sizeof(*info));
	if (size && *size < KHO_METADATA_VERSION_LEN)
		return kho_fail(err, -EINVAL,
				"the kexec-metadata blob is smaller than its "
				"4-byte version",
				"blob-size", phys, KHO_ERR_NO_INDEX);
	p = kho_view_map(view, phys, KHO_METADATA_VERSION_LEN);
	if (!p)
		return kho_fail(err, -EFAULT,
				"the kexec-metadata blob is not in memory",
				NULL, phys, KHO_ERR_NO_INDEX);
	kho_memcpy(&version, p, sizeof(version));
	info->version = version;
	if (version != KHO_KEXEC_METADATA_VERSION)
		return kho_fail(err, -EINVAL,
				"kexec-metadata has a version other than 1",
				"version", phys, KHO_ERR_NO_INDEX);
	if (size && *size < sizeof(*md))
		return kho_fail(err, -EINVAL,
				"the kexec-metadata blob is smaller than the "
				"73 bytes of version 1",
				"blob-size", phys, KHO_ERR_NO_INDEX);
	md = kho_view_map(view, phys, sizeof(*md));
	if (!md)
		return kho_fail(err, -EFAULT,
				"the kexec-metadata blob is not in memory",
				NULL, phys, KHO_ERR_NO_INDEX);
	/* strscpy(): at most 64 bytes and a NUL, whatever the blob holds. */
	info->release_terminated = false;
	for (unsigned int i = 0; i < KHO_KEXEC_RELEASE_LEN; i++) {
		char c = md->previous_release[i];

		if (!c) {
			info->release_terminated = true;
			break;
		}
		if (i + 1 < KHO_KEXEC_RELEASE_LEN)
			info->previous_release[i] = c;
	}
	kho_memcpy(&info->kexec_count, &md->kexec_count,
		   sizeof(info->kexec_count));
	info->size = sizeof(*md);
	ret = kho_view_own(view, phys, sizeof(*md), KHO_KEXEC_METADATA_NAME);
	if (ret)
		return kho_fail(err, ret,
				"the kexec-metadata blob is not preserved "
				"memory",
				NULL, phys, KHO_ERR_NO_INDEX);
	return 0;
}

int kho_metadata_preserve(struct kho_out *out, const char *release,
			  uint32_t kexec_count, uint64_t *phys)
{
	struct kho_kexec_metadata *md;
	unsigned int i;
	int ret;

	md = kho_alloc_preserve(out, sizeof(*md));
	if (!md)
		return -ENOMEM;
	kho_memset(md, 0, sizeof(*md));
	md->version = KHO_KEXEC_METADATA_VERSION;
	for (i = 0; release && release[i] && i + 1 < KHO_KEXEC_RELEASE_LEN; i++)
		md->previous_release[i] = release[i];
	md->kexec_count = kexec_count;
	ret = kho_add_subtree(out, KHO_KEXEC_METADATA_NAME, md, sizeof(*md));
	if (ret) {
		kho_unpreserve_free(out, md);
		return ret;
	}
	if (phys)
		*phys = out->ops.mem.virt_to_phys(out->ops.mem.ctx, md);
	return 0;
}
