/* applets/kuke/stats.c - kuke stats: what cells and their containers use, from two samples
 * of CellStats (common/controller/stats.h) a second apart. On a terminal the table is
 * redrawn every second until SIGINT or SIGTERM (exit 0); otherwise, with --no-stream, or
 * with -o json|yaml, one snapshot is printed. */
#include "applets/kuke/kuke.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "applets/kuke/client.h"
#include "applets/kuke/output.h"
#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/table.h"

#define STATS_INTERVAL_MS 1000

/* One sample: the cells of every CELL argument (or of the filters), in order. */
static int sample(struct kk_client *c, const struct kuke_flags *f, int argc, char **argv,
		  struct kk_stats_result *out, struct kk_err *err)
{
	struct kk_ref ref = { .realm = kuke_or_null(f->realm),
			      .space = kuke_or_null(f->space),
			      .stack = kuke_or_null(f->stack) };
	struct kk_stats_result all = { 0 };

	if (argc <= 1)
		return kk_call_stats(c, &ref, out, err);
	for (int i = 1; i < argc; i++) {
		struct kk_stats_result one = { 0 };

		ref.cell = argv[i];
		if (kk_call_stats(c, &ref, &one, err) < 0) {
			kk_stats_result_clear(&all);
			return -1;
		}
		all.time_ns = one.time_ns;
		all.cells = kk_xrealloc(all.cells, (all.n + one.n + 1) * sizeof(*all.cells));
		memcpy(all.cells + all.n, one.cells, one.n * sizeof(*one.cells));
		all.n += one.n;
		free(one.cells); /* the items moved to all */
	}
	*out = all;
	return 0;
}

static const struct kk_cell_stats *find_cell(const struct kk_stats_result *r,
					     const struct kk_cell_stats *c)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (!strcmp(r->cells[i].realm, c->realm) && !strcmp(r->cells[i].space, c->space) &&
		    !strcmp(r->cells[i].stack, c->stack) && !strcmp(r->cells[i].name, c->name))
			return &r->cells[i];
	return NULL;
}

static const struct kk_stats_container *find_container(const struct kk_cell_stats *c,
						       const char *name)
{
	for (size_t i = 0; c && i < c->n_containers; i++)
		if (!strcmp(c->containers[i].name, name))
			return &c->containers[i];
	return NULL;
}

/* CPU % of one core over the interval between two samples (docker's convention: a busy
 * core is 100). */
static double cpu_pct(const struct kk_cgroup_usage *prev, const struct kk_cgroup_usage *now,
		      int64_t dt_ns)
{
	if (!prev || dt_ns <= 0 || now->cpu_usec < prev->cpu_usec)
		return 0;
	return (double)(now->cpu_usec - prev->cpu_usec) * 1000.0 * 100.0 / (double)dt_ns;
}

static void pair(char *buf, size_t len, int64_t a, int64_t b, const char *none)
{
	char x[32], y[32];

	kuke_human_bytes(x, sizeof(x), a);
	if (b < 0)
		snprintf(y, sizeof(y), "%s", none);
	else
		kuke_human_bytes(y, sizeof(y), b);
	snprintf(buf, len, "%s / %s", x, y);
}

static void add_row(struct kk_table *t, const struct kk_cell_stats *c, const char *container,
		    const struct kk_cgroup_usage *u, double pct, bool net)
{
	char scope[512], cpu[32], mem[80], pids[32], io[80], netio[80];
	const char *cells[8];

	snprintf(scope, sizeof(scope), "%s/%s/%s", c->realm, c->space, c->stack);
	snprintf(cpu, sizeof(cpu), "%.2f%%", pct);
	pair(mem, sizeof(mem), u->mem_bytes, u->mem_limit, "-");
	snprintf(pids, sizeof(pids), "%lld", (long long)u->pids);
	pair(io, sizeof(io), u->io_read, u->io_write, "-");
	if (net)
		pair(netio, sizeof(netio), c->net_rx, c->net_tx, "-");
	cells[0] = scope;
	cells[1] = c->name;
	cells[2] = container;
	cells[3] = cpu;
	cells[4] = mem;
	cells[5] = pids;
	cells[6] = io;
	cells[7] = net ? netio : "-";
	kk_table_add(t, cells);
}

static void print_table(const struct kk_stats_result *prev, const struct kk_stats_result *now)
{
	static const char *const headers[] = { "STACK",
					       "CELL",
					       "CONTAINER",
					       "CPU %",
					       "MEM USAGE / LIMIT",
					       "PIDS",
					       "BLOCK I/O (R / W)",
					       "NET I/O (RX / TX)" };
	cleanup_(kk_table_freep) struct kk_table *t = kk_table_new(ARRAY_SIZE(headers), headers);
	int64_t dt = prev ? now->time_ns - prev->time_ns : 0;

	for (size_t i = 0; i < now->n; i++) {
		const struct kk_cell_stats *c = &now->cells[i];
		const struct kk_cell_stats *p = find_cell(prev, c);

		add_row(t, c, "*", &c->u, cpu_pct(p ? &p->u : NULL, &c->u, dt), true);
		for (size_t j = 0; j < c->n_containers; j++) {
			const struct kk_stats_container *k = &c->containers[j];
			const struct kk_stats_container *pk = find_container(p, k->name);

			add_row(t, c, k->name, &k->u, cpu_pct(pk ? &pk->u : NULL, &k->u, dt),
				false);
		}
	}
	kk_table_print(t, stdout);
}

static void usage_json(cJSON *o, const struct kk_cgroup_usage *u, double pct)
{
	cJSON_AddNumberToObject(o, "cpuPercent", (double)(long long)(pct * 100 + 0.5) / 100);
	cJSON_AddNumberToObject(o, "cpuUsageUsec", (double)u->cpu_usec);
	cJSON_AddNumberToObject(o, "memoryBytes", (double)u->mem_bytes);
	if (u->mem_limit >= 0)
		cJSON_AddNumberToObject(o, "memoryLimitBytes", (double)u->mem_limit);
	else
		cJSON_AddNullToObject(o, "memoryLimitBytes");
	cJSON_AddNumberToObject(o, "pids", (double)u->pids);
	cJSON_AddNumberToObject(o, "blockReadBytes", (double)u->io_read);
	cJSON_AddNumberToObject(o, "blockWriteBytes", (double)u->io_write);
	/* where the host does not delegate a controller the figure comes from the processes */
	cJSON_AddStringToObject(o, "memorySource", u->mem_from_procs ? "processes" : "cgroup");
	cJSON_AddStringToObject(o, "pidsSource", u->pids_from_procs ? "processes" : "cgroup");
	cJSON_AddStringToObject(o, "blockIOSource", u->io_from_procs ? "processes" : "cgroup");
}

static cJSON *stats_json(const struct kk_stats_result *prev, const struct kk_stats_result *now)
{
	cJSON *top = cJSON_CreateObject();
	cJSON *cells = cJSON_AddArrayToObject(top, "cells");
	int64_t dt = now->time_ns - prev->time_ns;
	int64_t interval_ms = dt / 1000000;

	cJSON_AddNumberToObject(top, "intervalMs", (double)interval_ms);
	for (size_t i = 0; i < now->n; i++) {
		const struct kk_cell_stats *c = &now->cells[i];
		const struct kk_cell_stats *p = find_cell(prev, c);
		cJSON *o = cJSON_CreateObject();
		cJSON *a;

		cJSON_AddStringToObject(o, "realm", c->realm);
		cJSON_AddStringToObject(o, "space", c->space);
		cJSON_AddStringToObject(o, "stack", c->stack);
		cJSON_AddStringToObject(o, "cell", c->name);
		cJSON_AddStringToObject(o, "state", c->state);
		usage_json(o, &c->u, cpu_pct(p ? &p->u : NULL, &c->u, dt));
		cJSON_AddNumberToObject(o, "netRxBytes", (double)c->net_rx);
		cJSON_AddNumberToObject(o, "netTxBytes", (double)c->net_tx);
		a = cJSON_AddArrayToObject(o, "containers");
		for (size_t j = 0; j < c->n_containers; j++) {
			const struct kk_stats_container *k = &c->containers[j];
			const struct kk_stats_container *pk = find_container(p, k->name);
			cJSON *ko = cJSON_CreateObject();

			cJSON_AddStringToObject(ko, "name", k->name);
			cJSON_AddBoolToObject(ko, "running", k->running);
			usage_json(ko, &k->u, cpu_pct(pk ? &pk->u : NULL, &k->u, dt));
			cJSON_AddItemToArray(a, ko);
		}
		cJSON_AddItemToArray(cells, o);
	}
	return top;
}

/* Wait ms with SIGINT and SIGTERM blocked: 1 when one of them came (taken), else 0. */
static int wait_or_signal(const sigset_t *set, int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	for (;;) {
		int s = sigtimedwait(set, NULL, &ts);

		if (s > 0)
			return 1;
		if (errno != EINTR)
			return 0;
	}
}

int kuke_stats(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
	       struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	struct kk_stats_result prev = { 0 }, now = { 0 };
	enum kuke_fmt fmt;
	bool live;
	sigset_t block, old;
	int rc = -1;

	(void)arg;
	if (kuke_get_format(f->output, false, &fmt, err) < 0)
		return -1;
	live = fmt == KUKE_FMT_TABLE && !f->no_stream && isatty(STDOUT_FILENO);
	if (kuke_client_open(ctx, &c, err) < 0)
		return -1;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (sample(c, f, argc, argv, &prev, err) < 0)
		goto out;
	if (live)
		fputs("\033[?25l", stdout); /* no cursor while redrawing */
	for (;;) {
		if (wait_or_signal(&block, STATS_INTERVAL_MS)) {
			rc = 0;
			break;
		}
		if (sample(c, f, argc, argv, &now, err) < 0)
			break;
		if (fmt != KUKE_FMT_TABLE) {
			cleanup_(kk_json_freep) cJSON *t = stats_json(&prev, &now);

			kuke_print_tree(t, fmt);
			rc = 0;
			break;
		}
		if (live)
			fputs("\033[H\033[2J", stdout);
		print_table(&prev, &now);
		fflush(stdout);
		if (!live) {
			rc = 0;
			break;
		}
		kk_stats_result_clear(&prev);
		prev = now;
		memset(&now, 0, sizeof(now));
	}
	if (live) {
		fputs("\033[?25h", stdout);
		fflush(stdout);
	}
out:
	kk_stats_result_clear(&prev);
	kk_stats_result_clear(&now);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
