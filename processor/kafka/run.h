/*
 * processor/kafka/run.h - `lineaged run`: the Kafka daemon loop.
 *
 * A librdkafka consumer group reads the enabled input topics with manual
 * offset handling: a batch of messages goes through the engine, then
 * lg_engine_commit() (which flushes the derived-event sink and writes the
 * positions "kafka/<topic>/<partition>" -> next offset), and only then are
 * the consumed offsets committed to Kafka. Unusable messages go to the
 * dead-letter topic with topic, partition, offset and reason.
 *
 * With an empty kafka.brokers an embedded Kafka (librdkafka mock cluster) is
 * started in the process and used by the consumer and the producers.
 *
 * Ownership: everything in lg_kafka_run_opts is borrowed for the call.
 */
#ifndef LG_PROCESSOR_KAFKA_RUN_H
#define LG_PROCESSOR_KAFKA_RUN_H

#include "processor/config.h"
#include "processor/metrics.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct lg_kafka_run_opts {
    const lg_config *config;
    const char *state_dir;          /* overrides config->state_dir when set */
    bool demo;                      /* produce the bundled demo, print results, stop */
    const char *demo_dir;           /* NULL: located next to the sources/binary */
    int64_t max_messages;           /* > 0: stop after this many input messages */
    int64_t exit_when_idle_ms;      /* > 0: stop after this long without input */
    volatile sig_atomic_t *running; /* cleared by a signal: stop cleanly */
    FILE *out;                      /* demo: readable derived events; may be NULL */
    lg_metrics *metrics;            /* the registry to fill and serve (/metrics);
                                       NULL: one of its own */
} lg_kafka_run_opts;

/** Runs the daemon until *running is cleared, a limit is reached, or (demo)
 *  the demo is processed. Returns 0 on a clean stop, -1 with errstr on a
 *  Kafka, state or sink error that stopped it. */
int lg_kafka_run(const lg_kafka_run_opts *opts, char *errstr, size_t errstr_size);

#endif
