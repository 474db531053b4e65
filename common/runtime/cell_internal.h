/* common/runtime/cell_internal.h - what the cell files share: the cell derived into its
 * members (cell_ctx), validation, the managed /etc files, task and CNI probes, and the
 * first-error rule of the teardown paths. Internal to common/runtime/.
 *   cell.c         the derivation, validation and these helpers, status
 *   cell_start.c   create/start: cgroup, root task, network, the other members
 *   cell_stop.c    stop, kill, release, delete, purge
 *   cell_member.c  one container of a running cell */
#ifndef KK_COMMON_RUNTIME_CELL_INTERNAL_H
#define KK_COMMON_RUNTIME_CELL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cni/cni.h"
#include "common/cni/netpolicy.h"
#include "common/err.h"
#include "common/model/model.h"
#include "common/runtime/runtime.h"

#define KK_RTCELL_CGROUP_REMOVE_TIMEOUT_MS 3000
#define KK_RTCELL_IFNAME                   "eth0"

/* One container of the cell, derived. */
struct member {
	struct kk_rt_container c;
	const struct kk_container_spec *spec;
	char *id;  /* owned: containerd id */
	char *log; /* owned */
	struct kk_labels labels;
	struct kk_rt_made made; /* start: what prep made for the member's start */
	bool existed;           /* start: the containerd container was there before this call */
	bool started;           /* start: this call started its task */
};

struct cell_ctx {
	struct kk_container_spec default_root; /* strings borrowed */
	struct member *m;                      /* m[0] is the root */
	size_t n;
	char *etc_hosts, *etc_hostname; /* owned */
	bool host_network;              /* the root's */
};

/* cell->name, or its id when it has none */
const char *kk_rtcell_name(const struct kk_rt_cell *cell);
/* Derive the members (m[0] the root, the default one when the cell names none); clear with
 * kk_rtcell_ctx_clear. */
int kk_rtcell_ctx_build(const struct kk_rt_cell *cell, struct cell_ctx *x, struct kk_err *err);
void kk_rtcell_ctx_clear(struct cell_ctx *x);
int kk_rtcell_validate(const struct kk_rt_cell *cell, struct kk_err *err);

/* The host ports the cell's containers publish (`ports`), parsed; none twice. *out is a new
 * array of *n (NULL if none). */
int kk_rtcell_ports(const struct kk_rt_cell *cell, struct kk_netpolicy_port **out, size_t *n,
		    struct kk_err *err);
struct kk_netpolicy_cell kk_rtcell_np(const struct kk_rt_cell *cell);
/* Fail closed: the space's egress policy is (re)installed before a cell of it starts. */
int kk_rtcell_egress_in_place(const struct kk_rt *rt, const struct kk_rt_cell *cell,
			      const struct kk_cni_conflist *net, struct kk_err *err);
/* The cell's conflist, or *net NULL when it has none. */
int kk_rtcell_load_net(const struct kk_rt_cell *cell, struct kk_cni_conflist **net,
		       struct kk_err *err);

/* Write in place (not rename): the file is bind-mounted into running containers. */
int kk_rtcell_write_in_place(const char *path, const char *text, struct kk_err *err);
/* /etc/hosts of the cell: localhost lines, and the cell's names on ip when given. */
int kk_rtcell_write_hosts(const struct kk_rt_cell *cell, const struct cell_ctx *x, const char *ip,
			  struct kk_err *err);

/* The task's pid if it runs, else 0. */
uint32_t kk_rtcell_running_pid(const struct kk_rt *rt, const char *id);
bool kk_rtcell_container_exists(const struct kk_rt *rt, const char *id);
/* CNI DEL of the root while its netns lives, else forget what is left (cache, IP, NAT). */
void kk_rtcell_cni_release(const struct kk_rt *rt, const struct kk_cni_conflist *net,
			   const char *root_id, uint32_t root_pid);
/* Once every task is gone: release kukeon's own conflist's address with no plugin run. */
void kk_rtcell_cni_release_after(const struct kk_rt *rt, const struct kk_cni_conflist *net,
				 const char *root_id);
/* Keep e as the operation's error if it is the first; a later one is only logged. */
void kk_rtcell_keep_first(const struct kk_rt *rt, struct kk_err *err, struct kk_err *e, int *ret);
int kk_rtcell_status(const struct kk_rt *rt, const struct kk_rt_cell *cell,
		     struct kk_rt_cell_info *info, struct kk_err *err);

/* Work on n things at once: fn(rt_i, i, arg) for every i < n, on up to KK_RTCELL_PARALLEL
 * threads (the caller's among them), each with its own containerd connection (a sibling
 * of rt->conn, so its calls are in flight together with the others'). A thread that cannot
 * be made leaves its share to the others. fn keeps its result in arg, per i. */
#define KK_RTCELL_PARALLEL 4
typedef void kk_rtcell_each_fn(const struct kk_rt *rt, size_t i, void *arg);
void kk_rtcell_each(const struct kk_rt *rt, size_t n, kk_rtcell_each_fn *fn, void *arg);

#endif
