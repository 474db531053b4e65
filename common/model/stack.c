/* common/model/stack.c - Stack: decode, encode, free. */
#include "common/model/model.h"

#include <stdlib.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"

static const char *const stack_labels[] = { "Pending", "Ready", "Failed", "Unknown" };
const struct kk_state_names kk_stack_states = { "stack", stack_labels, 4 };

int kk_stack_decode(const cJSON *tree, const struct kk_yaml_doc *yaml, struct kk_stack **out,
		    struct kk_err *err)
{
	cleanup_(kk_stack_freep) struct kk_stack *s = kk_xcalloc(1, sizeof(*s));
	struct kk_dec d;
	const cJSON *spec = NULL, *status = NULL;
	size_t old;

	kk_dec_init(&d, yaml, err);
	if (!cJSON_IsObject(tree))
		return kk_dec_type_error(&d, tree, "a mapping");
	if (kk_dec_str(&d, tree, "apiVersion", &s->api_version) < 0 ||
	    kk_dec_str(&d, tree, "kind", &s->kind) < 0 || kk_dec_meta(&d, tree, &s->meta) < 0 ||
	    kk_dec_obj(&d, tree, "spec", &spec) < 0 || kk_dec_obj(&d, tree, "status", &status) < 0)
		return -1;
	old = kk_dec_push(&d, "spec");
	if (kk_dec_str(&d, spec, "id", &s->spec.id) < 0 ||
	    kk_dec_str(&d, spec, "realmId", &s->spec.realm_id) < 0 ||
	    kk_dec_str(&d, spec, "spaceId", &s->spec.space_id) < 0)
		return -1;
	kk_dec_pop(&d, old);
	old = kk_dec_push(&d, "status");
	if (kk_dec_status(&d, status, &kk_stack_states, &s->status) < 0)
		return -1;
	kk_dec_pop(&d, old);
	*out = TAKE_PTR(s);
	return 0;
}

cJSON *kk_stack_encode(const struct kk_stack *s, enum kk_enc_mode mode)
{
	cJSON *root = kk_enc_head(mode, s->api_version, s->kind, &s->meta, false);
	cJSON *spec = kk_enc_obj(root, "spec"), *st;

	kk_enc_str(spec, "id", s->spec.id, false);
	kk_enc_str(spec, "realmId", s->spec.realm_id, false);
	kk_enc_str(spec, "spaceId", s->spec.space_id, false);
	st = kk_enc_obj(root, "status");
	kk_enc_status_head(mode, st, &s->status, &kk_stack_states, true);
	kk_enc_status_tail(mode, st, &s->status);
	return root;
}

void kk_stack_free(struct kk_stack *s)
{
	if (!s)
		return;
	free(s->api_version);
	free(s->kind);
	kk_meta_clear(&s->meta);
	free(s->spec.id);
	free(s->spec.realm_id);
	free(s->spec.space_id);
	kk_status_clear(&s->status);
	free(s);
}

KK_DEFINE_FREEP(kk_stack)
