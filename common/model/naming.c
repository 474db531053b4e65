/* common/model/naming.c - name rules and derivations. */
#include "common/model/naming.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/gostr.h"
#include "common/json.h"
#include "common/mem.h"

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* ^[A-Za-z0-9]+(?:[<seps>][A-Za-z0-9]+)*$ */
static int ident_ok(const char *s, const char *seps)
{
	int need = 1; /* an alphanumeric must come next */

	if (!*s)
		return 0;
	for (; *s; s++) {
		if (is_alnum(*s)) {
			need = 0;
		} else if (strchr(seps, *s) && !need) {
			need = 1;
		} else {
			return 0;
		}
	}
	return !need;
}

#define SERVER_CONFIG_INVALID "server configuration is invalid"

int kk_runtime_config_validate(const char *suffix, const char *cgroup_root, char **suffix_out,
			       char **root_out, struct kk_err *err)
{
	cleanup_free char *sfx = kk_go_trim_space(suffix);
	cleanup_free char *root = kk_go_trim_space(cgroup_root);
	char q[300];
	size_t n;

	if (!*sfx)
		return kk_err_set(err, EINVAL, "containerdNamespaceSuffix is empty: %s",
				  SERVER_CONFIG_INVALID);
	kk_go_quote_buf(sfx, q, sizeof(q));
	n = strlen(sfx);
	if (sfx[0] == '.' || sfx[n - 1] == '.')
		return kk_err_set(err, EINVAL,
				  "containerdNamespaceSuffix %s must not start or end with '.': %s",
				  q, SERVER_CONFIG_INVALID);
	if (strpbrk(sfx, "/ \t\n"))
		return kk_err_set(err, EINVAL,
				  "containerdNamespaceSuffix %s contains disallowed character: %s",
				  q, SERVER_CONFIG_INVALID);
	if (!*root)
		return kk_err_set(err, EINVAL, "cgroupRoot is empty: %s", SERVER_CONFIG_INVALID);
	kk_go_quote_buf(root, q, sizeof(q));
	if (root[0] != '/')
		return kk_err_set(err, EINVAL, "cgroupRoot %s must be an absolute path: %s", q,
				  SERVER_CONFIG_INVALID);
	n = strlen(root);
	while (n && root[n - 1] == '/')
		root[--n] = '\0';
	if (!n) {
		kk_go_quote_buf(cgroup_root ? cgroup_root : "", q, sizeof(q));
		return kk_err_set(err, EINVAL, "cgroupRoot %s resolves to root: %s", q,
				  SERVER_CONFIG_INVALID);
	}
	*suffix_out = TAKE_PTR(sfx);
	*root_out = TAKE_PTR(root);
	return 0;
}

int kk_name_validate(const char *kind, const char *name, char **out, struct kk_err *err)
{
	cleanup_free char *t = kk_go_trim_space(name);
	char q[128];
	int realm = strcmp(kind, "realm") == 0;
	size_t len = strlen(t);

	if (!*t) {
		if (realm)
			return kk_err_set(err, EINVAL, "realm name is required");
		return kk_err_set(err, EINVAL, "name is invalid: %s name is required", kind);
	}
	kk_go_quote_buf(t, q, sizeof(q));
	if (strpbrk(t, "_/")) {
		if (realm)
			return kk_err_set(err, EINVAL,
					  "realm name is invalid: %s contains disallowed character "
					  "(must not contain '_' or '/')",
					  q);
		return kk_err_set(err, EINVAL,
				  "name is invalid: %s name %s contains disallowed character (must "
				  "not contain '_' or '/')",
				  kind, q);
	}
	if (!ident_ok(t, ".-")) {
		if (realm)
			return kk_err_set(err, EINVAL,
					  "realm name is invalid: %s must match "
					  "[A-Za-z0-9]+([.-][A-Za-z0-9]+)* (containerd identifier "
					  "rule)",
					  q);
		return kk_err_set(err, EINVAL,
				  "name is invalid: %s name %s must match "
				  "[A-Za-z0-9]+([.-][A-Za-z0-9]+)* (containerd identifier rule)",
				  kind, q);
	}
	if (len > KK_CONTAINERD_ID_MAX) {
		if (realm)
			return kk_err_set(err, EINVAL,
					  "realm name is invalid: %s is %zu characters long; "
					  "containerd allows at most %d",
					  q, len, KK_CONTAINERD_ID_MAX);
		return kk_err_set(err, EINVAL,
				  "name is invalid: %s name %s is %zu characters long; containerd "
				  "allows at most %d",
				  kind, q, len, KK_CONTAINERD_ID_MAX);
	}
	if (out)
		*out = TAKE_PTR(t);
	return 0;
}

int kk_containerd_ident_validate(const char *what, const char *id, struct kk_err *err)
{
	size_t len = strlen(id);

	if (!ident_ok(id, "._-"))
		return kk_err_set(err, EINVAL,
				  "%s `%s` must match [A-Za-z0-9]+([._-][A-Za-z0-9]+)* (containerd "
				  "identifier rule)",
				  what, id);
	if (len > KK_CONTAINERD_ID_MAX)
		return kk_err_set(err, EINVAL,
				  "%s `%s` is %zu characters long; containerd allows at most %d",
				  what, id, len, KK_CONTAINERD_ID_MAX);
	return 0;
}

int kk_containerd_label_validate(const char *key, const char *value, struct kk_err *err)
{
	size_t len = strlen(key) + strlen(value ? value : "");

	if (!*key)
		return kk_err_set(err, EINVAL, "containerd label key is empty");
	if (len > KK_CONTAINERD_LABEL_MAX)
		return kk_err_set(err, EINVAL,
				  "containerd label `%s`: key and value are %zu bytes; containerd "
				  "allows at most %d",
				  key, len, KK_CONTAINERD_LABEL_MAX);
	return 0;
}

uint32_t kk_fnv1a32(const char *s)
{
	uint32_t h = 0x811c9dc5u;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h ^= *p;
		h *= 0x01000193u;
	}
	return h;
}

int kk_naming_namespace(const char *realm, const char *suffix, char **out, struct kk_err *err)
{
	cleanup_free char *r = kk_go_trim_space(realm);
	cleanup_free char *ns = NULL;

	if (!*r)
		return kk_err_set(err, EINVAL, "realm name is required");
	ns = kk_xasprintf("%s.%s", r, suffix && *suffix ? suffix : KK_NAMESPACE_SUFFIX);
	if (kk_containerd_ident_validate("containerd namespace", ns, err) < 0)
		return -1;
	*out = TAKE_PTR(ns);
	return 0;
}

char *kk_naming_realm_of_namespace(const char *ns, const char *suffix)
{
	const char *sfx = suffix && *suffix ? suffix : KK_NAMESPACE_SUFFIX;
	size_t n = strlen(ns), s = strlen(sfx);

	if (n < s + 2 || ns[n - s - 1] != '.' || strcmp(ns + n - s, sfx) != 0)
		return NULL;
	return kk_xstrndup(ns, n - s - 1);
}

static int id_parts(const char *const *parts, const char *const *what, int n, char **out,
		    struct kk_err *err)
{
	char *t[4] = { 0 };
	cleanup_free char *id = NULL;
	int rc = -1;

	for (int i = 0; i < n; i++) {
		t[i] = kk_go_trim_space(parts[i]);
		if (!*t[i]) {
			kk_err_set(err, EINVAL, "%s name cannot be empty", what[i]);
			goto out;
		}
	}
	if (n == 3)
		id = kk_xasprintf("%s_%s_%s_root", t[0], t[1], t[2]);
	else
		id = kk_xasprintf("%s_%s_%s_%s", t[0], t[1], t[2], t[3]);
	if (kk_containerd_ident_validate("containerd id", id, err) < 0)
		goto out;
	*out = TAKE_PTR(id);
	rc = 0;
out:
	for (int i = 0; i < 4; i++)
		free(t[i]);
	return rc;
}

int kk_naming_root_containerd_id(const char *space, const char *stack, const char *cell, char **out,
				 struct kk_err *err)
{
	const char *parts[] = { space, stack, cell };
	const char *what[] = { "space", "stack", "cell" };

	return id_parts(parts, what, 3, out, err);
}

int kk_naming_containerd_id(const char *space, const char *stack, const char *cell,
			    const char *container, char **out, struct kk_err *err)
{
	const char *parts[] = { space, stack, cell, container };
	const char *what[] = { "space", "stack", "cell", "container" };

	return id_parts(parts, what, 4, out, err);
}

int kk_naming_room_for_cells(const char *space, const char *stack, struct kk_err *err)
{
	/* "<space>_<stack>_<c>_root" with the shortest names still to come */
	size_t len = strlen(space) + 1 + (stack ? strlen(stack) : 1) + 1 + 1 + strlen("_root");

	if (len <= KK_CONTAINERD_ID_MAX)
		return 0;
	return kk_err_set(err, EINVAL,
			  "%s \"%s\": a cell in it would need a containerd id of at least %zu "
			  "characters (\"%s_%s_<cell>_root\"); containerd allows at most %d: "
			  "choose a shorter name",
			  stack ? "stack" : "space", stack ? stack : space, len, space,
			  stack ? stack : "<stack>", KK_CONTAINERD_ID_MAX);
}

char *kk_naming_cgroup_path(const char *root, const char *realm, const char *space,
			    const char *stack, const char *cell)
{
	cleanup_free char *r = kk_go_trim_space(root && *root ? root : KK_CGROUP_ROOT);
	size_t n = strlen(r);
	const char *parts[] = { realm, space, stack, cell };
	char *path;

	while (n > 1 && r[n - 1] == '/')
		r[--n] = '\0';
	path = kk_xstrdup(r);
	for (int i = 0; i < 4 && parts[i]; i++) {
		char *next =
			kk_xasprintf("%s%s%s", path, strcmp(path, "/") == 0 ? "" : "/", parts[i]);

		free(path);
		path = next;
	}
	return path;
}

char *kk_naming_task_cgroup_path(const char *cell_cgroup, const char *containerd_id)
{
	return kk_xasprintf("%s/%s/_payload", cell_cgroup, containerd_id);
}

int kk_naming_network(const char *realm, const char *space, char **out, struct kk_err *err)
{
	cleanup_free char *r = kk_go_trim_space(realm);
	cleanup_free char *s = kk_go_trim_space(space);

	if (!*s)
		return kk_err_set(err, EINVAL, "space name is required");
	if (!*r)
		return kk_err_set(err, EINVAL, "realm name is required");
	*out = kk_xasprintf("%s-%s", r, s);
	return 0;
}

char *kk_naming_bridge(const char *network)
{
	if (!network || !*network)
		return kk_xstrdup("");
	return kk_xasprintf("k-%08x", kk_fnv1a32(network));
}

char *kk_naming_egress_chain(const char *realm, const char *space)
{
	cleanup_free char *key = kk_xasprintf("%s/%s", realm, space);

	return kk_xasprintf("KUKE-EGR-%08x", kk_fnv1a32(key));
}

char *kk_naming_conflist_path(const char *run_path, const char *realm, const char *space)
{
	return kk_xasprintf("%s/data/%s/%s/network.conflist", run_path, realm, space);
}

char *kk_naming_container_dir(const char *run_path, const char *realm, const char *space,
			      const char *stack, const char *cell_id, const char *id)
{
	return kk_xasprintf("%s/data/%s/%s/%s/%s/%s", run_path, realm, space, stack, cell_id, id);
}

int kk_subnet_first_free(const char *const *used, size_t n_used, char **out, struct kk_err *err)
{
	char cand[32];

	for (int i = 0; i < 256; i++) {
		size_t j;

		snprintf(cand, sizeof(cand), "10.88.%d.0/24", i);
		for (j = 0; j < n_used; j++)
			if (used[j] && strcmp(used[j], cand) == 0)
				break;
		if (j == n_used) {
			*out = kk_xstrdup(cand);
			return 0;
		}
	}
	return kk_err_set(err, ENOSPC,
			  "no free subnet available in parent CIDR: parent %s exhausted at /24",
			  KK_SUBNET_PARENT);
}

static cJSON *obj_add(cJSON *parent, const char *key, cJSON *child)
{
	if (key)
		cJSON_AddItemToObject(parent, key, child);
	else
		cJSON_AddItemToArray(parent, child);
	return child;
}

char *kk_cni_conflist(const char *network, const char *bridge, const char *subnet)
{
	cleanup_(kk_json_freep) cJSON *root = cJSON_CreateObject();
	cJSON *plugins, *br, *ipam, *ranges, *range, *route;

	obj_add(root, "cniVersion", cJSON_CreateString(KK_CNI_VERSION));
	obj_add(root, "name", cJSON_CreateString(network));
	plugins = obj_add(root, "plugins", cJSON_CreateArray());
	br = obj_add(plugins, NULL, cJSON_CreateObject());
	obj_add(br, "type", cJSON_CreateString("bridge"));
	obj_add(br, "bridge", cJSON_CreateString(bridge));
	obj_add(br, "isGateway", cJSON_CreateTrue());
	obj_add(br, "ipMasq", cJSON_CreateFalse());
	ipam = obj_add(br, "ipam", cJSON_CreateObject());
	obj_add(ipam, "type", cJSON_CreateString("host-local"));
	ranges = obj_add(ipam, "ranges", cJSON_CreateArray());
	range = obj_add(ranges, NULL, cJSON_CreateArray());
	obj_add(obj_add(range, NULL, cJSON_CreateObject()), "subnet", cJSON_CreateString(subnet));
	route = obj_add(obj_add(ipam, "routes", cJSON_CreateArray()), NULL, cJSON_CreateObject());
	obj_add(route, "dst", cJSON_CreateString("0.0.0.0/0"));
	obj_add(obj_add(plugins, NULL, cJSON_CreateObject()), "type",
		cJSON_CreateString("loopback"));
	return kk_json_print(root, KK_JSON_INDENT);
}

void kk_labels_root_container(struct kk_labels *out, const struct kk_labels *cell_labels,
			      const char *cell_id, const char *cell_name, const char *realm,
			      const char *space, const char *stack)
{
	kk_labels_clear(out);
	if (cell_labels)
		kk_labels_copy(out, cell_labels);
	kk_labels_set(out, "kukeon.io/cell", cell_id);
	kk_labels_set(out, "kukeon.io/cell-name", cell_name);
	kk_labels_set(out, "kukeon.io/space", space);
	kk_labels_set(out, "kukeon.io/realm", realm);
	kk_labels_set(out, "kukeon.io/stack", stack);
	kk_labels_set(out, "kukeon.io/container-type", "root");
}

void kk_labels_container(struct kk_labels *out, const char *cell_id, const char *realm,
			 const char *space, const char *stack)
{
	kk_labels_clear(out);
	kk_labels_set(out, "kukeon.io/container-type", "container");
	kk_labels_set(out, "kukeon.io/cell", cell_id);
	kk_labels_set(out, "kukeon.io/space", space);
	kk_labels_set(out, "kukeon.io/realm", realm);
	kk_labels_set(out, "kukeon.io/stack", stack);
}

static void set_absent(struct kk_labels *l, const char *key, const char *value)
{
	if (value && !kk_labels_get(l, key))
		kk_labels_set(l, key, value);
}

void kk_labels_add_defaults(struct kk_labels *labels, const char *realm_value, const char *space,
			    const char *stack, const char *cell)
{
	set_absent(labels, "realm.kukeon.io", realm_value);
	set_absent(labels, "space.kukeon.io", space);
	set_absent(labels, "stack.kukeon.io", stack);
	set_absent(labels, "cell.kukeon.io", cell);
}

int kk_label_is_managed(const char *key)
{
	size_t n = strlen(key), s = strlen(".kukeon.io");

	return n >= s && strcmp(key + n - s, ".kukeon.io") == 0;
}
