/* ctr/leases.c - containerd.services.leases.v1.Leases. */
#include "ctr/ctr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "ctr/pb.h"
#include "ctr/rpc.h"
#include "github.com/containerd/containerd/api/services/leases/v1/leases.pb-c.h"
#include "google/protobuf/empty.pb-c.h"

#define SVC "/containerd.services.leases.v1.Leases/"

static void lease_from_pb(struct ctr_lease *out, const Containerd__Services__Leases__V1__Lease *in)
{
	memset(out, 0, sizeof(*out));
	out->id = ctr_pb_dup(in->id);
	out->created_ns = ctr_ts_ns(in->created_at);
	ctr_labels_from_pb(&out->labels, in->n_labels, in->labels);
}

void ctr_lease_clear(struct ctr_lease *l)
{
	free(l->id);
	ctr_labels_clear(&l->labels);
	memset(l, 0, sizeof(*l));
}

void ctr_lease_list_free(struct ctr_lease *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		ctr_lease_clear(&list[i]);
	free(list);
}

int ctr_lease_create(struct ctr_conn *conn, const char *id, const struct ctr_labels *labels,
		     struct ctr_lease *out, struct kk_err *err)
{
	Containerd__Services__Leases__V1__CreateRequest req =
		CONTAINERD__SERVICES__LEASES__V1__CREATE_REQUEST__INIT;
	Containerd__Services__Leases__V1__CreateResponse *resp;
	cleanup_pool struct ctr_pb_pool pool = { 0 };
	ProtobufCMessage *msg = NULL;

	req.id = ctr_pb_str(id);
	ctr_pb_map(&pool, labels,
		   &containerd__services__leases__v1__create_request__labels_entry__descriptor,
		   &req.n_labels, &req.labels);
	if (ctr_rpc_call(conn, SVC "Create", id ? id : "", &req.base,
			 &containerd__services__leases__v1__create_response__descriptor, &msg, 0,
			 err) < 0)
		return -1;
	resp = (Containerd__Services__Leases__V1__CreateResponse *)msg;
	if (out && !resp->lease) {
		protobuf_c_message_free_unpacked(msg, NULL);
		return kk_err_set(err, EPROTO, "leases.Create: empty reply");
	}
	if (out)
		lease_from_pb(out, resp->lease);
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_lease_delete(struct ctr_conn *conn, const char *id, bool sync, struct kk_err *err)
{
	Containerd__Services__Leases__V1__DeleteRequest req =
		CONTAINERD__SERVICES__LEASES__V1__DELETE_REQUEST__INIT;
	ProtobufCMessage *msg = NULL;

	req.id = ctr_pb_str(id);
	req.sync = sync;
	if (ctr_rpc_call(conn, SVC "Delete", id, &req.base, &google__protobuf__empty__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_lease_list(struct ctr_conn *conn, const char *const *filters, struct ctr_lease **out,
		   size_t *n, struct kk_err *err)
{
	Containerd__Services__Leases__V1__ListRequest req =
		CONTAINERD__SERVICES__LEASES__V1__LIST_REQUEST__INIT;
	Containerd__Services__Leases__V1__ListResponse *resp;
	ProtobufCMessage *msg = NULL;
	struct ctr_lease *list = NULL;

	req.filters = ctr_pb_strv(filters, &req.n_filters);
	if (ctr_rpc_call(conn, SVC "List", NULL, &req.base,
			 &containerd__services__leases__v1__list_response__descriptor, &msg, 0,
			 err) < 0)
		return -1;
	resp = (Containerd__Services__Leases__V1__ListResponse *)msg;
	if (resp->n_leases)
		list = kk_xcalloc(resp->n_leases, sizeof(*list));
	for (size_t i = 0; i < resp->n_leases; i++)
		lease_from_pb(&list[i], resp->leases[i]);
	*out = list;
	*n = resp->n_leases;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

static int lease_resource(struct ctr_conn *conn, bool add, const char *lease_id, const char *type,
			  const char *id, struct kk_err *err)
{
	Containerd__Services__Leases__V1__Resource res =
		CONTAINERD__SERVICES__LEASES__V1__RESOURCE__INIT;
	Containerd__Services__Leases__V1__AddResourceRequest areq =
		CONTAINERD__SERVICES__LEASES__V1__ADD_RESOURCE_REQUEST__INIT;
	Containerd__Services__Leases__V1__DeleteResourceRequest dreq =
		CONTAINERD__SERVICES__LEASES__V1__DELETE_RESOURCE_REQUEST__INIT;
	ProtobufCMessage *msg = NULL;

	res.id = ctr_pb_str(id);
	res.type = ctr_pb_str(type);
	areq.id = dreq.id = ctr_pb_str(lease_id);
	areq.resource = dreq.resource = &res;
	if (ctr_rpc_call(conn, add ? SVC "AddResource" : SVC "DeleteResource", lease_id,
			 add ? &areq.base : &dreq.base, &google__protobuf__empty__descriptor, &msg,
			 0, err) < 0)
		return -1;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_lease_add_resource(struct ctr_conn *conn, const char *lease_id, const char *type,
			   const char *id, struct kk_err *err)
{
	return lease_resource(conn, true, lease_id, type, id, err);
}

int ctr_lease_delete_resource(struct ctr_conn *conn, const char *lease_id, const char *type,
			      const char *id, struct kk_err *err)
{
	return lease_resource(conn, false, lease_id, type, id, err);
}

void ctr_lease_resource_list_free(struct ctr_lease_resource *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++) {
		free(list[i].type);
		free(list[i].id);
	}
	free(list);
}

int ctr_lease_resources(struct ctr_conn *conn, const char *lease_id,
			struct ctr_lease_resource **out, size_t *n, struct kk_err *err)
{
	Containerd__Services__Leases__V1__ListResourcesRequest req =
		CONTAINERD__SERVICES__LEASES__V1__LIST_RESOURCES_REQUEST__INIT;
	Containerd__Services__Leases__V1__ListResourcesResponse *resp;
	ProtobufCMessage *msg = NULL;
	struct ctr_lease_resource *list = NULL;

	req.id = ctr_pb_str(lease_id);
	if (ctr_rpc_call(conn, SVC "ListResources", lease_id, &req.base,
			 &containerd__services__leases__v1__list_resources_response__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	resp = (Containerd__Services__Leases__V1__ListResourcesResponse *)msg;
	if (resp->n_resources)
		list = kk_xcalloc(resp->n_resources, sizeof(*list));
	for (size_t i = 0; i < resp->n_resources; i++) {
		list[i].type = ctr_pb_dup(resp->resources[i]->type);
		list[i].id = ctr_pb_dup(resp->resources[i]->id);
	}
	*out = list;
	*n = resp->n_resources;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_lease_create_temp(struct ctr_conn *conn, const char *prefix, char **id, struct kk_err *err)
{
	struct ctr_labels ll = { 0 };
	struct timespec ts;
	char expire[64];
	struct tm tm;
	time_t t;
	char *lid;
	int rc;

	clock_gettime(CLOCK_REALTIME, &ts);
	lid = kk_xasprintf("%s-%d-%lld%09ld", prefix, (int)getpid(), (long long)ts.tv_sec,
			   ts.tv_nsec);
	t = ts.tv_sec + 24 * 3600;
	gmtime_r(&t, &tm);
	strftime(expire, sizeof(expire), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ctr_labels_set(&ll, "containerd.io/gc.expire", expire);
	rc = ctr_lease_create(conn, lid, &ll, NULL, err);
	ctr_labels_clear(&ll);
	if (rc < 0) {
		free(lid);
		return -1;
	}
	*id = lid;
	return 0;
}
