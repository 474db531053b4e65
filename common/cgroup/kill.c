/* common/cgroup/kill.c - see kill.h. */
#include "common/cgroup/kill.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/path.h"
#include "common/strv.h"

/* Is this process inside group? Compares our cgroup v2 path (from our cgroup namespace) with
 * group, which assumes the mount shows our namespace's view, as it does for every mount of
 * cgroup2 made inside that namespace. */
static bool self_inside(const struct kk_cgroup *cg, const char *group)
{
	cleanup_free char *text = NULL;
	cleanup_free char *clean = kk_path_clean(group);
	struct kk_err ignored = { 0 };
	char *line, *nl;
	size_t n = strlen(clean);

	if (kk_read_file("/proc/self/cgroup", &text, &ignored) < 0) {
		kk_log_ignored(kk_cgroup_log(cg), &ignored,
			       "kill cgroup `%s`: check this process is not inside it", group);
		return false;
	}
	for (line = text; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line += 3;
		if (strcmp(clean, "/") == 0)
			return true;
		return strncmp(line, clean, n) == 0 && (line[n] == '\0' || line[n] == '/');
	}
	return false;
}

/* SIGKILL every process in group and below. */
static int kill_procs(const struct kk_cgroup *cg, const char *group, struct kk_err *err)
{
	cleanup_free pid_t *pids = NULL;
	cleanup_(kk_strv_freep) char **subs = NULL;
	cleanup_free char *path = NULL;
	size_t n = 0;

	if (kk_cgroup_procs(cg, group, &pids, &n, err) < 0)
		return kk_err_tolerate(err, ENOENT, 0);
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0 && kill(pids[i], SIGKILL) < 0 && errno != ESRCH)
			return kk_err_sys(err, "kill pid %ld in cgroup `%s`", (long)pids[i], group);
	if (kk_cgroup_path(cg, group, &path, err) < 0)
		return -1;
	if (kk_list_subdirs(path, &subs, err) < 0)
		return kk_err_tolerate(err, ENOENT, 0);
	for (size_t i = 0; subs && subs[i]; i++) {
		cleanup_free char *sub = kk_path_join(group, subs[i]);

		if (kill_procs(cg, sub, err) < 0)
			return -1;
	}
	return 0;
}

/* Wait until group reports "populated 0" or deadline passes. 1 if empty, 0 if not. */
static int wait_empty(const struct kk_cgroup *cg, const char *group, long long deadline,
		      struct kk_err *err)
{
	/* killed processes are usually gone within a millisecond or two: look often first */
	for (int polls = 0;; polls++) {
		int pop = kk_cgroup_is_populated(cg, group, err);

		if (pop < 0)
			return kk_err_tolerate(err, ENOENT, 1);
		if (!pop)
			return 1;
		if (kk_now_ms() >= deadline)
			return 0;
		kk_sleep_ms(polls < 10 ? 1 : 5);
	}
}

static int kill_by_freezing(const struct kk_cgroup *cg, const char *group, long long deadline,
			    struct kk_err *err)
{
	struct kk_err ignored = { 0 };
	bool frozen;
	int rc = 0, empty = 0;

	/* frozen processes cannot fork between our read of cgroup.procs and the kill; SIGKILL
	 * still ends them (a cgroup v2 freeze is killable) */
	frozen = kk_cgroup_write(cg, group, "cgroup.freeze", "1", &ignored) == 0;
	kk_log_ignored(kk_cgroup_log(cg), &ignored, "kill cgroup `%s`: freeze", group);
	while (!empty) {
		if (kill_procs(cg, group, err) < 0) {
			rc = -1;
			break;
		}
		empty = wait_empty(cg, group,
				   kk_now_ms() + 50 < deadline ? kk_now_ms() + 50 : deadline, err);
		if (empty < 0) {
			rc = -1;
			break;
		}
		if (!empty && kk_now_ms() >= deadline)
			break;
	}
	if (frozen) {
		kk_cgroup_write(cg, group, "cgroup.freeze", "0", &ignored);
		kk_log_ignored(kk_cgroup_log(cg), &ignored, "kill cgroup `%s`: thaw", group);
	}
	if (rc < 0)
		return -1;
	return empty ? 0 : 1;
}

int kk_cgroup_kill(const struct kk_cgroup *cg, const char *group, enum kk_cgroup_kill_how how,
		   int timeout_ms, struct kk_err *err)
{
	long long deadline = kk_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	cleanup_free char *path = NULL;
	cleanup_free char *killfile = NULL;
	int exists, empty;
	struct stat st;

	exists = kk_cgroup_find(cg, group, &path, err);
	if (exists <= 0)
		return exists;
	if (self_inside(cg, group))
		return kk_err_set(err, EDEADLK,
				  "kill cgroup `%s`: refusing, this process is inside it", group);
	killfile = kk_path_join(path, "cgroup.kill");
	if (how == KK_CGROUP_KILL_AUTO && stat(killfile, &st) == 0) {
		if (kk_cgroup_write(cg, group, "cgroup.kill", "1", err) < 0)
			return kk_err_wrap(err, "kill cgroup `%s`", group);
		empty = wait_empty(cg, group, deadline, err);
		if (empty < 0)
			return kk_err_wrap(err, "kill cgroup `%s`", group);
	} else {
		int r = kill_by_freezing(cg, group, deadline, err);

		if (r < 0)
			return kk_err_wrap(err, "kill cgroup `%s`", group);
		empty = r == 0;
	}
	if (!empty)
		return kk_err_set(err, ETIMEDOUT, "kill cgroup `%s`: processes remain after %d ms",
				  group, timeout_ms);
	return 0;
}
