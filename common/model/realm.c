/* common/model/realm.c - Realm: decode, encode, free. */
#include "common/model/model.h"

#include <stdlib.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"

static const char *const realm_labels[] = { "Pending",  "Creating", "Ready",
					    "Deleting", "Failed",   "Unknown" };
const struct kk_state_names kk_realm_states = { "realm", realm_labels, 6 };

#define RC struct kk_registry_cred

KK_FIELDS(cred_fields, RC, KK_FIELD(RC, username, "username", STR),
	  KK_FIELD(RC, password, "password", STR),
	  KK_FIELD_OMIT(RC, server_address, "serverAddress", STR));

static int realm_spec(struct kk_dec *d, const cJSON *spec, void *doc)
{
	struct kk_realm *r = doc;

	if (kk_dec_str(d, spec, "namespace", &r->spec.namespace_) < 0 ||
	    kk_dec_records(d, spec, "registryCredentials", &cred_fields,
			   (void **)&r->spec.registry_credentials, &r->spec.n_registry_credentials,
			   NULL) < 0)
		return -1;
	return 0;
}

static int realm_status(struct kk_dec *d, const cJSON *status, void *doc)
{
	struct kk_realm *r = doc;

	if (kk_dec_status(d, status, &kk_realm_states, &r->status) < 0 ||
	    kk_dec_bool(d, status, "containerdNamespaceReady", &r->containerd_namespace_ready) < 0)
		return -1;
	return 0;
}

static void realm_encode(cJSON *root, const void *doc, enum kk_enc_mode mode)
{
	const struct kk_realm *r = doc;
	cJSON *spec = kk_enc_obj(root, "spec"), *st;

	kk_enc_str(spec, "namespace", r->spec.namespace_, false);
	if (r->spec.n_registry_credentials)
		kk_enc_records(mode, kk_enc_arr(spec, "registryCredentials"), &cred_fields,
			       r->spec.registry_credentials, r->spec.n_registry_credentials);
	st = kk_enc_status(mode, root, &r->status, &kk_realm_states, false);
	kk_enc_bool(st, "containerdNamespaceReady", r->containerd_namespace_ready, true);
}

static void realm_clear(void *doc)
{
	struct kk_realm *r = doc;

	free(r->spec.namespace_);
	kk_records_free(&cred_fields, r->spec.registry_credentials, r->spec.n_registry_credentials);
	kk_status_clear(&r->status);
}

const struct kk_body_codec kk_realm_body = {
	.spec = realm_spec, .status = realm_status, .encode = realm_encode, .clear = realm_clear
};
