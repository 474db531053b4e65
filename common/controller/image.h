/* common/controller/image.h - images in a realm's containerd namespace: load, list, get,
 * delete (upstream's LoadImage/ListImages/GetImage/DeleteImage).
 *
 * A realm R maps to the containerd namespace "R.<suffix>" (kukeon.config
 * CONFIG_DEFAULT_NAMESPACE_SUFFIX, "kukeon.io"). Requests borrow their strings; results
 * own theirs and are released with the matching _clear(). */
#ifndef KK_COMMON_CONTROLLER_IMAGE_H
#define KK_COMMON_CONTROLLER_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/controller/hierarchy.h"
#include "common/err.h"

struct cJSON;

#define KK_DEFAULT_REALM "default"

struct kk_image_req {
	const char *realm; /* trimmed; empty -> "realm name is required" */
	const char *ref;   /* get/delete: the image name */
};

struct kk_image_load_req {
	const char *realm;
	int fd;               /* the tarball (plain, gzip or zstd), read to its end; borrowed */
	const char *source;   /* names it in messages: a path or "stdin" */
	const char *platform; /* "os/arch[/variant]"; NULL = the host's */
};

struct kk_image_load_result {
	char *realm;
	char *ns;
	size_t n;
	char **images; /* names of the image records created or updated */
	char *snapshotter;
};

struct kk_image_info {
	char *name;
	int64_t size; /* manifest + config + layers for the host platform; -1 if unknown */
	int64_t created_ns;
	char *digest;
	char *media_type;
	size_t n_labels;
	char **label_keys; /* sorted */
	char **label_values;
};

struct kk_image_list_result {
	char *realm;
	char *ns;
	size_t n;
	struct kk_image_info *images; /* sorted by name */
};

struct kk_image_delete_result {
	char *realm;
	char *ns;
	char *ref; /* the record that was deleted */
};

/* Progress of one pull, reported while blobs stream (at most every 100 ms, and when a blob
 * starts or ends). Everything is lent for the call. */
struct kk_pull_blob {
	const char *digest;
	int64_t size, done;
	bool finished;
	bool cached; /* was already in the content store */
};
struct kk_pull_progress {
	const char *name; /* the image being pulled */
	size_t n;
	const struct kk_pull_blob *blobs; /* config first, then the layers */
	int64_t total, done;
	int64_t elapsed_ms;
	bool finished; /* the last report: every blob is in */
};
typedef void kk_pull_progress_fn(const struct kk_pull_progress *p, void *arg);

struct kk_image_pull_req {
	const char *realm;
	const char *ref;               /* "busybox", "127.0.0.1:5000/x:1", "h/x@sha256:..." */
	const char *platform;          /* "os/arch[/variant]"; NULL = the host's */
	kk_pull_progress_fn *progress; /* NULL: none */
	void *progress_arg;
};

struct kk_image_pull_result {
	char *realm;
	char *ns;
	char *name;      /* the image record */
	char *digest;    /* its target (index or manifest) */
	int64_t size;    /* bytes of config and layers (fetched or already there) */
	int64_t fetched; /* bytes that came over the network */
	size_t n_layers;
	int64_t elapsed_ms;
	bool changed; /* the record was created or retargeted */
};

int kk_op_image_load(struct kk_local *l, const struct kk_image_load_req *req,
		     struct kk_image_load_result *res, struct kk_err *err);
void kk_image_load_result_clear(struct kk_image_load_result *r);

/* Pull ref from its registry into the realm's namespace with the realm's registry
 * credentials (a ref is normalised the Docker way: busybox ->
 * docker.io/library/busybox:latest). Errors wrap `failed to pull image <ref>`. */
int kk_op_image_pull(struct kk_local *l, const struct kk_image_pull_req *req,
		      struct kk_image_pull_result *res, struct kk_err *err);
void kk_image_pull_result_clear(struct kk_image_pull_result *r);

struct ctr_conn;
struct kk_realm;
struct kk_platform;
/* The pull kk_op_image_pull does, on a connection already in the realm's namespace, with
 * realm's registryCredentials (realm may be NULL: anonymous). record_name NULL: the
 * normalised reference. The create paths call it for an image the realm lacks. In a
 * build without pull it fails with ENOTSUP. */
int kk_image_pull_realm(struct ctr_conn *conn, const struct kk_realm *realm, const char *ref,
			const char *record_name, const struct kk_platform *platform,
			kk_pull_progress_fn *progress, void *arg, struct kk_image_pull_result *res,
			struct kk_err *err);

/* The create paths' step: image (a record name, used verbatim as upstream does) is in
 * conn's namespace, or is pulled into it now under that name. */
int kk_image_ensure(struct ctr_conn *conn, const struct kk_realm *realm, const char *image,
		    struct kk_err *err);

int kk_op_image_list(struct kk_local *l, const struct kk_image_req *req,
		      struct kk_image_list_result *res, struct kk_err *err);
void kk_image_list_result_clear(struct kk_image_list_result *r);

/* Not found: ENOENT, "image not found". A ref is tried as given, then normalised as
 * `kuke create container --image` does (busybox -> docker.io/library/busybox:latest). */
int kk_op_image_get(struct kk_local *l, const struct kk_image_req *req,
		     struct kk_image_info *out, struct kk_err *err);
void kk_image_info_clear(struct kk_image_info *info);

int kk_op_image_delete(struct kk_local *l, const struct kk_image_req *req,
			struct kk_image_delete_result *res, struct kk_err *err);
void kk_image_delete_result_clear(struct kk_image_delete_result *r);

/* JSON with upstream's Go field names (ImageInfo: Name, Size, CreatedAt, Digest,
 * MediaType, Labels; ListImagesResult: Realm, Namespace, Images). New trees. */
struct cJSON *kk_image_info_to_json(const struct kk_image_info *info);
struct cJSON *kk_image_list_result_to_json(const struct kk_image_list_result *r);

#endif
