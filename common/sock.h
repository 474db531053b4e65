/* common/sock.h - a whole message written to a stream socket, a descriptor riding along:
 * the kukeonv1 client and server, and kuketty's attach replies. */
#ifndef KK_COMMON_SOCK_H
#define KK_COMMON_SOCK_H

#include <stddef.h>

#include "common/err.h"

/* Send p[0..n) on the stream socket fd through short writes and EINTR, never raising
 * SIGPIPE; pass_fd (>= 0) rides with the first bytes (SCM_RIGHTS). Fails with
 * "send: <strerror>" (the errno as code). */
int kk_sock_send_all(int fd, const char *p, size_t n, int pass_fd, struct kk_err *err);

#endif
