/* ctr/events.c - containerd.services.events.v1.Events: Subscribe as a cancellable stream. */
#include "ctr/ctr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "ctr/pb.h"
#include "ctr/rpc.h"
#include "github.com/containerd/containerd/api/events/task.pb-c.h"
#include "github.com/containerd/containerd/api/services/events/v1/events.pb-c.h"

struct ctr_events {
	struct ctr_stream *s;
};

void ctr_event_clear(struct ctr_event *ev)
{
	free(ev->ns);
	free(ev->topic);
	free(ev->type_url);
	free(ev->data);
	memset(ev, 0, sizeof(*ev));
}

int ctr_events_subscribe(struct ctr_conn *conn, const char *const *filters, struct ctr_events **out,
			 struct kk_err *err)
{
	Containerd__Services__Events__V1__SubscribeRequest req =
		CONTAINERD__SERVICES__EVENTS__V1__SUBSCRIBE_REQUEST__INIT;
	cleanup_(ctr_stream_freep) struct ctr_stream *s = NULL;
	struct ctr_events *sub;

	req.filters = ctr_pb_strv(filters, &req.n_filters);
	if (ctr_stream_open(conn, "/containerd.services.events.v1.Events/Subscribe", NULL, &s,
			    err) < 0 ||
	    ctr_stream_send(s, &req.base, true, err) < 0)
		return -1;
	sub = kk_xcalloc(1, sizeof(*sub));
	sub->s = TAKE_PTR(s);
	*out = sub;
	return 0;
}

int ctr_events_next(struct ctr_events *sub, int wait_ms, struct ctr_event *ev, struct kk_err *err)
{
	Containerd__Services__Events__V1__Envelope *env;
	ProtobufCMessage *msg = NULL;
	int r;

	r = ctr_stream_recv(sub->s, &containerd__services__events__v1__envelope__descriptor,
			    wait_ms, &msg, err);
	if (r < 0)
		return -1;
	if (r == CTR_STREAM_IDLE)
		return 0;
	if (r == CTR_STREAM_END)
		return kk_err_set(err, EPIPE, "%s: containerd ended the stream",
				  ctr_stream_what(sub->s));
	env = (Containerd__Services__Events__V1__Envelope *)msg;
	memset(ev, 0, sizeof(*ev));
	ev->timestamp_ns = ctr_ts_ns(env->timestamp);
	ev->ns = ctr_pb_dup(env->namespace_);
	ev->topic = ctr_pb_dup(env->topic);
	ev->type_url = ctr_pb_dup(env->event ? env->event->type_url : NULL);
	ev->len = env->event ? env->event->value.len : 0;
	ev->data = kk_xmalloc(ev->len + 1);
	if (ev->len)
		memcpy(ev->data, env->event->value.data, ev->len);
	protobuf_c_message_free_unpacked(msg, NULL);
	return 1;
}

void ctr_events_cancel(struct ctr_events *sub)
{
	if (sub)
		ctr_stream_cancel(sub->s);
}

void ctr_events_close(struct ctr_events *sub)
{
	if (!sub)
		return;
	ctr_stream_free(sub->s);
	free(sub);
}

void ctr_events_closep(struct ctr_events **sub)
{
	ctr_events_close(*sub);
	*sub = NULL;
}

int ctr_events_run(struct ctr_conn *conn, const char *const *filters, ctr_event_fn *fn, void *arg,
		   struct kk_err *err)
{
	cleanup_(ctr_events_closep) struct ctr_events *sub = NULL;

	if (ctr_events_subscribe(conn, filters, &sub, err) < 0)
		return -1;
	for (;;) {
		struct ctr_event ev = { 0 };
		int r = ctr_events_next(sub, CTR_WAIT_FOREVER, &ev, err);

		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		r = fn(&ev, arg, err);
		ctr_event_clear(&ev);
		if (r < 0)
			return -1;
		if (r > 0)
			return 0;
	}
}

void ctr_task_exit_clear(struct ctr_task_exit *e)
{
	free(e->container_id);
	free(e->exec_id);
	memset(e, 0, sizeof(*e));
}

int ctr_event_task_exit(const struct ctr_event *ev, struct ctr_task_exit *out, struct kk_err *err)
{
	Containerd__Events__TaskExit *x;

	if (!ev->type_url || strcmp(ev->type_url, "containerd.events.TaskExit") != 0)
		return kk_err_set(err, EINVAL, "event `%s` is not a task exit",
				  ev->type_url ? ev->type_url : "");
	x = containerd__events__task_exit__unpack(NULL, ev->len, ev->data);
	if (!x)
		return kk_err_set(err, EBADMSG, "event `%s`: cannot decode it", ev->type_url);
	memset(out, 0, sizeof(*out));
	out->container_id = ctr_pb_dup(x->container_id);
	out->exec_id = ctr_pb_dup(x->id);
	out->pid = x->pid;
	out->exit_status = x->exit_status;
	out->exited_ns = ctr_ts_ns(x->exited_at);
	containerd__events__task_exit__free_unpacked(x, NULL);
	return 0;
}

void ctr_task_event_clear(struct ctr_task_event *e)
{
	free(e->container_id);
	free(e->exec_id);
	memset(e, 0, sizeof(*e));
}

int ctr_event_task(const struct ctr_event *ev, struct ctr_task_event *out, struct kk_err *err)
{
	const char *t = ev->type_url ? ev->type_url : "";
	struct ctr_task_event e = { 0 };

	if (!strcmp(t, "containerd.events.TaskStart")) {
		Containerd__Events__TaskStart *x =
			containerd__events__task_start__unpack(NULL, ev->len, ev->data);

		if (!x)
			goto bad;
		e.kind = "TaskStart";
		e.container_id = ctr_pb_dup(x->container_id);
		e.pid = x->pid;
		containerd__events__task_start__free_unpacked(x, NULL);
	} else if (!strcmp(t, "containerd.events.TaskExit")) {
		Containerd__Events__TaskExit *x =
			containerd__events__task_exit__unpack(NULL, ev->len, ev->data);

		if (!x)
			goto bad;
		e.kind = "TaskExit";
		e.container_id = ctr_pb_dup(x->container_id);
		e.exec_id = ctr_pb_dup(x->id);
		e.pid = x->pid;
		e.has_exit = true;
		e.exit_status = x->exit_status;
		containerd__events__task_exit__free_unpacked(x, NULL);
	} else if (!strcmp(t, "containerd.events.TaskOOM")) {
		Containerd__Events__TaskOOM *x =
			containerd__events__task_oom__unpack(NULL, ev->len, ev->data);

		if (!x)
			goto bad;
		e.kind = "TaskOOM";
		e.container_id = ctr_pb_dup(x->container_id);
		containerd__events__task_oom__free_unpacked(x, NULL);
	} else if (!strcmp(t, "containerd.events.TaskDelete")) {
		Containerd__Events__TaskDelete *x =
			containerd__events__task_delete__unpack(NULL, ev->len, ev->data);

		if (!x)
			goto bad;
		e.kind = "TaskDelete";
		e.container_id = ctr_pb_dup(x->container_id);
		e.exec_id = ctr_pb_dup(x->id);
		e.pid = x->pid;
		e.has_exit = true;
		e.exit_status = x->exit_status;
		containerd__events__task_delete__free_unpacked(x, NULL);
	} else {
		return 1;
	}
	*out = e;
	return 0;
bad:
	return kk_err_set(err, EBADMSG, "event `%s`: cannot decode it", t);
}
