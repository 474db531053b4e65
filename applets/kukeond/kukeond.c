/* applets/kukeond/kukeond.c - kukeond [flags] serve: configuration, then the server.
 *
 * Flags, environment variables and the ServerConfiguration file as upstream v0.5.0 (runtime
 * reference §1.5 and §9.2, CLI reference §4.2-4.3): a flag wins over its environment
 * variable (set, even empty), which wins over the file, which wins over the default. */
#include "applets/kukeond/kukeond.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets/applets.h"
#include "common/cleanup.h"
#include "common/gostr.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/model/model.h"
#include "common/rpc/wire.h"
#include "common/store/instance.h"
#include "kk_config.h"

#define DEFAULT_CONFIGURATION "/etc/kukeon/kukeond.yaml"
#define DEFAULT_RECONCILE     "30s"

static const char usage_text[] =
	"Usage: kukeond [flags] serve\n"
	"\n"
	"The kukeon daemon: serves the kukeonv1 API (JSON-RPC) on a unix socket and\n"
	"reconciles the hierarchy under the run path. Stop it with SIGTERM or SIGINT.\n"
	"\n"
	"Flags (flag > environment > configuration file > default):\n"
	"      --configuration FILE      ServerConfiguration file (env KUKEOND_CONFIGURATION,\n"
	"                                default " DEFAULT_CONFIGURATION ", written when missing)\n"
	"      --socket PATH             API socket (env KUKEOND_SOCKET, default\n"
	"                                " CONFIG_DEFAULT_KUKEOND_SOCKET ")\n"
	"      --socket-gid GID          group of the socket, mode 0660 (env KUKEOND_SOCKET_GID;\n"
	"                                default 0: root only, mode 0600)\n"
	"      --run-path PATH           metadata root (env KUKEON_RUN_PATH, "
	"default " CONFIG_DEFAULT_RUN_PATH ")\n"
	"      --containerd-socket PATH  containerd socket (env KUKEON_CONTAINERD_SOCKET,\n"
	"                                default " CONFIG_DEFAULT_CONTAINERD_SOCKET ")\n"
	"      --log-level LEVEL         debug, info, warn or error (env KUKEON_LOG_LEVEL,\n"
	"                                default info); logs go to stderr\n"
	"      --reconcile-interval D    time between reconcile passes, e.g. 30s, 1m; <= 0\n"
	"                                disables the loop (env KUKEOND_RECONCILE_INTERVAL,\n"
	"                                default " DEFAULT_RECONCILE ")\n"
	"      --containerd-namespace-suffix S  realm namespaces are <realm>.S (env\n"
	"                                KUKEON_NAMESPACE_SUFFIX, default kukeon.io)\n"
	"      --cgroup-root PATH        cgroup of the hierarchy (env KUKEON_CGROUP_ROOT,\n"
	"                                default /kukeon)\n"
	"      --max-request-size N      refuse (close the connection of) a request larger\n"
	"                                than N bytes (KiB, MiB, GiB suffixes; default 256MiB)\n"
	"  -h, --help                    this help\n"
	"      --version                 print the version\n"
	"\n"
	"Example:\n"
	"  kukeond serve --socket /run/kukeon/kukeond.sock --socket-gid 990\n";

static const char default_configuration[] =
	"# kukeond server configuration, created on first start.\n"
	"# A value here applies when neither its flag nor its environment variable is set.\n"
	"apiVersion: v1beta1\n"
	"kind: ServerConfiguration\n"
	"metadata:\n"
	"  name: default\n"
	"spec:\n"
	"  # socket: " CONFIG_DEFAULT_KUKEOND_SOCKET "\n"
	"  # socketGID: 0\n"
	"  # runPath: " CONFIG_DEFAULT_RUN_PATH "\n"
	"  # containerdSocket: " CONFIG_DEFAULT_CONTAINERD_SOCKET "\n"
	"  # logLevel: info\n"
	"  # reconcileInterval: " DEFAULT_RECONCILE "\n"
	"  # kukeondImage: \"\"\n"
	"  # containerdNamespaceSuffix: kukeon.io\n"
	"  # cgroupRoot: /kukeon\n";

void kukeond_config_clear(struct kukeond_config *c)
{
	free(c->configuration);
	free(c->socket);
	free(c->run_path);
	free(c->containerd_socket);
	free(c->log_level);
	free(c->ns_suffix);
	free(c->cgroup_root);
	free(c->cgroup_mount);
	free(c->cni_plugin_path);
	free(c->cni_cache_dir);
	*c = (struct kukeond_config){ 0 };
}

struct flags {
	const char *configuration, *socket, *socket_gid, *run_path, *containerd_socket;
	const char *log_level, *reconcile, *suffix, *cgroup_root, *max_request;
	bool serve;
};

static int parse_flags(int argc, char **argv, struct flags *f, struct kk_err *err)
{
	const struct {
		const char *name;
		const char **dst;
	} opts[] = {
		{ "configuration", &f->configuration },
		{ "socket", &f->socket },
		{ "socket-gid", &f->socket_gid },
		{ "run-path", &f->run_path },
		{ "containerd-socket", &f->containerd_socket },
		{ "log-level", &f->log_level },
		{ "reconcile-interval", &f->reconcile },
		{ "containerd-namespace-suffix", &f->suffix },
		{ "cgroup-root", &f->cgroup_root },
		{ "max-request-size", &f->max_request },
	};

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq;
		size_t n;
		bool found = false;

		if (strcmp(a, "serve") == 0) {
			f->serve = true;
			continue;
		}
		if (strncmp(a, "--", 2) != 0)
			return kk_err_set(err, KK_EUSAGE, "unknown command \"%s\" for \"kukeond\"",
					  a);
		a += 2;
		eq = strchr(a, '=');
		n = eq ? (size_t)(eq - a) : strlen(a);
		for (size_t k = 0; k < ARRAY_SIZE(opts); k++) {
			if (strlen(opts[k].name) != n || strncmp(a, opts[k].name, n) != 0)
				continue;
			if (eq) {
				*opts[k].dst = eq + 1;
			} else if (i + 1 < argc) {
				*opts[k].dst = argv[++i];
			} else {
				return kk_err_set(err, KK_EUSAGE, "flag needs an argument: --%s",
						  opts[k].name);
			}
			found = true;
			break;
		}
		if (!found)
			return kk_err_set(err, KK_EUSAGE, "unknown flag: --%.*s", (int)n, a);
	}
	return 0;
}

/* flag, else the environment variable when set (even empty), else the file's, else def */
static char *pick(const char *flag, const char *env, const char *file, const char *def)
{
	const char *e = env ? getenv(env) : NULL;

	if (flag)
		return kk_xstrdup(flag);
	if (e)
		return kk_xstrdup(e);
	if (file && *file)
		return kk_xstrdup(file);
	return def ? kk_xstrdup(def) : NULL;
}

/* Upstream writes the commented default file only at the default path; errors ignored. */
static void write_default_configuration(const char *path)
{
	int fd;

	if (strcmp(path, DEFAULT_CONFIGURATION) != 0)
		return;
	if (kk_mkdir_p("/etc/kukeon", 0750, &(struct kk_err){ 0 }) < 0)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, default_configuration, sizeof(default_configuration) - 1) < 0)
		(void)0; /* ignored, as upstream */
	close(fd);
}

static int load_file(const char *path, struct kk_server_config **out, struct kk_err *err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	struct kk_err e = { 0 };

	if (kk_read_file_max(path, 1 << 20, &buf, &len, &e) < 0) {
		if (e.code == ENOENT) /* a missing file is an empty document */
			return 0;
		return kk_err_set(err, e.code, "%s: server configuration is invalid", e.msg);
	}
	return kk_server_config_parse(buf, len, path, out, err);
}

/* "1048576", "64KiB", "8MiB", "1GiB" */
static int parse_size(const char *s, size_t *out, struct kk_err *err)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = { { "", 0 }, { "KiB", 10 }, { "MiB", 20 }, { "GiB", 30 } };
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	for (size_t i = 0; end != s && !errno && i < ARRAY_SIZE(units); i++)
		if (strcmp(end, units[i].suffix) == 0 && v > 0 &&
		    v < (1ull << (40 - units[i].shift))) {
			*out = (size_t)(v << units[i].shift);
			return 0;
		}
	return kk_err_set(err, KK_EUSAGE,
			  "invalid --max-request-size \"%s\" (bytes, or a number with KiB, MiB "
			  "or GiB)",
			  s);
}

static int resolve(const struct flags *f, struct kukeond_config *c, struct kk_err *err)
{
	cleanup_(kk_server_config_freep) struct kk_server_config *file = NULL;
	cleanup_free char *gid = NULL;
	cleanup_free char *interval = NULL;
	char file_gid[32] = "";

	c->configuration =
		pick(f->configuration, "KUKEOND_CONFIGURATION", NULL, DEFAULT_CONFIGURATION);
	write_default_configuration(c->configuration);
	if (load_file(c->configuration, &file, err) < 0)
		return -1;
	if (file && file->spec.socket_gid)
		snprintf(file_gid, sizeof(file_gid), "%lld", (long long)file->spec.socket_gid);
#define FILE_FIELD(m) (file ? file->spec.m : NULL)
	c->socket = pick(f->socket, "KUKEOND_SOCKET", FILE_FIELD(socket),
			 CONFIG_DEFAULT_KUKEOND_SOCKET);
	gid = pick(f->socket_gid, "KUKEOND_SOCKET_GID", file_gid, "0");
	c->run_path =
		pick(f->run_path, "KUKEON_RUN_PATH", FILE_FIELD(run_path), CONFIG_DEFAULT_RUN_PATH);
	c->containerd_socket =
		pick(f->containerd_socket, "KUKEON_CONTAINERD_SOCKET",
		     FILE_FIELD(containerd_socket), CONFIG_DEFAULT_CONTAINERD_SOCKET);
	c->log_level = pick(f->log_level, "KUKEON_LOG_LEVEL", FILE_FIELD(log_level), "info");
	interval = pick(f->reconcile, "KUKEOND_RECONCILE_INTERVAL", FILE_FIELD(reconcile_interval),
			DEFAULT_RECONCILE);
	c->ns_suffix = pick(f->suffix, "KUKEON_NAMESPACE_SUFFIX",
			    FILE_FIELD(containerd_namespace_suffix), NULL);
	c->cgroup_root = pick(f->cgroup_root, "KUKEON_CGROUP_ROOT", FILE_FIELD(cgroup_root), NULL);
#undef FILE_FIELD
	c->cgroup_mount = pick(NULL, "KUKEON_CGROUP_MOUNT", NULL, NULL);
	c->cni_plugin_path = pick(NULL, "KUKEON_CNI_BIN_DIR", NULL, NULL);
	c->cni_cache_dir = pick(NULL, "KUKEON_CNI_CACHE_DIR", NULL, NULL);
	{
		char *end;
		long long v;

		errno = 0;
		v = strtoll(*gid ? gid : "0", &end, 10);
		if (errno || *end || v < 0 || v > 0x7fffffff)
			return kk_err_set(err, KK_EUSAGE, "invalid socket gid \"%s\"", gid);
		c->socket_gid = (gid_t)v;
	}
	c->max_request = KK_RPC_MESSAGE_MAX;
	if (f->max_request && parse_size(f->max_request, &c->max_request, err) < 0)
		return -1;
	if (kk_go_parse_duration(interval, &c->reconcile_ms, err) < 0) {
		/* upstream warns and keeps the default */
		*err = (struct kk_err){ 0 };
		c->reconcile_ms = -2;
	}
	return 0;
}

static int run(int argc, char **argv, struct kk_err *err)
{
	struct kukeond d = { 0 };
	struct flags f = { 0 };
	int rc = -1;

	if (parse_flags(argc, argv, &f, err) < 0)
		return -1;
	if (!f.serve)
		return kk_err_set(err, KK_EUSAGE,
				  "a command is required: kukeond serve (see kukeond --help)");
	if (resolve(&f, &d.cfg, err) < 0)
		goto out;
	kk_log_init(&d.log, stderr, d.cfg.log_level);
	if (d.cfg.reconcile_ms == -2) {
		kk_log(&d.log, KK_LOG_WARN, "invalid reconcile interval, using the default",
		       "default", DEFAULT_RECONCILE);
		d.cfg.reconcile_ms = 30000;
	}
	d.opts = (struct kk_local_opts){
		.run_path = d.cfg.run_path,
		.containerd_socket = d.cfg.containerd_socket,
		.cgroup_mount = d.cfg.cgroup_mount,
		.cgroup_root = d.cfg.cgroup_root,
		.ns_suffix = d.cfg.ns_suffix,
		.log = &d.log,
		.cni_plugin_path = d.cfg.cni_plugin_path,
		.cni_cache_dir = d.cfg.cni_cache_dir,
		/* the group the socket is given is the kukeon group (upstream's KukeonGroupGID) */
		.kukeon_gid = d.cfg.socket_gid > 0 ? (long)d.cfg.socket_gid : 0,
	};
	pthread_mutex_init(&d.status_mu, NULL);
	rc = kukeond_serve(&d, err);
	pthread_mutex_destroy(&d.status_mu);
	kk_daemon_status_clear(&d.status);
out:
	kukeond_config_clear(&d.cfg);
	return rc;
}

int kukeond_main(int argc, char **argv)
{
	struct kk_err err = { 0 };

	if (applet_std_flags(argc, argv, "kukeond", usage_text))
		return 0;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		}
	if (run(argc, argv, &err) == 0)
		return 0;
	fprintf(stderr, "kukeond: %s\n", err.msg);
	return err.code == KK_EUSAGE ? 2 : 1;
}
