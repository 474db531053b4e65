/* common/registry/registry.c - see registry.h. */
#include "common/registry/registry.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/image/ref.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/model.h"
#include "kk_version.h"

#define ERR_BODY_MAX  (64 * 1024)
#define TOKEN_MAX     (1024 * 1024)
#define MAX_REDIRECTS 8
#define DOCKER_HUB    "docker.io"
#define DOCKER_API    "registry-1.docker.io"
#define SYSTEM_CAPATH "/etc/ssl/certs"

static const char accept_manifests[] = "Accept: application/vnd.oci.image.index.v1+json, "
				       "application/vnd.docker.distribution.manifest.list.v2+json, "
				       "application/vnd.oci.image.manifest.v1+json, "
				       "application/vnd.docker.distribution.manifest.v2+json";

struct kk_reg {
	char *host, *api_host, *repo;
	char *user, *pass; /* NULL: anonymous */
	char *ca_file;
	bool may_plain; /* loopback or insecure: HTTP when the server does not speak TLS */
	bool insecure;  /* TLS without verification */
	bool plain;     /* decided: talk HTTP */
	bool scheme_known;
	pthread_mutex_t mu; /* guards the auth state below */
	char *bearer;       /* a token for the repository */
	bool basic;         /* send the credentials as Basic */
	unsigned auth_gen;  /* bumped on each change of the auth state */
};

/* ---- references and hosts ----------------------------------------------------------- */

int kk_reg_ref_parse(const char *ref, struct kk_reg_ref *out, char **name, struct kk_err *err)
{
	cleanup_free char *norm = NULL;
	char *slash, *at, *colon;
	struct kk_reg_ref r = { 0 };

	if (kk_image_ref_docker_normalize(ref, &norm, err) < 0)
		return -1;
	if (!strchr(norm, '/'))
		return kk_err_set(err, EINVAL, "invalid reference format: `%s`", ref);
	/* host/repo[:tag][@digest] */
	r.buf = kk_xstrdup(norm);
	slash = strchr(r.buf, '/');
	*slash = '\0';
	r.host = r.buf;
	r.repo = slash + 1;
	at = strchr(slash + 1, '@');
	if (at) {
		*at = '\0';
		r.digest = at + 1;
	}
	colon = strrchr(slash + 1, ':'); /* a tag holds no '/' */
	if (colon && !strchr(colon, '/')) {
		*colon = '\0';
		r.tag = colon + 1;
	}
	if (!r.tag && !r.digest)
		r.tag = "latest";
	*out = r;
	if (name)
		*name = TAKE_PTR(norm);
	return 0;
}

void kk_reg_ref_clear(struct kk_reg_ref *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

/* host without its port (and without the brackets of an IPv6 literal), into buf */
static const char *host_name(const char *host, char *buf, size_t size)
{
	const char *end;

	if (host[0] == '[') {
		end = strchr(host, ']');
		snprintf(buf, size, "%.*s", end ? (int)(end - host - 1) : (int)strlen(host + 1),
			 host + 1);
		return buf;
	}
	end = strchr(host, ':');
	snprintf(buf, size, "%.*s", end ? (int)(end - host) : (int)strlen(host), host);
	return buf;
}

bool kk_reg_host_is_loopback(const char *host)
{
	char h[256];

	host_name(host, h, sizeof(h));
	return !strcasecmp(h, "localhost") || !strncmp(h, "127.", 4) || !strcmp(h, "::1");
}

static bool host_in_list(const char *host, const char *list)
{
	size_t n = strlen(host);

	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		while (len && isspace((unsigned char)*p))
			p++, len--;
		while (len && isspace((unsigned char)p[len - 1]))
			len--;
		if (len == n && !strncasecmp(p, host, n))
			return true;
		p = end ? end + 1 : p + len;
	}
	return false;
}

/* serverAddress -> bare host, Docker Hub's names folded into "docker.io" */
static void canon_host(const char *s, char *buf, size_t size)
{
	const char *p = strstr(s, "://");
	size_t len;

	p = p ? p + 3 : s;
	len = strcspn(p, "/");
	snprintf(buf, size, "%.*s", (int)len, p);
	for (char *c = buf; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (!strcmp(buf, "index.docker.io") || !strcmp(buf, DOCKER_API))
		snprintf(buf, size, "%s", DOCKER_HUB);
}

const struct kk_registry_cred *kk_reg_cred_for(const char *host,
					       const struct kk_registry_cred *creds, size_t n)
{
	char want[256], have[256];

	canon_host(host, want, sizeof(want));
	for (size_t i = 0; i < n; i++) {
		if (!creds[i].server_address || !*creds[i].server_address)
			continue;
		canon_host(creds[i].server_address, have, sizeof(have));
		if (!strcmp(want, have))
			return &creds[i];
	}
	for (size_t i = 0; i < n; i++)
		if (!creds[i].server_address || !*creds[i].server_address)
			return &creds[i];
	return NULL;
}

/* ---- the client --------------------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_ALL);
}

int kk_reg_open(const char *host, const char *repo, const struct kk_reg_config *cfg,
		struct kk_reg **out, struct kk_err *err)
{
	struct kk_reg *r;

	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return kk_err_set(err, EIO, "libcurl: %s", curl_easy_strerror(curl_init_rc));
	r = kk_xcalloc(1, sizeof(*r));
	r->host = kk_xstrdup(host);
	r->api_host = kk_xstrdup(!strcmp(host, DOCKER_HUB) ? DOCKER_API : host);
	r->repo = kk_xstrdup(repo);
	r->insecure = cfg && host_in_list(host, cfg->insecure);
	r->may_plain = r->insecure || kk_reg_host_is_loopback(host);
	if (cfg && cfg->cred) {
		r->user = kk_xstrdup(cfg->cred->username ? cfg->cred->username : "");
		r->pass = kk_xstrdup(cfg->cred->password ? cfg->cred->password : "");
	}
	if (cfg && cfg->ca_file && *cfg->ca_file)
		r->ca_file = kk_xstrdup(cfg->ca_file);
	pthread_mutex_init(&r->mu, NULL);
	*out = r;
	return 0;
}

void kk_reg_free(struct kk_reg *r)
{
	if (!r)
		return;
	free(r->host);
	free(r->api_host);
	free(r->repo);
	free(r->user);
	free(r->pass);
	free(r->ca_file);
	free(r->bearer);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

KK_DEFINE_FREEP(kk_reg)

const char *kk_reg_api_host(const struct kk_reg *r)
{
	return r->api_host;
}

/* ---- one HTTP exchange -------------------------------------------------------------- */

struct xfer {
	long code; /* of the last status line seen */
	char *www_auth, *ctype;
	char *buf; /* the body, when there is no sink or the status is not 2xx */
	size_t len, max;
	bool too_big;
	kk_reg_sink *sink;
	void *arg;
	struct kk_err *sink_err;
	bool *from_zero; /* set before the first byte of a 200 answer reaches the sink */
	bool sink_failed;
	int64_t got;
	char errbuf[CURL_ERROR_SIZE];
};

static void xfer_clear(struct xfer *x)
{
	free(x->www_auth);
	free(x->ctype);
	free(x->buf);
}

static char *header_value(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);

	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return NULL;
	line += k + 1, n -= k + 1;
	while (n && (*line == ' ' || *line == '\t'))
		line++, n--;
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	return kk_xstrndup(line, n);
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;
	char *v;

	if (n > 5 && !strncmp(data, "HTTP/", 5)) {
		const char *sp = memchr(data, ' ', n);

		/* a new response (after a redirect or a 100): forget the last one's headers */
		x->code = sp ? strtol(sp + 1, NULL, 10) : 0;
		free(x->www_auth);
		free(x->ctype);
		x->www_auth = x->ctype = NULL;
	} else if ((v = header_value(data, n, "WWW-Authenticate"))) {
		free(x->www_auth);
		x->www_auth = v;
	} else if ((v = header_value(data, n, "Content-Type"))) {
		free(x->ctype);
		x->ctype = v;
	}
	return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;

	if (x->sink && x->code >= 200 && x->code < 300) {
		if (x->code == 200 && x->from_zero)
			*x->from_zero = true;
		if (x->sink(data, n, x->arg, x->sink_err) < 0) {
			x->sink_failed = true;
			return 0;
		}
		x->got += (int64_t)n;
		return n;
	}
	{
		size_t max = x->code >= 200 && x->code < 300 ? x->max : ERR_BODY_MAX;

		if (x->len + n > max) {
			x->too_big = true;
			return 0;
		}
	}
	x->buf = kk_xrealloc(x->buf, x->len + n + 1);
	memcpy(x->buf + x->len, data, n);
	x->len += n;
	x->buf[x->len] = '\0';
	return n;
}

static CURL *handle_new(struct kk_reg *r, struct xfer *x)
{
	CURL *h = curl_easy_init();

	if (!h)
		abort(); /* allocation failure */
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	/* a registry that stops sending is a failure, not a hang */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "kukeon/" KK_VERSION);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	if (r->ca_file) {
		curl_easy_setopt(h, CURLOPT_CAINFO, r->ca_file);
		curl_easy_setopt(h, CURLOPT_CAPATH, SYSTEM_CAPATH);
	}
	if (r->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return h;
}

static int curl_failure(const struct kk_reg *r, CURLcode rc, const struct xfer *x,
			struct kk_err *err)
{
	const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);

	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
		return kk_err_set(err, EPROTO, "registry `%s`: TLS certificate does not verify: %s",
				  r->api_host, why);
	case CURLE_SSL_CONNECT_ERROR:
		return kk_err_set(err, EPROTO, "registry `%s`: TLS handshake failed: %s",
				  r->api_host, why);
	case CURLE_TOO_MANY_REDIRECTS:
		return kk_err_set(err, ELOOP, "registry `%s`: more than %d redirects", r->api_host,
				  MAX_REDIRECTS);
	case CURLE_COULDNT_CONNECT:
		return kk_err_set(err, ECONNREFUSED, "registry `%s`: cannot connect: %s",
				  r->api_host, why);
	case CURLE_COULDNT_RESOLVE_HOST:
		return kk_err_set(err, EHOSTUNREACH, "registry `%s`: %s", r->api_host, why);
	case CURLE_OPERATION_TIMEDOUT:
		return kk_err_set(err, ETIMEDOUT, "registry `%s`: %s", r->api_host, why);
	default:
		return kk_err_set(err, EIO, "registry `%s`: %s", r->api_host, why);
	}
}

/* One GET of url with the current auth; *rc_out is curl's result. */
static CURLcode perform(struct kk_reg *r, struct xfer *x, const char *url, const char *accept,
			const char *range)
{
	cleanup_(kk_freep) char *auth = NULL;
	struct curl_slist *hdrs = NULL;
	CURL *h = handle_new(r, x);
	CURLcode rc;

	pthread_mutex_lock(&r->mu);
	if (r->bearer)
		auth = kk_xasprintf("Authorization: Bearer %s", r->bearer);
	if (r->basic && r->user) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, r->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, r->pass);
	}
	pthread_mutex_unlock(&r->mu);
	if (accept)
		hdrs = curl_slist_append(hdrs, accept);
	if (auth)
		hdrs = curl_slist_append(hdrs, auth);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_URL, url);
	if (range)
		curl_easy_setopt(h, CURLOPT_RANGE, range);
	rc = curl_easy_perform(h);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	return rc;
}

/* `key="value"` parameters of a WWW-Authenticate challenge: the value of key, new */
static char *challenge_param(const char *ch, const char *key)
{
	size_t k = strlen(key);

	for (const char *p = ch; (p = strcasestr(p, key));) {
		bool start = p == ch || p[-1] == ' ' || p[-1] == ',';

		p += k;
		if (!start || *p != '=')
			continue;
		p++;
		if (*p == '"') {
			const char *end = strchr(p + 1, '"');

			return end ? kk_xstrndup(p + 1, (size_t)(end - p - 1)) : NULL;
		}
		return kk_xstrndup(p, strcspn(p, ", "));
	}
	return NULL;
}

static int unauthorized(const struct kk_reg *r, const char *detail, struct kk_err *err)
{
	if (r->user)
		return kk_err_set(err, EACCES,
				  "registry `%s`: 401 Unauthorized: the realm's credentials for "
				  "it were refused%s%s",
				  r->api_host, detail ? ": " : "", detail ? detail : "");
	return kk_err_set(err, EACCES,
			  "registry `%s`: 401 Unauthorized: it wants credentials and the realm "
			  "has none for it",
			  r->api_host);
}

/* The Bearer flow: a token for pulling this repository from the challenge's realm. */
static int fetch_token(struct kk_reg *r, const char *challenge, struct kk_err *err)
{
	cleanup_free char *realm = challenge_param(challenge, "realm");
	cleanup_free char *service = challenge_param(challenge, "service");
	cleanup_free char *scope = challenge_param(challenge, "scope");
	cleanup_free char *url = NULL;
	cleanup_(kk_json_freep) cJSON *j = NULL;
	struct xfer x = { .max = TOKEN_MAX };
	const cJSON *tok;
	char *es, *esc;
	CURL *h;
	CURLcode rc;
	int ret = -1;

	if (!realm || (strncmp(realm, "https://", 8) != 0 && strncmp(realm, "http://", 7) != 0))
		return kk_err_set(err, EPROTO, "registry `%s`: bad Bearer challenge `%s`",
				  r->api_host, challenge);
	if (!strncmp(realm, "http://", 7)) {
		char host[256];

		snprintf(host, sizeof(host), "%.*s", (int)strcspn(realm + 7, "/?"), realm + 7);
		/* credentials travel to the token server: in clear only on loopback, or to a
		 * registry already trusted in clear */
		if (!kk_reg_host_is_loopback(host) && !r->may_plain)
			return kk_err_set(err, EPROTO,
					  "registry `%s`: token server `%s` is not HTTPS",
					  r->api_host, realm);
	}
	if (!scope)
		scope = kk_xasprintf("repository:%s:pull", r->repo);
	h = handle_new(r, &x);
	es = curl_easy_escape(h, service ? service : "", 0);
	esc = curl_easy_escape(h, scope, 0);
	url = kk_xasprintf("%s%sservice=%s&scope=%s", realm, strchr(realm, '?') ? "&" : "?", es,
			   esc);
	curl_free(es);
	curl_free(esc);
	curl_easy_setopt(h, CURLOPT_URL, url);
	if (r->user) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, r->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, r->pass);
	}
	rc = curl_easy_perform(h);
	curl_easy_cleanup(h);
	if (rc != CURLE_OK) {
		curl_failure(r, rc, &x, err);
		kk_err_wrap(err, "token server `%s`", realm);
		goto out;
	}
	if (x.code == 401 || x.code == 403) {
		unauthorized(r, "by its token server", err);
		goto out;
	}
	if (x.code != 200) {
		kk_err_set(err, EIO, "registry `%s`: token server `%s` answered %ld", r->api_host,
			   realm, x.code);
		goto out;
	}
	j = x.buf ? cJSON_Parse(x.buf) : NULL;
	tok = cJSON_GetObjectItemCaseSensitive(j, "token");
	if (!cJSON_IsString(tok) || !*tok->valuestring)
		tok = cJSON_GetObjectItemCaseSensitive(j, "access_token");
	if (!cJSON_IsString(tok) || !*tok->valuestring) {
		kk_err_set(err, EPROTO, "registry `%s`: token server `%s` sent no token",
			   r->api_host, realm);
		goto out;
	}
	free(r->bearer);
	r->bearer = kk_xstrdup(tok->valuestring);
	ret = 0;
out:
	xfer_clear(&x);
	return ret;
}

/* A 401: set up the auth the challenge asks for, once per auth state. Returns 0 to retry. */
static int authenticate(struct kk_reg *r, const struct xfer *x, unsigned seen_gen,
			struct kk_err *err)
{
	const char *ch = x->www_auth ? x->www_auth : "";
	int rc = 0;

	pthread_mutex_lock(&r->mu);
	if (r->auth_gen != seen_gen)
		goto out; /* another request changed it meanwhile: try with that */
	if (!strncasecmp(ch, "Bearer", 6) && (!r->bearer || seen_gen == 0)) {
		rc = fetch_token(r, ch, err);
	} else if (!strncasecmp(ch, "Basic", 5) && r->user && !r->basic) {
		r->basic = true;
	} else {
		rc = unauthorized(r, NULL, err);
	}
	if (rc == 0)
		r->auth_gen++;
out:
	pthread_mutex_unlock(&r->mu);
	return rc;
}

/* The registry's error body ({"errors":[{"code","message"}]}) as "CODE: message". */
static char *error_detail(const struct xfer *x)
{
	cleanup_(kk_json_freep) cJSON *j = x->buf ? cJSON_Parse(x->buf) : NULL;
	const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "errors"), 0);
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");

	if (!cJSON_IsString(code))
		return NULL;
	return kk_xasprintf("%s%s%s", code->valuestring, cJSON_IsString(msg) ? ": " : "",
			    cJSON_IsString(msg) ? msg->valuestring : "");
}

/* GET /v2/<repo>/<kind>/<ref> with the auth dance and the scheme fallback. On return
 * x->code is the final status. */
static int get(struct kk_reg *r, const char *kind, const char *ref, const char *accept,
	       const char *range, struct xfer *x, struct kk_err *err)
{
	for (int attempt = 0; attempt < 4; attempt++) {
		cleanup_free char *url =
			kk_xasprintf("%s://%s/v2/%s/%s/%s", r->plain ? "http" : "https",
				     r->api_host, r->repo, kind, ref);
		unsigned gen;
		CURLcode rc;

		pthread_mutex_lock(&r->mu);
		gen = r->auth_gen;
		pthread_mutex_unlock(&r->mu);
		free(x->buf);
		x->buf = NULL;
		x->len = 0;
		x->errbuf[0] = '\0';
		x->code = 0;
		rc = perform(r, x, url, accept, range);
		if (rc == CURLE_SSL_CONNECT_ERROR && r->may_plain && !r->scheme_known &&
		    !r->plain) {
			r->plain = true; /* not a TLS server: this one may speak HTTP */
			continue;
		}
		if (rc != CURLE_OK) {
			if (x->sink_failed)
				return -1;
			if (rc == CURLE_WRITE_ERROR && x->too_big)
				return kk_err_set(err, EFBIG,
						  "registry `%s`: `%s` is larger than %zu bytes",
						  r->api_host, ref, x->max);
			return curl_failure(r, rc, x, err);
		}
		r->scheme_known = true;
		if (x->code == 401) {
			if (authenticate(r, x, gen, err) < 0)
				return -1;
			continue;
		}
		return 0;
	}
	return unauthorized(r, NULL, err);
}

static int status_error(const struct kk_reg *r, const char *what, const struct xfer *x,
			struct kk_err *err)
{
	cleanup_free char *detail = error_detail(x);
	int code = x->code == 404 ? ENOENT : x->code == 403 ? EACCES : EIO;

	if (detail && !strncmp(detail, "NAME_UNKNOWN", 12))
		return kk_err_set(err, ENOENT, "registry `%s`: repository `%s` not found",
				  r->api_host, r->repo);
	if (x->code == 404)
		return kk_err_set(err, ENOENT, "registry `%s`: %s not found%s%s%s", r->api_host,
				  what, detail ? " (" : "", detail ? detail : "",
				  detail ? ")" : "");
	return kk_err_set(err, code, "registry `%s`: %s: HTTP %ld%s%s", r->api_host, what, x->code,
			  detail ? ": " : "", detail ? detail : "");
}

int kk_reg_manifest(struct kk_reg *r, const char *reference, size_t max, char **body, size_t *len,
		    char **media_type, struct kk_err *err)
{
	struct xfer x = { .max = max };
	cleanup_free char *what = NULL;
	int ret = -1;

	what = kk_xasprintf("%s `%s:%s`", strncmp(reference, "sha256:", 7) ? "tag" : "manifest",
			    r->repo, reference);
	if (!strncmp(reference, "sha256:", 7)) {
		free(what);
		what = kk_xasprintf("manifest `%s@%s`", r->repo, reference);
	}
	if (get(r, "manifests", reference, accept_manifests, NULL, &x, err) < 0)
		goto out;
	if (x.code != 200) {
		status_error(r, what, &x, err);
		goto out;
	}
	if (!x.buf)
		x.buf = kk_xstrdup("");
	if (x.ctype && *x.ctype && strncmp(x.ctype, "application/json", 16) != 0 &&
	    strncmp(x.ctype, "text/plain", 10) != 0) {
		*media_type = kk_xstrndup(x.ctype, strcspn(x.ctype, "; "));
	} else {
		cleanup_(kk_json_freep) cJSON *j = cJSON_Parse(x.buf);
		const cJSON *mt = cJSON_GetObjectItemCaseSensitive(j, "mediaType");

		*media_type = kk_xstrdup(cJSON_IsString(mt) ? mt->valuestring : "");
	}
	*len = x.len;
	*body = TAKE_PTR(x.buf);
	ret = 0;
out:
	xfer_clear(&x);
	return ret;
}

int kk_reg_blob(struct kk_reg *r, const char *digest, int64_t offset, kk_reg_sink *sink, void *arg,
		bool *from_zero, int64_t *got, struct kk_err *err)
{
	struct xfer x = { .sink = sink, .arg = arg, .sink_err = err, .from_zero = from_zero };
	char range[32];
	int ret = -1;

	snprintf(range, sizeof(range), "%lld-", (long long)offset);
	*from_zero = offset == 0;
	*got = 0;
	if (get(r, "blobs", digest, NULL, offset > 0 ? range : NULL, &x, err) < 0)
		goto out;
	if (x.code != 200 && (x.code != 206 || offset == 0)) {
		cleanup_free char *what = kk_xasprintf("blob `%s`", digest);

		status_error(r, what, &x, err);
		goto out;
	}
	ret = 0;
out:
	*got = x.got;
	xfer_clear(&x);
	return ret;
}
