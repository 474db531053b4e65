/* applets/kuke/doctor.c - kuke doctor: an overview of what kukeon needs on this host, and
 * kuke doctor cgroups: upstream's cgroup pre-flight (common/cgroup/check.h, CLI §3.2). */
#include "applets/kuke/kuke.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets/kuke/client.h"
#include "common/cgroup/cgroup.h"
#include "common/cgroup/check.h"
#include "common/cleanup.h"
#include "common/cni/cni.h"
#include "common/env.h"
#include "common/mem.h"
#include "common/path.h"
#include "common/rpc/client.h"
#include "common/rpc/host.h"
#include "common/strv.h"

/* ---- kuke doctor cgroups ------------------------------------------------------------- */

/* upstream's order of checks for --scope (CLI reference §3.2) */
static int scope_validate(const char *scope, const char *name, const struct kuke_flags *f,
			  struct kk_err *err)
{
	static const char *const kinds[] = { "realm", "space", "stack", "cell" };
	static const char *const parents[] = { "realm", "space", "stack" };
	const char *given[] = { f->realm, f->space, f->stack };
	size_t k;

	if (!name)
		return kk_err_set(err, EINVAL, "--scope %s requires a positional <name> argument",
				  scope);
	for (k = 0; k < ARRAY_SIZE(kinds); k++)
		if (strcmp(scope, kinds[k]) == 0)
			break;
	if (k == ARRAY_SIZE(kinds))
		return kk_err_set(err, EINVAL,
				  "--scope must be one of: realm, space, stack, cell (got \"%s\")",
				  scope);
	for (size_t p = 0; p < k; p++)
		if (!given[p] || !*given[p])
			return kk_err_set(err, EINVAL, "--scope %s requires --%s", scope,
					  parents[p]);
	return 0;
}

/* the object's status.cgroupPath, through kuke's client (daemon or --no-daemon) */
static int scope_cgroup(struct kuke_ctx *ctx, const char *scope, const char *name,
			const struct kuke_flags *f, char **out, struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	struct kk_ref ref = { .realm = f->realm,
			      .space = f->space,
			      .stack = f->stack,
			      .name = name };
	const char *path = NULL;
	int rc = -1;

	if (kuke_client_open(ctx, &c, err) < 0)
		return -1;
	if (strcmp(scope, "realm") == 0) {
		struct kk_realm_get_result r = { 0 };

		if ((rc = kk_call_realm_get(c, &ref, &r, err)) == 0 && r.realm->status.cgroup_path)
			*out = kk_xstrdup(path = r.realm->status.cgroup_path);
		kk_realm_get_result_clear(&r);
	} else if (strcmp(scope, "space") == 0) {
		struct kk_space_get_result r = { 0 };

		if ((rc = kk_call_space_get(c, &ref, &r, err)) == 0 && r.space->status.cgroup_path)
			*out = kk_xstrdup(path = r.space->status.cgroup_path);
		kk_space_get_result_clear(&r);
	} else if (strcmp(scope, "stack") == 0) {
		struct kk_stack_get_result r = { 0 };

		if ((rc = kk_call_stack_get(c, &ref, &r, err)) == 0 && r.stack->status.cgroup_path)
			*out = kk_xstrdup(path = r.stack->status.cgroup_path);
		kk_stack_get_result_clear(&r);
	} else {
		struct kk_cell_get_result r = { 0 };

		ref.cell = name;
		if ((rc = kk_call_cell_get(c, &ref, &r, err)) == 0 &&
		    r.cell->status.common.cgroup_path)
			*out = kk_xstrdup(path = r.cell->status.common.cgroup_path);
		kk_cell_get_result_clear(&r);
	}
	if (rc < 0)
		return -1;
	if (!path || !*path) {
		free(*out);
		*out = NULL;
		return kk_err_set(err, ENOENT, "%s \"%s\" has no Status.CgroupPath yet", scope,
				  name);
	}
	return 0;
}

int kuke_doctor_cgroups(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc,
			char **argv, struct kk_err *err)
{
	const char *name = argc > 1 ? argv[1] : NULL;
	const char *scope = f->scope && *f->scope ? f->scope : NULL;
	bool probe = !f->no_probe;
	cleanup_free char *group = NULL;
	cleanup_free char *dir = NULL;
	cleanup_free char *label = NULL;
	cleanup_(kk_strv_freep) char **required = NULL;
	struct kk_cgcheck res = { 0 };
	cleanup_free char *status = NULL;
	cleanup_free char *fix = NULL;
	FILE *out;

	(void)arg;
	if (kuke_want_args(argc, true, "doctor", "cgroups", err) < 0)
		return -1;
	if (!scope && name)
		return kk_err_set(err, EINVAL,
				  "positional name \"%s\" is only valid with --scope "
				  "realm|space|stack|cell",
				  name);
	if (probe && geteuid() != 0)
		return kk_err_set(
			err, EPERM,
			"command must run as root: `kuke doctor cgroups --probe` writes to "
			"root-owned paths — re-run with `sudo kuke doctor cgroups --probe`");
	if (scope) {
		if (scope_validate(scope, name, f, err) < 0 ||
		    scope_cgroup(ctx, scope, name, f, &group, err) < 0)
			return -1;
		label = kk_xasprintf("%s %s", scope, name);
	}
	dir = kk_path_join(f->cgroup_mount, group ? group : "/");
	if (kk_cgcheck_required(dir, f->nested, &required, err) < 0 ||
	    kk_cgcheck_run(dir, required, probe, &res, err) < 0)
		return -1;
	status = kk_cgcheck_status_text(&res);
	fix = kk_cgcheck_remediation(&res);
	if (kk_cgcheck_ok(&res)) {
		if (f->verbose_status) {
			if (label)
				printf("scope: %s\n", label);
			fputs(status, stdout);
		}
		kk_cgcheck_clear(&res);
		return 0;
	}
	out = stderr;
	if (label)
		fprintf(out, "scope: %s\n", label);
	fprintf(out, "%s\n%s", status, fix);
	/* the only trouble is the no-internal-process rule at a populated cgroup namespace
	 * root: the runtime moves those processes into a __bootstrap leaf, so init proceeds */
	if (!label && kk_cgcheck_only_internal_process(&res) && kk_cgcheck_at_ns_root() &&
	    kk_cgcheck_populated(dir)) {
		fputs("\nnote: the runtime will drain the cgroup-namespace root into a __bootstrap "
		      "leaf\nbefore widening cgroup.subtree_control. this is informational; "
		      "`kuke init` will proceed.\n",
		      out);
		kk_cgcheck_clear(&res);
		return 0;
	}
	kk_cgcheck_clear(&res);
	{
		cleanup_free char *sc = kk_path_join(dir, "cgroup.subtree_control");

		return kk_err_set(err, EIO, "cgroup pre-flight: missing controllers at %s", sc);
	}
}

/* ---- kuke doctor ---------------------------------------------------------------------- */

/* the first executable named name in the ':'-separated dirs of path; NULL if none */
static char *find_exe(const char *path, const char *name)
{
	cleanup_free char *copy = kk_xstrdup(path);

	for (char *save = NULL, *d = strtok_r(copy, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		char *p = kk_path_join(d, name);

		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* first line of `exe --version`, or NULL */
static char *version_line(const char *exe)
{
	cleanup_free char *cmd = kk_xasprintf("'%s' --version 2>/dev/null", exe);
	char line[256] = "";
	FILE *p = strchr(exe, '\'') ? NULL : popen(cmd, "re");

	if (!p)
		return NULL;
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	return *line ? kk_xstrdup(line) : NULL;
}

int kuke_doctor(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
		struct kk_err *err)
{
	static const char *const plugins[] = { "bridge", "host-local", "loopback" };
	const char *sys_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	const char *path = kk_env_or("PATH", sys_path);
	const char *cni_path = kk_env_or("KUKEON_CNI_BIN_DIR", KK_CNI_DEFAULT_PLUGIN_PATH);
	const char *cg_mount = kk_env_or("KUKEON_CGROUP_MOUNT", KK_CGROUP_DEFAULT_MOUNT);
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	cleanup_free char *runc = NULL;
	cleanup_free char *ipt = NULL;
	cleanup_free char *search = kk_xasprintf("%s:%s", path, sys_path);
	cleanup_(kk_strv_freep) char **missing = NULL;
	cleanup_(kk_cgroup_freep) struct kk_cgroup *cg = NULL;
	struct kk_local_opts lo = kuke_local_opts(ctx);
	struct kk_ctl_containerd_version v = { 0 };
	struct kk_err e = { 0 };
	int problems = 0;

	(void)arg;
	(void)f;
	if (argc > 1)
		return kk_err_set(err, KK_EUSAGE, "unknown command `doctor %s`; see `kuke --help`",
				  argv[1]);
	puts("kuke doctor:");
	/* containerd */
	if (kk_client_local_new(&lo, &c, &e) == 0 &&
	    kk_call_containerd_version(c, &(struct kk_no_args){ 0 }, &v, &e) == 0) {
		printf("  - containerd: reachable at %s (version %s, revision %s)\n",
		       ctx->containerd_socket, v.version, v.revision);
		kk_ctl_containerd_version_clear(&v);
	} else {
		printf("  - containerd: NOT reachable at %s: %s\n", ctx->containerd_socket, e.msg);
		problems++;
	}
	kk_client_free(TAKE_PTR(c));
	/* runc */
	runc = find_exe(search, "runc");
	if (runc) {
		cleanup_free char *ver = version_line(runc);

		printf("  - runc: %s (%s)\n", runc, ver ? ver : "version unknown");
	} else {
		printf("  - runc: NOT found in %s\n", search);
		problems++;
	}
	/* CNI plugins */
	for (size_t i = 0; i < ARRAY_SIZE(plugins); i++) {
		cleanup_free char *p = find_exe(cni_path, plugins[i]);

		if (!p)
			kk_strv_push_take(&missing, kk_xstrdup(plugins[i]));
	}
	if (missing) {
		cleanup_free char *m = kk_strv_join(missing, ", ");

		printf("  - CNI plugins: MISSING %s in %s (apt install "
		       "containernetworking-plugins)\n",
		       m, cni_path);
		problems++;
	} else {
		printf("  - CNI plugins: bridge, host-local, loopback found in %s\n", cni_path);
	}
	/* iptables */
	ipt = find_exe(search, "iptables-restore");
	if (ipt)
		printf("  - iptables: %s\n", ipt);
	else
		printf("  - iptables: not found: space NAT, egress policy and published ports "
		       "cannot be set up\n");
	/* cgroup v2 and delegation */
	kk_err_clear(&e);
	if (kk_cgroup_open(cg_mount, &cg, &e) < 0) {
		printf("  - cgroup v2: NO: %s\n", e.msg);
		problems++;
	} else {
		cleanup_(kk_strv_freep) char **req = NULL;
		struct kk_cgcheck res = { 0 };

		printf("  - cgroup v2: %s\n", cg_mount);
		if (kk_cgcheck_required(cg_mount, false, &req, &e) == 0 &&
		    kk_cgcheck_run(cg_mount, req, false, &res, &e) == 0) {
			printf("  - delegation:");
			for (size_t i = 0; res.required[i]; i++)
				printf("%s %s %s", i ? "," : "", res.required[i],
				       kk_cgcheck_status_name(res.status[i]));
			printf("%s\n", kk_cgcheck_ok(&res) ? "" : " (see `kuke doctor cgroups`)");
			kk_cgcheck_clear(&res);
		} else {
			printf("  - delegation: could not check: %s\n", e.msg);
		}
	}
	/* kukeond */
	{
		cleanup_free char *sock = NULL;
		struct kk_ping_reply pong = { 0 };

		kk_err_clear(&e);
		if (kk_rpc_host_parse(ctx->host, &sock, &e) == 0 &&
		    kk_client_rpc_new(sock, &c, &e) == 0 &&
		    kk_call_ping(c, &(struct kk_no_args){ 0 }, &pong, &e) == 0)
			printf("  - kukeond: serving at %s (version %s)\n", ctx->host,
			       pong.version ? pong.version : "unknown");
		else
			printf("  - kukeond: not serving at %s: %s\n", ctx->host, e.msg);
		kk_ping_reply_clear(&pong);
	}
	fflush(stdout);
	if (problems)
		return kk_err_set(err, EIO, "doctor: %d problem(s) found (see above)", problems);
	return 0;
}
