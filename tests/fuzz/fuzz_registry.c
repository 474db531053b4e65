/* tests/fuzz/fuzz_registry.c - libFuzzer target for what a registry sends back to a pull
 * (common/registry): status lines, headers (WWW-Authenticate, Content-Type, Location,
 * Content-Range ...), manifest and index bodies, token replies, error bodies, as raw HTTP
 * from a real socket.
 *
 * The input is the server's answers, one per connection, cut at "\n==next==\n"; "@PORT@"
 * in them becomes the port of the server (a Bearer realm or a redirect pointing back at it).
 * A thread serves them on 127.0.0.1 in the order the connections come (a TLS hello is
 * closed on unanswered: the client then falls back to plain HTTP, as it does on loopback),
 * then a 404 to anything more. The client, with credentials, asks for a manifest and then
 * for a blob from offset 10, as a pull does. Whatever the answers, each call returns with a
 * message on failure; a manifest comes with its media type and at most the size asked; a
 * blob's sink gets exactly the bytes reported. Seeds: answers recorded from Debian's
 * docker-registry (plain and htpasswd) and the Bearer proxy of the bats suites. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/model/model.h"
#include "common/registry/registry.h"
#include "tests/fuzz/fuzz.h"

#define SEP          "\n==next==\n"
#define MAX_ANSWERS  16
#define MANIFEST_MAX 65536

static const char fallback[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

static struct {
	pthread_mutex_t mu;
	int fd;
	char port[8];
	char *answer[MAX_ANSWERS];
	size_t len[MAX_ANSWERS], n, next;
} srv = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* the next answer, a copy */
static char *take_answer(size_t *len)
{
	char *a;

	pthread_mutex_lock(&srv.mu);
	if (srv.next < srv.n) {
		*len = srv.len[srv.next];
		a = malloc(*len + 1);
		memcpy(a, srv.answer[srv.next++], *len);
	} else {
		*len = sizeof(fallback) - 1;
		a = strdup(fallback);
	}
	pthread_mutex_unlock(&srv.mu);
	return a;
}

static void *serve(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept(srv.fd, NULL, NULL);
		char req[8192];
		size_t got = 0;
		ssize_t k;

		if (c < 0)
			continue;
		/* the whole request head, or a TLS hello to leave unanswered */
		while (got < sizeof(req) - 1 &&
		       (k = recv(c, req + got, sizeof(req) - 1 - got, 0)) > 0) {
			got += (size_t)k;
			req[got] = '\0';
			if (req[0] == 0x16 || strstr(req, "\r\n\r\n"))
				break;
		}
		if (got > 0 && req[0] != 0x16) {
			size_t len, off = 0;
			char *a = take_answer(&len);

			while (off < len && (k = send(c, a + off, len - off, MSG_NOSIGNAL)) > 0)
				off += (size_t)k;
			free(a);
			shutdown(c, SHUT_WR);
			while (recv(c, req, sizeof(req), 0) > 0)
				;
		}
		close(c);
	}
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	pthread_t t;

	(void)argc;
	(void)argv;
	srv.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv.fd < 0 || bind(srv.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(srv.fd, 64) < 0 || getsockname(srv.fd, (struct sockaddr *)&sa, &sl) < 0)
		fuzz_fail("cannot listen on 127.0.0.1", "", "");
	snprintf(srv.port, sizeof(srv.port), "%u", ntohs(sa.sin_port));
	if (pthread_create(&t, NULL, serve, NULL) != 0)
		fuzz_fail("cannot start the server thread", "", "");
	pthread_detach(t);
	return 0;
}

/* one answer of the input, "@PORT@" replaced */
static void add_answer(const char *s, size_t n)
{
	size_t cap = n + 1, len = 0;
	char *a = malloc(cap);

	for (size_t i = 0; i < n; i++) {
		if (n - i >= 6 && memcmp(s + i, "@PORT@", 6) == 0) {
			cap += strlen(srv.port);
			a = realloc(a, cap);
			memcpy(a + len, srv.port, strlen(srv.port));
			len += strlen(srv.port);
			i += 5;
			continue;
		}
		a[len++] = s[i];
	}
	srv.answer[srv.n] = a;
	srv.len[srv.n++] = len;
}

struct sink {
	int64_t bytes;
	size_t calls;
};

static int sink(const void *data, size_t len, void *arg, struct kk_err *err)
{
	struct sink *s = arg;

	(void)data;
	(void)err;
	s->bytes += (int64_t)len;
	s->calls++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kk_registry_cred cred = { .username = "kk", .password = "secret" };
	struct kk_reg_config cfg = { .cred = &cred };
	char host[32];
	const char *p = (const char *)data, *end = p + size;
	struct kk_reg *r = NULL;
	struct kk_err err = { 0 };
	char *body = NULL, *mt = NULL;
	size_t len = 0;
	struct sink s = { 0 };
	bool from_zero = false;
	int64_t got = -1;

	pthread_mutex_lock(&srv.mu);
	srv.n = srv.next = 0;
	while (p <= end && srv.n < MAX_ANSWERS) {
		const char *cut = memmem(p, (size_t)(end - p), SEP, strlen(SEP));
		size_t n = cut ? (size_t)(cut - p) : (size_t)(end - p);

		add_answer(p, n);
		if (!cut)
			break;
		p = cut + strlen(SEP);
	}
	pthread_mutex_unlock(&srv.mu);

	snprintf(host, sizeof(host), "127.0.0.1:%s", srv.port);
	if (kk_reg_open(host, "bb", &cfg, &r, &err) < 0)
		fuzz_fail("kk_reg_open", err.msg, "");
	if (kk_reg_manifest(r, "1", MANIFEST_MAX, &body, &len, &mt, &err) == 0) {
		if (!body || !mt)
			fuzz_fail("a manifest without a body or media type", "", "");
		if (len > MANIFEST_MAX)
			fuzz_fail("a manifest larger than asked for", mt, "");
		free(body);
		free(mt);
	} else if (!err.msg[0]) {
		fuzz_fail("a manifest failed without a message", "", "");
	}
	memset(&err, 0, sizeof(err));
	if (kk_reg_blob(r,
			"sha256:b461eaebb15751eaac9f7784f5e1f75b2f4f29fac52f4282d5581774a0d4d3c8",
			10, sink, &s, &from_zero, &got, &err) < 0 &&
	    !err.msg[0])
		fuzz_fail("a blob failed without a message", "", "");
	if (got != s.bytes)
		fuzz_fail("the blob's byte count is not what its sink got", "", "");
	kk_reg_free(r);

	pthread_mutex_lock(&srv.mu);
	for (size_t i = 0; i < srv.n; i++)
		free(srv.answer[i]);
	srv.n = srv.next = 0;
	pthread_mutex_unlock(&srv.mu);
	return 0;
}
