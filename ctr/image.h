/* ctr/image.h - images on top of the containerd services: import (OCI layout and
 * `docker save` tarballs, unpacked into a snapshotter), size, and namespace cleanup.
 * Plain C in, plain C out, like ctr/ctr.h (which it extends). */
#ifndef KK_CTR_IMAGE_H
#define KK_CTR_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/image/platform.h"
#include "common/image/stream.h"
#include "ctr/ctr.h"

/* Set the given label keys on a blob, leaving its other labels alone (Content.Update
 * with field paths "labels.<key>"). */
int ctr_content_update_labels(struct ctr_conn *conn, const char *digest,
			      const struct ctr_labels *labels, struct kk_err *err);

struct ctr_import_opts {
	const struct kk_platform *platform; /* NULL: the host's */
	const char *snapshotter;            /* NULL: overlayfs, else native if that is missing */
	bool no_unpack;
};

struct ctr_import_result {
	size_t n;
	char **names;      /* owned: the image records created or updated, in archive order */
	bool *changed;     /* owned: per name, whether the record was created or retargeted */
	char *snapshotter; /* owned: where layers were unpacked ("" with no_unpack) */
};
void ctr_import_result_clear(struct ctr_import_result *r);

/* Import an image archive read from `in` (a tar, optionally gzip- or zstd-compressed;
 * `source` names it in messages) into the connection's namespace: an OCI image layout
 * (oci-layout + index.json + blobs/) or a `docker save` archive (manifest.json). Members
 * may come in any order; blobs stream into the content store as they go by, digest-
 * verified, under a lease that is deleted at the end. Content gets containerd's GC
 * reference labels, layers for the platform are unpacked (prepare + diff apply + commit
 * under their chain IDs) and image records are created or retargeted. On failure nothing
 * is left but what the lease held, which containerd's GC removes. */
int ctr_image_import(struct ctr_conn *conn, const struct kk_reader *in, const char *source,
		     const struct ctr_import_opts *opts, struct ctr_import_result *out,
		     struct kk_err *err);

/* Finish an image whose blobs are already in the content store (a pull wrote them under
 * the connection's lease): label the target and what it references for containerd's GC,
 * unpack the platform's layers as ctr_image_import() does, and create or retarget the
 * record `name`. *changed says whether the record was created or retargeted;
 * *snapshotter (if not NULL) is a new string naming where layers went. */
int ctr_image_register(struct ctr_conn *conn, const char *name, const struct ctr_desc *target,
		       const struct ctr_import_opts *opts, bool *changed, char **snapshotter,
		       struct kk_err *err);

/* Size of an image for a platform as containerd's Image.Size computes it: the target
 * plus every descriptor below it that matches (index, manifests, config, layers). */
int ctr_image_size(struct ctr_conn *conn, const struct ctr_desc *target,
		   const struct kk_platform *platform, int64_t *size, struct kk_err *err);

/* What ctr_namespace_cleanup() did: each list holds one line per item ("task `x`",
 * "snapshot `overlayfs/sha256:..`", "content `sha256:..`" ...); failed lines add the
 * reason after ": ". All owned. */
struct ctr_cleanup_report {
	size_t n_removed, n_failed, n_warnings;
	char **removed;
	char **failed;
	char **warnings; /* e.g. a snapshotter that is not available here */
	bool ns_existed;
	bool ns_deleted;
};
void ctr_cleanup_report_clear(struct ctr_cleanup_report *r);

/* Empty a namespace and delete it, as kukeon's CleanupNamespaceResources does: kill and
 * delete every task, delete every container (and its snapshot), every lease (waiting for
 * GC), every image, the snapshots of each known snapshotter (overlayfs, native, btrfs,
 * zfs, devmapper, blockfile; unavailable ones skipped with a warning), every blob, then
 * the namespace. Per-item failures go to the report and do not stop the sweep; the call
 * fails only if the namespace could not be deleted at the end. A namespace that does not
 * exist is a success with ns_existed false. The connection's namespace is restored. */
int ctr_namespace_cleanup(struct ctr_conn *conn, const char *ns, struct ctr_cleanup_report *rep,
			  struct kk_err *err);

#endif
