/*
 * sinks/kafka/kafka_sink.c - librdkafka producer transport.
 */
#include "sinks/kafka/kafka_sink.h"

#include "sinks/avro/avro_encode.h"
#include "sinks/avro/fingerprint.h"
#include "sinks/json/json_encode.h"
#include "sinks/registry/registry.h"
#include "sinks/strbuf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_FULL_TRIES 50 /* x 100 ms of polling before emit says RETRY */

typedef struct kafka_sink {
    rd_kafka_t *rk;
    lg_avro_encoder *enc;                      /* NULL in JSON format */
    int64_t schema_ids[LG_DERIVED_TYPE_COUNT]; /* registry ids, -1 = no framing */
    char *topics[LG_DERIVED_TYPE_COUNT];
    char *dl_topic;
    lg_sink_kafka_log_cb log;
    void *log_opaque;
    lg_sink_kafka_stats stats;
    char lost[512]; /* first delivery failure; non-empty = sticky loss */
    lg_strbuf buf;
} kafka_sink;

static void ks_log(const kafka_sink *k, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void ks_log(const kafka_sink *k, int level, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (k->log)
        k->log(k->log_opaque, level, msg);
    else
        fprintf(stderr, "lineaged: sinks/kafka: %s\n", msg);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    kafka_sink *k = opaque;
    if (!m->err) {
        k->stats.sent++;
        if (m->_private) { /* produced by a caller with an offset slot */
            int64_t *slot = m->_private;
            if (m->offset > *slot)
                *slot = m->offset;
        }
        return;
    }
    k->stats.failed++;
    if (!k->lost[0])
        snprintf(k->lost, sizeof(k->lost), "delivery to %s failed: %s", rd_kafka_topic_name(m->rkt),
                 rd_kafka_err2str(m->err));
    ks_log(k, 3, "delivery to %s failed: %s", rd_kafka_topic_name(m->rkt),
           rd_kafka_err2str(m->err));
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    kafka_sink *k = rd_kafka_opaque(rk);
    if (k)
        ks_log(k, level, "rdkafka %s: %s", fac, buf);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    (void)rk;
    ks_log(opaque, 3, "rdkafka error %s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

/* A fatal producer error (idempotence broken) loses messages too. */
static bool check_fatal(kafka_sink *k) {
    char reason[256];
    if (k->lost[0])
        return true;
    rd_kafka_resp_err_t err = rd_kafka_fatal_error(k->rk, reason, sizeof(reason));
    if (!err)
        return false;
    snprintf(k->lost, sizeof(k->lost), "fatal producer error %s: %s", rd_kafka_err2name(err),
             reason);
    return true;
}

/* Produces one message; hdrs is consumed (freed on failure). */
static lg_sink_result ks_produce(kafka_sink *k, const char *topic, const char *key, const void *val,
                                 size_t len, rd_kafka_headers_t *hdrs, char *errstr,
                                 size_t errstr_size) {
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (check_fatal(k)) {
        rd_kafka_headers_destroy(hdrs);
        snprintf(errstr, errstr_size, "kafka sink: %s", k->lost);
        return LG_SINK_FATAL;
    }
    for (int tries = 0; tries < QUEUE_FULL_TRIES; tries++) {
        err = rd_kafka_producev(
            k->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
            RD_KAFKA_V_VALUE((void *)(uintptr_t)val, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            break;
        rd_kafka_poll(k->rk, 100); /* serve delivery reports to make room */
    }
    if (!err) {
        k->stats.produced++;
        rd_kafka_poll(k->rk, 0);
        return LG_SINK_OK;
    }
    rd_kafka_headers_destroy(hdrs);
    snprintf(errstr, errstr_size, "kafka sink: produce to %s: %s", topic, rd_kafka_err2str(err));
    switch (err) {
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
        return LG_SINK_RETRY;
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
        return LG_SINK_DROP;
    default:
        return LG_SINK_FATAL;
    }
}

static int add_header(rd_kafka_headers_t *h, const char *name, const char *value) {
    return rd_kafka_header_add(h, name, -1, value ? value : "", -1) ? -1 : 0;
}

static lg_sink_result ks_emit(void *self, const lg_derived *ev, char *errstr, size_t errstr_size) {
    kafka_sink *k = self;
    const void *val;
    size_t len;
    char fp[17];
    if ((int)ev->type < 0 || (int)ev->type >= LG_DERIVED_TYPE_COUNT) {
        snprintf(errstr, errstr_size, "kafka sink: unknown derived type %d", (int)ev->type);
        return LG_SINK_DROP;
    }
    if (k->enc) {
        if (lg_avro_encode_derived(k->enc, ev, &val, &len, errstr, errstr_size) != 0)
            return LG_SINK_DROP;
        if (k->schema_ids[ev->type] >= 0) {
            unsigned char hdr[LG_REGISTRY_HEADER_LEN];
            lg_registry_frame_header((int32_t)k->schema_ids[ev->type], hdr);
            lg_strbuf_reset(&k->buf);
            if (lg_strbuf_append(&k->buf, hdr, sizeof(hdr)) ||
                lg_strbuf_append(&k->buf, val, len)) {
                snprintf(errstr, errstr_size, "kafka sink: out of memory");
                return LG_SINK_RETRY;
            }
            val = k->buf.data, len = k->buf.len;
        }
    } else {
        lg_strbuf_reset(&k->buf);
        if (lg_json_encode_derived(ev, &k->buf) != 0) {
            snprintf(errstr, errstr_size, "kafka sink: out of memory");
            return LG_SINK_RETRY;
        }
        val = k->buf.data, len = k->buf.len;
    }
    rd_kafka_headers_t *h = rd_kafka_headers_new(4);
    int rc = add_header(h, "lineaged.type", lg_derived_type_name(ev->type));
    rc |= add_header(h, "lineaged.event_id", ev->event_id);
    rc |= add_header(h, "content-type", k->enc ? "application/avro" : "application/json");
    if (k->enc)
        rc |= add_header(
            h, "lineaged.schema.fingerprint",
            lg_avro_fingerprint_hex(lg_avro_encoder_fingerprint(k->enc, (int)ev->type), fp));
    if (k->enc && k->schema_ids[ev->type] >= 0) {
        char id[24];
        snprintf(id, sizeof(id), "%" PRId64, k->schema_ids[ev->type]);
        rc |= add_header(h, "lineaged.schema.id", id);
    }
    if (rc != 0) {
        rd_kafka_headers_destroy(h);
        snprintf(errstr, errstr_size, "kafka sink: cannot add headers");
        return LG_SINK_RETRY;
    }
    return ks_produce(k, k->topics[ev->type], ev->subject_id, val, len, h, errstr, errstr_size);
}

static lg_sink_result ks_deadletter(void *self, const lg_deadletter *dl, char *errstr,
                                    size_t errstr_size) {
    kafka_sink *k = self;
    char num[32];
    lg_strbuf_reset(&k->buf);
    if (lg_json_encode_deadletter(dl, &k->buf) != 0) {
        snprintf(errstr, errstr_size, "kafka sink: out of memory");
        return LG_SINK_RETRY;
    }
    rd_kafka_headers_t *h = rd_kafka_headers_new(6);
    int rc = add_header(h, "lineaged.source", dl->source);
    rc |= add_header(h, "lineaged.reason", dl->reason);
    rc |= add_header(h, "content-type", "application/json");
    if (dl->topic)
        rc |= add_header(h, "lineaged.origin.topic", dl->topic);
    snprintf(num, sizeof(num), "%" PRId32, dl->partition);
    rc |= add_header(h, "lineaged.origin.partition", num);
    snprintf(num, sizeof(num), "%" PRId64, dl->offset);
    rc |= add_header(h, "lineaged.origin.offset", num);
    if (rc != 0) {
        rd_kafka_headers_destroy(h);
        snprintf(errstr, errstr_size, "kafka sink: cannot add headers");
        return LG_SINK_RETRY;
    }
    return ks_produce(k, k->dl_topic, dl->origin, k->buf.data, k->buf.len, h, errstr, errstr_size);
}

static lg_sink_result ks_flush(void *self, int timeout_ms, char *errstr, size_t errstr_size) {
    kafka_sink *k = self;
    rd_kafka_resp_err_t err = rd_kafka_flush(k->rk, timeout_ms);
    /* rd_kafka_flush served the delivery reports: k->lost is up to date */
    if (check_fatal(k)) {
        snprintf(errstr, errstr_size, "kafka sink: %s", k->lost);
        return LG_SINK_FATAL;
    }
    if (err) {
        snprintf(errstr, errstr_size,
                 "kafka sink: flush: %d message(s) still in flight after %d ms",
                 rd_kafka_outq_len(k->rk), timeout_ms);
        return LG_SINK_RETRY;
    }
    return LG_SINK_OK;
}

static void ks_destroy(void *self) {
    kafka_sink *k = self;
    if (!k)
        return;
    if (k->rk) {
        int left = rd_kafka_outq_len(k->rk);
        if (left > 0)
            ks_log(k, 4, "destroyed with %d message(s) not flushed", left);
        rd_kafka_destroy(k->rk);
    }
    lg_avro_encoder_destroy(k->enc);
    for (int i = 0; i < LG_DERIVED_TYPE_COUNT; i++)
        free(k->topics[i]);
    free(k->dl_topic);
    lg_strbuf_free(&k->buf);
    free(k);
}

static const lg_sink_ops kafka_sink_ops = {
    .name = "kafka",
    .emit = ks_emit,
    .deadletter = ks_deadletter,
    .flush = ks_flush,
    .destroy = ks_destroy,
};

/* Registers the schema of every derived type under the subject of its
 * topic and keeps the ids. */
static int register_schemas(kafka_sink *k, const lg_sink_kafka_opts *opts, char *errstr,
                            size_t errstr_size) {
    char err[1024], record[512], subject[1024];
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++) {
        avro_schema_t sc = lg_avro_encoder_schema(k->enc, t);
        const char *json = lg_avro_schema_json(t, NULL);
        const char *ns = sc ? avro_schema_namespace(sc) : NULL;
        int32_t id;
        if (!sc || !json) {
            snprintf(errstr, errstr_size, "kafka sink: no schema for type %d", t);
            return -1;
        }
        snprintf(record, sizeof(record), "%s%s%s", ns && *ns ? ns : "", ns && *ns ? "." : "",
                 avro_schema_name(sc));
        if (lg_registry_subject(opts->subject_strategy, k->topics[t], record, subject,
                                sizeof(subject)) != 0) {
            snprintf(errstr, errstr_size, "kafka sink: subject name too long for %s", record);
            return -1;
        }
        if (lg_registry_register(opts->registry, subject, json, &id, err, sizeof(err)) != 0) {
            snprintf(errstr, errstr_size, "kafka sink: registering %s (%s) under subject %s: %s",
                     lg_derived_type_name((lg_derived_type)t), record, subject, err);
            return -1;
        }
        k->schema_ids[t] = id;
        ks_log(k, 6, "schema %s registered under subject %s (%s) as id %" PRId32, record, subject,
               lg_registry_strategy_name(opts->subject_strategy), id);
    }
    return 0;
}

/* Sets one property, stripping a leading "rdkafka.". */
static int conf_set(rd_kafka_conf_t *conf, const char *key, const char *val, char *errstr,
                    size_t errstr_size) {
    char why[256];
    if (strncmp(key, "rdkafka.", 8) == 0)
        key += 8;
    if (rd_kafka_conf_set(conf, key, val, why, sizeof(why)) != RD_KAFKA_CONF_OK) {
        snprintf(errstr, errstr_size, "kafka sink: property %s: %s", key, why);
        return -1;
    }
    return 0;
}

lg_sink *lg_sink_kafka_new(const lg_sink_kafka_opts *opts, char *errstr, size_t errstr_size) {
    rd_kafka_conf_t *conf = opts->conf ? opts->conf : rd_kafka_conf_new();
    kafka_sink *k = calloc(1, sizeof(*k));
    if (errstr_size)
        errstr[0] = '\0'; /* still empty at fail: means out of memory */
    if (!k)
        goto fail;
    k->log = opts->log;
    k->log_opaque = opts->log_opaque;
    for (int i = 0; i < LG_DERIVED_TYPE_COUNT; i++)
        k->schema_ids[i] = -1;
    const char *topic = opts->topic ? opts->topic : LG_SINK_KAFKA_DEFAULT_TOPIC;
    for (int i = 0; i < LG_DERIVED_TYPE_COUNT; i++)
        if (!(k->topics[i] = strdup(opts->type_topics[i] ? opts->type_topics[i] : topic)))
            goto fail;
    k->dl_topic = strdup(opts->deadletter_topic ? opts->deadletter_topic
                                                : LG_SINK_KAFKA_DEFAULT_DEADLETTER_TOPIC);
    if (!k->dl_topic)
        goto fail;
    if (conf_set(conf, "enable.idempotence", "true", errstr, errstr_size) != 0)
        goto fail;
    if (opts->brokers &&
        conf_set(conf, "bootstrap.servers", opts->brokers, errstr, errstr_size) != 0)
        goto fail;
    for (size_t i = 0; i < opts->nprops; i++)
        if (conf_set(conf, opts->props[2 * i], opts->props[2 * i + 1], errstr, errstr_size) != 0)
            goto fail;
    if (opts->format == LG_SINK_KAFKA_AVRO && !(k->enc = lg_avro_encoder_new(errstr, errstr_size)))
        goto fail;
    if (k->enc && opts->registry && register_schemas(k, opts, errstr, errstr_size) != 0)
        goto fail;
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_opaque(conf, k);
    k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errstr_size);
    if (!k->rk)
        goto fail;
    conf = NULL;                                  /* owned by rk now */
    lg_sink *s = lg_sink_new(&kafka_sink_ops, k); /* destroys k on failure */
    if (!s)
        snprintf(errstr, errstr_size, "kafka sink: out of memory");
    return s;
fail:
    if (errstr_size && !errstr[0])
        snprintf(errstr, errstr_size, "kafka sink: out of memory");
    if (conf)
        rd_kafka_conf_destroy(conf);
    ks_destroy(k);
    return NULL;
}

int lg_sink_kafka_get_stats(lg_sink *s, lg_sink_kafka_stats *out) {
    kafka_sink *k = lg_sink_impl(s, &kafka_sink_ops);
    if (!k)
        return -1;
    *out = k->stats;
    return 0;
}

int64_t lg_sink_kafka_schema_id(lg_sink *s, lg_derived_type t) {
    kafka_sink *k = lg_sink_impl(s, &kafka_sink_ops);
    if (!k || (int)t < 0 || (int)t >= LG_DERIVED_TYPE_COUNT)
        return -1;
    return k->schema_ids[t];
}

rd_kafka_t *lg_sink_kafka_handle(lg_sink *s) {
    kafka_sink *k = lg_sink_impl(s, &kafka_sink_ops);
    return k ? k->rk : NULL;
}
