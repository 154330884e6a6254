/*
 * processor/clock.h - the clocks every module uses: monotonic milliseconds
 * for timeouts and durations, wall-clock milliseconds for timestamps, and
 * condition variables on CLOCK_MONOTONIC with absolute deadlines for
 * pthread_cond_timedwait.
 *
 * Ownership: nothing is allocated; out-parameters belong to the caller.
 */
#ifndef LG_PROCESSOR_CLOCK_H
#define LG_PROCESSOR_CLOCK_H

#include <pthread.h>
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

/** pthread_cond_init of *cv with CLOCK_MONOTONIC as its clock, for
 *  deadlines from lg_mono_deadline. Returns pthread_cond_init's result. */
int lg_mono_cond_init(pthread_cond_t *cv);

#endif
