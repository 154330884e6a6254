/*
 * state/graph.h - the lineage graph: nodes (state/node.h) kept in RocksDB,
 * a bounded in-memory node cache, a reverse-link index for "everything
 * under this identity", re-delivery dedupe, and attribution (who owns a node
 * at a given event time, with the chain and its evidence).
 *
 * RocksDB column families:
 *   default  - meta: input positions, format version
 *   nodes    - node id -> lg_node encoding
 *   links    - from-id \0 link \0 to-id -> "" (reverse lineage links:
 *              creator->created, user->key, issuer->session, owner->owned,
 *              human->alias account, role->agent, hint-human->session)
 *   seen     - source byte + event id -> "" (re-delivery dedupe)
 *
 * Batches: all changes since the last lg_graph_commit() are pending in a
 * RocksDB write batch, and reads see them through the dirty cached nodes and
 * the batch's dedupe keys and links kept beside it; commit writes them and
 * the input positions in one atomic write. With lg_graph_opts.async_write
 * that write runs on a thread of its own ("lg state write") while the caller
 * builds the next batch: batches still reach the disk whole and in order,
 * reads still see every committed batch, and lg_graph_sync() waits until
 * the last one is on disk.
 *
 * Ownership: the graph owns every lg_node it returns; a returned pointer
 * stays valid until the next commit or abort. Not thread-safe: one caller
 * thread per graph (the writer thread is internal).
 */
#ifndef LG_STATE_GRAPH_H
#define LG_STATE_GRAPH_H

#include "state/fact.h"
#include "state/node.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lg_graph lg_graph;

/* link types in the links column family */
#define LG_LINK_CREATED 'C'
#define LG_LINK_CREDENTIAL 'P'
#define LG_LINK_SESSION 'S'
#define LG_LINK_OWNER 'O'
#define LG_LINK_ALIAS 'A'
#define LG_LINK_AGENT 'G'
#define LG_LINK_HINT 'H'

typedef struct lg_graph_opts {
    size_t cache_mb;           /* RocksDB block cache; 0 = 64 */
    size_t max_cached;         /* node cache entries kept across commits (see
                                  lg_graph_cached); 0 = 200000 */
    bool read_only;            /* open read-only: a snapshot of a state no daemon
                                  is writing (fails while one holds the lock) */
    bool changelog;            /* capture every state change of a batch so the caller
                                  can publish it (lg_graph_changes) before commit */
    const char *secondary_dir; /* non-NULL: open as a RocksDB secondary
                          instance (read-only, safe beside a running daemon;
                          its own files go in this directory);
                          lg_graph_refresh() catches up with the daemon */
    bool async_write;          /* write committed batches on a writer thread (see
                                  the file comment); only for callers whose
                                  progress is the positions in the state (a
                                  replay) or is durable elsewhere (the graph
                                  stage: its changelog in Kafka), since
                                  lg_graph_commit() returns before the batch
                                  is durable. Ignored when read-only. */
    int64_t seen_retention_ms; /* dedupe keys of events older than this behind the
                                  newest event time checked since open are dropped
                                  by compaction; with changelog, deleted by the
                                  batches instead (tombstones in the changes, at
                                  least 4,096 a batch); 0 = kept forever */
} lg_graph_opts;

/** Opens or creates the graph in dir. NULL + errstr on error. */
lg_graph *lg_graph_open(const char *dir, const lg_graph_opts *opts, char *errstr,
                        size_t errstr_size);

/** Secondary instances: catches up with the primary's latest writes and
 *  drops the node cache (pointers from lg_graph_get become invalid). A no-op
 *  returning 0 for other instances. Returns -1 with errstr on error. */
int lg_graph_refresh(lg_graph *g, char *errstr, size_t errstr_size);

/** Closes the graph, dropping uncommitted changes. NULL is a no-op. */
void lg_graph_close(lg_graph *g);

/** Re-delivery check: returns 1 if (src, event id) was seen (committed or in
 *  this batch), 0 if not (and marks it seen in the batch), -1 on error.
 *  time_ms is the event's time: its key is filed under its hour, which the
 *  retention (lg_graph_opts.seen_retention_ms) goes by. Past the retention
 *  an event is new again; every fact applies idempotently, so a re-delivery
 *  that old is counted as new but changes nothing. */
int lg_graph_check_seen(lg_graph *g, lg_source src, lg_str event_id, int64_t time_ms, char *errstr,
                        size_t errstr_size);

/** Dedupe keys the committed batches deleted past the retention since open
 *  (with opts.changelog; 0 otherwise, where compaction drops them). */
uint64_t lg_graph_seen_expired(const lg_graph *g);

/** Flushes and compacts the whole state now (maintenance, tests): among
 *  others, drops the dedupe keys past the retention. Returns 0, or -1 with
 *  errstr. */
int lg_graph_compact(lg_graph *g, char *errstr, size_t errstr_size);

/** Applies one fact of rec (rec->failed records must not be applied).
 *  Returns 0 or -1 with errstr (state failure only). */
int lg_graph_apply(lg_graph *g, const lg_record *rec, const lg_fact *f, char *errstr,
                   size_t errstr_size);

/** Applies a configured mapping as an explicit owner (or alias when kind is
 *  LG_NODE_GH_ACCOUNT) in force from the beginning of time. */
int lg_graph_apply_config(lg_graph *g, const char *id, lg_node_kind kind, const char *email,
                          char *errstr, size_t errstr_size);

/** Looks a node up (cache, batch, then disk). Returns NULL when absent. The
 *  node is borrowed (see file comment). */
lg_node *lg_graph_get(lg_graph *g, const char *id, size_t idlen);

/** Marks a node changed so it is written at commit (callers that modify a
 *  node returned by lg_graph_get, e.g. the detectors' announced list). */
void lg_graph_mark_dirty(lg_graph *g, lg_node *n);

/** Calls cb for every to-id linked from id (any link type when link==0).
 *  Sees pending links. Returns 0, -1 on error, or cb's non-zero value. */
int lg_graph_links(lg_graph *g, const char *id, char link,
                   int (*cb)(void *opaque, const char *to, char link), void *opaque);

/* ---- what changed in the current batch (for the detectors) ---- */
#define LG_TOUCH_STRUCT 1u /* lineage or status changed: re-check descendants */
#define LG_TOUCH_USAGE 2u  /* only used */
/* a change that can alter attributions (lineage links, kinds, owners,
 * statuses, a node coming into being), not only activity or privilege */
#define LG_TOUCH_LINEAGE (4u | LG_TOUCH_STRUCT)

typedef struct lg_usage {
    lg_node *node; /* borrowed */
    int64_t t;
    char *evt;    /* owned by the graph, freed at commit/abort */
    char *action; /* the use's own action (NULL: none), likewise */
    uint32_t seq; /* arrival: number of the lg_graph_apply call in the batch (from 1) */
} lg_usage;

/** Nodes in the node cache now. Between batches it is at most the
 *  max_cached bound: a commit that finds more trims the cache to at most
 *  half of it, keeping the humans and the nodes read again since they were
 *  loaded (or last kept); a restore empties it. */
size_t lg_graph_cached(const lg_graph *g);

/** Nodes touched in this batch, in first-touch order, with LG_TOUCH_* flags
 *  and, in *seqs, the arrival number (as lg_usage.seq) of the latest fact
 *  that changed the node's lineage (LG_TOUCH_LINEAGE; 0 when none did). */
size_t lg_graph_touched(lg_graph *g, lg_node ***nodes, const unsigned **flags,
                        const uint32_t **seqs);

/** Usages applied in this batch (including agents acting through roles), in
 *  arrival order. A node's first_used/last_used fields do not include them
 *  before lg_graph_prepare: until then they describe the committed state. */
size_t lg_graph_usages(lg_graph *g, const lg_usage **uses);

/* ---- attribution ---- */
typedef enum lg_basis {
    LG_BASIS_NONE = 0,
    LG_BASIS_EXPLICIT = 1,  /* owner tag or configured mapping */
    LG_BASIS_CREATOR = 2,   /* created by */
    LG_BASIS_INHERITED = 3, /* credential of */
    LG_BASIS_SESSION = 4,   /* STS session obtained by / identity hint */
    LG_BASIS_ALIAS = 5,     /* account linked to a human */
} lg_basis;

#define LG_ATTR_MAX 16

typedef struct lg_attribution {
    const char *owner_id; /* human e-mail, NULL when ownerless */
    const lg_node *owner; /* the human's node, NULL if never seen */
    int owner_status;     /* lg_human_status at t */
    int64_t status_since; /* when that status began, LG_TIME_NONE if never set */
    const char *status_evt;
    bool cycle;                         /* resolution stopped at a cycle */
    size_t n;                           /* links followed */
    const char *chain[LG_ATTR_MAX + 1]; /* chain[0] = subject ... owner */
    lg_basis basis[LG_ATTR_MAX];        /* basis[i]: link chain[i] -> chain[i+1] */
    const char *evidence[LG_ATTR_MAX];  /* evidence of each link, may be NULL */
    /* the answer is the same for every event time in [valid_from,
     * valid_until) while the graph does not change (INT64_MIN / INT64_MAX:
     * unbounded) */
    int64_t valid_from, valid_until;
} lg_attribution;

/** Resolves the effective owner of n at event time t (INT64_MAX = now).
 *  All pointers in out are borrowed from the graph (see file comment). */
void lg_graph_attribute(lg_graph *g, const lg_node *n, int64_t t, lg_attribution *out);

/** Privileged at t: own grants, or (credentials) the grants of the identity
 *  it belongs to. *evt gets evidence of a grant in force. */
bool lg_graph_privileged_at(lg_graph *g, const lg_node *n, int64_t t, const char **evt);

const char *lg_basis_name(lg_basis b);

/* ---- batches and positions ---- */

/** Writes all pending changes and the positions (key, value) atomically.
 *  Returns 0, or -1 with errstr (then nothing of this batch was written; call
 *  abort). With async_write it first waits for the previous batch's write
 *  and fails when that write failed (so did every later commit), then
 *  starts this batch's write and returns. */
int lg_graph_commit(lg_graph *g, const char *const *pos_keys, const char *const *pos_vals,
                    size_t npos, char *errstr, size_t errstr_size);

/** Waits until every committed batch is on disk (async_write; otherwise a
 *  no-op). Returns 0, or -1 with errstr when a batch's write failed. NULL is
 *  a no-op. */
int lg_graph_sync(lg_graph *g, char *errstr, size_t errstr_size);

/** Column families, as numbered in changelog records. */
#define LG_CF_META 0
#define LG_CF_NODES 1
#define LG_CF_LINKS 2
#define LG_CF_SEEN 3
#define LG_CF_COUNT 4

/** Puts the pending batch's node changes into the write batch (after the
 *  detectors ran: nothing may change the graph between prepare and commit).
 *  Called by commit when the caller did not. Returns 0 or -1 with errstr. */
int lg_graph_prepare(lg_graph *g, char *errstr, size_t errstr_size);

/** With opts.changelog: calls cb once per state change of the prepared
 *  batch (column family, key, value; val NULL means the key was deleted;
 *  positions in LG_CF_META are not included), in write order. Returns 0, or
 *  cb's non-zero value. */
int lg_graph_changes(lg_graph *g,
                     int (*cb)(void *opaque, int cf, const char *key, size_t klen, const char *val,
                               size_t vlen),
                     void *opaque);

/** The set of privileged_key.ownerless candidates held back (see
 *  processor/detectors/detect.h), kept in the links column family under a
 *  reserved key so that it is part of the changelog. */
int lg_graph_pending_add(lg_graph *g, const char *subject);
int lg_graph_pending_remove(lg_graph *g, const char *subject);
/** Calls cb for each held-back subject id (sees the pending batch). */
int lg_graph_pending_foreach(lg_graph *g, int (*cb)(void *opaque, const char *subject, char link),
                             void *opaque);

/** Restoration: puts one changelog record straight into the pending batch
 *  (not captured again); val NULL deletes the key. The node cache is dropped
 *  at the next commit. Returns 0 or -1 (bad column family). */
int lg_graph_restore_put(lg_graph *g, int cf, const char *key, size_t klen, const char *val,
                         size_t vlen);

/** Drops all pending changes (and the node cache). */
void lg_graph_abort(lg_graph *g);

/** Reads a meta value; *out is malloc'd (caller frees) or NULL if absent. */
int lg_graph_meta_get(lg_graph *g, const char *key, char **out, char *errstr, size_t errstr_size);

/** Iterates all committed nodes (queries, tests). cb returns non-zero to stop. */
int lg_graph_foreach(lg_graph *g, int (*cb)(void *opaque, lg_node *n), void *opaque);

#endif
