/* tests/unit/test_json.c - the simdjson C shim. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "processor/json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lg_json_parser *p;

static int setup(void **state) {
    (void)state;
    p = lg_json_parser_new();
    return p ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    lg_json_parser_destroy(p);
    return 0;
}

static lg_json_val parse_ok(const char *s) {
    lg_json_val v;
    char err[128];
    assert_int_equal(lg_json_parse(p, s, strlen(s), &v, err, sizeof err), 0);
    return v;
}

static void test_types_and_lookup(void **state) {
    (void)state;
    lg_json_val r = parse_ok("{\"s\":\"h\\u00e9\",\"i\":-3,\"u\":18446744073709551615,"
                             "\"big\":9223372036854775807,\"d\":1.5,\"di\":1621305118553.0,"
                             "\"b\":true,\"n\":null,\"a\":[1,2,3],\"o\":{\"x\":{\"y\":\"z\"}}}");
    assert_int_equal(lg_json_type_of(r), LG_JSON_OBJECT);
    assert_int_equal(lg_json_type_of(lg_json_get(r, "s")), LG_JSON_STRING);
    assert_int_equal(lg_json_type_of(lg_json_get(r, "i")), LG_JSON_INT);
    assert_int_equal(lg_json_type_of(lg_json_get(r, "u")), LG_JSON_UINT);
    assert_int_equal(lg_json_type_of(lg_json_get(r, "big")), LG_JSON_INT);
    assert_int_equal(lg_json_type_of(lg_json_get(r, "d")), LG_JSON_DOUBLE);
    assert_int_equal(lg_json_type_of(lg_json_get(r, "b")), LG_JSON_BOOL);
    assert_int_equal(lg_json_type_of(lg_json_get(r, "n")), LG_JSON_NULL);
    assert_int_equal(lg_json_type_of(lg_json_get(r, "a")), LG_JSON_ARRAY);
    assert_int_equal(lg_json_type_of(lg_json_get(r, "nope")), LG_JSON_MISSING);
    assert_int_equal(lg_json_type_of(lg_json_get(lg_json_get(r, "s"), "x")), LG_JSON_MISSING);
    assert_int_equal(lg_json_type_of(lg_json_get(lg_json_get(r, "nope"), "x")), LG_JSON_MISSING);

    const char *s;
    size_t n;
    assert_true(lg_json_str(lg_json_get(r, "s"), &s, &n));
    assert_int_equal(n, 3);
    assert_memory_equal(s, "h\xc3\xa9", 3);
    assert_false(lg_json_str(lg_json_get(r, "i"), &s, &n));
    assert_true(lg_json_str(lg_json_path(r, "o/x/y"), &s, &n));
    assert_memory_equal(s, "z", 1);
    assert_int_equal(lg_json_type_of(lg_json_path(r, "o/x/y/z")), LG_JSON_MISSING);
    assert_int_equal(lg_json_type_of(lg_json_path(r, "o/q/y")), LG_JSON_MISSING);

    int64_t i;
    assert_true(lg_json_int(lg_json_get(r, "i"), &i));
    assert_int_equal(i, -3);
    assert_true(lg_json_int(lg_json_get(r, "u"), &i));
    assert_true(i == INT64_MAX); /* clamped */
    assert_true(lg_json_int(lg_json_get(r, "di"), &i));
    assert_true(i == 1621305118553LL);
    assert_false(lg_json_int(lg_json_get(r, "d"), &i));
    assert_false(lg_json_int(lg_json_get(r, "s"), &i));
    double d;
    assert_true(lg_json_double(lg_json_get(r, "d"), &d));
    assert_true(d == 1.5);
    assert_true(lg_json_double(lg_json_get(r, "i"), &d));
    assert_true(d == -3.0);
    bool b = false;
    assert_true(lg_json_bool(lg_json_get(r, "b"), &b));
    assert_true(b);
    assert_false(lg_json_bool(lg_json_get(r, "n"), &b));
    assert_int_equal(lg_json_size(lg_json_get(r, "a")), 3);
    assert_int_equal(lg_json_size(r), 10);
    assert_int_equal(lg_json_size(lg_json_get(r, "s")), 0);
}

static void test_iterators(void **state) {
    (void)state;
    lg_json_val r =
        parse_ok("{\"a\":[10,\"x\",[],{}],\"o\":{\"k1\":1,\"k2\":2},\"e\":[],\"eo\":{}}");
    lg_json_iter it;
    lg_json_val v;
    const char *k;
    size_t kn;
    assert_true(lg_json_iter_begin(lg_json_get(r, "a"), &it));
    lg_json_type want[] = {LG_JSON_INT, LG_JSON_STRING, LG_JSON_ARRAY, LG_JSON_OBJECT};
    size_t count = 0;
    while (lg_json_iter_next(&it, &k, &kn, &v)) {
        assert_null(k);
        assert_int_equal(lg_json_type_of(v), want[count]);
        count++;
    }
    assert_int_equal(count, 4);
    assert_false(lg_json_iter_next(&it, NULL, NULL, &v)); /* stays at the end */

    assert_true(lg_json_iter_begin(lg_json_get(r, "o"), &it));
    count = 0;
    while (lg_json_iter_next(&it, &k, &kn, &v)) {
        int64_t i;
        assert_int_equal(kn, 2);
        assert_true(lg_json_int(v, &i));
        assert_int_equal(k[1] - '0', i);
        count++;
    }
    assert_int_equal(count, 2);
    assert_true(lg_json_iter_begin(lg_json_get(r, "e"), &it));
    assert_false(lg_json_iter_next(&it, NULL, NULL, &v));
    assert_true(lg_json_iter_begin(lg_json_get(r, "eo"), &it));
    assert_false(lg_json_iter_next(&it, &k, &kn, &v));
    assert_false(lg_json_iter_begin(lg_json_get(r, "nope"), &it));
    assert_false(lg_json_iter_begin(parse_ok("3"), &it));
}

static void test_minify_and_errors(void **state) {
    (void)state;
    lg_json_val r = parse_ok(" { \"a\" : [ 1 , 2.5 , \"q\\\"\\n\" ] , \"b\" : null } ");
    size_t n = 0;
    char *m = lg_json_minify(r, &n);
    assert_non_null(m);
    assert_string_equal(m, "{\"a\":[1,2.5,\"q\\\"\\n\"],\"b\":null}");
    assert_int_equal(n, strlen(m));
    free(m);
    m = lg_json_minify(lg_json_get(r, "a"), &n);
    assert_string_equal(m, "[1,2.5,\"q\\\"\\n\"]");
    free(m);
    assert_null(lg_json_minify(lg_json_get(r, "zz"), &n));

    lg_json_val v;
    char err[128] = "";
    const char *bad[] = {"", "{", "{\"a\":}", "[1,]", "nul", "{\"a\":1}}", "\"\\x\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(lg_json_parse(p, bad[i], strlen(bad[i]), &v, err, sizeof err), -1);
        assert_int_equal(lg_json_type_of(v), LG_JSON_MISSING);
        assert_true(strncmp(err, "invalid JSON: ", 14) == 0);
    }
    /* The parser stays usable, and a bigger document after small ones is fine. */
    char big[20000];
    size_t o = 0;
    big[o++] = '[';
    for (int i = 0; i < 2000; i++)
        o += (size_t)snprintf(big + o, sizeof big - o, "%s%d", i ? "," : "", i);
    big[o++] = ']';
    assert_int_equal(lg_json_parse(p, big, o, &v, err, sizeof err), 0);
    assert_int_equal(lg_json_size(v), 2000);
    lg_json_parser_destroy(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_types_and_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iterators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_minify_and_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
