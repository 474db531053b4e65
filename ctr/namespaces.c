/* ctr/namespaces.c - containerd.services.namespaces.v1.Namespaces. */
#include "ctr/ctr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "ctr/pb.h"
#include "ctr/rpc.h"
#include "github.com/containerd/containerd/api/services/namespaces/v1/namespace.pb-c.h"
#include "google/protobuf/empty.pb-c.h"

#define SVC "/containerd.services.namespaces.v1.Namespaces/"

typedef Containerd__Services__Namespaces__V1__Namespace pb_namespace;

static void ns_from_pb(struct ctr_namespace_info *out, const pb_namespace *in)
{
	memset(out, 0, sizeof(*out));
	out->name = ctr_pb_dup(in->name);
	ctr_labels_from_pb(&out->labels, in->n_labels, in->labels);
}

static void ns_to_pb(struct ctr_pb_pool *pool, pb_namespace *x, const char *name,
		     const struct ctr_labels *labels)
{
	containerd__services__namespaces__v1__namespace__init(x);
	x->name = ctr_pb_str(name);
	ctr_pb_map(pool, labels,
		   &containerd__services__namespaces__v1__namespace__labels_entry__descriptor,
		   &x->n_labels, &x->labels);
}

void ctr_namespace_info_clear(struct ctr_namespace_info *ns)
{
	free(ns->name);
	ctr_labels_clear(&ns->labels);
	memset(ns, 0, sizeof(*ns));
}

void ctr_namespace_list_free(struct ctr_namespace_info *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		ctr_namespace_info_clear(&list[i]);
	free(list);
}

int ctr_namespace_create(struct ctr_conn *conn, const char *name, const struct ctr_labels *labels,
			 struct kk_err *err)
{
	Containerd__Services__Namespaces__V1__CreateNamespaceRequest req =
		CONTAINERD__SERVICES__NAMESPACES__V1__CREATE_NAMESPACE_REQUEST__INIT;
	cleanup_pool struct ctr_pb_pool pool = { 0 };
	pb_namespace ns;
	ProtobufCMessage *msg = NULL;

	ns_to_pb(&pool, &ns, name, labels);
	req.namespace_ = &ns;
	if (ctr_rpc_call(conn, SVC "Create", name, &req.base,
			 &containerd__services__namespaces__v1__create_namespace_response__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_namespace_get(struct ctr_conn *conn, const char *name, struct ctr_namespace_info *out,
		      struct kk_err *err)
{
	Containerd__Services__Namespaces__V1__GetNamespaceRequest req =
		CONTAINERD__SERVICES__NAMESPACES__V1__GET_NAMESPACE_REQUEST__INIT;
	Containerd__Services__Namespaces__V1__GetNamespaceResponse *resp;
	ProtobufCMessage *msg = NULL;

	req.name = ctr_pb_str(name);
	if (ctr_rpc_call(conn, SVC "Get", name, &req.base,
			 &containerd__services__namespaces__v1__get_namespace_response__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	resp = (Containerd__Services__Namespaces__V1__GetNamespaceResponse *)msg;
	if (!resp->namespace_) {
		protobuf_c_message_free_unpacked(msg, NULL);
		return kk_err_set(err, EPROTO, "namespaces.Get `%s`: empty reply", name);
	}
	ns_from_pb(out, resp->namespace_);
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_namespace_list(struct ctr_conn *conn, struct ctr_namespace_info **out, size_t *n,
		       struct kk_err *err)
{
	Containerd__Services__Namespaces__V1__ListNamespacesRequest req =
		CONTAINERD__SERVICES__NAMESPACES__V1__LIST_NAMESPACES_REQUEST__INIT;
	Containerd__Services__Namespaces__V1__ListNamespacesResponse *resp;
	ProtobufCMessage *msg = NULL;
	struct ctr_namespace_info *list = NULL;

	if (ctr_rpc_call(conn, SVC "List", NULL, &req.base,
			 &containerd__services__namespaces__v1__list_namespaces_response__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	resp = (Containerd__Services__Namespaces__V1__ListNamespacesResponse *)msg;
	if (resp->n_namespaces)
		list = kk_xcalloc(resp->n_namespaces, sizeof(*list));
	for (size_t i = 0; i < resp->n_namespaces; i++)
		ns_from_pb(&list[i], resp->namespaces[i]);
	*out = list;
	*n = resp->n_namespaces;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_namespace_set_labels(struct ctr_conn *conn, const char *name,
			     const struct ctr_labels *labels, struct kk_err *err)
{
	Containerd__Services__Namespaces__V1__UpdateNamespaceRequest req =
		CONTAINERD__SERVICES__NAMESPACES__V1__UPDATE_NAMESPACE_REQUEST__INIT;
	static const char *const labels_path[] = { "labels", NULL };
	cleanup_pool struct ctr_pb_pool pool = { 0 };
	pb_namespace ns;
	ProtobufCMessage *msg = NULL;

	ns_to_pb(&pool, &ns, name, labels);
	req.namespace_ = &ns;
	req.update_mask = ctr_pb_field_mask(&pool, labels_path);
	if (ctr_rpc_call(conn, SVC "Update", name, &req.base,
			 &containerd__services__namespaces__v1__update_namespace_response__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_namespace_delete(struct ctr_conn *conn, const char *name, struct kk_err *err)
{
	Containerd__Services__Namespaces__V1__DeleteNamespaceRequest req =
		CONTAINERD__SERVICES__NAMESPACES__V1__DELETE_NAMESPACE_REQUEST__INIT;
	ProtobufCMessage *msg = NULL;

	req.name = ctr_pb_str(name);
	if (ctr_rpc_call(conn, SVC "Delete", name, &req.base, &google__protobuf__empty__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}
