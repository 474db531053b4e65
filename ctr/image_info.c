/* ctr/image_info.c - what `kuke image get` shows about an image: its size for a platform,
 * computed as containerd's images.Image.Size does (target + every matching descendant). */
#include "ctr/image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/image/digest.h"
#include "common/image/manifest.h"
#include "common/mem.h"
#include "common/image/mediatype.h"

#define JSON_MAX (16 * 1024 * 1024)

static int read_json(struct ctr_conn *conn, const char *digest, cJSON **out, struct kk_err *err)
{
	cleanup_free char *data = NULL;
	size_t len = 0;

	if (ctr_content_read_all(conn, digest, JSON_MAX, &data, &len, err) < 0)
		return -1;
	*out = cJSON_ParseWithLength(data, len);
	if (!*out)
		return kk_err_set(err, EBADMSG, "blob `%s` is not JSON", digest);
	return 0;
}

/* Sizes are >= 0 (the decoders see to it); a sum past int64 stays at its maximum. */
static void add_size(int64_t *total, int64_t n)
{
	*total = *total >= 0 && n > INT64_MAX - *total ? INT64_MAX : *total + n;
}

static int walk(struct ctr_conn *conn, const char *media_type, const char *digest,
		const struct kk_platform *want, int depth, int64_t *size, struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *j = NULL;

	if (depth > 8)
		return kk_err_set(err, ELOOP, "image index nesting is too deep");
	switch (kk_media_kind(media_type)) {
	case KK_MEDIA_INDEX: {
		cleanup_(kk_image_index_clear) struct kk_image_index idx = { 0 };
		cleanup_free char *where = kk_xasprintf("index `%s`", digest);

		if (read_json(conn, digest, &j, err) < 0 ||
		    kk_image_index_decode(j, where, 0, &idx, err) < 0)
			return -1;
		for (size_t i = 0; i < idx.n; i++) {
			const struct kk_image_index_entry *e = &idx.entries[i];

			if (e->has_platform && kk_platform_match_rank(want, &e->platform) < 0)
				continue;
			add_size(size, e->desc.size);
			if (walk(conn, e->desc.media_type, e->desc.digest, want, depth + 1, size,
				 err) < 0)
				return -1;
		}
		return 0;
	}
	case KK_MEDIA_MANIFEST: {
		cleanup_(kk_image_manifest_clear) struct kk_image_manifest m = { 0 };

		if (read_json(conn, digest, &j, err) < 0)
			return -1;
		if (kk_image_manifest_decode(j, 0, &m, err) < 0)
			return kk_err_wrap(err, "manifest `%s`", digest);
		add_size(size, m.config.size);
		for (size_t i = 0; i < m.n_layers; i++)
			add_size(size, m.layers[i].size);
		return 0;
	}
	default:
		return 0;
	}
}

int ctr_image_size(struct ctr_conn *conn, const struct ctr_desc *target,
		   const struct kk_platform *platform, int64_t *size, struct kk_err *err)
{
	struct kk_platform host;
	int64_t total = target->size;

	if (!platform) {
		kk_platform_host(&host);
		platform = &host;
	}
	if (walk(conn, target->media_type ? target->media_type : "", target->digest, platform, 0,
		 &total, err) < 0)
		return -1;
	*size = total;
	return 0;
}
