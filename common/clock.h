/* common/clock.h - milliseconds: the monotonic clock for deadlines and polling waits, the
 * wall clock for times that are recorded. */
#ifndef KK_COMMON_CLOCK_H
#define KK_COMMON_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in ms: a deadline is kk_now_ms() + timeout. */
int64_t kk_now_ms(void);
/* CLOCK_REALTIME in ms since the Unix epoch: a time recorded for people or other processes. */
int64_t kk_wall_ms(void);
/* Sleep ms milliseconds in all, a signal's interruption resumed. */
void kk_sleep_ms(int64_t ms);

#endif
