/* tests/unit/ctr_testlib.h - what the ctr/ unit tests share: a connection to the harness
 * containerd, the `ctr` CLI as an independent witness, and sha256 digests. */
#ifndef KK_TESTS_UNIT_CTR_TESTLIB_H
#define KK_TESTS_UNIT_CTR_TESTLIB_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/image/digest.h"
#include "common/mem.h"
#include "ctr/ctr.h"
#include "tests/unit/tap.h"

/* A connection to the harness containerd in namespace ns, or NULL after a TAP_SKIP. */
static inline struct ctr_conn *t_connect(const char *ns)
{
	const char *sock = tap_getenv_or_skip("KUKEON_CONTAINERD_SOCKET");
	struct ctr_conn *conn = NULL;
	struct kk_err err = { 0 };

	if (!sock)
		return NULL;
	if (ctr_connect(sock, ns, &conn, &err) < 0) {
		TAP_OK(0, "connect: %s", err.msg);
		return NULL;
	}
	return conn;
}

/* What a test creates without a lease is fair game for containerd's garbage collector,
 * which another test's deletions can trigger at any moment: hold it under lease `id`
 * (set on conn) until t_release(). */
static inline void t_hold(struct ctr_conn *conn, const char *id)
{
	struct kk_err err = { 0 };

	TAP_OK(ctr_lease_create(conn, id, NULL, NULL, &err) == 0, "lease `%s`: %s", id, err.msg);
	ctr_set_lease(conn, id);
}

static inline void t_release(struct ctr_conn *conn, const char *id)
{
	struct kk_err err = { 0 };

	ctr_set_lease(conn, NULL);
	TAP_OK(ctr_lease_delete(conn, id, true, &err) == 0, "release lease `%s`: %s", id, err.msg);
}

/* Run a shell command (printf-style); return its stdout as a new string (never NULL).
 * "$CTR" in the command is `ctr --address <harness socket>`. */
static inline char *t_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *t_sh(const char *fmt, ...)
{
	cleanup_free char *cmd = NULL, *full = NULL;
	char *out = kk_xstrdup("");
	size_t len = 0;
	char buf[4096];
	va_list ap;
	FILE *f;
	size_t n;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	full = kk_xasprintf("CTR=\"ctr --address $KUKEON_CONTAINERD_SOCKET\"; %s", cmd);
	f = popen(full, "r");
	if (!f)
		return out;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		out = kk_xrealloc(out, len + n + 1);
		memcpy(out + len, buf, n);
		len += n;
		out[len] = '\0';
	}
	pclose(f);
	return out;
}

/* "sha256:<hex>" of data, into a new string. */
static inline char *t_digest(const void *data, size_t len)
{
	char *out = kk_xmalloc(KK_DIGEST_STR_SIZE);

	kk_sha256_digest(data, len, out);
	return out;
}

#endif
