/* common/path.h - lexical path handling with Go's path/filepath semantics, so the paths we
 * build (and store in metadata) are byte-identical to upstream's.
 * Pure string functions: no file system access; results are new strings to free(). */
#ifndef KK_COMMON_PATH_H
#define KK_COMMON_PATH_H

#include <stddef.h>

/* filepath.Clean: collapse "//", drop "." elements, resolve ".." lexically, drop a trailing
 * "/"; "" becomes ".". */
char *kk_path_clean(const char *path);
/* filepath.Join: the non-empty arguments joined with "/", then cleaned; "" if all are empty.
 * Use the macro; the function needs a NULL sentinel. */
char *kk_path_join_(const char *first, ...) __attribute__((sentinel));
#define kk_path_join(...) kk_path_join_(__VA_ARGS__, (const char *)NULL)

#endif
