/* common/image/manifest.c - see manifest.h. */
#include "common/image/manifest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/image/mediatype.h"
#include "common/image/ref.h"
#include "common/json.h"
#include "common/mem.h"

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int kk_image_desc_decode(const cJSON *j, const char *where, unsigned flags, struct kk_image_desc *d,
			 struct kk_err *err)
{
	const cJSON *sz = cJSON_GetObjectItemCaseSensitive(j, "size");
	const char *digest = json_str(j, "digest"), *mt = json_str(j, "mediaType");

	if (flags & KK_DESC_SIZED) {
		if (!digest || !kk_digest_is_valid(digest) || !cJSON_IsNumber(sz) ||
		    sz->valuedouble < 0)
			return kk_err_set(err, EBADMSG,
					  "%s: bad descriptor (sha256 digest and size needed)",
					  where);
	} else if (!cJSON_IsObject(j) || !digest || !kk_digest_is_valid(digest)) {
		return kk_err_set(err, EBADMSG, "%s: bad descriptor (no sha256 digest)", where);
	} else if (cJSON_IsNumber(sz) && sz->valuedouble < 0) {
		return kk_err_set(err, EBADMSG, "%s: bad descriptor (negative size)", where);
	}
	d->media_type = mt ? mt : "";
	d->digest = digest;
	d->size = kk_json_int64(sz, 0);
	return 0;
}

int kk_image_index_decode(const cJSON *idx, const char *where, unsigned flags,
			  struct kk_image_index *out, struct kk_err *err)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(idx, "manifests"), *it;
	struct kk_image_index r = { 0 };

	if (!cJSON_IsArray(list))
		return kk_err_set(err, EBADMSG, "%s has no manifests list", where);
	r.entries = kk_xcalloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(*r.entries));
	cJSON_ArrayForEach(it, list)
	{
		struct kk_image_index_entry *e = &r.entries[r.n];
		const cJSON *pj = cJSON_GetObjectItemCaseSensitive(it, "platform");

		if (kk_image_desc_decode(it, "index entry", flags, &e->desc, err) < 0) {
			kk_image_index_clear(&r);
			return -1;
		}
		e->has_platform = cJSON_IsObject(pj);
		if (e->has_platform)
			kk_platform_from_json(pj, &e->platform);
		r.n++;
	}
	*out = r;
	return 0;
}

void kk_image_index_clear(struct kk_image_index *idx)
{
	free(idx->entries);
	memset(idx, 0, sizeof(*idx));
}

int kk_image_manifest_decode(const cJSON *m, unsigned flags, struct kk_image_manifest *out,
			     struct kk_err *err)
{
	const cJSON *layers = cJSON_GetObjectItemCaseSensitive(m, "layers"), *it;
	struct kk_image_manifest r = { 0 };

	if (kk_image_desc_decode(cJSON_GetObjectItemCaseSensitive(m, "config"), "config", flags,
				 &r.config, err) < 0)
		return -1;
	if (layers && !cJSON_IsNull(layers) && !cJSON_IsArray(layers))
		return kk_err_set(err, EBADMSG, "layers is not a list");
	r.layers = kk_xcalloc((size_t)cJSON_GetArraySize(layers) + 1, sizeof(*r.layers));
	cJSON_ArrayForEach(it, layers)
	{
		struct kk_image_desc *l = &r.layers[r.n_layers];

		if (kk_image_desc_decode(it, "layer", flags, l, err) < 0)
			goto fail;
		if (kk_media_kind(l->media_type) != KK_MEDIA_LAYER) {
			kk_err_set(err, ENOTSUP, "layer `%s` has unknown media type `%s`",
				   l->digest, l->media_type);
			goto fail;
		}
		r.n_layers++;
	}
	*out = r;
	return 0;
fail:
	kk_image_manifest_clear(&r);
	return -1;
}

void kk_image_manifest_clear(struct kk_image_manifest *m)
{
	free(m->layers);
	memset(m, 0, sizeof(*m));
}

int kk_image_rootfs_decode(const cJSON *config, const char *where, size_t n_layers,
			   struct kk_image_rootfs *out, struct kk_err *err)
{
	const cJSON *rootfs = cJSON_GetObjectItemCaseSensitive(config, "rootfs");
	const cJSON *diffs = cJSON_GetObjectItemCaseSensitive(rootfs, "diff_ids");
	struct kk_image_rootfs r = { 0 };

	if (!cJSON_IsArray(diffs) || (size_t)cJSON_GetArraySize(diffs) != n_layers)
		return kk_err_set(err, EBADMSG, "%s lists %d diff ids for %zu layers", where,
				  cJSON_IsArray(diffs) ? cJSON_GetArraySize(diffs) : 0, n_layers);
	r.n = n_layers;
	r.diff_ids = kk_xcalloc(n_layers + 1, sizeof(*r.diff_ids));
	r.chain = kk_xcalloc(n_layers + 1, sizeof(*r.chain));
	for (size_t i = 0; i < n_layers; i++) {
		const cJSON *d = cJSON_GetArrayItem(diffs, (int)i);

		r.diff_ids[i] = cJSON_IsString(d) ? d->valuestring : "";
	}
	if (n_layers && kk_chain_ids(r.diff_ids, n_layers, r.chain, err) < 0) {
		kk_image_rootfs_clear(&r);
		return kk_err_wrap(err, "%s", where);
	}
	*out = r;
	return 0;
}

void kk_image_rootfs_clear(struct kk_image_rootfs *r)
{
	free(r->diff_ids);
	free(r->chain);
	memset(r, 0, sizeof(*r));
}

/* A member path manifest.json may ask the archive for: relative, no "." or ".." step. */
static bool archive_path_ok(const char *p)
{
	if (!p[0] || p[0] == '/')
		return false;
	for (const char *s = p; *s;) {
		size_t n = strcspn(s, "/");

		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		s += n;
		if (*s == '/')
			s++;
	}
	return true;
}

static int archive_path(const char *p, const char **out, struct kk_err *err)
{
	if (!p)
		return kk_err_set(err, EBADMSG, "manifest.json entry names a member with no path");
	if (!archive_path_ok(p))
		return kk_err_set(err, EBADMSG,
				  "manifest.json names `%s`, which is not a path inside the "
				  "archive",
				  p);
	*out = p;
	return 0;
}

static void entry_clear(struct kk_docker_entry *e)
{
	free(e->layers);
	for (size_t i = 0; i < e->n_tags; i++)
		free(e->tags[i]);
	free(e->tags);
}

static int entry_decode(const cJSON *it, struct kk_docker_entry *e, struct kk_err *err)
{
	const cJSON *layers = cJSON_GetObjectItemCaseSensitive(it, "Layers");
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(it, "RepoTags"), *t;
	const char *config = json_str(it, "Config");

	if (!config)
		return kk_err_set(err, EBADMSG, "manifest.json entry without Config");
	if (archive_path(config, &e->config, err) < 0)
		return -1;
	if (layers && !cJSON_IsNull(layers) && !cJSON_IsArray(layers))
		return kk_err_set(err, EBADMSG, "manifest.json entry: Layers is not a list");
	e->layers = kk_xcalloc((size_t)cJSON_GetArraySize(layers) + 1, sizeof(*e->layers));
	cJSON_ArrayForEach(t, layers)
	{
		if (archive_path(cJSON_IsString(t) ? t->valuestring : NULL, &e->layers[e->n_layers],
				 err) < 0)
			return -1;
		e->n_layers++;
	}
	if (!cJSON_IsArray(tags))
		return 0; /* untagged */
	e->tags = kk_xcalloc((size_t)cJSON_GetArraySize(tags) + 1, sizeof(*e->tags));
	cJSON_ArrayForEach(t, tags)
	{
		if (!cJSON_IsString(t))
			continue;
		if (kk_image_ref_docker_normalize(t->valuestring, &e->tags[e->n_tags], err) < 0)
			return kk_err_wrap(err, "manifest.json");
		e->n_tags++;
	}
	return 0;
}

int kk_docker_save_parse(const char *data, size_t len, struct kk_docker_save *out,
			 struct kk_err *err)
{
	const cJSON *it;
	struct kk_docker_save r = { .doc = cJSON_ParseWithLength(data, len) };

	if (!cJSON_IsArray(r.doc)) {
		cJSON_Delete(r.doc);
		return kk_err_set(err, EBADMSG, "manifest.json is not a list");
	}
	r.entries = kk_xcalloc((size_t)cJSON_GetArraySize(r.doc) + 1, sizeof(*r.entries));
	cJSON_ArrayForEach(it, r.doc)
	{
		/* counted before the decode, so that a failure frees what it holds */
		if (entry_decode(it, &r.entries[r.n++], err) < 0) {
			kk_docker_save_clear(&r);
			return -1;
		}
	}
	*out = r;
	return 0;
}

void kk_docker_save_clear(struct kk_docker_save *s)
{
	for (size_t i = 0; i < s->n; i++)
		entry_clear(&s->entries[i]);
	free(s->entries);
	cJSON_Delete(s->doc);
	memset(s, 0, sizeof(*s));
}
