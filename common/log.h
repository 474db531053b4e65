/* common/log.h - verbose logging, in upstream's line format:
 *
 *   2026-11-23T19:04:19Z INFO "creating realm" name=prod namespace=prod.kukeon.io
 *
 * Off unless enabled (`kuke -v`); written to the given stream (upstream: stdout). The
 * logger is a value owned by the applet context and passed down: no globals. */
#ifndef KK_COMMON_LOG_H
#define KK_COMMON_LOG_H

#include <stdbool.h>
#include <stdio.h>

struct kk_err;

enum kk_log_level {
	KK_LOG_DEBUG,
	KK_LOG_INFO,
	KK_LOG_WARN,
	KK_LOG_ERROR,
};

struct kk_log {
	FILE *out;             /* borrowed; NULL = logging off */
	enum kk_log_level min; /* records below this are dropped */
};

/* Parse a level name as upstream does: debug, info, warn|warning, error|err (any case);
 * anything else (or NULL) is info. */
enum kk_log_level kk_log_level_parse(const char *name);
/* A logger writing records >= level to out, or a silent one when out is NULL. */
void kk_log_init(struct kk_log *log, FILE *out, const char *level);
/* Log msg with key/value string pairs:
 *   kk_log(log, KK_LOG_INFO, "creating realm", "name", name, "namespace", ns);
 * log may be NULL (silent). Values that need it are quoted Go-style. */
#define kk_log(log, level, ...) kk_log_pairs(log, level, __VA_ARGS__, (const char *)NULL)
void kk_log_pairs(const struct kk_log *log, enum kk_log_level level, const char *msg, ...)
	__attribute__((sentinel));
/* The one way to drop an error on purpose: when e->code is set, log at debug level
 *   "ignored" what="undo: delete container `x`" error="<e->msg>"
 * and write nothing for a clean e (or a NULL log). what (a printf format) says what failed
 * and was let go; it is only formatted when the line is written. e is cleared afterwards,
 * so one variable can collect the ignored errors of several calls in turn. */
void kk_log_ignored(const struct kk_log *log, struct kk_err *e, const char *what, ...)
	__attribute__((format(printf, 3, 4)));

#endif
