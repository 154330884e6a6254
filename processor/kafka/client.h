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

/** bootstrap.servers = bootstrap, log_level warning, then c's rdkafka.*
 *  keys (c may be NULL). Returns NULL with errstr on a bad property. */
rd_kafka_conf_t *lg_kafka_client_conf(const lg_config *c, const char *bootstrap, char *errstr,
                                      size_t errstr_size);

#endif
