/* common/controller/uninstall.h - taking kukeon off the host (upstream's Uninstall, runtime
 * reference §3.8), for `kuke uninstall` and, its realm step, for the rescue applet.
 *
 * The five steps: stop kukeond through its PID file; purge (force, cascade) every realm
 * the metadata lists, every realm a `*.<suffix>` containerd namespace names, and `default`
 * and `kuke-system`; then, only if every realm's namespace is gone (upstream's
 * CleanupSkipped rule), the cgroup tree (kukeon-c: upstream leaves the root cgroup), the
 * socket dir and the run path (their mounts released first), and the system user and
 * group. Everything is attempted and recorded; the first error is returned at the end. */
#ifndef KK_COMMON_CONTROLLER_UNINSTALL_H
#define KK_COMMON_CONTROLLER_UNINSTALL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/controller/local.h"
#include "common/err.h"
#include "common/host/teardown.h"

struct kk_uninstall_realm {
	char *name, *ns; /* owned */
	bool purged;     /* the purge returned no error */
	bool ns_removed; /* the namespace is not in containerd's list afterwards */
	char *error;     /* owned; the purge's error, NULL if none */
};

struct kk_uninstall_report {
	char *pidfile; /* owned; NULL: the daemon step did not run */
	struct kk_daemon_stop daemon;
	struct kk_uninstall_realm *realms;
	size_t n_realms;
	bool cleanup_skipped;      /* a realm's namespace survived: steps 3-5 did not run */
	struct kk_td_report items; /* steps 3-5, in order */
};
void kk_uninstall_report_clear(struct kk_uninstall_report *r);

struct kk_uninstall_opts {
	struct kk_local_opts local; /* run path, containerd socket, cgroup root ... */
	const char *socket_dir;     /* kukeond's socket dir: PID file, removed in step 3 */
	const char *root;           /* where /etc/passwd and friends are; NULL: "/" */
};

/* All five steps. Returns -1 with the first error recorded (the report is complete either
 * way; clear it in both cases). */
int kk_uninstall(const struct kk_uninstall_opts *o, struct kk_uninstall_report *rep,
		 struct kk_err *err);
/* Step 2 alone: purge every realm through containerd. rep->cleanup_skipped is set when a
 * namespace survived. Returns -1 with the first purge error. */
int kk_uninstall_realms(const struct kk_local_opts *o, struct kk_uninstall_report *rep,
			struct kk_err *err);

#endif
