/* common/clock.c - see clock.h. */
#include "common/clock.h"

#include <errno.h>
#include <time.h>

static int64_t ms_of(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t kk_now_ms(void)
{
	return ms_of(CLOCK_MONOTONIC);
}

int64_t kk_wall_ms(void)
{
	return ms_of(CLOCK_REALTIME);
}

void kk_sleep_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
