/* common/fault.h - deterministic crash points for tests (issue 15's crash matrix).
 *
 * KUKEON_TEST_FAULT=<point>[:fail|:stop] (a test knob, like KUKE_TEST_IN_PROCESS): when
 * the running code reaches the named point, the process ends at once with status 137, as
 * a SIGKILL would leave it (no cleanup, no undo); with `:fail` the step fails with
 * `fault injected at <point>` and the ordinary undo runs; with `:stop` the process stops
 * itself (SIGSTOP), holding its locks and journal record, and goes on from the point when
 * it gets a SIGCONT (a test runs something beside a step in flight). Points are named
 * "<operation>:<step>", e.g. "cell-create:root-task"; the README lists them. Unset,
 * a point costs one cached getenv. */
#ifndef KK_COMMON_FAULT_H
#define KK_COMMON_FAULT_H

#include "common/err.h"

/* 0 to go on (after a SIGCONT for `:stop`); -1 with err set when the knob says `:fail`
 * here; no return for a crash. */
int kk_fault(const char *point, struct kk_err *err);

#endif
