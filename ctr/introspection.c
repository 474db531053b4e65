/* ctr/introspection.c - containerd.services.introspection.v1.Introspection. */
#include "ctr/ctr.h"

#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "ctr/pb.h"
#include "ctr/rpc.h"
#include "github.com/containerd/containerd/api/services/introspection/v1/introspection.pb-c.h"

void ctr_plugin_list_free(struct ctr_plugin *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++) {
		free(list[i].type);
		free(list[i].id);
		free(list[i].init_error);
		for (size_t j = 0; j < list[i].n_capabilities; j++)
			free(list[i].capabilities[j]);
		free(list[i].capabilities);
		ctr_labels_clear(&list[i].exports);
	}
	free(list);
}

int ctr_plugins(struct ctr_conn *conn, const char *const *filters, struct ctr_plugin **out,
		size_t *n, struct kk_err *err)
{
	Containerd__Services__Introspection__V1__PluginsRequest req =
		CONTAINERD__SERVICES__INTROSPECTION__V1__PLUGINS_REQUEST__INIT;
	Containerd__Services__Introspection__V1__PluginsResponse *resp;
	ProtobufCMessage *msg = NULL;
	struct ctr_plugin *list = NULL;

	req.filters = ctr_pb_strv(filters, &req.n_filters);
	if (ctr_rpc_call(conn, "/containerd.services.introspection.v1.Introspection/Plugins", NULL,
			 &req.base,
			 &containerd__services__introspection__v1__plugins_response__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	resp = (Containerd__Services__Introspection__V1__PluginsResponse *)msg;
	if (resp->n_plugins)
		list = kk_xcalloc(resp->n_plugins, sizeof(*list));
	for (size_t i = 0; i < resp->n_plugins; i++) {
		const Containerd__Services__Introspection__V1__Plugin *p = resp->plugins[i];
		struct ctr_plugin *x = &list[i];

		x->type = ctr_pb_dup(p->type);
		x->id = ctr_pb_dup(p->id);
		if (p->init_err && (p->init_err->code || (p->init_err->message && *p->init_err->message)))
			x->init_error = ctr_pb_dup(p->init_err->message);
		x->n_capabilities = p->n_capabilities;
		x->capabilities = kk_xcalloc(p->n_capabilities + 1, sizeof(char *));
		for (size_t j = 0; j < p->n_capabilities; j++)
			x->capabilities[j] = ctr_pb_dup(p->capabilities[j]);
		ctr_labels_from_pb(&x->exports, p->n_exports, p->exports);
	}
	*out = list;
	*n = resp->n_plugins;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_snapshotters(struct ctr_conn *conn, char ***names, struct kk_err *err)
{
	static const char *const filters[] = { "type==" CTR_PLUGIN_SNAPSHOTTER, NULL };
	struct ctr_plugin *list = NULL;
	size_t n = 0, k = 0;
	char **v;

	if (ctr_plugins(conn, filters, &list, &n, err) < 0)
		return -1;
	v = kk_xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		if (!list[i].init_error && strcmp(list[i].type, CTR_PLUGIN_SNAPSHOTTER) == 0)
			v[k++] = kk_xstrdup(list[i].id);
	ctr_plugin_list_free(list, n);
	*names = v;
	return 0;
}
