/* common/controller/reconcile.h - one reconcile pass (runtime reference §3.6), what kukeond's
 * loop runs every --reconcile-interval. `kuke refresh` stays the bare walk (refresh.h).
 *
 * A pass is the refresh walk (every realm, space, stack and cell status re-derived from
 * the host and written where it changed), and for each cell that is not Failed:
 *
 *   readyObserved  latched once the cell is seen Ready or Degraded.
 *   restarts       beyond v0.5.0, as upstream's later tags: a non-root container whose
 *                  task exited by itself (not one stopped or killed by kuke: those tasks
 *                  are released) is started again when its spec.restartPolicy says so:
 *                  `always` (any exit), `on-failure` (a non-zero exit); `never` or empty
 *                  leaves it Stopped with its exit. Only in a cell seen Ready whose root
 *                  task runs. The first restart waits opts.backoff_ms after the exit, each
 *                  next one twice as long, up to opts.backoff_max_ms; a run of at least
 *                  opts.reset_ms starts the doubling again. `on-failure` gives up after
 *                  opts.retry_limit restarts in a row. Each restart adds one to the
 *                  container's status restartCount and sets restartTime. While a restart
 *                  is waiting the cell is Degraded.
 *   releases       an exited task that will not be restarted is deleted once its exit is
 *                  on disk, so it holds no shim (kuke start container brings it back).
 *   AutoDelete     a spec.autoDelete cell seen Ready whose workload is Stopped (and no
 *                  restart pending) is killed, then deleted.
 *
 * The backoff lives in struct kk_reconciler, kept by the daemon across passes; after a
 * daemon restart it is derived again from status (restartCount, startTime, finishTime).
 * One pass at a time (a second caller waits). Errors of one cell land in the result and
 * the pass goes on. */
#ifndef KK_COMMON_CONTROLLER_RECONCILE_H
#define KK_COMMON_CONTROLLER_RECONCILE_H

#include <stdint.h>

#include "common/controller/hierarchy.h"
#include "common/controller/refresh.h"
#include "common/err.h"

#define KK_RESTART_BACKOFF_MS     1000
#define KK_RESTART_BACKOFF_MAX_MS (5 * 60 * 1000)
#define KK_RESTART_RESET_MS       (10 * 60 * 1000)
#define KK_RESTART_RETRY_LIMIT    5

/* 0 (or less) in a field: the KK_RESTART_* default. */
struct kk_reconcile_opts {
	int64_t backoff_ms, backoff_max_ms, reset_ms;
	int retry_limit;
};

/* The state a daemon keeps across passes. */
struct kk_reconciler;
void kk_reconciler_new(const struct kk_reconcile_opts *opts, struct kk_reconciler **out);
void kk_reconciler_free(struct kk_reconciler *r);

/* One pass. Names: cells `<realm>/<space>/<stack>/<cell>`, containers with `/<container>`
 * after that. NULL-terminated owned vectors (NULL: empty). */
struct kk_reconcile_result {
	struct kk_refresh_result walk; /* found, updated, errors (also those of the steps below) */
	size_t cells_scanned;
	char **restarted; /* containers started again */
	char **released;  /* exited containers whose task was deleted */
	char **deleted;   /* AutoDelete cells */
};
void kk_reconcile_result_clear(struct kk_reconcile_result *r);

/* Fails only as kk_ctl_refresh does (the walk cannot start). */
int kk_ctl_reconcile(struct kk_local *l, struct kk_reconciler *r, struct kk_reconcile_result *res,
		     struct kk_err *err);

#endif
