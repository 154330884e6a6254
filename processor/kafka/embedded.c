/*
 * processor/kafka/embedded.c - the librdkafka mock cluster wrapper.
 */
#include "processor/kafka/embedded.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>

struct lg_kafka_embedded {
    rd_kafka_t *rk; /* owns the mock cluster */
    rd_kafka_mock_cluster_t *mc;
};

lg_kafka_embedded *lg_kafka_embedded_new(int brokers, const char *const *topics, size_t ntopics,
                                         int partitions, char *errstr, size_t errstr_size) {
    lg_kafka_embedded *e = calloc(1, sizeof(*e));
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (!e || !conf) {
        snprintf(errstr, errstr_size, "embedded kafka: out of memory");
        goto fail;
    }
    /* The owning handle never talks to a broker: keep it quiet. */
    if (rd_kafka_conf_set(conf, "log_level", "3", errstr, errstr_size) != RD_KAFKA_CONF_OK)
        goto fail;
    e->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errstr_size);
    if (!e->rk)
        goto fail;
    conf = NULL; /* owned by rk now */
    e->mc = rd_kafka_mock_cluster_new(e->rk, brokers);
    if (!e->mc) {
        snprintf(errstr, errstr_size, "embedded kafka: cannot start the mock cluster");
        goto fail;
    }
    for (size_t i = 0; i < ntopics; i++)
        if (lg_kafka_embedded_create_topic(e, topics[i], partitions, errstr, errstr_size) != 0)
            goto fail;
    return e;
fail:
    if (conf)
        rd_kafka_conf_destroy(conf);
    lg_kafka_embedded_destroy(e);
    return NULL;
}

const char *lg_kafka_embedded_bootstrap(const lg_kafka_embedded *e) {
    return rd_kafka_mock_cluster_bootstraps(e->mc);
}

struct rd_kafka_mock_cluster_s *lg_kafka_embedded_cluster(lg_kafka_embedded *e) {
    return e->mc;
}

int lg_kafka_embedded_create_topic(lg_kafka_embedded *e, const char *topic, int partitions,
                                   char *errstr, size_t errstr_size) {
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(e->mc, topic, partitions, 1);
    if (err) {
        snprintf(errstr, errstr_size, "embedded kafka: cannot create topic %s: %s", topic,
                 rd_kafka_err2str(err));
        return -1;
    }
    return 0;
}

void lg_kafka_embedded_destroy(lg_kafka_embedded *e) {
    if (!e)
        return;
    if (e->mc)
        rd_kafka_mock_cluster_destroy(e->mc);
    if (e->rk)
        rd_kafka_destroy(e->rk);
    free(e);
}
