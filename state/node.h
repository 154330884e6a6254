/*
 * state/node.h - one node of the lineage graph as held in memory, and its
 * on-disk encoding. A node is a human, an NHI, an agent or an alias account.
 *
 * Time-varying attributes are kept as small series of (event time, value,
 * evidence) items sorted by time, so any question can be answered "as of" a
 * moment and the result does not depend on the order facts arrived in.
 *
 * Ownership: an lg_node owns all its strings and series; lg_node_free()
 * releases them. Evidence strings have the form "source:event-id".
 */
#ifndef LG_STATE_NODE_H
#define LG_STATE_NODE_H

#include "state/codec.h"
#include "state/fact.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LG_NODE_FORMAT_VERSION 2 /* 1 is still read: it lacks pending_since */
#define LG_TIME_NONE INT64_MIN

typedef struct lg_sitem {
    int64_t t;   /* event time, ms */
    int32_t val; /* series-specific value */
    char *str;   /* series-specific string, may be NULL */
    char *evt;   /* evidence, "source:event-id" */
} lg_sitem;

typedef struct lg_series {
    lg_sitem *items;
    uint32_t n, cap;
} lg_series;

typedef struct lg_node {
    char *id;
    lg_node_kind kind;
    char *name;
    char *tenant;
    /* creation: earliest creating event by event time (ties: smaller evt) */
    int64_t created_ms; /* LG_TIME_NONE when unknown */
    char *created_evt;
    char *creator;
    lg_node_kind creator_kind;
    /* the identity this credential belongs to (IAM user of a key, role of a
     * session) */
    char *parent;
    lg_node_kind parent_kind;
    /* sessions: the principal that obtained it, and the identity hint */
    char *issuer;
    lg_node_kind issuer_kind;
    char *issuer_evt;
    char *hint; /* e-mail from sourceIdentity / session name */
    /* GitHub accounts and other aliases: the human's e-mail */
    char *alias_of;
    char *alias_evt;
    /* agents: execution role */
    char *agent_role;
    /* deletion: earliest deleting event by event time (ties: smaller evt) */
    int64_t deleted_ms;
    char *deleted_evt;
    int64_t removed_ms; /* GitHub org membership removed */
    bool priv_at_birth; /* e.g. admin-scoped GitHub token */
    lg_series owner;    /* str = owner e-mail, "" = explicit owner removed */
    lg_series status;   /* humans: val = lg_human_status */
    lg_series priv;     /* str = policy/grant name, val = 1 grant, 0 revoke */
    lg_series enabled;  /* credentials: val = 1 enabled, 0 disabled */
    /* usage */
    int64_t first_used_ms, last_used_ms;
    char *last_used_evt;
    char *last_action;
    /* roles: agents bound to this role */
    char **agents;
    uint32_t nagents;
    /* a privileged_key.ownerless candidate held back since this processing
     * time (wall ms), or 0: see processor/detectors/detect.h */
    int64_t pending_since;
    /* derived event ids already announced for this subject */
    char **announced;
    uint32_t nannounced;
} lg_node;

/** Allocates an empty node with the given id (copied). NULL on ENOMEM.
 *  The id lives right after the node, in the same allocation. */
lg_node *lg_node_new(const char *id, size_t idlen, lg_node_kind kind);

/** n->id, computed from n without reading it (lg_node_new places the id
 *  right after the node): one memory access less for the node cache's
 *  lookups, which are bound by memory latency. */
static inline const char *lg_node_id_of(const lg_node *n) {
    return (const char *)(n + 1);
}
void lg_node_free(lg_node *n);

/** Inserts an item keeping the series sorted by (t, evt, str, val); an
 *  identical item is not inserted twice. Strings are copied. Returns 1 when
 *  inserted, 0 when already present, -1 on ENOMEM. */
int lg_series_add(lg_series *s, int64_t t, int32_t val, const char *str, const char *evt);

/** lg_series_add that also stores in *pos the index of the item (inserted
 *  or already present; untouched on ENOMEM). */
int lg_series_insert(lg_series *s, int64_t t, int32_t val, const char *str, const char *evt,
                     uint32_t *pos);

/** The last item with time <= t, or NULL. */
const lg_sitem *lg_series_at(const lg_series *s, int64_t t);

/** Replaces *dst by a copy of src (NULL allowed); a src that fits is copied
 *  into *dst's allocation (pointers to the old string see the new one).
 *  Returns -1 on ENOMEM. */
int lg_strset(char **dst, const char *src);

/** Adds s to a string list if not present. 1 added, 0 present, -1 ENOMEM. */
int lg_strlist_add(char ***list, uint32_t *n, const char *s);
bool lg_strlist_has(char *const *list, uint32_t n, const char *s);

/** Serialises the node. Returns 0, or -1 on ENOMEM (w->oom). */
int lg_node_encode(const lg_node *n, lg_wbuf *w);

/** Decodes a node stored under id. Returns NULL on a corrupt record or
 *  ENOMEM (errstr says which). */
lg_node *lg_node_decode(const char *id, size_t idlen, const void *buf, size_t len);

/** Status of a human at time t (ACTIVE when unknown); since and evt get the
 *  item that set it (or LG_TIME_NONE / NULL): for a departure, the first of
 *  the departures in a row that t falls after. */
int lg_node_status_at(const lg_node *human, int64_t t, int64_t *since, const char **evt);

/** Explicit owner at t: e-mail, or NULL when none (never set, or removed). */
const lg_sitem *lg_node_owner_at(const lg_node *n, int64_t t);

/** True when the node exists at t: created at or before t (or creation
 *  unknown), not deleted at or before t, and (credentials) enabled. */
bool lg_node_active_at(const lg_node *n, int64_t t);

/** True when the node's own grants make it privileged at t; *evt gets the
 *  evidence of a grant in force. */
bool lg_node_own_priv_at(const lg_node *n, int64_t t, const char **evt);

#endif
