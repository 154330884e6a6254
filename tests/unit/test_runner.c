/* tests/unit/test_runner.c - the stage runners of exactly-once `run`: each
 * stage steps on its own thread, a failing step ends its runner and is
 * reported with the stage's name, force reaches the steps, and stop joins
 * the threads (the stages are the caller's again afterwards). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "processor/clock.h"
#include "processor/kafka/runner.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

typedef struct fake {
    atomic_int steps;
    atomic_int forced;     /* steps called with force */
    int fail_after;        /* 0: never */
    int fail_with;         /* 1 or -1 */
    atomic_bool in_step;   /* a step is running */
    pthread_t last_thread; /* the thread of the last step */
} fake;

static int fake_step(void *stage, int timeout_ms, bool force, char *errstr, size_t errstr_size) {
    fake *f = stage;
    atomic_store(&f->in_step, true);
    f->last_thread = pthread_self();
    assert_true(timeout_ms > 0);
    int n = atomic_fetch_add(&f->steps, 1) + 1;
    if (force)
        atomic_fetch_add(&f->forced, 1);
    atomic_store(&f->in_step, false);
    if (f->fail_after && n >= f->fail_after) {
        snprintf(errstr, errstr_size, "failed at step %d", n);
        return f->fail_with;
    }
    return 0;
}

/* Polls until cond holds or 5 s pass. */
#define WAIT_FOR(cond)                                                                             \
    do {                                                                                           \
        int64_t until_ = lg_mono_ms() + 5000;                                                      \
        while (!(cond) && lg_mono_ms() < until_)                                                   \
            lg_runners_wait(g, 5, NULL, 0);                                                        \
        assert_true(cond);                                                                         \
    } while (0)

static void test_steps_on_own_threads_and_stop_joins(void **state) {
    (void)state;
    fake a = {0}, b = {0};
    char err[256] = "";
    lg_runners *g = lg_runners_new(1);
    assert_non_null(g);
    assert_int_equal(lg_runners_add(g, "a", fake_step, &a, err, sizeof err), 0);
    assert_int_equal(lg_runners_add(g, "b", fake_step, &b, err, sizeof err), 1);
    WAIT_FOR(atomic_load(&a.steps) > 10 && atomic_load(&b.steps) > 10);
    assert_int_equal(lg_runners_wait(g, 1, err, sizeof err), 0); /* none ended */
    assert_int_equal(atomic_load(&a.forced), 0);
    lg_runners_force(g, 1, true);
    WAIT_FOR(atomic_load(&b.forced) > 0);
    assert_int_equal(atomic_load(&a.forced), 0);
    lg_runners_stop(g);
    assert_false(pthread_equal(a.last_thread, pthread_self()));
    assert_false(pthread_equal(a.last_thread, b.last_thread));
    int na = atomic_load(&a.steps), nb = atomic_load(&b.steps);
    assert_false(atomic_load(&a.in_step));
    /* joined: nothing steps any more */
    lg_runners_wait(g, 20, err, sizeof err);
    assert_int_equal(atomic_load(&a.steps), na);
    assert_int_equal(atomic_load(&b.steps), nb);
    lg_runners_stop(g); /* idempotent */
    lg_runners_destroy(g);
}

static void test_a_failing_step_is_reported_with_its_stage(void **state) {
    (void)state;
    fake ok = {0}, bad = {.fail_after = 3, .fail_with = 1};
    char err[256] = "";
    lg_runners *g = lg_runners_new(1);
    assert_non_null(g);
    assert_true(lg_runners_add(g, "parse stage", fake_step, &ok, err, sizeof err) >= 0);
    assert_true(lg_runners_add(g, "graph stage", fake_step, &bad, err, sizeof err) >= 0);
    int rc = 0;
    int64_t until = lg_mono_ms() + 5000;
    while (rc == 0 && lg_mono_ms() < until)
        rc = lg_runners_wait(g, 100, err, sizeof err);
    assert_int_equal(rc, 1);
    assert_string_equal(err, "graph stage: failed at step 3");
    assert_int_equal(atomic_load(&bad.steps), 3); /* its runner ended */
    lg_runners_destroy(g);                        /* stops the other one */

    fake fatal = {.fail_after = 1, .fail_with = -1};
    g = lg_runners_new(1);
    assert_non_null(g);
    assert_true(lg_runners_add(g, "graph stage", fake_step, &fatal, err, sizeof err) >= 0);
    rc = 0;
    until = lg_mono_ms() + 5000;
    while (rc == 0 && lg_mono_ms() < until)
        rc = lg_runners_wait(g, 100, err, sizeof err);
    assert_int_equal(rc, -1);
    assert_string_equal(err, "graph stage: failed at step 1");
    lg_runners_destroy(g);
}

static void test_limits(void **state) {
    (void)state;
    fake f = {0};
    char err[256] = "";
    lg_runners *g = lg_runners_new(1);
    assert_non_null(g);
    for (int i = 0; i < LG_RUNNERS_MAX; i++)
        assert_int_equal(lg_runners_add(g, "s", fake_step, &f, err, sizeof err), i);
    assert_int_equal(lg_runners_add(g, "one too many", fake_step, &f, err, sizeof err), -1);
    assert_non_null(strstr(err, "at most"));
    lg_runners_destroy(g);
    lg_runners_destroy(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steps_on_own_threads_and_stop_joins),
        cmocka_unit_test(test_a_failing_step_is_reported_with_its_stage),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
