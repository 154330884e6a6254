/*
 * sinks/outputs/outputs.h - the whole output side of lineaged, built from
 * the configuration in one call: the Kafka sink (Avro framed for the Schema
 * Registry when registry.url is set, else Avro with the fingerprint header,
 * or JSON), plus, when configured, the webhook endpoints of
 * webhook.endpoints.file and the revocation hook of revoke.* (one webhook
 * sink, one durable outbox), joined by a fanout sink.
 *
 * The revocation hook is a webhook endpoint named "revoke" with the
 * "revoke" template, the revoke.* settings, dry run as revoke.dry_run says
 * (true by default) and its audit file (revoke.audit.file, default
 * <state_dir>/revocations.jsonl).
 *
 * Ownership: the caller owns the returned sink (lg_sink_destroy). The
 * config and strings are borrowed for the call. opts->primary and
 * opts->producer_conf are OWNED by the call from the start, also when it
 * fails.
 */
#ifndef LG_SINKS_OUTPUTS_OUTPUTS_H
#define LG_SINKS_OUTPUTS_OUTPUTS_H

#include "processor/config.h"
#include "sinks/sink.h"

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct lg_outputs_opts {
    const lg_config *config; /* required */
    /* Resolved state directory: the default place of the webhook outbox,
     * the webhook dead-letter file and the revocation audit file. Needed
     * only when webhooks or the revocation hook are configured. */
    const char *state_dir;
    /* The sink derived events go to besides the webhooks (e.g. replay's
     * stdout file sink); owned. NULL: a Kafka sink built from config. */
    lg_sink *primary;
    /* Kafka only: bootstrap servers overriding config->kafka_brokers (the
     * embedded cluster's address); NULL = the config's. */
    const char *bootstrap;
    rd_kafka_conf_t *producer_conf; /* Kafka only: base producer config, owned; or NULL */
    bool json;          /* Kafka only: JSON values whatever output.format says (the demo) */
    lg_sink_log_cb log; /* NULL = stderr */
    void *log_opaque;
} lg_outputs_opts;

/** Builds the output sink: the primary (or Kafka) sink alone when no
 *  webhook or revocation hook is configured, else a fanout of it and the
 *  webhook sink. Registers the schemas when registry.url is set (start-up
 *  fails when the registry stays unreachable for registry.timeout or
 *  refuses a schema). Returns NULL with errstr on any configuration, file,
 *  registry or Kafka error. */
lg_sink *lg_outputs_new(const lg_outputs_opts *opts, char *errstr, size_t errstr_size);

/** The primary (Kafka) sink inside an outputs sink (borrowed): s itself
 *  when it is not a fanout. For lg_sink_kafka_handle / _get_stats. */
lg_sink *lg_outputs_primary(lg_sink *s);

/** The webhook sink inside an outputs sink (borrowed), or NULL when none is
 *  configured. For lg_sink_webhook_drain / _get_stats. */
lg_sink *lg_outputs_webhook(lg_sink *s);

#endif
