/* processor/engine.c - see engine.h. */
#include "processor/engine.h"

#include "processor/detectors/detect.h"
#include "processor/sources/source.h"
#include "state/graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct lg_engine {
    lg_engine_opts opts;
    lg_graph *graph;
    lg_detect *detect;
    lg_source_ctx *src;
    lg_engine_stats stats; /* committed batches */
    lg_engine_stats open;  /* the open batch: added to stats by its commit,
                              dropped by an abort (a redone batch counts once) */
    size_t pending;
    bool prepared;
    bool flush_held;
    /* per-process() call context for the parser callbacks */
    const lg_origin *origin;
    lg_source cur_src;
    int failed;
    char *errstr;
    size_t errstr_size;
};

static int apply_config(lg_engine *e, char *errstr, size_t errstr_size) {
    for (size_t i = 0; i < e->opts.nowners; i++) {
        const char *id = e->opts.owners[i].id;
        if (lg_graph_apply_config(e->graph, id, LG_NODE_UNKNOWN, e->opts.owners[i].email, errstr,
                                  errstr_size) < 0)
            return -1;
    }
    for (size_t i = 0; i < e->opts.naliases; i++) {
        char id[512];
        const char *login = e->opts.aliases[i].id;
        snprintf(id, sizeof id, "%s%s", strncmp(login, "github:", 7) ? "github:" : "", login);
        if (lg_graph_apply_config(e->graph, id, LG_NODE_GH_ACCOUNT, e->opts.aliases[i].email,
                                  errstr, errstr_size) < 0)
            return -1;
    }
    return 0;
}

lg_engine *lg_engine_open(const lg_engine_opts *opts, char *errstr, size_t errstr_size) {
    if (!opts || !opts->state_dir || !opts->out) {
        snprintf(errstr, errstr_size, "engine: state_dir and out are required");
        return NULL;
    }
    lg_engine *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(errstr, errstr_size, "engine: out of memory");
        return NULL;
    }
    e->opts = *opts;
    if (!e->opts.deadletter)
        e->opts.deadletter = opts->out;
    if (!e->opts.sink_flush_timeout_ms)
        e->opts.sink_flush_timeout_ms = 30000;
    lg_graph_opts go = {.cache_mb = opts->cache_mb,
                        .max_cached = opts->cache_nodes,
                        .changelog = opts->changelog,
                        .async_write = opts->async_write,
                        .seen_retention_ms = opts->dedupe_retention_ms};
    if (!(e->graph = lg_graph_open(opts->state_dir, &go, errstr, errstr_size)))
        goto fail;
    if (!(e->detect = lg_detect_new(e->graph)) || !(e->src = lg_source_ctx_new())) {
        snprintf(errstr, errstr_size, "engine: out of memory");
        goto fail;
    }
    lg_detect_set_hold(e->detect, opts->ownerless_hold_ms);
    /* configured mappings are state like any other: applied in a batch of
     * their own, and re-applying them is idempotent */
    if (apply_config(e, errstr, errstr_size) < 0 ||
        lg_engine_commit_restored(e, NULL, 0, errstr, errstr_size) < 0)
        goto fail;
    return e;
fail:
    lg_engine_close(e);
    return NULL;
}

void lg_engine_stats_add(lg_engine_stats *to, const lg_engine_stats *from) {
    to->messages += from->messages;
    for (int i = 0; i < LG_SRC_COUNT; i++)
        to->records[i] += from->records[i];
    to->duplicates += from->duplicates;
    to->failed_calls += from->failed_calls;
    to->deadlettered += from->deadlettered;
    for (int i = 0; i < 8; i++)
        to->derived[i] += from->derived[i];
    to->batches += from->batches;
    to->nodes += from->nodes;
    to->dedupe_expired += from->dedupe_expired;
}

void lg_engine_close(lg_engine *e) {
    if (!e)
        return;
    lg_source_ctx_destroy(e->src);
    lg_detect_destroy(e->detect);
    lg_graph_close(e->graph);
    free(e);
}

static int on_record(void *opaque, const lg_record *rec, const char *raw, size_t rawlen) {
    lg_engine *e = opaque;
    (void)raw;
    (void)rawlen;
    return lg_engine_apply(e, rec, e->errstr, e->errstr_size) ? (e->failed = -1) : 0;
}

int lg_engine_apply(lg_engine *e, const lg_record *rec, char *errstr, size_t errstr_size) {
    e->errstr = errstr;
    e->errstr_size = errstr_size;
    /* The dedupe key is the source's event id plus the event time and name:
     * a re-delivery repeats all three, while synthetic exports that reuse a
     * placeholder id ("1") for different events are not collapsed. */
    char key[512];
    size_t kn = 0, idn = rec->event_id.p ? rec->event_id.n : 0;
    size_t nn = rec->event_name.p ? rec->event_name.n : 0;
    if (idn > 300)
        idn = 300;
    if (nn > 150)
        nn = 150;
    memcpy(key, rec->event_id.p ? rec->event_id.p : "", idn);
    kn = idn;
    key[kn++] = '|';
    memcpy(key + kn, &rec->time_ms, sizeof rec->time_ms); /* binary: no printf per event */
    kn += sizeof rec->time_ms;
    key[kn++] = '|';
    if (nn)
        memcpy(key + kn, rec->event_name.p, nn);
    kn += nn;
    lg_str k = {key, kn};
    /* Every fact applies idempotently (keyed by its evidence), so dedupe is
     * about counting and cost: pure usage records (95% of real traffic)
     * skip the persistent dedupe set, which would otherwise grow by one key
     * per event forever. */
    bool usage_only = rec->nfacts > 0;
    for (size_t i = 0; i < rec->nfacts && usage_only; i++)
        usage_only = rec->facts[i].type == LG_FACT_USED;
    int seen = usage_only ? 0
                          : lg_graph_check_seen(e->graph, rec->source, k, rec->time_ms, e->errstr,
                                                e->errstr_size);
    if (seen < 0)
        return -1;
    if (seen) {
        e->open.duplicates++;
        return 0;
    }
    if ((int)rec->source > 0 && (int)rec->source < LG_SRC_COUNT)
        e->open.records[rec->source]++;
    if (rec->failed)
        e->open.failed_calls++;
    for (size_t i = 0; i < rec->nfacts; i++)
        if ((!rec->failed || rec->facts[i].type == LG_FACT_USED) &&
            lg_graph_apply(e->graph, rec, &rec->facts[i], e->errstr, e->errstr_size) < 0)
            return -1;
    return 0;
}

int lg_engine_deadletter(lg_engine *e, lg_source src, const lg_origin *o, const char *raw,
                         size_t rawlen, const char *reason, char *errstr, size_t errstr_size) {
    lg_deadletter dl = {
        .source = lg_source_name(src),
        .reason = reason,
        .origin = o && o->desc ? o->desc : "unknown",
        .topic = o ? o->topic : NULL,
        .partition = o ? o->partition : -1,
        .offset = o ? o->offset : -1,
        .raw = raw,
        .rawlen = rawlen,
    };
    e->open.deadlettered++;
    return lg_sink_deadletter(e->opts.deadletter, &dl, errstr, errstr_size) == LG_SINK_OK ? 0 : -1;
}

static int on_bad(void *opaque, const char *raw, size_t rawlen, const char *reason) {
    lg_engine *e = opaque;
    if (lg_engine_deadletter(e, e->cur_src, e->origin, raw, rawlen, reason, e->errstr,
                             e->errstr_size) == 0)
        return 0;
    return e->failed = -1;
}

void lg_engine_count_deadlettered(lg_engine *e) {
    e->open.deadlettered++;
}

void lg_engine_count_messages(lg_engine *e, size_t n) {
    e->open.messages += n;
    e->pending += n;
}

int lg_engine_process(lg_engine *e, lg_source src, const char *buf, size_t len,
                      const lg_origin *origin, char *errstr, size_t errstr_size) {
    e->origin = origin;
    e->cur_src = src;
    e->failed = 0;
    e->errstr = errstr;
    e->errstr_size = errstr_size;
    e->open.messages++;
    e->pending++;
    lg_source_parse(e->src, src, buf, len, on_record, on_bad, e);
    e->origin = NULL;
    return e->failed ? -1 : 0;
}

static int emit_derived(void *opaque, const lg_derived *ev) {
    lg_engine *e = opaque;
    char err[256];
    lg_sink_result r = lg_sink_emit(e->opts.out, ev, err, sizeof err);
    if (r != LG_SINK_OK) {
        fprintf(stderr, "lineaged: engine: derived event %s not accepted: %s\n", ev->event_id, err);
        return -1;
    }
    if ((int)ev->type >= 0 && (int)ev->type < 8)
        e->open.derived[ev->type]++;
    return 0;
}

int lg_engine_prepare(lg_engine *e, char *errstr, size_t errstr_size) {
    if (e->prepared)
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    bool flush = e->flush_held;
    e->flush_held = false;
    if (lg_detect_run(e->detect, now, flush, emit_derived, e, errstr, errstr_size) < 0)
        goto fail;
    lg_sink_result r =
        e->opts.caller_flushes
            ? LG_SINK_OK
            : lg_sink_flush(e->opts.out, e->opts.sink_flush_timeout_ms, errstr, errstr_size);
    if (r == LG_SINK_OK && !e->opts.caller_flushes && e->opts.deadletter != e->opts.out)
        r = lg_sink_flush(e->opts.deadletter, e->opts.sink_flush_timeout_ms, errstr, errstr_size);
    if (r != LG_SINK_OK || lg_graph_prepare(e->graph, errstr, errstr_size) < 0)
        goto fail;
    e->prepared = true;
    return 0;
fail:
    lg_engine_abort(e);
    return -1;
}

void lg_engine_flush_held(lg_engine *e) {
    e->flush_held = true;
}

int64_t lg_engine_next_due(const lg_engine *e) {
    return lg_detect_next_due(e->detect);
}

int lg_engine_changes(lg_engine *e,
                      int (*cb)(void *opaque, int cf, const char *key, size_t klen, const char *val,
                                size_t vlen),
                      void *opaque) {
    return lg_graph_changes(e->graph, cb, opaque);
}

int lg_engine_restore(lg_engine *e, int cf, const char *key, size_t klen, const char *val,
                      size_t vlen) {
    e->pending++;
    return lg_graph_restore_put(e->graph, cf, key, klen, val, vlen);
}

static int write_batch(lg_engine *e, const lg_pair *pos, size_t npos, char *errstr,
                       size_t errstr_size);

int lg_engine_commit(lg_engine *e, const lg_pair *pos, size_t npos, char *errstr,
                     size_t errstr_size) {
    if (lg_engine_prepare(e, errstr, errstr_size) < 0)
        return -1;
    return write_batch(e, pos, npos, errstr, errstr_size);
}

int lg_engine_commit_restored(lg_engine *e, const lg_pair *pos, size_t npos, char *errstr,
                              size_t errstr_size) {
    return write_batch(e, pos, npos, errstr, errstr_size);
}

static int write_batch(lg_engine *e, const lg_pair *pos, size_t npos, char *errstr,
                       size_t errstr_size) {
    const char *keys[64] = {0}, *vals[64] = {0};
    if (npos > 64) {
        snprintf(errstr, errstr_size, "engine: at most 64 positions per commit");
        goto fail;
    }
    for (size_t i = 0; i < npos; i++)
        keys[i] = pos[i].id, vals[i] = pos[i].email;
    if (lg_graph_commit(e->graph, keys, vals, npos, errstr, errstr_size) < 0)
        goto fail;
    lg_engine_stats_add(&e->stats, &e->open);
    e->open = (lg_engine_stats){0};
    e->stats.batches++;
    e->stats.dedupe_expired = lg_graph_seen_expired(e->graph);
    e->pending = 0;
    e->prepared = false;
    return 0;
fail:
    lg_engine_abort(e);
    return -1;
}

int lg_engine_sync(lg_engine *e, char *errstr, size_t errstr_size) {
    return lg_graph_sync(e->graph, errstr, errstr_size);
}

void lg_engine_abort(lg_engine *e) {
    lg_graph_abort(e->graph);
    e->open = (lg_engine_stats){0};
    e->pending = 0;
    e->prepared = false;
}

int lg_engine_position(lg_engine *e, const char *key, char **out, char *errstr,
                       size_t errstr_size) {
    return lg_graph_meta_get(e->graph, key, out, errstr, errstr_size);
}

size_t lg_engine_pending(const lg_engine *e) {
    return e->pending;
}

const lg_engine_stats *lg_engine_get_stats(const lg_engine *e) {
    return &e->stats;
}
