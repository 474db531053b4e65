/* tests/unit/test_table.c - upstream's table layout, byte for byte. */
#include "common/table.h"

#include <stdlib.h>

#include "common/cleanup.h"
#include "tests/unit/tap.h"

static char *render(const struct kk_table *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	kk_table_print(t, f);
	fclose(f);
	return buf;
}

static void realm_table_matches_upstream_example(void)
{
	static const char *const headers[] = { "NAME", "NAMESPACE", "STATE", "CGROUP" };
	static const char *const r1[] = { "default", "default.kukeon.io", "Ready",
					  "/kukeon/default" };
	static const char *const r2[] = { "kuke-system", "kuke-system.kukeon.io", "Ready",
					  "/kukeon/kuke-system" };
	cleanup_(kk_table_freep) struct kk_table *t = kk_table_new(4, headers);
	cleanup_free char *out = NULL;

	kk_table_add(t, r1);
	kk_table_add(t, r2);
	TAP_INT_EQ(kk_table_rows(t), 2);
	out = render(t);
	TAP_STR_EQ(out, "NAME         NAMESPACE              STATE  CGROUP             \n"
			"-----------  ---------------------  -----  -------------------\n"
			"default      default.kukeon.io      Ready  /kukeon/default    \n"
			"kuke-system  kuke-system.kukeon.io  Ready  /kukeon/kuke-system\n");
}

static void null_cells_print_as_dash(void)
{
	static const char *const headers[] = { "NAME", "CGROUP" };
	static const char *const r1[] = { "a", NULL };
	cleanup_(kk_table_freep) struct kk_table *t = kk_table_new(2, headers);
	cleanup_free char *out = NULL;

	kk_table_add(t, r1);
	out = render(t);
	TAP_STR_EQ(out, "NAME  CGROUP\n----  ------\na     -     \n");
}

static void empty_table_has_header_only(void)
{
	static const char *const headers[] = { "REF" };
	cleanup_(kk_table_freep) struct kk_table *t = kk_table_new(1, headers);
	cleanup_free char *out = render(t);

	TAP_INT_EQ(kk_table_rows(t), 0);
	TAP_STR_EQ(out, "REF\n---\n");
}

int main(void)
{
	realm_table_matches_upstream_example();
	null_cells_print_as_dash();
	empty_table_has_header_only();
	return tap_done();
}
