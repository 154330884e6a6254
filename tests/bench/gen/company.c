/* tests/bench/gen/company.c - see company.h. */
#include "tests/bench/gen/company.h"

#include "tests/bench/gen/rng.h"

#include <stdio.h>
#include <string.h>

/* The recipe of 50: IAM users 6, keys 12, roles 6, service credentials 2,
 * role sessions 4, agent 1, fine-grained PATs 7, classic tokens 4, SSH keys
 * 2, deploy keys 2, Okta tokens 2, Okta service app 1, + the SSO session. */
static const uint32_t base_recipe[LG_GEN_NHI_COUNT] = {6, 12, 6, 2, 4, 1, 7, 4, 2, 2, 2, 1};

static const char *const nhi_names[LG_GEN_NHI_COUNT] = {"iam_user",
                                                        "access_key",
                                                        "iam_role",
                                                        "service_credential",
                                                        "role_session",
                                                        "agent",
                                                        "github_fine_grained_pat",
                                                        "github_classic_token",
                                                        "github_ssh_key",
                                                        "github_deploy_key",
                                                        "okta_api_token",
                                                        "okta_service_app"};

static const char *const first_names[] = {
    "ada",    "alan",      "grace", "linus",   "barbara", "ken",      "dennis", "margaret",
    "edsger", "frances",   "john",  "radia",   "tim",     "hedy",     "donald", "sophie",
    "guido",  "bjarne",    "anita", "leslie",  "karen",   "niklaus",  "shafi",  "whitfield",
    "lynn",   "brian",     "rob",   "james",   "mary",    "yukihiro", "larry",  "joan",
    "robin",  "katherine", "vint",  "fernando"};
static const char *const last_names[] = {
    "lovelace", "turing",    "hopper",   "torvalds", "liskov",     "thompson",
    "ritchie",  "hamilton",  "dijkstra", "allen",    "mccarthy",   "perlman",
    "berners",  "lamarr",    "knuth",    "wilson",   "rossum",     "stroustrup",
    "borg",     "lamport",   "jones",    "wirth",    "goldwasser", "diffie",
    "conway",   "kernighan", "pike",     "gosling",  "shaw",       "matsumoto",
    "wall",     "clarke",    "milner",   "johnson",  "cerf",       "corbato"};
static const char *const teams[] = {"payments", "checkout", "search",    "platform", "data",
                                    "ml",       "identity", "billing",   "growth",   "infra",
                                    "mobile",   "security", "analytics", "support"};
static const char *const words[] = {"etl",    "deploy",   "sync",     "backup",  "ingest",
                                    "report", "scanner",  "worker",   "api",     "cron",
                                    "export", "indexer",  "notifier", "builder", "gateway",
                                    "mirror", "archiver", "loader",   "auditor", "trainer"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void recipe_scaled(lg_gen_recipe *r, uint32_t target) {
    uint32_t sum = 0;
    for (int k = 0; k < LG_GEN_NHI_COUNT; k++) {
        r->n[k] = (uint32_t)((uint64_t)base_recipe[k] * target / 50);
        if (r->n[k] == 0 && base_recipe[k])
            r->n[k] = 1;
        sum += r->n[k];
    }
    /* keys stay two per user; the rounding remainder goes to fine-grained
     * PATs so the person has exactly target NHIs (SSO session included) */
    if (sum + 1 < target)
        r->n[LG_GEN_GH_PAT] += target - (sum + 1);
    r->total = 1;
    for (int k = 0; k < LG_GEN_NHI_COUNT; k++)
        r->total += r->n[k];
}

void lg_gen_company_init(lg_gen_company *co, uint64_t seed, uint32_t people, uint32_t big_owner,
                         uint32_t accounts) {
    memset(co, 0, sizeof *co);
    co->seed = seed;
    co->people = people ? people : 1;
    if (!accounts) {
        accounts = co->people / 250 + 1;
        if (accounts > 50)
            accounts = 50;
    }
    co->accounts = accounts;
    recipe_scaled(&co->base, 50);
    if (big_owner > 50)
        recipe_scaled(&co->big, big_owner);
    else
        co->big = co->base;
}

const lg_gen_recipe *lg_gen_recipe_of(const lg_gen_company *co, uint32_t person) {
    return person == 0 ? &co->big : &co->base;
}

uint64_t lg_gen_offset(const lg_gen_company *co, uint32_t person, lg_gen_nhi kind) {
    if (person == 0)
        return 0;
    return co->big.n[kind] + (uint64_t)(person - 1) * co->base.n[kind];
}

uint64_t lg_gen_total(const lg_gen_company *co, lg_gen_nhi kind) {
    return lg_gen_offset(co, co->people, kind);
}

uint64_t lg_gen_total_nhis(const lg_gen_company *co) {
    return co->big.total + (uint64_t)(co->people - 1) * co->base.total;
}

const char *lg_gen_nhi_name(lg_gen_nhi kind) {
    return kind < LG_GEN_NHI_COUNT ? nhi_names[kind] : "unknown";
}

void lg_gen_chars(uint64_t h, const char *alphabet, char *out, size_t n) {
    const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    if (strcmp(alphabet, "b62") == 0)
        a = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    else if (strcmp(alphabet, "hex") == 0)
        a = "0123456789abcdef";
    else if (strcmp(alphabet, "b64") == 0)
        a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    else if (strcmp(alphabet, "up36") == 0)
        a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    size_t m = strlen(a);
    uint64_t x = h;
    for (size_t i = 0; i < n; i++) {
        if (i % 8 == 7)
            x = lg_gen_hash(h, i, x, 0x5a);
        out[i] = a[x % m];
        x /= m;
        x ^= (uint64_t)i * 0x9e3779b97f4a7c15ULL;
    }
    out[n] = '\0';
}

static uint64_t h(const lg_gen_company *co, uint64_t tag, uint64_t a, uint64_t b) {
    return lg_gen_hash(co->seed, tag, a, b);
}

const char *lg_gen_account(const lg_gen_company *co, uint32_t person, char *out) {
    uint32_t a = person % co->accounts;
    snprintf(out, LG_GEN_ID_MAX, "%012llu",
             (unsigned long long)(100000000000ULL + h(co, 'A', a, 0) % 899999999999ULL));
    return out;
}

const char *lg_gen_email(const lg_gen_company *co, uint32_t person, char *out) {
    uint64_t x = h(co, 'N', person, 0);
    snprintf(out, LG_GEN_ID_MAX, "%s.%s%u@acme-corp.example", first_names[x % COUNT(first_names)],
             last_names[(x >> 20) % COUNT(last_names)], person);
    return out;
}

const char *lg_gen_display_name(const lg_gen_company *co, uint32_t person, char *out) {
    uint64_t x = h(co, 'N', person, 0);
    const char *f = first_names[x % COUNT(first_names)];
    const char *l = last_names[(x >> 20) % COUNT(last_names)];
    snprintf(out, LG_GEN_ID_MAX, "%c%s %c%s", f[0] - 32, f + 1, l[0] - 32, l + 1);
    return out;
}

const char *lg_gen_login(const lg_gen_company *co, uint32_t person, char *out) {
    uint64_t x = h(co, 'N', person, 0);
    snprintf(out, LG_GEN_ID_MAX, "%c%s-acme%u", first_names[x % COUNT(first_names)][0],
             last_names[(x >> 20) % COUNT(last_names)], person);
    return out;
}

const char *lg_gen_okta_uid(const lg_gen_company *co, uint32_t person, char *out) {
    memcpy(out, "00u", 3);
    lg_gen_chars(h(co, 'O', person, 0), "b62", out + 3, 17);
    return out;
}

const char *lg_gen_team(const lg_gen_company *co, uint32_t person) {
    return teams[h(co, 'T', person, 0) % COUNT(teams)];
}

const char *lg_gen_sso_role(const lg_gen_company *co, uint32_t person, char *out) {
    char hex[17];
    lg_gen_chars(h(co, 'R', person % co->accounts, 0), "hex", hex, 16);
    snprintf(out, LG_GEN_ID_MAX, "AWSReservedSSO_PowerUserAccess_%s", hex);
    return out;
}

const char *lg_gen_sso_key(const lg_gen_company *co, uint32_t person, uint32_t gen, char *out) {
    memcpy(out, "ASIA", 4);
    lg_gen_chars(h(co, 'Q', person, gen), "b32", out + 4, 16);
    return out;
}

const char *lg_gen_name(const lg_gen_company *co, uint32_t person, lg_gen_nhi kind, uint32_t i,
                        char *out) {
    uint64_t x = h(co, 'W', person * 64 + kind, i);
    const char *team = lg_gen_team(co, person);
    const char *word = words[x % COUNT(words)];
    switch (kind) {
    case LG_GEN_IAM_USER:
        snprintf(out, LG_GEN_ID_MAX, "svc-%s-%s-%u-%u", team, word, person, i);
        break;
    case LG_GEN_IAM_ROLE:
        snprintf(out, LG_GEN_ID_MAX, "app-%s-%s-%u-%u", team, word, person, i);
        break;
    case LG_GEN_AGENT:
        snprintf(out, LG_GEN_ID_MAX, "%s-%s-assistant-%u-%u", team, word, person, i);
        break;
    case LG_GEN_OKTA_APP:
        snprintf(out, LG_GEN_ID_MAX, "%s %s service %u-%u", team, word, person, i);
        break;
    default:
        snprintf(out, LG_GEN_ID_MAX, "%s-%s-%u", team, word, i);
        break;
    }
    return out;
}

/* How each kind's identifier looks: prefix, alphabet, random characters,
 * suffix. */
static const struct id_shape {
    const char *prefix, *alphabet;
    size_t n;
    const char *suffix;
} id_shapes[LG_GEN_NHI_COUNT] = {
    [LG_GEN_IAM_USER] = {"AIDA", "b32", 17, ""},
    [LG_GEN_ACCESS_KEY] = {"AKIA", "b32", 16, ""},
    [LG_GEN_IAM_ROLE] = {"AROA", "b32", 17, ""},
    [LG_GEN_SVC_CRED] = {"ACCA", "b32", 17, ""},
    [LG_GEN_ROLE_SESSION] = {"ASIA", "b32", 16, ""},
    [LG_GEN_AGENT] = {"", "up36", 10, ""},
    [LG_GEN_GH_PAT] = {"", "b64", 43, "="},
    [LG_GEN_GH_CLASSIC] = {"", "b64", 43, "="},
    [LG_GEN_GH_SSH_KEY] = {"SHA256:", "b64", 43, ""},
    [LG_GEN_GH_DEPLOY_KEY] = {"SHA256:", "b64", 43, ""},
    [LG_GEN_OKTA_TOKEN] = {"00T", "b62", 17, ""},
    [LG_GEN_OKTA_APP] = {"0oa", "b62", 17, ""},
};

const char *lg_gen_id(const lg_gen_company *co, uint32_t person, lg_gen_nhi kind, uint32_t i,
                      uint32_t gen, char *out) {
    if (kind >= LG_GEN_NHI_COUNT) {
        out[0] = '\0';
        return out;
    }
    const struct id_shape *sh = &id_shapes[kind];
    uint64_t x = h(co, 'I' + ((uint64_t)kind << 8), person, ((uint64_t)gen << 32) | i);
    size_t np = strlen(sh->prefix);
    memcpy(out, sh->prefix, np);
    lg_gen_chars(x, sh->alphabet, out + np, sh->n);
    strcpy(out + np + sh->n, sh->suffix);
    return out;
}

uint64_t lg_gen_num(const lg_gen_company *co, uint32_t person, lg_gen_nhi kind, uint32_t i) {
    return 10000000 + h(co, 'U' + ((uint64_t)kind << 8), person, i) % 989999999;
}
