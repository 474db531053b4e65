/* ctr/image_import_int.h - what the archive reader (image_import.c: the tar pass, blobs, the
 * two archive formats, records) and the image walk (image_unpack.c: labels, unpack,
 * manifests and indexes) share; private to ctr/. */
#ifndef KK_CTR_IMAGE_IMPORT_INT_H
#define KK_CTR_IMAGE_IMPORT_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjson/cJSON.h"
#include "common/err.h"
#include "common/image/digest.h"
#include "common/image/manifest.h"
#include "common/image/platform.h"
#include "common/image/tar.h"
#include "ctr/image.h"

struct blob {
	char *path; /* member path, NULL for a blob found in the store */
	char digest[KK_DIGEST_STR_SIZE];
	int64_t size;
	enum kk_compression comp; /* from the blob's first bytes */
	char *data;               /* cached copy of a small blob, or NULL */
	size_t len;
};

struct symlink {
	char *path;
	char *target; /* resolved against the link's directory */
};

struct target {
	char *name;
	char *media_type;
	char digest[KK_DIGEST_STR_SIZE];
	int64_t size;
};

struct importer {
	struct ctr_conn *conn;
	const char *source;
	struct kk_platform want;
	const struct ctr_import_opts *opts;

	struct blob *blobs;
	size_t n_blobs, cap_blobs, cached;
	struct symlink *links;
	size_t n_links;

	char *oci_layout, *index_json, *manifest_json;
	size_t index_len, manifest_len;
	char *ingest_ref; /* the ingest in progress, to abort on failure */

	struct target *targets;
	size_t n_targets;
	char **labelled; /* manifest digests already labelled and unpacked */
	size_t n_labelled;
	char *snapshotter;
	bool snapshotter_fixed;
};

struct desc {
	const char *media_type; /* borrowed from the JSON */
	const char *digest;
	int64_t size;
	const cJSON *platform;
	const cJSON *annotations;
};
/* ---- image_import.c ----------------------------------------------------------------- */

/* Free what imp holds (not imp itself). */
void ctr_import_clear(struct importer *imp);
/* The targets an OCI layout names: imp->oci_layout and imp->index_json read, one
 * ctr_import_target_add per index entry with a reference name. No containerd call. */
int ctr_import_resolve_oci(struct importer *imp, struct kk_err *err);
/* The entries of a `docker save` archive: imp->manifest_json decoded. No containerd call. */
int ctr_import_resolve_docker(struct importer *imp, struct kk_docker_save *out, struct kk_err *err);
struct blob *ctr_import_blob_by_digest(struct importer *imp, const char *digest);
int ctr_import_blob_json(struct importer *imp, const char *digest, cJSON **out, struct kk_err *err);
int ctr_import_blob_require(struct importer *imp, const char *digest, const char *what,
			    struct kk_err *err);
int ctr_import_parse_desc(const cJSON *j, const char *where, struct desc *d, struct kk_err *err);

/* ---- image_unpack.c ----------------------------------------------------------------- */

void ctr_import_child_label(struct ctr_labels *l, const char *prefix, const char *digest);
int ctr_import_do_manifest(struct importer *imp, const char *name, const char *digest,
			   struct kk_err *err);
int ctr_import_do_target(struct importer *imp, const struct target *t, struct kk_err *err);
void ctr_import_target_add(struct importer *imp, const char *name, const char *media_type,
			   const char *digest, int64_t size);
#endif
