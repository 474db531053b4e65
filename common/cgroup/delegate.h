/* common/cgroup/delegate.h - controller delegation down a cgroup path (upstream's
 * EnsureSubtreeControllers) and draining processes into a leaf.
 *
 * cgroup v2 gives a cgroup a controller only if every ancestor lists it in its
 * cgroup.subtree_control. kukeon's realm/space/stack/cell levels all have children, so the
 * controllers are enabled in the subtree_control of the mount root, of every ancestor and of
 * the group itself. The no-internal-process rule forbids that in a (non-root) cgroup that
 * holds processes itself (EBUSY); the caller may name a leaf to move them into first
 * (upstream uses "__bootstrap" at a cgroup-namespace root and "_payload" in cells). */
#ifndef KK_COMMON_CGROUP_DELEGATE_H
#define KK_COMMON_CGROUP_DELEGATE_H

#include "common/err.h"

struct kk_cgroup;

/* The controllers kukeon asks for at every level (upstream CellResourceControllers). */
#define KK_CGROUP_RESOURCE_CONTROLLERS "cpu", "memory", "io", "pids"
/* Leaf names upstream drains processes into. */
#define KK_CGROUP_BOOTSTRAP_LEAF "__bootstrap"
#define KK_CGROUP_PAYLOAD_LEAF   "_payload"

struct kk_cgroup_delegation {
	char **enabled;     /* owned; requested and advertised by the mount root, in request
			     * order: what status.subtreeControllers records */
	char **unavailable; /* owned; requested but not offered by this host */
};

void kk_cgroup_delegation_clear(struct kk_cgroup_delegation *d);

/* Enable the controllers of want (NULL-terminated) that the mount root advertises in its
 * cgroup.controllers, by writing "+c1 +c2 ..." into cgroup.subtree_control of the mount
 * root, each ancestor of group, and group itself (which must exist). When a write fails
 * with EBUSY because that cgroup holds processes and drain_leaf is not NULL, the processes
 * are moved into <that cgroup>/<drain_leaf> (created if needed) and the write is retried;
 * with drain_leaf NULL the error explains the no-internal-process rule. Controllers that
 * are unavailable are not an error: they are reported in out->unavailable (the caller
 * decides; upstream silently filters). out is filled only on success. */
int kk_cgroup_delegate(const struct kk_cgroup *cg, const char *group, char *const *want,
		       const char *drain_leaf, struct kk_cgroup_delegation *out,
		       struct kk_err *err);

/* Move every process of group (its own cgroup.procs, not its children's) into
 * <group>/<leaf>, creating the leaf (0755) if missing. leaf is one path element, not "."
 * or "..". Returns the number of processes moved. A process that exits meanwhile is not an
 * error. */
int kk_cgroup_relocate_procs(const struct kk_cgroup *cg, const char *group, const char *leaf,
			     struct kk_err *err);

#endif
