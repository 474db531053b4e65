/* common/controller/hierarchy.c - see hierarchy.h. */
#include "common/controller/hierarchy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cjson/cJSON.h"
#include "common/cgroup/cgroup.h"
#include "common/cgroup/delegate.h"
#include "common/cleanup.h"
#include "common/cni/cni.h"
#include "common/controller/cell.h"
#include "common/controller/controller.h"
#include "common/controller/namespace.h"
#include "common/cni/netpolicy.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/naming.h"
#include "common/store/instance.h"
#include "common/store/paths.h"
#include "common/store/store.h"
#include "common/strv.h"
#include "ctr/ctr.h"
#include "kk_config.h"

#define CGROUP_REMOVE_TIMEOUT_MS 2000

/* ---- the in-process controller ---------------------------------------------------------- */

int kk_local_new(const struct kk_local_opts *opts, struct kk_local **out, struct kk_err *err)
{
	cleanup_(kk_local_freep) struct kk_local *l = kk_xcalloc(1, sizeof(*l));

	if (kk_runtime_config_validate(opts->ns_suffix ? opts->ns_suffix : KK_NAMESPACE_SUFFIX,
				       opts->cgroup_root ? opts->cgroup_root : KK_CGROUP_ROOT,
				       &l->ns_suffix, &l->cgroup_root, err) < 0)
		return -1;
	l->run_path = kk_xstrdup(opts->run_path);
	l->containerd_socket = kk_xstrdup(opts->containerd_socket);
	l->cgroup_mount =
		kk_xstrdup(opts->cgroup_mount ? opts->cgroup_mount : KK_CGROUP_DEFAULT_MOUNT);
	l->log = opts->log;
	l->cni_plugin_path = opts->cni_plugin_path ? kk_xstrdup(opts->cni_plugin_path) : NULL;
	l->cni_cache_dir = opts->cni_cache_dir ? kk_xstrdup(opts->cni_cache_dir) : NULL;
	l->store = kk_store_new(opts->run_path);
	*out = TAKE_PTR(l);
	return 0;
}

void kk_local_free(struct kk_local *l)
{
	if (!l)
		return;
	ctr_disconnect(l->conn);
	kk_cgroup_free(l->cg);
	kk_store_free(l->store);
	free(l->run_path);
	free(l->containerd_socket);
	free(l->cgroup_mount);
	free(l->cgroup_root);
	free(l->ns_suffix);
	free(l->cni_plugin_path);
	free(l->cni_cache_dir);
	free(l);
}

void kk_local_freep(struct kk_local **l)
{
	kk_local_free(*l);
	*l = NULL;
}

/* The run path belongs to this configuration (or is new): checked once per process. */
static int local_instance(struct kk_local *l, struct kk_err *err)
{
	if (l->instance_ok)
		return 0;
	if (kk_instance_verify_or_write(l->store, l->ns_suffix, l->cgroup_root, err) < 0)
		return -1;
	l->instance_ok = true;
	return 0;
}

/* Every write starts here: the instance checked, then the store locked until *held goes. */
static int local_lock(struct kk_local *l, struct kk_store **held, struct kk_err *err)
{
	if (local_instance(l, err) < 0)
		return -1;
	return kk_store_lock_scoped(l->store, KK_STORE_LOCK_TIMEOUT_MS, held, err);
}

static int local_cgroup(struct kk_local *l, struct kk_err *err)
{
	if (l->cg)
		return 0;
	return kk_cgroup_open(l->cgroup_mount, &l->cg, err);
}

static int local_ctr(struct kk_local *l, struct kk_err *err)
{
	if (l->conn)
		return 0;
	return ctr_connect(l->containerd_socket, NULL, &l->conn, err);
}

/* Namespaces.Get answers for any name, so existence is membership in the list. */
static int ns_exists(struct kk_local *l, const char *ns, struct kk_err *err)
{
	struct ctr_namespace_info *list = NULL;
	size_t n = 0;
	int found = 0;

	if (local_ctr(l, err) < 0 || ctr_namespace_list(l->conn, &list, &n, err) < 0)
		return kk_err_wrap(err, "containerd namespace `%s`", ns);
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].name, ns) == 0)
			found = 1;
	ctr_namespace_list_free(list, n);
	return found;
}

static void labels_to_ctr(const struct kk_labels *in, struct ctr_labels *out)
{
	for (size_t i = 0; i < in->n; i++)
		ctr_labels_set(out, in->v[i].key, in->v[i].value);
}

static char *cgroup_group(const struct kk_local *l, const char *realm, const char *space,
			  const char *stack)
{
	return kk_naming_cgroup_path(l->cgroup_root, realm, space, stack, NULL);
}

/* mkdir -p the group and delegate the resource controllers down to it. *created says
 * whether the group itself is new (for undo). */
static int cgroup_ensure(struct kk_local *l, const char *group, bool *existed, bool *created,
			 struct kk_strv *controllers, struct kk_err *err)
{
	static char *const want[] = { KK_CGROUP_RESOURCE_CONTROLLERS, NULL };
	struct kk_cgroup_delegation d = { 0 };
	int rc;

	if (local_cgroup(l, err) < 0)
		return -1;
	rc = kk_cgroup_exists(l->cg, group, err);
	if (rc < 0)
		return -1;
	*existed = rc == 1;
	rc = kk_cgroup_create(l->cg, group, err);
	if (rc < 0)
		return -1;
	*created = rc == 1;
	if (kk_cgroup_delegate(l->cg, group, want, KK_CGROUP_BOOTSTRAP_LEAF, &d, err) < 0) {
		if (*created)
			kk_cgroup_remove(l->cg, group, CGROUP_REMOVE_TIMEOUT_MS,
					 &(struct kk_err){ 0 });
		*created = false;
		return -1;
	}
	kk_strv_clear(controllers);
	for (size_t i = 0; d.enabled && d.enabled[i]; i++)
		kk_strv_push(controllers, d.enabled[i]);
	kk_cgroup_delegation_clear(&d);
	return 0;
}

/* Remove a group; a missing one is fine. Returns 1 if it was removed. */
static int cgroup_drop(struct kk_local *l, const char *group, struct kk_err *err)
{
	if (!group || !*group || local_cgroup(l, err) < 0)
		return group && *group ? -1 : 0;
	return kk_cgroup_remove(l->cg, group, CGROUP_REMOVE_TIMEOUT_MS, err);
}

/* The cgroup step of every create. Status records the group as refresh would find it, so
 * the next refresh writes no spurious update. */
static int create_cgroup(struct kk_local *l, const char *kind, const char *name, const char *group,
			 struct kk_status *st, int ready, bool *existed, bool *made,
			 struct kk_err *err)
{
	if (cgroup_ensure(l, group, existed, made, &st->subtree_controllers, err) < 0)
		return kk_err_wrap(err, "create %s `%s`: cgroup `%s`", kind, name, group);
	kk_str_set(&st->cgroup_path, group);
	st->cgroup_ready = true;
	st->state = ready;
	kk_status_stamp(st, ready);
	return 0;
}

/* The commit point of every create (tree is taken). On failure the group goes only if this
 * call made it: what existed before stays. */
static int create_commit(struct kk_local *l, const struct kk_store_ref *ref, struct cJSON *tree,
			 const char *kind, const char *name, const char *group, bool made,
			 struct kk_err *err)
{
	if (kk_local_put(l, ref, tree, err) == 0)
		return 0;
	kk_err_wrap(err, "create %s `%s`", kind, name);
	if (made)
		cgroup_drop(l, group, &(struct kk_err){ 0 });
	return -1;
}

/* ENOENT naming the missing object and its parents, in upstream's words. */
static int not_found(struct kk_err *err, const struct kk_store_ref *ref)
{
	if (ref->stack)
		return kk_err_set(err, ENOENT,
				  "stack \"%s\" not found in realm \"%s\", space \"%s\"",
				  ref->stack, ref->realm, ref->space);
	if (ref->space)
		return kk_err_set(err, ENOENT, "space \"%s\" not found in realm \"%s\"", ref->space,
				  ref->realm);
	return kk_err_set(err, ENOENT, "realm \"%s\" not found", ref->realm);
}

/* A load's or an existence check's answer (1, 0, -1) where the object must be there. */
static int must_exist(int rc, const struct kk_store_ref *ref, struct kk_err *err)
{
	if (rc == 0)
		not_found(err, ref);
	return rc <= 0 ? -1 : 0;
}

int kk_local_put(struct kk_local *l, const struct kk_store_ref *ref, struct cJSON *tree,
		 struct kk_err *err)
{
	cleanup_free char *text = kk_json_print(tree, KK_JSON_INDENT | KK_JSON_NEWLINE);

	cJSON_Delete(tree);
	return kk_store_write(l->store, ref, text, strlen(text), err);
}

/* Read and parse ref's metadata.json: 1 and *tree on success, 0 when missing. */
static int store_get(struct kk_local *l, const struct kk_store_ref *ref, struct cJSON **tree,
		     struct kk_err *err)
{
	cleanup_free char *text = NULL;
	cleanup_free char *path = NULL;
	size_t len = 0;

	if (kk_store_read(l->store, ref, &text, &len, err) < 0) {
		if (err->code == ENOENT) {
			*err = (struct kk_err){ 0 };
			return 0;
		}
		return -1;
	}
	if (kk_store_meta_path(l->store, ref, &path, err) < 0 ||
	    kk_json_parse(text, len, path, tree, err) < 0)
		return -1;
	return 1;
}

static const char **ref_level(struct kk_store_ref *r, int level)
{
	const char **slots[] = { &r->realm, &r->space, &r->stack, &r->cell };

	return slots[level];
}

void kk_ref_walk_clear(struct kk_ref_walk *w)
{
	free(w->v);
	kk_strv_free(w->names);
	memset(w, 0, sizeof(*w));
}

int kk_local_walk(struct kk_local *l, const struct kk_store_ref *filter, int depth,
		  bool skip_bad_leaf, struct kk_ref_walk *out, struct kk_err *err)
{
	struct kk_store_ref want = *filter;
	struct kk_ref_walk w = { .v = kk_xcalloc(1, sizeof(*w.v)), .n = 1 }; /* the root */

	for (int level = 0; level < depth; level++) {
		const char *only = *ref_level(&want, level);
		bool skip = skip_bad_leaf && level == depth - 1;
		struct kk_store_ref *next = NULL;
		size_t k = 0;

		for (size_t i = 0; i < w.n; i++) {
			struct kk_err ignored = { 0 };
			char **kids = NULL;

			if (only)
				kk_strv_push_take(&kids, kk_xstrdup(only));
			else if (kk_store_list(l->store, level ? &w.v[i] : NULL, &kids,
					       skip ? &ignored : err) < 0) {
				if (skip)
					continue;
				free(next);
				kk_ref_walk_clear(&w);
				return -1;
			}
			for (size_t j = 0; kids && kids[j]; j++) {
				next = kk_xrealloc(next, (k + 1) * sizeof(*next));
				next[k] = w.v[i];
				*ref_level(&next[k++], level) = kids[j];
				kk_strv_push_take(&w.names, kids[j]); /* the strings move */
			}
			free(kids);
		}
		free(w.v);
		w.v = next;
		w.n = k;
	}
	*out = w;
	return 0;
}

#define DEFINE_LOAD(kind)                                                             \
	int kk_local_load_##kind(struct kk_local *l, const struct kk_store_ref *ref,  \
				 struct kk_##kind **out, struct kk_err *err)          \
	{                                                                             \
		cleanup_(kk_json_freep) struct cJSON *tree = NULL;                    \
		int rc = store_get(l, ref, &tree, err);                               \
                                                                                      \
		if (rc <= 0)                                                          \
			return rc;                                                    \
		if (kk_##kind##_decode(tree, NULL, out, err) < 0) {                   \
			cleanup_free char *p = NULL;                                  \
			kk_store_meta_path(l->store, ref, &p, &(struct kk_err){ 0 }); \
			return kk_err_wrap(err, "metadata `%s`", p ? p : "?");        \
		}                                                                     \
		return 1;                                                             \
	}
DEFINE_LOAD(realm)
DEFINE_LOAD(space)
DEFINE_LOAD(stack)
DEFINE_LOAD(cell)

static int validate3(const char *realm, const char *space, const char *stack, char **r, char **s,
		     char **t, struct kk_err *err)
{
	if (kk_name_validate("realm", realm, r, err) < 0)
		return -1;
	if (s && kk_name_validate("space", space, s, err) < 0)
		return -1;
	if (t && kk_name_validate("stack", stack, t, err) < 0)
		return -1;
	return 0;
}

static size_t count_children(struct kk_local *l, const struct kk_store_ref *ref)
{
	char **kids = NULL;
	size_t n;

	if (kk_store_list(l->store, ref, &kids, &(struct kk_err){ 0 }) < 0)
		return 0;
	n = kk_strv_len(kids);
	kk_strv_free(kids);
	return n;
}

/* The labels of an update: desired's, plus the managed keys stored that desired lacks. */
static void labels_update(struct kk_labels *stored, const struct kk_labels *desired)
{
	struct kk_labels merged = { 0 };

	kk_labels_copy(&merged, desired);
	for (size_t i = 0; i < stored->n; i++)
		if (kk_label_is_managed(stored->v[i].key) &&
		    !kk_labels_get(&merged, stored->v[i].key))
			kk_labels_set(&merged, stored->v[i].key, stored->v[i].value);
	kk_labels_clear(stored);
	*stored = merged;
}

void kk_delete_result_clear(struct kk_delete_result *r)
{
	kk_strv_free(r->purged);
	memset(r, 0, sizeof(*r));
}

struct kk_cni_host kk_local_cni_host(const struct kk_local *l)
{
	struct kk_cni_host host = KK_CNI_HOST_DEFAULTS;

	if (l->cni_plugin_path)
		host.plugin_path = l->cni_plugin_path;
	if (l->cni_cache_dir)
		host.cache_dir = l->cni_cache_dir;
	return host;
}

/* Take the space's network off the host: its bridge, host-local store and CNI cache entries
 * (kk_cni_network_teardown), as named by the conflist at path. A conflist that is missing
 * or unreadable stands in for the one create writes (derived network and bridge names,
 * host-local's default store). Returns 1 if there was a conflist, 0 if not. */
static int space_network_teardown(struct kk_local *l, const char *realm, const char *space,
				  const char *path, struct kk_err *err)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;
	struct kk_cni_host host = kk_local_cni_host(l);
	bool present = access(path, F_OK) == 0;

	if (!present || kk_cni_conflist_load(path, &net, &(struct kk_err){ 0 }) < 0) {
		cleanup_free char *network = NULL;
		cleanup_free char *bridge = NULL;
		cleanup_free char *text = NULL;

		if (kk_naming_network(realm, space, &network, err) < 0)
			return -1;
		bridge = kk_naming_bridge(network);
		text = kk_cni_conflist(network, bridge, "10.88.0.0/24");
		if (kk_cni_conflist_parse(text, strlen(text), "derived", &net, err) < 0)
			return -1;
	}
	if (kk_cni_network_teardown(&host, net, err) < 0)
		return -1;
	return present;
}

/* Every space network found under a realm's directory, and its NAT and egress rules (what a
 * realm purge would otherwise leave on the host when --cascade did not take the spaces
 * down). Errors are ignored. */
static void realm_networks_teardown(struct kk_local *l, const char *realm)
{
	cleanup_(kk_strv_freep) char **spaces = NULL;
	struct kk_cni_host host = kk_local_cni_host(l);

	if (kk_store_list(l->store, &(struct kk_store_ref){ .realm = realm }, &spaces,
			  &(struct kk_err){ 0 }) < 0)
		return;
	for (size_t i = 0; spaces && spaces[i]; i++) {
		cleanup_free char *path =
			kk_store_space_conflist_path(l->run_path, realm, spaces[i]);

		if (access(path, F_OK) == 0)
			space_network_teardown(l, realm, spaces[i], path, &(struct kk_err){ 0 });
		kk_netpolicy_space_remove(&host, realm, spaces[i], &(struct kk_err){ 0 });
	}
}

/* ---- realm ---------------------------------------------------------------------------- */

void kk_realm_create_result_clear(struct kk_realm_create_result *r)
{
	kk_realm_free(r->realm);
	memset(r, 0, sizeof(*r));
}

void kk_realm_get_result_clear(struct kk_realm_get_result *r)
{
	kk_realm_free(r->realm);
	memset(r, 0, sizeof(*r));
}

void kk_realm_list_free(struct kk_realm **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kk_realm_free(v[i]);
	free(v);
}

static struct kk_realm *realm_new(const char *name, const char *ns, const struct kk_labels *labels)
{
	struct kk_realm *r = kk_xcalloc(1, sizeof(*r));

	r->api_version = kk_xstrdup(KK_API_VERSION);
	r->kind = kk_xstrdup("Realm");
	r->meta.name = kk_xstrdup(name);
	if (labels)
		kk_labels_copy(&r->meta.labels, labels);
	r->spec.namespace_ = kk_xstrdup(ns);
	return r;
}

/* r's registry credentials replaced by a copy of src's (a JSON round trip copies them). */
static int realm_creds_set(struct kk_realm *r, const struct kk_realm *src, struct kk_err *err)
{
	cleanup_(kk_json_freep) struct cJSON *t = kk_realm_encode(src, KK_ENC_JSON);
	cleanup_(kk_realm_freep) struct kk_realm *tmp = NULL;

	if (kk_realm_decode(t, NULL, &tmp, err) < 0)
		return -1;
	for (size_t i = 0; i < r->spec.n_registry_credentials; i++) {
		free(r->spec.registry_credentials[i].username);
		free(r->spec.registry_credentials[i].password);
		free(r->spec.registry_credentials[i].server_address);
	}
	free(r->spec.registry_credentials);
	r->spec.registry_credentials = TAKE_PTR(tmp->spec.registry_credentials);
	r->spec.n_registry_credentials = tmp->spec.n_registry_credentials;
	tmp->spec.n_registry_credentials = 0;
	return 0;
}

int kk_ctl_realm_create(struct kk_local *l, const struct kk_realm *req, bool inject_labels,
			struct kk_realm_create_result *res, struct kk_err *err)
{
	cleanup_free char *name = NULL;
	cleanup_free char *ns = NULL;
	cleanup_free char *group = NULL;
	cleanup_(kk_realm_freep) struct kk_realm *r = NULL;
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_realm_create_result out = { 0 };
	struct kk_store_ref ref;
	int rc;

	if (kk_name_validate("realm", req->meta.name, &name, err) < 0)
		return -1;
	if (req->spec.namespace_ && *req->spec.namespace_)
		ns = kk_xstrdup(req->spec.namespace_);
	else if (kk_naming_namespace(name, l->ns_suffix, &ns, err) < 0)
		return -1;
	if (kk_containerd_ident_validate("containerd namespace", ns, err) < 0)
		return -1;
	ref = (struct kk_store_ref){ .realm = name };
	if (local_lock(l, &held, err) < 0)
		return -1;

	rc = kk_local_load_realm(l, &ref, &r, err);
	if (rc < 0)
		return -1;
	out.metadata_exists_pre = rc == 1;
	if (r) { /* ensure: the stored spec wins */
		free(ns);
		ns = kk_xstrdup(r->spec.namespace_ && *r->spec.namespace_ ? r->spec.namespace_
									  : "");
		if (!*ns) {
			free(ns);
			ns = NULL;
			if (kk_naming_namespace(name, l->ns_suffix, &ns, err) < 0)
				return -1;
			kk_str_set(&r->spec.namespace_, ns);
		}
	} else {
		r = realm_new(name, ns, &req->meta.labels);
		if (req->spec.n_registry_credentials && realm_creds_set(r, req, err) < 0)
			return -1;
		if (inject_labels)
			kk_labels_add_defaults(&r->meta.labels, ns, NULL, NULL, NULL);
		r->status.state = KK_REALM_CREATING;
	}

	rc = ns_exists(l, ns, err);
	if (rc < 0)
		return -1;
	out.ns_exists_pre = rc == 1;
	if (!out.ns_exists_pre) {
		struct ctr_labels labels = { 0 };

		kk_log(l->log, KK_LOG_INFO, "creating containerd namespace", "namespace", ns);
		labels_to_ctr(&r->meta.labels, &labels);
		rc = ctr_namespace_create(l->conn, ns, &labels, err);
		ctr_labels_clear(&labels);
		if (rc < 0 && err->code != EEXIST)
			return kk_err_wrap(err, "create realm `%s`: containerd namespace `%s`",
					   name, ns);
		*err = (struct kk_err){ 0 };
		out.ns_created = rc == 0;
	}
	out.ns_exists_post = true;

	group = cgroup_group(l, name, NULL, NULL);
	r->containerd_namespace_ready = true;
	if (create_cgroup(l, "realm", name, group, &r->status, KK_REALM_READY,
			  &out.cgroup_exists_pre, &out.cgroup_created, err) < 0 ||
	    create_commit(l, &ref, kk_realm_encode(r, KK_ENC_JSON), "realm", name, group,
			  out.cgroup_created, err) < 0)
		goto undo_ns;
	out.cgroup_exists_post = true;
	out.metadata_exists_post = true;
	out.created = !out.metadata_exists_pre;
	out.realm = TAKE_PTR(r);
	*res = out;
	return 0;

undo_ns:
	if (out.ns_created)
		ctr_namespace_delete(l->conn, ns, &(struct kk_err){ 0 });
	return -1;
}

int kk_ctl_realm_get(struct kk_local *l, const char *name_in, struct kk_realm_get_result *res,
		     struct kk_err *err)
{
	cleanup_free char *name = NULL;
	struct kk_store_ref ref;

	if (kk_name_validate("realm", name_in, &name, err) < 0)
		return -1;
	ref = (struct kk_store_ref){ .realm = name };
	return must_exist(kk_local_load_realm(l, &ref, &res->realm, err), &ref, err);
}

int kk_ctl_realm_list(struct kk_local *l, struct kk_realm ***out, size_t *n, struct kk_err *err)
{
	cleanup_(kk_ref_walk_clear) struct kk_ref_walk w = { 0 };
	struct kk_realm **v = NULL;
	size_t k = 0;

	if (kk_local_walk(l, &(struct kk_store_ref){ 0 }, 1, false, &w, err) < 0)
		return -1;
	v = kk_xcalloc(w.n + 1, sizeof(void *)); /* realm pointers */
	for (size_t i = 0; i < w.n; i++)
		/* upstream skips what it cannot read */
		if (kk_local_load_realm(l, &w.v[i], &v[k], &(struct kk_err){ 0 }) == 1)
			k++;
	*out = v;
	*n = k;
	return 0;
}

int kk_ctl_realm_update(struct kk_local *l, const struct kk_realm *desired, struct kk_err *err)
{
	cleanup_(kk_realm_freep) struct kk_realm *r = NULL;
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_store_ref ref = { .realm = desired->meta.name };

	if (local_lock(l, &held, err) < 0)
		return -1;
	if (must_exist(kk_local_load_realm(l, &ref, &r, err), &ref, err) < 0)
		return -1;
	labels_update(&r->meta.labels, &desired->meta.labels);
	if (realm_creds_set(r, desired, err) < 0)
		return -1;
	kk_status_stamp(&r->status, KK_REALM_READY);
	return kk_local_put(l, &ref, kk_realm_encode(r, KK_ENC_JSON), err);
}

static int children_error(struct kk_err *err, const char *verb, const char *kind, const char *name,
			  size_t n, const char *what)
{
	return kk_err_set(err, EBUSY,
			  "failed to %s %s: resource has child resources: %s \"%s\" has %zu %s. "
			  "Use --cascade to %s them or --force to skip validation",
			  verb, kind, kind, name, n, what, verb);
}

static int realm_remove(struct kk_local *l, const char *name, bool force, bool cascade, bool purge,
			struct kk_delete_result *res, struct kk_err *err)
{
	const char *verb = purge ? "purge" : "delete";
	struct kk_store_ref ref = { .realm = name };
	cleanup_(kk_realm_freep) struct kk_realm *r = NULL;
	cleanup_(kk_strv_freep) char **spaces = NULL;
	cleanup_free char *ns = NULL;
	cleanup_free char *group = NULL;
	struct kk_ns_cleanup_result cr = { 0 };
	struct kk_ctl ctl = { .run_path = l->run_path, .containerd_socket = l->containerd_socket };
	int rc;

	rc = kk_local_load_realm(l, &ref, &r, err);
	if (!purge && must_exist(rc, &ref, err) < 0)
		return -1;
	*err = (struct kk_err){ 0 };
	if (kk_store_list(l->store, &ref, &spaces, err) < 0)
		return -1;
	if (spaces && !cascade && !force)
		return children_error(err, verb, "realm", name, kk_strv_len(spaces), "space(s)");
	if (local_instance(l, err) < 0)
		return -1;
	for (size_t i = 0; cascade && spaces && spaces[i]; i++) {
		struct kk_delete_result sub = { 0 };

		rc = purge ? kk_ctl_space_purge(l, name, spaces[i], force, true, &sub, err)
			   : kk_ctl_space_delete(l, name, spaces[i], force, true, &sub, err);
		kk_delete_result_clear(&sub);
		if (rc < 0)
			return kk_err_wrap(err, "failed to %s realm", verb);
		res->n_cascaded++;
	}
	if (r && r->spec.namespace_ && *r->spec.namespace_)
		ns = kk_xstrdup(r->spec.namespace_);
	else if (kk_naming_namespace(name, l->ns_suffix, &ns, err) < 0)
		return -1;
	group = r && r->status.cgroup_path && *r->status.cgroup_path
			? kk_xstrdup(r->status.cgroup_path)
			: cgroup_group(l, name, NULL, NULL);

	kk_log(l->log, KK_LOG_INFO, "cleaning up containerd namespace", "namespace", ns);
	rc = ns_exists(l, ns, err);
	if (rc < 0)
		return kk_err_wrap(err, "failed to %s realm", verb);
	if (rc == 1) {
		rc = kk_ctl_namespace_cleanup(&ctl, ns, &cr, err);
		res->ns_deleted = cr.deleted;
		if (purge && cr.n_removed)
			kk_strv_push_take(&res->purged, kk_xstrdup("containerd-resources"));
		kk_ns_cleanup_result_clear(&cr);
		if (rc < 0)
			return kk_err_wrap(err, "failed to %s realm", verb);
	}
	rc = cgroup_drop(l, group, err);
	if (rc < 0 && !purge)
		return kk_err_wrap(err, "failed to delete realm");
	res->cgroup_deleted = rc == 1;
	*err = (struct kk_err){ 0 };
	if (purge) {
		cleanup_free char *dir = kk_store_realm_dir(l->run_path, name);

		realm_networks_teardown(l, name);
		rc = access(dir, F_OK) == 0;
		if (kk_store_remove_tree(l->store, &ref, err) < 0)
			return kk_err_wrap(err, "failed to purge realm");
		res->metadata_deleted = rc;
		if (rc)
			kk_strv_push_take(&res->purged, kk_xstrdup("all-metadata"));
	} else {
		rc = kk_store_delete(l->store, &ref, err);
		if (rc < 0)
			return kk_err_wrap(err, "failed to delete realm");
		res->metadata_deleted = rc == 1;
	}
	return 0;
}

/* delete and purge: the name checked once for both */
static int realm_remove_checked(struct kk_local *l, const char *name_in, bool force, bool cascade,
				bool purge, struct kk_delete_result *res, struct kk_err *err)
{
	cleanup_free char *name = NULL;

	if (kk_name_validate("realm", name_in, &name, err) < 0)
		return -1;
	return realm_remove(l, name, force, cascade, purge, res, err);
}

int kk_ctl_realm_delete(struct kk_local *l, const char *name, bool force, bool cascade,
			struct kk_delete_result *res, struct kk_err *err)
{
	return realm_remove_checked(l, name, force, cascade, false, res, err);
}

int kk_ctl_realm_purge(struct kk_local *l, const char *name, bool force, bool cascade,
		       struct kk_delete_result *res, struct kk_err *err)
{
	return realm_remove_checked(l, name, force, cascade, true, res, err);
}

/* ---- space ---------------------------------------------------------------------------- */

void kk_space_create_result_clear(struct kk_space_create_result *r)
{
	kk_space_free(r->space);
	memset(r, 0, sizeof(*r));
}

void kk_space_get_result_clear(struct kk_space_get_result *r)
{
	kk_space_free(r->space);
	memset(r, 0, sizeof(*r));
}

void kk_space_list_free(struct kk_space **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kk_space_free(v[i]);
	free(v);
}

/* The subnet persisted in a network.json, or NULL. */
static char *subnet_read(const char *path)
{
	cleanup_free char *text = NULL;
	cleanup_(kk_json_freep) struct cJSON *t = NULL;
	const cJSON *v;
	struct kk_err e = { 0 };

	if (kk_read_file(path, &text, &e) < 0 ||
	    kk_json_parse(text, strlen(text), path, &t, &e) < 0)
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(t, "subnetCIDR");
	return cJSON_IsString(v) && *v->valuestring ? kk_xstrdup(v->valuestring) : NULL;
}

/* The space's subnet: the persisted one, else the first /24 no space uses. Store locked. */
static int subnet_allocate(struct kk_local *l, const char *realm, const char *space, char **out,
			   bool *fresh, struct kk_err *err)
{
	cleanup_free char *mine = kk_store_space_subnet_path(l->run_path, realm, space);
	cleanup_(kk_ref_walk_clear) struct kk_ref_walk spaces = { 0 };
	cleanup_(kk_strv_freep) char **used = NULL;

	*fresh = false;
	if ((*out = subnet_read(mine)))
		return 0;
	if (kk_local_walk(l, &(struct kk_store_ref){ 0 }, 2, false, &spaces, err) < 0)
		return -1;
	for (size_t i = 0; i < spaces.n; i++) {
		cleanup_free char *p = kk_store_space_subnet_path(l->run_path, spaces.v[i].realm,
								  spaces.v[i].space);
		char *s = subnet_read(p);

		if (s)
			kk_strv_push_take(&used, s);
	}
	if (kk_subnet_first_free((const char *const *)used, kk_strv_len(used), out, err) < 0)
		return -1;
	*fresh = true;
	return 0;
}

/* The conflist exists: readable JSON whose name is the network's. */
static bool conflist_ok(const char *path, const char *network, const char *bridge)
{
	cleanup_free char *text = NULL;
	cleanup_(kk_json_freep) struct cJSON *t = NULL;
	const cJSON *name, *plugins, *br;
	struct kk_err e = { 0 };

	if (kk_read_file(path, &text, &e) < 0 ||
	    kk_json_parse(text, strlen(text), path, &t, &e) < 0)
		return false;
	name = cJSON_GetObjectItemCaseSensitive(t, "name");
	if (!cJSON_IsString(name) || strcmp(name->valuestring, network) != 0)
		return false;
	if (!bridge)
		return true;
	plugins = cJSON_GetObjectItemCaseSensitive(t, "plugins");
	br = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(plugins, 0), "bridge");
	return cJSON_IsString(br) && strcmp(br->valuestring, bridge) == 0;
}

/* spec.defaults.container: what can be checked before any container uses it (beyond
 * upstream, which stores it unchecked and fails at container create; docs/compat.md). */
static int space_defaults_validate(const struct kk_space_container_defaults *d, struct kk_err *err)
{
	const char *const p = "spec.defaults.container";

	if (!d)
		return 0;
	for (size_t i = 0; i < d->n_tmpfs; i++) {
		const char *path = d->tmpfs[i].path;

		if (!path || path[0] != '/')
			return kk_err_set(err, EINVAL,
					  "%s.tmpfs[%zu].path: `%s` is not an absolute path", p, i,
					  kk_str(path));
		if (d->tmpfs[i].size_bytes < 0)
			return kk_err_set(err, EINVAL,
					  "%s.tmpfs[%zu].sizeBytes: must not be negative", p, i);
	}
	if (d->resources) {
		const struct kk_resources *r = d->resources;

		if ((r->has_memory_limit_bytes && r->memory_limit_bytes < 0) ||
		    (r->has_cpu_shares && r->cpu_shares < 0) ||
		    (r->has_pids_limit && r->pids_limit < 0))
			return kk_err_set(err, EINVAL, "%s.resources: limits must not be negative",
					  p);
	}
	if (d->capabilities) {
		const struct kk_strv *lists[] = { &d->capabilities->add, &d->capabilities->drop };

		for (size_t l = 0; l < 2; l++)
			for (size_t i = 0; i < lists[l]->n; i++)
				if (!lists[l]->v[i] || !*lists[l]->v[i])
					return kk_err_set(err, EINVAL,
							  "%s.capabilities.%s[%zu]: empty "
							  "capability",
							  p, l ? "drop" : "add", i);
	}
	return 0;
}

static struct kk_space *space_copy(const struct kk_space *in, struct kk_err *err)
{
	cleanup_(kk_json_freep) struct cJSON *t = kk_space_encode(in, KK_ENC_JSON);
	struct kk_space *s = NULL;

	if (kk_space_decode(t, NULL, &s, err) < 0)
		return NULL;
	return s;
}

int kk_ctl_space_create(struct kk_local *l, const struct kk_space *req, bool inject_labels,
			struct kk_space_create_result *res, struct kk_err *err)
{
	cleanup_free char *realm = NULL;
	cleanup_free char *name = NULL;
	cleanup_free char *network = NULL;
	cleanup_free char *bridge = NULL;
	cleanup_free char *subnet = NULL;
	cleanup_free char *conflist = NULL;
	cleanup_free char *subnet_path = NULL;
	cleanup_free char *group = NULL;
	cleanup_(kk_space_freep) struct kk_space *s = NULL;
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_space_create_result out = { 0 };
	struct kk_cni_host host = kk_local_cni_host(l);
	struct kk_store_ref ref;
	bool fresh_subnet = false;
	int rc;

	if (kk_name_validate("space", req->meta.name, &name, err) < 0 ||
	    kk_name_validate("realm", req->spec.realm_id, &realm, err) < 0)
		return -1;
	if (kk_egress_validate(req->spec.egress, err) < 0 ||
	    space_defaults_validate(req->spec.defaults_container, err) < 0)
		return kk_err_wrap(err, "space \"%s\"", name);
	ref = (struct kk_store_ref){ .realm = realm, .space = name };
	/* the parent is checked before anything (even the instance file) is written */
	if (must_exist(kk_store_exists(l->store, &(struct kk_store_ref){ .realm = realm }, err),
		       &(struct kk_store_ref){ .realm = realm }, err) < 0)
		return -1;
	if (local_lock(l, &held, err) < 0)
		return -1;

	rc = kk_local_load_space(l, &ref, &s, err);
	if (rc < 0)
		return -1;
	out.metadata_exists_pre = rc == 1;
	if (!s) {
		if (!(s = space_copy(req, err)))
			return -1;
		kk_str_set(&s->api_version, KK_API_VERSION);
		kk_str_set(&s->kind, "Space");
		kk_str_set(&s->meta.name, name);
		kk_str_set(&s->spec.realm_id, realm);
		kk_status_clear(&s->status);
		if (inject_labels)
			kk_labels_add_defaults(&s->meta.labels, realm, name, NULL, NULL);
		s->status.state = KK_SPACE_PENDING;
	}

	if (kk_naming_network(realm, name, &network, err) < 0)
		return -1;
	bridge = kk_naming_bridge(network);
	conflist = kk_store_space_conflist_path(l->run_path, realm, name);
	subnet_path = kk_store_space_subnet_path(l->run_path, realm, name);
	out.cni_exists_pre = conflist_ok(conflist, network, NULL);
	if (!conflist_ok(conflist, network, bridge)) {
		cleanup_free char *text = NULL;
		cleanup_free char *net_json = NULL;

		if (subnet_allocate(l, realm, name, &subnet, &fresh_subnet, err) < 0)
			return kk_err_wrap(err, "create space `%s`: subnet", name);
		kk_log(l->log, KK_LOG_INFO, "creating space network", "network", network, "subnet",
		       subnet);
		if (fresh_subnet) {
			net_json = kk_xasprintf("{\n  \"version\": \"v1\",\n  \"subnetCIDR\": "
						"\"%s\"\n}",
						subnet);
			if (kk_store_write_file(l->store, subnet_path, net_json, strlen(net_json),
						0600, err) < 0)
				return kk_err_wrap(err, "create space `%s`", name);
		}
		text = kk_cni_conflist(network, bridge, subnet);
		if (kk_store_write_file(l->store, conflist, text, strlen(text), 0600, err) < 0) {
			kk_err_wrap(err, "create space `%s`", name);
			goto undo_subnet;
		}
		out.cni_created = true;
	}
	out.cni_exists_post = true;
	kk_str_set(&s->spec.cni_config_path, conflist);
	/* the space's NAT and egress rules, once for all its cells */
	if (kk_netpolicy_space_ensure_conflist(&host, conflist, realm, name, s->spec.egress, err) <
	    0) {
		kk_err_wrap(err, "create space `%s`", name);
		goto undo_conflist;
	}

	group = cgroup_group(l, realm, name, NULL);
	if (create_cgroup(l, "space", name, group, &s->status, KK_SPACE_READY,
			  &out.cgroup_exists_pre, &out.cgroup_created, err) < 0 ||
	    create_commit(l, &ref, kk_space_encode(s, KK_ENC_JSON), "space", name, group,
			  out.cgroup_created, err) < 0)
		goto undo_conflist;
	out.cgroup_exists_post = true;
	out.metadata_exists_post = true;
	out.created = !out.metadata_exists_pre;
	out.space = TAKE_PTR(s);
	*res = out;
	return 0;

undo_conflist:
	if (!out.metadata_exists_pre)
		kk_netpolicy_space_remove(&host, realm, name, &(struct kk_err){ 0 });
	if (out.cni_created && !out.cni_exists_pre)
		unlink(conflist);
undo_subnet:
	if (fresh_subnet)
		unlink(subnet_path);
	if (!out.metadata_exists_pre) {
		cleanup_free char *dir = kk_store_space_dir(l->run_path, realm, name);

		kk_rmdir_if_empty(dir, &(struct kk_err){ 0 });
	}
	return -1;
}

int kk_ctl_space_get(struct kk_local *l, const char *realm_in, const char *name_in,
		     struct kk_space_get_result *res, struct kk_err *err)
{
	cleanup_free char *realm = NULL;
	cleanup_free char *name = NULL;
	struct kk_store_ref ref;

	if (kk_name_validate("space", name_in, &name, err) < 0 ||
	    kk_name_validate("realm", realm_in, &realm, err) < 0)
		return -1;
	ref = (struct kk_store_ref){ .realm = realm, .space = name };
	return must_exist(kk_local_load_space(l, &ref, &res->space, err), &ref, err);
}

int kk_ctl_space_list(struct kk_local *l, const char *realm, struct kk_space ***out, size_t *n,
		      struct kk_err *err)
{
	cleanup_(kk_ref_walk_clear) struct kk_ref_walk w = { 0 };
	struct kk_space **v = NULL;
	size_t k = 0;

	if (kk_local_walk(l, &(struct kk_store_ref){ .realm = realm }, 2, false, &w, err) < 0)
		return -1;
	v = kk_xcalloc(w.n + 1, sizeof(void *)); /* space pointers */
	for (size_t i = 0; i < w.n; i++)
		if (kk_local_load_space(l, &w.v[i], &v[k], &(struct kk_err){ 0 }) == 1)
			k++;
	*out = v;
	*n = k;
	return 0;
}

int kk_ctl_space_update(struct kk_local *l, const struct kk_space *desired, struct kk_err *err)
{
	cleanup_(kk_space_freep) struct kk_space *s = NULL;
	cleanup_(kk_space_freep) struct kk_space *d = NULL;
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_store_ref ref = { .realm = desired->spec.realm_id, .space = desired->meta.name };

	if (kk_egress_validate(desired->spec.egress, err) < 0 ||
	    space_defaults_validate(desired->spec.defaults_container, err) < 0)
		return kk_err_wrap(err, "space \"%s\"", ref.space);
	if (local_lock(l, &held, err) < 0)
		return -1;
	if (must_exist(kk_local_load_space(l, &ref, &s, err), &ref, err) < 0)
		return -1;
	if (!(d = space_copy(desired, err)))
		return -1;
	labels_update(&s->meta.labels, &d->meta.labels);
	/* defaults replaced: swap them over */
	{
		struct kk_space_container_defaults *tmp = s->spec.defaults_container;
		bool has = s->spec.has_defaults;

		s->spec.defaults_container = d->spec.defaults_container;
		s->spec.has_defaults = d->spec.has_defaults;
		d->spec.defaults_container = tmp;
		d->spec.has_defaults = has;
	}
	{
		struct kk_egress_policy *tmp = s->spec.egress;
		bool has = s->spec.has_network;
		struct kk_cni_host host = kk_local_cni_host(l);
		cleanup_free char *conflist =
			kk_store_space_conflist_path(l->run_path, ref.realm, ref.space);

		s->spec.egress = d->spec.egress;
		s->spec.has_network = d->spec.has_network;
		d->spec.egress = tmp;
		d->spec.has_network = has;
		/* the new policy is in place before it is recorded (upstream never re-applies) */
		if (kk_netpolicy_space_ensure_conflist(&host, conflist, ref.realm, ref.space,
						       s->spec.egress, err) < 0)
			return -1;
	}
	kk_status_stamp(&s->status, KK_SPACE_READY);
	return kk_local_put(l, &ref, kk_space_encode(s, KK_ENC_JSON), err);
}

static int space_remove(struct kk_local *l, const char *realm, const char *name, bool force,
			bool cascade, bool purge, struct kk_delete_result *res, struct kk_err *err)
{
	const char *verb = purge ? "purge" : "delete";
	struct kk_store_ref ref = { .realm = realm, .space = name };
	cleanup_(kk_space_freep) struct kk_space *s = NULL;
	cleanup_(kk_strv_freep) char **stacks = NULL;
	cleanup_free char *group = NULL;
	cleanup_free char *conflist = kk_store_space_conflist_path(l->run_path, realm, name);
	cleanup_free char *subnet = kk_store_space_subnet_path(l->run_path, realm, name);
	cleanup_free char *dir = kk_store_space_dir(l->run_path, realm, name);
	int rc;

	rc = kk_local_load_space(l, &ref, &s, err);
	if (!purge && must_exist(rc, &ref, err) < 0)
		return -1;
	*err = (struct kk_err){ 0 };
	if (kk_store_list(l->store, &ref, &stacks, err) < 0)
		return -1;
	if (stacks && !cascade && !force)
		return children_error(err, verb, "space", name, kk_strv_len(stacks), "stack(s)");
	if (local_instance(l, err) < 0)
		return -1;
	for (size_t i = 0; cascade && stacks && stacks[i]; i++) {
		struct kk_delete_result sub = { 0 };

		rc = purge ? kk_ctl_stack_purge(l, realm, name, stacks[i], force, true, &sub, err)
			   : kk_ctl_stack_delete(l, realm, name, stacks[i], force, true, &sub, err);
		kk_delete_result_clear(&sub);
		if (rc < 0)
			return kk_err_wrap(err, "failed to %s space", verb);
		res->n_cascaded++;
	}
	group = s && s->status.cgroup_path && *s->status.cgroup_path
			? kk_xstrdup(s->status.cgroup_path)
			: cgroup_group(l, realm, name, NULL);
	rc = cgroup_drop(l, group, err);
	if (rc < 0 && !purge)
		return kk_err_wrap(err, "failed to delete space");
	res->cgroup_deleted = rc == 1;
	*err = (struct kk_err){ 0 };
	rc = space_network_teardown(l, realm, name, conflist, err);
	if (rc >= 0) {
		struct kk_cni_host host = kk_local_cni_host(l);

		rc = kk_netpolicy_space_remove(&host, realm, name, err);
	}
	if (rc < 0 && !purge)
		return kk_err_wrap(err, "failed to delete space");
	*err = (struct kk_err){ 0 };
	res->cni_deleted = access(conflist, F_OK) == 0;
	if (res->cni_deleted && purge)
		kk_strv_push_take(&res->purged, kk_xstrdup("cni-resources"));
	if ((unlink(conflist) < 0 && errno != ENOENT) || (unlink(subnet) < 0 && errno != ENOENT))
		return kk_err_sys(err, "failed to %s space: network files in `%s`", verb, dir);
	if (purge) {
		res->metadata_deleted = access(dir, F_OK) == 0;
		if (res->metadata_deleted)
			kk_strv_push_take(&res->purged, kk_xstrdup("all-metadata"));
	} else {
		rc = kk_store_delete(l->store, &ref, err);
		if (rc < 0)
			return kk_err_wrap(err, "failed to delete space");
		res->metadata_deleted = rc == 1;
	}
	if (kk_store_remove_tree(l->store, &ref, err) < 0)
		return kk_err_wrap(err, "failed to %s space", verb);
	return 0;
}

/* delete and purge: the names checked once for both */
static int space_remove_checked(struct kk_local *l, const char *realm_in, const char *name_in,
				bool force, bool cascade, bool purge, struct kk_delete_result *res,
				struct kk_err *err)
{
	cleanup_free char *realm = NULL;
	cleanup_free char *name = NULL;

	if (kk_name_validate("space", name_in, &name, err) < 0 ||
	    kk_name_validate("realm", realm_in, &realm, err) < 0)
		return -1;
	return space_remove(l, realm, name, force, cascade, purge, res, err);
}

int kk_ctl_space_delete(struct kk_local *l, const char *realm, const char *name, bool force,
			bool cascade, struct kk_delete_result *res, struct kk_err *err)
{
	return space_remove_checked(l, realm, name, force, cascade, false, res, err);
}

int kk_ctl_space_purge(struct kk_local *l, const char *realm, const char *name, bool force,
		       bool cascade, struct kk_delete_result *res, struct kk_err *err)
{
	return space_remove_checked(l, realm, name, force, cascade, true, res, err);
}

/* ---- stack ---------------------------------------------------------------------------- */

void kk_stack_create_result_clear(struct kk_stack_create_result *r)
{
	kk_stack_free(r->stack);
	memset(r, 0, sizeof(*r));
}

void kk_stack_get_result_clear(struct kk_stack_get_result *r)
{
	kk_stack_free(r->stack);
	memset(r, 0, sizeof(*r));
}

void kk_stack_list_free(struct kk_stack **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kk_stack_free(v[i]);
	free(v);
}

int kk_ctl_stack_create(struct kk_local *l, const struct kk_stack *req, bool inject_labels,
			struct kk_stack_create_result *res, struct kk_err *err)
{
	cleanup_free char *realm = NULL;
	cleanup_free char *space = NULL;
	cleanup_free char *name = NULL;
	cleanup_free char *group = NULL;
	cleanup_(kk_stack_freep) struct kk_stack *s = NULL;
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_stack_create_result out = { 0 };
	struct kk_store_ref ref, parent;
	int rc;

	if (kk_name_validate("stack", req->meta.name, &name, err) < 0 ||
	    validate3(req->spec.realm_id, req->spec.space_id, NULL, &realm, &space, NULL, err) < 0)
		return -1;
	ref = (struct kk_store_ref){ .realm = realm, .space = space, .stack = name };
	parent = (struct kk_store_ref){ .realm = realm, .space = space };
	if (must_exist(kk_store_exists(l->store, &parent, err), &parent, err) < 0)
		return -1;
	if (local_lock(l, &held, err) < 0)
		return -1;
	rc = kk_local_load_stack(l, &ref, &s, err);
	if (rc < 0)
		return -1;
	out.metadata_exists_pre = rc == 1;
	if (!s) {
		s = kk_xcalloc(1, sizeof(*s));
		s->api_version = kk_xstrdup(KK_API_VERSION);
		s->kind = kk_xstrdup("Stack");
		s->meta.name = kk_xstrdup(name);
		kk_labels_copy(&s->meta.labels, &req->meta.labels);
		s->spec.id = kk_xstrdup(req->spec.id && *req->spec.id ? req->spec.id : name);
		s->spec.realm_id = kk_xstrdup(realm);
		s->spec.space_id = kk_xstrdup(space);
		if (inject_labels)
			kk_labels_add_defaults(&s->meta.labels, realm, space, name, NULL);
	}
	group = cgroup_group(l, realm, space, name);
	if (create_cgroup(l, "stack", name, group, &s->status, KK_STACK_READY,
			  &out.cgroup_exists_pre, &out.cgroup_created, err) < 0 ||
	    create_commit(l, &ref, kk_stack_encode(s, KK_ENC_JSON), "stack", name, group,
			  out.cgroup_created, err) < 0)
		return -1;
	out.cgroup_exists_post = true;
	out.metadata_exists_post = true;
	out.created = !out.metadata_exists_pre;
	out.stack = TAKE_PTR(s);
	*res = out;
	return 0;
}

int kk_ctl_stack_get(struct kk_local *l, const char *realm_in, const char *space_in,
		     const char *name_in, struct kk_stack_get_result *res, struct kk_err *err)
{
	cleanup_free char *realm = NULL;
	cleanup_free char *space = NULL;
	cleanup_free char *name = NULL;
	struct kk_store_ref ref;

	if (kk_name_validate("stack", name_in, &name, err) < 0 ||
	    validate3(realm_in, space_in, NULL, &realm, &space, NULL, err) < 0)
		return -1;
	ref = (struct kk_store_ref){ realm, space, name, NULL };
	return must_exist(kk_local_load_stack(l, &ref, &res->stack, err), &ref, err);
}

int kk_ctl_stack_list(struct kk_local *l, const char *realm, const char *space,
		      struct kk_stack ***out, size_t *n, struct kk_err *err)
{
	cleanup_(kk_ref_walk_clear) struct kk_ref_walk w = { 0 };
	struct kk_stack **v = NULL;
	size_t k = 0;

	if (kk_local_walk(l, &(struct kk_store_ref){ realm, space, NULL, NULL }, 3, false, &w,
			  err) < 0)
		return -1;
	v = kk_xcalloc(w.n + 1, sizeof(void *)); /* stack pointers */
	for (size_t i = 0; i < w.n; i++)
		if (kk_local_load_stack(l, &w.v[i], &v[k], &(struct kk_err){ 0 }) == 1)
			k++;
	*out = v;
	*n = k;
	return 0;
}

int kk_ctl_stack_update(struct kk_local *l, const struct kk_stack *desired, struct kk_err *err)
{
	cleanup_(kk_stack_freep) struct kk_stack *s = NULL;
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_store_ref ref = { desired->spec.realm_id, desired->spec.space_id,
				    desired->meta.name, NULL };

	if (local_lock(l, &held, err) < 0)
		return -1;
	if (kk_local_load_stack(l, &ref, &s, err) <= 0)
		return err->code ? -1
				 : kk_err_set(err, ENOENT, "stack \"%s\" not found", ref.stack);
	labels_update(&s->meta.labels, &desired->meta.labels);
	if (desired->spec.id && *desired->spec.id)
		kk_str_set(&s->spec.id, desired->spec.id);
	kk_status_stamp(&s->status, KK_STACK_READY);
	return kk_local_put(l, &ref, kk_stack_encode(s, KK_ENC_JSON), err);
}

static int stack_remove(struct kk_local *l, const char *realm, const char *space, const char *name,
			bool force, bool cascade, bool purge, struct kk_delete_result *res,
			struct kk_err *err)
{
	const char *verb = purge ? "purge" : "delete";
	struct kk_store_ref ref = { realm, space, name, NULL };
	cleanup_(kk_stack_freep) struct kk_stack *s = NULL;
	cleanup_free char *group = NULL;
	size_t n_cells;
	int rc;

	rc = kk_local_load_stack(l, &ref, &s, err);
	if (!purge && must_exist(rc, &ref, err) < 0)
		return -1;
	*err = (struct kk_err){ 0 };
	n_cells = count_children(l, &ref);
	if (n_cells && !cascade && !force)
		return children_error(err, verb, "stack", name, n_cells, "cell(s)");
	if (local_instance(l, err) < 0)
		return -1;
	if (cascade && n_cells) {
		cleanup_(kk_strv_freep) char **cells = NULL;

		if (kk_store_list(l->store, &ref, &cells, err) < 0)
			return -1;
		for (size_t i = 0; cells && cells[i]; i++) {
			struct kk_delete_result sub = { 0 };

			rc = purge ? kk_ctl_cell_purge(l, realm, space, name, cells[i], &sub, err)
				   : kk_ctl_cell_delete(l, realm, space, name, cells[i], &sub, err);
			kk_delete_result_clear(&sub);
			if (rc < 0)
				return kk_err_wrap(err, "failed to %s stack", verb);
			res->n_cascaded++;
		}
	}
	group = s && s->status.cgroup_path && *s->status.cgroup_path
			? kk_xstrdup(s->status.cgroup_path)
			: cgroup_group(l, realm, space, name);
	rc = cgroup_drop(l, group, err);
	if (rc < 0 && !purge)
		return kk_err_wrap(err, "failed to delete stack");
	res->cgroup_deleted = rc == 1;
	*err = (struct kk_err){ 0 };
	if (purge) {
		cleanup_free char *dir = kk_store_stack_dir(l->run_path, realm, space, name);

		res->metadata_deleted = access(dir, F_OK) == 0;
		if (res->metadata_deleted)
			kk_strv_push_take(&res->purged, kk_xstrdup("all-metadata"));
	} else {
		rc = kk_store_delete(l->store, &ref, err);
		if (rc < 0)
			return kk_err_wrap(err, "failed to delete stack");
		res->metadata_deleted = rc == 1;
	}
	if (kk_store_remove_tree(l->store, &ref, err) < 0)
		return kk_err_wrap(err, "failed to %s stack", verb);
	return 0;
}

/* delete and purge: the names checked once for both */
static int stack_remove_checked(struct kk_local *l, const char *realm_in, const char *space_in,
				const char *name_in, bool force, bool cascade, bool purge,
				struct kk_delete_result *res, struct kk_err *err)
{
	cleanup_free char *realm = NULL;
	cleanup_free char *space = NULL;
	cleanup_free char *name = NULL;

	if (kk_name_validate("stack", name_in, &name, err) < 0 ||
	    validate3(realm_in, space_in, NULL, &realm, &space, NULL, err) < 0)
		return -1;
	return stack_remove(l, realm, space, name, force, cascade, purge, res, err);
}

int kk_ctl_stack_delete(struct kk_local *l, const char *realm, const char *space, const char *name,
			bool force, bool cascade, struct kk_delete_result *res, struct kk_err *err)
{
	return stack_remove_checked(l, realm, space, name, force, cascade, false, res, err);
}

int kk_ctl_stack_purge(struct kk_local *l, const char *realm, const char *space, const char *name,
		       bool force, bool cascade, struct kk_delete_result *res, struct kk_err *err)
{
	return stack_remove_checked(l, realm, space, name, force, cascade, true, res, err);
}
