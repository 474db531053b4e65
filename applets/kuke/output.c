/* applets/kuke/output.c - see output.h. */
#include "applets/kuke/output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/yaml.h"

int kuke_get_format(const char *s, bool wide_ok, enum kuke_fmt *out, struct kk_err *err)
{
	if (!s || !*s)
		s = getenv("KUKE_GET_OUTPUT");
	if (!s || !*s || !strcasecmp(s, "table"))
		*out = KUKE_FMT_TABLE;
	else if (!strcasecmp(s, "yaml"))
		*out = KUKE_FMT_YAML;
	else if (!strcasecmp(s, "json"))
		*out = KUKE_FMT_JSON;
	else if (wide_ok && !strcasecmp(s, "wide"))
		*out = KUKE_FMT_WIDE;
	else
		return kk_err_set(err, EINVAL,
				  "invalid output format: %s (supported: yaml, json, table%s)", s,
				  wide_ok ? ", wide" : "");
	return 0;
}

void kuke_human_bytes(char *buf, size_t len, int64_t v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double d = (double)v;
	size_t u = 0;

	while (d >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%lldB", (long long)v);
	else
		snprintf(buf, len, "%.1f%s", d, units[u]);
}

void kuke_print_tree(const struct cJSON *t, enum kuke_fmt fmt)
{
	cleanup_free char *s = fmt == KUKE_FMT_JSON
				       ? kk_json_print(t, KK_JSON_INDENT | KK_JSON_NEWLINE)
				       : kk_yaml_emit(t, 2);

	fputs(s, stdout);
}

char *kuke_controllers_column(const struct kk_strv *controllers)
{
	size_t len = 2;
	char *out, *p;

	if (controllers->n == 0)
		return kk_xstrdup("-");
	for (size_t i = 0; i < controllers->n; i++)
		len += strlen(controllers->v[i]) + 1;
	p = out = kk_xmalloc(len);
	for (size_t i = 0; i < controllers->n; i++)
		p += sprintf(p, "%s%s", i ? "," : "", controllers->v[i]);
	return out;
}

void kuke_warn_skipped(char *const *skipped)
{
	for (size_t i = 0; skipped && skipped[i]; i++)
		fprintf(stderr, "kuke: warning: skipped %s\n", skipped[i]);
}
