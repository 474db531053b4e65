/* common/rpc/server.h - the kukeonv1 server side, one message at a time: a request in, the
 * reply line out, exactly as Go's net/rpc with the jsonrpc codec answers (runtime reference
 * §1.1). The transport (sockets, threads) is kukeond's. */
#ifndef KK_COMMON_RPC_SERVER_H
#define KK_COMMON_RPC_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/controller/hierarchy.h"
#include "common/err.h"
#include "common/rpc/cache.h"
#include "common/rpc/wire.h"

/* Handle one request message (a complete JSON value). *reply is a new line ending in "\n"
 * to send back. Returns 0 to keep the connection, -1 when it must be closed (the message
 * was not a JSON object: Go's server drops such a connection; *reply is NULL then and err
 * says why). *method (may be NULL) gets the method for logs, a new string or NULL. fds:
 * descriptors that came with the message (SCM_RIGHTS); the call takes what it uses. cache
 * (may be NULL): the daemon's reply cache, for the calls that only read the store. */
int kk_rpc_serve_message(struct kk_rpc_cache *cache, struct kk_local *l, const char *msg,
			 size_t len, struct kk_wire_fds *fds, char **reply, char **method,
			 struct kk_err *err);

#endif
