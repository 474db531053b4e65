/* common/log.c - see log.h. */
#include "common/log.h"

#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/err.h"

static const char *const level_names[] = { "DEBUG", "INFO", "WARN", "ERROR" };

enum kk_log_level kk_log_level_parse(const char *name)
{
	if (!name)
		return KK_LOG_INFO;
	if (strcasecmp(name, "debug") == 0)
		return KK_LOG_DEBUG;
	if (strcasecmp(name, "warn") == 0 || strcasecmp(name, "warning") == 0)
		return KK_LOG_WARN;
	if (strcasecmp(name, "error") == 0 || strcasecmp(name, "err") == 0)
		return KK_LOG_ERROR;
	return KK_LOG_INFO;
}

void kk_log_init(struct kk_log *log, FILE *out, const char *level)
{
	log->out = out;
	log->min = kk_log_level_parse(level);
}

/* Go's %q for the common cases: quotes, backslashes and control characters escaped. */
static void put_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static bool needs_quotes(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++)
		if (*s <= ' ' || *s == '"' || *s == '=' || *s == '\\' || *s == 0x7f)
			return true;
	return false;
}

void kk_log_pairs(const struct kk_log *log, enum kk_log_level level, const char *msg, ...)
{
	char stamp[32];
	struct tm tm;
	time_t now;
	va_list ap;
	const char *key;

	if (!log || !log->out || level < log->min)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	flockfile(log->out); /* one record stays one line when threads log together */
	fprintf(log->out, "%s %s ", stamp, level_names[level]);
	put_quoted(log->out, msg);
	va_start(ap, msg);
	while ((key = va_arg(ap, const char *))) {
		const char *value = va_arg(ap, const char *);

		fprintf(log->out, " %s=", key);
		if (!value)
			value = "";
		if (needs_quotes(value))
			put_quoted(log->out, value);
		else
			fputs(value, log->out);
	}
	va_end(ap);
	fputc('\n', log->out);
	fflush(log->out);
	funlockfile(log->out);
}

void kk_log_ignored(const struct kk_log *log, struct kk_err *e, const char *what, ...)
{
	char buf[512];
	va_list ap;

	if (!e->code)
		return;
	if (log && log->out && KK_LOG_DEBUG >= log->min) {
		va_start(ap, what);
		vsnprintf(buf, sizeof(buf), what, ap);
		va_end(ap);
		kk_log(log, KK_LOG_DEBUG, "ignored", "what", buf, "error", e->msg);
	}
	*e = (struct kk_err){ 0 };
}
