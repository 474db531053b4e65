/* ctr/containers.c - containerd.services.containers.v1.Containers. */
#include "ctr/ctr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "ctr/pb.h"
#include "ctr/rpc.h"
#include "github.com/containerd/containerd/api/services/containers/v1/containers.pb-c.h"
#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/empty.pb-c.h"

#define SVC "/containerd.services.containers.v1.Containers/"

typedef Containerd__Services__Containers__V1__Container pb_container;

static void container_from_pb(struct ctr_container *out, const pb_container *in)
{
	memset(out, 0, sizeof(*out));
	out->id = ctr_pb_dup(in->id);
	out->image = ctr_pb_dup(in->image);
	out->runtime = ctr_pb_dup(in->runtime ? in->runtime->name : NULL);
	out->snapshotter = ctr_pb_dup(in->snapshotter);
	out->snapshot_key = ctr_pb_dup(in->snapshot_key);
	ctr_labels_from_pb(&out->labels, in->n_labels, in->labels);
	out->created_ns = ctr_ts_ns(in->created_at);
	out->updated_ns = ctr_ts_ns(in->updated_at);
	if (in->spec) {
		out->spec_type_url = ctr_pb_dup(in->spec->type_url);
		out->spec_len = in->spec->value.len;
		out->spec = kk_xmalloc(out->spec_len + 1);
		if (out->spec_len)
			memcpy(out->spec, in->spec->value.data, out->spec_len);
		out->spec[out->spec_len] = '\0';
	}
}

static pb_container *container_to_pb(struct ctr_pb_pool *pool, const struct ctr_container *c)
{
	pb_container *x = ctr_pb_alloc(pool, sizeof(*x));

	containerd__services__containers__v1__container__init(x);
	x->id = ctr_pb_str(c->id);
	x->image = ctr_pb_str(c->image);
	x->snapshotter = ctr_pb_str(c->snapshotter);
	x->snapshot_key = ctr_pb_str(c->snapshot_key);
	ctr_pb_map(pool, &c->labels,
		   &containerd__services__containers__v1__container__labels_entry__descriptor,
		   &x->n_labels, &x->labels);
	if (c->runtime && *c->runtime) {
		x->runtime = ctr_pb_alloc(pool, sizeof(*x->runtime));
		containerd__services__containers__v1__container__runtime__init(x->runtime);
		x->runtime->name = ctr_pb_str(c->runtime);
	}
	if (c->spec) {
		x->spec = ctr_pb_alloc(pool, sizeof(*x->spec));
		google__protobuf__any__init(x->spec);
		x->spec->type_url = ctr_pb_str(c->spec_type_url ? c->spec_type_url : CTR_SPEC_TYPE_URL);
		x->spec->value.data = (uint8_t *)c->spec;
		x->spec->value.len = c->spec_len ? c->spec_len : strlen(c->spec);
	}
	return x;
}

void ctr_container_clear(struct ctr_container *c)
{
	free(c->id);
	free(c->image);
	free(c->runtime);
	free(c->spec_type_url);
	free(c->spec);
	free(c->snapshotter);
	free(c->snapshot_key);
	ctr_labels_clear(&c->labels);
	memset(c, 0, sizeof(*c));
}

void ctr_container_list_free(struct ctr_container *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		ctr_container_clear(&list[i]);
	free(list);
}

int ctr_container_create(struct ctr_conn *conn, const struct ctr_container *c,
			 struct kk_err *err)
{
	Containerd__Services__Containers__V1__CreateContainerRequest req =
		CONTAINERD__SERVICES__CONTAINERS__V1__CREATE_CONTAINER_REQUEST__INIT;
	cleanup_pool struct ctr_pb_pool pool = { 0 };
	ProtobufCMessage *msg = NULL;

	req.container = container_to_pb(&pool, c);
	if (ctr_rpc_call(conn, SVC "Create", c->id, &req.base,
			 &containerd__services__containers__v1__create_container_response__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_container_get(struct ctr_conn *conn, const char *id, struct ctr_container *out,
		      struct kk_err *err)
{
	Containerd__Services__Containers__V1__GetContainerRequest req =
		CONTAINERD__SERVICES__CONTAINERS__V1__GET_CONTAINER_REQUEST__INIT;
	Containerd__Services__Containers__V1__GetContainerResponse *resp;
	ProtobufCMessage *msg = NULL;

	req.id = ctr_pb_str(id);
	if (ctr_rpc_call(conn, SVC "Get", id, &req.base,
			 &containerd__services__containers__v1__get_container_response__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	resp = (Containerd__Services__Containers__V1__GetContainerResponse *)msg;
	if (!resp->container) {
		protobuf_c_message_free_unpacked(msg, NULL);
		return kk_err_set(err, EPROTO, "containers.Get `%s`: empty reply", id);
	}
	container_from_pb(out, resp->container);
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_container_list(struct ctr_conn *conn, const char *const *filters,
		       struct ctr_container **out, size_t *n, struct kk_err *err)
{
	Containerd__Services__Containers__V1__ListContainersRequest req =
		CONTAINERD__SERVICES__CONTAINERS__V1__LIST_CONTAINERS_REQUEST__INIT;
	Containerd__Services__Containers__V1__ListContainersResponse *resp;
	ProtobufCMessage *msg = NULL;
	struct ctr_container *list = NULL;

	req.filters = ctr_pb_strv(filters, &req.n_filters);
	if (ctr_rpc_call(conn, SVC "List", NULL, &req.base,
			 &containerd__services__containers__v1__list_containers_response__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	resp = (Containerd__Services__Containers__V1__ListContainersResponse *)msg;
	if (resp->n_containers)
		list = kk_xcalloc(resp->n_containers, sizeof(*list));
	for (size_t i = 0; i < resp->n_containers; i++)
		container_from_pb(&list[i], resp->containers[i]);
	*out = list;
	*n = resp->n_containers;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_container_update(struct ctr_conn *conn, const struct ctr_container *c,
			 const char *const *paths, struct kk_err *err)
{
	Containerd__Services__Containers__V1__UpdateContainerRequest req =
		CONTAINERD__SERVICES__CONTAINERS__V1__UPDATE_CONTAINER_REQUEST__INIT;
	cleanup_pool struct ctr_pb_pool pool = { 0 };
	ProtobufCMessage *msg = NULL;

	req.container = container_to_pb(&pool, c);
	req.update_mask = ctr_pb_field_mask(&pool, paths);
	if (ctr_rpc_call(conn, SVC "Update", c->id, &req.base,
			 &containerd__services__containers__v1__update_container_response__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_container_delete(struct ctr_conn *conn, const char *id, struct kk_err *err)
{
	Containerd__Services__Containers__V1__DeleteContainerRequest req =
		CONTAINERD__SERVICES__CONTAINERS__V1__DELETE_CONTAINER_REQUEST__INIT;
	ProtobufCMessage *msg = NULL;

	req.id = ctr_pb_str(id);
	if (ctr_rpc_call(conn, SVC "Delete", id, &req.base, &google__protobuf__empty__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}
