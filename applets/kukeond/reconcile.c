/* applets/kukeond/reconcile.c - the reconcile loop (runtime reference §3.6): every
 * interval, one pass that re-derives every status from containerd and the host and writes
 * what changed (the same walk as `kuke refresh`). One pass at a time; an error is logged
 * and the loop goes on; stop waits for a pass in flight. */
#include "applets/kukeond/kukeond.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/controller/orphans.h"
#include "common/controller/refresh.h"
#include "common/mem.h"
#include "common/strv.h"

struct kukeond_reconciler {
	struct kukeond *d;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	bool stop;
};

/* What a create killed half way left (kukeond's own or an in-process kuke's): gone. */
static void sweep(struct kukeond *d, struct kk_local *l)
{
	cleanup_(kk_strv_freep) char **swept = NULL;
	cleanup_(kk_strv_freep) char **failed = NULL;
	struct kk_err err = { 0 };

	if (kk_ctl_sweep_orphans(l, &swept, &failed, &err) < 0) {
		kk_log(&d->log, KK_LOG_ERROR, "orphan sweep failed", "error", err.msg);
		return;
	}
	for (size_t i = 0; swept && swept[i]; i++)
		kk_log(&d->log, KK_LOG_INFO, "purged a cell no metadata owns", "cell", swept[i]);
	for (size_t i = 0; failed && failed[i]; i++)
		kk_log(&d->log, KK_LOG_WARN, "orphan sweep", "error", failed[i]);
}

static void pass(struct kukeond *d, struct kk_local *l)
{
	struct kk_refresh_result r = { 0 };
	struct kk_err err = { 0 };
	char n[32];

	sweep(d, l);
	if (kk_ctl_refresh(l, &r, &err) < 0) {
		kk_log(&d->log, KK_LOG_ERROR, "reconcile pass failed", "error", err.msg);
		return;
	}
	for (size_t i = 0; r.errors && r.errors[i]; i++)
		kk_log(&d->log, KK_LOG_WARN, "reconcile", "error", r.errors[i]);
	snprintf(n, sizeof(n), "%zu", kk_strv_len(r.cells_updated));
	kk_log(&d->log, KK_LOG_DEBUG, "reconcile pass done", "cellsUpdated", n);
	kk_refresh_result_clear(&r);
}

static void *loop(void *arg)
{
	struct kukeond_reconciler *r = arg;
	struct kk_local *l = NULL;
	struct kk_err err = { 0 };

	if (kk_local_new(&r->d->opts, &l, &err) < 0) {
		kk_log(&r->d->log, KK_LOG_ERROR, "reconcile loop not started", "error", err.msg);
		return NULL;
	}
	/* one pass at once: what a crash before this start left is put right now */
	pass(r->d, l);
	pthread_mutex_lock(&r->mu);
	while (!r->stop) {
		struct timespec until;
		int64_t ms = r->d->cfg.reconcile_ms;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += ms / 1000;
		until.tv_nsec += (ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		while (!r->stop && pthread_cond_timedwait(&r->wake, &r->mu, &until) != ETIMEDOUT)
			;
		if (r->stop)
			break;
		pthread_mutex_unlock(&r->mu);
		pass(r->d, l);
		pthread_mutex_lock(&r->mu);
	}
	pthread_mutex_unlock(&r->mu);
	kk_local_free(l);
	return NULL;
}

int kukeond_reconcile_start(struct kukeond *d, struct kukeond_reconciler **out,
			    struct kk_err *err)
{
	struct kukeond_reconciler *r = kk_xcalloc(1, sizeof(*r));
	int e;

	r->d = d;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->wake, NULL);
	e = pthread_create(&r->thread, NULL, loop, r);
	if (e) {
		free(r);
		errno = e;
		return kk_err_sys(err, "start the reconcile loop");
	}
	*out = r;
	return 0;
}

void kukeond_reconcile_stop(struct kukeond_reconciler *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->wake);
	free(r);
}
