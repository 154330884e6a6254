/*
 * processor/kafka/ingest.h - the parse stage of exactly-once `lineaged run`.
 *
 * Consumes the raw input topics (any partitioning: forwarders often key
 * nothing) as the consumer group kafka.group.id, parses each message with the
 * source parsers, and publishes each usable event as a compact lineage
 * record (processor/factcodec.h) to the internal facts topic, keyed and
 * partitioned by tenant, so that one tenant's graph is built in exactly one
 * place. Unusable input goes to the dead-letter topic with its source
 * topic, partition, offset, reason and bytes. The records, the dead letters
 * and the consumed input offsets of a batch commit in one Kafka transaction.
 *
 * The counters (consumed, committed, per source, dead-lettered, last
 * message) may be read from another thread while the stage runs.
 *
 * Ownership: the caller owns the stage (lg_ingest_destroy); the options'
 * config and tenant map are borrowed and must outlive it.
 */
#ifndef LG_PROCESSOR_KAFKA_INGEST_H
#define LG_PROCESSOR_KAFKA_INGEST_H

#include "processor/config.h"
#include "processor/kafka/stage.h"
#include "processor/metrics.h"

#include <librdkafka/rdkafka.h>

#include <stdbool.h>
#include <stdint.h>

typedef struct lg_ingest lg_ingest;

typedef struct lg_ingest_opts {
    const lg_config *config;
    const char *bootstrap;
    const lg_pairs *tenants;       /* source tenant -> tenant; may be NULL */
    const lg_metrics_std *metrics; /* its commits' phases; borrowed, may be NULL */
    lg_stage_counts *counts;       /* each commit adds its batch's; borrowed,
                                      may be NULL */
} lg_ingest_opts;

/** Creates the consumer and the transactional producer (fencing a previous
 *  incarnation with the same instance.id). NULL with errstr on error. */
lg_ingest *lg_ingest_new(const lg_ingest_opts *o, char *errstr, size_t errstr_size);

/** Polls for up to timeout_ms, processes what arrived and commits the batch
 *  when due (batch.max.messages / batch.max.ms) or when force is set.
 *  Returns 0; 1 when a transaction was aborted (the caller destroys and
 *  recreates the stage, which resumes from the committed offsets); -1 on a
 *  fatal error (errstr). */
int lg_ingest_step(lg_ingest *s, int timeout_ms, bool force, char *errstr, size_t errstr_size);

/** Messages consumed since creation / committed since creation. */
int64_t lg_ingest_consumed(const lg_ingest *s);
int64_t lg_ingest_committed(const lg_ingest *s);

/** Messages consumed from source src (lg_source index) since creation. */
int64_t lg_ingest_source_count(const lg_ingest *s, int src);

/** Usable records of source src that committed batches folded into
 *  another use of the same identity (processor/kafka/coalesce.h): read and
 *  parsed here, never published as facts, so never applied one by one by
 *  the graph stage. Since creation; any thread. */
int64_t lg_ingest_coalesced(const lg_ingest *s, int src);

/** The stage's consumer (borrowed), e.g. for consumer-lag metrics. */
rd_kafka_t *lg_ingest_consumer(lg_ingest *s);

/** Monotonic ms of the last message received (0: none). */
int64_t lg_ingest_last_message_ms(const lg_ingest *s);

/** Aborts an open transaction and closes the clients. NULL is a no-op. */
void lg_ingest_destroy(lg_ingest *s);

/** The partition of a tenant on a topic of n partitions (stable hash). */
int32_t lg_ingest_tenant_partition(const char *tenant, size_t len, int n);

#endif
