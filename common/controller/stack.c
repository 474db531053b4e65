/* common/controller/stack.c - stacks; see hierarchy.h. */
#include "common/controller/hierarchy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/controller/cell.h"
#include "common/controller/local_internal.h"
#include "common/mem.h"
#include "common/model/doc.h"
#include "common/model/naming.h"
#include "common/store/paths.h"
#include "common/store/store.h"
#include "common/strv.h"

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
	struct kk_err ignored = { 0 };
	size_t n;

	if (kk_store_list(l->store, ref, &kids, &ignored) < 0) {
		kk_log_ignored(l->log, &ignored, "count the cells of stack `%s` (taken as none)",
			       ref->stack);
		return 0;
	}
	n = kk_strv_len(kids);
	kk_strv_free(kids);
	return n;
}

/* ---- stack ---------------------------------------------------------------------------- */

KK_LOCAL_DEFINE_RESULTS(stack)

int kk_ctl_stack_create(struct kk_local *l, const struct kk_stack *req, bool inject_labels,
			struct kk_stack_create_result *res, struct kk_err *err)
{
	cleanup_free char *realm = NULL;
	cleanup_free char *space = NULL;
	cleanup_free char *name = NULL;
	cleanup_(kk_stack_freep) struct kk_stack *s = NULL;
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_stack_create_result out = { 0 };
	struct kk_store_ref ref;
	int rc;

	if (kk_name_validate("stack", req->meta.name, &name, err) < 0 ||
	    validate3(req->spec.realm_id, req->spec.space_id, NULL, &realm, &space, NULL, err) < 0)
		return -1;
	ref = (struct kk_store_ref){ .realm = realm, .space = space, .stack = name };
	if (kk_local_create_lock(l, &ref, &held, err) < 0)
		return -1;
	rc = kk_local_load_stack(l, &ref, &s, err);
	if (rc < 0)
		return -1;
	out.level.metadata_exists_pre = rc == 1;
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
	if (kk_local_create_level(l, &ref, &(struct kk_doc){ KK_KIND_STACK, { .stack = s } },
				  &s->status, KK_STACK_READY, &out.level, err) < 0)
		return -1;
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
	return kk_local_must_exist(kk_local_load_stack(l, &ref, &res->stack, err), &ref, err);
}

int kk_ctl_stack_list(struct kk_local *l, const char *realm, const char *space,
		      struct kk_stack ***out, size_t *n, struct kk_err *err)
{
	return kk_local_list_stack(l, &(struct kk_store_ref){ realm, space, NULL, NULL }, out, n,
				   err);
}

int kk_ctl_stack_update(struct kk_local *l, const struct kk_stack *desired, struct kk_err *err)
{
	cleanup_(kk_stack_freep) struct kk_stack *s = NULL;
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_store_ref ref = { desired->spec.realm_id, desired->spec.space_id,
				    desired->meta.name, NULL };

	if (kk_local_lock(l, &ref, &held, err) < 0)
		return -1;
	if (kk_local_load_stack(l, &ref, &s, err) <= 0)
		return err->code ? -1
				 : kk_err_set(err, ENOENT, "stack \"%s\" not found", ref.stack);
	kk_local_labels_update(&s->meta.labels, &desired->meta.labels);
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
	size_t n_cells;
	int rc;

	rc = kk_local_load_stack(l, &ref, &s, err);
	if (!purge && kk_local_must_exist(rc, &ref, err) < 0)
		return -1;
	kk_log_ignored(l->log, err, "purge stack `%s`: its metadata", name);
	n_cells = count_children(l, &ref);
	if (n_cells && !cascade && !force)
		return kk_local_children_error(err, verb, "stack", name, n_cells, "cell(s)");
	if (kk_local_instance(l, err) < 0)
		return -1;
	kk_local_tokens(&res->deleted, NULL, NULL, NULL);
	if (cascade && n_cells) {
		cleanup_(kk_strv_freep) char **cells = NULL;

		if (kk_store_list(l->store, &ref, &cells, err) < 0)
			return -1;
		kk_local_tokens(&res->deleted, "cell", cells, NULL);
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
	if (kk_local_remove_cgroup(l, "stack", &ref, s ? s->status.cgroup_path : NULL, purge, res,
				   err) < 0)
		return -1;
	if (kk_local_remove_metadata(l, "stack", &ref, purge, "metadata cgroup",
				     "cni-resources orphaned-containers all-metadata", res,
				     err) < 0)
		return -1;
	res->stack = TAKE_PTR(s);
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
