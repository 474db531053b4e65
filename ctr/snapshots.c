/* ctr/snapshots.c - containerd.services.snapshots.v1.Snapshots. */
#include "ctr/ctr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "ctr/pb.h"
#include "ctr/rpc.h"
#include "github.com/containerd/containerd/api/services/snapshots/v1/snapshots.pb-c.h"
#include "google/protobuf/empty.pb-c.h"

#define SVC "/containerd.services.snapshots.v1.Snapshots/"

static void snapshot_from_pb(struct ctr_snapshot *out,
			     const Containerd__Services__Snapshots__V1__Info *in)
{
	memset(out, 0, sizeof(*out));
	out->name = ctr_pb_dup(in->name);
	out->parent = ctr_pb_dup(in->parent);
	out->kind = (enum ctr_snapshot_kind)in->kind;
	out->created_ns = ctr_ts_ns(in->created_at);
	out->updated_ns = ctr_ts_ns(in->updated_at);
	ctr_labels_from_pb(&out->labels, in->n_labels, in->labels);
}

void ctr_snapshot_clear(struct ctr_snapshot *s)
{
	free(s->name);
	free(s->parent);
	ctr_labels_clear(&s->labels);
	memset(s, 0, sizeof(*s));
}

void ctr_snapshot_list_free(struct ctr_snapshot *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		ctr_snapshot_clear(&list[i]);
	free(list);
}

/* Prepare and View differ only in the method: their requests (snapshotter, key, parent,
 * labels) and responses (mounts) are the same on the wire, field for field, so both are
 * sent with Prepare's generated messages. */
static int snapshot_open(struct ctr_conn *conn, const char *method, const char *snapshotter,
			 const char *key, const char *parent, const struct ctr_labels *labels,
			 struct ctr_mounts *mounts, struct kk_err *err)
{
	Containerd__Services__Snapshots__V1__PrepareSnapshotRequest req =
		CONTAINERD__SERVICES__SNAPSHOTS__V1__PREPARE_SNAPSHOT_REQUEST__INIT;
	Containerd__Services__Snapshots__V1__PrepareSnapshotResponse *resp;
	cleanup_pool struct ctr_pb_pool pool = { 0 };
	ProtobufCMessage *msg = NULL;

	req.snapshotter = ctr_pb_str(snapshotter);
	req.key = ctr_pb_str(key);
	req.parent = ctr_pb_str(parent);
	ctr_pb_map(&pool, labels,
		   &containerd__services__snapshots__v1__prepare_snapshot_request__labels_entry__descriptor,
		   &req.n_labels, &req.labels);
	if (ctr_rpc_call(conn, method, key, &req.base,
			 &containerd__services__snapshots__v1__prepare_snapshot_response__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	resp = (Containerd__Services__Snapshots__V1__PrepareSnapshotResponse *)msg;
	if (mounts)
		ctr_mounts_from_pb(mounts, resp->n_mounts, resp->mounts);
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_snapshot_prepare(struct ctr_conn *conn, const char *snapshotter, const char *key,
			 const char *parent, const struct ctr_labels *labels,
			 struct ctr_mounts *mounts, struct kk_err *err)
{
	return snapshot_open(conn, SVC "Prepare", snapshotter, key, parent, labels, mounts, err);
}

int ctr_snapshot_view(struct ctr_conn *conn, const char *snapshotter, const char *key,
		      const char *parent, const struct ctr_labels *labels,
		      struct ctr_mounts *mounts, struct kk_err *err)
{
	return snapshot_open(conn, SVC "View", snapshotter, key, parent, labels, mounts, err);
}

int ctr_snapshot_mounts(struct ctr_conn *conn, const char *snapshotter, const char *key,
			struct ctr_mounts *mounts, struct kk_err *err)
{
	Containerd__Services__Snapshots__V1__MountsRequest req =
		CONTAINERD__SERVICES__SNAPSHOTS__V1__MOUNTS_REQUEST__INIT;
	Containerd__Services__Snapshots__V1__MountsResponse *resp;
	ProtobufCMessage *msg = NULL;

	req.snapshotter = ctr_pb_str(snapshotter);
	req.key = ctr_pb_str(key);
	if (ctr_rpc_call(conn, SVC "Mounts", key, &req.base,
			 &containerd__services__snapshots__v1__mounts_response__descriptor, &msg, 0,
			 err) < 0)
		return -1;
	resp = (Containerd__Services__Snapshots__V1__MountsResponse *)msg;
	ctr_mounts_from_pb(mounts, resp->n_mounts, resp->mounts);
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_snapshot_commit(struct ctr_conn *conn, const char *snapshotter, const char *name,
			const char *key, const struct ctr_labels *labels, struct kk_err *err)
{
	Containerd__Services__Snapshots__V1__CommitSnapshotRequest req =
		CONTAINERD__SERVICES__SNAPSHOTS__V1__COMMIT_SNAPSHOT_REQUEST__INIT;
	cleanup_pool struct ctr_pb_pool pool = { 0 };
	ProtobufCMessage *msg = NULL;

	req.snapshotter = ctr_pb_str(snapshotter);
	req.name = ctr_pb_str(name);
	req.key = ctr_pb_str(key);
	ctr_pb_map(&pool, labels,
		   &containerd__services__snapshots__v1__commit_snapshot_request__labels_entry__descriptor,
		   &req.n_labels, &req.labels);
	if (ctr_rpc_call(conn, SVC "Commit", name, &req.base, &google__protobuf__empty__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_snapshot_remove(struct ctr_conn *conn, const char *snapshotter, const char *key,
			struct kk_err *err)
{
	Containerd__Services__Snapshots__V1__RemoveSnapshotRequest req =
		CONTAINERD__SERVICES__SNAPSHOTS__V1__REMOVE_SNAPSHOT_REQUEST__INIT;
	ProtobufCMessage *msg = NULL;

	req.snapshotter = ctr_pb_str(snapshotter);
	req.key = ctr_pb_str(key);
	if (ctr_rpc_call(conn, SVC "Remove", key, &req.base, &google__protobuf__empty__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_snapshot_stat(struct ctr_conn *conn, const char *snapshotter, const char *key,
		      struct ctr_snapshot *out, struct kk_err *err)
{
	Containerd__Services__Snapshots__V1__StatSnapshotRequest req =
		CONTAINERD__SERVICES__SNAPSHOTS__V1__STAT_SNAPSHOT_REQUEST__INIT;
	Containerd__Services__Snapshots__V1__StatSnapshotResponse *resp;
	ProtobufCMessage *msg = NULL;

	req.snapshotter = ctr_pb_str(snapshotter);
	req.key = ctr_pb_str(key);
	if (ctr_rpc_call(conn, SVC "Stat", key, &req.base,
			 &containerd__services__snapshots__v1__stat_snapshot_response__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	resp = (Containerd__Services__Snapshots__V1__StatSnapshotResponse *)msg;
	if (!resp->info) {
		protobuf_c_message_free_unpacked(msg, NULL);
		return kk_err_set(err, EPROTO, "snapshots.Stat `%s`: empty reply", key);
	}
	snapshot_from_pb(out, resp->info);
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_snapshot_list(struct ctr_conn *conn, const char *snapshotter, const char *const *filters,
		      struct ctr_snapshot **out, size_t *n, struct kk_err *err)
{
	Containerd__Services__Snapshots__V1__ListSnapshotsRequest req =
		CONTAINERD__SERVICES__SNAPSHOTS__V1__LIST_SNAPSHOTS_REQUEST__INIT;
	cleanup_(ctr_stream_freep) struct ctr_stream *s = NULL;
	struct ctr_snapshot *list = NULL;
	size_t count = 0;
	int r;

	req.snapshotter = ctr_pb_str(snapshotter);
	req.filters = ctr_pb_strv(filters, &req.n_filters);
	if (ctr_stream_open(conn, SVC "List", snapshotter, &s, err) < 0 ||
	    ctr_stream_send(s, &req.base, true, err) < 0)
		return -1;
	for (;;) {
		Containerd__Services__Snapshots__V1__ListSnapshotsResponse *resp;
		ProtobufCMessage *msg = NULL;

		r = ctr_stream_recv(
			s,
			&containerd__services__snapshots__v1__list_snapshots_response__descriptor,
			CTR_WAIT_STEP, &msg, err);
		if (r != CTR_STREAM_MSG)
			break;
		resp = (Containerd__Services__Snapshots__V1__ListSnapshotsResponse *)msg;
		list = kk_xrealloc(list, (count + resp->n_info + 1) * sizeof(*list));
		for (size_t i = 0; i < resp->n_info; i++)
			snapshot_from_pb(&list[count++], resp->info[i]);
		protobuf_c_message_free_unpacked(msg, NULL);
	}
	if (r < 0) {
		ctr_snapshot_list_free(list, count);
		return -1;
	}
	*out = list;
	*n = count;
	return 0;
}
