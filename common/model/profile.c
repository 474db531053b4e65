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

int kk_cell_profile_decode(const cJSON *tree, const struct kk_yaml_doc *yaml,
			   struct kk_cell_profile **out, struct kk_err *err)
{
	cleanup_(kk_cell_profile_freep) struct kk_cell_profile *p = kk_xcalloc(1, sizeof(*p));
	struct kk_dec d;
	const cJSON *spec = NULL, *cell = NULL;
	size_t old, count;

	kk_dec_init(&d, yaml, err);
	if (!cJSON_IsObject(tree))
		return kk_dec_type_error(&d, tree, "a mapping");
	if (kk_dec_str(&d, tree, "apiVersion", &p->api_version) < 0 ||
	    kk_dec_str(&d, tree, "kind", &p->kind) < 0 || kk_dec_meta(&d, tree, &p->meta) < 0 ||
	    kk_dec_obj(&d, tree, "spec", &spec) < 0)
		return -1;
	old = kk_dec_push(&d, "spec");
	if (kk_dec_str(&d, spec, "realm", &p->spec.realm) < 0 ||
	    kk_dec_str(&d, spec, "space", &p->spec.space) < 0 ||
	    kk_dec_str(&d, spec, "stack", &p->spec.stack) < 0 ||
	    kk_dec_str(&d, spec, "prefix", &p->spec.prefix) < 0 ||
	    kk_dec_list(&d, spec, "parameters", &count, param_item, p) < 0 ||
	    kk_dec_obj(&d, spec, "cell", &cell) < 0)
		return -1;
	if (cell) {
		size_t o2 = kk_dec_push(&d, "cell");

		if (kk_cell_spec_decode_into(&d, cell, &p->spec.cell) < 0)
			return -1;
		kk_dec_pop(&d, o2);
	}
	kk_dec_pop(&d, old);
	*out = TAKE_PTR(p);
	return 0;
}

cJSON *kk_cell_profile_encode(const struct kk_cell_profile *p, enum kk_enc_mode mode)
{
	cJSON *root = kk_enc_head(mode, p->api_version, p->kind, &p->meta, true);
	cJSON *spec = kk_enc_obj(root, "spec");

	kk_enc_str(spec, "realm", p->spec.realm, true);
	kk_enc_str(spec, "space", p->spec.space, true);
	kk_enc_str(spec, "stack", p->spec.stack, true);
	kk_enc_str(spec, "prefix", p->spec.prefix, true);
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
	return root;
}

void kk_cell_profile_free(struct kk_cell_profile *p)
{
	if (!p)
		return;
	free(p->api_version);
	free(p->kind);
	kk_meta_clear(&p->meta);
	free(p->spec.realm);
	free(p->spec.space);
	free(p->spec.stack);
	free(p->spec.prefix);
	for (size_t i = 0; i < p->spec.n_parameters; i++) {
		free(p->spec.parameters[i].name);
		free(p->spec.parameters[i].description);
		free(p->spec.parameters[i].default_);
	}
	free(p->spec.parameters);
	kk_cell_spec_clear(&p->spec.cell);
	free(p);
}

KK_DEFINE_FREEP(kk_cell_profile)
