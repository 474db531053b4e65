/* common/err.c - see err.h for the contract. */
#include "common/err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int kk_err_set(struct kk_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int kk_err_sys(struct kk_err *err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	size_t len;

	err->code = saved;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(saved));
	return -1;
}

void kk_err_clear(struct kk_err *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}

int kk_err_tolerate(struct kk_err *err, int code, int ok)
{
	if (err->code != code)
		return -1;
	kk_err_clear(err);
	return ok;
}

int kk_err_wrap(struct kk_err *err, const char *fmt, ...)
{
	char outer[sizeof(err->msg)];
	size_t olen, ilen, room;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(outer, sizeof(outer), fmt, ap);
	va_end(ap);
	olen = strlen(outer);
	if (olen + 2 >= sizeof(err->msg) - 1) {
		memcpy(err->msg, outer, sizeof(err->msg));
		return -1;
	}
	/* shift the inner message right (truncating its tail), then write "outer: " */
	room = sizeof(err->msg) - 1 - olen - 2;
	ilen = strnlen(err->msg, sizeof(err->msg) - 1);
	if (ilen > room)
		ilen = room;
	memmove(err->msg + olen + 2, err->msg, ilen);
	err->msg[olen + 2 + ilen] = '\0';
	memcpy(err->msg, outer, olen);
	memcpy(err->msg + olen, ": ", 2);
	return -1;
}

int kk_err_exit_status(const struct kk_err *err)
{
	return err->code == KK_EUSAGE ? 2 : 1;
}
