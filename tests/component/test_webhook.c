/*
 * tests/component/test_webhook.c - the webhook sink and the revocation
 * hook against a real HTTP receiver on loopback
 * (tests/tools/webhook_receiver.py, which verifies the signatures in
 * Python and fails, slows down and recovers on command):
 *   - delivery per type filter and template, signature, Idempotency-Key
 *     and the other headers, custom headers;
 *   - retries with backoff for 500/503/429 (Retry-After honoured), a
 *     timeout, recovery; no retry on 400 (dead letter with the status);
 *     a spent retry budget dead-letters with the last status;
 *   - no loss across kill -9 of a process that flushed before delivery,
 *     and the old calls go out before new ones after the restart;
 *   - calls of endpoints no longer configured are dead-lettered;
 *   - the revocation hook built by lg_outputs_new from a config: dry run
 *     by default (audited, nothing sent), then live (sent and audited).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "processor/config.h"
#include "processor/json/json.h"
#include "sinks/file/file_sink.h"
#include "sinks/http/http.h"
#include "sinks/outputs/outputs.h"
#include "sinks/webhook/webhook_sink.h"
#include "tests/testutil.h"
#include "tests/tools/derived_fixture.h"
#include "tests/tools/pyserver.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SECRET "whsec-test-0123456789"

typedef struct fx {
    ps_server rx;
    char *dir;
    char url[64]; /* http://127.0.0.1:PORT */
    lg_http *http;
    lg_json_parser *json;
    lg_strbuf last; /* last /_requests answer */
} fx;

static int setup(void **state) {
    fx *f = calloc(1, sizeof(*f));
    char *argv[] = {"python3", LG_SOURCE_DIR "/tests/tools/webhook_receiver.py", NULL};
    char err[256];
    if (ps_start(&f->rx, argv) != 0) {
        free(f);
        return -1;
    }
    snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d", f->rx.port);
    f->dir = tu_tmpdir("lg-webhook");
    f->http = lg_http_new(NULL, err, sizeof(err));
    f->json = lg_json_parser_new();
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fx *f = *state;
    ps_stop(&f->rx);
    tu_rmtree(f->dir);
    free(f->dir);
    lg_http_destroy(f->http);
    lg_json_parser_destroy(f->json);
    lg_strbuf_free(&f->last);
    free(f);
    return 0;
}

/* POST url/path body, expecting 200. */
static void rx_post(fx *f, const char *path, const char *body) {
    char url[256];
    lg_http_response r = {0};
    snprintf(url, sizeof(url), "%s%s", f->url, path);
    assert_int_equal(lg_http_request(f->http, "POST", url, NULL, body, strlen(body), &r), 0);
    assert_int_equal(r.status, 200);
    lg_http_response_free(&r);
}

/* The recorded calls of path: parses into root; returns their count. */
static size_t rx_calls(fx *f, const char *path, lg_json_val *root) {
    char url[256], err[256];
    lg_http_response r = {0};
    snprintf(url, sizeof(url), "%s/_requests?path=%s", f->url, path);
    assert_int_equal(lg_http_request(f->http, "GET", url, NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    lg_strbuf_reset(&f->last);
    assert_int_equal(lg_strbuf_append(&f->last, r.body.data, r.body.len), 0);
    lg_http_response_free(&r);
    assert_int_equal(lg_json_parse(f->json, f->last.data, f->last.len, root, err, sizeof(err)), 0);
    return lg_json_size(*root);
}

/* Member s of call i as a NUL-terminated copy in out. */
static const char *call_str(lg_json_val root, size_t i, const char *path, char *out, size_t size) {
    lg_json_iter it;
    lg_json_val v;
    const char *s;
    size_t n;
    out[0] = '\0';
    assert_true(lg_json_iter_begin(root, &it));
    for (size_t k = 0; lg_json_iter_next(&it, NULL, NULL, &v); k++)
        if (k == i && lg_json_str(lg_json_path(v, path), &s, &n)) {
            snprintf(out, size, "%.*s", (int)n, s);
            break;
        }
    return out;
}

static double call_time(lg_json_val root, size_t i) {
    lg_json_iter it;
    lg_json_val v;
    double t = 0;
    assert_true(lg_json_iter_begin(root, &it));
    for (size_t k = 0; lg_json_iter_next(&it, NULL, NULL, &v); k++)
        if (k == i)
            lg_json_double(lg_json_get(v, "time"), &t);
    return t;
}

static void write_file(const char *path, const char *text) {
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* A webhook sink on DIR/<sub>/outbox with the endpoints of `conf` (the
 * endpoints-file syntax; "%U" is replaced by the receiver's URL). */
static lg_sink *new_sink(fx *f, const char *sub, const char *conf) {
    char path[1100], dir[1024], outbox[1100], dl[1100], err[512];
    lg_strbuf text = LG_STRBUF_INIT;
    for (const char *p = conf; *p; p++) {
        if (p[0] == '%' && p[1] == 'U') {
            assert_int_equal(lg_strbuf_puts(&text, f->url), 0);
            p++;
        } else {
            assert_int_equal(lg_strbuf_putc(&text, *p), 0);
        }
    }
    snprintf(dir, sizeof(dir), "%s/%s", f->dir, sub);
    mkdir(dir, 0700);
    snprintf(path, sizeof(path), "%s/endpoints.conf", dir);
    write_file(path, text.data);
    lg_strbuf_free(&text);
    snprintf(outbox, sizeof(outbox), "%s/outbox", dir);
    snprintf(dl, sizeof(dl), "%s/deadletter.jsonl", dir);
    lg_webhook_endpoints eps = {0};
    if (lg_webhook_endpoints_load(&eps, path, err, sizeof(err)) != 0)
        fail_msg("endpoints: %s", err);
    lg_sink_webhook_opts o = {.endpoints = &eps, .outbox_dir = outbox, .deadletter_path = dl};
    lg_sink *s = lg_sink_webhook_new(&o, err, sizeof(err));
    if (!s)
        fail_msg("webhook sink: %s", err);
    assert_int_equal(eps.n, 0); /* moved */
    return s;
}

static void emit_all(lg_sink *s) {
    char err[256];
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++) {
        lg_derived ev;
        df_sample(&ev, (lg_derived_type)t);
        assert_int_equal(lg_sink_emit(s, &ev, err, sizeof(err)), LG_SINK_OK);
    }
    assert_int_equal(lg_sink_flush(s, 1000, err, sizeof(err)), LG_SINK_OK);
}

static size_t count_lines(const char *path, const char *needle) {
    size_t len, n = 0;
    char *text = tu_read_file(path, &len);
    if (!text)
        return 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        if (!needle || strstr(line, needle))
            n++;
    free(text);
    return n;
}

static void test_delivery_headers_templates(void **state) {
    fx *f = *state;
    lg_json_val root;
    char buf[4096], want[256];
    rx_post(f, "/_control", "{\"path\":\"/json\",\"secret\":\"" SECRET "\"}");
    lg_sink *s = new_sink(f, "deliver",
                          "# all types, signed, custom header\n"
                          "[soar]\nurl = %U/json\nsecret = " SECRET "\n"
                          "header = Authorization: Bearer t0ken\n\n"
                          "[chat]\nurl = %U/slack\ntemplate = slack\n"
                          "types = orphan.new, privileged_key.ownerless\n"
                          "[tickets]\nurl = %U/ticket\ntemplate = ticket\n"
                          "types = privileged_key.ownerless,privileged_key.ownerless.resolved\n");
    emit_all(s);
    assert_int_equal(lg_sink_webhook_drain(s, 20000), 0);
    lg_sink_webhook_stats st;
    assert_int_equal(lg_sink_webhook_get_stats(s, &st), 0);
    assert_int_equal(st.enqueued, 6 + 2 + 2);
    assert_int_equal(st.delivered, 10);
    assert_int_equal(st.retries, 0);
    assert_int_equal(st.pending, 0);

    assert_int_equal(rx_calls(f, "/json", &root), 6);
    for (size_t i = 0; i < 6; i++) {
        lg_derived ev;
        df_sample(&ev, (lg_derived_type)i); /* one endpoint delivers in order */
        assert_string_equal(call_str(root, i, "sig", buf, sizeof(buf)), "ok");
        assert_string_equal(call_str(root, i, "headers/idempotency-key", buf, sizeof(buf)),
                            ev.event_id);
        assert_string_equal(call_str(root, i, "headers/x-lineaged-event-id", buf, sizeof(buf)),
                            ev.event_id);
        assert_string_equal(call_str(root, i, "headers/x-lineaged-event-type", buf, sizeof(buf)),
                            lg_derived_type_name(ev.type));
        assert_string_equal(
            call_str(root, i, "headers/x-lineaged-delivery-attempt", buf, sizeof(buf)), "1");
        assert_string_equal(call_str(root, i, "headers/content-type", buf, sizeof(buf)),
                            "application/json");
        assert_string_equal(call_str(root, i, "headers/authorization", buf, sizeof(buf)),
                            "Bearer t0ken");
        assert_non_null(
            strstr(call_str(root, i, "headers/user-agent", buf, sizeof(buf)), "lineaged/"));
        snprintf(want, sizeof(want), "\"event_id\":\"%s\"", ev.event_id);
        assert_non_null(strstr(call_str(root, i, "body", buf, sizeof(buf)), want));
    }
    assert_int_equal(rx_calls(f, "/slack", &root), 2);
    call_str(root, 0, "body", buf, sizeof(buf));
    assert_non_null(strstr(buf, "\"text\":\"lineaged orphan.new: access_key AKIAEXAMPLE00000000"));
    assert_non_null(strstr(buf, "\"blocks\":[{\"type\":\"section\""));
    assert_string_equal(call_str(root, 0, "sig", want, sizeof(want)), "unchecked");
    assert_null(strstr(f->last.data, "x-lineaged-signature")); /* no secret: unsigned */
    assert_int_equal(rx_calls(f, "/ticket", &root), 2);
    call_str(root, 1, "body", buf, sizeof(buf));
    assert_non_null(strstr(buf, "\"status\":\"resolved\""));
    assert_non_null(strstr(buf, "\"correlation_key\":\"00000000000000000000000000000000\""));
    lg_sink_destroy(s);
}

static void test_retries_backoff_timeout(void **state) {
    fx *f = *state;
    lg_json_val root;
    char buf[256], err[256];
    /* 500, 503, 429 with Retry-After: 1, then 200 */
    rx_post(f, "/_control",
            "{\"path\":\"/flaky\",\"steps\":[{\"status\":500},{\"status\":503},"
            "{\"status\":429,\"retry_after\":\"1\"}]}");
    /* slower than the timeout once, then fine */
    rx_post(f, "/_control", "{\"path\":\"/slow\",\"steps\":[{\"status\":200,\"delay_ms\":3000}]}");
    lg_sink *s = new_sink(f, "retry",
                          "[flaky]\nurl = %U/flaky\ntypes = orphan.new\n"
                          "backoff.initial = 100ms\nbackoff.max = 400ms\n"
                          "[slow]\nurl = %U/slow\ntypes = orphan.new\ntimeout = 500ms\n"
                          "backoff.initial = 50ms\n");
    lg_derived ev;
    df_sample(&ev, LG_DERIVED_ORPHAN_NEW);
    int64_t t0 = tu_now_ms();
    assert_int_equal(lg_sink_emit(s, &ev, err, sizeof(err)), LG_SINK_OK);
    assert_int_equal(lg_sink_flush(s, 1000, err, sizeof(err)), LG_SINK_OK);
    assert_int_equal(lg_sink_webhook_drain(s, 30000), 0);
    int64_t took = tu_now_ms() - t0;
    lg_sink_webhook_stats st;
    assert_int_equal(lg_sink_webhook_get_stats(s, &st), 0);
    assert_int_equal(st.delivered, 2);
    assert_int_equal(st.retries, 3 + 1);
    assert_int_equal(st.deadlettered, 0);

    assert_int_equal(rx_calls(f, "/flaky", &root), 4);
    for (size_t i = 0; i < 4; i++) {
        char n[4];
        snprintf(n, sizeof(n), "%zu", i + 1);
        assert_string_equal(
            call_str(root, i, "headers/x-lineaged-delivery-attempt", buf, sizeof(buf)), n);
        assert_string_equal(call_str(root, i, "headers/idempotency-key", buf, sizeof(buf)),
                            ev.event_id);
    }
    /* full jitter: pauses within [0, 100] then [0, 200] ms; Retry-After: 1 s */
    double g1 = call_time(root, 1) - call_time(root, 0);
    double g2 = call_time(root, 2) - call_time(root, 1);
    double g3 = call_time(root, 3) - call_time(root, 2);
    printf("# gaps %.3f %.3f %.3f s; all delivered after %lld ms\n", g1, g2, g3, (long long)took);
    assert_true(g1 < 0.1 + 0.5 && g2 < 0.2 + 0.5);
    assert_true(g3 >= 0.95);
    /* the slow endpoint: attempt 1 timed out, attempt 2 delivered */
    assert_int_equal(rx_calls(f, "/slow", &root), 2);
    assert_string_equal(call_str(root, 1, "headers/x-lineaged-delivery-attempt", buf, sizeof(buf)),
                        "2");
    lg_sink_destroy(s);
}

static void test_no_retry_on_4xx_and_budget(void **state) {
    fx *f = *state;
    lg_json_val root;
    char dl[1024], err[256];
    rx_post(f, "/_control", "{\"path\":\"/bad\",\"default\":{\"status\":400,\"body\":\"no\"}}");
    rx_post(f, "/_control", "{\"path\":\"/down\",\"default\":{\"status\":500}}");
    lg_sink *s = new_sink(f, "dead",
                          "[bad]\nurl = %U/bad\ntypes = orphan.new\n"
                          "[down]\nurl = %U/down\ntypes = orphan.new\nmax.retries = 2\n"
                          "backoff.initial = 10ms\nbackoff.max = 20ms\n");
    lg_derived ev;
    df_sample(&ev, LG_DERIVED_ORPHAN_NEW);
    assert_int_equal(lg_sink_emit(s, &ev, err, sizeof(err)), LG_SINK_OK);
    assert_int_equal(lg_sink_flush(s, 1000, err, sizeof(err)), LG_SINK_OK);
    assert_int_equal(lg_sink_webhook_drain(s, 20000), 0);
    lg_sink_webhook_stats st;
    assert_int_equal(lg_sink_webhook_get_stats(s, &st), 0);
    assert_int_equal(st.deadlettered, 2);
    assert_int_equal(st.delivered, 0);
    assert_int_equal(rx_calls(f, "/bad", &root), 1);  /* 400: never retried */
    assert_int_equal(rx_calls(f, "/down", &root), 3); /* 1 + max.retries */
    snprintf(dl, sizeof(dl), "%s/dead/deadletter.jsonl", f->dir);
    assert_int_equal(count_lines(dl, NULL), 2);
    assert_int_equal(count_lines(dl, "\"endpoint\":\"bad\",\"url\":\"http://127.0.0.1:"), 1);
    assert_int_equal(count_lines(dl, "\"outcome\":\"dead_letter\",\"attempt\":1,\"dry_run\":false,"
                                     "\"status\":400,\"error\":null,\"response\":\"no\""),
                     1);
    assert_int_equal(count_lines(dl, "\"attempt\":3,\"dry_run\":false,\"status\":500"), 1);
    assert_int_equal(count_lines(dl, "\"request\":{\"type\":\"orphan.new\""), 2);
    lg_sink_destroy(s);
}

#define KILL_EVENTS 20

/* The child: flushes KILL_EVENTS events (never delivered: the receiver
 * answers 500), stages more without flushing, tells the parent, waits to
 * be killed. */
static void child_emit_and_wait(fx *f, int fd) {
    char err[256], id[40], subject[40];
    lg_sink *s = new_sink(f, "kill", "[k]\nurl = %U/kill\nbackoff.initial = 50ms\n");
    for (int i = 0; i < KILL_EVENTS + 5; i++) {
        lg_derived ev;
        df_sample(&ev, LG_DERIVED_ORPHAN_NEW);
        snprintf(id, sizeof(id), "%032d", 1000 + i);
        snprintf(subject, sizeof(subject), "AKIAKILL%08d", i);
        ev.event_id = id;
        ev.subject_id = subject;
        if (lg_sink_emit(s, &ev, err, sizeof(err)) != LG_SINK_OK)
            _exit(2);
        if (i == KILL_EVENTS - 1 && lg_sink_flush(s, 1000, err, sizeof(err)) != LG_SINK_OK)
            _exit(3);
    }
    if (write(fd, "F", 1) != 1)
        _exit(4);
    for (;;)
        pause();
}

static fx *kill_fx;

static bool received_some(void *arg) {
    (void)arg;
    lg_json_val root;
    return rx_calls(kill_fx, "/kill", &root) > 0;
}

static void test_no_loss_across_kill9(void **state) {
    fx *f = *state;
    lg_json_val root;
    char buf[256], err[256];
    rx_post(f, "/_control", "{\"path\":\"/kill\",\"default\":{\"status\":500}}");
    int p[2];
    assert_int_equal(pipe(p), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        child_emit_and_wait(f, p[1]);
    }
    close(p[1]);
    char c = 0;
    assert_int_equal(read(p[0], &c, 1), 1);
    close(p[0]);
    assert_int_equal(c, 'F');
    /* let it fail at least one attempt, then kill it mid-retry */
    kill_fx = f;
    assert_true(tu_poll(received_some, NULL, 10000));
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    size_t before = rx_calls(f, "/kill", &root);
    printf("# child killed after %zu failed attempt(s)\n", before);

    /* the receiver recovers; a new sink on the same outbox delivers all
     * flushed calls, before one emitted after the restart */
    rx_post(f, "/_control", "{\"path\":\"/kill\",\"default\":{\"status\":200}}");
    lg_sink *s = new_sink(f, "kill", "[k]\nurl = %U/kill\nbackoff.initial = 50ms\n");
    lg_derived ev;
    df_sample(&ev, LG_DERIVED_ORPHAN_NEW);
    ev.event_id = "ffffffffffffffffffffffffffffffff";
    assert_int_equal(lg_sink_emit(s, &ev, err, sizeof(err)), LG_SINK_OK);
    assert_int_equal(lg_sink_flush(s, 1000, err, sizeof(err)), LG_SINK_OK);
    assert_int_equal(lg_sink_webhook_drain(s, 20000), 0);
    size_t n = rx_calls(f, "/kill", &root);
    bool seen[KILL_EVENTS] = {false};
    size_t delivered = 0, last_old = 0, new_at = 0;
    for (size_t i = before; i < n; i++) {
        call_str(root, i, "headers/idempotency-key", buf, sizeof(buf));
        if (!strcmp(buf, "ffffffffffffffffffffffffffffffff")) {
            new_at = i;
            continue;
        }
        int k = atoi(buf) - 1000;
        assert_true(k >= 0 && k < KILL_EVENTS); /* never the unflushed ones */
        if (!seen[k])
            delivered++;
        seen[k] = true;
        last_old = i;
    }
    assert_int_equal(delivered, KILL_EVENTS);
    assert_true(new_at > last_old);
    lg_sink_destroy(s);

    /* an endpoint removed from the configuration: its calls are
     * dead-lettered at start-up, not lost silently */
    s = new_sink(f, "kill", "[k]\nurl = %U/kill\n");
    assert_int_equal(lg_sink_emit(s, &ev, err, sizeof(err)), LG_SINK_OK);
    lg_sink_destroy(s); /* staged, never flushed: not in the outbox */
    rx_post(f, "/_control", "{\"path\":\"/kill\",\"default\":{\"status\":500}}");
    s = new_sink(f, "kill", "[k]\nurl = %U/kill\nbackoff.initial = 5s\n");
    assert_int_equal(lg_sink_emit(s, &ev, err, sizeof(err)), LG_SINK_OK);
    assert_int_equal(lg_sink_flush(s, 1000, err, sizeof(err)), LG_SINK_OK);
    lg_sink_destroy(s); /* flushed, stuck in a retry pause */
    s = new_sink(f, "kill", "[renamed]\nurl = %U/kill\n");
    lg_sink_webhook_stats st;
    assert_int_equal(lg_sink_webhook_get_stats(s, &st), 0);
    assert_int_equal(st.deadlettered, 1);
    assert_int_equal(st.pending, 0);
    lg_sink_destroy(s);
    snprintf(buf, sizeof(buf), "%s/kill/deadletter.jsonl", f->dir);
    assert_int_equal(count_lines(buf, "endpoint no longer configured"), 1);
}

/* A config for lg_outputs_new with the revocation hook. */
static lg_config *revoke_config(fx *f, bool live) {
    char err[256], url[128];
    lg_config *c = lg_config_new();
    assert_non_null(c);
    snprintf(url, sizeof(url), "%s/revoke", f->url);
    assert_int_equal(lg_config_set(c, "revoke.url", url, err, sizeof(err)), 0);
    assert_int_equal(lg_config_set(c, "revoke.types",
                                   "privileged_key.ownerless, credential.used_after_departure", err,
                                   sizeof(err)),
                     0);
    if (live)
        assert_int_equal(lg_config_set(c, "revoke.dry_run", "false", err, sizeof(err)), 0);
    return c;
}

static void test_revoke_dry_run_then_live(void **state) {
    fx *f = *state;
    lg_json_val root;
    char err[512], st_dir[1024], audit[1100], out[1100], buf[4096];
    snprintf(st_dir, sizeof(st_dir), "%s/state", f->dir);
    mkdir(st_dir, 0700);
    snprintf(audit, sizeof(audit), "%s/revocations.jsonl", st_dir);
    snprintf(out, sizeof(out), "%s/derived.jsonl", st_dir);

    for (int live = 0; live < 2; live++) {
        lg_config *c = revoke_config(f, live);
        lg_outputs_opts o = {.config = c, .state_dir = st_dir};
        o.primary = lg_sink_file_open(out, LG_SINK_FILE_JSON, err, sizeof(err));
        assert_non_null(o.primary);
        lg_sink *s = lg_outputs_new(&o, err, sizeof(err));
        if (!s)
            fail_msg("outputs: %s", err);
        assert_non_null(lg_outputs_webhook(s));
        assert_ptr_not_equal(lg_outputs_primary(s), s);
        emit_all(s);
        assert_int_equal(lg_sink_webhook_drain(lg_outputs_webhook(s), 20000), 0);
        lg_sink_destroy(s);
        lg_config_destroy(c);
    }
    /* the primary got every event both times */
    assert_int_equal(count_lines(out, NULL), 2 * LG_DERIVED_TYPE_COUNT);
    /* dry run: two calls audited, none sent; live: two sent and audited */
    assert_int_equal(count_lines(audit, "\"outcome\":\"dry_run\",\"attempt\":1,\"dry_run\":true"),
                     2);
    assert_int_equal(count_lines(audit, "\"outcome\":\"delivered\",\"attempt\":1,\"dry_run\":"
                                        "false,\"status\":200"),
                     2);
    assert_int_equal(count_lines(audit, "\"request\":{\"action\":\"disable_access_key\","
                                        "\"requested_by\":\"lineaged/"),
                     4);
    assert_int_equal(rx_calls(f, "/revoke", &root), 2);
    call_str(root, 0, "body", buf, sizeof(buf));
    printf("# revoke body: %s\n", buf);
    assert_non_null(strstr(buf, "{\"action\":\"disable_access_key\""));
    assert_non_null(strstr(buf, "\"type\":\"privileged_key.ownerless\""));
    assert_non_null(strstr(buf, "\"subject\":{\"id\":\"AKIAEXAMPLE00000002\""));
    assert_non_null(strstr(buf, "\"evidence\":[\"cloudtrail:ev-1\",\"okta:ev-2\"]"));
    call_str(root, 1, "headers/x-lineaged-event-type", buf, sizeof(buf));
    assert_string_equal(buf, "credential.used_after_departure");

    /* misconfiguration is refused with the reason */
    lg_config *c = lg_config_new();
    assert_int_equal(lg_config_set(c, "revoke.types", "orphan.new", err, sizeof(err)), 0);
    lg_outputs_opts o = {.config = c, .state_dir = st_dir};
    o.primary = lg_sink_file_open(out, LG_SINK_FILE_JSON, err, sizeof(err));
    assert_null(lg_outputs_new(&o, err, sizeof(err)));
    assert_string_equal(err, "revoke.types is set but revoke.url is empty");
    lg_config_destroy(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_delivery_headers_templates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries_backoff_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_retry_on_4xx_and_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_loss_across_kill9, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoke_dry_run_then_live, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
