/* tests/unit/test_ctr_events.c - Events.Subscribe as a stream: filtered events arrive,
 * an idle wait returns, another thread can cancel a blocked wait, and the callback loop
 * stops when told. */
#include "ctr/ctr.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/ctr_testlib.h"

#define TOPIC_FILTER "topic==\"/namespaces/create\""

static void filtered_events_arrive(struct ctr_conn *conn)
{
	static const char *const filters[] = { TOPIC_FILTER, NULL };
	cleanup_(ctr_events_closep) struct ctr_events *sub = NULL;
	struct ctr_event ev = { 0 };
	struct kk_err err = { 0 };
	int r;

	TAP_OK(ctr_events_subscribe(conn, filters, &sub, &err) == 0, "subscribe: %s", err.msg);
	TAP_INT_EQ(ctr_events_next(sub, 300, &ev, &err), 0); /* nothing yet: idle */
	ctr_set_namespace(conn, NULL);
	TAP_OK(ctr_namespace_create(conn, "events-a", NULL, &err) == 0, "create a namespace");
	r = ctr_events_next(sub, 5000, &ev, &err);
	TAP_INT_EQ(r, 1);
	if (r == 1) {
		TAP_STR_EQ(ev.topic, "/namespaces/create");
		TAP_STR_EQ(ev.type_url, "containerd.events.NamespaceCreate");
		TAP_OK(ev.len > 0 && memmem(ev.data, ev.len, "events-a", 8), "payload names it");
		TAP_OK(ev.timestamp_ns > 0, "timestamp");
		ctr_event_clear(&ev);
	}
	ctr_namespace_delete(conn, "events-a", &err);
	/* the delete is filtered out */
	TAP_INT_EQ(ctr_events_next(sub, 300, &ev, &err), 0);
}

struct canceller {
	struct ctr_events *sub;
};

static void *cancel_later(void *arg)
{
	struct canceller *c = arg;

	usleep(200 * 1000);
	ctr_events_cancel(c->sub);
	return NULL;
}

static void cancel_from_another_thread(struct ctr_conn *conn)
{
	cleanup_(ctr_events_closep) struct ctr_events *sub = NULL;
	struct ctr_event ev = { 0 };
	struct kk_err err = { 0 };
	struct canceller c;
	pthread_t t;
	struct timespec t0, t1;

	TAP_OK(ctr_events_subscribe(conn, NULL, &sub, &err) == 0, "subscribe");
	c.sub = sub;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&t, NULL, cancel_later, &c);
	/* events from other tests may arrive; skip them until the cancel lands */
	while (ctr_events_next(sub, CTR_WAIT_FOREVER, &ev, &err) == 1)
		ctr_event_clear(&ev);
	pthread_join(t, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TAP_INT_EQ(err.code, ECANCELED);
	TAP_STR_EQ(err.msg, "events.Subscribe: cancelled");
	TAP_OK(t1.tv_sec - t0.tv_sec < 5, "the blocked wait ended");
	TAP_INT_EQ(ctr_events_next(sub, 100, &ev, &err), -1);
}

struct maker {
	const char *sock;
};

static void *make_namespaces(void *arg)
{
	struct maker *m = arg;
	struct ctr_conn *conn = NULL;
	struct kk_err err = { 0 };

	if (ctr_connect(m->sock, NULL, &conn, &err) < 0)
		return NULL;
	usleep(300 * 1000);
	ctr_namespace_create(conn, "events-b", NULL, &err);
	ctr_namespace_create(conn, "events-c", NULL, &err);
	ctr_disconnect(conn);
	return NULL;
}

static int count_two(const struct ctr_event *ev, void *arg, struct kk_err *err)
{
	int *n = arg;

	(void)ev;
	(void)err;
	return ++*n == 2;
}

static void callback_loop_stops(struct ctr_conn *conn)
{
	static const char *const filters[] = { TOPIC_FILTER, NULL };
	struct maker m = { getenv("KUKEON_CONTAINERD_SOCKET") };
	struct kk_err err = { 0 };
	pthread_t t;
	int n = 0;

	pthread_create(&t, NULL, make_namespaces, &m);
	TAP_OK(ctr_events_run(conn, filters, count_two, &n, &err) == 0, "run: %s", err.msg);
	pthread_join(t, NULL);
	TAP_INT_EQ(n, 2);
	ctr_namespace_delete(conn, "events-b", &err);
	ctr_namespace_delete(conn, "events-c", &err);
}

int main(void)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = t_connect(NULL);

	if (!conn)
		return tap_done();
	filtered_events_arrive(conn);
	cancel_from_another_thread(conn);
	callback_loop_stops(conn);
	return tap_done();
}
