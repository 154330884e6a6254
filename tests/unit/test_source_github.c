/* tests/unit/test_source_github.c - the GitHub audit-log parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "processor/sources/github/github.h"
#include "tests/unit/test_source_util.h"

static void test_samples(void **state) {
    (void)state;
    assert_int_equal(ts_parse_sample(ctx, LG_SRC_GITHUB,
                                     "github/azure-sentinel-github-security-log-subset.jsonl",
                                     &out),
                     27);
    assert_int_equal(out.nrec, 27);
    assert_int_equal(out.nbad, 0);
    memset(&out, 0, sizeof out);
    assert_int_equal(
        ts_parse_sample(ctx, LG_SRC_GITHUB, "github/panther-analysis-test-fixtures.jsonl", &out),
        99);
    assert_int_equal(out.nrec + out.nbad, 99);
    /* Fixtures without any time, or with "2024-12-17 00:00:00000000". */
    assert_int_equal(out.nbad, 34);
    TS_HAS(&out, "BAD github: missing @timestamp/created_at");
    TS_HAS(&out, "BAD github: unparsable @timestamp/created_at");
    /* Synthesised ids when _document_id is absent. */
    TS_HAS(&out, "REC gh-");
    TS_HAS(&out, "  MEMBER_REMOVED github_account:github:bob actor=github_account:github:cat "
                 "parent=unknown: obj= detail=my-org ");
    TS_HAS(&out, "  CREATED github_deploy_key:github-key:my-org/my-repo:gh-");
    TS_HAS(&out, "  CREATED github_app_installation:github-app:example-io:Datadog CI "
                 "actor=github_account:github:leetboy ");
    TS_HAS(&out, "  HUMAN human:badger@acme.com ");
    TS_HAS(&out, "  ALIAS github_account:github:badger actor=github_account:github:badger "
                 "parent=unknown: obj=badger@acme.com ");
    TS_HAS(&out,
           "  USED github_classic_token:github-token:0771cae4d170dc02a6ff393d9946cd684d6145c1= "
           "actor=github_account:github:acme-inc-user "
           "parent=github_account:github:acme-inc-user obj= detail=git.clone ");
}

static void test_pat_create(void **state) {
    (void)state;
    ts_parse_sample(ctx, LG_SRC_GITHUB, "github/azure-sentinel-github-security-log-subset.jsonl",
                    &out);
    TS_HAS(&out, "REC EwzjMQf34x1JlVxp8sv1zQ 1711292499390 personal_access_token.create "
                 "tenant=x-sentinellabs\n"
                 "  CREATED "
                 "github_fine_grained_pat:github-pat:KjZa/GOlvFtvgzAfpJVdPNhNKFc4Lxt2otCHw9fp3Po= "
                 "actor=github_account:github:siteshjha11 "
                 "parent=github_account:github:siteshjha11 obj= detail=azlabtoken status=0 "
                 "flag=0\n");
    TS_HAS(&out, "  USED github_classic_token:github-token:"
                 "oO87EZ2kLq0AcTXOS4TTjqABuMcOK66xV+5/H7/S7bg= ");
}

static void test_synth_id_stable(void **state) {
    (void)state;
    const char *ev =
        "{\"action\":\"org.add_member\",\"actor\":\"cat\",\"created_at\":1621305118553}";
    ts_parse_str(ctx, LG_SRC_GITHUB, ev, &out);
    ts_parse_str(ctx, LG_SRC_GITHUB,
                 "{\"action\": \"org.add_member\", \"actor\": \"cat\", \"created_at\": "
                 "1621305118553}",
                 &out);
    assert_int_equal(out.nrec, 2);
    const char *a = strstr(out.text, "REC gh-");
    const char *b = a ? strstr(a + 1, "REC gh-") : NULL;
    assert_non_null(b);
    assert_memory_equal(a, b, 4 + 35);
}

static void test_tokens_and_scopes(void **state) {
    (void)state;
    ts_parse_str(ctx, LG_SRC_GITHUB,
                 "{\"_document_id\":\"d1\",\"@timestamp\":1700000000000,"
                 "\"action\":\"oauth_authorization.create\",\"actor\":\"ann\",\"user\":\"ann\","
                 "\"token_id\":12345,\"token_scopes\":\"read:user,admin:org\","
                 "\"external_identity_nameid\":\"Ann@Corp.com\"}",
                 &out);
    TS_HAS(&out, "  ALIAS github_account:github:ann actor=github_account:github:ann "
                 "parent=unknown: obj=ann@corp.com ");
    TS_HAS(&out, "  CREATED github_classic_token:github-token:12345 "
                 "actor=github_account:github:ann parent=github_account:github:ann obj= "
                 "detail=oauth_authorization.create status=0 flag=1\n");
    /* an admin adding a member: the SAML identity is the member's */
    ts_parse_str(ctx, LG_SRC_GITHUB,
                 "{\"_document_id\":\"m1\",\"@timestamp\":1700000000000,"
                 "\"action\":\"org.add_member\",\"actor\":\"it-admin\",\"user\":\"bob\","
                 "\"external_identity_nameid\":\"bob@corp.com\"}",
                 &out);
    TS_HAS(&out, "  ALIAS github_account:github:bob ");
    TS_HASNT(&out, "ALIAS github_account:github:it-admin");
    ts_parse_str(ctx, LG_SRC_GITHUB,
                 "{\"_document_id\":\"d2\",\"@timestamp\":\"2024-01-01T00:00:00Z\","
                 "\"action\":\"personal_access_token.destroy\",\"actor\":\"ann\","
                 "\"hashed_token\":\"H\"}",
                 &out);
    TS_HAS(&out, "REC d2 1704067200000 personal_access_token.destroy tenant=\n"
                 "  DELETED github_fine_grained_pat:github-pat:H ");
    ts_parse_str(ctx, LG_SRC_GITHUB,
                 "{\"_document_id\":\"d3\",\"@timestamp\":1700000000000,"
                 "\"action\":\"public_key.create\",\"actor\":\"ann\",\"fingerprint\":\"SHA:x\"}",
                 &out);
    TS_HAS(&out, "  CREATED github_ssh_key:github-key:ann:SHA:x actor=github_account:github:ann "
                 "parent=github_account:github:ann ");
    assert_false(lg_gh_scope_is_admin(LG_STR_LIT("repo")));
    assert_false(lg_gh_scope_is_admin(LG_STR_LIT("workflow")));
    assert_true(lg_gh_scope_is_admin(LG_STR_LIT("delete_repo")));
    assert_true(lg_gh_scope_is_admin(LG_STR_LIT("admin:enterprise")));
    assert_false(lg_gh_scope_is_admin(LG_STR_LIT("read:org")));
    assert_false(lg_gh_scope_is_admin(LG_STR_LIT("repo:status")));
}

static void test_bad(void **state) {
    (void)state;
    ts_parse_str(ctx, LG_SRC_GITHUB, "{\"action\":\"x\"}", &out);
    ts_parse_str(ctx, LG_SRC_GITHUB, "{\"action\":\"x\",\"@timestamp\":true}", &out);
    ts_parse_str(ctx, LG_SRC_GITHUB, "not json", &out);
    ts_parse_str(ctx, LG_SRC_GITHUB, "\"str\"", &out);
    assert_int_equal(out.nbad, 4);
    TS_HAS(&out, "BAD github: event is not a JSON object | \"str\"\n");
    ts_parse_str(ctx, LG_SRC_GITHUB,
                 "{\"@timestamp\":1700000000000,\"actor\":7,\"org_id\":[1],\"org\":[],"
                 "\"action\":\"org.remove_member\",\"user\":{}}",
                 &out);
    assert_int_equal(out.nrec, 1);
    assert_int_equal(out.nfacts, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_samples, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_pat_create, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_synth_id_stable, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_tokens_and_scopes, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_bad, ts_setup, ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
