/*
 * tests/component/test_fetchwake.c - processor/kafka/fetchwake.h against
 * librdkafka's mock cluster: a consumer whose prefetch queue is far smaller
 * than its topic refills it within the waker's interval, for a group
 * consumer's assignment and for a simple consumer's partition. Without a
 * waker the librdkafka in use (before 2.3.0) refetches only about once a
 * second: the first test shows it on the simple consumer, so that the
 * others can fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "processor/kafka/fetchwake.h"
#include "tests/testutil.h"

#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOPIC "wake"
#define NMSG 1200
#define MSG_BYTES 4096
#define CHUNK 100 /* messages per record batch: 400 KiB */
/* a queue of 64 KiB: every fetch (one record batch from the mock cluster)
 * overshoots it, so fetching stops after each until the broker thread
 * decides again: 12 refills in all */
#define QUEUE_KB "64"

typedef struct fixture {
    rd_kafka_t *mrk; /* owns the mock cluster */
    rd_kafka_mock_cluster_t *mcluster;
    const char *bootstraps;
} fixture;

static rd_kafka_conf_t *base_conf(const fixture *f) {
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    static const char *const props[] = {"log_level", "0", NULL};
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", f->bootstraps, err, sizeof err),
                     RD_KAFKA_CONF_OK);
    for (size_t i = 0; props[i]; i += 2)
        assert_int_equal(rd_kafka_conf_set(conf, props[i], props[i + 1], err, sizeof err),
                         RD_KAFKA_CONF_OK);
    return conf;
}

static int setup(void **state) {
    char err[256];
    fixture *f = calloc(1, sizeof *f);
    rd_kafka_conf_t *mconf = rd_kafka_conf_new();
    rd_kafka_conf_set(mconf, "log_level", "0", err, sizeof err);
    f->mrk = rd_kafka_new(RD_KAFKA_PRODUCER, mconf, err, sizeof err);
    if (!f->mrk)
        return -1;
    f->mcluster = rd_kafka_mock_cluster_new(f->mrk, 1);
    if (!f->mcluster)
        return -1;
    f->bootstraps = rd_kafka_mock_cluster_bootstraps(f->mcluster);
    rd_kafka_mock_topic_create(f->mcluster, TOPIC, 1, 1);

    /* a flush every CHUNK messages: record batches of CHUNK */
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, base_conf(f), err, sizeof err);
    assert_non_null(p);
    char *payload = malloc(MSG_BYTES);
    memset(payload, 'x', MSG_BYTES);
    for (int i = 0; i < NMSG; i++) {
        assert_int_equal(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_PARTITION(0),
                                           RD_KAFKA_V_VALUE(payload, MSG_BYTES),
                                           RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                           RD_KAFKA_V_END),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
        if ((i + 1) % CHUNK == 0)
            assert_int_equal(rd_kafka_flush(p, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    free(payload);
    rd_kafka_destroy(p);
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

/* A consumer with the small queue and short broker waits, plus the
 * key, value pairs of extra (NULL-terminated). */
static rd_kafka_t *small_queue_consumer(const fixture *f, const char *const *extra) {
    char err[256];
    rd_kafka_conf_t *conf = base_conf(f);
    static const char *const props[] = {"queued.max.messages.kbytes", QUEUE_KB, "fetch.wait.max.ms",
                                        "10", NULL};
    for (size_t i = 0; props[i]; i += 2)
        assert_int_equal(rd_kafka_conf_set(conf, props[i], props[i + 1], err, sizeof err),
                         RD_KAFKA_CONF_OK);
    for (size_t i = 0; extra && extra[i]; i += 2)
        assert_int_equal(rd_kafka_conf_set(conf, extra[i], extra[i + 1], err, sizeof err),
                         RD_KAFKA_CONF_OK);
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!c)
        fail_msg("consumer: %s", err);
    return c;
}

/* A group consumer assigned TOPIC's partition. */
static rd_kafka_t *group_consumer(const fixture *f) {
    static const char *const props[] = {
        "group.id", "lg-wake", "auto.offset.reset", "earliest", "enable.auto.commit",
        "false",    NULL};
    rd_kafka_t *c = small_queue_consumer(f, props);
    rd_kafka_poll_set_consumer(c);
    rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(tp, TOPIC, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    assert_int_equal(rd_kafka_assign(c, tp), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(tp);
    return c;
}

/* A message's work: 0.5 ms, as a consumer that does something with its
 * input spends. It keeps a refill (100 messages, 50 ms) in the queue for
 * longer than librdkafka takes to decide on the next fetch, so the queue
 * is over its bound when it decides, as in lineaged's stages; a consumer
 * that drains a refill at once races that decision and may refetch at
 * once (seen with CPUs busy). Not a wait for a result. */
static void process(const rd_kafka_message_t *m) {
    (void)m;
    struct timespec t = {0, 500000L};
    nanosleep(&t, NULL);
}

/* Messages c reads until it has all NMSG or for_ms passed. */
static int read_for(rd_kafka_t *c, int64_t for_ms) {
    int n = 0;
    int64_t deadline = tu_now_ms() + for_ms;
    while (n < NMSG && tu_now_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 20);
        if (!m)
            continue;
        if (!m->err) {
            n++;
            process(m);
        }
        rd_kafka_message_destroy(m);
    }
    return n;
}

static void close_consumer(rd_kafka_t *c) {
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
}

/* A simple consumer of TOPIC's partition (as the changelog restore reads
 * it: no group, so no coordinator traffic that could wake its broker
 * thread by chance) with the small queue, woken every 20 ms when wake is
 * set (while its queue holds min_queued messages): the messages it reads
 * within for_ms. */
static int simple_read(const fixture *f, bool wake, size_t min_queued, int64_t for_ms) {
    rd_kafka_t *c = small_queue_consumer(f, NULL);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(c, TOPIC, NULL);
    assert_int_equal(rd_kafka_consume_start(rkt, 0, RD_KAFKA_OFFSET_BEGINNING), 0);
    lg_fetchwake *w = wake ? lg_fetchwake_start(c, TOPIC, 0, 20, min_queued) : NULL;
    if (wake)
        assert_non_null(w);
    int n = 0;
    int64_t t0 = tu_now_ms(), deadline = t0 + for_ms;
    while (n < NMSG && tu_now_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consume(rkt, 0, 20);
        if (!m)
            continue;
        if (!m->err) {
            n++;
            process(m);
        }
        rd_kafka_message_destroy(m);
    }
    print_message("%s a waker: %d of %d messages in %lld ms, %llu wakes\n",
                  wake ? "with" : "without", n, NMSG, (long long)(tu_now_ms() - t0),
                  (unsigned long long)lg_fetchwake_count(w));
    if (wake && min_queued == 0)
        assert_true(lg_fetchwake_count(w) > 0);
    if (wake && min_queued > NMSG) /* never behind by that much: left alone */
        assert_int_equal(lg_fetchwake_count(w), 0);
    lg_fetchwake_stop(w);
    rd_kafka_consume_stop(rkt, 0);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(c);
    return n;
}

/* The premise: without a waker the queue refills about once a second (the
 * 12 refills would take about 12 s), so in 2 s the consumer gets two to
 * four refills' worth (100 messages each), far from all of it. */
static void test_without_waker_refills_late(void **state) {
    if (!lg_fetchwake_needed()) {
        assert_null(lg_fetchwake_start(NULL, NULL, 0, LG_FETCHWAKE_INTERVAL_MS, 0));
        skip();
    }
    int n = simple_read(*state, false, 0, 2000);
    assert_true(n > 0);
    assert_true(n <= NMSG / 2);
}

/* The restore's consumer: all of it well within the 12 s it needs unwoken. */
static void test_waker_refills_simple_consumer(void **state) {
    if (!lg_fetchwake_needed())
        skip();
    assert_int_equal(simple_read(*state, true, 0, 15000), NMSG);
}

/* A consumer whose queue never holds min_queued messages is not woken: it
 * refills as late as without a waker. */
static void test_waker_leaves_a_consumer_that_keeps_up(void **state) {
    if (!lg_fetchwake_needed())
        skip();
    int n = simple_read(*state, true, 2 * NMSG, 2000);
    assert_true(n > 0);
    assert_true(n <= NMSG / 2);
}

/* The stages' consumers: the waker follows the assignment. */
static void test_waker_refills_assignment(void **state) {
    fixture *f = *state;
    if (!lg_fetchwake_needed())
        skip();
    rd_kafka_t *c = group_consumer(f);
    lg_fetchwake *w = lg_fetchwake_start(c, NULL, 0, 20, 0);
    assert_non_null(w);
    int64_t t0 = tu_now_ms();
    int n = read_for(c, 15000);
    print_message("with a waker: %d of %d messages in %lld ms, %llu wakes\n", n, NMSG,
                  (long long)(tu_now_ms() - t0), (unsigned long long)lg_fetchwake_count(w));
    assert_int_equal(n, NMSG);
    assert_true(lg_fetchwake_count(w) > 0);
    lg_fetchwake_stop(w);
    close_consumer(c);
}

/* Stopping is prompt and NULL is accepted. */
static void test_stop(void **state) {
    fixture *f = *state;
    lg_fetchwake_stop(NULL);
    if (!lg_fetchwake_needed())
        skip();
    rd_kafka_t *c = group_consumer(f);
    lg_fetchwake *w = lg_fetchwake_start(c, NULL, 0, 60000, 0);
    assert_non_null(w);
    int64_t t0 = tu_now_ms();
    lg_fetchwake_stop(w);
    assert_true(tu_now_ms() - t0 < 5000);
    close_consumer(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_without_waker_refills_late, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waker_refills_assignment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waker_refills_simple_consumer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waker_leaves_a_consumer_that_keeps_up, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
