/* common/table.h - upstream's plain-text tables (`kuke get`, `kuke image get`).
 *
 * Header row, a row of dashes per column, then the rows. Each column is as wide as its
 * widest cell (header included), every cell is left-justified and padded to that width
 * (so lines end in spaces, as upstream's do), and columns are separated by two spaces. */
#ifndef KK_COMMON_TABLE_H
#define KK_COMMON_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct kk_table;

/* A table with the given column headers (copied). */
struct kk_table *kk_table_new(size_t n_cols, const char *const *headers);
/* Append a row of n_cols cells (copied); a NULL cell prints as "-". */
void kk_table_add(struct kk_table *t, const char *const *cells);
size_t kk_table_rows(const struct kk_table *t);
void kk_table_print(const struct kk_table *t, FILE *out);
void kk_table_free(struct kk_table *t);
void kk_table_freep(struct kk_table **t);

#endif
