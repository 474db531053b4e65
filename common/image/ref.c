/* common/image/ref.c - see ref.h. */
#include "common/image/ref.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/mem.h"

char *kk_image_ref_normalize(const char *ref)
{
	const char *slash;

	if (!*ref || strstr(ref, "://"))
		return kk_xstrdup(ref);
	slash = strchr(ref, '/');
	if (slash && slash != ref) {
		size_t n = (size_t)(slash - ref);

		if (memchr(ref, '.', n) || memchr(ref, ':', n))
			return kk_xstrdup(ref);
		return kk_xasprintf("docker.io/%s", ref);
	}
	return kk_xasprintf("docker.io/library/%s%s", ref, strchr(ref, ':') ? "" : ":latest");
}

/* a path component: [a-z0-9]+ joined by '.', '_', '__' or runs of '-' */
static bool component_ok(const char *s, size_t n)
{
	if (n == 0 || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])) ||
	    !(islower((unsigned char)s[n - 1]) || isdigit((unsigned char)s[n - 1])))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (islower(c) || isdigit(c) || c == '-')
			continue;
		if (c == '.' && s[i + 1] != '.' && s[i + 1] != '_')
			continue;
		if (c == '_') {
			if (i + 1 < n && s[i + 1] == '_')
				i++;
			continue;
		}
		return false;
	}
	return true;
}

static bool has_upper(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isupper((unsigned char)s[i]))
			return true;
	return false;
}

static bool domain_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
			return false;
	}
	return true;
}

static bool tag_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

int kk_image_ref_docker_normalize(const char *ref, char **out, struct kk_err *err)
{
	cleanup_free char *buf = kk_xstrdup(ref);
	cleanup_free char *domain = NULL;
	const char *digest = NULL, *tag = NULL;
	char *name = buf, *at, *slash, *colon;

	at = strchr(buf, '@');
	if (at) {
		*at = '\0';
		digest = at + 1;
		if (strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 71)
			return kk_err_set(err, EINVAL, "invalid reference `%s`: bad digest", ref);
	}
	/* a tag is a ':' after the last '/' */
	slash = strrchr(name, '/');
	colon = strrchr(slash ? slash : name, ':');
	if (colon) {
		*colon = '\0';
		tag = colon + 1;
		if (!tag_ok(tag))
			return kk_err_set(err, EINVAL, "invalid reference `%s`: bad tag", ref);
	}
	slash = strchr(name, '/');
	if (slash) {
		size_t n = (size_t)(slash - name);

		if (memchr(name, '.', n) || memchr(name, ':', n) ||
		    (n == 9 && memcmp(name, "localhost", 9) == 0) || has_upper(name, n)) {
			if (!domain_ok(name, n))
				return kk_err_set(err, EINVAL, "invalid reference `%s`: bad domain",
						  ref);
			domain = kk_xstrndup(name, n);
			name = slash + 1;
		}
	}
	if (!domain)
		domain = kk_xstrdup("docker.io");
	if (strcmp(domain, "index.docker.io") == 0) {
		free(domain);
		domain = kk_xstrdup("docker.io");
	}
	/* validate the path */
	for (const char *p = name;;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (!component_ok(p, n))
			return kk_err_set(err, EINVAL, "invalid reference `%s`", ref);
		if (!e)
			break;
		p = e + 1;
	}
	bool library = strcmp(domain, "docker.io") == 0 && !strchr(name, '/');
	if (digest)
		*out = kk_xasprintf("%s/%s%s%s%s%s@%s", domain, library ? "library/" : "", name,
				    tag ? ":" : "", tag ? tag : "", "", digest);
	else
		*out = kk_xasprintf("%s/%s%s:%s", domain, library ? "library/" : "", name,
				    tag ? tag : "latest");
	return 0;
}

char *kk_image_ref_oci_name(const char *normalized)
{
	const char *at = strchr(normalized, '@');
	const char *slash = strrchr(normalized, '/');
	const char *colon;

	if (at) {
		/* name:tag@digest keeps the tag; name@digest gives the digest */
		const char *c = NULL;

		for (const char *p = slash ? slash : normalized; p < at; p++)
			if (*p == ':')
				c = p;
		return c ? kk_xstrndup(c + 1, (size_t)(at - c - 1)) : kk_xstrdup(at + 1);
	}
	colon = strrchr(slash ? slash : normalized, ':');
	return kk_xstrdup(colon ? colon + 1 : "");
}
