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

void ctr_disconnect(struct ctr_conn *conn)
{
	if (!conn)
		return;
	grpc_channel_destroy(conn->channel);
	grpc_completion_queue_shutdown(conn->cq);
	/* drain the queue: pluck returns SHUTDOWN once it is empty */
	while (grpc_completion_queue_pluck(conn->cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL)
		       .type != GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(conn->cq);
	free(conn->socket);
	free(conn->ns);
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

int ctr_rpc_unary(struct ctr_conn *conn, const char *method, const ProtobufCMessage *req,
		  const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp,
		  struct kk_err *err)
{
	char short_buf[128];
	const char *what = method_short(method, short_buf, sizeof(short_buf));
	gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
					     gpr_time_from_millis(conn->timeout_ms, GPR_TIMESPAN));
	grpc_metadata md = { 0 };
	grpc_metadata_array recv_initial, recv_trailing;
	grpc_byte_buffer *send_buf, *recv_buf = NULL;
	grpc_status_code status = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	grpc_op ops[6];
	grpc_call *call;
	grpc_call_error rc;
	grpc_event ev;
	char detail_str[256];
	int ret = -1;

	grpc_slice method_slice = grpc_slice_from_copied_string(method);
	call = grpc_channel_create_call(conn->channel, NULL, GRPC_PROPAGATE_DEFAULTS, conn->cq,
					method_slice, NULL, deadline, NULL);
	grpc_slice_unref(method_slice);
	if (!call)
		return kk_err_set(err, EIO, "%s: cannot create grpc call", what);

	grpc_metadata_array_init(&recv_initial);
	grpc_metadata_array_init(&recv_trailing);
	send_buf = pack_message(req);
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	if (conn->ns) {
		md.key = grpc_slice_from_static_string("containerd-namespace");
		md.value = grpc_slice_from_copied_string(conn->ns);
		ops[0].data.send_initial_metadata.count = 1;
		ops[0].data.send_initial_metadata.metadata = &md;
	}
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

	snprintf(detail_str, sizeof(detail_str), "%.*s", (int)GRPC_SLICE_LENGTH(details),
		 (const char *)GRPC_SLICE_START_PTR(details));
	if (status == GRPC_STATUS_UNAVAILABLE) {
		unavailable_error(conn, what, detail_str, err);
		goto out;
	}
	if (status == GRPC_STATUS_DEADLINE_EXCEEDED) {
		kk_err_set(err, ETIMEDOUT, "%s: containerd at `%s` did not answer within %d ms",
			   what, conn->socket, conn->timeout_ms);
		goto out;
	}
	if (status != GRPC_STATUS_OK) {
		kk_err_set(err, ctr_errno_from_grpc_status(status), "%s: %s", what,
			   detail_str[0] ? detail_str : "containerd returned an error");
		goto out;
	}
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
	if (conn->ns)
		grpc_slice_unref(md.value);
	grpc_byte_buffer_destroy(send_buf);
	if (recv_buf)
		grpc_byte_buffer_destroy(recv_buf);
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&recv_initial);
	grpc_metadata_array_destroy(&recv_trailing);
	grpc_call_unref(call);
	return ret;
}
