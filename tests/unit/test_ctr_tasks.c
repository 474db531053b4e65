/* tests/unit/test_ctr_tasks.c - the Tasks service on busybox: FIFO IO (stdin in, stdout
 * out), terminal mode, get/state, pids, metrics, list, kill, wait, delete, and the
 * not-found cases. `ctr tasks` is the witness. */
#include "ctr/ctr.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/ctr_testlib.h"

#define NS "test-tasks"

struct box {
	struct ctr_mounts mounts;
	char *id;
};

/* Snapshot + container for `args` from the imported busybox. */
static int box_make(struct ctr_conn *conn, const char *id, const char *const *args, bool terminal,
		    struct box *b)
{
	const char *const env[] = { "PATH=/bin:/usr/bin", NULL };
	struct ctr_image_rootfs r = { 0 };
	struct ctr_container c = { 0 };
	struct kk_err err = { 0 };
	int ret;

	memset(b, 0, sizeof(*b));
	if (ctr_image_rootfs(conn, getenv("KUKEON_TEST_BUSYBOX_REF"), &r, &err) < 0 ||
	    ctr_snapshot_prepare(conn, "overlayfs", id, r.chain_id, NULL, &b->mounts, &err) < 0) {
		TAP_OK(0, "box %s: %s", id, err.msg);
		ctr_image_rootfs_clear(&r);
		return -1;
	}
	ctr_image_rootfs_clear(&r);
	c.id = (char *)id;
	c.runtime = (char *)CTR_RUNTIME_RUNC_V2;
	c.spec = ctr_spec_default(NS, id, args, env, "/", terminal);
	c.snapshotter = (char *)"overlayfs";
	c.snapshot_key = (char *)id;
	ret = ctr_container_create(conn, &c, &err);
	free(c.spec);
	TAP_OK(ret == 0, "container %s: %s", id, err.msg);
	b->id = kk_xstrdup(id);
	return ret;
}

static void box_remove(struct ctr_conn *conn, struct box *b)
{
	struct kk_err err = { 0 };

	TAP_OK(ctr_container_delete(conn, b->id, &err) == 0, "delete container: %s", err.msg);
	TAP_OK(ctr_snapshot_remove(conn, "overlayfs", b->id, &err) == 0, "remove snapshot: %s",
	       err.msg);
	ctr_mounts_clear(&b->mounts);
	free(b->id);
}

/* Read from fd until `want` shows up or 10 s pass. */
static bool read_until(int fd, const char *want, char *buf, size_t size)
{
	size_t len = 0;
	time_t end = time(NULL) + 10;

	buf[0] = '\0';
	while (time(NULL) < end && !strstr(buf, want)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = read(fd, buf + len, size - len - 1);
		if (n > 0) {
			len += (size_t)n;
			buf[len] = '\0';
		}
	}
	return strstr(buf, want) != NULL;
}

static void task_lifecycle_with_fifos(struct ctr_conn *conn)
{
	const char *const args[] = { "sh", "-c", "read x; echo got:$x; exec sleep 1000", NULL };
	cleanup_free char *dir = kk_xasprintf("%s/fifos", getenv("KUKEON_TEST_TMP"));
	cleanup_free char *ls = NULL, *ls2 = NULL;
	struct ctr_task_create_opts o = { 0 };
	struct ctr_fifos f = { 0 };
	struct ctr_process p = { 0 }, *list = NULL;
	struct ctr_metric *metrics = NULL;
	static const char *const exit_filter[] = { "topic==\"/tasks/exit\",namespace==" NS, NULL };
	struct ctr_events *sub = NULL;
	static const char *const mfilter[] = { "id==sleeper", NULL };
	struct kk_err err = { 0 };
	uint32_t pid = 0, spid = 0, status = 0, *pids = NULL;
	size_t n = 0;
	char buf[256];
	struct box b;

	if (box_make(conn, "sleeper", args, false, &b) < 0)
		return;
	TAP_OK(ctr_fifos_create(dir, "sleeper", true, false, &f, &err) == 0, "fifos: %s", err.msg);
	o.rootfs = &b.mounts;
	o.stdin_path = f.stdin_path;
	o.stdout_path = f.stdout_path;
	o.stderr_path = f.stderr_path;
	TAP_OK(ctr_task_create(conn, "sleeper", &o, &pid, &err) == 0, "task create: %s", err.msg);
	TAP_OK(pid > 0, "create gives the pid");
	TAP_OK(ctr_task_get(conn, "sleeper", &p, &err) == 0, "get: %s", err.msg);
	TAP_STR_EQ(ctr_task_status_name(p.status), "created");
	TAP_STR_EQ(p.stdout_path, f.stdout_path);
	ctr_process_clear(&p);
	TAP_INT_EQ(ctr_task_create(conn, "sleeper", &o, NULL, &err), -1);
	TAP_INT_EQ(err.code, EEXIST);

	TAP_OK(ctr_events_subscribe(conn, exit_filter, &sub, &err) == 0, "subscribe: %s", err.msg);
	TAP_OK(ctr_task_start(conn, "sleeper", &spid, &err) == 0, "start: %s", err.msg);
	TAP_INT_EQ(spid, pid);
	TAP_OK(write(f.stdin_fd, "abc\n", 4) == 4, "write to stdin");
	TAP_OK(read_until(f.stdout_fd, "got:abc\n", buf, sizeof(buf)),
	       "stdout via FIFO carries the answer to stdin");

	TAP_OK(ctr_task_get(conn, "sleeper", &p, &err) == 0, "get running");
	TAP_INT_EQ(p.status, CTR_TASK_RUNNING);
	TAP_INT_EQ(p.pid, pid);
	ctr_process_clear(&p);
	TAP_OK(ctr_task_pids(conn, "sleeper", &pids, &n, &err) == 0, "pids: %s", err.msg);
	TAP_OK(n >= 1 && pids[0] == pid, "pids has the init process");
	free(pids);
	TAP_OK(ctr_task_list(conn, NULL, &list, &n, &err) == 0, "list: %s", err.msg);
	TAP_INT_EQ(n, 1);
	ctr_process_list_free(list, n);
	ls = t_sh("$CTR -n " NS " tasks ls | awk '$1 == \"sleeper\" {print $3}'");
	TAP_STR_EQ(ls, "RUNNING\n");
	TAP_OK(ctr_task_metrics(conn, mfilter, &metrics, &n, &err) == 0, "metrics: %s", err.msg);
	TAP_INT_EQ(n, 1);
	if (n == 1)
		TAP_OK(strstr(metrics[0].type_url, "cgroups") != NULL && metrics[0].len > 0,
		       "raw cgroup metrics (%s, %zu bytes)", metrics[0].type_url, metrics[0].len);
	ctr_metric_list_free(metrics, n);

	TAP_INT_EQ(ctr_task_delete(conn, "sleeper", NULL, &err), -1);
	TAP_OK(strstr(err.msg, "tasks.Delete `sleeper`: ") == err.msg && strstr(err.msg, "running"),
	       "a running task cannot be deleted: %s (%d)", err.msg, err.code);
	TAP_OK(ctr_task_kill(conn, "sleeper", SIGKILL, true, &err) == 0, "kill: %s", err.msg);
	TAP_OK(ctr_task_wait(conn, "sleeper", 10000, &status, NULL, &err) == 0, "wait: %s",
	       err.msg);
	TAP_INT_EQ(status, 128 + SIGKILL);
	if (sub) {
		struct ctr_event ev = { 0 };
		struct ctr_task_exit ex = { 0 };

		TAP_INT_EQ(ctr_events_next(sub, 5000, &ev, &err), 1);
		TAP_STR_EQ(ev.topic, "/tasks/exit");
		TAP_OK(ctr_event_task_exit(&ev, &ex, &err) == 0, "decode exit: %s", err.msg);
		TAP_STR_EQ(ex.container_id, "sleeper");
		TAP_INT_EQ(ex.exit_status, 128 + SIGKILL);
		TAP_INT_EQ(ex.pid, pid);
		TAP_OK(ex.exited_ns > 0, "exit time");
		ctr_task_exit_clear(&ex);
		ctr_event_clear(&ev);
		ctr_events_closep(&sub);
	}
	TAP_OK(ctr_task_delete(conn, "sleeper", &status, &err) == 0, "delete: %s", err.msg);
	TAP_INT_EQ(status, 128 + SIGKILL);
	ls2 = t_sh("$CTR -n " NS " tasks ls | tail -n +2 | wc -l");
	TAP_STR_EQ(ls2, "0\n");
	TAP_INT_EQ(ctr_task_get(conn, "sleeper", &p, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_STR_EQ(err.msg, "tasks.Get `sleeper`: not found");
	{
		cleanup_free char *left = NULL;

		ctr_fifos_close(&f);
		left = t_sh("ls -A '%s'", dir);
		TAP_STR_EQ(left, "");
	}
	box_remove(conn, &b);
}

static void terminal_mode(struct ctr_conn *conn)
{
	const char *const args[] = { "sh", "-c", "tty; exit 7", NULL };
	cleanup_free char *dir = kk_xasprintf("%s/fifos", getenv("KUKEON_TEST_TMP"));
	struct ctr_task_create_opts o = { 0 };
	struct ctr_fifos f = { 0 };
	struct kk_err err = { 0 };
	uint32_t status = 0;
	char buf[256];
	struct box b;

	if (box_make(conn, "tty", args, true, &b) < 0)
		return;
	TAP_OK(ctr_fifos_create(dir, "tty", true, true, &f, &err) == 0, "fifos: %s", err.msg);
	TAP_STR_EQ(f.stderr_path, ""); /* a terminal has one output stream */
	o.rootfs = &b.mounts;
	o.stdin_path = f.stdin_path;
	o.stdout_path = f.stdout_path;
	o.terminal = true;
	TAP_OK(ctr_task_create(conn, "tty", &o, NULL, &err) == 0, "create terminal task: %s",
	       err.msg);
	TAP_OK(ctr_task_start(conn, "tty", NULL, &err) == 0, "start: %s", err.msg);
	TAP_OK(read_until(f.stdout_fd, "/dev/pts/", buf, sizeof(buf)), "runs on a pty");
	TAP_OK(ctr_task_wait(conn, "tty", 10000, &status, NULL, &err) == 0, "wait: %s", err.msg);
	TAP_INT_EQ(status, 7);
	TAP_OK(ctr_task_delete(conn, "tty", NULL, &err) == 0, "delete: %s", err.msg);
	ctr_fifos_close(&f);
	box_remove(conn, &b);
}

static void missing_things(struct ctr_conn *conn)
{
	struct ctr_task_create_opts o = { 0 };
	struct kk_err err = { 0 };
	uint32_t st;

	TAP_INT_EQ(ctr_task_kill(conn, "nope", SIGTERM, false, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_STR_EQ(err.msg, "tasks.Kill `nope`: not found");
	TAP_INT_EQ(ctr_task_wait(conn, "nope", 1000, &st, NULL, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_INT_EQ(ctr_task_create(conn, "nope", &o, NULL, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_INT_EQ(ctr_task_delete(conn, "nope", NULL, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
}

static void log_uri_is_escaped(void)
{
	cleanup_free char *a = NULL, *b = NULL;
	char *c = NULL;
	struct kk_err err = { 0 };

	TAP_INT_EQ(ctr_log_uri("/var/log/x.log", &a, &err), 0);
	TAP_STR_EQ(a, "file:///var/log/x.log");
	TAP_INT_EQ(ctr_log_uri("/tmp/a b%c", &b, &err), 0);
	TAP_STR_EQ(b, "file:///tmp/a%20b%25c");
	TAP_INT_EQ(ctr_log_uri("x.log", &c, &err), -1);
	TAP_STR_EQ(err.msg, "log file `x.log`: absolute path needed");
}

static void binary_log_uri_escapes_its_query(void)
{
	cleanup_free char *a = NULL, *b = NULL;
	struct kk_err err = { 0 };

	TAP_INT_EQ(ctr_binary_log_uri("/run/k b/bin/kuketty", "__log-writer", "/d/a;b&c=d e/log",
				      &a, &err),
		   0);
	/* Go's url.Query refuses a ';' and splits at '&' and '=': all escaped in the query */
	TAP_STR_EQ(a, "binary:///run/k%20b/bin/kuketty?__log-writer=/d/a%3Bb%26c%3Dd%20e/log");
	TAP_INT_EQ(ctr_binary_log_uri("bin", "__log-writer", "/log", &b, &err), -1);
	TAP_STR_EQ(err.msg, "log file `/log`, logger `bin`: absolute paths needed");
}

int main(void)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = NULL;
	cleanup_free char *imp = NULL;

	log_uri_is_escaped();
	binary_log_uri_escapes_its_query();
	conn = t_connect(NS);
	if (!conn)
		return tap_done();
	imp = t_sh("$CTR -n " NS " images import \"$KUKEON_TEST_BUSYBOX_TAR\" >/dev/null 2>&1 &&"
		   " echo ok");
	TAP_STR_EQ(imp, "ok\n");
	t_hold(conn, "test-tasks");
	missing_things(conn);
	task_lifecycle_with_fifos(conn);
	terminal_mode(conn);
	t_release(conn, "test-tasks");
	return tap_done();
}
