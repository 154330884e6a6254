/* tests/bench/gen/cloudtrail.c - see cloudtrail.h. */
#include "tests/bench/gen/cloudtrail.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define P(s) lg_gen_buf_puts(c->rec, s)
#define F(...) lg_gen_buf_printf(c->rec, __VA_ARGS__)

static const char *const regions[] = {"us-east-1", "us-east-1",    "us-west-2",
                                      "eu-west-1", "eu-central-1", "ap-southeast-2"};

static const char *const agents[] = {
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.167.amzn2023.x86_64 exe/x86_64.amzn.2023 "
    "prompt/off command/s3.ls",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213-201.855.amzn2.x86_64 "
    "md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
    "aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.152.0",
    "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) "
    "terraform-provider-aws/5.42.0 (+https://registry.terraform.io/providers/hashicorp/aws) "
    "aws-sdk-go-v2/1.26.0 os/linux lang/go#1.21.8 md/GOOS#linux md/GOARCH#amd64 api/iam#1.31.3",
    "aws-sdk-java/2.25.16 Linux/5.10.210-201.852.amzn2.x86_64 "
    "OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. io/sync "
    "http/Apache cfg/retry-mode/legacy",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/123.0.0.0 Safari/537.36",
    "aws-sdk-nodejs/2.1590.0 linux/v20.12.0 exec-env/AWS_Lambda_nodejs20.x promise",
};
#define NAGENTS (sizeof agents / sizeof agents[0])
#define NREGIONS (sizeof regions / sizeof regions[0])

static const char *const models[] = {
    "anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic.claude-3-haiku-20240307-v1:0",
    "amazon.titan-text-express-v1", "meta.llama3-70b-instruct-v1:0",
    "amazon.titan-embed-text-v2:0"};

/* ---- callers ---- */

void lg_gen_caller_key(const lg_gen_company *co, uint32_t p, uint32_t k, lg_gen_caller *w) {
    const lg_gen_recipe *r = lg_gen_recipe_of(co, p);
    uint32_t u = k % r->n[LG_GEN_IAM_USER];
    memset(w, 0, sizeof *w);
    w->type = LG_GEN_CALLER_IAM_USER;
    w->person = p;
    lg_gen_account(co, p, w->account);
    lg_gen_name(co, p, LG_GEN_IAM_USER, u, w->name);
    lg_gen_id(co, p, LG_GEN_IAM_USER, u, 0, w->unique_id);
    lg_gen_id(co, p, LG_GEN_ACCESS_KEY, k, 0, w->key);
    w->agent = 1 + (unsigned)(lg_gen_hash(co->seed, 'a', p, k) % 4); /* SDKs, terraform */
}

static void role_caller(const lg_gen_company *co, uint32_t p, uint32_t role, const char *key,
                        int64_t start_ms, lg_gen_caller *w) {
    memset(w, 0, sizeof *w);
    w->type = LG_GEN_CALLER_ROLE;
    w->person = p;
    lg_gen_account(co, p, w->account);
    lg_gen_name(co, p, LG_GEN_IAM_ROLE, role, w->name);
    lg_gen_id(co, p, LG_GEN_IAM_ROLE, role, 0, w->unique_id);
    snprintf(w->key, sizeof w->key, "%s", key);
    w->session_start_ms = start_ms;
}

void lg_gen_caller_role_session(const lg_gen_company *co, uint32_t p, uint32_t j, uint32_t gen,
                                int64_t start_ms, lg_gen_caller *w) {
    const lg_gen_recipe *r = lg_gen_recipe_of(co, p);
    char key[LG_GEN_ID_MAX];
    lg_gen_id(co, p, LG_GEN_ROLE_SESSION, j, gen, key);
    role_caller(co, p, j % r->n[LG_GEN_IAM_ROLE], key, start_ms, w);
    snprintf(w->session, sizeof w->session, "%s-%u-%u", lg_gen_team(co, p), j, gen);
    w->agent = (unsigned)(j % 2 ? 1 : 4);
}

void lg_gen_caller_agent_role(const lg_gen_company *co, uint32_t p, uint32_t i, uint32_t gen,
                              int64_t start_ms, lg_gen_caller *w) {
    const lg_gen_recipe *r = lg_gen_recipe_of(co, p);
    char key[LG_GEN_ID_MAX], agent[LG_GEN_ID_MAX];
    memcpy(key, "ASIA", 4);
    lg_gen_chars(lg_gen_hash(co->seed, 'B', p, ((uint64_t)gen << 32) | i), "b32", key + 4, 16);
    role_caller(co, p, i % r->n[LG_GEN_IAM_ROLE], key, start_ms, w);
    snprintf(w->session, sizeof w->session, "BedrockAgent-%s",
             lg_gen_id(co, p, LG_GEN_AGENT, i, 0, agent));
    w->agent = 6;
}

void lg_gen_caller_sso(const lg_gen_company *co, uint32_t p, uint32_t gen, int64_t start_ms,
                       lg_gen_caller *w) {
    memset(w, 0, sizeof *w);
    w->type = LG_GEN_CALLER_SSO;
    w->person = p;
    lg_gen_account(co, p, w->account);
    lg_gen_sso_role(co, p, w->name);
    memcpy(w->unique_id, "AROA", 4);
    lg_gen_chars(lg_gen_hash(co->seed, 'r', p % co->accounts, 0), "b32", w->unique_id + 4, 17);
    lg_gen_sso_key(co, p, gen, w->key);
    lg_gen_email(co, p, w->session);
    w->session_start_ms = start_ms;
    w->agent = (gen % 3) ? 5 : 0; /* console, or the CLI */
}

const char *lg_gen_caller_arn(const lg_gen_caller *w, char *out, size_t n) {
    snprintf(out, n, "arn:aws:sts::%s:assumed-role/%s/%s", w->account, w->name, w->session);
    return out;
}

/* ---- record skeleton ---- */

static void put_identity(lg_gen_ctx *c, const lg_gen_caller *w) {
    if (w->type == LG_GEN_CALLER_IAM_USER) {
        F("{\"type\":\"IAMUser\",\"principalId\":\"%s\",\"arn\":\"arn:aws:iam::%s:user/%s\","
          "\"accountId\":\"%s\",\"accessKeyId\":\"%s\",\"userName\":\"%s\"}",
          w->unique_id, w->account, w->name, w->account, w->key, w->name);
        return;
    }
    const char *path = w->type == LG_GEN_CALLER_SSO ? "aws-reserved/sso.amazonaws.com/" : "";
    F("{\"type\":\"AssumedRole\",\"principalId\":\"%s:%s\",\"arn\":\"arn:aws:sts::%s:assumed-role/"
      "%s/%s\",\"accountId\":\"%s\",\"accessKeyId\":\"%s\",\"sessionContext\":{\"sessionIssuer\":"
      "{\"type\":\"Role\",\"principalId\":\"%s\",\"arn\":\"arn:aws:iam::%s:role/%s%s\","
      "\"accountId\":\"%s\",\"userName\":\"%s\"},\"webIdFederationData\":{},\"attributes\":{"
      "\"creationDate\":\"",
      w->unique_id, w->session, w->account, w->name, w->session, w->account, w->key, w->unique_id,
      w->account, path, w->name, w->account, w->name);
    lg_gen_put_time(c->rec, w->session_start_ms, false);
    F("\",\"mfaAuthenticated\":\"%s\"}}}", w->type == LG_GEN_CALLER_SSO ? "true" : "false");
}

static const char *region_of(lg_gen_ctx *c) {
    return regions[lg_gen_rng_below(c->rng, NREGIONS)];
}

/* Everything up to and including "userAgent". */
static void head(lg_gen_ctx *c, const lg_gen_caller *w, const char *source, const char *name,
                 const char *region) {
    P("{\"eventVersion\":\"1.09\",\"userIdentity\":");
    put_identity(c, w);
    P(",\"eventTime\":\"");
    lg_gen_put_time(c->rec, c->t_ms, false);
    F("\",\"eventSource\":\"%s\",\"eventName\":\"%s\",\"awsRegion\":\"%s\",\"sourceIPAddress\":\"",
      source, name, region);
    lg_gen_put_ip(c->rec, c->co->seed ^ ((uint64_t)w->person << 8) ^ w->type);
    F("\",\"userAgent\":\"%s\",", agents[w->agent % NAGENTS]);
}

/* From "requestID" to the end. resources: a JSON array or NULL. */
static void tail(lg_gen_ctx *c, const lg_gen_caller *w, const char *host, bool read_only, bool data,
                 const char *resources) {
    P(",\"requestID\":\"");
    lg_gen_put_uuid(c);
    P("\",\"eventID\":\"");
    lg_gen_put_uuid(c);
    F("\",\"readOnly\":%s,", read_only ? "true" : "false");
    if (resources)
        F("\"resources\":%s,", resources);
    F("\"eventType\":\"AwsApiCall\",\"managementEvent\":%s,\"recipientAccountId\":\"%s\","
      "\"eventCategory\":\"%s\",\"tlsDetails\":{\"tlsVersion\":\"TLSv1.3\",\"cipherSuite\":"
      "\"TLS_AES_128_GCM_SHA256\",\"clientProvidedHostHeader\":\"%s\"}",
      data ? "false" : "true", w->account, data ? "Data" : "Management", host);
    if (w->type == LG_GEN_CALLER_SSO && w->agent == 5)
        P(",\"sessionCredentialFromConsole\":\"true\"");
    P("}");
}

static void caller_arn(const lg_gen_caller *w, char *out, size_t n) {
    if (w->type == LG_GEN_CALLER_IAM_USER)
        snprintf(out, n, "arn:aws:iam::%s:user/%s", w->account, w->name);
    else
        lg_gen_caller_arn(w, out, n);
}

static void access_denied(lg_gen_ctx *c, const lg_gen_caller *w, const char *action,
                          const char *resource) {
    char arn[512];
    caller_arn(w, arn, sizeof arn);
    F("\"errorCode\":\"AccessDenied\",\"errorMessage\":\"User: %s is not authorized to perform: "
      "%s on resource: %s because no identity-based policy allows the %s action\",",
      arn, action, resource, action);
}

/* ---- usage templates ---- */

/* The reads and API calls of the usage mix: eventSource is service +
 * ".amazonaws.com"; action/resource name what an AccessDenied refuses
 * (NULL: a call every identity may make). */
static const struct usage_call {
    const char *service, *name, *action, *resource;
    bool global; /* one endpoint for every region (s3 ListBuckets, iam) */
} usage_calls[] = {
    {"ec2", "DescribeInstances", "ec2:DescribeInstances", "*", false},
    {"s3", "GetObject", "s3:GetObject", "arn:aws:s3:::bucket", false},
    {"s3", "ListBuckets", "s3:ListAllMyBuckets", "*", true},
    {"sts", "GetCallerIdentity", NULL, NULL, false},
    {"kms", "Decrypt", "kms:Decrypt", "key", false},
    {"ssm", "GetParameter", "ssm:GetParameter", "parameter", false},
    {"secretsmanager", "GetSecretValue", "secretsmanager:GetSecretValue", "secret", false},
    {"dynamodb", "DescribeTable", NULL, NULL, false},
    {"lambda", "ListFunctions20150331", NULL, NULL, false},
    {"iam", "ListAttachedRolePolicies", NULL, NULL, true},
    {"logs", "DescribeLogGroups", NULL, NULL, false},
    {"monitoring", "GetMetricData", NULL, NULL, false},
    {"ecr", "GetAuthorizationToken", NULL, NULL, false},
    {"ecs", "DescribeServices", NULL, NULL, false},
};
#define NUSAGE (sizeof usage_calls / sizeof usage_calls[0])

bool lg_gen_ct_usage(lg_gen_ctx *c, const lg_gen_caller *w, bool failed) {
    const char *region = region_of(c);
    const char *team = lg_gen_team(c->co, w->person);
    char host[512], source[64], res[2048], rid[64];
    const char *resources = NULL;
    unsigned which = (unsigned)lg_gen_rng_below(c->rng, NUSAGE);
    const struct usage_call *u = &usage_calls[which];
    uint64_t x = lg_gen_rng_next(c->rng);
    lg_gen_chars(x, "hex", rid, 17);
    if (strcmp(u->service, "iam") == 0)
        region = "us-east-1";
    snprintf(source, sizeof source, "%s.amazonaws.com", u->service);
    if (u->global)
        snprintf(host, sizeof host, "%s", source);
    else
        snprintf(host, sizeof host, "%s.%s.amazonaws.com", u->service, region);
    head(c, w, source, u->name, region);
    failed = failed && u->action;
    if (failed)
        access_denied(c, w, u->action, u->resource);
    switch (which) {
    case 0:
        F("\"requestParameters\":{\"instancesSet\":{\"items\":[{\"instanceId\":\"i-%s\"}]},"
          "\"filterSet\":{\"items\":[{\"name\":\"instance-state-name\",\"valueSet\":{\"items\":[{"
          "\"value\":\"running\"},{\"value\":\"pending\"}]}},{\"name\":\"tag:team\",\"valueSet\":"
          "{\"items\":[{\"value\":\"%s\"}]}},{\"name\":\"tag:environment\",\"valueSet\":{"
          "\"items\":[{\"value\":\"production\"}]}}]},\"maxResults\":1000},"
          "\"responseElements\":null",
          rid, team);
        break;
    case 1: { /* a data event on the bucket's own endpoint */
        unsigned kb = (unsigned)(x >> 20) % 9000;
        snprintf(host, sizeof host, "acme-%s-%s-data.s3.%s.amazonaws.com", team, w->account,
                 region);
        F("\"requestParameters\":{\"bucketName\":\"acme-%s-%s-data\",\"Host\":\"%s\","
          "\"key\":\"warehouse/%s/dt=2025-01-%02u/part-%05u-%s.snappy.parquet\"},"
          "\"responseElements\":null,\"additionalEventData\":{\"SignatureVersion\":\"SigV4\","
          "\"CipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"bytesTransferredIn\":0,"
          "\"AuthenticationMethod\":\"AuthHeader\",\"x-amz-id-2\":\"",
          team, w->account, host, team, 1 + kb % 28, kb, rid);
        lg_gen_put_chars(c, "b64", 76);
        F("\",\"bytesTransferredOut\":%u}", kb * 1024 + 311);
        snprintf(res, sizeof res,
                 "[{\"type\":\"AWS::S3::Object\",\"ARN\":\"arn:aws:s3:::acme-%s-%s-data/warehouse/"
                 "%s/part-%05u-%s.snappy.parquet\"},{\"accountId\":\"%s\",\"type\":"
                 "\"AWS::S3::Bucket\",\"ARN\":\"arn:aws:s3:::acme-%s-%s-data\"}]",
                 team, w->account, team, kb, rid, w->account, team, w->account);
        resources = res;
        break;
    }
    case 2:
        F("\"requestParameters\":{\"Host\":\"s3.amazonaws.com\"},\"responseElements\":null,"
          "\"additionalEventData\":{\"SignatureVersion\":\"SigV4\",\"CipherSuite\":"
          "\"TLS_AES_128_GCM_SHA256\",\"bytesTransferredIn\":0,\"AuthenticationMethod\":"
          "\"AuthHeader\",\"x-amz-id-2\":\"");
        lg_gen_put_chars(c, "b64", 76);
        P("\",\"bytesTransferredOut\":4212}");
        break;
    case 3:
        P("\"requestParameters\":null,\"responseElements\":null");
        break;
    case 4:
        F("\"requestParameters\":{\"encryptionAlgorithm\":\"SYMMETRIC_DEFAULT\","
          "\"encryptionContext\":{\"aws:lambda:FunctionArn\":\"arn:aws:lambda:%s:%s:function:%s-"
          "%s\",\"aws:secretsmanager:arn\":\"arn:aws:secretsmanager:%s:%s:secret:prod/%s/db-%s\"}"
          "},\"responseElements\":null",
          region, w->account, team, rid, region, w->account, team, rid);
        snprintf(res, sizeof res,
                 "[{\"accountId\":\"%s\",\"type\":\"AWS::KMS::Key\",\"ARN\":\"arn:aws:kms:%s:%s:"
                 "key/%.8s-%.4s-4%.3s-8%.3s-%s%.4s\"}]",
                 w->account, region, w->account, rid, rid + 8, rid + 12, rid + 1, rid + 4, rid);
        resources = res;
        break;
    case 5:
        F("\"requestParameters\":{\"name\":\"/prod/%s/%s/database-url\",\"withDecryption\":true},"
          "\"responseElements\":null",
          team, rid);
        break;
    case 6:
        F("\"requestParameters\":{\"secretId\":\"arn:aws:secretsmanager:%s:%s:secret:prod/%s/"
          "api-key-%.6s\",\"versionStage\":\"AWSCURRENT\"},\"responseElements\":null",
          region, w->account, team, rid);
        break;
    case 7:
        F("\"requestParameters\":{\"tableName\":\"%s-orders-%.6s\"},\"responseElements\":null",
          team, rid);
        break;
    case 8:
        F("\"requestParameters\":{\"functionVersion\":\"ALL\",\"maxItems\":50,\"marker\":\"%s\"},"
          "\"responseElements\":null",
          rid);
        break;
    case 9:
        F("\"requestParameters\":{\"roleName\":\"app-%s-%s\",\"maxItems\":100},"
          "\"responseElements\":null",
          team, rid);
        break;
    case 10:
        F("\"requestParameters\":{\"logGroupNamePrefix\":\"/aws/lambda/%s-\",\"limit\":50},"
          "\"responseElements\":null",
          team);
        break;
    case 11:
        F("\"requestParameters\":{\"metricDataQueries\":[{\"id\":\"m1\",\"metricStat\":{"
          "\"metric\":{\"namespace\":\"AWS/Lambda\",\"metricName\":\"Errors\",\"dimensions\":[{"
          "\"name\":\"FunctionName\",\"value\":\"%s-%s\"}]},\"period\":60,\"stat\":\"Sum\"},"
          "\"returnData\":true},{\"id\":\"m2\",\"metricStat\":{\"metric\":{\"namespace\":"
          "\"AWS/Lambda\",\"metricName\":\"Invocations\",\"dimensions\":[{\"name\":"
          "\"FunctionName\",\"value\":\"%s-%s\"}]},\"period\":60,\"stat\":\"Sum\"},\"returnData\""
          ":true}],\"startTime\":\"Jan 6, 2025, 7:00:00 AM\",\"endTime\":\"Jan 6, 2025, 8:00:00 "
          "AM\"},\"responseElements\":null",
          team, rid, team, rid);
        break;
    case 12:
        F("\"requestParameters\":{\"registryIds\":[\"%s\"]},\"responseElements\":null", w->account);
        break;
    default:
        F("\"requestParameters\":{\"cluster\":\"arn:aws:ecs:%s:%s:cluster/%s-prod\",\"services\":["
          "\"arn:aws:ecs:%s:%s:service/%s-prod/%s-api\",\"arn:aws:ecs:%s:%s:service/%s-prod/%s-"
          "worker\"],\"include\":[\"TAGS\"]},\"responseElements\":null",
          region, w->account, team, region, w->account, team, team, region, w->account, team, team);
        break;
    }
    tail(c, w, host, true, which == 1, resources);
    return failed;
}

void lg_gen_ct_invoke_model(lg_gen_ctx *c, const lg_gen_caller *w) {
    const char *region = regions[lg_gen_rng_below(c->rng, 3)];
    char host[128];
    snprintf(host, sizeof host, "bedrock-runtime.%s.amazonaws.com", region);
    bool converse = lg_gen_rng_permille(c->rng, 500);
    head(c, w, "bedrock.amazonaws.com", converse ? "Converse" : "InvokeModel", region);
    F("\"requestParameters\":{\"modelId\":\"%s\"},\"responseElements\":null,"
      "\"additionalEventData\":{\"inferenceRegion\":\"%s\"}",
      models[lg_gen_rng_below(c->rng, 4)], region);
    tail(c, w, host, true, false, NULL);
}

void lg_gen_ct_invoke_agent(lg_gen_ctx *c, const lg_gen_caller *w, uint32_t p, uint32_t i) {
    const char *region = "us-east-1";
    char agent[LG_GEN_ID_MAX], acct[LG_GEN_ID_MAX], res[512];
    lg_gen_id(c->co, p, LG_GEN_AGENT, i, 0, agent);
    lg_gen_account(c->co, p, acct);
    head(c, w, "bedrock.amazonaws.com", "InvokeAgent", region);
    F("\"requestParameters\":{\"agentId\":\"%s\",\"agentAliasId\":\"TSTALIASID\",\"sessionId\":\"",
      agent);
    lg_gen_put_uuid(c);
    P("\",\"enableTrace\":false,\"endSession\":false,\"inputText\":\"***\"},"
      "\"responseElements\":null");
    snprintf(res, sizeof res,
             "[{\"accountId\":\"%s\",\"type\":\"AWS::Bedrock::AgentAlias\",\"ARN\":"
             "\"arn:aws:bedrock:%s:%s:agent-alias/%s/TSTALIASID\"}]",
             acct, region, acct, agent);
    tail(c, w, "bedrock-agent-runtime.us-east-1.amazonaws.com", false, true, res);
}

/* ---- lineage-shaping calls ---- */

static void create_date(lg_gen_ctx *c) {
    /* IAM's locale-style dates: "Jan 6, 2025, 8:00:00 AM" */
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t s = (time_t)(c->t_ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    int h12 = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
    F("%s %d, %d, %d:%02d:%02d %s", mon[tm.tm_mon], tm.tm_mday, tm.tm_year + 1900, h12, tm.tm_min,
      tm.tm_sec, tm.tm_hour < 12 ? "AM" : "PM");
}

static void iam_head(lg_gen_ctx *c, const lg_gen_caller *w, const char *name) {
    head(c, w, "iam.amazonaws.com", name, "us-east-1");
}

static void iam_tail(lg_gen_ctx *c, const lg_gen_caller *w) {
    tail(c, w, "iam.amazonaws.com", false, false, NULL);
}

static const char trust_policy[] =
    "{\\n  \\\"Version\\\": \\\"2012-10-17\\\",\\n  \\\"Statement\\\": [\\n    {\\n      "
    "\\\"Effect\\\": \\\"Allow\\\",\\n      \\\"Principal\\\": {\\n        \\\"Service\\\": "
    "[\\\"ecs-tasks.amazonaws.com\\\", \\\"lambda.amazonaws.com\\\"]\\n      },\\n      "
    "\\\"Action\\\": \\\"sts:AssumeRole\\\"\\n    }\\n  ]\\n}";

static const char trust_policy_encoded[] =
    "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C"
    "%22Principal%22%3A%7B%22Service%22%3A%5B%22ecs-tasks.amazonaws.com%22%2C%22lambda."
    "amazonaws.com%22%5D%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";

void lg_gen_ct_create(lg_gen_ctx *c, const lg_gen_caller *w, uint32_t p, lg_gen_nhi kind,
                      uint32_t i, bool owner_tag) {
    const lg_gen_company *co = c->co;
    const lg_gen_recipe *r = lg_gen_recipe_of(co, p);
    char acct[LG_GEN_ID_MAX], name[LG_GEN_ID_MAX], id[LG_GEN_ID_MAX], email[LG_GEN_ID_MAX];
    lg_gen_account(co, p, acct);
    lg_gen_email(co, p, email);
    const char *team = lg_gen_team(co, p);
    switch (kind) {
    case LG_GEN_IAM_USER:
        lg_gen_name(co, p, kind, i, name);
        lg_gen_id(co, p, kind, i, 0, id);
        iam_head(c, w, "CreateUser");
        F("\"requestParameters\":{\"userName\":\"%s\",\"path\":\"/service/\",\"tags\":[", name);
        if (owner_tag)
            F("{\"key\":\"owner\",\"value\":\"%s\"},", email);
        F("{\"key\":\"team\",\"value\":\"%s\"},{\"key\":\"cost-center\",\"value\":\"cc-%u\"}]},"
          "\"responseElements\":{\"user\":{\"path\":\"/service/\",\"userName\":\"%s\",\"userId\":"
          "\"%s\",\"arn\":\"arn:aws:iam::%s:user/service/%s\",\"createDate\":\"",
          team, 1000 + p % 97, name, id, acct, name);
        create_date(c);
        P("\",\"tags\":[");
        if (owner_tag)
            F("{\"key\":\"owner\",\"value\":\"%s\"},", email);
        F("{\"key\":\"team\",\"value\":\"%s\"},{\"key\":\"cost-center\",\"value\":\"cc-%u\"}]}}",
          team, 1000 + p % 97);
        break;
    case LG_GEN_ACCESS_KEY:
        lg_gen_name(co, p, LG_GEN_IAM_USER, i % r->n[LG_GEN_IAM_USER], name);
        lg_gen_id(co, p, kind, i, 0, id);
        iam_head(c, w, "CreateAccessKey");
        F("\"requestParameters\":{\"userName\":\"%s\"},\"responseElements\":{\"accessKey\":{"
          "\"userName\":\"%s\",\"accessKeyId\":\"%s\",\"status\":\"Active\",\"createDate\":\"",
          name, name, id);
        create_date(c);
        P("\"}}");
        break;
    case LG_GEN_IAM_ROLE:
        lg_gen_name(co, p, kind, i, name);
        lg_gen_id(co, p, kind, i, 0, id);
        iam_head(c, w, "CreateRole");
        F("\"requestParameters\":{\"roleName\":\"%s\",\"path\":\"/\",\"description\":\"%s "
          "workload role\",\"maxSessionDuration\":3600,\"assumeRolePolicyDocument\":\"%s\","
          "\"tags\":[{\"key\":\"team\",\"value\":\"%s\"}]},\"responseElements\":{\"role\":{"
          "\"path\":\"/\",\"roleName\":\"%s\",\"roleId\":\"%s\",\"arn\":\"arn:aws:iam::%s:role/%s"
          "\",\"createDate\":\"",
          name, team, trust_policy, team, name, id, acct, name);
        create_date(c);
        F("\",\"assumeRolePolicyDocument\":\"%s\",\"tags\":[{\"key\":\"team\",\"value\":\"%s\"}]}}",
          trust_policy_encoded, team);
        break;
    case LG_GEN_SVC_CRED: {
        lg_gen_name(co, p, LG_GEN_IAM_USER, i % r->n[LG_GEN_IAM_USER], name);
        lg_gen_id(co, p, kind, i, 0, id);
        const char *svc = i % 2 ? "codecommit.amazonaws.com" : "bedrock.amazonaws.com";
        iam_head(c, w, "CreateServiceSpecificCredential");
        F("\"requestParameters\":{\"userName\":\"%s\",\"serviceName\":\"%s\"},"
          "\"responseElements\":{\"serviceSpecificCredential\":{\"createDate\":\"",
          name, svc);
        create_date(c);
        F("\",\"serviceName\":\"%s\",\"serviceUserName\":\"%s-at-%s\","
          "\"serviceSpecificCredentialId\":\"%s\",\"userName\":\"%s\",\"status\":\"Active\"}}",
          svc, name, acct, id, name);
        break;
    }
    case LG_GEN_AGENT: {
        char role[LG_GEN_ID_MAX];
        lg_gen_name(co, p, kind, i, name);
        lg_gen_id(co, p, kind, i, 0, id);
        lg_gen_name(co, p, LG_GEN_IAM_ROLE, i % r->n[LG_GEN_IAM_ROLE], role);
        const char *model = models[i % 2];
        head(c, w, "bedrock.amazonaws.com", "CreateAgent", "us-east-1");
        F("\"requestParameters\":{\"agentName\":\"%s\",\"agentResourceRoleArn\":\"arn:aws:iam::"
          "%s:role/%s\",\"foundationModel\":\"%s\",\"instruction\":\"***\","
          "\"idleSessionTTLInSeconds\":600,\"description\":\"Answers %s questions from the "
          "runbooks\"},\"responseElements\":{\"agent\":{\"agentId\":\"%s\",\"agentName\":\"%s\","
          "\"agentArn\":\"arn:aws:bedrock:us-east-1:%s:agent/%s\",\"agentVersion\":\"DRAFT\","
          "\"agentStatus\":\"CREATING\",\"agentResourceRoleArn\":\"arn:aws:iam::%s:role/%s\","
          "\"foundationModel\":\"%s\",\"idleSessionTTLInSeconds\":600,\"instruction\":\"***\","
          "\"createdAt\":\"",
          name, acct, role, model, team, id, name, acct, id, acct, role, model);
        lg_gen_put_time(c->rec, c->t_ms, true);
        P("\",\"updatedAt\":\"");
        lg_gen_put_time(c->rec, c->t_ms, true);
        P("\"}}");
        tail(c, w, "bedrock-agent.us-east-1.amazonaws.com", false, false, NULL);
        return;
    }
    default:
        return;
    }
    iam_tail(c, w);
}

void lg_gen_ct_assume_role(lg_gen_ctx *c, const lg_gen_caller *w, uint32_t p, uint32_t j,
                           uint32_t gen) {
    const lg_gen_company *co = c->co;
    lg_gen_caller s;
    char arn[512];
    lg_gen_caller_role_session(co, p, j, gen, c->t_ms, &s);
    const char *region = region_of(c);
    char host[128];
    snprintf(host, sizeof host, "sts.%s.amazonaws.com", region);
    head(c, w, "sts.amazonaws.com", "AssumeRole", region);
    F("\"requestParameters\":{\"roleArn\":\"arn:aws:iam::%s:role/%s\",\"roleSessionName\":\"%s\","
      "\"durationSeconds\":3600},\"responseElements\":{\"credentials\":{\"accessKeyId\":\"%s\","
      "\"sessionToken\":\"IQoJb3JpZ2luX2VjE",
      s.account, s.name, s.session, s.key);
    lg_gen_put_chars(c, "b64", 360);
    P("\",\"expiration\":\"");
    create_date(c);
    F("\"},\"assumedRoleUser\":{\"assumedRoleId\":\"%s:%s\",\"arn\":\"%s\"}}", s.unique_id,
      s.session, lg_gen_caller_arn(&s, arn, sizeof arn));
    P(",\"sharedEventID\":\"");
    lg_gen_put_uuid(c);
    P("\"");
    tail(c, w, host, false, false, NULL);
}

static const char *const policies[] = {"arn:aws:iam::aws:policy/ReadOnlyAccess",
                                       "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                                       "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess",
                                       "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess",
                                       "arn:aws:iam::aws:policy/AmazonBedrockFullAccess"};

void lg_gen_ct_iam_change(lg_gen_ctx *c, const lg_gen_caller *w, lg_gen_iam_change what, uint32_t p,
                          uint32_t i, bool admin, uint32_t owner) {
    const lg_gen_company *co = c->co;
    const lg_gen_recipe *r = lg_gen_recipe_of(co, p);
    char user[LG_GEN_ID_MAX], role[LG_GEN_ID_MAX], key[LG_GEN_ID_MAX], email[LG_GEN_ID_MAX];
    lg_gen_name(co, p, LG_GEN_IAM_USER, i % r->n[LG_GEN_IAM_USER], user);
    lg_gen_name(co, p, LG_GEN_IAM_ROLE, i % r->n[LG_GEN_IAM_ROLE], role);
    const char *policy = admin ? "arn:aws:iam::aws:policy/AdministratorAccess"
                               : policies[lg_gen_rng_below(c->rng, 5)];
    switch (what) {
    case LG_GEN_ATTACH_USER_POLICY:
    case LG_GEN_DETACH_USER_POLICY:
        iam_head(c, w, what == LG_GEN_ATTACH_USER_POLICY ? "AttachUserPolicy" : "DetachUserPolicy");
        F("\"requestParameters\":{\"userName\":\"%s\",\"policyArn\":\"%s\"},"
          "\"responseElements\":null",
          user, policy);
        break;
    case LG_GEN_ATTACH_ROLE_POLICY:
        iam_head(c, w, "AttachRolePolicy");
        F("\"requestParameters\":{\"roleName\":\"%s\",\"policyArn\":\"%s\"},"
          "\"responseElements\":null",
          role, policy);
        break;
    case LG_GEN_PUT_ROLE_POLICY:
        iam_head(c, w, "PutRolePolicy");
        F("\"requestParameters\":{\"roleName\":\"%s\",\"policyName\":\"%s-inline\","
          "\"policyDocument\":\"{\\n  \\\"Version\\\": \\\"2012-10-17\\\",\\n  \\\"Statement\\\": "
          "[\\n    {\\n      \\\"Effect\\\": \\\"Allow\\\",\\n      \\\"Action\\\": %s,\\n      "
          "\\\"Resource\\\": \\\"*\\\"\\n    }\\n  ]\\n}\"},\"responseElements\":null",
          role, lg_gen_team(co, p),
          admin ? "\\\"*\\\"" : "[\\\"s3:GetObject\\\", \\\"s3:ListBucket\\\", \\\"sqs:*\\\"]");
        break;
    case LG_GEN_TAG_USER_OWNER:
        iam_head(c, w, "TagUser");
        F("\"requestParameters\":{\"userName\":\"%s\",\"tags\":[{\"key\":\"owner\",\"value\":"
          "\"%s\"}]},\"responseElements\":null",
          user, lg_gen_email(co, owner, email));
        break;
    case LG_GEN_UNTAG_USER_OWNER:
        iam_head(c, w, "UntagUser");
        F("\"requestParameters\":{\"userName\":\"%s\",\"tagKeys\":[\"owner\"]},"
          "\"responseElements\":null",
          user);
        break;
    case LG_GEN_DEACTIVATE_KEY:
    case LG_GEN_DELETE_KEY:
        lg_gen_name(co, p, LG_GEN_IAM_USER, i % r->n[LG_GEN_IAM_USER], user);
        lg_gen_id(co, p, LG_GEN_ACCESS_KEY, i, 0, key);
        if (what == LG_GEN_DELETE_KEY) {
            iam_head(c, w, "DeleteAccessKey");
            F("\"requestParameters\":{\"userName\":\"%s\",\"accessKeyId\":\"%s\"},"
              "\"responseElements\":null",
              user, key);
        } else {
            iam_head(c, w, "UpdateAccessKey");
            F("\"requestParameters\":{\"userName\":\"%s\",\"accessKeyId\":\"%s\",\"status\":"
              "\"Inactive\"},\"responseElements\":null",
              user, key);
        }
        break;
    case LG_GEN_CREATE_LOGIN_PROFILE:
        iam_head(c, w, "CreateLoginProfile");
        F("\"requestParameters\":{\"userName\":\"%s\",\"passwordResetRequired\":true},"
          "\"responseElements\":{\"loginProfile\":{\"userName\":\"%s\",\"createDate\":\"",
          user, user);
        create_date(c);
        P("\",\"passwordResetRequired\":true}}");
        break;
    default:
        iam_head(c, w, "UpdateAssumeRolePolicy");
        F("\"requestParameters\":{\"roleName\":\"%s\",\"policyDocument\":\"%s\"},"
          "\"responseElements\":null",
          role, trust_policy);
        break;
    }
    iam_tail(c, w);
}
