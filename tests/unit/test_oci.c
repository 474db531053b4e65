/* tests/unit/test_oci.c - the OCI spec builder (common/oci) and the passwd/group reader.
 *
 * Generated specs are compared with golden files in tests/fixtures/oci/ (run from the
 * top of the tree). To regenerate them after a deliberate change:
 *   KUKEON_UPDATE_GOLDEN=1 build/tests/test_oci   and review the diff. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/mem.h"
#include "common/oci/oci.h"
#include "common/passwd.h"
#include "tests/unit/tap.h"

#define N(a)       (sizeof(a) / sizeof((a)[0]))
#define GOLDEN_DIR "tests/fixtures/oci/"

static const char *const busybox_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
};
static const char *const busybox_cmd[] = { "sh" };
static const char *const current_caps[] = { "CAP_CHOWN", "CAP_KILL", "CAP_NET_ADMIN",
					    "CAP_SYS_ADMIN" };

/* ---- helpers ---------------------------------------------------------------------- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t cap = 0;

	if (!f)
		return NULL;
	if (getdelim(&text, &cap, '\0', f) < 0) {
		free(text);
		text = kk_xstrdup("");
	}
	fclose(f);
	return text;
}

/* a fake image rootfs with /etc/passwd and /etc/group */
static char *make_rootfs(void)
{
	const char *tmp = getenv("KUKEON_TEST_TMP");
	char *dir = kk_xasprintf("%s/kk-oci-XXXXXX", tmp ? tmp : "/tmp");
	cleanup_free char *etc = NULL, *passwd = NULL, *group = NULL;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	etc = kk_xasprintf("%s/etc", dir);
	mkdir(etc, 0755);
	passwd = kk_xasprintf("%s/passwd", etc);
	group = kk_xasprintf("%s/group", etc);
	write_file(passwd, "# users of the fake image\n"
			   "root:x:0:0:root:/root:/bin/sh\n"
			   "\n"
			   "broken:x:notanumber:0::/:/bin/false\n"
			   "short:x\n"
			   "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
			   "kk:x:1000:1000:kk user:/home/kk:/bin/sh\r\n"
			   "app:x:1001:1001\n"
			   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
	write_file(group, "root:x:0:\n"
			  "# comment\n"
			  "wheel:x:10:root,kk\n"
			  "audio:x:29:kk\n"
			  "kk:x:1000:kk\n"
			  "app:x:1001:\n"
			  "video:x:44:app,,kk\n"
			  "nogroup:x:65534:\n");
	return dir;
}

static void remove_rootfs(const char *dir)
{
	cleanup_free char *cmd = kk_xasprintf("rm -rf '%s'", dir);

	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* Build the spec of O and compare its JSON with tests/fixtures/oci/NAME.json. */
static void check_golden(const char *name, const struct kk_oci_opts *o)
{
	struct kk_err err = { 0 };
	cJSON *doc = NULL;
	cleanup_free char *path = kk_xasprintf(GOLDEN_DIR "%s.json", name);
	cleanup_free char *got = NULL, *want = NULL;
	const char *update = getenv("KUKEON_UPDATE_GOLDEN");

	if (kk_oci_spec_build(o, &doc, &err) < 0) {
		TAP_OK(0, "golden %s: build failed: %s", name, err.msg);
		return;
	}
	got = cJSON_Print(doc);
	cJSON_Delete(doc);
	{
		char *nl = kk_xasprintf("%s\n", got);

		free(got);
		got = nl;
	}
	if (update && strcmp(update, "1") == 0)
		write_file(path, got);
	want = read_file(path);
	TAP_OK(want && strcmp(got, want) == 0, "golden %s matches %s", name, path);
	if (want && strcmp(got, want) != 0) {
		cleanup_free char *gpath = kk_xasprintf("%s.got", path);

		write_file(gpath, got);
		printf("#   differs: diff -u %s %s\n", path, gpath);
	}
}

/* Build must fail with exactly WANT. */
static void check_fails(const struct kk_oci_opts *o, const char *want)
{
	struct kk_err err = { 0 };
	cJSON *doc = NULL;
	int rc = kk_oci_spec_build(o, &doc, &err);

	TAP_OK(rc < 0 && doc == NULL, "build fails: %s", want);
	TAP_STR_EQ(err.msg, want);
	cJSON_Delete(doc);
}

/* The options of a plain non-root container of cell `web` in default/default/default. */
static struct kk_oci_opts web_opts(const char *rootfs)
{
	return (struct kk_oci_opts){
		.id = "default_default_web_app",
		.ctr_namespace = "default.kukeon.io",
		.rootfs = rootfs,
		.image = { .cmd = busybox_cmd,
			   .n_cmd = N(busybox_cmd),
			   .env = busybox_env,
			   .n_env = N(busybox_env) },
		.identity = { .cell_name = "web",
			      .container_id = "app",
			      .realm = "default",
			      .space = "default",
			      .stack = "default",
			      .cell_cgroup_path = "/kukeon/default/default/default/web" },
		.etc_hosts_path = "/opt/kukeon/data/default/default/default/web/hosts",
		.etc_hostname_path = "/opt/kukeon/data/default/default/default/web/hostname",
		.cni_config_path = "/opt/kukeon/data/default/default/network.conflist",
		.current_caps = current_caps,
		.n_current_caps = N(current_caps),
	};
}

/* ---- golden specs ------------------------------------------------------------------ */

static void golden_plain_busybox(const char *rootfs)
{
	struct kk_oci_opts o = web_opts(rootfs);

	check_golden("plain", &o);
}

static void golden_root_container(const char *rootfs)
{
	static const char *const sleep_args[] = { "infinity" };
	struct kk_oci_opts o = web_opts(rootfs);

	/* the default root: sleep infinity, hostname = cell name, owns the namespaces */
	o.id = "default_default_web_root";
	o.root = true;
	o.hostname = "web";
	o.command = "sleep";
	o.args = sleep_args;
	o.n_args = N(sleep_args);
	o.identity.container_id = "root";
	check_golden("root", &o);

	/* an explicit root with no command keeps the image's CMD; with none, sleeps */
	o.command = NULL;
	o.n_args = 0;
	o.args = NULL;
	check_golden("root-image-cmd", &o);
	o.image.n_cmd = 0;
	check_golden("root-no-cmd", &o);
}

static void golden_full(const char *rootfs)
{
	static const char *const args[] = { "-c", "echo hi" };
	static const char *const env[] = { "FOO=bar", "KUKEON_REALM=mine", "PATH=/opt/bin:/bin",
					   "FOO=again" };
	static const struct kk_oci_volume vols[] = {
		{ .source = "/srv/data", .target = "/data", .read_only = true },
		{ .kind = KK_OCI_VOLUME_BIND, .source = "/srv/cache", .target = "/cache" },
		{ .kind = KK_OCI_VOLUME_TMPFS,
		  .target = "/scratch",
		  .size_bytes = 67108864,
		  .mode = 01777 },
		{ .kind = KK_OCI_VOLUME_TMPFS, .target = "/ro-scratch", .read_only = true },
		{ .kind = KK_OCI_VOLUME_BIND, .source = "", .target = "/skipped" },
	};
	static const struct kk_oci_secret secrets[] = {
		{ .name = "API_TOKEN", .value = "s3cr3t" },
		{ .name = "db-password",
		  .staged_path = "/run/kukeon/secrets/default_default_web_app/db-password",
		  .mount_path = "/run/secrets/db" },
	};
	static const char *const add[] = { "net_admin", "CAP_SYS_PTRACE", " chown " };
	static const char *const drop[] = { "MKNOD", "cap_net_raw", "" };
	static const char *const secopts[] = { "no-new-privileges=false" };
	static const char *const tmpfs_opts[] = { "mode=0700", "noexec" };
	static const struct kk_oci_tmpfs tmpfs[] = {
		{ .path = "/tmp", .size_bytes = 1048576, .options = tmpfs_opts, .n_options = 2 },
		{ .path = " /var/tmp " },
		{ .path = "" },
	};
	static const struct kk_oci_kv ann[] = { { "z.example/last", "1" },
						{ "a.example/first", "2" } };
	struct kk_oci_opts o = web_opts(rootfs);

	o.command = "/bin/sh";
	o.args = args;
	o.n_args = N(args);
	o.working_dir = "/data";
	o.env = env;
	o.n_env = N(env);
	o.volumes = vols;
	o.n_volumes = N(vols);
	o.secrets = secrets;
	o.n_secrets = N(secrets);
	o.cap_add = add;
	o.n_cap_add = N(add);
	o.cap_drop = drop;
	o.n_cap_drop = N(drop);
	o.security_opts = secopts;
	o.n_security_opts = N(secopts);
	o.tmpfs = tmpfs;
	o.n_tmpfs = N(tmpfs);
	o.annotations = ann;
	o.n_annotations = N(ann);
	o.identity.cell_profile_name = "dev";
	check_golden("full", &o);
}

static void golden_privileged(const char *rootfs)
{
	struct kk_oci_opts o = web_opts(rootfs);

	o.privileged = true;
	o.nested_cgroup_runtime = true;
	check_golden("privileged", &o);
}

static void golden_read_only_root(const char *rootfs)
{
	struct kk_oci_opts o = web_opts(rootfs);

	o.read_only_rootfs = true;
	check_golden("read-only-root", &o);
}

static void golden_users(const char *rootfs)
{
	struct kk_oci_opts o = web_opts(rootfs);

	o.user = "kk";
	check_golden("user-name", &o);
	o.user = "1001:44";
	check_golden("user-uid-gid", &o);
	o.user = "app:audio";
	check_golden("user-name-group", &o);
	/* a uid the image does not list: gid 0, as containerd */
	o.user = "4242";
	check_golden("user-unlisted-uid", &o);
	/* an image USER, overridden by nothing */
	o.user = NULL;
	o.image.user = "nobody";
	o.image.working_dir = "/home";
	check_golden("image-user", &o);
}

static void golden_host_namespaces(const char *rootfs)
{
	struct kk_oci_opts o = web_opts(rootfs);

	o.host_network = true;
	o.host_pid = true;
	o.host_cgroup = true;
	o.etc_hosts_path = NULL; /* the controller leaves /etc/hosts alone on host network */
	check_golden("host-network", &o);
}

static void golden_join_root(const char *rootfs)
{
	struct kk_oci_opts o = web_opts(rootfs);

	o.join = (struct kk_oci_ns_paths){ .net = "/proc/4242/ns/net",
					   .ipc = "/proc/4242/ns/ipc",
					   .uts = "/proc/4242/ns/uts" };
	check_golden("join-root", &o);
}

static void golden_resources(const char *rootfs)
{
	static const char *const drop_all[] = { "all" };
	static const char *const add[] = { "NET_BIND_SERVICE" };
	struct kk_oci_opts o = web_opts(rootfs);

	o.resources = (struct kk_oci_resources){ .memory_limit = 536870912,
						 .memory_reservation = 268435456,
						 .memory_swap = 1073741824,
						 .cpu_shares = 512,
						 .cpu_quota = 50000,
						 .cpu_period = 100000,
						 .pids_limit = 64 };
	o.cap_drop = drop_all;
	o.n_cap_drop = 1;
	o.cap_add = add;
	o.n_cap_add = 1;
	o.cgroups_path = "/kukeon-test/explicit";
	check_golden("resources", &o);
}

/* seccomp from a profile file; the attachable-style extra mounts come last */
static void golden_seccomp_and_extra_mounts(const char *rootfs)
{
	cleanup_free char *profile = kk_xasprintf("%s/seccomp.json", rootfs);
	cleanup_free char *opt = kk_xasprintf("seccomp=%s", profile);
	const char *secopts[] = { "no-new-privileges:true", opt };
	static const char *const ro[] = { "rbind", "ro" };
	static const char *const rw[] = { "rbind", "rw" };
	static const struct kk_oci_mount extra[] = {
		{ "/.kukeon/bin/kuketty", "bind", "/opt/kukeon/bin/kuketty", ro, 2 },
		{ "/run/kukeon/tty", "bind", "/opt/kukeon/data/r/s/st/web/app/tty", rw, 2 },
	};
	struct kk_oci_opts o = web_opts(rootfs);

	write_file(profile,
		   "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": "
		   "[{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
	o.security_opts = secopts;
	o.n_security_opts = N(secopts);
	o.extra_mounts = extra;
	o.n_extra_mounts = N(extra);
	check_golden("seccomp-extra-mounts", &o);

	/* seccomp=unconfined drops a profile loaded before it */
	secopts[0] = opt;
	secopts[1] = "seccomp=unconfined";
	o.extra_mounts = NULL;
	o.n_extra_mounts = 0;
	check_golden("seccomp-unconfined", &o);
}

static void golden_image_config(const char *rootfs)
{
	static const char *const ep[] = { "/entry.sh", "--flag" };
	static const char *const cmd[] = { "serve" };
	static const char *const env[] = { "PATH=/app/bin:/bin", "LANG=C.UTF-8", "" };
	static const char *const user_env[] = { "LANG", "EXTRA=1" };
	struct kk_oci_opts o = web_opts(rootfs);

	/* image ENTRYPOINT + CMD, its PATH kept, a bare key removes an image variable */
	o.image = (struct kk_oci_image_config){ .entrypoint = ep,
						.n_entrypoint = N(ep),
						.cmd = cmd,
						.n_cmd = N(cmd),
						.env = env,
						.n_env = N(env),
						.working_dir = "/app" };
	o.env = user_env;
	o.n_env = N(user_env);
	o.identity = (struct kk_oci_identity){ 0 };
	o.ctr_namespace = NULL;
	o.etc_hosts_path = o.etc_hostname_path = o.cni_config_path = NULL;
	o.rootfs = NULL;
	check_golden("image-config", &o);
}

/* ---- bad input ------------------------------------------------------------------- */

static void bad_input(const char *rootfs)
{
	static const char *const bad_cap[] = { "NET_ADMIN", "NET_ADMINN" };
	static const char *const add_all[] = { "ALL" };
	static const struct kk_oci_volume bad_mode[] = {
		{ .kind = KK_OCI_VOLUME_TMPFS, .target = "/scratch", .mode = 010000 },
	};
	static const struct kk_oci_volume rel_target[] = {
		{ .source = "/srv", .target = "data" },
	};
	static const char *const bad_tmpfs_mode[] = { "mode=999" };
	static const char *const bad_tmpfs_size[] = { "size=lots" };
	static const struct kk_oci_tmpfs tmpfs_mode[] = {
		{ .path = "/tmp", .options = bad_tmpfs_mode, .n_options = 1 },
	};
	static const struct kk_oci_tmpfs tmpfs_size[] = {
		{ .path = "/tmp", .options = bad_tmpfs_size, .n_options = 1 },
	};
	static const char *const bad_secopt[] = { "apparmor=unconfined" };
	static const char *const bad_nnp[] = { "no-new-privileges=maybe" };
	static const struct kk_oci_secret bad_secret[] = {
		{ .name = "tok", .staged_path = "/run/kukeon/secrets/x/tok", .mount_path = "rel" },
	};
	struct kk_oci_opts o = web_opts(rootfs);

	o.cap_add = bad_cap;
	o.n_cap_add = N(bad_cap);
	check_fails(&o, "capabilities.add[1]: unknown capability `NET_ADMINN`");
	o = web_opts(rootfs);
	o.cap_drop = bad_cap + 1;
	o.n_cap_drop = 1;
	check_fails(&o, "capabilities.drop[0]: unknown capability `NET_ADMINN`");
	o = web_opts(rootfs);
	o.cap_add = add_all;
	o.n_cap_add = 1;
	check_fails(&o,
		    "capabilities.add[0]: `ALL` can only be dropped, name each capability to add");

	o = web_opts(rootfs);
	o.user = "ghost";
	check_fails(&o, "user `ghost`: no such user in the image's /etc/passwd");
	o.user = "kk:ghosts";
	check_fails(&o,
		    "user `kk:ghosts`: group `ghosts`: no such group in the image's /etc/group");
	o.user = "a:b:c";
	check_fails(&o, "user `a:b:c`: expected uid, uid:gid, name or name:group");
	o.user = "kk:";
	check_fails(&o, "user `kk:`: expected uid, uid:gid, name or name:group");
	o.rootfs = NULL;
	o.user = "kk";
	check_fails(&o, "user `kk`: no image rootfs to read /etc/passwd from");
	o.rootfs = "/nonexistent-rootfs";
	check_fails(&o, "image rootfs `/nonexistent-rootfs`: No such file or directory");

	o = web_opts(rootfs);
	o.image.user = "daemon2";
	check_fails(&o, "image config: user `daemon2`: no such user in the image's /etc/passwd");

	o = web_opts(rootfs);
	o.volumes = bad_mode;
	o.n_volumes = 1;
	check_fails(&o, "volumes[0] `/scratch`: mode 10000 is not a file mode (at most 7777)");
	o.volumes = rel_target;
	check_fails(&o, "volumes[0]: target `data` is not an absolute path");

	o = web_opts(rootfs);
	o.tmpfs = tmpfs_mode;
	o.n_tmpfs = 1;
	check_fails(&o, "tmpfs[0] `/tmp`: bad option `mode=999`: mode must be octal, at most 7777");
	o.tmpfs = tmpfs_size;
	check_fails(&o, "tmpfs[0] `/tmp`: bad option `size=lots`: size must be a number with an "
			"optional k, m or g suffix, or a percentage");

	o = web_opts(rootfs);
	o.security_opts = bad_secopt;
	o.n_security_opts = 1;
	check_fails(&o, "securityOpts[0]: unsupported securityOpt `apparmor=unconfined`");
	o.security_opts = bad_nnp;
	check_fails(&o, "securityOpts[0] `no-new-privileges=maybe`: `maybe` is not a boolean");

	o = web_opts(rootfs);
	o.resources.memory_limit = -1;
	check_fails(&o, "resources.memoryLimitBytes: -1 is negative");
	o.resources.memory_limit = 0;
	o.resources.cpu_shares = 1000000;
	check_fails(&o, "resources.cpuShares: 1000000 is above the maximum 262144");

	o = web_opts(rootfs);
	o.secrets = bad_secret;
	o.n_secrets = 1;
	check_fails(&o, "secrets[0] `tok`: mountPath `rel` is not an absolute path");

	o = web_opts(rootfs);
	o.id = NULL;
	check_fails(&o, "oci spec: container id is required");
}

static void sizes(void)
{
	static const struct {
		const char *in;
		int64_t want;
	} ok[] = {
		{ "0", 0 },
		{ "512", 512 },
		{ "1k", 1024 },
		{ "1K", 1024 },
		{ "512Mi", 536870912 },
		{ "1G", 1073741824 },
		{ " 2gi ", 2147483648 },
		{ "+3m", 3145728 },
		{ "8388608Gi", INT64_C(9007199254740992) },
	};
	static const struct {
		const char *in, *msg;
	} bad[] = {
		{ "", "invalid size ``: empty" },
		{ "12x", "invalid size `12x`: expected a number of bytes with an optional k, m, g, "
			 "ki, mi or gi suffix" },
		{ "1.5G", "invalid size `1.5G`: expected a number of bytes with an optional k, m, "
			  "g, ki, mi or gi suffix" },
		{ "Mi", "invalid size `Mi`: expected a number of bytes with an optional k, m, g, "
			"ki, mi or gi suffix" },
		{ "-5m", "invalid size `-5m`: must not be negative" },
		{ "9223372036854775808", "invalid size `9223372036854775808`: too large" },
		{ "8589934592G", "invalid size `8589934592G`: too large" },
	};

	for (size_t i = 0; i < N(ok); i++) {
		struct kk_err err = { 0 };
		int64_t v = -1;

		TAP_OK(kk_oci_parse_size(ok[i].in, &v, &err) == 0 && v == ok[i].want,
		       "size `%s` is %lld (got %lld)", ok[i].in, (long long)ok[i].want,
		       (long long)v);
	}
	for (size_t i = 0; i < N(bad); i++) {
		struct kk_err err = { 0 };
		int64_t v = 7;

		TAP_OK(kk_oci_parse_size(bad[i].in, &v, &err) < 0 && v == 7, "size `%s` rejected",
		       bad[i].in);
		TAP_STR_EQ(err.msg, bad[i].msg);
	}
}

static void capability_names(void)
{
	cleanup_free char *a = kk_oci_cap_normalize(" net_admin ");
	cleanup_free char *b = kk_oci_cap_normalize("CAP_SYS_ADMIN");
	cleanup_free char *c = kk_oci_cap_normalize("all");
	cleanup_free char *d = kk_oci_cap_normalize("cap_bogus");
	char **names = NULL;
	size_t n = 0;

	TAP_STR_EQ(a, "CAP_NET_ADMIN");
	TAP_STR_EQ(b, "CAP_SYS_ADMIN");
	TAP_STR_EQ(c, "ALL");
	TAP_OK(d == NULL, "an unknown capability is refused");
	kk_oci_caps_from_mask((UINT64_C(1) << 0) | (UINT64_C(1) << 21) | (UINT64_C(1) << 40) |
				      (UINT64_C(1) << 55),
			      &names, &n);
	TAP_INT_EQ(n, 3);
	TAP_STR_EQ(names[0], "CAP_CHOWN");
	TAP_STR_EQ(names[1], "CAP_SYS_ADMIN");
	TAP_STR_EQ(names[2], "CAP_CHECKPOINT_RESTORE");
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* privileged without a given cap list reads this process's effective set */
static void privileged_reads_current_caps(const char *rootfs)
{
	struct kk_oci_opts o = web_opts(rootfs);
	struct kk_err err = { 0 };
	cJSON *doc = NULL;

	o.privileged = true;
	o.current_caps = NULL;
	o.n_current_caps = 0;
	TAP_OK(kk_oci_spec_build(&o, &doc, &err) == 0, "privileged build with this process's caps");
	if (doc) {
		cJSON *caps =
			cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "process"), "capabilities");
		cJSON *lx = cJSON_GetObjectItem(doc, "linux");

		/* tests run as root: the effective set is not empty */
		TAP_OK(geteuid() != 0 ||
			       cJSON_GetArraySize(cJSON_GetObjectItem(caps, "bounding")) > 14,
		       "root gets more than the 14 default capabilities");
		TAP_OK(!cJSON_GetObjectItem(lx, "maskedPaths") &&
			       !cJSON_GetObjectItem(lx, "readonlyPaths"),
		       "no masked or read-only paths");
	}
	cJSON_Delete(doc);
}

static void join_stored_spec(void)
{
	const char *stored =
		"{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},"
		"{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"},"
		"{\"type\":\"uts\",\"path\":\"/proc/1/ns/uts\"},{\"type\":\"mount\"}]}}";
	struct kk_oci_ns_paths ns = { .net = "/proc/77/ns/net", .ipc = "/proc/77/ns/ipc" };
	struct kk_err err = { 0 };
	cJSON *doc = cJSON_Parse(stored);
	cleanup_free char *got = NULL;

	TAP_OK(kk_oci_spec_join_namespaces(doc, &ns, &err) == 0,
	       "join namespaces on a stored spec");
	got = cJSON_PrintUnformatted(doc);
	TAP_STR_EQ(got, "{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},"
			"{\"type\":\"network\",\"path\":\"/proc/77/ns/net\"},{\"type\":\"uts\"},"
			"{\"type\":\"mount\"},{\"type\":\"ipc\",\"path\":\"/proc/77/ns/ipc\"}]}}");
	cJSON_Delete(doc);

	doc = cJSON_Parse("[]");
	TAP_OK(kk_oci_spec_join_namespaces(doc, &ns, &err) < 0, "join refuses a non-object");
	TAP_STR_EQ(err.msg, "oci spec: not a JSON object");
	cJSON_Delete(doc);
}

/* containerd's replace-or-append: a bare key unsets, a later entry of that key sets it
 * again in place; keys new to the image env are appended, duplicates and all */
static void env_merge_rules(void)
{
	static const char *const image_env[] = { "A=1", "B=2", "C=3" };
	static const char *const user_env[] = { "B", "B=9", "C=4", "C", "D=5", "D=6" };
	struct kk_oci_opts o = { .id = "envtest",
				 .image = { .env = image_env, .n_env = N(image_env) },
				 .env = user_env,
				 .n_env = N(user_env) };
	struct kk_err err = { 0 };
	cJSON *doc = NULL;
	cleanup_free char *got = NULL;

	TAP_OK(kk_oci_spec_build(&o, &doc, &err) == 0, "env merge build");
	if (doc)
		got = cJSON_PrintUnformatted(
			cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "process"), "env"));
	TAP_STR_EQ(got, "[\"A=1\",\"B=9\",\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/"
			"bin:/sbin:/bin\",\"D=5\",\"D=6\"]");
	cJSON_Delete(doc);
}

static void image_config_blob(void)
{
	static const char blob[] =
		"{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"1000:1000\","
		"\"Env\":[\"PATH=/bin\",\"A=1\"],\"Entrypoint\":[\"/"
		"init\"],\"Cmd\":[\"run\",\"-v\"],"
		"\"WorkingDir\":\"/"
		"srv\",\"Labels\":{\"x\":\"y\"}},\"rootfs\":{\"type\":\"layers\"}}";
	static const struct {
		const char *json, *msg;
	} bad[] = {
		{ "[]", "image config: not a JSON object" },
		{ "{\"config\":[]}", "image config: `config` is not an object" },
		{ "{\"config\":{\"Cmd\":\"sh\"}}",
		  "image config: `config.Cmd` is not a list of strings" },
		{ "{\"config\":{\"Env\":[1]}}",
		  "image config: `config.Env` is not a list of strings" },
		{ "{\"config\":{\"User\":0}}", "image config: `config.User` is not a string" },
	};
	struct kk_oci_image_doc *doc = NULL;
	struct kk_err err = { 0 };

	TAP_OK(kk_oci_image_doc_parse(blob, strlen(blob), &doc, &err) == 0, "image config parses");
	if (doc) {
		const struct kk_oci_image_config *c = &doc->config;

		TAP_OK(c->n_entrypoint == 1 && strcmp(c->entrypoint[0], "/init") == 0,
		       "entrypoint");
		TAP_OK(c->n_cmd == 2 && strcmp(c->cmd[1], "-v") == 0, "cmd");
		TAP_OK(c->n_env == 2 && strcmp(c->env[1], "A=1") == 0, "env");
		TAP_STR_EQ(c->working_dir, "/srv");
		TAP_STR_EQ(c->user, "1000:1000");
	}
	kk_oci_image_doc_free(doc);
	doc = NULL;
	TAP_OK(kk_oci_image_doc_parse("{}", 2, &doc, &err) == 0 && doc->config.n_cmd == 0 &&
		       !doc->config.user,
	       "an image config without `config` is empty");
	kk_oci_image_doc_free(doc);
	for (size_t i = 0; i < N(bad); i++) {
		doc = NULL;
		TAP_OK(kk_oci_image_doc_parse(bad[i].json, strlen(bad[i].json), &doc, &err) < 0 &&
			       !doc,
		       "bad image config %zu refused", i);
		TAP_STR_EQ(err.msg, bad[i].msg);
	}
}

/* secret values must never reach an error message */
static void secret_not_in_errors(const char *rootfs)
{
	static const struct kk_oci_secret secrets[] = { { .name = "tok", .value = "hunter2" } };
	static const char *const bad_cap[] = { "bogus" };
	struct kk_oci_opts o = web_opts(rootfs);
	struct kk_err err = { 0 };
	cJSON *doc = NULL;

	o.secrets = secrets;
	o.n_secrets = 1;
	o.cap_add = bad_cap;
	o.n_cap_add = 1;
	TAP_OK(kk_oci_spec_build(&o, &doc, &err) < 0 && !strstr(err.msg, "hunter2"),
	       "a failing build with an env secret does not print its value");
	cJSON_Delete(doc);
}

/* ---- passwd / group --------------------------------------------------------------- */

static FILE *open_in(const char *rootfs, const char *path)
{
	struct kk_err err = { 0 };
	FILE *f = NULL;

	if (kk_root_fopen(rootfs, path, &f, &err) < 0)
		printf("# %s\n", err.msg);
	return f;
}

static void passwd_lookups(const char *rootfs)
{
	struct kk_err err = { 0 };
	struct kk_passwd *pw = NULL;
	struct kk_group *gr = NULL;
	uint32_t *gids = NULL;
	size_t n = 0;
	FILE *f;

	f = open_in(rootfs, "/etc/passwd");
	TAP_INT_EQ(kk_passwd_find(f, "kk", 0, &pw, &err), 1);
	TAP_OK(pw && pw->uid == 1000 && pw->gid == 1000, "kk is 1000:1000");
	TAP_STR_EQ(pw ? pw->home : NULL, "/home/kk");
	TAP_STR_EQ(pw ? pw->shell : NULL, "/bin/sh"); /* CRLF line: \r trimmed */
	kk_passwd_free(pw);
	pw = NULL;
	rewind(f);
	TAP_INT_EQ(kk_passwd_find(f, NULL, 1001, &pw, &err), 1);
	TAP_STR_EQ(pw ? pw->name : NULL, "app");
	TAP_STR_EQ(pw ? pw->shell : NULL, ""); /* a line with only four fields */
	kk_passwd_free(pw);
	pw = NULL;
	rewind(f);
	TAP_INT_EQ(kk_passwd_find(f, "broken", 0, &pw, &err), 0); /* bad uid: skipped */
	rewind(f);
	TAP_INT_EQ(kk_passwd_find(f, "short", 0, &pw, &err), 0);
	rewind(f);
	TAP_INT_EQ(kk_passwd_find(f, "# users of the fake image", 0, &pw, &err), 0);
	fclose(f);

	f = open_in(rootfs, "etc/group");
	TAP_INT_EQ(kk_group_find(f, "video", 0, &gr, &err), 1);
	TAP_OK(gr && gr->gid == 44 && gr->n_members == 2, "video has 2 members (empty dropped)");
	TAP_STR_EQ(gr ? gr->name : NULL, "video");
	TAP_STR_EQ(gr ? gr->members[0] : NULL, "app");
	TAP_STR_EQ(gr ? gr->members[1] : NULL, "kk");
	TAP_OK(gr && gr->members[2] == NULL, "members are NULL-terminated");
	kk_group_free(gr);
	gr = NULL;
	rewind(f);
	TAP_INT_EQ(kk_group_find(f, NULL, 1001, &gr, &err), 1);
	TAP_STR_EQ(gr ? gr->name : NULL, "app");
	TAP_OK(gr && gr->n_members == 0 && gr->members[0] == NULL, "app has no members");
	kk_group_free(gr);
	rewind(f);
	TAP_INT_EQ(kk_group_member_gids(f, "kk", &gids, &n, &err), 0);
	TAP_INT_EQ(n, 3); /* wheel, audio, video; not kk's own group */
	TAP_OK(n == 3 && gids[0] == 10 && gids[1] == 29 && gids[2] == 44, "kk is in 10, 29, 44");
	free(gids);
	fclose(f);
}

static void passwd_huge_file(const char *rootfs)
{
	cleanup_free char *path = kk_xasprintf("%s/etc/passwd-huge", rootfs);
	struct kk_err err = { 0 };
	struct kk_passwd *pw = NULL;
	FILE *w = fopen(path, "we"), *f;
	char *longline = kk_xmalloc(1 << 20);

	/* a 1 MiB line, 100000 entries, then the one we want */
	memset(longline, 'x', (1 << 20) - 1);
	longline[(1 << 20) - 1] = '\0';
	fprintf(w, "%s:x:5:5::/:/bin/sh\n", longline);
	for (int i = 0; i < 100000; i++)
		fprintf(w, "user%d:x:%d:%d::/home/user%d:/bin/sh\n", i, 2000 + i, 2000 + i, i);
	fprintf(w, "needle:x:424242:7:::\n");
	fclose(w);
	free(longline);
	f = open_in(rootfs, "/etc/passwd-huge");
	TAP_INT_EQ(kk_passwd_find(f, "needle", 0, &pw, &err), 1);
	TAP_OK(pw && pw->uid == 424242 && pw->gid == 7, "the last entry of a huge file is found");
	kk_passwd_free(pw);
	fclose(f);
}

static void root_confinement(const char *rootfs)
{
	cleanup_free char *link = kk_xasprintf("%s/etc/escape", rootfs);
	cleanup_free char *link2 = kk_xasprintf("%s/etc/up", rootfs);
	struct kk_err err = { 0 };
	FILE *f = NULL;

	/* symlinks inside an image resolve inside the image, never on the host */
	if (symlink("/etc/passwd", link) < 0 || symlink("../../../../../../etc/group", link2) < 0)
		perror("symlink");
	f = open_in(rootfs, "/etc/escape");
	TAP_OK(f != NULL, "an absolute symlink resolves inside the rootfs");
	if (f) {
		struct kk_passwd *pw = NULL;

		TAP_INT_EQ(kk_passwd_find(f, "kk", 0, &pw, &err), 1); /* the image's kk */
		kk_passwd_free(pw);
		fclose(f);
	}
	f = open_in(rootfs, "/etc/up");
	TAP_OK(f != NULL, "a ../ symlink stops at the rootfs");
	if (f) {
		struct kk_group *gr = NULL;

		TAP_INT_EQ(kk_group_find(f, "video", 0, &gr, &err), 1); /* the image's group */
		kk_group_free(gr);
		fclose(f);
	}
	TAP_OK(kk_root_fopen(rootfs, "/etc/missing", &f, &err) < 0 && err.code == ENOENT,
	       "a missing file is ENOENT");
}

static void parse_ids(void)
{
	uint32_t v = 0;

	TAP_OK(kk_parse_id("4294967295", &v) == 0 && v == UINT32_MAX, "max uid parses");
	TAP_OK(kk_parse_id("4294967296", &v) < 0, "uid overflow refused");
	TAP_OK(kk_parse_id("-1", &v) < 0 && kk_parse_id("", &v) < 0 && kk_parse_id("1a", &v) < 0,
	       "non-numeric ids refused");
}

int main(void)
{
	cleanup_free char *rootfs = make_rootfs();

	golden_plain_busybox(rootfs);
	golden_root_container(rootfs);
	golden_full(rootfs);
	golden_privileged(rootfs);
	golden_read_only_root(rootfs);
	golden_users(rootfs);
	golden_host_namespaces(rootfs);
	golden_join_root(rootfs);
	golden_resources(rootfs);
	golden_image_config(rootfs);
	golden_seccomp_and_extra_mounts(rootfs);
	bad_input(rootfs);
	sizes();
	capability_names();
	privileged_reads_current_caps(rootfs);
	join_stored_spec();
	secret_not_in_errors(rootfs);
	env_merge_rules();
	image_config_blob();
	passwd_lookups(rootfs);
	passwd_huge_file(rootfs);
	root_confinement(rootfs);
	parse_ids();
	remove_rootfs(rootfs);
	return tap_done();
}
