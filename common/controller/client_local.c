/* common/controller/client_local.c - the in-process client: each operation is the
 * controller's own function. */
#include "common/controller/client.h"

#include <stdlib.h>

#include "common/cleanup.h"
#include "common/mem.h"

static struct kk_local *L(struct kk_client *c)
{
	return c->impl;
}

static int realm_create(struct kk_client *c, const struct kk_realm *req, bool inject,
			struct kk_realm_create_result *res, struct kk_err *err)
{
	return kk_ctl_realm_create(L(c), req, inject, res, err);
}
static int realm_get(struct kk_client *c, const char *name, struct kk_realm_get_result *res,
		     struct kk_err *err)
{
	return kk_ctl_realm_get(L(c), name, res, err);
}
static int realm_list(struct kk_client *c, struct kk_realm ***out, size_t *n, struct kk_err *err)
{
	return kk_ctl_realm_list(L(c), out, n, err);
}
static int realm_update(struct kk_client *c, const struct kk_realm *d, struct kk_err *err)
{
	return kk_ctl_realm_update(L(c), d, err);
}
static int realm_delete(struct kk_client *c, const char *name, bool force, bool cascade,
			struct kk_delete_result *res, struct kk_err *err)
{
	return kk_ctl_realm_delete(L(c), name, force, cascade, res, err);
}
static int realm_purge(struct kk_client *c, const char *name, bool force, bool cascade,
		       struct kk_delete_result *res, struct kk_err *err)
{
	return kk_ctl_realm_purge(L(c), name, force, cascade, res, err);
}

static int space_create(struct kk_client *c, const struct kk_space *req, bool inject,
			struct kk_space_create_result *res, struct kk_err *err)
{
	return kk_ctl_space_create(L(c), req, inject, res, err);
}
static int space_get(struct kk_client *c, const char *realm, const char *name,
		     struct kk_space_get_result *res, struct kk_err *err)
{
	return kk_ctl_space_get(L(c), realm, name, res, err);
}
static int space_list(struct kk_client *c, const char *realm, struct kk_space ***out, size_t *n,
		      struct kk_err *err)
{
	return kk_ctl_space_list(L(c), realm, out, n, err);
}
static int space_update(struct kk_client *c, const struct kk_space *d, struct kk_err *err)
{
	return kk_ctl_space_update(L(c), d, err);
}
static int space_delete(struct kk_client *c, const char *realm, const char *name, bool force,
			bool cascade, struct kk_delete_result *res, struct kk_err *err)
{
	return kk_ctl_space_delete(L(c), realm, name, force, cascade, res, err);
}
static int space_purge(struct kk_client *c, const char *realm, const char *name, bool force,
		       bool cascade, struct kk_delete_result *res, struct kk_err *err)
{
	return kk_ctl_space_purge(L(c), realm, name, force, cascade, res, err);
}

static int stack_create(struct kk_client *c, const struct kk_stack *req, bool inject,
			struct kk_stack_create_result *res, struct kk_err *err)
{
	return kk_ctl_stack_create(L(c), req, inject, res, err);
}
static int stack_get(struct kk_client *c, const char *realm, const char *space, const char *name,
		     struct kk_stack_get_result *res, struct kk_err *err)
{
	return kk_ctl_stack_get(L(c), realm, space, name, res, err);
}
static int stack_list(struct kk_client *c, const char *realm, const char *space,
		      struct kk_stack ***out, size_t *n, struct kk_err *err)
{
	return kk_ctl_stack_list(L(c), realm, space, out, n, err);
}
static int stack_update(struct kk_client *c, const struct kk_stack *d, struct kk_err *err)
{
	return kk_ctl_stack_update(L(c), d, err);
}
static int stack_delete(struct kk_client *c, const char *realm, const char *space, const char *name,
			bool force, bool cascade, struct kk_delete_result *res, struct kk_err *err)
{
	return kk_ctl_stack_delete(L(c), realm, space, name, force, cascade, res, err);
}
static int stack_purge(struct kk_client *c, const char *realm, const char *space, const char *name,
		       bool force, bool cascade, struct kk_delete_result *res, struct kk_err *err)
{
	return kk_ctl_stack_purge(L(c), realm, space, name, force, cascade, res, err);
}

static void local_free(struct kk_client *c)
{
	kk_local_free(L(c));
}

static int cell_create(struct kk_client *c, const struct kk_cell *req, bool inject,
		       struct kk_cell_create_result *res, struct kk_err *err)
{
	return kk_ctl_cell_create(L(c), req, inject, res, err);
}
static int cell_get(struct kk_client *c, const char *r, const char *s, const char *t,
		    const char *name, struct kk_cell_get_result *res, struct kk_err *err)
{
	return kk_ctl_cell_get(L(c), r, s, t, name, res, err);
}
static int cell_list(struct kk_client *c, const char *r, const char *s, const char *t,
		     struct kk_cell ***out, size_t *n, struct kk_err *err)
{
	return kk_ctl_cell_list(L(c), r, s, t, out, n, err);
}
static int cell_update(struct kk_client *c, const struct kk_cell *d,
		       struct kk_cell_update_result *res, struct kk_err *err)
{
	return kk_ctl_cell_update(L(c), d, res, err);
}
static int cell_start(struct kk_client *c, const char *r, const char *s, const char *t,
		      const char *name, struct kk_err *err)
{
	return kk_ctl_cell_start(L(c), r, s, t, name, err);
}
static int cell_stop(struct kk_client *c, const char *r, const char *s, const char *t,
		     const char *name, struct kk_err *err)
{
	return kk_ctl_cell_stop(L(c), r, s, t, name, err);
}
static int cell_kill(struct kk_client *c, const char *r, const char *s, const char *t,
		     const char *name, struct kk_err *err)
{
	return kk_ctl_cell_kill(L(c), r, s, t, name, err);
}
static int cell_delete(struct kk_client *c, const char *r, const char *s, const char *t,
		       const char *name, struct kk_delete_result *res, struct kk_err *err)
{
	return kk_ctl_cell_delete(L(c), r, s, t, name, res, err);
}
static int cell_purge(struct kk_client *c, const char *r, const char *s, const char *t,
		      const char *name, struct kk_delete_result *res, struct kk_err *err)
{
	return kk_ctl_cell_purge(L(c), r, s, t, name, res, err);
}
static int cell_log(struct kk_client *c, const char *r, const char *s, const char *t,
		    const char *name, const char *container, int fd, bool follow,
		    bool (*stop)(void *), void *arg, struct kk_err *err)
{
	return kk_ctl_cell_log(L(c), r, s, t, name, container, fd, follow, stop, arg, err);
}

static int container_create(struct kk_client *c, const struct kk_container *req,
			    struct kk_container_create_result *res, struct kk_err *err)
{
	return kk_ctl_container_create(L(c), req, res, err);
}
static int container_get(struct kk_client *c, const char *r, const char *s, const char *t,
			 const char *cell, const char *name, struct kk_container_get_result *res,
			 struct kk_err *err)
{
	return kk_ctl_container_get(L(c), r, s, t, cell, name, res, err);
}
static int container_list(struct kk_client *c, const char *r, const char *s, const char *t,
			  const char *cell, struct kk_container ***out, size_t *n,
			  struct kk_err *err)
{
	return kk_ctl_container_list(L(c), r, s, t, cell, out, n, err);
}
static int container_update(struct kk_client *c, const struct kk_container *d, char ***changes,
			    struct kk_err *err)
{
	return kk_ctl_container_update(L(c), d, changes, err);
}
static int container_start(struct kk_client *c, const char *r, const char *s, const char *t,
			   const char *cell, const char *name, struct kk_err *err)
{
	return kk_ctl_container_start(L(c), r, s, t, cell, name, err);
}
static int container_stop(struct kk_client *c, const char *r, const char *s, const char *t,
			  const char *cell, const char *name, struct kk_err *err)
{
	return kk_ctl_container_stop(L(c), r, s, t, cell, name, err);
}
static int container_kill(struct kk_client *c, const char *r, const char *s, const char *t,
			  const char *cell, const char *name, struct kk_err *err)
{
	return kk_ctl_container_kill(L(c), r, s, t, cell, name, err);
}
static int container_delete(struct kk_client *c, const char *r, const char *s, const char *t,
			    const char *cell, const char *name, struct kk_delete_result *res,
			    struct kk_err *err)
{
	return kk_ctl_container_delete(L(c), r, s, t, cell, name, res, err);
}
static int container_purge(struct kk_client *c, const char *r, const char *s, const char *t,
			   const char *cell, const char *name, struct kk_delete_result *res,
			   struct kk_err *err)
{
	return kk_ctl_container_purge(L(c), r, s, t, cell, name, res, err);
}
static int refresh(struct kk_client *c, struct kk_refresh_result *res, struct kk_err *err)
{
	return kk_ctl_refresh(L(c), res, err);
}

static const struct kk_client_ops local_ops = {
	.transport = "in-process",
	.realm_create = realm_create,
	.realm_get = realm_get,
	.realm_list = realm_list,
	.realm_update = realm_update,
	.realm_delete = realm_delete,
	.realm_purge = realm_purge,
	.space_create = space_create,
	.space_get = space_get,
	.space_list = space_list,
	.space_update = space_update,
	.space_delete = space_delete,
	.space_purge = space_purge,
	.stack_create = stack_create,
	.stack_get = stack_get,
	.stack_list = stack_list,
	.stack_update = stack_update,
	.stack_delete = stack_delete,
	.stack_purge = stack_purge,
	.cell_create = cell_create,
	.cell_get = cell_get,
	.cell_list = cell_list,
	.cell_update = cell_update,
	.cell_start = cell_start,
	.cell_stop = cell_stop,
	.cell_kill = cell_kill,
	.cell_delete = cell_delete,
	.cell_purge = cell_purge,
	.cell_log = cell_log,
	.container_create = container_create,
	.container_get = container_get,
	.container_list = container_list,
	.container_update = container_update,
	.container_start = container_start,
	.container_stop = container_stop,
	.container_kill = container_kill,
	.container_delete = container_delete,
	.container_purge = container_purge,
	.refresh = refresh,
	.free = local_free,
};

int kk_client_local_new(const struct kk_local_opts *opts, struct kk_client **out,
			struct kk_err *err)
{
	struct kk_local *l = NULL;
	struct kk_client *c;

	if (kk_local_new(opts, &l, err) < 0)
		return -1;
	c = kk_xcalloc(1, sizeof(*c));
	c->ops = &local_ops;
	c->impl = l;
	*out = c;
	return 0;
}

void kk_client_free(struct kk_client *c)
{
	if (!c)
		return;
	c->ops->free(c);
	free(c);
}

void kk_client_freep(struct kk_client **c)
{
	kk_client_free(*c);
	*c = NULL;
}
