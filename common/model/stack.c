/* common/model/stack.c - Stack: decode, encode, free. */
#include "common/model/model.h"

#include <stdlib.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"

static const char *const stack_labels[] = { "Pending", "Ready", "Failed", "Unknown" };
const struct kk_state_names kk_stack_states = { "stack", stack_labels, 4 };

#define SS struct kk_stack

KK_FIELDS(stack_fields, SS, KK_FIELD(SS, spec.id, "id", STR),
	  KK_FIELD(SS, spec.realm_id, "realmId", STR), KK_FIELD(SS, spec.space_id, "spaceId", STR));

static int stack_status(struct kk_dec *d, const cJSON *status, void *doc)
{
	return kk_dec_status(d, status, &kk_stack_states, &((struct kk_stack *)doc)->status);
}

static void stack_encode(cJSON *root, const void *doc, enum kk_enc_mode mode)
{
	kk_enc_status(mode, root, &((const struct kk_stack *)doc)->status, &kk_stack_states, true);
}

static void stack_clear(void *doc)
{
	kk_status_clear(&((struct kk_stack *)doc)->status);
}

const struct kk_body_codec kk_stack_body = { .spec_fields = &stack_fields,
					     .status = stack_status,
					     .encode = stack_encode,
					     .clear = stack_clear };
