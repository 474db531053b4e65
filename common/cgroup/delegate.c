/* common/cgroup/delegate.c - see delegate.h. */
#include "common/cgroup/delegate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/path.h"
#include "common/strv.h"

void kk_cgroup_delegation_clear(struct kk_cgroup_delegation *d)
{
	kk_strv_freep(&d->enabled);
	kk_strv_freep(&d->unavailable);
}

int kk_cgroup_relocate_procs(const struct kk_cgroup *cg, const char *group, const char *leaf,
			     struct kk_err *err)
{
	cleanup_free pid_t *pids = NULL;
	cleanup_free char *leaf_group = NULL;
	size_t n = 0;
	int moved = 0;

	if (!leaf || !*leaf || strchr(leaf, '/') || strcmp(leaf, ".") == 0 ||
	    strcmp(leaf, "..") == 0)
		return kk_err_set(err, EINVAL, "invalid leaf cgroup name `%s`", leaf ? leaf : "");
	leaf_group = kk_path_join(group, leaf);
	if (kk_cgroup_create(cg, leaf_group, err) < 0)
		return -1;
	if (kk_cgroup_procs(cg, group, &pids, &n, err) < 0)
		return kk_err_wrap(err, "drain cgroup `%s`", group);
	for (size_t i = 0; i < n; i++) {
		if (pids[i] <= 0)
			continue; /* a process outside our pid namespace: not ours to move */
		struct kk_err aerr = { 0 };

		if (kk_cgroup_add_proc(cg, leaf_group, pids[i], &aerr) < 0) {
			if (aerr.code == ESRCH)
				continue; /* it exited meanwhile */
			*err = aerr;
			return kk_err_wrap(err, "drain cgroup `%s`", group);
		}
		moved++;
	}
	return moved;
}

/* "+a +b" for the controllers of v. */
static char *enable_line(char *const *v)
{
	cleanup_free char *joined = kk_strv_join(v, " +");

	return kk_xasprintf("+%s", joined);
}

static int enable_in(const struct kk_cgroup *cg, const char *group, const char *line,
		     const char *drain_leaf, struct kk_err *err)
{
	struct kk_err werr = { 0 };

	if (kk_cgroup_write(cg, group, "cgroup.subtree_control", line, &werr) == 0)
		return 0;
	if (werr.code == EBUSY) {
		cleanup_free pid_t *pids = NULL;
		size_t n = 0;
		struct kk_err perr = { 0 };

		if (kk_cgroup_procs(cg, group, &pids, &n, &perr) < 0)
			kk_log_ignored(kk_cgroup_log(cg), &perr,
				       "enable controllers in cgroup `%s`: read its processes",
				       group);
		else if (n > 0) {
			if (!drain_leaf)
				return kk_err_set(
					err, EBUSY,
					"enable controllers `%s` in cgroup `%s`: it holds "
					"%zu process(es) of its own, and cgroup v2 forbids "
					"delegating controllers from a cgroup with processes",
					line, group, n);
			if (kk_cgroup_relocate_procs(cg, group, drain_leaf, err) < 0)
				return -1;
			if (kk_cgroup_write(cg, group, "cgroup.subtree_control", line, err) == 0)
				return 0;
			return kk_err_wrap(err, "enable controllers `%s` in cgroup `%s`", line,
					   group);
		}
	}
	*err = werr;
	return kk_err_wrap(err, "enable controllers `%s` in cgroup `%s`", line, group);
}

int kk_cgroup_delegate(const struct kk_cgroup *cg, const char *group, char *const *want,
		       const char *drain_leaf, struct kk_cgroup_delegation *out, struct kk_err *err)
{
	cleanup_(kk_strv_freep) char **avail = NULL;
	cleanup_(kk_strv_freep) char **enabled = NULL;
	cleanup_(kk_strv_freep) char **unavailable = NULL;
	cleanup_free char *path = NULL;
	cleanup_free char *clean = NULL;
	cleanup_free char *line = NULL;
	int exists;

	exists = kk_cgroup_find(cg, group, &path, err);
	if (exists < 0)
		return -1;
	if (!exists)
		return kk_err_set(err, ENOENT, "delegate controllers: cgroup `%s` does not exist",
				  group);
	if (kk_cgroup_controllers(cg, "/", &avail, err) < 0)
		return kk_err_wrap(err, "delegate controllers: read the controllers of `%s`",
				   kk_cgroup_mount(cg));
	for (size_t i = 0; want && want[i]; i++) {
		if (kk_strv_contains(enabled, want[i]) || kk_strv_contains(unavailable, want[i]))
			continue;
		kk_strv_push_take(kk_strv_contains(avail, want[i]) ? &enabled : &unavailable,
				  kk_xstrdup(want[i]));
	}
	if (enabled) {
		line = enable_line(enabled);
		clean = kk_path_clean(group);
		/* the mount root, then each prefix of group, ending with group itself */
		if (enable_in(cg, "/", line, drain_leaf, err) < 0)
			return kk_err_wrap(err, "delegate controllers to `%s`", group);
		for (char *p = clean + 1; *p;) {
			char *slash = strchr(p, '/');
			char saved = 0;

			if (slash) {
				saved = *slash;
				*slash = '\0';
			}
			if (enable_in(cg, clean, line, drain_leaf, err) < 0)
				return kk_err_wrap(err, "delegate controllers to `%s`", group);
			if (!slash)
				break;
			*slash = saved;
			p = slash + 1;
		}
	}
	out->enabled = TAKE_PTR(enabled);
	out->unavailable = TAKE_PTR(unavailable);
	return 0;
}
