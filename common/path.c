/* common/path.c - see path.h. */
#include "common/path.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

char *kk_path_clean(const char *path)
{
	size_t n = strlen(path), r = 0, w = 0, dotdot = 0;
	bool rooted;
	char *out;

	if (n == 0)
		return kk_xstrdup(".");
	rooted = path[0] == '/';
	out = kk_xmalloc(n + 2);
	if (rooted) {
		out[w++] = '/';
		r = dotdot = 1;
	}
	while (r < n) {
		if (path[r] == '/' || (path[r] == '.' && (r + 1 == n || path[r + 1] == '/'))) {
			r++; /* empty or "." element */
		} else if (path[r] == '.' && path[r + 1] == '.' &&
			   (r + 2 == n || path[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				/* back up over the last element */
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				/* cannot back up: keep the ".." */
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			while (r < n && path[r] != '/')
				out[w++] = path[r++];
		}
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = '\0';
	return out;
}

char *kk_path_join_(const char *first, ...)
{
	size_t len = 0;
	const char *s;
	va_list ap;
	char *buf, *p, *out;

	va_start(ap, first);
	for (s = first; s; s = va_arg(ap, const char *))
		len += strlen(s) + 1;
	va_end(ap);
	p = buf = kk_xmalloc(len + 1);
	va_start(ap, first);
	for (s = first; s; s = va_arg(ap, const char *)) {
		if (!*s)
			continue;
		if (p != buf)
			*p++ = '/';
		size_t l = strlen(s);
		memcpy(p, s, l);
		p += l;
	}
	va_end(ap);
	*p = '\0';
	if (p == buf)
		return buf;
	out = kk_path_clean(buf);
	free(buf);
	return out;
}
