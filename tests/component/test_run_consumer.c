/* tests/component/test_run_consumer.c - the `run` daemon loop against the
 * librdkafka mock cluster: input topics -> engine -> derived and dead-letter
 * topics, with offsets committed only after the batch is durable; with
 * at_least_once, and exactly_once in one stage (processing.stages = 1:
 * output, changelog and offsets in one transaction). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "processor/config.h"
#include "processor/kafka/embedded.h"
#include "processor/kafka/run.h"
#include "processor/metrics.h"
#include "sinks/strbuf.h"
#include "tests/testutil.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POISON "this is not JSON {"

typedef struct fixture {
    lg_kafka_embedded *emb;
    const char *bootstrap;
    char *state;
    lg_config *cfg;
    lg_metrics *metrics; /* the daemon's registry, read after each run */
} fixture;

static int setup(void **state) {
    static const char *topics[] = {"cloudtrail", "okta",       "github",
                                   "bedrock",    "lg.derived", "lg.deadletter"};
    char err[512];
    fixture *f = calloc(1, sizeof(*f));
    f->emb = lg_kafka_embedded_new(1, topics, 6, 1, err, sizeof(err));
    if (!f->emb)
        fail_msg("embedded kafka: %s", err);
    f->bootstrap = lg_kafka_embedded_bootstrap(f->emb);
    f->state = tu_tmpdir("lgrun");
    f->cfg = lg_config_new();
    assert_int_equal(lg_config_set(f->cfg, "kafka.brokers", f->bootstrap, err, sizeof(err)), 0);
    assert_int_equal(lg_config_set(f->cfg, "kafka.group.id", "lg-test", err, sizeof(err)), 0);
    /* at_least_once unless a test sets otherwise; the exactly-once stages'
     * failures are proven against a real broker (tests/integration) */
    assert_int_equal(
        lg_config_set(f->cfg, "processing.guarantee", "at_least_once", err, sizeof(err)), 0);
    assert_int_equal(lg_config_set(f->cfg, "detect.ownerless.hold", "0", err, sizeof(err)), 0);
    assert_int_equal(lg_config_set(f->cfg, "api.listen", "127.0.0.1:0", err, sizeof(err)), 0);
    assert_int_equal(lg_config_set(f->cfg, "topics.derived", "lg.derived", err, sizeof(err)), 0);
    assert_int_equal(lg_config_set(f->cfg, "topics.deadletter", "lg.deadletter", err, sizeof(err)),
                     0);
    assert_int_equal(lg_config_set(f->cfg, "output.format", "json", err, sizeof(err)), 0);
    assert_int_equal(lg_config_set(f->cfg, "batch.max.messages", "2", err, sizeof(err)), 0);
    assert_int_equal(lg_config_set(f->cfg, "log.level", "warn", err, sizeof(err)), 0);
    /* The mock cluster forgets a departed group member only after its
     * session timeout: keep it short so the restart below joins quickly. */
    assert_int_equal(lg_config_set(f->cfg, "rdkafka.session.timeout.ms", "6000", err, sizeof(err)),
                     0);
    assert_int_equal(
        lg_config_set(f->cfg, "rdkafka.heartbeat.interval.ms", "500", err, sizeof(err)), 0);
    lg_log_set_level(LG_LOG_INFO);
    f->metrics = lg_metrics_new();
    assert_non_null(f->metrics);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    lg_config_destroy(f->cfg);
    lg_metrics_destroy(f->metrics);
    lg_kafka_embedded_destroy(f->emb);
    tu_rmtree(f->state);
    free(f->state);
    free(f);
    return 0;
}

static void produce(const char *bootstrap, const char *topic, const char *buf, size_t len) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err)), 0);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    assert_non_null(rk);
    assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
                                       RD_KAFKA_V_VALUE((void *)buf, len),
                                       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                     0);
    assert_int_equal(rd_kafka_flush(rk, 10000), 0);
    rd_kafka_destroy(rk);
}

/* Reads topic partition 0 from the beginning to its end (the daemon has
 * flushed everything before it returned); returns the messages joined by
 * '\n' (malloc'd). */
typedef struct reader {
    rd_kafka_t *rk;
    char *text;
    size_t len;
    int n;
    bool eof;
} reader;

static bool read_more(void *arg) {
    reader *r = arg;
    rd_kafka_message_t *m = rd_kafka_consumer_poll(r->rk, 50);
    if (m) {
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            r->eof = true;
        else if (!m->err) {
            r->text = realloc(r->text, r->len + m->len + 2);
            memcpy(r->text + r->len, m->payload, m->len);
            r->len += m->len;
            r->text[r->len++] = '\n';
            r->text[r->len] = '\0';
            r->n++;
        }
        rd_kafka_message_destroy(m);
    }
    return r->eof;
}

static char *read_topic(const char *bootstrap, const char *topic, int *got) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err)), 0);
    assert_int_equal(rd_kafka_conf_set(conf, "group.id", "lg-test-reader", err, sizeof(err)), 0);
    assert_int_equal(rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof(err)), 0);
    reader r = {.text = calloc(1, 1)};
    r.rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    assert_non_null(r.rk);
    rd_kafka_topic_partition_list_t *p = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(p, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    assert_int_equal(rd_kafka_assign(r.rk, p), 0);
    rd_kafka_topic_partition_list_destroy(p);
    assert_true(tu_poll(read_more, &r, 15000));
    rd_kafka_consumer_close(r.rk);
    rd_kafka_destroy(r.rk);
    *got = r.n;
    return r.text;
}

static int64_t committed(const char *bootstrap, const char *group, const char *topic) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err)), 0);
    assert_int_equal(rd_kafka_conf_set(conf, "group.id", group, err, sizeof(err)), 0);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    assert_non_null(rk);
    rd_kafka_topic_partition_list_t *p = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(p, topic, 0);
    assert_int_equal(rd_kafka_committed(rk, p, 10000), 0);
    int64_t off = p->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(p);
    rd_kafka_destroy(rk);
    return off;
}

static void run_daemon(fixture *f, int64_t max_messages) {
    char err[1024];
    volatile sig_atomic_t running = 1;
    lg_kafka_run_opts o = {.config = f->cfg,
                           .state_dir = f->state,
                           .max_messages = max_messages,
                           .exit_when_idle_ms = 30000, /* a guard; max_messages ends it */
                           .running = &running,
                           .metrics = f->metrics};
    int64_t t0 = tu_now_ms();
    if (lg_kafka_run(&o, err, sizeof(err)) != 0)
        fail_msg("lg_kafka_run: %s", err);
    assert_true(tu_now_ms() - t0 < 29000); /* stopped by max_messages, not idleness */
}

/* The value of the sample named `name ` in the registry's exposition. */
static double sample(lg_metrics *m, const char *name) {
    lg_strbuf b = LG_STRBUF_INIT;
    assert_int_equal(lg_metrics_render(m, &b), 0);
    char want[200];
    snprintf(want, sizeof want, "\n%s ", name);
    const char *at = b.data ? strstr(b.data, want) : NULL;
    if (!at)
        fail_msg("no %s in /metrics", name);
    double v = strtod(at + strlen(want), NULL);
    lg_strbuf_free(&b);
    return v;
}

/* Poison and an admin-creating CloudTrail file in; the derived event and
 * the dead letter out; with offsets, the committed offsets too, and a
 * restart resumes after them and announces nothing twice. */
static void check_run(fixture *f, bool offsets) {
    char *path =
        tu_sample_path("cloudtrail/stratus-red-team/aws.persistence.iam-create-admin-user.json");
    size_t len = 0;
    char *admin = tu_read_file(path, &len);
    assert_non_null(admin);
    /* okta@0: poison; cloudtrail@0: a whole JSON array of CloudTrail records */
    int64_t t0 = tu_now_ms();
    produce(f->bootstrap, "okta", POISON, strlen(POISON));
    produce(f->bootstrap, "cloudtrail", admin, len);

    run_daemon(f, 2);

    /* Both messages were timed from their Kafka timestamps (the produce
     * calls above) to the commit that delivered their output, which
     * happened before now. */
    double elapsed = (double)(tu_now_ms() - t0) / 1000.0;
    assert_true(sample(f->metrics, "lineaged_end_to_end_latency_seconds_count") == 2);
    double mean = sample(f->metrics, "lineaged_end_to_end_latency_seconds_sum") / 2;
    if (mean < 0 || mean > elapsed)
        fail_msg("mean end-to-end latency %.3f s outside [0, %.3f]", mean, elapsed);
    assert_true(sample(f->metrics, "lineaged_commit_latency_seconds_count") >= 1);

    int got = 0;
    char *derived = read_topic(f->bootstrap, "lg.derived", &got);
    assert_true(got >= 1);
    int nderived = got;
    if (!strstr(derived, "\"type\":\"privileged_key.ownerless\"") ||
        !strstr(derived, "AKIAXAFZN8JEPF6L682H"))
        fail_msg("derived topic lacks privileged_key.ownerless for the key: %s", derived);

    char *dead = read_topic(f->bootstrap, "lg.deadletter", &got);
    assert_int_equal(got, 1);
    assert_non_null(strstr(dead, "\"topic\":\"okta\""));
    assert_non_null(strstr(dead, "\"partition\":0"));
    assert_non_null(strstr(dead, "\"offset\":0"));
    assert_non_null(strstr(dead, "\"origin\":\"kafka:okta/0@0\""));
    assert_non_null(strstr(dead, "\"reason\":\"okta: "));
    assert_non_null(strstr(dead, "\"raw\":\"" POISON "\""));
    if (!offsets) {
        free(dead);
        free(derived);
        free(admin);
        free(path);
        return;
    }

    /* Offsets advanced past what was processed, for the daemon's group. */
    assert_int_equal(committed(f->bootstrap, "lg-test", "okta"), 1);
    assert_int_equal(committed(f->bootstrap, "lg-test", "cloudtrail"), 1);

    /* A restart on the same state with one new message: it resumes after the
     * committed offsets and announces nothing twice. */
    produce(f->bootstrap, "okta", POISON, strlen(POISON));
    run_daemon(f, 1);
    assert_int_equal(committed(f->bootstrap, "lg-test", "okta"), 2);
    int got2 = 0;
    char *derived2 = read_topic(f->bootstrap, "lg.derived", &got2);
    assert_int_equal(got2, nderived); /* nothing announced twice */
    char *dead2 = read_topic(f->bootstrap, "lg.deadletter", &got);
    assert_int_equal(got, 2);
    assert_non_null(strstr(dead2, "\"origin\":\"kafka:okta/0@1\""));

    free(dead2);
    free(derived2);
    free(dead);
    free(derived);
    free(admin);
    free(path);
}

static void test_consume_derive_deadletter_commit(void **state) {
    check_run(*state, true);
}

/* exactly_once in one stage: the same through its transactions, with no
 * facts topic. The mock cluster of librdkafka 2.0.2 accepts the offsets
 * sent to a transaction without storing them (the group's committed
 * offsets read back as none), so the offsets and the restart are proven
 * against a real broker (tests/integration/test_eos_single.sh). */
static void single_stage(fixture *f) {
    char err[512];
    assert_int_equal(
        lg_config_set(f->cfg, "processing.guarantee", "exactly_once", err, sizeof(err)), 0);
    assert_int_equal(lg_config_set(f->cfg, "processing.stages", "1", err, sizeof(err)), 0);
    assert_int_equal(lg_config_set(f->cfg, "topics.facts", "lg.facts", err, sizeof(err)), 0);
    assert_int_equal(lg_config_set(f->cfg, "topics.changelog", "lg.changelog", err, sizeof(err)),
                     0);
    /* the mock cluster has no CreateTopics: the changelog is made here */
    assert_int_equal(lg_config_set(f->cfg, "topics.create", "false", err, sizeof(err)), 0);
    assert_int_equal(lg_kafka_embedded_create_topic(f->emb, "lg.changelog", 1, err, sizeof(err)),
                     0);
}

static void test_single_stage_exactly_once(void **state) {
    fixture *f = *state;
    single_stage(f);
    check_run(f, false);
    /* the state changes went to the changelog; no facts topic exists */
    int got = 0;
    free(read_topic(f->bootstrap, "lg.changelog", &got));
    assert_true(got > 0);
    char e2[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", f->bootstrap, e2, sizeof(e2)), 0);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e2, sizeof(e2));
    assert_non_null(rk);
    const struct rd_kafka_metadata *md = NULL;
    assert_int_equal(rd_kafka_metadata(rk, 1, NULL, &md, 10000), 0);
    for (int i = 0; i < md->topic_cnt; i++)
        if (strcmp(md->topics[i].topic, "lg.facts") == 0)
            fail_msg("one stage created the facts topic");
    rd_kafka_metadata_destroy(md);
    rd_kafka_destroy(rk);
}

/* An aborted transaction: the mock broker fails the stage's first produce
 * request, the transaction aborts, the stage is started again and redoes
 * the batch from the committed offsets. The counters count the redone
 * batch once: the aborted one's records, dead letter and derived events
 * were never committed. */
static void test_aborted_transaction_counts_once(void **state) {
    fixture *f = *state;
    single_stage(f);
    char *path =
        tu_sample_path("cloudtrail/stratus-red-team/aws.persistence.iam-create-admin-user.json");
    size_t len = 0;
    char *admin = tu_read_file(path, &len);
    assert_non_null(admin);
    int records = 0; /* the file's CloudTrail records */
    for (const char *p = admin; (p = strstr(p, "\"eventID\"")); p++)
        records++;
    assert_true(records > 1);
    produce(f->bootstrap, "okta", POISON, strlen(POISON));
    produce(f->bootstrap, "cloudtrail", admin, len);
    /* the next produce request, the stage's derived event, dead letter and
     * changelog, fails for good (ApiKey 0: Produce) */
    rd_kafka_mock_push_request_errors(lg_kafka_embedded_cluster(f->emb), 0, 1,
                                      RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);

    run_daemon(f, 2);

    assert_true(sample(f->metrics, "lineaged_errors_total{kind=\"stage_restart\"}") == 1);
    assert_true(sample(f->metrics, "lineaged_records_total{source=\"cloudtrail\"}") == records);
    assert_true(sample(f->metrics, "lineaged_deadlettered_total") == 1);
    assert_true(sample(f->metrics, "lineaged_batches_total") >= 1);
    /* the aborted batch's input (one message or both) was read again, and
     * the read counter says so */
    assert_true(sample(f->metrics, "lineaged_input_messages_total{source=\"okta\"}") +
                    sample(f->metrics, "lineaged_input_messages_total{source=\"cloudtrail\"}") >=
                3);
    assert_true(sample(f->metrics,
                       "lineaged_derived_events_total{type=\"privileged_key.ownerless\"}") == 1);
    free(admin);
    free(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_consume_derive_deadletter_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_single_stage_exactly_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aborted_transaction_counts_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
