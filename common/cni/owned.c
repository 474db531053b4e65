/* common/cni/owned.c - ADD of kukeon's own conflist without a plugin process.
 *
 * The bridge plugin (containernetworking-plugins 1.1) with host-local IPAM does, for a bridge
 * that already exists:
 *   host-local  under an flock of <dataDir>/<network>/lock: refuse a second address for the
 *               same container and interface; take the next free address of the range after
 *               the one in `last_reserved_ip.0` (wrapping; the gateway skipped) by creating
 *               the file named after it, O_EXCL, holding "<container id>\r\n<ifname>"; write
 *               the address to `last_reserved_ip.0`;
 *   bridge      a veth pair made in the container's netns with the peer, "veth" + 8 random hex
 *               digits, placed in ours; the peer up, `accept_ra` 0, enslaved to the bridge
 *               (hairpin off, the kernel's default); in the container `accept_dad` 0,
 *               `arp_notify` 1, the address (with its broadcast), the link up, each route of
 *               the IPAM config through the gateway; ip_forward 1 (the bridge up with the
 *               gateway address, as its first ADD left it);
 *   result      [bridge, host veth, container veth with its sandbox], the address on
 *               interface 2 with the gateway, the IPAM routes, empty dns.
 * The same here, over rtnetlink, with the same files in the same format, so that the plugins'
 * DEL (ours, or upstream's through libcni) and host-local itself work on what is made here
 * and the other way round. Only for this shape, exactly: a bridge plugin with `bridge`,
 * `isGateway: true`, `ipMasq: false` and an `ipam` of type host-local with one range of one
 * IPv4 `subnet`, IPv4 `routes` and an optional `dataDir`; no CNI_ARGS. Anything else, or a
 * bridge that is not yet as the plugin leaves it (missing, as before the first cell of a
 * space; down; without the gateway address or with another IPv4 address), runs the
 * plugins. */
#include "common/cni/internal.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/veth.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/mem.h"

#define MAX_ROUTES 16

struct route4 {
	uint32_t dst; /* host order */
	int prefix;
	uint32_t gw; /* 0: the range's gateway */
};

/* The conflist's bridge plugin, read. Strings are lent by the conflist. */
struct shape {
	const char *bridge;
	const char *data_dir;
	const char *subnet; /* as written */
	uint32_t net;       /* host order */
	int prefix;
	struct route4 routes[MAX_ROUTES];
	const char *route_dst[MAX_ROUTES];
	size_t n_routes;
};

static bool only_keys(const cJSON *obj, const char *const *keys)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, obj)
	{
		const char *const *k;

		for (k = keys; *k && strcmp(*k, it->string) != 0; k++)
			;
		if (!*k)
			return false;
	}
	return true;
}

/* "a.b.c.d/n" into *addr (host order) and *prefix; false if it is not one */
static bool parse_cidr4(const char *s, uint32_t *addr, int *prefix)
{
	char buf[INET_ADDRSTRLEN + 4], *slash, *end;
	struct in_addr in;
	long n;

	if (!s || strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return false;
	*slash = '\0';
	n = strtol(slash + 1, &end, 10);
	if (*end || end == slash + 1 || n < 0 || n > 32 || inet_pton(AF_INET, buf, &in) != 1)
		return false;
	*addr = ntohl(in.s_addr);
	*prefix = (int)n;
	return true;
}

static uint32_t mask_of(int prefix)
{
	return prefix == 0 ? 0 : ~0u << (32 - prefix);
}

static bool read_shape(const struct kk_cni_conflist *net, struct shape *s)
{
	static const char *const br_keys[] = {
		"type", "bridge", "isGateway", "ipMasq", "ipam", NULL
	};
	static const char *const ipam_keys[] = { "type", "ranges", "routes", "dataDir", NULL };
	static const char *const range_keys[] = { "subnet", NULL };
	static const char *const route_keys[] = { "dst", "gw", NULL };
	const cJSON *br, *ipam, *ranges, *set, *range, *routes, *r;
	const char *v;

	memset(s, 0, sizeof(*s));
	if (kk_cni_version_cmp(kk_cni_conflist_version(net), "0.3.0") < 0 ||
	    !kk_cni_conflist_is_owned(net) ||
	    strcmp(kk_cni_conflist_plugin_type(net, 0), "bridge") != 0)
		return false;
	br = kk_cni_conflist_plugin(net, 0);
	ipam = cJSON_GetObjectItemCaseSensitive(br, "ipam");
	if (!only_keys(br, br_keys) ||
	    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(br, "isGateway")) ||
	    !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(br, "ipMasq")) ||
	    !only_keys(ipam, ipam_keys))
		return false;
	s->bridge = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(br, "bridge"));
	if (!s->bridge || !*s->bridge || strlen(s->bridge) >= IFNAMSIZ)
		return false;
	v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ipam, "dataDir"));
	s->data_dir = v && *v ? v : KK_CNI_HOSTLOCAL_DEFAULT_DATA_DIR;
	ranges = cJSON_GetObjectItemCaseSensitive(ipam, "ranges");
	set = cJSON_GetArrayItem(ranges, 0);
	range = cJSON_GetArrayItem(set, 0);
	if (cJSON_GetArraySize(ranges) != 1 || cJSON_GetArraySize(set) != 1 ||
	    !cJSON_IsObject(range) || !only_keys(range, range_keys))
		return false;
	s->subnet = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(range, "subnet"));
	/* host-local refuses a /31 or /32 and host bits in the subnet: its error, not ours */
	if (!parse_cidr4(s->subnet, &s->net, &s->prefix) || s->prefix > 30 ||
	    (s->net & ~mask_of(s->prefix)) != 0)
		return false;
	routes = cJSON_GetObjectItemCaseSensitive(ipam, "routes");
	if (routes && !cJSON_IsArray(routes))
		return false;
	cJSON_ArrayForEach(r, routes)
	{
		struct route4 *rt = &s->routes[s->n_routes];
		const char *gw = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "gw"));
		struct in_addr in = { 0 };

		if (s->n_routes == MAX_ROUTES || !cJSON_IsObject(r) || !only_keys(r, route_keys))
			return false;
		s->route_dst[s->n_routes] =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "dst"));
		if (!parse_cidr4(s->route_dst[s->n_routes], &rt->dst, &rt->prefix))
			return false;
		rt->dst &= mask_of(rt->prefix);
		if (cJSON_GetObjectItemCaseSensitive(r, "gw") &&
		    (!gw || inet_pton(AF_INET, gw, &in) != 1))
			return false;
		rt->gw = gw ? ntohl(in.s_addr) : 0;
		s->n_routes++;
	}
	return true;
}

static void ip4_str(uint32_t ip, char buf[INET_ADDRSTRLEN])
{
	struct in_addr in = { htonl(ip) };

	inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

/* ---- host-local ----------------------------------------------------------------------- */

struct lease {
	char *dir;  /* <dataDir>/<network> */
	char *file; /* the reservation */
	uint32_t ip, gw, first, last;
};

static void lease_clear(struct lease *l)
{
	free(l->dir);
	free(l->file);
}

/* host-local's lock: an flock of <dir>/lock (go-filemutex: created 0750, left empty), waited
 * for up to timeout_ms */
static int store_lock(const char *dir, int timeout_ms, int *fd, struct kk_err *err)
{
	cleanup_free char *path = kk_xasprintf("%s/lock", dir);
	cleanup_close int lfd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0750);
	struct timespec pause = { 0, 2 * 1000 * 1000 };
	int waited = 0;

	if (lfd < 0)
		return kk_err_sys(err, "host-local lock `%s`", path);
	while (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return kk_err_sys(err, "host-local lock `%s`", path);
		if (waited >= timeout_ms)
			return kk_err_set(err, ETIMEDOUT,
					  "timed out waiting for host-local lock `%s`", path);
		nanosleep(&pause, NULL);
		waited += 2;
	}
	*fd = TAKE_FD(lfd);
	return 0;
}

/* the whitespace-trimmed contents of dir/name into buf; false if unreadable */
static bool read_small(int dfd, const char *name, char *buf, size_t size)
{
	cleanup_close int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;
	char *p;

	if (fd < 0 || (n = read(fd, buf, size - 1)) < 0)
		return false;
	buf[n] = '\0';
	while (n > 0 && strchr(" \t\r\n\v\f", buf[n - 1]))
		buf[--n] = '\0';
	for (p = buf; *p && strchr(" \t\r\n\v\f", *p); p++)
		;
	memmove(buf, p, strlen(p) + 1);
	return true;
}

static bool in_range(const struct lease *l, uint32_t ip)
{
	return ip >= l->first && ip <= l->last;
}

/* host-local's GetByID under the lock: an address of the range already held by id/ifname */
static int check_not_held(const struct lease *l, const char *id, const char *ifname,
			  struct kk_err *err)
{
	cleanup_free char *match = kk_xasprintf("%s\r\n%s", id, ifname);
	DIR *d = opendir(l->dir);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return kk_err_sys(err, "open host-local store `%s`", l->dir);
	while (rc == 0 && (de = readdir(d))) {
		char buf[512];
		struct in_addr in;

		if (inet_pton(AF_INET, de->d_name, &in) != 1 || !in_range(l, ntohl(in.s_addr)) ||
		    !read_small(dirfd(d), de->d_name, buf, sizeof(buf)))
			continue;
		if (strcmp(buf, match) == 0 || strcmp(buf, id) == 0)
			rc = kk_err_set(err, EEXIST,
					"%s has been allocated to %s, duplicate allocation is not "
					"allowed",
					de->d_name, id);
	}
	closedir(d);
	return rc;
}

/* write all of text to fd */
static bool write_text(int fd, const char *text)
{
	size_t len = strlen(text);

	while (len) {
		ssize_t n = write(fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		text += n, len -= (size_t)n;
	}
	return true;
}

/* Create the reservation file of ip (O_EXCL). 1 if taken now, 0 if someone holds it. */
static int reserve(struct lease *l, uint32_t ip, const char *id, const char *ifname,
		   struct kk_err *err)
{
	char addr[INET_ADDRSTRLEN];
	cleanup_free char *path = NULL, *text = NULL, *last = NULL;
	cleanup_close int fd = -1;

	ip4_str(ip, addr);
	path = kk_xasprintf("%s/%s", l->dir, addr);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		return 0;
	if (fd < 0)
		return kk_err_sys(err, "reserve `%s`", path);
	text = kk_xasprintf("%s\r\n%s", id, ifname);
	if (!write_text(fd, text) || close(TAKE_FD(fd)) < 0) {
		kk_err_sys(err, "reserve `%s`", path);
		unlink(path);
		return -1;
	}
	/* host-local's Go ioutil.WriteFile: truncated in place, not renamed over */
	last = kk_xasprintf("%s/last_reserved_ip.0", l->dir);
	fd = open(last, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !write_text(fd, addr) || close(TAKE_FD(fd)) < 0) {
		kk_err_sys(err, "write `%s`", last);
		unlink(path);
		return -1;
	}
	l->file = TAKE_PTR(path);
	l->ip = ip;
	return 1;
}

/* host-local's ADD for one range: the next free address after the last one handed out */
static int lease_take(const struct shape *s, const char *network, const char *id,
		      const char *ifname, int timeout_ms, struct lease *l, struct kk_err *err)
{
	cleanup_close int lock = -1; /* closing it unlocks */
	char buf[64];
	uint32_t cur, start;
	struct in_addr in;
	int rc;

	l->dir = kk_xasprintf("%s/%s", s->data_dir, network);
	l->gw = s->net + 1;
	l->first = s->net + 1;
	l->last = (s->net | ~mask_of(s->prefix)) - 1;
	if (kk_mkdir_p(l->dir, 0755, err) < 0 || store_lock(l->dir, timeout_ms, &lock, err) < 0 ||
	    check_not_held(l, id, ifname, err) < 0)
		return -1;
	start = l->first;
	{
		cleanup_close int dfd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0 && read_small(dfd, "last_reserved_ip.0", buf, sizeof(buf)) &&
		    inet_pton(AF_INET, buf, &in) == 1 && in_range(l, ntohl(in.s_addr)))
			start = ntohl(in.s_addr) == l->last ? l->first : ntohl(in.s_addr) + 1;
	}
	cur = start;
	do {
		if (cur != l->gw) {
			rc = reserve(l, cur, id, ifname, err);
			if (rc != 0)
				return rc < 0 ? -1 : 0;
		}
		cur = cur == l->last ? l->first : cur + 1;
	} while (cur != start);
	return kk_err_set(err, ENOSPC, "no free IP address in subnet %s (host-local store `%s`)",
			  s->subnet, l->dir);
}

/* ---- links ---------------------------------------------------------------------------- */

struct link_info {
	int index;
	unsigned flags;
	char mac[18];
	char kind[16];
};

static void mac_str(const unsigned char *a, size_t n, char out[18])
{
	out[0] = '\0';
	if (n == 6)
		snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4],
			 a[5]);
}

/* RTM_GETLINK of name on fd. 1 with *li, 0 if there is no such link. */
static int link_get(int fd, const char *name, struct link_info *li, struct kk_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct kk_nl_req req, ans;
	const struct ifinfomsg *got;
	const struct rtattr *rta;
	char what[64];
	size_t len;
	int kerr = 0;

	kk_nl_init(&req, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	kk_nl_attr_str(&req, IFLA_IFNAME, name);
	memset(&ans, 0, sizeof(ans));
	snprintf(what, sizeof(what), "get link `%s`", name);
	if (kk_nl_talk(fd, &req, &ans, &kerr, what, err) < 0)
		return -1;
	if (kerr == -ENODEV)
		return 0;
	if (kerr != 0 || ans.nh.nlmsg_type != RTM_NEWLINK) {
		errno = kerr ? -kerr : EIO;
		return kk_err_sys(err, "%s", what);
	}
	got = NLMSG_DATA(&ans.nh);
	memset(li, 0, sizeof(*li));
	li->index = got->ifi_index;
	li->flags = got->ifi_flags;
	len = IFLA_PAYLOAD(&ans.nh);
	for (rta = IFLA_RTA(got); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFLA_ADDRESS)
			mac_str(RTA_DATA(rta), RTA_PAYLOAD(rta), li->mac);
		if (rta->rta_type == IFLA_LINKINFO) {
			const struct rtattr *in = RTA_DATA(rta);
			size_t ilen = RTA_PAYLOAD(rta);

			for (; RTA_OK(in, ilen); in = RTA_NEXT(in, ilen))
				if (in->rta_type == IFLA_INFO_KIND)
					snprintf(li->kind, sizeof(li->kind), "%.*s",
						 (int)RTA_PAYLOAD(in), (const char *)RTA_DATA(in));
		}
	}
	return 1;
}

static int link_set(int fd, int index, unsigned flags, unsigned change, int master,
		    const char *what, struct kk_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				 .ifi_index = index,
				 .ifi_flags = flags,
				 .ifi_change = change };
	struct kk_nl_req req;

	kk_nl_init(&req, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	if (master)
		kk_nl_attr(&req, IFLA_MASTER, &master, sizeof(master));
	return kk_nl_do(fd, &req, NULL, what, err);
}

/* an IPv4 address with its broadcast on link index. 0, or the kernel's negative errno in
 * *kerr (EEXIST: there already) */
static int addr_add(int fd, int index, uint32_t ip, int prefix, int *kerr, const char *what,
		    struct kk_err *err)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET,
				 .ifa_prefixlen = (unsigned char)prefix,
				 .ifa_index = (unsigned)index };
	uint32_t a = htonl(ip), brd = htonl(ip | ~mask_of(prefix));
	struct kk_nl_req req;

	kk_nl_init(&req, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	kk_nl_attr(&req, IFA_LOCAL, &a, 4);
	kk_nl_attr(&req, IFA_ADDRESS, &a, 4);
	kk_nl_attr(&req, IFA_BROADCAST, &brd, 4);
	return kk_nl_talk(fd, &req, NULL, kerr, what, err);
}

/* best effort, as the plugin: a sysctl that is not there is not an error */
static void sysctl_write(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, value, strlen(value)) < 0) {
		/* ignored: see above */
	}
	close(fd);
}

/* net.<family>.conf.<ifname>.<key> = value */
static void sysctl_conf(const char *family, const char *ifname, const char *key, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", family, ifname, key);
	sysctl_write(path, value);
}

/* ---- the container's side, on a thread in its netns ----------------------------------- */

struct veth_job {
	const struct shape *s;
	const struct lease *l;
	const char *ifname;
	int host_ns;              /* our netns, where the peer goes */
	char host_name[IFNAMSIZ]; /* out */
	char mac[18];             /* out: the container end's */
};

static int veth_create(int fd, struct veth_job *j, struct kk_err *err)
{
	for (int attempt = 0; attempt < 10; attempt++) {
		struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
		struct rtattr *info, *data, *peer;
		struct kk_nl_req req;
		struct link_info li = { 0 };
		char name[IFNAMSIZ];
		uint32_t rnd, zero = 0;
		int kerr = 0;

		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			return kk_err_sys(err, "random veth name");
		snprintf(name, sizeof(name), "veth%08x", rnd);
		kk_nl_init(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
		kk_nl_attr_str(&req, IFLA_IFNAME, j->ifname);
		/* the plugin's netlink library sends a txqueuelen of 0 for both ends */
		kk_nl_attr(&req, IFLA_TXQLEN, &zero, sizeof(zero));
		info = kk_nl_attr(&req, IFLA_LINKINFO, NULL, 0);
		kk_nl_attr_str(&req, IFLA_INFO_KIND, "veth");
		data = kk_nl_attr(&req, IFLA_INFO_DATA, NULL, 0);
		peer = kk_nl_attr(&req, VETH_INFO_PEER, &ifi, sizeof(ifi));
		kk_nl_attr_str(&req, IFLA_IFNAME, name);
		kk_nl_attr(&req, IFLA_TXQLEN, &zero, sizeof(zero));
		kk_nl_attr(&req, IFLA_NET_NS_FD, &j->host_ns, sizeof(j->host_ns));
		kk_nl_nest_end(&req, peer);
		kk_nl_nest_end(&req, data);
		kk_nl_nest_end(&req, info);
		if (kk_nl_talk(fd, &req, NULL, &kerr, "make veth pair", err) < 0)
			return -1;
		if (kerr == 0) {
			memcpy(j->host_name, name, sizeof(name));
			return 0;
		}
		if (kerr != -EEXIST) {
			errno = -kerr;
			return kk_err_sys(err, "make veth pair `%s`/`%s`", j->ifname, name);
		}
		/* the peer's name is taken on the host: another one; ours taken: an error */
		if (link_get(fd, j->ifname, &li, err) != 0)
			return kk_err_set(err, EEXIST,
					  "container veth name provided (%s) already "
					  "exists",
					  j->ifname);
	}
	return kk_err_set(err, EEXIST, "failed to find a unique veth name");
}

static int container_side(void *arg, struct kk_err *err)
{
	struct veth_job *j = arg;
	cleanup_close int fd = -1;
	struct link_info li = { 0 };
	char what[96];
	int kerr = 0;

	if (kk_nl_socket(&fd, err) < 0 || veth_create(fd, j, err) < 0)
		return -1;
	sysctl_conf("ipv6", j->ifname, "accept_dad", "0");
	sysctl_conf("ipv4", j->ifname, "arp_notify", "1");
	if (link_get(fd, j->ifname, &li, err) <= 0)
		return kk_err_set(err, ENODEV, "link `%s` vanished", j->ifname);
	memcpy(j->mac, li.mac, sizeof(j->mac));
	snprintf(what, sizeof(what), "add address to `%s`", j->ifname);
	if (addr_add(fd, li.index, j->l->ip, j->s->prefix, &kerr, what, err) < 0)
		return -1;
	if (kerr != 0) {
		errno = -kerr;
		return kk_err_sys(err, "%s", what);
	}
	snprintf(what, sizeof(what), "set link `%s` up", j->ifname);
	if (link_set(fd, li.index, IFF_UP, IFF_UP, 0, what, err) < 0)
		return -1;
	for (size_t i = 0; i < j->s->n_routes; i++) {
		const struct route4 *r = &j->s->routes[i];
		struct rtmsg rtm = { .rtm_family = AF_INET,
				     .rtm_dst_len = (unsigned char)r->prefix,
				     .rtm_table = RT_TABLE_MAIN,
				     .rtm_protocol = RTPROT_BOOT,
				     .rtm_scope = RT_SCOPE_UNIVERSE,
				     .rtm_type = RTN_UNICAST };
		uint32_t dst = htonl(r->dst), gw = htonl(r->gw ? r->gw : j->l->gw);
		struct kk_nl_req req;

		kk_nl_init(&req, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_APPEND, &rtm, sizeof(rtm));
		if (r->prefix)
			kk_nl_attr(&req, RTA_DST, &dst, 4);
		kk_nl_attr(&req, RTA_GATEWAY, &gw, 4);
		kk_nl_attr(&req, RTA_OIF, &li.index, sizeof(li.index));
		snprintf(what, sizeof(what), "add route `%s` to `%s`", j->s->route_dst[i],
			 j->ifname);
		if (kk_nl_do(fd, &req, NULL, what, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- the host's side ------------------------------------------------------------------ */

struct bridge_addrs {
	int index;
	uint32_t gw;
	int prefix;
	bool found, others;
};

static void bridge_addr(const struct nlmsghdr *h, void *arg)
{
	struct bridge_addrs *b = arg;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	const struct rtattr *rta;
	size_t len = IFA_PAYLOAD(h);

	if (h->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != b->index)
		return;
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		uint32_t a;

		if (rta->rta_type != IFA_LOCAL || RTA_PAYLOAD(rta) != 4)
			continue;
		memcpy(&a, RTA_DATA(rta), 4);
		if (ntohl(a) == b->gw && ifa->ifa_prefixlen == b->prefix)
			b->found = true;
		else
			b->others = true;
	}
}

/* Is the bridge ready as the plugin leaves it after its first ADD: up, with the gateway
 * address gw/prefix and no other IPv4 address (else the plugin adds the address, pins the
 * bridge's MAC, or says the bridge has another address)? */
static int bridge_ready(int fd, const struct link_info *br, uint32_t gw, int prefix,
			struct kk_err *err)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET };
	struct bridge_addrs b = { br->index, gw, prefix, false, false };

	if (!(br->flags & IFF_UP))
		return 0;
	if (kk_nl_dump(fd, RTM_GETADDR, &ifa, sizeof(ifa), bridge_addr, &b,
		       "list the addresses of the bridge", err) < 0)
		return -1;
	return b.found && !b.others;
}

static int host_side(int fd, const struct shape *s, const struct link_info *br, const char *veth,
		     char veth_mac[18], struct kk_err *err)
{
	struct link_info li = { 0 };
	char what[96];

	if (link_get(fd, veth, &li, err) <= 0)
		return kk_err_set(err, ENODEV, "link `%s` vanished", veth);
	memcpy(veth_mac, li.mac, 18);
	sysctl_conf("ipv6", veth, "accept_ra", "0");
	snprintf(what, sizeof(what), "connect `%s` to bridge `%s`", veth, s->bridge);
	if (link_set(fd, li.index, IFF_UP, IFF_UP, br->index, what, err) < 0)
		return -1;
	{
		cleanup_close int dfd =
			open("/proc/sys/net/ipv4", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		char v[8];

		if (dfd < 0 || !read_small(dfd, "ip_forward", v, sizeof(v)) || strcmp(v, "1") != 0)
			sysctl_write("/proc/sys/net/ipv4/ip_forward", "1");
	}
	return 0;
}

static cJSON *result_doc(const struct kk_cni_conflist *net, const struct kk_cni_attachment *att,
			 const struct shape *s, const struct lease *l, const char *br_mac,
			 const char *veth, const char *veth_mac, const char *mac)
{
	cJSON *doc = cJSON_CreateObject(), *ifs, *o, *ips;
	char addr[INET_ADDRSTRLEN + 4], gw[INET_ADDRSTRLEN];

	cJSON_AddStringToObject(doc, "cniVersion", kk_cni_conflist_version(net));
	ifs = cJSON_AddArrayToObject(doc, "interfaces");
	o = cJSON_CreateObject();
	cJSON_AddItemToArray(ifs, o);
	cJSON_AddStringToObject(o, "name", s->bridge);
	cJSON_AddStringToObject(o, "mac", br_mac);
	o = cJSON_CreateObject();
	cJSON_AddItemToArray(ifs, o);
	cJSON_AddStringToObject(o, "name", veth);
	cJSON_AddStringToObject(o, "mac", veth_mac);
	o = cJSON_CreateObject();
	cJSON_AddItemToArray(ifs, o);
	cJSON_AddStringToObject(o, "name", att->ifname);
	cJSON_AddStringToObject(o, "mac", mac);
	cJSON_AddStringToObject(o, "sandbox", att->netns);
	ips = cJSON_AddArrayToObject(doc, "ips");
	o = cJSON_CreateObject();
	cJSON_AddItemToArray(ips, o);
	/* 0.3.x and 0.4.0 tag an address with its family; 1.0.0 dropped it */
	if (kk_cni_version_cmp(kk_cni_conflist_version(net), "1.0.0") < 0)
		cJSON_AddStringToObject(o, "version", "4");
	cJSON_AddNumberToObject(o, "interface", 2);
	ip4_str(l->ip, addr);
	snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), "/%d", s->prefix);
	cJSON_AddStringToObject(o, "address", addr);
	ip4_str(l->gw, gw);
	cJSON_AddStringToObject(o, "gateway", gw);
	if (s->n_routes) {
		cJSON *routes = cJSON_AddArrayToObject(doc, "routes");

		for (size_t i = 0; i < s->n_routes; i++) {
			const cJSON *r =
				cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
							   cJSON_GetObjectItemCaseSensitive(
								   kk_cni_conflist_plugin(net, 0),
								   "ipam"),
							   "routes"),
						   (int)i);

			cJSON_AddItemToArray(routes, cJSON_Duplicate(r, true));
		}
	}
	cJSON_AddItemToObject(doc, "dns", cJSON_CreateObject());
	return doc;
}

int kk_cni_owned_add(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
		     const struct kk_cni_attachment *att, cJSON **result, struct kk_err *err)
{
	const char *network = kk_cni_conflist_name(net);
	cleanup_close int fd = -1, host_ns = -1;
	cleanup_(lease_clear) struct lease l = { 0 };
	struct veth_job job = { 0 };
	struct link_info br = { 0 };
	struct shape s;
	char veth_mac[18] = "";
	int timeout_ms = host->timeout_ms > 0 ? host->timeout_ms : KK_CNI_DEFAULT_TIMEOUT_MS;
	int rc;

	if ((att->args && att->args[0]) || !read_shape(net, &s))
		return 0;
	if (kk_nl_socket(&fd, err) < 0)
		return -1;
	/* the plugin makes the bridge and its address, or says what is wrong */
	rc = link_get(fd, s.bridge, &br, err);
	if (rc > 0)
		rc = strcmp(br.kind, "bridge") == 0
			     ? bridge_ready(fd, &br, s.net + 1, s.prefix, err)
			     : 0;
	if (rc <= 0)
		return rc;
	host_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (host_ns < 0)
		return kk_err_sys(err, "our network namespace");
	if (lease_take(&s, network, att->container_id, att->ifname, timeout_ms, &l, err) < 0)
		return kk_err_wrap(err, "plugin `host-local`");
	job = (struct veth_job){ &s, &l, att->ifname, host_ns, "", "" };
	if (kk_cni_in_netns(att->netns, container_side, &job, err) < 0)
		goto undo;
	if (host_side(fd, &s, &br, job.host_name, veth_mac, err) < 0)
		goto undo;
	/* its MAC again: it may change when the first port joins */
	rc = link_get(fd, s.bridge, &br, err);
	if (rc == 0)
		kk_err_set(err, ENODEV, "bridge `%s` vanished", s.bridge);
	if (rc <= 0)
		goto undo;
	*result = result_doc(net, att, &s, &l, br.mac, job.host_name, veth_mac, job.mac);
	return 1;
undo:
	if (job.host_name[0]) {
		struct kk_err ignored = { 0 };

		kk_cni_link_delete(job.host_name, &ignored); /* takes its peer with it */
	}
	if (l.file)
		unlink(l.file);
	return kk_err_wrap(err, "plugin `bridge`");
}
