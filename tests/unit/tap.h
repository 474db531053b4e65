/* tests/unit/tap.h - a tiny TAP producer for the C unit tests.
 *
 * Each test binary is `static void` test functions called from main(), which returns
 * tap_done(). The plan ("1..N") is printed last, so nobody counts tests by hand.
 *
 *   TAP_OK(cond, "what")            ok / not ok
 *   TAP_INT_EQ(got, want)           integers, with both values shown on failure
 *   TAP_STR_EQ(got, want)           strings (NULL-safe)
 *   TAP_SKIP("why")                 a skipped test; with KUKEON_TEST_STRICT=1 it fails
 *   tap_getenv_or_skip("NAME")      the value of NAME, or NULL after a TAP_SKIP */
#ifndef KK_TESTS_UNIT_TAP_H
#define KK_TESTS_UNIT_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n_;
static int tap_failed_;

static inline void tap_result_(int ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline void tap_result_(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_n_++;
	if (!ok)
		tap_failed_++;
	printf("%sok %d - ", ok ? "" : "not ", tap_n_);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		printf("#   failed at %s:%d\n", file, line);
	fflush(stdout);
}

#define TAP_OK(cond, ...) tap_result_(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define TAP_INT_EQ(got, want)                                                       \
	do {                                                                        \
		long long g_ = (long long)(got), w_ = (long long)(want);            \
		tap_result_(g_ == w_, __FILE__, __LINE__, "%s == %s", #got, #want); \
		if (g_ != w_)                                                       \
			printf("#   got %lld, want %lld\n", g_, w_);                \
	} while (0)

#define TAP_STR_EQ(got, want)                                                            \
	do {                                                                             \
		const char *g_ = (got), *w_ = (want);                                    \
		int ok_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_;                   \
		tap_result_(ok_, __FILE__, __LINE__, "%s == %s", #got, #want);           \
		if (!ok_)                                                                \
			printf("#   got  \"%s\"\n#   want \"%s\"\n", g_ ? g_ : "(null)", \
			       w_ ? w_ : "(null)");                                      \
	} while (0)

static inline int tap_strict_(void)
{
	const char *s = getenv("KUKEON_TEST_STRICT");

	return s && strcmp(s, "1") == 0;
}

static inline void tap_skip_(const char *why)
{
	tap_n_++;
	if (tap_strict_()) {
		tap_failed_++;
		printf("not ok %d - skipped in strict mode: %s\n", tap_n_, why);
	} else {
		printf("ok %d # SKIP %s\n", tap_n_, why);
	}
	fflush(stdout);
}
#define TAP_SKIP(why) tap_skip_(why)

static inline const char *tap_getenv_or_skip(const char *name)
{
	const char *v = getenv(name);

	if (!v || !*v) {
		char why[128];

		snprintf(why, sizeof(why), "%s is not set (run inside tests/harness/run.sh)", name);
		tap_skip_(why);
		return NULL;
	}
	return v;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n_);
	return tap_failed_ ? 1 : 0;
}

#endif
