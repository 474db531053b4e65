/* common/registry/registry.h - a client for one repository of an OCI distribution
 * registry (Docker Registry HTTP API v2), over libcurl (HTTP and HTTPS only, mbedTLS).
 *
 * What it does: manifests by tag or digest with the Accept headers for OCI and Docker
 * schema 2 types, blobs streamed to a sink (with a Range to resume), redirects to blob
 * storage, the WWW-Authenticate flow (Bearer tokens, anonymous or with credentials, and
 * Basic), credentials chosen per host as kukeon does, TLS with the system CA store and
 * an optional extra CA file. Plain HTTP only for loopback registries and those named
 * insecure: those are tried over HTTPS first and fall back to HTTP when the server does
 * not speak TLS; an insecure registry's certificate is not verified.
 *
 * Errors name the registry host: "registry `127.0.0.1:5000`: 401 Unauthorized: ...". */
#ifndef KK_COMMON_REGISTRY_REGISTRY_H
#define KK_COMMON_REGISTRY_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct kk_registry_cred;

/* Where a reference points: "docker.io/library/busybox:latest" -> host "docker.io", repo
 * "library/busybox", tag "latest"; "h:5000/x@sha256:.." -> digest. All owned. */
/* The parts point into buf, one copy of the normalised reference cut in place (a tag made
 * up is the literal "latest"). */
struct kk_reg_ref {
	const char *host;
	const char *repo;
	const char *tag;    /* NULL with a digest and no tag */
	const char *digest; /* NULL without one */
	char *buf;          /* owned */
};
/* Split a reference (normalised the Docker way first: "busybox" is
 * docker.io/library/busybox:latest). *name (if not NULL) gets the normalised name. */
int kk_reg_ref_parse(const char *ref, struct kk_reg_ref *out, char **name, struct kk_err *err);
void kk_reg_ref_clear(struct kk_reg_ref *r);

/* Is host (with an optional ":port") a loopback name or address? */
bool kk_reg_host_is_loopback(const char *host);

/* The credential kukeon uses for host, or NULL: the first whose serverAddress names the
 * host, else the first without serverAddress. "docker.io", "index.docker.io" and
 * "registry-1.docker.io" are one host (upstream matched only the last); a scheme and a
 * path in serverAddress ("https://index.docker.io/v1/") are ignored. Lent from creds. */
const struct kk_registry_cred *kk_reg_cred_for(const char *host,
					       const struct kk_registry_cred *creds, size_t n);

struct kk_reg_config {
	const struct kk_registry_cred *cred; /* NULL: anonymous; borrowed */
	const char *insecure; /* comma-separated hosts allowed plain HTTP and unverified TLS */
	const char *ca_file;  /* extra PEM CA bundle trusted besides the system's, or NULL */
};

struct kk_reg;
/* A client for host/repo (host as in the reference; docker.io talks to
 * registry-1.docker.io). Nothing is sent yet. Strings are copied. */
int kk_reg_open(const char *host, const char *repo, const struct kk_reg_config *cfg,
		struct kk_reg **out, struct kk_err *err);
void kk_reg_free(struct kk_reg *r);
void kk_reg_freep(struct kk_reg **r);

/* GET a manifest or index by tag or digest. A body larger than max fails with EFBIG.
 * *body (NUL-terminated), *len and *media_type (Content-Type, else the body's mediaType,
 * else "") are new. Unknown repository or tag: ENOENT; credentials refused: EACCES. */
int kk_reg_manifest(struct kk_reg *r, const char *reference, size_t max, char **body, size_t *len,
		    char **media_type, struct kk_err *err);

/* Receives a blob's bytes in order; return < 0 with err set to stop. */
typedef int kk_reg_sink(const void *data, size_t len, void *arg, struct kk_err *err);
/* GET a blob from offset (0: all of it) into sink. *from_zero is set when the server
 * ignored the range and sends the whole blob. *got is how many bytes the sink took, also
 * on failure (a connection cut mid-blob). Safe to call from several threads at once. */
int kk_reg_blob(struct kk_reg *r, const char *digest, int64_t offset, kk_reg_sink *sink, void *arg,
		bool *from_zero, int64_t *got, struct kk_err *err);

/* The host requests go to ("registry-1.docker.io" for docker.io); lent. */
const char *kk_reg_api_host(const struct kk_reg *r);

#endif
