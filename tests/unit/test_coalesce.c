/*
 * tests/unit/test_coalesce.c - the parse stage's usage coalescing: the
 * earliest and the latest use of each identity survive whatever the order
 * the records arrive in, and identities are told apart by every byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include "processor/kafka/coalesce.h"

#include <stdio.h>
#include <string.h>

/* What lg_coalesce_each handed out, as "tenant/part/record" lines. */
typedef struct kept {
    char lines[16][64];
    int64_t arrived[16];
    size_t n;
} kept;

static int collect(void *opaque, int32_t part, const char *tenant, size_t tlen, int64_t arrived,
                   const void *rec, size_t rlen) {
    kept *k = opaque;
    assert_int_equal(strlen(tenant), tlen);
    assert_true(k->n < 16);
    k->arrived[k->n] = arrived;
    snprintf(k->lines[k->n++], 64, "%s/%d/%.*s", tenant, (int)part, (int)rlen, (const char *)rec);
    return 0;
}

/* Counts the records handed out and notes those of identity k7 in order. */
typedef struct counted {
    size_t total;
    char k7[64];
} counted;

static int count_k7(void *opaque, int32_t part, const char *tenant, size_t tlen, int64_t arrived,
                    const void *rec, size_t rlen) {
    counted *n = opaque;
    (void)part, (void)tenant, (void)tlen, (void)arrived;
    n->total++;
    if (rlen >= 2 && memcmp(rec, "k7", 2) == 0)
        snprintf(n->k7 + strlen(n->k7), sizeof n->k7 - strlen(n->k7), "%.*s ", (int)rlen,
                 (const char *)rec);
    return 0;
}

static void add_at(lg_coalesce *c, const char *key, size_t klen, int64_t t, int64_t arrived,
                   const char *rec) {
    assert_int_equal(lg_coalesce_add(c, key, klen, 3, "acme", 4, t, arrived, rec, strlen(rec)), 0);
}

static void add(lg_coalesce *c, const char *key, size_t klen, int64_t t, const char *rec) {
    add_at(c, key, klen, t, 1000, rec);
}

static kept each(const lg_coalesce *c) {
    kept k = {0};
    assert_int_equal(lg_coalesce_each(c, collect, &k), 0);
    return k;
}

/* Checks that exactly the records want[0..n) are handed out, in order. */
static void expect(const lg_coalesce *c, const char *const *want, size_t n) {
    kept k = each(c);
    assert_int_equal(k.n, n);
    for (size_t i = 0; i < n; i++) {
        char line[64];
        snprintf(line, sizeof line, "acme/3/%s", want[i]);
        assert_string_equal(k.lines[i], line);
    }
}

/* Every arrival order of three uses keeps the earliest and the latest. */
static void test_any_order(void **state) {
    (void)state;
    static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                     {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    static const char *recs[3] = {"t10", "t20", "t30"};
    for (int o = 0; o < 6; o++) {
        lg_coalesce c = {0};
        for (int i = 0; i < 3; i++) {
            int r = orders[o][i];
            add(&c, "id", 2, 10 * (r + 1), recs[r]);
        }
        expect(&c, (const char *[]){"t10", "t30"}, 2);
        assert_int_equal(c.coalesced, 2);
        lg_coalesce_free(&c);
    }
}

/* The latest first, then one earlier use: both are kept (the latest was
 * lost when the first record of an identity was its latest). */
static void test_latest_first(void **state) {
    (void)state;
    lg_coalesce c = {0};
    add(&c, "id", 2, 30, "late");
    add(&c, "id", 2, 10, "early");
    expect(&c, (const char *[]){"early", "late"}, 2);
    /* a use between them, then one at the latest's time: nothing changes */
    add(&c, "id", 2, 20, "middle");
    add(&c, "id", 2, 30, "again");
    expect(&c, (const char *[]){"early", "late"}, 2);
    lg_coalesce_free(&c);
}

/* Each identity's kept records carry the earliest arrival of all the
 * records it stood for, kept or dropped, whatever their order; another
 * identity keeps its own. */
static void test_arrival(void **state) {
    (void)state;
    lg_coalesce c = {0};
    add_at(&c, "id", 2, 20, 5000, "middle"); /* dropped later, arrived first */
    add_at(&c, "other", 5, 1, 9000, "other");
    add_at(&c, "id", 2, 10, 7000, "early");
    add_at(&c, "id", 2, 30, 6000, "late");
    add_at(&c, "id", 2, 25, 4000, "dropped"); /* between: dropped, arrived earliest */
    kept k = each(&c);
    assert_int_equal(k.n, 3);
    assert_string_equal(k.lines[0], "acme/3/early");
    assert_string_equal(k.lines[1], "acme/3/late");
    assert_string_equal(k.lines[2], "acme/3/other");
    assert_int_equal(k.arrived[0], 4000);
    assert_int_equal(k.arrived[1], 4000);
    assert_int_equal(k.arrived[2], 9000);
    lg_coalesce_free(&c);
}

/* One use is handed out once; identities come in first-seen order; keys
 * that differ only after a NUL byte are different identities; clear
 * forgets everything. */
static void test_identities(void **state) {
    (void)state;
    lg_coalesce c = {0};
    add(&c, "b\0x", 3, 5, "b-x");
    add(&c, "a", 1, 7, "a");
    add(&c, "b\0y", 3, 6, "b-y");
    expect(&c, (const char *[]){"b-x", "a", "b-y"}, 3);
    assert_int_equal(c.coalesced, 0);
    lg_coalesce_clear(&c);
    for (int i = 0; i < 500; i++) { /* the index grows */
        char key[16];
        int n = snprintf(key, sizeof key, "k%d", i);
        add(&c, key, (size_t)n, i, i == 7 ? "k7" : "r");
    }
    add(&c, "k7", 2, 1, "k7-early");
    assert_int_equal(c.n, 500);
    assert_int_equal(c.coalesced, 1);
    counted n = {0};
    assert_int_equal(lg_coalesce_each(&c, count_k7, &n), 0);
    assert_int_equal(n.total, 501);
    assert_string_equal(n.k7, "k7-early k7 ");
    lg_coalesce_clear(&c);
    expect(&c, NULL, 0);
    add(&c, "a", 1, 1, "fresh");
    expect(&c, (const char *[]){"fresh"}, 1);
    lg_coalesce_free(&c);
    lg_coalesce_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_any_order),
        cmocka_unit_test(test_latest_first),
        cmocka_unit_test(test_arrival),
        cmocka_unit_test(test_identities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
