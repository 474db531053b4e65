/* common/rpc/client.c - see client.h. */
#include "common/rpc/client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/sock.h"
#include "common/rpc/wire.h"

struct rpc {
	int fd;
	char *socket_path;
	unsigned long next_id;
	char *buf; /* what was read past the last reply */
	size_t len, cap;
	struct kk_wire_scanner scan; /* how far buf has been scanned */
};

/* The next complete JSON value from the connection: its length at the start of r->buf.
 * The caller drops it with consume() once done with it. */
static int recv_frame(struct rpc *r, size_t *len, struct kk_err *err)
{
	for (;;) {
		long end = kk_wire_scan_more(&r->scan, r->buf, r->len);
		ssize_t n;

		if (end < 0)
			return kk_err_set(err, EPROTO, "kukeond: the reply is not JSON");
		if (end > 0) {
			*len = (size_t)end;
			return 0;
		}
		if (r->len >= KK_RPC_MESSAGE_MAX)
			return kk_err_set(err, EMSGSIZE, "kukeond: reply larger than %u bytes",
					  KK_RPC_MESSAGE_MAX);
		if (r->cap - r->len < 4096) {
			r->cap = r->cap ? r->cap * 2 : 65536;
			r->buf = kk_xrealloc(r->buf, r->cap);
		}
		n = recv(r->fd, r->buf + r->len, r->cap - r->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return kk_err_sys(err, "kukeond: receive");
		if (n == 0)
			return kk_err_set(err, ECONNRESET,
					  "kukeond closed the connection (is it still running?)");
		r->len += (size_t)n;
	}
}

static void consume(struct rpc *r, size_t len)
{
	memmove(r->buf, r->buf + len, r->len - len);
	r->len -= len;
}

/* Send op's request; *id is the call's id. */
static int send_call(struct rpc *r, enum kk_op_id op, const void *args, unsigned long *id,
		     struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *req = NULL;
	cleanup_free char *line = NULL;
	int pass_fd = -1;
	cJSON *params = kk_wire_args_encode(op, args, &pass_fd, err);

	if (!params)
		return -1;
	*id = r->next_id++;
	req = kk_wire_request(op, params, *id);
	line = kk_json_print(req, KK_JSON_NEWLINE);
	if (kk_sock_send_all(r->fd, line, strlen(line), pass_fd, err) < 0)
		return kk_err_wrap(err, "kukeond");
	return 0;
}

/* A reply to call id: Go's client would take nothing else. */
static int check_id(const cJSON *resp, unsigned long id, struct kk_err *err)
{
	const cJSON *rid = cJSON_GetObjectItem(resp, "id");

	if (cJSON_IsNumber(rid) && rid->valuedouble == (double)id)
		return 0;
	return kk_err_set(err, EPROTO, "kukeond: a reply for another call (id %s)",
			  cJSON_IsNumber(rid) ? "mismatch" : "missing");
}

/* The response text to call id, decoded the whole way into reply. */
static int decode(enum kk_op_id op, unsigned long id, const char *text, size_t len, void *reply,
		  struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *resp = NULL;
	const cJSON *e;

	if (kk_json_parse(text, len, "kukeond reply", &resp, err) < 0 ||
	    check_id(resp, id, err) < 0)
		return -1;
	e = cJSON_GetObjectItem(resp, "error");
	if (cJSON_IsString(e))
		return kk_err_set(err, EPROTO, "%s", e->valuestring);
	return kk_wire_reply_decode(op, cJSON_GetObjectItem(resp, "result"), reply, err);
}

static int rpc_call(struct kk_client *c, enum kk_op_id op, const void *args, void *reply,
		    struct kk_err *err)
{
	struct rpc *r = c->impl;
	unsigned long id = 0;
	size_t len = 0;
	int rc;

	if (send_call(r, op, args, &id, err) < 0 || recv_frame(r, &len, err) < 0)
		return -1;
	rc = decode(op, id, r->buf, len, reply, err);
	consume(r, len);
	return rc;
}

/* A list for a table: cut from the text without the whole decode when the reply allows. */
static int rpc_rows(struct kk_client *c, enum kk_op_id op, const void *args,
		    const struct kk_row_field *fields, size_t nfields, struct kk_rows *out,
		    struct kk_err *err)
{
	struct rpc *r = c->impl;
	unsigned long id = 0;
	size_t len = 0;
	int rc = 0;

	if (send_call(r, op, args, &id, err) < 0 || recv_frame(r, &len, err) < 0)
		return -1;
	if (kk_wire_list_rows(op, id, r->buf, len, fields, nfields, out) < 0)
		rc = decode(op, id, r->buf, len, &out->list, err) < 0 ? -1 : 1;
	consume(r, len);
	return rc;
}

static void rpc_free(struct kk_client *c)
{
	struct rpc *r = c->impl;

	if (r->fd >= 0)
		close(r->fd);
	free(r->socket_path);
	free(r->buf);
	free(r);
}

static const struct kk_client_transport rpc_transport = {
	.name = "rpc",
	.call = rpc_call,
	.free = rpc_free,
	.rows = rpc_rows,
};

int kk_client_rpc_new(const char *socket_path, struct kk_client **out, struct kk_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct rpc *r;
	struct kk_client *c;
	int fd;

	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return kk_err_set(err, ENAMETOOLONG, "dial kukeond at %s: socket path too long",
				  socket_path);
	strcpy(sa.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return kk_err_sys(err, "dial kukeond at %s: socket", socket_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		if (e == EACCES)
			return kk_err_set(err, e,
					  "dial kukeond at %s: permission denied — add yourself to "
					  "the kukeon group (sudo usermod -aG kukeon $USER), then "
					  "log "
					  "out and back in: dial unix %s: connect: %s",
					  socket_path, socket_path, strerror(e));
		if (e == ENOENT || e == ECONNREFUSED)
			return kk_err_set(err, e,
					  "dial kukeond at %s: dial unix %s: connect: %s (is "
					  "kukeond "
					  "running? start it with `kuke daemon start`, or run "
					  "in-process with --no-daemon)",
					  socket_path, socket_path, strerror(e));
		return kk_err_set(err, e, "dial kukeond at %s: dial unix %s: connect: %s",
				  socket_path, socket_path, strerror(e));
	}
	r = kk_xcalloc(1, sizeof(*r));
	r->fd = fd;
	r->socket_path = kk_xstrdup(socket_path);
	c = kk_xcalloc(1, sizeof(*c));
	c->t = &rpc_transport;
	c->impl = r;
	*out = c;
	return 0;
}
