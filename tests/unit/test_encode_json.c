/*
 * tests/unit/test_encode_json.c - JSON and pretty encodings of derived
 * events and dead letters: exact output, escaping, null owner, every type.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "sinks/json/json_encode.h"
#include "tests/tools/derived_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_full_event_exact(void **state) {
    (void)state;
    lg_derived ev;
    df_sample(&ev, LG_DERIVED_ORPHAN_NEW);
    lg_strbuf b = LG_STRBUF_INIT;
    assert_int_equal(lg_json_encode_derived(&ev, &b), 0);
    assert_string_equal(
        b.data, "{\"type\":\"orphan.new\",\"event_id\":\"00000000000000000000000000000000\","
                "\"event_time\":\"2024-05-01T10:00:00.123Z\",\"subject\":{\"id\":"
                "\"AKIAEXAMPLE00000000\",\"kind\":\"access_key\",\"name\":\"ci-deployer\"},"
                "\"owner\":{\"id\":\"alice@example.com\",\"status\":\"departed\","
                "\"departed_at\":\"2024-04-30T17:30:00.000Z\"},\"privileged\":false,"
                "\"reason\":\"owner alice@example.com departed\",\"resolves\":null,"
                "\"tenant\":null,\"evidence\":[\"cloudtrail:ev-1\",\"okta:ev-2\"],\"chain\":["
                "\"AKIAEXAMPLE00000000\",\"arn:aws:iam::123456789012:user/ci\","
                "\"alice@example.com\"],\"schema_version\":1}");
    assert_null(strchr(b.data, '\n'));
    lg_strbuf_free(&b);
}

static void test_null_owner_and_resolves(void **state) {
    (void)state;
    lg_derived ev;
    df_sample(&ev, LG_DERIVED_ORPHAN_RESOLVED);
    lg_strbuf b = LG_STRBUF_INIT;
    assert_int_equal(lg_json_encode_derived(&ev, &b), 0);
    assert_non_null(strstr(b.data, "\"owner\":null,"));
    assert_non_null(strstr(b.data, "\"name\":null}"));
    assert_non_null(strstr(b.data, "\"resolves\":\"00000000000000000000000000000000\""));
    assert_non_null(strstr(b.data, "\"tenant\":\"123456789012\""));
    /* an active owner has no departed_at */
    ev.owner_id = "bob@example.com";
    ev.owner_status = "active";
    ev.owner_departed_ms = 0;
    lg_strbuf_reset(&b);
    assert_int_equal(lg_json_encode_derived(&ev, &b), 0);
    assert_non_null(
        strstr(b.data, "\"owner\":{\"id\":\"bob@example.com\",\"status\":\"active\"},"));
    lg_strbuf_free(&b);
}

static void test_every_type(void **state) {
    (void)state;
    lg_strbuf b = LG_STRBUF_INIT;
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++) {
        lg_derived ev;
        df_sample(&ev, (lg_derived_type)t);
        lg_strbuf_reset(&b);
        assert_int_equal(lg_json_encode_derived(&ev, &b), 0);
        char want[96];
        snprintf(want, sizeof(want), "{\"type\":\"%s\",", lg_derived_type_name(t));
        assert_memory_equal(b.data, want, strlen(want));
        assert_int_equal(lg_derived_type_from_name(lg_derived_type_name(t)), t);
    }
    assert_int_equal(lg_derived_type_from_name("orphan.old"), -1);
    assert_int_equal(lg_derived_type_from_name(NULL), -1);
    assert_string_equal(lg_derived_type_name((lg_derived_type)99), "unknown");
    lg_strbuf_free(&b);
}

static void check_escape(const char *in, size_t len, const char *want) {
    lg_strbuf b = LG_STRBUF_INIT;
    assert_int_equal(lg_json_append_string(&b, in, len), 0);
    assert_string_equal(b.data, want);
    assert_true(lg_utf8_valid(b.data, b.len));
    lg_strbuf_free(&b);
}

static void test_escaping(void **state) {
    (void)state;
    check_escape("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
    check_escape("l1\nl2\r\t", 7, "\"l1\\nl2\\r\\t\"");
    check_escape("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\"");
    check_escape("nul\0x", 5, "\"nul\\u0000x\"");
    check_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91", 14,
                 "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91\"");
    /* invalid: lone continuation, truncated, overlong, surrogate, > U+10FFFF */
    check_escape("a\x80z", 3, "\"a\xef\xbf\xbdz\"");
    check_escape("a\xe2\x82", 3, "\"a\xef\xbf\xbd\xef\xbf\xbd\"");
    check_escape("\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"");
    check_escape("\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    check_escape("\xf4\x90\x80\x80", 4, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    assert_false(lg_utf8_valid("\xff", 1));
    assert_true(lg_utf8_valid("", 0));
}

static void test_escaping_in_event(void **state) {
    (void)state;
    lg_derived ev;
    df_sample(&ev, LG_DERIVED_USED_AFTER_DEPARTURE);
    ev.reason = "said \"hi\"\nthen\x1b[31m left\xff";
    ev.subject_name = "tab\there";
    lg_strbuf b = LG_STRBUF_INIT;
    assert_int_equal(lg_json_encode_derived(&ev, &b), 0);
    assert_null(strchr(b.data, '\n'));
    assert_non_null(
        strstr(b.data, "\"reason\":\"said \\\"hi\\\"\\nthen\\u001b[31m left\xef\xbf\xbd\","));
    assert_non_null(strstr(b.data, "\"name\":\"tab\\there\""));
    lg_strbuf_free(&b);
}

static void test_time_format(void **state) {
    (void)state;
    char buf[40];
    assert_string_equal(lg_json_format_time(0, buf, sizeof(buf)), "1970-01-01T00:00:00.000Z");
    assert_string_equal(lg_json_format_time(-1, buf, sizeof(buf)), "1969-12-31T23:59:59.999Z");
    assert_string_equal(lg_json_format_time(951782400005LL, buf, sizeof(buf)),
                        "2000-02-29T00:00:00.005Z");
}

static void test_deadletter(void **state) {
    (void)state;
    lg_deadletter dl;
    lg_strbuf b = LG_STRBUF_INIT;
    df_deadletter(&dl, "{\"a\":1", 6);
    assert_int_equal(lg_json_encode_deadletter(&dl, &b), 0);
    assert_string_equal(b.data, "{\"source\":\"cloudtrail\",\"reason\":\"not JSON\","
                                "\"origin\":\"kafka:cloudtrail/3@42\",\"topic\":\"cloudtrail\","
                                "\"partition\":3,\"offset\":42,\"raw_base64\":\"eyJhIjox\","
                                "\"raw\":\"{\\\"a\\\":1\"}");
    /* binary raw: base64 only; file origin: null topic, -1 */
    static const unsigned char bin[] = {0xff, 0x00, 0x41, 0x42};
    df_deadletter(&dl, bin, sizeof(bin));
    dl.topic = NULL;
    dl.partition = -1;
    dl.offset = -1;
    dl.origin = "file:/tmp/x.json:7";
    lg_strbuf_reset(&b);
    assert_int_equal(lg_json_encode_deadletter(&dl, &b), 0);
    assert_string_equal(b.data, "{\"source\":\"cloudtrail\",\"reason\":\"not JSON\","
                                "\"origin\":\"file:/tmp/x.json:7\",\"topic\":null,"
                                "\"partition\":-1,\"offset\":-1,\"raw_base64\":\"/wBBQg==\"}");
    /* empty raw */
    df_deadletter(&dl, NULL, 0);
    lg_strbuf_reset(&b);
    assert_int_equal(lg_json_encode_deadletter(&dl, &b), 0);
    assert_non_null(strstr(b.data, "\"raw_base64\":\"\"}"));
    lg_strbuf_free(&b);
}

static void test_base64(void **state) {
    (void)state;
    static const struct {
        const char *in, *out;
    } v[] = {{"", ""},
             {"f", "Zg=="},
             {"fo", "Zm8="},
             {"foo", "Zm9v"},
             {"foob", "Zm9vYg=="},
             {"fooba", "Zm9vYmE="},
             {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        lg_strbuf b = LG_STRBUF_INIT;
        assert_int_equal(lg_base64_append(&b, v[i].in, strlen(v[i].in)), 0);
        assert_string_equal(b.data ? b.data : "", v[i].out);
        lg_strbuf_free(&b);
    }
}

static void test_pretty(void **state) {
    (void)state;
    lg_derived ev;
    lg_strbuf b = LG_STRBUF_INIT;
    df_sample(&ev, LG_DERIVED_PRIV_OWNERLESS);
    assert_int_equal(lg_json_format_pretty(&ev, &b), 0);
    assert_string_equal(b.data, "2024-05-01T10:00:00.125Z  privileged_key.ownerless  "
                                "AKIAEXAMPLE00000002  access_key  ci-deployer  "
                                "owner=alice@example.com (departed 2024-04-30)  privileged  "
                                "owner alice@example.com departed");
    df_sample(&ev, LG_DERIVED_ORPHAN_RESOLVED);
    ev.reason = "evil\x1b]0;title\x07 \xc2\x9b";
    lg_strbuf_reset(&b);
    assert_int_equal(lg_json_format_pretty(&ev, &b), 0);
    assert_string_equal(b.data, "2024-05-01T10:00:00.124Z  orphan.resolved  "
                                "AKIAEXAMPLE00000001  access_key  owner=none  "
                                "resolves=00000000000000000000000000000000  evil?]0;title? ?");
    lg_deadletter dl;
    df_deadletter(&dl, "x", 1);
    lg_strbuf_reset(&b);
    assert_int_equal(lg_json_format_pretty_deadletter(&dl, &b), 0);
    assert_string_equal(b.data, "deadletter  cloudtrail  kafka:cloudtrail/3@42  not JSON");
    lg_strbuf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_event_exact),
        cmocka_unit_test(test_null_owner_and_resolves),
        cmocka_unit_test(test_every_type),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_escaping_in_event),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_deadletter),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_pretty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
