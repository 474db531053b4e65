/* common/controller/cell.c - see cell.h. */
#include "common/controller/cell.h"
#include "common/controller/cell_env.h"
#include "common/controller/journal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjson/cJSON.h"
#include "common/cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/controller/events.h"
#include "common/cni/cni.h"
#include "common/controller/local_internal.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/codec.h"
#include "common/model/naming.h"
#include "common/path.h"
#include "common/runtime/runtime.h"
#include "common/store/instance.h"
#include "common/store/paths.h"
#include "common/store/store.h"
#include "common/strv.h"
#include "ctr/ctr.h"

KK_LOCAL_DEFINE_RESULTS(cell)

void kk_cell_update_result_clear(struct kk_cell_update_result *r)
{
	kk_strv_free(r->changes);
	kk_strv_free(r->detail_keys);
	kk_strv_free(r->detail_values);
	memset(r, 0, sizeof(*r));
}

int kk_ctl_cell_create(struct kk_local *l, const struct kk_cell *req, bool inject_labels,
		       struct kk_cell_create_result *res, struct kk_err *err)
{
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_journal *journal = NULL;
	struct kk_cell_create_result out = { 0 };
	struct kk_rt_cell_info info = { 0 };
	struct kk_cell_env e = { 0 };
	struct kk_err ignored = { 0 };
	bool fresh = false; /* no metadata before: a failure removes the cell dir */
	int rc = -1;

	if (kk_cell_env_names(&e, req->spec.realm_id, req->spec.space_id, req->spec.stack_id,
			      req->meta.name, err) < 0)
		goto out;
	rc = kk_store_exists(l->store, &(struct kk_store_ref){ e.realm, e.space, e.stack, NULL },
			     err);
	if (rc <= 0) {
		if (rc == 0)
			kk_err_set(err, ENOENT,
				   "stack \"%s\" not found in realm \"%s\", space \"%s\"", e.stack,
				   e.realm, e.space);
		rc = -1;
		goto out;
	}
	rc = -1;
	if (kk_cell_prepare(l, err) < 0 ||
	    kk_store_lock_ref_scoped(l->store, &e.ref, KK_STORE_LOCK_TIMEOUT_MS, &held, err) < 0 ||
	    kk_journal_recover(l, &e.ref, NULL, err) < 0)
		goto out;
	{
		int got = kk_local_load_cell(l, &e.ref, &e.cell, err);

		if (got < 0)
			goto out;
		out.metadata_exists_pre = got == 1;
		fresh = got == 0;
	}
	if (!e.cell) {
		e.cell = kk_xcalloc(1, sizeof(*e.cell));
		e.cell->api_version = kk_xstrdup(KK_API_VERSION);
		e.cell->kind = kk_xstrdup("Cell");
		e.cell->meta.name = kk_xstrdup(e.name);
		kk_labels_copy(&e.cell->meta.labels, &req->meta.labels);
		e.cell->spec.id = kk_xstrdup(req->spec.id && *req->spec.id ? req->spec.id : e.name);
		e.cell->spec.realm_id = kk_xstrdup(e.realm);
		e.cell->spec.space_id = kk_xstrdup(e.space);
		e.cell->spec.stack_id = kk_xstrdup(e.stack);
		e.cell->spec.auto_delete = req->spec.auto_delete;
		e.cell->spec.nested_cgroup_runtime = req->spec.nested_cgroup_runtime;
		kk_cell_containers_copy(&e.cell->spec, &req->spec);
		for (size_t i = 0; i < e.cell->spec.n_containers; i++) {
			struct kk_container_spec *c = &e.cell->spec.containers[i];

			kk_str_set(&c->realm_id, e.realm);
			kk_str_set(&c->space_id, e.space);
			kk_str_set(&c->stack_id, e.stack);
			kk_str_set(&c->cell_id, e.cell->spec.id);
		}
		if (inject_labels)
			kk_labels_add_defaults(&e.cell->meta.labels, e.realm, e.space, e.stack,
					       e.name);
	}
	if (kk_cell_env_runtime(l, &e, err) < 0)
		goto out;
	out.cgroup_exists_pre = kk_cgroup_exists(l->cg, e.rc.cgroup_path, &ignored) == 1;
	kk_log_ignored(l->log, &ignored, "create cell `%s`: does its cgroup exist", e.name);
	if (kk_cell_env_images(&e, err) < 0 ||
	    (fresh && kk_journal_begin(l, &e.ref, "create", &journal, err) < 0))
		goto out;
	e.rt.step = kk_journal_step;
	e.rt.step_arg = journal;
	if (kk_rt_cell_start(&e.rt, &e.rc, &info, err) < 0)
		goto out; /* the runtime's message names the cell */
	out.started = true;
	out.root_container_exists_pre = info.root_existed;
	out.cgroup_exists_post = true;
	snprintf(out.ip, sizeof(out.ip), "%s", info.ip);
	kk_cell_status_fill(e.cell, &info, e.rc.cgroup_path);
	if (!e.cell->status.bridge_name || !*e.cell->status.bridge_name) {
		cleanup_free char *network = NULL;

		if (kk_naming_network(e.realm, e.space, &network, &(struct kk_err){ 0 }) == 0) {
			free(e.cell->status.bridge_name);
			e.cell->status.bridge_name = kk_naming_bridge(network);
		}
	}
	if (kk_rt_step(&e.rt, "cell-create:metadata", err) < 0 ||
	    kk_cell_put(l, &e.ref, e.cell, err) < 0) {
		kk_err_wrap(err, "create cell `%s`", e.name);
		if (!out.metadata_exists_pre) {
			kk_rt_cell_delete(&e.rt, &e.rc, &ignored);
			kk_log_ignored(l->log, &ignored, "undo: delete cell `%s`", e.name);
		}
		goto out;
	}
	out.metadata_exists_post = true;
	out.created = !out.metadata_exists_pre;
	kk_events_record(l, out.created ? "CellCreated" : "CellStarted", e.realm, e.space, e.stack,
			 e.name, NULL);
	out.cell = TAKE_PTR(e.cell);
	*res = out;
	rc = 0;
out:
	if (rc < 0 && fresh) {
		kk_store_remove_tree(l->store, &e.ref, &ignored);
		kk_log_ignored(l->log, &ignored, "undo: remove the metadata of cell `%s`", e.name);
	}
	/* done, or failed and undone: the record goes either way */
	kk_journal_end(journal);
	kk_rt_cell_info_clear(&info);
	kk_cell_env_clear(&e);
	return rc;
}

int kk_ctl_cell_get(struct kk_local *l, const char *realm, const char *space, const char *stack,
		    const char *name, struct kk_cell_get_result *res, struct kk_err *err)
{
	struct kk_cell_env e = { 0 };
	int rc = -1;

	if (kk_cell_env_load(l, &e, realm, space, stack, name, true, NULL, err) < 0)
		goto out;
	/* live statuses when containerd answers; stored ones otherwise */
	kk_cell_env_status_live(l, &e, res->ip, sizeof(res->ip));
	res->cell = TAKE_PTR(e.cell);
	rc = 0;
out:
	kk_cell_env_clear(&e);
	return rc;
}

int kk_ctl_cell_list(struct kk_local *l, const char *realm, const char *space, const char *stack,
		     struct kk_cell ***out, size_t *n, struct kk_err *err)
{
	return kk_local_list_cell(l, &(struct kk_store_ref){ realm, space, stack, NULL }, out, n,
				  err);
}

/* ---- update (apply) ------------------------------------------------------------------ */

static bool json_is_zero(const cJSON *n)
{
	if (!n || cJSON_IsNull(n) || cJSON_IsFalse(n))
		return true;
	if (cJSON_IsString(n))
		return !n->valuestring || !*n->valuestring;
	if (cJSON_IsNumber(n))
		return n->valuedouble == 0;
	if (cJSON_IsArray(n))
		return cJSON_GetArraySize(n) == 0;
	if (cJSON_IsObject(n)) {
		for (const cJSON *c = n->child; c; c = c->next)
			if (!json_is_zero(c))
				return false;
		return true;
	}
	return false;
}

/* nil and empty lists, absent and zero values compare equal, as upstream's diff */
static bool json_field_equal(const cJSON *a, const cJSON *b, const char *key)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, key);
	const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, key);
	cleanup_free char *sx = NULL;
	cleanup_free char *sy = NULL;

	if (json_is_zero(x) && json_is_zero(y))
		return true;
	if (!x || !y)
		return false;
	sx = kk_json_print(x, 0);
	sy = kk_json_print(y, 0);
	return strcmp(sx, sy) == 0;
}

/* The container fields that differ, in upstream's order (reference §10.1) followed by the
 * ones upstream does not compare (docs/compat.md); NULL when none. */
static char **container_changed_fields(const struct kk_container_spec *want,
				       const struct kk_container_spec *have)
{
	static const char *const fields[] = {
		"image",
		"command",
		"args",
		"env",
		"ports",
		"volumes",
		"privileged",
		"user",
		"readOnlyRootFilesystem",
		"capabilities",
		"securityOpts",
		"tmpfs",
		"resources",
		"workingDir",
		"networks",
		"networksAliases",
		"hostNetwork",
		"hostPID",
		"hostCgroup",
		"secrets",
		"attachable",
		"tty",
		"restartPolicy",
	};
	cJSON *a = kk_container_spec_encode(want, KK_ENC_JSON);
	cJSON *b = kk_container_spec_encode(have, KK_ENC_JSON);
	char **out = NULL;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!json_field_equal(a, b, fields[i]))
			kk_strv_push_take(&out, kk_xstrdup(fields[i]));
	cJSON_Delete(a);
	cJSON_Delete(b);
	return out;
}

static bool is_managed_label(const char *key)
{
	static const char suffix[] = ".kukeon.io";
	size_t n = strlen(key), m = sizeof(suffix) - 1;

	return n >= m && strcmp(key + n - m, suffix) == 0;
}

/* the user-authored labels (not `*.kukeon.io`) of a and b are the same map */
static bool user_labels_equal(const struct kk_labels *a, const struct kk_labels *b)
{
	size_t na = 0, nb = 0;

	for (size_t i = 0; i < a->n; i++) {
		const char *v;

		if (is_managed_label(a->v[i].key))
			continue;
		na++;
		v = kk_labels_get(b, a->v[i].key);
		if (!v || strcmp(v, kk_str(a->v[i].value)) != 0)
			return false;
	}
	for (size_t i = 0; i < b->n; i++)
		nb += !is_managed_label(b->v[i].key);
	return na == nb;
}

static void detail(struct kk_cell_update_result *r, const char *key, const char *value)
{
	kk_strv_push_take(&r->detail_keys, kk_xstrdup(key));
	kk_strv_push_take(&r->detail_values, kk_xstrdup(value));
	r->details_set = true;
}

/* desired's labels, plus the stored `*.kukeon.io` ones it does not set */
static void merge_labels(struct kk_cell *cell, const struct kk_labels *desired)
{
	struct kk_labels merged = { 0 };

	kk_labels_copy(&merged, desired);
	for (size_t i = 0; i < cell->meta.labels.n; i++) {
		const struct kk_label *lb = &cell->meta.labels.v[i];

		if (is_managed_label(lb->key) && !kk_labels_get(&merged, lb->key))
			kk_labels_set(&merged, lb->key, lb->value);
	}
	kk_labels_clear(&cell->meta.labels);
	cell->meta.labels = merged;
}

/* Make e->cell's containers src's (location ids filled) and derive the runtime again. */
static void take_containers(struct kk_local *l, struct kk_cell_env *e,
			    const struct kk_cell_spec *src)
{
	kk_cell_containers_copy(&e->cell->spec, src);
	for (size_t i = 0; i < e->cell->spec.n_containers; i++) {
		struct kk_container_spec *c = &e->cell->spec.containers[i];

		kk_str_set(&c->realm_id, e->realm);
		kk_str_set(&c->space_id, e->space);
		kk_str_set(&c->stack_id, e->stack);
		kk_str_set(&c->cell_id, e->cell->spec.id);
	}
	kk_cell_env_rederive(l, e);
}

/* Start the cell and write its metadata with the status the start reports. */
static int start_and_store(struct kk_local *l, struct kk_cell_env *e, const char *verb,
			   struct kk_err *err)
{
	struct kk_rt_cell_info info = { 0 };
	int rc = -1;

	if (kk_cell_env_images(e, err) < 0 || kk_rt_cell_start(&e->rt, &e->rc, &info, err) < 0) {
		kk_err_wrap(err, "%s cell `%s`", verb, e->name);
		goto out;
	}
	kk_cell_status_fill(e->cell, &info, e->rc.cgroup_path);
	rc = kk_cell_put(l, &e->ref, e->cell, err);
out:
	kk_rt_cell_info_clear(&info);
	return rc;
}

int kk_ctl_cell_update(struct kk_local *l, const struct kk_cell *desired,
		       struct kk_cell_update_result *res, struct kk_err *err)
{
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_cell_update_result out = { 0 };
	struct kk_cell_env e = { 0 };
	const struct kk_container_spec *droot, *aroot;
	cleanup_(kk_strv_freep) char **recreate = NULL; /* container ids to delete first */
	bool labels_changed, containers_changed = false;
	const char *root_detail = NULL;
	int rc = -1;

	if (kk_cell_env_open(l, &e, desired->spec.realm_id, desired->spec.space_id,
			     desired->spec.stack_id, desired->meta.name, true, &held, err) < 0)
		goto out;

	labels_changed = !user_labels_equal(&desired->meta.labels, &e.cell->meta.labels);
	droot = kk_cell_root(&desired->spec);
	aroot = kk_cell_root(&e.cell->spec);
	if (droot && !aroot)
		root_detail = "root container added";
	else if (droot && (strcmp(kk_str(droot->image), kk_str(aroot->image)) != 0 ||
			   strcmp(kk_str(droot->command), kk_str(aroot->command)) != 0 ||
			   !kk_strv_equal(&droot->args, &aroot->args)))
		root_detail = "root container spec changed (image, command, or args)";

	if (root_detail) {
		/* the root owns the network namespace every container joins: take the whole
		 * cell down and bring it up from the desired spec */
		if (kk_rt_cell_delete(&e.rt, &e.rc, err) < 0) {
			kk_err_wrap(err, "failed to recreate cell `%s`", e.name);
			goto out;
		}
		merge_labels(e.cell, &desired->meta.labels);
		kk_str_set(&e.cell->status.common.cgroup_path, NULL);
		take_containers(l, &e, &desired->spec);
		if (start_and_store(l, &e, "recreate", err) < 0)
			goto out;
		kk_strv_push_take(&out.changes, kk_xstrdup("root container recreated"));
		detail(&out, "rootContainer", root_detail);
		goto done;
	}

	if (labels_changed) {
		kk_strv_push_take(&out.changes, kk_xstrdup("metadata.labels"));
		detail(&out, "metadata.labels", "labels changed");
	}
	for (size_t i = 0; i < desired->spec.n_containers; i++) {
		const struct kk_container_spec *d = &desired->spec.containers[i];
		const struct kk_container_spec *a;
		cleanup_(kk_strv_freep) char **fields = NULL;
		cleanup_free char *list = NULL;

		if (d == droot)
			continue;
		a = kk_cell_find_container(&e.cell->spec, d->id);
		if (!a || a == aroot) {
			kk_strv_push_take(&out.changes,
					  kk_xasprintf("container \"%s\" added", kk_str(d->id)));
			containers_changed = true;
			continue;
		}
		fields = container_changed_fields(d, a);
		if (!fields)
			continue;
		list = kk_strv_join(fields, ", ");
		kk_strv_push_take(&out.changes, kk_xasprintf("container \"%s\" updated: %s",
							     kk_str(d->id), list));
		kk_strv_push_take(&recreate, kk_xstrdup(kk_str(d->id)));
		containers_changed = true;
	}
	for (size_t i = 0; i < e.cell->spec.n_containers; i++) {
		const struct kk_container_spec *a = &e.cell->spec.containers[i];
		const struct kk_container_spec *d = kk_cell_find_container(&desired->spec, a->id);

		if (a == aroot || (d && d != droot))
			continue;
		kk_strv_push_take(&out.changes,
				  kk_xasprintf("container \"%s\" removed", kk_str(a->id)));
		kk_strv_push_take(&recreate, kk_xstrdup(kk_str(a->id)));
		containers_changed = true;
	}

	if (!out.changes) {
		struct kk_rt_cell_info info = { 0 };
		struct kk_err ignored = { 0 };
		int state = -1;

		/* same spec: a cell stopped or killed out of band is brought back */
		if (kk_rt_cell_status(&e.rt, &e.rc, &info, &ignored) == 0)
			state = info.state;
		kk_log_ignored(l->log, &ignored, "status of cell `%s` (taken as unknown)", e.name);
		kk_rt_cell_info_clear(&info);
		if (state != KK_CELL_STOPPED) {
			rc = 0;
			goto out;
		}
		if (start_and_store(l, &e, "re-materialize", err) < 0)
			goto out;
		kk_strv_push_take(&out.changes,
				  kk_xstrdup("runtime stopped: containers re-materialized"));
		for (size_t i = 0; i < e.cell->spec.n_containers; i++) {
			const struct kk_container_spec *c = &e.cell->spec.containers[i];

			if (c != aroot)
				kk_strv_push_take(&out.changes,
						  kk_xasprintf("container \"%s\" re-materialized",
							       kk_str(c->id)));
		}
		goto done;
	}

	out.details_set = true;
	for (size_t i = 0; recreate && recreate[i]; i++) {
		if (kk_rt_cell_container_delete(&e.rt, &e.rc, recreate[i], err) < 0 &&
		    err->code != ENOENT) {
			kk_err_wrap(err, "failed to update cell `%s`", e.name);
			goto out;
		}
		*err = (struct kk_err){ 0 };
	}
	if (labels_changed)
		merge_labels(e.cell, &desired->meta.labels);
	if (containers_changed) {
		struct kk_cell_spec want = { 0 };

		kk_cell_containers_copy(&want, &desired->spec);
		if (!droot && aroot) {
			/* a desired spec without a root keeps the stored one (upstream) */
			struct kk_cell_spec one = { .containers = (struct kk_container_spec *)aroot,
						    .n_containers = 1 };
			struct kk_cell_spec tail = { 0 };

			kk_cell_containers_copy(&tail, &one);
			size_t bytes = (want.n_containers + 2) * sizeof(*want.containers);

			want.containers = realloc(want.containers, bytes);
			if (!want.containers)
				abort();
			want.containers[want.n_containers++] = tail.containers[0];
			memset(&want.containers[want.n_containers], 0, sizeof(*want.containers));
			free(tail.containers);
			kk_str_set(&want.root_container_id, e.cell->spec.root_container_id);
		}
		take_containers(l, &e, &want);
		kk_cell_spec_clear(&want);
		if (start_and_store(l, &e, "update", err) < 0)
			goto out;
	} else if (kk_cell_put(l, &e.ref, e.cell, err) < 0) {
		goto out;
	}
done:
	*res = out;
	memset(&out, 0, sizeof(out));
	rc = 0;
out:
	kk_cell_update_result_clear(&out);
	kk_cell_env_clear(&e);
	return rc;
}

enum op { OP_START, OP_STOP, OP_KILL };

static int lifecycle(struct kk_local *l, enum op op, const char *realm, const char *space,
		     const char *stack, const char *name, struct kk_err *err)
{
	static const char *const verb[] = { "start", "stop", "kill" };
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_cell_env e = { 0 };
	int rc = -1;

	if (kk_cell_env_open(l, &e, realm, space, stack, name, true, &held, err) < 0)
		goto out;
	switch (op) {
	case OP_START:
		rc = kk_rt_cell_start(&e.rt, &e.rc, NULL, err);
		break;
	case OP_STOP:
		rc = kk_rt_cell_stop(&e.rt, &e.rc, err);
		break;
	case OP_KILL:
		rc = kk_rt_cell_kill(&e.rt, &e.rc, err);
		break;
	}
	if (rc < 0) {
		kk_err_wrap(err, "failed to %s cell `%s`", verb[op], e.name);
		goto out;
	}
	rc = kk_cell_status_store(l, &e, err);
	/* the exits are on disk: now the stopped tasks (and their shims) can go */
	if (rc == 0 && op != OP_START && kk_rt_cell_release(&e.rt, &e.rc, err) < 0) {
		kk_err_wrap(err, "failed to %s cell `%s`", verb[op], e.name);
		rc = -1;
	}
out:
	kk_cell_env_clear(&e);
	return rc;
}

int kk_ctl_cell_start(struct kk_local *l, const char *realm, const char *space, const char *stack,
		      const char *name, struct kk_err *err)
{
	return lifecycle(l, OP_START, realm, space, stack, name, err);
}

int kk_ctl_cell_stop(struct kk_local *l, const char *realm, const char *space, const char *stack,
		     const char *name, struct kk_err *err)
{
	return lifecycle(l, OP_STOP, realm, space, stack, name, err);
}

int kk_ctl_cell_kill(struct kk_local *l, const char *realm, const char *space, const char *stack,
		     const char *name, struct kk_err *err)
{
	return lifecycle(l, OP_KILL, realm, space, stack, name, err);
}

static int cell_remove(struct kk_local *l, bool purge, const char *realm, const char *space,
		       const char *stack, const char *name, struct kk_delete_result *res,
		       struct kk_err *err)
{
	cleanup_(kk_store_unlockp) struct kk_store *outer = NULL;
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_journal *journal = NULL;
	struct kk_cell_env e = { 0 };
	bool unfinished;
	int rc = -1;

	if (kk_cell_env_names(&e, realm, space, stack, name, err) < 0 ||
	    kk_cell_prepare(l, err) < 0 ||
	    kk_store_lock_ref_scoped(l->store, &e.ref, KK_STORE_LOCK_TIMEOUT_MS, &outer, err) < 0)
		goto out;
	/* a create or delete that died half way: this one finishes it, by the names (a
	 * create with no metadata is rolled back as a purge would) */
	unfinished = kk_journal_exists(l, &e.ref);
	if (unfinished && !purge) {
		rc = kk_store_exists(l->store, &e.ref, err);
		if (rc < 0)
			goto out;
		purge = rc == 0;
		rc = -1;
	}
	kk_cell_env_clear(&e);
	if (kk_cell_env_open(l, &e, realm, space, stack, name, !purge, &held, err) < 0)
		goto out;
	res->containers_deleted = e.cell && e.cell->spec.n_containers > 0;
	if (kk_journal_begin(l, &e.ref, "delete", &journal, err) < 0)
		goto out;
	e.rt.step = kk_journal_step;
	e.rt.step_arg = journal;
	if (purge) {
		struct kk_err ignored = { 0 };

		kk_rt_cell_purge(&e.rt, &e.rc, &ignored);
		kk_log_ignored(l->log, &ignored, "purge cell `%s`", e.name);
		kk_strv_push_take(&res->cleaned, kk_xstrdup("orphaned-containers"));
		kk_strv_push_take(&res->cleaned, kk_xstrdup("cni-resources"));
	} else if (kk_rt_cell_delete(&e.rt, &e.rc, err) < 0) {
		kk_err_wrap(err, "failed to delete cell `%s`", e.name);
		goto out;
	}
	res->cgroup_deleted = true;
	res->cni_deleted = true;
	if (kk_rt_step(&e.rt, purge ? "cell-purge:metadata" : "cell-delete:metadata", err) < 0)
		goto out;
	rc = kk_store_delete(l->store, &e.ref, err);
	if (rc < 0)
		goto out;
	res->metadata_deleted = rc == 1;
	if (purge && res->metadata_deleted)
		kk_strv_push_take(&res->cleaned, kk_xstrdup("all-metadata"));
	rc = kk_store_remove_tree(l->store, &e.ref, err);
	if (rc == 0) /* the cell took its containers with it */
		kk_journal_drop_containers(l, &e.ref);
	if (rc == 0 && purge) {
		kk_local_tokens(&res->deleted, NULL, NULL,
				res->containers_deleted ? "containers cgroup metadata"
							: "cgroup metadata");
		kk_local_tokens(&res->purged, NULL, NULL,
				"cni-resources orphaned-containers all-metadata");
	}
	if (rc == 0)
		res->cell = TAKE_PTR(e.cell);
out:
	kk_journal_end(journal);
	kk_cell_env_clear(&e);
	return rc;
}

int kk_ctl_cell_delete(struct kk_local *l, const char *realm, const char *space, const char *stack,
		       const char *name, struct kk_delete_result *res, struct kk_err *err)
{
	return cell_remove(l, false, realm, space, stack, name, res, err);
}

int kk_ctl_cell_purge(struct kk_local *l, const char *realm, const char *space, const char *stack,
		      const char *name, struct kk_delete_result *res, struct kk_err *err)
{
	return cell_remove(l, true, realm, space, stack, name, res, err);
}

int kk_cell_pick_container(struct kk_local *l, struct kk_cell_env *e, const char *realm,
			   const char *space, const char *stack, const char *name,
			   const char *container, const struct kk_container_spec **out, char **dir,
			   struct kk_err *err)
{
	const char *c = container && *container ? container : NULL;

	if (kk_cell_env_load(l, e, realm, space, stack, name, true, NULL, err) < 0)
		return -1;
	if (!c) {
		cleanup_(kk_strv_freep) char **cand = NULL;

		for (size_t i = 0; i < e->cell->spec.n_containers; i++)
			if (!e->cell->spec.containers[i].root &&
			    strcmp(kk_str(e->cell->spec.containers[i].id),
				   kk_str(e->cell->spec.root_container_id)) != 0)
				kk_strv_push_take(&cand, kk_xstrdup(kk_str(
								 e->cell->spec.containers[i].id)));
		if (!cand) {
			kk_err_set(err, ENOENT, "no attachable container in cell (cell \"%s\")",
				   e->name);
			return -1;
		}
		if (cand[1]) {
			cleanup_free char *list = NULL;

			kk_strv_sort(cand);
			list = kk_strv_join(cand, ", ");
			kk_err_set(err, EINVAL,
				   "multiple attachable containers in cell; specify --container "
				   "(cell \"%s\"): candidates: %s",
				   e->name, list);
			return -1;
		}
		*out = kk_cell_find_container(&e->cell->spec, cand[0]);
	} else
		*out = kk_cell_find_container(&e->cell->spec, c);
	if (!*out) {
		kk_err_set(err, ENOENT, "container \"%s\" not found in cell \"%s\"", kk_str(c),
			   e->name);
		return -1;
	}
	*dir = kk_store_cell_dir(l->run_path, e->realm, e->space, e->stack, e->name);
	return 0;
}

static bool is_attachable(const struct kk_cell_spec *s, const struct kk_container_spec *c)
{
	return c->attachable && !c->root &&
	       strcmp(kk_str(c->id), kk_str(s->root_container_id)) != 0;
}

int kk_ctl_cell_log_path(struct kk_local *l, const char *realm, const char *space,
			 const char *stack, const char *name, const char *container, char **out,
			 bool *capture, struct kk_err *err)
{
	struct kk_cell_env e = { 0 };
	const struct kk_container_spec *c = NULL;
	cleanup_free char *dir = NULL;
	cleanup_free char *path = NULL;
	int rc = -1;

	if (kk_cell_pick_container(l, &e, realm, space, stack, name, container, &c, &dir, err) < 0)
		goto out;
	*capture = is_attachable(&e.cell->spec, c);
	path = *capture ? kk_path_join(dir, c->id, KK_STORE_TTY_DIR, KK_STORE_CAPTURE_FILE)
			: kk_rt_log_path(dir, c->id);
	if (access(path, F_OK) != 0) {
		kk_err_set(err, ENOENT,
			   "cell \"%s\" container \"%s\" has no log file at %s (the runtime shim "
			   "has not opened it yet — try again after the container produces output)",
			   e.name, c->id, path);
		goto out;
	}
	*out = TAKE_PTR(path);
	rc = 0;
out:
	kk_cell_env_clear(&e);
	return rc;
}

int kk_ctl_container_attach_path(struct kk_local *l, const char *realm, const char *space,
				 const char *stack, const char *cell, const char *name, char **out,
				 struct kk_err *err)
{
	struct kk_cell_env e = { 0 };
	const struct kk_container_spec *c = NULL;
	cleanup_free char *dir = NULL;
	int rc = -1;

	if (!name || !*name)
		return kk_err_set(err, EINVAL, "container name is required");
	if (kk_cell_pick_container(l, &e, realm, space, stack, cell, name, &c, &dir, err) < 0)
		goto out;
	if (!is_attachable(&e.cell->spec, c)) {
		kk_err_set(err, ENOTSUP,
			   "container \"%s\" in cell \"%s\" is not attachable: container is not "
			   "attachable; recreate with attachable=true",
			   c->id, e.name);
		goto out;
	}
	*out = kk_path_join(dir, c->id, KK_STORE_TTY_DIR, KK_STORE_TTY_SOCKET_FILE);
	rc = 0;
out:
	kk_cell_env_clear(&e);
	return rc;
}
