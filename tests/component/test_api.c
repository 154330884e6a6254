/*
 * tests/component/test_api.c - the HTTP API (processor/api/api.h) over real
 * HTTP on loopback, with libcurl as the client: every endpoint on the demo
 * company's state, point-in-time answers, errors, the bearer token (401
 * without it; refusing to start off loopback without one), the live feed
 * (JSON and Server-Sent Events) and catching up with a writer beside it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include "processor/api/api.h"
#include "processor/json/json.h"
#include "state/graph.h"
#include "tests/tools/demo_state.h"
#include "tests/tools/derived_fixture.h"
#include "testutil.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOB "bob@acme.example"

static char *demo_dir;
static char *events_path;

/* ---- a small HTTP client ---- */

typedef struct resp {
    long code;
    lg_strbuf body;
    lg_strbuf headers;
    /* streaming: stop after this many "event: derived" lines (0 = never) */
    int stop_after;
    int seen;
} resp;

static size_t on_body(char *p, size_t size, size_t n, void *opaque) {
    resp *r = opaque;
    lg_strbuf_append(&r->body, p, size * n);
    if (r->stop_after) {
        r->seen = 0;
        for (const char *s = r->body.data; (s = strstr(s, "event: derived\n")) != NULL; s++)
            r->seen++;
        if (r->seen >= r->stop_after)
            return 0; /* enough: abort the transfer */
    }
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *opaque) {
    resp *r = opaque;
    lg_strbuf_append(&r->headers, p, size * n);
    return size * n;
}

/* GET http://127.0.0.1:port/path with an optional Authorization token or
 * extra header. */
static void http(int port, const char *path, const char *token, const char *method, resp *r) {
    memset(r, 0, sizeof *r);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    char url[2048], auth[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    struct curl_slist *h = NULL;
    if (token) {
        snprintf(auth, sizeof auth, "%s", token);
        h = curl_slist_append(h, auth);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    if (method)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK && !(r->stop_after && rc == CURLE_WRITE_ERROR))
        fail_msg("GET %s: %s", path, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->code);
    lg_strbuf_putc(&r->body, '\0');
    r->body.len--;
    lg_strbuf_putc(&r->headers, '\0');
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

static void resp_free(resp *r) {
    lg_strbuf_free(&r->body);
    lg_strbuf_free(&r->headers);
}

/* GET that must answer code; returns the body's JSON root in *p's document
 * (when json). */
static lg_json_val get_json(int port, const char *path, long code, lg_json_parser *p, resp *r) {
    http(port, path, NULL, NULL, r);
    if (r->code != code)
        fail_msg("GET %s: %ld, want %ld: %s", path, r->code, code, r->body.data);
    assert_non_null(strstr(r->headers.data, "application/json"));
    lg_json_val root;
    char err[256];
    if (lg_json_parse(p, r->body.data, r->body.len, &root, err, sizeof err) != 0)
        fail_msg("GET %s: not JSON (%s): %s", path, err, r->body.data);
    return root;
}

static bool str_is(lg_json_val v, const char *want) {
    const char *s;
    size_t n;
    return lg_json_str(v, &s, &n) && n == strlen(want) && memcmp(s, want, n) == 0;
}

/* ---- fixtures ---- */

static int group_setup(void **state) {
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    demo_dir = tu_tmpdir("lg-api-demo");
    if (!demo_dir)
        return -1;
    events_path = malloc(strlen(demo_dir) + 32);
    sprintf(events_path, "%s/derived.jsonl", demo_dir);
    return demo_state_build(demo_dir, events_path);
}

static int group_teardown(void **state) {
    (void)state;
    tu_rmtree(demo_dir);
    free(demo_dir);
    free(events_path);
    curl_global_cleanup();
    return 0;
}

static lg_api *start(const char *token, const char *events) {
    char err[512];
    lg_api_opts o = {.listen = "127.0.0.1:0",
                     .token = token,
                     .state_dir = demo_dir,
                     .refresh_ms = 50,
                     .events_file = events};
    lg_api *a = lg_api_start(&o, err, sizeof err);
    if (!a)
        fail_msg("lg_api_start: %s", err);
    assert_true(lg_api_port(a) > 0);
    return a;
}

/* ---- tests ---- */

static void test_queries(void **state) {
    (void)state;
    lg_api *a = start(NULL, NULL);
    int port = lg_api_port(a);
    lg_json_parser *p = lg_json_parser_new();
    resp r;
    lg_json_val v;

    v = get_json(port, "/healthz", 200, p, &r);
    assert_true(str_is(lg_json_get(v, "status"), "ok"));
    resp_free(&r);
    get_json(port, "/readyz", 200, p, &r);
    resp_free(&r);

    /* who owns this key? by its id, and by the user's ARN with a path */
    v = get_json(port, "/api/owner?id=AKIAYACMEREPORTBOT01", 200, p, &r);
    assert_true(str_is(lg_json_path(v, "owner/id"), BOB));
    assert_true(str_is(lg_json_path(v, "owner/status"), "departed"));
    assert_true(str_is(lg_json_get(v, "confidence"), "medium"));
    assert_int_equal(lg_json_size(lg_json_path(v, "subject/chain")), 3);
    resp_free(&r);
    v = get_json(port, "/api/owner?id=arn:aws:iam::111122223333:user/team/ci-deployer", 200, p, &r);
    assert_true(
        str_is(lg_json_path(v, "subject/id"), "arn:aws:iam::111122223333:user/ci-deployer"));
    assert_true(str_is(lg_json_get(v, "confidence"), "high"));
    resp_free(&r);

    /* what does bob own; what do we do now that he left */
    v = get_json(port, "/api/owns?person=" BOB, 200, p, &r);
    assert_true(str_is(lg_json_path(v, "person/status"), "departed"));
    int64_t count = 0;
    assert_true(lg_json_int(lg_json_get(v, "count"), &count));
    assert_true(count >= 7);
    resp_free(&r);
    v = get_json(port, "/api/offboard?person=bob&as_of=2025-03-21T12:00:00Z", 200, p, &r);
    assert_non_null(strstr(r.body.data, "\"action\":\"reassign\""));
    assert_non_null(strstr(r.body.data, "\"action\":\"deprovision\""));
    resp_free(&r);

    /* point in time: before bob created anything he owned nothing on AWS */
    v = get_json(port, "/api/owns?person=" BOB "&as_of=2025-03-03", 200, p, &r);
    assert_null(strstr(r.body.data, "ci-deployer"));
    resp_free(&r);

    v = get_json(port, "/api/orphans", 200, p, &r);
    assert_int_equal(lg_json_size(lg_json_get(v, "orphans")), 6);
    assert_int_equal(lg_json_size(lg_json_get(v, "privileged_ownerless")), 1);
    resp_free(&r);
    v = get_json(port, "/api/review", 200, p, &r);
    assert_true(lg_json_size(lg_json_get(v, "owners")) >= 2);
    resp_free(&r);
    http(port, "/api/review?format=csv", NULL, NULL, &r);
    assert_int_equal(r.code, 200);
    assert_non_null(strstr(r.headers.data, "text/csv"));
    assert_true(strncmp(r.body.data, "owner,owner_status,identity_id,", 31) == 0);
    resp_free(&r);

    v = get_json(port, "/api/search?q=report", 200, p, &r);
    assert_true(lg_json_size(lg_json_get(v, "results")) >= 2);
    resp_free(&r);
    v = get_json(port, "/api/node?id=QRTRPT0001", 200, p, &r);
    assert_true(lg_json_size(lg_json_get(v, "evidence")) >= 2);
    resp_free(&r);
    v = get_json(port, "/api/graph?id=" BOB "&depth=8", 200, p, &r);
    assert_true(lg_json_size(lg_json_get(v, "nodes")) >= 8);
    assert_true(lg_json_size(lg_json_get(v, "edges")) >= 7);
    resp_free(&r);

    /* errors */
    get_json(port, "/api/owner?id=AKIANOSUCHKEY0000000", 404, p, &r);
    resp_free(&r);
    get_json(port, "/api/owner", 400, p, &r);
    resp_free(&r);
    get_json(port, "/api/owns?person=" BOB "&as_of=last-tuesday", 400, p, &r);
    resp_free(&r);
    get_json(port, "/api/review?format=xml", 400, p, &r);
    resp_free(&r);
    get_json(port, "/api/graph?id=" BOB "&depth=99", 400, p, &r);
    resp_free(&r);
    get_json(port, "/api/nothing", 404, p, &r);
    resp_free(&r);
    http(port, "/api/orphans", NULL, "POST", &r);
    assert_int_equal(r.code, 405);
    resp_free(&r);

    /* the map and its headers */
    http(port, "/", NULL, NULL, &r);
    assert_int_equal(r.code, 200);
    assert_non_null(strstr(r.headers.data, "text/html"));
    assert_non_null(strstr(r.headers.data, "Content-Security-Policy: default-src 'none'"));
    assert_non_null(strstr(r.body.data, "map.js"));
    resp_free(&r);
    http(port, "/map.js", NULL, NULL, &r);
    assert_int_equal(r.code, 200);
    resp_free(&r);

    /* metrics count what was asked */
    http(port, "/metrics", NULL, NULL, &r);
    assert_int_equal(r.code, 200);
    assert_non_null(
        strstr(r.body.data, "lineaged_http_requests_total{route=\"/api/owner\",code=\"200\"} 2"));
    assert_non_null(strstr(r.body.data, "# TYPE lineaged_state_size_bytes gauge"));
    assert_non_null(strstr(r.body.data, "lineaged_api_query_seconds_count{query=\"owner\"}"));
    resp_free(&r);

    lg_json_parser_destroy(p);
    lg_api_stop(a);
}

static void test_auth(void **state) {
    (void)state;
    lg_api *a = start("s3cret-token", NULL);
    int port = lg_api_port(a);
    resp r;
    http(port, "/api/orphans", NULL, NULL, &r);
    assert_int_equal(r.code, 401);
    assert_non_null(strstr(r.headers.data, "WWW-Authenticate: Bearer"));
    resp_free(&r);
    http(port, "/api/orphans", "Authorization: Bearer wrong", NULL, &r);
    assert_int_equal(r.code, 401);
    resp_free(&r);
    http(port, "/api/orphans", "Authorization: Bearer s3cret-token-and-more", NULL, &r);
    assert_int_equal(r.code, 401);
    resp_free(&r);
    http(port, "/metrics", NULL, NULL, &r);
    assert_int_equal(r.code, 401);
    resp_free(&r);
    http(port, "/api/events/stream", NULL, NULL, &r);
    assert_int_equal(r.code, 401);
    resp_free(&r);
    http(port, "/api/orphans", "Authorization: Bearer s3cret-token", NULL, &r);
    assert_int_equal(r.code, 200);
    resp_free(&r);
    http(port, "/api/orphans", "Authorization: bearer  s3cret-token", NULL, &r);
    assert_int_equal(r.code, 200);
    resp_free(&r);
    /* probes and the map's static page need no token (they hold no data) */
    http(port, "/healthz", NULL, NULL, &r);
    assert_int_equal(r.code, 200);
    resp_free(&r);
    http(port, "/", NULL, NULL, &r);
    assert_int_equal(r.code, 200);
    resp_free(&r);
    lg_api_stop(a);
}

static void test_refuses_off_loopback(void **state) {
    (void)state;
    char err[512] = "";
    /* refused before anything is bound */
    lg_api_opts o = {.listen = "0.0.0.0:0", .state_dir = demo_dir};
    assert_null(lg_api_start(&o, err, sizeof err));
    assert_non_null(strstr(err, "api.token"));
    o.listen = "[::]:0";
    assert_null(lg_api_start(&o, err, sizeof err));
    assert_non_null(strstr(err, "not a loopback address"));
    o.listen = "127.0.0.1";
    assert_null(lg_api_start(&o, err, sizeof err));
    assert_non_null(strstr(err, "HOST:PORT"));
    o.listen = "";
    assert_null(lg_api_start(&o, err, sizeof err));
    assert_true(lg_api_is_loopback("127.0.0.1"));
    assert_true(lg_api_is_loopback("127.3.2.1"));
    assert_true(lg_api_is_loopback("::1"));
    assert_false(lg_api_is_loopback("0.0.0.0"));
    assert_false(lg_api_is_loopback("192.0.2.10"));
    assert_false(lg_api_is_loopback("::"));
}

static bool feed_has_nine(void *arg) {
    resp r;
    http(*(int *)arg, "/api/events", NULL, NULL, &r);
    bool ok = r.code == 200 && strstr(r.body.data, "{\"last\":9,") != NULL;
    resp_free(&r);
    return ok;
}

static void test_feed(void **state) {
    (void)state;
    lg_api *a = start(NULL, events_path); /* the replay's derived events */
    int port = lg_api_port(a);
    lg_json_parser *p = lg_json_parser_new();
    resp r;
    /* the follower reads the 9 events of the demo */
    assert_true(tu_poll(feed_has_nine, &port, 10000));
    lg_json_val v;
    v = get_json(port, "/api/events?since=7", 200, p, &r);
    assert_int_equal(lg_json_size(lg_json_get(v, "events")), 2);
    resp_free(&r);
    /* events published by the daemon's loop */
    lg_derived ev;
    df_sample(&ev, LG_DERIVED_ORPHAN_NEW);
    lg_api_publish(a, &ev);
    lg_sink *s = lg_api_feed_sink(a);
    df_sample(&ev, LG_DERIVED_PRIV_OWNERLESS);
    char err[128];
    assert_int_equal(lg_sink_emit(s, &ev, err, sizeof err), LG_SINK_OK);
    assert_int_equal(lg_sink_flush(s, 100, err, sizeof err), LG_SINK_OK);
    lg_sink_destroy(s);
    /* the stream replays from Last-Event-ID and ends when we have enough */
    memset(&r, 0, sizeof r);
    r.stop_after = 2;
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/events/stream", port);
    struct curl_slist *h = curl_slist_append(NULL, "Last-Event-ID: 9");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
    CURLcode rc = curl_easy_perform(c);
    assert_int_equal(rc, CURLE_WRITE_ERROR); /* we aborted after two events */
    lg_strbuf_putc(&r.body, '\0');
    lg_strbuf_putc(&r.headers, '\0');
    assert_non_null(strstr(r.headers.data, "text/event-stream"));
    assert_non_null(strstr(r.body.data, "id: 10\nevent: derived\ndata: {\"type\":\"orphan.new\""));
    assert_non_null(strstr(r.body.data,
                           "id: 11\nevent: derived\ndata: {\"type\":\"privileged_key.ownerless\""));
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    resp_free(&r);
    /* a stream left open does not keep the server from stopping */
    lg_json_parser_destroy(p);
    lg_api_stop(a);
}

/* ---- beside a writer: the secondary catches up ---- */

typedef struct poll_node {
    int port;
    const char *path;
} poll_node;

static bool node_visible(void *arg) {
    poll_node *pn = arg;
    resp r;
    http(pn->port, pn->path, NULL, NULL, &r);
    long code = r.code;
    resp_free(&r);
    return code == 200;
}

static void put_user(lg_graph *g, const char *arn, const char *evt) {
    char err[256];
    lg_record rec = {
        .source = LG_SRC_CLOUDTRAIL, .event_id = {evt, strlen(evt)}, .time_ms = 1740000000000LL};
    lg_fact f = {.type = LG_FACT_CREATED,
                 .kind = LG_NODE_IAM_USER,
                 .subject = {arn, strlen(arn)},
                 .object = {"zoe@x.example", 13}};
    assert_int_equal(lg_graph_apply(g, &rec, &f, err, sizeof err), 0);
    assert_int_equal(lg_graph_commit(g, NULL, NULL, 0, err, sizeof err), 0);
}

static void test_beside_writer(void **state) {
    (void)state;
    char err[512];
    char *dir = tu_tmpdir("lg-api-live");
    lg_graph *g = lg_graph_open(dir, NULL, err, sizeof err); /* the "daemon" */
    assert_non_null(g);
    put_user(g, "arn:aws:iam::123456789012:user/first", "e1");
    lg_api_opts o = {.listen = "127.0.0.1:0", .state_dir = dir, .refresh_ms = 20};
    lg_api *a = lg_api_start(&o, err, sizeof err);
    assert_non_null(a);
    poll_node pn = {lg_api_port(a), "/api/node?id=arn:aws:iam::123456789012:user/first"};
    assert_true(node_visible(&pn));
    pn.path = "/api/node?id=arn:aws:iam::123456789012:user/second";
    assert_false(node_visible(&pn));
    put_user(g, "arn:aws:iam::123456789012:user/second", "e2");
    assert_true(tu_poll(node_visible, &pn, 10000));
    pn.path = "/api/owner?id=arn:aws:iam::123456789012:user/second";
    assert_true(node_visible(&pn));
    lg_api_stop(a);
    lg_graph_close(g);
    tu_rmtree(dir);
    free(dir);
}

/* Started before the daemon has a state: 503 until the state appears. */
static void test_state_appears(void **state) {
    (void)state;
    char err[512];
    char *dir = tu_tmpdir("lg-api-later");
    lg_api_opts o = {.listen = "127.0.0.1:0", .state_dir = dir, .refresh_ms = 20};
    assert_null(lg_api_start(&o, err, sizeof err)); /* `serve` on a wrong directory */
    assert_non_null(strstr(err, "no lineage state"));
    o.wait_for_state = true; /* the daemon's, before its first partition */
    lg_api *a = lg_api_start(&o, err, sizeof err);
    if (!a)
        fail_msg("lg_api_start: %s", err);
    int port = lg_api_port(a);
    resp r;
    http(port, "/readyz", NULL, NULL, &r);
    assert_int_equal(r.code, 503);
    resp_free(&r);
    http(port, "/api/orphans", NULL, NULL, &r);
    assert_int_equal(r.code, 503);
    assert_non_null(strstr(r.body.data, "no lineage state yet"));
    resp_free(&r);
    /* the daemon is assigned partition 3 */
    char p3[1024];
    snprintf(p3, sizeof p3, "%s/p3", dir);
    lg_graph *g = lg_graph_open(p3, NULL, err, sizeof err);
    assert_non_null(g);
    put_user(g, "arn:aws:iam::123456789012:user/late", "l1");
    poll_node pn = {port, "/api/node?id=arn:aws:iam::123456789012:user/late"};
    assert_true(tu_poll(node_visible, &pn, 10000));
    http(port, "/readyz", NULL, NULL, &r);
    assert_int_equal(r.code, 200);
    resp_free(&r);
    lg_api_stop(a);
    lg_graph_close(g);
    tu_rmtree(dir);
    free(dir);
}

/* The daemon's call: from the configuration, disabled by an empty listen. */
static void test_from_config(void **state) {
    (void)state;
    char err[512];
    lg_config *c = lg_config_new();
    assert_non_null(c);
    assert_int_equal(lg_config_set(c, "api.listen", "", err, sizeof err), 0);
    assert_null(lg_api_start_config(c, demo_dir, NULL, err, sizeof err));
    assert_string_equal(err, ""); /* disabled, not an error */
    char tokfile[1100];
    snprintf(tokfile, sizeof tokfile, "%s/api.token", demo_dir);
    FILE *f = fopen(tokfile, "w");
    assert_non_null(f);
    fputs("from-a-file\n", f);
    fclose(f);
    assert_int_equal(lg_config_set(c, "api.listen", "127.0.0.1:0", err, sizeof err), 0);
    assert_int_equal(lg_config_set(c, "api.token.file", tokfile, err, sizeof err), 0);
    lg_metrics *m = lg_metrics_new();
    lg_metrics_std std;
    assert_int_equal(lg_metrics_std_init(m, &std), 0);
    lg_api *a = lg_api_start_config(c, demo_dir, m, err, sizeof err);
    if (!a)
        fail_msg("lg_api_start_config: %s", err);
    assert_ptr_equal(lg_api_metrics(a), m);
    lg_metric_add1(std.input_messages, "okta", 7);
    resp r;
    http(lg_api_port(a), "/metrics", "Authorization: Bearer from-a-file", NULL, &r);
    assert_int_equal(r.code, 200);
    assert_non_null(strstr(r.body.data, "lineaged_input_messages_total{source=\"okta\"} 7\n"));
    resp_free(&r);
    lg_api_set_ready(a, false);
    http(lg_api_port(a), "/readyz", NULL, NULL, &r);
    assert_int_equal(r.code, 503);
    resp_free(&r);
    lg_api_stop(a);
    lg_metrics_destroy(m);
    assert_int_equal(lg_config_set(c, "api.token.file", "/nonexistent/token", err, sizeof err), 0);
    assert_null(lg_api_start_config(c, demo_dir, NULL, err, sizeof err));
    assert_non_null(strstr(err, "api.token.file"));
    lg_config_destroy(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queries),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_refuses_off_loopback),
        cmocka_unit_test(test_feed),
        cmocka_unit_test(test_beside_writer),
        cmocka_unit_test(test_state_appears),
        cmocka_unit_test(test_from_config),
    };
    return cmocka_run_group_tests_name("api", tests, group_setup, group_teardown);
}
