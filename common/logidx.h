/* common/logidx.h - the time index beside a container's output file (`<file>.idx`): when
 * the bytes of the shim's log or kuketty's capture were written, for `kuke log --since` and
 * `--timestamps`. The output file itself stays exactly what upstream writes.
 *
 * The index is a sequence of fixed 16-byte records, appended with O_APPEND by the one writer
 * of the file (the log writer the shim runs, or kuketty): {offset, time}, both little-endian
 * int64, time in Unix nanoseconds. A record is written *before* the bytes it describes: "the
 * bytes from offset on were written at time". One per write at most, and none while the
 * previous is less than KK_LOGIDX_GRAIN_NS old, so a line's time is its first byte's to the
 * millisecond.
 *
 * Reading is tolerant: a trailing partial record is ignored (a writer caught mid-append),
 * an offset lower than the one before starts a new run (the file was truncated and written
 * again: the older records are dropped), and times are made non-decreasing. A byte's time is
 * that of the last record at or before it; before the first record (or with no index at all:
 * a file written by upstream) it is the earliest time known to be after it: the first
 * record's, else the file's mtime. */
#ifndef KK_COMMON_LOGIDX_H
#define KK_COMMON_LOGIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define KK_LOGIDX_SUFFIX ".idx"
/* `<binary> __log-writer LOG`: the hidden mode of the multicall binary that containerd's
 * shim runs as a `binary://` logger (applets/log_writer.c) */
#define KK_LOGIDX_WRITER_ARG "__log-writer"
#define KK_LOGIDX_REC_SIZE   16
#define KK_LOGIDX_GRAIN_NS   INT64_C(1000000)

/* "<path>.idx". A new string. */
char *kk_logidx_path(const char *path);

/* CLOCK_REALTIME in Unix nanoseconds. */
int64_t kk_logidx_now(void);

/* ---- writing ---- */

struct kk_logidx_writer {
	int fd;       /* -1: no index (could not be opened): writes are dropped */
	int64_t last; /* time of the last record written; 0: none yet */
};

/* Open (create, mode before the umask) the index of the output file at path for appending.
 * On failure w->fd is -1 and err says why; the output itself can go on without one. */
int kk_logidx_writer_open(struct kk_logidx_writer *w, const char *path, int mode,
			  struct kk_err *err);
/* Record that the bytes from offset on are written now (skipped within the grain of the
 * last record). Best effort: a failed write drops the record. */
void kk_logidx_note(struct kk_logidx_writer *w, int64_t offset);
void kk_logidx_writer_close(struct kk_logidx_writer *w);

/* ---- reading ---- */

struct kk_logidx_rec {
	int64_t off, ns;
};

struct kk_logidx {
	char *path;                 /* owned: the index file */
	struct kk_logidx_rec *recs; /* owned */
	size_t n, cap;
	int64_t read;  /* bytes of the index consumed (whole records) */
	int64_t mtime; /* the output file's mtime (Unix ns) at the last refresh */
};

/* Start reading the index of the output file at path (nothing is read yet). */
void kk_logidx_init(struct kk_logidx *x, const char *path);
/* Read the records appended since the last call and the output file's mtime. A missing index
 * is an empty one; other read errors fail. */
int kk_logidx_refresh(struct kk_logidx *x, const char *out_path, struct kk_err *err);
/* The time of the byte at offset (see the top of this file). */
int64_t kk_logidx_time(const struct kk_logidx *x, int64_t offset);
/* The first offset whose time is at or after since_ns (the file's size `end` when none). */
int64_t kk_logidx_since(const struct kk_logidx *x, int64_t since_ns, int64_t end);
void kk_logidx_clear(struct kk_logidx *x);

/* "2006-01-02T15:04:05.000000000Z" (docker's and kubectl's --timestamps), with a final
 * space; buf holds at least KK_LOGIDX_STAMP_MAX bytes. Returns the length. */
#define KK_LOGIDX_STAMP_MAX 40
size_t kk_logidx_stamp(int64_t ns, char *buf);

#endif
