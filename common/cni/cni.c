/* common/cni/cni.c - ADD, CHECK and DEL of an attachment: the plugin chain and the cache. */
#include "common/cni/cni.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/cni/internal.h"
#include "common/mem.h"

enum op { OP_ADD, OP_CHECK, OP_DEL };
static const char *const op_command[] = { "ADD", "CHECK", "DEL" };

static void strv_freep(char ***v)
{
	char **p;

	for (p = *v; p && *p; p++)
		free(*p);
	free(*v);
}

static bool version_at_least(const struct kk_cni_conflist *net, const char *v)
{
	return kk_cni_version_cmp(kk_cni_conflist_version(net), v) >= 0;
}

/* ---- one plugin ------------------------------------------------------------------- */

static bool is_cni_var(const char *kv)
{
	static const char *const vars[] = { "CNI_COMMAND=", "CNI_CONTAINERID=", "CNI_NETNS=",
					    "CNI_IFNAME=",  "CNI_ARGS=",        "CNI_PATH=" };
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (strncmp(kv, vars[i], strlen(vars[i])) == 0)
			return true;
	return false;
}

/* Our environment (plugins run iptables and their IPAM plugin through it), with the CNI
 * parameters of this call replacing any we inherited. */
static char **build_env(const struct kk_cni_host *host, enum op op,
			const struct kk_cni_attachment *att)
{
	size_t n = 0, i, len = 0;
	const char *const *a;
	char **env, *args;

	while (environ && environ[n])
		n++;
	env = kk_xcalloc(n + 7, sizeof(*env));
	for (i = 0, n = 0; environ && environ[i]; i++)
		if (!is_cni_var(environ[i]))
			env[n++] = kk_xstrdup(environ[i]);
	for (a = att->args; a && *a; a++)
		len += strlen(*a) + 1;
	args = kk_xcalloc(len + 1, 1);
	for (a = att->args; a && *a; a++) {
		if (a != att->args)
			strcat(args, ";");
		strcat(args, *a);
	}
	env[n++] = kk_xasprintf("CNI_COMMAND=%s", op_command[op]);
	env[n++] = kk_xasprintf("CNI_CONTAINERID=%s", att->container_id);
	env[n++] = kk_xasprintf("CNI_NETNS=%s", att->netns ? att->netns : "");
	env[n++] = kk_xasprintf("CNI_IFNAME=%s", att->ifname);
	env[n++] = kk_xasprintf("CNI_ARGS=%s", args);
	env[n++] = kk_xasprintf("CNI_PATH=%s", host->plugin_path);
	free(args);
	return env;
}

/* The request configuration (SPEC.md section 3): the plugin's own object with the list's
 * name and version, and prevResult when there is one. Other members pass unchanged. */
static char *build_stdin(const struct kk_cni_conflist *net, size_t i, const cJSON *prev)
{
	cleanup_(kk_json_freep) cJSON *conf = cJSON_Duplicate(kk_cni_conflist_plugin(net, i), 1);
	static const char *const injected[] = { "name", "cniVersion", "prevResult" };
	size_t k;

	for (k = 0; k < 3; k++)
		cJSON_DeleteItemFromObjectCaseSensitive(conf, injected[k]);
	cJSON_AddStringToObject(conf, "name", kk_cni_conflist_name(net));
	cJSON_AddStringToObject(conf, "cniVersion", kk_cni_conflist_version(net));
	if (prev)
		cJSON_AddItemToObject(conf, "prevResult", cJSON_Duplicate(prev, 1));
	return cJSON_PrintUnformatted(conf);
}

/* Squash a plugin's text into one line of at most max bytes. */
static void one_line(char *s, size_t max)
{
	char *r = s, *w = s;
	bool space = false;

	while (*r == ' ' || *r == '\n' || *r == '\r' || *r == '\t')
		r++;
	for (; *r; r++) {
		bool ws = *r == ' ' || *r == '\n' || *r == '\r' || *r == '\t';

		if (ws) {
			space = true;
			continue;
		}
		if (space && w != s)
			*w++ = ' ';
		space = false;
		*w++ = *r;
	}
	*w = '\0';
	if ((size_t)(w - s) > max)
		strcpy(s + max - 3, "...");
}

/* The error of a plugin that exited non-zero: its CNI error object ({code, msg, details})
 * if it printed one, else what it said on stderr. */
static int plugin_failed(struct kk_cni_run *run, struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *doc = cJSON_Parse(run->out);
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(doc, "msg");
	const cJSON *details = cJSON_GetObjectItemCaseSensitive(doc, "details");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(doc, "code");
	char how[64];

	if (WIFSIGNALED(run->status))
		snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(run->status));
	else
		snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(run->status));
	if (cJSON_IsObject(doc) && cJSON_IsString(msg)) {
		cleanup_free char *text = NULL;

		if (cJSON_IsString(details) && *details->valuestring)
			text = kk_xasprintf("%s: %s", msg->valuestring, details->valuestring);
		else
			text = kk_xstrdup(msg->valuestring);
		one_line(text, 400);
		if (cJSON_IsNumber(code))
			return kk_err_set(err, code->valueint == 11 ? EAGAIN : EIO,
					  "%s (cni error code %d)", text, code->valueint);
		return kk_err_set(err, EIO, "%s", text);
	}
	if (run->out_len) {
		one_line(run->out, 200);
		return kk_err_set(err, EIO, "%s and printed no CNI error: %s", how, run->out);
	}
	if (run->errout_len) {
		one_line(run->errout, 400);
		return kk_err_set(err, EIO, "%s: %s", how, run->errout);
	}
	return kk_err_set(err, EIO, "%s without an error message", how);
}

/* Run plugin i of net for op, with prev as prevResult (may be NULL). For ADD, *result gets
 * the plugin's result document (cniVersion filled in from the list when missing, as libcni
 * does). Errors come back as "plugin `<type>`: ..."; -2 means the plugin never started (not
 * found, not executable), so there is nothing of it to undo. */
static int run_plugin(const struct kk_cni_host *host, const struct kk_cni_conflist *net, size_t i,
		      enum op op, const struct kk_cni_attachment *att, const cJSON *prev,
		      cJSON **result, struct kk_err *err)
{
	const char *type = kk_cni_conflist_plugin_type(net, i);
	cleanup_free char *exe = NULL, *in = NULL;
	cleanup_(strv_freep) char **env = NULL;
	cleanup_(kk_json_freep) cJSON *doc = NULL;
	cleanup_(kk_cni_run_clear) struct kk_cni_run run = { 0 };
	const cJSON *v;
	int rc;

	/* kukeon's own list: its loopback, after the bridge, only brings `lo` up and passes the
	 * previous result on, as the plugin does; done here, without a process */
	if (op == OP_ADD && prev && strcmp(type, "loopback") == 0 &&
	    kk_cni_conflist_is_owned(net)) {
		if (kk_cni_netns_loopback_up(att->netns, err) < 0)
			return kk_err_wrap(err, "plugin `%s`", type);
		*result = cJSON_Duplicate(prev, true);
		return 0;
	}
	if (kk_cni_plugin_find(host->plugin_path, type, &exe, err) < 0)
		return -2;
	in = build_stdin(net, i, prev);
	env = build_env(host, op, att);
	rc = kk_cni_plugin_run(exe, NULL, env, in, strlen(in), host->timeout_ms, &run, err);
	if (rc < 0) {
		kk_err_wrap(err, "plugin `%s`", type);
		return rc;
	}
	if (!WIFEXITED(run.status) || WEXITSTATUS(run.status) != 0) {
		plugin_failed(&run, err);
		return kk_err_wrap(err, "plugin `%s`", type);
	}
	if (op != OP_ADD)
		return 0;
	doc = cJSON_Parse(run.out);
	if (!cJSON_IsObject(doc)) {
		one_line(run.out, 200);
		return kk_err_set(err, EIO, "plugin `%s`: result is not a JSON object: `%s`", type,
				  run.out);
	}
	v = cJSON_GetObjectItemCaseSensitive(doc, "cniVersion");
	if (!cJSON_IsString(v) || !*v->valuestring) {
		cJSON_DeleteItemFromObjectCaseSensitive(doc, "cniVersion");
		cJSON_AddStringToObject(doc, "cniVersion", kk_cni_conflist_version(net));
	}
	*result = TAKE_PTR(doc);
	return 0;
}

/* ---- attachments ------------------------------------------------------------------ */

static int check_host(const struct kk_cni_host *host, struct kk_err *err)
{
	if (!host->plugin_path || !*host->plugin_path)
		return kk_err_set(err, EINVAL, "no CNI plugin path configured");
	if (!host->cache_dir || !*host->cache_dir)
		return kk_err_set(err, EINVAL, "no CNI cache dir configured");
	return 0;
}

static int check_attachment(const struct kk_cni_attachment *att, bool need_netns,
			    struct kk_err *err)
{
	if (kk_cni_check_name("container ID", att->container_id, err) < 0 ||
	    kk_cni_check_ifname(att->ifname, err) < 0)
		return -1;
	if (need_netns && (!att->netns || !*att->netns))
		return kk_err_set(err, EINVAL, "no network namespace given");
	return 0;
}

/* DEL plugins last..0 (best effort, errors logged and dropped): undo of a failed ADD. */
static void rollback(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
		     const struct kk_cni_attachment *att, size_t last, const cJSON *prev)
{
	size_t i = last + 1;
	struct kk_err ignored = { 0 };
	int removed = 0;

	if (!version_at_least(net, "0.4.0"))
		prev = NULL;
	while (i-- > 0) {
		run_plugin(host, net, i, OP_DEL, att, prev, NULL, &ignored);
		kk_log_ignored(host->log, &ignored, "undo: network `%s`: DEL of plugin %zu of `%s`",
			       kk_cni_conflist_name(net), i, att->container_id);
	}
	kk_cni_masq_remove(host, net, att->container_id, &removed, &ignored);
	kk_log_ignored(host->log, &ignored, "undo: network `%s`: masquerade rules of `%s`",
		       kk_cni_conflist_name(net), att->container_id);
}

int kk_cni_add(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
	       const struct kk_cni_attachment *att, struct kk_cni_result **out, struct kk_err *err)
{
	const char *name = kk_cni_conflist_name(net);
	cleanup_free char *path = NULL, *text = NULL;
	cleanup_(kk_json_freep) cJSON *prev = NULL;
	cleanup_(kk_cni_result_freep) struct kk_cni_result *res = NULL;
	size_t i, n = kk_cni_conflist_n_plugins(net), last = 0;
	struct stat st;

	if (check_host(host, err) < 0 || check_attachment(att, true, err) < 0)
		return kk_err_wrap(err, "network `%s`: add", name);
	path = kk_cni_cache_path(host->cache_dir, name, att->container_id, att->ifname);
	if (lstat(path, &st) == 0)
		return kk_err_set(err, EEXIST,
				  "network `%s`: add: container `%s` interface `%s` is already "
				  "attached (cached in `%s`)",
				  name, att->container_id, att->ifname, path);
	for (i = 0; i < n; i++) {
		cJSON *result = NULL;
		int rc = 0;

		/* kukeon's own bridge, once it exists: done here, undone here if it fails */
		if (i == 0) {
			rc = kk_cni_owned_add(host, net, att, &result, err);
			if (rc < 0)
				rc = -2;
		}
		if (rc == 0)
			rc = run_plugin(host, net, i, OP_ADD, att, prev, &result, err);
		if (rc < 0) {
			/* undo what ran, this plugin included: it may have done half its work */
			if (rc != -2)
				rollback(host, net, att, i, prev);
			else if (i > 0)
				rollback(host, net, att, i - 1, prev);
			return kk_err_wrap(err, "network `%s`: add", name);
		}
		cJSON_Delete(prev);
		prev = result;
		last = i;
	}
	text = cJSON_PrintUnformatted(prev);
	if (kk_cni_result_parse(text, kk_cni_conflist_version(net), &res, err) < 0 ||
	    kk_cni_cache_write(host->cache_dir, net, att, prev, err) < 0) {
		rollback(host, net, att, last, prev);
		return kk_err_wrap(err, "network `%s`: add", name);
	}
	if (out)
		*out = TAKE_PTR(res);
	return 0;
}

/* The cached ADD result of att, converted to the list's version. 1 if found, 0 if not. */
static int cached_prev(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
		       const struct kk_cni_attachment *att, cJSON **prev, struct kk_err *err)
{
	cleanup_free char *path = kk_cni_cache_path(host->cache_dir, kk_cni_conflist_name(net),
						    att->container_id, att->ifname);
	struct kk_cni_cache_entry e = { 0 };
	int rc = kk_cni_cache_read(path, &e, err);

	if (rc <= 0)
		return rc;
	if (e.result)
		kk_cni_result_convert(e.result, kk_cni_conflist_version(net));
	*prev = TAKE_PTR(e.result);
	kk_cni_cache_entry_clear(&e);
	return *prev ? 1 : 0;
}

int kk_cni_check(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
		 const struct kk_cni_attachment *att, struct kk_err *err)
{
	const char *name = kk_cni_conflist_name(net);
	cleanup_(kk_json_freep) cJSON *prev = NULL;
	size_t i, n = kk_cni_conflist_n_plugins(net);
	int rc;

	if (check_host(host, err) < 0 || check_attachment(att, true, err) < 0)
		return kk_err_wrap(err, "network `%s`: check", name);
	if (!version_at_least(net, "0.4.0"))
		return kk_err_set(err, ENOTSUP,
				  "network `%s`: check: cniVersion `%s` has no CHECK (needs 0.4.0)",
				  name, kk_cni_conflist_version(net));
	if (kk_cni_conflist_disable_check(net))
		return 0;
	rc = cached_prev(host, net, att, &prev, err);
	if (rc < 0)
		return kk_err_wrap(err, "network `%s`: check", name);
	if (rc == 0)
		return kk_err_set(err, ENOENT,
				  "network `%s`: check: container `%s` interface `%s` has no "
				  "cached ADD result",
				  name, att->container_id, att->ifname);
	for (i = 0; i < n; i++)
		if (run_plugin(host, net, i, OP_CHECK, att, prev, NULL, err) < 0)
			return kk_err_wrap(err, "network `%s`: check", name);
	return 0;
}

int kk_cni_del(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
	       const struct kk_cni_attachment *att, struct kk_err *err)
{
	const char *name = kk_cni_conflist_name(net);
	cleanup_free char *path = NULL;
	cleanup_(kk_json_freep) cJSON *prev = NULL;
	size_t i = kk_cni_conflist_n_plugins(net);
	int removed = 0;

	if (check_host(host, err) < 0 || check_attachment(att, false, err) < 0)
		return kk_err_wrap(err, "network `%s`: del", name);
	path = kk_cni_cache_path(host->cache_dir, name, att->container_id, att->ifname);
	if (version_at_least(net, "0.4.0")) {
		struct kk_err ignored = { 0 };

		/* an entry we cannot read is dropped, and the DEL runs without it (libcni) */
		if (cached_prev(host, net, att, &prev, &ignored) < 0) {
			kk_log_ignored(host->log, &ignored,
				       "network `%s`: del: the cached result (dropped)", name);
			kk_cni_cache_remove(path, &ignored);
			kk_log_ignored(host->log, &ignored, "network `%s`: del: remove `%s`", name,
				       path);
		}
	}
	while (i-- > 0)
		if (run_plugin(host, net, i, OP_DEL, att, prev, NULL, err) < 0)
			return kk_err_wrap(err, "network `%s`: del", name);
	if (kk_cni_masq_remove(host, net, att->container_id, &removed, err) < 0)
		return kk_err_wrap(err, "network `%s`: del: masquerade rules", name);
	if (kk_cni_cache_remove(path, err) < 0)
		return kk_err_wrap(err, "network `%s`: del", name);
	return 0;
}

int kk_cni_del_cached(const struct kk_cni_host *host, const char *network,
		      const struct kk_cni_attachment *att, struct kk_err *err)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;
	cleanup_free char *path = NULL;
	struct kk_cni_cache_entry e = { 0 };
	struct kk_cni_attachment a = *att;
	int rc;

	if (check_host(host, err) < 0 || kk_cni_check_name("network name", network, err) < 0 ||
	    check_attachment(att, false, err) < 0)
		return kk_err_wrap(err, "network `%s`: del", network ? network : "");
	path = kk_cni_cache_path(host->cache_dir, network, att->container_id, att->ifname);
	rc = kk_cni_cache_read(path, &e, err);
	if (rc < 0)
		return kk_err_wrap(err, "network `%s`: del", network);
	if (rc == 0)
		return 0;
	if (!e.config) {
		kk_cni_cache_entry_clear(&e);
		return kk_err_set(err, EINVAL,
				  "network `%s`: del: cache entry `%s` holds no conflist (legacy "
				  "format); delete with the conflist",
				  network, path);
	}
	rc = kk_cni_conflist_parse(e.config, e.config_len, path, &net, err);
	if (rc == 0 && strcmp(kk_cni_conflist_name(net), network) != 0)
		rc = kk_err_set(err, EINVAL, "cache entry `%s` is for network `%s`", path,
				kk_cni_conflist_name(net));
	if (rc < 0) {
		kk_cni_cache_entry_clear(&e);
		return kk_err_wrap(err, "network `%s`: del", network);
	}
	if (!a.args)
		a.args = (const char *const *)e.args;
	rc = kk_cni_del(host, net, &a, err);
	kk_cni_cache_entry_clear(&e);
	return rc < 0 ? -1 : 1;
}

int kk_cni_cached_result(const struct kk_cni_host *host, const char *network,
			 const char *container_id, const char *ifname, struct kk_cni_result **out,
			 struct kk_err *err)
{
	cleanup_free char *path = NULL, *text = NULL;
	struct kk_cni_cache_entry e = { 0 };
	int rc;

	if (check_host(host, err) < 0 || kk_cni_check_name("network name", network, err) < 0 ||
	    kk_cni_check_name("container ID", container_id, err) < 0 ||
	    kk_cni_check_ifname(ifname, err) < 0)
		return -1;
	*out = NULL;
	path = kk_cni_cache_path(host->cache_dir, network, container_id, ifname);
	rc = kk_cni_cache_read(path, &e, err);
	if (rc <= 0)
		return rc;
	if (!e.result) {
		kk_cni_cache_entry_clear(&e);
		return kk_err_set(err, EINVAL, "cache entry `%s` holds no result", path);
	}
	text = cJSON_PrintUnformatted(e.result);
	kk_cni_cache_entry_clear(&e);
	if (kk_cni_result_parse(text, NULL, out, err) < 0)
		return kk_err_wrap(err, "cache entry `%s`", path);
	return 1;
}
