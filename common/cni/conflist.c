/* common/cni/conflist.c - parse and check a network configuration list. */
#include "common/cni/cni.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/cni/internal.h"
#include "common/mem.h"

/* Spec versions whose configuration and result formats we speak, oldest first. */
static const char *const supported_versions[] = { "0.1.0", "0.2.0", "0.3.0", "0.3.1",
						  "0.4.0", "1.0.0", "1.1.0" };
#define N_SUPPORTED (sizeof(supported_versions) / sizeof(supported_versions[0]))

#define CONFLIST_MAX (4u << 20)

struct kk_cni_conflist {
	const char *name;    /* lent from doc */
	const char *version; /* lent from doc: the one we speak */
	bool disable_check;
	cJSON *doc;           /* the whole list */
	const cJSON *plugins; /* lent from doc */
	size_t n_plugins;
	size_t len;
	char bytes[]; /* the list as read, NUL-terminated */
};

int kk_cni_version_parse(const char *v, unsigned parts[3])
{
	const char *p = v;
	int i;

	for (i = 0; i < 3; i++) {
		char *end;
		unsigned long n;

		if (!isdigit((unsigned char)*p))
			return -1;
		n = strtoul(p, &end, 10);
		if (n > 9999)
			return -1;
		parts[i] = (unsigned)n;
		p = end;
		if (i < 2 && *p++ != '.')
			return -1;
	}
	return *p ? -1 : 0;
}

int kk_cni_version_cmp(const char *a, const char *b)
{
	unsigned pa[3] = { 0 }, pb[3] = { 0 };
	int i;

	kk_cni_version_parse(a, pa);
	kk_cni_version_parse(b, pb);
	for (i = 0; i < 3; i++)
		if (pa[i] != pb[i])
			return pa[i] < pb[i] ? -1 : 1;
	return 0;
}

static bool version_supported(const char *v)
{
	size_t i;

	for (i = 0; i < N_SUPPORTED; i++)
		if (strcmp(v, supported_versions[i]) == 0)
			return true;
	return false;
}

int kk_cni_check_name(const char *what, const char *name, struct kk_err *err)
{
	const char *p;

	if (!name || !*name)
		return kk_err_set(err, EINVAL, "%s is empty", what);
	if (!isalnum((unsigned char)name[0]))
		return kk_err_set(err, EINVAL, "%s `%s` must start with a letter or digit", what,
				  name);
	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return kk_err_set(err, EINVAL,
					  "%s `%s` may hold only letters, digits, `_`, `.` and `-`",
					  what, name);
	return 0;
}

int kk_cni_check_ifname(const char *name, struct kk_err *err)
{
	const char *p;

	if (!name || !*name)
		return kk_err_set(err, EINVAL, "interface name is empty");
	if (strlen(name) > 15)
		return kk_err_set(err, EINVAL, "interface name `%s` is longer than 15 bytes", name);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return kk_err_set(err, EINVAL, "interface name `%s` is not allowed", name);
	for (p = name; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return kk_err_set(err, EINVAL,
					  "interface name `%s` may not hold `/`, `:` or spaces",
					  name);
	return 0;
}

/* "line L column C" of byte offset off, for a parse error message. */
static void position(const char *bytes, size_t off, char *buf, size_t size)
{
	size_t i, line = 1, col = 1;

	for (i = 0; i < off; i++) {
		if (bytes[i] == '\n')
			line++, col = 1;
		else
			col++;
	}
	snprintf(buf, size, "line %zu column %zu", line, col);
}

/* The version to use: the highest of cniVersion and cniVersions[] that we support. */
static int select_version(const cJSON *doc, const char **out, struct kk_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "cniVersion");
	const cJSON *vs = cJSON_GetObjectItemCaseSensitive(doc, "cniVersions");
	const char *best = NULL, *first = NULL;
	const cJSON *it;

	if (v && !cJSON_IsString(v))
		return kk_err_set(err, EINVAL, "`cniVersion` is not a string");
	if (vs && !cJSON_IsArray(vs))
		return kk_err_set(err, EINVAL, "`cniVersions` is not a list");
	if (!v && !vs)
		return kk_err_set(err, EINVAL, "missing `cniVersion`");
	if (v) {
		first = v->valuestring;
		if (version_supported(first))
			best = first;
	}
	cJSON_ArrayForEach(it, vs)
	{
		if (!cJSON_IsString(it))
			return kk_err_set(err, EINVAL, "`cniVersions` holds a non-string");
		if (!first)
			first = it->valuestring;
		if (version_supported(it->valuestring) &&
		    (!best || kk_cni_version_cmp(it->valuestring, best) > 0))
			best = it->valuestring;
	}
	if (!best)
		return kk_err_set(err, EINVAL,
				  "unsupported cniVersion `%s` (supported: 0.1.0 to %s)",
				  first ? first : "", supported_versions[N_SUPPORTED - 1]);
	*out = best;
	return 0;
}

static int check_plugins(const cJSON *plugins, size_t *n, struct kk_err *err)
{
	const cJSON *p;
	size_t i = 0;

	if (!plugins)
		return kk_err_set(err, EINVAL, "missing `plugins`");
	if (!cJSON_IsArray(plugins))
		return kk_err_set(err, EINVAL, "`plugins` is not a list");
	cJSON_ArrayForEach(p, plugins)
	{
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(p, "type");

		if (!cJSON_IsObject(p))
			return kk_err_set(err, EINVAL, "plugins[%zu] is not an object", i);
		if (!cJSON_IsString(type) || !*type->valuestring)
			return kk_err_set(err, EINVAL, "plugins[%zu]: missing `type`", i);
		if (strchr(type->valuestring, '/') || strcmp(type->valuestring, "..") == 0 ||
		    strcmp(type->valuestring, ".") == 0)
			return kk_err_set(err, EINVAL, "plugins[%zu]: invalid `type` `%s`", i,
					  type->valuestring);
		i++;
	}
	if (i == 0)
		return kk_err_set(err, EINVAL, "`plugins` is empty");
	*n = i;
	return 0;
}

static int parse(struct kk_cni_conflist *net, struct kk_err *err)
{
	const cJSON *name, *dc;
	const char *end = NULL;
	char pos[64];

	net->doc = cJSON_ParseWithLengthOpts(net->bytes, net->len, &end, 0);
	if (!net->doc) {
		position(net->bytes, end ? (size_t)(end - net->bytes) : 0, pos, sizeof(pos));
		return kk_err_set(err, EINVAL, "invalid JSON at %s", pos);
	}
	for (; end && (size_t)(end - net->bytes) < net->len; end++)
		if (!isspace((unsigned char)*end)) {
			position(net->bytes, (size_t)(end - net->bytes), pos, sizeof(pos));
			return kk_err_set(err, EINVAL, "invalid JSON at %s: data after the object",
					  pos);
		}
	if (!cJSON_IsObject(net->doc))
		return kk_err_set(err, EINVAL, "not a JSON object");
	name = cJSON_GetObjectItemCaseSensitive(net->doc, "name");
	if (!cJSON_IsString(name))
		return kk_err_set(err, EINVAL, "missing `name`");
	if (kk_cni_check_name("network name", name->valuestring, err) < 0)
		return -1;
	net->name = name->valuestring;
	if (select_version(net->doc, &net->version, err) < 0)
		return -1;
	/* libcni takes a boolean or the strings "true"/"false" */
	dc = cJSON_GetObjectItemCaseSensitive(net->doc, "disableCheck");
	if (cJSON_IsBool(dc))
		net->disable_check = cJSON_IsTrue(dc);
	else if (cJSON_IsString(dc) && strcasecmp(dc->valuestring, "true") == 0)
		net->disable_check = true;
	else if (dc && !(cJSON_IsString(dc) && strcasecmp(dc->valuestring, "false") == 0))
		return kk_err_set(err, EINVAL, "`disableCheck` is not a boolean");
	net->plugins = cJSON_GetObjectItemCaseSensitive(net->doc, "plugins");
	return check_plugins(net->plugins, &net->n_plugins, err);
}

int kk_cni_conflist_parse(const char *bytes, size_t len, const char *source,
			  struct kk_cni_conflist **out, struct kk_err *err)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;

	net = kk_xcalloc(1, sizeof(*net) + len + 1);
	memcpy(net->bytes, bytes, len);
	net->len = len;
	if (parse(net, err) < 0)
		return kk_err_wrap(err, "conflist `%s`", source);
	*out = TAKE_PTR(net);
	return 0;
}

int kk_cni_conflist_load(const char *path, struct kk_cni_conflist **out, struct kk_err *err)
{
	cleanup_free char *bytes = NULL;
	size_t len;

	if (kk_read_file_max(path, CONFLIST_MAX, &bytes, &len, err) < 0)
		return kk_err_wrap(err, "conflist `%s`", path);
	return kk_cni_conflist_parse(bytes, len, path, out, err);
}

void kk_cni_conflist_free(struct kk_cni_conflist *net)
{
	if (!net)
		return;
	cJSON_Delete(net->doc);
	free(net);
}

void kk_cni_conflist_freep(struct kk_cni_conflist **net)
{
	kk_cni_conflist_free(*net);
}

const char *kk_cni_conflist_name(const struct kk_cni_conflist *net)
{
	return net->name;
}

const char *kk_cni_conflist_version(const struct kk_cni_conflist *net)
{
	return net->version;
}

size_t kk_cni_conflist_n_plugins(const struct kk_cni_conflist *net)
{
	return net->n_plugins;
}

const struct cJSON *kk_cni_conflist_plugin(const struct kk_cni_conflist *net, size_t i)
{
	return cJSON_GetArrayItem(net->plugins, (int)i);
}

const char *kk_cni_conflist_plugin_type(const struct kk_cni_conflist *net, size_t i)
{
	const cJSON *p = kk_cni_conflist_plugin(net, i);

	return p ? cJSON_GetObjectItemCaseSensitive(p, "type")->valuestring : NULL;
}

bool kk_cni_conflist_disable_check(const struct kk_cni_conflist *net)
{
	return net->disable_check;
}

const char *kk_cni_conflist_bytes(const struct kk_cni_conflist *net, size_t *len)
{
	*len = net->len;
	return net->bytes;
}

bool kk_cni_conflist_masq(const struct kk_cni_conflist *net)
{
	for (size_t i = 0; i < net->n_plugins; i++) {
		const cJSON *p = kk_cni_conflist_plugin(net, i);

		if (strcmp(kk_cni_conflist_plugin_type(net, i), "bridge") == 0 &&
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "ipMasq")))
			return true;
	}
	return false;
}
