/* common/controller/bootstrap.h - the controller side of `kuke init` (upstream
 * internal/controller/bootstrap.go, runtime reference §3.1 step 8): CNI directories, the root
 * cgroup, the default and kuke-system hierarchies, and the kukeond cell (§3.1.1).
 *
 * Every step is create-or-ensure, so a run that was killed midway is finished by the next. */
#ifndef KK_COMMON_CONTROLLER_BOOTSTRAP_H
#define KK_COMMON_CONTROLLER_BOOTSTRAP_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/controller/cell.h"
#include "common/controller/hierarchy.h"
#include "common/controller/local.h"
#include "common/err.h"

#define KK_SYSTEM_REALM  "kuke-system"
#define KK_SYSTEM_SPACE  "kukeon"
#define KK_SYSTEM_STACK  "kukeon"
#define KK_SYSTEM_CELL   "kukeond"
#define KK_SYSTEM_DAEMON "kukeond" /* the daemon's container in that cell */

struct kk_bootstrap_opts {
	const char *image;              /* the kukeond image; NULL: no cell (upstream's "not
					 * provisioned") */
	const char *socket;             /* kukeond's socket */
	const char *configuration;      /* the ServerConfiguration file passed to kukeond */
	gid_t socket_gid;               /* > 0: --socket-gid */
	const char *cni_conf_dir;       /* NULL: CONFIG_DEFAULT_CNI_CONF_DIR */
	const char *cni_bin_dir;        /* NULL: CONFIG_DEFAULT_CNI_BIN_DIR */
	const char *ipam_dir;           /* host-local's store; NULL: /var/lib/cni */
	const char *containerd_var_dir; /* NULL: /var/lib/containerd (bound when it exists) */
	/* called once the system realm exists, before the cell is made: puts image in place
	 * (kuke init loads the image it built); NULL: the image is pulled if missing */
	int (*provide_image)(struct kk_local *l, void *arg, struct kk_err *err);
	void *provide_arg;
};

/* One directory: whether it was there before and after. */
struct kk_dir_outcome {
	char *path; /* owned */
	bool pre, post;
};

struct kk_bootstrap_report {
	struct kk_dir_outcome cni_conf, cni_cache, cni_bin;
	bool root_cgroup_pre, root_cgroup_post;
	struct kk_realm_create_result realm, sys_realm;
	struct kk_space_create_result space, sys_space;
	struct kk_stack_create_result stack, sys_stack;
	bool cell_provisioned;
	struct kk_cell_create_result cell;
	bool cell_was_running;   /* before this run */
	bool cell_image_changed; /* the cell ran another image: it was made again */
};
void kk_bootstrap_report_clear(struct kk_bootstrap_report *r);
/* Did the run create anything (the report's "Initialized" vs "already initialized")? */
bool kk_bootstrap_report_created(const struct kk_bootstrap_report *r);

/* The kukeond cell as init provisions it (a new cell; free with kk_cell_free). */
struct kk_cell *kk_bootstrap_kukeond_cell(const struct kk_local *l,
					  const struct kk_bootstrap_opts *o);

/* `kuke daemon reset --purge-system`: remove the KUKEON-FORWARD admission chain. Returns 1
 * when removed, 0 when absent. */
int kk_ctl_forward_chain_remove(struct kk_local *l, struct kk_err *err);

int kk_bootstrap(struct kk_local *l, const struct kk_bootstrap_opts *o,
		 struct kk_bootstrap_report *r, struct kk_err *err);

#endif
