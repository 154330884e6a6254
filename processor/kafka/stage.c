/* processor/kafka/stage.c - see stage.h. */
#include "processor/kafka/stage.h"

#include "processor/kafka/client.h"
#include "processor/kafka/txn.h"
#include "sinks/kafka/kafka_sink.h"
#include "sinks/outputs/outputs.h"
#include "state/codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

size_t lg_stage_input_topics(const lg_config *c, const char *topics[LG_SRC_COUNT],
                             const char *enabled[LG_SRC_COUNT]) {
    topics[LG_SRC_NONE] = NULL;
    topics[LG_SRC_CLOUDTRAIL] = c->topics_cloudtrail;
    topics[LG_SRC_OKTA] = c->topics_okta;
    topics[LG_SRC_GITHUB] = c->topics_github;
    topics[LG_SRC_BEDROCK] = c->topics_bedrock;
    size_t n = 0;
    for (size_t i = 0; enabled && i < c->sources_enabled.n && n < LG_SRC_COUNT; i++) {
        lg_source src = lg_source_from_name(c->sources_enabled.v[i]);
        if (src != LG_SRC_NONE)
            enabled[n++] = topics[src];
    }
    return n;
}

lg_source lg_stage_source_of(const char *const topics[LG_SRC_COUNT], const char *topic) {
    for (int i = 1; i < LG_SRC_COUNT; i++)
        if (topics[i] && strcmp(topics[i], topic) == 0)
            return (lg_source)i;
    return LG_SRC_NONE;
}

static void sink_log(void *opaque, int level, const char *msg) {
    (void)opaque;
    lg_log(level <= 3   ? LG_LOG_ERROR
           : level == 4 ? LG_LOG_WARN
           : level <= 6 ? LG_LOG_INFO
                        : LG_LOG_DEBUG,
           "sinks/kafka", "%s", msg);
}

lg_sink *lg_stage_open_sink(const lg_config *c, const char *bootstrap, bool json,
                            const char *txn_id, const char *state_dir, char *errstr,
                            size_t errstr_size) {
    rd_kafka_conf_t *conf = NULL;
    if (txn_id) {
        char timeout[32];
        snprintf(timeout, sizeof timeout, "%lld", (long long)c->transaction_timeout_ms);
        conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "transactional.id", txn_id, errstr, errstr_size) ||
            rd_kafka_conf_set(conf, "transaction.timeout.ms", timeout, errstr, errstr_size)) {
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    }
    lg_outputs_opts oo = {.config = c,
                          .state_dir = state_dir,
                          .bootstrap = bootstrap,
                          .producer_conf = conf,
                          .json = json,
                          .log = sink_log};
    lg_sink *s;
    if (state_dir) {
        s = lg_outputs_new(&oo, errstr, errstr_size);
    } else {
        /* no webhooks here (the parse stage carries facts and dead letters) */
        lg_config copy = *c;
        copy.webhook_endpoints_file = (char *)"";
        copy.revoke_url = (char *)"";
        oo.config = &copy;
        s = lg_outputs_new(&oo, errstr, errstr_size);
    }
    if (!s || !txn_id)
        return s;
    rd_kafka_error_t *e = rd_kafka_init_transactions(lg_stage_producer(s), 60000);
    if (e) {
        snprintf(errstr, errstr_size, "init transactions (%s): %s", txn_id,
                 rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        lg_sink_destroy(s);
        return NULL;
    }
    return s;
}

rd_kafka_t *lg_stage_producer(lg_sink *s) {
    return lg_sink_kafka_handle(lg_outputs_primary(s));
}

rd_kafka_t *lg_stage_open_consumer(const lg_config *c, const char *bootstrap, const char *group,
                                   const char *const *topics, size_t ntopics,
                                   void (*rb)(rd_kafka_t *, rd_kafka_resp_err_t,
                                              rd_kafka_topic_partition_list_t *, void *),
                                   void *opaque, lg_fetchwake **wake, char *errstr,
                                   size_t errstr_size) {
    *wake = NULL;
    rd_kafka_conf_t *conf = lg_kafka_consumer_conf(c, bootstrap, true, errstr, errstr_size);
    if (!conf)
        return NULL;
    if (rd_kafka_conf_set(conf, "group.id", group, errstr, errstr_size) ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, errstr_size) ||
        rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", errstr, errstr_size) ||
        rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", errstr, errstr_size) ||
        rd_kafka_conf_set(conf, "isolation.level", "read_committed", errstr, errstr_size)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    if (c->instance_id && *c->instance_id) {
        /* static membership: a restarted instance takes its partitions back
         * at once instead of waiting for a rebalance */
        char gid[512];
        snprintf(gid, sizeof gid, "%s-%s", c->instance_id, group);
        if (rd_kafka_conf_set(conf, "group.instance.id", gid, errstr, errstr_size)) {
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    }
    rd_kafka_conf_set_opaque(conf, opaque);
    if (rb)
        rd_kafka_conf_set_rebalance_cb(conf, rb);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new((int)ntopics);
    for (size_t i = 0; i < ntopics; i++)
        rd_kafka_topic_partition_list_add(subs, topics[i], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    if (err) {
        snprintf(errstr, errstr_size, "subscribe: %s", rd_kafka_err2str(err));
        rd_kafka_destroy(rk);
        return NULL;
    }
    *wake = lg_fetchwake_start(rk, NULL, 0, LG_FETCHWAKE_INTERVAL_MS, LG_FETCHWAKE_MIN_QUEUED);
    return rk;
}

void lg_stage_close_consumer(rd_kafka_t *consumer, lg_fetchwake *wake) {
    lg_fetchwake_stop(wake); /* before the consumer it borrows */
    if (!consumer)
        return;
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
}

static int poll_ms(const lg_config *c, int64_t now, int64_t until, int64_t started_ms,
                   int64_t last_ms) {
    int64_t end = until;
    if (started_ms) {
        if (started_ms + c->batch_max_ms < end)
            end = started_ms + c->batch_max_ms;
        if (last_ms + c->batch_linger_ms < end)
            end = last_ms + c->batch_linger_ms;
    }
    return end > now ? (int)(end - now) : 0;
}

bool lg_stage_batch_due(const lg_config *c, int64_t now, int64_t msgs, int64_t started_ms,
                        int64_t last_ms, bool dry) {
    if (!msgs || !started_ms)
        return false;
    return msgs >= c->batch_max_messages || now - started_ms >= c->batch_max_ms ||
           (dry && now - last_ms >= c->batch_linger_ms);
}

lg_poll_result lg_stage_poll(rd_kafka_t *consumer, const lg_config *c, int64_t until,
                             int64_t started_ms, int64_t last_ms, const int *fatal,
                             const char *fatal_err, const char *comp, rd_kafka_message_t **out,
                             char *errstr, size_t errstr_size) {
    int wait = poll_ms(c, lg_mono_ms(), until, started_ms, last_ms);
    rd_kafka_message_t *m = rd_kafka_consumer_poll(consumer, wait);
    *out = NULL;
    if (*fatal) {
        snprintf(errstr, errstr_size, "%s", fatal_err);
        if (m)
            rd_kafka_message_destroy(m);
        return *fatal < 0 ? LG_POLL_FATAL : LG_POLL_RESTART;
    }
    if (!m)
        return LG_POLL_DRY;
    if (!m->err) {
        *out = m;
        return LG_POLL_MSG;
    }
    lg_poll_result r = LG_POLL_AGAIN;
    if (lg_kafka_err_is_auth(m->err)) {
        snprintf(errstr, errstr_size, "consumer: %s (not authorized)", rd_kafka_message_errstr(m));
        r = LG_POLL_FATAL;
    } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        lg_log(LG_LOG_WARN, comp, "consumer: %s", rd_kafka_message_errstr(m));
    }
    rd_kafka_message_destroy(m);
    return r;
}

void lg_stage_mark(rd_kafka_topic_partition_list_t *batch, const rd_kafka_message_t *m) {
    const char *topic = rd_kafka_topic_name(m->rkt);
    rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_find(batch, topic, m->partition);
    if (!tp)
        tp = rd_kafka_topic_partition_list_add(batch, topic, m->partition);
    tp->offset = m->offset + 1;
}

int64_t lg_stage_arrival(const rd_kafka_message_t *m) {
    int64_t ts = rd_kafka_message_timestamp(m, NULL);
    return ts > 0 ? ts : lg_wall_ms();
}

bool lg_stage_arrived_get(const rd_kafka_message_t *m, int64_t *ms) {
    rd_kafka_headers_t *h = NULL;
    const void *v = NULL;
    size_t n = 0;
    if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_header_get_last(h, LG_STAGE_ARRIVED_HEADER, &v, &n) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        n != 8 || !v)
        return false;
    *ms = (int64_t)lg_be64_get(v);
    return true;
}

int64_t lg_stage_phase(lg_metric *f, const char *stage, const char *phase, int64_t t0_us) {
    int64_t now = lg_mono_us();
    if (f)
        lg_metric_observe(f, (const char *const[]){stage, phase}, (double)(now - t0_us) / 1e6);
    return now;
}

void lg_stage_arrivals_add(lg_stage_arrivals *a, int64_t ms) {
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 1024;
        double *na = realloc(a->v, cap * sizeof *na);
        if (!na)
            return;
        a->v = na;
        a->cap = cap;
    }
    a->v[a->n++] = (double)ms;
}

void lg_stage_arrivals_observe(lg_stage_arrivals *a, lg_metric *f, int64_t now) {
    for (size_t i = 0; f && i < a->n; i++) /* each arrival becomes its latency */
        a->v[i] = a->v[i] < (double)now ? ((double)now - a->v[i]) / 1000.0 : 0.0;
    if (f)
        lg_metric_observe_n(f, NULL, a->v, a->n);
    a->n = 0;
}

void lg_stage_arrivals_free(lg_stage_arrivals *a) {
    free(a->v);
    memset(a, 0, sizeof *a);
}
