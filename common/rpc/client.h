/* common/rpc/client.h - the kukeonv1 client transport: every operation of ops.def as a
 * call to kukeond over its unix socket (one connection, calls one after another, as
 * upstream's client). */
#ifndef KK_COMMON_RPC_CLIENT_H
#define KK_COMMON_RPC_CLIENT_H

#include "common/controller/client.h"
#include "common/err.h"

/* Dial kukeond at socket_path now. Errors in upstream's words: `dial kukeond at <sock>:
 * ...`, with the kukeon-group hint on EACCES and a hint to start the daemon or use
 * --no-daemon when nothing listens. */
int kk_client_rpc_new(const char *socket_path, struct kk_client **out, struct kk_err *err);

#endif
