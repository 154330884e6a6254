/*
 * tests/unit/test_query.c - the queries of state/query.h and their
 * renderings (processor/api/render.h) on scenario states: the demo company
 * (the four deploy/demo files) replayed into a temporary state and opened as a
 * secondary instance, plus hand-made facts for the point-in-time answers
 * ("who owned this key last month" after a re-tag) and the offboarding
 * rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include "processor/api/reader.h"
#include "processor/api/render.h"
#include "processor/json/json.h"
#include "state/query.h"
#include "tests/tools/demo_state.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BOB "bob@acme.example"
#define ACCT "arn:aws:iam::111122223333:"
#define REPORT_KEY "AKIAYACMEREPORTBOT01"
#define PAT_HASH "D0aDNqz1jeFk6+JJtGIyhv42EpBFmx4Ls4R+8DUuo88="
#define DAY INT64_C(86400000)

/* ---- the demo company, replayed once for the whole file ---- */

static char *demo_dir;
static lg_state_reader *demo;

static int demo_setup(void **state) {
    (void)state;
    char err[512];
    demo_dir = tu_tmpdir("lg-query-demo");
    if (!demo_dir || demo_state_build(demo_dir, NULL) != 0)
        return -1;
    demo = lg_state_reader_open(demo_dir, 0, false, err, sizeof err);
    if (!demo)
        fprintf(stderr, "reader: %s\n", err);
    return demo ? 0 : -1;
}

static int demo_teardown(void **state) {
    (void)state;
    lg_state_reader_close(demo);
    tu_rmtree(demo_dir);
    free(demo_dir);
    return 0;
}

static lg_graph *dg(void) {
    return lg_state_reader_graphs(demo)->v[0]; /* replay's layout: one graph */
}

static const lg_q_item *item(const lg_q_result *r, const char *id) {
    for (size_t i = 0; i < r->nitems; i++)
        if (strcmp(r->items[i].id, id) == 0)
            return &r->items[i];
    return NULL;
}

static int64_t at(const char *iso) {
    int64_t t;
    assert_int_equal(lg_q_parse_time(iso, &t), 0);
    return t;
}

/* Renders r as JSON and checks that it parses; returns the text (freed by
 * the caller). */
static char *json_of(lg_render_query q, const lg_q_result *r) {
    lg_strbuf b = LG_STRBUF_INIT;
    assert_int_equal(lg_render_json(q, r, &b), 0);
    lg_json_parser *p = lg_json_parser_new();
    lg_json_val root;
    char err[256];
    assert_int_equal(lg_json_parse(p, b.data, b.len, &root, err, sizeof err), 0);
    const char *s;
    size_t n;
    assert_true(lg_json_str(lg_json_get(root, "query"), &s, &n));
    assert_int_equal(n, strlen(lg_render_query_name(q)));
    lg_json_parser_destroy(p);
    return b.data;
}

static char *text_of(lg_render_query q, const lg_q_result *r) {
    lg_strbuf b = LG_STRBUF_INIT;
    assert_int_equal(lg_render_text(q, r, &b), 0);
    return b.data;
}

/* ---- time parsing ---- */

static void test_parse_time(void **state) {
    (void)state;
    int64_t t;
    assert_int_equal(lg_q_parse_time("2025-03-01", &t), 0);
    assert_int_equal(t, at("2025-03-01T23:59:59.999Z")); /* a date is its end of day */
    assert_int_equal(lg_q_parse_time("2025-03-01T00:00:00Z", &t), 0);
    assert_int_equal(t, INT64_C(1740787200000));
    assert_int_equal(lg_q_parse_time("2025-03-01T01:00:00+01:00", &t), 0);
    assert_int_equal(t, INT64_C(1740787200000));
    assert_int_equal(lg_q_parse_time(" now ", &t), 0);
    assert_true(t == LG_Q_NOW);
    assert_int_equal(lg_q_parse_time("1740787200000", &t), 0);
    assert_int_equal(t, INT64_C(1740787200000));
    assert_int_equal(lg_q_parse_time("2025", &t), -1); /* a year is not epoch ms */
    assert_int_equal(lg_q_parse_time("yesterday", &t), -1);
    assert_int_equal(lg_q_parse_time("2025-03-01 10:00:00", &t), -1);
    assert_int_equal(lg_q_parse_time("", &t), -1);
}

/* ---- finding identities by what people hold ---- */

static void expect_find(const char *input, const char *want) {
    char *id = NULL, err[512] = "";
    lg_node_kind kind;
    int rc = lg_q_find(dg(), input, &id, &kind, err, sizeof err);
    if (rc != 0)
        fail_msg("lg_q_find(%s) = %d (%s)", input, rc, err);
    assert_string_equal(id, want);
    free(id);
}

static void test_find(void **state) {
    (void)state;
    expect_find(REPORT_KEY, REPORT_KEY);
    expect_find("akiayacmereportbot01", REPORT_KEY);
    expect_find(ACCT "user/reporting-bot", ACCT "user/reporting-bot");
    expect_find(ACCT "user/bots/reports/reporting-bot", ACCT "user/reporting-bot"); /* path */
    expect_find("arn:aws:sts::111122223333:assumed-role/bedrock-agent-exec/sess-1",
                ACCT "role/bedrock-agent-exec");
    expect_find("arn:aws:bedrock:us-east-1:111122223333:agent/QRTRPT0001", "QRTRPT0001");
    expect_find("arn:aws:bedrock:us-east-1:111122223333:agent-alias/QRTRPT0001/TSTALIASID",
                "QRTRPT0001");
    expect_find(PAT_HASH, "github-pat:" PAT_HASH);
    expect_find("github-pat:" PAT_HASH, "github-pat:" PAT_HASH);
    expect_find("bob-acme", "github:bob-acme");
    expect_find("Bob@Acme.Example", BOB);
    expect_find("bob", BOB);                                 /* e-mail local part */
    expect_find("reporting-bot", ACCT "user/reporting-bot"); /* display name */
    char *id = NULL, err[256];
    lg_node_kind kind;
    assert_int_equal(lg_q_find(dg(), "AKIANOSUCHKEY0000000", &id, &kind, err, sizeof err),
                     LG_Q_NOT_FOUND);
    assert_null(id);
    assert_int_equal(lg_q_find(dg(), "", &id, &kind, err, sizeof err), LG_Q_NOT_FOUND);
}

/* ---- owner ---- */

static void test_owner_key(void **state) {
    (void)state;
    lg_q_result *r = NULL;
    char err[512];
    lg_q_opts o = {0};
    assert_int_equal(lg_q_owner(dg(), REPORT_KEY, &o, &r, err, sizeof err), 0);
    const lg_q_item *s = &r->items[0];
    assert_string_equal(s->id, REPORT_KEY);
    assert_string_equal(s->role, "subject");
    assert_string_equal(s->owner_id, BOB);
    assert_int_equal(s->owner_status, LG_STATUS_DEPARTED);
    assert_int_equal(s->owner_status_since, at("2025-03-20T17:00:00Z"));
    /* key -> its user (inherited) -> bob's SSO session (creator) -> bob (session) */
    assert_int_equal(s->nchain, 3);
    assert_string_equal(s->chain[1], ACCT "user/reporting-bot");
    assert_int_equal(s->basis[0], LG_BASIS_INHERITED);
    assert_int_equal(s->basis[1], LG_BASIS_CREATOR);
    assert_int_equal(s->basis[2], LG_BASIS_SESSION);
    assert_string_equal(s->chain[3], BOB);
    for (size_t i = 0; i < s->nchain; i++) {
        assert_non_null(s->evidence[i]);
        assert_true(strncmp(s->evidence[i], "cloudtrail:", 11) == 0);
    }
    /* a creator link is an inference: medium, not high */
    assert_string_equal(r->confidence, "medium");
    assert_string_equal(r->weakest_basis, "creator");
    assert_true(s->flags & LG_QF_ORPHAN);
    assert_int_equal(s->last_used_ms, at("2025-03-21T06:00:05Z"));
    /* the chain's identities are in the result */
    assert_non_null(item(r, ACCT "user/reporting-bot"));
    assert_string_equal(item(r, BOB)->role, "chain");
    char *j = json_of(LG_RQ_OWNER, r);
    assert_non_null(strstr(j, "\"confidence\":\"medium\""));
    assert_non_null(strstr(j, "\"basis\":\"inherited\""));
    free(j);
    char *t = text_of(LG_RQ_OWNER, r);
    assert_non_null(strstr(t, "owner: " BOB " [departed since 2025-03-20]"));
    free(t);
    lg_q_result_free(r);

    /* an explicit tag is certain; the user below has dependants */
    assert_int_equal(lg_q_owner(dg(), ACCT "user/ci-deployer", &o, &r, err, sizeof err), 0);
    assert_string_equal(r->items[0].owner_id, BOB);
    assert_int_equal(r->items[0].basis[0], LG_BASIS_EXPLICIT);
    assert_string_equal(r->confidence, "high");
    const lg_q_item *dep = item(r, "AKIAYACMECIDEPLOYER1");
    assert_non_null(dep);
    assert_string_equal(dep->role, "dependant");
    lg_q_result_free(r);

    /* the ownerless privileged key: its lineage ends at a machine identity */
    assert_int_equal(lg_q_owner(dg(), "AKIAYACMELEGACYADM01", &o, &r, err, sizeof err), 0);
    assert_null(r->items[0].owner_id);
    assert_string_equal(r->confidence, "none");
    assert_true(r->items[0].privileged);
    assert_true(r->items[0].flags & LG_QF_PRIV_OWNERLESS);
    assert_string_equal(r->items[0].chain[r->items[0].nchain], ACCT "user/ops-automation");
    lg_q_result_free(r);

    assert_int_equal(lg_q_owner(dg(), "AKIANOSUCHKEY0000000", &o, &r, err, sizeof err),
                     LG_Q_NOT_FOUND);
    assert_null(r);
    assert_non_null(strstr(err, "AKIANOSUCHKEY0000000"));
}

/* ---- owns ---- */

static void test_owns(void **state) {
    (void)state;
    lg_q_result *r = NULL;
    char err[512];
    lg_q_opts o = {0};
    assert_int_equal(lg_q_owns(dg(), BOB, &o, &r, err, sizeof err), 0);
    assert_string_equal(r->items[0].id, BOB);
    assert_int_equal(r->items[0].human_status, LG_STATUS_DEPARTED);
    static const char *const mine[] = {ACCT "user/ci-deployer",
                                       "AKIAYACMECIDEPLOYER1",
                                       ACCT "user/reporting-bot",
                                       REPORT_KEY,
                                       "QRTRPT0001",
                                       "github-pat:" PAT_HASH,
                                       "github:bob-acme"};
    for (size_t i = 0; i < sizeof mine / sizeof *mine; i++) {
        const lg_q_item *it = item(r, mine[i]);
        if (!it)
            fail_msg("bob should own %s", mine[i]);
        assert_string_equal(it->owner_id, BOB);
        assert_string_equal(it->role, "owned");
        assert_non_null(it->via);
    }
    /* not his: carol's agent and role, the ownerless admin key */
    assert_null(item(r, "HLPDSK0001"));
    assert_null(item(r, ACCT "role/bedrock-agent-exec"));
    assert_null(item(r, "AKIAYACMELEGACYADM01"));
    /* tree: the key hangs under its user, the user under the tag's owner */
    assert_string_equal(item(r, "AKIAYACMECIDEPLOYER1")->via, ACCT "user/ci-deployer");
    assert_string_equal(item(r, ACCT "user/ci-deployer")->via, BOB);
    assert_true(item(r, ACCT "user/ci-deployer")->privileged);
    assert_false(item(r, ACCT "user/reporting-bot")->privileged);
    /* sorted by system then kind */
    for (size_t i = 2; i < r->nitems; i++)
        assert_true(strcmp(r->items[i - 1].system, r->items[i].system) <= 0);
    char *j = json_of(LG_RQ_OWNS, r);
    assert_non_null(
        strstr(j, "\"groups\":[{\"system\":\"aws\",\"kind\":\"access_key\",\"count\":2"));
    free(j);
    char *t = text_of(LG_RQ_OWNS, r);
    assert_non_null(strstr(t, "└─ inherited ─ access_key AKIAYACMECIDEPLOYER1"));
    assert_non_null(strstr(t, "by system and kind:"));
    free(t);
    lg_q_result_free(r);

    /* before bob created anything */
    o.as_of = at("2025-03-03");
    assert_int_equal(lg_q_owns(dg(), BOB, &o, &r, err, sizeof err), 0);
    assert_null(item(r, ACCT "user/reporting-bot"));
    assert_null(item(r, ACCT "user/ci-deployer"));
    lg_q_result_free(r);

    /* a person, not an NHI */
    o.as_of = 0;
    assert_int_equal(lg_q_owns(dg(), REPORT_KEY, &o, &r, err, sizeof err), LG_Q_NOT_FOUND);
    assert_non_null(strstr(err, "not a person"));
}

/* ---- offboarding on the demo ---- */

static void test_offboard_demo(void **state) {
    (void)state;
    lg_q_result *r = NULL;
    char err[512];
    /* the day after bob left: the report bot's key was used that morning */
    lg_q_opts o = {.as_of = at("2025-03-21T12:00:00Z")};
    assert_int_equal(lg_q_offboard(dg(), BOB, &o, &r, err, sizeof err), 0);
    const lg_q_item *key = item(r, REPORT_KEY);
    assert_int_equal(key->action, LG_Q_REASSIGN);
    assert_non_null(strstr(key->reason, "used on 2025-03-21"));
    const lg_q_item *user = item(r, ACCT "user/reporting-bot");
    assert_int_equal(user->action, LG_Q_REASSIGN); /* its key is in use */
    assert_non_null(strstr(user->reason, REPORT_KEY));
    const lg_q_item *ci = item(r, ACCT "user/ci-deployer");
    assert_int_equal(ci->action, LG_Q_DEPROVISION);
    assert_non_null(strstr(ci->reason, "never used"));
    assert_non_null(strstr(ci->reason, "privileged"));
    assert_int_equal(ci->ndependants, 1);
    for (size_t i = 1; i < r->nitems; i++) /* every item has a reason */
        assert_non_null(r->items[i].reason);
    char *j = json_of(LG_RQ_OFFBOARD, r);
    assert_non_null(strstr(j, "\"summary\":{"));
    free(j);
    lg_q_result_free(r);

    /* long after: nothing was used for more than 30 days */
    o.as_of = 0;
    o.now_ms = at("2025-06-01T00:00:00Z");
    assert_int_equal(lg_q_offboard(dg(), BOB, &o, &r, err, sizeof err), 0);
    assert_int_equal(item(r, REPORT_KEY)->action, LG_Q_DEPROVISION);
    assert_non_null(strstr(item(r, REPORT_KEY)->reason, "unused since 2025-03-21"));
    /* the SSO session that made them expired long ago */
    const lg_q_item *sess = item(r, "ASIAYACMEBOB00001BBB");
    assert_non_null(sess);
    assert_int_equal(sess->status, LG_Q_EXPIRED);
    assert_int_equal(sess->action, LG_Q_SAFE_TO_REMOVE);
    /* a stricter threshold */
    lg_q_result_free(r);
    o.unused_ms = 120 * DAY;
    assert_int_equal(lg_q_offboard(dg(), BOB, &o, &r, err, sizeof err), 0);
    assert_int_equal(item(r, REPORT_KEY)->action, LG_Q_REASSIGN);
    lg_q_result_free(r);
}

/* ---- orphans, review, search, node, graph on the demo ---- */

static void test_orphans(void **state) {
    (void)state;
    lg_q_result *r = NULL;
    char err[512];
    lg_q_opts o = {0};
    assert_int_equal(lg_q_orphans(dg(), &o, &r, err, sizeof err), 0);
    size_t orphans = 0, ownerless = 0;
    for (size_t i = 0; i < r->nitems; i++) {
        if (!strcmp(r->items[i].role, "orphan")) {
            orphans++;
            assert_string_equal(r->items[i].owner_id, BOB);
        } else {
            ownerless++;
            assert_string_equal(r->items[i].id, "AKIAYACMELEGACYADM01");
        }
    }
    /* bob's NHIs that the detectors announced orphan.new for */
    assert_int_equal(orphans, 6);
    assert_int_equal(ownerless, 1);
    assert_null(item(r, "HLPDSK0001"));
    free(json_of(LG_RQ_ORPHANS, r));
    lg_q_result_free(r);
    /* before bob left there was no orphan */
    o.as_of = at("2025-03-19");
    assert_int_equal(lg_q_orphans(dg(), &o, &r, err, sizeof err), 0);
    assert_int_equal(r->nitems, 1);
    assert_string_equal(r->items[0].role, "privileged_ownerless");
    lg_q_result_free(r);
}

static void test_review(void **state) {
    (void)state;
    lg_q_result *r = NULL;
    char err[512];
    lg_q_opts o = {0};
    assert_int_equal(lg_q_review(dg(), &o, &r, err, sizeof err), 0);
    assert_non_null(item(r, "HLPDSK0001"));
    assert_non_null(item(r, REPORT_KEY));
    assert_null(item(r, "ASIAYACMEBOB00001BBB")); /* sessions are not reviewed */
    assert_null(item(r, BOB));                    /* nor people */
    bool ownerless_seen = false;
    for (size_t i = 0; i < r->nitems; i++) {
        assert_true(lg_node_kind_is_nhi(r->items[i].kind));
        if (!r->items[i].owner_id)
            ownerless_seen = true;
        else
            assert_false(ownerless_seen); /* owners first, "no owner" last */
    }
    lg_strbuf csv = LG_STRBUF_INIT;
    assert_int_equal(lg_render_review_csv(r, &csv), 0);
    assert_true(strncmp(csv.data, "owner,owner_status,identity_id,kind,system,", 43) == 0);
    assert_non_null(strstr(csv.data, "\r\n" BOB ",departed,"));
    size_t lines = 0;
    for (size_t i = 0; i < csv.len; i++)
        lines += csv.data[i] == '\n';
    assert_int_equal(lines, r->nitems + 1);
    lg_strbuf_free(&csv);
    char *j = json_of(LG_RQ_REVIEW, r);
    assert_non_null(strstr(j, "\"owners\":[{\"owner\":\"" BOB "\""));
    free(j);
    lg_q_result_free(r);
}

static void test_search_node_graph(void **state) {
    (void)state;
    lg_q_result *r = NULL;
    char err[512];
    lg_q_opts o = {0};
    assert_int_equal(lg_q_search(dg(), "bob", 10, &o, &r, err, sizeof err), 0);
    assert_true(r->nitems >= 2);
    assert_string_equal(r->items[0].id, BOB); /* people first */
    assert_non_null(item(r, "github:bob-acme"));
    free(json_of(LG_RQ_SEARCH, r));
    lg_q_result_free(r);

    assert_int_equal(lg_q_node(dg(), ACCT "user/ci-deployer", &o, &r, err, sizeof err), 0);
    bool tag = false, grant = false, created = false;
    for (size_t i = 0; i < r->nevidence; i++) {
        tag |= strcmp(r->evidence[i].what, "owner tag " BOB) == 0;
        grant |= strstr(r->evidence[i].what, "granted") != NULL;
        created |= strncmp(r->evidence[i].what, "created by ", 11) == 0;
        if (r->evidence[i].evt)
            assert_true(strchr(r->evidence[i].evt, ':') != NULL);
    }
    assert_true(tag && grant && created);
    char *t = text_of(LG_RQ_NODE, r);
    assert_non_null(strstr(t, "evidence:"));
    free(t);
    free(json_of(LG_RQ_NODE, r));
    lg_q_result_free(r);

    /* a person's map: the owned tree with lineage edges */
    o.depth = 8;
    assert_int_equal(lg_q_graph(dg(), BOB, &o, &r, err, sizeof err), 0);
    assert_string_equal(r->items[0].id, BOB);
    assert_non_null(item(r, REPORT_KEY));
    assert_non_null(item(r, "github-pat:" PAT_HASH));
    assert_null(item(r, "HLPDSK0001"));
    bool edge = false;
    for (size_t i = 0; i < r->nedges; i++)
        if (!strcmp(r->edges[i].to, REPORT_KEY) &&
            !strcmp(r->edges[i].from, ACCT "user/reporting-bot")) {
            edge = true;
            assert_string_equal(r->edges[i].type, "inherited");
            assert_true(r->edges[i].lineage);
        }
    assert_true(edge);
    free(json_of(LG_RQ_GRAPH, r));
    lg_q_result_free(r);

    /* a key's map: up to its owner */
    o.depth = 1;
    assert_int_equal(lg_q_graph(dg(), REPORT_KEY, &o, &r, err, sizeof err), 0);
    assert_non_null(item(r, BOB));
    assert_string_equal(item(r, BOB)->role, "chain");
    assert_int_equal(r->nedges, 3);
    lg_q_result_free(r);

    /* a role's map: the agents running as it (owned by someone else) */
    assert_int_equal(lg_q_graph(dg(), ACCT "role/bedrock-agent-exec", &o, &r, err, sizeof err), 0);
    const lg_q_item *agent = item(r, "QRTRPT0001");
    assert_non_null(agent);
    assert_string_equal(agent->role, "dependant");
    assert_string_equal(agent->owner_id, BOB);
    lg_q_result_free(r);
}

/* ---- hand-made facts: point in time and the offboarding rules ---- */

typedef struct hand {
    char *dir;
    lg_graph *g;
    int n;
} hand;

#define T0 INT64_C(1735689600000) /* 2025-01-01T00:00:00Z */

static lg_str S(const char *s) {
    return (lg_str){s, s ? strlen(s) : 0};
}

static void apply(hand *h, int64_t t, lg_fact f) {
    char err[256], id[32];
    snprintf(id, sizeof id, "evt-%d", ++h->n);
    lg_record rec = {.source = LG_SRC_CLOUDTRAIL, .event_id = S(id), .time_ms = t};
    assert_int_equal(lg_graph_apply(h->g, &rec, &f, err, sizeof err), 0);
    assert_int_equal(lg_graph_commit(h->g, NULL, NULL, 0, err, sizeof err), 0);
}

#define U(name) "arn:aws:iam::123456789012:user/" name

static void hand_world(hand *h) {
    char err[256];
    h->dir = tu_tmpdir("lg-query-hand");
    h->g = lg_graph_open(h->dir, NULL, err, sizeof err);
    assert_non_null(h->g);
    lg_fact f;
    /* people */
    const char *people[] = {"alice@x.example", "dave@x.example", "erin@x.example"};
    for (int i = 0; i < 3; i++)
        apply(h, T0,
              (lg_fact){.type = LG_FACT_HUMAN, .kind = LG_NODE_HUMAN, .subject = S(people[i])});
    /* svc: created 01-02 with owner tag alice, re-tagged dave on 03-10 */
    f = (lg_fact){.type = LG_FACT_CREATED,
                  .kind = LG_NODE_IAM_USER,
                  .subject = S(U("svc")),
                  .actor_kind = LG_NODE_HUMAN,
                  .actor = S("alice@x.example"),
                  .object = S("alice@x.example"),
                  .detail = S("svc, \"the\" service")};
    apply(h, T0 + 1 * DAY, f);
    f = (lg_fact){.type = LG_FACT_CREATED,
                  .kind = LG_NODE_ACCESS_KEY,
                  .subject = S("AKIASVC0000000000001"),
                  .actor_kind = LG_NODE_HUMAN,
                  .actor = S("alice@x.example"),
                  .parent_kind = LG_NODE_IAM_USER,
                  .parent = S(U("svc"))};
    apply(h, T0 + 1 * DAY, f);
    apply(h, T0 + 68 * DAY, /* 2025-03-10 */
          (lg_fact){.type = LG_FACT_OWNER,
                    .kind = LG_NODE_IAM_USER,
                    .subject = S(U("svc")),
                    .object = S("dave@x.example")});
    /* the key is used on 02-01 and 04-01 */
    apply(h, T0 + 31 * DAY,
          (lg_fact){.type = LG_FACT_USED,
                    .kind = LG_NODE_ACCESS_KEY,
                    .subject = S("AKIASVC0000000000001"),
                    .detail = S("ListBuckets")});
    apply(h, T0 + 90 * DAY,
          (lg_fact){.type = LG_FACT_USED,
                    .kind = LG_NODE_ACCESS_KEY,
                    .subject = S("AKIASVC0000000000001"),
                    .detail = S("GetObject")});
    /* a fine-grained token whose raw value a responder holds */
    apply(h, T0 + 5 * DAY,
          (lg_fact){.type = LG_FACT_CREATED,
                    .kind = LG_NODE_GH_FINE_PAT,
                    .subject = S("github-pat:2KlpoSO9HuCTiHKbgb3IPHM7LB0+vdWmeYgbbI6niOc="),
                    .actor_kind = LG_NODE_HUMAN,
                    .actor = S("dave@x.example")});
    /* erin: an unused key, a deleted user, a role with someone else's agent,
     * and a privileged user later stripped of its grant */
    apply(h, T0 + 1 * DAY,
          (lg_fact){.type = LG_FACT_CREATED,
                    .kind = LG_NODE_IAM_USER,
                    .subject = S(U("erin-bot")),
                    .actor_kind = LG_NODE_HUMAN,
                    .actor = S("erin@x.example")});
    apply(h, T0 + 1 * DAY,
          (lg_fact){.type = LG_FACT_CREATED,
                    .kind = LG_NODE_ACCESS_KEY,
                    .subject = S("AKIAERIN000000000001"),
                    .actor_kind = LG_NODE_HUMAN,
                    .actor = S("erin@x.example"),
                    .parent_kind = LG_NODE_IAM_USER,
                    .parent = S(U("erin-bot"))});
    apply(h, T0 + 2 * DAY,
          (lg_fact){.type = LG_FACT_PRIVILEGE,
                    .kind = LG_NODE_IAM_USER,
                    .subject = S(U("erin-bot")),
                    .detail = S("arn:aws:iam::aws:policy/AdministratorAccess"),
                    .flag = true});
    apply(h, T0 + 50 * DAY,
          (lg_fact){.type = LG_FACT_PRIVILEGE,
                    .kind = LG_NODE_IAM_USER,
                    .subject = S(U("erin-bot")),
                    .detail = S("arn:aws:iam::aws:policy/AdministratorAccess"),
                    .flag = false});
    apply(h, T0 + 1 * DAY,
          (lg_fact){.type = LG_FACT_CREATED,
                    .kind = LG_NODE_IAM_USER,
                    .subject = S(U("erin-old")),
                    .actor_kind = LG_NODE_HUMAN,
                    .actor = S("erin@x.example")});
    apply(
        h, T0 + 10 * DAY,
        (lg_fact){.type = LG_FACT_DELETED, .kind = LG_NODE_IAM_USER, .subject = S(U("erin-old"))});
    apply(h, T0 + 1 * DAY,
          (lg_fact){.type = LG_FACT_CREATED,
                    .kind = LG_NODE_IAM_ROLE,
                    .subject = S("arn:aws:iam::123456789012:role/erin-exec"),
                    .actor_kind = LG_NODE_HUMAN,
                    .actor = S("erin@x.example")});
    apply(h, T0 + 3 * DAY,
          (lg_fact){.type = LG_FACT_CREATED,
                    .kind = LG_NODE_AGENT,
                    .subject = S("AGENTALICE"),
                    .actor_kind = LG_NODE_HUMAN,
                    .actor = S("alice@x.example")});
    apply(h, T0 + 3 * DAY,
          (lg_fact){.type = LG_FACT_AGENT_ROLE,
                    .kind = LG_NODE_AGENT,
                    .subject = S("AGENTALICE"),
                    .parent = S("arn:aws:iam::123456789012:role/erin-exec")});
    /* erin leaves on 05-01 */
    apply(h, T0 + 120 * DAY,
          (lg_fact){.type = LG_FACT_HUMAN_STATUS,
                    .kind = LG_NODE_HUMAN,
                    .subject = S("erin@x.example"),
                    .status = LG_STATUS_DEPARTED});
}

static void hand_close(hand *h) {
    lg_graph_close(h->g);
    tu_rmtree(h->dir);
    free(h->dir);
}

static void test_point_in_time(void **state) {
    (void)state;
    hand h = {0};
    hand_world(&h);
    lg_q_result *r = NULL;
    char err[512];
    /* who owned the key last month (before the re-tag)? alice */
    lg_q_opts o = {.as_of = at("2025-03-01")};
    assert_int_equal(lg_q_owner(h.g, "AKIASVC0000000000001", &o, &r, err, sizeof err), 0);
    assert_string_equal(r->items[0].owner_id, "alice@x.example");
    assert_int_equal(r->items[0].basis[1], LG_BASIS_EXPLICIT);
    assert_string_equal(r->items[0].evidence[1], "cloudtrail:evt-4");
    /* as of then: used on 02-01 at least; only first and last use are kept, so
     * the 04-01 use says "and used later too" */
    assert_int_equal(r->items[0].last_used_ms, T0 + 31 * DAY);
    assert_true(r->items[0].last_used_later);
    lg_q_result_free(r);
    /* a leaked raw GitHub token is found by its SHA-256, as the audit log keys it */
    char *tid = NULL;
    lg_node_kind tk;
    assert_int_equal(
        lg_q_find(h.g, "ghp_lineagedTestToken000000000000000000", &tid, &tk, err, sizeof err), 0);
    assert_string_equal(tid, "github-pat:2KlpoSO9HuCTiHKbgb3IPHM7LB0+vdWmeYgbbI6niOc=");
    free(tid);
    /* and now: dave, through the later tag */
    o.as_of = 0;
    assert_int_equal(lg_q_owner(h.g, "AKIASVC0000000000001", &o, &r, err, sizeof err), 0);
    assert_string_equal(r->items[0].owner_id, "dave@x.example");
    assert_string_equal(r->items[0].evidence[1], "cloudtrail:evt-6");
    assert_string_equal(r->confidence, "high");
    lg_q_result_free(r);
    /* before it existed: no owner, it was not there */
    o.as_of = at("2025-01-01");
    assert_int_equal(lg_q_owner(h.g, "AKIASVC0000000000001", &o, &r, err, sizeof err),
                     LG_Q_NOT_FOUND);
    assert_non_null(strstr(err, "did not exist yet on 2025-01-01 (it appears on 2025-01-02)"));
    assert_int_equal(lg_q_owns(h.g, "alice@x.example", &o, &r, err, sizeof err), 0);
    assert_null(item(r, U("svc")));
    lg_q_result_free(r);
    /* what alice owned in February, and no longer owns */
    o.as_of = at("2025-02-15");
    assert_int_equal(lg_q_owns(h.g, "alice@x.example", &o, &r, err, sizeof err), 0);
    assert_non_null(item(r, U("svc")));
    assert_non_null(item(r, "AKIASVC0000000000001"));
    assert_int_equal(item(r, "AKIASVC0000000000001")->last_used_ms, T0 + 31 * DAY);
    lg_q_result_free(r);
    o.as_of = 0;
    assert_int_equal(lg_q_owns(h.g, "alice@x.example", &o, &r, err, sizeof err), 0);
    assert_null(item(r, U("svc"))); /* the tag moved it to dave */
    assert_non_null(item(r, "AGENTALICE"));
    lg_q_result_free(r);
    assert_int_equal(lg_q_owns(h.g, "dave@x.example", &o, &r, err, sizeof err), 0);
    assert_non_null(item(r, "AKIASVC0000000000001"));
    lg_q_result_free(r);
    /* privilege as of a time: erin-bot was admin in January only */
    o.as_of = at("2025-01-20");
    assert_int_equal(lg_q_node(h.g, "AKIAERIN000000000001", &o, &r, err, sizeof err), 0);
    assert_true(r->items[0].privileged);
    lg_q_result_free(r);
    o.as_of = 0;
    assert_int_equal(lg_q_node(h.g, "AKIAERIN000000000001", &o, &r, err, sizeof err), 0);
    assert_false(r->items[0].privileged);
    lg_q_result_free(r);
    /* orphans as of a time: erin's identities only after she left */
    o.as_of = at("2025-04-30");
    assert_int_equal(lg_q_orphans(h.g, &o, &r, err, sizeof err), 0);
    assert_int_equal(r->nitems, 0);
    lg_q_result_free(r);
    o.as_of = at("2025-05-02");
    assert_int_equal(lg_q_orphans(h.g, &o, &r, err, sizeof err), 0);
    assert_non_null(item(r, U("erin-bot")));
    assert_null(item(r, U("erin-old"))); /* deleted before */
    lg_q_result_free(r);
    hand_close(&h);
}

static void test_offboard_rules(void **state) {
    (void)state;
    hand h = {0};
    hand_world(&h);
    lg_q_result *r = NULL;
    char err[512];
    lg_q_opts o = {.now_ms = T0 + 125 * DAY};
    assert_int_equal(lg_q_offboard(h.g, "erin@x.example", &o, &r, err, sizeof err), 0);
    /* never used, nothing else depends on it */
    const lg_q_item *key = item(r, "AKIAERIN000000000001");
    assert_int_equal(key->action, LG_Q_DEPROVISION);
    assert_non_null(strstr(key->reason, "never used"));
    /* deleted already */
    const lg_q_item *old = item(r, U("erin-old"));
    assert_int_equal(old->action, LG_Q_SAFE_TO_REMOVE);
    assert_non_null(strstr(old->reason, "deleted on 2025-01-11"));
    /* alice's agent runs as erin's role: reassign it */
    const lg_q_item *role = item(r, "arn:aws:iam::123456789012:role/erin-exec");
    assert_int_equal(role->action, LG_Q_REASSIGN);
    assert_non_null(strstr(role->reason, "AGENTALICE"));
    assert_non_null(strstr(role->reason, "alice@x.example"));
    char *t = text_of(LG_RQ_OFFBOARD, r);
    assert_non_null(strstr(t, "=> reassign: "));
    assert_non_null(strstr(t, "1 deprovision") || strstr(t, "2 deprovision"));
    free(t);
    lg_q_result_free(r);
    /* the review CSV quotes a name with a comma and quotes (RFC 4180) */
    assert_int_equal(lg_q_review(h.g, &o, &r, err, sizeof err), 0);
    lg_strbuf csv = LG_STRBUF_INIT;
    assert_int_equal(lg_render_review_csv(r, &csv), 0);
    assert_non_null(strstr(csv.data, ",\"svc, \"\"the\"\" service\","));
    lg_strbuf_free(&csv);
    lg_q_result_free(r);
    hand_close(&h);
}

/* ---- the daemon's partitions: one graph per facts partition ---- */

static lg_graph *part_open(const char *dir) {
    char err[256];
    mkdir(dir, 0700);
    lg_graph *g = lg_graph_open(dir, NULL, err, sizeof err);
    assert_non_null(g);
    return g;
}

static void part_apply(lg_graph *g, const char *evt, int64_t t, lg_fact f) {
    char err[256];
    lg_record rec = {.source = LG_SRC_CLOUDTRAIL, .event_id = S(evt), .time_ms = t};
    assert_int_equal(lg_graph_apply(g, &rec, &f, err, sizeof err), 0);
    assert_int_equal(lg_graph_commit(g, NULL, NULL, 0, err, sizeof err), 0);
}

static void test_partitions(void **state) {
    (void)state;
    char *dir = tu_tmpdir("lg-query-parts"), path[1024];
    lg_graph *g[3];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/p%d", dir, i);
        g[i] = part_open(path);
    }
    /* p0: the directory (Okta) knows bob left */
    part_apply(
        g[0], "o1", T0,
        (lg_fact){.type = LG_FACT_HUMAN, .kind = LG_NODE_HUMAN, .subject = S("bob@x.example")});
    part_apply(g[0], "o2", T0 + 9 * DAY,
               (lg_fact){.type = LG_FACT_HUMAN_STATUS,
                         .kind = LG_NODE_HUMAN,
                         .subject = S("bob@x.example"),
                         .status = LG_STATUS_DEPARTED});
    /* p1: an AWS account: a user tagged to bob and its key */
    part_apply(g[1], "a1", T0 + DAY,
               (lg_fact){.type = LG_FACT_CREATED,
                         .kind = LG_NODE_IAM_USER,
                         .subject = S(U("bob-svc")),
                         .object = S("bob@x.example")});
    part_apply(g[1], "a2", T0 + DAY,
               (lg_fact){.type = LG_FACT_CREATED,
                         .kind = LG_NODE_ACCESS_KEY,
                         .subject = S("AKIAPART000000000001"),
                         .parent_kind = LG_NODE_IAM_USER,
                         .parent = S(U("bob-svc"))});
    /* p2: a GitHub org: bob's account and a token */
    part_apply(g[2], "g1", T0 + DAY,
               (lg_fact){.type = LG_FACT_ALIAS,
                         .kind = LG_NODE_GH_ACCOUNT,
                         .subject = S("github:bob-x"),
                         .object = S("bob@x.example")});
    part_apply(g[2], "g2", T0 + 2 * DAY,
               (lg_fact){.type = LG_FACT_CREATED,
                         .kind = LG_NODE_GH_FINE_PAT,
                         .subject = S("github-pat:abc"),
                         .actor_kind = LG_NODE_GH_ACCOUNT,
                         .actor = S("github:bob-x"),
                         .parent_kind = LG_NODE_GH_ACCOUNT,
                         .parent = S("github:bob-x")});
    lg_q_graphs gs = {g, 3};
    lg_q_opts o = {.graphs = &gs};
    lg_q_result *r = NULL;
    char err[512];
    /* everything bob owns, across the partitions; his status from p0 */
    assert_int_equal(lg_q_owns(NULL, "bob@x.example", &o, &r, err, sizeof err), 0);
    assert_int_equal(r->items[0].human_status, LG_STATUS_DEPARTED);
    assert_int_equal(r->items[0].partition, 0);
    assert_int_equal(item(r, "AKIAPART000000000001")->partition, 1);
    assert_int_equal(item(r, "github-pat:abc")->partition, 2);
    assert_non_null(item(r, U("bob-svc")));
    assert_non_null(item(r, "github:bob-x"));
    lg_q_result_free(r);
    /* an identity is found in its partition */
    assert_int_equal(lg_q_owner(NULL, "AKIAPART000000000001", &o, &r, err, sizeof err), 0);
    assert_string_equal(r->items[0].owner_id, "bob@x.example");
    lg_q_result_free(r);
    /* a person known in three partitions is one search result */
    assert_int_equal(lg_q_search(NULL, "bob", 10, &o, &r, err, sizeof err), 0);
    size_t people = 0;
    for (size_t i = 0; i < r->nitems; i++)
        people += r->items[i].kind == LG_NODE_HUMAN;
    assert_int_equal(people, 1);
    assert_int_equal(r->items[0].human_status, LG_STATUS_DEPARTED);
    lg_q_result_free(r);
    assert_int_equal(lg_q_review(NULL, &o, &r, err, sizeof err), 0);
    assert_non_null(item(r, "github-pat:abc"));
    assert_non_null(item(r, "AKIAPART000000000001"));
    lg_q_result_free(r);
    o.depth = 8;
    assert_int_equal(lg_q_graph(NULL, "bob@x.example", &o, &r, err, sizeof err), 0);
    assert_non_null(item(r, "AKIAPART000000000001"));
    assert_non_null(item(r, "github-pat:abc"));
    lg_q_result_free(r);
    o.depth = 0;
    assert_int_equal(lg_q_offboard(NULL, "bob-x", &o, &r, err, sizeof err), 0);
    assert_int_equal(item(r, "github-pat:abc")->action, LG_Q_DEPROVISION);
    lg_q_result_free(r);

    /* the reader opens p<N> directories, and new ones on refresh */
    lg_graph_close(g[2]);
    lg_graph_close(g[1]);
    snprintf(path, sizeof path, "%s/p2", dir);
    char moved[1100];
    snprintf(moved, sizeof moved, "%s/later", dir);
    assert_int_equal(rename(path, moved), 0);
    lg_state_reader *rd = lg_state_reader_open(dir, 0, false, err, sizeof err);
    assert_non_null(rd);
    assert_int_equal(lg_state_reader_graphs(rd)->n, 2);
    assert_int_equal(rename(moved, path), 0);
    assert_int_equal(lg_state_reader_refresh(rd, err, sizeof err), 0);
    const lg_q_graphs *rg = lg_state_reader_graphs(rd);
    assert_int_equal(rg->n, 3);
    o.graphs = rg;
    assert_int_equal(lg_q_owner(NULL, "github-pat:abc", &o, &r, err, sizeof err), 0);
    assert_int_equal(r->items[0].partition, 2);
    lg_q_result_free(r);
    lg_state_reader_close(rd);
    lg_graph_close(g[0]);
    tu_rmtree(dir);
    /* an empty directory holds no state */
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_null(lg_state_reader_open(dir, 0, false, err, sizeof err));
    assert_non_null(strstr(err, "no lineage state"));
    tu_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest demo_tests[] = {
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_owner_key),
        cmocka_unit_test(test_owns),
        cmocka_unit_test(test_offboard_demo),
        cmocka_unit_test(test_orphans),
        cmocka_unit_test(test_review),
        cmocka_unit_test(test_search_node_graph),
    };
    const struct CMUnitTest hand_tests[] = {
        cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_point_in_time),
        cmocka_unit_test(test_offboard_rules),
        cmocka_unit_test(test_partitions),
    };
    int failed = cmocka_run_group_tests_name("demo", demo_tests, demo_setup, demo_teardown);
    failed += cmocka_run_group_tests_name("hand", hand_tests, NULL, NULL);
    return failed;
}
