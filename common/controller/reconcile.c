/* common/controller/reconcile.c - see reconcile.h. */
#include "common/controller/reconcile.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/controller/events.h"
#include "common/controller/cell.h"
#include "common/controller/cell_env.h"
#include "common/json.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/model/model.h"
#include "common/runtime/runtime.h"
#include "common/strv.h"

/* What the backoff remembers of one container. */
struct backoff {
	char *key;           /* <realm>/<space>/<stack>/<cell>/<container> */
	int attempts;        /* restarts in a row, each after a run shorter than reset_ms */
	struct kk_time exit; /* the exit last acted on (restarted or given up) */
	uint64_t pass;       /* the last pass that saw the container */
};

struct kk_reconciler {
	struct kk_reconcile_opts o;
	pthread_mutex_t mu; /* one pass at a time */
	struct backoff *v;
	size_t n;
	uint64_t pass;
};

/* What a pass carries from cell to cell. */
struct pass {
	struct kk_reconciler *r;
	struct kk_reconcile_result *res;
	char **release; /* containers of the current cell to release once it is settled */
};

void kk_reconciler_new(const struct kk_reconcile_opts *opts, struct kk_reconciler **out)
{
	struct kk_reconciler *r = kk_xcalloc(1, sizeof(*r));

	if (opts)
		r->o = *opts;
	if (r->o.backoff_ms <= 0)
		r->o.backoff_ms = KK_RESTART_BACKOFF_MS;
	if (r->o.backoff_max_ms <= 0)
		r->o.backoff_max_ms = KK_RESTART_BACKOFF_MAX_MS;
	if (r->o.reset_ms <= 0)
		r->o.reset_ms = KK_RESTART_RESET_MS;
	if (r->o.retry_limit <= 0)
		r->o.retry_limit = KK_RESTART_RETRY_LIMIT;
	pthread_mutex_init(&r->mu, NULL);
	*out = r;
}

void kk_reconciler_free(struct kk_reconciler *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].key);
	free(r->v);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

void kk_reconcile_result_clear(struct kk_reconcile_result *r)
{
	kk_refresh_result_clear(&r->walk);
	kk_strv_free(r->restarted);
	kk_strv_free(r->released);
	kk_strv_free(r->deleted);
	memset(r, 0, sizeof(*r));
}

static int64_t ms_of(struct kk_time t)
{
	return t.sec * 1000 + t.nsec / 1000000;
}

static bool same_time(struct kk_time a, struct kk_time b)
{
	return a.sec == b.sec && a.nsec == b.nsec;
}

/* "1s", "2.5s", "500ms" */
static void fmt_ms(char *buf, size_t size, int64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, size, "%llds", (long long)(ms / 1000));
	else if (ms < 1000)
		snprintf(buf, size, "%lldms", (long long)ms);
	else
		snprintf(buf, size, "%lld.%03llds", (long long)(ms / 1000), (long long)(ms % 1000));
}

/* The container's entry; a new one is derived from its status (a daemon restart forgets
 * the rest): as many restarts in a row as it has had, unless its last run was long. */
static struct backoff *backoff_get(struct kk_reconciler *r, const char *key,
				   const struct kk_container_status *st)
{
	struct backoff *b;

	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].key, key) == 0) {
			r->v[i].pass = r->pass;
			return &r->v[i];
		}
	r->v = kk_xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
	b = &r->v[r->n++];
	memset(b, 0, sizeof(*b));
	b->key = kk_xstrdup(key);
	b->pass = r->pass;
	b->attempts = st->restart_count > 62 ? 62 : (int)st->restart_count;
	return b;
}

/* Forget the containers this pass did not see (their cells are gone). */
static void backoff_sweep(struct kk_reconciler *r)
{
	size_t k = 0;

	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i].pass == r->pass) {
			r->v[k++] = r->v[i];
			continue;
		}
		free(r->v[i].key);
	}
	r->n = k;
}

static void error_add(struct pass *p, const struct kk_cell_env *e, const char *what,
		      const struct kk_err *err)
{
	kk_strv_push_take(&p->res->walk.errors,
			  kk_xasprintf("failed to reconcile cell '%s' in realm '%s', space '%s', "
				       "stack '%s': %s: %s",
				       e->name, e->realm, e->space, e->stack, what, err->msg));
}

enum verdict { V_NONE, V_RESTARTED, V_WAITING, V_RELEASE };

/* What to do with the non-root container at info index i. */
static enum verdict restart_one(struct pass *p, struct kk_local *l, struct kk_cell_env *e,
				const struct kk_rt_cell_info *info, size_t i)
{
	const struct kk_reconcile_opts *o = &p->r->o;
	const struct kk_container_status *st = &info->containers[i];
	const struct kk_container_spec *spec = kk_cell_find_container(&e->cell->spec, st->name);
	const char *policy = spec ? spec->restart_policy : NULL;
	cleanup_free char *key = kk_xasprintf("%s/%s/%s/%s/%s", e->realm, e->space, e->stack,
					      e->name, kk_str(st->name));
	struct backoff *b = backoff_get(p->r, key, st);
	struct kk_err err = { 0 };
	int64_t delay, now = ms_of(kk_time_now());
	char attempt[24], wait[24];

	/* running, or stopped by kuke (task released): nothing to restart */
	if (st->state != KK_CONTAINER_STOPPED || !info->has_task || !info->has_task[i])
		return V_NONE;
	if (!kk_restart_policy_wants(policy, st->exit_code))
		return V_RELEASE;
	if (st->start_time.sec && ms_of(st->finish_time) - ms_of(st->start_time) >= o->reset_ms)
		b->attempts = 0;
	if (strcmp(kk_str(policy), "on-failure") == 0 && b->attempts >= o->retry_limit) {
		if (!same_time(b->exit, st->finish_time)) {
			snprintf(attempt, sizeof(attempt), "%d", b->attempts);
			kk_log(l->log, KK_LOG_WARN,
			       "restart limit reached, leaving container stopped", "container", key,
			       "restarts", attempt);
			b->exit = st->finish_time;
		}
		return V_RELEASE;
	}
	delay = o->backoff_ms;
	for (int k = 0; k < b->attempts && delay < o->backoff_max_ms; k++)
		delay *= 2;
	if (delay > o->backoff_max_ms)
		delay = o->backoff_max_ms;
	if (now < ms_of(st->finish_time) + delay)
		return V_WAITING;
	b->attempts++;
	b->exit = st->finish_time;
	snprintf(attempt, sizeof(attempt), "%d", b->attempts);
	fmt_ms(wait, sizeof(wait), delay);
	kk_log(l->log, KK_LOG_INFO, "restarting container", "container", key, "policy",
	       kk_str(policy), "attempt", attempt, "backoff", wait);
	if (kk_rt_cell_container_start(&e->rt, &e->rc, st->name, NULL, &err) < 0) {
		error_add(p, e, "restart", &err);
		return V_WAITING;
	}
	kk_events_record(l, "ContainerRestarted", e->realm, e->space, e->stack, e->name, st->name);
	kk_strv_push_take(&p->res->restarted, TAKE_PTR(key));
	return V_RESTARTED;
}

static int auto_delete(struct pass *p, struct kk_local *l, struct kk_cell_env *e)
{
	struct kk_delete_result dr = { 0 };
	struct kk_err err = { 0 };
	int rc;

	kk_log(l->log, KK_LOG_INFO, "auto-delete: the workload exited, deleting the cell", "cell",
	       e->name, "realm", e->realm, "space", e->space, "stack", e->stack);
	if (kk_ctl_cell_kill(l, e->realm, e->space, e->stack, e->name, &err) < 0) {
		error_add(p, e, "auto-delete: kill cell", &err);
		return 0;
	}
	rc = kk_ctl_cell_delete(l, e->realm, e->space, e->stack, e->name, &dr, &err);
	kk_delete_result_clear(&dr);
	if (rc < 0) {
		error_add(p, e, "auto-delete: delete cell", &err);
		return 0;
	}
	kk_events_record(l, "CellAutoDeleted", e->realm, e->space, e->stack, e->name, NULL);
	kk_strv_push_take(&p->res->deleted,
			  kk_xasprintf("%s/%s/%s/%s", e->realm, e->space, e->stack, e->name));
	return 1;
}

/* Upstream v0.5.0's wind-down (reference §3.6 step 5): a cell seen Ready whose workloads
 * have all stopped for good is killed, so its root gives back the shim, the netns and the
 * IP. The cell record is read again: the kill wrote the exits, and the walk stores it. */
static void wind_down(struct pass *p, struct kk_local *l, struct kk_cell_env *e)
{
	struct kk_cell *now = NULL;
	struct kk_err err = { 0 };

	kk_log(l->log, KK_LOG_INFO, "wind-down: every workload stopped, killing the root", "cell",
	       e->name, "realm", e->realm, "space", e->space, "stack", e->stack);
	if (kk_ctl_cell_kill(l, e->realm, e->space, e->stack, e->name, &err) < 0) {
		error_add(p, e, "wind-down: kill cell", &err);
		return;
	}
	kk_strv_freep(&p->release); /* the kill released every task */
	kk_events_record(l, "CellWoundDown", e->realm, e->space, e->stack, e->name, NULL);
	if (kk_local_load_cell(l, &e->ref, &now, &err) <= 0) {
		if (err.code)
			error_add(p, e, "wind-down: read cell", &err);
		return;
	}
	kk_cell_free(e->cell);
	e->cell = now;
}

static int cell_hook(void *arg, struct kk_local *l, struct kk_cell_env *e,
		     struct kk_rt_cell_info *info, int old_state)
{
	struct pass *p = arg;
	struct kk_cell *c = e->cell;
	bool restarted = false, waiting = false;

	p->res->cells_scanned++;
	kk_strv_freep(&p->release);
	if (c->status.common.state == KK_CELL_FAILED)
		return 0; /* sticky: statuses only */
	if (old_state == KK_CELL_READY || old_state == KK_CELL_DEGRADED)
		c->status.ready_observed = true;
	if (c->status.ready_observed && info->root_pid) {
		for (size_t i = 1; i < info->n_containers; i++) {
			switch (restart_one(p, l, e, info, i)) {
			case V_RESTARTED:
				restarted = true;
				break;
			case V_WAITING:
				waiting = true;
				break;
			case V_RELEASE:
				kk_strv_push_take(&p->release,
						  kk_xstrdup(kk_str(info->containers[i].name)));
				break;
			case V_NONE:
				break;
			}
		}
	}
	if (restarted) {
		struct kk_rt_cell_info now = { 0 };
		struct kk_err err = { 0 };

		if (kk_rt_cell_status(&e->rt, &e->rc, &now, &err) == 0) {
			kk_rt_cell_info_clear(info);
			*info = now;
			kk_cell_status_fill(c, info, e->rc.cgroup_path);
		} else {
			error_add(p, e, "status after restart", &err);
		}
	}
	/* a restart on its way: not stopped, not done */
	if ((restarted || waiting) && c->status.common.state == KK_CELL_STOPPED)
		c->status.common.state = KK_CELL_DEGRADED;
	if (c->spec.auto_delete && c->status.common.state == KK_CELL_STOPPED &&
	    c->status.ready_observed)
		return auto_delete(p, l, e);
	if (c->status.common.state == KK_CELL_STOPPED && c->status.ready_observed &&
	    info->n_containers > 1 && info->root_pid)
		wind_down(p, l, e);
	return 0;
}

/* The exits are on disk: the tasks that will not run again can go. */
static void settled_hook(void *arg, struct kk_local *l, struct kk_cell_env *e,
			 const struct kk_rt_cell_info *info)
{
	struct pass *p = arg;

	(void)l;
	(void)info;
	for (size_t i = 0; p->release && p->release[i]; i++) {
		struct kk_err err = { 0 };

		if (kk_rt_cell_container_release(&e->rt, &e->rc, p->release[i], &err) < 0)
			error_add(p, e, "release", &err);
		else
			kk_strv_push_take(&p->res->released,
					  kk_xasprintf("%s/%s/%s/%s/%s", e->realm, e->space,
						       e->stack, e->name, p->release[i]));
	}
	kk_strv_freep(&p->release);
}

int kk_ctl_reconcile(struct kk_local *l, struct kk_reconciler *r, struct kk_reconcile_result *res,
		     struct kk_err *err)
{
	struct kk_reconcile_result out = { 0 };
	struct pass p = { .r = r, .res = &out };
	const struct kk_refresh_hooks hooks = { cell_hook, settled_hook, &p };
	int rc;

	pthread_mutex_lock(&r->mu);
	r->pass++;
	rc = kk_refresh_walk(l, &hooks, &out.walk, err);
	kk_strv_freep(&p.release);
	if (rc == 0)
		backoff_sweep(r);
	pthread_mutex_unlock(&r->mu);
	if (rc < 0) {
		kk_reconcile_result_clear(&out);
		return -1;
	}
	*res = out;
	return 0;
}
