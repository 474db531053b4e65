/* common/mem.h - allocation that cannot fail: on out-of-memory the process aborts.
 * Every other error path in kukeon is recoverable; OOM is the one we do not thread
 * through kk_err (a half-allocated error message would not help anyway). */
#ifndef KK_COMMON_MEM_H
#define KK_COMMON_MEM_H

#include <stdarg.h>
#include <stddef.h>

/* never NULL: said to the compiler and the static analysers too */
#define KK_NONNULL_RET __attribute__((returns_nonnull))

void *kk_xmalloc(size_t size) KK_NONNULL_RET;
void *kk_xcalloc(size_t n, size_t size) KK_NONNULL_RET;
void *kk_xrealloc(void *p, size_t size) KK_NONNULL_RET;
char *kk_xstrdup(const char *s) KK_NONNULL_RET;
char *kk_xstrndup(const char *s, size_t n) KK_NONNULL_RET;
/* printf into a new string; free() it. */
char *kk_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2))) KK_NONNULL_RET;
/* The same with a va_list. */
char *kk_xvasprintf(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0))) KK_NONNULL_RET;

/* A growing byte buffer, kept NUL-terminated: p (owned; NULL until the first add), len
 * bytes used of cap. */
struct kk_buf {
	char *p;
	size_t len, cap;
};
/* Append n bytes of data (n may be 0: p is then allocated and terminated all the same). */
void kk_buf_add(struct kk_buf *b, const void *data, size_t n);

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#endif
