/* common/controller/client.h - how applets reach the controller: every operation of
 * ops.def through one call, with one implementation per transport. The in-process one
 * (kk_client_local_new) runs the controller's kk_op_*() here; the RPC one
 * (common/rpc/client.h) sends the same request to kukeond, so what `kuke` prints never
 * depends on the transport.
 *
 * Requests borrow their arguments. The reply must start zeroed; on success release it with
 * its _clear(), on failure it holds nothing. */
#ifndef KK_COMMON_CONTROLLER_CLIENT_H
#define KK_COMMON_CONTROLLER_CLIENT_H

#include "common/controller/ops.h"
#include "common/err.h"

struct kk_client;

struct kk_client_transport {
	const char *name; /* "in-process", "rpc" */
	int (*call)(struct kk_client *c, enum kk_op_id op, const void *args, void *reply,
		    struct kk_err *err);
	void (*free)(struct kk_client *c);
};

struct kk_client {
	const struct kk_client_transport *t;
	void *impl; /* the transport's state */
};

int kk_client_call(struct kk_client *c, enum kk_op_id op, const void *args, void *reply,
		   struct kk_err *err);

/* kk_call_<name>(c, &args, &reply, err): the typed form of every row. */
#define OP(method, name, args, reply, wa, wr)                                              \
	static inline int kk_call_##name(struct kk_client *c, const struct args *a,         \
					 struct reply *r, struct kk_err *err)               \
	{                                                                                  \
		return kk_client_call(c, KK_OP_##method, a, r, err);                        \
	}
#include "common/controller/ops.def"
#undef OP

/* A client running the controller in this process. */
int kk_client_local_new(const struct kk_local_opts *opts, struct kk_client **out,
			struct kk_err *err);
/* NULL is fine. */
void kk_client_free(struct kk_client *c);
void kk_client_freep(struct kk_client **c);

#endif
