/*
 * processor/kafka/stage.h - pieces shared by the Kafka stages of `lineaged
 * run`: the output sink (derived events and dead letters, optionally
 * transactional), consumers with manual offsets, and a batch's offsets.
 *
 * Ownership: constructors return objects the caller owns; configs and
 * strings passed in are borrowed for the call.
 */
#ifndef LG_PROCESSOR_KAFKA_STAGE_H
#define LG_PROCESSOR_KAFKA_STAGE_H

#include "processor/clock.h"
#include "processor/config.h"
#include "processor/kafka/fetchwake.h"
#include "processor/metrics.h"
#include "processor/sources/source.h"
#include "sinks/sink.h"

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>

/** The output sink: derived events to topics.derived (Avro, framed for the
 *  Schema Registry when registry.url is set, or JSON when json), dead
 *  letters to topics.deadletter, rdkafka.* passed through; with state_dir
 *  non-NULL also the configured webhooks and revocation hook
 *  (sinks/outputs/outputs.h; their outbox lives under state_dir). With
 *  txn_id non-NULL the Kafka producer is transactional with that id and
 *  transaction.timeout, and its transactions are initialised (fencing any
 *  previous producer with that id). NULL with errstr on error. */
lg_sink *lg_stage_open_sink(const lg_config *c, const char *bootstrap, bool json,
                            const char *txn_id, const char *state_dir, char *errstr,
                            size_t errstr_size);

/** The input topics of c: topics[src] is source src's topic
 *  (topics[LG_SRC_NONE] NULL; the strings are c's); enabled, unless NULL,
 *  gets the topics of sources.enabled, whose number is returned. */
size_t lg_stage_input_topics(const lg_config *c, const char *topics[LG_SRC_COUNT],
                             const char *enabled[LG_SRC_COUNT]);

/** The source whose topic in topics (from lg_stage_input_topics) is topic;
 *  LG_SRC_NONE when none is. */
lg_source lg_stage_source_of(const char *const topics[LG_SRC_COUNT], const char *topic);

/** The Kafka producer inside a sink from lg_stage_open_sink (borrowed). */
rd_kafka_t *lg_stage_producer(lg_sink *s);

/** A consumer in group `group` subscribed to topics, manual offsets, reading
 *  only committed transactional data, the bounded prefetch queue of
 *  lg_kafka_consumer_conf, static membership (group.instance.id
 *  "<instance.id>-<group>") when instance.id is set, with the rebalance
 *  callback rb (or none) and opaque. *wake gets its fetch waker (processor/kafka/fetchwake.h; NULL
 *  when none is needed or could start). Close both with
 *  lg_stage_close_consumer. NULL with errstr on error. */
rd_kafka_t *lg_stage_open_consumer(const lg_config *c, const char *bootstrap, const char *group,
                                   const char *const *topics, size_t ntopics,
                                   void (*rb)(rd_kafka_t *, rd_kafka_resp_err_t,
                                              rd_kafka_topic_partition_list_t *, void *),
                                   void *opaque, lg_fetchwake **wake, char *errstr,
                                   size_t errstr_size);

/** Stops wake (NULL: none), then closes consumer (its final revocation runs
 *  the rebalance callback) and destroys it. consumer NULL: nothing. */
void lg_stage_close_consumer(rd_kafka_t *consumer, lg_fetchwake *wake);

/** What the parse stage's committed batches did that the graph stage never
 *  sees, kept by `run` across the stages' incarnations (each parse-stage
 *  commit adds its batch's; an aborted batch adds nothing) and put in the
 *  metrics by the graph stage. */
typedef struct lg_stage_counts {
    _Atomic int64_t deadlettered;  /* unusable input sent to the dead-letter topic */
    _Atomic int64_t failed_folded; /* failed calls among the usage records folded
                                      into another use of the same identity */
} lg_stage_counts;

/** Whether an open batch of msgs messages started at started_ms is full:
 *  batch.max.messages or batch.max.ms reached (also under a backlog). With
 *  dry set (a poll came back empty) it is also due once no input came for
 *  batch.linger.ms since last_ms. */
bool lg_stage_batch_due(const lg_config *c, int64_t now, int64_t msgs, int64_t started_ms,
                        int64_t last_ms, bool dry);

typedef enum lg_poll_result {
    LG_POLL_MSG,     /* *out is a message to process (the caller destroys it) */
    LG_POLL_DRY,     /* nothing came within the wait */
    LG_POLL_AGAIN,   /* a consumer event (end of partition, a transient error:
                        logged) was dropped: poll again */
    LG_POLL_RESTART, /* the stage must be recreated (errstr) */
    LG_POLL_FATAL,   /* stop (errstr): not authorized, or *fatal < 0 */
} lg_poll_result;

/** A stage's poll: waits for a message of consumer until `until`
 *  (monotonic ms), but no longer than the open batch (started at
 *  started_ms, its last message at last_ms; started_ms 0: none) may stay
 *  open (batch.max.ms) or wait for more input (batch.linger.ms). *fatal
 *  and fatal_err are the stage's flag and message, which its rebalance
 *  callback (run inside the poll) sets when it fails: > 0 restart, < 0
 *  fatal. comp names the stage in logs. */
lg_poll_result lg_stage_poll(rd_kafka_t *consumer, const lg_config *c, int64_t until,
                             int64_t started_ms, int64_t last_ms, const int *fatal,
                             const char *fatal_err, const char *comp, rd_kafka_message_t **out,
                             char *errstr, size_t errstr_size);

/** Records that message m was consumed: the batch's next offset for its
 *  partition becomes m->offset + 1. */
void lg_stage_mark(rd_kafka_topic_partition_list_t *batch, const rd_kafka_message_t *m);

/** The header of a fact that carries when its input arrived: the input
 *  message's Kafka timestamp (CreateTime or LogAppendTime, wall-clock ms)
 *  as 8 bytes, most significant first (lg_be64_put). The graph stage times
 *  its end-to-end latency from it. */
#define LG_STAGE_ARRIVED_HEADER "lineaged.arrived"

/** When input message m arrived: its Kafka timestamp, or now when it has
 *  none. */
int64_t lg_stage_arrival(const rd_kafka_message_t *m);

/** The arrival carried by fact message m; false when it has no such header
 *  (a fact from an older parse stage) or a malformed one. */
bool lg_stage_arrived_get(const rd_kafka_message_t *m, int64_t *ms);

/** The arrivals (wall-clock ms) of what an open batch holds, timed against
 *  its commit into an end-to-end latency histogram. Zero-initialised;
 *  the owner frees it (lg_stage_arrivals_free). */
typedef struct lg_stage_arrivals {
    double *v; /* arrivals in ms (exact below 2^53), latencies once observed */
    size_t n, cap;
} lg_stage_arrivals;

/** Notes one arrival. Out of memory it is just not timed. */
void lg_stage_arrivals_add(lg_stage_arrivals *a, int64_t ms);

/** Observes now - each arrival (seconds, 0 when negative) in f, then
 *  forgets them. f NULL: only forgets. */
void lg_stage_arrivals_observe(lg_stage_arrivals *a, lg_metric *f, int64_t now);

/** Frees the arrays. */
void lg_stage_arrivals_free(lg_stage_arrivals *a);

/** Observes a commit phase that started at t0_us (lg_mono_us) in
 *  commit_phase{stage,phase}; returns now in microseconds, the next
 *  phase's start. f NULL: only the clock is read. */
int64_t lg_stage_phase(lg_metric *f, const char *stage, const char *phase, int64_t t0_us);

#endif
