/* common/fault.c - see fault.h. */
#include "common/fault.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *knob;
static size_t knob_point_len;
static bool knob_fail;

static void knob_read(void)
{
	const char *v = getenv("KUKEON_TEST_FAULT");
	const char *colon;

	if (!v || !*v)
		return;
	knob = v;
	colon = strrchr(v, ':');
	knob_fail = colon && strcmp(colon, ":fail") == 0;
	knob_point_len = knob_fail ? (size_t)(colon - v) : strlen(v);
}

int kk_fault(const char *point, struct kk_err *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, knob_read);
	if (!knob || strlen(point) != knob_point_len || strncmp(point, knob, knob_point_len) != 0)
		return 0;
	if (knob_fail)
		return kk_err_set(err, EIO, "fault injected at %s", point);
	_exit(137);
}
