/* common/controller/client.h - how applets reach the controller: a table of operations with
 * one implementation per transport. The in-process one (kk_client_local_new) calls
 * common/controller/hierarchy.h directly; the RPC one (kukeond) will fill the same table, so
 * what `kuke` prints never depends on the transport.
 *
 * Requests borrow their arguments; results are the controller's result structs (release
 * them with their _clear()). */
#ifndef KK_COMMON_CONTROLLER_CLIENT_H
#define KK_COMMON_CONTROLLER_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/controller/cell.h"
#include "common/controller/container.h"
#include "common/controller/hierarchy.h"
#include "common/controller/refresh.h"
#include "common/err.h"

struct kk_client;

struct kk_client_ops {
	const char *transport; /* "in-process", "rpc" */
	int (*realm_create)(struct kk_client *c, const struct kk_realm *req, bool inject_labels,
			    struct kk_realm_create_result *res, struct kk_err *err);
	int (*realm_get)(struct kk_client *c, const char *name, struct kk_realm_get_result *res,
			 struct kk_err *err);
	int (*realm_list)(struct kk_client *c, struct kk_realm ***out, size_t *n,
			  struct kk_err *err);
	int (*realm_update)(struct kk_client *c, const struct kk_realm *desired,
			    struct kk_err *err);
	int (*realm_delete)(struct kk_client *c, const char *name, bool force, bool cascade,
			    struct kk_delete_result *res, struct kk_err *err);
	int (*realm_purge)(struct kk_client *c, const char *name, bool force, bool cascade,
			   struct kk_delete_result *res, struct kk_err *err);

	int (*space_create)(struct kk_client *c, const struct kk_space *req, bool inject_labels,
			    struct kk_space_create_result *res, struct kk_err *err);
	int (*space_get)(struct kk_client *c, const char *realm, const char *name,
			 struct kk_space_get_result *res, struct kk_err *err);
	int (*space_list)(struct kk_client *c, const char *realm, struct kk_space ***out, size_t *n,
			  struct kk_err *err);
	int (*space_update)(struct kk_client *c, const struct kk_space *desired,
			    struct kk_err *err);
	int (*space_delete)(struct kk_client *c, const char *realm, const char *name, bool force,
			    bool cascade, struct kk_delete_result *res, struct kk_err *err);
	int (*space_purge)(struct kk_client *c, const char *realm, const char *name, bool force,
			   bool cascade, struct kk_delete_result *res, struct kk_err *err);

	int (*stack_create)(struct kk_client *c, const struct kk_stack *req, bool inject_labels,
			    struct kk_stack_create_result *res, struct kk_err *err);
	int (*stack_get)(struct kk_client *c, const char *realm, const char *space,
			 const char *name, struct kk_stack_get_result *res, struct kk_err *err);
	int (*stack_list)(struct kk_client *c, const char *realm, const char *space,
			  struct kk_stack ***out, size_t *n, struct kk_err *err);
	int (*stack_update)(struct kk_client *c, const struct kk_stack *desired,
			    struct kk_err *err);
	int (*stack_delete)(struct kk_client *c, const char *realm, const char *space,
			    const char *name, bool force, bool cascade,
			    struct kk_delete_result *res, struct kk_err *err);
	int (*stack_purge)(struct kk_client *c, const char *realm, const char *space,
			   const char *name, bool force, bool cascade, struct kk_delete_result *res,
			   struct kk_err *err);

	/* cells: realm/space/stack NULL or "" mean "default" */
	int (*cell_create)(struct kk_client *c, const struct kk_cell *req, bool inject_labels,
			   struct kk_cell_create_result *res, struct kk_err *err);
	int (*cell_get)(struct kk_client *c, const char *realm, const char *space,
			const char *stack, const char *name, struct kk_cell_get_result *res,
			struct kk_err *err);
	int (*cell_list)(struct kk_client *c, const char *realm, const char *space,
			 const char *stack, struct kk_cell ***out, size_t *n, struct kk_err *err);
	int (*cell_update)(struct kk_client *c, const struct kk_cell *desired,
			   struct kk_cell_update_result *res, struct kk_err *err);
	int (*cell_start)(struct kk_client *c, const char *realm, const char *space,
			  const char *stack, const char *name, struct kk_err *err);
	int (*cell_stop)(struct kk_client *c, const char *realm, const char *space,
			 const char *stack, const char *name, struct kk_err *err);
	int (*cell_kill)(struct kk_client *c, const char *realm, const char *space,
			 const char *stack, const char *name, struct kk_err *err);
	int (*cell_delete)(struct kk_client *c, const char *realm, const char *space,
			   const char *stack, const char *name, struct kk_delete_result *res,
			   struct kk_err *err);
	int (*cell_purge)(struct kk_client *c, const char *realm, const char *space,
			  const char *stack, const char *name, struct kk_delete_result *res,
			  struct kk_err *err);
	int (*cell_log)(struct kk_client *c, const char *realm, const char *space,
			const char *stack, const char *name, const char *container, int fd,
			bool follow, bool (*stop)(void *), void *arg, struct kk_err *err);

	/* containers: realm/space/stack NULL or "" mean "default"; cell is required */
	int (*container_create)(struct kk_client *c, const struct kk_container *req,
				struct kk_container_create_result *res, struct kk_err *err);
	int (*container_get)(struct kk_client *c, const char *realm, const char *space,
			     const char *stack, const char *cell, const char *name,
			     struct kk_container_get_result *res, struct kk_err *err);
	int (*container_list)(struct kk_client *c, const char *realm, const char *space,
			      const char *stack, const char *cell, struct kk_container ***out,
			      size_t *n, struct kk_err *err);
	int (*container_update)(struct kk_client *c, const struct kk_container *desired,
				char ***changes, struct kk_err *err);
	int (*container_start)(struct kk_client *c, const char *realm, const char *space,
			       const char *stack, const char *cell, const char *name,
			       struct kk_err *err);
	int (*container_stop)(struct kk_client *c, const char *realm, const char *space,
			      const char *stack, const char *cell, const char *name,
			      struct kk_err *err);
	int (*container_kill)(struct kk_client *c, const char *realm, const char *space,
			      const char *stack, const char *cell, const char *name,
			      struct kk_err *err);
	int (*container_delete)(struct kk_client *c, const char *realm, const char *space,
				const char *stack, const char *cell, const char *name,
				struct kk_delete_result *res, struct kk_err *err);
	int (*container_purge)(struct kk_client *c, const char *realm, const char *space,
			       const char *stack, const char *cell, const char *name,
			       struct kk_delete_result *res, struct kk_err *err);

	/* re-derive every status; res owns its lists (kk_refresh_result_clear) */
	int (*refresh)(struct kk_client *c, struct kk_refresh_result *res, struct kk_err *err);

	void (*free)(struct kk_client *c);
};

struct kk_client {
	const struct kk_client_ops *ops;
	void *impl; /* the transport's state */
};

/* A client running the controller in this process. */
int kk_client_local_new(const struct kk_local_opts *opts, struct kk_client **out,
			struct kk_err *err);
/* NULL is fine. */
void kk_client_free(struct kk_client *c);
void kk_client_freep(struct kk_client **c);

#endif
