/* common/strv.h - NULL-terminated string vectors (char **), each string owned.
 *
 *   cleanup_(kk_strv_freep) char **v = NULL;
 *   kk_strv_push_take(&v, kk_xstrdup("a"));     v is { "a", NULL }
 *
 * A NULL vector is a valid empty one for every function here. */
#ifndef KK_COMMON_STRV_H
#define KK_COMMON_STRV_H

#include <stdbool.h>
#include <stddef.h>

size_t kk_strv_len(char *const *v);
/* Append s, taking ownership of it; *v grows (it may start NULL). */
void kk_strv_push_take(char ***v, char *s);
bool kk_strv_contains(char *const *v, const char *s);
/* Sort in byte order (strcmp), as Go's sort.Strings and os.ReadDir do. */
void kk_strv_sort(char **v);
/* strcmp of two char * array elements, for qsort */
int kk_str_cmpp(const void *a, const void *b);
/* A new string with the elements joined by sep ("" for an empty vector). */
char *kk_strv_join(char *const *v, const char *sep);
void kk_strv_free(char **v);
void kk_strv_freep(char ***v);

#endif
