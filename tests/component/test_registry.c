/*
 * tests/component/test_registry.c - the Schema Registry client and the
 * Kafka sink's Confluent framing against a registry-compatible server on
 * loopback (tests/tools/schema_registry.py, whose compatibility checks are
 * the Apache Avro library's) and librdkafka's mock cluster:
 *   - register / look up / latest, idempotent re-registration, basic auth;
 *   - schema evolution: a new optional field passes BACKWARD and FULL, a
 *     renamed field or a new required field fails BACKWARD, a removed
 *     required field fails FULL;
 *   - clear errors: HTTP status + error_code + message, an unreachable
 *     registry gives up at its deadline, 503s are retried;
 *   - framed Kafka values (magic 0 + big-endian id + Avro) decode with
 *     Confluent's own Python AvroDeserializer (tests/tools/sr_decode.py)
 *     fetching the schema from the registry;
 *   - TopicNameStrategy on one shared topic is refused by the registry;
 *   - TLS: CA file, client certificate (mutual TLS), verification off.
 * Skips (exit 77 semantics via cmocka skip) when the Python venv cannot be
 * made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "processor/config.h"
#include "sinks/avro/avro_encode.h"
#include "sinks/kafka/kafka_sink.h"
#include "sinks/outputs/outputs.h"
#include "sinks/registry/registry.h"
#include "tests/testutil.h"
#include "tests/tools/derived_fixture.h"
#include "tests/tools/pyserver.h"

#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *python;
static char *tmp;

static int group_setup(void **state) {
    (void)state;
    python = ps_venv(LG_BINARY_DIR "/pyvenv-sr", "--registry");
    tmp = tu_tmpdir("lg-registry");
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    free(python);
    tu_rmtree(tmp);
    free(tmp);
    return 0;
}

static void require_python(void) {
    if (!python) {
        printf("SKIP: no Python venv with confluent-kafka and avro\n");
        skip();
    }
}

/* Starts the registry with extra arguments (NULL-terminated). */
static void start_registry(ps_server *s, const char *const *extra) {
    char *argv[16];
    size_t n = 0;
    argv[n++] = python;
    argv[n++] = LG_SOURCE_DIR "/tests/tools/schema_registry.py";
    for (size_t i = 0; extra && extra[i] && n < 15; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    assert_int_equal(ps_start(s, argv), 0);
}

static lg_registry *client(const ps_server *s, const char *scheme, const char *user_info,
                           int64_t deadline_ms, const lg_http_opts *tls) {
    char url[128], err[512];
    snprintf(url, sizeof(url), "%s://127.0.0.1:%d/", scheme, s->port);
    lg_registry_opts o = {.url = url, .deadline_ms = deadline_ms};
    if (tls)
        o.http = *tls;
    o.http.user_info = user_info;
    lg_registry *r = lg_registry_new(&o, err, sizeof(err));
    if (!r)
        fail_msg("lg_registry_new: %s", err);
    return r;
}

/* PUT /config/{subject} {"compatibility": level} */
static void set_level(const ps_server *s, const char *user_info, const char *subject,
                      const char *level) {
    char url[256], body[128], err[256];
    lg_http_opts ho = {.user_info = user_info};
    lg_http *h = lg_http_new(&ho, err, sizeof(err));
    assert_non_null(h);
    lg_http_response resp = {0};
    static const char *const hdrs[] = {"Content-Type: application/json", NULL};
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/config/%s", s->port, subject);
    snprintf(body, sizeof(body), "{\"compatibility\":\"%s\"}", level);
    assert_int_equal(lg_http_request(h, "PUT", url, hdrs, body, strlen(body), &resp), 0);
    assert_int_equal(resp.status, 200);
    lg_http_response_free(&resp);
    lg_http_destroy(h);
}

static void test_names_and_frame(void **state) {
    (void)state;
    char sub[128];
    assert_int_equal(lg_registry_strategy_from_name("TopicNameStrategy"), LG_REGISTRY_TOPIC_NAME);
    assert_int_equal(lg_registry_strategy_from_name("RecordNameStrategy"), LG_REGISTRY_RECORD_NAME);
    assert_int_equal(lg_registry_strategy_from_name(
                         "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"),
                     LG_REGISTRY_TOPIC_RECORD_NAME);
    assert_int_equal(lg_registry_strategy_from_name("XTopicNameStrategy"), -1);
    assert_int_equal(lg_registry_strategy_from_name("topic"), -1);
    assert_int_equal(lg_registry_subject(LG_REGISTRY_TOPIC_NAME, "t", "a.B", sub, sizeof(sub)), 0);
    assert_string_equal(sub, "t-value");
    assert_int_equal(lg_registry_subject(LG_REGISTRY_RECORD_NAME, "t", "a.B", sub, sizeof(sub)), 0);
    assert_string_equal(sub, "a.B");
    assert_int_equal(
        lg_registry_subject(LG_REGISTRY_TOPIC_RECORD_NAME, "t", "a.B", sub, sizeof(sub)), 0);
    assert_string_equal(sub, "t-a.B");
    assert_int_equal(lg_registry_subject(LG_REGISTRY_TOPIC_NAME, "topic", "x", sub, 5), -1);
    unsigned char h[5];
    lg_registry_frame_header(0x01020304, h);
    assert_memory_equal(h, "\x00\x01\x02\x03\x04", 5);
    assert_int_equal(lg_registry_frame_id(h, 5), 0x01020304);
    assert_int_equal(lg_registry_frame_id(h, 4), -1);
    h[0] = 1;
    assert_int_equal(lg_registry_frame_id(h, 5), -1);
}

/* The orphan.new schema with `edit` applied: 0 as is, 1 plus an optional
 * field, 2 with "reason" renamed, 3 without "reason", 4 plus a required
 * field. Returns malloc'd text. */
static char *orphan_schema(int edit) {
    const char *base = lg_avro_schema_json(LG_DERIVED_ORPHAN_NEW, NULL);
    const char *anchor = "\"fields\": [";
    const char *at = strstr(base, anchor);
    assert_non_null(at);
    at += strlen(anchor);
    lg_strbuf b = LG_STRBUF_INIT;
    if (edit == 0 || edit == 2 || edit == 3) {
        assert_int_equal(lg_strbuf_puts(&b, base), 0);
        if (edit == 0)
            return b.data;
        char *f = strstr(b.data, "\"name\": \"reason\"");
        assert_non_null(f);
        if (edit == 2) {
            memcpy(f + 9, "cause\"", 6);
            memmove(f + 15, f + 16, strlen(f + 16) + 1);
            return b.data;
        }
        /* remove the whole {...} of the field and its comma */
        char *open = f;
        while (*open != '{')
            open--;
        char *close = strchr(f, '}');
        close++;
        while (*close == ',' || *close == ' ' || *close == '\n')
            close++;
        memmove(open, close, strlen(close) + 1);
        return b.data;
    }
    assert_int_equal(lg_strbuf_append(&b, base, (size_t)(at - base)), 0);
    assert_int_equal(
        lg_strbuf_puts(&b, edit == 1 ? "{\"name\": \"ticket\", \"type\": [\"null\", \"string\"], "
                                       "\"default\": null, \"doc\": \"new optional field\"},"
                                     : "{\"name\": \"severity\", \"type\": \"string\"},"),
        0);
    assert_int_equal(lg_strbuf_puts(&b, at), 0);
    return b.data;
}

static void test_register_lookup_evolution(void **state) {
    (void)state;
    require_python();
    static const char *const args[] = {"--user-info", "lineaged:s3cret", NULL};
    ps_server s;
    start_registry(&s, args);
    lg_registry *r = client(&s, "http", "lineaged:s3cret", 5000, NULL);
    char err[1024];
    int32_t id1 = -1, id1b = -1, id2 = -1, lid, lver;
    bool ok;
    lg_strbuf text = LG_STRBUF_INIT, msgs = LG_STRBUF_INIT;
    char *v1 = orphan_schema(0), *v2 = orphan_schema(1), *renamed = orphan_schema(2);
    char *removed = orphan_schema(3), *required = orphan_schema(4);
    const char *subject = "lineage.derived-io.lineaged.derived.OrphanNew";

    assert_int_equal(lg_registry_register(r, subject, v1, &id1, err, sizeof(err)), 0);
    assert_true(id1 > 0);
    assert_int_equal(lg_registry_register(r, subject, v1, &id1b, err, sizeof(err)), 0);
    assert_int_equal(id1b, id1);
    /* a second client (a restart) gets the same id from the registry */
    lg_registry *r2 = client(&s, "http", "lineaged:s3cret", 5000, NULL);
    assert_int_equal(lg_registry_register(r2, subject, v1, &id1b, err, sizeof(err)), 0);
    assert_int_equal(id1b, id1);
    lg_registry_destroy(r2);
    assert_int_equal(lg_registry_schema_by_id(r, id1, &text, err, sizeof(err)), 0);
    assert_string_equal(text.data, v1);

    /* evolution: optional field with default null is BACKWARD compatible */
    assert_int_equal(lg_registry_check_compatibility(r, subject, v2, &ok, &msgs, err, sizeof(err)),
                     0);
    assert_true(ok);
    /* renamed field (no alias, no default) and new required field are not */
    assert_int_equal(
        lg_registry_check_compatibility(r, subject, renamed, &ok, &msgs, err, sizeof(err)), 0);
    assert_false(ok);
    printf("# renamed: %s\n", msgs.data);
    assert_non_null(strstr(msgs.data, "cause"));
    assert_int_equal(
        lg_registry_check_compatibility(r, subject, required, &ok, &msgs, err, sizeof(err)), 0);
    assert_false(ok);
    /* Avro: a reader without a field ignores it, so removal is BACKWARD
     * compatible; it breaks FORWARD (old readers), hence FULL below. */
    assert_int_equal(
        lg_registry_check_compatibility(r, subject, removed, &ok, NULL, err, sizeof(err)), 0);
    assert_true(ok);
    /* registering an incompatible schema: HTTP 409 with the registry's words */
    assert_int_equal(lg_registry_register(r, subject, renamed, &id2, err, sizeof(err)), -1);
    printf("# %s\n", err);
    assert_non_null(strstr(err, "HTTP 409 (error_code 409)"));
    assert_non_null(strstr(err, "incompatible"));
    assert_int_equal(lg_registry_register(r, subject, v2, &id2, err, sizeof(err)), 0);
    assert_true(id2 != id1);
    assert_int_equal(lg_registry_latest(r, subject, &lid, &lver, &text, err, sizeof(err)), 0);
    assert_int_equal(lid, id2);
    assert_int_equal(lver, 2);
    assert_string_equal(text.data, v2);

    /* FULL: removing a required field is refused too */
    const char *full = "lineage.derived-full";
    set_level(&s, "lineaged:s3cret", full, "FULL");
    assert_int_equal(lg_registry_register(r, full, v1, &id1b, err, sizeof(err)), 0);
    assert_int_equal(
        lg_registry_check_compatibility(r, full, removed, &ok, &msgs, err, sizeof(err)), 0);
    assert_false(ok);
    assert_int_equal(lg_registry_check_compatibility(r, full, v2, &ok, &msgs, err, sizeof(err)), 0);
    assert_true(ok);

    /* not found: status and error_code */
    assert_int_equal(lg_registry_schema_by_id(r, 999, &text, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "HTTP 404 (error_code 40403)"));
    assert_int_equal(lg_registry_latest(r, "nope", &lid, &lver, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "HTTP 404 (error_code 40401)"));

    /* bad credentials: 401, not retried */
    lg_registry *bad = client(&s, "http", "lineaged:wrong", 5000, NULL);
    int64_t t0 = tu_now_ms();
    assert_int_equal(lg_registry_register(bad, "x", v1, &id2, err, sizeof(err)), -1);
    assert_true(tu_now_ms() - t0 < 2000);
    assert_non_null(strstr(err, "HTTP 401"));
    lg_registry_destroy(bad);

    lg_registry_destroy(r);
    ps_stop(&s);
    lg_strbuf_free(&text);
    lg_strbuf_free(&msgs);
    free(v1), free(v2), free(renamed), free(removed), free(required);
}

static void test_unreachable_and_retries(void **state) {
    (void)state;
    require_python();
    char err[1024];
    int32_t id;
    const char *v1 = lg_avro_schema_json(LG_DERIVED_ORPHAN_NEW, NULL);
    /* a port nobody listens on: the server is started and stopped */
    ps_server s;
    start_registry(&s, NULL);
    int port = s.port;
    ps_stop(&s);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
    lg_registry_opts o = {.url = url, .deadline_ms = 1500};
    lg_registry *r = lg_registry_new(&o, err, sizeof(err));
    assert_non_null(r);
    int64_t t0 = tu_now_ms();
    assert_int_equal(lg_registry_register(r, "s", v1, &id, err, sizeof(err)), -1);
    int64_t took = tu_now_ms() - t0;
    printf("# unreachable after %lld ms: %s\n", (long long)took, err);
    assert_true(took >= 1400 && took < 5000);
    assert_non_null(strstr(err, "gave up after 1500 ms"));
    assert_non_null(strstr(err, "Couldn't connect"));
    lg_registry_destroy(r);

    /* three 503s, then success: retried within the deadline */
    static const char *const args[] = {"--fail-first", "3", NULL};
    start_registry(&s, args);
    r = client(&s, "http", NULL, 10000, NULL);
    assert_int_equal(lg_registry_register(r, "s", v1, &id, err, sizeof(err)), 0);
    assert_int_equal(id, 1);
    lg_registry_destroy(r);
    /* a deadline shorter than the failures: the 503 is reported */
    ps_stop(&s);
    static const char *const many[] = {"--fail-first", "1000", NULL};
    start_registry(&s, many);
    r = client(&s, "http", NULL, 600, NULL);
    assert_int_equal(lg_registry_register(r, "s", v1, &id, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "HTTP 503 (error_code 50003)"));
    lg_registry_destroy(r);
    ps_stop(&s);
}

/* ---- Kafka framing, decoded by Confluent's deserializer ---- */

typedef struct mock {
    rd_kafka_t *rk;
    rd_kafka_mock_cluster_t *mc;
} mock;

static void mock_start(mock *m) {
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
    m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    assert_non_null(m->rk);
    m->mc = rd_kafka_mock_cluster_new(m->rk, 1);
    assert_non_null(m->mc);
    rd_kafka_mock_topic_create(m->mc, "lineage.derived", 1, 1);
}

static void mock_stop(mock *m) {
    rd_kafka_mock_cluster_destroy(m->mc);
    rd_kafka_destroy(m->rk);
}

static lg_sink *framed_sink(mock *m, lg_registry *r, lg_registry_strategy st, char *err,
                            size_t errsz) {
    static const char *const props[] = {"linger.ms", "5", "log_level", "0"};
    lg_sink_kafka_opts o = {0};
    o.brokers = rd_kafka_mock_cluster_bootstraps(m->mc);
    o.props = props;
    o.nprops = 2;
    o.topic = "lineage.derived";
    o.registry = r;
    o.subject_strategy = st;
    return lg_sink_kafka_new(&o, err, errsz);
}

/* Reads n values of topic from the beginning into files DIR/v<i>.bin. */
static size_t consume_to_files(mock *m, const char *topic, size_t n, const char *dir) {
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(m->mc), err,
                      sizeof(err));
    rd_kafka_conf_set(conf, "group.id", "lg-test", err, sizeof(err));
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    assert_non_null(c);
    rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(tp, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    assert_int_equal(rd_kafka_assign(c, tp), 0);
    rd_kafka_topic_partition_list_destroy(tp);
    size_t got = 0;
    int64_t deadline = tu_now_ms() + 15000;
    while (got < n && tu_now_ms() < deadline) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(c, 100);
        if (!msg)
            continue;
        if (!msg->err) {
            char path[1024];
            snprintf(path, sizeof(path), "%.900s/v%zu.bin", dir, got++);
            FILE *f = fopen(path, "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(msg->payload, 1, msg->len, f), msg->len);
            fclose(f);
            rd_kafka_headers_t *h = NULL;
            const void *hv;
            size_t hl;
            assert_int_equal(rd_kafka_message_headers(msg, &h), 0);
            assert_int_equal(rd_kafka_header_get_last(h, "lineaged.schema.id", &hv, &hl), 0);
            char id[16];
            snprintf(id, sizeof(id), "%.*s", (int)hl, (const char *)hv);
            assert_int_equal(atoll(id), lg_registry_frame_id(msg->payload, msg->len));
        }
        rd_kafka_message_destroy(msg);
    }
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    return got;
}

static void test_kafka_framing_decodes(void **state) {
    (void)state;
    require_python();
    static const char *const args[] = {"--user-info", "u:p", NULL};
    ps_server s;
    mock m;
    char err[1024];
    start_registry(&s, args);
    mock_start(&m);
    lg_registry *r = client(&s, "http", "u:p", 5000, NULL);
    lg_sink *sink = framed_sink(&m, r, LG_REGISTRY_TOPIC_RECORD_NAME, err, sizeof(err));
    if (!sink)
        fail_msg("sink: %s", err);
    lg_registry_destroy(r); /* only needed at start-up */
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++) {
        lg_derived ev;
        df_sample(&ev, (lg_derived_type)t);
        assert_int_equal(lg_sink_emit(sink, &ev, err, sizeof(err)), LG_SINK_OK);
    }
    assert_int_equal(lg_sink_flush(sink, 10000, err, sizeof(err)), LG_SINK_OK);
    int64_t ids[LG_DERIVED_TYPE_COUNT];
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++) {
        ids[t] = lg_sink_kafka_schema_id(sink, (lg_derived_type)t);
        assert_true(ids[t] > 0);
    }
    lg_sink_destroy(sink);

    char dir[512];
    snprintf(dir, sizeof(dir), "%s/framed", tmp);
    tu_rmtree(dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(consume_to_files(&m, "lineage.derived", LG_DERIVED_TYPE_COUNT, dir),
                     LG_DERIVED_TYPE_COUNT);
    char cmd[4096];
    int n = snprintf(cmd, sizeof(cmd),
                     "%s %s/tests/tools/sr_decode.py http://127.0.0.1:%d u:p "
                     "lineage.derived",
                     python, LG_SOURCE_DIR, s.port);
    for (int i = 0; i < LG_DERIVED_TYPE_COUNT; i++)
        n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " %s/v%d.bin", dir, i);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[4096];
    int seen = 0;
    while (fgets(line, sizeof(line), p)) {
        /* one message per type, in the order emitted (one partition) */
        lg_derived ev;
        char want[512];
        df_sample(&ev, (lg_derived_type)seen);
        printf("# %s", line);
        snprintf(want, sizeof(want), "\"_schema_id\": %lld", (long long)ids[seen]);
        assert_non_null(strstr(line, want));
        snprintf(want, sizeof(want), "\"event_id\": \"%s\"", ev.event_id);
        assert_non_null(strstr(line, want));
        snprintf(want, sizeof(want), "\"type\": \"%s\"", lg_derived_type_name(ev.type));
        assert_non_null(strstr(line, want));
        snprintf(want, sizeof(want), "\"event_time\": %lld", (long long)ev.event_time_ms);
        assert_non_null(strstr(line, want));
        snprintf(want, sizeof(want), "\"id\": \"%s\"", ev.subject_id);
        assert_non_null(strstr(line, want));
        assert_non_null(strstr(line, "\"_record\": \"io.lineaged.derived."));
        if (ev.owner_id)
            assert_non_null(strstr(line, "\"departed_at\": 1714498200000"));
        else
            assert_non_null(strstr(line, "\"owner\": null"));
        seen++;
    }
    assert_int_equal(pclose(p), 0);
    assert_int_equal(seen, LG_DERIVED_TYPE_COUNT);

    /* TopicNameStrategy: six record types under one "<topic>-value" subject
     * are refused by a BACKWARD registry at start-up, with the reason */
    r = client(&s, "http", "u:p", 5000, NULL);
    sink = framed_sink(&m, r, LG_REGISTRY_TOPIC_NAME, err, sizeof(err));
    assert_null(sink);
    printf("# %s\n", err);
    assert_non_null(strstr(err, "subject lineage.derived-value"));
    assert_non_null(strstr(err, "HTTP 409"));
    lg_registry_destroy(r);
    mock_stop(&m);
    ps_stop(&s);
}

/* ---- the whole output side from a configuration ---- */

static void set(lg_config *c, const char *k, const char *v) {
    char err[256];
    if (lg_config_set(c, k, v, err, sizeof(err)) != 0)
        fail_msg("%s", err);
}

static void test_outputs_from_config(void **state) {
    (void)state;
    require_python();
    static const char *const args[] = {"--user-info", "u:p", NULL};
    ps_server s;
    mock m;
    char err[1024], url[64], path[1100], st_dir[1024];
    start_registry(&s, args);
    mock_start(&m);
    snprintf(st_dir, sizeof(st_dir), "%s/outputs", tmp);
    tu_rmtree(st_dir);
    assert_int_equal(mkdir(st_dir, 0700), 0);
    /* one webhook endpoint nobody listens on: flush is still OK once the
     * calls are in the outbox */
    snprintf(path, sizeof(path), "%s/hooks.conf", st_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("[nobody]\nurl = http://127.0.0.1:9/\nbackoff.initial = 10s\n", f);
    fclose(f);

    lg_config *c = lg_config_new();
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
    set(c, "kafka.brokers", rd_kafka_mock_cluster_bootstraps(m.mc));
    set(c, "topics.derived", "lineage.derived");
    set(c, "registry.url", url);
    set(c, "registry.basic.auth.user.info", "u:p");
    set(c, "webhook.endpoints.file", path);
    set(c, "rdkafka.linger.ms", "5");
    lg_outputs_opts o = {.config = c, .state_dir = st_dir};
    lg_sink *out = lg_outputs_new(&o, err, sizeof(err));
    if (!out)
        fail_msg("outputs: %s", err);
    lg_sink *kafka = lg_outputs_primary(out);
    assert_ptr_not_equal(kafka, out);
    assert_non_null(lg_sink_kafka_handle(kafka));
    assert_true(lg_sink_kafka_schema_id(kafka, LG_DERIVED_ORPHAN_NEW) > 0);
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++) {
        lg_derived ev;
        df_sample(&ev, (lg_derived_type)t);
        assert_int_equal(lg_sink_emit(out, &ev, err, sizeof(err)), LG_SINK_OK);
    }
    assert_int_equal(lg_sink_flush(out, 10000, err, sizeof(err)), LG_SINK_OK);
    lg_sink_kafka_stats ks;
    assert_int_equal(lg_sink_kafka_get_stats(kafka, &ks), 0);
    assert_int_equal(ks.sent, LG_DERIVED_TYPE_COUNT);
    lg_sink_destroy(out);
    snprintf(path, sizeof(path), "%s/webhook-outbox/CURRENT", st_dir);
    assert_int_equal(access(path, F_OK), 0);

    /* a registry that stays unreachable: start-up fails within
     * registry.timeout, saying why */
    ps_stop(&s);
    set(c, "registry.timeout", "800ms");
    set(c, "webhook.endpoints.file", "");
    int64_t t0 = tu_now_ms();
    assert_null(lg_outputs_new(&o, err, sizeof(err)));
    printf("# %s\n", err);
    assert_true(tu_now_ms() - t0 < 5000);
    assert_non_null(strstr(err, "gave up after 800 ms"));
    lg_config_destroy(c);
    mock_stop(&m);
}

/* ---- TLS ---- */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...) {
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    return system(cmd);
}

static void test_tls(void **state) {
    (void)state;
    require_python();
    if (sh("command -v openssl >/dev/null") != 0) {
        printf("SKIP: openssl not found\n");
        skip();
    }
    char d[512];
    snprintf(d, sizeof(d), "%s/tls", tmp);
    /* a CA, a server certificate for 127.0.0.1 and a client certificate */
    int rc = sh("set -e; mkdir -p %s; cd %s; exec 2>openssl.log;"
                "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 "
                "-subj /CN=lineaged-test-ca;"
                "openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "
                "/CN=127.0.0.1;"
                "printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext;"
                "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out "
                "srv.pem -days 1 -extfile san.ext;"
                "openssl req -newkey rsa:2048 -nodes -keyout cli.key -out cli.csr -subj "
                "/CN=lineaged;"
                "openssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out "
                "cli.pem -days 1",
                d, d);
    assert_int_equal(rc, 0);
    char cert[600], key[600], ca[600], ccert[600], ckey[600];
    snprintf(cert, sizeof(cert), "%s/srv.pem", d);
    snprintf(key, sizeof(key), "%s/srv.key", d);
    snprintf(ca, sizeof(ca), "%s/ca.pem", d);
    snprintf(ccert, sizeof(ccert), "%s/cli.pem", d);
    snprintf(ckey, sizeof(ckey), "%s/cli.key", d);
    const char *const args[] = {"--tls-cert", cert, "--tls-key", key, "--tls-client-ca", ca, NULL};
    ps_server s;
    start_registry(&s, args);
    const char *v1 = lg_avro_schema_json(LG_DERIVED_ORPHAN_NEW, NULL);
    char err[1024];
    int32_t id;

    lg_http_opts good = {.ca_file = ca, .cert_file = ccert, .key_file = ckey};
    lg_registry *r = client(&s, "https", NULL, 3000, &good);
    assert_int_equal(lg_registry_register(r, "s", v1, &id, err, sizeof(err)), 0);
    lg_registry_destroy(r);

    /* the system CA store does not know the test CA */
    lg_http_opts nosys = {.cert_file = ccert, .key_file = ckey};
    r = client(&s, "https", NULL, 600, &nosys);
    assert_int_equal(lg_registry_register(r, "s", v1, &id, err, sizeof(err)), -1);
    printf("# %s\n", err);
    assert_non_null(strstr(err, "certificate"));
    lg_registry_destroy(r);

    /* verification off: accepted without the CA */
    lg_http_opts noverify = {.cert_file = ccert, .key_file = ckey, .no_verify = true};
    r = client(&s, "https", NULL, 3000, &noverify);
    assert_int_equal(lg_registry_register(r, "s", v1, &id, err, sizeof(err)), 0);
    lg_registry_destroy(r);

    /* no client certificate: the server refuses the handshake */
    lg_http_opts nocert = {.ca_file = ca};
    r = client(&s, "https", NULL, 600, &nocert);
    assert_int_equal(lg_registry_register(r, "s", v1, &id, err, sizeof(err)), -1);
    printf("# %s\n", err);
    lg_registry_destroy(r);
    ps_stop(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_frame),
        cmocka_unit_test(test_register_lookup_evolution),
        cmocka_unit_test(test_unreachable_and_retries),
        cmocka_unit_test(test_kafka_framing_decodes),
        cmocka_unit_test(test_outputs_from_config),
        cmocka_unit_test(test_tls),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
