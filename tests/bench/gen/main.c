/*
 * tests/bench/gen/main.c - lg_bench_gen: writes a synthetic but realistic
 * event corpus for the benchmarks, deterministic for a seed.
 *
 *   lg_bench_gen --out DIR [--mode mixed|create|use] [--events N] [--people N]
 *                [--big-owner N] [--accounts N] [--seed S] [--stream-seed S]
 *                [--days D]
 *
 * mixed (default): a company of N people (default events / 2000) whose
 *   NHIs are created as the stream goes, then used: about 95% of the events
 *   are reads and API usage (calls with existing access keys and STS
 *   sessions, SSO sessions, Bedrock invocations, GitHub token use, Okta
 *   sign-ins), the rest IAM changes, token revocations and lifecycle events
 *   (about 2% of the people depart in the last 40% of the stream, and their
 *   credentials keep being used).
 * create: only the creation events of every person's recipe (state scale):
 *   --people N people with 50 NHIs each, person 0 with --big-owner NHIs.
 * use: the mixed stream without the creations, for a company that already
 *   exists (written by --mode create with the same --seed, --people and
 *   --big-owner); it starts where the create stream ends (90 days later).
 *
 * Writes DIR/cloudtrail.jsonl, okta.jsonl, github.jsonl, bedrock.jsonl (one
 * record per line) and DIR/manifest.json (parameters and counts; nhis counts
 * the identities the records make graph nodes of, as lineaged names them:
 * every session key a CloudTrail record carries, each account's SSO role). Exit 0 on
 * success, 1 on an I/O error, 2 on a usage error.
 */
#include "tests/bench/gen/cloudtrail.h"
#include "tests/bench/gen/saas.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define GEN_VERSION 1

enum { OUT_CT, OUT_OKTA, OUT_GH, OUT_BEDROCK, OUT_COUNT };
static const char *const out_names[OUT_COUNT] = {"cloudtrail", "okta", "github", "bedrock"};

typedef struct gen_opts {
    const char *out_dir;
    bool create_only;
    bool use_only; /* the company exists already: no creation phase */
    uint64_t events;
    uint32_t people, big_owner, accounts, days;
    uint64_t seed;        /* the company: identities and names */
    uint64_t stream_seed; /* the stream's choices and event ids (default: seed) */
} gen_opts;

typedef struct sim {
    const gen_opts *o;
    lg_gen_company co;
    lg_gen_rng rng;
    lg_gen_out *out[OUT_COUNT];
    lg_gen_buf rec;
    lg_gen_ctx c;
    uint64_t n;      /* events to write */
    int64_t t0_ms;   /* first event time */
    int64_t span_ms; /* time the stream covers */
    uint32_t admin;  /* the Okta administrator */
    /* creation cursor: people < cur_person are complete */
    uint32_t cur_person, cur_step;
    /* per person */
    uint8_t *departed;
    /* session generation + 1 last named by a CloudTrail record (what makes
     * it a node of the graph: invocation logs name the role, not the key) */
    uint32_t *agent_gen, *sso_counted;
    uint8_t sso_role_seen[64]; /* per account: its SSO role became a node */
    uint32_t *sso_gen;
    int64_t *sso_start;
    /* flat per item arrays (lg_gen_offset) */
    uint32_t *role_gen;
    int64_t *role_start;
    uint8_t *key_dead, *pat_dead, *classic_dead;
    /* departures */
    uint32_t departures_total, departures_done;
    /* counters */
    uint64_t created[LG_GEN_NHI_COUNT];
    uint64_t sso_sessions, renewed_sessions, agent_sessions, sso_roles;
    uint64_t usage, creations, changes, failed_calls, okta_people;
    uint64_t records[OUT_COUNT], bytes[OUT_COUNT]; /* of the closed outputs */
} sim;

/* ---- creation recipe ---- */

static const lg_gen_nhi create_order[LG_GEN_NHI_COUNT] = {
    LG_GEN_IAM_USER,   LG_GEN_ACCESS_KEY,    LG_GEN_IAM_ROLE,   LG_GEN_SVC_CRED,
    LG_GEN_AGENT,      LG_GEN_ROLE_SESSION,  LG_GEN_GH_PAT,     LG_GEN_GH_CLASSIC,
    LG_GEN_GH_SSH_KEY, LG_GEN_GH_DEPLOY_KEY, LG_GEN_OKTA_TOKEN, LG_GEN_OKTA_APP};

static uint32_t steps_of(const sim *s, uint32_t p) {
    return 2 + lg_gen_recipe_of(&s->co, p)->total - 1;
}

static void emit(sim *s, int out) {
    lg_gen_out_record(s->out[out], &s->rec);
    lg_gen_buf_reset(&s->rec);
}

/* Person p's current SSO session; ct: for a CloudTrail record. */
static void sso_caller(sim *s, uint32_t p, lg_gen_caller *w, bool ct) {
    if (!s->sso_start[p])
        s->sso_start[p] = s->c.t_ms - 60000;
    if (ct && s->sso_counted[p] != s->sso_gen[p] + 1) {
        s->sso_counted[p] = s->sso_gen[p] + 1;
        s->sso_sessions++;
        if (!s->sso_role_seen[p % s->co.accounts]) {
            s->sso_role_seen[p % s->co.accounts] = 1;
            s->sso_roles++;
        }
    }
    lg_gen_caller_sso(&s->co, p, s->sso_gen[p], s->sso_start[p], w);
}

/* Emits creation step `step` of person p. */
static void create_step(sim *s, uint32_t p, uint32_t step) {
    lg_gen_ctx *c = &s->c;
    if (step == 0) {
        lg_gen_okta_lifecycle(c, p, "create", s->admin);
        s->okta_people++;
        emit(s, OUT_OKTA);
        return;
    }
    if (step == 1) {
        lg_gen_okta_lifecycle(c, p, "activate", s->admin);
        emit(s, OUT_OKTA);
        return;
    }
    const lg_gen_recipe *r = lg_gen_recipe_of(&s->co, p);
    uint32_t k = step - 2;
    lg_gen_nhi kind = LG_GEN_IAM_USER;
    for (int j = 0; j < LG_GEN_NHI_COUNT; j++) {
        kind = create_order[j];
        if (k < r->n[kind])
            break;
        k -= r->n[kind];
    }
    s->created[kind]++;
    lg_gen_caller w;
    switch (kind) {
    case LG_GEN_IAM_USER:
    case LG_GEN_ACCESS_KEY:
    case LG_GEN_IAM_ROLE:
    case LG_GEN_SVC_CRED:
    case LG_GEN_AGENT:
        sso_caller(s, p, &w, true);
        lg_gen_ct_create(c, &w, p, kind, k, kind == LG_GEN_IAM_USER && k % 3 == 0);
        emit(s, OUT_CT);
        return;
    case LG_GEN_ROLE_SESSION:
        lg_gen_caller_key(&s->co, p, k % r->n[LG_GEN_ACCESS_KEY], &w);
        lg_gen_ct_assume_role(c, &w, p, k, 0);
        s->role_start[lg_gen_offset(&s->co, p, kind) + k] = c->t_ms;
        emit(s, OUT_CT);
        return;
    case LG_GEN_GH_PAT:
    case LG_GEN_GH_CLASSIC:
        lg_gen_gh_token_create(c, p, kind, k, kind == LG_GEN_GH_CLASSIC && k == 0 && p % 10 == 3);
        emit(s, OUT_GH);
        return;
    case LG_GEN_GH_SSH_KEY:
    case LG_GEN_GH_DEPLOY_KEY:
        lg_gen_gh_key_create(c, p, kind, k);
        emit(s, OUT_GH);
        return;
    case LG_GEN_OKTA_TOKEN:
        lg_gen_okta_token(c, p, k, true);
        emit(s, OUT_OKTA);
        return;
    default:
        lg_gen_okta_app(c, p, k, "create");
        emit(s, OUT_OKTA);
        return;
    }
}

/* Advances the creation cursor by one step; false when everyone exists. */
static bool create_next(sim *s) {
    if (s->cur_person >= s->co.people)
        return false;
    create_step(s, s->cur_person, s->cur_step);
    s->creations++;
    if (++s->cur_step >= steps_of(s, s->cur_person)) {
        s->cur_person++;
        s->cur_step = 0;
    }
    return true;
}

/* ---- usage ---- */

static uint32_t pick_person(sim *s) {
    return (uint32_t)lg_gen_rng_below(&s->rng, s->cur_person);
}

static void role_session_caller(sim *s, uint32_t p, uint32_t j, lg_gen_caller *w) {
    uint64_t at = lg_gen_offset(&s->co, p, LG_GEN_ROLE_SESSION) + j;
    lg_gen_caller_role_session(&s->co, p, j, s->role_gen[at], s->role_start[at], w);
}

/* Person p's agent acting; ct: for a CloudTrail record. */
static void agent_caller(sim *s, uint32_t p, lg_gen_caller *w, bool ct) {
    /* an agent's execution-role session lasts an hour of event time */
    uint32_t gen = (uint32_t)(s->c.t_ms / 3600000);
    if (ct && s->agent_gen[p] != gen + 1) {
        s->agent_gen[p] = gen + 1;
        s->agent_sessions++;
    }
    lg_gen_caller_agent_role(&s->co, p, 0, gen, (int64_t)gen * 3600000, w);
}

static bool key_call(sim *s, uint32_t p) {
    const lg_gen_recipe *r = lg_gen_recipe_of(&s->co, p);
    uint32_t k = (uint32_t)lg_gen_rng_below(&s->rng, r->n[LG_GEN_ACCESS_KEY]);
    if (s->key_dead[lg_gen_offset(&s->co, p, LG_GEN_ACCESS_KEY) + k])
        return false;
    lg_gen_caller w;
    lg_gen_caller_key(&s->co, p, k, &w);
    s->failed_calls += lg_gen_ct_usage(&s->c, &w, lg_gen_rng_permille(&s->rng, 20));
    emit(s, OUT_CT);
    return true;
}

static void session_call(sim *s, uint32_t p) {
    const lg_gen_recipe *r = lg_gen_recipe_of(&s->co, p);
    lg_gen_caller w;
    role_session_caller(s, p, (uint32_t)lg_gen_rng_below(&s->rng, r->n[LG_GEN_ROLE_SESSION]), &w);
    s->failed_calls += lg_gen_ct_usage(&s->c, &w, lg_gen_rng_permille(&s->rng, 20));
    emit(s, OUT_CT);
}

static void renew_sso(sim *s, uint32_t p) {
    s->sso_gen[p]++;
    s->sso_start[p] = 0;
}

static void usage_event(sim *s) {
    lg_gen_ctx *c = &s->c;
    uint32_t p = pick_person(s);
    const lg_gen_recipe *r = lg_gen_recipe_of(&s->co, p);
    unsigned roll = (unsigned)lg_gen_rng_below(&s->rng, 1000);
    lg_gen_caller w;
    s->usage++;
    if (roll < 380) {
        if (!key_call(s, p))
            session_call(s, p);
    } else if (roll < 580) {
        session_call(s, p);
    } else if (roll < 700) {
        if (s->departed[p]) {
            session_call(s, p);
            return;
        }
        if (lg_gen_rng_permille(&s->rng, 20))
            renew_sso(s, p);
        sso_caller(s, p, &w, true);
        lg_gen_ct_usage(c, &w, false);
        emit(s, OUT_CT);
    } else if (roll < 730) {
        uint32_t j = (uint32_t)lg_gen_rng_below(&s->rng, r->n[LG_GEN_ROLE_SESSION]);
        uint64_t at = lg_gen_offset(&s->co, p, LG_GEN_ROLE_SESSION) + j;
        s->role_gen[at]++;
        s->role_start[at] = c->t_ms;
        s->renewed_sessions++;
        lg_gen_caller_key(&s->co, p, j % r->n[LG_GEN_ACCESS_KEY], &w);
        lg_gen_ct_assume_role(c, &w, p, j, s->role_gen[at]);
        emit(s, OUT_CT);
    } else if (roll < 790) {
        bool pat = lg_gen_rng_permille(&s->rng, 600);
        lg_gen_nhi kind = pat ? LG_GEN_GH_PAT : LG_GEN_GH_CLASSIC;
        uint32_t i = (uint32_t)lg_gen_rng_below(&s->rng, r->n[kind]);
        uint8_t *dead = pat ? s->pat_dead : s->classic_dead;
        if (dead[lg_gen_offset(&s->co, p, kind) + i])
            lg_gen_gh_web(c, p);
        else
            lg_gen_gh_token_use(c, p, kind, i);
        emit(s, OUT_GH);
    } else if (roll < 810) {
        lg_gen_gh_web(c, p);
        emit(s, OUT_GH);
    } else if (roll < 860) {
        if (s->departed[p])
            lg_gen_okta_app_grant(c, p, 0);
        else
            lg_gen_okta_session(c, p);
        emit(s, OUT_OKTA);
    } else if (roll < 880) {
        lg_gen_okta_app_grant(c, p, (uint32_t)lg_gen_rng_below(&s->rng, r->n[LG_GEN_OKTA_APP]));
        emit(s, OUT_OKTA);
    } else if (roll < 970) {
        unsigned who = (unsigned)lg_gen_rng_below(&s->rng, 10);
        if (who < 5)
            agent_caller(s, p, &w, false);
        else if (who < 8 || s->departed[p])
            role_session_caller(s, p,
                                (uint32_t)lg_gen_rng_below(&s->rng, r->n[LG_GEN_ROLE_SESSION]), &w);
        else
            sso_caller(s, p, &w, false);
        lg_gen_bedrock_log(c, &w);
        emit(s, OUT_BEDROCK);
    } else if (roll < 990) {
        if (lg_gen_rng_permille(&s->rng, 500))
            agent_caller(s, p, &w, true);
        else
            role_session_caller(s, p,
                                (uint32_t)lg_gen_rng_below(&s->rng, r->n[LG_GEN_ROLE_SESSION]), &w);
        lg_gen_ct_invoke_model(c, &w);
        emit(s, OUT_CT);
    } else {
        uint32_t q = s->departed[p] ? pick_person(s) : p;
        if (s->departed[q]) {
            session_call(s, p);
            return;
        }
        sso_caller(s, q, &w, true);
        lg_gen_ct_invoke_agent(c, &w, p, 0);
        emit(s, OUT_CT);
    }
}

/* ---- changes ---- */

static void change_event(sim *s) {
    lg_gen_ctx *c = &s->c;
    uint32_t p = pick_person(s);
    const lg_gen_recipe *r = lg_gen_recipe_of(&s->co, p);
    unsigned roll = (unsigned)lg_gen_rng_below(&s->rng, 100);
    lg_gen_caller w;
    s->changes++;
    if (roll < 70) {
        lg_gen_iam_change what =
            (lg_gen_iam_change)lg_gen_rng_below(&s->rng, LG_GEN_IAM_CHANGE_COUNT);
        uint32_t i = (uint32_t)lg_gen_rng_below(&s->rng, r->n[LG_GEN_ACCESS_KEY]);
        bool admin = lg_gen_rng_permille(&s->rng, 100);
        uint32_t owner = lg_gen_rng_permille(&s->rng, 700) ? p : pick_person(s);
        if (what == LG_GEN_DELETE_KEY || what == LG_GEN_DEACTIVATE_KEY)
            s->key_dead[lg_gen_offset(&s->co, p, LG_GEN_ACCESS_KEY) + i] = 1;
        if (s->departed[p]) /* an administrator cleans up after a departure */
            sso_caller(s, s->admin, &w, true);
        else
            sso_caller(s, p, &w, true);
        lg_gen_ct_iam_change(c, &w, what, p, i, admin, owner);
        emit(s, OUT_CT);
    } else if (roll < 85) {
        bool pat = lg_gen_rng_permille(&s->rng, 600);
        lg_gen_nhi kind = pat ? LG_GEN_GH_PAT : LG_GEN_GH_CLASSIC;
        uint32_t i = (uint32_t)lg_gen_rng_below(&s->rng, r->n[kind]);
        (pat ? s->pat_dead : s->classic_dead)[lg_gen_offset(&s->co, p, kind) + i] = 1;
        lg_gen_gh_token_destroy(c, p, kind, i);
        emit(s, OUT_GH);
    } else if (roll < 90) {
        lg_gen_okta_token(c, p, (uint32_t)lg_gen_rng_below(&s->rng, r->n[LG_GEN_OKTA_TOKEN]),
                          false);
        emit(s, OUT_OKTA);
    } else if (roll < 95) {
        lg_gen_okta_app(c, p, 0, lg_gen_rng_permille(&s->rng, 500) ? "deactivate" : "activate");
        emit(s, OUT_OKTA);
    } else if (!s->departed[p] && p != s->admin) {
        /* a suspension, lifted at once: status history without a departure */
        lg_gen_okta_lifecycle(c, p, "suspend", s->admin);
        emit(s, OUT_OKTA);
        lg_gen_okta_lifecycle(c, p, "unsuspend", s->admin);
        emit(s, OUT_OKTA);
    } else {
        lg_gen_okta_session(c, s->admin);
        emit(s, OUT_OKTA);
    }
}

static void departure(sim *s) {
    for (int tries = 0; tries < 64; tries++) {
        uint32_t p = pick_person(s);
        if (s->departed[p] || p == s->admin || p == 0)
            continue;
        s->departed[p] = 1;
        s->departures_done++;
        s->changes++;
        lg_gen_okta_lifecycle(&s->c, p, "deactivate", s->admin);
        emit(s, OUT_OKTA);
        return;
    }
    usage_event(s);
}

/* ---- the stream ---- */

static int64_t time_at(const sim *s, uint64_t i) {
    return s->t0_ms + (int64_t)((double)s->span_ms * (double)i / (double)(s->n ? s->n : 1));
}

static void run_mixed(sim *s) {
    uint64_t dep_first = s->n * 6 / 10, dep_span = s->n * 35 / 100;
    for (uint64_t i = 0; i < s->n; i++) {
        s->c.t_ms = time_at(s, i);
        if (s->departures_done < s->departures_total &&
            i >= dep_first + dep_span * s->departures_done / s->departures_total &&
            s->cur_person > 2) {
            departure(s);
            continue;
        }
        bool change = s->cur_person == 0 || lg_gen_rng_permille(&s->rng, 50);
        if (change) {
            if (!create_next(s))
                change_event(s);
        } else {
            usage_event(s);
        }
    }
}

static void run_create(sim *s) {
    for (uint64_t i = 0; s->cur_person < s->co.people; i++) {
        s->c.t_ms = time_at(s, i);
        create_next(s);
    }
}

/* ---- manifest ---- */

static int write_manifest(sim *s, char *errstr, size_t errstr_size) {
    char path[4096], email[LG_GEN_ID_MAX], t0[40], t1[40];
    snprintf(path, sizeof path, "%s/manifest.json", s->o->out_dir);
    FILE *fp = fopen(path, "w");
    if (!fp) {
        snprintf(errstr, errstr_size, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    lg_gen_buf b = {0};
    lg_gen_put_time(&b, s->t0_ms, false);
    lg_gen_buf_putc(&b, '\0');
    snprintf(t0, sizeof t0, "%s", b.p);
    lg_gen_buf_reset(&b);
    lg_gen_put_time(&b, s->c.t_ms, false);
    lg_gen_buf_putc(&b, '\0');
    snprintf(t1, sizeof t1, "%s", b.p);
    lg_gen_buf_free(&b);
    uint64_t records = 0, bytes = 0,
             nhis = s->sso_sessions + s->renewed_sessions + s->agent_sessions + s->sso_roles;
    for (int i = 0; i < OUT_COUNT; i++)
        records += s->records[i], bytes += s->bytes[i];
    for (int k = 0; k < LG_GEN_NHI_COUNT; k++)
        nhis += s->created[k];
    fprintf(fp,
            "{\n  \"generator_version\": %d,\n  \"mode\": \"%s\",\n  \"seed\": %llu,\n"
            "  \"stream_seed\": %llu,\n"
            "  \"events_requested\": %llu,\n  \"people\": %u,\n  \"accounts\": %u,\n"
            "  \"big_owner\": {\"email\": \"%s\", \"nhis\": %u},\n  \"first_event\": \"%s\",\n"
            "  \"last_event\": \"%s\",\n  \"records\": %llu,\n  \"bytes\": %llu,\n"
            "  \"avg_record_bytes\": %.0f,\n  \"files\": {",
            GEN_VERSION,
            s->o->create_only ? "create"
            : s->o->use_only  ? "use"
                              : "mixed",
            (unsigned long long)s->o->seed, (unsigned long long)s->o->stream_seed,
            (unsigned long long)s->n, s->co.people, s->co.accounts, lg_gen_email(&s->co, 0, email),
            s->co.big.total, t0, t1, (unsigned long long)records, (unsigned long long)bytes,
            records ? (double)bytes / (double)records : 0.0);
    for (int i = 0; i < OUT_COUNT; i++)
        fprintf(fp, "%s\n    \"%s\": {\"path\": \"%s.jsonl\", \"records\": %llu, \"bytes\": %llu}",
                i ? "," : "", out_names[i], out_names[i], (unsigned long long)s->records[i],
                (unsigned long long)s->bytes[i]);
    fprintf(fp,
            "\n  },\n  \"mix\": {\"usage\": %llu, \"creations\": %llu, \"changes\": %llu, "
            "\"departures\": %u, \"failed_calls\": %llu},\n  \"nhis\": {\"total\": %llu, "
            "\"sso_sessions\": %llu, \"renewed_role_sessions\": %llu, \"agent_sessions\": %llu, "
            "\"sso_roles\": %llu",
            (unsigned long long)s->usage, (unsigned long long)s->creations,
            (unsigned long long)s->changes, s->departures_done, (unsigned long long)s->failed_calls,
            (unsigned long long)nhis, (unsigned long long)s->sso_sessions,
            (unsigned long long)s->renewed_sessions, (unsigned long long)s->agent_sessions,
            (unsigned long long)s->sso_roles);
    for (int k = 0; k < LG_GEN_NHI_COUNT; k++)
        fprintf(fp, ", \"%s\": %llu", lg_gen_nhi_name((lg_gen_nhi)k),
                (unsigned long long)s->created[k]);
    fprintf(fp, "}\n}\n");
    if (fclose(fp) != 0) {
        snprintf(errstr, errstr_size, "writing %s failed", path);
        return -1;
    }
    return 0;
}

/* ---- main ---- */

static const char usage_text[] =
    "usage: lg_bench_gen --out DIR [--mode mixed|create|use] [--events N] [--people N]\n"
    "                    [--big-owner N] [--accounts N] [--seed S] [--stream-seed S]\n"
    "                    [--days D]\n"
    "Writes DIR/{cloudtrail,okta,github,bedrock}.jsonl and DIR/manifest.json.\n"
    "  --mode mixed    (default) ~95% usage, a few IAM changes and departures\n"
    "  --mode create   only the creation events of --people people (state scale)\n"
    "  --mode use      mixed without creations, for the company --mode create wrote\n"
    "  --events N      mixed: events to write (default 200000)\n"
    "  --people N      people (default: events/2000, at least 3; create, use: 20000)\n"
    "  --big-owner N   person 0 gets N NHIs instead of 50 (default 0 = 50)\n"
    "  --accounts N    AWS accounts (default people/250+1; at most 50)\n"
    "  --seed S        random seed of the company (default 1)\n"
    "  --stream-seed S random seed of the stream (default: --seed): other events,\n"
    "                  same identities\n"
    "  --days D        time the stream covers (default 30; create: 90)\n";

static bool parse_u64(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return false;
    *out = v;
    return true;
}

static int parse_args(int argc, char **argv, gen_opts *o) {
    static const struct option longs[] = {{"out", required_argument, 0, 'o'},
                                          {"mode", required_argument, 0, 'm'},
                                          {"events", required_argument, 0, 'e'},
                                          {"people", required_argument, 0, 'p'},
                                          {"big-owner", required_argument, 0, 'b'},
                                          {"accounts", required_argument, 0, 'a'},
                                          {"seed", required_argument, 0, 's'},
                                          {"days", required_argument, 0, 'd'},
                                          {"stream-seed", required_argument, 0, 'S'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->events = 200000;
    o->seed = 1;
    int ch;
    uint64_t v;
    while ((ch = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        bool ok = true;
        switch (ch) {
        case 'o':
            o->out_dir = optarg;
            break;
        case 'm':
            ok = strcmp(optarg, "mixed") == 0 || strcmp(optarg, "create") == 0 ||
                 strcmp(optarg, "use") == 0;
            o->create_only = strcmp(optarg, "create") == 0;
            o->use_only = strcmp(optarg, "use") == 0;
            break;
        case 'e':
            ok = parse_u64(optarg, &o->events) && o->events > 0;
            break;
        case 's':
            ok = parse_u64(optarg, &o->seed);
            break;
        case 'S':
            ok = parse_u64(optarg, &o->stream_seed) && o->stream_seed > 0;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 1;
        case 'p':
        case 'b':
        case 'a':
        case 'd':
            ok = parse_u64(optarg, &v) && v <= (ch == 'a' ? 50 : 100000000);
            if (ok)
                *(ch == 'p'   ? &o->people
                  : ch == 'b' ? &o->big_owner
                  : ch == 'a' ? &o->accounts
                              : &o->days) = (uint32_t)v;
            break;
        default:
            ok = false;
        }
        if (!ok) {
            fprintf(stderr, "lg_bench_gen: bad option or value\n%s", usage_text);
            return -1;
        }
    }
    if (!o->out_dir || optind != argc) {
        fprintf(stderr, "lg_bench_gen: --out DIR is required\n%s", usage_text);
        return -1;
    }
    if (!o->people)
        o->people = o->create_only || o->use_only
                        ? 20000
                        : (uint32_t)(o->events / 2000 > 3 ? o->events / 2000 : 3);
    if (!o->days)
        o->days = o->create_only ? 90 : 30;
    if (!o->stream_seed)
        o->stream_seed = o->seed;
    return 0;
}

static void sim_free(sim *s) {
    free(s->departed);
    free(s->agent_gen);
    free(s->sso_counted);
    free(s->sso_gen);
    free(s->sso_start);
    free(s->role_gen);
    free(s->role_start);
    free(s->key_dead);
    free(s->pat_dead);
    free(s->classic_dead);
    lg_gen_buf_free(&s->rec);
}

int main(int argc, char **argv) {
    gen_opts o;
    int a = parse_args(argc, argv, &o);
    if (a != 0)
        return a > 0 ? 0 : 2;
    char err[8192] = "";
    int rc = 1;
    sim s;
    memset(&s, 0, sizeof s);
    s.o = &o;
    lg_gen_company_init(&s.co, o.seed, o.people, o.big_owner, o.accounts);
    lg_gen_rng_seed(&s.rng, o.stream_seed);
    s.c = (lg_gen_ctx){.co = &s.co, .rng = &s.rng, .rec = &s.rec};
    s.t0_ms = 1736150400000LL; /* 2025-01-06T08:00:00Z */
    s.span_ms = (int64_t)o.days * 86400000LL;
    s.admin = o.people > 1 ? 1 : 0;
    if (o.create_only) {
        s.n = 0;
        for (uint32_t p = 0; p < s.co.people; p++)
            s.n += steps_of(&s, p);
    } else {
        s.n = o.events;
        s.departures_total = o.people >= 50 ? o.people / 50 : 1;
    }
    uint32_t np = s.co.people;
    s.departed = calloc(np, 1);
    s.agent_gen = calloc(np, sizeof *s.agent_gen);
    s.sso_counted = calloc(np, sizeof *s.sso_counted);
    s.sso_gen = calloc(np, sizeof *s.sso_gen);
    s.sso_start = calloc(np, sizeof *s.sso_start);
    uint64_t nsess = lg_gen_total(&s.co, LG_GEN_ROLE_SESSION);
    s.role_gen = calloc(nsess, sizeof *s.role_gen);
    s.role_start = calloc(nsess, sizeof *s.role_start);
    s.key_dead = calloc(lg_gen_total(&s.co, LG_GEN_ACCESS_KEY), 1);
    s.pat_dead = calloc(lg_gen_total(&s.co, LG_GEN_GH_PAT), 1);
    s.classic_dead = calloc(lg_gen_total(&s.co, LG_GEN_GH_CLASSIC), 1);
    if (!s.departed || !s.agent_gen || !s.sso_counted || !s.sso_gen || !s.sso_start ||
        !s.role_gen || !s.role_start || !s.key_dead || !s.pat_dead || !s.classic_dead) {
        snprintf(err, sizeof err, "out of memory");
        goto cleanup;
    }
    if (mkdir(o.out_dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, sizeof err, "cannot create %s: %s", o.out_dir, strerror(errno));
        goto cleanup;
    }
    for (int i = 0; i < OUT_COUNT; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.jsonl", o.out_dir, out_names[i]);
        if (!(s.out[i] = lg_gen_out_open(path, err, sizeof err)))
            goto cleanup;
    }
    if (o.use_only) {
        /* the create stream covered 90 days from the same base */
        s.t0_ms += 90 * 86400000LL;
        s.cur_person = s.co.people;
        for (uint64_t i = 0; i < nsess; i++)
            s.role_start[i] = s.t0_ms - 3600000;
    }
    if (o.create_only)
        run_create(&s);
    else
        run_mixed(&s);
    for (int i = 0; i < OUT_COUNT; i++)
        s.records[i] = s.out[i]->records, s.bytes[i] = s.out[i]->bytes;
    rc = 0;
cleanup:
    for (int i = 0; i < OUT_COUNT; i++) {
        char cerr[sizeof err];
        if (lg_gen_out_close(s.out[i], cerr, sizeof cerr) != 0 && rc == 0) {
            snprintf(err, sizeof err, "%s", cerr);
            rc = 1;
        }
    }
    if (rc == 0 && write_manifest(&s, err, sizeof err) != 0)
        rc = 1;
    sim_free(&s);
    if (rc != 0)
        fprintf(stderr, "lg_bench_gen: %s\n", err);
    return rc;
}
