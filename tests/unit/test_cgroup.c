/* tests/unit/test_cgroup.c - common/cgroup against the real cgroup2 file system of the test
 * harness (a pure v2 view on /sys/fs/cgroup where only `hugetlb` is available): detection,
 * create/remove, delegation, resource files, draining, killing. Outside the harness only
 * the pure parts run; the rest is skipped. */
#include "common/cgroup/cgroup.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cgroup/delegate.h"
#include "common/cgroup/kill.h"
#include "common/cgroup/resources.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/strv.h"
#include "tests/unit/tap.h"

static void cgp(struct kk_cgroup **cg)
{
	kk_cgroup_free(*cg);
}

static void plan_renders_upstream_files(void)
{
	struct kk_cgroup_io_limit io[] = { { .major = 8,
					     .minor = 0,
					     .rbps = 1048576,
					     .wbps = KK_CGROUP_MAX,
					     .riops = KK_CGROUP_UNSET,
					     .wiops = KK_CGROUP_UNSET } };
	struct kk_cgroup_resources r = KK_CGROUP_RESOURCES_INIT;
	struct kk_cgroup_setting *s = NULL;
	struct kk_err err = { 0 };
	size_t n = 0;
	cleanup_free char *all = NULL;

	r.cpu_weight = 100;
	r.cpu_quota_us = 50000;
	r.cpu_period_us = 100000;
	r.memory_max = 64 << 20;
	r.memory_swap_max = 0;
	r.memory_high = KK_CGROUP_MAX;
	r.io_weight = 200;
	r.io_max = io;
	r.n_io_max = 1;
	r.pids_max = KK_CGROUP_MAX;
	TAP_INT_EQ(kk_cgroup_resources_plan(&r, &s, &n, &err), 0);
	for (size_t i = 0; i < n; i++) {
		char *line = kk_xasprintf("%s%s[%s]=%s;", all ? all : "", s[i].file,
					  s[i].controller, s[i].value);

		free(all);
		all = line;
	}
	TAP_STR_EQ(all, "cpu.weight[cpu]=100;cpu.max[cpu]=50000 100000;memory.high[memory]=max;"
			"memory.max[memory]=67108864;memory.swap.max[memory]=0;"
			"io.weight[io]=default 200;io.max[io]=8:0 rbps=1048576 wbps=max;"
			"pids.max[pids]=max;");
	kk_cgroup_settings_free(s, n);

	r = (struct kk_cgroup_resources)KK_CGROUP_RESOURCES_INIT;
	r.cpu_period_us = 20000;
	TAP_INT_EQ(kk_cgroup_resources_plan(&r, &s, &n, &err), 0);
	TAP_STR_EQ(n == 1 ? s[0].value : NULL, "max 20000");
	kk_cgroup_settings_free(s, n);

	r = (struct kk_cgroup_resources)KK_CGROUP_RESOURCES_INIT;
	TAP_INT_EQ(kk_cgroup_resources_plan(&r, &s, &n, &err), 0);
	TAP_INT_EQ(n, 0);
	kk_cgroup_settings_free(s, n);

	r.cpu_weight = 0;
	TAP_INT_EQ(kk_cgroup_resources_plan(&r, &s, &n, &err), -1);
	TAP_STR_EQ(err.msg, "cpu.weight must be in 1..10000, got 0");
	r.cpu_weight = KK_CGROUP_UNSET;
	r.memory_max = -5;
	TAP_INT_EQ(kk_cgroup_resources_plan(&r, &s, &n, &err), -1);
	TAP_INT_EQ(err.code, EINVAL);
}

static void parent_and_group_names(void)
{
	cleanup_free char *a = kk_cgroup_parent("/kukeon/default/web");
	cleanup_free char *b = kk_cgroup_parent("/kukeon");

	TAP_STR_EQ(a, "/kukeon/default");
	TAP_STR_EQ(b, "/");
}

static void detection_refuses_non_v2(const char *tmp)
{
	cleanup_free char *hy = kk_xasprintf("%s/hybrid", tmp);
	cleanup_free char *uni = kk_xasprintf("%s/hybrid/unified", tmp);
	cleanup_free char *missing = kk_xasprintf("%s/missing", tmp);
	struct kk_cgroup *cg = NULL;
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_cgroup_open(missing, &cg, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_INT_EQ(kk_mkdir_p(hy, 0755, &err), 0);
	if (mount("tmpfs", hy, "tmpfs", 0, "mode=0755") < 0) {
		TAP_SKIP("cannot mount tmpfs for the hybrid layout test");
		return;
	}
	TAP_INT_EQ(kk_cgroup_open(hy, &cg, &err), -1);
	{
		cleanup_free char *want =
			kk_xasprintf("cgroup mount `%s` is a cgroup v1 layout (tmpfs with v1 "
				     "hierarchies); kukeon "
				     "needs the unified cgroup v2 hierarchy there",
				     hy);

		TAP_STR_EQ(err.msg, want);
	}
	TAP_INT_EQ(kk_mkdir_p(uni, 0755, &err), 0);
	if (mount("none", uni, "cgroup2", 0, NULL) == 0) {
		TAP_INT_EQ(kk_cgroup_open(hy, &cg, &err), -1);
		TAP_INT_EQ(err.code, ENOTSUP);
		TAP_OK(strstr(err.msg, "is a hybrid layout") != NULL, "hybrid layout named: %s",
		       err.msg);
		TAP_INT_EQ(kk_cgroup_open(uni, &cg, &err), 0);
		kk_cgroup_freep(&cg);
		umount2(uni, MNT_DETACH);
	} else {
		TAP_SKIP("cannot mount cgroup2 for the hybrid layout test");
	}
	umount2(hy, MNT_DETACH);
	TAP_INT_EQ(kk_cgroup_open(tmp, &cg, &err), -1);
	TAP_OK(strstr(err.msg, "is not a cgroup file system") || strstr(err.msg, "v1 layout"),
	       "plain directory refused: %s", err.msg);
}

static pid_t spawn_sleeper(int with_grandchild)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (with_grandchild && fork() == 0)
			for (;;)
				pause();
		for (;;)
			pause();
	}
	return pid;
}

static int in_cgroup(pid_t pid, const char *group)
{
	cleanup_free char *path = kk_xasprintf("/proc/%ld/cgroup", (long)pid);
	cleanup_free char *text = NULL;
	cleanup_free char *want = kk_xasprintf("0::%s\n", group);
	struct kk_err err = { 0 };
	const char *line;

	if (kk_read_file(path, &text, &err) < 0)
		return 0;
	/* a hybrid host lists its v1 hierarchies too: find the unified line */
	line = strstr(text, "0::");
	return line && (line == text || line[-1] == '\n') && strcmp(line, want) == 0;
}

/* 1 if pid dies of SIGKILL within 5 s; otherwise kill it ourselves and say 0. Never hangs. */
static int died_of_sigkill(pid_t pid)
{
	int status = 0;

	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
		usleep(10 * 1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 0;
}

static void reap(pid_t pid)
{
	int status;

	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
}

/* Without any controller: resource writes name the missing controller, write nothing. */
static void no_controller_checks(struct kk_cgroup *cg, const char *stack, const char *cell,
				 const char *payload)
{
	struct kk_cgroup_resources r = KK_CGROUP_RESOURCES_INIT;
	struct kk_err err = { 0 };

	r.memory_max = 1 << 20;
	TAP_INT_EQ(kk_cgroup_set_resources(cg, stack, &r, &err), -1);
	TAP_INT_EQ(err.code, EOPNOTSUPP);
	{
		cleanup_free char *m = kk_xasprintf("set `memory.max` in cgroup `%s`: controller "
						    "`memory` is not available "
						    "there (available: none)",
						    stack);

		TAP_STR_EQ(err.msg, m);
	}
	r = (struct kk_cgroup_resources)KK_CGROUP_RESOURCES_INIT;
	r.cpu_weight = 100;
	TAP_INT_EQ(kk_cgroup_set_resources(cg, cell, &r, &err), -1);
	TAP_OK(strstr(err.msg, "controller `cpu` is not available") != NULL, "cpu unavailable: %s",
	       err.msg);
	(void)payload;
}

static void tree_delegate_resources_kill_remove(struct kk_cgroup *cg)
{
	struct kk_err err = { 0 };
	cleanup_free char *base = kk_xasprintf("/kk-test-cgroup-%ld", (long)getpid());
	cleanup_free char *space = kk_xasprintf("%s/realm/space", base);
	cleanup_free char *stack = kk_xasprintf("%s/realm/space/stack", base);
	cleanup_free char *cell = kk_xasprintf("%s/realm/space/stack/cell", base);
	cleanup_free char *payload = kk_xasprintf("%s/_payload", cell);
	cleanup_free char *base_path = NULL;
	char *want[] = { "hugetlb", "cpu", "memory", "hugetlb", NULL };
	struct kk_cgroup_delegation d = { 0 };
	pid_t child = -1, child2 = -1;
	int hugetlb;
	struct stat sb;

	{
		cleanup_(kk_strv_freep) char **root = NULL;

		TAP_INT_EQ(kk_cgroup_controllers(cg, "/", &root, &err), 0);
		hugetlb = kk_strv_contains(root, "hugetlb");
	}

	TAP_INT_EQ(kk_cgroup_create(cg, "kukeon", &err), -1);
	TAP_STR_EQ(err.msg, "invalid cgroup `kukeon`: must start with '/'");
	TAP_INT_EQ(kk_cgroup_create(cg, "/a/../b", &err), -1);
	TAP_INT_EQ(err.code, EINVAL);
	TAP_INT_EQ(kk_cgroup_remove(cg, "/", 100, &err), -1);

	TAP_INT_EQ(kk_cgroup_exists(cg, cell, &err), 0);
	TAP_INT_EQ(kk_cgroup_create(cg, cell, &err), 1);
	TAP_INT_EQ(kk_cgroup_create(cg, cell, &err), 0);
	TAP_INT_EQ(kk_cgroup_exists(cg, cell, &err), 1);

	/* delegation: at most hugetlb exists here; cpu and memory are reported unavailable */
	TAP_INT_EQ(kk_cgroup_delegate(cg, space, want, NULL, &d, &err), 0);
	{
		cleanup_free char *en = kk_strv_join(d.enabled, " ");
		cleanup_free char *un = kk_strv_join(d.unavailable, " ");

		TAP_STR_EQ(en, hugetlb ? "hugetlb" : "");
		TAP_STR_EQ(un, hugetlb ? "cpu memory" : "hugetlb cpu memory");
	}
	kk_cgroup_delegation_clear(&d);
	if (!hugetlb) {
		TAP_SKIP("the harness cgroup gets no controller from the host (hugetlb is not in "
			 "the "
			 "host root's cgroup.subtree_control): delegation, resource writes and the "
			 "no-internal-process drain cannot be shown here");
		no_controller_checks(cg, stack, cell, payload);
		goto kill;
	}
	{
		const char *levels[] = { "/", base, NULL, NULL, NULL };
		cleanup_free char *realm = kk_xasprintf("%s/realm", base);
		int all = 1;

		levels[2] = realm;
		levels[3] = space;
		for (int i = 0; levels[i]; i++) {
			cleanup_(kk_strv_freep) char **sc = NULL;

			if (kk_cgroup_subtree_control(cg, levels[i], &sc, &err) < 0 ||
			    !kk_strv_contains(sc, "hugetlb"))
				all = 0;
		}
		TAP_OK(all, "hugetlb in subtree_control of the root, each ancestor and the group");
	}
	{
		cleanup_(kk_strv_freep) char **have = NULL;

		TAP_INT_EQ(kk_cgroup_controllers(cg, stack, &have, &err), 0);
		TAP_OK(kk_strv_contains(have, "hugetlb"), "the stack below gets hugetlb");
	}
	TAP_INT_EQ(kk_cgroup_delegate(cg, "/kk-no-such-group", want, NULL, &d, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);

	/* resources: unavailable controllers are an error, and nothing is written */
	{
		struct kk_cgroup_hugetlb_limit h[] = { { "2MB", 4 << 20 } };
		struct kk_cgroup_hugetlb_limit bad[] = { { "2MB", 8 << 20 }, { "3MB", 2 << 20 } };
		struct kk_cgroup_resources r = KK_CGROUP_RESOURCES_INIT;
		cleanup_free char *v = NULL;

		cleanup_free char *before = NULL;

		TAP_INT_EQ(kk_cgroup_read(cg, stack, "hugetlb.2MB.max", &before, &err), 0);
		r.hugetlb = h;
		r.n_hugetlb = 1;
		r.memory_max = 1 << 20;
		TAP_INT_EQ(kk_cgroup_set_resources(cg, stack, &r, &err), -1);
		TAP_INT_EQ(err.code, EOPNOTSUPP);
		{
			cleanup_free char *m = kk_xasprintf("set `memory.max` in cgroup `%s`: "
							    "controller `memory` is not "
							    "available there (available: hugetlb)",
							    stack);

			TAP_STR_EQ(err.msg, m);
		}
		TAP_INT_EQ(kk_cgroup_read(cg, stack, "hugetlb.2MB.max", &v, &err), 0);
		TAP_STR_EQ(v, before); /* untouched */
		free(TAKE_PTR(v));

		r.memory_max = KK_CGROUP_UNSET;
		TAP_INT_EQ(kk_cgroup_set_resources(cg, stack, &r, &err), 0);
		TAP_INT_EQ(kk_cgroup_read(cg, stack, "hugetlb.2MB.max", &v, &err), 0);
		TAP_STR_EQ(v, "4194304\n");
		free(TAKE_PTR(v));

		/* a failure half way puts back what was already changed */
		r.hugetlb = bad;
		r.n_hugetlb = 2;
		TAP_INT_EQ(kk_cgroup_set_resources(cg, stack, &r, &err), -1);
		TAP_OK(strstr(err.msg, "hugetlb.3MB.max") != NULL, "failing file named: %s",
		       err.msg);
		TAP_INT_EQ(kk_cgroup_read(cg, stack, "hugetlb.2MB.max", &v, &err), 0);
		TAP_STR_EQ(v, "4194304\n");

		r = (struct kk_cgroup_resources)KK_CGROUP_RESOURCES_INIT;
		r.pids_max = 10;
		TAP_INT_EQ(kk_cgroup_set_resources(cg, space, &r, &err), -1);
		TAP_OK(strstr(err.msg, "controller `pids` is not available") != NULL,
		       "pids unavailable: %s", err.msg);
	}

	/* a process in the cell: delegating from the cell hits the no-internal-process rule */
	child = spawn_sleeper(0);
	TAP_INT_EQ(kk_cgroup_add_proc(cg, cell, child, &err), 0);
	TAP_OK(in_cgroup(child, cell), "child moved into the cell");
	TAP_INT_EQ(kk_cgroup_is_populated(cg, space, &err), 1);
	TAP_INT_EQ(kk_cgroup_delegate(cg, cell, want, NULL, &d, &err), -1);
	TAP_INT_EQ(err.code, EBUSY);
	TAP_OK(strstr(err.msg, "holds 1 process(es) of its own") != NULL, "rule explained: %s",
	       err.msg);
	kk_cgroup_delegation_clear(&d);
	TAP_INT_EQ(kk_cgroup_delegate(cg, cell, want, KK_CGROUP_PAYLOAD_LEAF, &d, &err), 0);
	kk_cgroup_delegation_clear(&d);
	TAP_OK(in_cgroup(child, payload), "child drained into the _payload leaf");
	{
		cleanup_(kk_strv_freep) char **sc = NULL;

		TAP_INT_EQ(kk_cgroup_subtree_control(cg, cell, &sc, &err), 0);
		TAP_OK(kk_strv_contains(sc, "hugetlb"),
		       "the cell delegates hugetlb after draining");
	}

kill:
	if (child < 0) {
		/* without a controller to delegate, drain the cell by hand */
		child = spawn_sleeper(0);
		TAP_INT_EQ(kk_cgroup_add_proc(cg, cell, child, &err), 0);
		TAP_INT_EQ(kk_cgroup_relocate_procs(cg, cell, KK_CGROUP_PAYLOAD_LEAF, &err), 1);
		TAP_OK(in_cgroup(child, payload), "child relocated into the _payload leaf");
		TAP_INT_EQ(kk_cgroup_relocate_procs(cg, cell, "..", &err), -1);
		TAP_INT_EQ(err.code, EINVAL);
	}
	/* removal waits for processes, then reports the cgroup that stays */
	TAP_INT_EQ(kk_cgroup_remove(cg, base, 100, &err), -1);
	TAP_INT_EQ(err.code, EBUSY);
	{
		cleanup_free char *m = kk_xasprintf("remove cgroup `%s`: still busy (it holds "
						    "processes or a child cgroup)",
						    payload);

		TAP_STR_EQ(err.msg, m);
	}

	/* kill: cgroup.kill */
	TAP_INT_EQ(kk_cgroup_kill(cg, cell, KK_CGROUP_KILL_AUTO, 5000, &err), 0);
	TAP_OK(died_of_sigkill(child), "child killed by SIGKILL");
	child = -1;
	TAP_INT_EQ(kk_cgroup_is_populated(cg, cell, &err), 0);

	/* kill: the freezer fallback, with a grandchild in a nested cgroup */
	child2 = spawn_sleeper(1);
	TAP_INT_EQ(kk_cgroup_add_proc(cg, payload, child2, &err), 0);
	usleep(50 * 1000); /* let the grandchild be forked inside */
	TAP_INT_EQ(kk_cgroup_kill(cg, stack, KK_CGROUP_KILL_FREEZE, 5000, &err), 0);
	TAP_OK(died_of_sigkill(child2), "fallback killed the child");
	child2 = -1;
	TAP_INT_EQ(kk_cgroup_is_populated(cg, stack, &err), 0);
	{
		cleanup_free char *fz = NULL;

		TAP_INT_EQ(kk_cgroup_read(cg, stack, "cgroup.freeze", &fz, &err), 0);
		TAP_STR_EQ(fz, "0\n");
	}

	/* never kill ourselves */
	{
		cleanup_free char *self = NULL;
		char *own;

		if (kk_read_file("/proc/self/cgroup", &self, &err) == 0 &&
		    (own = strstr(self, "0::")) != NULL) {
			own += 3;
			own[strcspn(own, "\n")] = '\0';
			TAP_INT_EQ(kk_cgroup_kill(cg, own, KK_CGROUP_KILL_AUTO, 100, &err), -1);
			TAP_INT_EQ(err.code, EDEADLK);
		}
	}
	TAP_INT_EQ(kk_cgroup_kill(cg, "/kk-no-such-group", KK_CGROUP_KILL_AUTO, 100, &err), 0);

	TAP_INT_EQ(kk_cgroup_remove(cg, base, 2000, &err), 1);
	TAP_INT_EQ(kk_cgroup_exists(cg, base, &err), 0);
	TAP_INT_EQ(kk_cgroup_path(cg, base, &base_path, &err), 0);
	TAP_OK(stat(base_path, &sb) < 0 && errno == ENOENT, "nothing remains of the test tree");
	TAP_INT_EQ(kk_cgroup_remove(cg, base, 100, &err), 0);

	reap(child);
	reap(child2);
	if (stat(base_path, &sb) == 0)
		kk_cgroup_remove(cg, base, 1000, &err);
}

int main(void)
{
	const char *tmp;
	struct kk_err err = { 0 };
	cleanup_(cgp) struct kk_cgroup *cg = NULL;

	plan_renders_upstream_files();
	parent_and_group_names();
	tmp = tap_getenv_or_skip("KUKEON_TEST_TMP");
	if (!tmp)
		return tap_done();
	if (kk_cgroup_open(NULL, &cg, &err) < 0) {
		TAP_SKIP("no pure cgroup v2 mount at /sys/fs/cgroup (run inside "
			 "tests/harness/run.sh)");
		return tap_done();
	}
	TAP_STR_EQ(kk_cgroup_mount(cg), "/sys/fs/cgroup");
	detection_refuses_non_v2(tmp);
	tree_delegate_resources_kill_remove(cg);
	return tap_done();
}
