/*
 * processor/engine.h - the processing core shared by `lineaged replay` and
 * `lineaged run`: raw message -> source parser -> lineage graph -> detectors
 * -> sinks, in batches that commit atomically with their input positions.
 *
 * Batch protocol (the driver's loop):
 *     lg_engine_process() for each input message of the batch, then
 *     lg_engine_commit() with the input position(s) reached.
 * commit runs the detectors over everything the batch changed, hands the
 * derived events to the output sink, flushes it, and only then writes the
 * graph changes, the announced conditions and the positions in one RocksDB
 * WriteBatch. A crash before commit loses nothing: the driver resumes from
 * the last committed positions.
 *
 * Ownership: the engine borrows the sinks given in lg_engine_opts (they must
 * outlive it). Not thread-safe: one engine per thread.
 */
#ifndef LG_PROCESSOR_ENGINE_H
#define LG_PROCESSOR_ENGINE_H

#include "sinks/sink.h"
#include "state/fact.h"

#include <stddef.h>
#include <stdint.h>

typedef struct lg_engine lg_engine;

/** An (id, e-mail) pair from configuration: an ownership mapping
 *  (NHI id -> owner) or an alias (GitHub login -> e-mail). Borrowed. */
typedef struct lg_pair {
    const char *id;
    const char *email;
} lg_pair;

typedef struct lg_engine_opts {
    const char *state_dir; /* RocksDB directory, created if missing */
    lg_sink *out;          /* derived events; borrowed, required */
    lg_sink *deadletter;   /* dead letters; borrowed, may equal out */
    const lg_pair *owners; /* configured ownership mappings, may be NULL */
    size_t nowners;
    const lg_pair *aliases; /* configured GitHub login -> e-mail aliases */
    size_t naliases;
    size_t cache_mb;             /* RocksDB block cache, MiB (0 = default 64) */
    size_t cache_nodes;          /* decoded nodes kept across batches (0 = default) */
    int sink_flush_timeout_ms;   /* 0 = default 30000 */
    bool changelog;              /* capture state changes for lg_engine_changes() */
    int64_t ownerless_hold_ms;   /* privileged_key.ownerless hold (detect.h); 0 = none */
    int64_t dedupe_retention_ms; /* re-delivery keys kept this far behind the newest
                                    event time (lg_graph_opts.seen_retention_ms);
                                    0 = forever */
    bool async_write;            /* write each batch on a writer thread while the next
                                    is processed (lg_graph_opts.async_write): only
                                    for drivers whose positions live in the state
                                    alone (replay) or whose batches are durable
                                    elsewhere first (the graph stage's changelog);
                                    call lg_engine_sync() at the end */
    bool caller_flushes;         /* the caller flushes out and deadletter before its
                                    outputs count (a Kafka transaction's commit):
                                    lg_engine_prepare does not wait for them, so
                                    their acknowledgements are awaited once, with
                                    the changelog's */
} lg_engine_opts;

/** Where a message came from, for the dead-letter output. Borrowed. */
typedef struct lg_origin {
    const char *desc;  /* "file:PATH:LINE", "kafka:TOPIC/P@OFF" */
    const char *topic; /* or NULL */
    int32_t partition; /* -1 if none */
    int64_t offset;    /* -1 if none */
} lg_origin;

typedef struct lg_engine_stats {
    uint64_t messages;              /* messages handed to process */
    uint64_t records[LG_SRC_COUNT]; /* usable records per source */
    uint64_t duplicates;            /* re-delivered records ignored */
    uint64_t failed_calls;          /* records with errorCode (no effect) */
    uint64_t deadlettered;          /* bad records sent to dead letter */
    uint64_t derived[8];            /* per lg_derived_type */
    uint64_t batches;
    uint64_t nodes;          /* nodes created since open */
    uint64_t dedupe_expired; /* dedupe keys deleted past dedupe.retention
                                (with a changelog: lg_graph_seen_expired) */
} lg_engine_stats;

/** Adds every counter of from to to's. */
void lg_engine_stats_add(lg_engine_stats *to, const lg_engine_stats *from);

/** Opens (creating if needed) the state in opts->state_dir. Returns NULL and
 *  fills errstr on error. The caller owns the engine: lg_engine_close(). */
lg_engine *lg_engine_open(const lg_engine_opts *opts, char *errstr, size_t errstr_size);

/** Parses one raw message of source src and applies its facts to the pending
 *  batch. Bad events go to the dead-letter sink with origin. Returns 0, or -1
 *  on a failure that must stop processing (state or sink failure; errstr
 *  says why). A malformed event is NOT a failure. */
int lg_engine_process(lg_engine *e, lg_source src, const char *buf, size_t len,
                      const lg_origin *origin, char *errstr, size_t errstr_size);

/** Applies one already-parsed record (from the internal facts topic, or
 *  parsed on another thread) to the pending batch: dedupe, then its facts.
 *  Returns 0 or -1 with errstr. */
int lg_engine_apply(lg_engine *e, const lg_record *rec, char *errstr, size_t errstr_size);

/** Counts one dead letter its caller sent itself (the graph stage's
 *  undecodable facts) into the open batch's statistics. */
void lg_engine_count_deadlettered(lg_engine *e);

/** For drivers that parse on another thread: counts n input messages into
 *  the statistics and the pending batch, as lg_engine_process does for the
 *  message it parses. */
void lg_engine_count_messages(lg_engine *e, size_t n);

/** Sends an unusable event (raw: its original bytes) of source src to the
 *  dead-letter sink with its reason and origin, and counts it, as
 *  lg_engine_process does for the bad events it meets. Returns 0 or -1
 *  with errstr when the sink failed. */
int lg_engine_deadletter(lg_engine *e, lg_source src, const lg_origin *origin, const char *raw,
                         size_t rawlen, const char *reason, char *errstr, size_t errstr_size);

/** First half of a commit, for drivers that must publish the batch's
 *  effects atomically elsewhere first (Kafka transactions): runs the
 *  detectors, hands the derived events to the output sink, flushes the
 *  sinks and fixes the batch's state changes. After it, lg_engine_changes()
 *  lists them; lg_engine_commit() then writes them. Returns 0 or -1 with
 *  errstr (the batch is then aborted). */
int lg_engine_prepare(lg_engine *e, char *errstr, size_t errstr_size);

/** With opts.changelog, after lg_engine_prepare(): calls cb for each state
 *  change of the batch (see lg_graph_changes). Returns 0 or cb's value. */
int lg_engine_changes(lg_engine *e,
                      int (*cb)(void *opaque, int cf, const char *key, size_t klen, const char *val,
                                size_t vlen),
                      void *opaque);

/** Commits restored changelog records (or configuration) with positions,
 *  without running the detectors: restoration brings state back, it does
 *  not announce anything. Returns 0 or -1 with errstr. */
int lg_engine_commit_restored(lg_engine *e, const lg_pair *pos, size_t npos, char *errstr,
                              size_t errstr_size);

/** Makes the next prepare/commit announce every held-back candidate,
 *  whatever its age (the end of a replay's input). */
void lg_engine_flush_held(lg_engine *e);

/** Wall-clock ms at which the earliest held-back candidate is due (the
 *  driver should then commit, even with no input), or 0 if none. Known
 *  after the first commit. */
int64_t lg_engine_next_due(const lg_engine *e);

/** Restoration from a changelog: puts one record into the pending batch;
 *  commit it with lg_engine_commit (positions = changelog offsets). */
int lg_engine_restore(lg_engine *e, int cf, const char *key, size_t klen, const char *val,
                      size_t vlen);

/** Commits the pending batch together with npos input positions: each is a
 *  (key, value) pair stored in the state's meta column family (e.g.
 *  key "kafka/cloudtrail/0", value the next offset as text). Returns 0 or -1
 *  with errstr. On -1 nothing of the batch is durable and the caller must
 *  not acknowledge its input. With opts.async_write, 0 means the batch's
 *  write has started (lg_engine_sync). */
int lg_engine_commit(lg_engine *e, const lg_pair *pos, size_t npos, char *errstr,
                     size_t errstr_size);

/** Drops the pending (uncommitted) batch. */
void lg_engine_abort(lg_engine *e);

/** With opts.async_write: waits until every committed batch is on disk.
 *  Returns 0 or -1 with errstr when a batch's write failed. */
int lg_engine_sync(lg_engine *e, char *errstr, size_t errstr_size);

/** Reads a committed position into a malloc'd NUL-terminated string
 *  (*out, caller frees) or sets *out = NULL when absent. Returns 0 or -1. */
int lg_engine_position(lg_engine *e, const char *key, char **out, char *errstr, size_t errstr_size);

/** Number of messages processed since the last commit. */
size_t lg_engine_pending(const lg_engine *e);

/** The counts of the committed batches (borrowed from e): the open batch's
 *  are added by its commit and dropped by lg_engine_abort, so that a batch
 *  redone after an aborted transaction counts once. */
const lg_engine_stats *lg_engine_get_stats(const lg_engine *e);

/** Closes the engine; a pending batch is dropped. NULL is a no-op. */
void lg_engine_close(lg_engine *e);

#endif
