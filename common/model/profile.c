/* common/model/profile.c - CellProfile: decode, encode, free. */
#include "common/model/model.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"

static int param_item(struct kk_dec *d, const cJSON *node, size_t i, void *ctx)
{
	struct kk_cell_profile *p = ctx;
	struct kk_profile_param *pp;
	const cJSON *def;

	p->spec.parameters = kk_xrealloc(p->spec.parameters, (i + 1) * sizeof(*p->spec.parameters));
	pp = &p->spec.parameters[i];
	memset(pp, 0, sizeof(*pp));
	p->spec.n_parameters = i + 1;
	def = kk_dec_member(d, node, "default");
	if (kk_dec_str(d, node, "name", &pp->name) < 0 ||
	    kk_dec_str(d, node, "description", &pp->description) < 0 ||
	    kk_dec_str(d, node, "default", &pp->default_) < 0 ||
	    kk_dec_bool(d, node, "required", &pp->required) < 0)
		return -1;
	pp->has_default = def && !cJSON_IsNull(def);
	return 0;
}

#define CP struct kk_cell_profile

KK_FIELDS(profile_fields, CP, KK_FIELD_OMIT(CP, spec.realm, "realm", STR),
	  KK_FIELD_OMIT(CP, spec.space, "space", STR), KK_FIELD_OMIT(CP, spec.stack, "stack", STR),
	  KK_FIELD_OMIT(CP, spec.prefix, "prefix", STR));

static int cell_dec(struct kk_dec *d, const cJSON *cell, void *ctx)
{
	return kk_cell_spec_decode_into(d, cell, ctx);
}

static int profile_spec(struct kk_dec *d, const cJSON *spec, void *doc)
{
	struct kk_cell_profile *p = doc;
	size_t count;

	if (kk_dec_fields(d, spec, &profile_fields, p) < 0 ||
	    kk_dec_list(d, spec, "parameters", &count, param_item, p) < 0 ||
	    kk_dec_section(d, spec, "cell", cell_dec, &p->spec.cell) < 0)
		return -1;
	return 0;
}

static void profile_encode(cJSON *root, const void *doc, enum kk_enc_mode mode)
{
	const struct kk_cell_profile *p = doc;
	cJSON *spec = kk_enc_obj(root, "spec");

	kk_enc_fields(mode, spec, &profile_fields, p);
	if (p->spec.n_parameters) {
		cJSON *arr = kk_enc_arr(spec, "parameters");

		for (size_t i = 0; i < p->spec.n_parameters; i++) {
			const struct kk_profile_param *pp = &p->spec.parameters[i];
			cJSON *o = cJSON_CreateObject();

			kk_enc_str(o, "name", pp->name, false);
			kk_enc_str(o, "description", pp->description, true);
			if (pp->has_default)
				kk_enc_str(o, "default", pp->default_, false);
			kk_enc_bool(o, "required", pp->required, true);
			cJSON_AddItemToArray(arr, o);
		}
	}
	cJSON_AddItemToObject(spec, "cell", kk_cell_spec_encode(&p->spec.cell, mode));
}

static void profile_clear(void *doc)
{
	struct kk_cell_profile *p = doc;

	kk_fields_clear(&profile_fields, p);
	for (size_t i = 0; i < p->spec.n_parameters; i++) {
		free(p->spec.parameters[i].name);
		free(p->spec.parameters[i].description);
		free(p->spec.parameters[i].default_);
	}
	free(p->spec.parameters);
	kk_cell_spec_clear(&p->spec.cell);
}

const struct kk_body_codec kk_cell_profile_body = { .labels_omitempty = true,
						    .spec = profile_spec,
						    .encode = profile_encode,
						    .clear = profile_clear };
