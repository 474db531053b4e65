/* tests/unit/test_runtime_cell.c - common/runtime with real busybox containers: a cell whose
 * containers share the root's network namespace, two cells talking over the space bridge,
 * the managed /etc files, KUKEON_* env, volumes, tmpfs, read-only root, user, state
 * transitions, delete and purge leaving nothing, and bad input undone. `ctr`, `ip link`,
 * cgroupfs, the CNI cache and host-local's store are the witnesses.
 * Needs the harness (KUKEON_CONTAINERD_SOCKET, KUKEON_TEST_BUSYBOX_TAR, KUKEON_TEST_TMP). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/cni/cni.h"
#include "common/mem.h"
#include "common/model/model.h"
#include "common/model/naming.h"
#include "common/oci/oci.h"
#include "common/runtime/runtime.h"
#include "tests/unit/ctr_testlib.h"
#include "tests/unit/tap.h"

#define NS      "rt-test.kukeon.io"
#define REALM   "rt"
#define SPACE   "s1"
#define STACK   "st"
#define BUSYBOX "docker.io/library/busybox:latest"
#define PLUGINS "/usr/lib/cni"

struct fx {
	struct ctr_conn *conn;
	struct kk_cgroup *cg;
	struct kk_cni_host cni;
	struct kk_rt rt;
	char *tmp, *cache, *ipam, *secrets, *scratch, *conflist, *www, *bad_conflist;
	char *network, *bridge;
};

static void fx_done(struct fx *f)
{
	struct kk_err ignored = { 0 };

	kk_cgroup_remove(f->cg, "/kukeon/" REALM, 3000, &ignored);
	free(t_sh("ip link del %s 2>/dev/null", f->bridge));
	free(t_sh("rm -rf '%s'", f->tmp));
	ctr_disconnect(f->conn);
	kk_cgroup_free(f->cg);
	free(f->tmp);
	free(f->cache);
	free(f->ipam);
	free(f->secrets);
	free(f->scratch);
	free(f->conflist);
	free(f->bad_conflist);
	free(f->www);
	free(f->network);
	free(f->bridge);
}

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "we");

	if (!fp)
		abort();
	fputs(text, fp);
	fclose(fp);
}

/* The space conflist from the model, with host-local's dataDir under the test dir; extra is
 * appended to the plugin list (NULL: none). */
static void write_conflist(struct fx *f, const char *path, const char *extra)
{
	cleanup_free char *text = kk_cni_conflist(f->network, f->bridge, "10.88.77.0/24");
	cJSON *doc = cJSON_Parse(text);
	cJSON *plugins = cJSON_GetObjectItem(doc, "plugins");
	cJSON *ipam = cJSON_GetObjectItem(cJSON_GetArrayItem(plugins, 0), "ipam");
	char *out;

	cJSON_AddStringToObject(ipam, "dataDir", f->ipam);
	if (extra)
		cJSON_AddItemToArray(plugins, cJSON_Parse(extra));
	out = cJSON_Print(doc);
	write_text(path, out);
	free(out);
	cJSON_Delete(doc);
}

static bool fx_init(struct fx *f)
{
	const char *base = tap_getenv_or_skip("KUKEON_TEST_TMP");
	struct kk_err err = { 0 };
	cleanup_free char *out = NULL;

	memset(f, 0, sizeof(*f));
	if (!base || !tap_getenv_or_skip("KUKEON_TEST_BUSYBOX_TAR"))
		return false;
	if (access(PLUGINS "/bridge", X_OK) != 0) {
		TAP_SKIP("no CNI plugins in " PLUGINS);
		return false;
	}
	f->conn = t_connect(NS);
	if (!f->conn)
		return false;
	ctr_set_timeout(f->conn, 30000);
	out = t_sh("$CTR -n " NS " images import \"$KUKEON_TEST_BUSYBOX_TAR\" >/dev/null 2>&1 "
		   "&& echo ok");
	TAP_STR_EQ(out, "ok\n");
	if (kk_cgroup_open(NULL, &f->cg, &err) < 0) {
		TAP_OK(0, "cgroup: %s", err.msg);
		return false;
	}
	f->tmp = kk_xasprintf("%s/rt.XXXXXX", base);
	if (!mkdtemp(f->tmp))
		abort();
	f->cache = kk_xasprintf("%s/cache", f->tmp);
	f->ipam = kk_xasprintf("%s/ipam", f->tmp);
	f->secrets = kk_xasprintf("%s/secrets", f->tmp);
	f->scratch = kk_xasprintf("%s/scratch", f->tmp);
	f->conflist = kk_xasprintf("%s/network.conflist", f->tmp);
	f->bad_conflist = kk_xasprintf("%s/bad.conflist", f->tmp);
	f->www = kk_xasprintf("%s/www", f->tmp);
	kk_naming_network(REALM, SPACE, &f->network, &err);
	f->bridge = kk_naming_bridge(f->network);
	write_conflist(f, f->conflist, NULL);
	write_conflist(f, f->bad_conflist, "{\"type\":\"kk-no-such-plugin\"}");
	mkdir(f->www, 0755);
	{
		cleanup_free char *index = kk_xasprintf("%s/index.html", f->www);

		write_text(index, "hello-kukeon\n");
	}
	f->cni.plugin_path = PLUGINS;
	f->cni.cache_dir = f->cache;
	f->cni.timeout_ms = 20000;
	f->rt.conn = f->conn;
	f->rt.cg = f->cg;
	f->rt.cni = &f->cni;
	f->rt.secrets_dir = f->secrets;
	f->rt.scratch_dir = f->scratch;
	return true;
}

#define STRV(...)                                                                   \
	((struct kk_strv){ .v = (char *[]){ __VA_ARGS__ },                          \
			   .n = sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *), \
			   .set = true })

/* A cell in the test space; cell_dir and cgroup_path are owned by the caller's strings. */
struct tcell {
	struct kk_rt_cell c;
	char *dir, *cgroup;
};

static void tcell_init(struct fx *f, struct tcell *t, const char *name,
		       struct kk_container_spec *containers, size_t n, const char *conflist)
{
	memset(t, 0, sizeof(*t));
	t->dir = kk_xasprintf("%s/cells/%s", f->tmp, name);
	t->cgroup = kk_naming_cgroup_path(NULL, REALM, SPACE, STACK, name);
	t->c.realm = REALM;
	t->c.space = SPACE;
	t->c.stack = STACK;
	t->c.cell = name;
	t->c.containers = containers;
	t->c.n_containers = n;
	t->c.root_image = BUSYBOX;
	t->c.cgroup_path = t->cgroup;
	t->c.cell_dir = t->dir;
	t->c.conflist_path = conflist ? conflist : f->conflist;
	t->c.stop_timeout_ms = 1000;
}

static void tcell_clear(struct tcell *t)
{
	free(t->dir);
	free(t->cgroup);
}

/* Wait until the container's log holds needle; returns the log (new string). */
static char *wait_log(const struct tcell *t, const char *container, const char *needle)
{
	cleanup_free char *path = kk_rt_log_path(t->dir, container);

	for (int i = 0; i < 100; i++) {
		char *text = t_sh("cat '%s' 2>/dev/null", path);

		if (strstr(text, needle))
			return text;
		if (i == 99)
			return text;
		free(text);
		usleep(100000);
	}
	return kk_xstrdup("");
}

/* How many containerd containers, tasks, snapshots, veths ... a cell left behind. */
static void assert_nothing_left(struct fx *f, const struct tcell *t, const char *what)
{
	cleanup_free char *ctrs =
		t_sh("$CTR -n " NS " containers ls -q | grep -c '^" SPACE "_" STACK "_%s_'",
		     t->c.cell);
	cleanup_free char *tasks =
		t_sh("$CTR -n " NS " tasks ls -q | grep -c '^" SPACE "_" STACK "_%s_'", t->c.cell);
	cleanup_free char *snaps =
		t_sh("$CTR -n " NS " snapshots ls | grep -c '" SPACE "_" STACK "_%s_'", t->c.cell);
	cleanup_free char *cache =
		t_sh("ls '%s/results' 2>/dev/null | grep -c '_%s_root'", f->cache, t->c.cell);
	cleanup_free char *ips =
		t_sh("grep -rl '_%s_root' '%s' 2>/dev/null | wc -l", t->c.cell, f->ipam);
	cleanup_free char *cgdir = kk_xasprintf("/sys/fs/cgroup%s", t->cgroup);
	cleanup_free char *secrets =
		t_sh("ls '%s' 2>/dev/null | grep -c '_%s_'", f->secrets, t->c.cell);

	TAP_STR_EQ(ctrs, "0\n");
	TAP_STR_EQ(tasks, "0\n");
	TAP_STR_EQ(snaps, "0\n");
	TAP_OK(strcmp(cache, "0\n") == 0, "%s: no CNI cache entry", what);
	TAP_OK(strcmp(ips, "0\n") == 0, "%s: no host-local reservation", what);
	TAP_OK(access(cgdir, F_OK) != 0, "%s: cgroup `%s` is gone", what, t->cgroup);
	TAP_OK(strcmp(secrets, "0\n") == 0, "%s: no staged secret", what);
}

static int veths(void)
{
	cleanup_free char *n = t_sh("ip -o link show type veth | wc -l");

	return atoi(n);
}

/* The veth count once it is want, or what it is after 2 s: a veth goes with its network
 * namespace, which the kernel cleans up a moment after the namespace's last process. */
static int veths_settle(int want)
{
	int n = veths();

	for (int i = 0; i < 200 && n != want; i++) {
		usleep(10 * 1000);
		n = veths();
	}
	return n;
}

static const struct kk_container_status *find_status(const struct kk_rt_cell_info *info,
						     const char *name)
{
	for (size_t i = 0; i < info->n_containers; i++)
		if (strcmp(info->containers[i].name, name) == 0)
			return &info->containers[i];
	return NULL;
}

/* Wait for container `name` to reach state; returns the last info (caller clears). */
static void wait_state(struct fx *f, const struct tcell *t, const char *name, int state,
		       struct kk_rt_cell_info *info)
{
	struct kk_err err = { 0 };

	for (int i = 0; i < 100; i++) {
		const struct kk_container_status *s;

		if (kk_rt_cell_status(&f->rt, &t->c, info, &err) < 0)
			return;
		s = find_status(info, name);
		if (s && s->state == state)
			return;
		usleep(100000);
	}
}

/* ---- the main scenario ------------------------------------------------------------------ */

static void cells_share_netns_and_reach_each_other(struct fx *f)
{
	cleanup_free char *vol_bind = kk_xstrdup(f->www);
	struct kk_volume_mount srv_vols[] = {
		{ .kind = (char *)"bind",
		  .source = vol_bind,
		  .target = (char *)"/www",
		  .read_only = true },
	};
	struct kk_volume_mount cli_vols[] = {
		{ .kind = (char *)"tmpfs",
		  .target = (char *)"/scratch",
		  .size_bytes = 1 << 20,
		  .mode = 01777 },
	};
	cleanup_free char *tok_file = kk_xasprintf("%s/tok", f->tmp);
	struct kk_secret secrets[] = {
		{ .name = (char *)"tok",
		  .from_file = tok_file,
		  .mount_path = (char *)"/run/secrets/tok" },
		{ .name = (char *)"TOKEN", .from_env = (char *)"KK_TEST_SECRET_ENV" },
	};
	struct kk_container_spec web[] = {
		{ .id = (char *)"srv",
		  .image = (char *)BUSYBOX,
		  .command = (char *)"httpd",
		  .args = STRV((char *)"-f", (char *)"-p", (char *)"8080", (char *)"-h",
			       (char *)"/www"),
		  .volumes = srv_vols,
		  .n_volumes = 1 },
		{ .id = (char *)"cli",
		  .image = (char *)BUSYBOX,
		  .command = (char *)"sh",
		  .args = STRV((char *)"-c",
			       (char *)"for i in $(seq 50); do wget -q -O- "
				       "http://127.0.0.1:8080/ && break; sleep 0.2; done; "
				       "echo host=$(cat /etc/hostname); cat /etc/hosts; "
				       "env | grep ^KUKEON_ | sort; echo uid=$(id -u):$(id -g); "
				       "echo tmp > /scratch/f && echo tmpfs=$(cat /scratch/f); "
				       "echo done; sleep 3600"),
		  .user = (char *)"1000:1000",
		  .read_only_root_filesystem = true,
		  .env = STRV((char *)"KUKEON_EXTRA=1"),
		  .volumes = cli_vols,
		  .n_volumes = 1 },
		{ .id = (char *)"ro",
		  .image = (char *)BUSYBOX,
		  .command = (char *)"sh",
		  .args = STRV((char *)"-c", (char *)"touch /probe 2>/dev/null && echo rw || "
						     "echo ro; echo file=$(cat /run/secrets/tok); "
						     "echo env=$TOKEN; sleep 1; exit 3"),
		  .read_only_root_filesystem = true,
		  .secrets = secrets,
		  .n_secrets = 2 },
	};
	struct kk_container_spec db[] = {
		{ .id = (char *)"peer",
		  .image = (char *)BUSYBOX,
		  .command = (char *)"sh",
		  .args = STRV((char *)"-c", NULL),
		  .n_tmpfs = 0 },
	};
	struct tcell tw, td;
	struct kk_rt_cell_info info = { 0 }, info2 = { 0 };
	struct kk_err err = { 0 };
	cleanup_free char *peer_script = NULL, *log = NULL, *log2 = NULL, *want_hosts = NULL;
	const struct kk_container_status *s;
	int veths_before = veths();

	write_text(tok_file, "s3cret-file");
	setenv("KK_TEST_SECRET_ENV", "s3cret-env", 1);
	tcell_init(f, &tw, "web", web, 3, NULL);
	TAP_OK(kk_rt_cell_start(&f->rt, &tw.c, &info, &err) == 0, "start cell web: %s", err.msg);
	TAP_OK(strncmp(info.ip, "10.88.77.", 9) == 0, "cell web has an IP on the space subnet (%s)",
	       info.ip);
	TAP_OK(info.root_pid > 0, "root task runs");
	TAP_INT_EQ(veths_settle(veths_before + 1), veths_before + 1);

	log = wait_log(&tw, "cli", "done");
	TAP_OK(strstr(log, "hello-kukeon") != NULL,
	       "cli fetched srv over 127.0.0.1: shared network namespace");
	TAP_OK(strstr(log, "host=web\n") != NULL, "/etc/hostname is the cell name");
	want_hosts = kk_xasprintf("%s\tweb\n", info.ip);
	TAP_OK(strstr(log, want_hosts) != NULL, "/etc/hosts maps the cell IP to its name");
	TAP_OK(strstr(log, "127.0.0.1\tlocalhost\n") != NULL, "/etc/hosts has localhost");
	TAP_OK(strstr(log, "KUKEON_CELL_NAME=web\n") && strstr(log, "KUKEON_CONTAINER_ID=cli\n") &&
		       strstr(log, "KUKEON_REALM=rt\n") && strstr(log, "KUKEON_SPACE=s1\n") &&
		       strstr(log, "KUKEON_STACK=st\n") && strstr(log, "KUKEON_EXTRA=1\n") &&
		       strstr(log, "KUKEON_CGROUP_PATH=/kukeon/rt/s1/st/web\n"),
	       "KUKEON_* env is set");
	TAP_OK(strstr(log, "uid=1000:1000\n") != NULL, "user 1000:1000 applies");
	TAP_OK(strstr(log, "tmpfs=tmp\n") != NULL, "the tmpfs volume is writable");
	free(log);
	log = wait_log(&tw, "ro", "ro");
	TAP_OK(strstr(log, "ro\n") != NULL, "read-only root filesystem refuses writes");
	TAP_OK(strstr(log, "file=s3cret-file\n") != NULL, "file secret mounted at its mountPath");
	TAP_OK(strstr(log, "env=s3cret-env\n") != NULL, "env secret in the environment");
	{
		cleanup_free char *mode =
			t_sh("stat -c %%a '%s'/" SPACE "_" STACK "_web_ro/tok", f->secrets);

		TAP_STR_EQ(mode, "400\n");
	}

	wait_state(f, &tw, "ro", KK_CONTAINER_STOPPED, &info);
	s = find_status(&info, "ro");
	TAP_OK(s && s->state == KK_CONTAINER_STOPPED && s->exit_code == 3,
	       "exited container: Stopped, exit code 3");
	TAP_OK(s && !kk_time_is_zero(&s->finish_time), "finish time is set");
	s = find_status(&info, "srv");
	TAP_OK(s && s->state == KK_CONTAINER_READY && !kk_time_is_zero(&s->start_time),
	       "srv is Ready with a start time");
	TAP_INT_EQ(info.state, KK_CELL_READY);
	TAP_OK(info.ip[0], "status knows the cell IP");
	{
		cleanup_free char *procs = t_sh("cat /sys/fs/cgroup/kukeon/rt/s1/st/web/"
						"s1_st_web_srv/_payload/cgroup.procs | wc -l");
		cleanup_free char *top = t_sh("cat /sys/fs/cgroup/kukeon/rt/s1/st/web/"
					      "s1_st_web_srv/cgroup.procs | wc -l");

		TAP_OK(atoi(procs) >= 1 && atoi(top) == 0,
		       "srv's processes sit in its cgroup's _payload leaf (%d, %d)", atoi(procs),
		       atoi(top));
	}
	{
		cleanup_free char *procs = t_sh("cat /sys/fs/cgroup/kukeon/rt/s1/st/web/"
						"s1_st_web_root/_payload/cgroup.procs | wc -l");
		cleanup_free char *top = t_sh("cat /sys/fs/cgroup/kukeon/rt/s1/st/web/"
					      "s1_st_web_root/cgroup.procs | wc -l");
		cleanup_free char *shims = t_sh("ps -eo args | grep -c '^[^ ]*containerd-shim.* "
						"-id s1_st_web_'");
		struct ctr_container rec = { 0 };

		TAP_OK(atoi(procs) == 1 && atoi(top) == 0,
		       "the default root moved to its _payload leaf after its start (%d, %d)",
		       atoi(procs), atoi(top));
		TAP_STR_EQ(shims, "1\n");
		TAP_INT_EQ(ctr_container_get(f->rt.conn, "s1_st_web_cli", &rec, &err), 0);
		TAP_OK(rec.spec && strstr(rec.spec, "\"io.containerd.runc.v2.group\":"
						    "\"s1_st_web_root\""),
		       "a member's spec names the root's shim group");
		ctr_container_clear(&rec);
	}

	/* a second cell reaches the first over the space bridge */
	peer_script = kk_xasprintf("for i in $(seq 50); do wget -q -O- http://%s:8080/ && "
				   "break; sleep 0.2; done; echo done; sleep 3600",
				   info.ip);
	db[0].args.v[1] = peer_script;
	tcell_init(f, &td, "db", db, 1, NULL);
	TAP_OK(kk_rt_cell_start(&f->rt, &td.c, &info2, &err) == 0, "start cell db: %s", err.msg);
	TAP_OK(info2.ip[0] && strcmp(info2.ip, info.ip) != 0, "cell db has its own IP (%s)",
	       info2.ip);
	log2 = wait_log(&td, "peer", "done");
	TAP_OK(strstr(log2, "hello-kukeon") != NULL, "cell db reached cell web by IP");

	/* stop: SIGTERM, grace, SIGKILL; exit codes and signals show */
	TAP_OK(kk_rt_cell_stop(&f->rt, &tw.c, &err) == 0, "stop web: %s", err.msg);
	TAP_INT_EQ(kk_rt_cell_status(&f->rt, &tw.c, &info, &err), 0);
	TAP_INT_EQ(info.state, KK_CELL_STOPPED);
	s = find_status(&info, "srv");
	TAP_OK(s && s->state == KK_CONTAINER_STOPPED && s->exit_code == 137 && s->exit_signal &&
		       strcmp(s->exit_signal, "SIGKILL") == 0,
	       "srv ignored SIGTERM (pid 1) and was killed: 137 SIGKILL (%s)",
	       s && s->exit_signal ? s->exit_signal : "-");
	{
		cleanup_free char *cache = t_sh("ls '%s/results' | grep -c _web_root", f->cache);

		TAP_STR_EQ(cache, "0\n");
	}
	TAP_INT_EQ(veths_settle(veths_before + 1), veths_before + 1);

	/* start again: new tasks, restart count 1 */
	TAP_OK(kk_rt_cell_start(&f->rt, &tw.c, &info, &err) == 0, "restart web: %s", err.msg);
	wait_state(f, &tw, "srv", KK_CONTAINER_READY, &info);
	s = find_status(&info, "srv");
	TAP_OK(s && s->state == KK_CONTAINER_READY && s->restart_count == 1,
	       "srv Ready again, restartCount 1");
	TAP_OK(info.ip[0], "web has an IP again (%s)", info.ip);

	/* kill: SIGKILL now */
	TAP_OK(kk_rt_cell_kill(&f->rt, &tw.c, &err) == 0, "kill web: %s", err.msg);
	wait_state(f, &tw, "srv", KK_CONTAINER_STOPPED, &info);
	s = find_status(&info, "srv");
	TAP_OK(s && s->state == KK_CONTAINER_STOPPED && s->exit_code == 137,
	       "killed srv: Stopped, 137");

	/* delete both; nothing is left */
	TAP_OK(kk_rt_cell_delete(&f->rt, &tw.c, &err) == 0, "delete web: %s", err.msg);
	TAP_OK(kk_rt_cell_delete(&f->rt, &td.c, &err) == 0, "delete db (running): %s", err.msg);
	assert_nothing_left(f, &tw, "delete web");
	assert_nothing_left(f, &td, "delete db");
	TAP_INT_EQ(veths_settle(veths_before), veths_before);
	{
		cleanup_free char *etc = kk_xasprintf("%s/etc-hosts", tw.dir);

		TAP_OK(access(etc, F_OK) != 0, "etc-hosts removed");
	}
	TAP_INT_EQ(kk_rt_cell_status(&f->rt, &tw.c, &info, &err), 0);
	TAP_INT_EQ(info.state, KK_CELL_UNKNOWN);

	kk_rt_cell_info_clear(&info);
	kk_rt_cell_info_clear(&info2);
	tcell_clear(&tw);
	tcell_clear(&td);
}

/* purge works without the netns and finds orphans by labels and id prefix */
static void purge_removes_orphans(struct fx *f)
{
	struct kk_container_spec cs[] = {
		{ .id = (char *)"app",
		  .image = (char *)BUSYBOX,
		  .command = (char *)"sleep",
		  .args = STRV((char *)"3600") },
	};
	struct kk_container_spec ghost_spec = { .id = (char *)"ghost",
						.image = (char *)BUSYBOX,
						.command = (char *)"sleep",
						.args = STRV((char *)"3600") };
	struct kk_labels labels = { 0 };
	struct kk_rt_container ghost = { 0 };
	struct kk_rt_cell_info info = { 0 };
	const struct kk_container_status *s;
	uint32_t root_pid;
	struct tcell t;
	struct kk_err err = { 0 };
	int veths_before = veths();

	tcell_init(f, &t, "pg", cs, 1, NULL);
	TAP_OK(kk_rt_cell_start(&f->rt, &t.c, &info, &err) == 0, "start pg: %s", err.msg);
	root_pid = info.root_pid;
	TAP_OK(kk_rt_cell_start(&f->rt, &t.c, &info, &err) == 0, "start pg again: %s", err.msg);
	TAP_OK(info.root_pid == root_pid && info.ip[0], "a running cell is kept as it is");
	TAP_INT_EQ(veths_settle(veths_before + 1), veths_before + 1);

	/* one container of the cell */
	TAP_INT_EQ(kk_rt_cell_container_start(&f->rt, &t.c, "root", NULL, &err), -1);
	TAP_STR_EQ(err.msg, "cell `pg`: root container cannot be started directly, start the "
			    "cell instead using 'kuke start cell pg'");
	memset(&err, 0, sizeof(err));
	TAP_INT_EQ(kk_rt_cell_container_stop(&f->rt, &t.c, "nope", &err), -1);
	TAP_STR_EQ(err.msg, "cell `pg`: container `nope` not found in cell");
	memset(&err, 0, sizeof(err));
	TAP_OK(kk_rt_cell_container_stop(&f->rt, &t.c, "app", &err) == 0, "stop app: %s", err.msg);
	wait_state(f, &t, "app", KK_CONTAINER_STOPPED, &info);
	s = find_status(&info, "app");
	TAP_OK(s && s->state == KK_CONTAINER_STOPPED && s->exit_signal &&
		       strcmp(s->exit_signal, "SIGKILL") == 0,
	       "app stopped");
	TAP_OK(kk_rt_cell_container_start(&f->rt, &t.c, "app", NULL, &err) == 0, "start app: %s",
	       err.msg);
	wait_state(f, &t, "app", KK_CONTAINER_READY, &info);
	s = find_status(&info, "app");
	TAP_OK(s && s->state == KK_CONTAINER_READY && s->restart_count == 1,
	       "app Ready, restartCount 1");
	TAP_OK(kk_rt_cell_container_delete(&f->rt, &t.c, "app", &err) == 0, "delete app: %s",
	       err.msg);
	{
		cleanup_free char *o = t_sh("$CTR -n " NS " containers ls -q | grep -c _pg_app");

		TAP_STR_EQ(o, "0\n");
	}
	TAP_OK(kk_rt_cell_container_start(&f->rt, &t.c, "app", NULL, &err) == 0,
	       "start app recreates it: %s", err.msg);
	wait_state(f, &t, "app", KK_CONTAINER_READY, &info);
	s = find_status(&info, "app");
	TAP_OK(s && s->state == KK_CONTAINER_READY && s->restart_count == 0, "app Ready again");

	kk_labels_container(&labels, "pg", REALM, SPACE, STACK);
	ghost.id = "orphan-of-pg";
	ghost.spec = &ghost_spec;
	ghost.labels = &labels;
	ghost.cell_cgroup = t.cgroup;
	TAP_OK(kk_rt_container_create(&f->rt, &ghost, NULL, &err) == 0, "orphan created: %s",
	       err.msg);
	TAP_OK(kk_rt_container_start(&f->rt, &ghost, 0, NULL, &err) == 0, "orphan runs: %s",
	       err.msg);
	/* the root's netns goes away behind our back: purge must still free the IP */
	free(t_sh("$CTR -n " NS " tasks kill -s SIGKILL " SPACE "_" STACK "_pg_root"));
	usleep(300000);
	TAP_OK(kk_rt_cell_purge(&f->rt, &t.c, &err) == 0, "purge pg: %s", err.msg);
	assert_nothing_left(f, &t, "purge pg");
	{
		cleanup_free char *o =
			t_sh("$CTR -n " NS " containers ls -q | grep -c orphan-of-pg");

		TAP_STR_EQ(o, "0\n");
	}
	TAP_INT_EQ(veths_settle(veths_before), veths_before);
	kk_labels_clear(&labels);
	kk_rt_cell_info_clear(&info);
	tcell_clear(&t);
}

/* a hostNetwork container: the default root shares the host network, no CNI, no
 * managed /etc/hosts */
static void host_network_cell(struct fx *f)
{
	struct kk_container_spec cs[] = {
		{ .id = (char *)"h",
		  .image = (char *)BUSYBOX,
		  .command = (char *)"sh",
		  .args = STRV((char *)"-c", (char *)"echo host=$(cat /etc/hostname); "
						     "ls /sys/class/net; echo done; sleep 3600"),
		  .host_network = true },
	};
	struct kk_rt_cell_info info = { 0 };
	struct kk_err err = { 0 };
	struct tcell t;
	cleanup_free char *log = NULL, *link = NULL;
	int veths_before = veths();

	tcell_init(f, &t, "hn", cs, 1, NULL);
	TAP_OK(kk_rt_cell_start(&f->rt, &t.c, &info, &err) == 0, "start hn: %s", err.msg);
	TAP_STR_EQ(info.ip, "");
	TAP_INT_EQ(veths_settle(veths_before), veths_before);
	log = wait_log(&t, "h", "done");
	TAP_OK(strstr(log, "host=hn\n") != NULL, "hostNetwork cell still gets /etc/hostname");
	link = kk_xasprintf("%s\n", f->bridge);
	TAP_OK(strstr(log, link) != NULL, "the container sees the host's space bridge");
	TAP_OK(kk_rt_cell_delete(&f->rt, &t.c, &err) == 0, "delete hn: %s", err.msg);
	TAP_OK(kk_rt_cell_delete(&f->rt, &t.c, &err) == 0, "delete hn again: %s", err.msg);
	assert_nothing_left(f, &t, "delete hn");
	kk_rt_cell_info_clear(&info);
	tcell_clear(&t);
}

/* a process that died half way through a create left its lease and rootfs view */
static void leftovers_of_a_crash_do_not_block(struct fx *f)
{
	struct kk_container_spec cs[] = {
		{ .id = (char *)"a",
		  .image = (char *)BUSYBOX,
		  .command = (char *)"sleep",
		  .args = STRV((char *)"3600") },
	};
	struct kk_err err = { 0 };
	struct tcell t;
	cleanup_free char *made = NULL, *leases = NULL;

	made = t_sh("$CTR -n " NS " leases create kukeon-create-" SPACE "_" STACK
		    "_lo_a >/dev/null "
		    "&& chain=$($CTR -n " NS " snapshots ls | awk '$3==\"Committed\" {print $1}' "
		    "| head -1) && $CTR -n " NS " snapshots view " SPACE "_" STACK
		    "_lo_a-kkview $chain >/dev/null && echo ok");
	TAP_STR_EQ(made, "ok\n");
	tcell_init(f, &t, "lo", cs, 1, NULL);
	TAP_OK(kk_rt_cell_start(&f->rt, &t.c, NULL, &err) == 0, "start lo: %s", err.msg);
	TAP_OK(kk_rt_cell_delete(&f->rt, &t.c, &err) == 0, "delete lo: %s", err.msg);
	assert_nothing_left(f, &t, "delete lo");
	leases = t_sh("$CTR -n " NS " leases ls | grep -c kukeon-create-");
	TAP_STR_EQ(leases, "0\n");
	tcell_clear(&t);
}

/* ---- bad input --------------------------------------------------------------------------- */

static void bad_case(struct fx *f, const char *name, struct kk_container_spec *cs, size_t n,
		     const char *conflist, const char *want)
{
	struct tcell t;
	struct kk_err err = { 0 };
	int veths_before = veths();

	tcell_init(f, &t, name, cs, n, conflist);
	TAP_INT_EQ(kk_rt_cell_start(&f->rt, &t.c, NULL, &err), -1);
	TAP_OK(strstr(err.msg, want) != NULL, "%s: `%s` has `%s`", name, err.msg, want);
	assert_nothing_left(f, &t, name);
	TAP_INT_EQ(veths_settle(veths_before), veths_before);
	tcell_clear(&t);
}

static void bad_input_is_named_and_undone(struct fx *f)
{
	struct kk_volume_mount nosrc[] = { { .source = (char *)"/nonexistent/kk",
					     .target = (char *)"/data" } };
	struct kk_capabilities badcap = { .add = STRV((char *)"CAP_BOGUS") };
	struct kk_resources badmem = { .has_memory_limit_bytes = true, .memory_limit_bytes = -5 };
	struct kk_container_spec img[] = {
		{ .id = (char *)"a",
		  .image = (char *)"docker.io/library/nope:1",
		  .command = (char *)"true" },
	};
	struct kk_container_spec dup[] = {
		{ .id = (char *)"a", .image = (char *)BUSYBOX },
		{ .id = (char *)"a", .image = (char *)BUSYBOX },
	};
	struct kk_container_spec roots[] = {
		{ .id = (char *)"a", .image = (char *)BUSYBOX, .root = true },
		{ .id = (char *)"b", .image = (char *)BUSYBOX, .root = true },
	};
	struct kk_container_spec vol[] = {
		{ .id = (char *)"a", .image = (char *)BUSYBOX, .volumes = nosrc, .n_volumes = 1 },
	};
	struct kk_container_spec cap[] = {
		{ .id = (char *)"a", .image = (char *)BUSYBOX, .capabilities = &badcap },
	};
	struct kk_container_spec mem[] = {
		{ .id = (char *)"a", .image = (char *)BUSYBOX, .resources = &badmem },
	};
	struct kk_container_spec ok[] = {
		{ .id = (char *)"a",
		  .image = (char *)BUSYBOX,
		  .command = (char *)"sleep",
		  .args = STRV((char *)"3600") },
	};
	struct kk_container_spec late[] = {
		{ .id = (char *)"a",
		  .image = (char *)BUSYBOX,
		  .command = (char *)"sleep",
		  .args = STRV((char *)"3600") },
		{ .id = (char *)"b", .image = (char *)"docker.io/library/nope:2" },
	};
	struct kk_container_spec user[] = {
		{ .id = (char *)"a", .image = (char *)BUSYBOX, .user = (char *)"kk-nobody-here" },
	};
	int64_t size = 0;
	struct kk_err err = { 0 };

	bad_case(f, "bimg", img, 1, NULL,
		 "image `docker.io/library/nope:1` is not in containerd namespace `" NS "`");
	bad_case(f, "bdup", dup, 2, NULL, "containers[1]: duplicate container id `a`");
	bad_case(f, "broot", roots, 2, NULL,
		 "only one container in a cell may have root: true: [a b]");
	bad_case(f, "bvol", vol, 1, NULL,
		 "container `a`: volumes[0].source: bind source `/nonexistent/kk`");
	bad_case(f, "bcap", cap, 1, NULL, "container `a`: capabilities.add[0]");
	bad_case(f, "bmem", mem, 1, NULL, "container `a`: ");
	bad_case(f, "buser", user, 1, NULL, "container `a`: user `kk-nobody-here`");
	bad_case(f, "bcni", ok, 1, f->bad_conflist, "kk-no-such-plugin");
	bad_case(f, "blate", late, 2, NULL, "image `docker.io/library/nope:2`");
	TAP_INT_EQ(kk_oci_parse_size("12Q", &size, &err), -1);
	TAP_OK(strstr(err.msg, "12Q") != NULL, "bad memory size named: %s", err.msg);
}

/* resources and space defaults end up in the spec (not run: this host has no cpu/memory/
 * pids controllers) */
static void spec_has_resources_and_defaults(struct fx *f)
{
	struct kk_resources res = { .has_memory_limit_bytes = true,
				    .memory_limit_bytes = 64 << 20,
				    .has_cpu_shares = true,
				    .cpu_shares = 512,
				    .has_pids_limit = true,
				    .pids_limit = 100 };
	struct kk_capabilities dcaps = { .drop = STRV((char *)"ALL"),
					 .add = STRV((char *)"NET_BIND_SERVICE") };
	struct kk_space_container_defaults d = { .user = (char *)"1234",
						 .has_read_only_root_filesystem = true,
						 .read_only_root_filesystem = true,
						 .capabilities = &dcaps };
	struct kk_container_spec s = { .id = (char *)"x",
				       .image = (char *)BUSYBOX,
				       .resources = &res };
	struct kk_rt_container c = { .id = "s1_st_spec_x",
				     .spec = &s,
				     .defaults = &d,
				     .cell_cgroup = "/kukeon/rt/s1/st/spec" };
	cJSON *spec = NULL;
	struct kk_err err = { 0 };
	char *text;

	TAP_OK(kk_rt_container_spec(&f->rt, &c, 4242, &spec, &err) == 0, "spec: %s", err.msg);
	if (!spec)
		return;
	text = cJSON_PrintUnformatted(spec);
	TAP_OK(strstr(text, "\"memory\":{\"limit\":67108864}") != NULL, "memory limit in spec");
	TAP_OK(strstr(text, "\"cpu\":{\"shares\":512}") != NULL, "cpu shares in spec");
	TAP_OK(strstr(text, "\"pids\":{\"limit\":100}") != NULL, "pids limit in spec");
	TAP_OK(strstr(text, "\"uid\":1234") != NULL, "space default user applies");
	TAP_OK(strstr(text, "\"readonly\":true") != NULL, "space default read-only root");
	TAP_OK(strstr(text, "\"bounding\":[\"CAP_NET_BIND_SERVICE\"]") != NULL,
	       "space default capabilities replace the set");
	TAP_OK(strstr(text, "\"cgroupsPath\":\"/kukeon/rt/s1/st/spec/s1_st_spec_x\"") != NULL,
	       "cgroupsPath under the cell");
	TAP_OK(strstr(text, "/proc/4242/ns/net") && strstr(text, "/proc/4242/ns/ipc") &&
		       strstr(text, "/proc/4242/ns/uts"),
	       "joins the root's net, ipc and uts");
	free(text);
	cJSON_Delete(spec);

	/* a user name resolves against the image's own /etc/passwd (busybox: nobody) */
	s.user = (char *)"nobody";
	spec = NULL;
	TAP_OK(kk_rt_container_spec(&f->rt, &c, 0, &spec, &err) == 0, "spec: %s", err.msg);
	if (!spec)
		return;
	text = cJSON_PrintUnformatted(spec);
	TAP_OK(strstr(text, "\"uid\":65534") != NULL, "user `nobody` is uid 65534 in busybox");
	free(text);
	cJSON_Delete(spec);
}

/* ---- logs -------------------------------------------------------------------------------- */

struct follow_arg {
	const char *path;
	int polls;
};

static bool follow_stop(void *arg)
{
	struct follow_arg *a = arg;

	if (++a->polls == 2) {
		FILE *fp = fopen(a->path, "ae");

		fputs("more\n", fp);
		fclose(fp);
	}
	return a->polls >= 4;
}

static void log_follow_sees_appends(struct fx *f)
{
	cleanup_free char *path = kk_rt_log_path(f->tmp, "logc");
	cleanup_free char *dir = kk_xasprintf("%s/logc", f->tmp);
	cleanup_free char *outp = kk_xasprintf("%s/logc/out", f->tmp);
	cleanup_free char *got = NULL;
	struct follow_arg a = { path, 0 };
	struct kk_err err = { 0 };
	int64_t pos = 0;
	int fd;

	TAP_STR_EQ(path + strlen(f->tmp), "/logc/log");
	mkdir(dir, 0755);
	write_text(path, "first\n");
	fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	TAP_OK(kk_rt_log_copy(path, fd, &pos, true, 20, follow_stop, &a, &err) == 0, "follow: %s",
	       err.msg);
	close(fd);
	got = t_sh("cat '%s'", outp);
	TAP_STR_EQ(got, "first\nmore\n");
	TAP_INT_EQ(pos, 11);
	TAP_INT_EQ(kk_rt_log_copy("/nonexistent/log", 1, &pos, false, 0, NULL, NULL, &err), -1);
}

static void cell_from_model(void)
{
	struct kk_container_spec cs[] = { { .id = (char *)"a" } };
	struct kk_cell cell = { 0 };
	struct kk_rt_cell rc;
	struct kk_rt_cell_paths p;

	cell.meta.name = (char *)"web";
	cell.spec.realm_id = (char *)"r";
	cell.spec.space_id = (char *)"s";
	cell.spec.stack_id = (char *)"st";
	cell.spec.containers = cs;
	cell.spec.n_containers = 1;
	kk_rt_cell_from_model(&cell, "/opt/kukeon", NULL, NULL, BUSYBOX, &rc, &p);
	TAP_STR_EQ(rc.cell, "web");
	TAP_STR_EQ(rc.cell_dir, "/opt/kukeon/data/r/s/st/web");
	TAP_STR_EQ(rc.cgroup_path, "/kukeon/r/s/st/web");
	TAP_STR_EQ(rc.conflist_path, "/opt/kukeon/data/r/s/network.conflist");
	TAP_OK(rc.n_containers == 1 && rc.containers == cs, "containers are the cell's");
	kk_rt_cell_paths_clear(&p);
}

int main(void)
{
	struct fx f;

	cell_from_model();

	if (fx_init(&f)) {
		log_follow_sees_appends(&f);
		spec_has_resources_and_defaults(&f);
		cells_share_netns_and_reach_each_other(&f);
		purge_removes_orphans(&f);
		host_network_cell(&f);
		leftovers_of_a_crash_do_not_block(&f);
		bad_input_is_named_and_undone(&f);
		fx_done(&f);
	} else if (f.conn) {
		ctr_disconnect(f.conn);
	}
	return tap_done();
}
