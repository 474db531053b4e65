/* tests/unit/test_ctr_content.c - the Content service against the harness containerd:
 * write (whole, chunked, resumed), info, read, list, labels, delete, and the mismatch
 * errors that must leave nothing committed. `ctr content` is the witness. */
#include "ctr/ctr.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "tests/unit/ctr_testlib.h"

#define NS "test-content"

static void write_info_read_list_delete(struct ctr_conn *conn)
{
	const char data[] = "hello, content store\n";
	cleanup_free char *dgst = t_digest(data, sizeof(data) - 1);
	cleanup_free char *got = NULL, *ls = NULL, *ls2 = NULL;
	struct ctr_labels labels = { 0 };
	struct ctr_content_info info = { 0 };
	struct ctr_content_info *list = NULL;
	struct kk_err err = { 0 };
	size_t n = 0, len = 0;
	bool found = false;

	ctr_labels_set(&labels, "kukeon.io/test", "yes");
	TAP_OK(ctr_content_write_all(conn, "test-ref-1", data, sizeof(data) - 1, dgst, &labels,
				     &err) == 0,
	       "write a blob: %s", err.msg);
	ctr_labels_clear(&labels);

	TAP_OK(ctr_content_info(conn, dgst, &info, &err) == 0, "info: %s", err.msg);
	TAP_STR_EQ(info.digest, dgst);
	TAP_INT_EQ(info.size, sizeof(data) - 1);
	TAP_STR_EQ(ctr_labels_get(&info.labels, "kukeon.io/test"), "yes");
	TAP_OK(info.created_ns > 0, "created time is set");
	ctr_content_info_clear(&info);

	TAP_OK(ctr_content_read_all(conn, dgst, 1024, &got, &len, &err) == 0, "read: %s", err.msg);
	TAP_STR_EQ(got, data);
	TAP_INT_EQ(len, sizeof(data) - 1);
	free(TAKE_PTR(got));
	TAP_INT_EQ(ctr_content_read_all(conn, dgst, 4, &got, &len, &err), -1);
	TAP_INT_EQ(err.code, E2BIG);

	TAP_OK(ctr_content_list(conn, NULL, &list, &n, &err) == 0, "list: %s", err.msg);
	for (size_t i = 0; i < n; i++)
		found |= strcmp(list[i].digest, dgst) == 0;
	TAP_OK(found, "the blob is listed");
	ctr_content_info_list_free(list, n);

	ls = t_sh("$CTR -n " NS " content ls -q");
	TAP_OK(strstr(ls, dgst) != NULL, "ctr content ls shows it");

	/* writing it again is an already-exists, not a second copy */
	TAP_INT_EQ(ctr_content_write_all(conn, "test-ref-2", data, sizeof(data) - 1, dgst, NULL,
					 &err),
		   -1);
	TAP_INT_EQ(err.code, EEXIST);

	ctr_labels_set(&labels, "other", "x");
	TAP_OK(ctr_content_set_labels(conn, dgst, &labels, &err) == 0, "update labels: %s",
	       err.msg);
	ctr_labels_clear(&labels);
	TAP_OK(ctr_content_info(conn, dgst, &info, &err) == 0, "info after update");
	TAP_STR_EQ(ctr_labels_get(&info.labels, "other"), "x");
	TAP_OK(ctr_labels_get(&info.labels, "kukeon.io/test") == NULL, "labels were replaced");
	ctr_content_info_clear(&info);

	TAP_OK(ctr_content_delete(conn, dgst, &err) == 0, "delete: %s", err.msg);
	ls2 = t_sh("$CTR -n " NS " content ls -q");
	TAP_OK(strstr(ls2, dgst) == NULL, "ctr content ls no longer shows it");
	TAP_INT_EQ(ctr_content_info(conn, dgst, &info, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	{
		cleanup_free char *want = kk_xasprintf("content.Info `%s`: not found", dgst);

		TAP_STR_EQ(err.msg, want);
	}
	TAP_INT_EQ(ctr_content_delete(conn, dgst, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
}

static int count_bytes(const void *data, size_t len, void *arg, struct kk_err *err)
{
	(void)data;
	*(size_t *)arg += len;
	return 0;
}

/* 5 MiB in chunks (several WRITE messages), an interrupted write resumed by ref, and a
 * streamed read back into a file. */
static void chunked_resumed_write_and_streamed_read(struct ctr_conn *conn)
{
	size_t size = 5 * 1024 * 1024 + 123;
	cleanup_free char *data = kk_xmalloc(size);
	cleanup_free char *dgst = NULL, *path = NULL, *sum = NULL;
	cleanup_(ctr_content_writer_freep) struct ctr_writer *w = NULL;
	struct kk_err err = { 0 };
	size_t counted = 0;
	cleanup_close int fd = -1;

	for (size_t i = 0; i < size; i++)
		data[i] = (char)(i * 7 + i / 4096);
	dgst = t_digest(data, size);

	TAP_OK(ctr_content_writer_open(conn, "test-big", (int64_t)size, dgst, &w, &err) == 0,
	       "open writer: %s", err.msg);
	TAP_INT_EQ(ctr_content_writer_offset(w), 0);
	TAP_OK(ctr_content_writer_write(w, data, 3 * 1024 * 1024, &err) == 0, "first part: %s",
	       err.msg);
	ctr_content_writer_freep(&w); /* interrupted: the ingest stays */

	TAP_OK(ctr_content_writer_open(conn, "test-big", (int64_t)size, dgst, &w, &err) == 0,
	       "reopen writer: %s", err.msg);
	TAP_INT_EQ(ctr_content_writer_offset(w), 3 * 1024 * 1024);
	TAP_OK(ctr_content_writer_write(w, data + 3 * 1024 * 1024, size - 3 * 1024 * 1024, &err) ==
		       0,
	       "rest: %s", err.msg);
	TAP_OK(ctr_content_writer_commit(w, 0, NULL, NULL, &err) == 0, "commit: %s", err.msg);
	TAP_STR_EQ(ctr_content_writer_digest(w), dgst);
	ctr_content_writer_freep(&w);

	TAP_OK(ctr_content_read(conn, dgst, 0, 0, count_bytes, &counted, &err) == 0,
	       "streamed read: %s", err.msg);
	TAP_INT_EQ(counted, size);
	counted = 0;
	TAP_OK(ctr_content_read(conn, dgst, 1000, 5000, count_bytes, &counted, &err) == 0,
	       "ranged read: %s", err.msg);
	TAP_INT_EQ(counted, 5000);

	path = kk_xasprintf("%s/content-read.bin", getenv("KUKEON_TEST_TMP"));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	TAP_OK(ctr_content_read_fd(conn, dgst, fd, &err) == 0, "read into fd: %s", err.msg);
	sum = t_sh("sha256sum '%s' | cut -d' ' -f1", path);
	TAP_OK(strncmp(sum, dgst + 7, 64) == 0, "file content has the digest");
	TAP_OK(ctr_content_delete(conn, dgst, &err) == 0, "delete big blob");
	unlink(path);
}

static void no_committed_content(const char *dgst, const char *what)
{
	cleanup_free char *ls = t_sh("$CTR -n " NS " content ls -q");
	cleanup_free char *active = t_sh("$CTR -n " NS " content active");

	TAP_OK(strstr(ls, dgst) == NULL, "%s: nothing committed (ctr content ls)", what);
	TAP_OK(strstr(active, "test-bad") == NULL, "%s: no ingest left (ctr content active)",
	       what);
}

static void digest_mismatch_commits_nothing(struct ctr_conn *conn)
{
	const char data[] = "these bytes are not what the digest says";
	cleanup_free char *wrong = t_digest("something else", 14);
	struct kk_err err = { 0 };

	TAP_INT_EQ(ctr_content_write_all(conn, "test-bad-digest", data, sizeof(data) - 1, wrong,
					 NULL, &err),
		   -1);
	TAP_INT_EQ(err.code, EBADMSG);
	{
		cleanup_free char *want = kk_xasprintf(
			"content.Write `test-bad-digest`: digest mismatch: content is not `%s`", wrong);

		TAP_STR_EQ(err.msg, want);
	}
	no_committed_content(wrong, "digest mismatch");
}

static void size_mismatch_commits_nothing(struct ctr_conn *conn)
{
	const char data[] = "twelve bytes";
	cleanup_free char *dgst = t_digest(data, sizeof(data) - 1);
	cleanup_(ctr_content_writer_freep) struct ctr_writer *w = NULL;
	struct kk_err err = { 0 };

	TAP_OK(ctr_content_writer_open(conn, "test-bad-size", 100, dgst, &w, &err) == 0,
	       "open with a wrong expected size: %s", err.msg);
	TAP_OK(ctr_content_writer_write(w, data, sizeof(data) - 1, &err) == 0, "write");
	TAP_INT_EQ(ctr_content_writer_commit(w, 0, NULL, NULL, &err), -1);
	TAP_INT_EQ(err.code, EINVAL);
	TAP_STR_EQ(err.msg, "content.Write `test-bad-size`: size mismatch: wrote 12 bytes, "
			    "expected 100");
	ctr_content_writer_freep(&w);
	no_committed_content(dgst, "size mismatch");
}

static void abort_and_missing(struct ctr_conn *conn)
{
	struct kk_err err = { 0 };
	cleanup_(ctr_content_writer_freep) struct ctr_writer *w = NULL;
	char *buf = NULL;
	size_t len;

	TAP_OK(ctr_content_writer_open(conn, "test-abort", 0, NULL, &w, &err) == 0, "open");
	TAP_OK(ctr_content_writer_write(w, "abc", 3, &err) == 0, "write");
	ctr_content_writer_freep(&w);
	TAP_OK(ctr_content_abort(conn, "test-abort", &err) == 0, "abort: %s", err.msg);
	TAP_INT_EQ(ctr_content_abort(conn, "test-abort", &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_INT_EQ(ctr_content_read_all(conn, "sha256:0000000000000000000000000000000000000000000000000000000000000000",
					1024, &buf, &len, &err),
		   -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_OK(buf == NULL, "nothing returned on failure");
}

int main(void)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = t_connect(NS);

	if (!conn)
		return tap_done();
	write_info_read_list_delete(conn);
	chunked_resumed_write_and_streamed_read(conn);
	digest_mismatch_commits_nothing(conn);
	size_mismatch_commits_nothing(conn);
	abort_and_missing(conn);
	return tap_done();
}
