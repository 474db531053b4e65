/* common/controller/ops.h - the controller's API as data: one function per row of ops.def,
 * all of one shape, and the table that lists them.
 *
 *   int kk_op_<name>(struct kk_local *l, const struct <args> *a, struct <reply> *r,
 *                    struct kk_err *err);
 *
 * The reply starts zeroed; on success it is filled (release it with <reply>_clear()), on
 * failure err says why and the reply holds nothing to free. The in-process client calls
 * these directly; kukeond calls the same ones behind the kukeonv1 wire (common/rpc). */
#ifndef KK_COMMON_CONTROLLER_OPS_H
#define KK_COMMON_CONTROLLER_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/controller/apply.h"
#include "common/controller/cell.h"
#include "common/controller/container.h"
#include "common/controller/events.h"
#include "common/controller/exec.h"
#include "common/controller/controller.h"
#include "common/controller/hierarchy.h"
#include "common/controller/image.h"
#include "common/controller/refresh.h"
#include "common/controller/stats.h"
#include "common/controller/status.h"
#include "common/err.h"
#include "common/model/doc.h"

/* ---- argument types ---- */

/* Operations that take nothing. */
struct kk_no_args {
	char unused;
};

/* What an operation addresses: the levels its kind needs (NULL or "" mean "default" for
 * gets and actions, "any" for lists), the object's name, and delete/purge's flags.
 * Borrowed from the caller; common/rpc's decoder allocates them (kk_ref_args_free). */
struct kk_ref {
	const char *realm, *space, *stack, *cell;
	const char *name;
	bool force, cascade;
};

/* ---- reply types not owned by one kind's header ---- */

struct kk_ping_reply {
	bool ok;
	char *version; /* owned */
};
void kk_ping_reply_clear(struct kk_ping_reply *r);

/* A list of documents of one kind, in store order. */
struct kk_list_result {
	size_t n;
	union {
		void **any;
		struct kk_realm **realms;
		struct kk_space **spaces;
		struct kk_stack **stacks;
		struct kk_cell **cells;
		struct kk_container **containers;
	} v; /* owned, n items */
	enum kk_kind kind;
	char **skipped; /* owned: objects passed over as unreadable, "<path>: <why>" */
};
void kk_list_result_clear(struct kk_list_result *r);

/* start / stop / kill */
struct kk_action_result {
	bool done;
};
void kk_action_result_clear(struct kk_action_result *r);

/* Where an attachable container's kuketty socket is on the host (upstream's AttachContainer). */
struct kk_attach_result {
	char *socket_path; /* owned */
};
void kk_attach_result_clear(struct kk_attach_result *r);

/* Where a container's output is on the host (upstream's LogContainer): exactly one is set. */
struct kk_log_result {
	char *capture_path; /* owned: kuketty's capture file (attachable containers) */
	char *log_path;     /* owned: the shim's log file */
};
void kk_log_result_clear(struct kk_log_result *r);

/* ---- the table ---- */

enum kk_op_id {
#define OP(method, name, args, reply, wa, wr) KK_OP_##method,
#include "common/controller/ops.def"
#undef OP
	KK_OP_COUNT
};

#define OP(method, name, args, reply, wa, wr)                                       \
	int kk_op_##name(struct kk_local *l, const struct args *a, struct reply *r, \
			 struct kk_err *err);
#include "common/controller/ops.def"
#undef OP

typedef int kk_op_fn(struct kk_local *l, const void *args, void *reply, struct kk_err *err);

struct kk_op {
	const char *method; /* "CreateRealm" */
	kk_op_fn *call;
	void (*reply_clear)(void *reply);
	size_t args_size, reply_size;
};
extern const struct kk_op kk_ops[KK_OP_COUNT];

/* KK_OP_COUNT when the name is not one of ours. */
enum kk_op_id kk_op_find(const char *method);

#endif
