/* ctr/events.c - containerd.services.events.v1.Events: Subscribe as a cancellable stream. */
#include "ctr/ctr.h"

#include <errno.h>
#include <stddef.h>
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

/* The task events a watcher reads, and where each message keeps the fields it has (0, the
 * message's own header, stands for a field it does not have). */
#define AT(type, member) offsetof(Containerd__Events__##type, member)
static const struct task_event_type {
	const char *kind; /* its type URL is "containerd.events.<kind>" */
	const ProtobufCMessageDescriptor *desc;
	size_t container_id, exec_id, pid, exit_status;
} task_events[] = {
	{ "TaskStart", &containerd__events__task_start__descriptor, AT(TaskStart, container_id), 0,
	  AT(TaskStart, pid), 0 },
	{ "TaskExit", &containerd__events__task_exit__descriptor, AT(TaskExit, container_id),
	  AT(TaskExit, id), AT(TaskExit, pid), AT(TaskExit, exit_status) },
	{ "TaskOOM", &containerd__events__task_oom__descriptor, AT(TaskOOM, container_id), 0, 0,
	  0 },
	{ "TaskDelete", &containerd__events__task_delete__descriptor, AT(TaskDelete, container_id),
	  AT(TaskDelete, id), AT(TaskDelete, pid), AT(TaskDelete, exit_status) },
};
#undef AT

int ctr_event_task(const struct ctr_event *ev, struct ctr_task_event *out, struct kk_err *err)
{
	const char *t = ev->type_url ? ev->type_url : "";
	const struct task_event_type *k = NULL;
	ProtobufCMessage *msg;
	const char *x;

	static const char prefix[] = "containerd.events.";

	for (size_t i = 0; i < ARRAY_SIZE(task_events) && !k; i++)
		if (!strncmp(t, prefix, sizeof(prefix) - 1) &&
		    !strcmp(t + sizeof(prefix) - 1, task_events[i].kind))
			k = &task_events[i];
	if (!k)
		return 1;
	msg = protobuf_c_message_unpack(k->desc, NULL, ev->len, ev->data);
	if (!msg)
		return kk_err_set(err, EBADMSG, "event `%s`: cannot decode it", t);
	x = (const char *)msg;
	*out = (struct ctr_task_event){
		.kind = k->kind,
		.container_id = ctr_pb_dup(*(char *const *)(x + k->container_id)),
		.exec_id = k->exec_id ? ctr_pb_dup(*(char *const *)(x + k->exec_id)) : NULL,
		.pid = k->pid ? *(const uint32_t *)(x + k->pid) : 0,
		.has_exit = k->exit_status != 0,
		.exit_status = k->exit_status ? *(const uint32_t *)(x + k->exit_status) : 0,
	};
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}
