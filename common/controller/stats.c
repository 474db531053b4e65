/* common/controller/stats.c - see stats.h. */
#include "common/controller/stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/controller/cell.h"
#include "common/controller/ops.h"
#include "common/mem.h"
#include "common/model/model.h"
#include "common/model/naming.h"
#include "common/runtime/runtime.h"

void kk_stats_result_clear(struct kk_stats_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct kk_cell_stats *c = &r->cells[i];

		free(c->realm);
		free(c->space);
		free(c->stack);
		free(c->name);
		free(c->state);
		for (size_t j = 0; j < c->n_containers; j++)
			free(c->containers[j].name);
		free(c->containers);
	}
	free(r->cells);
	memset(r, 0, sizeof(*r));
}

/* The usage of group, or zeros when it does not exist. */
static int usage_or_zero(struct kk_local *l, const char *group, struct kk_cgroup_usage *u,
			 struct kk_err *err)
{
	struct kk_err e = { 0 };

	*u = (struct kk_cgroup_usage){ .mem_limit = -1 };
	if (kk_cgroup_usage_read(l->cg, group, u, &e) == 0 || e.code == ENOENT)
		return 0;
	*err = e;
	return -1;
}

static int container_stats(struct kk_local *l, const struct kk_rt_cell *rc,
			   const struct kk_container_spec *spec, const char *name,
			   struct kk_stats_container *out, struct kk_err *err)
{
	cleanup_free char *id = NULL;
	cleanup_free char *group = NULL;

	if (kk_rt_cell_container_id(rc, spec, &id, err) < 0)
		return -1;
	group = kk_xasprintf("%s/%s", rc->cgroup_path, id);
	if (usage_or_zero(l, group, &out->u, err) < 0)
		return -1;
	out->name = kk_xstrdup(name);
	out->running = out->u.first_pid > 0;
	return 0;
}

static int cell_stats(struct kk_local *l, const struct kk_cell *cell, struct kk_cell_stats *out,
		      struct kk_err *err)
{
	struct kk_rt_cell rc = { 0 };
	struct kk_rt_cell_paths paths = { 0 };
	bool has_root = false;
	int rc_ = -1;

	kk_rt_cell_from_model(cell, l->run_path, l->cgroup_root, NULL, NULL, &rc, &paths);
	out->realm = kk_xstrdup(kk_str(cell->spec.realm_id));
	out->space = kk_xstrdup(kk_str(cell->spec.space_id));
	out->stack = kk_xstrdup(kk_str(cell->spec.stack_id));
	out->name = kk_xstrdup(kk_str(cell->meta.name));
	out->state = kk_xstrdup(kk_state_label(&kk_cell_states, cell->status.common.state));
	if (usage_or_zero(l, rc.cgroup_path, &out->u, err) < 0)
		goto out;
	out->containers = kk_xcalloc(cell->spec.n_containers + 1, sizeof(*out->containers));
	for (size_t i = 0; i < cell->spec.n_containers; i++) {
		const struct kk_container_spec *s = &cell->spec.containers[i];

		has_root |= s->root;
		if (container_stats(l, &rc, s, kk_str(s->id), &out->containers[out->n_containers],
				    err) < 0)
			goto out;
		out->n_containers++;
	}
	if (!has_root) { /* the implicit root container */
		struct kk_container_spec root = { .id = (char *)KK_RT_ROOT_ID, .root = true };

		if (container_stats(l, &rc, &root, KK_RT_ROOT_ID,
				    &out->containers[out->n_containers], err) < 0)
			goto out;
		out->n_containers++;
	}
	/* every container joins the root's network namespace: any process of the cell has it */
	if (out->u.first_pid > 0) {
		struct kk_err e = { 0 };

		/* a process that exits meanwhile leaves the counters at zero for this sample */
		if (kk_proc_net_bytes(out->u.first_pid, &out->net_rx, &out->net_tx, &e) < 0)
			out->net_rx = out->net_tx = 0;
	}
	rc_ = 0;
out:
	if (rc_ < 0)
		kk_err_wrap(err, "cell `%s`", kk_str(cell->meta.name));
	kk_rt_cell_paths_clear(&paths);
	return rc_;
}

static const char *filter(const char *s)
{
	return s && *s ? s : NULL;
}

int kk_op_stats(struct kk_local *l, const struct kk_ref *a, struct kk_stats_result *r,
		struct kk_err *err)
{
	struct kk_cell **cells = NULL;
	size_t n = 0;
	struct timespec ts;
	int rc = -1;

	if (kk_local_cgroup(l, err) < 0 || kk_ctl_cell_list(l, filter(a->realm), filter(a->space),
							    filter(a->stack), &cells, &n, err) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	r->time_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	r->cells = kk_xcalloc(n + 1, sizeof(*r->cells));
	for (size_t i = 0; i < n; i++) {
		if (filter(a->cell) && strcmp(kk_str(cells[i]->meta.name), a->cell) != 0)
			continue;
		if (cell_stats(l, cells[i], &r->cells[r->n], err) < 0) {
			r->n++; /* cleared below with what it holds */
			goto out;
		}
		r->n++;
	}
	if (filter(a->cell) && r->n == 0) {
		kk_err_set(err, ENOENT, "cell `%s` not found", a->cell);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		kk_stats_result_clear(r);
	kk_cell_list_free(cells, n);
	return rc;
}
