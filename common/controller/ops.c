/* common/controller/ops.c - the operation table (ops.def) and the operations whose request
 * is shaped for the wire rather than for the kind's own function. */
#include "common/controller/ops.h"

#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "common/strv.h"
#include "kk_version.h"

/* ---- the table ---- */

/* One thunk per row, so every call goes through a function of the table's own type. */
#define OP(method, name, args, reply, wa, wr)                                                  \
	static int call_##name(struct kk_local *l, const void *a, void *r, struct kk_err *err) \
	{                                                                                      \
		return kk_op_##name(l, a, r, err);                                             \
	}                                                                                      \
	static void clear_##name(void *r)                                                      \
	{                                                                                      \
		reply##_clear(r);                                                              \
	}
#include "common/controller/ops.def"
#undef OP

const struct kk_op kk_ops[KK_OP_COUNT] = {
#define OP(method, name, args, reply, wa, wr)                                         \
	[KK_OP_##method] = { #method, call_##name, clear_##name, sizeof(struct args), \
			     sizeof(struct reply) },
#include "common/controller/ops.def"
#undef OP
};

enum kk_op_id kk_op_find(const char *method)
{
	for (int i = 0; i < KK_OP_COUNT; i++)
		if (strcmp(kk_ops[i].method, method) == 0)
			return (enum kk_op_id)i;
	return KK_OP_COUNT;
}

/* ---- replies ---- */

void kk_ping_reply_clear(struct kk_ping_reply *r)
{
	free(r->version);
	*r = (struct kk_ping_reply){ 0 };
}

void kk_list_result_clear(struct kk_list_result *r)
{
	for (size_t i = 0; r->v.any && i < r->n; i++)
		kk_kind_free(r->kind, r->v.any[i]);
	free(r->v.any);
	kk_strv_free(r->skipped);
	*r = (struct kk_list_result){ 0 };
}

void kk_action_result_clear(struct kk_action_result *r)
{
	*r = (struct kk_action_result){ 0 };
}

void kk_attach_result_clear(struct kk_attach_result *r)
{
	free(r->socket_path);
	*r = (struct kk_attach_result){ 0 };
}

void kk_log_result_clear(struct kk_log_result *r)
{
	free(r->capture_path);
	free(r->log_path);
	*r = (struct kk_log_result){ 0 };
}

/* ---- operations ---- */

int kk_op_ping(struct kk_local *l, const struct kk_no_args *a, struct kk_ping_reply *r,
	       struct kk_err *err)
{
	(void)l, (void)a, (void)err;
	r->ok = true;
	r->version = kk_xstrdup(KK_VERSION);
	return 0;
}

/* Creates through the API inject the default labels; apply (kk_ctl_apply) does not. */
#define DOC_CREATE(kind)                                                                   \
	int kk_op_##kind##_create(struct kk_local *l, const struct kk_doc *a,              \
				  struct kk_##kind##_create_result *r, struct kk_err *err) \
	{                                                                                  \
		return kk_ctl_##kind##_create(l, a->u.kind, true, r, err);                 \
	}
DOC_CREATE(realm)
DOC_CREATE(space)
DOC_CREATE(stack)
DOC_CREATE(cell)
#undef DOC_CREATE

int kk_op_container_create(struct kk_local *l, const struct kk_doc *a,
			   struct kk_container_create_result *r, struct kk_err *err)
{
	return kk_ctl_container_create(l, a->u.container, r, err);
}

int kk_op_realm_get(struct kk_local *l, const struct kk_ref *a, struct kk_realm_get_result *r,
		    struct kk_err *err)
{
	return kk_ctl_realm_get(l, a->name, r, err);
}

int kk_op_space_get(struct kk_local *l, const struct kk_ref *a, struct kk_space_get_result *r,
		    struct kk_err *err)
{
	return kk_ctl_space_get(l, a->realm, a->name, r, err);
}

int kk_op_stack_get(struct kk_local *l, const struct kk_ref *a, struct kk_stack_get_result *r,
		    struct kk_err *err)
{
	return kk_ctl_stack_get(l, a->realm, a->space, a->name, r, err);
}

int kk_op_cell_get(struct kk_local *l, const struct kk_ref *a, struct kk_cell_get_result *r,
		   struct kk_err *err)
{
	return kk_ctl_cell_get(l, a->realm, a->space, a->stack, a->name, r, err);
}

int kk_op_container_get(struct kk_local *l, const struct kk_ref *a,
			struct kk_container_get_result *r, struct kk_err *err)
{
	return kk_ctl_container_get(l, a->realm, a->space, a->stack, a->cell, a->name, r, err);
}

/* lists: an empty filter is "any" */
static const char *filter(const char *s)
{
	return s && *s ? s : NULL;
}

/* A list starts with nothing skipped and hands what it skipped to its reply. */
static void list_begin(struct kk_local *l)
{
	kk_strv_free(l->skipped);
	l->skipped = NULL;
}

static int list_end(struct kk_local *l, struct kk_list_result *r, int rc)
{
	r->skipped = TAKE_PTR(l->skipped);
	return rc;
}

int kk_op_realm_list(struct kk_local *l, const struct kk_ref *a, struct kk_list_result *r,
		     struct kk_err *err)
{
	(void)a;
	r->kind = KK_KIND_REALM;
	list_begin(l);
	return list_end(l, r, kk_ctl_realm_list(l, &r->v.realms, &r->n, err));
}

int kk_op_space_list(struct kk_local *l, const struct kk_ref *a, struct kk_list_result *r,
		     struct kk_err *err)
{
	r->kind = KK_KIND_SPACE;
	list_begin(l);
	return list_end(l, r, kk_ctl_space_list(l, filter(a->realm), &r->v.spaces, &r->n, err));
}

int kk_op_stack_list(struct kk_local *l, const struct kk_ref *a, struct kk_list_result *r,
		     struct kk_err *err)
{
	r->kind = KK_KIND_STACK;
	list_begin(l);
	return list_end(l, r,
			kk_ctl_stack_list(l, filter(a->realm), filter(a->space), &r->v.stacks,
					  &r->n, err));
}

int kk_op_cell_list(struct kk_local *l, const struct kk_ref *a, struct kk_list_result *r,
		    struct kk_err *err)
{
	r->kind = KK_KIND_CELL;
	list_begin(l);
	return list_end(l, r,
			kk_ctl_cell_list(l, filter(a->realm), filter(a->space), filter(a->stack),
					 &r->v.cells, &r->n, err));
}

int kk_op_container_list(struct kk_local *l, const struct kk_ref *a, struct kk_list_result *r,
			 struct kk_err *err)
{
	r->kind = KK_KIND_CONTAINER;
	list_begin(l);
	return list_end(l, r,
			kk_ctl_container_list(l, filter(a->realm), filter(a->space),
					      filter(a->stack), filter(a->cell), &r->v.containers,
					      &r->n, err));
}

/* start / stop / kill of cells and containers: one shape, the verb picks the function */
#define CELL_ACTION(verb, past)                                                                \
	int kk_op_cell_##verb(struct kk_local *l, const struct kk_ref *a,                      \
			      struct kk_action_result *r, struct kk_err *err)                  \
	{                                                                                      \
		if (kk_ctl_cell_##verb(l, a->realm, a->space, a->stack, a->name, err) < 0)     \
			return -1;                                                             \
		kk_events_record(l, "Cell" past, a->realm, a->space, a->stack, a->name, NULL); \
		r->done = true;                                                                \
		return 0;                                                                      \
	}                                                                                      \
	int kk_op_container_##verb(struct kk_local *l, const struct kk_ref *a,                 \
				   struct kk_action_result *r, struct kk_err *err)             \
	{                                                                                      \
		if (kk_ctl_container_##verb(l, a->realm, a->space, a->stack, a->cell, a->name, \
					    err) < 0)                                          \
			return -1;                                                             \
		kk_events_record(l, "Container" past, a->realm, a->space, a->stack, a->cell,   \
				 a->name);                                                     \
		r->done = true;                                                                \
		return 0;                                                                      \
	}
CELL_ACTION(start, "Started")
CELL_ACTION(stop, "Stopped")
CELL_ACTION(kill, "Killed")
#undef CELL_ACTION

int kk_op_container_attach(struct kk_local *l, const struct kk_ref *a, struct kk_attach_result *r,
			   struct kk_err *err)
{
	return kk_ctl_container_attach_path(l, a->realm, a->space, a->stack, a->cell, a->name,
					    &r->socket_path, err);
}

int kk_op_container_log(struct kk_local *l, const struct kk_ref *a, struct kk_log_result *r,
			struct kk_err *err)
{
	bool capture = false;
	char *path = NULL;

	if (kk_ctl_cell_log_path(l, a->realm, a->space, a->stack, a->cell, a->name, &path, &capture,
				 err) < 0)
		return -1;
	if (capture)
		r->capture_path = path;
	else
		r->log_path = path;
	return 0;
}

/* A cell or container delete or purge that succeeded is an event. */
static int cell_event(int rc, struct kk_local *l, const char *type, const struct kk_ref *a,
		      bool container)
{
	if (rc == 0)
		kk_events_record(l, type, a->realm, a->space, a->stack,
				 container ? a->cell : a->name, container ? a->name : NULL);
	return rc;
}

/* A delete or purge that failed leaves nothing in the reply (upstream's zero Result). */
static int removed(int rc, struct kk_delete_result *r)
{
	if (rc < 0)
		kk_delete_result_clear(r);
	return rc;
}

/* A purge also reports the flags it ran with and that it succeeded, as upstream's. */
static int purged(int rc, const struct kk_ref *a, struct kk_delete_result *r)
{
	r->purge_succeeded = rc == 0;
	r->force = a->force;
	r->cascade = a->cascade;
	return removed(rc, r);
}

int kk_op_realm_delete(struct kk_local *l, const struct kk_ref *a, struct kk_delete_result *r,
		       struct kk_err *err)
{
	return removed(kk_ctl_realm_delete(l, a->name, a->force, a->cascade, r, err), r);
}

int kk_op_space_delete(struct kk_local *l, const struct kk_ref *a, struct kk_delete_result *r,
		       struct kk_err *err)
{
	return removed(kk_ctl_space_delete(l, a->realm, a->name, a->force, a->cascade, r, err), r);
}

int kk_op_stack_delete(struct kk_local *l, const struct kk_ref *a, struct kk_delete_result *r,
		       struct kk_err *err)
{
	return removed(kk_ctl_stack_delete(l, a->realm, a->space, a->name, a->force, a->cascade, r,
					   err),
		       r);
}

int kk_op_cell_delete(struct kk_local *l, const struct kk_ref *a, struct kk_delete_result *r,
		      struct kk_err *err)
{
	return cell_event(removed(kk_ctl_cell_delete(l, a->realm, a->space, a->stack, a->name, r,
						     err),
				  r),
			  l, "CellDeleted", a, false);
}

int kk_op_container_delete(struct kk_local *l, const struct kk_ref *a, struct kk_delete_result *r,
			   struct kk_err *err)
{
	return cell_event(removed(kk_ctl_container_delete(l, a->realm, a->space, a->stack, a->cell,
							  a->name, r, err),
				  r),
			  l, "ContainerDeleted", a, true);
}

int kk_op_realm_purge(struct kk_local *l, const struct kk_ref *a, struct kk_delete_result *r,
		      struct kk_err *err)
{
	return purged(kk_ctl_realm_purge(l, a->name, a->force, a->cascade, r, err), a, r);
}

int kk_op_space_purge(struct kk_local *l, const struct kk_ref *a, struct kk_delete_result *r,
		      struct kk_err *err)
{
	return purged(kk_ctl_space_purge(l, a->realm, a->name, a->force, a->cascade, r, err), a, r);
}

int kk_op_stack_purge(struct kk_local *l, const struct kk_ref *a, struct kk_delete_result *r,
		      struct kk_err *err)
{
	return purged(kk_ctl_stack_purge(l, a->realm, a->space, a->name, a->force, a->cascade, r,
					 err),
		      a, r);
}

int kk_op_cell_purge(struct kk_local *l, const struct kk_ref *a, struct kk_delete_result *r,
		     struct kk_err *err)
{
	return cell_event(purged(kk_ctl_cell_purge(l, a->realm, a->space, a->stack, a->name, r,
						   err),
				 a, r),
			  l, "CellPurged", a, false);
}

int kk_op_container_purge(struct kk_local *l, const struct kk_ref *a, struct kk_delete_result *r,
			  struct kk_err *err)
{
	return cell_event(purged(kk_ctl_container_purge(l, a->realm, a->space, a->stack, a->cell,
							a->name, r, err),
				 a, r),
			  l, "ContainerPurged", a, true);
}

int kk_op_refresh(struct kk_local *l, const struct kk_no_args *a, struct kk_refresh_result *r,
		  struct kk_err *err)
{
	(void)a;
	return kk_ctl_refresh(l, r, err);
}
