/* common/cni/link.c - list links and remove what a network left on the host: its bridge (rtnetlink,
 * no `ip` shell-out), then its cache entries and host-local store (purge.c); bring a netns's
 * loopback up. */
#include "common/cni/cni.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/cni/internal.h"
#include "common/mem.h"

/* the bridge plugin's own default when `bridge` is not set */
#define BRIDGE_DEFAULT_NAME "cni0"

/* A request for link ifname: RTM_<type> with flags/change. */
static int link_req(struct kk_nl_req *req, int type, const char *ifname, unsigned flags,
		    unsigned change, struct kk_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				 .ifi_flags = flags,
				 .ifi_change = change };
	size_t len = ifname ? strlen(ifname) : 0;

	if (len == 0 || len >= IFNAMSIZ) {
		kk_err_set(err, EINVAL, "link name `%s` is not a valid interface name",
			   ifname ? ifname : "");
		return -1; /* spelled out: the analyzer cannot see kk_err_set's -1 */
	}
	kk_nl_init(req, type, 0, &ifi, sizeof(ifi));
	kk_nl_attr_str(req, IFLA_IFNAME, ifname);
	return 0;
}

int kk_cni_link_delete(const char *ifname, struct kk_err *err)
{
	struct kk_nl_req req;
	char what[64];
	int kerr = 0;

	if (link_req(&req, RTM_DELLINK, ifname, 0, 0, err) < 0)
		return -1;
	snprintf(what, sizeof(what), "delete link `%s`", ifname);
	if (kk_nl_talk(-1, &req, NULL, &kerr, what, err) < 0)
		return -1;
	if (kerr == 0)
		return 1;
	if (kerr == -ENODEV)
		return 0;
	errno = -kerr;
	return kk_err_sys(err, "%s", what);
}

static int loopback_up(void *arg, struct kk_err *err)
{
	struct kk_nl_req req;

	(void)arg;
	if (link_req(&req, RTM_NEWLINK, "lo", IFF_UP, IFF_UP, err) < 0)
		return -1;
	return kk_nl_do(-1, &req, NULL, "set link `lo` up", err);
}

int kk_cni_netns_loopback_up(const char *netns, struct kk_err *err)
{
	return kk_cni_in_netns(netns, loopback_up, NULL, err);
}

int kk_cni_network_teardown(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
			    struct kk_err *err)
{
	const char *name = kk_cni_conflist_name(net);
	size_t i, n = kk_cni_conflist_n_plugins(net);
	int removed = 0, rc;

	for (i = 0; i < n; i++) {
		const cJSON *br;

		if (strcmp(kk_cni_conflist_plugin_type(net, i), "bridge") != 0)
			continue;
		br = cJSON_GetObjectItemCaseSensitive(kk_cni_conflist_plugin(net, i), "bridge");
		rc = kk_cni_link_delete(cJSON_IsString(br) && *br->valuestring
						? br->valuestring
						: BRIDGE_DEFAULT_NAME,
					err);
		if (rc < 0)
			return kk_err_wrap(err, "network `%s`: teardown", name);
		removed += rc;
	}
	rc = kk_cni_network_purge(host, net, err);
	if (rc < 0)
		return kk_err_wrap(err, "network `%s`: teardown", name);
	return removed + rc;
}

/* one RTM_NEWLINK message of the dump into list */
static void link_add(const struct nlmsghdr *h, struct kk_cni_link **list, size_t *n)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct kk_cni_link l = { .index = ifi->ifi_index };
	const struct rtattr *rta = IFLA_RTA(ifi);
	size_t len = IFLA_PAYLOAD(h);

	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFLA_IFNAME)
			snprintf(l.name, sizeof(l.name), "%.*s", (int)RTA_PAYLOAD(rta),
				 (const char *)RTA_DATA(rta));
		else if (rta->rta_type == IFLA_MASTER && RTA_PAYLOAD(rta) >= sizeof(int))
			memcpy(&l.master, RTA_DATA(rta), sizeof(int));
		else if (rta->rta_type == IFLA_LINK && RTA_PAYLOAD(rta) >= sizeof(int))
			memcpy(&l.peer, RTA_DATA(rta), sizeof(int));
		else if (rta->rta_type == IFLA_LINK_NETNSID)
			l.peer_elsewhere = true;
	}
	*list = kk_xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = l;
}

struct link_acc {
	struct kk_cni_link *list;
	size_t n;
};

static void link_acc_add(const struct nlmsghdr *h, void *arg)
{
	struct link_acc *a = arg;

	if (h->nlmsg_type == RTM_NEWLINK)
		link_add(h, &a->list, &a->n);
}

int kk_cni_link_list(struct kk_cni_link **out, size_t *n, struct kk_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct link_acc a = { 0 };

	if (kk_nl_dump(-1, RTM_GETLINK, &ifi, sizeof(ifi), link_acc_add, &a, "list links", err) <
	    0) {
		free(a.list);
		return -1;
	}
	*out = a.list;
	*n = a.n;
	return 0;
}
