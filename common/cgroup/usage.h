/* common/cgroup/usage.h - what a group uses right now, from its cgroup v2 files, for
 * `kuke stats`.
 *
 * cpu.stat (usage_usec) is a core file: every group has it. The others need their
 * controller enabled in the group (memory.current and memory.max, pids.current, io.stat);
 * where the host does not delegate it, the figure comes from the processes of the group
 * and every group below it instead (their proportional set sizes (Pss) summed, their count, the
 * sum of read_bytes and write_bytes of /proc/<pid>/io), and a flag says so. */
#ifndef KK_COMMON_CGROUP_USAGE_H
#define KK_COMMON_CGROUP_USAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

struct kk_cgroup;

struct kk_cgroup_usage {
	int64_t cpu_usec;  /* cpu.stat usage_usec */
	int64_t mem_bytes; /* memory.current, else the processes' Pss */
	int64_t mem_limit; /* memory.max; -1: none ("max", or no memory controller) */
	int64_t pids;      /* pids.current, else the processes counted */
	int64_t io_read;   /* io.stat rbytes, else /proc/<pid>/io read_bytes */
	int64_t io_write;  /* io.stat wbytes, else /proc/<pid>/io write_bytes */
	bool mem_from_procs, pids_from_procs, io_from_procs;
	pid_t first_pid; /* a process of the group or a group below; 0: none */
};

/* Read group's usage. Fails when group does not exist (ENOENT) or a file is unreadable. */
int kk_cgroup_usage_read(const struct kk_cgroup *cg, const char *group, struct kk_cgroup_usage *out,
			 struct kk_err *err);

/* The bytes received and sent on every interface but lo of pid's network namespace
 * (/proc/<pid>/net/dev). */
int kk_proc_net_bytes(pid_t pid, int64_t *rx, int64_t *tx, struct kk_err *err);

#endif
