/*
 * state/fact.h - normalised lineage facts: the vocabulary between the
 * source parsers (processor/sources/) and the lineage graph (state/).
 *
 * A parser turns one raw source record into one lg_record holding zero or
 * more lg_fact. Nothing here knows JSON or Kafka.
 *
 * Ownership: every lg_str in an lg_record is BORROWED. It points either into
 * the parser's current JSON document or into the lg_arena handed to the
 * parser, and is valid only until the parser is used again or the arena is
 * reset. The graph copies what it keeps.
 */
#ifndef LG_STATE_FACT_H
#define LG_STATE_FACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A borrowed, not NUL-terminated byte string. {NULL,0} means "absent". */
typedef struct lg_str {
    const char *p;
    size_t n;
} lg_str;

#define LG_STR_NULL ((lg_str){NULL, 0})
#define LG_STR_LIT(s) ((lg_str){(s), sizeof(s) - 1})

/** The four event sources. Values are stable: they are stored on disk. */
typedef enum lg_source {
    LG_SRC_NONE = 0,
    LG_SRC_CLOUDTRAIL = 1,
    LG_SRC_OKTA = 2,
    LG_SRC_GITHUB = 3,
    LG_SRC_BEDROCK = 4,
} lg_source;
#define LG_SRC_COUNT 5

/** Kinds of graph node. Values are stable: they are stored on disk. */
typedef enum lg_node_kind {
    LG_NODE_UNKNOWN = 0,
    LG_NODE_HUMAN = 1,             /* id: lower-case e-mail                     */
    LG_NODE_IAM_USER = 2,          /* id: arn:aws:iam::ACCT:user/NAME (no path) */
    LG_NODE_IAM_ROLE = 3,          /* id: arn:aws:iam::ACCT:role/NAME (no path) */
    LG_NODE_ACCESS_KEY = 4,        /* id: AKIA...                               */
    LG_NODE_SERVICE_CRED = 5,      /* id: serviceSpecificCredentialId           */
    LG_NODE_STS_SESSION = 6,       /* id: ASIA... (temporary access key id)     */
    LG_NODE_AWS_ROOT = 7,          /* id: arn:aws:iam::ACCT:root                */
    LG_NODE_FEDERATED_USER = 8,    /* id: arn:aws:sts::ACCT:federated-user/NAME */
    LG_NODE_GH_ACCOUNT = 9,        /* id: github:LOGIN (a GitHub user login)    */
    LG_NODE_GH_FINE_PAT = 10,      /* id: github-pat:<hashed_token or token_id> */
    LG_NODE_GH_CLASSIC_TOKEN = 11, /* id: github-token:<hashed_token|token_id> */
    LG_NODE_GH_DEPLOY_KEY = 12,    /* id: github-key:<repo>:<fingerprint|id>    */
    LG_NODE_GH_SSH_KEY = 13,       /* id: github-key:<login>:<fingerprint|id>   */
    LG_NODE_GH_APP_INSTALL = 14,   /* id: github-app:<org>:<installation id|name> */
    LG_NODE_OKTA_API_TOKEN = 15,   /* id: Okta token id                         */
    LG_NODE_OKTA_SERVICE_APP = 16, /* id: Okta app instance id                */
    LG_NODE_AGENT = 17,            /* id: Bedrock agentId                       */
    LG_NODE_OKTA_USER = 18,        /* reserved: Okta users are humans           */
} lg_node_kind;
#define LG_NODE_KIND_COUNT 19

/** Human status values (Okta lifecycle). Stable on disk. */
typedef enum lg_human_status {
    LG_STATUS_ACTIVE = 0,
    LG_STATUS_SUSPENDED = 1,
    LG_STATUS_DEPARTED = 2,
} lg_human_status;

/** Fact types. Stable on disk. */
typedef enum lg_fact_type {
    /* A human exists (seen in Okta or as an SSO session). subject = e-mail. */
    LG_FACT_HUMAN = 1,
    /* Human status change. subject = e-mail, status = lg_human_status. */
    LG_FACT_HUMAN_STATUS = 2,
    /* An alias names a human: subject = alias node id (e.g. "github:octocat"),
     * kind = alias node kind, object = e-mail. */
    LG_FACT_ALIAS = 3,
    /* An NHI or agent was created. subject/kind = the new identity,
     * actor/actor_kind = the principal that made the creating call,
     * parent = the identity it is a credential of (IAM user of an access key,
     * role of a session), detail = display name. flag = privileged at birth
     * (e.g. GitHub admin scopes). object = explicit owner e-mail if the
     * creating call carried an owner tag. */
    LG_FACT_CREATED = 4,
    /* An NHI or agent was deleted (or a token revoked). subject/kind. */
    LG_FACT_DELETED = 5,
    /* A credential was disabled (flag=false) or re-enabled (flag=true). */
    LG_FACT_ENABLED = 6,
    /* Explicit owner: subject/kind, object = owner e-mail (empty = removed). */
    LG_FACT_OWNER = 7,
    /* Privilege grant (flag=true) or revoke (flag=false) on subject/kind;
     * detail = the policy ARN / scope / role that grants it. */
    LG_FACT_PRIVILEGE = 8,
    /* An STS session was issued: subject = ASIA key id, parent = role (or the
     * issuing IAM user for GetSessionToken/GetFederationToken), actor = the
     * principal that obtained it, object = sourceIdentity or e-mail session
     * name when present. */
    LG_FACT_SESSION = 9,
    /* An identity acted (used its credential). subject/kind = the credential
     * or principal that acted; parent = what it is a credential of when the
     * record says so (IAM user of an AKIA key, role of an ASIA session);
     * object = session identity hint (sourceIdentity or e-mail session name);
     * detail = action (eventName / operation). For an InvokeAgent call the
     * subject is the agent. */
    LG_FACT_USED = 10,
    /* An AI agent is bound to its execution role: subject = agent id,
     * parent = role id. Emitted with CREATED for CreateAgent, and alone for
     * UpdateAgent. */
    LG_FACT_AGENT_ROLE = 11,
    /* A GitHub login was removed from an org: subject = "github:LOGIN",
     * detail = org. */
    LG_FACT_MEMBER_REMOVED = 12,
} lg_fact_type;

/** One normalised fact. All strings borrowed (see file comment). */
typedef struct lg_fact {
    lg_fact_type type;
    lg_node_kind kind;       /* kind of subject */
    lg_str subject;          /* node id of the subject */
    lg_node_kind actor_kind; /* kind of actor, LG_NODE_UNKNOWN if absent */
    lg_str actor;            /* node id of the principal that made the call */
    lg_node_kind parent_kind;
    lg_str parent; /* see per-type comments */
    lg_str object; /* e-mail for OWNER/ALIAS/SESSION hints */
    lg_str detail; /* name, policy, action ... (informational) */
    int status;    /* lg_human_status for HUMAN_STATUS */
    bool flag;     /* see per-type comments */
} lg_fact;

#define LG_RECORD_MAX_FACTS 16

/** One parsed source record. */
typedef struct lg_record {
    lg_source source;
    lg_str event_id;   /* dedupe key: eventID, uuid, _document_id, requestId */
    int64_t time_ms;   /* event time, milliseconds since the epoch (UTC) */
    lg_str event_name; /* eventName / eventType / action / operation */
    lg_str tenant;     /* AWS account / Okta org / GitHub org, may be absent */
    bool failed;       /* the call failed (errorCode present): it creates nothing,
                          only its LG_FACT_USED facts (proof a credential is live)
                          are applied */
    size_t nfacts;
    lg_fact facts[LG_RECORD_MAX_FACTS];
} lg_record;

/** Returns the stable lower-case name of a source ("cloudtrail", ...) or
 *  "none". The string is static. */
const char *lg_source_name(lg_source src);

/** Parses a source name; returns LG_SRC_NONE when unknown. */
lg_source lg_source_from_name(const char *name);

/** Returns the stable name of a node kind ("access_key", ...). Static. */
const char *lg_node_kind_name(lg_node_kind kind);

/** True for kinds that are credentials (keys, tokens, sessions). */
bool lg_node_kind_is_credential(lg_node_kind kind);

/** True for non-human identities and agents (everything but HUMAN, the
 *  GitHub account alias and UNKNOWN). */
bool lg_node_kind_is_nhi(lg_node_kind kind);

/** Returns the status name ("active", "suspended", "departed"). Static. */
const char *lg_human_status_name(int status);

#endif
