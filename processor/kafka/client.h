/*
 * processor/kafka/client.h - librdkafka client configuration from lineaged's
 * configuration: bootstrap servers plus every rdkafka.* passthrough key.
 *
 * Ownership: returns a conf the caller owns (rd_kafka_new() takes it over on
 * success; otherwise rd_kafka_conf_destroy()).
 */
#ifndef LG_PROCESSOR_KAFKA_CLIENT_H
#define LG_PROCESSOR_KAFKA_CLIENT_H

#include "processor/config.h"

#include <librdkafka/rdkafka.h>
#include <stdbool.h>

/** bootstrap.servers = bootstrap, log_level warning, then c's rdkafka.*
 *  keys (c may be NULL). Returns NULL with errstr on a bad property. */
rd_kafka_conf_t *lg_kafka_client_conf(const lg_config *c, const char *bootstrap, char *errstr,
                                      size_t errstr_size);

/** The same for a consumer, with lineaged's consumer defaults set first so
 *  rdkafka.* keys override them (the values are the table in
 *  processor/config.c, lg_config_rdkafka_default): bounded fetch responses
 *  (fetch.max.bytes), a shorter broker-side fetch wait (fetch.wait.max.ms)
 *  and, with bound_queue, a prefetch queue (queued.max.messages.kbytes) far
 *  below librdkafka's 64 MiB. librdkafka stops fetching while the queue is
 *  full; from 2.3.0 it looks again after fetch.queue.backoff.ms, also set
 *  here, and before it only up to a second later unless woken
 *  (processor/kafka/fetchwake.h: every consumer of `lineaged run` has a
 *  waker). */
rd_kafka_conf_t *lg_kafka_consumer_conf(const lg_config *c, const char *bootstrap, bool bound_queue,
                                        char *errstr, size_t errstr_size);

#endif
