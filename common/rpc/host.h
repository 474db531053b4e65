/* common/rpc/host.h - the kukeond address (`kuke --host`, KUKEON_HOST). */
#ifndef KK_COMMON_RPC_HOST_H
#define KK_COMMON_RPC_HOST_H

#include "common/err.h"

/* Parse a kukeond address as upstream's client dials it. Only unix:///path is served;
 * ssh:// is recognised but not implemented; anything else is refused. On success
 * *socket_path is a new string (free() it). Messages are upstream's, e.g.
 * `unsupported kukeon host scheme: "tcp://x" (expected unix:// or ssh://)`. */
int kk_rpc_host_parse(const char *addr, char **socket_path, struct kk_err *err);

#endif
