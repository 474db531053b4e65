/* common/mem.h - allocation that cannot fail: on out-of-memory the process aborts.
 * Every other error path in kukeon is recoverable; OOM is the one we do not thread
 * through kk_err (a half-allocated error message would not help anyway). */
#ifndef KK_COMMON_MEM_H
#define KK_COMMON_MEM_H

#include <stddef.h>

void *kk_xmalloc(size_t size);
void *kk_xcalloc(size_t n, size_t size);
void *kk_xrealloc(void *p, size_t size);
char *kk_xstrdup(const char *s);
char *kk_xstrndup(const char *s, size_t n);
/* printf into a new string; free() it. */
char *kk_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
