/*
 * processor/kafka/client.c - librdkafka client configuration.
 */
#include "processor/kafka/client.h"

rd_kafka_conf_t *lg_kafka_client_conf(const lg_config *c, const char *bootstrap, char *errstr,
                                      size_t errstr_size) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, errstr_size) ||
        rd_kafka_conf_set(conf, "log_level", "4", errstr, errstr_size))
        goto fail;
    for (size_t i = 0; c && i < c->rdkafka_keys.n; i++)
        if (rd_kafka_conf_set(conf, c->rdkafka_keys.v[i], c->rdkafka_vals.v[i], errstr,
                              errstr_size))
            goto fail;
    return conf;
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}
