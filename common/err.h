/* common/err.h - the error contract shared by all kukeon code.
 *
 * A function that can fail takes `struct kk_err *err` last and returns int: < 0 on
 * failure with err filled in, >= 0 on success with err untouched. Each layer adds
 * context on the way out with kk_err_wrap(), so a message reads
 * "outer context: inner context: cause". Only applet main functions print errors. */
#ifndef KK_COMMON_ERR_H
#define KK_COMMON_ERR_H

#include <stdarg.h>

enum {
	KK_EUSAGE = 1000, /* bad command line; above every errno value */
	KK_EHELP = 1001,  /* -h/--help where a flag may stand: print usage, exit 0 */
};

struct kk_err {
	int code;      /* errno value or KK_EUSAGE; 0 = nothing failed yet */
	char msg[512]; /* lowercase, no final period */
};

/* Set code and message (printf-style). Returns -1. */
int kk_err_set(struct kk_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Set code = errno (read before anything else runs) and append ": strerror(errno)". Returns -1. */
int kk_err_sys(struct kk_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prepend "context: " to the message, keeping the code. Returns -1. */
int kk_err_wrap(struct kk_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Forget what err holds, for a failure the caller takes as an answer (ENOENT from a lookup,
 * EEXIST from a create that raced), so that its own success leaves err empty. */
void kk_err_clear(struct kk_err *err);
/* The usual case of that: if err holds `code`, clear it and return ok; else return -1 with
 * err as it is.  `return kk_err_tolerate(err, ENOENT, 0);` after a lookup that failed. */
int kk_err_tolerate(struct kk_err *err, int code, int ok);
/* Exit status an applet returns for err: 2 for usage errors, 1 otherwise. */
int kk_err_exit_status(const struct kk_err *err);

#endif
