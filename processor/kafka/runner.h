/*
 * processor/kafka/runner.h - runs the stages of exactly-once `lineaged run`
 * on threads of their own.
 *
 * Each stage (parse, graph) is a step function that polls its consumer for
 * a while, processes what arrived and commits its transaction when due. On
 * one thread the stages would wait for each other's polls and commits; here
 * each runs its step in a loop on its own thread, so the parse stage keeps
 * reading while the graph stage commits and the other way round. A stage
 * object is touched only by its thread while it runs; the controlling
 * thread reads the stage's atomic counters and, after lg_runners_stop, may
 * call the stage again.
 *
 * Ownership: lg_runners_new returns a group the caller owns
 * (lg_runners_destroy, which stops it); the stages are borrowed and must
 * outlive the group's threads (lg_runners_stop joins them).
 */
#ifndef LG_PROCESSOR_KAFKA_RUNNER_H
#define LG_PROCESSOR_KAFKA_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

/** A stage's step: 0 to go on, 1 when a transaction was aborted (the
 *  stages must be recreated), -1 on a fatal error (errstr). */
typedef int (*lg_runner_step_fn)(void *stage, int timeout_ms, bool force, char *errstr,
                                 size_t errstr_size);

typedef struct lg_runners lg_runners;

#define LG_RUNNERS_MAX 4

/** An empty group; NULL when out of memory. poll_ms is each step's poll
 *  time (how soon a stop request is noticed). */
lg_runners *lg_runners_new(int poll_ms);

/** Starts a thread that calls step(stage, poll_ms, force, ...) until the
 *  group is stopped or the step returns non-zero. Returns its index, or -1
 *  with errstr. */
int lg_runners_add(lg_runners *g, const char *name, lg_runner_step_fn step, void *stage,
                   char *errstr, size_t errstr_size);

/** From now on runner i commits at every step (stopping, limit reached). */
void lg_runners_force(lg_runners *g, int i, bool force);

/** Waits up to timeout_ms for a runner to end on its own (its step returned
 *  non-zero). Returns 0 when none has; otherwise the first such step's
 *  result (1 or -1) with its error in errstr ("<name>: ..."). */
int lg_runners_wait(lg_runners *g, int timeout_ms, char *errstr, size_t errstr_size);

/** Asks every runner to stop after its current step and joins them. The
 *  stages are the caller's again afterwards. Idempotent. */
void lg_runners_stop(lg_runners *g);

/** Stops and frees the group. NULL is a no-op. */
void lg_runners_destroy(lg_runners *g);

#endif
