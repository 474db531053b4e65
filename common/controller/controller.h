/* common/controller/controller.h - the controller: one function per operation, shared by
 * `kuke --no-daemon` (in-process) and kukeond (behind the kukeonv1 RPC server).
 *
 * Applets reach containerd, cgroups, CNI and the store only through here. Each
 * operation takes the controller environment, a request and fills a result. */
#ifndef KK_COMMON_CONTROLLER_CONTROLLER_H
#define KK_COMMON_CONTROLLER_CONTROLLER_H

#include "common/err.h"

/* Where the controller acts. All strings are borrowed from the caller. */
struct kk_ctl {
	const char *run_path;          /* metadata root, e.g. /opt/kukeon */
	const char *containerd_socket; /* path or unix:// URL */
};

/* The containerd behind ctl->containerd_socket answers its Version call. */
struct kk_ctl_containerd_version {
	char *version;  /* owned */
	char *revision; /* owned */
};

int kk_ctl_containerd_version(const struct kk_ctl *ctl, struct kk_ctl_containerd_version *out,
			      struct kk_err *err);
void kk_ctl_containerd_version_clear(struct kk_ctl_containerd_version *v);

#endif
