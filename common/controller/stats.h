/* common/controller/stats.h - CellStats (kukeon-c): what each cell and its containers use
 * right now, as raw counters (common/cgroup/usage.h) with the time they were read. The
 * caller turns two samples into rates (CPU %); the operation keeps no state.
 *
 * The request is a kk_ref: realm, space and stack filter the cells (NULL or "": any), cell
 * picks one cell by name (ENOENT "cell `NAME` not found" when no cell of the filters has
 * it). A cell's own figures are its cgroup's (which holds its containers'); its network
 * bytes are those of its root container's network namespace (interfaces but lo). A cell
 * without a cgroup (stopped and cleaned up) reports zeros. */
#ifndef KK_COMMON_CONTROLLER_STATS_H
#define KK_COMMON_CONTROLLER_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "common/cgroup/usage.h"
#include "common/err.h"

struct kk_stats_container {
	char *name; /* owned: spec id (the implicit root: "root") */
	struct kk_cgroup_usage u;
	bool running; /* its cgroup holds processes */
};

struct kk_cell_stats {
	char *realm, *space, *stack, *name; /* owned */
	char *state;                        /* owned: the stored cell state */
	struct kk_cgroup_usage u;
	int64_t net_rx, net_tx;
	struct kk_stats_container *containers; /* owned, n_containers */
	size_t n_containers;
};

struct kk_stats_result {
	int64_t time_ns;             /* CLOCK_MONOTONIC when the counters were read */
	struct kk_cell_stats *cells; /* owned, n */
	size_t n;
};
void kk_stats_result_clear(struct kk_stats_result *r);

#endif
