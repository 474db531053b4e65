/* common/strv.c - see strv.h. */
#include "common/strv.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

size_t kk_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

void kk_strv_push_take(char ***v, char *s)
{
	size_t n = kk_strv_len(*v);

	*v = kk_xrealloc(*v, (n + 2) * sizeof(**v));
	(*v)[n] = s;
	(*v)[n + 1] = NULL;
}

bool kk_strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

int kk_str_cmpp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void kk_strv_sort(char **v)
{
	size_t n = kk_strv_len(v);

	if (n > 1)
		qsort(v, n, sizeof(*v), kk_str_cmpp);
}

char *kk_strv_join(char *const *v, const char *sep)
{
	size_t seplen = strlen(sep), len = 0, n = kk_strv_len(v);
	char *out, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + (i ? seplen : 0);
	out = p = kk_xmalloc(len + 1);
	for (size_t i = 0; i < n; i++) {
		if (i) {
			memcpy(p, sep, seplen);
			p += seplen;
		}
		size_t l = strlen(v[i]);
		memcpy(p, v[i], l);
		p += l;
	}
	*p = '\0';
	return out;
}

void kk_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void kk_strv_freep(char ***v)
{
	kk_strv_free(*v);
	*v = NULL;
}
