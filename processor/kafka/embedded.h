/*
 * processor/kafka/embedded.h - an in-process Kafka for `run` without
 * kafka.brokers, for `run --demo` and for tests: a librdkafka mock cluster
 * (rd_kafka_mock_cluster_new) owned by a private producer handle.
 *
 * Ownership: lg_kafka_embedded_new() returns an object the caller frees
 * with lg_kafka_embedded_destroy(), after every client connected to it is
 * destroyed. The bootstrap string is owned by the object.
 */
#ifndef LG_PROCESSOR_KAFKA_EMBEDDED_H
#define LG_PROCESSOR_KAFKA_EMBEDDED_H

#include <stddef.h>

typedef struct lg_kafka_embedded lg_kafka_embedded;

/** Starts a mock cluster with `brokers` brokers and creates the topics
 *  (each with `partitions` partitions). Returns NULL with errstr on error. */
lg_kafka_embedded *lg_kafka_embedded_new(int brokers, const char *const *topics, size_t ntopics,
                                         int partitions, char *errstr, size_t errstr_size);

/** "host:port,..." of the mock brokers. Borrowed from e. */
const char *lg_kafka_embedded_bootstrap(const lg_kafka_embedded *e);

/** The mock cluster itself (librdkafka/rdkafka_mock.h's
 *  rd_kafka_mock_cluster_t, borrowed from e), for tests that make its
 *  brokers fail requests (rd_kafka_mock_push_request_errors). */
struct rd_kafka_mock_cluster_s *lg_kafka_embedded_cluster(lg_kafka_embedded *e);

/** Creates one more topic. Returns 0 or -1 with errstr. */
int lg_kafka_embedded_create_topic(lg_kafka_embedded *e, const char *topic, int partitions,
                                   char *errstr, size_t errstr_size);

/** Stops the cluster. NULL is a no-op. */
void lg_kafka_embedded_destroy(lg_kafka_embedded *e);

#endif
