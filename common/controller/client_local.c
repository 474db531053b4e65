/* common/controller/client_local.c - the in-process client: each operation is the
 * controller's own function, straight from the operation table. */
#include "common/controller/client.h"

#include <errno.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "common/mem.h"

static int local_call(struct kk_client *c, enum kk_op_id op, const void *args, void *reply,
		      struct kk_err *err)
{
	return kk_ops[op].call(c->impl, args, reply, err);
}

static void local_free(struct kk_client *c)
{
	kk_local_free(c->impl);
}

static const struct kk_client_transport local_transport = {
	.name = "in-process",
	.call = local_call,
	.free = local_free,
};

int kk_client_local_new(const struct kk_local_opts *opts, struct kk_client **out,
			struct kk_err *err)
{
	struct kk_local *l = NULL;
	struct kk_client *c;

	if (kk_local_new(opts, &l, err) < 0)
		return -1;
	c = kk_xcalloc(1, sizeof(*c));
	c->t = &local_transport;
	c->impl = l;
	*out = c;
	return 0;
}

int kk_client_call(struct kk_client *c, enum kk_op_id op, const void *args, void *reply,
		   struct kk_err *err)
{
	if (op >= KK_OP_COUNT)
		return kk_err_set(err, EINVAL, "unknown operation %d", (int)op);
	return c->t->call(c, op, args, reply, err);
}

int kk_client_rows(struct kk_client *c, enum kk_op_id op, const void *args,
		   const struct kk_row_field *fields, size_t nfields, struct kk_rows *out,
		   struct kk_err *err)
{
	if (c->t->rows)
		return c->t->rows(c, op, args, fields, nfields, out, err);
	if (kk_client_call(c, op, args, &out->list, err) < 0)
		return -1;
	return 1;
}

void kk_rows_clear(struct kk_rows *r)
{
	free(r->cells);
	free(r->buf);
	kk_list_result_clear(&r->list);
	*r = (struct kk_rows){ 0 };
}

void kk_client_free(struct kk_client *c)
{
	if (!c)
		return;
	c->t->free(c);
	free(c);
}

KK_DEFINE_FREEP(kk_client)
