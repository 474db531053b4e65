/* common/controller/container.h - containers of a cell: create (merge into the cell and
 * start), get, list, update (apply), start, stop, kill, delete, purge (upstream's
 * controller for the Container kind, v0.5.0, with its quirks fixed: docs/compat.md).
 *
 * Containers have no metadata of their own: they live in their cell's metadata.json
 * (spec.containers + status.containers). Mutations hold the store lock; the cell's
 * metadata.json is the commit point and is written only after the runtime step worked, so
 * a failed create leaves the metadata as it was and nothing in containerd (the runtime
 * undoes its own container, task and snapshot). realm/space/stack NULL or "": "default". */
#ifndef KK_COMMON_CONTROLLER_CONTAINER_H
#define KK_COMMON_CONTROLLER_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/controller/hierarchy.h"

struct kk_container_create_result {
	struct kk_container *container; /* owned: the container as stored, live status */
	bool container_exists_pre, container_exists_post;
	bool created, started;
};
struct kk_container_get_result {
	struct kk_container *container; /* owned: spec without containerdId, live status */
};
void kk_container_create_result_clear(struct kk_container_create_result *r);
void kk_container_get_result_clear(struct kk_container_get_result *r);

/* Merge req (spec.id, else metadata.name; spec.cellId names the cell; every spec field is
 * kept) into the cell and start it joined to the root's namespaces. An id the cell already
 * has is "already existed" (its stored spec is kept) and is started when not running. When
 * the cell's root does not run, the container is only added to the spec (res->started
 * false): the next cell start runs it.
 * Errors: EINVAL `container name is required`, `invalid image reference`, upstream's
 * volume messages `volume source does not exist on the host (volume[0] source "/x")` ...,
 * EEXIST for a second root container, ENOENT `cell "<c>" not found`, and the runtime's
 * (image not in the realm, capability names, sizes). */
int kk_ctl_container_create(struct kk_local *l, const struct kk_container *req,
			    struct kk_container_create_result *res, struct kk_err *err);
/* ENOENT `failed to get cell "<c>": cell not found` / `container "<n>" not found`. */
int kk_ctl_container_get(struct kk_local *l, const char *realm, const char *space,
			 const char *stack, const char *cell, const char *name,
			 struct kk_container_get_result *res, struct kk_err *err);
/* Every container (root included) of the cells matching the filters (NULL or "": any),
 * in directory order. Each is a new kk_container: spec as stored (containerdId kept),
 * status live from containerd when it answers, else as stored, else Unknown. */
int kk_ctl_container_list(struct kk_local *l, const char *realm, const char *space,
			  const char *stack, const char *cell, struct kk_container ***out,
			  size_t *n, struct kk_err *err);
void kk_container_list_free(struct kk_container **v, size_t n);
/* Apply a Container document to a container the cell has: compare the specs (ids derived
 * by kukeon ignored; nil and empty equal); *changes (a new strv, NULL when equal) gets the
 * changed fields by their manifest keys (`image`, `env` ...), and a changed container is
 * deleted and recreated from the new spec, then started (in a stopped cell: the spec only). The
 * root container cannot be changed this way (EINVAL, upstream's "has breaking changes" message). On
 * failure the old spec is restored and started again. */
int kk_ctl_container_update(struct kk_local *l, const struct kk_container *desired, char ***changes,
			    struct kk_err *err);
/* The root container is refused with upstream's messages ("root container cannot be
 * started directly, start the cell instead using 'kuke start cell <c>'" ...); ENOENT
 * `container "<n>" not found in cell "<c>"`. Stop: SIGTERM, 5 s, SIGKILL; kill: SIGKILL;
 * the stopped task is kept so `get` shows its exit. */
int kk_ctl_container_start(struct kk_local *l, const char *realm, const char *space,
			   const char *stack, const char *cell, const char *name,
			   struct kk_err *err);
int kk_ctl_container_stop(struct kk_local *l, const char *realm, const char *space,
			  const char *stack, const char *cell, const char *name,
			  struct kk_err *err);
int kk_ctl_container_kill(struct kk_local *l, const char *realm, const char *space,
			  const char *stack, const char *cell, const char *name,
			  struct kk_err *err);
/* Task, containerd container, snapshot and log dir, then the spec leaves the cell. */
int kk_ctl_container_delete(struct kk_local *l, const char *realm, const char *space,
			    const char *stack, const char *cell, const char *name,
			    struct kk_delete_result *res, struct kk_err *err);
/* Delete ignoring runtime errors; also a containerd container the spec no longer names. */
int kk_ctl_container_purge(struct kk_local *l, const char *realm, const char *space,
			   const char *stack, const char *cell, const char *name,
			   struct kk_delete_result *res, struct kk_err *err);

/* upstream's image reference normalisation for `kuke create container --image`:
 * `alpine` -> `docker.io/library/alpine:latest`, `user/img:t` -> `docker.io/user/img:t`,
 * refs whose first segment has a `.` or `:` (or with "://") unchanged. A new string. */
char *kk_container_image_normalize(const char *image);

#endif
