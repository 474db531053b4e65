/* ctr/rpc.c - grpc C core channel, deadlines, unary calls, status -> errno. */
#include "ctr/rpc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc_security.h>
#include <grpc/support/log.h>
#include <grpc/support/time.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "kk_config.h"

static const struct {
	grpc_status_code status;
	int errnum;
} status_errno[] = {
	{ GRPC_STATUS_OK, 0 },
	{ GRPC_STATUS_CANCELLED, ECANCELED },
	{ GRPC_STATUS_UNKNOWN, EIO },
	{ GRPC_STATUS_INVALID_ARGUMENT, EINVAL },
	{ GRPC_STATUS_DEADLINE_EXCEEDED, ETIMEDOUT },
	{ GRPC_STATUS_NOT_FOUND, ENOENT },
	{ GRPC_STATUS_ALREADY_EXISTS, EEXIST },
	{ GRPC_STATUS_PERMISSION_DENIED, EACCES },
	{ GRPC_STATUS_RESOURCE_EXHAUSTED, ENOSPC },
	{ GRPC_STATUS_FAILED_PRECONDITION, EBUSY },
	{ GRPC_STATUS_ABORTED, EAGAIN },
	{ GRPC_STATUS_OUT_OF_RANGE, ERANGE },
	{ GRPC_STATUS_UNIMPLEMENTED, ENOSYS },
	{ GRPC_STATUS_INTERNAL, EIO },
	{ GRPC_STATUS_UNAVAILABLE, ECONNREFUSED },
	{ GRPC_STATUS_DATA_LOSS, EIO },
	{ GRPC_STATUS_UNAUTHENTICATED, EACCES },
};

int ctr_errno_from_grpc_status(int status)
{
	for (size_t i = 0; i < sizeof(status_errno) / sizeof(status_errno[0]); i++)
		if ((int)status_errno[i].status == status)
			return status_errno[i].errnum;
	return EIO;
}

/* grpc writes its own diagnostics to stderr; ours travel in kk_err instead. */
static void grpc_log_discard(gpr_log_func_args *args)
{
	(void)args;
}

int ctr_connect(const char *socket, const char *ns, struct ctr_conn **out, struct kk_err *err)
{
	cleanup_free char *target = NULL;
	struct ctr_conn *conn;
	grpc_channel_credentials *creds;
	const char *path = socket;

	if (strncmp(path, "unix://", 7) == 0)
		path += 7;
	else if (strncmp(path, "unix:", 5) == 0)
		path += 5;
	if (!*path)
		return kk_err_set(err, EINVAL, "containerd socket path is empty");
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return kk_err_set(err, ENAMETOOLONG, "containerd socket path `%s` is too long",
				  path);

	gpr_set_log_function(grpc_log_discard);
	grpc_init();
	target = kk_xasprintf("unix:%s", path);
	creds = grpc_insecure_credentials_create();
	conn = kk_xcalloc(1, sizeof(*conn));
	conn->channel = grpc_channel_create(target, creds, NULL);
	grpc_channel_credentials_release(creds);
	conn->cq = grpc_completion_queue_create_for_pluck(NULL);
	conn->socket = kk_xstrdup(path);
	conn->ns = ns ? kk_xstrdup(ns) : NULL;
	conn->timeout_ms = CONFIG_DEFAULT_RPC_TIMEOUT_MS;
	*out = conn;
	return 0;
}

struct ctr_conn *ctr_conn_sibling(const struct ctr_conn *conn)
{
	struct ctr_conn *s = kk_xcalloc(1, sizeof(*s));

	grpc_init(); /* balanced by ctr_disconnect's shutdown */
	s->channel = conn->channel;
	s->shared_channel = true;
	s->cq = grpc_completion_queue_create_for_pluck(NULL);
	s->socket = kk_xstrdup(conn->socket);
	s->ns = conn->ns ? kk_xstrdup(conn->ns) : NULL;
	s->lease = conn->lease ? kk_xstrdup(conn->lease) : NULL;
	s->timeout_ms = conn->timeout_ms;
	s->log = conn->log;
	return s;
}

void ctr_library_hold(void)
{
	gpr_set_log_function(grpc_log_discard);
	grpc_init();
}

void ctr_library_release(void)
{
	grpc_shutdown_blocking();
}

void ctr_disconnect(struct ctr_conn *conn)
{
	if (!conn)
		return;
	if (!conn->shared_channel)
		grpc_channel_destroy(conn->channel);
	grpc_completion_queue_shutdown(conn->cq);
	/* drain the queue: pluck returns SHUTDOWN once it is empty */
	while (grpc_completion_queue_pluck(conn->cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL)
		       .type != GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(conn->cq);
	free(conn->socket);
	free(conn->ns);
	free(conn->lease);
	free(conn);
	grpc_shutdown_blocking();
}

void ctr_disconnectp(struct ctr_conn **conn)
{
	ctr_disconnect(*conn);
	*conn = NULL;
}

void ctr_set_timeout(struct ctr_conn *conn, int timeout_ms)
{
	if (timeout_ms > 0)
		conn->timeout_ms = timeout_ms;
}

void ctr_set_namespace(struct ctr_conn *conn, const char *ns)
{
	free(conn->ns);
	conn->ns = ns ? kk_xstrdup(ns) : NULL;
}

const char *ctr_namespace(const struct ctr_conn *conn)
{
	return conn->ns;
}

void ctr_set_lease(struct ctr_conn *conn, const char *lease_id)
{
	free(conn->lease);
	conn->lease = lease_id && *lease_id ? kk_xstrdup(lease_id) : NULL;
}

const char *ctr_lease(const struct ctr_conn *conn)
{
	return conn->lease;
}

void ctr_set_log(struct ctr_conn *conn, const struct kk_log *log)
{
	conn->log = log;
}

const struct kk_log *ctr_log(const struct ctr_conn *conn)
{
	return conn->log;
}

/* "/containerd.services.version.v1.Version/Version" -> "version.Version": short enough
 * for a message, precise enough to find the call. */
static const char *method_short(const char *method, char *buf, size_t size)
{
	const char *svc = strstr(method, "services.");
	const char *dot;

	if (!svc)
		return method;
	svc += strlen("services.");
	dot = strchr(svc, '.');
	const char *slash = strrchr(method, '/');
	if (!dot || !slash)
		return method;
	snprintf(buf, size, "%.*s.%s", (int)(dot - svc), svc, slash + 1);
	return buf;
}

/* An UNAVAILABLE answer usually means the socket is the problem: probe it ourselves so
 * the message says which way (missing, not a socket, refused) instead of grpc's prose. */
static int unavailable_error(struct ctr_conn *conn, const char *what, const char *details,
			     struct kk_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *why = details[0] ? details : "unavailable";
	cleanup_close int fd = -1;
	struct stat st;

	if (stat(conn->socket, &st) < 0) {
		why = strerror(errno);
	} else if (!S_ISSOCK(st.st_mode)) {
		why = "not a socket";
	} else {
		strncpy(sa.sun_path, conn->socket, sizeof(sa.sun_path) - 1);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			why = strerror(errno);
	}
	return kk_err_set(err, ECONNREFUSED, "%s: cannot reach containerd at `%s`: %s", what,
			  conn->socket, why);
}

static grpc_byte_buffer *pack_message(const ProtobufCMessage *req)
{
	size_t len = protobuf_c_message_get_packed_size(req);
	grpc_slice slice = grpc_slice_malloc(len);
	grpc_byte_buffer *buf;

	protobuf_c_message_pack(req, GRPC_SLICE_START_PTR(slice));
	buf = grpc_raw_byte_buffer_create(&slice, 1);
	grpc_slice_unref(slice);
	return buf;
}

static ProtobufCMessage *unpack_message(grpc_byte_buffer *buf,
					const ProtobufCMessageDescriptor *desc)
{
	grpc_byte_buffer_reader reader;
	grpc_slice all;
	ProtobufCMessage *msg;

	if (!grpc_byte_buffer_reader_init(&reader, buf))
		return NULL;
	all = grpc_byte_buffer_reader_readall(&reader);
	grpc_byte_buffer_reader_destroy(&reader);
	msg = protobuf_c_message_unpack(desc, NULL, GRPC_SLICE_LENGTH(all),
					GRPC_SLICE_START_PTR(all));
	grpc_slice_unref(all);
	return msg;
}

/* The headers every call carries: the namespace and the current lease. The values are
 * copied slices; release them with md_release(). */
static size_t md_fill(const struct ctr_conn *conn, grpc_metadata md[2])
{
	size_t n = 0;

	memset(md, 0, 2 * sizeof(*md));
	if (conn->ns) {
		md[n].key = grpc_slice_from_static_string("containerd-namespace");
		md[n++].value = grpc_slice_from_copied_string(conn->ns);
	}
	if (conn->lease) {
		md[n].key = grpc_slice_from_static_string("containerd-lease");
		md[n++].value = grpc_slice_from_copied_string(conn->lease);
	}
	return n;
}

static void md_release(grpc_metadata *md, size_t n)
{
	for (size_t i = 0; i < n; i++)
		grpc_slice_unref(md[i].value);
}

static gpr_timespec deadline_in(int timeout_ms)
{
	if (timeout_ms < 0)
		return gpr_inf_future(GPR_CLOCK_REALTIME);
	return gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
			    gpr_time_from_millis(timeout_ms, GPR_TIMESPAN));
}

/* Turn a final status into err (returns -1), or return 0 for OK. When `what` names the
 * object (short_codes), not-found and already-exists say just that: containerd's own
 * text repeats the name in its own quoting. */
static int status_error(struct ctr_conn *conn, const char *what, bool short_codes,
			grpc_status_code status, grpc_slice details, int timeout_ms,
			struct kk_err *err)
{
	char detail_str[384];

	if (status == GRPC_STATUS_OK)
		return 0;
	if (short_codes && status == GRPC_STATUS_NOT_FOUND)
		return kk_err_set(err, ENOENT, "%s: not found", what);
	if (short_codes && status == GRPC_STATUS_ALREADY_EXISTS)
		return kk_err_set(err, EEXIST, "%s: already exists", what);
	snprintf(detail_str, sizeof(detail_str), "%.*s", (int)GRPC_SLICE_LENGTH(details),
		 (const char *)GRPC_SLICE_START_PTR(details));
	if (status == GRPC_STATUS_UNAVAILABLE)
		return unavailable_error(conn, what, detail_str, err);
	if (status == GRPC_STATUS_DEADLINE_EXCEEDED)
		return kk_err_set(err, ETIMEDOUT,
				  "%s: containerd at `%s` did not answer within %d ms", what,
				  conn->socket, timeout_ms);
	if (status == GRPC_STATUS_CANCELLED)
		return kk_err_set(err, ECANCELED, "%s: cancelled", what);
	return kk_err_set(err, ctr_errno_from_grpc_status(status), "%s: %s", what,
			  detail_str[0] ? detail_str : "containerd returned an error");
}

int ctr_rpc_unary(struct ctr_conn *conn, const char *method, const ProtobufCMessage *req,
		  const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp,
		  struct kk_err *err)
{
	return ctr_rpc_call(conn, method, NULL, req, resp_desc, resp, conn->timeout_ms, err);
}

/* "images.Get" or "images.Get `busybox`" */
static void call_name(const char *method, const char *obj, char *buf, size_t size)
{
	char short_buf[128];
	const char *m = method_short(method, short_buf, sizeof(short_buf));

	if (obj)
		snprintf(buf, size, "%s `%s`", m, obj);
	else
		snprintf(buf, size, "%s", m);
}

int ctr_rpc_call(struct ctr_conn *conn, const char *method, const char *obj,
		 const ProtobufCMessage *req, const ProtobufCMessageDescriptor *resp_desc,
		 ProtobufCMessage **resp, int timeout_ms, struct kk_err *err)
{
	char what[256];
	grpc_metadata md[2];
	size_t nmd;
	grpc_metadata_array recv_initial, recv_trailing;
	grpc_byte_buffer *send_buf, *recv_buf = NULL;
	grpc_status_code status = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	grpc_op ops[6];
	grpc_call *call;
	grpc_call_error rc;
	grpc_event ev;
	int ret = -1;

	call_name(method, obj, what, sizeof(what));
	if (timeout_ms == 0)
		timeout_ms = conn->timeout_ms;
	grpc_slice method_slice = grpc_slice_from_copied_string(method);
	call = grpc_channel_create_call(conn->channel, NULL, GRPC_PROPAGATE_DEFAULTS, conn->cq,
					method_slice, NULL, deadline_in(timeout_ms), NULL);
	grpc_slice_unref(method_slice);
	if (!call)
		return kk_err_set(err, EIO, "%s: cannot create grpc call", what);

	nmd = md_fill(conn, md);
	grpc_metadata_array_init(&recv_initial);
	grpc_metadata_array_init(&recv_trailing);
	send_buf = pack_message(req);
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[0].data.send_initial_metadata.count = nmd;
	ops[0].data.send_initial_metadata.metadata = nmd ? md : NULL;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = send_buf;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &recv_initial;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &recv_buf;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &recv_trailing;
	ops[5].data.recv_status_on_client.status = &status;
	ops[5].data.recv_status_on_client.status_details = &details;

	rc = grpc_call_start_batch(call, ops, 6, call, NULL);
	if (rc != GRPC_CALL_OK) {
		kk_err_set(err, EIO, "%s: grpc call failed to start (%d)", what, rc);
		goto out;
	}
	/* the call's own deadline bounds this wait */
	ev = grpc_completion_queue_pluck(conn->cq, call, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	if (ev.type != GRPC_OP_COMPLETE || !ev.success) {
		kk_err_set(err, EIO, "%s: grpc call did not complete", what);
		goto out;
	}
	if (status_error(conn, what, obj != NULL, status, details, timeout_ms, err) < 0)
		goto out;
	if (!recv_buf) {
		kk_err_set(err, EPROTO, "%s: containerd sent no reply", what);
		goto out;
	}
	*resp = unpack_message(recv_buf, resp_desc);
	if (!*resp) {
		kk_err_set(err, EPROTO, "%s: cannot decode containerd's reply", what);
		goto out;
	}
	ret = 0;
out:
	md_release(md, nmd);
	grpc_byte_buffer_destroy(send_buf);
	if (recv_buf)
		grpc_byte_buffer_destroy(recv_buf);
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&recv_initial);
	grpc_metadata_array_destroy(&recv_trailing);
	grpc_call_unref(call);
	return ret;
}

/* ---- streaming calls ------------------------------------------------------------------ */

struct ctr_stream {
	struct ctr_conn *conn; /* borrowed */
	grpc_call *call;
	grpc_completion_queue *cq;
	char what[256];
	bool named; /* what names the object */
	grpc_metadata md[2];
	size_t nmd;
	grpc_metadata_array recv_initial, recv_trailing;
	grpc_status_code status;
	grpc_slice details;
	grpc_byte_buffer *recv_buf;
	bool md_sent, md_received, send_closed;
	bool recv_pending; /* a RECV_MESSAGE batch is in flight (after an IDLE return) */
	bool finished;     /* the status has been received */
	/* distinct addresses, one per kind of batch, to pluck by */
	char tag_send, tag_recv, tag_status;
};

const char *ctr_stream_what(const struct ctr_stream *s)
{
	return s->what;
}

int ctr_stream_open(struct ctr_conn *conn, const char *method, const char *obj,
		    struct ctr_stream **out, struct kk_err *err)
{
	struct ctr_stream *s = kk_xcalloc(1, sizeof(*s));
	grpc_slice method_slice;

	s->conn = conn;
	call_name(method, obj, s->what, sizeof(s->what));
	s->named = obj != NULL;
	s->cq = grpc_completion_queue_create_for_pluck(NULL);
	method_slice = grpc_slice_from_copied_string(method);
	s->call = grpc_channel_create_call(conn->channel, NULL, GRPC_PROPAGATE_DEFAULTS, s->cq,
					   method_slice, NULL, gpr_inf_future(GPR_CLOCK_REALTIME),
					   NULL);
	grpc_slice_unref(method_slice);
	s->details = grpc_empty_slice();
	grpc_metadata_array_init(&s->recv_initial);
	grpc_metadata_array_init(&s->recv_trailing);
	s->nmd = md_fill(conn, s->md);
	if (!s->call) {
		kk_err_set(err, EIO, "%s: cannot create grpc call", s->what);
		s->finished = true;
		ctr_stream_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void ctr_stream_cancel(struct ctr_stream *s)
{
	if (s && s->call)
		grpc_call_cancel(s->call, NULL);
}

/* Wait for the batch tagged `tag`. Returns 1 when it completed (ev.success in *ok),
 * 0 when wait_ms passed first (the batch stays pending). */
static int pluck_tag(struct ctr_stream *s, void *tag, int wait_ms, bool *ok)
{
	grpc_event ev = grpc_completion_queue_pluck(s->cq, tag, deadline_in(wait_ms), NULL);

	if (ev.type == GRPC_QUEUE_TIMEOUT)
		return 0;
	*ok = ev.type == GRPC_OP_COMPLETE && ev.success;
	return 1;
}

/* Receive the final status (the call is over, or ending); it is kept in s. */
static void stream_finish(struct ctr_stream *s)
{
	grpc_op op = { 0 };
	bool ok;

	if (s->finished)
		return;
	s->finished = true;
	op.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	op.data.recv_status_on_client.trailing_metadata = &s->recv_trailing;
	op.data.recv_status_on_client.status = &s->status;
	op.data.recv_status_on_client.status_details = &s->details;
	s->status = GRPC_STATUS_UNKNOWN;
	if (grpc_call_start_batch(s->call, &op, 1, &s->tag_status, NULL) != GRPC_CALL_OK)
		return;
	pluck_tag(s, &s->tag_status, CTR_WAIT_FOREVER, &ok);
}

/* An operation failed: the status says why. */
static int stream_fail(struct ctr_stream *s, const char *op, struct kk_err *err)
{
	stream_finish(s);
	if (s->status == GRPC_STATUS_OK)
		return kk_err_set(err, EPIPE, "%s: stream closed during %s", s->what, op);
	return status_error(s->conn, s->what, s->named, s->status, s->details, s->conn->timeout_ms,
			    err);
}

static int stream_timeout(struct ctr_stream *s, void *tag, const char *op, struct kk_err *err)
{
	bool ok;

	grpc_call_cancel(s->call, NULL);
	pluck_tag(s, tag, CTR_WAIT_FOREVER, &ok); /* cancelled batches complete promptly */
	if (tag == &s->tag_recv)
		s->recv_pending = false;
	stream_finish(s);
	return kk_err_set(err, ETIMEDOUT, "%s: containerd at `%s` stalled for %d ms during %s",
			  s->what, s->conn->socket, s->conn->timeout_ms, op);
}

static int stream_send_ops(struct ctr_stream *s, const ProtobufCMessage *msg, bool last,
			   struct kk_err *err)
{
	grpc_byte_buffer *buf = msg ? pack_message(msg) : NULL;
	grpc_op ops[3];
	size_t n = 0;
	bool ok = false;
	int ret;

	if (s->finished || s->send_closed) {
		if (buf)
			grpc_byte_buffer_destroy(buf);
		return s->finished ? stream_fail(s, "send", err)
				   : kk_err_set(err, EPIPE, "%s: send after close", s->what);
	}
	memset(ops, 0, sizeof(ops));
	if (!s->md_sent) {
		ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
		ops[n].data.send_initial_metadata.count = s->nmd;
		ops[n].data.send_initial_metadata.metadata = s->nmd ? s->md : NULL;
		n++;
		s->md_sent = true;
	}
	if (buf) {
		ops[n].op = GRPC_OP_SEND_MESSAGE;
		ops[n].data.send_message.send_message = buf;
		n++;
	}
	if (last) {
		ops[n].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
		n++;
		s->send_closed = true;
	}
	if (grpc_call_start_batch(s->call, ops, n, &s->tag_send, NULL) != GRPC_CALL_OK) {
		if (buf)
			grpc_byte_buffer_destroy(buf);
		return kk_err_set(err, EIO, "%s: grpc send failed to start", s->what);
	}
	if (!pluck_tag(s, &s->tag_send, s->conn->timeout_ms, &ok))
		ret = stream_timeout(s, &s->tag_send, "send", err);
	else if (!ok)
		ret = stream_fail(s, "send", err);
	else
		ret = 0;
	if (buf)
		grpc_byte_buffer_destroy(buf);
	return ret;
}

int ctr_stream_send(struct ctr_stream *s, const ProtobufCMessage *msg, bool last,
		    struct kk_err *err)
{
	return stream_send_ops(s, msg, last, err);
}

int ctr_stream_close_send(struct ctr_stream *s, struct kk_err *err)
{
	if (s->send_closed)
		return 0;
	return stream_send_ops(s, NULL, true, err);
}

int ctr_stream_recv(struct ctr_stream *s, const ProtobufCMessageDescriptor *desc, int wait_ms,
		    ProtobufCMessage **msg, struct kk_err *err)
{
	int wait = wait_ms == CTR_WAIT_STEP ? s->conn->timeout_ms : wait_ms;
	grpc_byte_buffer *buf;
	bool ok = false;

	if (s->finished)
		return stream_fail(s, "receive", err);
	if (!s->md_sent && ctr_stream_send(s, NULL, false, err) < 0)
		return -1;
	if (!s->recv_pending) {
		grpc_op ops[2];
		size_t n = 0;

		memset(ops, 0, sizeof(ops));
		if (!s->md_received) {
			ops[n].op = GRPC_OP_RECV_INITIAL_METADATA;
			ops[n].data.recv_initial_metadata.recv_initial_metadata = &s->recv_initial;
			n++;
			s->md_received = true;
		}
		ops[n].op = GRPC_OP_RECV_MESSAGE;
		ops[n].data.recv_message.recv_message = &s->recv_buf;
		n++;
		s->recv_buf = NULL;
		if (grpc_call_start_batch(s->call, ops, n, &s->tag_recv, NULL) != GRPC_CALL_OK)
			return kk_err_set(err, EIO, "%s: grpc receive failed to start", s->what);
		s->recv_pending = true;
	}
	if (!pluck_tag(s, &s->tag_recv, wait, &ok)) {
		if (wait_ms == CTR_WAIT_STEP)
			return stream_timeout(s, &s->tag_recv, "receive", err);
		return CTR_STREAM_IDLE;
	}
	s->recv_pending = false;
	buf = TAKE_PTR(s->recv_buf);
	if (!ok || !buf) {
		if (buf)
			grpc_byte_buffer_destroy(buf);
		stream_finish(s);
		if (s->status == GRPC_STATUS_OK)
			return CTR_STREAM_END;
		return stream_fail(s, "receive", err);
	}
	*msg = unpack_message(buf, desc);
	grpc_byte_buffer_destroy(buf);
	if (!*msg)
		return kk_err_set(err, EPROTO, "%s: cannot decode containerd's message", s->what);
	return CTR_STREAM_MSG;
}

void ctr_stream_free(struct ctr_stream *s)
{
	bool ok;

	if (!s)
		return;
	if (s->call) {
		if (!s->finished)
			grpc_call_cancel(s->call, NULL);
		if (s->recv_pending) {
			pluck_tag(s, &s->tag_recv, CTR_WAIT_FOREVER, &ok);
			if (s->recv_buf)
				grpc_byte_buffer_destroy(s->recv_buf);
		}
		stream_finish(s);
		grpc_call_unref(s->call);
	}
	grpc_completion_queue_shutdown(s->cq);
	while (grpc_completion_queue_pluck(s->cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL)
		       .type != GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(s->cq);
	md_release(s->md, s->nmd);
	grpc_slice_unref(s->details);
	grpc_metadata_array_destroy(&s->recv_initial);
	grpc_metadata_array_destroy(&s->recv_trailing);
	free(s);
}

void ctr_stream_freep(struct ctr_stream **s)
{
	ctr_stream_free(*s);
	*s = NULL;
}
