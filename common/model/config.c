/* common/model/config.c - ClientConfiguration and ServerConfiguration documents. */
#include "common/model/model.h"

#include <stdlib.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"

static int head(struct kk_dec *d, const cJSON *tree, char **api_version, char **kind,
		struct kk_meta *meta, const cJSON **spec)
{
	if (!cJSON_IsObject(tree))
		return kk_dec_type_error(d, tree, "a mapping");
	if (kk_dec_str(d, tree, "apiVersion", api_version) < 0 ||
	    kk_dec_str(d, tree, "kind", kind) < 0 || kk_dec_meta(d, tree, meta) < 0 ||
	    kk_dec_obj(d, tree, "spec", spec) < 0)
		return -1;
	return 0;
}

int kk_client_config_decode(const cJSON *tree, const struct kk_yaml_doc *yaml,
			    struct kk_client_config **out, struct kk_err *err)
{
	cleanup_(kk_client_config_freep) struct kk_client_config *c = kk_xcalloc(1, sizeof(*c));
	struct kk_dec d;
	const cJSON *spec = NULL;
	size_t old;

	kk_dec_init(&d, yaml, err);
	if (head(&d, tree, &c->api_version, &c->kind, &c->meta, &spec) < 0)
		return -1;
	old = kk_dec_push(&d, "spec");
	if (kk_dec_str(&d, spec, "host", &c->spec.host) < 0 ||
	    kk_dec_str(&d, spec, "runPath", &c->spec.run_path) < 0 ||
	    kk_dec_str(&d, spec, "containerdSocket", &c->spec.containerd_socket) < 0 ||
	    kk_dec_str(&d, spec, "logLevel", &c->spec.log_level) < 0)
		return -1;
	kk_dec_pop(&d, old);
	*out = TAKE_PTR(c);
	return 0;
}

cJSON *kk_client_config_encode(const struct kk_client_config *c, enum kk_enc_mode mode)
{
	cJSON *root = kk_enc_head(mode, c->api_version, c->kind, &c->meta, true);
	cJSON *spec = kk_enc_obj(root, "spec");

	kk_enc_str(spec, "host", c->spec.host, true);
	kk_enc_str(spec, "runPath", c->spec.run_path, true);
	kk_enc_str(spec, "containerdSocket", c->spec.containerd_socket, true);
	kk_enc_str(spec, "logLevel", c->spec.log_level, true);
	return root;
}

void kk_client_config_free(struct kk_client_config *c)
{
	if (!c)
		return;
	free(c->api_version);
	free(c->kind);
	kk_meta_clear(&c->meta);
	free(c->spec.host);
	free(c->spec.run_path);
	free(c->spec.containerd_socket);
	free(c->spec.log_level);
	free(c);
}

void kk_client_config_freep(struct kk_client_config **c)
{
	kk_client_config_free(*c);
}

int kk_server_config_decode(const cJSON *tree, const struct kk_yaml_doc *yaml,
			    struct kk_server_config **out, struct kk_err *err)
{
	cleanup_(kk_server_config_freep) struct kk_server_config *c = kk_xcalloc(1, sizeof(*c));
	struct kk_dec d;
	const cJSON *spec = NULL;
	size_t old;

	kk_dec_init(&d, yaml, err);
	if (head(&d, tree, &c->api_version, &c->kind, &c->meta, &spec) < 0)
		return -1;
	old = kk_dec_push(&d, "spec");
	if (kk_dec_str(&d, spec, "socket", &c->spec.socket) < 0 ||
	    kk_dec_i64(&d, spec, "socketGID", &c->spec.socket_gid, NULL) < 0 ||
	    kk_dec_str(&d, spec, "runPath", &c->spec.run_path) < 0 ||
	    kk_dec_str(&d, spec, "containerdSocket", &c->spec.containerd_socket) < 0 ||
	    kk_dec_str(&d, spec, "logLevel", &c->spec.log_level) < 0 ||
	    kk_dec_str(&d, spec, "reconcileInterval", &c->spec.reconcile_interval) < 0 ||
	    kk_dec_str(&d, spec, "kukeondImage", &c->spec.kukeond_image) < 0 ||
	    kk_dec_str(&d, spec, "containerdNamespaceSuffix",
		       &c->spec.containerd_namespace_suffix) < 0 ||
	    kk_dec_str(&d, spec, "cgroupRoot", &c->spec.cgroup_root) < 0)
		return -1;
	kk_dec_pop(&d, old);
	*out = TAKE_PTR(c);
	return 0;
}

cJSON *kk_server_config_encode(const struct kk_server_config *c, enum kk_enc_mode mode)
{
	cJSON *root = kk_enc_head(mode, c->api_version, c->kind, &c->meta, true);
	cJSON *spec = kk_enc_obj(root, "spec");

	kk_enc_str(spec, "socket", c->spec.socket, true);
	kk_enc_i64(spec, "socketGID", c->spec.socket_gid, true);
	kk_enc_str(spec, "runPath", c->spec.run_path, true);
	kk_enc_str(spec, "containerdSocket", c->spec.containerd_socket, true);
	kk_enc_str(spec, "logLevel", c->spec.log_level, true);
	kk_enc_str(spec, "reconcileInterval", c->spec.reconcile_interval, true);
	kk_enc_str(spec, "kukeondImage", c->spec.kukeond_image, true);
	kk_enc_str(spec, "containerdNamespaceSuffix", c->spec.containerd_namespace_suffix, true);
	kk_enc_str(spec, "cgroupRoot", c->spec.cgroup_root, true);
	return root;
}

void kk_server_config_free(struct kk_server_config *c)
{
	if (!c)
		return;
	free(c->api_version);
	free(c->kind);
	kk_meta_clear(&c->meta);
	free(c->spec.socket);
	free(c->spec.run_path);
	free(c->spec.containerd_socket);
	free(c->spec.log_level);
	free(c->spec.reconcile_interval);
	free(c->spec.kukeond_image);
	free(c->spec.containerd_namespace_suffix);
	free(c->spec.cgroup_root);
	free(c);
}

void kk_server_config_freep(struct kk_server_config **c)
{
	kk_server_config_free(*c);
}
