/* applets/kuke/client.h - the controller client a kuke command talks to. */
#ifndef KK_APPLETS_KUKE_CLIENT_H
#define KK_APPLETS_KUKE_CLIENT_H

#include "applets/kuke/kuke.h"
#include "common/controller/client.h"

/* kukeond at --host by default; the controller in this process with --no-daemon. The
 * test suites set KUKE_TEST_IN_PROCESS to run in-process while everything else behaves as
 * through the daemon (each test has its own run path; one daemon serves one). In-process,
 * the cgroup root, namespace suffix and mount come from KUKEON_CGROUP_ROOT /
 * KUKEON_NAMESPACE_SUFFIX / KUKEON_CGROUP_MOUNT when set (docs/compat.md). */
int kuke_client_open(struct kuke_ctx *ctx, struct kk_client **out, struct kk_err *err);
/* The in-process controller's options for ctx (borrowing its strings and the environment's):
 * what kuke_client_open uses, and what `kuke init` and `kuke daemon` start from. */
struct kk_local_opts kuke_local_opts(struct kuke_ctx *ctx);

/* The in-process controller's options: ctx's run path, containerd socket and logger, the
 * cgroup and CNI overrides of the environment. Strings are borrowed from ctx and environ. */
struct kk_local_opts kuke_local_opts(struct kuke_ctx *ctx);

/* The reply of a start/stop/kill/delete/purge row, whichever was called. */
union kuke_act_reply {
	struct kk_action_result action;
	struct kk_delete_result deleted;
};

/* Call operation `id` (the start/stop/kill/delete/purge of `op`) on what ref names and print
 * `<Done> <noun> "<ref->name>" from <parent> "<parent_name>"`, then what a purge removed. */
int kuke_client_act(struct kuke_ctx *ctx, enum kk_op_id id, enum kuke_op op,
		    const struct kk_ref *ref, const char *noun, const char *parent,
		    const char *parent_name, struct kk_err *err);

#endif
