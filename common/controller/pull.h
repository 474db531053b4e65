/* common/controller/pull.h - pull an image from a registry into one containerd namespace:
 * resolve the reference (index -> the platform's manifest), stream the config and layers
 * into the content store in parallel under a lease (resuming a cut transfer, sizes and
 * digests verified), unpack, and create or retarget the image record. Internal to
 * common/controller/ (kk_ctl_image_pull and the create paths call it). */
#ifndef KK_COMMON_CONTROLLER_PULL_H
#define KK_COMMON_CONTROLLER_PULL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/controller/image.h"
#include "common/err.h"
#include "common/image/platform.h"

struct ctr_conn;
struct kk_registry_cred;

struct kk_pull_opts {
	const struct kk_platform *platform; /* NULL: the host's */
	const char *record_name; /* the image record's name; NULL: the normalised reference */
	const struct kk_registry_cred *creds; /* the realm's; borrowed */
	size_t n_creds;
	kk_pull_progress_fn *progress; /* may be NULL */
	void *progress_arg;
};

/* Pull ref into conn's namespace. res gets the record name, its target digest, bytes
 * fetched and the layer count. On failure nothing is left (the lease is deleted and
 * containerd's GC waited for; ingests are aborted). */
int kk_image_pull_into(struct ctr_conn *conn, const char *ref, const struct kk_pull_opts *opts,
		       struct kk_image_pull_result *res, struct kk_err *err);

#endif
