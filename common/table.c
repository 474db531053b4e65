/* common/table.c - see table.h. */
#include "common/table.h"

#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/mem.h"

struct kk_table {
	size_t n_cols;
	size_t n_lines; /* the header, then the rows */
	char **cells;   /* n_lines * n_cols; owned */
	size_t *width;
};

static void append_line(struct kk_table *t, const char *const *cells)
{
	size_t base = t->n_lines * t->n_cols;

	t->cells = kk_xrealloc(t->cells, (base + t->n_cols) * sizeof(*t->cells));
	for (size_t c = 0; c < t->n_cols; c++) {
		const char *s = cells[c] ? cells[c] : "-";
		size_t len = strlen(s);

		t->cells[base + c] = kk_xstrdup(s);
		if (len > t->width[c])
			t->width[c] = len;
	}
	t->n_lines++;
}

struct kk_table *kk_table_new(size_t n_cols, const char *const *headers)
{
	struct kk_table *t = kk_xcalloc(1, sizeof(*t));

	t->n_cols = n_cols;
	t->width = kk_xcalloc(n_cols, sizeof(*t->width));
	append_line(t, headers);
	return t;
}

void kk_table_add(struct kk_table *t, const char *const *cells)
{
	append_line(t, cells);
}

size_t kk_table_rows(const struct kk_table *t)
{
	return t->n_lines - 1;
}

static void print_row(const struct kk_table *t, char *const *row, FILE *out)
{
	for (size_t c = 0; c < t->n_cols; c++)
		fprintf(out, "%s%-*s", c ? "  " : "", (int)t->width[c], row[c]);
	fputc('\n', out);
}

void kk_table_print(const struct kk_table *t, FILE *out)
{
	print_row(t, t->cells, out);
	for (size_t c = 0; c < t->n_cols; c++) {
		fputs(c ? "  " : "", out);
		for (size_t i = 0; i < t->width[c]; i++)
			fputc('-', out);
	}
	fputc('\n', out);
	for (size_t r = 1; r < t->n_lines; r++)
		print_row(t, t->cells + r * t->n_cols, out);
}

void kk_table_free(struct kk_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_lines * t->n_cols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->width);
	free(t);
}

KK_DEFINE_FREEP(kk_table)
