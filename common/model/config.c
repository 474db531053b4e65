/* common/model/config.c - ClientConfiguration and ServerConfiguration documents. */
#include "common/model/model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "common/yaml.h"

#define CC struct kk_client_config
#define SC struct kk_server_config

KK_FIELDS(client_fields, CC, KK_FIELD_OMIT(CC, spec.host, "host", STR),
	  KK_FIELD_OMIT(CC, spec.run_path, "runPath", STR),
	  KK_FIELD_OMIT(CC, spec.containerd_socket, "containerdSocket", STR),
	  KK_FIELD_OMIT(CC, spec.log_level, "logLevel", STR));
KK_FIELDS(server_fields, SC, KK_FIELD_OMIT(SC, spec.socket, "socket", STR),
	  KK_FIELD_OMIT(SC, spec.socket_gid, "socketGID", I64),
	  KK_FIELD_OMIT(SC, spec.run_path, "runPath", STR),
	  KK_FIELD_OMIT(SC, spec.containerd_socket, "containerdSocket", STR),
	  KK_FIELD_OMIT(SC, spec.log_level, "logLevel", STR),
	  KK_FIELD_OMIT(SC, spec.reconcile_interval, "reconcileInterval", STR),
	  KK_FIELD_OMIT(SC, spec.kukeond_image, "kukeondImage", STR),
	  KK_FIELD_OMIT(SC, spec.containerd_namespace_suffix, "containerdNamespaceSuffix", STR),
	  KK_FIELD_OMIT(SC, spec.cgroup_root, "cgroupRoot", STR));

static int client_spec(struct kk_dec *d, const cJSON *spec, void *doc)
{
	return kk_dec_fields(d, spec, &client_fields, doc);
}

static void client_encode(cJSON *root, const void *doc, enum kk_enc_mode mode)
{
	kk_enc_fields(mode, kk_enc_obj(root, "spec"), &client_fields, doc);
}

static void client_clear(void *doc)
{
	kk_fields_clear(&client_fields, doc);
}

const struct kk_body_codec kk_client_config_body = { true, client_spec, NULL, client_encode,
						     client_clear };

static int server_spec(struct kk_dec *d, const cJSON *spec, void *doc)
{
	return kk_dec_fields(d, spec, &server_fields, doc);
}

static void server_encode(cJSON *root, const void *doc, enum kk_enc_mode mode)
{
	kk_enc_fields(mode, kk_enc_obj(root, "spec"), &server_fields, doc);
}

static void server_clear(void *doc)
{
	kk_fields_clear(&server_fields, doc);
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
