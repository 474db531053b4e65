/* tests/unit/test_err.c - the error contract of common/err.h. */
#include "common/err.h"

#include <errno.h>
#include <string.h>

#include "tests/unit/tap.h"

static void set_formats_and_returns_minus_one(void)
{
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_err_set(&err, ENOENT, "realm `%s` not found", "prod"), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_STR_EQ(err.msg, "realm `prod` not found");
}

static void wrap_keeps_code_and_adds_context(void)
{
	struct kk_err err = { 0 };

	kk_err_set(&err, ENOENT, "realm `%s` not found", "prod");
	TAP_INT_EQ(kk_err_wrap(&err, "get %s", "realm"), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_STR_EQ(err.msg, "get realm: realm `prod` not found");
}

static void sys_appends_strerror(void)
{
	struct kk_err err = { 0 };

	errno = EACCES;
	kk_err_sys(&err, "open `%s`", "/x");
	TAP_INT_EQ(err.code, EACCES);
	TAP_STR_EQ(err.msg, "open `/x`: Permission denied");
}

static void wrap_truncates_long_messages_safely(void)
{
	struct kk_err err = { 0 };
	char long_ctx[600];

	memset(long_ctx, 'a', sizeof(long_ctx) - 1);
	long_ctx[sizeof(long_ctx) - 1] = '\0';
	kk_err_set(&err, EIO, "inner");
	kk_err_wrap(&err, "%s", long_ctx);
	TAP_INT_EQ(strlen(err.msg), sizeof(err.msg) - 1);
	TAP_INT_EQ(err.code, EIO);

	kk_err_set(&err, EIO, "%s", long_ctx);
	kk_err_wrap(&err, "outer");
	TAP_OK(strncmp(err.msg, "outer: aaa", 10) == 0, "context comes first, inner is cut");
	TAP_INT_EQ(strlen(err.msg), sizeof(err.msg) - 1);
}

static void exit_status_distinguishes_usage(void)
{
	struct kk_err err = { 0 };

	kk_err_set(&err, KK_EUSAGE, "unknown flag");
	TAP_INT_EQ(kk_err_exit_status(&err), 2);
	kk_err_set(&err, ENOENT, "missing");
	TAP_INT_EQ(kk_err_exit_status(&err), 1);
}

static void tolerate_clears_only_the_named_code(void)
{
	struct kk_err err = { 0 };

	kk_err_set(&err, ENOENT, "no `x`");
	TAP_INT_EQ(kk_err_tolerate(&err, EEXIST, 0), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_STR_EQ(err.msg, "no `x`");
	TAP_INT_EQ(kk_err_tolerate(&err, ENOENT, 1), 1);
	TAP_INT_EQ(err.code, 0);
	TAP_STR_EQ(err.msg, "");
}

int main(void)
{
	tolerate_clears_only_the_named_code();
	set_formats_and_returns_minus_one();
	wrap_keeps_code_and_adds_context();
	sys_appends_strerror();
	wrap_truncates_long_messages_safely();
	exit_status_distinguishes_usage();
	return tap_done();
}
