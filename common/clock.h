/* common/clock.h - milliseconds on the monotonic clock, for deadlines and polling waits. */
#ifndef KK_COMMON_CLOCK_H
#define KK_COMMON_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in ms: a deadline is kk_now_ms() + timeout. */
int64_t kk_now_ms(void);
/* Sleep ms milliseconds in all, a signal's interruption resumed. */
void kk_sleep_ms(int64_t ms);

#endif
