/* tests/unit/test_log.c - the verbose log line format. */
#include "common/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "tests/unit/tap.h"

static void levels_parse_like_upstream(void)
{
	TAP_INT_EQ(kk_log_level_parse("DEBUG"), KK_LOG_DEBUG);
	TAP_INT_EQ(kk_log_level_parse("warning"), KK_LOG_WARN);
	TAP_INT_EQ(kk_log_level_parse("err"), KK_LOG_ERROR);
	TAP_INT_EQ(kk_log_level_parse("bogus"), KK_LOG_INFO);
	TAP_INT_EQ(kk_log_level_parse(NULL), KK_LOG_INFO);
}

static void line_has_stamp_level_quoted_message_and_pairs(void)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct kk_log log;
	const char *rest;

	kk_log_init(&log, f, "info");
	kk_log(&log, KK_LOG_DEBUG, "dropped");
	kk_log(&log, KK_LOG_INFO, "creating \"realm\"", "name", "prod", "path", "/a b", "empty",
	       "");
	fclose(f);
	TAP_OK(len > 21 && buf[4] == '-' && buf[10] == 'T' && buf[19] == 'Z', "RFC3339 UTC stamp");
	rest = buf + 21;
	TAP_STR_EQ(rest, "INFO \"creating \\\"realm\\\"\" name=prod path=\"/a b\" empty=\"\"\n");
}

static void silent_logger_writes_nothing(void)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct kk_log log;

	kk_log_init(&log, NULL, "debug");
	kk_log(&log, KK_LOG_ERROR, "nothing");
	kk_log(NULL, KK_LOG_ERROR, "nothing");
	TAP_OK(log.out == NULL, "a logger without an output stays off");
	kk_log_init(&log, f, "error");
	kk_log(&log, KK_LOG_WARN, "below the level");
	fclose(f);
	TAP_INT_EQ(len, 0);
}

/* What kk_log_ignored writes at level for an error with code (0: a clean one). */
static char *ignored_line(const char *level, int code)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct kk_log log;
	struct kk_err e = { 0 };

	kk_log_init(&log, f, level);
	if (code)
		kk_err_set(&e, code, "container `x`: not found");
	kk_log_ignored(&log, &e, "undo: delete container `%s`", "x");
	TAP_INT_EQ(e.code, 0);
	kk_log_ignored(&log, &e, "cleared: nothing more to log");
	fclose(f);
	return buf;
}

static void ignored_logs_one_debug_line_only_for_a_set_error(void)
{
	cleanup_free char *clean = ignored_line("debug", 0);
	cleanup_free char *set = ignored_line("debug", ENOENT);
	cleanup_free char *info = ignored_line("info", ENOENT);
	struct kk_err e = { 0 };
	size_t len = strlen(set);

	TAP_STR_EQ(clean, "");
	TAP_STR_EQ(info, "");
	TAP_OK(len > 21 && strchr(set, '\n') == set + len - 1, "exactly one line");
	TAP_STR_EQ(len > 21 ? set + 21 : "",
		   "DEBUG \"ignored\" what=\"undo: delete container `x`\" "
		   "error=\"container `x`: not found\"\n");
	kk_err_set(&e, EIO, "boom");
	kk_log_ignored(NULL, &e, "nothing");
	TAP_INT_EQ(e.code, 0);
}

int main(void)
{
	levels_parse_like_upstream();
	line_has_stamp_level_quoted_message_and_pairs();
	silent_logger_writes_nothing();
	ignored_logs_one_debug_line_only_for_a_set_error();
	return tap_done();
}
