/*
 * tests/bench/gen/cloudtrail.h - CloudTrail records in the shape AWS writes
 * them (field order, userIdentity per caller type, requestParameters,
 * responseElements, resources, tlsDetails), 1-3 KB each.
 *
 * Ownership: callers are plain data filled by the lg_gen_caller_* builders;
 * every writer appends one record to c->rec.
 */
#ifndef LG_BENCH_GEN_CLOUDTRAIL_H
#define LG_BENCH_GEN_CLOUDTRAIL_H

#include "tests/bench/gen/ctx.h"

#include <stdbool.h>

typedef enum lg_gen_caller_type {
    LG_GEN_CALLER_IAM_USER = 0, /* an IAM user's access key */
    LG_GEN_CALLER_ROLE,         /* an STS session of an application role */
    LG_GEN_CALLER_SSO,          /* a human's IAM Identity Center session */
} lg_gen_caller_type;

typedef struct lg_gen_caller {
    lg_gen_caller_type type;
    uint32_t person; /* whose identity it is */
    char account[LG_GEN_ID_MAX];
    char name[LG_GEN_ID_MAX];      /* IAM user name or role name */
    char unique_id[LG_GEN_ID_MAX]; /* AIDA... / AROA... */
    char key[LG_GEN_ID_MAX];       /* AKIA... / ASIA... */
    char session[LG_GEN_ID_MAX];   /* role session name (SSO: the e-mail) */
    int64_t session_start_ms;
    unsigned agent; /* user agent index */
} lg_gen_caller;

/** Access key k of person p (it belongs to IAM user k % users). */
void lg_gen_caller_key(const lg_gen_company *co, uint32_t p, uint32_t k, lg_gen_caller *out);
/** Session generation gen of role session slot j of person p (role j % roles). */
void lg_gen_caller_role_session(const lg_gen_company *co, uint32_t p, uint32_t j, uint32_t gen,
                                int64_t start_ms, lg_gen_caller *out);
/** The execution role of person p's agent i acting (a Bedrock agent session). */
void lg_gen_caller_agent_role(const lg_gen_company *co, uint32_t p, uint32_t i, uint32_t gen,
                              int64_t start_ms, lg_gen_caller *out);
/** Person p's SSO session of generation gen. */
void lg_gen_caller_sso(const lg_gen_company *co, uint32_t p, uint32_t gen, int64_t start_ms,
                       lg_gen_caller *out);

/** Writes the caller's assumed-role ARN (sessions only) into out. */
const char *lg_gen_caller_arn(const lg_gen_caller *w, char *out, size_t n);

/** A read or other API call that shapes no lineage (EC2, S3, KMS, SSM,
 *  Secrets Manager, DynamoDB, Lambda, IAM reads, ...). failed asks for an
 *  AccessDenied errorCode; returns true when the record got one (calls
 *  that every identity may make never fail). */
bool lg_gen_ct_usage(lg_gen_ctx *c, const lg_gen_caller *w, bool failed);

/** bedrock InvokeModel / Converse (readOnly management event). */
void lg_gen_ct_invoke_model(lg_gen_ctx *c, const lg_gen_caller *w);

/** InvokeAgent on person p's agent i (data event with an agent-alias ARN). */
void lg_gen_ct_invoke_agent(lg_gen_ctx *c, const lg_gen_caller *w, uint32_t p, uint32_t i);

/** Creates item i of person p: IAM user (owner_tag: with an `owner` tag),
 *  access key, role, service-specific credential or Bedrock agent. */
void lg_gen_ct_create(lg_gen_ctx *c, const lg_gen_caller *w, uint32_t p, lg_gen_nhi kind,
                      uint32_t i, bool owner_tag);

/** sts AssumeRole of person p's role session slot j, generation gen, by w. */
void lg_gen_ct_assume_role(lg_gen_ctx *c, const lg_gen_caller *w, uint32_t p, uint32_t j,
                           uint32_t gen);

typedef enum lg_gen_iam_change {
    LG_GEN_ATTACH_USER_POLICY = 0,
    LG_GEN_DETACH_USER_POLICY,
    LG_GEN_ATTACH_ROLE_POLICY,
    LG_GEN_PUT_ROLE_POLICY,
    LG_GEN_TAG_USER_OWNER,
    LG_GEN_UNTAG_USER_OWNER,
    LG_GEN_DEACTIVATE_KEY,
    LG_GEN_DELETE_KEY,
    LG_GEN_CREATE_LOGIN_PROFILE,
    LG_GEN_UPDATE_ASSUME_ROLE_POLICY,
    LG_GEN_IAM_CHANGE_COUNT
} lg_gen_iam_change;

/** An IAM change on person p's item i (user for *_USER_* and login profile,
 *  role for *_ROLE_*, key for *_KEY). admin: the policy grants admin rights.
 *  owner: the new owner (TAG_USER_OWNER). */
void lg_gen_ct_iam_change(lg_gen_ctx *c, const lg_gen_caller *w, lg_gen_iam_change what, uint32_t p,
                          uint32_t i, bool admin, uint32_t owner);

#endif
