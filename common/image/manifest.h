/* common/image/manifest.h - the JSON of an image past the index that names it, decoded
 * without I/O: descriptors, an index's entries, a manifest's config and layers, an image
 * config's rootfs (diff ids and their chain ids), and the entries of `docker save`'s
 * manifest.json. A pull (common/controller/pull.c), an image load and the image walk
 * (ctr/image_*.c) call these between their containerd calls; tests/fuzz/fuzz_image.c
 * feeds them directly. What they return borrows from the cJSON it was decoded from. */
#ifndef KK_COMMON_IMAGE_MANIFEST_H
#define KK_COMMON_IMAGE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cjson/cJSON.h"
#include "common/err.h"
#include "common/image/digest.h"
#include "common/image/platform.h"

/* A descriptor must carry a size (what a registry sends): a blob is fetched by it. */
#define KK_DESC_SIZED 1u

struct kk_image_desc {
	const char *media_type; /* "" when absent */
	const char *digest;     /* a valid sha256 digest */
	int64_t size;           /* >= 0; 0 when absent (without KK_DESC_SIZED) */
};

/* A descriptor object; where names it in the error ("config", "layer", "index entry"). */
int kk_image_desc_decode(const cJSON *j, const char *where, unsigned flags, struct kk_image_desc *d,
			 struct kk_err *err);

struct kk_image_index_entry {
	struct kk_image_desc desc;
	bool has_platform; /* the entry has a platform object */
	struct kk_platform platform;
};

struct kk_image_index {
	struct kk_image_index_entry *entries;
	size_t n;
};

/* An index's (or manifest list's) "manifests"; where names the index in the error. */
int kk_image_index_decode(const cJSON *idx, const char *where, unsigned flags,
			  struct kk_image_index *out, struct kk_err *err);
void kk_image_index_clear(struct kk_image_index *idx);

struct kk_image_manifest {
	struct kk_image_desc config;
	struct kk_image_desc *layers; /* each of a layer media type */
	size_t n_layers;
};

/* An image manifest: a config descriptor and a list (maybe absent: none) of layers. */
int kk_image_manifest_decode(const cJSON *m, unsigned flags, struct kk_image_manifest *out,
			     struct kk_err *err);
void kk_image_manifest_clear(struct kk_image_manifest *m);

struct kk_image_rootfs {
	const char **diff_ids;             /* n, borrowed from the config */
	char (*chain)[KK_DIGEST_STR_SIZE]; /* n chain ids */
	size_t n;
};

/* The rootfs of an image config for a manifest of n_layers layers: as many diff ids as
 * layers, each valid, and their chain ids. where names the config in the error. */
int kk_image_rootfs_decode(const cJSON *config, const char *where, size_t n_layers,
			   struct kk_image_rootfs *out, struct kk_err *err);
void kk_image_rootfs_clear(struct kk_image_rootfs *r);

struct kk_docker_entry {
	const char *config;  /* member paths: relative, no "..", borrowed */
	const char **layers; /* n_layers */
	size_t n_layers;
	char **tags; /* RepoTags, normalised references; none for an untagged image */
	size_t n_tags;
};

struct kk_docker_save {
	cJSON *doc; /* what the entries borrow from */
	struct kk_docker_entry *entries;
	size_t n;
};

/* `docker save`'s manifest.json: a list of {Config, Layers, RepoTags}. Errors start with
 * "manifest.json". */
int kk_docker_save_parse(const char *data, size_t len, struct kk_docker_save *out,
			 struct kk_err *err);
void kk_docker_save_clear(struct kk_docker_save *s);

#endif
