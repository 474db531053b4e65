/* common/image/platform.c - see platform.h. */
#include "common/image/platform.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "cjson/cJSON.h"

static void set(char *dst, size_t size, const char *v)
{
	size_t n = strlen(v);

	if (n >= size)
		n = size - 1;
	memmove(dst, v, n);
	dst[n] = '\0';
}

void kk_platform_normalize(struct kk_platform *p)
{
	for (char *c = p->os; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (strcmp(p->os, "macos") == 0)
		set(p->os, sizeof(p->os), "darwin");
	const char *a = p->arch, *v = p->variant;

	if (!strcmp(a, "i386")) {
		set(p->arch, sizeof(p->arch), "386");
		p->variant[0] = '\0';
	} else if (!strcmp(a, "x86_64") || !strcmp(a, "x86-64") || !strcmp(a, "amd64")) {
		set(p->arch, sizeof(p->arch), "amd64");
		if (!strcmp(v, "v1"))
			p->variant[0] = '\0';
	} else if (!strcmp(a, "aarch64") || !strcmp(a, "arm64")) {
		set(p->arch, sizeof(p->arch), "arm64");
		if (!strcmp(v, "8") || !strcmp(v, "v8"))
			p->variant[0] = '\0';
	} else if (!strcmp(a, "armhf")) {
		set(p->arch, sizeof(p->arch), "arm");
		set(p->variant, sizeof(p->variant), "v7");
	} else if (!strcmp(a, "armel")) {
		set(p->arch, sizeof(p->arch), "arm");
		set(p->variant, sizeof(p->variant), "v6");
	} else if (!strcmp(a, "arm")) {
		if (!*v || !strcmp(v, "7"))
			set(p->variant, sizeof(p->variant), "v7");
		else if (!strcmp(v, "5") || !strcmp(v, "6") || !strcmp(v, "8")) {
			char nv[4] = { 'v', v[0], 0, 0 };

			set(p->variant, sizeof(p->variant), nv);
		}
	}
}

int kk_platform_parse(const char *s, struct kk_platform *out, struct kk_err *err)
{
	struct kk_platform p = { 0 };
	char buf[96];
	char *parts[4] = { 0 };
	int n = 0;

	if (!*s || strlen(s) >= sizeof(buf))
		return kk_err_set(err, EINVAL, "invalid platform `%s`", s);
	set(buf, sizeof(buf), s);
	for (char *tok = buf, *slash; tok && n < 4; tok = slash) {
		slash = strchr(tok, '/');
		if (slash)
			*slash++ = '\0';
		if (!*tok)
			return kk_err_set(err, EINVAL, "invalid platform `%s`", s);
		parts[n++] = tok;
	}
	if (n > 3 || (n == 3 && strchr(s, '/') && !parts[2]))
		return kk_err_set(err, EINVAL, "invalid platform `%s`", s);
	if (n == 1) {
		set(p.os, sizeof(p.os), "linux");
		set(p.arch, sizeof(p.arch), parts[0]);
	} else {
		set(p.os, sizeof(p.os), parts[0]);
		set(p.arch, sizeof(p.arch), parts[1]);
		if (n == 3)
			set(p.variant, sizeof(p.variant), parts[2]);
	}
	/* "linux" alone names an os, not an arch */
	if (n == 1 && !strcmp(parts[0], "linux"))
		return kk_err_set(err, EINVAL, "invalid platform `%s`: no architecture", s);
	kk_platform_normalize(&p);
	*out = p;
	return 0;
}

void kk_platform_host(struct kk_platform *out)
{
	struct utsname u;

	memset(out, 0, sizeof(*out));
	set(out->os, sizeof(out->os), "linux");
	if (uname(&u) < 0) {
		set(out->arch, sizeof(out->arch), "amd64");
		return;
	}
	if (!strncmp(u.machine, "armv", 4) && isdigit((unsigned char)u.machine[4])) {
		char v[3] = { 'v', u.machine[4], 0 };

		set(out->arch, sizeof(out->arch), "arm");
		set(out->variant, sizeof(out->variant), v);
	} else {
		set(out->arch, sizeof(out->arch), u.machine);
	}
	kk_platform_normalize(out);
}

const char *kk_platform_format(const struct kk_platform *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s%s%s", p->os, p->arch, p->variant[0] ? "/" : "", p->variant);
	return buf;
}

/* containerd's platformVector: the host first, then what it can also run, in order */
static int vector(const struct kk_platform *want, struct kk_platform *vec, int max)
{
	int n = 0;

	vec[n++] = *want;
	if (!strcmp(want->arch, "amd64")) {
		int ver = want->variant[0] == 'v' ? atoi(want->variant + 1) : 0;

		for (ver--; ver >= 1 && n < max - 1; ver--) {
			vec[n] = *want;
			snprintf(vec[n].variant, sizeof(vec[n].variant), "v%d", ver);
			n++;
		}
		vec[n] = *want;
		set(vec[n].arch, sizeof(vec[n].arch), "386");
		vec[n].variant[0] = '\0';
		n++;
	} else if (!strcmp(want->arch, "arm") || !strcmp(want->arch, "arm64")) {
		int ver;

		if (!strcmp(want->arch, "arm64")) {
			ver = want->variant[0] == 'v' ? atoi(want->variant + 1) : 8;
			if (ver <= 0)
				ver = 8;
			vec[n] = *want;
			set(vec[n].arch, sizeof(vec[n].arch), "arm");
			snprintf(vec[n].variant, sizeof(vec[n].variant), "v%d", ver);
			n++;
		} else {
			ver = want->variant[0] == 'v' ? atoi(want->variant + 1) : 0;
		}
		if (ver > 5)
			for (ver--; ver >= 5 && n < max; ver--) {
				vec[n] = *want;
				set(vec[n].arch, sizeof(vec[n].arch), "arm");
				snprintf(vec[n].variant, sizeof(vec[n].variant), "v%d", ver);
				n++;
			}
	}
	return n;
}

int kk_platform_match_rank(const struct kk_platform *want, const struct kk_platform *candidate)
{
	struct kk_platform vec[16];
	struct kk_platform c = *candidate;
	int n = vector(want, vec, 16);

	kk_platform_normalize(&c);
	for (int i = 0; i < n; i++)
		if (!strcmp(vec[i].os, c.os) && !strcmp(vec[i].arch, c.arch) &&
		    !strcmp(vec[i].variant, c.variant))
			return i;
	return -1;
}

static const char *str_field(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

void kk_platform_from_json(const struct cJSON *j, struct kk_platform *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->os, sizeof(p->os), "%s", str_field(j, "os"));
	snprintf(p->arch, sizeof(p->arch), "%s", str_field(j, "architecture"));
	snprintf(p->variant, sizeof(p->variant), "%s", str_field(j, "variant"));
	kk_platform_normalize(p);
}
