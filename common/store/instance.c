/* common/store/instance.c - see instance.h. */
#include "common/store/instance.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/fs.h"
#include "common/gostr.h"
#include "common/mem.h"
#include "common/store/paths.h"
#include "common/store/store.h"

#define INSTANCE_MODE 0640

static void buf_str(struct kk_buf *b, const char *s)
{
	kk_buf_add(b, s, strlen(s));
}

static void buf_quoted(struct kk_buf *b, const char *s)
{
	cleanup_free char *q = kk_go_quote(s);

	buf_str(b, q);
}

void kk_instance_clear(struct kk_instance *m)
{
	free(m->ns_suffix);
	free(m->cgroup_root);
	m->ns_suffix = m->cgroup_root = NULL;
}

void kk_instance_canonicalize(const char *suffix, const char *cgroup_root, struct kk_instance *out)
{
	char *root = kk_go_trim_space(cgroup_root);
	size_t n = strlen(root);

	while (n > 0 && root[n - 1] == '/')
		root[--n] = '\0';
	out->ns_suffix = kk_go_trim_space(suffix);
	out->cgroup_root = root;
}

char *kk_instance_encode(const struct kk_instance *m, size_t *len)
{
	struct kk_buf b = { 0 };

	buf_str(&b, "{\n  \"containerdNamespaceSuffix\": ");
	kk_json_append_string(&b.p, &b.len, &b.cap, m->ns_suffix);
	buf_str(&b, ",\n  \"cgroupRoot\": ");
	kk_json_append_string(&b.p, &b.len, &b.cap, m->cgroup_root);
	buf_str(&b, "\n}\n");
	if (len)
		*len = b.len;
	return b.p;
}

int kk_instance_decode(const char *text, size_t len, struct kk_instance *out, struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *doc = NULL;
	const char *end = NULL;
	const char *suffix = NULL, *root = NULL;
	const cJSON *item;

	if (memchr(text, '\0', len))
		return kk_err_set(err, EINVAL, "invalid JSON: NUL byte");
	doc = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!doc)
		return kk_err_set(err, EINVAL, "invalid JSON at offset %td",
				  (end ? end : cJSON_GetErrorPtr()) - text);
	/* nothing but white space may follow the value */
	for (; end && (size_t)(end - text) < len; end++)
		if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r')
			return kk_err_set(err, EINVAL, "invalid JSON: data after the value");
	if (cJSON_IsNull(doc)) {
		/* Go: unmarshalling null into a struct leaves it zero */
	} else if (!cJSON_IsObject(doc)) {
		return kk_err_set(err, EINVAL, "instance metadata is not a JSON object");
	}
	cJSON_ArrayForEach(item, doc)
	{
		const char **dst = NULL;

		if (strcasecmp(item->string, "containerdNamespaceSuffix") == 0)
			dst = &suffix;
		else if (strcasecmp(item->string, "cgroupRoot") == 0)
			dst = &root;
		if (!dst)
			continue;
		if (cJSON_IsNull(item))
			continue;
		if (!cJSON_IsString(item))
			return kk_err_set(err, EINVAL, "`%s` is not a string", item->string);
		*dst = item->valuestring; /* the last occurrence wins, as in Go */
	}
	out->ns_suffix = kk_xstrdup(suffix ? suffix : "");
	out->cgroup_root = kk_xstrdup(root ? root : "");
	return 0;
}

int kk_instance_load(const char *run_path, struct kk_instance *out, struct kk_err *err)
{
	cleanup_free char *path = kk_store_instance_path(run_path);
	cleanup_free char *text = NULL;
	size_t len = 0;

	if (kk_read_file_max(path, 1u << 20, &text, &len, err) < 0) {
		if (kk_err_tolerate(err, ENOENT, 0) == 0)
			return 0;
		return kk_err_wrap(err,
				   "read instance metadata `%s`: server configuration is invalid",
				   path);
	}
	if (kk_instance_decode(text, len, out, err) < 0)
		return kk_err_wrap(err,
				   "parse instance metadata `%s`: server configuration is invalid",
				   path);
	return 1;
}

int kk_instance_write(struct kk_store *st, const struct kk_instance *m, struct kk_err *err)
{
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	const char *run_path = kk_store_run_path(st);
	cleanup_free char *path = kk_store_instance_path(run_path);
	cleanup_free char *text = NULL;
	size_t len;

	/* kk_store_lock() creates the run path (0750), as upstream's Write does */
	if (kk_store_lock_scoped(st, KK_STORE_LOCK_TIMEOUT_MS, &held, err) < 0)
		return kk_err_wrap(err, "write instance metadata");
	if (kk_remove_tmp_files(run_path, KK_STORE_INSTANCE_TMP_PREFIX, err) < 0)
		return kk_err_wrap(err, "write instance metadata");
	text = kk_instance_encode(m, &len);
	if (kk_write_atomic(path, KK_STORE_INSTANCE_TMP_PREFIX, text, len, INSTANCE_MODE, err) < 0)
		return kk_err_wrap(err, "write instance metadata");
	return 0;
}

int kk_instance_verify_or_write(struct kk_store *st, const char *suffix, const char *cgroup_root,
				struct kk_err *err)
{
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_instance want = { 0 }, prior = { 0 };
	struct kk_buf msg = { 0 };
	int found, rc = 0;

	kk_instance_canonicalize(suffix, cgroup_root, &want);
	/* The file is written once, atomically: a matching one needs no lock (the whole
	 * store's exclusive lock would wait for every writer in it). */
	if (kk_instance_load(kk_store_run_path(st), &prior, &(struct kk_err){ 0 }) == 1 &&
	    prior.ns_suffix && prior.cgroup_root && strcmp(prior.ns_suffix, want.ns_suffix) == 0 &&
	    strcmp(prior.cgroup_root, want.cgroup_root) == 0)
		goto out;
	kk_instance_clear(&prior);
	if (kk_store_lock_scoped(st, KK_STORE_LOCK_TIMEOUT_MS, &held, err) < 0) {
		rc = -1;
		goto out;
	}
	found = kk_instance_load(kk_store_run_path(st), &prior, err);
	if (found < 0) {
		rc = -1;
	} else if (found == 0) {
		rc = kk_instance_write(st, &want, err) < 0 ? -1 : 1;
	} else if (!prior.ns_suffix || !prior.cgroup_root ||
		   strcmp(prior.ns_suffix, want.ns_suffix) != 0 ||
		   strcmp(prior.cgroup_root, want.cgroup_root) != 0) {
		buf_str(&msg, "runPath ");
		buf_quoted(&msg, kk_store_run_path(st));
		buf_str(&msg, " was bootstrapped with containerdNamespaceSuffix=");
		buf_quoted(&msg, prior.ns_suffix ? prior.ns_suffix : "");
		buf_str(&msg, " cgroupRoot=");
		buf_quoted(&msg, prior.cgroup_root ? prior.cgroup_root : "");
		buf_str(&msg, " but the running configuration requests containerdNamespaceSuffix=");
		buf_quoted(&msg, want.ns_suffix);
		buf_str(&msg, " cgroupRoot=");
		buf_quoted(&msg, want.cgroup_root);
		buf_str(&msg, ": kukeon instance mismatch");
		rc = kk_err_set(err, EINVAL, "%s", msg.p);
	}
out:
	free(msg.p);
	kk_instance_clear(&prior);
	kk_instance_clear(&want);
	return rc;
}
