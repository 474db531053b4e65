/* applets/kuke/status.c - kuke status: one screen that says whether this host is healthy.
 *
 * kukeond is probed first (a Ping on the socket kuke would dial). HostStatus then runs
 * through it when it answers, in-process otherwise (and always with --no-daemon). The
 * host is healthy when containerd answers, kukeond answers (unless kuke runs without it)
 * and kukeond's last reconcile pass reported no error; otherwise the screen is printed
 * all the same and kuke exits 1 with the reasons. */
#include "applets/kuke/kuke.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "applets/kuke/client.h"
#include "applets/kuke/output.h"
#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/rpc/client.h"
#include "common/rpc/host.h"
#include "common/strv.h"
#include "common/table.h"

struct probe {
	bool in_process; /* kuke does not use kukeond (--no-daemon) */
	bool alive;      /* kukeond answered a Ping */
	char *socket;    /* owned */
	char *version;   /* owned: what the Ping said */
	char *why;       /* owned: why it did not answer */
};

static void probe_clear(struct probe *p)
{
	free(p->socket);
	free(p->version);
	free(p->why);
}

static void time_text(int64_t unix_ms, char *buf)
{
	struct kk_time t = kk_time_from_unix(unix_ms / 1000, (int32_t)(unix_ms % 1000) * 1000000);

	kk_time_format(&t, buf);
}

static void duration_text(int64_t s, char *buf, size_t len)
{
	if (s >= 86400)
		snprintf(buf, len, "%lldd%lldh", (long long)(s / 86400),
			 (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, len, "%lldh%lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, len, "%lldm%llds", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(buf, len, "%llds", (long long)s);
}

static char **reasons(const struct kk_host_status *s, const struct probe *p)
{
	char **v = NULL;

	if (!s->containerd_ok)
		kk_strv_push_take(&v, kk_xasprintf("containerd does not answer: %s",
						   kk_str(s->containerd_error)));
	if (!p->in_process && !p->alive)
		kk_strv_push_take(&v, kk_xasprintf("kukeond is not running (%s)", p->why));
	if (p->alive && s->daemon.present && s->daemon.last_errors)
		kk_strv_push_take(&v, kk_xasprintf("the last reconcile pass reported %zu error(s)",
						   kk_strv_len(s->daemon.last_errors)));
	return v;
}

static void print_text(const struct kk_host_status *s, const struct probe *p, char **why)
{
	static const int order[] = { KK_CELL_READY,  KK_CELL_DEGRADED, KK_CELL_STOPPED,
				     KK_CELL_FAILED, KK_CELL_PENDING,  KK_CELL_UNKNOWN };
	const struct kk_daemon_status *d = &s->daemon;
	char when[KK_TIME_RFC3339NANO_MAX], up[32], a[32], b[32];

	if (s->containerd_ok)
		printf("containerd:  reachable, version %s\n", kk_str(s->containerd_version));
	else
		printf("containerd:  not reachable: %s\n", kk_str(s->containerd_error));
	if (p->alive && d->present) {
		duration_text((kk_wall_ms() - d->started_ms) / 1000, up, sizeof(up));
		printf("kukeond:     running, pid %lld, version %s, up %s, socket %s\n",
		       (long long)d->pid, kk_str(d->version), up, p->socket);
	} else if (p->alive) {
		printf("kukeond:     running, version %s, socket %s (no status record in %s)\n",
		       kk_str(p->version), p->socket, kk_str(s->run_path));
	} else {
		printf("kukeond:     not running (%s)%s\n", p->why,
		       p->in_process ? "; kuke runs the controller in-process" : "");
	}
	if (!p->alive)
		printf("reconcile:   -\n");
	else if (!d->present || d->reconcile_ms <= 0)
		printf("reconcile:   off\n");
	else if (d->last_pass_ms == 0)
		printf("reconcile:   every %llds, no pass yet\n",
		       (long long)(d->reconcile_ms / 1000));
	else {
		time_text(d->last_pass_ms, when);
		printf("reconcile:   last pass %s (took %lldms, %lld passes), %zu error(s)\n", when,
		       (long long)d->last_pass_took_ms, (long long)d->passes,
		       kk_strv_len(d->last_errors));
		for (size_t i = 0; d->last_errors && d->last_errors[i]; i++)
			printf("             %s\n", d->last_errors[i]);
	}
	printf("cells:\n");
	{
		const char *headers[2 + ARRAY_SIZE(order)] = { "REALM", "TOTAL" };
		cleanup_(kk_table_freep) struct kk_table *t = NULL;

		for (size_t i = 0; i < ARRAY_SIZE(order); i++)
			headers[2 + i] = kk_state_label(&kk_cell_states, order[i]);
		t = kk_table_new(ARRAY_SIZE(headers), headers);
		for (size_t i = 0; i < s->n_realms; i++) {
			char nums[2 + ARRAY_SIZE(order)][24];
			const char *cells[2 + ARRAY_SIZE(order)];
			int64_t total = 0;

			for (size_t j = 0; j < ARRAY_SIZE(order); j++) {
				total += s->realms[i].cells[order[j]];
				snprintf(nums[2 + j], sizeof(nums[0]), "%lld",
					 (long long)s->realms[i].cells[order[j]]);
				cells[2 + j] = nums[2 + j];
			}
			snprintf(nums[1], sizeof(nums[0]), "%lld", (long long)total);
			cells[0] = s->realms[i].name;
			cells[1] = nums[1];
			kk_table_add(t, cells);
		}
		kk_table_print(t, stdout);
	}
	kuke_human_bytes(a, sizeof(a), s->run_path_bytes);
	printf("disk:        run path %s: %s\n", kk_str(s->run_path),
	       s->run_path_bytes >= 0 ? a : "unknown");
	kuke_human_bytes(b, sizeof(b), s->content_bytes);
	if (s->content_bytes >= 0)
		printf("             content store %s: %s\n", kk_str(s->content_path), b);
	else
		printf("             content store: unknown (%s)\n",
		       s->disk_error && *s->disk_error ? s->disk_error
						       : "containerd does not answer");
	if (!why)
		printf("health:      ok\n");
	else
		for (size_t i = 0; why[i]; i++)
			printf("%s%s\n", i ? "             " : "health:      unhealthy: ", why[i]);
}

static cJSON *status_json(const struct kk_host_status *s, const struct probe *p, char **why)
{
	const struct kk_daemon_status *d = &s->daemon;
	cJSON *top = cJSON_CreateObject();
	cJSON *o, *a;
	char when[KK_TIME_RFC3339NANO_MAX];

	cJSON_AddBoolToObject(top, "healthy", why == NULL);
	kk_json_add_strv(top, "reasons", why ? why : (char *[]){ NULL });
	o = cJSON_AddObjectToObject(top, "containerd");
	cJSON_AddBoolToObject(o, "reachable", s->containerd_ok);
	cJSON_AddStringToObject(o, "version", kk_str(s->containerd_version));
	cJSON_AddStringToObject(o, "error", kk_str(s->containerd_error));
	o = cJSON_AddObjectToObject(top, "kukeond");
	cJSON_AddBoolToObject(o, "running", p->alive);
	cJSON_AddStringToObject(o, "socket", p->socket);
	cJSON_AddBoolToObject(o, "inProcess", p->in_process);
	if (p->alive) {
		cJSON_AddStringToObject(o, "version", d->present ? kk_str(d->version) : p->version);
		if (d->present) {
			int64_t up = (kk_wall_ms() - d->started_ms) / 1000;

			cJSON_AddNumberToObject(o, "pid", (double)d->pid);
			time_text(d->started_ms, when);
			cJSON_AddStringToObject(o, "startedAt", when);
			cJSON_AddNumberToObject(o, "uptimeSeconds", (double)up);
		}
	} else {
		cJSON_AddStringToObject(o, "error", kk_str(p->why));
	}
	o = cJSON_AddObjectToObject(top, "reconcile");
	cJSON_AddBoolToObject(o, "running", p->alive && d->present && d->reconcile_ms > 0);
	cJSON_AddNumberToObject(o, "intervalMs", (double)(p->alive ? d->reconcile_ms : 0));
	cJSON_AddNumberToObject(o, "passes", (double)(p->alive ? d->passes : 0));
	if (p->alive && d->last_pass_ms) {
		time_text(d->last_pass_ms, when);
		cJSON_AddStringToObject(o, "lastPass", when);
		cJSON_AddNumberToObject(o, "lastPassTookMs", (double)d->last_pass_took_ms);
	} else {
		cJSON_AddNullToObject(o, "lastPass");
	}
	kk_json_add_strv(o, "errors",
			 p->alive && d->last_errors ? d->last_errors : (char *[]){ NULL });
	a = cJSON_AddArrayToObject(top, "realms");
	for (size_t i = 0; i < s->n_realms; i++) {
		cJSON *r = cJSON_CreateObject();
		cJSON *c;

		cJSON_AddStringToObject(r, "name", s->realms[i].name);
		c = cJSON_AddObjectToObject(r, "cells");
		for (int st = 0; st < KK_STATUS_CELL_STATES; st++)
			cJSON_AddNumberToObject(c, kk_state_label(&kk_cell_states, st),
						(double)s->realms[i].cells[st]);
		cJSON_AddItemToArray(a, r);
	}
	o = cJSON_AddObjectToObject(top, "disk");
	cJSON_AddStringToObject(o, "runPath", kk_str(s->run_path));
	cJSON_AddNumberToObject(o, "runPathBytes", (double)s->run_path_bytes);
	cJSON_AddStringToObject(o, "contentStore", kk_str(s->content_path));
	cJSON_AddNumberToObject(o, "contentStoreBytes", (double)s->content_bytes);
	cJSON_AddStringToObject(o, "error", kk_str(s->disk_error));
	return top;
}

/* Ping kukeond on the socket kuke would dial; keep the connection when it answers. */
static int probe_daemon(struct kuke_ctx *ctx, struct probe *p, struct kk_client **rpc,
			struct kk_err *err)
{
	struct kk_ping_reply pong = { 0 };
	struct kk_err e = { 0 };
	const char *v = getenv("KUKE_TEST_IN_PROCESS");

	p->in_process = ctx->no_daemon || (v && *v);
	if (kk_rpc_host_parse(ctx->host, &p->socket, err) < 0)
		return -1;
	if (kk_client_rpc_new(p->socket, rpc, &e) < 0 ||
	    kk_call_ping(*rpc, &(struct kk_no_args){ 0 }, &pong, &e) < 0) {
		kk_client_freep(rpc);
		p->why = kk_xstrdup(e.msg);
		return 0;
	}
	p->alive = true;
	p->version = TAKE_PTR(pong.version);
	kk_ping_reply_clear(&pong);
	return 0;
}

int kuke_status(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
		struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *rpc = NULL;
	cleanup_(kk_client_freep) struct kk_client *local = NULL;
	cleanup_(kk_strv_freep) char **why = NULL;
	struct kk_host_status s = { 0 };
	struct probe p = { 0 };
	enum kuke_fmt fmt;
	int rc = -1;

	(void)arg;
	(void)argv;
	if (argc > 1)
		return kk_err_set(err, KK_EUSAGE, "status: accepts 0 arg(s), received %d",
				  argc - 1);
	if (kuke_get_format(f->output, false, &fmt, err) < 0 ||
	    probe_daemon(ctx, &p, &rpc, err) < 0)
		goto out;
	if (p.in_process || !p.alive) {
		struct kk_local_opts opts = kuke_local_opts(ctx);

		if (kk_client_local_new(&opts, &local, err) < 0)
			goto out;
	}
	if (kk_call_host_status(local ? local : rpc, &(struct kk_no_args){ 0 }, &s, err) < 0)
		goto out;
	why = reasons(&s, &p);
	if (fmt == KUKE_FMT_TABLE) {
		print_text(&s, &p, why);
	} else {
		cleanup_(kk_json_freep) cJSON *t = status_json(&s, &p, why);

		kuke_print_tree(t, fmt);
	}
	kk_host_status_clear(&s);
	if (why) {
		fflush(stdout);
		kk_err_set(err, EHOSTDOWN, "unhealthy: %s", why[0]);
		goto out;
	}
	rc = 0;
out:
	probe_clear(&p);
	return rc;
}
