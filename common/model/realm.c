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

int kk_realm_decode(const cJSON *tree, const struct kk_yaml_doc *yaml, struct kk_realm **out,
		    struct kk_err *err)
{
	cleanup_(kk_realm_freep) struct kk_realm *r = kk_xcalloc(1, sizeof(*r));
	struct kk_dec d;
	const cJSON *spec = NULL, *status = NULL;
	size_t n, old;

	kk_dec_init(&d, yaml, err);
	if (!cJSON_IsObject(tree))
		return kk_dec_type_error(&d, tree, "a mapping");
	if (kk_dec_str(&d, tree, "apiVersion", &r->api_version) < 0 ||
	    kk_dec_str(&d, tree, "kind", &r->kind) < 0 || kk_dec_meta(&d, tree, &r->meta) < 0 ||
	    kk_dec_obj(&d, tree, "spec", &spec) < 0 || kk_dec_obj(&d, tree, "status", &status) < 0)
		return -1;
	old = kk_dec_push(&d, "spec");
	if (kk_dec_str(&d, spec, "namespace", &r->spec.namespace_) < 0 ||
	    kk_dec_list(&d, spec, "registryCredentials", &n, cred_item, r) < 0)
		return -1;
	kk_dec_pop(&d, old);
	old = kk_dec_push(&d, "status");
	if (kk_dec_status(&d, status, &kk_realm_states, &r->status) < 0 ||
	    kk_dec_bool(&d, status, "containerdNamespaceReady", &r->containerd_namespace_ready) < 0)
		return -1;
	kk_dec_pop(&d, old);
	*out = TAKE_PTR(r);
	return 0;
}

cJSON *kk_realm_encode(const struct kk_realm *r, enum kk_enc_mode mode)
{
	cJSON *root = kk_enc_head(mode, r->api_version, r->kind, &r->meta, false);
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
	st = kk_enc_obj(root, "status");
	kk_enc_status_head(mode, st, &r->status, &kk_realm_states, false);
	kk_enc_status_tail(mode, st, &r->status);
	kk_enc_bool(st, "containerdNamespaceReady", r->containerd_namespace_ready, true);
	return root;
}

void kk_realm_free(struct kk_realm *r)
{
	if (!r)
		return;
	free(r->api_version);
	free(r->kind);
	kk_meta_clear(&r->meta);
	free(r->spec.namespace_);
	for (size_t i = 0; i < r->spec.n_registry_credentials; i++) {
		free(r->spec.registry_credentials[i].username);
		free(r->spec.registry_credentials[i].password);
		free(r->spec.registry_credentials[i].server_address);
	}
	free(r->spec.registry_credentials);
	kk_status_clear(&r->status);
	free(r);
}

KK_DEFINE_FREEP(kk_realm)
