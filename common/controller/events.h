/* common/controller/events.h - what happened to cells and containers, for `kuke events`.
 *
 * Two sources, one shape (struct kk_event, kukeon names):
 *   the event log   kukeon's own events (CellCreated, CellStarted, CellStopped, CellKilled,
 *                   CellDeleted, CellPurged, Container<same>, ContainerRestarted by policy,
 *                   CellAutoDeleted, CellWoundDown), appended by the controller as JSON lines to
 *                   <run_path>/events.log; at KK_EVENTS_MAX_BYTES it moves to events.log.1
 *                   (the one before is dropped). ReadEvents (kukeon-c) reads it.
 *   containerd      task events of kukeon's namespaces (TaskStart, TaskExit with the exit
 *                   code, TaskOOM, TaskDelete) through a subscription (kk_events_watch_*),
 *                   mapped from the namespace and the containerd id
 *                   (<space>_<stack>_<cell>_<container>). Not stored: live only. */
#ifndef KK_COMMON_CONTROLLER_EVENTS_H
#define KK_COMMON_CONTROLLER_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define KK_EVENTS_FILE      "events.log"
#define KK_EVENTS_MAX_BYTES (1 << 20)
#define KK_EVENTS_BATCH     1000 /* most events one ReadEvents returns */

struct kk_local;

struct kk_event {
	int64_t time_ns;                                /* Unix */
	char *type;                                     /* owned */
	char *realm, *space, *stack, *cell, *container; /* owned; NULL: not that deep */
	bool has_exit;
	int64_t exit_code;
	bool containerd; /* from containerd, not the event log */
};
void kk_event_clear(struct kk_event *ev);

/* Append one of kukeon's own events (container NULL for a cell's). Best effort: a failure
 * is logged on l's logger, never returned (the operation it reports has happened). */
void kk_events_record(struct kk_local *l, const char *type, const char *realm, const char *space,
		      const char *stack, const char *cell, const char *container);

/* ReadEvents: the log from a cursor. cursor < 0 starts: with since_ns > 0 the events at or
 * after it (events.log.1 too), else none; the reply's cursor is where to go on from. A
 * cursor of a file since rotated goes on in events.log.1. realm (NULL or "": any) filters. */
struct kk_events_args {
	int64_t since_ns, cursor, inode;
	const char *realm;
};
struct kk_events_result {
	struct kk_event *v; /* owned, n */
	size_t n;
	int64_t cursor, inode;
};
void kk_events_result_clear(struct kk_events_result *r);

/* A containerd subscription to the task events of kukeon's namespaces (realm's only when
 * set). next() waits at most wait_ms: 1 with *ev filled, 0 when nothing came. */
struct kk_events_watch;
int kk_events_watch_open(struct kk_local *l, const char *realm, struct kk_events_watch **out,
			 struct kk_err *err);
int kk_events_watch_next(struct kk_events_watch *w, int wait_ms, struct kk_event *ev,
			 struct kk_err *err);
void kk_events_watch_close(struct kk_events_watch *w);
void kk_events_watch_closep(struct kk_events_watch **w);

#endif
