/* ctr/image_unpack.c - the image walk of an import (see image_import.c): label index and
 * manifest blobs for GC, choose the snapshotter, unpack each chosen manifest's layers. */
#include "ctr/image_import_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/image/mediatype.h"
#include "common/mem.h"

/* ---- labels ------------------------------------------------------------------------- */

/* containerd's images.ChildGCLabels naming: prefixes ending in '.' always get an index,
 * others only from their second use. */
void ctr_import_child_label(struct ctr_labels *l, const char *prefix, const char *digest)
{
	size_t plen = strlen(prefix);
	unsigned idx = 0;
	char key[128];

	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->keys[i], prefix, plen) == 0 &&
		    (l->keys[i][plen] == '\0' || prefix[plen - 1] == '.' ||
		     (l->keys[i][plen] >= '0' && l->keys[i][plen] <= '9')))
			idx++;
	if (idx > 0 || prefix[plen - 1] == '.')
		snprintf(key, sizeof(key), "%s%u", prefix, idx);
	else
		snprintf(key, sizeof(key), "%s", prefix);
	ctr_labels_set(l, key, digest);
}

/* ---- unpack ------------------------------------------------------------------------- */

static int choose_snapshotter(struct importer *imp, const char *probe_key, struct kk_err *err)
{
	struct ctr_snapshot st = { 0 };

	if (imp->snapshotter_fixed)
		return 0;
	imp->snapshotter_fixed = true;
	if (imp->opts && imp->opts->snapshotter) {
		imp->snapshotter = kk_xstrdup(imp->opts->snapshotter);
		return 0;
	}
	imp->snapshotter = kk_xstrdup("overlayfs");
	if (ctr_snapshot_stat(imp->conn, "overlayfs", probe_key, &st, err) == 0) {
		ctr_snapshot_clear(&st);
		return 0;
	}
	if (kk_err_tolerate(err, ENOENT, 0) == 0)
		return 0;
	/* overlayfs is not loaded here (no kernel support): containerd's native one is */
	free(imp->snapshotter);
	imp->snapshotter = kk_xstrdup("native");
	return 0;
}

static int apply_layer(struct importer *imp, const struct kk_image_desc *layer, const char *diff_id,
		       const char *parent, const char *chain, struct kk_err *err)
{
	struct ctr_desc blob = { 0 }, applied = { 0 };
	struct ctr_mounts mounts = { 0 };
	cleanup_free char *key = NULL;
	struct timespec ts;
	int rc;

	for (int attempt = 0;; attempt++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		free(key);
		/* containerd's snapshots.UnpackKeyFormat: "extract-<unique> <chain id>" */
		key = kk_xasprintf("extract-%ld-kk%d %s", ts.tv_nsec, (int)getpid(), chain);
		rc = ctr_snapshot_prepare(imp->conn, imp->snapshotter, key, parent, NULL, &mounts,
					  err);
		if (rc == 0)
			break;
		if (attempt >= 3 || kk_err_tolerate(err, EEXIST, 0) < 0)
			return kk_err_wrap(err, "prepare snapshot for layer `%s`", layer->digest);
	}
	blob.media_type = (char *)layer->media_type;
	blob.digest = (char *)layer->digest;
	blob.size = layer->size;
	rc = ctr_diff_apply(imp->conn, &blob, &mounts, &applied, err);
	ctr_mounts_clear(&mounts);
	if (rc < 0) {
		kk_err_wrap(err, "apply layer `%s`", layer->digest);
		goto undo_snapshot;
	}
	if (!applied.digest || strcmp(applied.digest, diff_id) != 0) {
		kk_err_set(err, EBADMSG,
			   "layer `%s`: unpacked content hashes to %s, not diff id %s",
			   layer->digest, applied.digest ? applied.digest : "?", diff_id);
		ctr_desc_clear(&applied);
		goto undo_snapshot;
	}
	ctr_desc_clear(&applied);
	if (ctr_snapshot_commit(imp->conn, imp->snapshotter, chain, key, NULL, err) < 0) {
		if (kk_err_tolerate(err, EEXIST, 0) < 0) {
			kk_err_wrap(err, "commit snapshot `%s`", chain);
			goto undo_snapshot;
		}
		/* committed concurrently by someone else: ours is not needed */
		struct kk_err ignored = { 0 };
		ctr_snapshot_remove(imp->conn, imp->snapshotter, key, &ignored);
		return 0;
	}
	return 0;
undo_snapshot : {
	struct kk_err ignored = { 0 };

	ctr_snapshot_remove(imp->conn, imp->snapshotter, key, &ignored);
	return -1;
}
}

/* Unpack the layers of a manifest; labels as containerd's Image.Unpack sets them. */
static int unpack(struct importer *imp, const char *name, const struct kk_image_manifest *m,
		  struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *config = NULL;
	cleanup_(kk_image_rootfs_clear) struct kk_image_rootfs rootfs = { 0 };
	cleanup_free char *where = kk_xasprintf("config `%s`", m->config.digest);
	size_t n = m->n_layers;
	char label[128];

	if (ctr_import_blob_json(imp, m->config.digest, &config, err) < 0)
		return kk_err_wrap(err, "image `%s`: config", name);
	if (kk_image_rootfs_decode(config, where, n, &rootfs, err) < 0)
		return kk_err_wrap(err, "image `%s`", name);
	if (n == 0)
		return 0;
	if (choose_snapshotter(imp, rootfs.chain[n - 1], err) < 0)
		return -1;

	for (size_t i = 0; i < n; i++) {
		struct ctr_snapshot st = { 0 };
		const struct kk_image_desc *ld = &m->layers[i];

		if (ctr_snapshot_stat(imp->conn, imp->snapshotter, rootfs.chain[i], &st, err) ==
		    0) {
			ctr_snapshot_clear(&st);
			continue; /* already unpacked */
		}
		if (kk_err_tolerate(err, ENOENT, 0) < 0)
			return kk_err_wrap(err, "image `%s`: snapshotter `%s`", name,
					   imp->snapshotter);
		if (apply_layer(imp, ld, rootfs.diff_ids[i], i ? rootfs.chain[i - 1] : NULL,
				rootfs.chain[i], err) < 0)
			return kk_err_wrap(err, "image `%s`: layer %zu", name, i);
		/* the uncompressed digest is now verified by the apply */
		struct ctr_labels l = { 0 };
		ctr_labels_set(&l, "containerd.io/uncompressed", rootfs.diff_ids[i]);
		int rc = ctr_content_update_labels(imp->conn, ld->digest, &l, err);
		ctr_labels_clear(&l);
		if (rc < 0)
			return -1;
	}
	struct ctr_labels l = { 0 };
	snprintf(label, sizeof(label), "containerd.io/gc.ref.snapshot.%s", imp->snapshotter);
	ctr_labels_set(&l, label, rootfs.chain[n - 1]);
	int rc = ctr_content_update_labels(imp->conn, m->config.digest, &l, err);
	ctr_labels_clear(&l);
	return rc;
}

/* ---- walking the image ------------------------------------------------------------ */

static bool already_labelled(struct importer *imp, const char *digest)
{
	for (size_t i = 0; i < imp->n_labelled; i++)
		if (strcmp(imp->labelled[i], digest) == 0)
			return true;
	return false;
}

/* A manifest: check its blobs are there, label it, unpack it. */
int ctr_import_do_manifest(struct importer *imp, const char *name, const char *digest,
			   struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *j = NULL;
	cleanup_(kk_image_manifest_clear) struct kk_image_manifest m = { 0 };
	struct ctr_labels l = { 0 };
	const char *cmt;
	int rc = -1;

	if (already_labelled(imp, digest))
		return 0;
	if (ctr_import_blob_require(imp, digest, "manifest", err) < 0 ||
	    ctr_import_blob_json(imp, digest, &j, err) < 0)
		return kk_err_wrap(err, "image `%s`", name);
	if (kk_image_manifest_decode(j, 0, &m, err) < 0)
		return kk_err_wrap(err, "image `%s`: manifest `%s`", name, digest);
	if (ctr_import_blob_require(imp, m.config.digest, "config", err) < 0)
		return kk_err_wrap(err, "image `%s`", name);
	cmt = m.config.media_type[0] ? m.config.media_type : KK_MT_OCI_CONFIG;
	ctr_import_child_label(&l, kk_media_gc_label(cmt), m.config.digest);
	for (size_t i = 0; i < m.n_layers; i++) {
		if (ctr_import_blob_require(imp, m.layers[i].digest, "layer", err) < 0) {
			kk_err_wrap(err, "image `%s`", name);
			goto out;
		}
		ctr_import_child_label(&l, kk_media_gc_label(m.layers[i].media_type),
				       m.layers[i].digest);
	}
	if (ctr_content_update_labels(imp->conn, digest, &l, err) < 0)
		goto out;
	if (!imp->opts || !imp->opts->no_unpack)
		if (unpack(imp, name, &m, err) < 0)
			goto out;
	imp->labelled = kk_xrealloc(imp->labelled, (imp->n_labelled + 1) * sizeof(char *));
	imp->labelled[imp->n_labelled++] = kk_xstrdup(digest);
	rc = 0;
out:
	ctr_labels_clear(&l);
	return rc;
}

/* The platform of a manifest without one in its descriptor: from its config. */
static int manifest_platform(struct importer *imp, const char *digest, struct kk_platform *p,
			     struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *m = NULL;
	cleanup_(kk_json_freep) cJSON *c = NULL;
	struct kk_image_desc cd = { 0 };

	if (ctr_import_blob_require(imp, digest, "manifest", err) < 0 ||
	    ctr_import_blob_json(imp, digest, &m, err) < 0 ||
	    kk_image_desc_decode(cJSON_GetObjectItemCaseSensitive(m, "config"), "config", 0, &cd,
				 err) < 0 ||
	    ctr_import_blob_require(imp, cd.digest, "config", err) < 0 ||
	    ctr_import_blob_json(imp, cd.digest, &c, err) < 0)
		return -1;
	kk_platform_from_json(c, p);
	return 0;
}

/* An index (OCI index or docker manifest list): keep the children for our platform (and
 * those that say none), label the index with them when it is a stored blob, descend.
 * *best receives the digest of the best-matching manifest (empty if none). */
static int do_index(struct importer *imp, const char *name, const char *digest, const cJSON *idx,
		    bool stored, char best[KK_DIGEST_STR_SIZE], int *best_rank, struct kk_err *err)
{
	cleanup_(kk_image_index_clear) struct kk_image_index list = { 0 };
	cleanup_free char *where = kk_xasprintf("index `%s`", digest);
	struct ctr_labels l = { 0 };
	int rc = -1;

	if (kk_image_index_decode(idx, where, 0, &list, err) < 0)
		return -1;
	for (size_t i = 0; i < list.n; i++) {
		const struct kk_image_desc *d = &list.entries[i].desc;
		struct kk_platform p = list.entries[i].platform;
		int rank = -1;
		enum kk_media_kind kind = kk_media_kind(d->media_type);

		if (list.entries[i].has_platform) {
			rank = kk_platform_match_rank(&imp->want, &p);
			if (rank < 0)
				continue; /* another platform: not ours to keep */
		}
		if (kind == KK_MEDIA_MANIFEST) {
			if (!list.entries[i].has_platform) {
				if (manifest_platform(imp, d->digest, &p, err) < 0)
					goto out_wrap;
				rank = kk_platform_match_rank(&imp->want, &p);
			}
			if (rank >= 0 && (*best_rank < 0 || rank < *best_rank)) {
				snprintf(best, KK_DIGEST_STR_SIZE, "%s", d->digest);
				*best_rank = rank;
			}
		} else if (kind == KK_MEDIA_INDEX) {
			cleanup_(kk_json_freep) cJSON *child = NULL;

			if (ctr_import_blob_require(imp, d->digest, "index", err) < 0 ||
			    ctr_import_blob_json(imp, d->digest, &child, err) < 0 ||
			    do_index(imp, name, d->digest, child, true, best, best_rank, err) < 0)
				goto out_wrap;
		} else {
			/* attestations and the like: keep them alive if present, nothing more */
			if (!ctr_import_blob_by_digest(imp, d->digest))
				continue;
		}
		ctr_import_child_label(&l, kk_media_gc_label(d->media_type), d->digest);
	}
	if (stored && ctr_content_update_labels(imp->conn, digest, &l, err) < 0)
		goto out;
	rc = 0;
	goto out;
out_wrap:
	kk_err_wrap(err, "image `%s`", name);
out:
	ctr_labels_clear(&l);
	return rc;
}

/* One image record to be: walk it for our platform, unpack it. */
int ctr_import_do_target(struct importer *imp, const struct target *t, struct kk_err *err)
{
	switch (kk_media_kind(t->media_type)) {
	case KK_MEDIA_MANIFEST:
		return ctr_import_do_manifest(imp, t->name, t->digest, err);
	case KK_MEDIA_INDEX: {
		cleanup_(kk_json_freep) cJSON *idx = NULL;
		char best[KK_DIGEST_STR_SIZE] = "";
		int best_rank = -1;
		char pbuf[96];

		if (ctr_import_blob_require(imp, t->digest, "index", err) < 0 ||
		    ctr_import_blob_json(imp, t->digest, &idx, err) < 0 ||
		    do_index(imp, t->name, t->digest, idx, true, best, &best_rank, err) < 0)
			return kk_err_wrap(err, "image `%s`", t->name);
		if (!best[0])
			return kk_err_set(err, ENOENT, "image `%s`: no manifest for platform %s",
					  t->name,
					  kk_platform_format(&imp->want, pbuf, sizeof(pbuf)));
		return ctr_import_do_manifest(imp, t->name, best, err);
	}
	default:
		return kk_err_set(err, ENOTSUP, "image `%s`: unsupported media type `%s`", t->name,
				  t->media_type[0] ? t->media_type : "(none)");
	}
}

void ctr_import_target_add(struct importer *imp, const char *name, const char *media_type,
			   const char *digest, int64_t size)
{
	struct target *t;

	for (size_t i = 0; i < imp->n_targets; i++)
		if (strcmp(imp->targets[i].name, name) == 0) {
			/* a later entry with the same name wins, as in containerd */
			t = &imp->targets[i];
			free(t->media_type);
			t->media_type = kk_xstrdup(media_type);
			snprintf(t->digest, sizeof(t->digest), "%s", digest);
			t->size = size;
			return;
		}
	imp->targets = kk_xrealloc(imp->targets, (imp->n_targets + 1) * sizeof(*imp->targets));
	t = &imp->targets[imp->n_targets++];
	t->name = kk_xstrdup(name);
	t->media_type = kk_xstrdup(media_type);
	snprintf(t->digest, sizeof(t->digest), "%s", digest);
	t->size = size;
}
