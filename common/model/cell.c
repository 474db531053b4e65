/* common/model/cell.c - Cell: decode, encode, free. */
#include "common/model/model.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"

static const char *const cell_labels[] = { "Pending", "Ready",   "Stopped",
					   "Failed",  "Unknown", "Degraded" };
const struct kk_state_names kk_cell_states = { "cell", cell_labels, 6 };

static int spec_item(struct kk_dec *d, const cJSON *node, size_t i, void *ctx)
{
	struct kk_cell_spec *s = ctx;

	s->containers = kk_xrealloc(s->containers, (i + 1) * sizeof(*s->containers));
	memset(&s->containers[i], 0, sizeof(s->containers[i]));
	s->n_containers = i + 1;
	return node ? kk_container_spec_decode_into(d, node, &s->containers[i]) : 0;
}

static void containers_clear(void *ctx)
{
	struct kk_cell_spec *s = ctx;

	for (size_t i = 0; i < s->n_containers; i++)
		kk_container_spec_clear(&s->containers[i]);
	free(s->containers);
	s->containers = NULL;
	s->n_containers = 0;
	s->containers_set = false;
}

#define CS struct kk_cell_spec

KK_FIELDS(spec_ids, CS, KK_FIELD(CS, id, "id", STR), KK_FIELD(CS, realm_id, "realmId", STR),
	  KK_FIELD(CS, space_id, "spaceId", STR), KK_FIELD(CS, stack_id, "stackId", STR),
	  KK_FIELD_OMIT(CS, root_container_id, "rootContainerId", STR));
KK_FIELDS(spec_flags, CS, KK_FIELD_OMIT(CS, auto_delete, "autoDelete", BOOL),
	  KK_FIELD_OMIT(CS, nested_cgroup_runtime, "nestedCgroupRuntime", BOOL));

static int tty_dec(struct kk_dec *d, const cJSON *tty, void *ctx)
{
	struct kk_cell_spec *s = ctx;

	s->has_tty = true;
	return kk_dec_str(d, tty, "default", &s->tty_default);
}

int kk_cell_spec_decode_into(struct kk_dec *d, const cJSON *spec, struct kk_cell_spec *s)
{
	if (kk_dec_fields(d, spec, &spec_ids, s) < 0)
		return -1;
	if (kk_dec_section(d, spec, "tty", tty_dec, s) < 0)
		return -1;
	if (kk_dec_slice(d, spec, "containers", &s->containers_set, containers_clear, spec_item,
			 s) < 0)
		return -1;
	return kk_dec_fields(d, spec, &spec_flags, s);
}

cJSON *kk_cell_spec_encode(const struct kk_cell_spec *s, enum kk_enc_mode mode)
{
	cJSON *o = cJSON_CreateObject(), *arr;

	kk_enc_fields(mode, o, &spec_ids, s);
	if (s->has_tty) {
		cJSON *t = kk_enc_obj(o, "tty");

		kk_enc_str(t, "default", s->tty_default, true);
	}
	arr = kk_enc_slice(mode, o, "containers", s->containers_set, s->n_containers);
	for (size_t i = 0; i < s->n_containers; i++)
		cJSON_AddItemToArray(arr, kk_container_spec_encode(&s->containers[i], mode));
	kk_enc_fields(mode, o, &spec_flags, s);
	return o;
}

void kk_cell_spec_clear(struct kk_cell_spec *s)
{
	kk_fields_clear(&spec_ids, s);
	free(s->tty_default);
	containers_clear(s);
	memset(s, 0, sizeof(*s));
}

static int status_item(struct kk_dec *d, const cJSON *node, size_t i, void *ctx)
{
	struct kk_cell *c = ctx;

	c->status.containers =
		kk_xrealloc(c->status.containers, (i + 1) * sizeof(*c->status.containers));
	memset(&c->status.containers[i], 0, sizeof(c->status.containers[i]));
	c->status.n_containers = i + 1;
	return node ? kk_container_status_decode_into(d, node, &c->status.containers[i]) : 0;
}

static void status_containers_clear(void *ctx)
{
	struct kk_cell *c = ctx;

	for (size_t i = 0; i < c->status.n_containers; i++)
		kk_container_status_clear(&c->status.containers[i]);
	free(c->status.containers);
	c->status.containers = NULL;
	c->status.n_containers = 0;
}

static int cell_spec(struct kk_dec *d, const cJSON *spec, void *doc)
{
	return spec ? kk_cell_spec_decode_into(d, spec, &((struct kk_cell *)doc)->spec) : 0;
}

static int network_dec(struct kk_dec *d, const cJSON *net, void *ctx)
{
	struct kk_cell *c = ctx;

	if (kk_dec_str(d, net, "bridgeName", &c->status.bridge_name) < 0 ||
	    kk_dec_str(d, net, "ipAddress", &c->status.ip_address) < 0)
		return -1;
	return 0;
}

static int cell_status(struct kk_dec *d, const cJSON *status, void *doc)
{
	struct kk_cell *c = doc;

	if (kk_dec_status(d, status, &kk_cell_states, &c->status.common) < 0 ||
	    kk_dec_section(d, status, "network", network_dec, c) < 0)
		return -1;
	if (kk_dec_slice(d, status, "containers", &c->status.containers_set,
			 status_containers_clear, status_item, c) < 0)
		return -1;
	return kk_dec_bool(d, status, "readyObserved", &c->status.ready_observed);
}

static void cell_encode(cJSON *root, const void *doc, enum kk_enc_mode mode)
{
	const struct kk_cell *c = doc;
	cJSON *st, *arr;

	cJSON_AddItemToObject(root, "spec", kk_cell_spec_encode(&c->spec, mode));
	st = kk_enc_obj(root, "status");
	kk_enc_status_head(mode, st, &c->status.common, &kk_cell_states, true);
	/* a struct field: encoding/json always writes it, yaml.v3 omits it when zero */
	if (mode == KK_ENC_JSON || (c->status.bridge_name && *c->status.bridge_name) ||
	    (c->status.ip_address && *c->status.ip_address)) {
		cJSON *net = kk_enc_obj(st, "network");

		kk_enc_str(net, "bridgeName", c->status.bridge_name, true);
		kk_enc_str(net, "ipAddress", c->status.ip_address, true);
	}
	arr = kk_enc_slice(mode, st, "containers", c->status.containers_set,
			   c->status.n_containers);
	for (size_t i = 0; i < c->status.n_containers; i++)
		cJSON_AddItemToArray(arr,
				     kk_container_status_encode(&c->status.containers[i], mode));
	kk_enc_bool(st, "readyObserved", c->status.ready_observed, true);
	kk_enc_status_tail(mode, st, &c->status.common);
}

static void cell_clear(void *doc)
{
	struct kk_cell *c = doc;

	kk_cell_spec_clear(&c->spec);
	kk_status_clear(&c->status.common);
	free(c->status.bridge_name);
	free(c->status.ip_address);
	status_containers_clear(c);
}

const struct kk_body_codec kk_cell_body = {
	.spec = cell_spec, .status = cell_status, .encode = cell_encode, .clear = cell_clear
};
