/*
 * tests/component/test_sink_kafka.c - the Kafka sink against librdkafka's
 * mock cluster: derived events (Avro and JSON) and dead letters are
 * produced, read back with a consumer and compared byte for byte with the
 * encoders' output (and decoded with libavro); a produce error injected
 * into the mock cluster must make flush report a failure, never OK.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "sinks/avro/avro_encode.h"
#include "sinks/avro/fingerprint.h"
#include "sinks/json/json_encode.h"
#include "sinks/kafka/kafka_sink.h"
#include "tests/testutil.h"
#include "tests/tools/derived_fixture.h"

#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Kafka protocol ApiKey of Produce (rdkafka_protocol.h is not installed). */
#define KAFKA_API_PRODUCE 0

typedef struct fixture {
    rd_kafka_t *mrk; /* handle that owns the mock cluster */
    rd_kafka_mock_cluster_t *mcluster;
    const char *bootstraps;
    int logs_error; /* error-level log lines seen */
} fixture;

static rd_kafka_t *new_handle(rd_kafka_type_t type, const char *const *props, char *err,
                              size_t errsz) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    for (size_t i = 0; props && props[i]; i += 2)
        assert_int_equal(rd_kafka_conf_set(conf, props[i], props[i + 1], err, errsz),
                         RD_KAFKA_CONF_OK);
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, errsz);
    assert_non_null(rk);
    return rk;
}

static int setup(void **state) {
    char err[256];
    fixture *f = calloc(1, sizeof(*f));
    static const char *const quiet[] = {"log_level", "0", NULL};
    f->mrk = new_handle(RD_KAFKA_PRODUCER, quiet, err, sizeof(err));
    f->mcluster = rd_kafka_mock_cluster_new(f->mrk, 1);
    if (!f->mcluster)
        return -1;
    f->bootstraps = rd_kafka_mock_cluster_bootstraps(f->mcluster);
    rd_kafka_mock_topic_create(f->mcluster, LG_SINK_KAFKA_DEFAULT_TOPIC, 2, 1);
    rd_kafka_mock_topic_create(f->mcluster, LG_SINK_KAFKA_DEFAULT_DEADLETTER_TOPIC, 1, 1);
    rd_kafka_mock_topic_create(f->mcluster, "lineaged.priv", 1, 1);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    rd_kafka_mock_cluster_destroy(f->mcluster);
    rd_kafka_destroy(f->mrk);
    free(f);
    return 0;
}

static void count_log(void *opaque, int level, const char *msg) {
    fixture *f = opaque;
    (void)msg;
    if (level <= 3)
        f->logs_error++;
}

static lg_sink *new_sink(fixture *f, lg_sink_kafka_format fmt, const char *priv_topic) {
    static const char *const props[] = {"rdkafka.linger.ms", "5", "message.timeout.ms", "10000"};
    lg_sink_kafka_opts o = {0};
    char err[256] = "";
    o.brokers = f->bootstraps;
    o.props = props;
    o.nprops = 2;
    o.format = fmt;
    o.type_topics[LG_DERIVED_PRIV_OWNERLESS] = priv_topic;
    o.log = count_log;
    o.log_opaque = f;
    lg_sink *s = lg_sink_kafka_new(&o, err, sizeof(err));
    if (!s)
        fail_msg("lg_sink_kafka_new: %s", err);
    return s;
}

/* A message read back: copies of key, value and the headers we check. */
typedef struct got_msg {
    char topic[64];
    char key[128];
    lg_strbuf value;
    char type[64], event_id[64], fp[32], ctype[32], source[32], otopic[32], opart[16], ooff[32];
} got_msg;

static void copy_header(rd_kafka_headers_t *h, const char *name, char *out, size_t size) {
    const void *v;
    size_t n;
    out[0] = '\0';
    if (h && rd_kafka_header_get_last(h, name, &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        n = n < size - 1 ? n : size - 1;
        memcpy(out, v, n);
        out[n] = '\0';
    }
}

/* Reads every partition of the topics from the beginning until want
 * messages arrived or the deadline passed. Returns the count read. */
static size_t consume(fixture *f, const char *const *topics, size_t ntopics, got_msg *msgs,
                      size_t want) {
    char err[256];
    static const char *const props[] = {
        "group.id", "lg-test", "enable.auto.commit", "false", "log_level", "0", NULL};
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", f->bootstraps, err, sizeof(err)),
                     RD_KAFKA_CONF_OK);
    for (size_t i = 0; props[i]; i += 2)
        assert_int_equal(rd_kafka_conf_set(conf, props[i], props[i + 1], err, sizeof(err)),
                         RD_KAFKA_CONF_OK);
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    assert_non_null(c);
    rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(8);
    for (size_t t = 0; t < ntopics; t++)
        for (int p = 0; p < (strcmp(topics[t], LG_SINK_KAFKA_DEFAULT_TOPIC) == 0 ? 2 : 1); p++)
            rd_kafka_topic_partition_list_add(tp, topics[t], p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    assert_int_equal(rd_kafka_assign(c, tp), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(tp);
    size_t n = 0;
    int64_t deadline = tu_now_ms() + 15000;
    while (n < want && tu_now_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 100);
        if (!m)
            continue;
        if (!m->err) {
            got_msg *g = &msgs[n++];
            rd_kafka_headers_t *h = NULL;
            rd_kafka_message_headers(m, &h);
            snprintf(g->topic, sizeof(g->topic), "%s", rd_kafka_topic_name(m->rkt));
            snprintf(g->key, sizeof(g->key), "%.*s", (int)m->key_len, (const char *)m->key);
            assert_int_equal(lg_strbuf_append(&g->value, m->payload, m->len), 0);
            copy_header(h, "lineaged.type", g->type, sizeof(g->type));
            copy_header(h, "lineaged.event_id", g->event_id, sizeof(g->event_id));
            copy_header(h, "lineaged.schema.fingerprint", g->fp, sizeof(g->fp));
            copy_header(h, "content-type", g->ctype, sizeof(g->ctype));
            copy_header(h, "lineaged.source", g->source, sizeof(g->source));
            copy_header(h, "lineaged.origin.topic", g->otopic, sizeof(g->otopic));
            copy_header(h, "lineaged.origin.partition", g->opart, sizeof(g->opart));
            copy_header(h, "lineaged.origin.offset", g->ooff, sizeof(g->ooff));
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    return n;
}

static got_msg *find_event(got_msg *msgs, size_t n, const char *event_id) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(msgs[i].event_id, event_id) == 0)
            return &msgs[i];
    fail_msg("event %s not read back", event_id);
    return NULL;
}

static void free_msgs(got_msg *msgs, size_t n) {
    for (size_t i = 0; i < n; i++)
        lg_strbuf_free(&msgs[i].value);
}

static void test_avro_roundtrip(void **state) {
    fixture *f = *state;
    char err[256] = "";
    lg_sink *s = new_sink(f, LG_SINK_KAFKA_AVRO, "lineaged.priv");
    lg_avro_encoder *enc = lg_avro_encoder_new(err, sizeof(err));
    assert_non_null(enc);
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++) {
        lg_derived ev;
        df_sample(&ev, (lg_derived_type)t);
        assert_int_equal(lg_sink_emit(s, &ev, err, sizeof(err)), LG_SINK_OK);
    }
    static const unsigned char raw[] = {'{', 0xff, '}'};
    lg_deadletter dl;
    df_deadletter(&dl, raw, sizeof(raw));
    assert_int_equal(lg_sink_deadletter(s, &dl, err, sizeof(err)), LG_SINK_OK);
    assert_int_equal(lg_sink_flush(s, 10000, err, sizeof(err)), LG_SINK_OK);
    lg_sink_kafka_stats st;
    assert_int_equal(lg_sink_kafka_get_stats(s, &st), 0);
    assert_int_equal(st.produced, LG_DERIVED_TYPE_COUNT + 1);
    assert_int_equal(st.sent, LG_DERIVED_TYPE_COUNT + 1);
    assert_int_equal(st.failed, 0);
    lg_sink_destroy(s);

    static const char *const topics[] = {LG_SINK_KAFKA_DEFAULT_TOPIC, "lineaged.priv",
                                         LG_SINK_KAFKA_DEFAULT_DEADLETTER_TOPIC};
    got_msg msgs[LG_DERIVED_TYPE_COUNT + 1];
    memset(msgs, 0, sizeof(msgs));
    size_t n = consume(f, topics, 3, msgs, LG_DERIVED_TYPE_COUNT + 1);
    assert_int_equal(n, LG_DERIVED_TYPE_COUNT + 1);
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++) {
        lg_derived ev;
        const void *want;
        size_t wlen;
        char hex[17];
        df_sample(&ev, (lg_derived_type)t);
        got_msg *g = find_event(msgs, n, ev.event_id);
        assert_string_equal(g->topic, t == LG_DERIVED_PRIV_OWNERLESS ? "lineaged.priv"
                                                                     : LG_SINK_KAFKA_DEFAULT_TOPIC);
        assert_string_equal(g->key, ev.subject_id);
        assert_string_equal(g->type, lg_derived_type_name(t));
        assert_string_equal(g->ctype, "application/avro");
        assert_string_equal(g->fp,
                            lg_avro_fingerprint_hex(lg_avro_encoder_fingerprint(enc, t), hex));
        /* the value is exactly the encoder's datum, and libavro reads it */
        assert_int_equal(lg_avro_encode_derived(enc, &ev, &want, &wlen, err, sizeof(err)), 0);
        assert_int_equal(g->value.len, wlen);
        assert_memory_equal(g->value.data, want, wlen);
        avro_value_iface_t *iface = avro_generic_class_from_schema(lg_avro_encoder_schema(enc, t));
        avro_value_t v, fv;
        const char *id;
        size_t idlen;
        assert_int_equal(avro_generic_value_new(iface, &v), 0);
        avro_reader_t r = avro_reader_memory(g->value.data, (int64_t)g->value.len);
        assert_int_equal(avro_value_read(r, &v), 0);
        assert_int_equal(avro_value_get_by_name(&v, "event_id", &fv, NULL), 0);
        assert_int_equal(avro_value_get_string(&fv, &id, &idlen), 0);
        assert_string_equal(id, ev.event_id);
        avro_reader_free(r);
        avro_value_decref(&v);
        avro_value_iface_decref(iface);
    }
    /* the dead letter: JSON with origin headers */
    got_msg *g = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(msgs[i].topic, LG_SINK_KAFKA_DEFAULT_DEADLETTER_TOPIC) == 0)
            g = &msgs[i];
    assert_non_null(g);
    lg_strbuf want = LG_STRBUF_INIT;
    assert_int_equal(lg_json_encode_deadletter(&dl, &want), 0);
    assert_int_equal(g->value.len, want.len);
    assert_memory_equal(g->value.data, want.data, want.len);
    assert_string_equal(g->key, "kafka:cloudtrail/3@42");
    assert_string_equal(g->source, "cloudtrail");
    assert_string_equal(g->ctype, "application/json");
    assert_string_equal(g->otopic, "cloudtrail");
    assert_string_equal(g->opart, "3");
    assert_string_equal(g->ooff, "42");
    lg_strbuf_free(&want);
    free_msgs(msgs, n);
    lg_avro_encoder_destroy(enc);
}

static void test_json_format(void **state) {
    fixture *f = *state;
    char err[256] = "";
    lg_sink *s = new_sink(f, LG_SINK_KAFKA_JSON, NULL);
    lg_derived ev;
    df_sample(&ev, LG_DERIVED_USED_AFTER_DEPARTURE);
    assert_int_equal(lg_sink_emit(s, &ev, err, sizeof(err)), LG_SINK_OK);
    assert_int_equal(lg_sink_flush(s, 10000, err, sizeof(err)), LG_SINK_OK);
    lg_sink_destroy(s);
    static const char *const topics[] = {LG_SINK_KAFKA_DEFAULT_TOPIC};
    got_msg msgs[1];
    memset(msgs, 0, sizeof(msgs));
    assert_int_equal(consume(f, topics, 1, msgs, 1), 1);
    lg_strbuf want = LG_STRBUF_INIT;
    assert_int_equal(lg_json_encode_derived(&ev, &want), 0);
    assert_string_equal(msgs[0].value.data, want.data);
    assert_string_equal(msgs[0].ctype, "application/json");
    assert_string_equal(msgs[0].fp, "");
    lg_strbuf_free(&want);
    free_msgs(msgs, 1);
}

static void test_produce_error_is_not_ok(void **state) {
    fixture *f = *state;
    char err[256] = "";
    lg_sink *s = new_sink(f, LG_SINK_KAFKA_AVRO, NULL);
    /* a first event makes the producer ready (idempotence: PID acquired) */
    lg_derived ev;
    df_sample(&ev, LG_DERIVED_ORPHAN_NEW);
    assert_int_equal(lg_sink_emit(s, &ev, err, sizeof(err)), LG_SINK_OK);
    assert_int_equal(lg_sink_flush(s, 10000, err, sizeof(err)), LG_SINK_OK);
    /* then every Produce request fails with a permanent error */
    rd_kafka_mock_push_request_errors(
        f->mcluster, KAFKA_API_PRODUCE, 8, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
    df_sample(&ev, LG_DERIVED_ORPHAN_RESOLVED);
    assert_int_equal(lg_sink_emit(s, &ev, err, sizeof(err)), LG_SINK_OK);
    lg_sink_result r = lg_sink_flush(s, 10000, err, sizeof(err));
    assert_int_not_equal(r, LG_SINK_OK);
    assert_int_equal(r, LG_SINK_FATAL);
    assert_non_null(strstr(err, "failed"));
    lg_sink_kafka_stats st;
    assert_int_equal(lg_sink_kafka_get_stats(s, &st), 0);
    assert_int_equal(st.sent, 1);
    assert_int_equal(st.failed, 1);
    assert_true(f->logs_error >= 1);
    /* the loss is sticky: flushing again cannot report OK */
    assert_int_equal(lg_sink_flush(s, 1000, err, sizeof(err)), LG_SINK_FATAL);
    assert_int_equal(lg_sink_emit(s, &ev, err, sizeof(err)), LG_SINK_FATAL);
    lg_sink_destroy(s);
}

static void test_bad_property(void **state) {
    (void)state;
    static const char *const props[] = {"rdkafka.no.such.property", "1"};
    lg_sink_kafka_opts o = {0};
    char err[256] = "";
    o.props = props;
    o.nprops = 1;
    assert_null(lg_sink_kafka_new(&o, err, sizeof(err)));
    assert_non_null(strstr(err, "no.such.property"));
    assert_int_equal(lg_sink_kafka_get_stats(NULL, &(lg_sink_kafka_stats){0}), -1);
    assert_null(lg_sink_kafka_handle(NULL));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_avro_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_produce_error_is_not_ok, setup, teardown),
        cmocka_unit_test(test_bad_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
