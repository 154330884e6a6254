/*
 * sinks/kafka/kafka_sink.h - Kafka transport (librdkafka producer) for
 * derived events and dead letters.
 *
 * Derived events go to a topic per type (default: all to
 * LG_SINK_KAFKA_DEFAULT_TOPIC), keyed by subject_id so one subject's events
 * stay in order on one partition. Value: Avro (default; bare datum of the
 * schema in schemas/, fingerprint in a header) or JSON. Headers:
 *   lineaged.type, lineaged.event_id, content-type ("application/avro" or
 *   "application/json") and, for Avro, lineaged.schema.fingerprint (16 hex
 *   digits, CRC-64-AVRO of the schema's canonical form, little-endian bytes).
 * With a Schema Registry (opts.registry, Avro only) the constructor
 * registers each type's schema under the subject of the strategy for its
 * topic and every value is framed in the Confluent wire format: magic byte
 * 0, 4-byte big-endian schema id, the Avro datum (sinks/registry); the
 * header lineaged.schema.id repeats the id. Start-up fails when a schema
 * cannot be registered (unreachable registry after its deadline, an
 * incompatible schema, bad credentials).
 * Dead letters go to the dead-letter topic (default
 * LG_SINK_KAFKA_DEFAULT_DEADLETTER_TOPIC) as JSON, keyed by origin, with
 * headers lineaged.source, lineaged.reason, lineaged.origin.topic (when
 * from Kafka), lineaged.origin.partition, lineaged.origin.offset.
 *
 * Delivery: the producer is idempotent (enable.idempotence=true unless a
 * passthrough property says otherwise). lg_sink_flush() waits for every
 * delivery report: LG_SINK_OK only when all were delivered; LG_SINK_RETRY
 * when the timeout passed with messages still in flight; LG_SINK_FATAL once
 * any message was lost (a failed delivery report or a fatal producer
 * error). A loss is sticky: every later flush also returns FATAL, because
 * retrying cannot bring the message back; the caller must replay from its
 * last committed input position with a new sink.
 *
 * Ownership: the caller owns the returned sink (lg_sink_destroy). Strings in
 * the options are copied. A conf passed in the options is OWNED by the sink
 * from the call on, even when the constructor fails. Single-threaded use.
 */
#ifndef LG_SINKS_KAFKA_SINK_H
#define LG_SINKS_KAFKA_SINK_H

#include "sinks/registry/registry.h"
#include "sinks/sink.h"

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#define LG_SINK_KAFKA_DEFAULT_TOPIC "lineaged.derived"
#define LG_SINK_KAFKA_DEFAULT_DEADLETTER_TOPIC "lineaged.deadletter"

typedef enum lg_sink_kafka_format {
    LG_SINK_KAFKA_AVRO = 0,
    LG_SINK_KAFKA_JSON = 1,
} lg_sink_kafka_format;

/** Log callback: level is a syslog level (3 error, 4 warning, 6 info, 7
 *  debug); msg is borrowed for the call. */
typedef void (*lg_sink_kafka_log_cb)(void *opaque, int level, const char *msg);

/** Options; a zeroed struct plus brokers gives the defaults. */
typedef struct lg_sink_kafka_opts {
    rd_kafka_conf_t *conf;    /* optional ready config; owned by the sink (see above) */
    const char *brokers;      /* bootstrap.servers, if not NULL */
    const char *const *props; /* nprops (key, value) pairs: props[2i], props[2i+1]; */
    size_t nprops;            /* a leading "rdkafka." in a key is stripped */
    const char *topic;        /* derived-event topic; NULL = default */
    const char *type_topics[LG_DERIVED_TYPE_COUNT]; /* per-type topic; NULL = topic */
    const char *deadletter_topic;                   /* NULL = default */
    lg_sink_kafka_format format;                    /* value encoding of derived events */
    lg_sink_kafka_log_cb log;                       /* NULL = stderr */
    void *log_opaque;
    lg_registry *registry; /* Avro only: register + frame; borrowed, used only in the constructor */
    lg_registry_strategy subject_strategy; /* subject naming with a registry */
} lg_sink_kafka_opts;

typedef struct lg_sink_kafka_stats {
    uint64_t produced; /* messages handed to librdkafka */
    uint64_t sent;     /* delivery reports with success */
    uint64_t failed;   /* delivery reports with an error (lost messages) */
} lg_sink_kafka_stats;

/** Creates the producer. Returns NULL and fills errstr on a bad property,
 *  a schema failure or ENOMEM. */
lg_sink *lg_sink_kafka_new(const lg_sink_kafka_opts *opts, char *errstr, size_t errstr_size);

/** Copies the counters of a Kafka sink into *out. Returns 0, or -1 when s is
 *  not a Kafka sink. */
int lg_sink_kafka_get_stats(lg_sink *s, lg_sink_kafka_stats *out);

/** The registry schema id the values of type t are framed with, or -1
 *  (no registry, JSON, not a Kafka sink). */
int64_t lg_sink_kafka_schema_id(lg_sink *s, lg_derived_type t);

/** The producer handle (borrowed; e.g. for rd_kafka_handle_mock_cluster in
 *  tests), or NULL when s is not a Kafka sink. A message a caller produces
 *  on it with RD_KAFKA_V_OPAQUE(slot), slot an int64_t *, has the offset of
 *  its successful delivery recorded in *slot when larger (in the thread
 *  that polls or flushes the producer); the sink's own messages carry no
 *  opaque. */
rd_kafka_t *lg_sink_kafka_handle(lg_sink *s);

#endif
