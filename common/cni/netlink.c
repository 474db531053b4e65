/* common/cni/netlink.c - rtnetlink requests (one message, its attributes, the kernel's answer)
 * and work done inside another network namespace. */
#include "common/cni/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/mem.h"

#define NETLINK_TIMEOUT_S 5

void kk_nl_init(struct kk_nl_req *req, int type, int flags, const void *hdr, size_t hdr_len)
{
	memset(req, 0, sizeof(*req));
	req->nh.nlmsg_len = NLMSG_LENGTH(hdr_len);
	req->nh.nlmsg_type = (unsigned short)type;
	req->nh.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
	req->nh.nlmsg_seq = 1;
	memcpy(NLMSG_DATA(&req->nh), hdr, hdr_len);
}

struct rtattr *kk_nl_attr(struct kk_nl_req *req, int type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)(req->buf + NLMSG_ALIGN(req->nh.nlmsg_len));

	/* the requests built here are a few hundred bytes: running out is a bug */
	if (NLMSG_ALIGN(req->nh.nlmsg_len) + RTA_SPACE(len) > sizeof(req->buf))
		abort();
	rta->rta_type = (unsigned short)type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	req->nh.nlmsg_len = NLMSG_ALIGN(req->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

void kk_nl_attr_str(struct kk_nl_req *req, int type, const char *s)
{
	kk_nl_attr(req, type, s, strlen(s) + 1);
}

void kk_nl_nest_end(struct kk_nl_req *req, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)(req->buf + req->nh.nlmsg_len - (char *)nest);
}

int kk_nl_socket(int *fd, struct kk_err *err)
{
	struct timeval tv = { .tv_sec = NETLINK_TIMEOUT_S };
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (s < 0)
		return kk_err_sys(err, "netlink socket");
	if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		kk_err_sys(err, "netlink socket timeout");
		close(s);
		return -1;
	}
	*fd = s;
	return 0;
}

/* a sequence number of this process's own, so that an answer is never taken for another's */
static unsigned next_seq(void)
{
	static unsigned seq;

	return __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
}

/* Send req on fd (-1: a socket of its own), then fn(h, arg) for every answer to it until the
 * kernel ends it: with an ack or error (*kerr: 0 or its negative errno) or NLMSG_DONE (0). */
static int exchange(int fd, struct kk_nl_req *req, void (*fn)(const struct nlmsghdr *h, void *arg),
		    void *arg, int *kerr, const char *what, struct kk_err *err)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	cleanup_free char *buf = kk_xmalloc(32768);
	cleanup_close int own = -1;

	if (fd < 0) {
		if (kk_nl_socket(&own, err) < 0)
			return kk_err_wrap(err, "%s", what);
		fd = own;
	}
	req->nh.nlmsg_seq = next_seq();
	if (sendto(fd, req, req->nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return kk_err_sys(err, "%s: netlink send", what);
	for (;;) {
		ssize_t got = recv(fd, buf, 32768, 0);
		size_t left;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return kk_err_sys(err, "%s: netlink receive", what);
		left = (size_t)got;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_seq != req->nh.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE) {
				*kerr = 0;
				return 0;
			}
			if (h->nlmsg_type != NLMSG_ERROR) {
				fn(h, arg);
				continue;
			}
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return kk_err_set(err, EIO, "%s: short netlink answer", what);
			*kerr = e->error;
			return 0;
		}
	}
}

/* keep the (last) answer in arg, a struct kk_nl_req, if there is one to keep */
static void keep_answer(const struct nlmsghdr *h, void *arg)
{
	struct kk_nl_req *ans = arg;

	if (ans && h->nlmsg_len <= sizeof(ans->buf))
		memcpy(ans->buf, h, h->nlmsg_len);
}

int kk_nl_talk(int fd, struct kk_nl_req *req, struct kk_nl_req *ans, int *kerr, const char *what,
	       struct kk_err *err)
{
	return exchange(fd, req, keep_answer, ans, kerr, what, err);
}

int kk_nl_do(int fd, struct kk_nl_req *req, struct kk_nl_req *ans, const char *what,
	     struct kk_err *err)
{
	int kerr = 0;

	if (kk_nl_talk(fd, req, ans, &kerr, what, err) < 0)
		return -1;
	if (kerr == 0)
		return 0;
	errno = -kerr;
	return kk_err_sys(err, "%s", what);
}

int kk_nl_dump(int fd, int type, const void *hdr, size_t hdr_len,
	       void (*fn)(const struct nlmsghdr *h, void *arg), void *arg, const char *what,
	       struct kk_err *err)
{
	struct kk_nl_req req;
	int kerr = 0;

	kk_nl_init(&req, type, NLM_F_DUMP, hdr, hdr_len);
	req.nh.nlmsg_flags &= (unsigned short)~NLM_F_ACK;
	if (exchange(fd, &req, fn, arg, &kerr, what, err) < 0)
		return -1;
	if (kerr == 0)
		return 0;
	errno = -kerr;
	return kk_err_sys(err, "%s", what);
}

/* setns moves only the calling thread, and a thread that moved must not go back to serve
 * anyone else: a thread of its own that ends where it is */
struct in_netns {
	int ns_fd;
	int (*fn)(void *arg, struct kk_err *err);
	void *arg;
	int rc;
	struct kk_err err;
};

static void *in_netns_run(void *arg)
{
	struct in_netns *t = arg;

	if (setns(t->ns_fd, CLONE_NEWNET) < 0)
		t->rc = kk_err_sys(&t->err, "enter the network namespace");
	else
		t->rc = t->fn(t->arg, &t->err);
	return NULL;
}

int kk_cni_in_netns(const char *netns, int (*fn)(void *arg, struct kk_err *err), void *arg,
		    struct kk_err *err)
{
	cleanup_close int ns_fd = open(netns, O_RDONLY | O_CLOEXEC);
	struct in_netns t = { .ns_fd = ns_fd, .fn = fn, .arg = arg };
	pthread_t th;
	int rc;

	if (ns_fd < 0)
		return kk_err_sys(err, "netns `%s`", netns);
	rc = pthread_create(&th, NULL, in_netns_run, &t);
	if (rc != 0) {
		errno = rc;
		return kk_err_sys(err, "netns `%s`: thread", netns);
	}
	pthread_join(th, NULL);
	if (t.rc < 0) {
		*err = t.err;
		return kk_err_wrap(err, "netns `%s`", netns);
	}
	return t.rc;
}
