/* common/controller/status.h - HostStatus (kukeon-c), what `kuke status` shows: containerd
 * (reachable, version), the daemon's own record, cells by state per realm, and the disk
 * use of the run path and of containerd's content store.
 *
 * The daemon's record is a file kukeond keeps at <run_path>/kukeond-status.json: written
 * when it starts serving and after each reconcile pass, removed when it stops. A record
 * left by a daemon that died is still read; whether the daemon answers is for the caller
 * to find out (it has the socket). */
#ifndef KK_COMMON_CONTROLLER_STATUS_H
#define KK_COMMON_CONTROLLER_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define KK_DAEMON_STATUS_FILE "kukeond-status.json"

struct kk_daemon_status {
	bool present;           /* a record was read */
	int64_t pid;            /* as the daemon sees itself (its pid namespace) */
	char *version, *socket; /* owned */
	int64_t started_ms;     /* Unix ms */
	int64_t reconcile_ms;   /* the interval; <= 0: no loop */
	int64_t passes;         /* reconcile passes done */
	int64_t last_pass_ms;   /* Unix ms the last pass ended; 0: none yet */
	int64_t last_pass_took_ms;
	char **last_errors; /* owned: what the last pass reported (NULL: none) */
};
void kk_daemon_status_clear(struct kk_daemon_status *s);
/* Write s as run_path's record (atomically). */
int kk_daemon_status_write(const char *run_path, const struct kk_daemon_status *s,
			   struct kk_err *err);
/* Read run_path's record into *out (present false when there is none). */
int kk_daemon_status_read(const char *run_path, struct kk_daemon_status *out, struct kk_err *err);
/* Remove run_path's record, if any. */
void kk_daemon_status_remove(const char *run_path);

#define KK_STATUS_CELL_STATES 6 /* enum kk_cell_state */

struct kk_realm_cells {
	char *name;                           /* owned */
	int64_t cells[KK_STATUS_CELL_STATES]; /* by enum kk_cell_state */
};

struct kk_host_status {
	bool containerd_ok;
	char *containerd_version; /* owned */
	char *containerd_error;   /* owned: why it does not answer */
	struct kk_daemon_status daemon;
	struct kk_realm_cells *realms; /* owned, n_realms */
	size_t n_realms;
	char *run_path;         /* owned */
	int64_t run_path_bytes; /* -1: unknown */
	char *content_path;     /* owned: containerd's content store root ("" unknown) */
	int64_t content_bytes;  /* -1: unknown */
	char *disk_error;       /* owned: why a figure is unknown */
};
void kk_host_status_clear(struct kk_host_status *s);

#endif
