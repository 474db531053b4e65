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

static int64_t desc_size(const cJSON *d)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(d, "size");

	return kk_json_int64(s, 0);
}

static const char *desc_str(const cJSON *d, const char *key)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(d, key);

	return cJSON_IsString(s) ? s->valuestring : "";
}

static int walk(struct ctr_conn *conn, const char *media_type, const char *digest,
		const struct kk_platform *want, int depth, int64_t *size, struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *j = NULL;
	const cJSON *it;

	if (depth > 8)
		return kk_err_set(err, ELOOP, "image index nesting is too deep");
	switch (kk_media_kind(media_type)) {
	case KK_MEDIA_INDEX:
		if (read_json(conn, digest, &j, err) < 0)
			return -1;
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "manifests"))
		{
			const cJSON *p = cJSON_GetObjectItemCaseSensitive(it, "platform");

			if (cJSON_IsObject(p)) {
				struct kk_platform cp = { 0 };

				snprintf(cp.os, sizeof(cp.os), "%s", desc_str(p, "os"));
				snprintf(cp.arch, sizeof(cp.arch), "%s",
					 desc_str(p, "architecture"));
				snprintf(cp.variant, sizeof(cp.variant), "%s",
					 desc_str(p, "variant"));
				if (kk_platform_match_rank(want, &cp) < 0)
					continue;
			}
			*size += desc_size(it);
			if (walk(conn, desc_str(it, "mediaType"), desc_str(it, "digest"), want,
				 depth + 1, size, err) < 0)
				return -1;
		}
		return 0;
	case KK_MEDIA_MANIFEST:
		if (read_json(conn, digest, &j, err) < 0)
			return -1;
		*size += desc_size(cJSON_GetObjectItemCaseSensitive(j, "config"));
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "layers")) *size +=
			desc_size(it);
		return 0;
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
