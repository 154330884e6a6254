/*
 * processor/kafka/client.c - librdkafka client configuration.
 */
#include "processor/kafka/client.h"

#include "processor/kafka/fetchwake.h"

#include <stddef.h>

static rd_kafka_conf_t *conf_with(const lg_config *c, const char *bootstrap,
                                  const char *const *defaults, char *errstr, size_t errstr_size) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, errstr_size) ||
        rd_kafka_conf_set(conf, "log_level", "4", errstr, errstr_size))
        goto fail;
    for (size_t i = 0; defaults && defaults[i]; i += 2)
        if (rd_kafka_conf_set(conf, defaults[i], defaults[i + 1], errstr, errstr_size))
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

rd_kafka_conf_t *lg_kafka_client_conf(const lg_config *c, const char *bootstrap, char *errstr,
                                      size_t errstr_size) {
    return conf_with(c, bootstrap, NULL, errstr, errstr_size);
}

rd_kafka_conf_t *lg_kafka_consumer_conf(const lg_config *c, const char *bootstrap,
                                        const char *queue_kbytes, char *errstr,
                                        size_t errstr_size) {
    /* key, value pairs up to a NULL key */
    const char *defaults[9] = {"fetch.max.bytes", LG_KAFKA_FETCH_BYTES, "fetch.wait.max.ms",
                               LG_KAFKA_FETCH_WAIT_MS};
    size_t n = 4;
    if (!lg_fetchwake_needed()) { /* from librdkafka 2.3.0; before it, lg_fetchwake */
        defaults[n++] = "fetch.queue.backoff.ms";
        defaults[n++] = LG_KAFKA_QUEUE_BACKOFF_MS;
    }
    if (queue_kbytes) {
        defaults[n++] = "queued.max.messages.kbytes";
        defaults[n++] = queue_kbytes;
    }
    defaults[n] = NULL;
    return conf_with(c, bootstrap, defaults, errstr, errstr_size);
}
