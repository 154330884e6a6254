/*
 * tests/unit/test_node.c - node string fields: lg_strset keeps an equal
 * value, reuses the allocation for a value that fits (same length but
 * other bytes included), reallocates a longer one and clears to NULL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include "state/codec.h"
#include "state/node.h"

#include <stdlib.h>
#include <string.h>

static void test_strset(void **state) {
    (void)state;
    char *s = NULL;
    assert_int_equal(lg_strset(&s, "abcdef"), 0);
    assert_string_equal(s, "abcdef");
    char *first = s;
    assert_int_equal(lg_strset(&s, "abcdef"), 0); /* equal: untouched */
    assert_ptr_equal(s, first);
    assert_int_equal(lg_strset(&s, "abcdeg"), 0); /* same length, other bytes */
    assert_string_equal(s, "abcdeg");
    assert_ptr_equal(s, first);
    assert_int_equal(lg_strset(&s, "ab"), 0); /* fits: copied in place */
    assert_string_equal(s, "ab");
    assert_ptr_equal(s, first);
    assert_int_equal(lg_strset(&s, "abcdefghijklmnop"), 0); /* longer */
    assert_string_equal(s, "abcdefghijklmnop");
    assert_int_equal(lg_strset(&s, ""), 0);
    assert_string_equal(s, "");
    assert_int_equal(lg_strset(&s, NULL), 0);
    assert_null(s);
    assert_int_equal(lg_strset(&s, NULL), 0);
    assert_null(s);
}

/* Fixed 8-byte big-endian integers: the most significant byte first (so
 * such keys sort by number), and they read back whole. */
static void test_be64(void **state) {
    (void)state;
    unsigned char b[8];
    lg_be64_put(b, 0x0102030405060708ULL);
    static const unsigned char want[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_memory_equal(b, want, 8);
    assert_true(lg_be64_get(b) == 0x0102030405060708ULL);
    unsigned char lo[8], hi[8];
    lg_be64_put(lo, 255);
    lg_be64_put(hi, 256);
    assert_true(memcmp(lo, hi, 8) < 0);
    lg_be64_put(b, UINT64_MAX);
    assert_true(lg_be64_get(b) == UINT64_MAX);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strset),
        cmocka_unit_test(test_be64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
