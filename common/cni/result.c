/* common/cni/result.c - ADD results: parse every spec version into one shape, convert. */
#include "common/cni/cni.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/cni/internal.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/strv.h"

void kk_cni_result_free(struct kk_cni_result *res)
{
	size_t i;

	if (!res)
		return;
	for (i = 0; i < res->n_interfaces; i++) {
		free(res->interfaces[i].name);
		free(res->interfaces[i].mac);
		free(res->interfaces[i].sandbox);
	}
	free(res->interfaces);
	for (i = 0; i < res->n_ips; i++) {
		free(res->ips[i].address);
		free(res->ips[i].gateway);
	}
	free(res->ips);
	for (i = 0; i < res->n_routes; i++) {
		free(res->routes[i].dst);
		free(res->routes[i].gw);
	}
	free(res->routes);
	kk_strv_free(res->dns.nameservers);
	free(res->dns.domain);
	kk_strv_free(res->dns.search);
	kk_strv_free(res->dns.options);
	free(res->cni_version);
	free(res->json);
	free(res);
}

void kk_cni_result_freep(struct kk_cni_result **res)
{
	kk_cni_result_free(*res);
}

/* An optional string member: NULL if absent or empty; -1 if present but not a string. */
static int opt_string(const cJSON *obj, const char *key, char **out, struct kk_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return kk_err_set(err, EINVAL, "`%s` is not a string", key);
	if (*v->valuestring)
		*out = kk_xstrdup(v->valuestring);
	return 0;
}

/* The n string members keys[k] of the entry `where` into *out[k] (opt_string); keys[0] is
 * required. */
static int entry_strings(const cJSON *obj, const char *where, size_t n, const char *const keys[],
			 char **const out[], struct kk_err *err)
{
	for (size_t k = 0; k < n; k++)
		if (opt_string(obj, keys[k], out[k], err) < 0)
			return kk_err_wrap(err, "%s", where);
	if (!*out[0])
		return kk_err_set(err, EINVAL, "%s: missing `%s`", where, keys[0]);
	return 0;
}

static int string_list(const cJSON *obj, const char *key, char ***out, struct kk_err *err)
{
	switch (kk_json_strv(cJSON_GetObjectItemCaseSensitive(obj, key), out)) {
	case -1:
		return kk_err_set(err, EINVAL, "`%s` is not a list", key);
	case -2:
		return kk_err_set(err, EINVAL, "`%s` holds a non-string", key);
	}
	return 0;
}

/* The family of a CIDR (or bare) address, or -1 if it is neither IPv4 nor IPv6. */
static int address_family(const char *cidr)
{
	char host[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];
	size_t n = strcspn(cidr, "/");

	if (n >= sizeof(host))
		return -1;
	memcpy(host, cidr, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, bin) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, host, bin) == 1)
		return AF_INET6;
	return -1;
}

static int parse_routes(const cJSON *routes, struct kk_cni_result *res, struct kk_err *err)
{
	const cJSON *r;

	if (!routes || cJSON_IsNull(routes))
		return 0;
	if (!cJSON_IsArray(routes))
		return kk_err_set(err, EINVAL, "`routes` is not a list");
	cJSON_ArrayForEach(r, routes)
	{
		struct kk_cni_route *rt;
		size_t i = res->n_routes;
		char where[32];

		res->routes = kk_xrealloc(res->routes, (i + 1) * sizeof(*res->routes));
		rt = &res->routes[i];
		memset(rt, 0, sizeof(*rt));
		res->n_routes++;
		snprintf(where, sizeof(where), "routes[%zu]", i);
		if (!cJSON_IsObject(r))
			return kk_err_set(err, EINVAL, "%s is not an object", where);
		if (entry_strings(r, where, 2, (const char *const[]){ "dst", "gw" },
				  (char **const[]){ &rt->dst, &rt->gw }, err) < 0)
			return -1;
	}
	return 0;
}

static int parse_dns(const cJSON *dns, struct kk_cni_dns *out, struct kk_err *err)
{
	if (!dns || cJSON_IsNull(dns))
		return 0;
	if (!cJSON_IsObject(dns))
		return kk_err_set(err, EINVAL, "`dns` is not an object");
	if (string_list(dns, "nameservers", &out->nameservers, err) < 0 ||
	    opt_string(dns, "domain", &out->domain, err) < 0 ||
	    string_list(dns, "search", &out->search, err) < 0 ||
	    string_list(dns, "options", &out->options, err) < 0)
		return kk_err_wrap(err, "dns");
	return 0;
}

static struct kk_cni_ip *add_ip(struct kk_cni_result *res)
{
	struct kk_cni_ip *ip;

	res->ips = kk_xrealloc(res->ips, (res->n_ips + 1) * sizeof(*res->ips));
	ip = &res->ips[res->n_ips++];
	memset(ip, 0, sizeof(*ip));
	ip->interface = -1;
	return ip;
}

/* An address entry `where`: its address (under addr_key) and gateway, the address's family. */
static int ip_entry(const cJSON *obj, const char *where, const char *addr_key, struct kk_cni_ip *ip,
		    struct kk_err *err)
{
	if (entry_strings(obj, where, 2, (const char *const[]){ addr_key, "gateway" },
			  (char **const[]){ &ip->address, &ip->gateway }, err) < 0)
		return -1;
	ip->family = address_family(ip->address);
	if (ip->family < 0)
		return kk_err_set(err, EINVAL, "%s: invalid address `%s`", where, ip->address);
	return 0;
}

/* 0.1.0 / 0.2.0: {"ip4": {"ip", "gateway", "routes"}, "ip6": {...}, "dns"} */
static int parse_legacy(const cJSON *doc, struct kk_cni_result *res, struct kk_err *err)
{
	static const char *const keys[] = { "ip4", "ip6" };
	size_t k;

	for (k = 0; k < 2; k++) {
		const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(doc, keys[k]);
		struct kk_cni_ip *ip;

		if (!cfg || cJSON_IsNull(cfg))
			continue;
		if (!cJSON_IsObject(cfg))
			return kk_err_set(err, EINVAL, "`%s` is not an object", keys[k]);
		ip = add_ip(res);
		if (ip_entry(cfg, keys[k], "ip", ip, err) < 0)
			return -1;
		if (parse_routes(cJSON_GetObjectItemCaseSensitive(cfg, "routes"), res, err) < 0)
			return kk_err_wrap(err, "%s", keys[k]);
	}
	return parse_dns(cJSON_GetObjectItemCaseSensitive(doc, "dns"), &res->dns, err);
}

static int parse_current(const cJSON *doc, struct kk_cni_result *res, struct kk_err *err)
{
	const cJSON *ifs = cJSON_GetObjectItemCaseSensitive(doc, "interfaces");
	const cJSON *ips = cJSON_GetObjectItemCaseSensitive(doc, "ips"), *it;
	char where[40];
	size_t i;

	if (ifs && !cJSON_IsNull(ifs) && !cJSON_IsArray(ifs))
		return kk_err_set(err, EINVAL, "`interfaces` is not a list");
	if (cJSON_IsArray(ifs)) {
		res->interfaces =
			kk_xcalloc((size_t)cJSON_GetArraySize(ifs) + 1, sizeof(*res->interfaces));
		cJSON_ArrayForEach(it, ifs)
		{
			struct kk_cni_interface *iface = &res->interfaces[res->n_interfaces];

			i = res->n_interfaces++;
			snprintf(where, sizeof(where), "interfaces[%zu]", i);
			if (!cJSON_IsObject(it))
				return kk_err_set(err, EINVAL, "%s is not an object", where);
			if (entry_strings(it, where, 3,
					  (const char *const[]){ "name", "mac", "sandbox" },
					  (char **const[]){ &iface->name, &iface->mac,
							    &iface->sandbox },
					  err) < 0)
				return -1;
		}
	}
	if (ips && !cJSON_IsNull(ips) && !cJSON_IsArray(ips))
		return kk_err_set(err, EINVAL, "`ips` is not a list");
	i = 0;
	cJSON_ArrayForEach(it, ips)
	{
		const cJSON *idx = cJSON_GetObjectItemCaseSensitive(it, "interface");
		struct kk_cni_ip *ip = add_ip(res);

		snprintf(where, sizeof(where), "ips[%zu]", i);
		if (!cJSON_IsObject(it))
			return kk_err_set(err, EINVAL, "%s is not an object", where);
		if (ip_entry(it, where, "address", ip, err) < 0)
			return -1;
		if (idx && !cJSON_IsNull(idx)) {
			if (!cJSON_IsNumber(idx) || idx->valuedouble < 0 ||
			    idx->valuedouble >= (double)res->n_interfaces ||
			    idx->valuedouble != (double)idx->valueint)
				return kk_err_set(err, EINVAL,
						  "ips[%zu]: `interface` is not an index into "
						  "`interfaces`",
						  i);
			ip->interface = idx->valueint;
		}
		i++;
	}
	if (parse_routes(cJSON_GetObjectItemCaseSensitive(doc, "routes"), res, err) < 0)
		return -1;
	return parse_dns(cJSON_GetObjectItemCaseSensitive(doc, "dns"), &res->dns, err);
}

static int parse_doc(const cJSON *doc, const char *default_version, struct kk_cni_result *res,
		     struct kk_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "cniVersion");
	unsigned parts[3];

	if (!cJSON_IsObject(doc))
		return kk_err_set(err, EINVAL, "not a JSON object");
	if (v && !cJSON_IsString(v))
		return kk_err_set(err, EINVAL, "`cniVersion` is not a string");
	res->cni_version = kk_xstrdup(v && *v->valuestring ? v->valuestring
				      : default_version    ? default_version
							   : "0.1.0");
	if (kk_cni_version_parse(res->cni_version, parts) < 0)
		return kk_err_set(err, EINVAL, "invalid cniVersion `%s`", res->cni_version);
	if (parts[0] > 1)
		return kk_err_set(err, EINVAL, "unsupported result version `%s`", res->cni_version);
	if (kk_cni_version_cmp(res->cni_version, "0.3.0") < 0)
		return parse_legacy(doc, res, err);
	return parse_current(doc, res, err);
}

int kk_cni_result_parse(const char *json, const char *default_version, struct kk_cni_result **out,
			struct kk_err *err)
{
	cleanup_(kk_cni_result_freep) struct kk_cni_result *res = NULL;
	cJSON *doc = cJSON_Parse(json);
	int rc;

	if (!doc)
		return kk_err_set(err, EINVAL, "result is not valid JSON");
	res = kk_xcalloc(1, sizeof(*res));
	rc = parse_doc(doc, default_version, res, err);
	if (rc == 0) {
		res->json = cJSON_PrintUnformatted(doc);
	}
	cJSON_Delete(doc);
	if (rc < 0)
		return kk_err_wrap(err, "result");
	*out = TAKE_PTR(res);
	return 0;
}

int kk_cni_result_ipv4(const struct kk_cni_result *res, const char *ifname, char *buf, size_t size,
		       struct kk_err *err)
{
	const struct kk_cni_ip *found = NULL;
	size_t i;

	for (i = 0; i < res->n_ips && !found; i++) {
		const struct kk_cni_ip *ip = &res->ips[i];
		const struct kk_cni_interface *iface;

		if (ip->family != AF_INET || ip->interface < 0)
			continue;
		iface = &res->interfaces[ip->interface];
		if (iface->sandbox && (!ifname || strcmp(iface->name, ifname) == 0))
			found = ip;
	}
	for (i = 0; i < res->n_ips && !found; i++)
		if (res->ips[i].family == AF_INET)
			found = &res->ips[i];
	if (!found)
		return kk_err_set(err, ENOENT, "result has no IPv4 address");
	i = strcspn(found->address, "/");
	if (i >= size)
		return kk_err_set(err, ENOSPC, "address `%s` does not fit", found->address);
	memcpy(buf, found->address, i);
	buf[i] = '\0';
	return 0;
}

/* ---- conversion ------------------------------------------------------------------- */

static void set_string(cJSON *obj, const char *key, const char *value)
{
	cJSON *v = cJSON_CreateString(value);

	if (cJSON_GetObjectItemCaseSensitive(obj, key))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, v);
	else
		cJSON_AddItemToObject(obj, key, v);
}

/* 0.1.0/0.2.0 -> 0.3.0+: "ip4"/"ip6" become "ips" entries, their routes join "routes". */
static void convert_up_from_legacy(cJSON *res, bool with_version)
{
	static const char *const keys[] = { "ip4", "ip6" };
	cJSON *ips = cJSON_CreateArray(), *routes = cJSON_CreateArray();
	size_t k;

	for (k = 0; k < 2; k++) {
		cJSON *cfg = cJSON_DetachItemFromObjectCaseSensitive(res, keys[k]);
		cJSON *ip, *addr, *gw, *rts, *r;

		if (!cfg)
			continue;
		addr = cJSON_GetObjectItemCaseSensitive(cfg, "ip");
		gw = cJSON_GetObjectItemCaseSensitive(cfg, "gateway");
		rts = cJSON_GetObjectItemCaseSensitive(cfg, "routes");
		if (cJSON_IsString(addr)) {
			ip = cJSON_CreateObject();
			if (with_version)
				set_string(ip, "version", k == 0 ? "4" : "6");
			set_string(ip, "address", addr->valuestring);
			if (cJSON_IsString(gw))
				set_string(ip, "gateway", gw->valuestring);
			cJSON_AddItemToArray(ips, ip);
		}
		while (cJSON_IsArray(rts) && (r = cJSON_DetachItemFromArray(rts, 0)))
			cJSON_AddItemToArray(routes, r);
		cJSON_Delete(cfg);
	}
	cJSON_AddItemToObject(res, "ips", ips);
	if (cJSON_GetArraySize(routes) > 0)
		cJSON_AddItemToObject(res, "routes", routes);
	else
		cJSON_Delete(routes);
}

void kk_cni_result_convert(cJSON *res, const char *to)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(res, "cniVersion");
	const char *from = cJSON_IsString(v) && *v->valuestring ? v->valuestring : "0.1.0";
	unsigned parts[3];
	bool to_with_version;
	cJSON *ips, *ip;

	if (kk_cni_version_parse(from, parts) < 0 || kk_cni_version_parse(to, parts) < 0 ||
	    kk_cni_version_cmp(to, "0.3.0") < 0)
		return;
	/* 0.3.x and 0.4.0 tag each IP with "version"; 1.0.0 dropped it */
	to_with_version = kk_cni_version_cmp(to, "1.0.0") < 0;
	if (kk_cni_version_cmp(from, "0.3.0") < 0) {
		convert_up_from_legacy(res, to_with_version);
	} else {
		ips = cJSON_GetObjectItemCaseSensitive(res, "ips");
		cJSON_ArrayForEach(ip, ips)
		{
			const cJSON *addr = cJSON_GetObjectItemCaseSensitive(ip, "address");

			if (!to_with_version)
				cJSON_DeleteItemFromObjectCaseSensitive(ip, "version");
			else if (!cJSON_GetObjectItemCaseSensitive(ip, "version") &&
				 cJSON_IsString(addr))
				set_string(ip, "version",
					   address_family(addr->valuestring) == AF_INET6 ? "6"
											 : "4");
		}
	}
	set_string(res, "cniVersion", to);
}
