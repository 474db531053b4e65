/* common/cgroup/kill.h - kill every process in a cgroup subtree and wait until it is empty.
 *
 * The kernel does it atomically with cgroup.kill (Linux >= 5.14): no process can fork its
 * way out. Without it the fallback freezes the subtree (cgroup.freeze), sends SIGKILL to
 * every pid in every cgroup.procs below, thaws, and repeats until the subtree is empty. */
#ifndef KK_COMMON_CGROUP_KILL_H
#define KK_COMMON_CGROUP_KILL_H

#include "common/err.h"

struct kk_cgroup;

enum kk_cgroup_kill_how {
	KK_CGROUP_KILL_AUTO = 0, /* cgroup.kill when the kernel has it, else the fallback */
	KK_CGROUP_KILL_FREEZE,   /* always the freeze + SIGKILL-per-pid fallback */
};

/* Kill everything in group and below, then wait up to timeout_ms for the subtree to report
 * "populated 0". A missing group is success. Fails with ETIMEDOUT if processes remain, and
 * with EDEADLK (touching nothing) if the calling process itself lives in the subtree. */
int kk_cgroup_kill(const struct kk_cgroup *cg, const char *group, enum kk_cgroup_kill_how how,
		   int timeout_ms, struct kk_err *err);

#endif
