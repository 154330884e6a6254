/*
 * tests/unit/test_prefetch.c - replay's read-and-parse thread: chunks of
 * batch_max messages per input in input order, each usable event's facts
 * decoded back, dead letters (unusable events, oversized messages) with
 * their lines and bytes, read errors, a cleared running flag and an early
 * stop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include "processor/prefetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/lg-prefetch.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A CloudTrail event with id "<id>" that creates IAM user "<id>". */
static void put_event(FILE *f, const char *id) {
    fprintf(f,
            "{\"eventID\":\"%s\",\"eventTime\":\"2024-01-01T00:00:00Z\","
            "\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"CreateUser\","
            "\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::1:user/a\"},"
            "\"requestParameters\":{\"userName\":\"%s\"}}\n",
            id, id);
}

static const char *write_file(const char *name, const char *const *lines, size_t n) {
    static char paths[4][128];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, 128, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    for (size_t i = 0; i < n; i++) {
        if (strncmp(lines[i], "ev:", 3) == 0)
            put_event(f, lines[i] + 3);
        else
            fprintf(f, "%s\n", lines[i]);
    }
    fclose(f);
    return p;
}

/* What a chunk held, as text: "R<id>" per record, "B<line>:<reason>" per
 * dead letter ("O" for an oversized message), space-separated. */
typedef struct seen {
    char text[2048];
    size_t records, bad;
    size_t rawlen;
    char raw0;
} seen;

static int on_record(void *opaque, const lg_record *r) {
    seen *s = opaque;
    s->records++;
    assert_true(r->nfacts > 0);
    size_t n = strlen(s->text);
    snprintf(s->text + n, sizeof s->text - n, "R%.*s ", (int)r->event_id.n, r->event_id.p);
    return 0;
}

static int on_bad(void *opaque, const lg_prefetch_bad *b) {
    seen *s = opaque;
    s->bad++;
    s->rawlen = b->rawlen;
    s->raw0 = b->rawlen ? b->raw[0] : 0;
    size_t n = strlen(s->text);
    snprintf(s->text + n, sizeof s->text - n, "%c%lld:%.20s ", b->oversized ? 'O' : 'B',
             (long long)b->line, b->reason);
    return 0;
}

static seen contents(const lg_prefetch_chunk *c) {
    seen s = {0};
    assert_int_equal(lg_prefetch_each(c, on_record, on_bad, &s), 0);
    return s;
}

static volatile sig_atomic_t run_flag = 1;

static bool threaded = true; /* the mode start() uses */

static lg_prefetch *start(const lg_replay_input *in, size_t n, size_t batch_max) {
    char err[256];
    run_flag = 1;
    lg_prefetch_opts o = {.threaded = threaded,
                          .inputs = in,
                          .ninputs = n,
                          .batch_max = batch_max,
                          .input_max_bytes = 16 << 20,
                          .running = &run_flag};
    lg_prefetch *p = lg_prefetch_start(&o, err, sizeof err);
    assert_non_null(p);
    return p;
}

/* Checks the next chunk's input, messages, line and flags; returns it. */
static lg_prefetch_chunk *expect(lg_prefetch *p, size_t input, size_t messages, int64_t line,
                                 bool eoi, bool last) {
    lg_prefetch_chunk *c = lg_prefetch_next(p);
    assert_non_null(c);
    assert_int_equal(c->input, input);
    assert_int_equal(c->messages, messages);
    assert_int_equal(c->line, line);
    assert_int_equal(c->end_of_input, eoi);
    assert_int_equal(c->last, last);
    assert_string_equal(c->err, "");
    return c;
}

static void test_chunks_follow_batches_and_inputs(void **state) {
    (void)state;
    const char *a[] = {"ev:a1", "ev:a2", "ev:a3", "ev:a4", "ev:a5"};
    const char *b[] = {"ev:b1"};
    lg_replay_input in[] = {{LG_SRC_CLOUDTRAIL, write_file("a.jsonl", a, 5)},
                            {LG_SRC_CLOUDTRAIL, write_file("b.jsonl", b, 1)}};
    lg_prefetch *p = start(in, 2, 2);
    lg_prefetch_chunk *c = expect(p, 0, 2, 2, false, false);
    seen s = contents(c);
    assert_string_equal(s.text, "Ra1 Ra2 ");
    lg_prefetch_release(p, c);
    c = expect(p, 0, 2, 4, false, false);
    assert_string_equal(contents(c).text, "Ra3 Ra4 ");
    lg_prefetch_release(p, c);
    c = expect(p, 0, 1, 5, true, false);
    assert_string_equal(contents(c).text, "Ra5 ");
    lg_prefetch_release(p, c);
    c = expect(p, 1, 1, 1, true, true);
    assert_string_equal(contents(c).text, "Rb1 ");
    lg_prefetch_release(p, c);
    assert_null(lg_prefetch_next(p));
    lg_prefetch_stop(p);
}

/* An input that ends on a chunk boundary still ends with a chunk of its
 * own, empty, at its last line: the driver commits the input's end there. */
static void test_boundary_at_end_of_input(void **state) {
    (void)state;
    const char *a[] = {"ev:a1", "ev:a2"};
    lg_replay_input in[] = {{LG_SRC_CLOUDTRAIL, write_file("a.jsonl", a, 2)}};
    lg_prefetch *p = start(in, 1, 2);
    lg_prefetch_chunk *c = expect(p, 0, 2, 2, false, false);
    lg_prefetch_release(p, c);
    c = expect(p, 0, 0, 2, true, true);
    assert_int_equal(contents(c).records, 0);
    lg_prefetch_release(p, c);
    lg_prefetch_stop(p);
}

static void test_dead_letters_keep_line_reason_and_bytes(void **state) {
    (void)state;
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[0] = '{';
    big[sizeof big - 1] = '\0';
    const char *a[] = {"ev:a1", "not json", "{\"eventID\":\"e2\"}", big, "ev:a5"};
    lg_replay_input in[] = {{LG_SRC_CLOUDTRAIL, write_file("a.jsonl", a, 5)}};
    char err[256];
    lg_prefetch_opts o = {.threaded = threaded,
                          .inputs = in,
                          .ninputs = 1,
                          .batch_max = 100,
                          .input_max_bytes = 2048,
                          .running = &run_flag};
    run_flag = 1;
    lg_prefetch *p = lg_prefetch_start(&o, err, sizeof err);
    assert_non_null(p);
    lg_prefetch_chunk *c = expect(p, 0, 5, 5, true, true);
    seen s = contents(c);
    assert_int_equal(s.records, 2);
    assert_int_equal(s.bad, 3);
    assert_non_null(strstr(s.text, "Ra1 B2:"));
    assert_non_null(strstr(s.text, " B3:cloudtrail: missing"));
    assert_non_null(strstr(s.text, " O4:message of 2999 byt"));
    assert_non_null(strstr(s.text, " Ra5 "));
    /* the last dead letter seen was the oversized message's first 1024 bytes */
    assert_int_equal(s.rawlen, 1024);
    assert_int_equal(s.raw0, '{');
    lg_prefetch_release(p, c);
    lg_prefetch_stop(p);
}

static void test_unreadable_input_is_an_error(void **state) {
    (void)state;
    const char *a[] = {"ev:a1"};
    char missing[128];
    snprintf(missing, sizeof missing, "%s/missing.jsonl", dir);
    lg_replay_input in[] = {{LG_SRC_CLOUDTRAIL, write_file("a.jsonl", a, 1)},
                            {LG_SRC_CLOUDTRAIL, missing}};
    lg_prefetch *p = start(in, 2, 10);
    lg_prefetch_chunk *c = expect(p, 0, 1, 1, true, false);
    lg_prefetch_release(p, c);
    c = lg_prefetch_next(p);
    assert_non_null(c);
    assert_int_equal(c->input, 1);
    assert_true(c->last);
    assert_non_null(strstr(c->err, "missing.jsonl"));
    lg_prefetch_release(p, c);
    assert_null(lg_prefetch_next(p));
    lg_prefetch_stop(p);
}

/* A cleared running flag makes the chunk in progress the last one; a stop
 * while the thread waits for a free chunk joins it (and frees everything:
 * the ASan build checks). */
static void test_running_cleared_and_early_stop(void **state) {
    (void)state;
    const char *a[] = {"ev:a1", "ev:a2", "ev:a3", "ev:a4", "ev:a5", "ev:a6"};
    lg_replay_input in[] = {{LG_SRC_CLOUDTRAIL, write_file("a.jsonl", a, 6)}};
    lg_prefetch *p = start(in, 1, 1);
    lg_prefetch_chunk *c = expect(p, 0, 1, 1, false, false);
    run_flag = 0;
    lg_prefetch_release(p, c);
    /* chunks already parsed may come first; the run ends with a last one
     * and reads no further than the depth allows */
    size_t chunks = 0;
    while ((c = lg_prefetch_next(p)) != NULL) {
        chunks++;
        bool last = c->last;
        assert_true(c->line <= 5);
        lg_prefetch_release(p, c);
        if (last)
            break;
    }
    assert_true(chunks >= 1 && chunks <= 4);
    lg_prefetch_stop(p);

    p = start(in, 1, 1); /* never read: stop with the thread waiting */
    lg_prefetch_stop(p);
}

/* The same chunks without a thread: read when the driver asks. */
static void test_without_a_thread(void **state) {
    threaded = false;
    test_chunks_follow_batches_and_inputs(state);
    test_boundary_at_end_of_input(state);
    test_dead_letters_keep_line_reason_and_bytes(state);
    test_unreadable_input_is_an_error(state);
    test_running_cleared_and_early_stop(state);
    threaded = true;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunks_follow_batches_and_inputs),
        cmocka_unit_test(test_boundary_at_end_of_input),
        cmocka_unit_test(test_dead_letters_keep_line_reason_and_bytes),
        cmocka_unit_test(test_unreadable_input_is_an_error),
        cmocka_unit_test(test_running_cleared_and_early_stop),
        cmocka_unit_test(test_without_a_thread),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
