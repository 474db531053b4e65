/* common/host/teardown.h - taking kukeon off a host, one item at a time, from what the
 * kernel and the disk hold: the pieces `kuke uninstall` (common/controller/uninstall.c) and
 * the rescue applet `kuke-uninstall` share. Nothing here needs containerd or the daemon.
 *
 * Each step records what it did in a report, one item per thing it owns: removed, absent
 * (nothing to do), failed (with why) or skipped (with why). A step never stops at the first
 * failure: it records it and goes on, so one run removes all it can. */
#ifndef KK_COMMON_HOST_TEARDOWN_H
#define KK_COMMON_HOST_TEARDOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"

#define KK_SYSTEM_USER  "kukeon"
#define KK_SYSTEM_GROUP "kukeon"

enum kk_td_outcome {
	KK_TD_REMOVED,
	KK_TD_ABSENT,
	KK_TD_FAILED,
	KK_TD_SKIPPED,
};

struct kk_td_item {
	char *what; /* owned: "/opt/kukeon", "mount /opt/kukeon/x", "user \"kukeon\"" ... */
	enum kk_td_outcome outcome;
	char *text; /* owned: upstream's word for the outcome ("removed", "remove failed" ...) */
	char *why;  /* owned; NULL when there is nothing to add */
};

struct kk_td_report {
	struct kk_td_item *items;
	size_t n;
};
void kk_td_report_clear(struct kk_td_report *r);
/* Append an item; why may be NULL. */
void kk_td_add(struct kk_td_report *r, enum kk_td_outcome outcome, const char *text,
	       const char *why, const char *what_fmt, ...) __attribute__((format(printf, 5, 6)));
/* How many items failed. */
size_t kk_td_failed(const struct kk_td_report *r);

/* ---- the daemon ------------------------------------------------------------------- */

/* What stopping the daemon through its PID file did (runtime reference §3.9). */
struct kk_daemon_stop {
	bool pidfile_present; /* the file existed */
	bool signalled;       /* SIGTERM reached a live process */
	bool force_killed;    /* it outlived the grace period and got SIGKILL */
	bool survived;        /* it outlived SIGKILL's grace too */
	pid_t pid;
};
/* Read pidfile; absent, unparsable or pid <= 1: nothing to do. Else SIGTERM, wait up to
 * grace_ms, SIGKILL, wait up to grace_ms again. Fails only when the file cannot be read. */
int kk_host_daemon_stop(const char *pidfile, int grace_ms, struct kk_daemon_stop *out,
			struct kk_err *err);
/* upstream's words: "absent", "stopped (pid N)", "force-killed (pid N)", "stale pid file".
 * A new string. */
char *kk_daemon_stop_text(const struct kk_daemon_stop *d);

/* ---- files ------------------------------------------------------------------------ */

/* Release every mount at or under dir, as /proc/self/mounts lists them (octal escapes
 * decoded), deepest first: umount, then a lazy detach. Items "mount <target>": "unmounted"
 * or "still busy" (failed, with why). Returns how many could not be released. */
size_t kk_host_release_mounts(const char *dir, struct kk_td_report *r);
/* rm -rf path; item label: "removed", "absent", or "remove failed" with why. */
void kk_host_remove_dir(const char *label, const char *path, struct kk_td_report *r);

/* ---- kernel state ----------------------------------------------------------------- */

/* Kill every process under the cgroup `group` (e.g. "/kukeon") of the cgroup2 mount at mount
 * (cgroup.kill, else freezing and signalling every cgroup.procs) and remove the tree. Item
 * "cgroup <group>"; skipped when mount is no cgroup v2 mount. */
void kk_host_cgroup_teardown(const char *mount, const char *group, struct kk_td_report *r);
struct kk_host_net;
/* Delete the kukeon bridges (those of nets, and every link named
 * `k-` + 8 hex digits) and the links enslaved to them (the veths of cells). Items "link
 * <name>". Nothing is recorded when there are none. */
void kk_host_links_teardown(const struct kk_host_net *nets, size_t n, struct kk_td_report *r);
/* A CNI network kukeon made, as its conflist under the run path says. */
struct kk_host_net {
	char *name;     /* owned: "<realm>-<space>" */
	char *bridge;   /* owned: "k-<8 hex>" */
	char *ipam_dir; /* owned: host-local's dataDir, or its default */
};
void kk_host_nets_free(struct kk_host_net *v, size_t n);
/* Forget the CNI state of nets: host-local's store `<root><ipam_dir>/<name>` and the cache
 * entries `<cache_dir>/results/<name>-*` (cache_dir already under root). Items "CNI network
 * <name>". */
void kk_host_cni_teardown(const struct kk_host_net *nets, size_t n, const char *root,
			  const char *cache_dir, struct kk_td_report *r);

/* Remove kukeon's iptables chains and the bridge plugin's masquerade chains of nets
 * (kk_netpolicy_remove_all), serialised by the lock in cache_dir. Item "iptables chains";
 * skipped (not failed) when no iptables tool is installed. */
void kk_host_iptables_teardown(const char *cache_dir, const struct kk_host_net *nets, size_t n,
			       struct kk_td_report *r);

/* ---- accounts --------------------------------------------------------------------- */

/* Remove the system user, then the system group, from ROOT/etc (NULL: the host) without
 * shadow-utils. Items `user "kukeon"` and `group "kukeon"`: "removed", "absent" or "remove
 * failed". Returns -1 with the first error. */
int kk_host_accounts_remove(const char *root, struct kk_td_report *r, struct kk_err *err);

/* ---- what the run path says ------------------------------------------------------- */

/* The CNI networks kukeon made under run_path: one per data/<realm>/<space>/network.conflist
 * that parses (duplicates dropped). *out is a new array of *n (free with kk_host_nets_free). */
int kk_host_networks(const char *run_path, struct kk_host_net **out, size_t *n, struct kk_err *err);

#endif
