/* tests/unit/test_source_cloudtrail.c - the CloudTrail parser on the real
 * samples and on hand-written bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "processor/sources/arena.h"
#include "processor/sources/aws_arn.h"
#include "tests/unit/test_source_util.h"

static const char *stratus[] = {
    "aws.credential-access.ec2-get-password-data.json",
    "aws.credential-access.ec2-steal-instance-credentials.json",
    "aws.credential-access.secretsmanager-batch-retrieve-secrets.json",
    "aws.credential-access.secretsmanager-retrieve-secrets.json",
    "aws.credential-access.ssm-retrieve-securestring-parameters.json",
    "aws.defense-evasion.bedrock-guardrail-delete.json",
    "aws.defense-evasion.bedrock-model-invocation-logging-delete.json",
    "aws.defense-evasion.cloudtrail-delete.json",
    "aws.defense-evasion.cloudtrail-event-selectors.json",
    "aws.defense-evasion.cloudtrail-stop.json",
    "aws.defense-evasion.dns-delete-logs.json",
    "aws.defense-evasion.organizations-leave.json",
    "aws.defense-evasion.vpc-remove-flow-logs.json",
    "aws.discovery.ec2-download-user-data.json",
    "aws.execution.ec2-launch-unusual-instances.json",
    "aws.execution.ec2-user-data.json",
    "aws.execution.ssm-send-command.json",
    "aws.execution.ssm-start-session.json",
    "aws.exfiltration.ec2-security-group-open-port-22-ingress.json",
    "aws.exfiltration.ec2-share-ami.json",
    "aws.exfiltration.ec2-share-ebs-snapshot.json",
    "aws.exfiltration.rds-share-snapshot.json",
    "aws.impact.bedrock-invoke-model.json",
    "aws.initial-access.console-login-without-mfa.json",
    "aws.lateral-movement.ec2-instance-connect.json",
    "aws.lateral-movement.ec2-serial-console-send-ssh-public-key.json",
    "aws.persistence.iam-backdoor-role.json",
    "aws.persistence.iam-backdoor-user.json",
    "aws.persistence.iam-create-admin-user.json",
    "aws.persistence.iam-create-backdoor-role.json",
    "aws.persistence.iam-create-user-login-profile.json",
    "aws.persistence.lambda-backdoor-function.json",
    "aws.persistence.lambda-layer-extension.json",
    "aws.persistence.lambda-overwrite-code.json",
    "aws.persistence.rolesanywhere-create-trust-anchor.json",
    "aws.persistence.sts-federation-token.json",
    "aws.privilege-escalation.iam-update-user-login-profile.json",
};

static void test_all_samples_parse(void **state) {
    (void)state;
    char rel[256];
    for (size_t i = 0; i < sizeof stratus / sizeof stratus[0]; i++) {
        snprintf(rel, sizeof rel, "cloudtrail/stratus-red-team/%s", stratus[i]);
        assert_true(ts_parse_sample(ctx, LG_SRC_CLOUDTRAIL, rel, &out) > 0);
    }
    /* 310 records in the arrays + 2 single-object files, all usable. */
    assert_int_equal(out.nrec, 312);
    assert_int_equal(out.nbad, 0);

    memset(&out, 0, sizeof out);
    assert_int_equal(ts_parse_sample(ctx, LG_SRC_CLOUDTRAIL,
                                     "cloudtrail/panther-analysis-test-fixtures.jsonl", &out),
                     105);
    /* 17 fixtures have no eventID, one has eventTime "redacted". */
    assert_int_equal(out.nrec + out.nbad, 105);
    assert_int_equal(out.nbad, 18);
    TS_HAS(&out, "BAD cloudtrail: missing eventID");
    TS_HAS(&out, "BAD cloudtrail: unparsable eventTime");

    memset(&out, 0, sizeof out);
    assert_int_equal(ts_parse_sample(ctx, LG_SRC_CLOUDTRAIL,
                                     "cloudtrail/panther-analysis-test-scenarios.jsonl", &out),
                     27);
    assert_int_equal(out.nrec, 27);
    assert_int_equal(ts_parse_sample(ctx, LG_SRC_CLOUDTRAIL,
                                     "cloudtrail/elastic-integrations/test-converse-json.log",
                                     &out),
                     1);
    assert_int_equal(out.nbad, 0);
}

static void test_create_admin_user(void **state) {
    (void)state;
    assert_int_equal(
        ts_parse_sample(ctx, LG_SRC_CLOUDTRAIL,
                        "cloudtrail/stratus-red-team/aws.persistence.iam-create-admin-user.json",
                        &out),
        1);
    assert_int_equal(out.nrec, 3);
    TS_HAS(&out, "REC 3346344c-5a3e-429e-8405-420f98f75d6e 1722519208000 CreateUser "
                 "tenant=229654561268\n"
                 "  USED access_key:AKIAOZUDECYXYM4ONAN4 actor=unknown: "
                 "parent=iam_user:arn:aws:iam::229654561268:user/christophe obj= "
                 "detail=CreateUser status=0 flag=0\n"
                 "  CREATED iam_user:arn:aws:iam::229654561268:user/malicious-iam-user "
                 "actor=iam_user:arn:aws:iam::229654561268:user/christophe parent=unknown: obj= "
                 "detail=malicious-iam-user status=0 flag=0\n");
    TS_HAS(&out, "  CREATED access_key:AKIAXAFZN8JEPF6L682H "
                 "actor=iam_user:arn:aws:iam::229654561268:user/christophe "
                 "parent=iam_user:arn:aws:iam::229654561268:user/malicious-iam-user obj= "
                 "detail= status=0 flag=0\n");
    TS_HAS(&out, "  PRIVILEGE iam_user:arn:aws:iam::229654561268:user/malicious-iam-user "
                 "actor=iam_user:arn:aws:iam::229654561268:user/christophe parent=unknown: obj= "
                 "detail=arn:aws:iam::aws:policy/AdministratorAccess status=0 flag=1\n");
}

static void test_get_password_data_join(void **state) {
    (void)state;
    ts_parse_sample(ctx, LG_SRC_CLOUDTRAIL,
                    "cloudtrail/stratus-red-team/aws.credential-access.ec2-get-password-data.json",
                    &out);
    const char *role = "iam_role:arn:aws:iam::457448411975:role/"
                       "stratus-red-team-ec2-get-password-data-role";
    char want[512];
    snprintf(want, sizeof want,
             "  SESSION sts_session:ASIANQQHHS551LWULIWD "
             "actor=iam_user:arn:aws:iam::457448411975:user/christophe parent=%s obj= "
             "detail=AssumeRole status=0 flag=0\n",
             role);
    TS_HAS(&out, want);
    /* The 30 GetPasswordData calls made with that key were all denied:
     * failed records that create nothing but still prove the session key is
     * live, so each keeps exactly one USED fact joined to the role. */
    int failed = 0;
    for (const char *p = out.text; (p = strstr(p, " GetPasswordData tenant=457448411975 FAILED\n"));
         p++)
        failed++;
    assert_int_equal(failed, 30);
    snprintf(want, sizeof want,
             " GetPasswordData tenant=457448411975 FAILED\n"
             "  USED sts_session:ASIANQQHHS551LWULIWD actor=unknown: parent=%s obj= "
             "detail=GetPasswordData status=0 flag=0\nREC ",
             role);
    TS_HAS(&out, want);
}

static void test_federation_token(void **state) {
    (void)state;
    ts_parse_sample(ctx, LG_SRC_CLOUDTRAIL,
                    "cloudtrail/stratus-red-team/aws.persistence.sts-federation-token.json", &out);
    TS_HAS(&out, "  SESSION sts_session:ASIASTJKC5GCM7ZE6LUP "
                 "actor=iam_user:arn:aws:iam::742491224508:user/"
                 "stratus-red-team-user-federation-user "
                 "parent=federated_user:arn:aws:sts::742491224508:federated-user/stratus_red_team "
                 "obj= detail=GetFederationToken");
    TS_HAS(&out, "  USED sts_session:ASIASTJKC5GCM7ZE6LUP actor=unknown: "
                 "parent=federated_user:arn:aws:sts::742491224508:federated-user/stratus_red_team "
                 "obj= detail=GetCallerIdentity");
}

static void test_sso_email_session_assume_role(void **state) {
    (void)state;
    ts_parse_sample(ctx, LG_SRC_CLOUDTRAIL,
                    "cloudtrail/elastic-integrations/test-assume-role-email-session-json.log",
                    &out);
    assert_int_equal(out.nrec, 1);
    TS_HAS(&out, "  HUMAN human:firstname.lastname@example.com ");
    TS_HAS(&out, "  USED sts_session:AKIAI44QH8DHBEXAMPLE actor=unknown: "
                 "parent=iam_role:arn:aws:iam::111111111111:role/"
                 "AWSReservedSSO_SecurityAudit_8df5ccd37b obj=firstname.lastname@example.com");
    TS_HAS(&out, "  SESSION sts_session:ASIAWHOJDLGPOEXAMPLE "
                 "actor=sts_session:AKIAI44QH8DHBEXAMPLE "
                 "parent=iam_role:arn:aws:iam::111111111111:role/JohnRole2 "
                 "obj=firstname.lastname@example.com detail=AssumeRole");
}

static void test_failed_call_creates_nothing(void **state) {
    (void)state;
    ts_parse_str(ctx, LG_SRC_CLOUDTRAIL,
                 "{\"eventID\":\"e1\",\"eventTime\":\"2024-01-01T00:00:00Z\","
                 "\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"CreateUser\","
                 "\"errorCode\":\"AccessDenied\",\"userIdentity\":{\"type\":\"IAMUser\","
                 "\"arn\":\"arn:aws:iam::1:user/a\"},\"requestParameters\":{\"userName\":\"x\"}}",
                 &out);
    assert_int_equal(out.nrec, 1);
    /* nothing is created: the only fact is the caller's use of its identity */
    assert_int_equal(out.nfacts, 1);
    TS_HAS(&out, "REC e1 1704067200000 CreateUser tenant= FAILED\n"
                 "  USED iam_user:arn:aws:iam::1:user/a ");
    TS_HASNT(&out, "CREATED");
}

static void test_bad_inputs(void **state) {
    (void)state;
    ts_parse_str(ctx, LG_SRC_CLOUDTRAIL, "{\"eventID\":\"e1\",\"eventTime\":", &out);
    TS_HAS(&out, "BAD cloudtrail: invalid JSON");
    TS_HAS(&out, "| {\"eventID\":\"e1\",\"eventTime\":\n"); /* whole original bytes */
    ts_parse_str(ctx, LG_SRC_CLOUDTRAIL, "{\"eventTime\":\"2024-01-01T00:00:00Z\"}", &out);
    TS_HAS(&out, "BAD cloudtrail: missing eventID");
    ts_parse_str(ctx, LG_SRC_CLOUDTRAIL, "{\"eventID\":7,\"eventTime\":\"2024-01-01T00:00:00Z\"}",
                 &out);
    ts_parse_str(ctx, LG_SRC_CLOUDTRAIL, "{\"eventID\":\"e2\"}", &out);
    TS_HAS(&out, "BAD cloudtrail: missing eventTime");
    ts_parse_str(ctx, LG_SRC_CLOUDTRAIL, "{\"eventID\":\"e3\",\"eventTime\":\"Aug 1, 2024\"}",
                 &out);
    TS_HAS(&out, "BAD cloudtrail: unparsable eventTime");
    ts_parse_str(ctx, LG_SRC_CLOUDTRAIL, "[1]", &out);
    TS_HAS(&out, "BAD cloudtrail: event is not a JSON object | 1\n");
    assert_int_equal(out.nbad, 6);
    assert_int_equal(out.nrec, 0);
    /* Wrong types everywhere: still a usable record, no facts, no crash. */
    ts_parse_str(ctx, LG_SRC_CLOUDTRAIL,
                 "{\"eventID\":\"e4\",\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventName\":5,"
                 "\"userIdentity\":\"x\",\"requestParameters\":[],\"responseElements\":7}",
                 &out);
    assert_int_equal(out.nrec, 1);
    assert_int_equal(out.nfacts, 0);
}

static void test_envelope_and_array(void **state) {
    (void)state;
    ts_parse_str(ctx, LG_SRC_CLOUDTRAIL,
                 "{\"Records\":[{\"eventID\":\"a\",\"eventTime\":\"2024-01-01T00:00:00Z\"},"
                 "{\"eventID\":\"b\"},"
                 "{\"eventID\":\"c\",\"eventTime\":\"2024-01-01 00:00:01.5\"}]}",
                 &out);
    assert_int_equal(out.nrec, 2);
    assert_int_equal(out.nbad, 1);
    TS_HAS(&out, "BAD cloudtrail: missing eventTime | {\"eventID\":\"b\"}\n");
    TS_HAS(&out, "REC c 1704067201500 ");
    ts_parse_str(ctx, LG_SRC_CLOUDTRAIL,
                 " [ {\"eventID\":\"d\",\"eventTime\":\"2024-01-01T00:00:00+01:00\"} ] ", &out);
    TS_HAS(&out, "REC d 1704063600000 ");
    ts_parse_str(ctx, LG_SRC_CLOUDTRAIL, "[]", &out);
    assert_int_equal(out.nrec, 3);
}

static void test_policies_tags_agents(void **state) {
    (void)state;
    const char *head = "{\"eventID\":\"%s\",\"eventTime\":\"2024-01-01T00:00:00Z\","
                       "\"recipientAccountId\":\"111\",\"eventSource\":\"%s\",\"eventName\":\"%s\","
                       "\"userIdentity\":{\"type\":\"AssumedRole\",\"accessKeyId\":\"ASIA1\","
                       "\"arn\":\"arn:aws:sts::111:assumed-role/Ops/bob@Corp.com\","
                       "\"sessionContext\":{\"sourceIdentity\":\"bob@corp.com\"}},"
                       "\"requestParameters\":%s,\"responseElements\":%s}";
    char buf[2048];
#define EV(id, src, name, req, resp)                                                               \
    snprintf(buf, sizeof buf, head, id, src, name, req, resp);                                     \
    ts_parse_str(ctx, LG_SRC_CLOUDTRAIL, buf, &out)
    EV("p1", "iam.amazonaws.com", "PutRolePolicy",
       "{\"roleName\":\"R\",\"policyName\":\"pn\",\"policyDocument\":"
       "\"%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22iam%3A*%22%7D%"
       "5D%7D\"}",
       "null");
    TS_HAS(&out, "  PRIVILEGE iam_role:arn:aws:iam::111:role/R actor=sts_session:ASIA1 "
                 "parent=unknown: obj= detail=pn status=0 flag=1\n");
    TS_HAS(&out,
           "  USED sts_session:ASIA1 actor=unknown: parent=iam_role:arn:aws:iam::111:role/Ops "
           "obj=bob@corp.com detail=PutRolePolicy");
    EV("p2", "iam.amazonaws.com", "DeleteRolePolicy", "{\"roleName\":\"R\",\"policyName\":\"pn\"}",
       "null");
    TS_HAS(&out, "  PRIVILEGE iam_role:arn:aws:iam::111:role/R actor=sts_session:ASIA1 "
                 "parent=unknown: obj= detail=pn status=0 flag=0\n");
    EV("t1", "iam.amazonaws.com", "TagUser",
       "{\"userName\":\"svc\",\"tags\":[{\"key\":\"Owner\",\"value\":\"Alice@Corp.com\"}]}",
       "null");
    TS_HAS(&out, "  OWNER iam_user:arn:aws:iam::111:user/svc actor=sts_session:ASIA1 "
                 "parent=unknown: obj=alice@corp.com");
    EV("t2", "iam.amazonaws.com", "UntagUser", "{\"userName\":\"svc\",\"tagKeys\":[\"owner\"]}",
       "null");
    TS_HAS(&out,
           "REC t2 1704067200000 UntagUser tenant=111\n"
           "  USED sts_session:ASIA1 actor=unknown: parent=iam_role:arn:aws:iam::111:role/Ops "
           "obj=bob@corp.com detail=UntagUser status=0 flag=0\n"
           "  OWNER iam_user:arn:aws:iam::111:user/svc actor=sts_session:ASIA1 "
           "parent=unknown: obj= ");
    EV("k1", "iam.amazonaws.com", "UpdateAccessKey",
       "{\"userName\":\"svc\",\"accessKeyId\":\"AKIA9\",\"status\":\"Inactive\"}", "null");
    TS_HAS(&out, "  ENABLED access_key:AKIA9 actor=sts_session:ASIA1 "
                 "parent=iam_user:arn:aws:iam::111:user/svc obj= detail=UpdateAccessKey status=0 "
                 "flag=0\n");
    EV("a1", "bedrock.amazonaws.com", "CreateAgent",
       "{\"agentName\":\"helper\",\"agentResourceRoleArn\":"
       "\"arn:aws:iam::111:role/service-role/AgentRole\"}",
       "{\"agent\":{\"agentId\":\"AG1\"}}");
    TS_HAS(&out, "  CREATED agent:AG1 actor=sts_session:ASIA1 parent=unknown: obj= detail=helper");
    TS_HAS(&out, "  AGENT_ROLE agent:AG1 actor=sts_session:ASIA1 "
                 "parent=iam_role:arn:aws:iam::111:role/AgentRole");
    EV("a2", "bedrock.amazonaws.com", "InvokeAgent", "null", "null");
    snprintf(buf, sizeof buf,
             "{\"eventID\":\"a3\",\"eventTime\":\"2024-01-01T00:00:00Z\","
             "\"eventSource\":\"bedrock.amazonaws.com\",\"eventName\":\"InvokeAgent\","
             "\"resources\":[{\"ARN\":\"arn:aws:bedrock:us-east-1:111:agent-alias/AG2/AL1\"}]}");
    ts_parse_str(ctx, LG_SRC_CLOUDTRAIL, buf, &out);
    TS_HAS(&out, "  USED agent:AG2 actor=unknown: parent=unknown: obj= detail=InvokeAgent");
    assert_int_equal(out.nbad, 0);
#undef EV
}

static void test_arn_canonical(void **state) {
    (void)state;
    lg_arena *a = lg_arena_new(0);
    lg_aws_principal p;
    struct {
        const char *arn, *id;
        lg_node_kind kind;
    } cases[] = {
        {"arn:aws:sts::1:assumed-role/AWSReservedSSO_Admin_ab/x@y.com",
         "arn:aws:iam::1:role/AWSReservedSSO_Admin_ab", LG_NODE_IAM_ROLE},
        {"arn:aws:iam::1:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_ab",
         "arn:aws:iam::1:role/AWSReservedSSO_Admin_ab", LG_NODE_IAM_ROLE},
        {"arn:aws:iam::1:user/ops/team/svc", "arn:aws:iam::1:user/svc", LG_NODE_IAM_USER},
        {"arn:aws:iam::1:user/svc", "arn:aws:iam::1:user/svc", LG_NODE_IAM_USER},
        {"arn:aws-cn:sts::1:assumed-role/R", "arn:aws-cn:iam::1:role/R", LG_NODE_IAM_ROLE},
        {"arn:aws:iam::1:root", "arn:aws:iam::1:root", LG_NODE_AWS_ROOT},
        {"arn:aws:sts::1:federated-user/f", "arn:aws:sts::1:federated-user/f",
         LG_NODE_FEDERATED_USER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lg_str arn = {cases[i].arn, strlen(cases[i].arn)};
        assert_true(lg_aws_arn_parse(a, arn, &p));
        assert_int_equal(p.kind, cases[i].kind);
        assert_int_equal(p.id.n, strlen(cases[i].id));
        assert_memory_equal(p.id.p, cases[i].id, p.id.n);
    }
    const char *bad[] = {"",        "arn:aws:s3:::bucket/key", "arn:aws:iam::1:policy/P",
                         "arn:aws", "arn:aws:iam::1:user/",    "nope"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(lg_aws_arn_parse(a, (lg_str){bad[i], strlen(bad[i])}, &p));
    lg_arena_destroy(a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_all_samples_parse, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_create_admin_user, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_get_password_data_join, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_federation_token, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_sso_email_session_assume_role, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_failed_call_creates_nothing, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_bad_inputs, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_envelope_and_array, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_policies_tags_agents, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_arn_canonical, ts_setup, ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
