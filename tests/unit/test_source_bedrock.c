/* tests/unit/test_source_bedrock.c - the Bedrock invocation-log parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/test_source_util.h"

static void test_samples_converse(void **state) {
    (void)state;
    assert_int_equal(
        ts_parse_sample(ctx, LG_SRC_BEDROCK, "bedrock/panther-analysis-test-fixtures.jsonl", &out),
        6);
    assert_int_equal(out.nrec, 6);
    assert_int_equal(out.nbad, 0);
    TS_HAS(&out, "REC bb98d9a8-bd9a-47ca-976b-f165ef1f8b67 1747318642000 Converse "
                 "tenant=111111111111\n"
                 "  USED iam_role:arn:aws:iam::111111111111:role/role_details actor=unknown: "
                 "parent=unknown: obj= detail=Converse status=0 flag=0\n");
    TS_HAS(&out, "REC ba78ac1f-5ea4-4e2a-a936-92f7e13c96c4 1747318489000 InvokeModel ");
}

static void test_handwritten(void **state) {
    (void)state;
    ts_parse_str(ctx, LG_SRC_BEDROCK,
                 "{\"schemaType\":\"ModelInvocationLog\",\"timestamp\":\"2024-05-01T00:00:00Z\","
                 "\"requestId\":\"r1\",\"operation\":\"InvokeModel\",\"accountId\":\"9\","
                 "\"identity\":{\"arn\":\"arn:aws:sts::9:assumed-role/AWSReservedSSO_Dev_1/"
                 "Eve@Corp.com\"}}",
                 &out);
    TS_HAS(&out, "  HUMAN human:eve@corp.com ");
    TS_HAS(&out, "  USED iam_role:arn:aws:iam::9:role/AWSReservedSSO_Dev_1 actor=unknown: "
                 "parent=unknown: obj=eve@corp.com detail=InvokeModel ");
    ts_parse_str(ctx, LG_SRC_BEDROCK,
                 "{\"timestamp\":\"2024-05-01T00:00:00Z\",\"requestId\":\"r2\","
                 "\"operation\":\"Converse\",\"identity\":{\"arn\":\"arn:aws:iam::9:user/bot\"}}",
                 &out);
    TS_HAS(&out, "  USED iam_user:arn:aws:iam::9:user/bot ");
    ts_parse_str(ctx, LG_SRC_BEDROCK, "{\"timestamp\":\"2024-05-01T00:00:00Z\"}", &out);
    ts_parse_str(ctx, LG_SRC_BEDROCK, "{\"requestId\":\"r3\",\"timestamp\":12}", &out);
    ts_parse_str(ctx, LG_SRC_BEDROCK, "{\"requestId\":\"r4\",\"timestamp\":\"\"}", &out);
    TS_HAS(&out, "BAD bedrock: missing requestId");
    TS_HAS(&out, "REC r3 12000 "); /* a small number is epoch seconds */
    TS_HAS(&out, "BAD bedrock: unparsable timestamp | {\"requestId\":\"r4\"");
    assert_int_equal(out.nbad, 2);
    assert_int_equal(out.nrec, 3);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_samples_converse, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_handwritten, ts_setup, ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
