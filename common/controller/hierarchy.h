/* common/controller/hierarchy.h - realms, spaces and stacks: create, get, list, delete,
 * purge (upstream's controller Exec and runner for these kinds, v0.5.0).
 *
 * Create is "ensure": run again it completes what a crash left half done. New objects are
 * made in the order containerd namespace / conflist -> cgroup -> metadata.json, so the
 * metadata file is the commit point; a failure undoes what this call made (forward goto)
 * and leaves what existed before. Results own their documents; release with _clear(). */
#ifndef KK_COMMON_CONTROLLER_HIERARCHY_H
#define KK_COMMON_CONTROLLER_HIERARCHY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/controller/local.h"
#include "common/err.h"
#include "common/model/model.h"

/* What a create of a realm, space or stack found and left at the level itself: its metadata
 * and its cgroup (what only one kind has, a realm's containerd namespace or a space's
 * network, sits beside it in that kind's result). created: the metadata is new. */
struct kk_level_outcome {
	bool metadata_exists_pre, metadata_exists_post;
	bool cgroup_exists_pre, cgroup_exists_post, cgroup_created;
	bool created;
};

/* ---- realm ---- */
struct kk_realm_create_result {
	struct kk_realm *realm; /* owned: the realm as stored after the call */
	struct kk_level_outcome level;
	bool ns_exists_pre, ns_exists_post, ns_created;
};
struct kk_realm_get_result {
	struct kk_realm *realm; /* owned */
};
/* What a delete or purge of any kind did: one struct for the ten methods, each of which
 * travels with its own keys (runtime reference §1.3, common/rpc/ops_wire.c). The kk_ctl_
 * functions may fill part of it before they fail: release it with kk_delete_result_clear()
 * either way (the kk_op_ ones clear it on failure themselves). */
struct kk_delete_result {
	/* owned: the object as it was found before it went (the method's kind; NULL: none) */
	struct kk_realm *realm;
	struct kk_space *space;
	struct kk_stack *stack;
	struct kk_cell *cell;
	struct kk_container *container;
	char *realm_name, *space_name, *stack_name; /* owned: delete space/stack's names */
	bool metadata_deleted, cgroup_deleted, ns_deleted, cni_deleted; /* what really went */
	bool containers_deleted;                             /* cell: it had containers */
	bool cell_metadata_exists, container_exists;         /* container */
	bool realm_deleted, purge_succeeded, force, cascade; /* purge */
	size_t n_cascaded;                                   /* children deleted with --cascade */
	/* owned: upstream's fixed tokens (`space:<n>`..., `metadata`, ...); [] when a call
	 * that has the key succeeded with none, NULL after a failure */
	char **deleted;
	char **purged;  /* owned: purge: upstream's fixed tokens */
	char **cleaned; /* owned: purge: what was found and removed (kukeon-c; kuke prints it) */
};
void kk_realm_create_result_clear(struct kk_realm_create_result *r);
void kk_realm_get_result_clear(struct kk_realm_get_result *r);
void kk_delete_result_clear(struct kk_delete_result *r);

/* Create or ensure. req->meta.name and spec.namespace (empty: "<name>.<suffix>") are used;
 * the rest of an existing realm's spec is kept (upstream ignores it). With inject_labels
 * (the create command, not apply) `realm.kukeon.io=<namespace>` is added when absent. */
int kk_ctl_realm_create(struct kk_local *l, const struct kk_realm *req, bool inject_labels,
			struct kk_realm_create_result *res, struct kk_err *err);
/* ENOENT `realm "<n>" not found` when its metadata is missing. */
int kk_ctl_realm_get(struct kk_local *l, const char *name, struct kk_realm_get_result *res,
		     struct kk_err *err);
/* Every realm with readable metadata, in name order. *out is a new array of *n realms. */
int kk_ctl_realm_list(struct kk_local *l, struct kk_realm ***out, size_t *n, struct kk_err *err);
void kk_realm_list_free(struct kk_realm **v, size_t n);
/* Replace labels and registry credentials of an existing realm (apply's compatible update). */
int kk_ctl_realm_update(struct kk_local *l, const struct kk_realm *desired, struct kk_err *err);
int kk_ctl_realm_delete(struct kk_local *l, const char *name, bool force, bool cascade,
			struct kk_delete_result *res, struct kk_err *err);
int kk_ctl_realm_purge(struct kk_local *l, const char *name, bool force, bool cascade,
		       struct kk_delete_result *res, struct kk_err *err);

/* ---- space ---- */
struct kk_space_create_result {
	struct kk_space *space; /* owned */
	struct kk_level_outcome level;
	bool cni_exists_pre, cni_exists_post, cni_created;
};
struct kk_space_get_result {
	struct kk_space *space; /* owned */
};
void kk_space_create_result_clear(struct kk_space_create_result *r);
void kk_space_get_result_clear(struct kk_space_get_result *r);

/* The realm must exist (`realm "<r>" not found`). spec.network.egress is validated before
 * anything is made; spec.defaults is stored as given. */
int kk_ctl_space_create(struct kk_local *l, const struct kk_space *req, bool inject_labels,
			struct kk_space_create_result *res, struct kk_err *err);
int kk_ctl_space_get(struct kk_local *l, const char *realm, const char *name,
		     struct kk_space_get_result *res, struct kk_err *err);
/* realm NULL: every realm's spaces. */
int kk_ctl_space_list(struct kk_local *l, const char *realm, struct kk_space ***out, size_t *n,
		      struct kk_err *err);
void kk_space_list_free(struct kk_space **v, size_t n);
int kk_ctl_space_update(struct kk_local *l, const struct kk_space *desired, struct kk_err *err);
int kk_ctl_space_delete(struct kk_local *l, const char *realm, const char *name, bool force,
			bool cascade, struct kk_delete_result *res, struct kk_err *err);
int kk_ctl_space_purge(struct kk_local *l, const char *realm, const char *name, bool force,
		       bool cascade, struct kk_delete_result *res, struct kk_err *err);

/* ---- stack ---- */
struct kk_stack_create_result {
	struct kk_stack *stack; /* owned */
	struct kk_level_outcome level;
};
struct kk_stack_get_result {
	struct kk_stack *stack; /* owned */
};
void kk_stack_create_result_clear(struct kk_stack_create_result *r);
void kk_stack_get_result_clear(struct kk_stack_get_result *r);

/* The space must exist (`space "<s>" not found in realm "<r>"`). */
int kk_ctl_stack_create(struct kk_local *l, const struct kk_stack *req, bool inject_labels,
			struct kk_stack_create_result *res, struct kk_err *err);
int kk_ctl_stack_get(struct kk_local *l, const char *realm, const char *space, const char *name,
		     struct kk_stack_get_result *res, struct kk_err *err);
/* realm/space NULL: no filter at that level. */
int kk_ctl_stack_list(struct kk_local *l, const char *realm, const char *space,
		      struct kk_stack ***out, size_t *n, struct kk_err *err);
void kk_stack_list_free(struct kk_stack **v, size_t n);
int kk_ctl_stack_update(struct kk_local *l, const struct kk_stack *desired, struct kk_err *err);
int kk_ctl_stack_delete(struct kk_local *l, const char *realm, const char *space, const char *name,
			bool force, bool cascade, struct kk_delete_result *res, struct kk_err *err);
int kk_ctl_stack_purge(struct kk_local *l, const char *realm, const char *space, const char *name,
		       bool force, bool cascade, struct kk_delete_result *res, struct kk_err *err);

#endif
