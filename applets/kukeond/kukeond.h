/* applets/kukeond/kukeond.h - what the daemon's files share. */
#ifndef KK_APPLETS_KUKEOND_KUKEOND_H
#define KK_APPLETS_KUKEOND_KUKEOND_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/controller/hierarchy.h"
#include "common/controller/status.h"
#include "common/err.h"
#include "common/log.h"

/* The resolved configuration: flag > environment > ServerConfiguration file > default. */
struct kukeond_config {
	char *configuration; /* the file's path */
	char *socket;
	gid_t socket_gid;
	char *run_path, *containerd_socket, *log_level;
	char *ns_suffix, *cgroup_root;
	int64_t reconcile_ms; /* <= 0: no reconcile loop */
	size_t max_request;   /* bytes; a larger request closes its connection */
	/* test and packaging knobs, as kuke reads them (docs/compat.md) */
	char *cgroup_mount, *cni_plugin_path, *cni_cache_dir;
};
void kukeond_config_clear(struct kukeond_config *c);

struct kukeond {
	struct kukeond_config cfg;
	struct kk_log log;
	struct kk_local_opts opts; /* points into cfg */
	/* the record `kuke status` reads (common/controller/status.h), under status_mu */
	pthread_mutex_t status_mu;
	struct kk_daemon_status status;
};

/* server.c: write d->status as the run path's record; call with status_mu held. A
 * failure is logged: the daemon serves on without it. */
void kukeond_status_save(struct kukeond *d);

/* server.c: listen on cfg.socket, serve until SIGTERM/SIGINT, then clean up. */
int kukeond_serve(struct kukeond *d, struct kk_err *err);

/* reconcile.c: the loop, on its own thread; stop() waits for a pass in flight. */
struct kukeond_reconciler;
int kukeond_reconcile_start(struct kukeond *d, struct kukeond_reconciler **out, struct kk_err *err);
void kukeond_reconcile_stop(struct kukeond_reconciler *r);

#endif
