/* common/cgroup/check.h - the cgroup pre-flight of `kuke doctor cgroups` (upstream's
 * internal/cgroupcheck): are the controllers a cell needs delegated at a cgroup directory,
 * and if not, why (kernel lacks them, the parent did not delegate them, a threaded subtree,
 * processes in the group, no permission), with the remediation text to print.
 *
 * A directory is any cgroup v2 directory: the mount root, or `<mount><status.cgroupPath>` of
 * a realm/space/stack/cell. Probing writes `+<ctrl>` to its cgroup.subtree_control. */
#ifndef KK_COMMON_CGROUP_CHECK_H
#define KK_COMMON_CGROUP_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

enum kk_cgcheck_status {
	KK_CGCHECK_ENABLED,
	KK_CGCHECK_KERNEL_MISSING,
	KK_CGCHECK_NOT_DELEGATED,
	KK_CGCHECK_THREADED_SUBTREE,
	KK_CGCHECK_INTERNAL_PROCESS,
	KK_CGCHECK_NEEDS_DELEGATION,
	KK_CGCHECK_ENABLED_BY_PROBE,
	KK_CGCHECK_PERMISSION_DENIED,
};
/* upstream's words: "enabled", "kernel-missing", ... */
const char *kk_cgcheck_status_name(enum kk_cgcheck_status s);

struct kk_cgcheck {
	char *dir;       /* owned: the directory checked */
	char **required; /* owned, NULL-terminated: the controllers checked, in order */
	enum kk_cgcheck_status *status; /* owned: one per required */
};
void kk_cgcheck_clear(struct kk_cgcheck *c);

/* The controllers a cell needs: cpu memory io pids; with nested, every controller dir's
 * cgroup.controllers advertises (read from there). *out is a new vector. */
int kk_cgcheck_required(const char *dir, bool nested, char ***out, struct kk_err *err);
/* Classify each of required at dir (upstream's Check): enabled when in subtree_control,
 * kernel-missing when not advertised, else with probe the result of writing `+<c>`
 * (enabled-by-probe, threaded-subtree, not-delegated, internal-process, permission-denied),
 * without it needs-delegation. Fails when cgroup.controllers or cgroup.subtree_control of
 * dir cannot be read ("read <path>: <why>"). */
int kk_cgcheck_run(const char *dir, char *const *required, bool probe, struct kk_cgcheck *out,
		   struct kk_err *err);
/* Every controller resolved (enabled or enabled by probe)? */
bool kk_cgcheck_ok(const struct kk_cgcheck *c);
/* The unresolved ones are all internal-process (and there is at least one). */
bool kk_cgcheck_only_internal_process(const struct kk_cgcheck *c);
/* upstream's status block: "host root: <dir>\nrequired:  a, b\n  a: enabled\n...". New. */
char *kk_cgcheck_status_text(const struct kk_cgcheck *c);
/* upstream's remediation text for the unresolved controllers; "" when ok. New. */
char *kk_cgcheck_remediation(const struct kk_cgcheck *c);
/* Does this process sit at its cgroup namespace root (a "0::/" line in /proc/self/cgroup)? */
bool kk_cgcheck_at_ns_root(void);
/* Does dir's cgroup.events say "populated 1"? */
bool kk_cgcheck_populated(const char *dir);

#endif
