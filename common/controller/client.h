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
struct kk_state_names;

/* One column of a list's rows: where it is in the wire document ("metadata.name"), and
 * for a state, its labels (the column then holds the label, as kk_state_label gives it). */
struct kk_row_field {
	const char *path;
	const struct kk_state_names *states;
};

/* A List* reply cut down to the strings a table prints (kk_client_rows()). */
struct kk_rows {
	size_t n;                   /* items */
	const char **cells;         /* owned array, n * nfields: a string, or NULL when absent */
	char *buf;                  /* owned: the strings */
	struct kk_list_result list; /* the whole reply instead, when the transport gave that */
};
void kk_rows_clear(struct kk_rows *r);

struct kk_client_transport {
	const char *name; /* "in-process", "rpc" */
	int (*call)(struct kk_client *c, enum kk_op_id op, const void *args, void *reply,
		    struct kk_err *err);
	void (*free)(struct kk_client *c);
	/* optional: kk_client_rows() without the whole decode */
	int (*rows)(struct kk_client *c, enum kk_op_id op, const void *args,
		    const struct kk_row_field *fields, size_t nfields, struct kk_rows *out,
		    struct kk_err *err);
};

struct kk_client {
	const struct kk_client_transport *t;
	void *impl; /* the transport's state */
};

int kk_client_call(struct kk_client *c, enum kk_op_id op, const void *args, void *reply,
		   struct kk_err *err);

/* A List* operation for a table: only the fields' values of each item. Returns 0 with
 * out->n and out->cells filled, or 1 with the whole reply in out->list instead (a
 * transport without a cheaper path, or a reply the cut does not take: an error, a
 * Skipped list, a state it does not know), or -1. out must start zeroed; release it with
 * kk_rows_clear() after 0 or 1. */
int kk_client_rows(struct kk_client *c, enum kk_op_id op, const void *args,
		   const struct kk_row_field *fields, size_t nfields, struct kk_rows *out,
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
