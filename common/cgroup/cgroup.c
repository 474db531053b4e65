/* common/cgroup/cgroup.c - see cgroup.h. */
#include "common/cgroup/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/clock.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/path.h"
#include "common/strv.h"

struct kk_cgroup {
	char *mount;
	const struct kk_log *log; /* borrowed; NULL = silent */
};

static int check_v2(const char *mount, struct kk_err *err)
{
	cleanup_free char *unified = NULL;
	struct statfs fs;

	if (statfs(mount, &fs) < 0)
		return kk_err_sys(err, "cgroup mount `%s`", mount);
	if (fs.f_type == CGROUP2_SUPER_MAGIC)
		return 0;
	if (fs.f_type == CGROUP_SUPER_MAGIC)
		return kk_err_set(err, ENOTSUP,
				  "cgroup mount `%s` is a cgroup v1 hierarchy; kukeon needs the "
				  "unified cgroup v2 hierarchy there",
				  mount);
	if (fs.f_type == TMPFS_MAGIC) {
		struct statfs ufs;

		unified = kk_path_join(mount, "unified");
		if (statfs(unified, &ufs) == 0 && ufs.f_type == CGROUP2_SUPER_MAGIC)
			return kk_err_set(err, ENOTSUP,
					  "cgroup mount `%s` is a hybrid layout (cgroup v1 "
					  "controllers, cgroup v2 only at `%s`); kukeon needs the "
					  "unified cgroup v2 hierarchy mounted at `%s`",
					  mount, unified, mount);
		return kk_err_set(err, ENOTSUP,
				  "cgroup mount `%s` is a cgroup v1 layout (tmpfs with v1 "
				  "hierarchies); kukeon needs the unified cgroup v2 hierarchy "
				  "there",
				  mount);
	}
	return kk_err_set(err, ENOTSUP,
			  "`%s` is not a cgroup file system (type 0x%lx); kukeon needs the "
			  "unified cgroup v2 hierarchy there",
			  mount, (unsigned long)fs.f_type);
}

int kk_cgroup_open(const char *mount, struct kk_cgroup **out, struct kk_err *err)
{
	struct kk_cgroup *cg;

	if (!mount || !*mount)
		mount = KK_CGROUP_DEFAULT_MOUNT;
	if (check_v2(mount, err) < 0)
		return -1;
	cg = kk_xcalloc(1, sizeof(*cg));
	cg->mount = kk_path_clean(mount);
	*out = cg;
	return 0;
}

void kk_cgroup_free(struct kk_cgroup *cg)
{
	if (!cg)
		return;
	free(cg->mount);
	free(cg);
}

void kk_cgroup_set_log(struct kk_cgroup *cg, const struct kk_log *log)
{
	cg->log = log;
}

const struct kk_log *kk_cgroup_log(const struct kk_cgroup *cg)
{
	return cg->log;
}

KK_DEFINE_FREEP(kk_cgroup)

const char *kk_cgroup_mount(const struct kk_cgroup *cg)
{
	return cg->mount;
}

static int check_group(const char *group, struct kk_err *err)
{
	const char *p;

	if (!group || group[0] != '/')
		return kk_err_set(err, EINVAL, "invalid cgroup `%s`: must start with '/'",
				  group ? group : "");
	for (p = group; *p;) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return kk_err_set(err, EINVAL,
					  "invalid cgroup `%s`: `.` and `..` are not allowed",
					  group);
		p += n;
	}
	return 0;
}

int kk_cgroup_path(const struct kk_cgroup *cg, const char *group, char **out, struct kk_err *err)
{
	if (check_group(group, err) < 0)
		return -1;
	*out = kk_path_join(cg->mount, group);
	return 0;
}

char *kk_cgroup_parent(const char *group)
{
	cleanup_free char *clean = kk_path_clean(group);

	return kk_path_join(clean, "..");
}

int kk_cgroup_find(const struct kk_cgroup *cg, const char *group, char **path, struct kk_err *err)
{
	cleanup_free char *p = NULL;
	cleanup_free char *ctl = NULL;
	struct stat st;
	int rc;

	if (kk_cgroup_path(cg, group, &p, err) < 0)
		return -1;
	ctl = kk_path_join(p, "cgroup.controllers");
	if (stat(ctl, &st) == 0)
		rc = 1;
	else if (errno == ENOENT || errno == ENOTDIR)
		rc = 0;
	else
		return kk_err_sys(err, "cgroup `%s`", group);
	if (path)
		*path = TAKE_PTR(p);
	return rc;
}

int kk_cgroup_exists(const struct kk_cgroup *cg, const char *group, struct kk_err *err)
{
	return kk_cgroup_find(cg, group, NULL, err);
}

int kk_cgroup_create(const struct kk_cgroup *cg, const char *group, struct kk_err *err)
{
	cleanup_free char *path = NULL;
	int existed;

	existed = kk_cgroup_find(cg, group, &path, err);
	if (existed < 0)
		return -1;
	if (existed)
		return 0;
	if (kk_mkdir_p(path, 0755, err) < 0)
		return kk_err_wrap(err, "create cgroup `%s`", group);
	return 1;
}

static void nap(long long *ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = *ms * 1000000 };

	nanosleep(&ts, NULL);
	if (*ms < 100)
		*ms *= 2;
}

/* rmdir the cgroup at path (group names it in messages) after its children. */
static int remove_tree(const char *path, const char *group, long long deadline, struct kk_err *err)
{
	cleanup_(kk_strv_freep) char **subs = NULL;
	long long wait = 10;

	if (kk_list_subdirs(path, &subs, err) < 0)
		return kk_err_tolerate(err, ENOENT, 0) == 0
			       ? 0
			       : kk_err_wrap(err, "remove cgroup `%s`", group);
	for (size_t i = 0; subs && subs[i]; i++) {
		cleanup_free char *sub = kk_path_join(path, subs[i]);
		cleanup_free char *subgroup = kk_path_join(group, subs[i]);

		if (remove_tree(sub, subgroup, deadline, err) < 0)
			return -1;
	}
	for (;;) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || kk_now_ms() >= deadline)
			break;
		nap(&wait);
	}
	if (errno == EBUSY)
		return kk_err_set(err, EBUSY,
				  "remove cgroup `%s`: still busy (it holds processes or a "
				  "child cgroup)",
				  group);
	return kk_err_sys(err, "remove cgroup `%s`", group);
}

int kk_cgroup_remove(const struct kk_cgroup *cg, const char *group, int timeout_ms,
		     struct kk_err *err)
{
	cleanup_free char *path = NULL;
	cleanup_free char *clean = NULL;
	struct stat st;

	if (kk_cgroup_path(cg, group, &path, err) < 0)
		return -1;
	clean = kk_path_clean(group);
	if (strcmp(clean, "/") == 0)
		return kk_err_set(err, EINVAL,
				  "remove cgroup `%s`: the mount root cannot be removed", group);
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return kk_err_sys(err, "remove cgroup `%s`", group);
	}
	if (remove_tree(path, clean, kk_now_ms() + (timeout_ms > 0 ? timeout_ms : 0), err) < 0)
		return -1;
	return 1;
}

int kk_cgroup_read(const struct kk_cgroup *cg, const char *group, const char *file, char **out,
		   struct kk_err *err)
{
	cleanup_free char *path = NULL;
	cleanup_free char *fpath = NULL;

	if (kk_cgroup_path(cg, group, &path, err) < 0)
		return -1;
	fpath = kk_path_join(path, file);
	return kk_read_file_max(fpath, 1u << 20, out, NULL, err);
}

int kk_cgroup_write(const struct kk_cgroup *cg, const char *group, const char *file,
		    const char *value, struct kk_err *err)
{
	cleanup_free char *path = NULL;
	cleanup_free char *fpath = NULL;
	cleanup_close int fd = -1;
	size_t len = strlen(value);
	ssize_t w;

	if (kk_cgroup_path(cg, group, &path, err) < 0)
		return -1;
	fpath = kk_path_join(path, file);
	if (len == 0) {
		value = "\n";
		len = 1;
	}
	/* no O_TRUNC: cgroupfs files take each write as a command */
	fd = open(fpath, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return kk_err_sys(err, "open `%s`", fpath);
	do
		w = write(fd, value, len);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return kk_err_sys(err, "write `%s` to `%s`", value, fpath);
	return 0;
}

static int read_words(const struct kk_cgroup *cg, const char *group, const char *file, char ***out,
		      struct kk_err *err)
{
	cleanup_free char *text = NULL;
	cleanup_(kk_strv_freep) char **v = NULL;
	char *save = NULL;

	if (kk_cgroup_read(cg, group, file, &text, err) < 0)
		return -1;
	for (char *tok = strtok_r(text, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save))
		kk_strv_push_take(&v, kk_xstrdup(tok));
	*out = TAKE_PTR(v);
	return 0;
}

int kk_cgroup_controllers(const struct kk_cgroup *cg, const char *group, char ***out,
			  struct kk_err *err)
{
	return read_words(cg, group, "cgroup.controllers", out, err);
}

int kk_cgroup_subtree_control(const struct kk_cgroup *cg, const char *group, char ***out,
			      struct kk_err *err)
{
	return read_words(cg, group, "cgroup.subtree_control", out, err);
}

int kk_cgroup_procs(const struct kk_cgroup *cg, const char *group, pid_t **out, size_t *n,
		    struct kk_err *err)
{
	cleanup_free char *text = NULL;
	cleanup_free pid_t *pids = NULL;
	size_t count = 0;
	char *save = NULL;

	if (kk_cgroup_read(cg, group, "cgroup.procs", &text, err) < 0)
		return -1;
	for (char *tok = strtok_r(text, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
		char *end;
		long pid = strtol(tok, &end, 10);

		if (end == tok || *end)
			return kk_err_set(err, EINVAL, "cgroup `%s`: bad pid `%s` in cgroup.procs",
					  group, tok);
		pids = kk_xrealloc(pids, (count + 1) * sizeof(*pids));
		pids[count++] = (pid_t)pid;
	}
	*out = TAKE_PTR(pids);
	*n = count;
	return 0;
}

int kk_cgroup_add_proc(const struct kk_cgroup *cg, const char *group, pid_t pid, struct kk_err *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", (long)pid);
	if (kk_cgroup_write(cg, group, "cgroup.procs", buf, err) < 0)
		return kk_err_wrap(err, "move pid %ld into cgroup `%s`", (long)pid, group);
	return 0;
}

int kk_cgroup_is_populated(const struct kk_cgroup *cg, const char *group, struct kk_err *err)
{
	cleanup_free char *text = NULL;
	char *p;

	if (kk_cgroup_read(cg, group, "cgroup.events", &text, err) < 0)
		return kk_err_tolerate(err, ENOENT, 1);
	p = strstr(text, "populated ");
	if (!p)
		return kk_err_set(err, EINVAL, "cgroup `%s`: no `populated` in cgroup.events",
				  group);
	return p[strlen("populated ")] == '1';
}
