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

/* Appends key and lineaged's default of it to the pairs in kv. */
static void add_default(const char **kv, size_t *n, const char *key) {
    kv[(*n)++] = key;
    kv[(*n)++] = lg_config_rdkafka_default(key);
}

rd_kafka_conf_t *lg_kafka_consumer_conf(const lg_config *c, const char *bootstrap, bool bound_queue,
                                        char *errstr, size_t errstr_size) {
    const char *defaults[9]; /* key, value pairs up to a NULL key */
    size_t n = 0;
    add_default(defaults, &n, "fetch.max.bytes");
    add_default(defaults, &n, "fetch.wait.max.ms");
    if (!lg_fetchwake_needed()) /* from librdkafka 2.3.0; before it, lg_fetchwake */
        add_default(defaults, &n, "fetch.queue.backoff.ms");
    if (bound_queue)
        add_default(defaults, &n, "queued.max.messages.kbytes");
    defaults[n] = NULL;
    return conf_with(c, bootstrap, defaults, errstr, errstr_size);
}
