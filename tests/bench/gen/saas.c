/* tests/bench/gen/saas.c - see saas.h. */
#include "tests/bench/gen/saas.h"

#include <stdio.h>
#include <string.h>

#define P(s) lg_gen_buf_puts(c->rec, s)
#define F(...) lg_gen_buf_printf(c->rec, __VA_ARGS__)

static const char *const browsers[] = {
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/123.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36 Edg/122.0.0.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0"};
static const char *const cities[][4] = {{"San Francisco", "California", "United States", "94107"},
                                        {"New York", "New York", "United States", "10001"},
                                        {"London", "England", "United Kingdom", "EC1A"},
                                        {"Berlin", "Land Berlin", "Germany", "10115"},
                                        {"Dublin", "Leinster", "Ireland", "D02"}};

/* ---- Okta ---- */

static void okta_actor_user(lg_gen_ctx *c, uint32_t p) {
    char email[LG_GEN_ID_MAX], name[LG_GEN_ID_MAX], uid[LG_GEN_ID_MAX];
    F("{\"actor\":{\"id\":\"%s\",\"type\":\"User\",\"alternateId\":\"%s\",\"displayName\":\"%s\","
      "\"detailEntry\":null},",
      lg_gen_okta_uid(c->co, p, uid), lg_gen_email(c->co, p, email),
      lg_gen_display_name(c->co, p, name));
}

/* client, device, authenticationContext, displayMessage, eventType. */
static void okta_middle(lg_gen_ctx *c, uint32_t p, const char *message, const char *type) {
    uint64_t x = lg_gen_hash(c->co->seed, 'c', p, 0);
    const char *const *city = cities[x % 5];
    F("\"client\":{\"userAgent\":{\"rawUserAgent\":\"%s\",\"os\":\"Mac OS X\",\"browser\":"
      "\"CHROME\"},\"zone\":\"null\",\"device\":\"Computer\",\"id\":null,\"ipAddress\":\"",
      browsers[x % 3]);
    lg_gen_put_ip(c->rec, x);
    F("\",\"geographicalContext\":{\"city\":\"%s\",\"state\":\"%s\",\"country\":\"%s\","
      "\"postalCode\":\"%s\",\"geolocation\":{\"lat\":%d.%04u,\"lon\":%d.%04u}}},\"device\":null,"
      "\"authenticationContext\":{\"authenticationProvider\":null,\"credentialProvider\":null,"
      "\"credentialType\":null,\"issuer\":null,\"interface\":null,\"authenticationStep\":0,"
      "\"externalSessionId\":\"",
      city[0], city[1], city[2], city[3], 30 + (int)(x % 25), (unsigned)(x >> 8) % 10000,
      -120 + (int)((x >> 24) % 130), (unsigned)(x >> 32) % 10000);
    lg_gen_put_chars(c, "b62", 25);
    F("\"},\"displayMessage\":\"%s\",\"eventType\":\"%s\",", message, type);
}

static void okta_tail(lg_gen_ctx *c, const char *legacy, const char *targets) {
    P("\"outcome\":{\"result\":\"SUCCESS\",\"reason\":null},\"published\":\"");
    lg_gen_put_time(c->rec, c->t_ms, true);
    P("\",\"securityContext\":{\"asNumber\":16509,\"asOrg\":\"amazon.com  inc.\",\"isp\":"
      "\"amazon.com inc.\",\"domain\":\"amazonaws.com\",\"isProxy\":false},\"severity\":\"INFO\","
      "\"debugContext\":{\"debugData\":{\"requestId\":\"");
    lg_gen_put_chars(c, "b62", 27);
    P("\",\"requestUri\":\"/api/v1/authn\",\"url\":\"/api/v1/authn?\",\"dtHash\":\"");
    lg_gen_put_chars(c, "hex", 64);
    F("\"}},\"legacyEventType\":%s,\"transaction\":{\"type\":\"WEB\",\"id\":\"", legacy);
    lg_gen_put_chars(c, "b62", 27);
    P("\",\"detail\":{}},\"uuid\":\"");
    lg_gen_put_uuid(c);
    P("\",\"version\":\"0\",\"request\":{\"ipChain\":[{\"ip\":\"");
    lg_gen_put_ip(c->rec, lg_gen_rng_next(c->rng) & 0xffff);
    F("\",\"geographicalContext\":null,\"version\":\"V4\",\"source\":null}]},\"target\":%s}",
      targets);
}

static void user_target(lg_gen_ctx *c, uint32_t p, char *out, size_t n) {
    char email[LG_GEN_ID_MAX], name[LG_GEN_ID_MAX], uid[LG_GEN_ID_MAX];
    (void)c;
    snprintf(out, n,
             "[{\"id\":\"%s\",\"type\":\"User\",\"alternateId\":\"%s\",\"displayName\":\"%s\","
             "\"detailEntry\":null}]",
             lg_gen_okta_uid(c->co, p, uid), lg_gen_email(c->co, p, email),
             lg_gen_display_name(c->co, p, name));
}

void lg_gen_okta_lifecycle(lg_gen_ctx *c, uint32_t p, const char *what, uint32_t a) {
    char type[64], msg[96], legacy[96], target[512];
    snprintf(type, sizeof type, "user.lifecycle.%s", what);
    snprintf(msg, sizeof msg, "%c%s Okta user", what[0] - 32, what + 1);
    snprintf(legacy, sizeof legacy, "\"core.user.config.user_status.%s\"", what);
    user_target(c, p, target, sizeof target);
    okta_actor_user(c, a);
    okta_middle(c, a, msg, type);
    okta_tail(c, legacy, target);
}

void lg_gen_okta_session(lg_gen_ctx *c, uint32_t p) {
    okta_actor_user(c, p);
    if (lg_gen_rng_permille(c->rng, 500)) {
        okta_middle(c, p, "User login to Okta", "user.session.start");
        okta_tail(c, "\"core.user_auth.login_success\"", "[]");
        return;
    }
    okta_middle(c, p, "User single sign on to app", "user.authentication.sso");
    okta_tail(c, "\"app.auth.sso\"",
              "[{\"id\":\"0oa1gjh63g214q0Hq0g4\",\"type\":\"AppInstance\",\"alternateId\":"
              "\"AWS IAM Identity Center\",\"displayName\":\"AWS IAM Identity Center\","
              "\"detailEntry\":{\"signOnModeType\":\"SAML_2_0\"}}]");
}

void lg_gen_okta_token(lg_gen_ctx *c, uint32_t p, uint32_t i, bool create) {
    char id[LG_GEN_ID_MAX], name[LG_GEN_ID_MAX], target[512];
    snprintf(target, sizeof target,
             "[{\"id\":\"%s\",\"type\":\"Token\",\"alternateId\":\"unknown\",\"displayName\":"
             "\"%s\",\"detailEntry\":null}]",
             lg_gen_id(c->co, p, LG_GEN_OKTA_TOKEN, i, 0, id),
             lg_gen_name(c->co, p, LG_GEN_OKTA_TOKEN, i, name));
    okta_actor_user(c, p);
    okta_middle(c, p, create ? "Create API token" : "Revoke API token",
                create ? "system.api_token.create" : "system.api_token.revoke");
    okta_tail(c, create ? "\"api.token.create\"" : "\"api.token.revoke\"", target);
}

void lg_gen_okta_app(lg_gen_ctx *c, uint32_t p, uint32_t i, const char *what) {
    char id[LG_GEN_ID_MAX], name[LG_GEN_ID_MAX], target[512], type[64], msg[64], legacy[96];
    snprintf(target, sizeof target,
             "[{\"id\":\"%s\",\"type\":\"AppInstance\",\"alternateId\":\"%s\",\"displayName\":"
             "\"%s\",\"detailEntry\":{\"signOnModeType\":\"OPENID_CONNECT\"}}]",
             lg_gen_id(c->co, p, LG_GEN_OKTA_APP, i, 0, id),
             lg_gen_name(c->co, p, LG_GEN_OKTA_APP, i, name), name);
    snprintf(type, sizeof type, "application.lifecycle.%s", what);
    snprintf(msg, sizeof msg, "%c%s application", what[0] - 32, what + 1);
    snprintf(legacy, sizeof legacy, "\"app.generic.config.app_%sd\"", what);
    okta_actor_user(c, p);
    okta_middle(c, p, msg, type);
    okta_tail(c, legacy, target);
}

void lg_gen_okta_app_grant(lg_gen_ctx *c, uint32_t p, uint32_t i) {
    char id[LG_GEN_ID_MAX], name[LG_GEN_ID_MAX];
    F("{\"actor\":{\"id\":\"%s\",\"type\":\"PublicClientApp\",\"alternateId\":\"%s\","
      "\"displayName\":\"%s\",\"detailEntry\":null},",
      lg_gen_id(c->co, p, LG_GEN_OKTA_APP, i, 0, id), id,
      lg_gen_name(c->co, p, LG_GEN_OKTA_APP, i, name));
    okta_middle(c, p, "OAuth2 access token is granted", "app.oauth2.as.token.grant.access_token");
    okta_tail(c, "null",
              "[{\"id\":\"aus1fr7o1uw9mnfs82p7\",\"type\":\"AuthorizationServer\","
              "\"alternateId\":\"default\",\"displayName\":\"default\",\"detailEntry\":{"
              "\"grantType\":\"client_credentials\",\"scopes\":\"api.read api.write\"}}]");
}

/* ---- GitHub ---- */

static const char *const repos[] = {"payments-service", "web-frontend", "infra-terraform",
                                    "data-pipelines",   "ml-models",    "mobile-app",
                                    "platform-tools",   "docs"};

/* The common head: @timestamp, _document_id, action, actor... */
static void gh_head(lg_gen_ctx *c, uint32_t p, const char *action) {
    char login[LG_GEN_ID_MAX];
    lg_gen_login(c->co, p, login);
    uint64_t x = lg_gen_hash(c->co->seed, 'g', p, 0);
    F("{\"@timestamp\":%lld,\"_document_id\":\"", (long long)c->t_ms);
    lg_gen_put_chars(c, "b62", 22);
    F("\",\"action\":\"%s\",\"actor\":\"%s\",\"actor_id\":%llu,\"actor_ip\":\"", action, login,
      (unsigned long long)(1000000 + x % 90000000));
    lg_gen_put_ip(c->rec, x);
    F("\",\"actor_is_bot\":false,\"actor_location\":{\"country_code\":\"%s\"},\"business\":"
      "\"acme\",\"business_id\":134172,\"created_at\":%lld,",
      x % 3 ? "US" : "GB", (long long)c->t_ms);
}

/* The SAML identity, org and user, up to the closing brace. */
static void gh_tail(lg_gen_ctx *c, uint32_t p, const char *agent) {
    char login[LG_GEN_ID_MAX], email[LG_GEN_ID_MAX];
    lg_gen_login(c->co, p, login);
    lg_gen_email(c->co, p, email);
    uint64_t x = lg_gen_hash(c->co->seed, 'g', p, 0);
    F("\"external_identity_nameid\":\"%s\",\"external_identity_username\":\"%s\",\"org\":"
      "\"acme-corp\",\"org_id\":163237012,\"user\":\"%s\",\"user_agent\":\"%s\",\"user_id\":%llu}",
      email, email, login, agent, (unsigned long long)(1000000 + x % 90000000));
}

static void gh_token_fields(lg_gen_ctx *c, uint32_t p, lg_gen_nhi kind, uint32_t i) {
    char id[LG_GEN_ID_MAX];
    F("\"hashed_token\":\"%s\",\"programmatic_access_type\":\"%s\",\"token_id\":%llu,",
      lg_gen_id(c->co, p, kind, i, 0, id),
      kind == LG_GEN_GH_PAT ? "Fine-grained personal access token"
                            : "Personal access token (classic)",
      (unsigned long long)lg_gen_num(c->co, p, kind, i));
}

void lg_gen_gh_token_create(lg_gen_ctx *c, uint32_t p, lg_gen_nhi kind, uint32_t i, bool admin) {
    char name[LG_GEN_ID_MAX];
    bool pat = kind == LG_GEN_GH_PAT;
    gh_head(c, p, pat ? "personal_access_token.create" : "oauth_authorization.create");
    gh_token_fields(c, p, kind, i);
    F("\"operation_type\":\"create\",\"repository_selection\":\"%s\",\"token_scopes\":\"%s\","
      "\"user_programmatic_access_name\":\"%s\",",
      pat ? "selected" : "all",
      admin ? "repo,workflow,admin:org,delete_repo"
      : pat ? ""
            : "repo,read:org,workflow",
      lg_gen_name(c->co, p, kind, i, name));
    gh_tail(c, p, browsers[p % 3]);
}

void lg_gen_gh_token_destroy(lg_gen_ctx *c, uint32_t p, lg_gen_nhi kind, uint32_t i) {
    gh_head(c, p,
            kind == LG_GEN_GH_PAT ? "personal_access_token.destroy"
                                  : "oauth_authorization.destroy");
    gh_token_fields(c, p, kind, i);
    P("\"operation_type\":\"remove\",");
    gh_tail(c, p, browsers[p % 3]);
}

void lg_gen_gh_key_create(lg_gen_ctx *c, uint32_t p, lg_gen_nhi kind, uint32_t i) {
    char fp[LG_GEN_ID_MAX], name[LG_GEN_ID_MAX];
    gh_head(c, p, "public_key.create");
    F("\"fingerprint\":\"%s\",\"id\":%llu,\"operation_type\":\"create\",\"read_only\":%s,",
      lg_gen_id(c->co, p, kind, i, 0, fp), (unsigned long long)lg_gen_num(c->co, p, kind, i),
      kind == LG_GEN_GH_SSH_KEY ? "false" : "true");
    if (kind == LG_GEN_GH_DEPLOY_KEY)
        F("\"repo\":\"acme-corp/%s\",\"repo_id\":%u,", repos[i % 8], 700000000u + i % 8);
    F("\"title\":\"%s\",", lg_gen_name(c->co, p, kind, i, name));
    gh_tail(c, p, browsers[p % 3]);
}

void lg_gen_gh_token_use(lg_gen_ctx *c, uint32_t p, lg_gen_nhi kind, uint32_t i) {
    static const char *const actions[] = {"git.clone", "git.fetch", "git.push", "repo.download_zip",
                                          "workflows.created_workflow_run"};
    unsigned a = (unsigned)lg_gen_rng_below(c->rng, 5);
    const char *repo = repos[lg_gen_rng_below(c->rng, 8)];
    gh_head(c, p, actions[a]);
    gh_token_fields(c, p, kind, i);
    F("\"operation_type\":\"%s\",\"repo\":\"acme-corp/%s\",\"repo_id\":%u,\"repository\":"
      "\"acme-corp/%s\",\"repository_public\":false,\"request_access_security_header\":null,",
      a == 2   ? "modify"
      : a == 4 ? "create"
               : "access",
      repo, 700000000u + (unsigned)(repo[0]), repo);
    if (a < 3)
        P("\"transport_protocol\":1,\"transport_protocol_name\":\"http\",");
    gh_tail(c, p, a < 3 ? "git/2.43.0" : "GitHub-Hookshot/8e0a2b1");
}

void lg_gen_gh_web(lg_gen_ctx *c, uint32_t p) {
    static const char *const actions[] = {"user.login", "pull_request.create", "pull_request.merge",
                                          "repo.access", "protected_branch.policy_override"};
    unsigned a = (unsigned)lg_gen_rng_below(c->rng, 5);
    gh_head(c, p, actions[a]);
    if (a) {
        const char *repo = repos[lg_gen_rng_below(c->rng, 8)];
        F("\"operation_type\":\"%s\",\"repo\":\"acme-corp/%s\",\"repository\":\"acme-corp/%s\","
          "\"repository_public\":false,",
          a == 3 ? "access" : "modify", repo, repo);
    } else {
        P("\"operation_type\":\"authentication\",");
    }
    gh_tail(c, p, browsers[p % 3]);
}

/* ---- Bedrock ---- */

static const char *const prompts[] = {
    "Summarise the incident timeline for the payments outage and list the follow-up actions "
    "owned by each team.",
    "Write a SQL query that returns the ten customers with the highest refund rate last month, "
    "excluding test accounts.",
    "Explain the difference between the two Terraform plans below and whether the change is safe "
    "to apply during business hours.",
    "Draft a polite reply to the customer asking why their invoice shows two charges for the same "
    "subscription period."};
static const char *const answers[] = {
    "Here is a summary of the timeline. At 08:02 UTC the checkout error rate rose above the alert "
    "threshold; the on-call engineer acknowledged the page at 08:05 and rolled back the deploy "
    "at 08:19. Follow-up actions: add a canary stage, alert on p99 latency, review the runbook.",
    "SELECT customer_id, SUM(refund_amount) / NULLIF(SUM(charge_amount), 0) AS refund_rate FROM "
    "billing.transactions WHERE created_at >= date_trunc('month', now()) - interval '1 month' "
    "AND is_test = false GROUP BY customer_id ORDER BY refund_rate DESC LIMIT 10;",
    "The second plan replaces the load balancer listener instead of updating it in place, which "
    "drops existing connections for a few seconds. Apply it outside business hours or add "
    "create_before_destroy to the listener resource."};

void lg_gen_bedrock_log(lg_gen_ctx *c, const lg_gen_caller *w) {
    char arn[512];
    const char *model = lg_gen_rng_permille(c->rng, 700)
                            ? "anthropic.claude-3-haiku-20240307-v1:0"
                            : "anthropic.claude-3-5-sonnet-20240620-v1:0";
    unsigned q = (unsigned)lg_gen_rng_below(c->rng, 4), a = (unsigned)lg_gen_rng_below(c->rng, 3);
    unsigned reps = 1 + (unsigned)lg_gen_rng_below(c->rng, 3);
    unsigned in_tok = 30 + (unsigned)lg_gen_rng_below(c->rng, 400);
    unsigned out_tok = 60 * reps + (unsigned)lg_gen_rng_below(c->rng, 200);
    F("{\"schemaType\":\"ModelInvocationLog\",\"schemaVersion\":\"1.0\",\"timestamp\":\"");
    lg_gen_put_time(c->rec, c->t_ms, false);
    F("\",\"accountId\":\"%s\",\"identity\":{\"arn\":\"%s\"},\"region\":\"us-east-1\","
      "\"requestId\":\"",
      w->account, lg_gen_caller_arn(w, arn, sizeof arn));
    lg_gen_put_uuid(c);
    F("\",\"operation\":\"Converse\",\"modelId\":\"%s\",\"input\":{\"inputContentType\":"
      "\"application/json\",\"inputBodyJson\":{\"messages\":[{\"role\":\"user\",\"content\":[{"
      "\"text\":\"%s\"}]}],\"inferenceConfig\":{\"maxTokens\":1024,\"temperature\":0.2}},"
      "\"inputTokenCount\":%u},\"output\":{\"outputContentType\":\"application/json\","
      "\"outputBodyJson\":{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":"
      "\"",
      model, prompts[q], in_tok);
    for (unsigned r = 0; r < reps; r++)
        F("%s%s", r ? " " : "", answers[(a + r) % 3]);
    F("\"}]}},\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":%u,\"outputTokens\":%u,"
      "\"totalTokens\":%u},\"metrics\":{\"latencyMs\":%u}},\"outputTokenCount\":%u}}",
      in_tok, out_tok, in_tok + out_tok, 300 + (unsigned)lg_gen_rng_below(c->rng, 4000), out_tok);
}
