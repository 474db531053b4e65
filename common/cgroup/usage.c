/* common/cgroup/usage.c - see usage.h. */
#include "common/cgroup/usage.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/path.h"
#include "common/strv.h"

#define SMALL_FILE (1 << 20)

/* The file's text; 0 with *out NULL when it does not exist (no such controller here). */
static int read_opt(const char *dir, const char *file, char **out, struct kk_err *err)
{
	cleanup_free char *p = kk_path_join(dir, file);
	struct kk_err e = { 0 };

	*out = NULL;
	if (kk_read_file_max(p, SMALL_FILE, out, NULL, &e) == 0)
		return 0;
	if (e.code == ENOENT)
		return 0;
	*err = e;
	return -1;
}

/* The number after `key ` on a line of a flat keyed file (cpu.stat); -1 if absent. */
static int64_t keyed(const char *text, const char *key)
{
	size_t n = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, n) && l[n] == ' ')
			return strtoll(l + n + 1, NULL, 10);
	return -1;
}

/* io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N ..." per device, summed. */
static void io_stat_sum(const char *text, int64_t *rd, int64_t *wr)
{
	const char *p;

	*rd = *wr = 0;
	for (p = text; (p = strstr(p, "bytes=")); p += 6) {
		if (p > text && p[-1] == 'r')
			*rd += strtoll(p + 6, NULL, 10);
		else if (p > text && p[-1] == 'w')
			*wr += strtoll(p + 6, NULL, 10);
	}
}

struct procs_sum {
	int64_t n, pss, io_read, io_write;
	pid_t first;
};

static void proc_add(pid_t pid, struct procs_sum *s)
{
	char path[64];
	cleanup_free char *smaps = NULL;
	cleanup_free char *io = NULL;
	struct kk_err e = { 0 };
	const char *v;

	s->n++;
	if (!s->first)
		s->first = pid;
	/* proportional set size: pages a fork shares count once over the group; a process
	 * that exits meanwhile adds nothing */
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if (kk_read_file_max(path, SMALL_FILE, &smaps, NULL, &e) == 0 &&
	    (v = strstr(smaps, "\nPss:")))
		s->pss += strtoll(v + 5, NULL, 10) * 1024;
	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	if (kk_read_file_max(path, SMALL_FILE, &io, NULL, &e) == 0) {
		int64_t r = keyed(io, "read_bytes:"), w = keyed(io, "write_bytes:");

		/* /proc/<pid>/io writes "key: value" */
		s->io_read += r > 0 ? r : 0;
		s->io_write += w > 0 ? w : 0;
	}
}

static int procs_walk(const char *dir, struct procs_sum *s, int depth, struct kk_err *err)
{
	cleanup_free char *procs = NULL;
	cleanup_(kk_strv_freep) char **subs = NULL;

	if (depth > 32)
		return 0;
	if (read_opt(dir, "cgroup.procs", &procs, err) < 0)
		return -1;
	for (char *p = procs, *end; p && *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid > 0)
			proc_add((pid_t)pid, s);
	}
	{
		struct kk_err e = { 0 };

		/* a group removed meanwhile has nothing below it */
		if (kk_list_subdirs(dir, &subs, &e) < 0 && e.code != ENOENT) {
			*err = e;
			return -1;
		}
	}
	for (size_t i = 0; subs && subs[i]; i++) {
		cleanup_free char *sub = kk_path_join(dir, subs[i]);

		if (procs_walk(sub, s, depth + 1, err) < 0)
			return -1;
	}
	return 0;
}

int kk_cgroup_usage_read(const struct kk_cgroup *cg, const char *group, struct kk_cgroup_usage *out,
			 struct kk_err *err)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *cpu = NULL;
	cleanup_free char *mem = NULL;
	cleanup_free char *max = NULL;
	cleanup_free char *pids = NULL;
	cleanup_free char *io = NULL;
	struct procs_sum s = { 0 };
	struct kk_cgroup_usage u = { .mem_limit = -1 };
	int rc = kk_cgroup_find(cg, group, &dir, err);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return kk_err_set(err, ENOENT, "cgroup `%s` not found", group);
	if (read_opt(dir, "cpu.stat", &cpu, err) < 0 ||
	    read_opt(dir, "memory.current", &mem, err) < 0 ||
	    read_opt(dir, "memory.max", &max, err) < 0 ||
	    read_opt(dir, "pids.current", &pids, err) < 0 ||
	    read_opt(dir, "io.stat", &io, err) < 0 || procs_walk(dir, &s, 0, err) < 0)
		return kk_err_wrap(err, "cgroup `%s`", group);
	u.cpu_usec = cpu ? keyed(cpu, "usage_usec") : 0;
	if (u.cpu_usec < 0)
		u.cpu_usec = 0;
	u.mem_from_procs = !mem;
	u.mem_bytes = mem ? strtoll(mem, NULL, 10) : s.pss;
	if (max && strncmp(max, "max", 3) != 0)
		u.mem_limit = strtoll(max, NULL, 10);
	u.pids_from_procs = !pids;
	u.pids = pids ? strtoll(pids, NULL, 10) : s.n;
	u.io_from_procs = !io;
	if (io)
		io_stat_sum(io, &u.io_read, &u.io_write);
	else {
		u.io_read = s.io_read;
		u.io_write = s.io_write;
	}
	u.first_pid = s.first;
	*out = u;
	return 0;
}

int kk_proc_net_bytes(pid_t pid, int64_t *rx, int64_t *tx, struct kk_err *err)
{
	char path[64];
	cleanup_free char *text = NULL;
	int64_t r = 0, t = 0;

	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
	if (kk_read_file_max(path, SMALL_FILE, &text, NULL, err) < 0)
		return -1;
	/* "  IFACE: rx_bytes packets errs drop fifo frame compressed multicast tx_bytes ...";
	 * the two header lines have no colon */
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		int64_t v[9];

		if (!colon)
			continue;
		*colon = '\0';
		line += strspn(line, " ");
		if (!strcmp(line, "lo"))
			continue;
		if (sscanf(colon + 1,
			   "%" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64
			   " %" SCNd64 " %" SCNd64 " %" SCNd64,
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) == 9) {
			r += v[0];
			t += v[8];
		}
	}
	*rx = r;
	*tx = t;
	return 0;
}
