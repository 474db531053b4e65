/* common/controller/hierarchy.h - realms, spaces and stacks: create, get, list, delete,
 * purge (upstream's controller Exec and runner for these kinds, v0.5.0).
 *
 * struct kk_local is the in-process controller: the run path's store, the cgroup2 mount and
 * a containerd connection, opened on first use. One per process and run path (the store's
 * flock belongs to it). kukeond will hold one too; `kuke` reaches it only through the
 * client interface of client.h.
 *
 * Every mutating operation first verifies (or writes) the run path's instance file with the
 * namespace suffix and cgroup root in use: a run path bootstrapped with other values is
 * refused before anything is touched.
 *
 * Create is "ensure": run again it completes what a crash left half done. New objects are
 * made in the order containerd namespace / conflist -> cgroup -> metadata.json, so the
 * metadata file is the commit point; a failure undoes what this call made (forward goto)
 * and leaves what existed before. Results own their documents; release with _clear(). */
#ifndef KK_COMMON_CONTROLLER_HIERARCHY_H
#define KK_COMMON_CONTROLLER_HIERARCHY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "common/log.h"
#include "common/model/model.h"

struct kk_store;
struct kk_cgroup;
struct ctr_conn;

struct kk_local_opts {
	const char *run_path;          /* required */
	const char *containerd_socket; /* required */
	const char *cgroup_mount;      /* NULL: /sys/fs/cgroup */
	const char *cgroup_root;       /* NULL: /kukeon */
	const char *ns_suffix;         /* NULL: kukeon.io */
	const struct kk_log *log;      /* borrowed; NULL = silent */
	const char *cni_plugin_path;   /* NULL: KK_CNI_DEFAULT_PLUGIN_PATH */
	const char *cni_cache_dir;     /* NULL: the compiled-in CNI cache dir */
};

struct kk_store_ref;

struct kk_local {
	char *run_path, *containerd_socket, *cgroup_mount, *cgroup_root, *ns_suffix; /* owned */
	char *cni_plugin_path, *cni_cache_dir;                                       /* owned */
	const struct kk_log *log;
	struct kk_store *store;
	struct kk_cgroup *cg;  /* opened on first use */
	struct ctr_conn *conn; /* opened on first use */
	bool instance_ok;
};

/* The CNI plugin path, cache dir and timeout l uses. */
struct kk_cni_host kk_local_cni_host(const struct kk_local *l);

/* Read and decode the metadata document at ref. Returns 1 with *out set (free it with the
 * kind's free function), 0 when there is none, -1 on error (err names the file). */
int kk_local_load_realm(struct kk_local *l, const struct kk_store_ref *ref, struct kk_realm **out,
			struct kk_err *err);
int kk_local_load_space(struct kk_local *l, const struct kk_store_ref *ref, struct kk_space **out,
			struct kk_err *err);
int kk_local_load_stack(struct kk_local *l, const struct kk_store_ref *ref, struct kk_stack **out,
			struct kk_err *err);
int kk_local_load_cell(struct kk_local *l, const struct kk_store_ref *ref, struct kk_cell **out,
		       struct kk_err *err);
/* Write tree (taken: freed here) as ref's metadata.json, indented as upstream writes it. */
int kk_local_put(struct kk_local *l, const struct kk_store_ref *ref, struct cJSON *tree,
		 struct kk_err *err);

/* The store refs `depth` levels down (1 realm, 2 space, 3 stack, 4 cell), in store order: what
 * the list operations walk. A name set in filter takes that level to that one name, unchecked.
 * A level that cannot be listed fails the walk, or with skip_bad_leaf is passed over when it
 * is the last one (cells, as upstream's cell list). The refs point into names. */
struct kk_ref_walk {
	struct kk_store_ref *v;
	size_t n;
	char **names; /* owned */
};
int kk_local_walk(struct kk_local *l, const struct kk_store_ref *filter, int depth,
		  bool skip_bad_leaf, struct kk_ref_walk *out, struct kk_err *err);
void kk_ref_walk_clear(struct kk_ref_walk *w);

/* Copies the options; checks suffix and cgroup root as upstream's ConfigureRuntime. */
int kk_local_new(const struct kk_local_opts *opts, struct kk_local **out, struct kk_err *err);
void kk_local_free(struct kk_local *l);
void kk_local_freep(struct kk_local **l);

/* ---- realm ---- */
struct kk_realm_create_result {
	struct kk_realm *realm; /* owned: the realm as stored after the call */
	bool metadata_exists_pre, metadata_exists_post;
	bool cgroup_exists_pre, cgroup_exists_post, cgroup_created;
	bool ns_exists_pre, ns_exists_post, ns_created;
	bool created;
};
struct kk_realm_get_result {
	struct kk_realm *realm; /* owned */
};
struct kk_delete_result {
	bool metadata_deleted, cgroup_deleted, ns_deleted, cni_deleted;
	size_t n_cascaded; /* children deleted with --cascade */
	char **purged;     /* purge: extra items removed, upstream's words */
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
	bool metadata_exists_pre, metadata_exists_post;
	bool cgroup_exists_pre, cgroup_exists_post, cgroup_created;
	bool cni_exists_pre, cni_exists_post, cni_created;
	bool created;
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
	bool metadata_exists_pre, metadata_exists_post;
	bool cgroup_exists_pre, cgroup_exists_post, cgroup_created;
	bool created;
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
