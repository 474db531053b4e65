/* common/lockfile.h - an exclusive flock(2) on a lock file, with a bounded wait.
 *
 * flock locks belong to the open file description: they serialise processes (and separate
 * opens within one process), and the kernel drops them when the holder dies, so a crash
 * never leaves a stale lock. The holder writes its pid into the file so that a waiter that
 * gives up can say who holds it. */
#ifndef KK_COMMON_LOCKFILE_H
#define KK_COMMON_LOCKFILE_H

#include <stdbool.h>

#include "common/err.h"

/* Lock path (created with mode 0640 if missing; its directory must exist), waiting up to
 * timeout_ms milliseconds (0: try once; < 0: wait forever). On success *fd_out is the open,
 * locked fd (O_CLOEXEC) to pass to kk_lockfile_release(). When the wait runs out it fails
 * with ETIMEDOUT: "timed out after 10s waiting for lock `PATH` (held by pid 123)". */
int kk_lockfile_acquire(const char *path, int timeout_ms, int *fd_out, struct kk_err *err);
/* The same, shared (LOCK_SH) or exclusive. A shared holder does not write its pid. */
int kk_lockfile_acquire_mode(const char *path, bool shared, int timeout_ms, int *fd_out,
			     struct kk_err *err);
/* Unlock and close fd (from kk_lockfile_acquire). fd < 0 is ignored. */
void kk_lockfile_release(int fd);

#endif
