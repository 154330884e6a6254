/* tests/unit/test_source_okta.c - the Okta System Log parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/test_source_util.h"

static void test_samples(void **state) {
    (void)state;
    assert_int_equal(
        ts_parse_sample(ctx, LG_SRC_OKTA, "okta/panther-analysis-test-fixtures.jsonl", &out), 22);
    /* 4 without uuid or published, 3 "redacted" times, 1 null published. */
    assert_int_equal(out.nrec + out.nbad, 22);
    assert_int_equal(out.nbad, 9);
    TS_HAS(&out, "BAD okta: missing uuid");
    TS_HAS(&out, "BAD okta: unparsable published");
    TS_HAS(&out, "  CREATED okta_api_token:00Tpki36zlWjhjQ1u2p4 actor=human:user@example.com ");
    TS_HAS(&out, "  DELETED okta_api_token:00Tpki36zlWjhjQ1u2p4 actor=human:user@example.com ");
    /* Only the "Super administrator" grant is a privilege. */
    TS_HAS(&out, "  PRIVILEGE human:alice@acme.io actor=human:jack@acme.io parent=unknown: obj= "
                 "detail=Super administrator, Read only admin status=0 flag=1\n");
    memset(&out, 0, sizeof out);
    assert_int_equal(
        ts_parse_sample(ctx, LG_SRC_OKTA, "okta/panther-analysis-test-scenarios.jsonl", &out), 20);
    assert_int_equal(out.nrec, 20);
    assert_int_equal(out.nbad, 0);
}

static void test_lifecycle_create(void **state) {
    (void)state;
    ts_parse_sample(ctx, LG_SRC_OKTA, "okta/panther-analysis-test-scenarios.jsonl", &out);
    TS_HAS(&out,
           "REC e6054be2-db52-11eb-bf04-0f9a403a57aa 1625243465784 user.lifecycle.create "
           "tenant=\n"
           "  HUMAN human:jack.naglieri@runpanther.io actor=human:jack.naglieri@runpanther.io "
           "parent=unknown: obj= detail=user.lifecycle.create status=0 flag=0\n"
           "  HUMAN human:thomas12223391@gmail.com actor=human:jack.naglieri@runpanther.io "
           "parent=unknown: obj= detail=user.lifecycle.create status=0 flag=0\n"
           "  HUMAN_STATUS human:thomas12223391@gmail.com "
           "actor=human:jack.naglieri@runpanther.io parent=unknown: obj= "
           "detail=user.lifecycle.create status=0 flag=0\n");
    /* A failed login is kept, failed, without facts. */
    TS_HAS(&out, "REC 5f09746d-2213-11eb-ad64-a7e5a0a8ce4f 1603621222000 user.session.start "
                 "tenant= FAILED\nREC ");
}

static void test_handwritten(void **state) {
    (void)state;
    const char *fmt = "{\"uuid\":\"%s\",\"published\":\"2024-02-01T10:00:00.000Z\","
                      "\"eventType\":\"%s\",\"actor\":{\"type\":\"User\","
                      "\"alternateId\":\"Admin@Corp.com\"},\"outcome\":{\"result\":\"SUCCESS\"},"
                      "\"target\":[{\"type\":\"%s\",\"id\":\"T1\",\"alternateId\":\"%s\","
                      "\"displayName\":\"svc\"}]}";
    char buf[1024];
    struct {
        const char *type, *ttype, *alt, *want;
    } cases[] = {
        {"user.lifecycle.deactivate", "User", "Bob@Corp.com",
         "  HUMAN_STATUS human:bob@corp.com actor=human:admin@corp.com parent=unknown: obj= "
         "detail=user.lifecycle.deactivate status=2 flag=0\n"},
        {"user.lifecycle.suspend", "User", "bob@corp.com",
         "  HUMAN_STATUS human:bob@corp.com "
         "actor=human:admin@corp.com "
         "parent=unknown: obj= "
         "detail=user.lifecycle.suspend "
         "status=1"},
        {"user.lifecycle.delete.completed", "User", "bob@corp.com", "status=2"},
        {"user.lifecycle.reactivate", "User", "bob@corp.com",
         "detail=user.lifecycle.reactivate status=0"},
        {"application.lifecycle.create", "AppInstance", "x",
         "  CREATED okta_service_app:T1 actor=human:admin@corp.com parent=unknown: obj= "
         "detail=svc status=0 flag=0\n"},
        {"application.lifecycle.deactivate", "AppInstance", "x",
         "  ENABLED okta_service_app:T1 actor=human:admin@corp.com parent=unknown: obj= "
         "detail=svc status=0 flag=0\n"},
        {"application.lifecycle.activate", "AppInstance", "x",
         "  ENABLED okta_service_app:T1 actor=human:admin@corp.com parent=unknown: obj= "
         "detail=svc status=0 flag=1\n"},
        {"application.lifecycle.delete", "AppInstance", "x", "  DELETED okta_service_app:T1 "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(&out, 0, sizeof out);
        snprintf(buf, sizeof buf, fmt, "u1", cases[i].type, cases[i].ttype, cases[i].alt);
        ts_parse_str(ctx, LG_SRC_OKTA, buf, &out);
        TS_HAS(&out, cases[i].want);
        TS_HAS(&out, "  HUMAN human:admin@corp.com ");
    }
    memset(&out, 0, sizeof out);
    ts_parse_str(ctx, LG_SRC_OKTA, "{\"uuid\":\"u\",\"published\":\"yesterday\"}", &out);
    ts_parse_str(ctx, LG_SRC_OKTA, "{\"uuid\":\"u\"}", &out);
    ts_parse_str(ctx, LG_SRC_OKTA, "{\"published\":\"2024-02-01T10:00:00Z\"}", &out);
    ts_parse_str(ctx, LG_SRC_OKTA, "{\"uuid\":", &out);
    ts_parse_str(ctx, LG_SRC_OKTA,
                 "{\"uuid\":\"u\",\"published\":\"2024-02-01T10:00:00Z\",\"actor\":[],"
                 "\"target\":{\"type\":\"User\"},\"eventType\":\"user.lifecycle.create\"}",
                 &out);
    assert_int_equal(out.nbad, 4);
    assert_int_equal(out.nrec, 1);
    assert_int_equal(out.nfacts, 0);
    TS_HAS(&out, "BAD okta: unparsable published");
    TS_HAS(&out, "BAD okta: missing published");
    TS_HAS(&out, "BAD okta: missing uuid");
    TS_HAS(&out, "BAD okta: invalid JSON");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_samples, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle_create, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_handwritten, ts_setup, ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
