/* common/cni/link.c - list links and remove what a network left on the host: its bridge (rtnetlink,
 * no `ip` shell-out), then its cache entries and host-local store (purge.c). */
#include "common/cni/cni.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/cni/internal.h"
#include "common/mem.h"

/* the bridge plugin's own default when `bridge` is not set */
#define BRIDGE_DEFAULT_NAME "cni0"
#define NETLINK_TIMEOUT_S   5

int kk_cni_link_delete(const char *ifname, struct kk_err *err)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attrs[RTA_SPACE(IFNAMSIZ)];
	} req;
	union {
		struct nlmsghdr nh;
		char buf[4096];
	} ans;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = NETLINK_TIMEOUT_S };
	cleanup_close int fd = -1;
	struct rtattr *rta;
	size_t len = ifname ? strlen(ifname) : 0;
	ssize_t n;
	size_t left;

	if (len == 0 || len >= IFNAMSIZ)
		return kk_err_set(err, EINVAL, "link name `%s` is not a valid interface name",
				  ifname ? ifname : "");
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	req.nh.nlmsg_type = RTM_DELLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
	rta->rta_type = IFLA_IFNAME;
	rta->rta_len = RTA_LENGTH(len + 1);
	memcpy(RTA_DATA(rta), ifname, len + 1);
	req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return kk_err_sys(err, "delete link `%s`: netlink socket", ifname);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return kk_err_sys(err, "delete link `%s`: netlink socket timeout", ifname);
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return kk_err_sys(err, "delete link `%s`: netlink send", ifname);
	for (;;) {
		struct nlmsghdr *h;

		n = recv(fd, &ans, sizeof(ans), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return kk_err_sys(err, "delete link `%s`: netlink receive", ifname);
		left = (size_t)n;
		for (h = &ans.nh; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_seq != req.nh.nlmsg_seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return kk_err_set(err, EIO,
						  "delete link `%s`: short netlink answer", ifname);
			if (e->error == 0)
				return 1;
			if (e->error == -ENODEV)
				return 0;
			errno = -e->error;
			return kk_err_sys(err, "delete link `%s`", ifname);
		}
	}
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

int kk_cni_link_list(struct kk_cni_link **out, size_t *n, struct kk_err *err)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
			.nlmsg_type = RTM_GETLINK,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1 },
		.ifi = { .ifi_family = AF_UNSPEC },
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = NETLINK_TIMEOUT_S };
	cleanup_free struct kk_cni_link *list = NULL;
	cleanup_free char *buf = kk_xmalloc(32768);
	cleanup_close int fd = -1;
	size_t count = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return kk_err_sys(err, "list links: netlink socket");
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return kk_err_sys(err, "list links: netlink socket timeout");
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return kk_err_sys(err, "list links: netlink send");
	for (;;) {
		ssize_t got = recv(fd, buf, 32768, 0);
		size_t left;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return kk_err_sys(err, "list links: netlink receive");
		left = (size_t)got;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != req.nh.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE) {
				*out = TAKE_PTR(list);
				*n = count;
				return 0;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				errno = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) ? -e->error : EIO;
				return kk_err_sys(err, "list links");
			}
			if (h->nlmsg_type == RTM_NEWLINK)
				link_add(h, &list, &count);
		}
	}
}
