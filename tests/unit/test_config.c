/* tests/unit/test_config.c - the configuration table: parsing, defaults,
 * bounds, unknown keys, rdkafka passthrough, env overrides, generated docs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "processor/config.h"
#include "tests/testutil.h"

#include <stdlib.h>
#include <string.h>

static void test_defaults(void **state) {
    (void)state;
    lg_config *c = lg_config_new();
    assert_non_null(c);
    assert_string_equal(c->kafka_brokers, "");
    assert_string_equal(c->kafka_group_id, "lineaged");
    assert_string_equal(c->topics_cloudtrail, "cloudtrail");
    assert_string_equal(c->topics_derived, "lineage.derived");
    assert_string_equal(c->topics_deadletter, "lineage.deadletter");
    assert_string_equal(c->output_format, "avro");
    assert_int_equal(c->batch_max_messages, 10000);
    assert_int_equal(c->batch_max_ms, 100);
    assert_string_equal(c->processing_guarantee, "exactly_once");
    assert_string_equal(c->topics_facts, "lineage.facts");
    assert_string_equal(c->topics_changelog, "lineage.changelog");
    assert_int_equal(c->facts_partitions, 1);
    assert_int_equal(c->topics_replication_factor, -1);
    assert_true(c->topics_create);
    assert_int_equal(c->transaction_timeout_ms, 10000);
    assert_int_equal(c->sink_flush_timeout_ms, 30000);
    assert_int_equal(c->input_max_bytes, 16 * 1024 * 1024);
    assert_int_equal(c->cache_mb, 32);
    assert_int_equal(c->cache_nodes, 50000);
    assert_int_equal(c->dedupe_retention_ms, 30LL * 86400000);
    assert_true(c->log_timestamps);
    assert_int_equal(c->sources_enabled.n, 4);
    assert_string_equal(c->sources_enabled.v[3], "bedrock");
    assert_int_equal(c->rdkafka_keys.n, 0);
    lg_config_destroy(c);
    lg_config_destroy(NULL);
}

static void test_parse(void **state) {
    (void)state;
    char err[512];
    lg_config *c = lg_config_new();
    const char *text = "# a comment\n"
                       "\n"
                       "  state.dir = /var/lib/lineaged  \n"
                       "kafka.brokers=k1:9092,k2:9092\r\n"
                       "output.format = json\n"
                       "batch.max.messages = 500\n"
                       "batch.max.ms = 2s\n"
                       "dedupe.retention = 7d\n"
                       "input.max.bytes = 4K\n"
                       "log.timestamps = off\n"
                       "sources.enabled = okta, github\n"
                       "rdkafka.security.protocol = SASL_SSL\n"
                       "rdkafka.sasl.mechanism = PLAIN\n"
                       "rdkafka.security.protocol = SSL\n";
    assert_int_equal(lg_config_load_string(c, "t.conf", text, err, sizeof(err)), 0);
    assert_string_equal(c->state_dir, "/var/lib/lineaged");
    assert_string_equal(c->kafka_brokers, "k1:9092,k2:9092");
    assert_string_equal(c->output_format, "json");
    assert_int_equal(c->batch_max_messages, 500);
    assert_int_equal(c->batch_max_ms, 2000);
    assert_int_equal(c->dedupe_retention_ms, 7LL * 86400000);
    assert_int_equal(c->input_max_bytes, 4096);
    assert_false(c->log_timestamps);
    assert_int_equal(c->sources_enabled.n, 2);
    assert_string_equal(c->sources_enabled.v[0], "okta");
    assert_string_equal(c->sources_enabled.v[1], "github");
    /* passthrough, in order, prefix removed, last value wins */
    assert_int_equal(c->rdkafka_keys.n, 2);
    assert_string_equal(c->rdkafka_keys.v[0], "security.protocol");
    assert_string_equal(c->rdkafka_vals.v[0], "SSL");
    assert_string_equal(c->rdkafka_keys.v[1], "sasl.mechanism");
    assert_string_equal(c->rdkafka_vals.v[1], "PLAIN");
    lg_config_destroy(c);
}

static void expect_error(const char *text, const char *want) {
    char err[512] = "";
    lg_config *c = lg_config_new();
    assert_int_equal(lg_config_load_string(c, "bad.conf", text, err, sizeof(err)), -1);
    if (!strstr(err, want))
        fail_msg("error \"%s\" does not contain \"%s\"", err, want);
    lg_config_destroy(c);
}

static void test_errors(void **state) {
    (void)state;
    expect_error("# ok\nno.such.key = 1\n",
                 "bad.conf:2: unknown configuration key \"no.such.key\"");
    expect_error("\n\nbatch.max.messages = 0\n",
                 "bad.conf:3: batch.max.messages: value 0 out of range");
    expect_error("batch.max.messages = 99999999999\n", "bad.conf:1: batch.max.messages");
    expect_error("batch.max.messages = 12x\n", "bad.conf:1: batch.max.messages: invalid int");
    expect_error("batch.max.ms = 5 fortnights\n", "bad.conf:1: batch.max.ms: invalid duration");
    expect_error("output.format = xml\n", "bad.conf:1: output.format: invalid value \"xml\"");
    expect_error("log.timestamps = maybe\n", "bad.conf:1: log.timestamps: invalid bool");
    expect_error("sources.enabled = okta,syslog\n", "invalid item \"syslog\"");
    expect_error("state.dir\n", "bad.conf:1: expected \"key = value\"");
    expect_error("rdkafka. = x\n", "bad.conf:1:");
    /* librdkafka properties lineaged sets itself, with what to use instead */
    expect_error("rdkafka.security.protocol = SSL\nrdkafka.transactional.id = t\n",
                 "bad.conf:2: rdkafka.transactional.id: lineaged sets this librdkafka property "
                 "itself; instance.id sets it");
    expect_error("rdkafka.group.id = g\n", "bad.conf:1: rdkafka.group.id: lineaged sets this "
                                           "librdkafka property itself; use kafka.group.id");
    expect_error("rdkafka.enable.auto.commit = true\n", "rdkafka.enable.auto.commit");
}

static void test_file_and_env(void **state) {
    (void)state;
    char err[512];
    char *dir = tu_tmpdir("lgconf");
    char path[1024];
    snprintf(path, sizeof(path), "%s/x.conf", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("kafka.group.id = g1\ncache.mb = 128\n", f);
    fclose(f);
    lg_config *c = lg_config_new();
    assert_int_equal(lg_config_load_file(c, path, err, sizeof(err)), 0);
    assert_string_equal(c->kafka_group_id, "g1");
    assert_int_equal(c->cache_mb, 128);

    setenv("LINEAGED_KAFKA_GROUP_ID", "g2", 1);
    setenv("LINEAGED_BATCH_MAX_MS", "250ms", 1);
    assert_int_equal(lg_config_load_env(c, err, sizeof(err)), 0);
    assert_string_equal(c->kafka_group_id, "g2");
    assert_int_equal(c->batch_max_ms, 250);
    setenv("LINEAGED_CACHE_MB", "0", 1);
    assert_int_equal(lg_config_load_env(c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "LINEAGED_CACHE_MB"));
    unsetenv("LINEAGED_KAFKA_GROUP_ID");
    unsetenv("LINEAGED_BATCH_MAX_MS");
    unsetenv("LINEAGED_CACHE_MB");

    snprintf(path, sizeof(path), "%s/missing.conf", dir);
    assert_int_equal(lg_config_load_file(c, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "missing.conf"));
    lg_config_destroy(c);
    tu_rmtree(dir);
    free(dir);
}

/* The example file must parse and give the defaults back. */
static void test_example_roundtrip(void **state) {
    (void)state;
    char err[512];
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_int_equal(lg_config_describe(m, LG_CONFIG_DOC_EXAMPLE), 0);
    fclose(m);
    lg_config *c = lg_config_new();
    assert_int_equal(lg_config_load_string(c, "example", buf, err, sizeof(err)), 0);
    lg_config *d = lg_config_new();
    char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    FILE *fa = open_memstream(&a, &alen);
    FILE *fb = open_memstream(&b, &blen);
    lg_config_dump(c, fa);
    lg_config_dump(d, fb);
    fclose(fa);
    fclose(fb);
    assert_string_equal(a, b);
    free(a);
    free(b);
    free(buf);
    lg_config_destroy(c);
    lg_config_destroy(d);
}

static void check_generated(lg_config_doc style, const char *rel) {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_int_equal(lg_config_describe(m, style), 0);
    fclose(m);
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", LG_SOURCE_DIR, rel);
    size_t flen = 0;
    char *file = tu_read_file(path, &flen);
    if (!file)
        fail_msg("%s is missing: regenerate it with lineaged config", rel);
    if (flen != len || memcmp(file, buf, len) != 0)
        fail_msg("%s is out of date: regenerate it with `lineaged config %s > %s`", rel,
                 style == LG_CONFIG_DOC_MARKDOWN ? "--markdown" : "--example", rel);
    free(file);
    free(buf);
}

static void test_docs_in_sync(void **state) {
    (void)state;
    check_generated(LG_CONFIG_DOC_MARKDOWN, "docs/configuration.md");
    check_generated(LG_CONFIG_DOC_EXAMPLE, "deploy/lineaged.conf");
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_pairs(void **state) {
    (void)state;
    char err[512], path[1024];
    char *dir = tu_tmpdir("lgpairs");
    snprintf(path, sizeof(path), "%s/owners.csv", dir);
    write_file(path, "# identity-id,owner-email\n"
                     "AKIAEXAMPLE0000001, Alice@Example.COM\n"
                     "\n"
                     "\"arn:aws:iam::1:user/bot\",\"bob@example.com\"\r\n");
    lg_pairs p;
    assert_int_equal(lg_pairs_load(&p, path, err, sizeof(err)), 0);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.v[0].id, "AKIAEXAMPLE0000001");
    assert_string_equal(p.v[0].email, "alice@example.com");
    assert_string_equal(p.v[1].id, "arn:aws:iam::1:user/bot");
    assert_string_equal(p.v[1].email, "bob@example.com");
    lg_pairs_free(&p);

    write_file(path, "octocat,octo@example.com\njust-a-login\n");
    assert_int_equal(lg_pairs_load(&p, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "owners.csv:2: expected \"id,email\""));
    lg_pairs_free(&p);

    assert_int_equal(lg_pairs_load(&p, "", err, sizeof(err)), 0);
    assert_int_equal(p.n, 0);
    lg_pairs_free(&p);
    lg_pairs_free(NULL);

    /* engine options take the configured files */
    lg_config *c = lg_config_new();
    write_file(path, "octocat,octo@example.com\n");
    assert_int_equal(lg_config_set(c, "aliases.file", path, err, sizeof(err)), 0);
    lg_engine_opts eo = {0};
    lg_pairs owners, aliases;
    assert_int_equal(lg_config_engine_opts(c, &eo, &owners, &aliases, err, sizeof(err)), 0);
    assert_int_equal(eo.naliases, 1);
    assert_string_equal(eo.aliases[0].id, "octocat");
    assert_int_equal(eo.nowners, 0);
    assert_int_equal(eo.cache_mb, 32);
    assert_int_equal(eo.cache_nodes, 50000);
    assert_int_equal(eo.sink_flush_timeout_ms, 30000);
    lg_pairs_free(&owners);
    lg_pairs_free(&aliases);
    lg_config_destroy(c);
    tu_rmtree(dir);
    free(dir);
}

static void test_log_levels(void **state) {
    (void)state;
    assert_int_equal(lg_log_level_from_name("debug"), LG_LOG_DEBUG);
    assert_int_equal(lg_log_level_from_name("error"), LG_LOG_ERROR);
    assert_int_equal(lg_log_level_from_name("loud"), -1);
    lg_log_set_level(LG_LOG_WARN);
    assert_false(lg_log_enabled(LG_LOG_INFO));
    assert_true(lg_log_enabled(LG_LOG_ERROR));
    lg_log_set_level(LG_LOG_INFO);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_file_and_env),
        cmocka_unit_test(test_example_roundtrip),
        cmocka_unit_test(test_docs_in_sync),
        cmocka_unit_test(test_pairs),
        cmocka_unit_test(test_log_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
