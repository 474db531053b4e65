/* tests/unit/test_teardown.c - common/host/teardown.h and common/cgroup/check.h on temp trees:
 * the report, directories, the networks of a run path, CNI state, the daemon's PID file,
 * the cgroup pre-flight's statuses and texts. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cgroup/check.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/host/teardown.h"
#include "common/mem.h"
#include "common/strv.h"
#include "tests/unit/tap.h"

static char tmp[] = "/tmp/kk-teardown.XXXXXX";

static void put(const char *rel, const char *text)
{
	cleanup_free char *p = kk_xasprintf("%s/%s", tmp, rel);
	cleanup_free char *d = kk_xstrdup(p);
	struct kk_err err = { 0 };
	FILE *f;

	*strrchr(d, '/') = '\0';
	kk_mkdir_p(d, 0755, &err);
	f = fopen(p, "we");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static bool exists(const char *rel)
{
	cleanup_free char *p = kk_xasprintf("%s/%s", tmp, rel);

	return access(p, F_OK) == 0;
}

static void report_counts_and_texts(void)
{
	struct kk_td_report r = { 0 };

	kk_td_add(&r, KK_TD_REMOVED, "removed", NULL, "dir %s", "/a");
	kk_td_add(&r, KK_TD_FAILED, "remove failed", "busy", "dir %s", "/b");
	kk_td_add(&r, KK_TD_ABSENT, "absent", NULL, "user \"%s\"", "kukeon");
	TAP_INT_EQ((int)r.n, 3);
	TAP_INT_EQ((int)kk_td_failed(&r), 1);
	TAP_STR_EQ(r.items[1].what, "dir /b");
	TAP_STR_EQ(r.items[1].why, "busy");
	TAP_OK(r.items[0].why == NULL, "no why when none is given");
	kk_td_report_clear(&r);
	TAP_OK(r.n == 0 && r.items == NULL, "clear empties the report");
}

static void remove_dir_removed_then_absent(void)
{
	struct kk_td_report r = { 0 };
	cleanup_free char *d = kk_xasprintf("%s/run/kukeon", tmp);

	put("run/kukeon/secrets/x/y", "s");
	kk_host_remove_dir("/run/kukeon", d, &r);
	kk_host_remove_dir("/run/kukeon", d, &r);
	TAP_STR_EQ(r.items[0].text, "removed");
	TAP_STR_EQ(r.items[1].text, "absent");
	TAP_OK(!exists("run/kukeon"), "the directory is gone");
	kk_td_report_clear(&r);
}

static void release_mounts_none_under_a_plain_dir(void)
{
	struct kk_td_report r = { 0 };

	TAP_INT_EQ((int)kk_host_release_mounts(tmp, &r), 0);
	TAP_INT_EQ((int)r.n, 0);
	kk_td_report_clear(&r);
}

static void networks_and_cni_state(void)
{
	cleanup_free char *rp = kk_xasprintf("%s/opt/kukeon", tmp);
	cleanup_free char *cache = kk_xasprintf("%s/opt/cni/cache", tmp);
	struct kk_td_report r = { 0 };
	struct kk_host_net *nets = NULL;
	struct kk_err err = { 0 };
	size_t n = 0;

	put("opt/kukeon/data/default/default/network.conflist",
	    "{\"cniVersion\":\"0.4.0\",\"name\":\"default-default\",\"plugins\":[{\"type\":"
	    "\"bridge\",\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"/ipam\"}}]}");
	put("opt/kukeon/data/default/web/network.conflist", "not json");
	put("opt/kukeon/data/other/x/metadata.json", "{}");
	put("ipam/default-default/10.88.0.2", "c1");
	put("ipam/unrelated/10.9.0.2", "c9");
	put("opt/cni/cache/results/default-default-c1-eth0", "{}");
	put("opt/cni/cache/results/default-defaultx-c1-eth0", "{}");
	TAP_INT_EQ(kk_host_networks(rp, &nets, &n, &err), 0);
	TAP_INT_EQ((int)n, 1);
	TAP_STR_EQ(nets[0].name, "default-default");
	TAP_STR_EQ(nets[0].bridge, "k-703e8b3a");
	TAP_STR_EQ(nets[0].ipam_dir, "/ipam");
	kk_host_cni_teardown(nets, n, tmp, cache, &r);
	kk_host_cni_teardown(nets, n, tmp, cache, &r);
	TAP_STR_EQ(r.items[0].text, "removed");
	TAP_STR_EQ(r.items[1].text, "absent");
	TAP_OK(!exists("ipam/default-default"), "host-local's store of the network is gone");
	TAP_OK(exists("ipam/unrelated/10.9.0.2"), "another network's store stays");
	TAP_OK(!exists("opt/cni/cache/results/default-default-c1-eth0"), "its cache entry is gone");
	TAP_OK(exists("opt/cni/cache/results/default-defaultx-c1-eth0"),
	       "a network whose name only starts the same keeps its entry");
	kk_host_nets_free(nets, n);
	kk_td_report_clear(&r);
	n = 99;
	TAP_INT_EQ(kk_host_networks("/nonexistent/run", &nets, &n, &err), 0);
	TAP_OK(n == 0 && nets == NULL, "a missing run path has no networks");
}

static void daemon_stop_pidfile_cases(void)
{
	cleanup_free char *pf = kk_xasprintf("%s/kukeond.pid", tmp);
	struct kk_daemon_stop d;
	struct kk_err err = { 0 };
	cleanup_free char *t1 = NULL;
	cleanup_free char *t2 = NULL;
	cleanup_free char *t3 = NULL;
	char buf[32];
	pid_t child;

	TAP_INT_EQ(kk_host_daemon_stop(pf, 1000, &d, &err), 0);
	t1 = kk_daemon_stop_text(&d);
	TAP_STR_EQ(t1, "absent");
	put("kukeond.pid", "garbage\n");
	TAP_INT_EQ(kk_host_daemon_stop(pf, 1000, &d, &err), 0);
	t2 = kk_daemon_stop_text(&d);
	TAP_STR_EQ(t2, "stale pid file");
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	snprintf(buf, sizeof(buf), "%d\n", (int)child);
	put("kukeond.pid", buf);
	/* reap it as soon as it dies, so kill(pid, 0) sees it gone */
	signal(SIGCHLD, SIG_IGN);
	TAP_INT_EQ(kk_host_daemon_stop(pf, 2000, &d, &err), 0);
	t3 = kk_daemon_stop_text(&d);
	snprintf(buf, sizeof(buf), "stopped (pid %d)", (int)child);
	TAP_STR_EQ(t3, buf);
	signal(SIGCHLD, SIG_DFL);
}

static void cgcheck_statuses_and_texts(void)
{
	cleanup_free char *dir = kk_xasprintf("%s/cg", tmp);
	cleanup_(kk_strv_freep) char **req = NULL;
	cleanup_free char *status = NULL;
	cleanup_free char *fix = NULL;
	struct kk_cgcheck c = { 0 };
	struct kk_err err = { 0 };

	put("cg/cgroup.controllers", "memory cpu\n");
	put("cg/cgroup.subtree_control", "cpu\n");
	TAP_INT_EQ(kk_cgcheck_required(dir, false, &req, &err), 0);
	TAP_INT_EQ(kk_cgcheck_run(dir, req, false, &c, &err), 0);
	TAP_OK(!kk_cgcheck_ok(&c), "not ok with controllers missing");
	TAP_OK(!kk_cgcheck_only_internal_process(&c), "not only internal-process");
	status = kk_cgcheck_status_text(&c);
	TAP_OK(strstr(status, "  memory: needs-delegation\n  io: kernel-missing\n") != NULL,
	       "statuses in required order");
	fix = kk_cgcheck_remediation(&c);
	TAP_OK(strstr(fix, "fix: echo \"+memory\" | sudo tee ") != NULL, "the fix line");
	kk_cgcheck_clear(&c);
	/* a probe into a plain file succeeds: enabled-by-probe */
	TAP_INT_EQ(kk_cgcheck_run(dir, req, true, &c, &err), 0);
	TAP_STR_EQ(kk_cgcheck_status_name(c.status[1]), "enabled-by-probe");
	kk_cgcheck_clear(&c);
	kk_strv_free(TAKE_PTR(req));
	TAP_INT_EQ(kk_cgcheck_required(dir, true, &req, &err), 0);
	TAP_INT_EQ((int)kk_strv_len(req), 2);
	TAP_OK(kk_cgcheck_run("/nonexistent", req, false, &c, &err) < 0 &&
		       strstr(err.msg, "read /nonexistent/cgroup.controllers") != NULL,
	       "an unreadable directory: %s", err.msg);
}

int main(void)
{
	struct kk_err err = { 0 };

	if (!mkdtemp(tmp))
		return 1;
	report_counts_and_texts();
	remove_dir_removed_then_absent();
	release_mounts_none_under_a_plain_dir();
	networks_and_cni_state();
	daemon_stop_pidfile_cases();
	cgcheck_statuses_and_texts();
	kk_rm_rf(tmp, &err);
	return tap_done();
}
