/*
 * processor/clock.h - the clocks every module uses: monotonic milliseconds
 * for timeouts and durations, wall-clock milliseconds for timestamps, and
 * absolute deadlines for pthread_cond_timedwait on CLOCK_MONOTONIC.
 *
 * Ownership: nothing is allocated; out-parameters belong to the caller.
 */
#ifndef LG_PROCESSOR_CLOCK_H
#define LG_PROCESSOR_CLOCK_H

#include <stdint.h>
#include <time.h>

/** Monotonic milliseconds (CLOCK_MONOTONIC). */
int64_t lg_mono_ms(void);

/** Monotonic microseconds (CLOCK_MONOTONIC), for timing short phases. */
int64_t lg_mono_us(void);

/** Wall-clock milliseconds since the epoch. */
int64_t lg_wall_ms(void);

/** *out = now + ms on CLOCK_MONOTONIC, for a condition variable whose
 *  clock was set to CLOCK_MONOTONIC. */
void lg_mono_deadline(struct timespec *out, int64_t ms);

#endif
