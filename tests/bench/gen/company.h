/*
 * tests/bench/gen/company.h - the synthetic company the load generator
 * describes: N people, each with a fixed recipe of non-human identities
 * (about 50: IAM users and their access keys, roles, STS sessions,
 * service-specific credentials, a Bedrock agent, GitHub tokens and keys,
 * Okta API tokens and a service app, and the person's own SSO session).
 *
 * Every identifier is a pure function of (seed, person, kind, index), so a
 * writer can name any identity without the generator storing it.
 *
 * Ownership: lg_gen_company is plain data owned by the caller. Identifier
 * writers fill a caller buffer (at least LG_GEN_ID_MAX bytes) and return it.
 */
#ifndef LG_BENCH_GEN_COMPANY_H
#define LG_BENCH_GEN_COMPANY_H

#include <stddef.h>
#include <stdint.h>

#define LG_GEN_ID_MAX 128

/** The kinds of NHI in a person's recipe (the SSO session is extra). */
typedef enum lg_gen_nhi {
    LG_GEN_IAM_USER = 0,
    LG_GEN_ACCESS_KEY,   /* two per IAM user: key i belongs to user i % users */
    LG_GEN_IAM_ROLE,     /* application roles */
    LG_GEN_SVC_CRED,     /* service-specific credential of user i % users */
    LG_GEN_ROLE_SESSION, /* AssumeRole of role i % roles by key i % keys */
    LG_GEN_AGENT,        /* Bedrock agent; execution role i % roles */
    LG_GEN_GH_PAT,       /* fine-grained personal access token */
    LG_GEN_GH_CLASSIC,   /* classic OAuth token */
    LG_GEN_GH_SSH_KEY,
    LG_GEN_GH_DEPLOY_KEY,
    LG_GEN_OKTA_TOKEN,
    LG_GEN_OKTA_APP,
    LG_GEN_NHI_COUNT
} lg_gen_nhi;

typedef struct lg_gen_recipe {
    uint32_t n[LG_GEN_NHI_COUNT];
    uint32_t total; /* sum of n[] + 1 (the SSO session) */
} lg_gen_recipe;

typedef struct lg_gen_company {
    uint64_t seed;
    uint32_t people;
    uint32_t accounts;
    lg_gen_recipe base; /* everyone */
    lg_gen_recipe big;  /* person 0 (the "big owner"); equals base when unset */
} lg_gen_company;

/** Fills co for people persons; person 0 gets big_owner NHIs (0: like
 *  everyone else, 50). accounts 0 = one AWS account per 250 people (1..50). */
void lg_gen_company_init(lg_gen_company *co, uint64_t seed, uint32_t people, uint32_t big_owner,
                         uint32_t accounts);

const lg_gen_recipe *lg_gen_recipe_of(const lg_gen_company *co, uint32_t person);

/** Offset of person's items of one kind in a flat array over all people. */
uint64_t lg_gen_offset(const lg_gen_company *co, uint32_t person, lg_gen_nhi kind);

/** Total items of one kind over all people (size of that flat array). */
uint64_t lg_gen_total(const lg_gen_company *co, lg_gen_nhi kind);

/** Total NHIs over all people (SSO sessions included, one per person). */
uint64_t lg_gen_total_nhis(const lg_gen_company *co);

const char *lg_gen_nhi_name(lg_gen_nhi kind);

/* ---- identifiers (each writes into out[LG_GEN_ID_MAX] and returns it) ---- */
const char *lg_gen_account(const lg_gen_company *co, uint32_t person, char *out);
const char *lg_gen_email(const lg_gen_company *co, uint32_t person, char *out);
const char *lg_gen_display_name(const lg_gen_company *co, uint32_t person, char *out);
const char *lg_gen_login(const lg_gen_company *co, uint32_t person, char *out);
const char *lg_gen_okta_uid(const lg_gen_company *co, uint32_t person, char *out);
const char *lg_gen_team(const lg_gen_company *co, uint32_t person);
/** SSO permission-set role of the person's account:
 *  AWSReservedSSO_PowerUserAccess_<16 hex>. */
const char *lg_gen_sso_role(const lg_gen_company *co, uint32_t person, char *out);
/** The person's SSO session key (ASIA...) for session generation gen. */
const char *lg_gen_sso_key(const lg_gen_company *co, uint32_t person, uint32_t gen, char *out);
/** The name of item i of a kind (IAM user, role, agent, token, key title). */
const char *lg_gen_name(const lg_gen_company *co, uint32_t person, lg_gen_nhi kind, uint32_t i,
                        char *out);
/** The identifier of item i of a kind: AKIA/ASIA key ids, AIDA/AROA unique
 *  ids of users/roles, ACCA credential ids, agent ids, hashed GitHub tokens
 *  (base64 of 32 bytes), SSH key fingerprints, Okta ids. For role sessions
 *  gen is the session generation (AssumeRole renews it); ignored otherwise. */
const char *lg_gen_id(const lg_gen_company *co, uint32_t person, lg_gen_nhi kind, uint32_t i,
                      uint32_t gen, char *out);
/** A numeric id (GitHub token_id, key id) for item i of a kind. */
uint64_t lg_gen_num(const lg_gen_company *co, uint32_t person, lg_gen_nhi kind, uint32_t i);

/** Random-looking characters from h: alphabet "b32" (A-Z2-7), "b62", "hex",
 *  "b64", "up36" (A-Z0-9). Writes n characters and a NUL. */
void lg_gen_chars(uint64_t h, const char *alphabet, char *out, size_t n);

#endif
