/*
 * tests/unit/test_metrics.c - the Prometheus registry (processor/metrics.h):
 * counters, gauges and histograms with labels, the text exposition format
 * (HELP/TYPE lines, label escaping, cumulative buckets), gauges computed at
 * render time, the daemon's standard families and concurrent updates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include "processor/metrics.h"
#include "sinks/derived.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static char *render(lg_metrics *m) {
    lg_strbuf b = LG_STRBUF_INIT;
    assert_int_equal(lg_metrics_render(m, &b), 0);
    return b.data ? b.data : strdup("");
}

static void test_counters_and_gauges(void **state) {
    (void)state;
    lg_metrics *m = lg_metrics_new();
    lg_metric *c =
        lg_metrics_family(m, LG_METRIC_COUNTER, "lg_in_total", "Messages in.", "source", NULL, 0);
    lg_metric *g =
        lg_metrics_family(m, LG_METRIC_GAUGE, "lg_lag", "Lag.", "topic,partition", NULL, 0);
    lg_metric *plain =
        lg_metrics_family(m, LG_METRIC_COUNTER, "lg_batches_total", "Batches.", NULL, NULL, 0);
    assert_non_null(c);
    assert_non_null(g);
    assert_non_null(plain);
    /* the same name again is the same family; another type is refused */
    assert_ptr_equal(lg_metrics_family(m, LG_METRIC_COUNTER, "lg_in_total", "x", "source", NULL, 0),
                     c);
    assert_null(lg_metrics_family(m, LG_METRIC_GAUGE, "lg_in_total", "x", NULL, NULL, 0));
    assert_null(lg_metrics_family(m, LG_METRIC_GAUGE, "bad name", "x", NULL, NULL, 0));
    assert_null(lg_metrics_family(m, LG_METRIC_GAUGE, "lg_x", "x", "a,b,c,d,e", NULL, 0));
    lg_metric_add1(c, "cloudtrail", 2);
    lg_metric_add1(c, "cloudtrail", 3);
    lg_metric_add1(c, "okta", 1);
    lg_metric_add1(c, "okta", -5); /* counters never go down */
    assert_true(lg_metric_value(c, (const char *const[]){"cloudtrail"}) == 5);
    lg_metric_set(g, (const char *const[]){"cloudtrail", "0"}, 42);
    lg_metric_set(g, (const char *const[]){"cloudtrail", "0"}, 7);
    lg_metric_add(g, (const char *const[]){"okta", "1"}, -3); /* gauges may */
    lg_metric_add1(NULL, "x", 1);                             /* no registry: no-op */
    char *t = render(m);
    assert_non_null(strstr(t, "# HELP lg_in_total Messages in.\n# TYPE lg_in_total counter\n"
                              "lg_in_total{source=\"cloudtrail\"} 5\n"
                              "lg_in_total{source=\"okta\"} 1\n"));
    assert_non_null(strstr(t, "lg_lag{topic=\"cloudtrail\",partition=\"0\"} 7\n"));
    assert_non_null(strstr(t, "lg_lag{topic=\"okta\",partition=\"1\"} -3\n"));
    /* a family without labels shows its zero before anything happened */
    assert_non_null(strstr(t, "# TYPE lg_batches_total counter\nlg_batches_total 0\n"));
    free(t);
    lg_metrics_destroy(m);
    lg_metrics_destroy(NULL);
}

static void test_escaping(void **state) {
    (void)state;
    lg_metrics *m = lg_metrics_new();
    lg_metric *c = lg_metrics_family(m, LG_METRIC_COUNTER, "lg_err_total",
                                     "Errors \\ with\nnewlines.", "kind", NULL, 0);
    lg_metric_add1(c, "a \"quoted\" \\ value\nline", 1);
    lg_metric_set(c, (const char *const[]){"x"}, 0.25);
    char *t = render(m);
    assert_non_null(strstr(t, "# HELP lg_err_total Errors \\\\ with\\nnewlines.\n"));
    assert_non_null(strstr(t, "lg_err_total{kind=\"a \\\"quoted\\\" \\\\ value\\nline\"} 1\n"));
    assert_non_null(strstr(t, "lg_err_total{kind=\"x\"} 0.25\n"));
    free(t);
    lg_metrics_destroy(m);
}

static void test_histogram(void **state) {
    (void)state;
    static const double b[] = {0.01, 0.1, 1};
    lg_metrics *m = lg_metrics_new();
    lg_metric *h =
        lg_metrics_family(m, LG_METRIC_HISTOGRAM, "lg_commit_seconds", "Commit.", NULL, b, 3);
    assert_non_null(h);
    static const double bad[] = {1, 0.5};
    assert_null(lg_metrics_family(m, LG_METRIC_HISTOGRAM, "lg_bad", "x", NULL, bad, 2));
    lg_metric_observe(h, NULL, 0.005);
    lg_metric_observe(h, NULL, 0.05);
    lg_metric_observe(h, NULL, 0.1); /* le is inclusive */
    lg_metric_observe(h, NULL, 3);
    char *t = render(m);
    assert_non_null(strstr(t, "# TYPE lg_commit_seconds histogram\n"
                              "lg_commit_seconds_bucket{le=\"0.01\"} 1\n"
                              "lg_commit_seconds_bucket{le=\"0.1\"} 3\n"
                              "lg_commit_seconds_bucket{le=\"1\"} 3\n"
                              "lg_commit_seconds_bucket{le=\"+Inf\"} 4\n"
                              "lg_commit_seconds_sum 3.1549999999999998\n"
                              "lg_commit_seconds_count 4\n"));
    free(t);
    lg_metrics_destroy(m);
}

/* Observations in bulk land in the same buckets as one at a time, in the
 * series of their labels; an empty bulk and a non-histogram do nothing. */
static void test_histogram_bulk(void **state) {
    (void)state;
    static const double b[] = {0.01, 0.1, 1};
    lg_metrics *m = lg_metrics_new();
    lg_metric *h =
        lg_metrics_family(m, LG_METRIC_HISTOGRAM, "lg_phase_seconds", "Phases.", "stage", b, 3);
    lg_metric *c = lg_metrics_family(m, LG_METRIC_COUNTER, "lg_n_total", "N.", NULL, NULL, 0);
    static const double v[] = {0.005, 0.05, 0.1, 3, 0.5};
    lg_metric_observe_n(h, (const char *const[]){"graph"}, v, 5);
    lg_metric_observe_n(h, (const char *const[]){"parse"}, v, 1);
    lg_metric_observe_n(h, (const char *const[]){"parse"}, v, 0);
    lg_metric_observe_n(c, NULL, v, 5);
    lg_metric_observe_n(NULL, NULL, v, 5);
    char *t = render(m);
    assert_non_null(strstr(t, "lg_phase_seconds_bucket{stage=\"graph\",le=\"0.01\"} 1\n"
                              "lg_phase_seconds_bucket{stage=\"graph\",le=\"0.1\"} 3\n"
                              "lg_phase_seconds_bucket{stage=\"graph\",le=\"1\"} 4\n"
                              "lg_phase_seconds_bucket{stage=\"graph\",le=\"+Inf\"} 5\n"));
    assert_non_null(strstr(t, "lg_phase_seconds_count{stage=\"graph\"} 5\n"));
    assert_non_null(strstr(t, "lg_phase_seconds_count{stage=\"parse\"} 1\n"));
    assert_non_null(strstr(t, "lg_n_total 0\n"));
    free(t);
    /* a histogram without labels shows its zeros before anything happened */
    lg_metric *e = lg_metrics_family(m, LG_METRIC_HISTOGRAM, "lg_e2e_seconds", "E2E.", NULL, b, 3);
    assert_non_null(e);
    t = render(m);
    assert_non_null(strstr(t, "# TYPE lg_e2e_seconds histogram\n"
                              "lg_e2e_seconds_bucket{le=\"0.01\"} 0\n"
                              "lg_e2e_seconds_bucket{le=\"0.1\"} 0\n"
                              "lg_e2e_seconds_bucket{le=\"1\"} 0\n"
                              "lg_e2e_seconds_bucket{le=\"+Inf\"} 0\n"
                              "lg_e2e_seconds_sum 0\n"
                              "lg_e2e_seconds_count 0\n"));
    free(t);
    lg_metrics_destroy(m);
}

static double fortytwo(void *opaque) {
    return *(double *)opaque;
}

static void test_gauge_fn(void **state) {
    (void)state;
    lg_metrics *m = lg_metrics_new();
    double v = 42;
    assert_int_equal(lg_metrics_gauge_fn(m, "lg_state_bytes", "State size.", fortytwo, &v), 0);
    assert_int_equal(lg_metrics_gauge_fn(m, "lg_state_bytes", "again", fortytwo, &v), -1);
    char *t = render(m);
    assert_non_null(strstr(t, "# TYPE lg_state_bytes gauge\nlg_state_bytes 42\n"));
    free(t);
    v = 43;
    t = render(m);
    assert_non_null(strstr(t, "lg_state_bytes 43\n"));
    free(t);
    lg_metrics_destroy(m);
}

static void test_std(void **state) {
    (void)state;
    lg_metrics *m = lg_metrics_new();
    lg_metrics_std s;
    assert_int_equal(lg_metrics_std_init(m, &s), 0);
    lg_engine_stats st;
    memset(&st, 0, sizeof st);
    st.records[LG_SRC_CLOUDTRAIL] = 14;
    st.records[LG_SRC_OKTA] = 7;
    st.duplicates = 1;
    st.dedupe_expired = 4;
    st.deadlettered = 1;
    st.batches = 5;
    st.derived[LG_DERIVED_ORPHAN_NEW] = 6;
    lg_metrics_std_update(&s, &st);
    lg_metric_add1(s.input_messages, "cloudtrail", 15);
    lg_metric_set(s.consumer_lag, (const char *const[]){"cloudtrail", "0"}, 12);
    lg_metric_observe(s.commit_latency, NULL, 0.02);
    lg_metric_observe(s.commit_phase, (const char *const[]){"graph", "txn"}, 0.004);
    lg_metric_observe_n(s.e2e_latency, NULL, (const double[]){0.02, 0.2}, 2);
    lg_metric_add1(s.errors, "kafka", 1);
    char *t = render(m);
    assert_non_null(strstr(t, "lineaged_records_total{source=\"cloudtrail\"} 14\n"));
    assert_non_null(strstr(t, "lineaged_records_total{source=\"okta\"} 7\n"));
    assert_non_null(strstr(t, "lineaged_duplicates_total 1\n"));
    assert_non_null(strstr(t, "lineaged_dedupe_expired_total 4\n"));
    assert_non_null(strstr(t, "lineaged_deadlettered_total 1\n"));
    assert_non_null(strstr(t, "lineaged_batches_total 5\n"));
    assert_non_null(strstr(t, "lineaged_derived_events_total{type=\"orphan.new\"} 6\n"));
    assert_non_null(
        strstr(t, "lineaged_derived_events_total{type=\"agent.departed_principal\"} 0\n"));
    assert_non_null(strstr(t, "lineaged_input_messages_total{source=\"cloudtrail\"} 15\n"));
    assert_non_null(
        strstr(t, "lineaged_consumer_lag_messages{topic=\"cloudtrail\",partition=\"0\"} 12\n"));
    assert_non_null(strstr(t, "lineaged_commit_latency_seconds_count 1\n"));
    assert_non_null(
        strstr(t, "lineaged_commit_phase_seconds_count{stage=\"graph\",phase=\"txn\"} 1\n"));
    assert_non_null(strstr(t, "lineaged_end_to_end_latency_seconds_bucket{le=\"0.025\"} 1\n"));
    assert_non_null(strstr(t, "lineaged_end_to_end_latency_seconds_count 2\n"));
    assert_non_null(strstr(t, "lineaged_errors_total{kind=\"kafka\"} 1\n"));
    free(t);
    lg_metrics_destroy(m);
}

/* ---- updates from several threads while rendering ---- */

typedef struct worker {
    lg_metric *c;
    const char *label;
} worker;

static void *hammer(void *arg) {
    worker *w = arg;
    for (int i = 0; i < 20000; i++)
        lg_metric_add1(w->c, w->label, 1);
    return NULL;
}

static void test_threads(void **state) {
    (void)state;
    lg_metrics *m = lg_metrics_new();
    lg_metric *c = lg_metrics_family(m, LG_METRIC_COUNTER, "lg_n_total", "n", "t", NULL, 0);
    pthread_t th[4];
    worker w[4] = {{c, "a"}, {c, "b"}, {c, "a"}, {c, "b"}};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, hammer, &w[i]), 0);
    for (int i = 0; i < 20; i++)
        free(render(m));
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_true(lg_metric_value(c, (const char *const[]){"a"}) == 40000);
    assert_true(lg_metric_value(c, (const char *const[]){"b"}) == 40000);
    lg_metrics_destroy(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters_and_gauges),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_histogram_bulk),
        cmocka_unit_test(test_gauge_fn),
        cmocka_unit_test(test_std),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
