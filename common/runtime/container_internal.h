/* common/runtime/container_internal.h - what the container files share: the container's
 * name for messages, the image config, the OCI spec built for a create and containerd's
 * snapshot unwedging. Internal to common/runtime/.
 *   container_spec.c  model spec -> OCI spec: options, volumes, secrets, the image rootfs
 *   container.c       containerd container + snapshot, task start/stop/kill/delete, status */
#ifndef KK_COMMON_RUNTIME_CONTAINER_INTERNAL_H
#define KK_COMMON_RUNTIME_CONTAINER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/runtime/runtime.h"
#include "ctr/ctr.h"

struct cJSON;

/* c->name, or its id when it has none */
static inline const char *kk_rtctr_name(const struct kk_rt_container *c)
{
	return c->name ? c->name : c->id;
}

/* The config and chain of c's image, which must be in the realm's containerd namespace
 * (ENOENT names it: nothing is pulled here). Clear img with ctr_image_rootfs_clear(). */
int kk_rtctr_image_rootfs(const struct kk_rt *rt, const struct kk_rt_container *c,
			  struct ctr_image_rootfs *img, struct kk_err *err);

/* The OCI spec for c from image img, joining join_pid's namespaces when it is not 0. The
 * image's /etc/passwd and /etc/group are read from snapshot (the container's own mounts,
 * lent) or, when it is NULL, from a view snapshot made and removed here. With stage, the
 * mount-mode secrets are written for the container's user. *out is a new cJSON object. */
int kk_rtctr_build_spec(const struct kk_rt *rt, const struct kk_rt_container *c,
			const struct ctr_image_rootfs *img, const struct ctr_mounts *snapshot,
			uint32_t join_pid, bool stage, struct cJSON **out, struct kk_err *err);

/* Is e the error of a snapshot create that a killed overlayfs snapshotter left wedged? If
 * so a garbage collection has been run and the caller tries once more. */
bool kk_rtctr_snapshots_unwedged(const struct kk_rt *rt, const struct kk_err *e);

#endif
