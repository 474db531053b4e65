/* ctr/image_import.c - import OCI layout and `docker save` tarballs, client-side, as
 * containerd's Go client does (archive.ImportIndex + Client.Import + Image.Unpack):
 *
 *   1. one pass over the (possibly compressed) tar: every blob streams into the content
 *      store as it goes by, digest-verified, under a lease; small JSON blobs are kept;
 *      oci-layout, index.json and manifest.json are read into memory;
 *   2. at the end of the archive, resolve: the index (OCI) or manifest.json (docker)
 *      gives the images; descend for the platform, label index and manifest blobs with
 *      containerd.io/gc.ref.content.* so GC keeps what the images use;
 *   3. unpack each chosen manifest (snapshot prepare + diff apply + commit under the
 *      chain IDs), label layers with containerd.io/uncompressed and the config with
 *      containerd.io/gc.ref.snapshot.<snapshotter>;
 *   4. create or retarget the image records, then delete the lease.
 *
 * Members can come in any order (docker save writes manifest.json last), and nothing is
 * ever buffered but small JSON. */
#include "ctr/image_import_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/image/digest.h"
#include "common/image/manifest.h"
#include "common/image/mediatype.h"
#include "common/image/ref.h"
#include "common/image/tar.h"
#include "common/mem.h"

#define CHUNK           (1024 * 1024)
#define CACHE_BLOB_MAX  (1024 * 1024)
#define CACHE_TOTAL_MAX (8 * 1024 * 1024)
/* index.json and manifest.json: containerd reads at most this much too */
#define META_MAX      (20 * 1024 * 1024)
#define BLOB_JSON_MAX (16 * 1024 * 1024)

void ctr_import_clear(struct importer *imp)
{
	for (size_t i = 0; i < imp->n_blobs; i++) {
		free(imp->blobs[i].path);
		free(imp->blobs[i].data);
	}
	free(imp->blobs);
	for (size_t i = 0; i < imp->n_links; i++) {
		free(imp->links[i].path);
		free(imp->links[i].target);
	}
	free(imp->links);
	free(imp->oci_layout);
	free(imp->index_json);
	free(imp->manifest_json);
	free(imp->ingest_ref);
	for (size_t i = 0; i < imp->n_targets; i++) {
		free(imp->targets[i].name);
		free(imp->targets[i].media_type);
	}
	free(imp->targets);
	for (size_t i = 0; i < imp->n_labelled; i++)
		free(imp->labelled[i]);
	free(imp->labelled);
	free(imp->snapshotter);
}

struct blob *ctr_import_blob_by_digest(struct importer *imp, const char *digest)
{
	if (!digest)
		return NULL;
	for (size_t i = 0; i < imp->n_blobs; i++)
		if (strcmp(imp->blobs[i].digest, digest) == 0)
			return &imp->blobs[i];
	return NULL;
}

static struct blob *blob_by_path(struct importer *imp, const char *path)
{
	for (size_t i = 0; i < imp->n_links; i++)
		if (strcmp(imp->links[i].path, path) == 0) {
			path = imp->links[i].target;
			break;
		}
	for (size_t i = 0; i < imp->n_blobs; i++)
		if (imp->blobs[i].path && strcmp(imp->blobs[i].path, path) == 0)
			return &imp->blobs[i];
	return NULL;
}

static struct blob *blob_add(struct importer *imp, const char *path, const char *digest,
			     int64_t size)
{
	struct blob *b;

	if (imp->n_blobs == imp->cap_blobs) {
		imp->cap_blobs = imp->cap_blobs ? 2 * imp->cap_blobs : 16;
		imp->blobs = kk_xrealloc(imp->blobs, imp->cap_blobs * sizeof(*imp->blobs));
	}
	b = &imp->blobs[imp->n_blobs++];
	memset(b, 0, sizeof(*b));
	b->path = path ? kk_xstrdup(path) : NULL;
	snprintf(b->digest, sizeof(b->digest), "%s", digest);
	b->size = size;
	return b;
}

/* Read a whole (small) member into a new NUL-terminated buffer. */
static int read_member(struct kk_tar *tar, const struct kk_tar_entry *ent, size_t limit, char **out,
		       size_t *len, struct kk_err *err)
{
	cleanup_free char *buf = NULL;
	size_t got = 0;

	if (ent->size < 0 || (uint64_t)ent->size > limit)
		return kk_err_set(err, EFBIG, "`%s` is larger than %zu bytes", ent->name, limit);
	buf = kk_xmalloc((size_t)ent->size + 1);
	while (got < (size_t)ent->size) {
		ssize_t k = kk_tar_read(tar, buf + got, (size_t)ent->size - got, err);

		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	buf[got] = '\0';
	*out = TAKE_PTR(buf);
	*len = got;
	return 0;
}

/* "blobs/sha256/<hex>" -> "sha256:<hex>" when well-formed */
static bool blob_path_digest(const char *path, char out[KK_DIGEST_STR_SIZE])
{
	if (strncmp(path, "blobs/sha256/", 13) != 0)
		return false;
	snprintf(out, KK_DIGEST_STR_SIZE, "sha256:%s", path + 13);
	return kk_digest_is_valid(out);
}

/* A blob already in the store: hold it with our lease so GC cannot take it before the
 * image records point at it. */
static int hold_existing(struct importer *imp, const char *digest, struct kk_err *err)
{
	const char *lease = ctr_lease(imp->conn);

	if (!lease)
		return 0;
	if (ctr_lease_add_resource(imp->conn, lease, "content", digest, err) < 0)
		return kk_err_wrap(err, "hold blob `%s`", digest);
	return 0;
}

static void maybe_cache(struct importer *imp, struct blob *b, char *data, size_t len)
{
	if (data && len <= CACHE_BLOB_MAX && imp->cached + len <= CACHE_TOTAL_MAX && len > 0 &&
	    data[0] == '{') {
		b->data = data;
		b->len = len;
		imp->cached += len;
	} else {
		free(data);
	}
}

/* Stream one archive member into the content store. */
static int ingest(struct importer *imp, struct kk_tar *tar, const struct kk_tar_entry *ent,
		  struct kk_err *err)
{
	char expected[KK_DIGEST_STR_SIZE], got[KK_DIGEST_STR_SIZE];
	bool known = blob_path_digest(ent->name, expected);
	cleanup_(ctr_content_writer_freep) struct ctr_writer *w = NULL;
	cleanup_(kk_sha256_freep) struct kk_sha256 *h = NULL;
	cleanup_free char *buf = NULL;
	char *cache = NULL;
	size_t cache_len = 0;
	bool want_cache = ent->size <= CACHE_BLOB_MAX;
	enum kk_compression comp = KK_COMPRESSION_NONE;
	int64_t done = 0, skip;
	struct blob *b;
	int rc;

	if (known) {
		struct ctr_content_info info = { 0 };

		if (ctr_import_blob_by_digest(imp, expected))
			return 0; /* the same blob twice in one archive */
		rc = ctr_content_info(imp->conn, expected, &info, err);
		if (rc == 0) {
			int64_t size = info.size;

			ctr_content_info_clear(&info);
			if (size == ent->size) {
				char head[4];
				ssize_t k;

				if (hold_existing(imp, expected, err) < 0)
					return -1;
				b = blob_add(imp, ent->name, expected, ent->size);
				if (want_cache) {
					if (read_member(tar, ent, CACHE_BLOB_MAX, &cache,
							&cache_len, err) < 0)
						return -1;
					b->comp = kk_compression_detect((unsigned char *)cache,
									cache_len);
					maybe_cache(imp, b, cache, cache_len);
				} else {
					k = kk_tar_read(tar, head, sizeof(head), err);
					if (k < 0)
						return -1;
					b->comp = kk_compression_detect((unsigned char *)head,
									(size_t)k);
				}
				return 0;
			}
		} else if (kk_err_tolerate(err, ENOENT, 0) < 0) {
			return -1;
		}
	}

	free(imp->ingest_ref);
	imp->ingest_ref = kk_xasprintf("kukeon-import-%d-%s", (int)getpid(), ent->name);
	rc = ctr_content_writer_open(imp->conn, imp->ingest_ref, ent->size, known ? expected : NULL,
				     &w, err);
	if (rc < 0 && err->code == EEXIST && known) {
		/* committed meanwhile */
		kk_err_clear(err);
		free(imp->ingest_ref);
		imp->ingest_ref = NULL;
		if (hold_existing(imp, expected, err) < 0)
			return -1;
		blob_add(imp, ent->name, expected, ent->size);
		return 0;
	}
	if (rc < 0)
		return -1;
	/* containerd may already hold some (an interrupted ingest) or all (the blob is in
	 * another namespace) of the bytes: hash those from the archive, write the rest */
	skip = ctr_content_writer_offset(w);
	if (skip < 0 || skip > ent->size)
		skip = 0;
	h = kk_sha256_new();
	buf = kk_xmalloc(CHUNK);
	if (want_cache)
		cache = kk_xmalloc((size_t)ent->size + 1);
	for (;;) {
		ssize_t k = kk_tar_read(tar, buf, CHUNK, err);

		if (k < 0)
			goto fail;
		if (k == 0)
			break;
		if (done == 0)
			comp = kk_compression_detect((unsigned char *)buf, (size_t)k);
		kk_sha256_update(h, buf, (size_t)k);
		if (cache) {
			memcpy(cache + cache_len, buf, (size_t)k);
			cache_len += (size_t)k;
		}
		if (done + k > skip) {
			int64_t from = done >= skip ? 0 : skip - done;

			if (ctr_content_writer_write(w, buf + from, (size_t)(k - from), err) < 0)
				goto fail;
		}
		done += k;
	}
	kk_sha256_final(h, got);
	if (known && strcmp(got, expected) != 0) {
		kk_err_set(err, EBADMSG, "blob `%s`: digest mismatch: its content hashes to %s",
			   ent->name, got);
		goto fail;
	}
	rc = ctr_content_writer_commit(w, done, got, NULL, err);
	if (rc < 0 && kk_err_tolerate(err, EEXIST, 0) < 0)
		goto fail;
	free(imp->ingest_ref);
	imp->ingest_ref = NULL;
	b = blob_add(imp, ent->name, got, done);
	b->comp = comp;
	maybe_cache(imp, b, cache, cache_len);
	return 0;
fail:
	free(cache);
	return kk_err_wrap(err, "`%s`", ent->name[0] ? ent->name : "?");
}

/* ---- reading blobs back ------------------------------------------------------------ */

/* A blob's bytes as a new buffer: from the cache, else from the content store. */
static int blob_read(struct importer *imp, const char *digest, char **out, size_t *len,
		     struct kk_err *err)
{
	struct blob *b = ctr_import_blob_by_digest(imp, digest);

	if (b && b->data) {
		*out = kk_xmalloc(b->len + 1);
		memcpy(*out, b->data, b->len);
		(*out)[b->len] = '\0';
		*len = b->len;
		return 0;
	}
	if (ctr_content_read_all(imp->conn, digest, BLOB_JSON_MAX, out, len, err) < 0) {
		if (err->code == ENOENT)
			return kk_err_set(err, ENOENT, "blob `%s` is missing from `%s`", digest,
					  imp->source);
		return -1;
	}
	return 0;
}

int ctr_import_blob_json(struct importer *imp, const char *digest, cJSON **out, struct kk_err *err)
{
	cleanup_free char *data = NULL;
	size_t len = 0;
	cJSON *j;

	if (blob_read(imp, digest, &data, &len, err) < 0)
		return -1;
	j = cJSON_ParseWithLength(data, len);
	if (!j || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return kk_err_set(err, EBADMSG, "blob `%s` is not a JSON object", digest);
	}
	*out = j;
	return 0;
}

/* Is the blob in the archive or in the store? Store-only blobs get held by the lease. */
int ctr_import_blob_require(struct importer *imp, const char *digest, const char *what,
			    struct kk_err *err)
{
	struct ctr_content_info info = { 0 };

	if (ctr_import_blob_by_digest(imp, digest))
		return 0;
	if (ctr_content_info(imp->conn, digest, &info, err) < 0) {
		if (err->code == ENOENT)
			return kk_err_set(err, ENOENT, "%s `%s` is missing from `%s`", what, digest,
					  imp->source);
		return -1;
	}
	ctr_content_info_clear(&info);
	if (hold_existing(imp, digest, err) < 0)
		return -1;
	blob_add(imp, NULL, digest, 0);
	return 0;
}

int ctr_import_parse_desc(const cJSON *j, const char *where, struct desc *d, struct kk_err *err)
{
	struct kk_image_desc kd;

	if (kk_image_desc_decode(j, where, 0, &kd, err) < 0)
		return -1;
	d->media_type = kd.media_type;
	d->digest = kd.digest;
	d->size = kd.size;
	d->platform = cJSON_GetObjectItemCaseSensitive(j, "platform");
	d->annotations = cJSON_GetObjectItemCaseSensitive(j, "annotations");
	return 0;
}

static const char *json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- the two archive formats ------------------------------------------------------- */

int ctr_import_resolve_oci(struct importer *imp, struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *layout = cJSON_Parse(imp->oci_layout);
	cleanup_(kk_json_freep) cJSON *idx = NULL;
	const char *version = json_str(layout, "imageLayoutVersion");
	const cJSON *manifests, *it;

	if (!version)
		return kk_err_set(err, EBADMSG, "`%s`: oci-layout is not valid", imp->source);
	if (strcmp(version, "1.0.0") != 0)
		return kk_err_set(err, ENOTSUP, "`%s`: unsupported OCI layout version `%s`",
				  imp->source, version);
	if (!imp->index_json)
		return kk_err_set(err, ENOENT, "`%s`: OCI layout without index.json", imp->source);
	idx = cJSON_ParseWithLength(imp->index_json, imp->index_len);
	manifests = cJSON_GetObjectItemCaseSensitive(idx, "manifests");
	if (!cJSON_IsArray(manifests))
		return kk_err_set(err, EBADMSG, "`%s`: index.json is not an image index",
				  imp->source);
	cJSON_ArrayForEach(it, manifests)
	{
		struct desc d = { 0 };
		const char *name;
		cleanup_free char *norm = NULL;

		if (ctr_import_parse_desc(it, "index.json", &d, err) < 0)
			return kk_err_wrap(err, "`%s`", imp->source);
		name = json_str(d.annotations, "io.containerd.image.name");
		if (name && !name[0])
			name = NULL; /* empty names nothing, as in containerd's importer */
		if (!name) {
			/* a full reference in org.opencontainers.image.ref.name; a bare tag
			 * names nothing on its own */
			const char *ref =
				json_str(d.annotations, "org.opencontainers.image.ref.name");
			struct kk_err ignored = { 0 };

			if (ref && (strchr(ref, '/') || strchr(ref, '@')) &&
			    kk_image_ref_docker_normalize(ref, &norm, &ignored) == 0)
				name = norm;
		}
		if (!name)
			continue;
		ctr_import_target_add(imp, name, d.media_type, d.digest, d.size);
	}
	return 0;
}

/* Build and store the Docker schema 2 manifest containerd's importer builds for a
 * `docker save` entry; byte-for-byte what Go's json.Marshal gives, so digests agree. */
static int docker_manifest(struct importer *imp, const struct blob *config,
			   const struct blob *const *layers, size_t n,
			   char digest[KK_DIGEST_STR_SIZE], int64_t *size, struct kk_err *err)
{
	size_t cap = 512 + n * 256, len = 0;
	cleanup_free char *buf = kk_xmalloc(cap);
	struct ctr_labels l = { 0 };
	int rc;

	len += (size_t)
		snprintf(buf + len, cap - len,
			 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":"
			 "\"%s\",\"digest\":\"%s\",\"size\":%" PRId64 "},\"layers\":[",
			 KK_MT_DOCKER_MANIFEST, KK_MT_DOCKER_CONFIG, config->digest, config->size);
	ctr_import_child_label(&l, "containerd.io/gc.ref.content.config", config->digest);
	for (size_t i = 0; i < n; i++) {
		const char *mt = layers[i]->comp == KK_COMPRESSION_GZIP   ? KK_MT_DOCKER_LAYER_GZIP
				 : layers[i]->comp == KK_COMPRESSION_ZSTD ? KK_MT_OCI_LAYER_ZSTD
									  : KK_MT_DOCKER_LAYER;

		len += (size_t)
			snprintf(buf + len, cap - len,
				 "%s{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%" PRId64 "}",
				 i ? "," : "", mt, layers[i]->digest, layers[i]->size);
		ctr_import_child_label(&l, "containerd.io/gc.ref.content.l.", layers[i]->digest);
	}
	len += (size_t)snprintf(buf + len, cap - len, "]}");
	kk_sha256_digest(buf, len, digest);
	*size = (int64_t)len;
	{
		cleanup_free char *ref = kk_xasprintf("manifest-%s", digest);

		rc = ctr_content_write_all(imp->conn, ref, buf, len, digest, &l, err);
	}
	if (rc < 0 && kk_err_tolerate(err, EEXIST, 0) == 0)
		rc = ctr_content_update_labels(imp->conn, digest, &l, err);
	ctr_labels_clear(&l);
	if (rc < 0)
		return kk_err_wrap(err, "write docker manifest");
	{
		struct blob *b = blob_add(imp, NULL, digest, (int64_t)len);

		maybe_cache(imp, b, TAKE_PTR(buf), len);
	}
	return 0;
}

int ctr_import_resolve_docker(struct importer *imp, struct kk_docker_save *out, struct kk_err *err)
{
	if (kk_docker_save_parse(imp->manifest_json, imp->manifest_len, out, err) < 0)
		return kk_err_wrap(err, "`%s`", imp->source);
	return 0;
}

static int resolve_docker(struct importer *imp, struct kk_err *err)
{
	cleanup_(kk_docker_save_clear) struct kk_docker_save save = { 0 };

	if (ctr_import_resolve_docker(imp, &save, err) < 0)
		return -1;
	for (size_t e = 0; e < save.n; e++) {
		const struct kk_docker_entry *ent = &save.entries[e];
		cleanup_free const struct blob **lb = NULL;
		struct blob *config;
		char digest[KK_DIGEST_STR_SIZE];
		int64_t size;

		config = blob_by_path(imp, ent->config);
		if (!config)
			return kk_err_set(err, ENOENT,
					  "`%s`: manifest.json refers to `%s`, which is not in the "
					  "archive",
					  imp->source, ent->config);
		lb = kk_xcalloc(ent->n_layers + 1, sizeof(const struct blob *));
		for (size_t i = 0; i < ent->n_layers; i++) {
			lb[i] = blob_by_path(imp, ent->layers[i]);
			if (!lb[i])
				return kk_err_set(err, ENOENT,
						  "`%s`: manifest.json refers to `%s`, which is "
						  "not in the archive",
						  imp->source, ent->layers[i]);
		}
		if (docker_manifest(imp, config, lb, ent->n_layers, digest, &size, err) < 0)
			return kk_err_wrap(err, "`%s`", imp->source);
		for (size_t i = 0; i < ent->n_tags; i++)
			ctr_import_target_add(imp, ent->tags[i], KK_MT_DOCKER_MANIFEST, digest,
					      size);
		if (ent->n_tags == 0) {
			/* untagged: still label and unpack it, but no record names it */
			if (ctr_import_do_manifest(imp, "(untagged)", digest, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- records ------------------------------------------------------------------------ */

static int put_record(struct importer *imp, const struct target *t, bool *changed,
		      struct kk_err *err)
{
	struct ctr_image cur = { 0 }, want = { 0 };
	int rc;

	want.name = t->name;
	want.target.media_type = t->media_type;
	want.target.digest = (char *)t->digest;
	want.target.size = t->size;
	rc = ctr_image_get(imp->conn, t->name, &cur, err);
	if (rc == 0) {
		bool same = cur.target.digest && strcmp(cur.target.digest, t->digest) == 0 &&
			    cur.target.media_type &&
			    strcmp(cur.target.media_type, t->media_type) == 0;

		ctr_image_clear(&cur);
		*changed = !same;
		if (same)
			return 0;
		const char *paths[] = { "target", NULL };
		return ctr_image_update(imp->conn, &want, paths, NULL, err);
	}
	if (kk_err_tolerate(err, ENOENT, 0) < 0)
		return -1;
	*changed = true;
	return ctr_image_create(imp->conn, &want, NULL, err);
}

/* ---- entry point -------------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* dir (the first dir_len bytes of base) joined with rel, "." and ".." resolved, as Go's
 * path.Join does: "bbb" + "../aaa/layer.tar" -> "aaa/layer.tar" */
static char *join_clean(const char *base, size_t dir_len, const char *rel)
{
	char *joined = rel[0] == '/' ? kk_xstrdup(rel + 1)
				     : kk_xasprintf("%.*s/%s", (int)dir_len, base, rel);
	char *out = kk_xmalloc(strlen(joined) + 1);
	size_t o = 0;

	for (char *save = NULL, *seg = strtok_r(joined, "/", &save); seg;
	     seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		if (o)
			out[o++] = '/';
		memcpy(out + o, seg, strlen(seg));
		o += strlen(seg);
	}
	out[o] = '\0';
	free(joined);
	return out;
}

static int read_archive(struct importer *imp, const struct kk_reader *in, struct kk_err *err)
{
	cleanup_(kk_decomp_freep) struct kk_decomp *dec = NULL;
	cleanup_(kk_tar_freep) struct kk_tar *tar = NULL;
	struct kk_reader plain;
	const struct kk_tar_entry *ent;
	size_t members = 0;
	int rc;

	if (kk_decomp_new_auto(in, imp->source, &dec, err) < 0)
		return -1;
	plain = kk_decomp_reader(dec);
	tar = kk_tar_new(&plain, imp->source);
	while ((rc = kk_tar_next(tar, &ent, err)) > 0) {
		members++;
		if (ent->type == KK_TAR_SYMLINK) {
			/* docker save links repeated layers to the first copy */
			const char *slash = strrchr(ent->name, '/');

			imp->links =
				kk_xrealloc(imp->links, (imp->n_links + 1) * sizeof(*imp->links));
			imp->links[imp->n_links].path = kk_xstrdup(ent->name);
			imp->links[imp->n_links].target =
				join_clean(ent->name, (size_t)(slash ? slash - ent->name : 0),
					   ent->linkname);
			imp->n_links++;
			continue;
		}
		if (ent->type != KK_TAR_REG)
			continue;
		if (!strcmp(ent->name, "oci-layout")) {
			size_t len;

			free(imp->oci_layout);
			imp->oci_layout = NULL;
			if (read_member(tar, ent, 65536, &imp->oci_layout, &len, err) < 0)
				return kk_err_wrap(err, "`%s`", imp->source);
		} else if (!strcmp(ent->name, "index.json")) {
			free(imp->index_json);
			imp->index_json = NULL;
			if (read_member(tar, ent, META_MAX, &imp->index_json, &imp->index_len,
					err) < 0)
				return kk_err_wrap(err, "`%s`", imp->source);
		} else if (!strcmp(ent->name, "manifest.json")) {
			free(imp->manifest_json);
			imp->manifest_json = NULL;
			if (read_member(tar, ent, META_MAX, &imp->manifest_json, &imp->manifest_len,
					err) < 0)
				return kk_err_wrap(err, "`%s`", imp->source);
		} else if (!strcmp(ent->name, "repositories") || ends_with(ent->name, "/VERSION") ||
			   ends_with(ent->name, "/json")) {
			/* docker's legacy v1 metadata: not needed */
			continue;
		} else if (ingest(imp, tar, ent, err) < 0) {
			return kk_err_wrap(err, "`%s`", imp->source);
		}
	}
	if (rc < 0)
		return -1;
	if (members == 0)
		return kk_err_set(err, EINVAL, "`%s` is empty: image tarball is required",
				  imp->source);
	return 0;
}

static int import_locked(struct importer *imp, const struct kk_reader *in,
			 struct ctr_import_result *res, struct kk_err *err)
{
	if (read_archive(imp, in, err) < 0)
		return -1;
	if (imp->oci_layout) {
		if (ctr_import_resolve_oci(imp, err) < 0)
			return -1;
	} else if (imp->manifest_json) {
		if (resolve_docker(imp, err) < 0)
			return -1;
	} else {
		return kk_err_set(err, EINVAL,
				  "`%s` is not an image archive: no oci-layout or manifest.json",
				  imp->source);
	}
	for (size_t i = 0; i < imp->n_targets; i++)
		if (ctr_import_do_target(imp, &imp->targets[i], err) < 0)
			return -1;
	res->names = kk_xcalloc(imp->n_targets + 1, sizeof(char *));
	res->changed = kk_xcalloc(imp->n_targets + 1, sizeof(bool));
	for (size_t i = 0; i < imp->n_targets; i++) {
		if (put_record(imp, &imp->targets[i], &res->changed[i], err) < 0)
			return kk_err_wrap(err, "image `%s`", imp->targets[i].name);
		res->names[res->n++] = kk_xstrdup(imp->targets[i].name);
	}
	res->snapshotter = kk_xstrdup(imp->snapshotter ? imp->snapshotter : "");
	return 0;
}

int ctr_image_import(struct ctr_conn *conn, const struct kk_reader *in, const char *source,
		     const struct ctr_import_opts *opts, struct ctr_import_result *out,
		     struct kk_err *err)
{
	struct importer imp = { .conn = conn, .source = source, .opts = opts };
	struct ctr_import_result res = { 0 };
	cleanup_free char *lease = NULL;
	int rc;

	if (opts && opts->platform)
		imp.want = *opts->platform;
	else
		kk_platform_host(&imp.want);

	/* a lease holds everything written until the image records point at it */
	if (ctr_lease_create_temp(conn, "kukeon-import", &lease, err) < 0)
		return kk_err_wrap(err, "import `%s`", source);
	ctr_set_lease(conn, lease);

	rc = import_locked(&imp, in, &res, err);
	if (rc < 0 && imp.ingest_ref) {
		struct kk_err ignored = { 0 };

		ctr_content_abort(conn, imp.ingest_ref, &ignored);
	}
	ctr_set_lease(conn, NULL);
	{
		struct kk_err lerr = { 0 };

		/* on failure wait for GC, so nothing half-made is visible when we return */
		if (ctr_lease_delete(conn, lease, rc < 0, &lerr) < 0 && rc == 0) {
			*err = lerr;
			kk_err_wrap(err, "release lease `%s`", lease);
			rc = -1;
		}
	}
	ctr_import_clear(&imp);
	if (rc < 0) {
		ctr_import_result_clear(&res);
		return rc;
	}
	*out = res;
	return 0;
}

int ctr_image_register(struct ctr_conn *conn, const char *name, const struct ctr_desc *target,
		       const struct ctr_import_opts *opts, bool *changed, char **snapshotter,
		       struct kk_err *err)
{
	struct importer imp = { .conn = conn, .source = name, .opts = opts };
	struct target t = { .name = (char *)name,
			    .media_type = target->media_type,
			    .size = target->size };
	int rc;

	if (opts && opts->platform)
		imp.want = *opts->platform;
	else
		kk_platform_host(&imp.want);
	snprintf(t.digest, sizeof(t.digest), "%s", target->digest);
	rc = ctr_import_do_target(&imp, &t, err);
	if (rc == 0 && (rc = put_record(&imp, &t, changed, err)) < 0)
		kk_err_wrap(err, "image `%s`", name);
	if (rc == 0 && snapshotter)
		*snapshotter = kk_xstrdup(imp.snapshotter ? imp.snapshotter : "");
	ctr_import_clear(&imp);
	return rc;
}

void ctr_import_result_clear(struct ctr_import_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->names[i]);
	free(r->names);
	free(r->changed);
	free(r->snapshotter);
	memset(r, 0, sizeof(*r));
}
