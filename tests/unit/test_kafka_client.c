/* tests/unit/test_kafka_client.c - librdkafka configuration from lineaged's
 * configuration (processor/kafka/client.h): the consumer defaults, the
 * per-consumer prefetch queue bound, rdkafka.* keys overriding both, and a
 * bad rdkafka.* key reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "processor/config.h"
#include "processor/kafka/client.h"
#include "processor/kafka/fetchwake.h"

#include <stdlib.h>
#include <string.h>

/* The value of key in conf (a copy in buf). */
static const char *get(rd_kafka_conf_t *conf, const char *key, char *buf, size_t size) {
    size_t n = size;
    assert_int_equal(rd_kafka_conf_get(conf, key, buf, &n), RD_KAFKA_CONF_OK);
    return buf;
}

static void test_consumer_defaults(void **state) {
    (void)state;
    char err[512], v[64], lib[64];
    rd_kafka_conf_t *fresh = rd_kafka_conf_new();
    get(fresh, "queued.max.messages.kbytes", lib, sizeof lib);
    rd_kafka_conf_destroy(fresh);

    rd_kafka_conf_t *conf = lg_kafka_consumer_conf(NULL, "k1:9092", false, err, sizeof err);
    assert_non_null(conf);
    assert_string_equal(get(conf, "bootstrap.servers", v, sizeof v), "k1:9092");
    assert_string_equal(get(conf, "fetch.max.bytes", v, sizeof v), "2097152");
    assert_string_equal(get(conf, "fetch.wait.max.ms", v, sizeof v), "100");
    /* no bound asked: librdkafka's own prefetch queue */
    assert_string_equal(get(conf, "queued.max.messages.kbytes", v, sizeof v), lib);
    /* from librdkafka 2.3 a bounded refetch wait; before it a waker */
    if (lg_fetchwake_needed())
        assert_int_equal(rd_kafka_conf_get(conf, "fetch.queue.backoff.ms", v, &(size_t){sizeof v}),
                         RD_KAFKA_CONF_UNKNOWN);
    else
        assert_string_equal(get(conf, "fetch.queue.backoff.ms", v, sizeof v),
                            lg_config_rdkafka_default("fetch.queue.backoff.ms"));
    /* the waker (librdkafka before 2.3) stands in for that backoff */
    assert_int_equal(atoi(lg_config_rdkafka_default("fetch.queue.backoff.ms")),
                     LG_FETCHWAKE_INTERVAL_MS);
    rd_kafka_conf_destroy(conf);

    conf = lg_kafka_consumer_conf(NULL, "k1:9092", true, err, sizeof err);
    assert_non_null(conf);
    assert_string_equal(get(conf, "queued.max.messages.kbytes", v, sizeof v), "16384");
    assert_string_not_equal("16384", lib);
    /* the table lineaged's reference is generated from */
    assert_string_equal(lg_config_rdkafka_default("queued.max.messages.kbytes"), "16384");
    assert_null(lg_config_rdkafka_default("no.such.property"));
    rd_kafka_conf_destroy(conf);

    /* a plain client gets none of the consumer defaults */
    conf = lg_kafka_client_conf(NULL, "k1:9092", err, sizeof err);
    assert_non_null(conf);
    fresh = rd_kafka_conf_new();
    char libfetch[64];
    assert_string_equal(get(conf, "fetch.max.bytes", v, sizeof v),
                        get(fresh, "fetch.max.bytes", libfetch, sizeof libfetch));
    rd_kafka_conf_destroy(fresh);
    rd_kafka_conf_destroy(conf);
}

static void test_rdkafka_keys_override(void **state) {
    (void)state;
    char err[512], v[64];
    lg_config *c = lg_config_new();
    assert_int_equal(lg_config_load_string(c, "t.conf",
                                           "rdkafka.queued.max.messages.kbytes = 4096\n"
                                           "rdkafka.fetch.max.bytes = 4194304\n",
                                           err, sizeof err),
                     0);
    rd_kafka_conf_t *conf = lg_kafka_consumer_conf(c, "k1:9092", true, err, sizeof err);
    assert_non_null(conf);
    assert_string_equal(get(conf, "queued.max.messages.kbytes", v, sizeof v), "4096");
    assert_string_equal(get(conf, "fetch.max.bytes", v, sizeof v), "4194304");
    rd_kafka_conf_destroy(conf);
    lg_config_destroy(c);
}

static void test_bad_rdkafka_key(void **state) {
    (void)state;
    char err[512] = "";
    lg_config *c = lg_config_new();
    assert_int_equal(
        lg_config_load_string(c, "t.conf", "rdkafka.no.such.property = 1\n", err, sizeof err), 0);
    assert_null(lg_kafka_consumer_conf(c, "k1:9092", false, err, sizeof err));
    assert_non_null(strstr(err, "no.such.property"));
    lg_config_destroy(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_consumer_defaults),
        cmocka_unit_test(test_rdkafka_keys_override),
        cmocka_unit_test(test_bad_rdkafka_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
