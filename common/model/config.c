/* common/model/config.c - ClientConfiguration and ServerConfiguration documents. */
#include "common/model/model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "common/model/doc.h"
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

const struct kk_body_codec kk_client_config_body = { .labels_omitempty = true,
						     .spec_fields = &client_fields };
const struct kk_body_codec kk_server_config_body = { .labels_omitempty = true,
						     .spec_fields = &server_fields };

/* upstream clientconfig.Load / serverconfig.Load after the file is read */
static int parse_config(const char *buf, size_t len, const char *path, enum kk_kind want,
			void **out, struct kk_err *err)
{
	const char *which = want == KK_KIND_CLIENT_CONFIGURATION ? "client" : "server";
	struct kk_yaml_doc ydoc;
	struct kk_doc doc = { 0 };
	struct kk_err e = { 0 };
	char qp[300], qk[300];
	const char *kind;
	int rc;

	kk_go_quote_buf(path, qp, sizeof(qp));
	if (kk_yaml_parse_doc(buf, len, 1, &ydoc, &e) < 0)
		return kk_err_set(err, EINVAL,
				  "parse %s configuration %s: %s configuration is invalid: %s",
				  which, qp, which, e.msg);
	if (cJSON_IsNull(ydoc.root)) {
		cJSON_Delete(ydoc.root);
		ydoc.root = cJSON_CreateObject();
	}
	rc = kk_doc_decode_body(want, ydoc.root, &ydoc, &doc, &e);
	kk_yaml_doc_clear(&ydoc);
	if (rc < 0)
		return kk_err_set(err, EINVAL,
				  "parse %s configuration %s: %s configuration is invalid: %s",
				  which, qp, which, e.msg);
	kind = kk_doc_kind(&doc);
	if (*kind && strcmp(kind, kk_kind_name(want)) != 0) {
		kk_go_quote_buf(kind, qk, sizeof(qk));
		kk_doc_clear(&doc);
		return kk_err_set(err, EINVAL,
				  "%s configuration %s has kind %s, want \"%s\": %s configuration "
				  "is invalid",
				  which, qp, qk, kk_kind_name(want), which);
	}
	*out = doc.u.any;
	return 0;
}

int kk_client_config_parse(const char *buf, size_t len, const char *path,
			   struct kk_client_config **out, struct kk_err *err)
{
	return parse_config(buf, len, path, KK_KIND_CLIENT_CONFIGURATION, (void **)out, err);
}

int kk_server_config_parse(const char *buf, size_t len, const char *path,
			   struct kk_server_config **out, struct kk_err *err)
{
	return parse_config(buf, len, path, KK_KIND_SERVER_CONFIGURATION, (void **)out, err);
}
