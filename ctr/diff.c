/* ctr/diff.c - containerd.services.diff.v1.Diff. */
#include "ctr/ctr.h"

#include <errno.h>

#include "common/cleanup.h"
#include "ctr/pb.h"
#include "ctr/rpc.h"
#include "github.com/containerd/containerd/api/services/diff/v1/diff.pb-c.h"

/* Applying a layer takes time in proportion to its size: allow the connection timeout
 * plus a floor rate of 10 MB/s for the bytes. */
static int apply_timeout_ms(const struct ctr_conn *conn, int64_t size)
{
	int64_t ms = conn->timeout_ms + size / 10000;

	return ms > 24 * 3600 * 1000 ? 24 * 3600 * 1000 : (int)ms;
}

int ctr_diff_apply(struct ctr_conn *conn, const struct ctr_desc *diff,
		   const struct ctr_mounts *mounts, struct ctr_desc *applied, struct kk_err *err)
{
	Containerd__Services__Diff__V1__ApplyRequest req =
		CONTAINERD__SERVICES__DIFF__V1__APPLY_REQUEST__INIT;
	Containerd__Services__Diff__V1__ApplyResponse *resp;
	cleanup_pool struct ctr_pb_pool pool = { 0 };
	ProtobufCMessage *msg = NULL;

	req.diff = ctr_pb_desc(&pool, diff);
	req.mounts = ctr_pb_mounts(&pool, mounts, &req.n_mounts);
	if (ctr_rpc_call(conn, "/containerd.services.diff.v1.Diff/Apply", diff->digest, &req.base,
			 &containerd__services__diff__v1__apply_response__descriptor, &msg,
			 apply_timeout_ms(conn, diff->size), err) < 0)
		return -1;
	resp = (Containerd__Services__Diff__V1__ApplyResponse *)msg;
	if (!resp->applied) {
		protobuf_c_message_free_unpacked(msg, NULL);
		return kk_err_set(err, EPROTO, "diff.Apply `%s`: empty reply", diff->digest);
	}
	ctr_desc_from_pb(applied, resp->applied);
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}
