/* common/controller/local.c - see local.h. */
#include "common/controller/local.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "cjson/cJSON.h"
#include "common/cgroup/cgroup.h"
#include "common/cgroup/delegate.h"
#include "common/cleanup.h"
#include "common/controller/local_internal.h"
#include "common/host/teardown.h"
#include "common/json.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/model/doc.h"
#include "common/model/naming.h"
#include "common/passwd.h"
#include "common/store/instance.h"
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
	l->kukeon_gid = opts->kukeon_gid;
	l->note = opts->note;
	l->note_arg = opts->note_arg;
	l->force_regenerate_cni = opts->force_regenerate_cni;
	l->kukeon_gid_resolved = opts->kukeon_gid != 0;
	l->store = kk_store_new(opts->run_path);
	kk_store_set_log(l->store, l->log);
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
	kk_strv_free(l->skipped);
	free(l);
}

KK_DEFINE_FREEP(kk_local)

int kk_local_instance(struct kk_local *l, struct kk_err *err)
{
	if (l->instance_ok)
		return 0;
	if (kk_instance_verify_or_write(l->store, l->ns_suffix, l->cgroup_root, err) < 0)
		return -1;
	l->instance_ok = true;
	return 0;
}

int kk_local_lock(struct kk_local *l, const struct kk_store_ref *ref, struct kk_store **held,
		  struct kk_err *err)
{
	if (kk_local_instance(l, err) < 0)
		return -1;
	return kk_store_lock_ref_scoped(l->store, ref, KK_STORE_LOCK_TIMEOUT_MS, held, err);
}

int kk_local_cgroup(struct kk_local *l, struct kk_err *err)
{
	if (l->cg)
		return 0;
	if (kk_cgroup_open(l->cgroup_mount, &l->cg, err) < 0)
		return -1;
	kk_cgroup_set_log(l->cg, l->log);
	return 0;
}

char *kk_local_cgroup_group(const struct kk_local *l, const char *realm, const char *space,
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

	if (kk_local_cgroup(l, err) < 0)
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
		struct kk_err ignored = { 0 };

		if (*created)
			kk_cgroup_remove(l->cg, group, CGROUP_REMOVE_TIMEOUT_MS, &ignored);
		kk_log_ignored(l->log, &ignored, "undo: remove cgroup `%s`", group);
		*created = false;
		return -1;
	}
	kk_strv_clear(controllers);
	for (size_t i = 0; d.enabled && d.enabled[i]; i++)
		kk_strv_push(controllers, d.enabled[i]);
	kk_cgroup_delegation_clear(&d);
	return 0;
}

int kk_local_cgroup_drop(struct kk_local *l, const char *group, struct kk_err *err)
{
	if (!group || !*group || kk_local_cgroup(l, err) < 0)
		return group && *group ? -1 : 0;
	return kk_cgroup_remove(l->cg, group, CGROUP_REMOVE_TIMEOUT_MS, err);
}

int kk_local_create_level(struct kk_local *l, const struct kk_store_ref *ref,
			  const struct kk_doc *doc, struct kk_status *st, int ready,
			  struct kk_level_outcome *o, struct kk_err *err)
{
	const char *kind = ref->stack ? "stack" : ref->space ? "space" : "realm";
	const char *name = ref->stack ? ref->stack : ref->space ? ref->space : ref->realm;
	cleanup_free char *group = kk_local_cgroup_group(l, ref->realm, ref->space, ref->stack);
	struct kk_err ignored = { 0 };

	if (cgroup_ensure(l, group, &o->cgroup_exists_pre, &o->cgroup_created,
			  &st->subtree_controllers, err) < 0)
		return kk_err_wrap(err, "create %s `%s`: cgroup `%s`", kind, name, group);
	/* the status records the group as refresh would find it, so the next refresh writes
	 * no spurious update */
	kk_str_set(&st->cgroup_path, group);
	st->cgroup_ready = true;
	st->state = ready;
	kk_status_stamp(st, ready);
	if (kk_local_put(l, ref, kk_doc_encode(doc, KK_ENC_JSON), err) < 0) {
		kk_err_wrap(err, "create %s `%s`", kind, name);
		if (o->cgroup_created) { /* what existed before stays */
			kk_local_cgroup_drop(l, group, &ignored);
			kk_log_ignored(l->log, &ignored, "undo: remove cgroup `%s`", group);
		}
		return -1;
	}
	o->cgroup_exists_post = true;
	o->metadata_exists_post = true;
	o->created = !o->metadata_exists_pre;
	return 0;
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

int kk_local_must_exist(int rc, const struct kk_store_ref *ref, struct kk_err *err)
{
	if (rc == 0)
		not_found(err, ref);
	return rc <= 0 ? -1 : 0;
}

int kk_local_create_lock(struct kk_local *l, const struct kk_store_ref *ref, struct kk_store **held,
			 struct kk_err *err)
{
	struct kk_store_ref parent = *ref;
	struct kk_err ignored = { 0 };

	if (kk_store_exists(l->store, ref, &ignored) == 0 &&
	    kk_naming_room_for_cells(ref->space, ref->stack, err) < 0)
		return -1;
	kk_log_ignored(l->log, &ignored, "%s `%s`: taken as new", ref->stack ? "stack" : "space",
		       ref->stack ? ref->stack : ref->space);
	if (ref->stack)
		parent.stack = NULL;
	else
		parent.space = NULL;
	if (kk_local_must_exist(kk_store_exists(l->store, &parent, err), &parent, err) < 0)
		return -1;
	return kk_local_lock(l, ref, held, err);
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
				if (skip) {
					kk_log_ignored(l->log, &ignored, "list: skip it");
					continue;
				}
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

/* The loader of each kind, and its list: every object `depth` levels down with readable
 * metadata (upstream skips what it cannot read). */
#define DEFINE_LOAD(kind, depth, skip_bad_leaf)                                              \
	int kk_local_load_##kind(struct kk_local *l, const struct kk_store_ref *ref,         \
				 struct kk_##kind **out, struct kk_err *err)                 \
	{                                                                                    \
		cleanup_(kk_json_freep) struct cJSON *tree = NULL;                           \
		int rc = store_get(l, ref, &tree, err);                                      \
                                                                                             \
		if (rc <= 0)                                                                 \
			return rc;                                                           \
		if (kk_##kind##_decode(tree, NULL, out, err) < 0) {                          \
			cleanup_free char *p = NULL;                                         \
			kk_store_meta_path(l->store, ref, &p, &(struct kk_err){ 0 });        \
			return kk_err_wrap(err, "metadata `%s`", p ? p : "?");               \
		}                                                                            \
		return 1;                                                                    \
	}                                                                                    \
	int kk_local_list_##kind(struct kk_local *l, const struct kk_store_ref *filter,      \
				 struct kk_##kind ***out, size_t *n, struct kk_err *err)     \
	{                                                                                    \
		cleanup_(kk_ref_walk_clear) struct kk_ref_walk w = { 0 };                    \
		struct kk_##kind **v = NULL;                                                 \
		size_t k = 0;                                                                \
                                                                                             \
		if (kk_local_walk(l, filter, depth, skip_bad_leaf, &w, err) < 0)             \
			return -1;                                                           \
		v = kk_xcalloc(w.n + 1, sizeof(struct kk_##kind *));                         \
		for (size_t i = 0; i < w.n; i++) {                                           \
			struct kk_err ignored = { 0 };                                       \
                                                                                             \
			int rc_ = kk_local_load_##kind(l, &w.v[i], &v[k], &ignored);         \
                                                                                             \
			if (rc_ == 1)                                                        \
				k++;                                                         \
			else if (rc_ < 0) /* reported, not silently dropped */               \
				kk_strv_push_take(&l->skipped, kk_xstrdup(ignored.msg));     \
			kk_log_ignored(l->log, &ignored, "list: skip an unreadable " #kind); \
		}                                                                            \
		*out = v;                                                                    \
		*n = k;                                                                      \
		return 0;                                                                    \
	}
DEFINE_LOAD(realm, 1, false)
DEFINE_LOAD(space, 2, false)
DEFINE_LOAD(stack, 3, false)
DEFINE_LOAD(cell, 4, true) /* a stack that cannot be listed is passed over, as upstream */

void kk_local_labels_update(struct kk_labels *stored, const struct kk_labels *desired)
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

int kk_local_remove_cgroup(struct kk_local *l, const char *kind, const struct kk_store_ref *ref,
			   const char *stored, bool purge, struct kk_delete_result *res,
			   struct kk_err *err)
{
	cleanup_free char *group =
		stored && *stored ? kk_xstrdup(stored)
				  : kk_local_cgroup_group(l, ref->realm, ref->space, ref->stack);
	int rc = kk_local_cgroup_drop(l, group, err);

	if (rc < 0 && !purge)
		return kk_err_wrap(err, "failed to delete %s", kind);
	res->cgroup_deleted = rc == 1;
	kk_log_ignored(l->log, err, "purge: remove the cgroup of %s `%s`", kind, kk_str(group));
	return 0;
}

int kk_local_remove_metadata(struct kk_local *l, const char *kind, const struct kk_store_ref *ref,
			     bool purge, const char *deleted, const char *purged,
			     struct kk_delete_result *res, struct kk_err *err)
{
	if (purge) {
		cleanup_free char *dir = NULL;

		res->metadata_deleted =
			kk_store_dir(l->store, ref, &dir, &(struct kk_err){ 0 }) == 0 &&
			access(dir, F_OK) == 0;
		if (res->metadata_deleted)
			kk_strv_push_take(&res->cleaned, kk_xstrdup("all-metadata"));
	} else {
		int rc = kk_store_delete(l->store, ref, err);

		if (rc < 0)
			return kk_err_wrap(err, "failed to delete %s", kind);
		res->metadata_deleted = rc == 1;
	}
	if (kk_store_remove_tree(l->store, ref, err) < 0)
		return kk_err_wrap(err, "failed to %s %s", purge ? "purge" : "delete", kind);
	kk_local_tokens(&res->deleted, NULL, NULL, deleted);
	if (purge) {
		kk_local_tokens(&res->purged, NULL, NULL, purged);
	} else {
		kk_str_set(&res->realm_name, ref->realm);
		kk_str_set(&res->space_name, ref->space);
		kk_str_set(&res->stack_name, ref->stack);
	}
	return 0;
}

void kk_local_tokens(char ***v, const char *prefix, char *const *names, const char *words)
{
	if (!*v)
		*v = kk_xcalloc(1, sizeof(char *));
	for (size_t i = 0; prefix && names && names[i]; i++)
		kk_strv_push_take(v, kk_xasprintf("%s:%s", prefix, names[i]));
	while (words && *words) {
		size_t n = strcspn(words, " ");

		kk_strv_push_take(v, kk_xstrndup(words, n));
		words += n + (words[n] == ' ');
	}
}

void kk_delete_result_clear(struct kk_delete_result *r)
{
	kk_realm_free(r->realm);
	kk_space_free(r->space);
	kk_stack_free(r->stack);
	kk_cell_free(r->cell);
	kk_container_free(r->container);
	free(r->realm_name);
	free(r->space_name);
	free(r->stack_name);
	kk_strv_free(r->deleted);
	kk_strv_free(r->purged);
	kk_strv_free(r->cleaned);
	memset(r, 0, sizeof(*r));
}

int kk_local_children_error(struct kk_err *err, const char *verb, const char *kind,
			    const char *name, size_t n, const char *what)
{
	return kk_err_set(err, EBUSY,
			  "failed to %s %s: resource has child resources: %s \"%s\" has %zu %s. "
			  "Use --cascade to %s them or --force to skip validation",
			  verb, kind, kind, name, n, what, verb);
}

int kk_local_remove_children(struct kk_local *l, const struct kk_store_ref *ref, const char *kind,
			     const char *name, const char *what, const char *token, bool purge,
			     bool cascade, bool force, kk_local_child_remover *remove,
			     struct kk_delete_result *res, struct kk_err *err)
{
	const char *verb = purge ? "purge" : "delete";
	cleanup_(kk_strv_freep) char **kids = NULL;

	if (kk_store_list(l->store, ref, &kids, err) < 0)
		return -1;
	if (kids && !cascade && !force)
		return kk_local_children_error(err, verb, kind, name, kk_strv_len(kids), what);
	if (kk_local_instance(l, err) < 0)
		return -1;
	kk_local_tokens(&res->deleted, cascade ? token : NULL, kids, NULL);
	for (size_t i = 0; cascade && kids && kids[i]; i++) {
		struct kk_delete_result sub = { 0 };
		int rc = remove(l, ref, kids[i], purge, force, &sub, err);

		kk_delete_result_clear(&sub);
		if (rc < 0)
			return kk_err_wrap(err, "failed to %s %s", verb, kind);
		res->n_cascaded++;
	}
	return 0;
}

int kk_local_connect(const struct kk_local *l, const char *ns, struct ctr_conn **out,
		     struct kk_err *err)
{
	if (ctr_connect(l->containerd_socket, ns, out, err) < 0)
		return -1;
	ctr_set_log(*out, l->log);
	return 0;
}

void kk_local_note(const struct kk_local *l, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!l->note)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	l->note(l->note_arg, line);
}

long kk_local_kukeon_gid(struct kk_local *l)
{
	cleanup_(kk_group_freep) struct kk_group *gr = NULL;
	struct kk_err err = { 0 };
	FILE *f = NULL;
	int rc;

	if (l->kukeon_gid_resolved)
		return l->kukeon_gid > 0 ? l->kukeon_gid : 0;
	l->kukeon_gid_resolved = true;
	if (kk_root_fopen(NULL, "/etc/group", &f, &err) < 0) {
		if (err.code != ENOENT)
			kk_log(l->log, KK_LOG_DEBUG, "kukeon group: lookup failed", "err", err.msg);
		return 0;
	}
	rc = kk_group_find(f, KK_SYSTEM_GROUP, 0, &gr, &err);
	fclose(f);
	if (rc < 0)
		kk_log(l->log, KK_LOG_DEBUG, "kukeon group: lookup failed", "err", err.msg);
	else if (rc > 0 && gr->gid > 0)
		l->kukeon_gid = gr->gid;
	return l->kukeon_gid > 0 ? l->kukeon_gid : 0;
}

struct kk_cni_host kk_local_cni_host(const struct kk_local *l)
{
	struct kk_cni_host host = KK_CNI_HOST_DEFAULTS;

	if (l->cni_plugin_path)
		host.plugin_path = l->cni_plugin_path;
	if (l->cni_cache_dir)
		host.cache_dir = l->cni_cache_dir;
	host.log = l->log;
	return host;
}
