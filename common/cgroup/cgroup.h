/* common/cgroup/cgroup.h - the cgroup v2 manager: a handle on one cgroup2 mount and the
 * plain operations on groups under it (create, exist, remove, read/write interface files,
 * processes). Delegation, resource limits and killing are in delegate.h, resources.h and
 * kill.h beside this file.
 *
 * A group is named as upstream stores it in status.cgroupPath: a path relative to the
 * mount, starting with '/', e.g. "/kukeon/default/default" ("/" is the mount root). How a
 * realm/space/stack/cell maps to a group is the model's business; this code takes strings.
 * Names with "." or ".." elements are refused (EINVAL), so nothing escapes the mount.
 *
 * cgroup v2 only: kk_cgroup_open() checks the file system type (CGROUP2_SUPER_MAGIC) and
 * explains a v1 or hybrid layout instead of failing later in odd ways. */
#ifndef KK_COMMON_CGROUP_CGROUP_H
#define KK_COMMON_CGROUP_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"
#include "kk_config.h"

struct kk_log;

#define KK_CGROUP_DEFAULT_MOUNT CONFIG_DEFAULT_CGROUP_MOUNT /* "/sys/fs/cgroup" */
#define KK_CGROUP_DEFAULT_ROOT  CONFIG_DEFAULT_CGROUP_ROOT  /* "/kukeon" */

struct kk_cgroup;

/* Open the cgroup2 mount at mount (NULL: KK_CGROUP_DEFAULT_MOUNT). Fails with ENOTSUP and a
 * message saying what was found when it is not a pure cgroup v2 mount: a cgroup v1
 * hierarchy, a hybrid layout (tmpfs with v1 controllers, cgroup2 under "unified"), or no
 * cgroup file system at all; ENOENT when the path does not exist. */
int kk_cgroup_open(const char *mount, struct kk_cgroup **out, struct kk_err *err);
void kk_cgroup_free(struct kk_cgroup *cg);
void kk_cgroup_freep(struct kk_cgroup **cg);
const char *kk_cgroup_mount(const struct kk_cgroup *cg);
/* Logger for the errors the cgroup calls drop on purpose (undo writes, a freeze that would
 * not take), at debug level; borrowed, NULL (the default) = silent. */
void kk_cgroup_set_log(struct kk_cgroup *cg, const struct kk_log *log);
const struct kk_log *kk_cgroup_log(const struct kk_cgroup *cg);

/* The absolute path of group (mount + group), after checking the group name. */
int kk_cgroup_path(const struct kk_cgroup *cg, const char *group, char **out, struct kk_err *err);

/* 1 if group exists (a directory holding cgroup.controllers, as upstream checks), else 0. */
int kk_cgroup_exists(const struct kk_cgroup *cg, const char *group, struct kk_err *err);
/* kk_cgroup_exists, giving the group's kk_cgroup_path in *path (new, unless path is NULL)
 * whenever it does not fail. */
int kk_cgroup_find(const struct kk_cgroup *cg, const char *group, char **path, struct kk_err *err);

/* mkdir -p the group (each new level 0755). Returns 1 if group itself was created, 0 if
 * it existed. */
int kk_cgroup_create(const struct kk_cgroup *cg, const char *group, struct kk_err *err);

/* Remove group and every group below it, depth first. A cgroup cannot be removed while it
 * holds processes; rmdir's EBUSY is retried until timeout_ms has passed, then it fails
 * (EBUSY) naming the cgroup that stays. Returns 1 if removed, 0 if it did not exist. The
 * mount root cannot be removed (EINVAL). */
int kk_cgroup_remove(const struct kk_cgroup *cg, const char *group, int timeout_ms,
		     struct kk_err *err);

/* Read an interface file of group (e.g. "cgroup.controllers"); *out is a new string. */
int kk_cgroup_read(const struct kk_cgroup *cg, const char *group, const char *file, char **out,
		   struct kk_err *err);
/* Write value to an interface file of group in one write(2), as the kernel wants. An empty
 * value is sent as "\n" (a zero-length write would do nothing), which clears files such
 * as cpuset.cpus. */
int kk_cgroup_write(const struct kk_cgroup *cg, const char *group, const char *file,
		    const char *value, struct kk_err *err);

/* The controllers listed in group's cgroup.controllers (those its parent delegates; for the
 * mount root, what the host offers) or cgroup.subtree_control (those it delegates to its
 * children). *out is a new vector (NULL if empty); free with kk_strv_free(). */
int kk_cgroup_controllers(const struct kk_cgroup *cg, const char *group, char ***out,
			  struct kk_err *err);
int kk_cgroup_subtree_control(const struct kk_cgroup *cg, const char *group, char ***out,
			      struct kk_err *err);

/* The pids in group's cgroup.procs (this group only, not its children), as seen from our
 * pid namespace. *out is a new array of *n pids (NULL if none); free() it. */
int kk_cgroup_procs(const struct kk_cgroup *cg, const char *group, pid_t **out, size_t *n,
		    struct kk_err *err);
/* Move pid (and its threads) into group. */
int kk_cgroup_add_proc(const struct kk_cgroup *cg, const char *group, pid_t pid,
		       struct kk_err *err);
/* 1 if group or a group below it holds processes ("populated 1" in cgroup.events), else 0.
 * The mount root of a host has no cgroup.events: it counts as populated. */
int kk_cgroup_is_populated(const struct kk_cgroup *cg, const char *group, struct kk_err *err);

/* The parent of group ("/a/b" -> "/a", "/a" -> "/"); a new string. group must be valid. */
char *kk_cgroup_parent(const char *group);

#endif
