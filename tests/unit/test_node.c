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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
