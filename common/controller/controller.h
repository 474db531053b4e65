/* common/controller/controller.h - the controller: one function per operation, shared by
 * `kuke --no-daemon` (in-process) and kukeond (behind the kukeonv1 RPC server).
 *
 * Applets reach containerd, cgroups, CNI and the store only through here. Each
 * operation takes the controller environment, a request and fills a result. */
#ifndef KK_COMMON_CONTROLLER_CONTROLLER_H
#define KK_COMMON_CONTROLLER_CONTROLLER_H

#include "common/err.h"

/* What the containerd behind the controller answers to its Version call. */
struct kk_ctl_containerd_version {
	char *version;  /* owned */
	char *revision; /* owned */
};

void kk_ctl_containerd_version_clear(struct kk_ctl_containerd_version *v);

/* A process that serves many calls (kukeond) holds the runtime libraries for its whole life
 * instead of setting them up and tearing them down with every connection. */
void kk_runtime_hold(void);
void kk_runtime_release(void);

#endif
