/* tests/unit/test_journal.c - common/controller/journal.h: the record's life and format.
 * Recovery itself purges cells through containerd: bats 26 (the crash matrix) covers it. */
#include "common/controller/journal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/controller/local.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/strv.h"
#include "tests/unit/tap.h"

static const struct kk_store_ref cell = { "r1", "sp", "st", "web" };

static char *scratch(void)
{
	char *t = kk_xstrdup("/tmp/kk-test-journal-XXXXXX");

	if (!mkdtemp(t)) {
		free(t);
		return NULL;
	}
	return t;
}

static void record_is_written_stepped_and_removed(void)
{
	cleanup_free char *run = scratch();
	cleanup_free char *path = NULL;
	cleanup_free char *text = NULL;
	struct kk_local l = { .run_path = run };
	struct kk_journal *j = NULL;
	struct kk_err err = { 0 };

	path = kk_xasprintf("%s/.journal/r1_sp_st_web.cell", run);
	TAP_INT_EQ(kk_journal_exists(&l, &cell), 0);
	TAP_INT_EQ(kk_journal_begin(&l, &cell, "create", &j, &err), 0);
	TAP_INT_EQ(kk_journal_exists(&l, &cell), 1);
	TAP_INT_EQ(kk_journal_step(j, "cell-create:cgroup", &err), 0);
	TAP_INT_EQ(kk_journal_step(j, "cell-create:root-task", &err), 0);
	TAP_INT_EQ(kk_read_file(path, &text, &err), 0);
	TAP_STR_EQ(text, "kukeon-journal 1 cell create r1 sp st web\n"
			 "step cell-create:cgroup\n"
			 "step cell-create:root-task\n");
	kk_journal_end(j);
	TAP_OK(access(path, F_OK) != 0, "the record is gone at the end");
	TAP_INT_EQ(kk_journal_exists(&l, &cell), 0);
	/* no hook: only the fault knob, which is off */
	TAP_INT_EQ(kk_journal_step(NULL, "cell-create:cgroup", &err), 0);
	kk_journal_end(NULL);
	kk_rm_rf(run, &err);
}

static void container_record_is_its_own(void)
{
	cleanup_free char *run = scratch();
	cleanup_free char *path = NULL;
	cleanup_free char *other = NULL;
	cleanup_free char *text = NULL;
	struct kk_local l = { .run_path = run };
	struct kk_journal *j = NULL, *k = NULL, *c = NULL;
	struct kk_err err = { 0 };

	path = kk_xasprintf("%s/.journal/r1_sp_st_web_extra.container", run);
	other = kk_xasprintf("%s/.journal/r1_sp_st_web_more.container", run);
	TAP_INT_EQ(kk_journal_container_exists(&l, &cell, "extra"), 0);
	TAP_INT_EQ(kk_journal_container_begin(&l, &cell, "extra", "delete", &j, &err), 0);
	TAP_INT_EQ(kk_journal_container_exists(&l, &cell, "extra"), 1);
	TAP_INT_EQ(kk_journal_exists(&l, &cell), 0);
	TAP_INT_EQ(kk_journal_step(j, "container-delete:task", &err), 0);
	TAP_INT_EQ(kk_read_file(path, &text, &err), 0);
	TAP_STR_EQ(text, "kukeon-journal 1 container delete r1 sp st web extra\n"
			 "step container-delete:task\n");
	kk_journal_end(j);
	TAP_OK(access(path, F_OK) != 0, "the container's record is gone at the end");
	/* a cell's delete drops what is left of its containers' records, nothing else */
	TAP_INT_EQ(kk_journal_container_begin(&l, &cell, "extra", "create", &j, &err), 0);
	TAP_INT_EQ(kk_journal_container_begin(&l, &cell, "more", "create", &k, &err), 0);
	TAP_INT_EQ(kk_journal_begin(&l, &cell, "delete", &c, &err), 0);
	kk_journal_drop_containers(&l, &cell);
	TAP_OK(access(path, F_OK) != 0 && access(other, F_OK) != 0,
	       "the containers' records are dropped");
	TAP_INT_EQ(kk_journal_exists(&l, &cell), 1);
	kk_journal_end(j);
	kk_journal_end(k);
	kk_journal_end(c);
	kk_rm_rf(run, &err);
}

static void begin_fails_cleanly(void)
{
	cleanup_free char *run = scratch();
	cleanup_free char *file = kk_xasprintf("%s/.journal", run);
	struct kk_local l = { .run_path = run };
	struct kk_journal *j = NULL;
	struct kk_err err = { 0 };

	/* a file where the directory should be */
	TAP_INT_EQ(kk_write_atomic(file, ".t-", "x", 1, 0600, &err), 0);
	TAP_INT_EQ(kk_journal_begin(&l, &cell, "delete", &j, &err), -1);
	TAP_OK(j == NULL, "no record on failure");
	TAP_OK(strncmp(err.msg, "journal of cell `web`: ", 23) == 0, "the error names the cell: %s",
	       err.msg);
	kk_rm_rf(run, &err);
}

static void recover_all_passes_over_what_is_no_record(void)
{
	cleanup_free char *run = scratch();
	cleanup_free char *dir = kk_xasprintf("%s/.journal", run);
	cleanup_free char *junk = kk_xasprintf("%s/junk", dir);
	cleanup_free char *three = kk_xasprintf("%s/a_b_c.cell", dir);
	cleanup_free char *six = kk_xasprintf("%s/a_b_c_d_e_f.container", dir);
	cleanup_(kk_strv_freep) char **done = NULL;
	cleanup_(kk_strv_freep) char **failed = NULL;
	struct kk_local l = { .run_path = run };
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_journal_recover_all(&l, &done, &failed, &err), 0);
	TAP_OK(!done && !failed, "no directory: nothing to do");
	TAP_INT_EQ(kk_mkdir_p(dir, 0700, &err), 0);
	TAP_INT_EQ(kk_write_atomic(junk, ".t-", "x", 1, 0600, &err), 0);
	TAP_INT_EQ(kk_write_atomic(three, ".t-", "x", 1, 0600, &err), 0);
	TAP_INT_EQ(kk_write_atomic(six, ".t-", "x", 1, 0600, &err), 0);
	TAP_INT_EQ(kk_journal_recover_all(&l, &done, &failed, &err), 0);
	TAP_OK(!done && !failed, "names that are not <realm>_<space>_<stack>_<cell>.cell are left");
	TAP_OK(access(six, F_OK) == 0, "nor ..._<cell>_<container>.container");
	TAP_OK(access(junk, F_OK) == 0, "and not removed");
	kk_rm_rf(run, &err);
}

int main(void)
{
	unsetenv("KUKEON_TEST_FAULT");
	record_is_written_stepped_and_removed();
	container_record_is_its_own();
	begin_fails_cleanly();
	recover_all_passes_over_what_is_no_record();
	return tap_done();
}
