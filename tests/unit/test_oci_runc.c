/* tests/unit/test_oci_runc.c - specs from common/oci run under the real runc.
 *
 * Needs the harness (tests/harness/run.sh): root, a pure cgroup v2 view, and the busybox
 * image tarball ($KUKEON_TEST_BUSYBOX_TAR), whose gzip layer becomes an OCI bundle's
 * rootfs. Each case builds a spec with kk_oci_spec_build(), writes it as config.json and
 * runs `runc run`; the container prints what it sees and the test compares. No cpu,
 * memory or pids limits here: the harness's cgroup view only offers hugetlb (limits are
 * checked by the golden files of test_oci). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/mem.h"
#include "common/oci/oci.h"
#include "tests/unit/tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct env {
	char *tmp;    /* scratch dir of this test */
	char *bundle; /* bundle dir; rootfs/ inside */
	char *rootfs;
	char *state;                    /* runc --root */
	struct kk_oci_image_doc *image; /* the image's config blob */
};

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "we");

	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/* run a shell command, return its stdout (NULL on failure to start) and exit status */
static char *run(const char *cmd, int *status)
{
	FILE *p = popen(cmd, "re");
	char *out = NULL;
	size_t cap = 0;
	int rc;

	if (!p)
		return NULL;
	if (getdelim(&out, &cap, '\0', p) < 0) {
		free(out);
		out = kk_xstrdup("");
	}
	rc = pclose(p);
	*status = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
	return out;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	cleanup_free char *cmd = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Unpack the image tarball's layer (the gzip blob manifest.json lists) as the rootfs. */
static int make_bundle(struct env *e, const char *tar)
{
	cleanup_free char *manifest = NULL, *mpath = NULL;
	cJSON *doc, *layer, *config;
	int status = 0, rc;

	e->bundle = kk_xasprintf("%s/bundle", e->tmp);
	e->rootfs = kk_xasprintf("%s/rootfs", e->bundle);
	e->state = kk_xasprintf("%s/runc-state", e->tmp);
	if (sh("mkdir -p '%s' '%s' '%s/image' && tar -xf '%s' -C '%s/image'", e->rootfs, e->state,
	       e->tmp, tar, e->tmp) != 0)
		return -1;
	mpath = kk_xasprintf("cat '%s/image/manifest.json'", e->tmp);
	manifest = run(mpath, &status);
	doc = cJSON_Parse(manifest);
	layer = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(doc, 0), "Layers"), 0);
	config = cJSON_GetObjectItem(cJSON_GetArrayItem(doc, 0), "Config");
	if (cJSON_IsString(config)) {
		struct kk_err err = { 0 };
		cleanup_free char *cat =
			kk_xasprintf("cat '%s/image/%s'", e->tmp, config->valuestring);
		cleanup_free char *blob = run(cat, &status);

		if (!blob || kk_oci_image_doc_parse(blob, strlen(blob), &e->image, &err) < 0)
			printf("# image config: %s\n", err.msg);
	}
	rc = e->image && cJSON_IsString(layer)
		     ? sh("tar -xzf '%s/image/%s' -C '%s'", e->tmp, layer->valuestring, e->rootfs)
		     : -1;
	cJSON_Delete(doc);
	return rc == 0 ? 0 : -1;
}

/* options common to every case: one non-root container of cell `web` */
static struct kk_oci_opts base_opts(const struct env *e, const char *id)
{
	struct kk_oci_opts o = {
		.id = id,
		.ctr_namespace = "test.kukeon.io",
		.rootfs = e->rootfs,
		.image = e->image ? e->image->config : (struct kk_oci_image_config){ 0 },
		.command = "/bin/sh",
		.identity = { .cell_name = "web",
			      .container_id = id,
			      .realm = "default",
			      .space = "default",
			      .stack = "default",
			      .cell_cgroup_path = "/kukeon-test" },
	};

	return o;
}

/* Build O with `sh -c SCRIPT`, write config.json, run it; returns stdout (or NULL). */
static char *run_spec(const struct env *e, const struct kk_oci_opts *o, const char *script,
		      int *status)
{
	const char *args[] = { "-c", script };
	struct kk_oci_opts with_args = *o;
	struct kk_err err = { 0 };
	cJSON *doc = NULL;
	cleanup_free char *text = NULL, *path = NULL, *cmd = NULL;
	char *out;

	with_args.args = args;
	with_args.n_args = 2;
	if (kk_oci_spec_build(&with_args, &doc, &err) < 0) {
		printf("# build: %s\n", err.msg);
		return NULL;
	}
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	path = kk_xasprintf("%s/config.json", e->bundle);
	write_file(path, text, 0600);
	cmd = kk_xasprintf("runc --root '%s' run --bundle '%s' '%s' </dev/null 2>'%s/runc.err'",
			   e->state, e->bundle, o->id, e->tmp);
	out = run(cmd, status);
	if (*status != 0)
		sh("sed 's/^/# runc: /' '%s/runc.err'", e->tmp);
	return out;
}

static void check_out(const char *what, const char *out, int status, const char *want)
{
	TAP_OK(out && status == 0, "%s: runc run exits 0 (status %d)", what, status);
	if (out && status != 0)
		printf("#   output: %s\n", out);
	TAP_STR_EQ(out, want);
}

/* env, identity variables, hostname/hosts bind mounts, the working dir */
static void env_and_etc(const struct env *e)
{
	static const char *const env[] = { "FOO=bar", "KUKEON_REALM=mine" };
	cleanup_free char *hosts = kk_xasprintf("%s/hosts", e->tmp);
	cleanup_free char *hostname = kk_xasprintf("%s/hostname", e->tmp);
	struct kk_oci_opts o = base_opts(e, "env");
	cleanup_free char *out = NULL;
	int status = -1;

	write_file(hosts, "127.0.0.1\tlocalhost\n10.88.0.5\tweb\n", 0644);
	write_file(hostname, "web\n", 0644);
	o.env = env;
	o.n_env = N(env);
	o.etc_hosts_path = hosts;
	o.etc_hostname_path = hostname;
	o.working_dir = "/tmp";
	o.hostname = "web";
	out = run_spec(e, &o,
		       "echo \"$FOO $KUKEON_REALM $KUKEON_SPACE $KUKEON_CONTAINER_ID\"; pwd; "
		       "hostname; cat /etc/hostname; grep web /etc/hosts; "
		       "(echo x >/etc/hostname) 2>/dev/null || echo ro",
		       &status);
	check_out("env and /etc files", out, status,
		  "bar mine default env\n/tmp\nweb\nweb\n10.88.0.5\tweb\nro\n");
}

/* read-only root, a tmpfs volume with mode, a read-only bind volume, a staged secret */
static void mounts(const struct env *e)
{
	cleanup_free char *src = kk_xasprintf("%s/srv", e->tmp);
	cleanup_free char *srcfile = kk_xasprintf("%s/srv/data.txt", e->tmp);
	cleanup_free char *secret = kk_xasprintf("%s/secret", e->tmp);
	const struct kk_oci_volume vols[] = {
		{ .kind = KK_OCI_VOLUME_TMPFS,
		  .target = "/scratch",
		  .size_bytes = 1048576,
		  .mode = 01777 },
		{ .source = src, .target = "/data", .read_only = true },
	};
	const struct kk_oci_secret secrets[] = {
		{ .name = "tok", .staged_path = secret, .mount_path = "/run/secrets/tok" },
		{ .name = "ENV_SECRET", .value = "from-env" },
	};
	struct kk_oci_opts o = base_opts(e, "mounts");
	cleanup_free char *out = NULL;
	int status = -1;

	mkdir(src, 0755);
	write_file(srcfile, "hello from the host\n", 0644);
	write_file(secret, "s3cr3t", 0400);
	o.read_only_rootfs = true;
	o.volumes = vols;
	o.n_volumes = N(vols);
	o.secrets = secrets;
	o.n_secrets = N(secrets);
	out = run_spec(e, &o,
		       "touch /newfile 2>/dev/null && echo root-rw || echo root-ro; "
		       "touch /scratch/f && echo tmpfs-rw; stat -c %a /scratch; "
		       "grep ' /scratch ' /proc/mounts | grep -o 'size=[0-9]*k'; "
		       "cat /data/data.txt; touch /data/x 2>/dev/null && echo bind-rw || echo "
		       "bind-ro; cat /run/secrets/tok; echo; echo $ENV_SECRET",
		       &status);
	check_out("read-only root, tmpfs, bind, secret", out, status,
		  "root-ro\ntmpfs-rw\n1777\nsize=1024k\nhello from the host\nbind-ro\ns3cr3t\n"
		  "from-env\n");
}

/* user by name and by uid:gid, resolved in the image's /etc/passwd and /etc/group */
static void users(const struct env *e)
{
	struct kk_oci_opts o = base_opts(e, "user");
	cleanup_free char *out = NULL, *out2 = NULL;
	int status = -1;

	o.user = "kk";
	out = run_spec(e, &o, "id -u; id -g; id -G", &status);
	check_out("user `kk`", out, status, "1000\n1000\n1000\n");
	o.user = "65534:1000";
	out2 = run_spec(e, &o, "id -u; id -g", &status);
	check_out("user `65534:1000`", out2, status, "65534\n1000\n");
}

/* dropping ALL then adding one leaves exactly that one effective */
static void capabilities(const struct env *e)
{
	static const char *const drop[] = { "ALL" };
	static const char *const add[] = { "NET_BIND_SERVICE" };
	struct kk_oci_opts o = base_opts(e, "caps");
	cleanup_free char *out = NULL;
	int status = -1;

	o.cap_drop = drop;
	o.n_cap_drop = 1;
	o.cap_add = add;
	o.n_cap_add = 1;
	out = run_spec(e, &o, "grep -E '^Cap(Eff|Bnd)' /proc/self/status", &status);
	check_out("capabilities drop ALL, add NET_BIND_SERVICE", out, status,
		  "CapEff:\t0000000000000400\nCapBnd:\t0000000000000400\n");
}

/* privileged: this process's capabilities, /proc/kcore not masked, sysfs writable */
static void privileged(const struct env *e)
{
	struct kk_oci_opts o = base_opts(e, "priv");
	cleanup_free char *out = NULL, *want = NULL, *mine = NULL;
	int status = -1;

	o.privileged = true;
	mine = run("grep '^CapEff' /proc/self/status", &status);
	want = kk_xasprintf("%sunmasked\nsys-rw\n", mine ? mine : "");
	out = run_spec(e, &o,
		       "grep '^CapEff' /proc/self/status; "
		       "grep -q ' /proc/kcore ' /proc/mounts && echo masked || echo unmasked; "
		       "grep ' /sys ' /proc/mounts | grep -q ' rw,' && echo sys-rw || echo sys-ro",
		       &status);
	check_out("privileged", out, status, want);
}

/* a host-network container sees the harness's netns (lo only, and lo is up) */
static void host_network(const struct env *e)
{
	struct kk_oci_opts o = base_opts(e, "hostnet");
	cleanup_free char *out = NULL, *want = NULL;
	int status = -1;

	o.host_network = true;
	out = run_spec(e, &o, "readlink /proc/self/ns/net", &status);
	{
		char buf[64] = "";
		ssize_t n = readlink("/proc/self/ns/net", buf, sizeof(buf) - 1);

		buf[n > 0 ? n : 0] = '\0';
		want = kk_xasprintf("%s\n", buf);
	}
	check_out("hostNetwork shares the net namespace", out, status, want);
}

/* a root container owns the namespaces; another joins its net, ipc and uts */
static void join_root(const struct env *e)
{
	static const char *const sleep_args[] = { "infinity" };
	struct kk_oci_opts o = base_opts(e, "root");
	struct kk_err err = { 0 };
	cJSON *doc = NULL;
	cleanup_free char *text = NULL, *path = NULL, *cmd = NULL, *state = NULL;
	cleanup_free char *out = NULL, *net = NULL, *ipc = NULL, *uts = NULL, *rootnet = NULL;
	cJSON *st;
	int status = -1, pid = 0;

	o.root = true;
	o.hostname = "web";
	o.command = "sleep";
	o.args = sleep_args;
	o.n_args = 1;
	if (kk_oci_spec_build(&o, &doc, &err) < 0) {
		TAP_OK(0, "root spec: %s", err.msg);
		return;
	}
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	path = kk_xasprintf("%s/config.json", e->bundle);
	write_file(path, text, 0600);
	TAP_INT_EQ(sh("runc --root '%s' run -d --bundle '%s' root </dev/null >/dev/null 2>&1",
		      e->state, e->bundle),
		   0);
	cmd = kk_xasprintf("runc --root '%s' state root", e->state);
	state = run(cmd, &status);
	st = cJSON_Parse(state);
	if (cJSON_IsNumber(cJSON_GetObjectItem(st, "pid")))
		pid = cJSON_GetObjectItem(st, "pid")->valueint;
	cJSON_Delete(st);
	TAP_OK(pid > 0, "root task runs (pid %d)", pid);
	if (pid > 0) {
		struct kk_oci_opts j = base_opts(e, "joiner");
		char link[64];
		ssize_t n;

		net = kk_xasprintf("/proc/%d/ns/net", pid);
		ipc = kk_xasprintf("/proc/%d/ns/ipc", pid);
		uts = kk_xasprintf("/proc/%d/ns/uts", pid);
		n = readlink(net, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = '\0';
		rootnet = kk_xasprintf("web\n%s\n", link);
		j.join = (struct kk_oci_ns_paths){ .net = net, .ipc = ipc, .uts = uts };
		out = run_spec(e, &j, "hostname; readlink /proc/self/ns/net", &status);
		check_out("a container joins the root's net, ipc and uts", out, status, rootnet);
	}
	sh("runc --root '%s' delete -f root >/dev/null 2>&1", e->state);
}

int main(void)
{
	const char *tar = tap_getenv_or_skip("KUKEON_TEST_BUSYBOX_TAR");
	const char *tmp = getenv("KUKEON_TEST_TMP");
	struct env e = { 0 };
	int status = -1;
	char *v;

	if (!tar)
		return tap_done();
	v = geteuid() == 0 ? run("runc --version", &status) : NULL;
	free(v);
	if (status != 0) {
		TAP_SKIP("needs root and runc");
		return tap_done();
	}
	e.tmp = kk_xasprintf("%s/oci-runc-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(e.tmp)) {
		TAP_OK(0, "mkdtemp: %s", strerror(errno));
		return tap_done();
	}
	TAP_OK(make_bundle(&e, tar) == 0, "busybox bundle unpacked from the image tarball");
	if (tap_failed_)
		goto out;
	env_and_etc(&e);
	mounts(&e);
	users(&e);
	capabilities(&e);
	privileged(&e);
	host_network(&e);
	join_root(&e);
out:
	sh("rmdir /sys/fs/cgroup/kukeon-test 2>/dev/null; rm -rf '%s'", e.tmp);
	free(e.tmp);
	free(e.bundle);
	free(e.rootfs);
	free(e.state);
	kk_oci_image_doc_free(e.image);
	return tap_done();
}
