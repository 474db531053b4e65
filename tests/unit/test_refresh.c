/* tests/unit/test_refresh.c - `kuke refresh`'s summary, byte for byte as upstream's, and the
 * walk over an empty run path. */
#include "common/controller/refresh.h"

#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "common/strv.h"
#include "tests/unit/tap.h"

static void push(char ***v, const char *s)
{
	kk_strv_push_take(v, kk_xstrdup(s));
}

static void empty_summary(void)
{
	struct kk_refresh_result r = { 0 };
	cleanup_free char *s = kk_refresh_summary(&r);

	TAP_STR_EQ(s, "Refreshed metadata status:\n"
		      "  Realms: 0\n"
		      "  Spaces: 0\n"
		      "  Stacks: 0\n"
		      "  Cells: 0\n"
		      "  Containers: 0\n"
		      "\n"
		      "Updated:\n"
		      "  (none)\n"
		      "\n"
		      "Errors:\n"
		      "  (none)\n");
}

static void reference_example(void)
{
	struct kk_refresh_result r = { 0 };
	cleanup_free char *s = NULL;

	push(&r.realms_found, "default");
	push(&r.realms_found, "kuke-system");
	push(&r.spaces_found, "default");
	push(&r.spaces_found, "kukeon");
	push(&r.stacks_found, "default");
	push(&r.stacks_found, "kukeon");
	push(&r.cells_found, "kukeond");
	push(&r.containers_found, "kuke-system/kukeon/kukeon/kukeond/kukeond");
	push(&r.containers_found, "kuke-system/kukeon/kukeon/kukeond/root");
	s = kk_refresh_summary(&r);
	TAP_STR_EQ(s, "Refreshed metadata status:\n"
		      "  Realms: 2 (default, kuke-system)\n"
		      "  Spaces: 2 (default, kukeon)\n"
		      "  Stacks: 2 (default, kukeon)\n"
		      "  Cells: 1 (kukeond)\n"
		      "  Containers: 2 (kuke-system/kukeon/kukeon/kukeond/kukeond, "
		      "kuke-system/kukeon/kukeon/kukeond/root)\n"
		      "\n"
		      "Updated:\n"
		      "  (none)\n"
		      "\n"
		      "Errors:\n"
		      "  (none)\n");
	kk_refresh_result_clear(&r);
	TAP_OK(!r.realms_found && !r.containers_found, "clear empties the lists");
}

static void only_nonempty_updates_five_names_then_dots(void)
{
	struct kk_refresh_result r = { 0 };
	const char *const cells[] = { "a", "b", "c", "d", "e", "f", "g" };
	cleanup_free char *s = NULL;

	for (size_t i = 0; i < 7; i++) {
		push(&r.cells_found, cells[i]);
		if (i < 5)
			push(&r.cells_updated, cells[i]);
	}
	push(&r.realms_found, "r");
	push(&r.stacks_updated, "st");
	push(&r.errors, "failed to refresh realm 'x': boom");
	push(&r.errors, "failed to refresh cell 'y' in realm 'x', space 's', stack 't': bang");
	s = kk_refresh_summary(&r);
	TAP_STR_EQ(s, "Refreshed metadata status:\n"
		      "  Realms: 1 (r)\n"
		      "  Spaces: 0\n"
		      "  Stacks: 0\n"
		      "  Cells: 7 (a, b, c, d, e, ...)\n"
		      "  Containers: 0\n"
		      "\n"
		      "Updated:\n"
		      "  Stacks: 1 (st)\n"
		      "  Cells: 5 (a, b, c, d, e)\n"
		      "\n"
		      "Errors:\n"
		      "  failed to refresh realm 'x': boom\n"
		      "  failed to refresh cell 'y' in realm 'x', space 's', stack 't': bang\n");
	kk_refresh_result_clear(&r);
}

static void walk_of_an_empty_run_path(void)
{
	char dir[] = "/tmp/kk-refresh-XXXXXX";
	struct kk_local_opts opts = { .run_path = dir, .containerd_socket = "/nonexistent.sock" };
	cleanup_(kk_local_freep) struct kk_local *l = NULL;
	struct kk_refresh_result r = { 0 };
	struct kk_err err = { 0 };
	cleanup_free char *cmd = NULL;

	if (!mkdtemp(dir)) {
		TAP_OK(0, "mkdtemp");
		return;
	}
	if (kk_local_new(&opts, &l, &err) < 0 || kk_ctl_refresh(l, &r, &err) < 0) {
		TAP_OK(0, "refresh: %s", err.msg);
	} else {
		TAP_OK(!r.realms_found && !r.errors,
		       "nothing found, no errors, containerd untouched");
	}
	kk_refresh_result_clear(&r);
	cmd = kk_xasprintf("rm -rf '%s'", dir);
	TAP_OK(system(cmd) == 0, "scratch dir removed");
}

int main(void)
{
	empty_summary();
	reference_example();
	only_nonempty_updates_five_names_then_dots();
	walk_of_an_empty_run_path();
	return tap_done();
}
