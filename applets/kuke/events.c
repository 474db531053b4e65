/* applets/kuke/events.c - kuke events: containerd's task events of kukeon's namespaces
 * (a subscription this process holds, through the controller) joined with kukeon's own
 * from the event log (ReadEvents, in-process or through kukeond), one line each, until
 * SIGINT or SIGTERM (exit 0). --since first replays the log from that time. */
#include "applets/kuke/kuke.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "applets/kuke/client.h"
#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/controller/local.h"
#include "common/gostr.h"
#include "common/json.h"
#include "common/mem.h"

#define EVENTS_POLL_MS 200

/* --since: a Go duration back from now, or an RFC 3339 time; Unix ns. */
static int parse_since(const char *s, int64_t *out, struct kk_err *err)
{
	struct kk_err e = { 0 };
	struct kk_time t;
	int64_t ms;
	struct timespec now;

	if (kk_go_parse_duration(s, &ms, &e) == 0 && ms >= 0) {
		int64_t back, now_ns;

		clock_gettime(CLOCK_REALTIME, &now);
		now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
		/* further back than the epoch: everything (1, as 0 would mean no --since) */
		if (__builtin_mul_overflow(ms, INT64_C(1000000), &back) || back >= now_ns)
			*out = 1;
		else
			*out = now_ns - back;
		return 0;
	}
	if (kk_time_parse(s, &t, &e) == 0) {
		*out = kk_time_unix_ns(&t);
		return 0;
	}
	return kk_err_set(err, KK_EUSAGE,
			  "invalid --since `%s`: want a duration (10m, 1h30m) or an RFC 3339 time "
			  "(2006-01-02T15:04:05Z)",
			  s);
}

static void print_event(const struct kk_event *ev, bool json)
{
	struct kk_time t =
		kk_time_from_unix(ev->time_ns / 1000000000, (int32_t)(ev->time_ns % 1000000000));
	char when[KK_TIME_RFC3339NANO_MAX];
	const char *const parts[] = { ev->realm, ev->space, ev->stack, ev->cell, ev->container };
	static const char *const keys[] = { "realm", "space", "stack", "cell", "container" };

	kk_time_format(&t, when);
	if (json) {
		cleanup_(kk_json_freep) cJSON *o = cJSON_CreateObject();
		cleanup_free char *line = NULL;

		cJSON_AddStringToObject(o, "time", when);
		cJSON_AddStringToObject(o, "type", kk_str(ev->type));
		cJSON_AddStringToObject(o, "source", ev->containerd ? "containerd" : "kukeon");
		for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
			if (parts[i])
				cJSON_AddStringToObject(o, keys[i], parts[i]);
		if (ev->has_exit)
			cJSON_AddNumberToObject(o, "exitCode", (double)ev->exit_code);
		line = kk_json_print(o, KK_JSON_NEWLINE);
		fputs(line, stdout);
	} else {
		printf("%s  %s  ", when, kk_str(ev->type));
		for (size_t i = 0, n = 0; i < ARRAY_SIZE(parts); i++)
			if (parts[i])
				printf("%s%s", n++ ? "/" : "", parts[i]);
		if (ev->has_exit)
			printf("  exitCode=%lld", (long long)ev->exit_code);
		putchar('\n');
	}
	fflush(stdout);
}

/* The log's events after *a (cursor and inode move on), printed. */
static int drain_log(struct kk_client *c, struct kk_events_args *a, bool json, struct kk_err *err)
{
	for (;;) {
		struct kk_events_result r = { 0 };
		size_t n;

		if (kk_call_events_read(c, a, &r, err) < 0)
			return -1;
		for (size_t i = 0; i < r.n; i++)
			print_event(&r.v[i], json);
		a->cursor = r.cursor;
		a->inode = r.inode;
		a->since_ns = 0;
		n = r.n;
		kk_events_result_clear(&r);
		if (n < KK_EVENTS_BATCH)
			return 0;
	}
}

static bool stop_pending(const sigset_t *set)
{
	struct timespec zero = { 0 };

	return sigtimedwait(set, NULL, &zero) > 0;
}

int kuke_events(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
		struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	cleanup_(kk_local_freep) struct kk_local *l = NULL;
	cleanup_(kk_events_watch_closep) struct kk_events_watch *w = NULL;
	struct kk_events_args a = { .cursor = -1, .realm = kuke_or_null(f->realm) };
	struct kk_local_opts opts = kuke_local_opts(ctx);
	bool json;
	sigset_t block, old;
	int rc = -1;

	(void)arg;
	(void)argv;
	if (argc > 1)
		return kk_err_set(err, KK_EUSAGE, "events: accepts 0 arg(s), received %d",
				  argc - 1);
	if (!strcasecmp(f->output, "json"))
		json = true;
	else if (!strcasecmp(f->output, "text"))
		json = false;
	else
		return kk_err_set(err, EINVAL, "invalid output format: %s (supported: text, json)",
				  f->output);
	if (f->since && parse_since(f->since, &a.since_ns, err) < 0)
		return -1;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	/* subscribe first: what happens while the log replays is not missed */
	if (kk_local_new(&opts, &l, err) < 0 || kk_events_watch_open(l, a.realm, &w, err) < 0 ||
	    kuke_client_open(ctx, &c, err) < 0 || drain_log(c, &a, json, err) < 0)
		goto out;
	while (!stop_pending(&block)) {
		struct kk_event ev = { 0 };
		int r = kk_events_watch_next(w, EVENTS_POLL_MS, &ev, err);

		if (r < 0)
			goto out;
		if (r > 0) {
			print_event(&ev, json);
			kk_event_clear(&ev);
		}
		if (drain_log(c, &a, json, err) < 0)
			goto out;
	}
	rc = 0;
out:
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
