/*
 * processor/kafka/txn.h - Kafka transaction and admin helpers shared by the
 * two exactly-once stages of `lineaged run` (processor/kafka/ingest.h,
 * processor/kafka/graphstage.h).
 *
 * Ownership: handles and lists are borrowed for the call.
 */
#ifndef LG_PROCESSOR_KAFKA_TXN_H
#define LG_PROCESSOR_KAFKA_TXN_H

#include "processor/config.h"

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum lg_txn_result {
    LG_TXN_OK = 0,
    LG_TXN_ABORTED = 1, /* aborted (abortable error): nothing of it is visible;
                           rewind the input and redo the batch */
    LG_TXN_FATAL = 2,   /* fenced or fatal producer error: stop, exit non-zero */
} lg_txn_result;

/** Sends the consumer's offsets into the producer's open transaction and
 *  commits it, retrying retriable errors until timeout_ms passes. On an
 *  abortable error the transaction is aborted. offsets may be NULL or
 *  empty (nothing consumed). errstr says what happened on non-OK. */
lg_txn_result lg_txn_commit(rd_kafka_t *producer, rd_kafka_t *consumer,
                            const rd_kafka_topic_partition_list_t *offsets, int timeout_ms,
                            char *errstr, size_t errstr_size);

/** Aborts the open transaction (if any). Returns LG_TXN_ABORTED or
 *  LG_TXN_FATAL. */
lg_txn_result lg_txn_abort(rd_kafka_t *producer, int timeout_ms, char *errstr, size_t errstr_size);

/** Begins a transaction. Returns LG_TXN_OK or LG_TXN_FATAL. */
lg_txn_result lg_txn_begin(rd_kafka_t *producer, char *errstr, size_t errstr_size);

/** The number of partitions of topic, from rk's metadata (waiting up to
 *  timeout_ms); -1 with errstr when the topic is unknown or unreachable. */
int lg_kafka_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms, char *errstr,
                             size_t errstr_size);

/** Creates the topics that do not exist (partitions, replication factor -1 =
 *  broker default; compact = cleanup.policy=compact). Existing topics are
 *  left alone. Returns 0 or -1 with errstr. */
int lg_kafka_ensure_topic(rd_kafka_t *rk, const char *topic, int partitions, int replication,
                          bool compact, int timeout_ms, char *errstr, size_t errstr_size);

/** The transactional id of a stage: "lineaged-<group>-<instance>-<stage>",
 *  instance defaulting to the host name. */
void lg_kafka_txn_id(const lg_config *c, const char *stage, char *out, size_t out_size);

/** True for authorization errors (topic, group, transactional id, cluster):
 *  retrying cannot help, lineaged stops with a clear message. */
bool lg_kafka_err_is_auth(rd_kafka_resp_err_t err);

/** Rewinds every partition of the consumer's assignment to its committed
 *  offset (after an aborted transaction). Returns 0 or -1 with errstr. */
int lg_kafka_rewind(rd_kafka_t *consumer, int timeout_ms, char *errstr, size_t errstr_size);

#endif
