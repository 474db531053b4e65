/* tests/unit/test_logidx.c - common/logidx.h: the time index beside a container's output
 * (records written, read back tolerantly, times of offsets, --since cuts) and
 * kk_rt_log_since_start's line alignment. */
#include "common/logidx.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/runtime/runtime.h"
#include "tests/unit/tap.h"

static char *scratch(void)
{
	char *t = kk_xstrdup("/tmp/kk-test-logidx-XXXXXX");

	if (!mkdtemp(t)) {
		free(t);
		return NULL;
	}
	return t;
}

static void put(const char *path, const char *mode, const void *buf, size_t n)
{
	FILE *f = fopen(path, mode);

	if (f) {
		fwrite(buf, 1, n, f);
		fclose(f);
	}
}

/* append a record {off, ns} to path's index, as a writer would */
static void rec(const char *path, int64_t off, int64_t ns)
{
	cleanup_free char *idx = kk_logidx_path(path);
	unsigned char b[KK_LOGIDX_REC_SIZE];

	for (int i = 0; i < 8; i++) {
		b[i] = (unsigned char)((uint64_t)off >> (8 * i));
		b[8 + i] = (unsigned char)((uint64_t)ns >> (8 * i));
	}
	put(idx, "ab", b, sizeof(b));
}

static void set_mtime(const char *path, int64_t ns)
{
	struct timespec ts[2] = { { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 },
				  { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 } };

	utimensat(AT_FDCWD, path, ts, 0);
}

static void writer_notes_offset_and_now(void)
{
	cleanup_free char *dir = scratch();
	cleanup_free char *log = kk_xasprintf("%s/log", dir);
	struct kk_logidx_writer w;
	struct kk_logidx x;
	struct kk_err err = { 0 };
	int64_t before = kk_logidx_now(), after;

	TAP_OK(kk_logidx_writer_open(&w, log, 0640, &err) == 0, "writer opens: %s", err.msg);
	kk_logidx_note(&w, 0);
	kk_logidx_note(&w, 7); /* within the grain of the first: skipped */
	after = kk_logidx_now();
	kk_logidx_writer_close(&w);
	put(log, "w", "one\ntwo\n", 8);
	kk_logidx_init(&x, log);
	TAP_OK(kk_logidx_refresh(&x, log, &err) == 0, "refresh: %s", err.msg);
	TAP_INT_EQ((int)x.n, 1);
	TAP_OK(x.n == 1 && x.recs[0].off == 0 && x.recs[0].ns >= before && x.recs[0].ns <= after,
	       "the record holds the offset and a time of the call");
	TAP_OK(kk_logidx_time(&x, 4) == x.recs[0].ns, "a later byte has the record's time");
	kk_logidx_clear(&x);
	kk_rm_rf(dir, &err);
}

static void reader_is_tolerant(void)
{
	cleanup_free char *dir = scratch();
	cleanup_free char *log = kk_xasprintf("%s/log", dir);
	cleanup_free char *idx = kk_logidx_path(log);
	struct kk_logidx x;
	struct kk_err err = { 0 };

	put(log, "w", "a\nb\nc\nd\n", 8);
	set_mtime(log, 5000);
	kk_logidx_init(&x, log);
	/* no index at all: every byte has the file's mtime */
	TAP_OK(kk_logidx_refresh(&x, log, &err) == 0, "missing index: %s", err.msg);
	TAP_OK(x.n == 0 && kk_logidx_time(&x, 0) == 5000 && kk_logidx_time(&x, 6) == 5000,
	       "no index: the mtime");
	TAP_OK(kk_logidx_since(&x, 5000, 8) == 0 && kk_logidx_since(&x, 5001, 8) == 8,
	       "no index: all or nothing by the mtime");
	/* a run, then a lower offset (the file rewritten): only the new run counts */
	rec(log, 0, 100);
	rec(log, 4, 200);
	rec(log, 2, 300);
	rec(log, 4, 250); /* a clock stepped back: clamped to 300 */
	rec(log, 6, 400);
	put(idx, "ab", "torn", 4); /* a record cut short */
	TAP_OK(kk_logidx_refresh(&x, log, &err) == 0, "refresh: %s", err.msg);
	TAP_INT_EQ((int)x.n, 3);
	TAP_OK(kk_logidx_time(&x, 0) == 300, "before the first record: the first's time");
	TAP_OK(kk_logidx_time(&x, 2) == 300 && kk_logidx_time(&x, 3) == 300, "at and after it");
	TAP_OK(kk_logidx_time(&x, 4) == 300, "times never go back");
	TAP_OK(kk_logidx_time(&x, 7) == 400, "the last record covers the end");
	TAP_OK(kk_logidx_since(&x, 0, 8) == 0, "since before all: the start");
	TAP_OK(kk_logidx_since(&x, 301, 8) == 6, "since between: the first later record");
	TAP_OK(kk_logidx_since(&x, 400, 8) == 6, "since at a record's time: that record");
	TAP_OK(kk_logidx_since(&x, 401, 8) == 8, "since after all: the end");
	/* the torn record completed later: read from where the whole records ended */
	put(idx, "ab", "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	TAP_OK(kk_logidx_refresh(&x, log, &err) == 0, "refresh: %s", err.msg);
	TAP_INT_EQ((int)x.n, 4);
	/* the index replaced by a shorter one: read again from its start */
	unlink(idx);
	rec(log, 0, 1000);
	TAP_OK(kk_logidx_refresh(&x, log, &err) == 0 && x.n == 1 && x.recs[0].ns == 1000,
	       "a shrunk index is read again");
	kk_logidx_clear(&x);
	kk_rm_rf(dir, &err);
}

static void since_start_aligns_to_a_line(void)
{
	cleanup_free char *dir = scratch();
	cleanup_free char *log = kk_xasprintf("%s/log", dir);
	struct kk_err err = { 0 };
	int64_t pos = -1;

	put(log, "w", "aa\nbb\ncc\n", 9);
	rec(log, 0, 100);
	rec(log, 3, 200);
	rec(log, 7, 300); /* inside "cc": a write that did not start a line */
	TAP_OK(kk_rt_log_since_start(log, 150, &pos, &err) == 0 && pos == 3,
	       "at a line start: that line");
	TAP_OK(kk_rt_log_since_start(log, 250, &pos, &err) == 0 && pos == 9,
	       "inside a line: the next one (here none)");
	TAP_OK(kk_rt_log_since_start(log, 50, &pos, &err) == 0 && pos == 0, "before all: 0");
	TAP_OK(kk_rt_log_since_start(log, 301, &pos, &err) == 0 && pos == 9, "after all: the end");
	unlink(log);
	TAP_OK(kk_rt_log_since_start(log, 0, &pos, &err) < 0 && strstr(err.msg, "log file"),
	       "a missing log fails: %s", err.msg);
	err = (struct kk_err){ 0 };
	kk_rm_rf(dir, &err);
}

static void stamps_are_docker_style(void)
{
	char buf[KK_LOGIDX_STAMP_MAX];
	size_t n = kk_logidx_stamp(INT64_C(1796451759343238294), buf);

	TAP_STR_EQ(buf, "2026-12-05T06:22:39.343238294Z ");
	TAP_INT_EQ((int)n, (int)strlen(buf));
	kk_logidx_stamp(0, buf);
	TAP_STR_EQ(buf, "1970-01-01T00:00:00.000000000Z ");
	kk_logidx_stamp(5, buf);
	TAP_STR_EQ(buf, "1970-01-01T00:00:00.000000005Z ");
}

int main(void)
{
	writer_notes_offset_and_now();
	reader_is_tolerant();
	since_start_aligns_to_a_line();
	stamps_are_docker_style();
	return tap_done();
}
