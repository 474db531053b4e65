/* applets/kukeond/reconcile.c - the reconcile loop (runtime reference §3.6): every
 * interval, one pass of kk_ctl_reconcile (common/controller/reconcile.h): statuses
 * re-derived and written, restart policies, AutoDelete. One pass at a time; an error is
 * logged and the loop goes on; stop waits for a pass in flight. The restart backoff is
 * kept here across passes. */
#include "applets/kukeond/kukeond.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/clock.h"
#include "common/gostr.h"
#include "common/controller/reconcile.h"
#include "common/mem.h"
#include "common/strv.h"

struct kukeond_reconciler {
	struct kukeond *d;
	struct kk_reconciler *state;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	bool stop;
};

/* The record `kuke status` reads: when the pass ended, how long it took, its errors. */
static void record_pass(struct kukeond *d, int64_t began, char **errors, const char *failed)
{
	pthread_mutex_lock(&d->status_mu);
	d->status.passes++;
	d->status.last_pass_ms = kk_wall_ms();
	d->status.last_pass_took_ms = kk_now_ms() - began;
	kk_strv_free(d->status.last_errors);
	d->status.last_errors = NULL;
	if (failed)
		kk_strv_push_take(&d->status.last_errors, kk_xasprintf("pass failed: %s", failed));
	for (size_t i = 0; errors && errors[i]; i++)
		kk_strv_push_take(&d->status.last_errors, kk_xstrdup(errors[i]));
	kukeond_status_save(d);
	pthread_mutex_unlock(&d->status_mu);
}

static void pass(struct kukeond *d, struct kk_local *l, struct kk_reconciler *state)
{
	struct kk_reconcile_result r = { 0 };
	struct kk_err err = { 0 };
	char scanned[32], updated[32], deleted[32], restarted[32];
	int64_t began = kk_now_ms();

	if (kk_ctl_reconcile(l, state, &r, &err) < 0) {
		kk_log(&d->log, KK_LOG_ERROR, "reconcile pass failed", "error", err.msg);
		record_pass(d, began, NULL, err.msg);
		return;
	}
	record_pass(d, began, r.walk.errors, NULL);
	for (size_t i = 0; r.walk.errors && r.walk.errors[i]; i++)
		kk_log(&d->log, KK_LOG_WARN, "reconcile", "error", r.walk.errors[i]);
	for (size_t i = 0; r.deleted && r.deleted[i]; i++)
		kk_log(&d->log, KK_LOG_INFO, "reconcile: auto-deleted", "cell", r.deleted[i]);
	snprintf(scanned, sizeof(scanned), "%zu", r.cells_scanned);
	snprintf(updated, sizeof(updated), "%zu", kk_strv_len(r.walk.cells_updated));
	snprintf(deleted, sizeof(deleted), "%zu", kk_strv_len(r.deleted));
	snprintf(restarted, sizeof(restarted), "%zu", kk_strv_len(r.restarted));
	kk_log(&d->log, r.walk.errors ? KK_LOG_WARN : KK_LOG_DEBUG,
	       r.walk.errors ? "reconcile pass completed with errors" : "reconcile ok",
	       "cells_scanned", scanned, "cells_updated", updated, "cells_deleted", deleted,
	       "containers_restarted", restarted);
	kk_reconcile_result_clear(&r);
}

/* KUKEOND_RESTART_BACKOFF (a test and packaging knob): the first restart delay. */
static void restart_opts(struct kukeond *d, struct kk_reconcile_opts *o)
{
	const char *v = getenv("KUKEOND_RESTART_BACKOFF");
	struct kk_err err = { 0 };

	if (!v || !*v)
		return;
	if (kk_go_parse_duration(v, &o->backoff_ms, &err) < 0 || o->backoff_ms <= 0) {
		kk_log(&d->log, KK_LOG_WARN, "invalid KUKEOND_RESTART_BACKOFF, using the default",
		       "value", v);
		o->backoff_ms = 0;
	}
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
	pass(r->d, l, r->state);
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
		pass(r->d, l, r->state);
		pthread_mutex_lock(&r->mu);
	}
	pthread_mutex_unlock(&r->mu);
	kk_local_free(l);
	return NULL;
}

int kukeond_reconcile_start(struct kukeond *d, struct kukeond_reconciler **out, struct kk_err *err)
{
	struct kukeond_reconciler *r = kk_xcalloc(1, sizeof(*r));
	struct kk_reconcile_opts o = { 0 };
	int e;

	r->d = d;
	restart_opts(d, &o);
	kk_reconciler_new(&o, &r->state);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->wake, NULL);
	e = pthread_create(&r->thread, NULL, loop, r);
	if (e) {
		kk_reconciler_free(r->state);
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
	kk_reconciler_free(r->state);
	free(r);
}
