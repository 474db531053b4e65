/* common/controller/space.c - spaces; see hierarchy.h. */
#include "common/controller/hierarchy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/cni/netpolicy.h"
#include "common/cni/cni.h"
#include "common/controller/local_internal.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/doc.h"
#include "common/model/naming.h"
#include "common/store/paths.h"
#include "common/store/store.h"
#include "common/strv.h"

/* Take the space's network off the host: its bridge, host-local store and CNI cache entries
 * (kk_cni_network_teardown), as named by the conflist at path. A conflist that is missing
 * or unreadable stands in for the one create writes (derived network and bridge names,
 * host-local's default store). Returns 1 if there was a conflist, 0 if not. */
int kk_space_network_teardown(struct kk_local *l, const char *realm, const char *space,
			      const char *path, struct kk_err *err)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;
	struct kk_cni_host host = kk_local_cni_host(l);
	bool present = access(path, F_OK) == 0;
	struct kk_err ignored = { 0 };

	if (!present || kk_cni_conflist_load(path, &net, &ignored) < 0) {
		cleanup_free char *network = NULL;
		cleanup_free char *bridge = NULL;
		cleanup_free char *text = NULL;

		kk_log_ignored(l->log, &ignored,
			       "tear down space `%s`: its conflist (derived one used)", space);
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

/* ---- space ---------------------------------------------------------------------------- */

KK_LOCAL_DEFINE_RESULTS(space)

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
	cleanup_(kk_space_freep) struct kk_space *s = NULL;
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_space_create_result out = { 0 };
	struct kk_cni_host host = kk_local_cni_host(l);
	struct kk_err ignored = { 0 };
	struct kk_store_ref ref;
	bool fresh_subnet = false, cni_ok;
	int rc;

	if (kk_name_validate("space", req->meta.name, &name, err) < 0 ||
	    kk_name_validate("realm", req->spec.realm_id, &realm, err) < 0)
		return -1;
	if (kk_egress_validate(req->spec.egress, err) < 0 ||
	    space_defaults_validate(req->spec.defaults_container, err) < 0)
		return kk_err_wrap(err, "space \"%s\"", name);
	ref = (struct kk_store_ref){ .realm = realm, .space = name };
	if (kk_local_create_lock(l, &ref, &held, err) < 0)
		return -1;

	rc = kk_local_load_space(l, &ref, &s, err);
	if (rc < 0)
		return -1;
	out.level.metadata_exists_pre = rc == 1;
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
	cni_ok = conflist_ok(conflist, network, bridge);
	/* --force-regenerate-cni rewrites an existing space's conflist (same subnet) */
	if (!cni_ok || (l->force_regenerate_cni && out.level.metadata_exists_pre)) {
		cleanup_(kk_store_unlockp) struct kk_store *subnets = NULL;
		cleanup_free char *text = NULL;
		cleanup_free char *net_json = NULL;

		/* subnets are host-wide: two spaces made at once must not pick the same one */
		/* released at the end of this block, before held */
		if (kk_store_lock_name_scoped(l->store, "subnets", KK_STORE_LOCK_TIMEOUT_MS,
					      &subnets, err) < 0)
			return kk_err_wrap(err, "create space `%s`: subnet", name);
		if (subnet_allocate(l, realm, name, &subnet, &fresh_subnet, err) < 0)
			return kk_err_wrap(err, "create space `%s`: subnet", name);
		kk_log(l->log, KK_LOG_INFO,
		       cni_ok ? "regenerating space network conflist" : "creating space network",
		       "network", network, "subnet", subnet);
		if (!out.level.metadata_exists_pre)
			kk_local_note(l, "Creating space network '%s'", network);
		if (fresh_subnet) {
			net_json = kk_xasprintf("{\n  \"version\": \"v1\",\n  \"subnetCIDR\": "
						"\"%s\"\n}",
						subnet);
			if (kk_store_write_file(l->store, &ref, subnet_path, net_json,
						strlen(net_json), 0600, err) < 0)
				return kk_err_wrap(err, "create space `%s`", name);
		}

		text = kk_cni_conflist(network, bridge, subnet);
		if (kk_store_write_file(l->store, &ref, conflist, text, strlen(text), 0600, err) <
		    0) {
			kk_err_wrap(err, "create space `%s`", name);
			goto undo_subnet;
		}
		out.cni_created = !cni_ok;
	}
	out.cni_exists_post = true;
	kk_str_set(&s->spec.cni_config_path, conflist);
	/* the space's NAT and egress rules, once for all its cells */
	if (kk_netpolicy_space_ensure_conflist(&host, conflist, realm, name, s->spec.egress, err) <
	    0) {
		kk_err_wrap(err, "create space `%s`", name);
		goto undo_conflist;
	}

	if (kk_local_create_level(l, &ref, &(struct kk_doc){ KK_KIND_SPACE, { .space = s } },
				  &s->status, KK_SPACE_READY, &out.level, err) < 0)
		goto undo_conflist;
	out.space = TAKE_PTR(s);
	*res = out;
	return 0;

undo_conflist:
	if (!out.level.metadata_exists_pre) {
		kk_netpolicy_space_remove(&host, realm, name, &ignored);
		kk_log_ignored(l->log, &ignored, "undo: remove the rules of space `%s`", name);
	}
	if (out.cni_created && !out.cni_exists_pre)
		unlink(conflist);
undo_subnet:
	if (fresh_subnet)
		unlink(subnet_path);
	if (!out.level.metadata_exists_pre) {
		cleanup_free char *dir = kk_store_space_dir(l->run_path, realm, name);

		kk_rmdir_if_empty(dir, &ignored);
		kk_log_ignored(l->log, &ignored, "undo: remove directory `%s` if empty", dir);
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
	return kk_local_must_exist(kk_local_load_space(l, &ref, &res->space, err), &ref, err);
}

int kk_ctl_space_list(struct kk_local *l, const char *realm, struct kk_space ***out, size_t *n,
		      struct kk_err *err)
{
	return kk_local_list_space(l, &(struct kk_store_ref){ .realm = realm }, out, n, err);
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
	if (kk_local_lock(l, &ref, &held, err) < 0)
		return -1;
	if (kk_local_must_exist(kk_local_load_space(l, &ref, &s, err), &ref, err) < 0)
		return -1;
	if (!(d = space_copy(desired, err)))
		return -1;
	kk_local_labels_update(&s->meta.labels, &d->meta.labels);
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

static int remove_stack(struct kk_local *l, const struct kk_store_ref *parent, const char *child,
			bool purge, bool force, struct kk_delete_result *sub, struct kk_err *err)
{
	return purge ? kk_ctl_stack_purge(l, parent->realm, parent->space, child, force, true, sub,
					  err)
		     : kk_ctl_stack_delete(l, parent->realm, parent->space, child, force, true, sub,
					   err);
}

static int space_remove(struct kk_local *l, const char *realm, const char *name, bool force,
			bool cascade, bool purge, struct kk_delete_result *res, struct kk_err *err)
{
	const char *verb = purge ? "purge" : "delete";
	struct kk_store_ref ref = { .realm = realm, .space = name };
	cleanup_(kk_space_freep) struct kk_space *s = NULL;
	cleanup_free char *conflist = kk_store_space_conflist_path(l->run_path, realm, name);
	cleanup_free char *subnet = kk_store_space_subnet_path(l->run_path, realm, name);
	cleanup_free char *dir = kk_store_space_dir(l->run_path, realm, name);
	int rc;

	rc = kk_local_load_space(l, &ref, &s, err);
	if (!purge && kk_local_must_exist(rc, &ref, err) < 0)
		return -1;
	kk_log_ignored(l->log, err, "purge space `%s`: its metadata", name);
	if (kk_local_remove_children(l, &ref, "space", name, "stack(s)", "stack", purge, cascade,
				     force, remove_stack, res, err) < 0)
		return -1;
	if (kk_local_remove_cgroup(l, "space", &ref, s ? s->status.cgroup_path : NULL, purge, res,
				   err) < 0)
		return -1;
	rc = kk_space_network_teardown(l, realm, name, conflist, err);
	if (rc >= 0) {
		struct kk_cni_host host = kk_local_cni_host(l);

		rc = kk_netpolicy_space_remove(&host, realm, name, err);
	}
	if (rc < 0 && !purge)
		return kk_err_wrap(err, "failed to delete space");
	kk_log_ignored(l->log, err, "purge space `%s`: its network", name);
	res->cni_deleted = access(conflist, F_OK) == 0;
	if (res->cni_deleted && purge)
		kk_strv_push_take(&res->cleaned, kk_xstrdup("cni-resources"));
	if ((unlink(conflist) < 0 && errno != ENOENT) || (unlink(subnet) < 0 && errno != ENOENT))
		return kk_err_sys(err, "failed to %s space: network files in `%s`", verb, dir);
	if (kk_local_remove_metadata(l, "space", &ref, purge, "metadata cgroup network",
				     "cni-network cni-cache orphaned-containers all-metadata", res,
				     err) < 0)
		return -1;
	res->space = TAKE_PTR(s);
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
