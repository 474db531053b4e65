/* common/cni/netpolicy.c - NAT per space, egress policy, FORWARD admission, published ports
 * and the sweep, as batches computed against one iptables-save (see netpolicy.h). */
#include "common/cni/netpolicy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/cni/internal.h"
#include "common/lockfile.h"
#include "common/mem.h"
#include "common/model/model.h"
#include "common/model/naming.h"
#include "common/strv.h"

#define CH_EGRESS  "KUKEON-EGRESS"
#define CH_FORWARD "KUKEON-FORWARD"
#define CH_POST    "KUKEON-POSTROUTING"
#define CH_PORTS   "KUKEON-PORTS"
#define PFX_EGR    "KUKE-EGR-"
#define PFX_NAT    "KUKE-NAT-"
#define PFX_PRT    "KUKE-PRT-"
#define F          KK_IPT_FILTER
#define N          KK_IPT_NAT

static void lock_releasep(int *fd)
{
	kk_lockfile_release(*fd);
}

static void rules_freep(const char ***v)
{
	free((void *)*v);
}

/* ---- the space from its conflist -------------------------------------------------------- */

int kk_netpolicy_space_from_conflist(const struct kk_cni_conflist *net, const char *realm,
				     const char *space, const struct kk_egress_policy *egress,
				     struct kk_netpolicy_space *out, struct kk_err *err)
{
	for (size_t i = 0; i < kk_cni_conflist_n_plugins(net); i++) {
		const cJSON *p = kk_cni_conflist_plugin(net, i), *ipam, *ranges, *sub;
		const char *bridge;

		if (strcmp(kk_cni_conflist_plugin_type(net, i), "bridge") != 0)
			continue;
		bridge = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "bridge"));
		ipam = cJSON_GetObjectItemCaseSensitive(p, "ipam");
		ranges = cJSON_GetObjectItemCaseSensitive(ipam, "ranges");
		sub = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cJSON_GetArrayItem(ranges,
											     0),
									  0),
						       "subnet");
		if (!cJSON_IsString(sub))
			sub = cJSON_GetObjectItemCaseSensitive(ipam, "subnet");
		if (!bridge || !*bridge || !cJSON_IsString(sub))
			break;
		*out = (struct kk_netpolicy_space){
			realm, space, bridge, sub->valuestring, !kk_cni_conflist_masq(net), egress
		};
		return 0;
	}
	return kk_err_set(err, EINVAL, "network `%s`: no bridge plugin with a bridge and a subnet",
			  kk_cni_conflist_name(net));
}

bool kk_netpolicy_egress_enforced(const struct kk_egress_policy *p)
{
	return p && !(strcasecmp(p->default_ ? p->default_ : "", "deny") != 0 && p->n_allow == 0);
}

/* ---- generic: a chain of ours and the rules that jump to it ----------------------------- */

/* Make chain hold exactly want (n lines, saved form; want NULL: no chain at all). */
static void sync_chain(const struct kk_ipt *s, struct kk_ipt_batch *b, int t, const char *chain,
		       char **want)
{
	cleanup_(rules_freep) const char **have = NULL;
	size_t n = 0, i;
	bool exists = kk_ipt_has_chain(s, t, chain);

	if (!want) {
		if (exists) {
			kk_ipt_batch_line(&b->drop[t], "-F %s", chain);
			kk_ipt_batch_line(&b->drop[t], "-X %s", chain);
		}
		return;
	}
	have = kk_ipt_chain_rules(s, t, chain, &n);
	for (i = 0; exists && i < n && want[i]; i++)
		if (strcmp(have[i], want[i]) != 0)
			break;
	if (exists && i == n && !want[i])
		return;
	/* a declaration creates the chain, or flushes it: the new rules replace the old in
	 * the same commit */
	kk_ipt_batch_line(&b->decl[t], ":%s - [0:0]", chain);
	for (i = 0; want[i]; i++)
		kk_ipt_batch_line(&b->add[t], "%s", want[i]);
}

/* Make the rules of master that jump to target exactly `want` (one saved line; NULL: none).
 * A missing one is appended. */
static void sync_jump(const struct kk_ipt *s, struct kk_ipt_batch *b, int t, const char *master,
		      const char *target, const char *want)
{
	cleanup_(rules_freep) const char **have = kk_ipt_chain_rules(s, t, master, &(size_t){ 0 });
	bool kept = false;

	for (size_t i = 0; have[i]; i++) {
		char tgt[64];

		kk_ipt_rule_target(have[i], tgt, sizeof(tgt));
		if (strcmp(tgt, target) != 0)
			continue;
		if (want && !kept && strcmp(have[i], want) == 0) {
			kept = true;
			continue;
		}
		kk_ipt_batch_line(&b->del[t], "-D%s", have[i] + 2);
	}
	if (want && !kept)
		kk_ipt_batch_line(&b->add[t], "%s", want);
}

static void ensure_declared(const struct kk_ipt *s, struct kk_ipt_batch *b, int t,
			    const char *chain)
{
	if (!kk_ipt_has_chain(s, t, chain))
		kk_ipt_batch_line(&b->decl[t], ":%s - [0:0]", chain);
}

/* ---- global chains ---------------------------------------------------------------------- */

static void ensure_forward(const struct kk_ipt *s, struct kk_ipt_batch *b)
{
	char *admission[] = {
		"-A " CH_FORWARD " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
		"-A " CH_FORWARD " -i k-+ -j ACCEPT",
		"-A " CH_FORWARD " -o k-+ -j ACCEPT",
		NULL,
	};
	static const char *const jumps[] = { "-A FORWARD -j " CH_EGRESS,
					     "-A FORWARD -j " CH_FORWARD };
	cleanup_(rules_freep) const char **fwd = NULL;
	size_t n = 0;

	ensure_declared(s, b, F, CH_EGRESS);
	sync_chain(s, b, F, CH_FORWARD, admission);
	fwd = kk_ipt_chain_rules(s, F, "FORWARD", &n);
	if (n >= 2 && strcmp(fwd[0], jumps[0]) == 0 && strcmp(fwd[1], jumps[1]) == 0) {
		/* in place; only stray copies further down go */
		for (size_t i = 2; i < n; i++) {
			char tgt[64];

			kk_ipt_rule_target(fwd[i], tgt, sizeof(tgt));
			if (strcmp(tgt, CH_EGRESS) == 0 || strcmp(tgt, CH_FORWARD) == 0)
				kk_ipt_batch_line(&b->del[F], "-D%s", fwd[i] + 2);
		}
		return;
	}
	/* egress first, admission second, whatever was there before (upstream inserts both
	 * at 1, so KUKEON-FORWARD could end up first and accept what egress would drop) */
	sync_jump(s, b, F, "FORWARD", CH_EGRESS, NULL);
	sync_jump(s, b, F, "FORWARD", CH_FORWARD, NULL);
	kk_ipt_batch_line(&b->add[F], "-I FORWARD 1 -j " CH_EGRESS);
	kk_ipt_batch_line(&b->add[F], "-I FORWARD 2 -j " CH_FORWARD);
}

static void ensure_postrouting(const struct kk_ipt *s, struct kk_ipt_batch *b)
{
	cleanup_(rules_freep) const char **have =
		kk_ipt_chain_rules(s, N, "POSTROUTING", &(size_t){ 0 });

	ensure_declared(s, b, N, CH_POST);
	for (size_t i = 0; have[i]; i++) {
		char tgt[64];

		kk_ipt_rule_target(have[i], tgt, sizeof(tgt));
		if (strcmp(tgt, CH_POST) == 0)
			return;
	}
	kk_ipt_batch_line(&b->add[N], "-A POSTROUTING -m comment --comment \"kukeon:nat\" -j %s",
			  CH_POST);
}

static void ensure_ports_hooks(const struct kk_ipt *s, struct kk_ipt_batch *b)
{
	static const char *const hooks[][2] = {
		{ "PREROUTING", "-A PREROUTING -m addrtype --dst-type LOCAL -j " CH_PORTS },
		{ "OUTPUT",
		  "-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j " CH_PORTS },
	};

	ensure_declared(s, b, N, CH_PORTS);
	for (size_t i = 0; i < 2; i++)
		sync_jump(s, b, N, hooks[i][0], CH_PORTS, hooks[i][1]);
}

/* ---- one space -------------------------------------------------------------------------- */

static char *space_chain(const char *prefix, const char *realm, const char *space)
{
	cleanup_free char *key = kk_xasprintf("%s/%s", realm, space);

	return kk_xasprintf("%s%08x", prefix, kk_fnv1a32(key));
}

/* "a.b.c.d/p" with the host bits cleared, as iptables-save prints it. */
static int cidr_canon(const char *cidr, char *buf, size_t size, struct kk_err *err)
{
	char addr[INET_ADDRSTRLEN + 1];
	const char *slash = strchr(cidr, '/');
	struct in_addr a;
	char *end;
	long p;

	if (!slash || (size_t)(slash - cidr) >= sizeof(addr))
		return kk_err_set(err, EINVAL, "cidr `%s` is not an IPv4 CIDR", cidr);
	snprintf(addr, sizeof(addr), "%.*s", (int)(slash - cidr), cidr);
	p = strtol(slash + 1, &end, 10);
	if (inet_pton(AF_INET, addr, &a) != 1 || *end || end == slash + 1 || p < 0 || p > 32)
		return kk_err_set(err, EINVAL, "cidr `%s` is not an IPv4 CIDR", cidr);
	a.s_addr &= p ? htonl(~0u << (32 - p)) : 0;
	inet_ntop(AF_INET, &a, addr, sizeof(addr));
	snprintf(buf, size, "%s/%ld", addr, p);
	return 0;
}

/* The KUKE-EGR chain's rules, hosts resolved now. */
static int egress_rules(const struct kk_netpolicy_space *sp, const char *chain, char ***out,
			struct kk_err *err)
{
	const struct kk_egress_policy *p = sp->egress;
	cleanup_free char *tag = kk_xasprintf("kukeon:%s:%s", sp->realm, sp->space);
	cleanup_(kk_strv_freep) char **v = NULL;
	bool deny = strcasecmp(p->default_ ? p->default_ : "", "deny") == 0;

	kk_strv_push_take(&v, kk_xasprintf("-A %s -m conntrack --ctstate RELATED,ESTABLISHED -m "
					   "comment --comment \"%s:established\" -j RETURN",
					   chain, tag));
	for (size_t i = 0; i < p->n_allow; i++) {
		const struct kk_egress_rule *r = &p->allow[i];
		cleanup_(kk_strv_freep) char **dsts = NULL;
		cleanup_free int64_t *ports = kk_xcalloc(r->n_ports + 1, sizeof(*ports));
		size_t np = kk_egress_rule_ports(r, ports);
		cleanup_free char *what = NULL;

		if (r->cidr && *r->cidr) {
			char c[64];

			if (cidr_canon(r->cidr, c, sizeof(c), err) < 0)
				return kk_err_wrap(err, "egress allow rule %zu", i);
			kk_strv_push_take(&dsts, kk_xstrdup(c));
			what = kk_xasprintf("cidr=%s", r->cidr);
		} else {
			cleanup_(kk_strv_freep) char **ips = NULL;

			if (kk_netpolicy_resolve_ipv4(r->host, NULL, NULL, &ips, err) < 0)
				return kk_err_wrap(err, "egress allow rule %zu", i);
			for (size_t k = 0; ips[k]; k++)
				kk_strv_push_take(&dsts, kk_xasprintf("%s/32", ips[k]));
			what = kk_xasprintf("host=%s", r->host);
		}
		for (size_t d = 0; dsts && dsts[d]; d++) {
			for (size_t k = 0; k < (np ? np : 1); k++) {
				cleanup_free char *port =
					np ? kk_xasprintf(" -p tcp -m tcp --dport %lld",
							  (long long)ports[k])
					   : kk_xstrdup("");

				kk_strv_push_take(&v,
						  kk_xasprintf("-A %s -d %s%s -m comment "
							       "--comment \"%s:allow[%zu]:%s\""
							       " -j RETURN",
							       chain, dsts[d], port, tag, i, what));
			}
		}
	}
	kk_strv_push_take(&v, kk_xasprintf("-A %s -m comment --comment \"%s:default\" -j %s", chain,
					   tag, deny ? "DROP" : "RETURN"));
	*out = TAKE_PTR(v);
	return 0;
}

/* What the batch for sp (NULL: removal of realm/space) is. */
static int space_batch(const struct kk_ipt *s, const char *realm, const char *space,
		       const struct kk_netpolicy_space *sp, struct kk_ipt_batch *b,
		       struct kk_err *err)
{
	cleanup_free char *egr = space_chain(PFX_EGR, realm, space);
	cleanup_free char *nat = space_chain(PFX_NAT, realm, space);
	cleanup_(kk_strv_freep) char **erules = NULL;
	cleanup_(kk_strv_freep) char **nrules = NULL;
	cleanup_free char *edispatch = NULL, *ndispatch = NULL;

	if (sp && kk_netpolicy_egress_enforced(sp->egress)) {
		if (egress_rules(sp, egr, &erules, err) < 0)
			return -1;
		edispatch =
			kk_xasprintf("-A %s -i %s -m comment --comment \"kukeon:%s:%s:dispatch\""
				     " -j %s",
				     CH_EGRESS, sp->bridge, realm, space, egr);
	}
	if (sp && sp->nat) {
		char c[64];

		if (cidr_canon(sp->subnet, c, sizeof(c), err) < 0)
			return kk_err_wrap(err, "space subnet");
		kk_strv_push_take(&nrules, kk_xasprintf("-A %s -d %s -j RETURN", nat, c));
		kk_strv_push_take(&nrules,
				  kk_xasprintf("-A %s ! -d 224.0.0.0/4 -j MASQUERADE", nat));
		ndispatch =
			kk_xasprintf("-A %s -s %s -m comment --comment \"kukeon:%s:%s:nat\" -j %s",
				     CH_POST, c, realm, space, nat);
	}
	if (sp) {
		ensure_forward(s, b);
		ensure_postrouting(s, b);
	}
	if (kk_ipt_has_chain(s, F, CH_EGRESS))
		sync_jump(s, b, F, CH_EGRESS, egr, edispatch);
	else if (edispatch)
		kk_ipt_batch_line(&b->add[F], "%s", edispatch);
	sync_chain(s, b, F, egr, erules);
	if (kk_ipt_has_chain(s, N, CH_POST))
		sync_jump(s, b, N, CH_POST, nat, ndispatch);
	else if (ndispatch)
		kk_ipt_batch_line(&b->add[N], "%s", ndispatch);
	sync_chain(s, b, N, nat, nrules);
	return 0;
}

/* save, batch, restore under the lock. fill builds the batch. Returns 1 if a batch ran; a
 * failure gets the context fmt (printf-style). */
typedef int batch_fn(const struct kk_ipt *s, const void *arg, struct kk_ipt_batch *b,
		     struct kk_err *err);

static int apply(const struct kk_cni_host *host, batch_fn *fill, const void *arg,
		 struct kk_err *err, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int apply(const struct kk_cni_host *host, batch_fn *fill, const void *arg,
		 struct kk_err *err, const char *fmt, ...)
{
	cleanup_(lock_releasep) int lock = -1;
	cleanup_(kk_ipt_clear) struct kk_ipt s = { 0 };
	cleanup_(kk_ipt_batch_clear) struct kk_ipt_batch b = { 0 };
	char what[256];
	va_list ap;

	if (kk_ipt_lock(host, &lock, err) < 0 || kk_ipt_save(host, &s, err) < 0 ||
	    fill(&s, arg, &b, err) < 0)
		goto fail;
	if (kk_ipt_batch_empty(&b))
		return 0;
	if (kk_ipt_restore(host, &b, err) < 0)
		goto fail;
	return 1;
fail:
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return kk_err_wrap(err, "%s", what);
}

static int ensure_fill(const struct kk_ipt *s, const void *arg, struct kk_ipt_batch *b,
		       struct kk_err *err)
{
	const struct kk_netpolicy_space *sp = arg;

	return space_batch(s, sp->realm, sp->space, sp, b, err);
}

int kk_netpolicy_space_ensure(const struct kk_cni_host *host, const struct kk_netpolicy_space *sp,
			      struct kk_err *err)
{
	return apply(host, ensure_fill, sp, err, "space `%s` network policy", sp->space);
}

int kk_netpolicy_space_ensure_conflist(const struct kk_cni_host *host, const char *conflist_path,
				       const char *realm, const char *space,
				       const struct kk_egress_policy *egress, struct kk_err *err)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;
	struct kk_netpolicy_space sp = { 0 };

	if (kk_cni_conflist_load(conflist_path, &net, err) < 0 ||
	    kk_netpolicy_space_from_conflist(net, realm, space, egress, &sp, err) < 0)
		return kk_err_wrap(err, "space `%s` network policy", space);
	return kk_netpolicy_space_ensure(host, &sp, err);
}

struct removal {
	const char *realm, *space;
};

static int remove_fill(const struct kk_ipt *s, const void *arg, struct kk_ipt_batch *b,
		       struct kk_err *err)
{
	const struct removal *r = arg;

	return space_batch(s, r->realm, r->space, NULL, b, err);
}

int kk_netpolicy_space_remove(const struct kk_cni_host *host, const char *realm, const char *space,
			      struct kk_err *err)
{
	struct removal r = { realm, space };

	return apply(host, remove_fill, &r, err, "space `%s` network policy: remove", space);
}

int kk_netpolicy_space_check(const struct kk_cni_host *host, const struct kk_netpolicy_space *sp,
			     struct kk_err *err)
{
	cleanup_(kk_ipt_clear) struct kk_ipt s = { 0 };
	cleanup_free char *egr = NULL, *dispatch = NULL, *deflt = NULL;
	cleanup_(rules_freep) const char **rules = NULL;
	cleanup_(rules_freep) const char **fwd = NULL;
	bool deny;
	size_t n = 0, nf = 0;

	if (!kk_netpolicy_egress_enforced(sp->egress))
		return 0;
	if (kk_ipt_save(host, &s, err) < 0)
		return kk_err_wrap(err, "space `%s` egress policy", sp->space);
	egr = space_chain(PFX_EGR, sp->realm, sp->space);
	deny = strcasecmp(sp->egress->default_ ? sp->egress->default_ : "", "deny") == 0;
	deflt = kk_xasprintf("-A %s -m comment --comment \"kukeon:%s:%s:default\" -j %s", egr,
			     sp->realm, sp->space, deny ? "DROP" : "RETURN");
	dispatch = kk_xasprintf("-A %s -i %s -m comment --comment \"kukeon:%s:%s:dispatch\" -j %s",
				CH_EGRESS, sp->bridge, sp->realm, sp->space, egr);
	rules = kk_ipt_chain_rules(&s, F, egr, &n);
	fwd = kk_ipt_chain_rules(&s, F, "FORWARD", &nf);
	if (!n || strcmp(rules[n - 1], deflt) != 0)
		return kk_err_set(err, EPERM,
				  "space `%s` egress policy is not in place: chain %s is "
				  "missing or incomplete",
				  sp->space, egr);
	if (!kk_strv_contains(s.rules[F], dispatch))
		return kk_err_set(err, EPERM,
				  "space `%s` egress policy is not in place: bridge %s is not "
				  "dispatched to %s",
				  sp->space, sp->bridge, egr);
	if (!nf || strcmp(fwd[0], "-A FORWARD -j " CH_EGRESS) != 0)
		return kk_err_set(err, EPERM,
				  "space `%s` egress policy is not in place: FORWARD does not "
				  "jump to " CH_EGRESS " first",
				  sp->space);
	return 0;
}

/* ---- published ports -------------------------------------------------------------------- */

int kk_netpolicy_port_parse(const char *text, struct kk_netpolicy_port *out, struct kk_err *err)
{
	struct kk_netpolicy_port p = { 0 };
	const char *s = text;
	long v[2];
	int n = 0;

	/* HOST:CONTAINER, or one PORT for both */
	while (n < 2) {
		char *end;

		errno = 0;
		if (*s < '0' || *s > '9')
			return kk_err_set(err, EINVAL, "port `%s`: want [HOST:]CONTAINER[/tcp|udp]",
					  text);
		v[n] = strtol(s, &end, 10);
		if (errno || v[n] < 1 || v[n] > 65535)
			return kk_err_set(err, EINVAL, "port `%s`: %.*s is not within [1, 65535]",
					  text, (int)(end - s), s);
		n++;
		s = end;
		if (*s != ':')
			break;
		if (n == 2)
			return kk_err_set(err, EINVAL, "port `%s`: want [HOST:]CONTAINER[/tcp|udp]",
					  text);
		s++;
	}
	if (*s == '/' && (strcmp(s + 1, "udp") == 0 || strcmp(s + 1, "tcp") == 0))
		p.udp = s[1] == 'u';
	else if (*s)
		return kk_err_set(err, EINVAL, "port `%s`: protocol must be tcp or udp", text);
	p.host = (uint16_t)v[0];
	p.container = (uint16_t)v[n - 1];
	*out = p;
	return 0;
}

static char *cell_chain(const struct kk_netpolicy_cell *c)
{
	cleanup_free char *key = kk_xasprintf("%s/%s/%s/%s", c->realm, c->space, c->stack, c->cell);

	return kk_xasprintf("%s%08x", PFX_PRT, kk_fnv1a32(key));
}

/* Who holds host port p (proto "tcp"/"udp") in the saved port chains other than mine:
 * the comment tag of the rule, or NULL. */
static const char *port_holder(const struct kk_ipt *s, const char *mine, const char *proto,
			       unsigned port)
{
	char want[48];

	snprintf(want, sizeof(want), " -p %s -m %s --dport %u ", proto, proto, port);
	for (size_t i = 0; s->rules[N] && s->rules[N][i]; i++) {
		const char *r = s->rules[N][i];

		if (strncmp(r + 3, PFX_PRT, strlen(PFX_PRT)) != 0 || kk_ipt_rule_in_chain(r, mine))
			continue;
		if (strstr(r, want))
			return r;
	}
	return NULL;
}

/* The host has a socket on port: a bind to it fails with EADDRINUSE. */
static bool port_bound(const struct kk_netpolicy_port *p)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(p->host) };
	cleanup_close int fd =
		socket(AF_INET, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return false;
	return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EADDRINUSE;
}

struct publish {
	const struct kk_netpolicy_cell *c;
	const char *ip;
	const struct kk_netpolicy_port *ports;
	size_t n;
};

static int publish_fill(const struct kk_ipt *s, const void *arg, struct kk_ipt_batch *b,
			struct kk_err *err)
{
	const struct publish *p = arg;
	cleanup_free char *chain = cell_chain(p->c);
	cleanup_free char *tag = kk_xasprintf("kukeon:%s:%s:%s:%s", p->c->realm, p->c->space,
					      p->c->stack, p->c->cell);
	cleanup_free char *dispatch = NULL;
	cleanup_(kk_strv_freep) char **rules = NULL;

	for (size_t i = 0; i < p->n; i++) {
		const struct kk_netpolicy_port *pt = &p->ports[i];
		const char *proto = pt->udp ? "udp" : "tcp";
		const char *held = port_holder(s, chain, proto, pt->host);

		if (held) {
			char owner[256], *f[6] = { 0 }, *save = NULL;
			size_t k = 0;

			/* kukeon:<realm>:<space>:<stack>:<cell>:port */
			kk_ipt_rule_comment(held, owner, sizeof(owner));
			for (char *t = strtok_r(owner, ":", &save); t && k < 6;
			     t = strtok_r(NULL, ":", &save))
				f[k++] = t;
			if (k == 6)
				return kk_err_set(err, EADDRINUSE,
						  "host port %u/%s is already published by cell "
						  "\"%s\" (realm \"%s\", space \"%s\", stack "
						  "\"%s\")",
						  pt->host, proto, f[4], f[1], f[2], f[3]);
			return kk_err_set(err, EADDRINUSE,
					  "host port %u/%s is already published by another rule",
					  pt->host, proto);
		}
		if (port_bound(pt))
			return kk_err_set(err, EADDRINUSE, "host port %u/%s is in use on the host",
					  pt->host, proto);
		for (size_t k = 0; k < i; k++)
			if (p->ports[k].host == pt->host && p->ports[k].udp == pt->udp)
				return kk_err_set(err, EADDRINUSE,
						  "host port %u/%s is published twice", pt->host,
						  proto);
		kk_strv_push_take(&rules, kk_xasprintf("-A %s -p %s -m %s --dport %u -m comment "
						       "--comment \"%s:port\" -j DNAT "
						       "--to-destination %s:%u",
						       chain, proto, proto, pt->host, tag, p->ip,
						       pt->container));
	}
	ensure_ports_hooks(s, b);
	dispatch =
		kk_xasprintf("-A %s -m comment --comment \"%s:ports\" -j %s", CH_PORTS, tag, chain);
	sync_chain(s, b, N, chain, rules);
	if (kk_ipt_has_chain(s, N, CH_PORTS))
		sync_jump(s, b, N, CH_PORTS, chain, dispatch);
	else
		kk_ipt_batch_line(&b->add[N], "%s", dispatch);
	return 0;
}

int kk_netpolicy_ports_publish(const struct kk_cni_host *host, const struct kk_netpolicy_cell *c,
			       const char *ip, const struct kk_netpolicy_port *ports, size_t n,
			       struct kk_err *err)
{
	struct publish p = { c, ip, ports, n };

	if (!n)
		return 0;
	if (apply(host, publish_fill, &p, err, "publish ports of cell `%s`", c->cell) < 0)
		return -1;
	return 0;
}

static int unpublish_fill(const struct kk_ipt *s, const void *arg, struct kk_ipt_batch *b,
			  struct kk_err *err)
{
	cleanup_free char *chain = cell_chain(arg);

	if (kk_ipt_has_chain(s, N, CH_PORTS))
		sync_jump(s, b, N, CH_PORTS, chain, NULL);
	sync_chain(s, b, N, chain, NULL);
	return 0;
}

int kk_netpolicy_ports_unpublish(const struct kk_cni_host *host, const struct kk_netpolicy_cell *c,
				 struct kk_err *err)
{
	return apply(host, unpublish_fill, c, err, "unpublish ports of cell `%s`", c->cell);
}

/* ---- sweep ------------------------------------------------------------------------------ */

struct sweep {
	const struct kk_netpolicy_space *spaces;
	size_t n_spaces;
	const struct kk_netpolicy_cell *cells;
	size_t n_cells;
	char *const *networks, *const *live_ids;
	int *removed;
};

static bool space_live(const struct sweep *w, const char *prefix, const char *chain)
{
	for (size_t i = 0; i < w->n_spaces; i++) {
		cleanup_free char *c = space_chain(prefix, w->spaces[i].realm, w->spaces[i].space);

		if (strcmp(c, chain) == 0)
			return true;
	}
	return false;
}

static bool cell_live(const struct sweep *w, const char *chain)
{
	for (size_t i = 0; i < w->n_cells; i++) {
		cleanup_free char *c = cell_chain(&w->cells[i]);

		if (strcmp(c, chain) == 0)
			return true;
	}
	return false;
}

/* Remove chain and every jump to it from master (when master exists). */
static void drop_chain(const struct kk_ipt *s, struct kk_ipt_batch *b, int t, const char *master,
		       const char *chain, int *removed)
{
	if (kk_ipt_has_chain(s, t, master))
		sync_jump(s, b, t, master, chain, NULL);
	sync_chain(s, b, t, chain, NULL);
	(*removed)++;
}

/* The bridge plugin's chain for a container of a network of ours that is not live? Its
 * POSTROUTING rule carries `name: "<net>" id: "<id>"`. */
static bool masq_stale(const struct sweep *w, const char *rule)
{
	char comment[512], net[256], id[256];

	kk_ipt_rule_comment(rule, comment, sizeof(comment));
	if (sscanf(comment, "name: \"%255[^\"]\" id: \"%255[^\"]\"", net, id) != 2)
		return false;
	return kk_strv_contains(w->networks, net) && !kk_strv_contains(w->live_ids, id);
}

static int sweep_fill(const struct kk_ipt *s, const void *arg, struct kk_ipt_batch *b,
		      struct kk_err *err)
{
	const struct sweep *w = arg;
	static const struct {
		int table;
		const char *prefix, *master;
	} kinds[] = { { F, PFX_EGR, CH_EGRESS },
		      { N, PFX_NAT, CH_POST },
		      { N, PFX_PRT, CH_PORTS } };
	cleanup_(rules_freep) const char **post =
		kk_ipt_chain_rules(s, N, "POSTROUTING", &(size_t){ 0 });

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		char *const *chains = s->chains[kinds[k].table];
		size_t plen = strlen(kinds[k].prefix);

		for (size_t i = 0; chains && chains[i]; i++) {
			const char *c = chains[i];
			bool live;

			if (strncmp(c, kinds[k].prefix, plen) != 0)
				continue;
			live = strcmp(kinds[k].prefix, PFX_PRT) == 0
				       ? cell_live(w, c)
				       : space_live(w, kinds[k].prefix, c);
			if (!live)
				drop_chain(s, b, kinds[k].table, kinds[k].master, c, w->removed);
		}
	}
	for (size_t i = 0; post[i]; i++) {
		char tgt[64];

		kk_ipt_rule_target(post[i], tgt, sizeof(tgt));
		if (strncmp(tgt, "CNI-", 4) != 0 || !masq_stale(w, post[i]))
			continue;
		kk_ipt_batch_line(&b->del[N], "-D%s", post[i] + 2);
		if (kk_ipt_has_chain(s, N, tgt)) {
			kk_ipt_batch_line(&b->drop[N], "-F %s", tgt);
			kk_ipt_batch_line(&b->drop[N], "-X %s", tgt);
		}
		(*w->removed)++;
	}
	return 0;
}

int kk_netpolicy_sweep(const struct kk_cni_host *host, const struct kk_netpolicy_space *spaces,
		       size_t n_spaces, const struct kk_netpolicy_cell *cells, size_t n_cells,
		       char *const *networks, char *const *live_ids, struct kk_err *err)
{
	int removed = 0;
	struct sweep w = { spaces, n_spaces, cells, n_cells, networks, live_ids, &removed };

	if (apply(host, sweep_fill, &w, err, "sweep network rules") < 0)
		return -1;
	return removed;
}

int kk_netpolicy_forward_remove(const struct kk_cni_host *host, struct kk_err *err)
{
	static const char *const del_jump[] = { "-w", "-D", "FORWARD", "-j", CH_FORWARD, NULL };
	static const char *const flush[] = { "-w", "-F", CH_FORWARD, NULL };
	static const char *const drop[] = { "-w", "-X", CH_FORWARD, NULL };
	int removed = 0, rc;

	/* every jump to it (upstream inserts one per init; a history may hold more) */
	for (int i = 0; i < 64; i++) {
		rc = kk_ipt_run(host, "iptables", del_jump, NULL, err);
		if (rc < 0)
			return -1;
		if (rc != 0)
			break;
		removed = 1;
	}
	if (kk_ipt_run(host, "iptables", flush, NULL, err) < 0)
		return -1;
	rc = kk_ipt_run(host, "iptables", drop, NULL, err);
	if (rc < 0)
		return -1;
	return removed || rc == 0;
}

/* ---- removal of everything ------------------------------------------------------------ */

static bool ours(const char *chain)
{
	return strncmp(chain, "KUKEON-", 7) == 0 || strncmp(chain, "KUKE-", 5) == 0;
}

/* The bridge plugin's masquerade rule of a container on one of networks? */
static bool masq_ours(char *const *networks, const char *rule)
{
	char comment[512], net[256], id[256];

	kk_ipt_rule_comment(rule, comment, sizeof(comment));
	return sscanf(comment, "name: \"%255[^\"]\" id: \"%255[^\"]\"", net, id) == 2 &&
	       kk_strv_contains(networks, net);
}

static int remove_all_fill(const struct kk_ipt *s, const void *arg, struct kk_ipt_batch *b,
			   struct kk_err *err)
{
	const struct sweep *w = arg;

	for (int t = F; t <= N; t++) {
		char *const *chains = s->chains[t];
		char *const *rules = s->rules[t];

		/* jumps into our chains from chains that are not ours (FORWARD, POSTROUTING ...);
		 * the bridge plugin's masquerade chains of our networks go with their rule */
		for (size_t i = 0; rules && rules[i]; i++) {
			char tgt[64], chain[64];

			kk_ipt_rule_target(rules[i], tgt, sizeof(tgt));
			if (sscanf(rules[i], "-A %63s", chain) != 1 || ours(chain))
				continue;
			if (ours(tgt)) {
				kk_ipt_batch_line(&b->del[t], "-D%s", rules[i] + 2);
			} else if (t == N && strcmp(chain, "POSTROUTING") == 0 &&
				   strncmp(tgt, "CNI-", 4) == 0 &&
				   masq_ours(w->networks, rules[i])) {
				kk_ipt_batch_line(&b->del[t], "-D%s", rules[i] + 2);
				if (kk_ipt_has_chain(s, t, tgt)) {
					kk_ipt_batch_line(&b->drop[t], "-F %s", tgt);
					kk_ipt_batch_line(&b->drop[t], "-X %s", tgt);
					(*w->removed)++;
				}
			}
		}
		/* flush all of ours first: they jump to each other */
		for (size_t i = 0; chains && chains[i]; i++)
			if (ours(chains[i]))
				kk_ipt_batch_line(&b->drop[t], "-F %s", chains[i]);
		for (size_t i = 0; chains && chains[i]; i++)
			if (ours(chains[i])) {
				kk_ipt_batch_line(&b->drop[t], "-X %s", chains[i]);
				(*w->removed)++;
			}
	}
	return 0;
}

int kk_netpolicy_remove_all(const struct kk_cni_host *host, char *const *networks,
			    struct kk_err *err)
{
	int removed = 0;
	struct sweep w = { .networks = networks, .removed = &removed };

	if (apply(host, remove_all_fill, &w, err, "remove kukeon's network rules") < 0)
		return -1;
	return removed;
}
