/* common/controller/cell.c - see cell.h. */
#include "common/controller/cell.h"
#include "common/controller/cell_env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjson/cJSON.h"
#include "common/cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/cni/cni.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/codec.h"
#include "common/model/naming.h"
#include "common/runtime/runtime.h"
#include "common/store/instance.h"
#include "common/store/paths.h"
#include "common/store/store.h"
#include "common/strv.h"
#include "ctr/ctr.h"

void kk_cell_create_result_clear(struct kk_cell_create_result *r)
{
	kk_cell_free(r->cell);
	memset(r, 0, sizeof(*r));
}

void kk_cell_get_result_clear(struct kk_cell_get_result *r)
{
	kk_cell_free(r->cell);
	memset(r, 0, sizeof(*r));
}

void kk_cell_list_free(struct kk_cell **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kk_cell_free(v[i]);
	free(v);
}

int kk_ctl_cell_create(struct kk_local *l, const struct kk_cell *req, bool inject_labels,
		       struct kk_cell_create_result *res, struct kk_err *err)
{
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_cell_create_result out = { 0 };
	struct kk_rt_cell_info info = { 0 };
	struct kk_cell_env e = { 0 };
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
	    kk_store_lock_scoped(l->store, KK_STORE_LOCK_TIMEOUT_MS, &held, err) < 0)
		goto out;
	{
		int got = kk_local_load_cell(l, &e.ref, &e.cell, err);

		if (got < 0)
			goto out;
		out.metadata_exists_pre = got == 1;
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
	out.cgroup_exists_pre =
		kk_cgroup_exists(l->cg, e.rc.cgroup_path, &(struct kk_err){ 0 }) == 1;
	if (kk_rt_cell_start(&e.rt, &e.rc, &info, err) < 0)
		goto out; /* the runtime's message names the cell */
	out.started = true;
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
	if (kk_cell_put(l, &e.ref, e.cell, err) < 0) {
		kk_err_wrap(err, "create cell `%s`", e.name);
		if (!out.metadata_exists_pre)
			kk_rt_cell_delete(&e.rt, &e.rc, &(struct kk_err){ 0 });
		goto out;
	}
	out.metadata_exists_post = true;
	out.created = !out.metadata_exists_pre;
	out.cell = TAKE_PTR(e.cell);
	*res = out;
	rc = 0;
out:
	kk_rt_cell_info_clear(&info);
	kk_cell_env_clear(&e);
	return rc;
}

int kk_ctl_cell_get(struct kk_local *l, const char *realm, const char *space, const char *stack,
		    const char *name, struct kk_cell_get_result *res, struct kk_err *err)
{
	struct kk_rt_cell_info info = { 0 };
	struct kk_cell_env e = { 0 };
	int rc = -1;

	if (kk_cell_env_names(&e, realm, space, stack, name, err) < 0)
		goto out;
	rc = kk_local_load_cell(l, &e.ref, &e.cell, err);
	if (rc <= 0) {
		if (rc == 0)
			kk_cell_not_found(err, &e.ref);
		rc = -1;
		goto out;
	}
	/* live statuses when containerd answers; stored ones otherwise */
	if (!l->cg)
		kk_cgroup_open(l->cgroup_mount, &l->cg, &(struct kk_err){ 0 });
	if (l->cg && kk_cell_env_runtime(l, &e, &(struct kk_err){ 0 }) == 0 &&
	    kk_rt_cell_status(&e.rt, &e.rc, &info, &(struct kk_err){ 0 }) == 0) {
		struct kk_time keep_updated = e.cell->status.common.updated_at;

		kk_cell_status_fill(e.cell, &info, NULL);
		e.cell->status.common.updated_at = keep_updated;
		snprintf(res->ip, sizeof(res->ip), "%s", info.ip);
	}
	res->cell = TAKE_PTR(e.cell);
	rc = 0;
out:
	kk_rt_cell_info_clear(&info);
	kk_cell_env_clear(&e);
	return rc;
}

int kk_ctl_cell_list(struct kk_local *l, const char *realm, const char *space, const char *stack,
		     struct kk_cell ***out, size_t *n, struct kk_err *err)
{
	cleanup_(kk_strv_freep) char **realms = NULL;
	struct kk_cell **v = NULL;
	size_t k = 0;

	if (realm)
		kk_strv_push_take(&realms, kk_xstrdup(realm));
	else if (kk_store_list(l->store, NULL, &realms, err) < 0)
		return -1;
	for (size_t i = 0; realms && realms[i]; i++) {
		cleanup_(kk_strv_freep) char **spaces = NULL;

		if (space)
			kk_strv_push_take(&spaces, kk_xstrdup(space));
		else if (kk_store_list(l->store, &(struct kk_store_ref){ .realm = realms[i] },
				       &spaces, err) < 0)
			goto fail;
		for (size_t j = 0; spaces && spaces[j]; j++) {
			cleanup_(kk_strv_freep) char **stacks = NULL;

			if (stack)
				kk_strv_push_take(&stacks, kk_xstrdup(stack));
			else if (kk_store_list(l->store,
					       &(struct kk_store_ref){ realms[i], spaces[j], NULL,
								       NULL },
					       &stacks, err) < 0)
				goto fail;
			for (size_t t = 0; stacks && stacks[t]; t++) {
				cleanup_(kk_strv_freep) char **cells = NULL;
				struct kk_store_ref ref = { realms[i], spaces[j], stacks[t], NULL };

				if (kk_store_list(l->store, &ref, &cells, &(struct kk_err){ 0 }) <
				    0)
					continue;
				for (size_t c = 0; cells && cells[c]; c++) {
					struct kk_cell *cell = NULL;

					ref.cell = cells[c];
					if (kk_local_load_cell(l, &ref, &cell,
							       &(struct kk_err){ 0 }) != 1)
						continue;
					v = realloc(v, (k + 1) * sizeof(void *)); /* pointers */
					if (!v)
						abort();
					v[k++] = cell;
				}
			}
		}
	}
	*out = v;
	*n = k;
	return 0;
fail:
	kk_cell_list_free(v, k);
	return -1;
}

int kk_ctl_cell_update(struct kk_local *l, const struct kk_cell *desired, char ***changes,
		       struct kk_err *err)
{
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_rt_cell_info info = { 0 };
	struct kk_cell_env e = { 0 };
	cleanup_(kk_json_freep) cJSON *kept_root = NULL;
	bool desired_root = false;
	char **diff = NULL;
	int rc = -1;

	if (kk_store_lock_scoped(l->store, KK_STORE_LOCK_TIMEOUT_MS, &held, err) < 0 ||
	    kk_cell_env_open(l, &e, desired->spec.realm_id, desired->spec.space_id,
			     desired->spec.stack_id, desired->meta.name, true, err) < 0)
		goto out;
	for (size_t i = 0; i < desired->spec.n_containers; i++)
		if (!kk_cell_find_container(&e.cell->spec, desired->spec.containers[i].id))
			kk_strv_push_take(&diff,
					  kk_xasprintf("container \"%s\" added",
						       kk_str(desired->spec.containers[i].id)));
	/* a desired spec without a root keeps the stored root (upstream's UpdateCell) */
	for (size_t i = 0; i < desired->spec.n_containers; i++)
		desired_root |= desired->spec.containers[i].root;
	desired_root |= desired->spec.root_container_id && *desired->spec.root_container_id;
	/* containers that changed or went away are removed; the start below recreates */
	for (size_t i = 0; i < e.cell->spec.n_containers; i++) {
		const struct kk_container_spec *old = &e.cell->spec.containers[i];
		struct kk_container_spec want = { 0 };
		const struct kk_container_spec *d = kk_cell_find_container(&desired->spec, old->id);
		cleanup_free char *a = NULL;
		cleanup_free char *b = NULL;

		if (!d && !desired_root &&
		    (old->root || (e.cell->spec.root_container_id &&
				   strcmp(kk_str(old->id), e.cell->spec.root_container_id) == 0))) {
			kept_root = kk_container_spec_encode(old, KK_ENC_JSON);
			continue;
		}

		if (d) {
			/* compare with the derived ids filled in, as stored */
			cJSON *t = kk_container_spec_encode(d, KK_ENC_JSON);
			struct kk_dec dec;

			kk_dec_init(&dec, NULL, &(struct kk_err){ 0 });
			kk_container_spec_decode_into(&dec, t, &want);
			cJSON_Delete(t);
			kk_str_set(&want.realm_id, old->realm_id);
			kk_str_set(&want.space_id, old->space_id);
			kk_str_set(&want.stack_id, old->stack_id);
			kk_str_set(&want.cell_id, old->cell_id);
			kk_str_set(&want.containerd_id, old->containerd_id);
			a = kk_container_spec_text(old);
			b = kk_container_spec_text(&want);
			kk_container_spec_clear(&want);
		}
		if (d && strcmp(a, b) == 0)
			continue;
		kk_strv_push_take(&diff, kk_xasprintf("container \"%s\" %s", kk_str(old->id),
						      d ? "updated" : "removed"));
		if (kk_rt_cell_container_delete(&e.rt, &e.rc, old->id, err) < 0 &&
		    err->code != ENOENT)
			goto out;
		*err = (struct kk_err){ 0 };
	}
	if (!diff) {
		rc = 0;
		goto out;
	}
	{
		cleanup_free char *root_id = kk_xstrdup(kk_str(e.cell->spec.root_container_id));

		kk_cell_containers_copy(&e.cell->spec, &desired->spec);
		if (kept_root) {
			struct kk_cell_spec *cs = &e.cell->spec;
			struct kk_dec dec;

			cs->containers = kk_xrealloc(cs->containers, (cs->n_containers +
								      1) * sizeof(*cs->containers));
			memset(&cs->containers[cs->n_containers], 0, sizeof(*cs->containers));
			kk_dec_init(&dec, NULL, &(struct kk_err){ 0 });
			kk_container_spec_decode_into(&dec, kept_root,
						      &cs->containers[cs->n_containers++]);
			kk_str_set(&cs->root_container_id, root_id);
		}
	}
	for (size_t i = 0; i < e.cell->spec.n_containers; i++) {
		struct kk_container_spec *c = &e.cell->spec.containers[i];

		kk_str_set(&c->realm_id, e.realm);
		kk_str_set(&c->space_id, e.space);
		kk_str_set(&c->stack_id, e.stack);
		kk_str_set(&c->cell_id, e.cell->spec.id);
	}
	kk_rt_cell_paths_clear(&e.paths);
	kk_rt_cell_from_model(e.cell, l->run_path, l->cgroup_root,
			      e.s ? e.s->spec.defaults_container : NULL,
			      e.cell->spec.n_containers ? NULL : KK_CELL_DEFAULT_ROOT_IMAGE, &e.rc,
			      &e.paths);
	if (kk_rt_cell_start(&e.rt, &e.rc, &info, err) < 0) {
		kk_err_wrap(err, "update cell `%s`", e.name);
		goto out;
	}
	kk_cell_status_fill(e.cell, &info, e.rc.cgroup_path);
	rc = kk_cell_put(l, &e.ref, e.cell, err);
	if (rc == 0 && changes)
		*changes = TAKE_PTR(diff);
out:
	kk_strv_free(diff);
	kk_rt_cell_info_clear(&info);
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

	if (kk_store_lock_scoped(l->store, KK_STORE_LOCK_TIMEOUT_MS, &held, err) < 0 ||
	    kk_cell_env_open(l, &e, realm, space, stack, name, true, err) < 0)
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
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_cell_env e = { 0 };
	int rc = -1;

	if (kk_store_lock_scoped(l->store, KK_STORE_LOCK_TIMEOUT_MS, &held, err) < 0 ||
	    kk_cell_env_open(l, &e, realm, space, stack, name, !purge, err) < 0)
		goto out;
	if (purge) {
		kk_rt_cell_purge(&e.rt, &e.rc, &(struct kk_err){ 0 });
		kk_strv_push_take(&res->purged, kk_xstrdup("orphaned-containers"));
		kk_strv_push_take(&res->purged, kk_xstrdup("cni-resources"));
	} else if (kk_rt_cell_delete(&e.rt, &e.rc, err) < 0) {
		kk_err_wrap(err, "failed to delete cell `%s`", e.name);
		goto out;
	}
	res->cgroup_deleted = true;
	res->cni_deleted = true;
	rc = kk_store_delete(l->store, &e.ref, err);
	if (rc < 0)
		goto out;
	res->metadata_deleted = rc == 1;
	if (purge && res->metadata_deleted)
		kk_strv_push_take(&res->purged, kk_xstrdup("all-metadata"));
	rc = kk_store_remove_tree(l->store, &e.ref, err);
out:
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

int kk_ctl_cell_log(struct kk_local *l, const char *realm, const char *space, const char *stack,
		    const char *name, const char *container, int fd, bool follow,
		    bool (*stop)(void *), void *arg, struct kk_err *err)
{
	struct kk_cell_env e = { 0 };
	cleanup_free char *dir = NULL;
	cleanup_free char *path = NULL;
	const char *c = container && *container ? container : NULL;
	int64_t pos = 0;
	int rc = -1;

	if (kk_cell_env_names(&e, realm, space, stack, name, err) < 0)
		goto out;
	rc = kk_local_load_cell(l, &e.ref, &e.cell, err);
	if (rc <= 0) {
		if (rc == 0)
			kk_cell_not_found(err, &e.ref);
		rc = -1;
		goto out;
	}
	rc = -1;
	if (!c) {
		cleanup_(kk_strv_freep) char **cand = NULL;

		for (size_t i = 0; i < e.cell->spec.n_containers; i++)
			if (!e.cell->spec.containers[i].root &&
			    strcmp(kk_str(e.cell->spec.containers[i].id),
				   kk_str(e.cell->spec.root_container_id)) != 0)
				kk_strv_push_take(&cand, kk_xstrdup(kk_str(
								 e.cell->spec.containers[i].id)));
		if (!cand) {
			kk_err_set(err, ENOENT, "no attachable container in cell (cell \"%s\")",
				   e.name);
			goto out;
		}
		if (cand[1]) {
			cleanup_free char *list = NULL;

			kk_strv_sort(cand);
			list = kk_strv_join(cand, ", ");
			kk_err_set(err, EINVAL,
				   "multiple attachable containers in cell; specify --container "
				   "(cell \"%s\"): candidates: %s",
				   e.name, list);
			goto out;
		}
		c = kk_cell_find_container(&e.cell->spec, cand[0])->id;
	} else if (!kk_cell_find_container(&e.cell->spec, c)) {
		kk_err_set(err, ENOENT, "container \"%s\" not found in cell \"%s\"", c, e.name);
		goto out;
	}
	dir = kk_store_cell_dir(l->run_path, e.realm, e.space, e.stack, e.name);
	path = kk_rt_log_path(dir, c);
	if (access(path, F_OK) != 0) {
		kk_err_set(err, ENOENT,
			   "cell \"%s\" container \"%s\" has no log file at %s (the runtime shim "
			   "has not opened it yet — try again after the container produces output)",
			   e.name, c, path);
		goto out;
	}
	rc = kk_rt_log_copy(path, fd, &pos, follow, 200, stop, arg, err);
out:
	kk_cell_env_clear(&e);
	return rc;
}
