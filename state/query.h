/*
 * state/query.h - questions asked of the lineage graph: who owns an
 * identity, what a person owns, what to do when a person leaves, the current
 * orphans and ownerless privileged keys, the access-review export, and the
 * lookups behind the lineage map (search, node details, subgraphs).
 *
 * Every query can be asked "as of" an event time (lg_q_opts.as_of): the
 * graph keeps the history of owners, statuses, privileges, enablement,
 * creation and deletion, and lg_graph_attribute() answers from it. Usage is
 * kept as first and last use only, so "last used" as of a past moment is
 * exact when the last use is before that moment, and otherwise reported as
 * the first use with last_used_later set.
 *
 * The queries use the graph's public API only (state/graph.h) and are meant
 * for a read-only or secondary instance (lg_graph_opts.secondary_dir) beside
 * the running daemon. Not thread-safe (the graph is not).
 *
 * Ownership: a query returns a result the caller owns and frees with
 * lg_q_result_free(); every string and array in it is owned by the result
 * and independent of the graph (the graph may be refreshed or closed).
 */
#ifndef LG_STATE_QUERY_H
#define LG_STATE_QUERY_H

#include "state/graph.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** "Now" as an as-of time: the latest state, whatever the event times. */
#define LG_Q_NOW INT64_MAX

/** Return value of the queries when the asked identity is not in the graph. */
#define LG_Q_NOT_FOUND 1

/** Existence status of an identity at the asked time. */
typedef enum lg_q_status {
    LG_Q_ACTIVE = 0,
    LG_Q_DELETED = 1,  /* deleted / revoked at or before the time */
    LG_Q_DISABLED = 2, /* credential disabled */
    LG_Q_EXPIRED = 3,  /* STS session older than lg_q_opts.session_max_ms */
    LG_Q_REMOVED = 4,  /* GitHub account removed from the org */
} lg_q_status;

/** Offboarding recommendation. */
typedef enum lg_q_action {
    LG_Q_NO_ACTION = 0,
    LG_Q_DEPROVISION = 1,    /* unused, or the person is the only reason it exists */
    LG_Q_REASSIGN = 2,       /* in use, or something else depends on it */
    LG_Q_SAFE_TO_REMOVE = 3, /* already deleted, disabled or expired */
} lg_q_action;

/* lg_q_item.flags */
#define LG_QF_ORPHAN 1u         /* active NHI/agent whose owner departed */
#define LG_QF_PRIV_OWNERLESS 2u /* active privileged long-lived credential, no owner */
#define LG_QF_PRIVILEGED 4u     /* privileged at the time (same as .privileged) */

/** One identity in a result, evaluated at the result's as-of time. */
typedef struct lg_q_item {
    const char *id; /* node id (native id: AKIA..., ARN, e-mail, ...) */
    lg_node_kind kind;
    const char *name;   /* display name or NULL */
    const char *system; /* "aws", "github", "okta", "bedrock" or "human" */
    const char *tenant; /* or NULL */
    int partition;      /* index in lg_q_graphs of the graph it was read from */
    const char *role;   /* why it is in the result: "subject", "chain", "owned",
                           "dependant", "orphan", "privileged_ownerless",
                           "match", "node", "review" */
    lg_q_status status;
    int64_t status_since; /* LG_TIME_NONE when not applicable */
    const char *status_evt;
    int human_status; /* humans: lg_human_status at the time */
    bool privileged;
    const char *priv_evt;
    unsigned flags; /* LG_QF_* */
    int64_t created_ms;
    const char *created_evt;
    const char *creator;
    int64_t first_used_ms, last_used_ms; /* LG_TIME_NONE when never (by then) */
    bool last_used_later;                /* also used after the as-of time */
    const char *last_used_evt;           /* only when last_used_ms is the last use */
    const char *last_action;
    /* attribution at the time */
    const char *owner_id; /* human e-mail or NULL */
    int owner_status;     /* lg_human_status */
    int64_t owner_status_since;
    const char *owner_status_evt;
    size_t nchain;          /* links; chain has nchain + 1 ids */
    const char **chain;     /* chain[0] = id ... chain[nchain] = owner or last */
    const lg_basis *basis;  /* basis[i]: chain[i] -> chain[i + 1] */
    const char **evidence;  /* evidence[i] of that link, may be NULL */
    bool cycle;             /* resolution stopped at a cycle */
    const char *confidence; /* "high", "medium", "low" or "none" */
    /* tree position: the next hop towards the owner (owns, offboard, graph) */
    const char *via; /* NULL for the root */
    lg_basis via_basis;
    int depth; /* links from the root of the tree */
    /* offboarding */
    lg_q_action action;
    const char *reason; /* one sentence for people */
    bool complete;      /* lg_q_graph: everything directly below it is in
                           the result (it was expanded) */
    size_t ndependants; /* active identities below it (credentials, sessions,
                           created identities, agents running as it) */
} lg_q_item;

/** An edge of a subgraph (lg_q_graph): from -> to. */
typedef struct lg_q_edge {
    const char *from, *to;
    const char *type;     /* "explicit", "creator", "inherited", "session", "alias"
                             (attribution: to is attributed through from) or
                             "created", "credential", "agent", "owner_tag",
                             "session_of", "hint" (other links) */
    const char *evidence; /* may be NULL */
    bool lineage;         /* true: the attribution link of `to` */
} lg_q_edge;

/** One piece of evidence of a node (lg_q_node): what, when, which event. */
typedef struct lg_q_evidence {
    const char *what; /* "created by X", "owner tag bob@...", "granted P", ... */
    int64_t t;        /* LG_TIME_NONE when unknown */
    const char *evt;  /* "source:event-id" or NULL */
} lg_q_evidence;

typedef struct lg_q_result {
    int64_t as_of;       /* the time asked (LG_Q_NOW = now) */
    int64_t ref_ms;      /* the clock ages are measured against */
    const char *subject; /* canonical id of the identity or person asked */
    lg_q_item *items;
    size_t nitems;
    lg_q_edge *edges;
    size_t nedges;
    lg_q_evidence *evidence;
    size_t nevidence;
    bool truncated; /* a bound (max_items, depth) cut the answer */
    /* owner query: how sure the attribution of items[0] is */
    const char *confidence; /* "high" | "medium" | "low" | "none" */
    double confidence_score;
    const char *weakest_basis; /* lg_basis_name of the weakest link, or NULL */
    void *pool_;               /* internal */
} lg_q_result;

/** The graphs a query reads (borrowed): one state directory (`replay`'s
 *  layout), or the daemon's partitions (<state.dir>/p<N>, each holding whole
 *  tenants). Answers are the union over the partitions: an identity lives in
 *  its tenant's partition; a person may appear in several. */
typedef struct lg_q_graphs {
    lg_graph *const *v;
    size_t n;
} lg_q_graphs;

typedef struct lg_q_opts {
    int64_t as_of;             /* event time of the answer; 0 or LG_Q_NOW = now */
    int64_t now_ms;            /* wall clock for ages; 0 = the real clock */
    int64_t unused_ms;         /* offboarding: unused at least this long ->
                                  deprovision, used more recently -> reassign;
                                  0 = 30 days */
    int64_t session_max_ms;    /* STS sessions older than this are expired;
                                  0 = 36 hours (the longest STS duration) */
    size_t max_items;          /* bound on identities visited; 0 = 100000 */
    int depth;                 /* lg_q_graph: levels below the root; 0 = 1 */
    const lg_q_graphs *graphs; /* non-NULL: read these graphs (the daemon's
                                  partitions) instead of the g argument,
                                  which may then be NULL */
} lg_q_opts;

/** Finds the node an identifier a user holds refers to: an exact node id;
 *  an e-mail in any case; an IAM ARN with a path, an assumed-role or STS
 *  ARN (canonicalised as the CloudTrail parser does); a Bedrock agent or
 *  agent-alias ARN; an access key id in any case; a GitHub token hash or
 *  token id without its "github-pat:" / "github-token:" prefix, a raw
 *  GitHub token (ghp_..., github_pat_...: hashed as the audit log does), a GitHub
 *  login with or without "github:"; else a unique display name or e-mail
 *  local part ("bob" for bob@example.com). Returns 0
 *  with *id (malloc'd, the caller frees) and *kind, LG_Q_NOT_FOUND, or -1
 *  with errstr (out of memory, or an ambiguous name: errstr lists them). */
int lg_q_find(lg_graph *g, const char *input, char **id, lg_node_kind *kind, char *errstr,
              size_t errstr_size);

/** Owner of an identity: items[0] is the subject with its chain, basis,
 *  evidence and confidence (also in the result's confidence fields); then
 *  each identity on the chain ("chain"), then the active identities that
 *  depend on the subject ("dependant", bounded). */
int lg_q_owner(lg_graph *g, const char *input, const lg_q_opts *o, lg_q_result **out, char *errstr,
               size_t errstr_size);

/** Everything a person owns at the time, transitively: every identity
 *  reachable from the person through the graph's links whose effective
 *  owner is that person (an identity tagged to someone else is not theirs).
 *  items[0] is the person ("subject"); the others ("owned") carry via/depth
 *  (their attribution tree) and are sorted by system, kind and id. Aliases
 *  (GitHub accounts) are included. */
int lg_q_owns(lg_graph *g, const char *person, const lg_q_opts *o, lg_q_result **out, char *errstr,
              size_t errstr_size);

/** lg_q_owns plus a recommendation and reason for each identity:
 *  safe_to_remove when it is deleted, disabled, an expired session or an
 *  account already removed from the org; reassign when it was used within
 *  unused_ms or an active identity depends on it that is in use, owned by
 *  someone else or has no owner; deprovision otherwise. */
int lg_q_offboard(lg_graph *g, const char *person, const lg_q_opts *o, lg_q_result **out,
                  char *errstr, size_t errstr_size);

/** Current orphans (active NHIs and agents whose owner departed, role
 *  "orphan") and ownerless privileged long-lived credentials (role
 *  "privileged_ownerless") at the time. Scans every node. */
int lg_q_orphans(lg_graph *g, const lg_q_opts *o, lg_q_result **out, char *errstr,
                 size_t errstr_size);

/** Access review: every NHI and agent that exists at the time (deleted ones
 *  and STS sessions left out), sorted by owner ("" last), system, kind, id.
 *  Scans every node. */
int lg_q_review(lg_graph *g, const lg_q_opts *o, lg_q_result **out, char *errstr,
                size_t errstr_size);

/** Nodes whose id or name contains q (case-insensitive), humans first, at
 *  most limit (0 = 50). Scans every node. */
int lg_q_search(lg_graph *g, const char *q, size_t limit, const lg_q_opts *o, lg_q_result **out,
                char *errstr, size_t errstr_size);

/** Details of one node: items[0] with attribution, and every piece of
 *  evidence the node holds (creation, owner tags, grants, status changes,
 *  enablement, deletion, last use, alias, session issuance). */
int lg_q_node(lg_graph *g, const char *input, const lg_q_opts *o, lg_q_result **out, char *errstr,
              size_t errstr_size);

/** A subgraph for the map: the node (items[0], role "subject"), its
 *  attribution chain up to the owner ("chain"), and what is below it down to
 *  o->depth levels ("owned" for a person's attribution tree, "dependant"
 *  for the links of other nodes, and below a person what depends on the
 *  person's identities but belongs to someone else, not followed further),
 *  with edges; ndependants is each node's number of direct links below it
 *  and complete says whether they are all in the result. Bounded by
 *  max_items. */
int lg_q_graph(lg_graph *g, const char *input, const lg_q_opts *o, lg_q_result **out, char *errstr,
               size_t errstr_size);

/** Frees a result. NULL is a no-op. */
void lg_q_result_free(lg_q_result *r);

/** "active", "deleted", "disabled", "expired", "removed". Static. */
const char *lg_q_status_name(lg_q_status s);

/** "none", "deprovision", "reassign", "safe_to_remove". Static. */
const char *lg_q_action_name(lg_q_action a);

/** "aws", "github", "okta", "bedrock" or "human" for a node kind. Static. */
const char *lg_q_system(lg_node_kind kind);

/** Parses an as-of time: ISO-8601 ("2025-03-01T12:00:00Z", with an offset
 *  or a fraction), a date "2025-03-01" meaning the END of that day UTC
 *  (23:59:59.999), epoch milliseconds (12 to 15 digits), or "now"
 *  (LG_Q_NOW). Returns 0 or -1. */
int lg_q_parse_time(const char *s, int64_t *out);

#endif
