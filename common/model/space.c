/* common/model/space.c - Space: decode, encode, free. */
#include "common/model/model.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/gostr.h"
#include "common/mem.h"

static const char *const space_labels[] = { "Pending", "Ready", "Failed", "Unknown" };
const struct kk_state_names kk_space_states = { "space", space_labels, 4 };

static int port_item(struct kk_dec *d, const cJSON *node, size_t i, void *ctx);

static int rule_item(struct kk_dec *d, const cJSON *node, size_t i, void *ctx)
{
	struct kk_egress_policy *p = ctx;
	struct kk_egress_rule *r;
	const cJSON *ports;

	p->allow = kk_xrealloc(p->allow, (i + 1) * sizeof(*p->allow));
	r = &p->allow[i];
	memset(r, 0, sizeof(*r));
	p->n_allow = i + 1;
	if (kk_dec_str(d, node, "host", &r->host) < 0 || kk_dec_str(d, node, "cidr", &r->cidr) < 0)
		return -1;
	ports = kk_dec_member(d, node, "ports");
	if (ports && !cJSON_IsNull(ports)) {
		size_t old = kk_dec_push(d, "ports"), j = 0;

		if (!cJSON_IsArray(ports))
			return kk_dec_type_error(d, ports, "a list of integers");
		for (const cJSON *c = ports->child; c; c = c->next, j++)
			if (port_item(d, c, j, r) < 0)
				return -1;
		kk_dec_pop(d, old);
	}
	return 0;
}

static int port_item(struct kk_dec *d, const cJSON *node, size_t i, void *ctx)
{
	struct kk_egress_rule *r = ctx;
	int64_t v = 0;
	size_t old = kk_dec_push_index(d, i);

	if (kk_dec_node_i64(d, node, &v) < 0)
		return -1;
	kk_dec_pop(d, old);
	r->ports = kk_xrealloc(r->ports, (r->n_ports + 1) * sizeof(*r->ports));
	r->ports[r->n_ports++] = v;
	return 0;
}

static void policy_free(struct kk_egress_policy *p)
{
	if (!p)
		return;
	free(p->default_);
	for (size_t i = 0; i < p->n_allow; i++) {
		free(p->allow[i].host);
		free(p->allow[i].cidr);
		free(p->allow[i].ports);
	}
	free(p->allow);
	free(p);
}

static void defaults_free(struct kk_space_container_defaults *c)
{
	if (!c)
		return;
	free(c->user);
	kk_capabilities_free(c->capabilities);
	kk_strv_clear(&c->security_opts);
	kk_tmpfs_free(c->tmpfs, c->n_tmpfs);
	free(c->resources);
	free(c);
}

static int egress_dec(struct kk_dec *d, const cJSON *eg, void *ctx)
{
	struct kk_space *s = ctx;
	size_t count;

	policy_free(s->spec.egress);
	s->spec.egress = kk_xcalloc(1, sizeof(*s->spec.egress));
	if (kk_dec_str(d, eg, "default", &s->spec.egress->default_) < 0 ||
	    kk_dec_list(d, eg, "allow", &count, rule_item, s->spec.egress) < 0)
		return -1;
	return 0;
}

static int network_dec(struct kk_dec *d, const cJSON *net, void *ctx)
{
	return kk_dec_section(d, net, "egress", egress_dec, ctx);
}

static int container_defaults_dec(struct kk_dec *d, const cJSON *cont, void *ctx)
{
	struct kk_space *s = ctx;
	struct kk_space_container_defaults *c;
	const cJSON *ro = kk_dec_member(d, cont, "readOnlyRootFilesystem");

	defaults_free(s->spec.defaults_container);
	c = s->spec.defaults_container = kk_xcalloc(1, sizeof(*c));
	if (kk_dec_str(d, cont, "user", &c->user) < 0 ||
	    kk_dec_bool(d, cont, "readOnlyRootFilesystem", &c->read_only_root_filesystem) < 0 ||
	    kk_capabilities_decode(d, cont, "capabilities", &c->capabilities) < 0 ||
	    kk_dec_strv(d, cont, "securityOpts", &c->security_opts) < 0 ||
	    kk_tmpfs_decode(d, cont, &c->tmpfs, &c->n_tmpfs) < 0 ||
	    kk_resources_decode(d, cont, &c->resources) < 0)
		return -1;
	c->has_read_only_root_filesystem = ro && !cJSON_IsNull(ro);
	return 0;
}

static int defaults_dec(struct kk_dec *d, const cJSON *defs, void *ctx)
{
	return kk_dec_section(d, defs, "container", container_defaults_dec, ctx);
}

static int space_spec(struct kk_dec *d, const cJSON *spec, void *doc)
{
	struct kk_space *s = doc;
	int net, defs;

	if (kk_dec_str(d, spec, "realmId", &s->spec.realm_id) < 0 ||
	    kk_dec_str(d, spec, "cniConfigPath", &s->spec.cni_config_path) < 0 ||
	    (net = kk_dec_section(d, spec, "network", network_dec, s)) < 0 ||
	    (defs = kk_dec_section(d, spec, "defaults", defaults_dec, s)) < 0)
		return -1;
	/* Go pointers: present, even when empty */
	s->spec.has_network = net == 1;
	s->spec.has_defaults = defs == 1;
	return 0;
}

static int space_status(struct kk_dec *d, const cJSON *status, void *doc)
{
	return kk_dec_status(d, status, &kk_space_states, &((struct kk_space *)doc)->status);
}

static void egress_encode(cJSON *eg, const struct kk_egress_policy *p)
{
	cJSON *arr;

	kk_enc_str(eg, "default", p->default_, false);
	if (!p->n_allow)
		return;
	arr = kk_enc_arr(eg, "allow");
	for (size_t i = 0; i < p->n_allow; i++) {
		const struct kk_egress_rule *rule = &p->allow[i];
		cJSON *r = cJSON_CreateObject();

		kk_enc_str(r, "host", rule->host, true);
		kk_enc_str(r, "cidr", rule->cidr, true);
		if (rule->n_ports) {
			cJSON *pa = kk_enc_arr(r, "ports");

			for (size_t j = 0; j < rule->n_ports; j++)
				cJSON_AddItemToArray(pa,
						     cJSON_CreateNumber((double)rule->ports[j]));
		}
		cJSON_AddItemToArray(arr, r);
	}
}

static void container_defaults_encode(cJSON *co, const struct kk_space_container_defaults *c,
				      enum kk_enc_mode mode)
{
	kk_enc_str(co, "user", c->user, true);
	if (c->has_read_only_root_filesystem)
		kk_enc_bool(co, "readOnlyRootFilesystem", c->read_only_root_filesystem, false);
	kk_capabilities_encode(mode, co, "capabilities", c->capabilities);
	kk_enc_strv(mode, co, "securityOpts", &c->security_opts, true);
	kk_tmpfs_encode(mode, co, c->tmpfs, c->n_tmpfs);
	kk_resources_encode(co, c->resources);
}

/* Member key of obj, written when present (a Go pointer) or when it holds something: the
 * object inner within it when child is set (returned), else NULL. */
static cJSON *enc_nested(cJSON *obj, const char *key, bool present, const char *inner,
			 const void *child)
{
	cJSON *o;

	if (!present && !child)
		return NULL;
	o = kk_enc_obj(obj, key);
	return child ? kk_enc_obj(o, inner) : NULL;
}

static void space_encode(cJSON *root, const void *doc, enum kk_enc_mode mode)
{
	const struct kk_space *s = doc;
	cJSON *spec = kk_enc_obj(root, "spec"), *o;

	kk_enc_str(spec, "realmId", s->spec.realm_id, false);
	kk_enc_str(spec, "cniConfigPath", s->spec.cni_config_path, true);
	o = enc_nested(spec, "network", s->spec.has_network, "egress", s->spec.egress);
	if (o)
		egress_encode(o, s->spec.egress);
	o = enc_nested(spec, "defaults", s->spec.has_defaults, "container",
		       s->spec.defaults_container);
	if (o)
		container_defaults_encode(o, s->spec.defaults_container, mode);
	kk_enc_status(mode, root, &s->status, &kk_space_states, false);
}

static void space_clear(void *doc)
{
	struct kk_space *s = doc;

	free(s->spec.realm_id);
	free(s->spec.cni_config_path);
	policy_free(s->spec.egress);
	defaults_free(s->spec.defaults_container);
	kk_status_clear(&s->status);
}

const struct kk_body_codec kk_space_body = {
	.spec = space_spec, .status = space_status, .encode = space_encode, .clear = space_clear
};

/* ---- egress validation ---- */

/* Go net.ParseCIDR: an IPv4 or IPv6 address (no zone), "/", decimal prefix in range. */
static bool valid_cidr(const char *s)
{
	const char *slash = strchr(s, '/');
	unsigned char buf[16];
	char addr[64];
	size_t alen;
	int bits, n = 0;
	const char *p;

	if (!slash || (alen = (size_t)(slash - s)) == 0 || alen >= sizeof(addr))
		return false;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, buf) == 1)
		bits = 32;
	else if (inet_pton(AF_INET6, addr, buf) == 1)
		bits = 128;
	else
		return false;
	p = slash + 1;
	if (!*p)
		return false;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		n = n * 10 + (*p - '0');
		if (n > 0xffffff)
			return false;
	}
	return n <= bits;
}

static bool likely_dns_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || strpbrk(s, " \t/") || s[0] == '.' || s[n - 1] == '.' || strstr(s, ".."))
		return false;
	return true;
}

/* upstream's message for allow rule i: "egress allow rule <i>: egress allow rule <what>" */
static int rule_fail(struct kk_err *err, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int rule_fail(struct kk_err *err, size_t i, const char *fmt, ...)
{
	char what[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return kk_err_set(err, EINVAL, "egress allow rule %zu: egress allow rule %s", i, what);
}

int kk_egress_validate(const struct kk_egress_policy *p, struct kk_err *err)
{
	if (!p)
		return 0;
	cleanup_free char *def = kk_go_trim_space(p->default_);

	if (*def && strcasecmp(def, "allow") != 0 && strcasecmp(def, "deny") != 0)
		return kk_err_set(err, EINVAL, "egress default must be 'allow' or 'deny'");
	for (size_t i = 0; i < p->n_allow; i++) {
		const struct kk_egress_rule *r = &p->allow[i];
		cleanup_free char *host = kk_go_trim_space(r->host);
		cleanup_free char *cidr = kk_go_trim_space(r->cidr);
		char q[300];

		if (!*host && !*cidr)
			return rule_fail(err, i, "requires exactly one of host or cidr");
		if (*host && *cidr)
			return rule_fail(err, i, "must not set both host and cidr");
		if (*cidr && !valid_cidr(cidr)) {
			kk_go_quote_buf(cidr, q, sizeof(q));
			return rule_fail(err, i,
					 "cidr is not a valid CIDR: %s: invalid CIDR address: %s",
					 q, cidr);
		}
		if (*host && !likely_dns_name(host)) {
			kk_go_quote_buf(host, q, sizeof(q));
			return rule_fail(err, i, "host is not a valid dns name: %s", q);
		}
		for (size_t j = 0; j < r->n_ports; j++)
			if (r->ports[j] < 1 || r->ports[j] > 65535)
				return rule_fail(err, i, "port must be within [1, 65535]: %lld",
						 (long long)r->ports[j]);
	}
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

size_t kk_egress_rule_ports(const struct kk_egress_rule *r, int64_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_ports; i++) {
		size_t j;

		for (j = 0; j < n && out[j] != r->ports[i]; j++)
			;
		if (j == n)
			out[n++] = r->ports[i];
	}
	qsort(out, n, sizeof(*out), cmp_i64);
	return n;
}
