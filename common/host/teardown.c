/* common/host/teardown.c - see teardown.h. */
#include "common/clock.h"
#include "common/host/teardown.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/accounts.h"
#include "common/cgroup/cgroup.h"
#include "common/cgroup/kill.h"
#include "common/cleanup.h"
#include "common/cni/cni.h"
#include "common/cni/netpolicy.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/naming.h"
#include "common/path.h"
#include "common/store/paths.h"
#include "common/strv.h"

#define KILL_TIMEOUT_MS   5000
#define REMOVE_TIMEOUT_MS 2000

void kk_td_report_clear(struct kk_td_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->items[i].what);
		free(r->items[i].text);
		free(r->items[i].why);
	}
	free(r->items);
	r->items = NULL;
	r->n = 0;
}

void kk_td_add(struct kk_td_report *r, enum kk_td_outcome outcome, const char *text,
	       const char *why, const char *what_fmt, ...)
{
	struct kk_td_item *it;
	va_list ap;

	r->items = kk_xrealloc(r->items, (r->n + 1) * sizeof(*r->items));
	it = &r->items[r->n++];
	va_start(ap, what_fmt);
	if (vasprintf(&it->what, what_fmt, ap) < 0)
		abort();
	va_end(ap);
	it->outcome = outcome;
	it->text = kk_xstrdup(text);
	it->why = why ? kk_xstrdup(why) : NULL;
}

size_t kk_td_failed(const struct kk_td_report *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += r->items[i].outcome == KK_TD_FAILED;
	return n;
}

/* ---- the daemon ------------------------------------------------------------------- */

/* Poll kill(pid, 0) every 50 ms for up to ms; true once the process is gone. */
static bool wait_gone(pid_t pid, int ms)
{
	for (int waited = 0;; waited += 50) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return true;
		if (waited >= ms)
			return false;
		kk_sleep_ms(50);
	}
}

int kk_host_daemon_stop(const char *pidfile, int grace_ms, struct kk_daemon_stop *out,
			struct kk_err *err)
{
	cleanup_free char *text = NULL;
	char *end;
	long pid;

	memset(out, 0, sizeof(*out));
	if (kk_read_file(pidfile, &text, err) < 0) {
		if (err->code != ENOENT)
			return kk_err_wrap(err, "stop kukeond");
		kk_err_clear(err);
		return 0;
	}
	out->pidfile_present = true;
	errno = 0;
	pid = strtol(text, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (errno || end == text || *end || pid <= 1 || pid > INT32_MAX)
		return 0;
	out->pid = (pid_t)pid;
	if (kill(out->pid, SIGTERM) < 0)
		return 0; /* ESRCH: a stale file; EPERM: not ours to stop */
	out->signalled = true;
	if (wait_gone(out->pid, grace_ms))
		return 0;
	out->force_killed = true;
	if (kill(out->pid, SIGKILL) < 0 && errno == ESRCH)
		return 0;
	out->survived = !wait_gone(out->pid, grace_ms);
	return 0;
}

char *kk_daemon_stop_text(const struct kk_daemon_stop *d)
{
	if (!d->pidfile_present)
		return kk_xstrdup("absent");
	if (d->force_killed)
		return kk_xasprintf("force-killed (pid %d)", (int)d->pid);
	if (d->signalled)
		return kk_xasprintf("stopped (pid %d)", (int)d->pid);
	return kk_xstrdup("stale pid file");
}

/* ---- files ------------------------------------------------------------------------ */

/* /proc/self/mounts escapes space, tab, newline and backslash as \ooo */
static void unescape_octal(char *s)
{
	char *w = s;

	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*w++ = (char)((p[1] - '0') << 6 | (p[2] - '0') << 3 | (p[3] - '0'));
			p += 3;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
}

static bool at_or_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static size_t slashes(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '/';
	return n;
}

/* deepest first: more '/' first, then reverse lexical (upstream's order) */
static int deepest_first(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t sx = slashes(x), sy = slashes(y);

	if (sx != sy)
		return sx > sy ? -1 : 1;
	return strcmp(y, x);
}

/* The mount targets at or under dir, deepest first (a path mounted twice is listed twice). */
static char **mounts_under(const char *dir)
{
	cleanup_(kk_strv_freep) char **targets = NULL;
	FILE *f = fopen("/proc/self/mounts", "re");
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		return NULL;
	while (getline(&line, &cap, f) > 0) {
		char target[4096];

		if (sscanf(line, "%*s %4095s", target) != 1)
			continue;
		unescape_octal(target);
		if (at_or_under(target, dir))
			kk_strv_push_take(&targets, kk_xstrdup(target));
	}
	free(line);
	fclose(f);
	if (targets)
		qsort(targets, kk_strv_len(targets), sizeof(*targets), deepest_first);
	return TAKE_PTR(targets);
}

size_t kk_host_release_mounts(const char *dir, struct kk_td_report *r)
{
	cleanup_free char *clean = kk_path_clean(dir);
	cleanup_(kk_strv_freep) char **targets = mounts_under(clean);
	size_t failed = 0;

	for (size_t i = 0; targets && targets[i]; i++) {
		char why[512];

		if (umount(targets[i]) == 0) {
			kk_td_add(r, KK_TD_REMOVED, "unmounted", NULL, "mount %s", targets[i]);
			continue;
		}
		if (errno == EINVAL || errno == ENOENT) /* gone with a parent already */
			continue;
		snprintf(why, sizeof(why), "umount: %s", strerror(errno));
		if (umount2(targets[i], MNT_DETACH) == 0) {
			kk_td_add(r, KK_TD_REMOVED, "unmounted", "detached lazily, it was busy",
				  "mount %s", targets[i]);
			continue;
		}
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "; lazy detach: %s",
			 strerror(errno));
		kk_td_add(r, KK_TD_FAILED, "still busy", why, "mount %s", targets[i]);
		failed++;
	}
	return failed;
}

void kk_host_remove_dir(const char *label, const char *path, struct kk_td_report *r)
{
	struct kk_err err = { 0 };

	if (access(path, F_OK) < 0 && errno == ENOENT) {
		kk_td_add(r, KK_TD_ABSENT, "absent", NULL, "%s", label);
		return;
	}
	if (kk_rm_rf(path, &err) < 0) {
		kk_td_add(r, KK_TD_FAILED, "remove failed", err.msg, "%s", label);
		return;
	}
	kk_td_add(r, KK_TD_REMOVED, "removed", NULL, "%s", label);
}

/* ---- kernel state ----------------------------------------------------------------- */

void kk_host_cgroup_teardown(const char *mount, const char *group, struct kk_td_report *r)
{
	cleanup_(kk_cgroup_freep) struct kk_cgroup *cg = NULL;
	struct kk_err err = { 0 };
	int rc;

	if (kk_cgroup_open(mount, &cg, &err) < 0) {
		/* no cgroup v2 mount there: kukeon could not have made a tree in it */
		if (err.code == ENOTSUP || err.code == ENOENT)
			kk_td_add(r, KK_TD_SKIPPED, "skipped", err.msg, "cgroup %s", group);
		else
			kk_td_add(r, KK_TD_FAILED, "could not check", err.msg, "cgroup %s", group);
		return;
	}
	rc = kk_cgroup_exists(cg, group, &err);
	if (rc == 0) {
		kk_td_add(r, KK_TD_ABSENT, "absent", NULL, "cgroup %s", group);
		return;
	}
	if (rc < 0 || kk_cgroup_kill(cg, group, KK_CGROUP_KILL_AUTO, KILL_TIMEOUT_MS, &err) < 0 ||
	    kk_cgroup_remove(cg, group, REMOVE_TIMEOUT_MS, &err) < 0) {
		kk_td_add(r, KK_TD_FAILED, "remove failed", err.msg, "cgroup %s", group);
		return;
	}
	kk_td_add(r, KK_TD_REMOVED, "removed (its processes killed)", NULL, "cgroup %s", group);
}

/* "k-" and 8 lowercase hex digits: a space bridge (common/model/naming.h) */
static bool bridge_named(const char *name)
{
	if (strncmp(name, "k-", 2) != 0 || strlen(name) != 10)
		return false;
	for (const char *p = name + 2; *p; p++)
		if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
			return false;
	return true;
}

static void link_delete(const char *name, struct kk_td_report *r)
{
	struct kk_err err = { 0 };
	int rc = kk_cni_link_delete(name, &err);

	if (rc < 0)
		kk_td_add(r, KK_TD_FAILED, "remove failed", err.msg, "link %s", name);
	else if (rc == 1)
		kk_td_add(r, KK_TD_REMOVED, "removed", NULL, "link %s", name);
}

void kk_host_links_teardown(const struct kk_host_net *nets, size_t n_nets, struct kk_td_report *r)
{
	cleanup_(kk_strv_freep) char **bridges = NULL;
	cleanup_free struct kk_cni_link *links = NULL;
	struct kk_err err = { 0 };
	size_t n = 0;

	for (size_t i = 0; i < n_nets; i++)
		kk_strv_push_take(&bridges, kk_xstrdup(nets[i].bridge));
	if (kk_cni_link_list(&links, &n, &err) < 0) {
		kk_td_add(r, KK_TD_FAILED, "could not list", err.msg, "network links");
		return;
	}
	/* the cells' veths first: a bridge going takes them off it, not away */
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; links[i].master && j < n; j++)
			if (links[j].index == links[i].master &&
			    (bridge_named(links[j].name) ||
			     kk_strv_contains(bridges, links[j].name)))
				link_delete(links[i].name, r);
	}
	for (size_t i = 0; i < n; i++)
		if (bridge_named(links[i].name) || kk_strv_contains(bridges, links[i].name))
			link_delete(links[i].name, r);
}

/* Remove the files "<prefix>*" in dir; how many, or -1. */
static int remove_prefixed(const char *dir, const char *prefix, struct kk_err *err)
{
	cleanup_(kk_strv_freep) char **names = NULL;
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return errno == ENOENT ? 0 : kk_err_sys(err, "list `%s`", dir);
	while ((e = readdir(d)))
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			kk_strv_push_take(&names, kk_xstrdup(e->d_name));
	closedir(d);
	for (size_t i = 0; names && names[i]; i++) {
		cleanup_free char *p = kk_path_join(dir, names[i]);

		if (unlink(p) < 0 && errno != ENOENT)
			return kk_err_sys(err, "remove `%s`", p);
		n++;
	}
	return n;
}

void kk_host_nets_free(struct kk_host_net *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].bridge);
		free(v[i].ipam_dir);
	}
	free(v);
}

void kk_host_cni_teardown(const struct kk_host_net *nets, size_t n, const char *root,
			  const char *cache_dir, struct kk_td_report *r)
{
	cleanup_free char *results = kk_path_join(cache_dir, "results");

	for (size_t i = 0; i < n; i++) {
		cleanup_free char *store =
			kk_path_join(root ? root : "/", nets[i].ipam_dir, nets[i].name);
		cleanup_free char *prefix = kk_xasprintf("%s-", nets[i].name);
		struct kk_err err = { 0 };
		bool had_store = access(store, F_OK) == 0;
		int removed;

		if (kk_rm_rf(store, &err) < 0 ||
		    (removed = remove_prefixed(results, prefix, &err)) < 0) {
			kk_td_add(r, KK_TD_FAILED, "remove failed", err.msg, "CNI network %s",
				  nets[i].name);
			continue;
		}
		if (!had_store && removed == 0)
			kk_td_add(r, KK_TD_ABSENT, "absent", NULL, "CNI network %s", nets[i].name);
		else
			kk_td_add(r, KK_TD_REMOVED, "removed", NULL, "CNI network %s",
				  nets[i].name);
	}
}

void kk_host_iptables_teardown(const char *cache_dir, const struct kk_host_net *nets, size_t n,
			       struct kk_td_report *r)
{
	cleanup_(kk_strv_freep) char **networks = NULL;
	struct kk_cni_host host = KK_CNI_HOST_DEFAULTS;
	cleanup_free char *lock = kk_path_join(cache_dir, "netpolicy.lock");
	struct kk_err err = { 0 };
	int rc;

	for (size_t i = 0; i < n; i++)
		kk_strv_push_take(&networks, kk_xstrdup(nets[i].name));
	host.cache_dir = cache_dir;
	rc = kk_netpolicy_remove_all(&host, networks, &err);
	unlink(lock);
	if (rc < 0 && err.code == ENOENT)
		kk_td_add(r, KK_TD_SKIPPED, "skipped",
			  "no iptables tool found: chains, if any, stay until reboot",
			  "iptables chains");
	else if (rc < 0)
		kk_td_add(r, KK_TD_FAILED, "remove failed", err.msg, "iptables chains");
	else if (rc == 0)
		kk_td_add(r, KK_TD_ABSENT, "absent", NULL, "iptables chains");
	else
		kk_td_add(r, KK_TD_REMOVED, "removed", NULL, "iptables chains");
}

/* ---- accounts --------------------------------------------------------------------- */

static int account_remove(const char *root, bool user, const char *name, struct kk_td_report *r,
			  struct kk_err *err)
{
	const char *kind = user ? "user" : "group";
	struct kk_err e = { 0 };
	int rc =
		user ? kk_accounts_del_user(root, name, &e) : kk_accounts_del_group(root, name, &e);

	if (rc < 0) {
		kk_td_add(r, KK_TD_FAILED, "remove failed", e.msg, "%s \"%s\"", kind, name);
		if (!err->code)
			*err = e;
		return -1;
	}
	kk_td_add(r, rc ? KK_TD_REMOVED : KK_TD_ABSENT, rc ? "removed" : "absent", NULL,
		  "%s \"%s\"", kind, name);
	return 0;
}

int kk_host_accounts_remove(const char *root, struct kk_td_report *r, struct kk_err *err)
{
	int a = account_remove(root, true, KK_SYSTEM_USER, r, err);
	int b = account_remove(root, false, KK_SYSTEM_GROUP, r, err);

	return a < 0 || b < 0 ? -1 : 0;
}

/* ---- what the run path says ------------------------------------------------------- */

/* name and host-local dataDir of a conflist file; -1 if it is not one */
static int conflist_read(const char *path, char **name, char **ipam_dir)
{
	cleanup_free char *text = NULL;
	cleanup_(kk_json_freep) cJSON *doc = NULL;
	struct kk_err err = { 0 };
	const cJSON *n, *plugins, *p;

	if (kk_read_file(path, &text, &err) < 0 ||
	    kk_json_parse(text, strlen(text), path, &doc, &err) < 0)
		return -1;
	n = cJSON_GetObjectItemCaseSensitive(doc, "name");
	if (!cJSON_IsString(n) || !*n->valuestring)
		return -1;
	*name = kk_xstrdup(n->valuestring);
	*ipam_dir = kk_xstrdup(KK_CNI_HOSTLOCAL_DEFAULT_DATA_DIR);
	plugins = cJSON_GetObjectItemCaseSensitive(doc, "plugins");
	cJSON_ArrayForEach(p, plugins)
	{
		const cJSON *ipam = cJSON_GetObjectItemCaseSensitive(p, "ipam");
		const cJSON *dd = cJSON_GetObjectItemCaseSensitive(ipam, "dataDir");

		if (cJSON_IsString(dd) && *dd->valuestring) {
			free(*ipam_dir);
			*ipam_dir = kk_xstrdup(dd->valuestring);
		}
	}
	return 0;
}

int kk_host_networks(const char *run_path, struct kk_host_net **out, size_t *n, struct kk_err *err)
{
	cleanup_free char *data = kk_store_data_dir(run_path);
	cleanup_(kk_strv_freep) char **realms = NULL;
	struct kk_host_net *v = NULL;
	size_t count = 0;

	if (kk_list_subdirs(data, &realms, err) < 0) {
		if (err->code != ENOENT)
			return -1;
		kk_err_clear(err);
	}
	for (size_t i = 0; realms && realms[i]; i++) {
		cleanup_free char *rdir = kk_path_join(data, realms[i]);
		cleanup_(kk_strv_freep) char **spaces = NULL;

		if (kk_list_subdirs(rdir, &spaces, err) < 0) {
			kk_host_nets_free(v, count);
			return -1;
		}
		for (size_t j = 0; spaces && spaces[j]; j++) {
			cleanup_free char *cl =
				kk_store_space_conflist_path(run_path, realms[i], spaces[j]);
			char *name = NULL, *ipam = NULL;
			bool dup = false;

			/* a space without a readable conflist has no network on the host */
			if (conflist_read(cl, &name, &ipam) < 0)
				continue;
			for (size_t k = 0; k < count; k++)
				dup = dup || strcmp(v[k].name, name) == 0;
			if (dup) {
				free(name);
				free(ipam);
				continue;
			}
			v = kk_xrealloc(v, (count + 1) * sizeof(*v));
			v[count].name = name;
			v[count].bridge = kk_naming_bridge(name);
			v[count].ipam_dir = ipam;
			count++;
		}
	}
	*out = v;
	*n = count;
	return 0;
}
