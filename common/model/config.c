/* common/model/config.c - ClientConfiguration and ServerConfiguration documents. */
#include "common/model/model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "common/yaml.h"

static int client_spec(struct kk_dec *d, const cJSON *spec, void *doc)
{
	struct kk_client_config *c = doc;

	if (kk_dec_str(d, spec, "host", &c->spec.host) < 0 ||
	    kk_dec_str(d, spec, "runPath", &c->spec.run_path) < 0 ||
	    kk_dec_str(d, spec, "containerdSocket", &c->spec.containerd_socket) < 0 ||
	    kk_dec_str(d, spec, "logLevel", &c->spec.log_level) < 0)
		return -1;
	return 0;
}

static void client_encode(cJSON *root, const void *doc, enum kk_enc_mode mode)
{
	const struct kk_client_config *c = doc;
	cJSON *spec = kk_enc_obj(root, "spec");

	kk_enc_str(spec, "host", c->spec.host, true);
	kk_enc_str(spec, "runPath", c->spec.run_path, true);
	kk_enc_str(spec, "containerdSocket", c->spec.containerd_socket, true);
	kk_enc_str(spec, "logLevel", c->spec.log_level, true);
}

static void client_clear(void *doc)
{
	struct kk_client_config *c = doc;

	free(c->spec.host);
	free(c->spec.run_path);
	free(c->spec.containerd_socket);
	free(c->spec.log_level);
}

const struct kk_body_codec kk_client_config_body = { true, client_spec, NULL, client_encode,
						     client_clear };

static int server_spec(struct kk_dec *d, const cJSON *spec, void *doc)
{
	struct kk_server_config *c = doc;

	if (kk_dec_str(d, spec, "socket", &c->spec.socket) < 0 ||
	    kk_dec_i64(d, spec, "socketGID", &c->spec.socket_gid, NULL) < 0 ||
	    kk_dec_str(d, spec, "runPath", &c->spec.run_path) < 0 ||
	    kk_dec_str(d, spec, "containerdSocket", &c->spec.containerd_socket) < 0 ||
	    kk_dec_str(d, spec, "logLevel", &c->spec.log_level) < 0 ||
	    kk_dec_str(d, spec, "reconcileInterval", &c->spec.reconcile_interval) < 0 ||
	    kk_dec_str(d, spec, "kukeondImage", &c->spec.kukeond_image) < 0 ||
	    kk_dec_str(d, spec, "containerdNamespaceSuffix", &c->spec.containerd_namespace_suffix) <
		    0 ||
	    kk_dec_str(d, spec, "cgroupRoot", &c->spec.cgroup_root) < 0)
		return -1;
	return 0;
}

static void server_encode(cJSON *root, const void *doc, enum kk_enc_mode mode)
{
	const struct kk_server_config *c = doc;
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
}

static void server_clear(void *doc)
{
	struct kk_server_config *c = doc;

	free(c->spec.socket);
	free(c->spec.run_path);
	free(c->spec.containerd_socket);
	free(c->spec.log_level);
	free(c->spec.reconcile_interval);
	free(c->spec.kukeond_image);
	free(c->spec.containerd_namespace_suffix);
	free(c->spec.cgroup_root);
}

const struct kk_body_codec kk_server_config_body = { true, server_spec, NULL, server_encode,
						     server_clear };

/* upstream clientconfig.Load / serverconfig.Load after the file is read */
static int
parse_config(const char *buf, size_t len, const char *path, const char *which,
	     const char *kind_name, void **out,
	     int (*decode)(const cJSON *, const struct kk_yaml_doc *, void **, struct kk_err *),
	     const char *(*kind_of)(const void *), void (*free_fn)(void *), struct kk_err *err)
{
	struct kk_yaml_doc doc;
	struct kk_err e = { 0 };
	char qp[300], qk[300];
	void *obj = NULL;
	const char *kind;

	kk_go_quote_buf(path, qp, sizeof(qp));
	if (kk_yaml_parse_doc(buf, len, 1, &doc, &e) < 0)
		return kk_err_set(err, EINVAL,
				  "parse %s configuration %s: %s configuration is invalid: %s",
				  which, qp, which, e.msg);
	if (cJSON_IsNull(doc.root)) {
		cJSON_Delete(doc.root);
		doc.root = cJSON_CreateObject();
	}
	if (decode(doc.root, &doc, &obj, &e) < 0) {
		kk_yaml_doc_clear(&doc);
		return kk_err_set(err, EINVAL,
				  "parse %s configuration %s: %s configuration is invalid: %s",
				  which, qp, which, e.msg);
	}
	kk_yaml_doc_clear(&doc);
	kind = kind_of(obj);
	if (*kind && strcmp(kind, kind_name) != 0) {
		kk_go_quote_buf(kind, qk, sizeof(qk));
		free_fn(obj);
		return kk_err_set(err, EINVAL,
				  "%s configuration %s has kind %s, want \"%s\": %s configuration "
				  "is "
				  "invalid",
				  which, qp, qk, kind_name, which);
	}
	*out = obj;
	return 0;
}

static int client_decode(const cJSON *t, const struct kk_yaml_doc *y, void **out,
			 struct kk_err *err)
{
	return kk_client_config_decode(t, y, (struct kk_client_config **)out, err);
}

static const char *client_kind(const void *o)
{
	return kk_str(((const struct kk_client_config *)o)->kind);
}

static void client_free(void *o)
{
	kk_client_config_free(o);
}

static int server_decode(const cJSON *t, const struct kk_yaml_doc *y, void **out,
			 struct kk_err *err)
{
	return kk_server_config_decode(t, y, (struct kk_server_config **)out, err);
}

static const char *server_kind(const void *o)
{
	return kk_str(((const struct kk_server_config *)o)->kind);
}

static void server_free(void *o)
{
	kk_server_config_free(o);
}

int kk_client_config_parse(const char *buf, size_t len, const char *path,
			   struct kk_client_config **out, struct kk_err *err)
{
	void *obj = NULL;

	if (parse_config(buf, len, path, "client", "ClientConfiguration", &obj, client_decode,
			 client_kind, client_free, err) < 0)
		return -1;
	*out = obj;
	return 0;
}

int kk_server_config_parse(const char *buf, size_t len, const char *path,
			   struct kk_server_config **out, struct kk_err *err)
{
	void *obj = NULL;

	if (parse_config(buf, len, path, "server", "ServerConfiguration", &obj, server_decode,
			 server_kind, server_free, err) < 0)
		return -1;
	*out = obj;
	return 0;
}
