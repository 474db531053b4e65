/* common/model/realm.c - Realm: decode, encode, free. */
#include "common/model/model.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"

static const char *const realm_labels[] = { "Pending",  "Creating", "Ready",
					    "Deleting", "Failed",   "Unknown" };
const struct kk_state_names kk_realm_states = { "realm", realm_labels, 6 };

static int cred_item(struct kk_dec *d, const cJSON *node, size_t i, void *ctx)
{
	struct kk_realm *r = ctx;
	struct kk_registry_cred *c;

	r->spec.registry_credentials = kk_xrealloc(r->spec.registry_credentials,
						   (i + 1) * sizeof(*r->spec.registry_credentials));
	c = &r->spec.registry_credentials[i];
	memset(c, 0, sizeof(*c));
	r->spec.n_registry_credentials = i + 1;
	if (kk_dec_str(d, node, "username", &c->username) < 0 ||
	    kk_dec_str(d, node, "password", &c->password) < 0 ||
	    kk_dec_str(d, node, "serverAddress", &c->server_address) < 0)
		return -1;
	return 0;
}

static int realm_spec(struct kk_dec *d, const cJSON *spec, void *doc)
{
	struct kk_realm *r = doc;
	size_t n;

	if (kk_dec_str(d, spec, "namespace", &r->spec.namespace_) < 0 ||
	    kk_dec_list(d, spec, "registryCredentials", &n, cred_item, r) < 0)
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
	if (r->spec.n_registry_credentials) {
		cJSON *arr = kk_enc_arr(spec, "registryCredentials");

		for (size_t i = 0; i < r->spec.n_registry_credentials; i++) {
			const struct kk_registry_cred *c = &r->spec.registry_credentials[i];
			cJSON *o = cJSON_CreateObject();

			kk_enc_str(o, "username", c->username, false);
			kk_enc_str(o, "password", c->password, false);
			kk_enc_str(o, "serverAddress", c->server_address, true);
			cJSON_AddItemToArray(arr, o);
		}
	}
	st = kk_enc_status(mode, root, &r->status, &kk_realm_states, false);
	kk_enc_bool(st, "containerdNamespaceReady", r->containerd_namespace_ready, true);
}

static void realm_clear(void *doc)
{
	struct kk_realm *r = doc;

	free(r->spec.namespace_);
	for (size_t i = 0; i < r->spec.n_registry_credentials; i++) {
		free(r->spec.registry_credentials[i].username);
		free(r->spec.registry_credentials[i].password);
		free(r->spec.registry_credentials[i].server_address);
	}
	free(r->spec.registry_credentials);
	kk_status_clear(&r->status);
}

const struct kk_body_codec kk_realm_body = { false, realm_spec, realm_status, realm_encode,
					     realm_clear };
