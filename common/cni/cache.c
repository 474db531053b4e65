/* common/cni/cache.c - libcni's result cache: "<cache_dir>/results/<net>-<container>-<ifname>".
 *
 * The entry is the JSON libcni writes (cachedInfo in libcni/api.go), members in its order:
 *   {"kind":"cniCacheV1","containerId":..,"config":"<base64 of the conflist bytes>",
 *    "ifName":..,"networkName":..,"netns":..,"cniArgs":[["K","V"],..],"result":{..}}
 * netns and cniArgs are left out when empty, as Go's omitempty does. An entry without "kind"
 * is libcni's legacy format: the file is the result itself. */
#include "common/cni/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "common/mem.h"

#define CACHE_KIND  "cniCacheV1"
#define ENTRY_MAX   (16u << 20)
#define RESULTS_DIR "results"
/* temp files of atomic writes: dot-files, so listings skip them */
#define CACHE_TMP_PREFIX ".kukeon-cni-"

char *kk_cni_cache_path(const char *cache_dir, const char *network, const char *container_id,
			const char *ifname)
{
	return kk_xasprintf("%s/" RESULTS_DIR "/%s-%s-%s", cache_dir, network, container_id,
			    ifname);
}

/* ---- base64 (RFC 4648 with padding: what Go's encoding/json does with []byte) --------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *base64_encode(const unsigned char *in, size_t len)
{
	char *out = kk_xmalloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];

		*o++ = b64[v >> 18 & 63], *o++ = b64[v >> 12 & 63];
		*o++ = b64[v >> 6 & 63], *o++ = b64[v & 63];
	}
	if (i < len) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0);

		*o++ = b64[v >> 18 & 63], *o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < len ? b64[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/* Returns -1 on a malformed input. */
static int base64_decode(const char *in, char **out, size_t *out_len)
{
	size_t len = strlen(in), i, n = 0;
	unsigned acc = 0;
	int bits = 0;
	char *buf;

	buf = kk_xmalloc(len / 4 * 3 + 3);
	for (i = 0; i < len; i++) {
		const char *p;

		if (in[i] == '=')
			break;
		p = strchr(b64, in[i]);
		if (!p || !in[i]) {
			free(buf);
			return -1;
		}
		acc = acc << 6 | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (char)(acc >> bits & 0xff);
		}
	}
	for (; i < len; i++)
		if (in[i] != '=') {
			free(buf);
			return -1;
		}
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	return 0;
}

/* ---- entries ---------------------------------------------------------------------- */

int kk_cni_cache_write(const char *cache_dir, const struct kk_cni_conflist *net,
		       const struct kk_cni_attachment *att, const cJSON *result, struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *doc = cJSON_CreateObject();
	cleanup_free char *dir = kk_xasprintf("%s/" RESULTS_DIR, cache_dir);
	cleanup_free char *path = NULL, *config = NULL, *text = NULL;
	const char *bytes;
	size_t len;

	bytes = kk_cni_conflist_bytes(net, &len);
	config = base64_encode((const unsigned char *)bytes, len);
	cJSON_AddStringToObject(doc, "kind", CACHE_KIND);
	cJSON_AddStringToObject(doc, "containerId", att->container_id);
	cJSON_AddStringToObject(doc, "config", config);
	cJSON_AddStringToObject(doc, "ifName", att->ifname);
	cJSON_AddStringToObject(doc, "networkName", kk_cni_conflist_name(net));
	if (att->netns && *att->netns)
		cJSON_AddStringToObject(doc, "netns", att->netns);
	if (att->args && att->args[0]) {
		cJSON *args = cJSON_AddArrayToObject(doc, "cniArgs");
		const char *const *a;

		for (a = att->args; *a; a++) {
			cleanup_free char *key = kk_xstrndup(*a, strcspn(*a, "="));
			const char *eq = strchr(*a, '=');
			cJSON *pair = cJSON_CreateArray();

			cJSON_AddItemToArray(args, pair);
			cJSON_AddItemToArray(pair, cJSON_CreateString(key));
			cJSON_AddItemToArray(pair, cJSON_CreateString(eq ? eq + 1 : ""));
		}
	}
	cJSON_AddItemToObject(doc, "result", cJSON_Duplicate(result, 1));
	text = cJSON_PrintUnformatted(doc);
	path = kk_cni_cache_path(cache_dir, kk_cni_conflist_name(net), att->container_id,
				 att->ifname);
	if (kk_mkdir_p(dir, 0700, err) < 0 ||
	    kk_write_atomic(path, CACHE_TMP_PREFIX, text, strlen(text), 0600, err) < 0)
		return kk_err_wrap(err, "cache result");
	return 0;
}

void kk_cni_cache_entry_clear(struct kk_cni_cache_entry *e)
{
	char **a;

	free(e->config);
	for (a = e->args; a && *a; a++)
		free(*a);
	free(e->args);
	cJSON_Delete(e->result);
	memset(e, 0, sizeof(*e));
}

static int read_args(const cJSON *args, char ***out, struct kk_err *err)
{
	const cJSON *pair;
	char **v;
	size_t n = 0;

	if (!args || cJSON_IsNull(args))
		return 0;
	if (!cJSON_IsArray(args))
		return kk_err_set(err, EINVAL, "`cniArgs` is not a list");
	v = kk_xcalloc((size_t)cJSON_GetArraySize(args) + 1, sizeof(*v));
	cJSON_ArrayForEach(pair, args)
	{
		const cJSON *k = cJSON_GetArrayItem(pair, 0), *val = cJSON_GetArrayItem(pair, 1);

		if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2 || !cJSON_IsString(k) ||
		    !cJSON_IsString(val)) {
			for (n = 0; v[n]; n++)
				free(v[n]);
			free(v);
			return kk_err_set(err, EINVAL, "`cniArgs` holds something else than pairs");
		}
		v[n++] = kk_xasprintf("%s=%s", k->valuestring, val->valuestring);
	}
	if (n == 0) {
		free(v);
		return 0;
	}
	*out = v;
	return 0;
}

static int parse_entry(cJSON *doc, struct kk_cni_cache_entry *e, struct kk_err *err)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(doc, "kind");
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(doc, "config");
	cJSON *result;

	if (!cJSON_IsObject(doc))
		return kk_err_set(err, EINVAL, "not a JSON object");
	if (!kind) {
		e->result = cJSON_Duplicate(doc, 1);
		return 0;
	}
	if (!cJSON_IsString(kind) || strcmp(kind->valuestring, CACHE_KIND) != 0)
		return kk_err_set(err, EINVAL, "unknown kind (want `" CACHE_KIND "`)");
	if (cJSON_IsString(config) &&
	    base64_decode(config->valuestring, &e->config, &e->config_len) < 0)
		return kk_err_set(err, EINVAL, "`config` is not base64");
	if (config && !cJSON_IsString(config) && !cJSON_IsNull(config))
		return kk_err_set(err, EINVAL, "`config` is not a string");
	if (read_args(cJSON_GetObjectItemCaseSensitive(doc, "cniArgs"), &e->args, err) < 0)
		return -1;
	result = cJSON_GetObjectItemCaseSensitive(doc, "result");
	if (result && !cJSON_IsNull(result)) {
		if (!cJSON_IsObject(result))
			return kk_err_set(err, EINVAL, "`result` is not an object");
		e->result = cJSON_Duplicate(result, 1);
	}
	return 0;
}

int kk_cni_cache_read(const char *path, struct kk_cni_cache_entry *e, struct kk_err *err)
{
	cleanup_free char *text = NULL;
	cleanup_(kk_json_freep) cJSON *doc = NULL;
	struct kk_cni_cache_entry tmp = { 0 };
	struct kk_err rerr = { 0 };

	/* a missing entry is an answer, not a failure: err stays untouched then */
	if (kk_read_file_max(path, ENTRY_MAX, &text, NULL, &rerr) < 0) {
		if (rerr.code == ENOENT)
			return 0;
		*err = rerr;
		return kk_err_wrap(err, "cache entry");
	}
	doc = cJSON_Parse(text);
	if (!doc)
		return kk_err_set(err, EINVAL, "cache entry `%s`: invalid JSON", path);
	if (parse_entry(doc, &tmp, err) < 0) {
		kk_cni_cache_entry_clear(&tmp);
		return kk_err_wrap(err, "cache entry `%s`", path);
	}
	*e = tmp;
	return 1;
}

int kk_cni_cache_remove(const char *path, struct kk_err *err)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return kk_err_sys(err, "remove cache entry `%s`", path);
	return 0;
}

/* ---- listing ---------------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void kk_cni_cached_attachments_free(struct kk_cni_cached_attachment *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(list[i].network);
		free(list[i].container_id);
		free(list[i].ifname);
		free(list[i].netns);
	}
	free(list);
}

/* One entry for the listing, or false if it is to be skipped. */
static bool list_entry(const struct kk_log *log, const char *path, const char *container_id,
		       struct kk_cni_cached_attachment *a)
{
	cleanup_free char *text = NULL;
	cleanup_(kk_json_freep) cJSON *doc = NULL;
	struct kk_err ignored = { 0 };
	const char *kind, *cid, *ifname, *net, *netns;

	if (kk_read_file_max(path, ENTRY_MAX, &text, NULL, &ignored) < 0) {
		if (ignored.code != ENOENT) /* removed since the listing */
			kk_log_ignored(log, &ignored, "list CNI cache: skip `%s`", path);
		return false;
	}
	doc = cJSON_Parse(text);
	if (!doc) {
		kk_err_set(&ignored, EINVAL, "cache entry `%s`: invalid JSON", path);
		kk_log_ignored(log, &ignored, "list CNI cache: skip `%s`", path);
		return false;
	}
	kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "kind"));
	cid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "containerId"));
	ifname = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "ifName"));
	net = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "networkName"));
	netns = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "netns"));
	if (!kind || strcmp(kind, CACHE_KIND) != 0 || !cid || !ifname || !*ifname || !net ||
	    !*net || (container_id && strcmp(cid, container_id) != 0))
		return false;
	a->network = kk_xstrdup(net);
	a->container_id = kk_xstrdup(cid);
	a->ifname = kk_xstrdup(ifname);
	a->netns = netns && *netns ? kk_xstrdup(netns) : NULL;
	return true;
}

int kk_cni_cache_list(const struct kk_cni_host *host, const char *container_id,
		      struct kk_cni_cached_attachment **out, size_t *n, struct kk_err *err)
{
	cleanup_free char *dir = kk_xasprintf("%s/" RESULTS_DIR, host->cache_dir);
	struct kk_cni_cached_attachment *list = NULL;
	char **names = NULL;
	size_t n_names = 0, n_list = 0, i;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		if (errno == ENOENT) {
			*out = NULL;
			*n = 0;
			return 0;
		}
		return kk_err_sys(err, "list CNI cache `%s`", dir);
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue; /* ".", "..", and our temp files */
		names = kk_xrealloc(names, (n_names + 1) * sizeof(*names));
		names[n_names++] = kk_xstrdup(de->d_name);
	}
	closedir(d);
	if (n_names)
		qsort(names, n_names, sizeof(*names), cmp_names);
	for (i = 0; i < n_names; i++) {
		cleanup_free char *path = kk_xasprintf("%s/%s", dir, names[i]);
		struct kk_cni_cached_attachment a = { 0 };

		/* libcni's quick filter on the name before reading the file */
		if (container_id) {
			cleanup_free char *part = kk_xasprintf("-%s-", container_id);
			const char *pos = strstr(names[i], part);

			if (!pos || pos == names[i] || !pos[strlen(part)])
				continue;
		}
		if (!list_entry(host->log, path, container_id, &a))
			continue;
		list = kk_xrealloc(list, (n_list + 1) * sizeof(*list));
		list[n_list++] = a;
	}
	for (i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	*out = list;
	*n = n_list;
	return 0;
}
