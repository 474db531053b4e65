/* common/tty/proto.c - TerminalController JSON-RPC framing, fd passing, the detach key. */
#include "common/tty/proto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/sock.h"

static int connect_once(const char *sock, int timeout_ms, int *out, struct kk_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	cleanup_close int fd = -1;

	if (strlen(sock) >= sizeof(sa.sun_path))
		return kk_err_set(err, ENAMETOOLONG, "socket `%s`: path too long", sock);
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return kk_err_sys(err, "socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return kk_err_sys(err, "connect to `%s`", sock);
	*out = TAKE_FD(fd);
	return 0;
}

static void close_fds(struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int *fds = (int *)CMSG_DATA(c);

			for (size_t i = 0; i < n; i++)
				close(fds[i]);
		}
}

/* The first descriptor passed in mh (the rest closed), or -1. */
static int take_fd(struct msghdr *mh)
{
	int got = -1;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int *fds = (int *)CMSG_DATA(c);

			for (size_t i = 0; i < n; i++) {
				if (got < 0)
					got = fds[i];
				else
					close(fds[i]);
			}
		}
	return got;
}

int kk_tty_call(const char *sock, const char *method, const char *params, int timeout_ms,
		cJSON **result, int *fd_out, struct kk_err *err)
{
	static const int backoff_ms[] = { 0, 200, 400 };
	static unsigned long next_id;
	cleanup_close int fd = -1;
	cleanup_close int passed = -1;
	cleanup_free char *req = NULL, *buf = NULL;
	cleanup_(kk_json_freep) cJSON *reply = NULL;
	const cJSON *e, *r;
	size_t len = 0;
	struct kk_err ce = { 0 };

	for (size_t i = 0; i < sizeof(backoff_ms) / sizeof(*backoff_ms); i++) {
		if (backoff_ms[i])
			nanosleep(&(struct timespec){ 0, backoff_ms[i] * 1000000L }, NULL);
		ce = (struct kk_err){ 0 };
		if (connect_once(sock, timeout_ms, &fd, &ce) == 0)
			break;
	}
	if (fd < 0) {
		*err = ce;
		return -1;
	}
	req = kk_xasprintf("{\"method\":\"" KK_TTY_SERVICE ".%s\",\"params\":[%s],\"id\":%lu}\n",
			   method, params ? params : "{}",
			   __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED));
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
		return kk_err_sys(err, "%s: send", method);
	buf = kk_xmalloc(KK_TTY_MSG_MAX + 1);
	while (!memchr(buf, '\n', len)) {
		char cbuf[KK_TTY_CMSG_MAX] __attribute__((aligned(8)));
		struct iovec iov = { buf + len, KK_TTY_MSG_MAX - len };
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		ssize_t got;

		if (len == KK_TTY_MSG_MAX)
			return kk_err_set(err, EMSGSIZE, "%s: reply longer than %d bytes", method,
					  KK_TTY_MSG_MAX);
		got = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (got < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return kk_err_set(err, ETIMEDOUT, "%s: no reply within %d ms",
						  method, timeout_ms);
			return kk_err_sys(err, "%s: receive", method);
		}
		if (passed < 0)
			passed = take_fd(&mh);
		else
			close_fds(&mh);
		if (got == 0)
			return kk_err_set(err, ECONNRESET, "%s: connection closed before a reply",
					  method);
		len += (size_t)got;
	}
	if (kk_json_parse(buf, (size_t)((char *)memchr(buf, '\n', len) - buf), "reply", &reply,
			  err) < 0)
		return kk_err_wrap(err, "%s", method);
	e = cJSON_GetObjectItemCaseSensitive(reply, "error");
	if (e && !cJSON_IsNull(e))
		return kk_err_set(err, EPROTO, "%s",
				  cJSON_IsString(e) ? e->valuestring : "malformed error");
	r = cJSON_GetObjectItemCaseSensitive(reply, "result");
	if (result)
		*result = r ? cJSON_Duplicate(r, true) : cJSON_CreateNull();
	if (fd_out)
		*fd_out = TAKE_FD(passed);
	return 0;
}

/* ---- server ---- */

int kk_tty_request_parse(const char *line, size_t len, struct kk_tty_request *out,
			 struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *doc = NULL;
	const cJSON *m, *p;

	if (kk_json_parse(line, len, "request", &doc, err) < 0)
		return -1;
	m = cJSON_GetObjectItemCaseSensitive(doc, "method");
	if (!cJSON_IsString(m))
		return kk_err_set(err, EINVAL, "request: method: not a string");
	if (strncmp(m->valuestring, KK_TTY_SERVICE ".", sizeof(KK_TTY_SERVICE)) != 0)
		return kk_err_set(err, ENOSYS, "rpc: can't find service %s", m->valuestring);
	p = cJSON_GetObjectItemCaseSensitive(doc, "params");
	out->method = m->valuestring + sizeof(KK_TTY_SERVICE);
	out->param = cJSON_IsArray(p) ? cJSON_GetArrayItem(p, 0) : NULL;
	out->id = cJSON_GetObjectItemCaseSensitive(doc, "id");
	out->doc = TAKE_PTR(doc);
	return 0;
}

void kk_tty_request_clear(struct kk_tty_request *r)
{
	cJSON_Delete(r->doc);
	memset(r, 0, sizeof(*r));
}

int kk_tty_reply(int fd, const cJSON *id, const char *result, const char *error, int pass_fd,
		 struct kk_err *err)
{
	cleanup_free char *idtext = id ? kk_json_print(id, KK_JSON_COMPACT) : kk_xstrdup("null");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	cleanup_free char *line = NULL;

	if (error) {
		kk_json_append_string(&buf, &len, &cap, error);
		line = kk_xasprintf("{\"id\":%s,\"result\":null,\"error\":%s}\n", idtext, buf);
	} else {
		line = kk_xasprintf("{\"id\":%s,\"result\":%s,\"error\":null}\n", idtext,
				    result ? result : "null");
	}
	free(buf);
	if (kk_sock_send_all(fd, line, strlen(line), pass_fd, err) < 0)
		return kk_err_wrap(err, "reply");
	return 0;
}

/* ---- base64 ---- */

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

int kk_tty_base64_decode(const char *in, unsigned char **out, size_t *n, struct kk_err *err)
{
	size_t len = strlen(in), o = 0;
	cleanup_free unsigned char *buf = NULL;
	uint32_t acc = 0;
	int bits = 0;

	if (len % 4)
		return kk_err_set(err, EINVAL, "illegal base64 data at input byte %zu", len);
	while (len && in[len - 1] == '=' && len > strlen(in) - 2)
		len--;
	buf = kk_xmalloc(len / 4 * 3 + 3);
	for (size_t i = 0; i < len; i++) {
		int v = b64_value(in[i]);

		if (v < 0)
			return kk_err_set(err, EINVAL, "illegal base64 data at input byte %zu", i);
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (unsigned char)(acc >> bits);
		}
	}
	*out = TAKE_PTR(buf);
	*n = o;
	return 0;
}

/* ---- the detach key ---- */

size_t kk_tty_detach_feed(struct kk_tty_detach *d, const char *in, size_t n, char *out,
			  bool *detach)
{
	static const char marker[] = "\x1b[20"; /* then '0' or '1', then '~' */
	size_t o = 0;

	*detach = false;
	for (size_t i = 0; i < n; i++) {
		char c = in[i];

		/* bracketed paste markers, tracked across reads */
		if (d->esc < 4 && c == marker[d->esc])
			d->esc++;
		else if (d->esc == 4 && (c == '0' || c == '1')) {
			d->which = c;
			d->esc++;
		} else if (d->esc == 5 && c == '~') {
			d->paste = d->which == '0';
			d->esc = 0;
		} else
			d->esc = c == marker[0] ? 1 : 0;

		if (!d->paste && (unsigned char)c == KK_TTY_DETACH) {
			if (d->armed) {
				out[o++] = '\a';
				d->armed = false;
				*detach = true;
				return o;
			}
			d->armed = true;
		} else
			d->armed = false;
		out[o++] = c;
	}
	return o;
}
