/* applets/kuke_uninstall/kuke_uninstall.c - host teardown that works from an initramfs or a
 * rescue shell: nothing but this binary and the kernel is needed.
 *
 * The same teardown as `kuke uninstall`, done from what is on disk and in the kernel when
 * containerd or kukeond are gone: every process under the kukeon cgroup tree is killed and
 * the tree removed, the space bridges and their veths deleted (rtnetlink), host-local's IP
 * reservations and the CNI cache entries of kukeon's networks, kukeon's iptables chains (when
 * an iptables tool is there), the mounts under the socket dir and the run path, those two
 * directories and /etc/kukeon, and the system user and group (edited in ROOT/etc directly).
 * When containerd answers, every realm is first purged through it, as `kuke uninstall` does.
 *
 * With --root DIR the system mounted at DIR is cleaned: every path is taken under DIR and
 * what belongs to the running kernel (processes, cgroups, links, iptables, containerd) is
 * left alone, since it is not that system's.
 *
 * Each item is reported removed, absent, skipped (why) or failed (why); the exit status is
 * 0 only when nothing that was found remains. A second run finds everything absent. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "applets/applets.h"
#include "common/cleanup.h"
#include "common/controller/uninstall.h"
#include "common/env.h"
#include "common/host/teardown.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/path.h"
#include "common/prompt.h"
#include "common/store/instance.h"
#include "kk_config.h"

#define DAEMON_GRACE_MS 5000

static const char usage_text[] =
	"Usage: kuke-uninstall [-y] [--root DIR] [--run-path PATH] [--containerd-socket PATH]\n"
	"                      [--socket PATH]\n"
	"\n"
	"Removes kukeon from this host, also when containerd or kukeond are down or gone:\n"
	"workloads (every process under the kukeon cgroup tree), cgroups, space bridges and\n"
	"veths, IP reservations, CNI cache entries, iptables chains, mounts under the socket\n"
	"dir and run path, those directories, /etc/kukeon, and the kukeon user and group.\n"
	"Realms are purged through containerd first when it answers.\n"
	"\n"
	"Flags:\n"
	"  -y, --yes                     do not ask for confirmation\n"
	"      --root DIR                clean the system mounted at DIR (files only: the\n"
	"                                running kernel's state is not that system's)\n"
	"      --run-path PATH           run path (default "
	"$KUKEON_RUN_PATH, " CONFIG_DEFAULT_RUN_PATH ")\n"
	"      --containerd-socket PATH  containerd socket (default $KUKEON_CONTAINERD_SOCKET,\n"
	"                                " CONFIG_DEFAULT_CONTAINERD_SOCKET ")\n"
	"      --socket PATH             kukeond socket; its directory holds the PID file and is\n"
	"                                removed (default " CONFIG_DEFAULT_KUKEOND_SOCKET ")\n"
	"  -h, --help                    this help\n"
	"      --version                 print the version\n"
	"\n"
	"Environment: KUKEON_CGROUP_ROOT, KUKEON_CGROUP_MOUNT, KUKEON_CNI_CACHE_DIR as for kuke.\n"
	"Exit status: 0 when nothing kukeon owns remains, 1 when an item could not be removed,\n"
	"2 for a bad command line.\n";

struct opts {
	bool yes;
	const char *root, *run_path, *containerd_socket, *socket;
};

static int parse(int argc, char **argv, struct opts *o, struct kk_err *err)
{
	static const char *const valued[] = { "--root", "--run-path", "--containerd-socket",
					      "--socket" };
	const char **dest[] = { &o->root, &o->run_path, &o->containerd_socket, &o->socket };

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool done = false;

		if (strcmp(a, "-y") == 0 || strcmp(a, "--yes") == 0) {
			o->yes = true;
			continue;
		}
		for (size_t k = 0; k < ARRAY_SIZE(valued) && !done; k++) {
			size_t len = strlen(valued[k]);

			if (strncmp(a, valued[k], len) != 0)
				continue;
			if (a[len] == '=') {
				*dest[k] = a + len + 1;
			} else if (a[len] == '\0') {
				if (i + 1 >= argc)
					return kk_err_set(err, KK_EUSAGE, "flag `%s` needs a value",
							  valued[k]);
				*dest[k] = argv[++i];
			} else {
				continue;
			}
			if (!**dest[k])
				return kk_err_set(err, KK_EUSAGE,
						  "flag `%s` needs a non-empty value", valued[k]);
			done = true;
		}
		if (!done)
			return kk_err_set(err, KK_EUSAGE,
					  "unknown argument `%s`; see `kuke-uninstall --help`", a);
	}
	if (o->root && o->root[0] != '/')
		return kk_err_set(err, KK_EUSAGE, "--root `%s` must be an absolute path", o->root);
	if (o->root && access(o->root, F_OK) < 0)
		return kk_err_sys(err, "--root `%s`", o->root);
	return 0;
}

/* 1 yes, 0 no, -1 on EOF or a read error */
static int confirm(const char *root, struct kk_err *err)
{
	printf("kuke-uninstall will remove ALL kukeon state from the system at %s\n", root);
	return kk_prompt_yes_no(stdin, stdout, "Are you sure? (yes/no) ", err);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash != path ? kk_xstrndup(path, (size_t)(slash - path)) : kk_xstrdup("/");
}

#if ENABLE_FEATURE_KUKE_UNINSTALL_CONTAINERD
/* Does something accept connections on the unix socket at path? */
static bool socket_answers(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	cleanup_close int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	return fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
}

/* Purge the realms through containerd when it answers; items per realm. Returns how many
 * realms are left behind (a purge failed or the namespace survived). */
static size_t realms_step(const char *containerd_socket, const char *run_path,
			  const struct kk_instance *inst, const struct kk_log *log,
			  struct kk_td_report *r)
{
	struct kk_local_opts lo = {
		.run_path = run_path,
		.containerd_socket = containerd_socket,
		.cgroup_root = inst->cgroup_root,
		.ns_suffix = inst->ns_suffix,
		.cgroup_mount = kk_env_or("KUKEON_CGROUP_MOUNT", NULL),
		.log = log,
		.cni_cache_dir = kk_env_or("KUKEON_CNI_CACHE_DIR", NULL),
	};
	struct kk_uninstall_report rep = { 0 };
	struct kk_err err = { 0 };
	size_t left = 0;

	if (!socket_answers(containerd_socket)) {
		kk_td_add(r, KK_TD_SKIPPED, "skipped",
			  "not reachable: working from disk; its namespaces, if any, stay in its "
			  "store",
			  "containerd %s", containerd_socket);
		return 0;
	}
	if (kk_uninstall_realms(&lo, &rep, &err) < 0 && rep.n_realms == 0)
		kk_td_add(r, KK_TD_FAILED, "remove failed", err.msg, "realms");
	for (size_t i = 0; i < rep.n_realms; i++) {
		const struct kk_uninstall_realm *x = &rep.realms[i];

		if (x->error || !x->ns_removed) {
			kk_td_add(r, KK_TD_FAILED, "FAILED",
				  x->error ? x->error : "its namespace is still there",
				  "realm \"%s\" (namespace \"%s\")", x->name, x->ns);
			left++;
		} else {
			kk_td_add(r, KK_TD_REMOVED, "purged", NULL,
				  "realm \"%s\" (namespace \"%s\")", x->name, x->ns);
		}
	}
	kk_uninstall_report_clear(&rep);
	return left;
}
#else
static size_t realms_step(const char *containerd_socket, const char *run_path,
			  const struct kk_instance *inst, const struct kk_log *log,
			  struct kk_td_report *r)
{
	(void)run_path;
	(void)inst;
	(void)log;
	kk_td_add(r, KK_TD_SKIPPED, "skipped",
		  "this build works from disk only (CONFIG_FEATURE_KUKE_UNINSTALL_CONTAINERD=n)",
		  "containerd %s", containerd_socket);
	return 0;
}
#endif

static void print_report(const struct kk_td_report *r)
{
	puts("kuke-uninstall:");
	for (size_t i = 0; i < r->n; i++) {
		const struct kk_td_item *it = &r->items[i];

		if (it->why)
			printf("  - %s: %s: %s\n", it->what, it->text, it->why);
		else
			printf("  - %s: %s\n", it->what, it->text);
	}
}

static int run(const struct opts *o, const struct kk_log *log, struct kk_td_report *r,
	       struct kk_err *err)
{
	const char *root = o->root ? o->root : "/";
	bool live = strcmp(root, "/") == 0;
	cleanup_free char *run_path = kk_path_join(root, o->run_path);
	cleanup_free char *sock_dir_host = dir_of(o->socket);
	cleanup_free char *sock_dir = kk_path_join(root, sock_dir_host);
	cleanup_free char *pidfile = kk_path_join(sock_dir, "kukeond.pid");
	cleanup_free char *etc = kk_path_join(root, "/etc/kukeon");
	cleanup_free char *cache =
		kk_path_join(root, kk_env_or("KUKEON_CNI_CACHE_DIR", CONFIG_DEFAULT_CNI_CACHE_DIR));
	cleanup_(kk_instance_clear) struct kk_instance inst = { 0 };
	const char *cg_env = kk_env_or("KUKEON_CGROUP_ROOT", NULL);
	struct kk_host_net *nets = NULL;
	struct kk_err e = { 0 };
	size_t n_nets = 0;

	/* the suffix and cgroup root the run path was set up with, unless the environment says */
	if (kk_instance_load(run_path, &inst, &e) < 0)
		kk_log_ignored(log, &e, "read the run path's instance file");
	if (cg_env) {
		free(inst.cgroup_root);
		inst.cgroup_root = kk_xstrdup(cg_env);
	}

	if (live) {
		struct kk_daemon_stop d;
		cleanup_free char *text = NULL;

		if (kk_host_daemon_stop(pidfile, DAEMON_GRACE_MS, &d, &e) < 0) {
			kk_td_add(r, KK_TD_FAILED, "could not stop", e.msg, "kukeond");
		} else {
			text = kk_daemon_stop_text(&d);
			kk_td_add(r,
				  d.survived          ? KK_TD_FAILED
				  : d.pidfile_present ? KK_TD_REMOVED
						      : KK_TD_ABSENT,
				  text, d.survived ? "it survived SIGKILL" : NULL, "kukeond");
		}
		realms_step(o->containerd_socket, run_path, &inst, log, r);
	}
	/* what the run path says must be read before it goes */
	if (kk_host_networks(run_path, &nets, &n_nets, &e) < 0)
		kk_td_add(r, KK_TD_FAILED, "could not read", e.msg, "space networks under %s",
			  run_path);
	if (live) {
		const char *mount = kk_env_or("KUKEON_CGROUP_MOUNT", CONFIG_DEFAULT_CGROUP_MOUNT);
		const char *group =
			inst.cgroup_root ? inst.cgroup_root : CONFIG_DEFAULT_CGROUP_ROOT;

		kk_host_cgroup_teardown(mount, group, r);
		kk_host_links_teardown(nets, n_nets, r);
		kk_host_iptables_teardown(cache, nets, n_nets, r);
	} else {
		kk_td_add(r, KK_TD_SKIPPED, "skipped",
			  "--root: the running kernel's processes, cgroups, links and iptables are "
			  "not that system's",
			  "kernel state");
	}
	kk_host_cni_teardown(nets, n_nets, root, cache, r);
	kk_host_nets_free(nets, n_nets);
	kk_host_release_mounts(sock_dir, r);
	kk_host_remove_dir(sock_dir, sock_dir, r);
	kk_host_release_mounts(run_path, r);
	kk_host_remove_dir(run_path, run_path, r);
	kk_host_release_mounts(etc, r);
	kk_host_remove_dir(etc, etc, r);
	kk_err_clear(&e);
	kk_host_accounts_remove(live ? NULL : root, r, &e);
	(void)err;
	return 0;
}

int kuke_uninstall_main(int argc, char **argv)
{
	struct opts o = {
		.run_path = kk_env_or("KUKEON_RUN_PATH", CONFIG_DEFAULT_RUN_PATH),
		.containerd_socket =
			kk_env_or("KUKEON_CONTAINERD_SOCKET", CONFIG_DEFAULT_CONTAINERD_SOCKET),
		.socket = CONFIG_DEFAULT_KUKEOND_SOCKET,
	};
	struct kk_td_report r = { 0 };
	struct kk_err err = { 0 };
	struct kk_log log;
	size_t failed;
	int rc;

	if (applet_std_flags(argc, argv, "kuke-uninstall", usage_text))
		return 0;
	if (parse(argc, argv, &o, &err) < 0) {
		fprintf(stderr, "kuke-uninstall: %s\n", err.msg);
		return kk_err_exit_status(&err);
	}
	if (!o.yes) {
		rc = confirm(o.root ? o.root : "/", &err);
		if (rc < 0) {
			fprintf(stderr, "kuke-uninstall: %s\n", err.msg);
			return 1;
		}
		if (rc == 0) {
			puts("Aborted.");
			fflush(stdout);
			fprintf(stderr, "kuke-uninstall: uninstall aborted\n");
			return 1;
		}
	}
	/* quiet unless asked: the report is the output */
	kk_log_init(&log, getenv("KUKEON_LOG_LEVEL") ? stderr : NULL, getenv("KUKEON_LOG_LEVEL"));
	run(&o, &log, &r, &err);
	print_report(&r);
	fflush(stdout);
	failed = kk_td_failed(&r);
	kk_td_report_clear(&r);
	if (failed) {
		fprintf(stderr, "kuke-uninstall: %zu item(s) could not be removed (see above)\n",
			failed);
		return 1;
	}
	return 0;
}
