/* common/cgroup/resources.h - resource limits written to a cgroup's interface files.
 *
 *   struct kk_cgroup_resources r = KK_CGROUP_RESOURCES_INIT;   everything left alone
 *   r.memory_max = 256 << 20;
 *   r.pids_max = KK_CGROUP_MAX;                                 writes "max"
 *   kk_cgroup_set_resources(cg, "/kukeon/default", &r, &err);
 *
 * Before writing anything every needed controller must be listed in the group's
 * cgroup.controllers (enabled for it by its parent); if one is not, the call fails with
 * EOPNOTSUPP naming it, and nothing is written. Values are written one file at a time; if
 * a write fails the files already changed get their previous value back. */
#ifndef KK_COMMON_CGROUP_RESOURCES_H
#define KK_COMMON_CGROUP_RESOURCES_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct kk_cgroup;

#define KK_CGROUP_UNSET INT64_MIN /* leave this file alone */
#define KK_CGROUP_MAX   INT64_MAX /* write "max" (no limit) */

/* One io.max line: "MAJ:MIN rbps=.. wbps=.. riops=.. wiops=..". Rates are UNSET (key left
 * out), MAX or a positive number. */
struct kk_cgroup_io_limit {
	unsigned major, minor;
	int64_t rbps, wbps, riops, wiops;
};

/* hugetlb.<page_size>.max, e.g. page_size "2MB"; max in bytes or MAX. */
struct kk_cgroup_hugetlb_limit {
	const char *page_size;
	int64_t max;
};

struct kk_cgroup_resources {
	int64_t cpu_weight;      /* cpu.weight, 1..10000 */
	int64_t cpu_quota_us;    /* cpu.max quota (µs per period) or MAX */
	int64_t cpu_period_us;   /* cpu.max period (µs); with quota UNSET writes "max PERIOD" */
	const char *cpuset_cpus; /* cpuset.cpus, e.g. "0-3"; NULL: leave alone */
	const char *cpuset_mems; /* cpuset.mems; NULL: leave alone */
	int64_t memory_min;      /* memory.min, bytes (or MAX) */
	int64_t memory_low;      /* memory.low */
	int64_t memory_high;     /* memory.high */
	int64_t memory_max;      /* memory.max */
	int64_t memory_swap_max; /* memory.swap.max */
	int64_t io_weight;       /* io.weight "default N", 1..10000 */
	const struct kk_cgroup_io_limit *io_max; /* borrowed array of n_io_max */
	size_t n_io_max;
	int64_t pids_max;                              /* pids.max */
	const struct kk_cgroup_hugetlb_limit *hugetlb; /* borrowed array of n_hugetlb */
	size_t n_hugetlb;
};

#define KK_CGROUP_RESOURCES_INIT                                                   \
	{                                                                          \
		.cpu_weight = KK_CGROUP_UNSET, .cpu_quota_us = KK_CGROUP_UNSET,    \
		.cpu_period_us = KK_CGROUP_UNSET, .memory_min = KK_CGROUP_UNSET,   \
		.memory_low = KK_CGROUP_UNSET, .memory_high = KK_CGROUP_UNSET,     \
		.memory_max = KK_CGROUP_UNSET, .memory_swap_max = KK_CGROUP_UNSET, \
		.io_weight = KK_CGROUP_UNSET, .pids_max = KK_CGROUP_UNSET,         \
	}

/* One file to write: "<file>" gets "<value>"; it belongs to "<controller>". */
struct kk_cgroup_setting {
	const char *controller; /* static: "cpu", "memory" ... */
	char *file;             /* owned */
	char *value;            /* owned */
};

/* Turn r into the list of files and values to write, checking ranges (EINVAL naming the
 * field). Pure: no file system access. *out is a new array of *n settings (NULL if r sets
 * nothing); free with kk_cgroup_settings_free(). */
int kk_cgroup_resources_plan(const struct kk_cgroup_resources *r, struct kk_cgroup_setting **out,
			     size_t *n, struct kk_err *err);
void kk_cgroup_settings_free(struct kk_cgroup_setting *s, size_t n);

/* Write r into group (see the top of this file for the all-or-nothing rules). */
int kk_cgroup_set_resources(const struct kk_cgroup *cg, const char *group,
			    const struct kk_cgroup_resources *r, struct kk_err *err);

#endif
