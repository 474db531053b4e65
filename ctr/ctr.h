/* ctr/ctr.h - kukeon's containerd client: plain C in, plain C out.
 *
 * The only ctr/ header included outside ctr/. grpc and protobuf-c stay inside the ctr sources.
 * Every call carries the connection's namespace as the `containerd-namespace` header
 * and a deadline; gRPC status codes come back as errno values in err->code
 * (see ctr_errno_from_grpc_status). */
#ifndef KK_CTR_CTR_H
#define KK_CTR_CTR_H

#include "common/err.h"

struct ctr_conn;

/* Open a connection to containerd's socket (a path, or a "unix:" target). The channel
 * connects lazily: an unreachable socket fails the first call, quickly, not here.
 * ns may be NULL for calls that need no namespace. */
int ctr_connect(const char *socket, const char *ns, struct ctr_conn **out, struct kk_err *err);
void ctr_disconnect(struct ctr_conn *conn);
void ctr_disconnectp(struct ctr_conn **conn);

/* Deadline applied to each unary call from now on (milliseconds, > 0). */
void ctr_set_timeout(struct ctr_conn *conn, int timeout_ms);
/* Namespace sent with each call from now on; NULL sends none. The string is copied. */
void ctr_set_namespace(struct ctr_conn *conn, const char *ns);

/* Map a gRPC status code (the numbers of grpc_status_code / google.rpc.Code) to the
 * errno value kukeon uses for it: NOT_FOUND -> ENOENT, ALREADY_EXISTS -> EEXIST,
 * UNAVAILABLE -> ECONNREFUSED, DEADLINE_EXCEEDED -> ETIMEDOUT, ... OK gives 0. */
int ctr_errno_from_grpc_status(int status);

struct ctr_version {
	char *version;  /* owned, e.g. "1.6.20~ds1" */
	char *revision; /* owned */
};

/* containerd's Version service. On success fill *out; release it with ctr_version_clear(). */
int ctr_version(struct ctr_conn *conn, struct ctr_version *out, struct kk_err *err);
void ctr_version_clear(struct ctr_version *v);

#endif
