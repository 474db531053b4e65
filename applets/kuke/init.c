/* applets/kuke/init.c - kuke init: bootstrap this host (runtime reference §3.1), always
 * in-process and as root.
 *
 * With no --kukeond-image (nor KUKE_INIT_KUKEOND_IMAGE, nor the server configuration's
 * kukeondImage) the kukeond image is built here from this very binary (selfimage.h) and
 * loaded into kuke-system's namespace: no registry, no network, and the daemon in the cell
 * always runs the version that ran init. */
#include "applets/kuke/kuke.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "applets/applets.h"
#include "applets/kuke/client.h"
#include "common/accounts.h"
#include "common/cleanup.h"
#include "common/controller/bootstrap.h"
#include "common/controller/image.h"
#include "common/env.h"
#include "common/fs.h"
#include "common/image/selfimage.h"
#include "common/mem.h"
#include "common/model/model.h"
#include "common/passwd.h"
#include "common/path.h"
#include "common/runtime/runtime.h"
#include "common/rpc/client.h"
#include "common/store/instance.h"

#define DEFAULT_SERVER_CONFIG "/etc/kukeon/kukeond.yaml"
#define SYSTEM_ACCOUNT        "kukeon"
#define READY_TIMEOUT_MS      30000
#define READY_TICK_MS         200

static const char *const applet_names[] = {
#define APPLET(name, fn, dir, summary) name,
#include "applets/applets.def"
#undef APPLET
	NULL,
};

/* what the kukeond cell execs: CNI plugins our conflists name, and the firewall tools */
static const char *const cell_plugins[] = { "bridge",   "host-local", "loopback", "portmap",
					    "firewall", "tuning",     NULL };
static const char *const cell_tools[] = {
	"sleep",     "iptables",       "iptables-save",     "iptables-restore",
	"ip6tables", "ip6tables-save", "ip6tables-restore", NULL
};

struct init {
	struct kuke_ctx *ctx;
	const char *socket, *run_path, *containerd_socket, *suffix, *cgroup_root, *image;
	const char *configuration;
	bool no_wait, self_image;
	char *image_owned;
	uint32_t uid, gid;
	bool group_created, user_created;
};

/* flag > environment variable (present, even empty) > file value (non-empty) > default */
static const char *layer(const char *flag, const char *env, const char *file, const char *def)
{
	const char *v;

	if (flag)
		return flag;
	if (env && (v = getenv(env)))
		return v;
	return file && *file ? file : def;
}

static int load_server_config(const char *path, struct kk_server_config **out, struct kk_err *err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	struct kk_err e = { 0 };

	if (kk_read_file_max(path, 1 << 20, &buf, &len, &e) < 0) {
		if (e.code == ENOENT)
			return 0;
		return kk_err_set(err, e.code, "%s: server configuration is invalid", e.msg);
	}
	return kk_server_config_parse(buf, len, path, out, err);
}

/* Pre-flight: the containerd socket exists, is a socket, and answers. */
static int preflight(struct kk_local *l, const char *sock, struct kk_err *err)
{
	struct kk_ctl_containerd_version v = { 0 };
	struct stat st;

	if (stat(sock, &st) < 0)
		return kk_err_sys(err,
				  "failed to connect to containerd: %s — start containerd before "
				  "re-running `kuke init`: stat %s",
				  sock, sock);
	if (!S_ISSOCK(st.st_mode))
		return kk_err_set(err, ENOTSOCK,
				  "failed to connect to containerd: %s is not a socket file — "
				  "verify "
				  "containerd is running and the path is correct",
				  sock);
	if (kk_op_containerd_version(l, &(struct kk_no_args){ 0 }, &v, err) < 0)
		return kk_err_wrap(err,
				   "failed to connect to containerd: %s — start containerd before "
				   "re-running `kuke init`",
				   sock);
	kk_ctl_containerd_version_clear(&v);
	return 0;
}

/* A `kukeon` user that is not a system account (a login user of that name) must not be
 * given the daemon's socket group: refuse before anything is written. */
static int check_account(struct kk_err *err)
{
	cleanup_(kk_passwd_freep) struct kk_passwd *pw = NULL;
	FILE *f = NULL;
	uint32_t min, max;
	int rc;

	if (kk_root_fopen("/", "/etc/passwd", &f, err) < 0) {
		if (err->code != ENOENT)
			return -1;
		kk_err_clear(err);
		return 0;
	}
	rc = kk_passwd_find(f, SYSTEM_ACCOUNT, 0, &pw, err);
	fclose(f);
	if (rc <= 0)
		return rc;
	if (kk_accounts_sys_range("/", true, &min, &max, err) < 0)
		return -1;
	if (pw->uid >= min && pw->uid <= max)
		return 0;
	return kk_err_set(err, EEXIST,
			  "user `%s` exists with uid %u, outside the system range %u-%u: it is not "
			  "the kukeon system account (members of its group reach kukeond's "
			  "socket); "
			  "remove or rename it (`userdel %s`) and run `kuke init` again",
			  SYSTEM_ACCOUNT, pw->uid, min, max, SYSTEM_ACCOUNT);
}

static int ensure_accounts(struct init *in, struct kk_err *err)
{
	int rc = kk_accounts_add_group("/", SYSTEM_ACCOUNT, &in->gid, err);

	if (rc < 0)
		return -1;
	in->group_created = rc > 0;
	rc = kk_accounts_add_user("/", SYSTEM_ACCOUNT, SYSTEM_ACCOUNT, kk_accounts_nologin("/"),
				  &in->uid, err);
	if (rc < 0)
		return -1;
	in->user_created = rc > 0;
	return 0;
}

/* Build the image from this binary and load it into kuke-system's namespace. */
static int provide_image(struct kk_local *l, void *arg, struct kk_err *err)
{
	struct init *in = arg;
	struct kk_selfimage_opts o = {
		.ref = in->image,
		.self = "/proc/self/exe",
		.applets = applet_names,
		.plugin_path = kk_local_cni_host(l).plugin_path,
		.plugins = cell_plugins,
		.tools = cell_tools,
	};
	char kuketty[PATH_MAX];
	struct kk_err no_kuketty = { 0 };
	cleanup_close int fd = memfd_create("kukeond-image", MFD_CLOEXEC);
	struct kk_image_load_req req = { .realm = KK_SYSTEM_REALM,
					 .fd = fd,
					 .source = "kukeond image" };
	struct kk_image_load_result res = { 0 };

	if (!in->self_image)
		return 0;
	if (fd < 0)
		return kk_err_sys(err, "memfd_create");
	/* a sanitizer build ships a static kuketty beside it, for the cells' images */
	if (kk_rt_kuketty_source(kuketty, sizeof(kuketty), &no_kuketty) == 0 &&
	    strcmp(kuketty, "/proc/self/exe") != 0)
		o.kuketty = kuketty;
	if (kk_selfimage_write(&o, fd, err) < 0)
		return -1;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return kk_err_sys(err, "rewind kukeond image");
	if (kk_op_image_load(l, &req, &res, err) < 0)
		return kk_err_wrap(err, "load kukeond image");
	kk_image_load_result_clear(&res);
	return 0;
}

/* root:GID, dirs 02750 and files 0640, as upstream leaves the run path; symlinks are
 * skipped, never followed. An entry gone meanwhile is skipped too: a running kukeond
 * (a re-run of an init killed after it started it) renames its temp files away. */
static int own_tree(const char *path, gid_t gid, struct kk_err *err)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : kk_err_sys(err, "stat `%s`", path);
	if (S_ISLNK(st.st_mode))
		return 0;
	if (lchown(path, 0, gid) < 0 || chmod(path, S_ISDIR(st.st_mode) ? 02750 : 0640) < 0)
		return errno == ENOENT ? 0 : kk_err_sys(err, "chown `%s`", path);
	if (!S_ISDIR(st.st_mode))
		return 0;
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : kk_err_sys(err, "open `%s`", path);
	while (rc == 0 && (e = readdir(d))) {
		cleanup_free char *child = NULL;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		child = kk_path_join(path, e->d_name);
		rc = own_tree(child, gid, err);
	}
	closedir(d);
	return rc;
}

static const char *word(bool pre, bool post)
{
	if (post)
		return pre ? "already existed" : "created";
	return pre ? "missing (was previously present)" : "missing";
}

static const char *dir_word(const struct kk_dir_outcome *d)
{
	return d->pre ? "already existed" : d->post ? "created" : "not created";
}

static void print_hierarchy(const struct kk_realm_create_result *r,
			    const struct kk_space_create_result *s,
			    const struct kk_stack_create_result *t, const char *realm,
			    const char *space, const char *stack)
{
	printf("    - realm \"%s\": %s\n", realm,
	       r->level.metadata_exists_pre ? "already existed" : "created");
	printf("    - containerd namespace \"%s\": %s\n",
	       r->realm && r->realm->spec.namespace_ ? r->realm->spec.namespace_ : "",
	       word(r->ns_exists_pre, r->ns_exists_post));
	printf("    - realm cgroup: %s\n",
	       word(r->level.cgroup_exists_pre, r->level.cgroup_exists_post));
	printf("    - space \"%s\": %s\n", space,
	       s->level.metadata_exists_pre ? "already existed" : "created");
	printf("    - network \"%s-%s\": %s\n", realm, space,
	       word(s->cni_exists_pre, s->cni_exists_post));
	printf("    - space cgroup: %s\n",
	       word(s->level.cgroup_exists_pre, s->level.cgroup_exists_post));
	printf("    - stack \"%s\": %s\n", stack,
	       t->level.metadata_exists_pre ? "already existed" : "created");
	printf("    - stack cgroup: %s\n",
	       word(t->level.cgroup_exists_pre, t->level.cgroup_exists_post));
}

static void print_report(const struct init *in, const struct kk_bootstrap_report *r)
{
	cleanup_free char *sock_dir = kk_xstrdup(in->socket);
	char *slash = strrchr(sock_dir, '/');

	if (slash && slash != sock_dir)
		*slash = '\0';
	printf("%s\n", kk_bootstrap_report_created(r) ? "Initialized Kukeon runtime"
						      : "Kukeon runtime already initialized");
	printf("Realm: default (namespace: default.%s)\n", in->suffix);
	printf("System realm: %s (namespace: %s.%s)\n", KK_SYSTEM_REALM, KK_SYSTEM_REALM,
	       in->suffix);
	printf("Run path: %s\n", in->run_path);
	printf("Kukeond image: %s\n", in->image);
	printf("Actions:\n");
	printf("    - kukeon root cgroup: %s\n", word(r->root_cgroup_pre, r->root_cgroup_post));
	printf("  - CNI config dir \"%s\": %s\n", r->cni_conf.path, dir_word(&r->cni_conf));
	printf("  - CNI cache dir \"%s\": %s\n", r->cni_cache.path, dir_word(&r->cni_cache));
	printf("  - CNI bin dir \"%s\": %s\n", r->cni_bin.path, dir_word(&r->cni_bin));
	printf("  Default hierarchy:\n");
	print_hierarchy(&r->realm, &r->space, &r->stack, "default", "default", "default");
	printf("  System hierarchy:\n");
	print_hierarchy(&r->sys_realm, &r->sys_space, &r->sys_stack, KK_SYSTEM_REALM,
			KK_SYSTEM_SPACE, KK_SYSTEM_STACK);
	if (!r->cell_provisioned) {
		printf("    - cell: not provisioned\n");
	} else {
		if (r->cell_image_changed)
			printf("    - cell \"%s\": recreated (image %s)\n", KK_SYSTEM_CELL,
			       in->image);
		else if (r->cell.metadata_exists_pre)
			printf("    - cell \"%s\": already existed\n", KK_SYSTEM_CELL);
		else
			printf("    - cell \"%s\": created (image %s)\n", KK_SYSTEM_CELL,
			       in->image);
		printf("    - cell cgroup: %s\n",
		       word(r->cell.cgroup_exists_pre, r->cell.cgroup_exists_post));
		printf("    - cell root container: %s\n",
		       word(r->cell.root_container_exists_pre, true));
		printf("    - cell containers: %s\n",
		       r->cell_was_running ? "already running" : "started");
	}
	printf("  Permissions:\n");
	printf("    - group \"%s\": %s (gid %u)\n", SYSTEM_ACCOUNT,
	       in->group_created ? "created" : "already existed", in->gid);
	printf("    - user \"%s\": %s (uid %u)\n", SYSTEM_ACCOUNT,
	       in->user_created ? "created" : "already existed", in->uid);
	printf("    - \"%s\": chown root:%s mode 0o2750\n", sock_dir, SYSTEM_ACCOUNT);
	printf("    - \"%s\" (recursive): chown root:%s mode 0o2750 (dirs) / 0o0640 (files)\n",
	       in->run_path, SYSTEM_ACCOUNT);
	fflush(stdout);
}

/* Dial the socket and Ping every 200 ms for up to 30 s. */
static int wait_ready(const char *socket, struct kk_err *err)
{
	struct kk_err last = { 0 };

	for (int waited = 0; waited < READY_TIMEOUT_MS; waited += READY_TICK_MS) {
		cleanup_(kk_client_freep) struct kk_client *c = NULL;
		struct kk_ping_reply pong = { 0 };

		last = (struct kk_err){ 0 };
		if (kk_client_rpc_new(socket, &c, &last) == 0 &&
		    kk_call_ping(c, &(struct kk_no_args){ 0 }, &pong, &last) == 0) {
			kk_ping_reply_clear(&pong);
			return 0;
		}
		nanosleep(&(struct timespec){ .tv_nsec = READY_TICK_MS * 1000000L }, NULL);
	}
	if (last.code)
		return kk_err_set(err, ETIMEDOUT,
				  "kukeond did not become ready: timed out after %ds: %s",
				  READY_TIMEOUT_MS / 1000, last.msg);
	return kk_err_set(err, ETIMEDOUT, "kukeond did not become ready: timed out after %ds",
			  READY_TIMEOUT_MS / 1000);
}

/* the runner's progress lines (upstream prints them to stdout as it goes) */
static void note_stdout(void *arg, const char *line)
{
	(void)arg;
	printf("%s\n", line);
}

int kuke_init(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
	      struct kk_err *err)
{
	cleanup_(kk_server_config_freep) struct kk_server_config *cfg = NULL;
	cleanup_(kk_local_freep) struct kk_local *l = NULL;
	cleanup_free char *self_ref = NULL, *sock_dir = NULL;
	struct kk_bootstrap_report report = { 0 };
	struct kk_local_opts lo = { 0 };
	struct kk_bootstrap_opts bo = { 0 };
	struct init in = { .ctx = ctx };
	int rc = -1;

	(void)arg;
	(void)argv;
	if (argc > 1) /* upstream accepts and ignores arguments */
		kk_log(&ctx->log, KK_LOG_DEBUG, "init: ignoring arguments", "first", argv[1]);
	if (geteuid() != 0)
		return kk_err_set(err, EPERM,
				  "command must run as root: `kuke init` writes to root-owned "
				  "paths "
				  "— re-run with `sudo kuke init`");
	in.configuration = layer(f->server_config, "KUKE_INIT_SERVER_CONFIGURATION", NULL,
				 DEFAULT_SERVER_CONFIG);
	if (load_server_config(in.configuration, &cfg, err) < 0)
		return -1;
#define FILE_FIELD(m) (cfg ? cfg->spec.m : NULL)
	in.socket =
		layer(NULL, "KUKEOND_SOCKET", FILE_FIELD(socket), CONFIG_DEFAULT_KUKEOND_SOCKET);
	in.run_path = layer(ctx->run_path_flag ? ctx->run_path : NULL, "KUKEON_RUN_PATH",
			    FILE_FIELD(run_path), ctx->run_path);
	in.containerd_socket = layer(ctx->containerd_socket_flag ? ctx->containerd_socket : NULL,
				     "KUKEON_CONTAINERD_SOCKET", FILE_FIELD(containerd_socket),
				     ctx->containerd_socket);
	in.suffix = layer(f->ns_suffix, "KUKEON_NAMESPACE_SUFFIX",
			  FILE_FIELD(containerd_namespace_suffix), CONFIG_DEFAULT_NAMESPACE_SUFFIX);
	in.cgroup_root = layer(f->cgroup_root, "KUKEON_CGROUP_ROOT", FILE_FIELD(cgroup_root),
			       CONFIG_DEFAULT_CGROUP_ROOT);
	in.image =
		layer(f->kukeond_image, "KUKE_INIT_KUKEOND_IMAGE", FILE_FIELD(kukeond_image), NULL);
#undef FILE_FIELD
	if (!in.image || !*in.image) {
		self_ref = kk_xasprintf("localhost/kukeon:%s", kk_version);
		in.image = self_ref;
		in.self_image = true;
	}
	in.no_wait = f->no_wait || kk_env_true("KUKE_INIT_NO_WAIT");
	lo = kuke_local_opts(ctx);
	lo.run_path = in.run_path;
	lo.containerd_socket = in.containerd_socket;
	lo.cgroup_root = in.cgroup_root;
	lo.ns_suffix = in.suffix;
	lo.note = note_stdout;
	lo.force_regenerate_cni =
		f->force_regen_cni || kk_env_true("KUKE_INIT_FORCE_REGENERATE_CNI");
	if (kk_local_new(&lo, &l, err) < 0 || preflight(l, in.containerd_socket, err) < 0 ||
	    check_account(err) < 0 ||
	    kk_instance_verify_or_write(l->store, l->ns_suffix, l->cgroup_root, err) < 0)
		return -1;
	if (ensure_accounts(&in, err) < 0)
		return kk_err_wrap(err, "system account");
	bo = (struct kk_bootstrap_opts){
		.image = in.image,
		.socket = in.socket,
		.configuration = in.configuration,
		.socket_gid = in.gid, /* the daemon gives its socket and tty files this group */
		.provide_image = provide_image,
		.provide_arg = &in,
	};
	if (kk_bootstrap(l, &bo, &report, err) < 0)
		goto out;
	sock_dir = kk_xstrdup(in.socket);
	if (strrchr(sock_dir, '/') && strrchr(sock_dir, '/') != sock_dir)
		*strrchr(sock_dir, '/') = '\0';
	if (kk_mkdir_p(sock_dir, 0750, err) < 0)
		goto out;
	if (chown(sock_dir, 0, in.gid) < 0 || chmod(sock_dir, 02750) < 0) {
		kk_err_sys(err, "chown `%s`", sock_dir);
		goto out;
	}
	if (own_tree(in.run_path, in.gid, err) < 0)
		goto out;
	print_report(&in, &report);
	if (!in.no_wait) {
		if (wait_ready(in.socket, err) < 0)
			goto out;
		if (chown(in.socket, 0, in.gid) < 0 || chmod(in.socket, 0660) < 0) {
			kk_err_sys(err, "chown `%s`", in.socket);
			goto out;
		}
		printf("  - socket \"%s\": chown root:%s mode 0o0660\n", in.socket, SYSTEM_ACCOUNT);
		printf("kukeond is ready (unix://%s)\n", in.socket);
	}
	rc = 0;
out:
	kk_bootstrap_report_clear(&report);
	return rc;
}
