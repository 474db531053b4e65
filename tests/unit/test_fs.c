/* tests/unit/test_fs.c - common/fs.h, common/path.h, common/strv.h and common/lockfile.h. */
#include "common/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/lockfile.h"
#include "common/mem.h"
#include "common/path.h"
#include "common/strv.h"
#include "tests/unit/tap.h"

static char *scratch(void)
{
	char *t = kk_xstrdup("/tmp/kk-test-fs-XXXXXX");

	if (!mkdtemp(t)) {
		free(t);
		return NULL;
	}
	return t;
}

static void clean_matches_go(void)
{
	static const char *const cases[][2] = {
		{ "", "." },
		{ "/", "/" },
		{ "a//b", "a/b" },
		{ "a/b/", "a/b" },
		{ "a/./b", "a/b" },
		{ "a/../b", "b" },
		{ "/../x", "/x" },
		{ "../../a", "../../a" },
		{ "a/b/../../..", ".." },
		{ "/opt/kukeon/", "/opt/kukeon" },
		{ "./", "." },
		{ "a/..", "." },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *got = kk_path_clean(cases[i][0]);

		TAP_OK(strcmp(got, cases[i][1]) == 0, "clean(\"%s\") = \"%s\" (got \"%s\")",
		       cases[i][0], cases[i][1], got);
	}
}

static void join_skips_empty_and_cleans(void)
{
	cleanup_free char *a = kk_path_join("/opt/kukeon/", "data", "", "x");
	cleanup_free char *b = kk_path_join("", "");
	cleanup_free char *c = kk_path_join("/", "a");

	TAP_STR_EQ(a, "/opt/kukeon/data/x");
	TAP_STR_EQ(b, "");
	TAP_STR_EQ(c, "/a");
}

static void strv_basics(void)
{
	cleanup_(kk_strv_freep) char **v = NULL;
	cleanup_free char *j = NULL;

	TAP_INT_EQ(kk_strv_len(v), 0);
	kk_strv_push_take(&v, kk_xstrdup("b"));
	kk_strv_push_take(&v, kk_xstrdup("a"));
	kk_strv_push_take(&v, kk_xstrdup("B"));
	kk_strv_sort(v);
	j = kk_strv_join(v, ",");
	TAP_STR_EQ(j, "B,a,b");
	TAP_OK(kk_strv_contains(v, "a") && !kk_strv_contains(v, "c"), "contains");
}

static void read_write_mkdir_rm(const char *t)
{
	struct kk_err err = { 0 };
	cleanup_free char *deep = kk_xasprintf("%s/x/y/z", t);
	cleanup_free char *file = kk_xasprintf("%s/x/y/z/f", t);
	cleanup_free char *link = kk_xasprintf("%s/x/link", t);
	cleanup_free char *outside = kk_xasprintf("%s/outside", t);
	cleanup_free char *outfile = kk_xasprintf("%s/outside/keep", t);
	cleanup_free char *text = NULL;
	cleanup_(kk_strv_freep) char **subs = NULL;
	cleanup_free char *x = kk_xasprintf("%s/x", t);
	struct stat st;
	size_t len = 0;

	TAP_INT_EQ(kk_mkdir_p(deep, 02750, &err), 0);
	TAP_OK(stat(deep, &st) == 0 && (st.st_mode & 07777) == 02750,
	       "mkdir_p sets the exact mode");
	TAP_INT_EQ(kk_write_atomic(file, ".t-", "hello", 5, 0640, &err), 0);
	TAP_OK(stat(file, &st) == 0 && (st.st_mode & 07777) == 0640, "atomic write sets the mode");
	TAP_INT_EQ(kk_read_file_max(file, 100, &text, &len, &err), 0);
	TAP_STR_EQ(text, "hello");
	TAP_INT_EQ(len, 5);
	free(TAKE_PTR(text));
	TAP_INT_EQ(kk_read_file_max(file, 4, &text, NULL, &err), -1);
	TAP_INT_EQ(err.code, EFBIG);
	TAP_INT_EQ(kk_read_file(deep, &text, &err), -1);
	TAP_INT_EQ(err.code, EISDIR);
	TAP_INT_EQ(kk_mkdir_p(file, 0755, &err), -1);
	TAP_INT_EQ(err.code, ENOTDIR);

	/* a symlink inside the tree is removed, its target is not */
	TAP_INT_EQ(kk_mkdir_p(outside, 0755, &err), 0);
	TAP_INT_EQ(kk_write_atomic(outfile, ".t-", "k", 1, 0644, &err), 0);
	TAP_OK(symlink(outside, link) == 0, "symlink made");
	TAP_INT_EQ(kk_list_subdirs(x, &subs, &err), 0);
	TAP_INT_EQ(kk_strv_len(subs), 1); /* y only: the symlink is not a directory */
	TAP_INT_EQ(kk_rm_rf(x, &err), 0);
	TAP_OK(lstat(x, &st) < 0 && errno == ENOENT, "rm_rf removed the tree");
	TAP_OK(stat(outfile, &st) == 0, "rm_rf did not follow the symlink");
	TAP_INT_EQ(kk_rm_rf(x, &err), 0); /* missing is fine */
	TAP_INT_EQ(kk_list_subdirs(x, &subs, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
}

static void tmp_files_are_cleaned(const char *t)
{
	struct kk_err err = { 0 };
	cleanup_free char *stale = kk_xasprintf("%s/.meta-abc123.tmp", t);
	cleanup_free char *other = kk_xasprintf("%s/.meta-keep", t);
	struct stat st;
	int fd;

	fd = open(stale, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	close(fd);
	fd = open(other, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	close(fd);
	TAP_INT_EQ(kk_remove_tmp_files(t, ".meta-", &err), 0);
	TAP_OK(stat(stale, &st) < 0, "stale temp file removed");
	TAP_OK(stat(other, &st) == 0, "other dot file kept");
	unlink(other);
}

static void lockfile_times_out_naming_the_holder(const char *t)
{
	struct kk_err err = { 0 };
	cleanup_free char *path = kk_xasprintf("%s/lock", t);
	int fd = -1, status = 0;
	pid_t child;
	int pipefd[2];
	char msg[600] = { 0 };

	TAP_INT_EQ(kk_lockfile_acquire(path, 0, &fd, &err), 0);
	TAP_OK(pipe2(pipefd, O_CLOEXEC) == 0, "pipe");
	child = fork();
	if (child == 0) {
		struct kk_err cerr = { 0 };
		int cfd = -1;
		int rc = kk_lockfile_acquire(path, 150, &cfd, &cerr);

		if (write(pipefd[1], cerr.msg, strlen(cerr.msg)) < 0)
			_exit(3);
		_exit(rc == -1 && cerr.code == ETIMEDOUT ? 0 : 1);
	}
	close(pipefd[1]);
	waitpid(child, &status, 0);
	if (read(pipefd[0], msg, sizeof(msg) - 1) < 0)
		msg[0] = '\0';
	close(pipefd[0]);
	TAP_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "second locker times out");
	{
		cleanup_free char *want = kk_xasprintf("timed out after 0.15s waiting for lock "
						       "`%s` (held by pid %ld)",
						       path, (long)getpid());

		TAP_STR_EQ(msg, want);
	}
	kk_lockfile_release(fd);
	TAP_INT_EQ(kk_lockfile_acquire(path, 0, &fd, &err), 0);
	kk_lockfile_release(fd);
}

int main(void)
{
	cleanup_free char *t = scratch();
	struct kk_err err = { 0 };

	clean_matches_go();
	join_skips_empty_and_cleans();
	strv_basics();
	if (!t) {
		TAP_OK(0, "mkdtemp");
		return tap_done();
	}
	read_write_mkdir_rm(t);
	tmp_files_are_cleaned(t);
	lockfile_times_out_naming_the_holder(t);
	TAP_INT_EQ(kk_rm_rf(t, &err), 0);
	return tap_done();
}
