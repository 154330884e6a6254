/*
 * tests/unit/test_source_util.h - helpers for the source parser tests:
 * parse a sample file or a string and render every record and fact as text
 * lines, so tests can assert exact facts with strstr().
 *
 * Line formats:
 *   "REC <id> <time_ms> <event_name> tenant=<t>[ FAILED]"
 *   "  <TYPE> <kind>:<subject> actor=<kind>:<id> parent=<kind>:<id> obj=<o>
 *    detail=<d> status=<s> flag=<0|1>"   (one line)
 *   "BAD <reason> | <raw>"
 * Ownership: ts_out is caller storage; nothing is allocated beyond it.
 */
#ifndef LG_TEST_SOURCE_UTIL_H
#define LG_TEST_SOURCE_UTIL_H

#include "processor/sources/reader.h"
#include "processor/sources/source.h"
#include "tests/testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ts_out {
    char text[1 << 20];
    size_t len;
    int nrec, nbad, nfacts;
} ts_out;

static void ts_printf(ts_out *o, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->text + o->len, sizeof o->text - o->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n < sizeof o->text - o->len ? (size_t)n : sizeof o->text - o->len - 1;
}

static const char *ts_fact_name(lg_fact_type t) {
    static const char *names[] = {"?",       "HUMAN",      "HUMAN_STATUS",  "ALIAS",     "CREATED",
                                  "DELETED", "ENABLED",    "OWNER",         "PRIVILEGE", "SESSION",
                                  "USED",    "AGENT_ROLE", "MEMBER_REMOVED"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

#define TS_S(s) (int)(s).n, (s).p ? (s).p : ""

static int ts_on_record(void *opaque, const lg_record *r, const char *raw, size_t rawlen) {
    ts_out *o = opaque;
    (void)raw;
    (void)rawlen;
    o->nrec++;
    ts_printf(o, "REC %.*s %lld %.*s tenant=%.*s%s\n", TS_S(r->event_id), (long long)r->time_ms,
              TS_S(r->event_name), TS_S(r->tenant), r->failed ? " FAILED" : "");
    for (size_t i = 0; i < r->nfacts; i++) {
        const lg_fact *f = &r->facts[i];
        o->nfacts++;
        ts_printf(o,
                  "  %s %s:%.*s actor=%s:%.*s parent=%s:%.*s obj=%.*s detail=%.*s status=%d "
                  "flag=%d\n",
                  ts_fact_name(f->type), lg_node_kind_name(f->kind), TS_S(f->subject),
                  lg_node_kind_name(f->actor_kind), TS_S(f->actor),
                  lg_node_kind_name(f->parent_kind), TS_S(f->parent), TS_S(f->object),
                  TS_S(f->detail), f->status, f->flag ? 1 : 0);
    }
    return 0;
}

static int ts_on_bad(void *opaque, const char *raw, size_t rawlen, const char *reason) {
    ts_out *o = opaque;
    o->nbad++;
    ts_printf(o, "BAD %s | %.*s\n", reason, (int)(rawlen > 200 ? 200 : rawlen), raw);
    return 0;
}

/* The state every source test uses: one context, one output buffer. */
static ts_out out;
static lg_source_ctx *ctx;

/** cmocka setup: fresh output and context. */
static int ts_setup(void **state) {
    (void)state;
    memset(&out, 0, sizeof out);
    ctx = lg_source_ctx_new();
    return ctx ? 0 : -1;
}

/** cmocka teardown. */
static int ts_teardown(void **state) {
    (void)state;
    lg_source_ctx_destroy(ctx);
    return 0;
}

/** Parses one message string into o (appending). */
static void ts_parse_str(lg_source_ctx *ctx, lg_source src, const char *json, ts_out *o) {
    lg_source_parse(ctx, src, json, strlen(json), ts_on_record, ts_on_bad, o);
}

/** Parses every message of a sample file (path relative to the samples
 *  directory) into o. Returns the number of messages, -1 on I/O error. */
static int ts_parse_sample(lg_source_ctx *ctx, lg_source src, const char *rel, ts_out *o) {
    char *path = tu_sample_path(rel);
    char err[256];
    lg_reader *rd = lg_reader_open(path, err, sizeof err);
    free(path);
    if (!rd)
        return -1;
    const char *m;
    size_t n;
    int64_t line;
    int msgs = 0, rc;
    while ((rc = lg_reader_next(rd, &m, &n, &line, err, sizeof err)) == 1) {
        msgs++;
        lg_source_parse(ctx, src, m, n, ts_on_record, ts_on_bad, o);
    }
    lg_reader_close(rd);
    return rc < 0 ? -1 : msgs;
}

/** Fails the test showing the output when needle is not in o->text. */
#define TS_HAS(o, needle)                                                                          \
    do {                                                                                           \
        if (!strstr((o)->text, (needle))) {                                                        \
            fprintf(stderr, "missing: %s\n--- output:\n%s\n", (needle), (o)->text);                \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

#define TS_HASNT(o, needle)                                                                        \
    do {                                                                                           \
        if (strstr((o)->text, (needle))) {                                                         \
            fprintf(stderr, "unexpected: %s\n--- output:\n%s\n", (needle), (o)->text);             \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

#endif
