/* ctr/rpc.h - ctr/-internal: the connection, the unary-call helper and the streaming-call
 * helper every service file uses. Not included outside ctr/. */
#ifndef KK_CTR_RPC_H
#define KK_CTR_RPC_H

#include <stdbool.h>

#include <grpc/grpc.h>
#include <protobuf-c/protobuf-c.h>

#include "ctr/ctr.h"

struct ctr_conn {
	grpc_channel *channel;
	grpc_completion_queue *cq;
	char *socket; /* owned; the path, for error messages */
	char *ns;     /* owned; NULL = no namespace header */
	char *lease;  /* owned; NULL = no containerd-lease header */
	int timeout_ms;
	const struct kk_log *log; /* borrowed; NULL = silent (see ctr_set_log) */
	bool shared_channel;      /* a sibling's: the channel is its parent's, not destroyed */
};

/* Call `method` ("/containerd.services.version.v1.Version/Version") with req and
 * unpack the reply with resp_desc. On success *resp is a new message: free it with
 * protobuf_c_message_free_unpacked(*resp, NULL). On failure err names the method
 * and says what containerd (or the transport) answered. The deadline is the
 * connection's timeout. */
int ctr_rpc_unary(struct ctr_conn *conn, const char *method, const ProtobufCMessage *req,
		  const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp,
		  struct kk_err *err);
/* The same, naming the object the call is about in messages (obj may be NULL):
 * "containers.Create `web`: already exists". timeout_ms: 0 = the connection's timeout,
 * CTR_WAIT_FOREVER for calls that legitimately block (Tasks.Wait), or milliseconds. */
int ctr_rpc_call(struct ctr_conn *conn, const char *method, const char *obj,
		 const ProtobufCMessage *req, const ProtobufCMessageDescriptor *resp_desc,
		 ProtobufCMessage **resp, int timeout_ms, struct kk_err *err);

/* Streaming calls (client-, server- and bidirectional streaming).
 *
 * A stream has its own completion queue, so it can be driven in one thread while
 * ctr_stream_cancel() is called from another. There is no deadline on the whole call:
 * instead each step (a send, or a receive waited for with CTR_WAIT_STEP) must finish
 * within the connection's timeout, or the call is cancelled and the step fails with
 * ETIMEDOUT. That bounds a stalled transfer without bounding a long healthy one.
 *
 *   ctr_stream_open(conn, "/containerd.services.content.v1.Content/Read", digest, &s, err);
 *   ctr_stream_send(s, &req.base, true, err);          true = last message (half-close)
 *   while ((r = ctr_stream_recv(s, desc, CTR_WAIT_STEP, &msg, err)) == CTR_STREAM_MSG) ...
 *   ctr_stream_free(s);                                cancels the call if still open */
struct ctr_stream;

enum {
	CTR_STREAM_END = 0,  /* the server closed the stream with status OK */
	CTR_STREAM_MSG = 1,  /* *msg is a new message */
	CTR_STREAM_IDLE = 2, /* wait_ms passed with no message; the receive stays pending */
};

/* wait_ms for ctr_stream_recv: a positive number of milliseconds (IDLE when it passes),
 * CTR_WAIT_FOREVER, or CTR_WAIT_STEP (the connection timeout; passing it is an error). */
#define CTR_WAIT_STEP (-2)

/* The metadata (namespace, lease) is taken from conn now; conn must outlive the stream.
 * obj (may be NULL) names the object in messages, as for ctr_rpc_call(). */
int ctr_stream_open(struct ctr_conn *conn, const char *method, const char *obj,
		    struct ctr_stream **out, struct kk_err *err);
/* Send one message; last = also close the sending side. */
int ctr_stream_send(struct ctr_stream *s, const ProtobufCMessage *msg, bool last,
		    struct kk_err *err);
/* Close the sending side without a message. */
int ctr_stream_close_send(struct ctr_stream *s, struct kk_err *err);
/* Receive one message: CTR_STREAM_MSG (free *msg with protobuf_c_message_free_unpacked),
 * CTR_STREAM_END, CTR_STREAM_IDLE, or -1 with err set (ECANCELED after ctr_stream_cancel). */
int ctr_stream_recv(struct ctr_stream *s, const ProtobufCMessageDescriptor *desc, int wait_ms,
		    ProtobufCMessage **msg, struct kk_err *err);
/* Cancel the call; safe from any thread, and more than once. A receive in progress
 * returns -1 with ECANCELED. */
void ctr_stream_cancel(struct ctr_stream *s);
/* The method's short name for messages ("content.Write"). */
const char *ctr_stream_what(const struct ctr_stream *s);
void ctr_stream_free(struct ctr_stream *s);
void ctr_stream_freep(struct ctr_stream **s);

#endif
