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

int kk_op_image_load(struct kk_local *l, const struct kk_image_load_req *req,
		      struct kk_image_load_result *res, struct kk_err *err);
void kk_image_load_result_clear(struct kk_image_load_result *r);

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
