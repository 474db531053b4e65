/* common/fault.c - see fault.h. */
#include "common/fault.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *knob;
static size_t knob_point_len;
static enum { KNOB_CRASH, KNOB_FAIL, KNOB_STOP } knob_mode;

static void knob_read(void)
{
	const char *v = getenv("KUKEON_TEST_FAULT");
	const char *colon;

	if (!v || !*v)
		return;
	knob = v;
	colon = strrchr(v, ':');
	knob_mode = !colon                        ? KNOB_CRASH
		    : strcmp(colon, ":fail") == 0 ? KNOB_FAIL
		    : strcmp(colon, ":stop") == 0 ? KNOB_STOP
						  : KNOB_CRASH;
	knob_point_len = knob_mode != KNOB_CRASH ? (size_t)(colon - v) : strlen(v);
}

int kk_fault(const char *point, struct kk_err *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, knob_read);
	if (!knob || strlen(point) != knob_point_len || strncmp(point, knob, knob_point_len) != 0)
		return 0;
	switch (knob_mode) {
	case KNOB_FAIL:
		return kk_err_set(err, EIO, "fault injected at %s", point);
	case KNOB_STOP:
		/* the whole process, every lock it holds kept, until a SIGCONT; sent to this
		 * thread, so that it stops here (a signal to the process may be taken by another
		 * thread while this one runs on) */
		raise(SIGSTOP);
		return 0;
	case KNOB_CRASH:
		break;
	}
	_exit(137);
}
