/* tests/unit/test_engine.c - the engine's batch boundary: what
 * lg_engine_prepare asks of its output sinks, with and without
 * lg_engine_opts.caller_flushes (a transactional stage flushes them itself,
 * once, with its changelog records). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "processor/engine.h"
#include "processor/sources/source.h"
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POISON "this is not JSON {"

/* An output that counts what it is asked to do. */
typedef struct counts {
    int emitted, deadlettered, flushes;
} counts;

static lg_sink_result c_emit(void *self, const lg_derived *ev, char *errstr, size_t errstr_size) {
    (void)ev, (void)errstr, (void)errstr_size;
    ((counts *)self)->emitted++;
    return LG_SINK_OK;
}

static lg_sink_result c_deadletter(void *self, const lg_deadletter *dl, char *errstr,
                                   size_t errstr_size) {
    (void)dl, (void)errstr, (void)errstr_size;
    ((counts *)self)->deadlettered++;
    return LG_SINK_OK;
}

static lg_sink_result c_flush(void *self, int timeout_ms, char *errstr, size_t errstr_size) {
    (void)timeout_ms, (void)errstr, (void)errstr_size;
    ((counts *)self)->flushes++;
    return LG_SINK_OK;
}

static void c_destroy(void *self) {
    (void)self;
}

static const lg_sink_ops counting = {"counting", c_emit, c_deadletter, c_flush, c_destroy};

/* A batch with a derived event (an admin user's key: privileged and
 * ownerless, announced at once with no hold) and a dead letter, prepared
 * and committed; returns the output's counts after prepare (*at_prepare)
 * and after the commit. */
static counts batch(bool caller_flushes, counts *at_prepare) {
    char err[512];
    counts c = {0};
    lg_sink *out = lg_sink_new(&counting, &c);
    assert_non_null(out);
    char *dir = tu_tmpdir("lgengine");
    lg_engine_opts o = {.state_dir = dir,
                        .out = out,
                        .deadletter = out,
                        .ownerless_hold_ms = 0,
                        .caller_flushes = caller_flushes};
    lg_engine *e = lg_engine_open(&o, err, sizeof err);
    if (!e)
        fail_msg("lg_engine_open: %s", err);
    char *path =
        tu_sample_path("cloudtrail/stratus-red-team/aws.persistence.iam-create-admin-user.json");
    size_t len = 0;
    char *admin = tu_read_file(path, &len);
    assert_non_null(admin);
    lg_origin origin = {"test", NULL, -1, -1};
    assert_int_equal(lg_engine_process(e, LG_SRC_CLOUDTRAIL, admin, len, &origin, err, sizeof err),
                     0);
    assert_int_equal(
        lg_engine_process(e, LG_SRC_OKTA, POISON, strlen(POISON), &origin, err, sizeof err), 0);
    assert_int_equal(lg_engine_prepare(e, err, sizeof err), 0);
    *at_prepare = c;
    assert_int_equal(lg_engine_commit(e, NULL, 0, err, sizeof err), 0);
    counts after = c;
    lg_engine_close(e);
    lg_sink_destroy(out);
    tu_rmtree(dir);
    free(dir);
    free(admin);
    free(path);
    return after;
}

/* Without the option (replay, at_least_once) prepare waits for the
 * outputs before the state is written: never ahead of what they got. */
static void test_prepare_flushes_outputs(void **state) {
    (void)state;
    counts p, c = batch(false, &p);
    assert_true(p.emitted >= 1);
    assert_int_equal(p.deadlettered, 1);
    assert_true(p.flushes >= 1);
    assert_true(c.flushes >= p.flushes);
}

/* With it (the graph stage, whose transaction's commit flushes), prepare
 * and commit leave the flush to the caller: the derived events are
 * acknowledged in one wait with the changelog records. */
static void test_caller_flushes(void **state) {
    (void)state;
    counts p, c = batch(true, &p);
    assert_true(p.emitted >= 1);
    assert_int_equal(p.deadlettered, 1);
    assert_int_equal(p.flushes, 0);
    assert_int_equal(c.flushes, 0);
    assert_int_equal(c.emitted, p.emitted);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prepare_flushes_outputs),
        cmocka_unit_test(test_caller_flushes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
