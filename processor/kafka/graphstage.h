/*
 * processor/kafka/graphstage.h - the graph stage of exactly-once `lineaged
 * run`.
 *
 * Consumes the internal facts topic (read_committed) as the consumer group
 * "<kafka.group.id>.graph". Each facts partition holds whole tenants and has
 * its own lineage graph (an engine over <state.dir>/p<N>) and its own
 * partition of the compacted changelog topic. A batch's derived events, its
 * state changes (as changelog records) and the consumed facts offsets
 * commit in one Kafka transaction; only then is the batch written to
 * RocksDB, with the changelog position reached. So the local state is never
 * ahead of Kafka: on assignment (start, restart after kill -9, disk loss,
 * failover from another instance) the partition's state is brought up to
 * date by replaying its changelog from the local position (the beginning
 * for an empty disk) to the end, and consumption resumes at the committed
 * facts offset. The partitions whose state is on the local disk have their
 * engines opened when the stage is created, ahead of the assignment; those
 * not assigned are closed at the first assignment.
 *
 * The counters (consumed, committed, last message, next due) may be read
 * from another thread while the stage runs.
 *
 * With opts.single (processing.stages = 1) the stage is the whole pipeline:
 * it consumes the input topics as the group kafka.group.id, parses each
 * message with the source parsers (unusable ones to the dead-letter topic)
 * and applies it to one graph, partition 0, whose changes go to changelog
 * partition 0; a batch's derived events, dead letters, changelog records
 * and input offsets commit in one transaction. No facts topic, one commit
 * per event. Its transactional id names the group, not the instance, so a
 * second instance fences the first: one active instance per group.
 *
 * Ownership: the caller owns the stage (lg_graphstage_destroy); options are
 * borrowed and must outlive it.
 */
#ifndef LG_PROCESSOR_KAFKA_GRAPHSTAGE_H
#define LG_PROCESSOR_KAFKA_GRAPHSTAGE_H

#include "processor/config.h"
#include "processor/engine.h"
#include "processor/kafka/stage.h"
#include "processor/metrics.h"

#include <librdkafka/rdkafka.h>

#include <stdbool.h>
#include <stdint.h>

typedef struct lg_graphstage lg_graphstage;

typedef struct lg_graphstage_opts {
    const lg_config *config;
    const char *bootstrap;
    const char *state_dir;
    const lg_engine_opts *engine;      /* template: owners, aliases, cache (state_dir,
                                          out, deadletter are set per partition) */
    bool json;                         /* derived events as JSON instead of Avro */
    lg_sink *feed;                     /* also gets every derived event (the API's live
                                          feed); OWNED by the stage, may be NULL */
    const lg_metrics_std *metrics;     /* updated after each commit; borrowed, may be NULL */
    const lg_engine_stats *stats_base; /* added to the stats the metrics get (the
                                          stage's earlier incarnations, so that the
                                          counters never go back); borrowed, may be
                                          NULL; not changed while the stage runs */
    /* two stages: the parse stage's counts (lg_ingest_opts.counts), added to
     * lineaged_deadlettered_total and lineaged_failed_calls_total; borrowed,
     * may be NULL */
    const lg_stage_counts *parse_counts;
    bool single; /* processing.stages = 1: see below */
} lg_graphstage_opts;

/** Creates the consumer and the transactional producer. NULL with errstr. */
lg_graphstage *lg_graphstage_new(const lg_graphstage_opts *o, char *errstr, size_t errstr_size);

/** Polls for up to timeout_ms, applies what arrived, commits when due or
 *  forced. Returns 0; 1 when a transaction was aborted (destroy and
 *  recreate the stage); -1 on a fatal error (errstr). */
int lg_graphstage_step(lg_graphstage *s, int timeout_ms, bool force, char *errstr,
                       size_t errstr_size);

/** Records consumed / committed since creation; last message time (mono ms). */
int64_t lg_graphstage_consumed(const lg_graphstage *s);
int64_t lg_graphstage_committed(const lg_graphstage *s);
int64_t lg_graphstage_last_message_ms(const lg_graphstage *s);

/** Earliest wall-clock ms at which a held-back candidate becomes due in any
 *  partition, or 0 when none is held (as of the end of the last step). */
int64_t lg_graphstage_next_due(const lg_graphstage *s);

/** With opts.single: input messages of source src (lg_source index)
 *  consumed since creation; 0 otherwise. */
int64_t lg_graphstage_source_count(const lg_graphstage *s, int src);

/** Sum of the stats of the partitions' engines (derived events per type...). */
void lg_graphstage_stats(const lg_graphstage *s, lg_engine_stats *out);

/** What the metrics count: lg_graphstage_stats plus opts.stats_base (the
 *  earlier incarnations) and, with two stages, opts.parse_counts (the
 *  parse stage's dead letters in deadlettered, its folded failed calls in
 *  failed_calls). */
void lg_graphstage_totals(const lg_graphstage *s, lg_engine_stats *out);

/** The stage's consumer (borrowed), e.g. for consumer-lag metrics. */
rd_kafka_t *lg_graphstage_consumer(lg_graphstage *s);

/** Aborts an open transaction, closes engines and clients. NULL: no-op. */
void lg_graphstage_destroy(lg_graphstage *s);

#endif
