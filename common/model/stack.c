/* common/model/stack.c - Stack: decode, encode, free. */
#include "common/model/model.h"

#include <stdlib.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"

static const char *const stack_labels[] = { "Pending", "Ready", "Failed", "Unknown" };
const struct kk_state_names kk_stack_states = { "stack", stack_labels, 4 };

static int stack_spec(struct kk_dec *d, const cJSON *spec, void *doc)
{
	struct kk_stack *s = doc;

	if (kk_dec_str(d, spec, "id", &s->spec.id) < 0 ||
	    kk_dec_str(d, spec, "realmId", &s->spec.realm_id) < 0 ||
	    kk_dec_str(d, spec, "spaceId", &s->spec.space_id) < 0)
		return -1;
	return 0;
}

static int stack_status(struct kk_dec *d, const cJSON *status, void *doc)
{
	return kk_dec_status(d, status, &kk_stack_states, &((struct kk_stack *)doc)->status);
}

static void stack_encode(cJSON *root, const void *doc, enum kk_enc_mode mode)
{
	const struct kk_stack *s = doc;
	cJSON *spec = kk_enc_obj(root, "spec");

	kk_enc_str(spec, "id", s->spec.id, false);
	kk_enc_str(spec, "realmId", s->spec.realm_id, false);
	kk_enc_str(spec, "spaceId", s->spec.space_id, false);
	kk_enc_status(mode, root, &s->status, &kk_stack_states, true);
}

static void stack_clear(void *doc)
{
	struct kk_stack *s = doc;

	free(s->spec.id);
	free(s->spec.realm_id);
	free(s->spec.space_id);
	kk_status_clear(&s->status);
}

const struct kk_body_codec kk_stack_body = { false, stack_spec, stack_status, stack_encode,
					     stack_clear };
