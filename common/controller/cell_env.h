/* common/controller/cell_env.h - what the cell, container and refresh flows share: loading a
 * cell with everything a runtime call on it needs (realm namespace, space defaults and
 * conflist, the derived kk_rt_cell), and writing what the runtime reports into its status.
 * Internal to common/controller/. */
#ifndef KK_COMMON_CONTROLLER_CELL_ENV_H
#define KK_COMMON_CONTROLLER_CELL_ENV_H

#include <stdbool.h>

#include "common/cni/cni.h"
#include "common/controller/hierarchy.h"
#include "common/runtime/runtime.h"
#include "common/store/store.h"

/* upstream's default root image, used for a cell without containers (never pulled) */
#define KK_CELL_DEFAULT_ROOT_IMAGE "docker.io/library/busybox:latest"

/* What one runtime call on a cell needs; release with kk_cell_env_clear(). */
struct kk_cell_env {
	char *realm, *space, *stack, *name;
	struct kk_store_ref ref;
	struct kk_realm *r;
	struct kk_space *s;
	struct kk_cell *cell;
	struct ctr_conn *conn;
	struct kk_cni_host cni;
	struct kk_rt rt;
	struct kk_rt_cell rc;
	struct kk_rt_cell_paths paths;
	bool unreadable; /* its metadata.json is there but cannot be read or decoded */
	/* set by the caller before kk_cell_env_load: the container whose journal record it
	 * finishes itself (a delete or purge of it), not recovered by the load */
	const char *journal_own;
};

void kk_cell_env_clear(struct kk_cell_env *e);
/* Validate the names (NULL or "" scope: "default") and fill e->realm ... e->ref. */
int kk_cell_env_names(struct kk_cell_env *e, const char *realm, const char *space,
		      const char *stack, const char *name, struct kk_err *err);
/* Load realm and space (namespace, defaults) and connect to containerd in the realm's
 * namespace; e->cell must be set. */
int kk_cell_env_runtime(struct kk_local *l, struct kk_cell_env *e, struct kk_err *err);
/* Live statuses into e->cell (not persisted; updated_at kept) and, when ip is not NULL, the
 * cell's IP: true when containerd answered, false (the reason logged at debug level) when
 * the stored statuses stand. e->cell must be set. */
bool kk_cell_env_status_live(struct kk_local *l, struct kk_cell_env *e, char *ip, size_t ip_size);
/* Derive e->rc (and e->paths) again from e->cell, after its spec changed: e->rc points
 * into the cell's container array. */
void kk_cell_env_rederive(struct kk_local *l, struct kk_cell_env *e);
/* Names, then (held not NULL) kk_cell_prepare, the cell's store lock (*held, for
 * cleanup_(kk_store_unlockp)) and the recovery of its containers' journal records but
 * e->journal_own's (journal.h), then the stored cell into e->cell: 1 when loaded, 0 when
 * absent (must_exist: -1 with kk_cell_not_found's error). */
int kk_cell_env_load(struct kk_local *l, struct kk_cell_env *e, const char *realm,
		     const char *space, const char *stack, const char *name, bool must_exist,
		     struct kk_store **held, struct kk_err *err);
/* Names, then the cell's store lock (*held, for cleanup_(kk_store_unlockp)), then the stored
 * cell (must_exist: ENOENT when absent, else a bare cell), kk_cell_prepare and
 * kk_cell_env_runtime. */
int kk_cell_env_open(struct kk_local *l, struct kk_cell_env *e, const char *realm,
		     const char *space, const char *stack, const char *name, bool must_exist,
		     struct kk_store **held, struct kk_err *err);

/* Load the cell into e (kk_cell_env_load, must exist) and pick its container called
 * container, or (NULL or "") its only non-root one (upstream's "no attachable container" /
 * "multiple attachable containers" errors otherwise); *dir is the cell dir (new). */
int kk_cell_pick_container(struct kk_local *l, struct kk_cell_env *e, const char *realm,
			   const char *space, const char *stack, const char *name,
			   const char *container, const struct kk_container_spec **out, char **dir,
			   struct kk_err *err);

/* Every declared container's image is in the realm's namespace, pulled if missing
 * (the default root image is not pulled). */
int kk_cell_env_images(struct kk_cell_env *e, struct kk_err *err);

/* s, or "default" when NULL or "". */
const char *kk_cell_scope(const char *s);
/* The instance file and the cgroup handle, once per kk_local. */
int kk_cell_prepare(struct kk_local *l, struct kk_err *err);
/* Write the cell's metadata.json. */
int kk_cell_put(struct kk_local *l, const struct kk_store_ref *ref, const struct kk_cell *c,
		struct kk_err *err);
/* ENOENT `cell "<n>" not found in realm "<r>", space "<s>", stack "<t>"`. */
int kk_cell_not_found(struct kk_err *err, const struct kk_store_ref *ref);
/* Copy what the runtime reports into the cell's status: state, containers, the cell IP
 * (status.network.ipAddress; cleared when the root task is not running). info NULL (the
 * runtime could not tell): only the IP is cleared. A container whose task was released
 * keeps the exit code, signal and finish time recorded before. Degraded: a Ready cell
 * with a non-root container down that should run (non-zero exit, or a policy that
 * restarts it), or a Stopped one (seen Ready, root running) with a container whose policy
 * restarts the exit it just made (reconcile.h). Ready and Degraded latch readyObserved. */
void kk_cell_status_fill(struct kk_cell *c, const struct kk_rt_cell_info *info, const char *cgroup);
/* Whether restartPolicy (NULL, "", "never", "on-failure", "always") restarts a container
 * that exited with exit_code. */
bool kk_restart_policy_wants(const char *policy, int64_t exit_code);
/* Status from containerd, written with the metadata (Unknown when containerd fails). */
int kk_cell_status_store(struct kk_local *l, struct kk_cell_env *e, struct kk_err *err);
/* Replace dst's containers (and rootContainerId) with deep copies of src's. */
void kk_cell_containers_copy(struct kk_cell_spec *dst, const struct kk_cell_spec *src);
/* The spec as compact JSON, for equality checks. A new string. */
char *kk_container_spec_text(const struct kk_container_spec *c);
/* The cell's declared root container: the one rootContainerId names, else the root: true
 * one (the runtime's order); NULL when the cell runs the default root. */
const struct kk_container_spec *kk_cell_root(const struct kk_cell_spec *s);
/* Replace dst with a deep copy of src (through the codec: one definition of a spec). */
void kk_container_spec_copy(struct kk_container_spec *dst, const struct kk_container_spec *src);
/* Remove container i from s. */
void kk_cell_spec_remove(struct kk_cell_spec *s, size_t i);
/* The container with that spec id, or NULL. */
const struct kk_container_spec *kk_cell_find_container(const struct kk_cell_spec *s,
						       const char *id);

#endif
