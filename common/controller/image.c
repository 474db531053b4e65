/* common/controller/image.c - see image.h. */
#include "common/controller/image.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/controller/namespace.h"
#include "common/gostr.h"
#include "common/model/naming.h"
#include "common/store/paths.h"
#include "common/store/store.h"
#include "common/image/platform.h"
#include "common/image/ref.h"
#include "common/image/stream.h"
#include "common/mem.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/model/model.h"
#include "ctr/image.h"
#include "kk_config.h"
#if ENABLE_FEATURE_KUKE_IMAGE_PULL
#include "common/controller/pull.h"
#endif

/* The realm must exist on disk (its metadata.json), checked before any containerd call. */
static int open_realm(struct kk_local *l, const char *realm_in, char **realm, char **ns,
		      struct ctr_conn **conn, struct kk_err *err)
{
	cleanup_free char *r = kk_go_trim_space(realm_in);

	if (!*r)
		return kk_err_set(err, EINVAL, "realm name is required");
	if (kk_name_validate("realm", r, NULL, err) < 0)
		return -1;
	if (kk_realm_ns_load(l, r, ns, err) < 0)
		return -1;
	if (kk_local_connect(l, *ns, conn, err) < 0) {
		free(*ns);
		*ns = NULL;
		return -1;
	}
	*realm = TAKE_PTR(r);
	return 0;
}

int kk_op_image_load(struct kk_local *l, const struct kk_image_load_req *req,
		      struct kk_image_load_result *res, struct kk_err *err)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = NULL;
	struct kk_fd_reader fr = { .fd = req->fd, .name = req->source };
	struct kk_reader in = kk_fd_reader_get(&fr);
	struct ctr_import_result ir = { 0 };
	struct ctr_import_opts opts = { 0 };
	struct kk_platform plat;
	cleanup_free char *realm = NULL;
	cleanup_free char *ns = NULL;

	if (req->platform) {
		if (kk_platform_parse(req->platform, &plat, err) < 0)
			return -1;
		opts.platform = &plat;
	}
	if (open_realm(l, req->realm, &realm, &ns, &conn, err) < 0)
		return -1;
	/* a long import must not trip the per-call deadline of a short one */
	ctr_set_timeout(conn, 10 * 60 * 1000);
	if (ctr_image_import(conn, &in, req->source, &opts, &ir, err) < 0)
		return kk_err_wrap(err, "failed to load image");
	res->realm = TAKE_PTR(realm);
	res->ns = TAKE_PTR(ns);
	res->n = ir.n;
	res->images = TAKE_PTR(ir.names);
	res->snapshotter = TAKE_PTR(ir.snapshotter);
	ir.n = 0;
	ctr_import_result_clear(&ir);
	return 0;
}

#if ENABLE_FEATURE_KUKE_IMAGE_PULL
int kk_image_pull_realm(struct ctr_conn *conn, const struct kk_realm *realm, const char *ref,
			const char *record_name, const struct kk_platform *platform,
			kk_pull_progress_fn *progress, void *arg, struct kk_image_pull_result *res,
			struct kk_err *err)
{
	struct kk_pull_opts o = {
		.platform = platform,
		.record_name = record_name,
		.creds = realm ? realm->spec.registry_credentials : NULL,
		.n_creds = realm ? realm->spec.n_registry_credentials : 0,
		.progress = progress,
		.progress_arg = arg,
	};

	/* a long pull must not trip the per-call deadline of a short call */
	ctr_set_timeout(conn, 10 * 60 * 1000);
	if (kk_image_pull_into(conn, ref, &o, res, err) < 0)
		return kk_err_wrap(err, "failed to pull image %s", ref);
	return 0;
}

int kk_op_image_pull(struct kk_local *l, const struct kk_image_pull_req *req,
		      struct kk_image_pull_result *res, struct kk_err *err)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = NULL;
	cleanup_(kk_realm_freep) struct kk_realm *doc = NULL;
	cleanup_free char *realm = NULL;
	cleanup_free char *ns = NULL;
	cleanup_free char *ref = kk_go_trim_space(req->ref);
	struct kk_platform plat;

	if (!*ref)
		return kk_err_set(err, EINVAL, "image reference is required");
	if (req->platform && kk_platform_parse(req->platform, &plat, err) < 0)
		return -1;
	if (open_realm(l, req->realm, &realm, &ns, &conn, err) < 0)
		return -1;
	/* its registryCredentials */
	if (kk_local_load_realm(l, &(struct kk_store_ref){ .realm = realm }, &doc, err) < 0)
		return -1;
	if (kk_image_pull_realm(conn, doc, ref, NULL, req->platform ? &plat : NULL, req->progress,
				req->progress_arg, res, err) < 0)
		return -1;
	res->realm = TAKE_PTR(realm);
	res->ns = TAKE_PTR(ns);
	return 0;
}
#else
int kk_image_pull_realm(struct ctr_conn *conn, const struct kk_realm *realm, const char *ref,
			const char *record_name, const struct kk_platform *platform,
			kk_pull_progress_fn *progress, void *arg, struct kk_image_pull_result *res,
			struct kk_err *err)
{
	return kk_err_set(err, ENOTSUP,
			  "image `%s` is not in the realm and this kukeon is built without pull "
			  "(load it with `kuke image load`)",
			  ref);
}

int kk_op_image_pull(struct kk_local *l, const struct kk_image_pull_req *req,
		     struct kk_image_pull_result *res, struct kk_err *err)
{
	(void)l, (void)res;
	return kk_err_set(err, ENOTSUP, "this kukeon is built without pull: cannot pull `%s`",
			  req->ref);
}
#endif

int kk_image_ensure(struct ctr_conn *conn, const struct kk_realm *realm, const char *image,
		    struct kk_err *err)
{
	struct kk_image_pull_result res = { 0 };
	struct ctr_image img = { 0 };
	int rc = ctr_image_get(conn, image, &img, err);

	ctr_image_clear(&img);
	if (rc == 0 || err->code != ENOENT)
		return rc;
	rc = kk_image_pull_realm(conn, realm, image, image, NULL, NULL, NULL, &res, err);
	kk_image_pull_result_clear(&res);
	return rc;
}

void kk_image_pull_result_clear(struct kk_image_pull_result *r)
{
	free(r->realm);
	free(r->ns);
	free(r->name);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

void kk_image_load_result_clear(struct kk_image_load_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->images[i]);
	free(r->images);
	free(r->realm);
	free(r->ns);
	free(r->snapshotter);
	memset(r, 0, sizeof(*r));
}

static int label_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void info_from_ctr(struct ctr_conn *conn, const struct ctr_image *img,
			  struct kk_image_info *out)
{
	struct kk_err ignored = { 0 };
	cleanup_free size_t *order = NULL;

	out->name = kk_xstrdup(img->name);
	out->created_ns = img->created_ns;
	out->digest = kk_xstrdup(img->target.digest ? img->target.digest : "");
	out->media_type = kk_xstrdup(img->target.media_type ? img->target.media_type : "");
	if (ctr_image_size(conn, &img->target, NULL, &out->size, &ignored) < 0) {
		out->size = -1;
		kk_log_ignored(ctr_log(conn), &ignored, "size of image `%s` (unknown)", img->name);
	}
	out->n_labels = img->labels.n;
	out->label_keys = kk_xcalloc(img->labels.n + 1, sizeof(char *));
	out->label_values = kk_xcalloc(img->labels.n + 1, sizeof(char *));
	for (size_t i = 0; i < img->labels.n; i++)
		out->label_keys[i] = kk_xstrdup(img->labels.keys[i]);
	qsort(out->label_keys, img->labels.n, sizeof(char *), label_cmp);
	for (size_t i = 0; i < img->labels.n; i++)
		out->label_values[i] = kk_xstrdup(ctr_labels_get(&img->labels, out->label_keys[i]));
}

static int info_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kk_image_info *)a)->name,
		      ((const struct kk_image_info *)b)->name);
}

int kk_op_image_list(struct kk_local *l, const struct kk_image_req *req,
		      struct kk_image_list_result *res, struct kk_err *err)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = NULL;
	cleanup_free char *realm = NULL;
	cleanup_free char *ns = NULL;
	struct ctr_image *list = NULL;
	size_t n = 0;

	if (open_realm(l, req->realm, &realm, &ns, &conn, err) < 0)
		return -1;
	if (ctr_image_list(conn, NULL, &list, &n, err) < 0)
		return kk_err_wrap(err, "failed to list images");
	res->images = kk_xcalloc(n + 1, sizeof(*res->images));
	for (size_t i = 0; i < n; i++)
		info_from_ctr(conn, &list[i], &res->images[i]);
	res->n = n;
	qsort(res->images, n, sizeof(*res->images), info_cmp);
	ctr_image_list_free(list, n);
	res->realm = TAKE_PTR(realm);
	res->ns = TAKE_PTR(ns);
	return 0;
}

void kk_image_list_result_clear(struct kk_image_list_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		kk_image_info_clear(&r->images[i]);
	free(r->images);
	free(r->realm);
	free(r->ns);
	memset(r, 0, sizeof(*r));
}

/* The record for ref: as given, else its normalised form. *name is the one found. */
static int find_image(struct ctr_conn *conn, const char *ref, struct ctr_image *img,
		      struct kk_err *err)
{
	cleanup_free char *norm = NULL;

	if (!*ref)
		return kk_err_set(err, ENOENT, "image not found");
	if (ctr_image_get(conn, ref, img, err) == 0)
		return 0;
	if (err->code != ENOENT)
		return -1;
	norm = kk_image_ref_normalize(ref);
	if (strcmp(norm, ref) != 0 && ctr_image_get(conn, norm, img, err) == 0)
		return 0;
	if (err->code != ENOENT)
		return -1;
	return kk_err_set(err, ENOENT, "image not found");
}

/* An image in a realm: the realm's connection and names, and the image record. */
struct image_at {
	char *ref; /* trimmed, as asked */
	char *realm, *ns;
	struct ctr_conn *conn;
	struct ctr_image img;
};

static void image_at_clear(struct image_at *at)
{
	ctr_image_clear(&at->img);
	ctr_disconnect(at->conn);
	free(at->ns);
	free(at->realm);
	free(at->ref);
}

/* Find at->ref in realm_in. what names the operation in errors other than "image not
 * found". */
static int open_image(struct kk_local *l, const char *realm_in, const char *what,
		      struct image_at *at, struct kk_err *err)
{
	if (open_realm(l, realm_in, &at->realm, &at->ns, &at->conn, err) < 0)
		return -1;
	if (find_image(at->conn, at->ref, &at->img, err) < 0)
		return err->code == ENOENT ? -1 : kk_err_wrap(err, "failed to %s image", what);
	return 0;
}

int kk_op_image_get(struct kk_local *l, const struct kk_image_req *req,
		     struct kk_image_info *out, struct kk_err *err)
{
	cleanup_(image_at_clear) struct image_at at = { .ref = kk_go_trim_space(req->ref) };

	if (open_image(l, req->realm, "get", &at, err) < 0)
		return -1;
	info_from_ctr(at.conn, &at.img, out);
	return 0;
}

void kk_image_info_clear(struct kk_image_info *info)
{
	free(info->name);
	free(info->digest);
	free(info->media_type);
	for (size_t i = 0; i < info->n_labels; i++) {
		free(info->label_keys[i]);
		free(info->label_values[i]);
	}
	free(info->label_keys);
	free(info->label_values);
	memset(info, 0, sizeof(*info));
}

int kk_op_image_delete(struct kk_local *l, const struct kk_image_req *req,
			struct kk_image_delete_result *res, struct kk_err *err)
{
	cleanup_(image_at_clear) struct image_at at = { .ref = kk_go_trim_space(req->ref) };

	if (!*at.ref)
		return kk_err_set(err, ENOENT, "image not found");
	if (open_image(l, req->realm, "delete", &at, err) < 0)
		return -1;
	/* the metadata delete, as upstream: containerd's GC frees the content later */
	if (ctr_image_delete(at.conn, at.img.name, false, err) < 0) {
		if (err->code == ENOENT)
			return kk_err_set(err, ENOENT, "image not found");
		return kk_err_wrap(err, "failed to delete image");
	}
	res->ref = TAKE_PTR(at.img.name);
	res->realm = TAKE_PTR(at.realm);
	res->ns = TAKE_PTR(at.ns);
	return 0;
}

void kk_image_delete_result_clear(struct kk_image_delete_result *r)
{
	free(r->realm);
	free(r->ns);
	free(r->ref);
	memset(r, 0, sizeof(*r));
}

/* Go's time.Time JSON: RFC 3339 with nanoseconds, trailing zeros dropped; UTC. */
static void go_time(int64_t ns, char *buf, size_t size)
{
	time_t sec = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	struct tm tm;
	char f[16] = "";

	if (ns == 0) {
		snprintf(buf, size, "0001-01-01T00:00:00Z");
		return;
	}
	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	gmtime_r(&sec, &tm);
	if (frac) {
		int len = snprintf(f, sizeof(f), ".%09ld", frac);

		while (len > 1 && f[len - 1] == '0')
			f[--len] = '\0';
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, f);
}

cJSON *kk_image_info_to_json(const struct kk_image_info *info)
{
	cJSON *o = cJSON_CreateObject();
	char t[64];

	cJSON_AddStringToObject(o, "Name", info->name);
	cJSON_AddNumberToObject(o, "Size", (double)info->size);
	go_time(info->created_ns, t, sizeof(t));
	cJSON_AddStringToObject(o, "CreatedAt", t);
	cJSON_AddStringToObject(o, "Digest", info->digest);
	cJSON_AddStringToObject(o, "MediaType", info->media_type);
	if (info->n_labels == 0) {
		cJSON_AddNullToObject(o, "Labels");
	} else {
		cJSON *l = cJSON_AddObjectToObject(o, "Labels");

		for (size_t i = 0; i < info->n_labels; i++)
			cJSON_AddStringToObject(l, info->label_keys[i], info->label_values[i]);
	}
	return o;
}

cJSON *kk_image_list_result_to_json(const struct kk_image_list_result *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *a;

	cJSON_AddStringToObject(o, "Realm", r->realm);
	cJSON_AddStringToObject(o, "Namespace", r->ns);
	a = cJSON_AddArrayToObject(o, "Images");
	for (size_t i = 0; i < r->n; i++)
		cJSON_AddItemToArray(a, kk_image_info_to_json(&r->images[i]));
	return o;
}
