/* common/controller/realm.c - realms; see hierarchy.h. */
#include "common/controller/hierarchy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/cni/netpolicy.h"
#include "common/controller/controller.h"
#include "common/controller/local_internal.h"
#include "common/controller/namespace.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/doc.h"
#include "common/model/naming.h"
#include "common/store/paths.h"
#include "common/store/store.h"
#include "common/strv.h"
#include "ctr/ctr.h"

static int local_ctr(struct kk_local *l, struct kk_err *err)
{
	if (l->conn)
		return 0;
	return kk_local_connect(l, NULL, &l->conn, err);
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

/* Every space network found under a realm's directory, and its NAT and egress rules (what a
 * realm purge would otherwise leave on the host when --cascade did not take the spaces
 * down). Errors are ignored. */
static void realm_networks_teardown(struct kk_local *l, const char *realm)
{
	cleanup_(kk_strv_freep) char **spaces = NULL;
	struct kk_cni_host host = kk_local_cni_host(l);
	struct kk_err ignored = { 0 };

	if (kk_store_list(l->store, &(struct kk_store_ref){ .realm = realm }, &spaces, &ignored) <
	    0) {
		kk_log_ignored(l->log, &ignored, "realm `%s`: list its spaces", realm);
		return;
	}
	for (size_t i = 0; spaces && spaces[i]; i++) {
		cleanup_free char *path =
			kk_store_space_conflist_path(l->run_path, realm, spaces[i]);

		if (access(path, F_OK) == 0)
			kk_space_network_teardown(l, realm, spaces[i], path, &ignored);
		kk_log_ignored(l->log, &ignored, "realm `%s`: tear down the network of space `%s`",
			       realm, spaces[i]);
		kk_netpolicy_space_remove(&host, realm, spaces[i], &ignored);
		kk_log_ignored(l->log, &ignored, "realm `%s`: remove the rules of space `%s`",
			       realm, spaces[i]);
	}
}

/* ---- realm ---------------------------------------------------------------------------- */

KK_LOCAL_DEFINE_RESULTS(realm)

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
	if (kk_local_lock(l, &ref, &held, err) < 0)
		return -1;

	rc = kk_local_load_realm(l, &ref, &r, err);
	if (rc < 0)
		return -1;
	out.level.metadata_exists_pre = rc == 1;
	if (r) { /* ensure: the stored spec wins */
		free(ns);
		ns = kk_realm_ns(l, r, name);
		kk_str_set(&r->spec.namespace_, ns);
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
		if (!out.level.metadata_exists_pre) /* a new realm, as upstream's runner says it */
			kk_local_note(l, "Creating containerd namespace '%s'", ns);
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

	r->containerd_namespace_ready = true;
	if (kk_local_create_level(l, &ref, &(struct kk_doc){ KK_KIND_REALM, { .realm = r } },
				  &r->status, KK_REALM_READY, &out.level, err) < 0)
		goto undo_ns;
	out.realm = TAKE_PTR(r);
	*res = out;
	return 0;

undo_ns:
	if (out.ns_created) {
		struct kk_err ignored = { 0 };

		ctr_namespace_delete(l->conn, ns, &ignored);
		kk_log_ignored(l->log, &ignored, "undo: delete containerd namespace `%s`", ns);
	}
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
	return kk_local_must_exist(kk_local_load_realm(l, &ref, &res->realm, err), &ref, err);
}

int kk_ctl_realm_list(struct kk_local *l, struct kk_realm ***out, size_t *n, struct kk_err *err)
{
	return kk_local_list_realm(l, &(struct kk_store_ref){ 0 }, out, n, err);
}

int kk_ctl_realm_update(struct kk_local *l, const struct kk_realm *desired, struct kk_err *err)
{
	cleanup_(kk_realm_freep) struct kk_realm *r = NULL;
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_store_ref ref = { .realm = desired->meta.name };

	if (kk_local_lock(l, &ref, &held, err) < 0)
		return -1;
	if (kk_local_must_exist(kk_local_load_realm(l, &ref, &r, err), &ref, err) < 0)
		return -1;
	kk_local_labels_update(&r->meta.labels, &desired->meta.labels);
	if (realm_creds_set(r, desired, err) < 0)
		return -1;
	kk_status_stamp(&r->status, KK_REALM_READY);
	return kk_local_put(l, &ref, kk_realm_encode(r, KK_ENC_JSON), err);
}

static int remove_space(struct kk_local *l, const struct kk_store_ref *parent, const char *child,
			bool purge, bool force, struct kk_delete_result *sub, struct kk_err *err)
{
	return purge ? kk_ctl_space_purge(l, parent->realm, child, force, true, sub, err)
		     : kk_ctl_space_delete(l, parent->realm, child, force, true, sub, err);
}

static struct kk_realm *missing_realm(const char *name, const char *ns)
{
	struct kk_realm *r = kk_xcalloc(1, sizeof(*r));

	r->api_version = kk_xstrdup(KK_API_VERSION);
	r->kind = kk_xstrdup("Realm");
	r->meta.name = kk_xstrdup(name);
	r->spec.namespace_ = kk_xstrdup(ns);
	r->status.state = KK_REALM_UNKNOWN;
	return r;
}

static int realm_remove(struct kk_local *l, const char *name, bool force, bool cascade, bool purge,
			struct kk_delete_result *res, struct kk_err *err)
{
	const char *verb = purge ? "purge" : "delete";
	struct kk_store_ref ref = { .realm = name };
	cleanup_(kk_realm_freep) struct kk_realm *r = NULL;
	cleanup_free char *ns = NULL;
	struct kk_ns_cleanup_result cr = { 0 };
	int rc;

	rc = kk_local_load_realm(l, &ref, &r, err);
	if (!purge && kk_local_must_exist(rc, &ref, err) < 0)
		return -1;
	kk_log_ignored(l->log, err, "purge realm `%s`: its metadata", name);
	/* upstream lists what --cascade takes before it goes (a purge: only with metadata) */
	if (kk_local_remove_children(l, &ref, "realm", name, "space(s)", r ? "space" : NULL, purge,
				     cascade, force, remove_space, res, err) < 0)
		return -1;
	ns = kk_realm_ns(l, r, name);

	kk_log(l->log, KK_LOG_INFO, "cleaning up containerd namespace", "namespace", ns);
	rc = ns_exists(l, ns, err);
	if (rc < 0)
		return kk_err_wrap(err, "failed to %s realm", verb);
	if (rc == 1) {
		rc = kk_ctl_namespace_cleanup(l, ns, &cr, err);
		res->ns_deleted = cr.deleted;
		if (purge && cr.n_removed)
			kk_strv_push_take(&res->cleaned, kk_xstrdup("containerd-resources"));
		kk_ns_cleanup_result_clear(&cr);
		if (rc < 0)
			return kk_err_wrap(err, "failed to %s realm", verb);
	}
	if (kk_local_remove_cgroup(l, "realm", &ref, r ? r->status.cgroup_path : NULL, purge, res,
				   err) < 0)
		return -1;
	if (purge) {
		cleanup_free char *dir = kk_store_realm_dir(l->run_path, name);

		realm_networks_teardown(l, name);
		rc = access(dir, F_OK) == 0;
		if (kk_store_remove_tree(l->store, &ref, err) < 0)
			return kk_err_wrap(err, "failed to purge realm");
		res->metadata_deleted = rc;
		if (rc)
			kk_strv_push_take(&res->cleaned, kk_xstrdup("all-metadata"));
	} else {
		rc = kk_store_delete(l->store, &ref, err);
		if (rc < 0)
			return kk_err_wrap(err, "failed to delete realm");
		res->metadata_deleted = rc == 1;
	}
	if (r)
		kk_local_tokens(&res->deleted, NULL, NULL, "metadata cgroup namespace");
	if (purge) {
		kk_local_tokens(&res->purged, NULL, NULL,
				"orphaned-containers cni-resources all-metadata");
		res->realm_deleted = r != NULL;
		if (!r) /* upstream's stand-in for a realm without metadata */
			r = missing_realm(name, ns);
	}
	res->realm = TAKE_PTR(r);
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
