/*
 * tests/unit/test_sort.c - lg_sort_bytes orders keys as memcmp then length
 * (RocksDB's bytewise order), checked against qsort with that comparator:
 * random keys over small alphabets (long shared prefixes, runs that end
 * inside a chunk, NUL bytes, keys that begin others), ARN-like ids sharing
 * 26 bytes, fixed 16-byte binary keys, duplicates, every size up to past
 * the insertion-sort cut, and the values travel with their keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include "state/sort.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_bytes(const void *a, const void *b) {
    const lg_sort_item *x = a, *y = b;
    size_t m = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->p, y->p, m);
    return c ? c : x->n < y->n ? -1 : x->n > y->n;
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* n keys from gen into one buffer; sorts a copy both ways and compares
 * key by key, and that each value still names its own key. */
static void check(size_t n, size_t (*gen)(unsigned char *out, size_t i)) {
    unsigned char *buf = malloc(n * 64 + 1);
    lg_sort_item *v = malloc((n + 1) * sizeof *v), *w = malloc((n + 1) * sizeof *w);
    assert_non_null(buf);
    assert_non_null(v);
    assert_non_null(w);
    for (size_t i = 0; i < n; i++) {
        unsigned char *p = buf + i * 64;
        v[i] = (lg_sort_item){p, gen(p, i), p};
    }
    memcpy(w, v, n * sizeof *v);
    assert_int_equal(lg_sort_bytes(v, n), 0);
    qsort(w, n, sizeof *w, cmp_bytes);
    for (size_t i = 0; i < n; i++) {
        if (cmp_bytes(&v[i], &w[i]) != 0)
            fail_msg("n %zu: item %zu differs from qsort's", n, i);
        assert_ptr_equal(v[i].val, v[i].p);
    }
    free(buf);
    free(v);
    free(w);
}

static size_t gen_small_alphabet(unsigned char *out, size_t i) {
    (void)i;
    size_t len = next() % 40;
    for (size_t k = 0; k < len; k++)
        out[k] = (unsigned char)(next() % 3); /* 0, 1, 2: NULs and long ties */
    return len;
}

static size_t gen_arn(unsigned char *out, size_t i) {
    static const char *const kinds[] = {"user/", "role/", "role/svc-"};
    return (size_t)snprintf((char *)out, 64, "arn:aws:iam::21098765432%d:%s%llu", (int)(i % 2),
                            kinds[next() % 3], (unsigned long long)(next() % 5000));
}

static size_t gen_binary16(unsigned char *out, size_t i) {
    (void)i;
    uint64_t a = next() % 4, b = next(); /* few distinct hours */
    memcpy(out, &a, 4);
    memcpy(out + 4, &b, 8);
    memcpy(out + 12, &b, 4);
    return 16;
}

static size_t gen_prefixes(unsigned char *out, size_t i) {
    /* "aaaaaaaa..." of every length up to 40: each key begins the next */
    size_t len = (i * 7) % 41;
    memset(out, 'a', len);
    return len;
}

static void test_matches_qsort(void **state) {
    (void)state;
    static const size_t sizes[] = {0, 1, 2, 3, 23, 24, 25, 100, 1000, 5000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        check(sizes[s], gen_small_alphabet);
        check(sizes[s], gen_arn);
        check(sizes[s], gen_binary16);
        check(sizes[s], gen_prefixes);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_qsort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
