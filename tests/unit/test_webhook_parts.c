/*
 * tests/unit/test_webhook_parts.c - the pure parts of the webhook, revocation
 * and fanout sinks: the signature (a vector computed with Python's hmac),
 * the templates (valid JSON with the documented members, Slack escaping),
 * the suggested revocation actions, the endpoints file (values and
 * FILE:LINE errors), Retry-After parsing, URL redaction, the outbox's
 * ordering and restart, and the fanout's result merging.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "processor/json/json.h"
#include "sinks/fanout/fanout.h"
#include "sinks/http/http.h"
#include "sinks/revoke/revoke.h"
#include "sinks/webhook/endpoint.h"
#include "sinks/webhook/outbox.h"
#include "sinks/webhook/sign.h"
#include "sinks/webhook/template.h"
#include "tests/testutil.h"
#include "tests/tools/derived_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_signature_vector(void **state) {
    (void)state;
    char sig[LG_WEBHOOK_SIGNATURE_MAX];
    /* python3: hmac.new(b"whsec_test", b"1714557600." + b'{"a":1}', sha256).hexdigest() */
    assert_int_equal(lg_webhook_sign("whsec_test", 10, 1714557600, "{\"a\":1}", 7, sig), 0);
    assert_string_equal(
        sig, "t=1714557600,v1=98f1d6c68a825698e70f15d46c875bd69b1eca581231c75107d23d4d35998006");
    /* another body, another time: another MAC */
    char other[LG_WEBHOOK_SIGNATURE_MAX];
    assert_int_equal(lg_webhook_sign("whsec_test", 10, 1714557601, "{\"a\":1}", 7, other), 0);
    assert_string_not_equal(strchr(sig, 'v'), strchr(other, 'v'));
}

/* Renders ev in t and parses it; returns the root (valid until the next
 * parse on p). */
static lg_json_val render(lg_json_parser *p, lg_strbuf *b, lg_webhook_template t,
                          const lg_derived *ev) {
    char err[256];
    lg_json_val root;
    lg_strbuf_reset(b);
    assert_int_equal(lg_webhook_render(t, ev, b), 0);
    if (lg_json_parse(p, b->data, b->len, &root, err, sizeof(err)) != 0)
        fail_msg("%s: not JSON (%s): %s", lg_webhook_template_name(t), err, b->data);
    return root;
}

static void assert_str(lg_json_val v, const char *path, const char *want) {
    const char *s;
    size_t n;
    if (!lg_json_str(lg_json_path(v, path), &s, &n))
        fail_msg("%s missing", path);
    if (strlen(want) != n || memcmp(s, want, n) != 0)
        fail_msg("%s: got %.*s, want %s", path, (int)n, s, want);
}

static void test_templates(void **state) {
    (void)state;
    lg_json_parser *p = lg_json_parser_new();
    lg_strbuf b = LG_STRBUF_INIT;
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++) {
        lg_derived ev;
        df_sample(&ev, (lg_derived_type)t);
        for (int tm = 0; tm < 4; tm++)
            render(p, &b, (lg_webhook_template)tm, &ev);
    }
    lg_derived ev;
    df_sample(&ev, LG_DERIVED_PRIV_OWNERLESS);
    ev.subject_name = "<!channel> & co";
    lg_json_val v = render(p, &b, LG_WEBHOOK_JSON, &ev);
    assert_str(v, "type", "privileged_key.ownerless");
    assert_str(v, "subject/id", "AKIAEXAMPLE00000002");

    v = render(p, &b, LG_WEBHOOK_SLACK, &ev);
    assert_non_null(strstr(b.data, "&lt;!channel&gt; &amp; co")); /* no mention injection */
    assert_non_null(strstr(b.data, "\"blocks\":[{\"type\":\"section\""));
    const char *s;
    size_t n;
    assert_true(lg_json_str(lg_json_get(v, "text"), &s, &n));
    assert_true(n > 0);

    v = render(p, &b, LG_WEBHOOK_TICKET, &ev);
    assert_str(v, "severity", "high");
    assert_str(v, "status", "open");
    assert_str(v, "dedupe_key", "22222222222222222222222222222222");
    assert_str(v, "correlation_key", "22222222222222222222222222222222");
    assert_str(v, "event/event_id", "22222222222222222222222222222222");
    df_sample(&ev, LG_DERIVED_PRIV_OWNERLESS_RESOLVED);
    v = render(p, &b, LG_WEBHOOK_TICKET, &ev);
    assert_str(v, "severity", "info");
    assert_str(v, "status", "resolved");
    assert_str(v, "correlation_key", "00000000000000000000000000000000");
    df_sample(&ev, LG_DERIVED_USED_AFTER_DEPARTURE);
    v = render(p, &b, LG_WEBHOOK_TICKET, &ev);
    assert_str(v, "severity", "critical");

    df_sample(&ev, LG_DERIVED_USED_AFTER_DEPARTURE);
    v = render(p, &b, LG_WEBHOOK_REVOKE, &ev);
    assert_str(v, "action", "disable_access_key");
    assert_str(v, "type", "credential.used_after_departure");
    assert_str(v, "subject/kind", "access_key");
    assert_non_null(strstr(b.data, "\"evidence\":[\"cloudtrail:ev-1\""));
    assert_int_equal(strncmp(b.data, "{\"action\":", 10), 0);

    assert_int_equal(lg_webhook_template_from_name("slack"), LG_WEBHOOK_SLACK);
    assert_int_equal(lg_webhook_template_from_name("xml"), -1);
    lg_strbuf_free(&b);
    lg_json_parser_destroy(p);
}

static void test_revoke_actions(void **state) {
    (void)state;
    static const char *const kinds[][2] = {
        {"access_key", "disable_access_key"},
        {"iam_user", "disable_user"},
        {"sts_session", "revoke_sessions"},
        {"github_fine_grained_pat", "revoke_token"},
        {"github_deploy_key", "delete_key"},
        {"github_app_installation", "suspend_installation"},
        {"okta_service_app", "deactivate_app"},
        {"agent", "disable_agent"},
        {"human", "review"},
    };
    lg_derived ev;
    df_sample(&ev, LG_DERIVED_ORPHAN_NEW);
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        ev.subject_kind = kinds[i][0];
        assert_string_equal(lg_revoke_action(&ev), kinds[i][1]);
    }
    df_sample(&ev, LG_DERIVED_ORPHAN_RESOLVED);
    assert_string_equal(lg_revoke_action(&ev), "none");
}

static char *write_tmp(const char *dir, const char *name, const char *text) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* Loads text as an endpoints file; returns 0/-1 with err. */
static int load(const char *dir, const char *text, lg_webhook_endpoints *eps, char *err,
                size_t errsz) {
    char *path = write_tmp(dir, "endpoints.conf", text);
    int rc = lg_webhook_endpoints_load(eps, path, err, errsz);
    free(path);
    return rc;
}

static void test_endpoints_file(void **state) {
    (void)state;
    char *dir = tu_tmpdir("lg-endpoints");
    char err[512];
    char *secret = write_tmp(dir, "secret", "s3cr3t\n");
    lg_strbuf text = LG_STRBUF_INIT;
    lg_strbuf_printf(&text,
                     "# comment\n\n[slack-secops]\nurl = https://hooks.example/T0/B0/x\n"
                     "template = slack\ntypes = orphan.new , credential.used_after_departure\n"
                     "secret.file = %s\ntimeout = 2s\nmax.retries = 3\nbackoff.initial = 250ms\n"
                     "backoff.max = 1m\nheader = X-Team: secops\nheader = Authorization: Bearer "
                     "x\nssl.verify = false\n[b]\nurl = http://127.0.0.1:9/\n",
                     secret);
    lg_webhook_endpoints eps = {0};
    assert_int_equal(load(dir, text.data, &eps, err, sizeof(err)), 0);
    assert_int_equal(eps.n, 2);
    const lg_webhook_endpoint *e = &eps.v[0];
    assert_string_equal(e->name, "slack-secops");
    assert_int_equal(e->tmpl, LG_WEBHOOK_SLACK);
    assert_true(e->types[LG_DERIVED_ORPHAN_NEW] && e->types[LG_DERIVED_USED_AFTER_DEPARTURE]);
    assert_false(e->types[LG_DERIVED_PRIV_OWNERLESS]);
    assert_string_equal(e->secret, "s3cr3t");
    assert_int_equal(e->secret_len, 6);
    assert_int_equal(e->timeout_ms, 2000);
    assert_int_equal(e->max_retries, 3);
    assert_int_equal(e->backoff_initial_ms, 250);
    assert_int_equal(e->backoff_max_ms, 60000);
    assert_int_equal(e->nheaders, 2);
    assert_string_equal(e->headers[0], "X-Team: secops");
    assert_true(e->no_verify);
    assert_false(e->dry_run);
    e = &eps.v[1];
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++)
        assert_true(e->types[t]); /* default: all */
    assert_int_equal(e->tmpl, LG_WEBHOOK_JSON);
    assert_null(e->secret);
    assert_int_equal(e->max_retries, 10);
    lg_webhook_endpoints_free(&eps);

    static const char *const bad[][2] = {
        {"url = http://x/\n", "endpoints.conf:1: key outside an [endpoint] section"},
        {"[a]\nurl = ftp://x/\n", "endpoints.conf:2: [a] url: expected http:// or https://"},
        {"[a]\nurl = http://x/\ntypes = orphan.old\n",
         "endpoints.conf:3: [a] types: unknown derived type \"orphan.old\""},
        {"[a]\nurl = http://x/\ntemplate = xml\n", "endpoints.conf:3: [a] template: \"xml\""},
        {"[a]\nurl = http://x/\n[a]\n", "endpoints.conf:3: endpoint \"a\" defined twice"},
        {"[a b]\n", "endpoints.conf:1: invalid endpoint name \"a b\""},
        {"[a]\ntypes = orphan.new\n", "endpoints.conf: endpoint [a]: no url"},
        {"[a]\nurl = http://x/\nheader = nocolon\n", "endpoints.conf:3: [a] header: expected"},
        {"[a]\nurl = http://x/\ntimeout = soon\n", "endpoints.conf:3: [a] timeout: invalid"},
        {"[a]\nurl = http://x/\nmax.retries = -1\n", "endpoints.conf:3: [a] max.retries"},
        {"[a]\nurl = http://x/\nsecret.file = /nonexistent/s\n",
         "endpoints.conf:3: [a] secret.file: /nonexistent/s: No such file"},
        {"[a]\nurl = http://x/\ncolour = red\n",
         "endpoints.conf:3: [a] unknown endpoint key \"colour\""},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        lg_webhook_endpoints x = {0};
        assert_int_equal(load(dir, bad[i][0], &x, err, sizeof(err)), -1);
        if (!strstr(err, bad[i][1]))
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, bad[i][1]);
        lg_webhook_endpoints_free(&x);
    }
    lg_strbuf_free(&text);
    free(secret);
    tu_rmtree(dir);
    free(dir);
}

static void test_http_helpers(void **state) {
    (void)state;
    char out[256];
    assert_int_equal(lg_http_parse_retry_after("120", 0), 120000);
    assert_int_equal(lg_http_parse_retry_after(" 0 ", 0), 0);
    /* Wed, 21 Oct 2015 07:28:00 GMT = 1445412480 */
    assert_int_equal(lg_http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470), 10000);
    assert_int_equal(lg_http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490), 0);
    assert_int_equal(lg_http_parse_retry_after("soon", 0), -1);
    assert_int_equal(lg_http_parse_retry_after("", 0), -1);
    assert_string_equal(lg_http_redact_url("https://u:p@h.example:1/x@y", out, sizeof(out)),
                        "https://h.example:1/x@y");
    assert_string_equal(lg_http_redact_url("http://h/a@b", out, sizeof(out)), "http://h/a@b");
}

typedef struct seen {
    char names[8][16];
    uint64_t seqs[8];
    size_t n;
} seen;

static int collect(void *opaque, const char *endpoint, uint64_t seq, const char *v, size_t len) {
    (void)v, (void)len;
    seen *s = opaque;
    if (s->n < 8) {
        snprintf(s->names[s->n], sizeof(s->names[0]), "%s", endpoint);
        s->seqs[s->n++] = seq;
    }
    return 0;
}

static void test_outbox(void **state) {
    (void)state;
    char *dir = tu_tmpdir("lg-outbox");
    char err[256];
    lg_outbox *o = lg_outbox_open(dir, err, sizeof(err));
    assert_non_null(o);
    /* a second opener is refused (RocksDB lock) */
    assert_null(lg_outbox_open(dir, err, sizeof(err)));
    assert_int_equal(lg_outbox_stage(o, "a", "one", 3), 0);
    assert_int_equal(lg_outbox_stage(o, "b", "two\0x", 5), 0);
    assert_int_equal(lg_outbox_stage(o, "a", "three", 5), 0);
    lg_outbox_entry e;
    assert_int_equal(lg_outbox_next(o, "a", 0, &e, err, sizeof(err)), 0); /* not committed */
    assert_int_equal(lg_outbox_staged(o), 3);
    assert_int_equal(lg_outbox_commit(o, err, sizeof(err)), 0);
    assert_int_equal(lg_outbox_staged(o), 0);
    assert_int_equal(lg_outbox_next(o, "a", 0, &e, err, sizeof(err)), 1);
    assert_string_equal(e.value, "one");
    uint64_t first = e.seq;
    free(e.value);
    assert_int_equal(lg_outbox_next(o, "a", first + 1, &e, err, sizeof(err)), 1);
    assert_string_equal(e.value, "three");
    assert_true(e.seq > first);
    free(e.value);
    assert_int_equal(lg_outbox_next(o, "b", 0, &e, err, sizeof(err)), 1);
    assert_int_equal(e.len, 5);
    assert_memory_equal(e.value, "two\0x", 5);
    free(e.value);
    assert_int_equal(lg_outbox_delete(o, "a", first, err, sizeof(err)), 0);
    assert_int_equal(lg_outbox_stage(o, "a", "staged only", 11), 0);
    lg_outbox_close(o); /* the staged entry is dropped */

    o = lg_outbox_open(dir, err, sizeof(err));
    assert_non_null(o);
    seen s = {0};
    assert_int_equal(lg_outbox_scan(o, collect, &s, err, sizeof(err)), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.names[0], "a");
    assert_string_equal(s.names[1], "b");
    /* sequence numbers continue after a restart */
    assert_int_equal(lg_outbox_stage(o, "a", "four", 4), 0);
    assert_int_equal(lg_outbox_commit(o, err, sizeof(err)), 0);
    assert_int_equal(lg_outbox_next(o, "a", s.seqs[0] + 1, &e, err, sizeof(err)), 1);
    assert_string_equal(e.value, "four");
    assert_true(e.seq > s.seqs[1]);
    free(e.value);
    lg_outbox_close(o);
    tu_rmtree(dir);
    free(dir);
}

/* A stub sink returning a fixed result and counting calls. */
typedef struct stub {
    lg_sink_result r;
    int emits, flushes, dls;
    int *destroyed;
} stub;

static lg_sink_result st_emit(void *self, const lg_derived *ev, char *err, size_t n) {
    (void)ev;
    stub *s = self;
    s->emits++;
    snprintf(err, n, "stub %d", (int)s->r);
    return s->r;
}

static lg_sink_result st_dl(void *self, const lg_deadletter *dl, char *err, size_t n) {
    (void)dl;
    stub *s = self;
    s->dls++;
    snprintf(err, n, "stub %d", (int)s->r);
    return s->r;
}

static lg_sink_result st_flush(void *self, int timeout, char *err, size_t n) {
    (void)timeout;
    stub *s = self;
    s->flushes++;
    snprintf(err, n, "stub %d", (int)s->r);
    return s->r;
}

static void st_destroy(void *self) {
    stub *s = self;
    (*s->destroyed)++;
}

static const lg_sink_ops stub_ops = {"stub", st_emit, st_dl, st_flush, st_destroy};

static void test_fanout(void **state) {
    (void)state;
    int destroyed = 0;
    stub a = {LG_SINK_OK, 0, 0, 0, &destroyed}, b = {LG_SINK_RETRY, 0, 0, 0, &destroyed},
         c = {LG_SINK_DROP, 0, 0, 0, &destroyed};
    lg_sink *kids[3] = {lg_sink_new(&stub_ops, &a), lg_sink_new(&stub_ops, &b),
                        lg_sink_new(&stub_ops, &c)};
    char err[128];
    lg_sink *f = lg_sink_fanout_new(kids, 3, err, sizeof(err));
    assert_non_null(f);
    assert_int_equal(lg_sink_fanout_count(f), 3);
    assert_ptr_equal(lg_sink_fanout_child(f, 1), kids[1]);
    assert_null(lg_sink_fanout_child(f, 3));
    lg_derived ev;
    df_sample(&ev, LG_DERIVED_ORPHAN_NEW);
    /* worst result wins, message of the first failure, every child called */
    assert_int_equal(lg_sink_emit(f, &ev, err, sizeof(err)), LG_SINK_DROP);
    assert_string_equal(err, "stub 1");
    assert_int_equal(lg_sink_flush(f, 10, err, sizeof(err)), LG_SINK_DROP);
    lg_deadletter dl;
    df_deadletter(&dl, "x", 1);
    assert_int_equal(lg_sink_deadletter(f, &dl, err, sizeof(err)), LG_SINK_DROP);
    assert_true(a.emits == 1 && b.emits == 1 && c.emits == 1);
    assert_true(a.flushes == 1 && b.flushes == 1 && c.flushes == 1);
    assert_true(a.dls == 1 && c.dls == 1);
    b.r = c.r = LG_SINK_OK;
    assert_int_equal(lg_sink_flush(f, 10, err, sizeof(err)), LG_SINK_OK);
    lg_sink_destroy(f);
    assert_int_equal(destroyed, 3);
    assert_int_equal(lg_sink_fanout_count(kids[0] = lg_sink_new(&stub_ops, &a)), 0);
    lg_sink_destroy(kids[0]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_vector), cmocka_unit_test(test_templates),
        cmocka_unit_test(test_revoke_actions),   cmocka_unit_test(test_endpoints_file),
        cmocka_unit_test(test_http_helpers),     cmocka_unit_test(test_outbox),
        cmocka_unit_test(test_fanout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
