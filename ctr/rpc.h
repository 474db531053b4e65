/* ctr/rpc.h - ctr/-internal: the connection and the one unary-call helper every service
 * file uses. Not included outside ctr/. */
#ifndef KK_CTR_RPC_H
#define KK_CTR_RPC_H

#include <grpc/grpc.h>
#include <protobuf-c/protobuf-c.h>

#include "ctr/ctr.h"

struct ctr_conn {
	grpc_channel *channel;
	grpc_completion_queue *cq;
	char *socket; /* owned; the path, for error messages */
	char *ns;     /* owned; NULL = no namespace header */
	int timeout_ms;
};

/* Call `method` ("/containerd.services.version.v1.Version/Version") with req and
 * unpack the reply with resp_desc. On success *resp is a new message: free it with
 * protobuf_c_message_free_unpacked(*resp, NULL). On failure err names the method
 * and says what containerd (or the transport) answered. */
int ctr_rpc_unary(struct ctr_conn *conn, const char *method, const ProtobufCMessage *req,
		  const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp,
		  struct kk_err *err);

#endif
