/* common/controller/cell.h - cells: create (metadata + the runtime's start), get, list,
 * start, stop, kill, delete, purge (upstream's controller for the Cell kind, v0.5.0).
 *
 * Same shape as hierarchy.h: names validated first, the stack must exist, the store is held
 * under its flock for mutations, and metadata.json is the commit point: a create whose
 * runtime start fails leaves nothing (the runtime undoes its own work), and one whose
 * metadata write fails deletes what the runtime made. Status (state, containers, cgroup)
 * comes from kk_rt_cell_status and is written with the metadata. */
#ifndef KK_COMMON_CONTROLLER_CELL_H
#define KK_COMMON_CONTROLLER_CELL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/controller/hierarchy.h"

struct kk_cell_create_result {
	struct kk_cell *cell; /* owned: the cell as stored after the call */
	bool metadata_exists_pre, metadata_exists_post;
	bool cgroup_exists_pre, cgroup_exists_post;
	bool started;
	bool created;
	bool root_container_exists_pre; /* the root's containerd container was there before */
	char ip[INET_ADDRSTRLEN];       /* the cell IP, "" if none */
};
struct kk_cell_get_result {
	struct kk_cell *cell; /* owned; status refreshed from containerd (not persisted) */
	char ip[INET_ADDRSTRLEN];
};
/* What an update changed, as `kuke apply` reports it (reference CLI §3.3, §10.2). */
struct kk_cell_update_result {
	char **changes;     /* NULL: nothing changed (apply prints `unchanged`) */
	char **detail_keys; /* parallel to detail_values: apply's Details map */
	char **detail_values;
	bool details_set; /* Details is a map (maybe empty) rather than null */
};
void kk_cell_create_result_clear(struct kk_cell_create_result *r);
void kk_cell_update_result_clear(struct kk_cell_update_result *r);
void kk_cell_get_result_clear(struct kk_cell_get_result *r);

/* Create or ensure, then start. req->meta.name, spec.realmId/spaceId/stackId (NULL or "":
 * "default"), spec.containers and labels are used; an existing cell keeps its stored spec.
 * With inject_labels the kukeon.io labels are added when absent. */
int kk_ctl_cell_create(struct kk_local *l, const struct kk_cell *req, bool inject_labels,
		       struct kk_cell_create_result *res, struct kk_err *err);
/* ENOENT `cell "<n>" not found in realm "<r>", space "<s>", stack "<t>"`. */
int kk_ctl_cell_get(struct kk_local *l, const char *realm, const char *space, const char *stack,
		    const char *name, struct kk_cell_get_result *res, struct kk_err *err);
/* NULL filters: every realm/space/stack. Stored metadata only. */
int kk_ctl_cell_list(struct kk_local *l, const char *realm, const char *space, const char *stack,
		     struct kk_cell ***out, size_t *n, struct kk_err *err);
void kk_cell_list_free(struct kk_cell **v, size_t n);
/* Reconcile an existing cell with desired (upstream's apply of a Cell, reference runtime
 * §3.7), filling *res with upstream's change strings:
 *  - root container (root: true) image/command/args changed, or one added: the cell is
 *    deleted from the host and created again from desired, then started:
 *    `root container recreated`;
 *  - user labels (keys not ending in `.kukeon.io`) differ: `metadata.labels`, persisted
 *    (the stored `*.kukeon.io` labels are kept);
 *  - non-root containers: `container "<id>" added`, `container "<id>" updated: <fields>`
 *    (changed fields are recreated), `container "<id>" removed`; the cell is started;
 *  - nothing differs but the cell is Stopped: it is started again,
 *    `runtime stopped: containers re-materialized` and `container "<id>" re-materialized`
 *    per non-root container;
 *  - otherwise nothing is done and res->changes stays NULL. */
int kk_ctl_cell_update(struct kk_local *l, const struct kk_cell *desired,
		       struct kk_cell_update_result *res, struct kk_err *err);
int kk_ctl_cell_start(struct kk_local *l, const char *realm, const char *space, const char *stack,
		      const char *name, struct kk_err *err);
int kk_ctl_cell_stop(struct kk_local *l, const char *realm, const char *space, const char *stack,
		     const char *name, struct kk_err *err);
int kk_ctl_cell_kill(struct kk_local *l, const char *realm, const char *space, const char *stack,
		     const char *name, struct kk_err *err);
/* Runtime delete (tasks, containers, CNI DEL, cgroup), then the metadata. */
int kk_ctl_cell_delete(struct kk_local *l, const char *realm, const char *space, const char *stack,
		       const char *name, struct kk_delete_result *res, struct kk_err *err);
/* Delete ignoring errors, plus orphans, CNI cache and IPs; works without metadata. */
int kk_ctl_cell_purge(struct kk_local *l, const char *realm, const char *space, const char *stack,
		      const char *name, struct kk_delete_result *res, struct kk_err *err);

/* Where a container's output is: kuketty's capture (<cell dir>/<container>/tty/capture,
 * *capture true) for an attachable container, else the shim's log (<cell dir>/<container>/
 * log); container NULL or "": the one non-root container (several: "multiple attachable
 * containers ..."). *out is new. */
int kk_ctl_cell_log_path(struct kk_local *l, const char *realm, const char *space,
			 const char *stack, const char *name, const char *container, char **out,
			 bool *capture, struct kk_err *err);
/* Where an attachable container's kuketty socket is (<cell dir>/<container>/tty/socket);
 * ENOTSUP with upstream's message for a container that is not attachable. *out is new. */
int kk_ctl_container_attach_path(struct kk_local *l, const char *realm, const char *space,
				 const char *stack, const char *cell, const char *name, char **out,
				 struct kk_err *err);

#endif
