/* processor/kafka/graphstage.c - see graphstage.h. */
#include "processor/kafka/graphstage.h"

#include "processor/factcodec.h"
#include "processor/kafka/client.h"
#include "processor/kafka/fetchwake.h"
#include "processor/kafka/stage.h"
#include "processor/kafka/txn.h"
#include "processor/sources/source.h"
#include "sinks/kafka/kafka_sink.h"
#include "state/graph.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define COMP "graph"
#define TXN_TIMEOUT_MS 60000
#define RESTORE_BATCH 20000 /* records per local commit of a restore */
#define MAX_PARTS 1024

typedef struct part {
    int32_t partition;
    lg_engine *engine;
    size_t pending; /* records applied since the last commit */
    /* highest offset of a changelog record of this partition delivered to
     * the broker (-1: none yet), set by the delivery reports, which run in
     * this stage's thread while it flushes the producer */
    int64_t cl_delivered;
} part;

struct lg_graphstage {
    const lg_graphstage_opts *o;
    const lg_config *c;
    rd_kafka_t *consumer;
    lg_fetchwake *wake; /* keeps the consumer's prefetch refilling; may be NULL */
    lg_sink *sink;
    rd_kafka_t *prod; /* borrowed from sink */
    lg_sink *out;     /* what the engines emit to: sink, teed to the feed */
    lg_sink *feed;    /* owned, may be NULL */
    part *parts[MAX_PARTS];
    /* engines of the partitions found on the local disk, opened while the
     * stage starts (their RocksDB recovery overlaps the transactions' and
     * the group's setup); taken by part_open, the rest closed once the
     * first assignment is known */
    lg_engine *pre[MAX_PARTS];
    rd_kafka_topic_partition_list_t *batch;
    bool in_txn;
    int64_t batch_started_ms, batch_msgs;
    /* read by the controlling thread while the stage runs on its own */
    _Atomic int64_t consumed, committed, last_msg_ms, next_due;
    /* single: the input topics by lg_source, and messages per source */
    const char *topics[LG_SRC_COUNT];
    _Atomic int64_t per_source[LG_SRC_COUNT];
    lg_engine_stats closed_stats; /* of engines closed on revocation */
    int64_t parse_seen;           /* opts.parse_counts' sum in the metrics */
    /* the open batch's arrivals (wall ms, from the facts' header), timed
     * against its commit for the end-to-end latency */
    lg_stage_arrivals arrived;
    int fatal;
    char err[512];
    char txn_id[512];
};

/* ---- the engines' output: the sink, teed to the live feed ---- */

static lg_sink_result tee_emit(void *self, const lg_derived *ev, char *errstr, size_t errstr_size) {
    lg_graphstage *s = self;
    lg_sink_result r = lg_sink_emit(s->sink, ev, errstr, errstr_size);
    if (r == LG_SINK_OK && s->feed) {
        char e[64];
        lg_sink_emit(s->feed, ev, e, sizeof e); /* best effort: a view */
    }
    return r;
}

static lg_sink_result tee_deadletter(void *self, const lg_deadletter *dl, char *errstr,
                                     size_t errstr_size) {
    lg_graphstage *s = self;
    return lg_sink_deadletter(s->sink, dl, errstr, errstr_size);
}

static lg_sink_result tee_flush(void *self, int timeout_ms, char *errstr, size_t errstr_size) {
    lg_graphstage *s = self;
    return lg_sink_flush(s->sink, timeout_ms, errstr, errstr_size);
}

static void tee_destroy(void *self) {
    (void)self; /* the stage owns what the tee points to */
}

static const lg_sink_ops tee_ops = {"graph-tee", tee_emit, tee_deadletter, tee_flush, tee_destroy};

/* ---- partitions: open, restore, close ---- */

static void part_close(lg_graphstage *s, int32_t p) {
    part *pt = s->parts[p];
    if (!pt)
        return;
    lg_engine_stats_add(&s->closed_stats, lg_engine_get_stats(pt->engine));
    lg_engine_close(pt->engine);
    free(pt);
    s->parts[p] = NULL;
}

/* Replays the partition's changelog from the local position to its end. */
static int restore(lg_graphstage *s, part *pt, char *errstr, size_t errstr_size) {
    char key[64], *val = NULL;
    snprintf(key, sizeof key, "changelog/%" PRId32, pt->partition);
    if (lg_engine_position(pt->engine, key, &val, errstr, errstr_size) != 0)
        return -1;
    int64_t from = val ? strtoll(val, NULL, 10) : RD_KAFKA_OFFSET_BEGINNING;
    char fromdesc[32] = "beginning"; /* for the log: the local position, if any */
    if (val)
        snprintf(fromdesc, sizeof fromdesc, "%" PRId64, from);
    free(val);
    int64_t t0 = lg_mono_ms(), n = 0;
    /* Where the changelog starts and ends, asked through the stage's
     * producer (connected, with metadata): nothing to read, and no reader
     * to create, when the local state already has it all (a clean stop or a
     * kill -9 between batches); and an absolute start offset spares the
     * reader a logical-offset lookup, which waits out a 500 ms timer when it
     * races the leader's discovery. */
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t werr = rd_kafka_query_watermark_offsets(s->prod, s->c->topics_changelog,
                                                                pt->partition, &lo, &hi, 10000);
    if (werr) {
        snprintf(errstr, errstr_size, "restore of partition %" PRId32 ": the end of %s: %s",
                 pt->partition, s->c->topics_changelog, rd_kafka_err2str(werr));
        return -1;
    }
    if (from < lo)
        from = lo;
    if (from >= hi)
        goto restored;
    rd_kafka_conf_t *conf =
        lg_kafka_consumer_conf(s->c, s->o->bootstrap, false, errstr, errstr_size);
    if (!conf)
        return -1;
    if (rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", errstr, errstr_size) ||
        rd_kafka_conf_set(conf, "enable.partition.eof", "true", errstr, errstr_size) ||
        rd_kafka_conf_set(conf, "isolation.level", "read_committed", errstr, errstr_size) ||
        /* the end of the changelog is noticed by an empty fetch: do not
         * let the broker hold that fetch for its default 500 ms */
        rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", errstr, errstr_size)) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    /* the simple (partition) consumer: no group to join */
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, s->c->topics_changelog, NULL);
    int64_t next = from, last_progress = t0;
    int64_t deadline = t0 + 30000; /* to reach the end, not for the whole restore */
    int rc = -1;
    bool started = false;
    lg_fetchwake *wake = NULL;
    char posv[32];
    lg_pair pos = {key, posv};
    if (!rkt || rd_kafka_consume_start(rkt, pt->partition, from) == -1) {
        snprintf(errstr, errstr_size, "restore of partition %" PRId32 ": cannot read %s: %s",
                 pt->partition, s->c->topics_changelog, rd_kafka_err2str(rd_kafka_last_error()));
        goto done;
    }
    started = true;
    wake = lg_fetchwake_start(rk, s->c->topics_changelog, pt->partition, LG_FETCHWAKE_INTERVAL_MS,
                              LG_FETCHWAKE_MIN_QUEUED);
    for (;;) {
        rd_kafka_message_t *m = rd_kafka_consume(rkt, pt->partition, 500);
        if (!m) {
            if (lg_mono_ms() > deadline) {
                snprintf(errstr, errstr_size,
                         "restore of partition %" PRId32 ": no data and no end of %s for 30 s",
                         pt->partition, s->c->topics_changelog);
                goto done;
            }
            continue;
        }
        deadline = lg_mono_ms() + 30000;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            rd_kafka_message_destroy(m);
            break;
        }
        if (m->err) {
            snprintf(errstr, errstr_size, "restore of partition %" PRId32 ": %s", pt->partition,
                     rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            goto done;
        }
        const char *k = m->key;
        if (m->key_len >= 1 && lg_engine_restore(pt->engine, (unsigned char)k[0], k + 1,
                                                 m->key_len - 1, m->payload, m->len) != 0) {
            snprintf(errstr, errstr_size,
                     "restore: bad changelog record at %s/%" PRId32 "@%" PRId64,
                     s->c->topics_changelog, pt->partition, m->offset);
            rd_kafka_message_destroy(m);
            goto done;
        }
        next = m->offset + 1;
        n++;
        rd_kafka_message_destroy(m);
        if (n % RESTORE_BATCH == 0) {
            snprintf(posv, sizeof posv, "%" PRId64, next);
            if (lg_engine_commit_restored(pt->engine, &pos, 1, errstr, errstr_size) != 0)
                goto done;
            if (lg_mono_ms() - last_progress > 2000) {
                last_progress = lg_mono_ms();
                lg_log(LG_LOG_INFO, COMP, "partition %" PRId32 ": restored %" PRId64 " records",
                       pt->partition, n);
            }
        }
    }
    snprintf(posv, sizeof posv, "%" PRId64, next);
    if (lg_engine_commit_restored(pt->engine, &pos, 1, errstr, errstr_size) != 0)
        goto done;
    rc = 0;
done:
    lg_fetchwake_stop(wake);
    if (started)
        rd_kafka_consume_stop(rkt, pt->partition);
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    if (rc != 0)
        return rc;
restored:
    lg_log(LG_LOG_INFO, COMP,
           "partition %" PRId32 ": state restored from %s (%" PRId64 " records from offset %s "
           "in %" PRId64 " ms)",
           pt->partition, s->c->topics_changelog, n, fromdesc, lg_mono_ms() - t0);
    return 0;
}

/* The engine of partition p, whose state lives in <state_dir>/p<p>. */
static lg_engine *engine_open(lg_graphstage *s, int32_t p, char *errstr, size_t errstr_size) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/p%" PRId32, s->o->state_dir, p);
    lg_engine_opts eo = *s->o->engine;
    eo.state_dir = dir;
    eo.out = s->out;
    eo.deadletter = s->out;
    eo.changelog = true;
    /* the RocksDB write of a committed batch (in Kafka already) overlaps
     * the next batch; a crash before it lands is restored from the
     * changelog like one before a synchronous write */
    eo.async_write = true;
    /* the commit flushes the sink before the transaction commits: derived
     * events and changelog records are acknowledged in one wait */
    eo.caller_flushes = true;
    return lg_engine_open(&eo, errstr, errstr_size);
}

/* Opens the engines of the partitions whose state is on the local disk
 * (<state_dir>/p<N>) ahead of their assignment. A failure is logged and
 * left for part_open to meet again, with its error, on assignment. */
static void pre_open(lg_graphstage *s) {
    DIR *d = opendir(s->o->state_dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        if (e->d_name[0] != 'p' || e->d_name[1] < '0' || e->d_name[1] > '9')
            continue;
        long p = strtol(e->d_name + 1, &end, 10);
        if (*end || p < 0 || p >= MAX_PARTS || s->pre[p])
            continue;
        char err[512];
        int64_t t0 = lg_mono_ms();
        if (!(s->pre[p] = engine_open(s, (int32_t)p, err, sizeof err)))
            lg_log(LG_LOG_WARN, COMP, "partition %ld: opening its local state ahead: %s", p, err);
        else
            lg_log(LG_LOG_DEBUG, COMP, "partition %ld: local state opened ahead in %" PRId64 " ms",
                   p, lg_mono_ms() - t0);
    }
    closedir(d);
}

/* Closes the engines opened ahead that no assignment took. */
static void pre_close(lg_graphstage *s) {
    for (int p = 0; p < MAX_PARTS; p++)
        if (s->pre[p]) {
            lg_engine_close(s->pre[p]);
            s->pre[p] = NULL;
        }
}

static int part_open(lg_graphstage *s, int32_t p, char *errstr, size_t errstr_size) {
    if (p < 0 || p >= MAX_PARTS) {
        snprintf(errstr, errstr_size, "facts partition %" PRId32 " out of range", p);
        return -1;
    }
    if (s->parts[p])
        return 0;
    if (mkdir(s->o->state_dir, 0750) != 0 && errno != EEXIST) {
        snprintf(errstr, errstr_size, "cannot create %s: %s", s->o->state_dir, strerror(errno));
        return -1;
    }
    part *pt = calloc(1, sizeof *pt);
    if (!pt) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    pt->partition = p;
    pt->cl_delivered = -1;
    pt->engine = s->pre[p] ? s->pre[p] : engine_open(s, p, errstr, errstr_size);
    s->pre[p] = NULL;
    if (!pt->engine) {
        free(pt);
        return -1;
    }
    s->parts[p] = pt;
    if (restore(s, pt, errstr, errstr_size) != 0) {
        part_close(s, p);
        return -1;
    }
    return 0;
}

/* ---- batches ---- */

typedef struct cl_ctx {
    lg_graphstage *s;
    int32_t partition;
    int64_t *delivered; /* the partition's cl_delivered */
    char *key;
    size_t cap;
    int failed;
} cl_ctx;

static int produce_change(void *opaque, int cf, const char *k, size_t kn, const char *v,
                          size_t vn) {
    cl_ctx *x = opaque;
    if (kn + 1 > x->cap) {
        char *nk = realloc(x->key, kn + 1);
        if (!nk)
            return x->failed = -1;
        x->key = nk;
        x->cap = kn + 1;
    }
    x->key[0] = (char)cf;
    memcpy(x->key + 1, k, kn);
    rd_kafka_resp_err_t err;
    for (;;) {
        err = rd_kafka_producev(x->s->prod, RD_KAFKA_V_TOPIC(x->s->c->topics_changelog),
                                RD_KAFKA_V_PARTITION(x->partition), RD_KAFKA_V_KEY(x->key, kn + 1),
                                RD_KAFKA_V_OPAQUE(x->delivered),         /* the offset, reported */
                                RD_KAFKA_V_VALUE((void *)v, v ? vn : 0), /* NULL: tombstone */
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            break;
        rd_kafka_poll(x->s->prod, 50);
    }
    if (err) {
        snprintf(x->s->err, sizeof x->s->err, "produce to %s: %s", x->s->c->topics_changelog,
                 rd_kafka_err2str(err));
        return x->failed = -1;
    }
    return 0;
}

/* Drops the open batch's work: the engines' pending changes and the
 * arrivals to be timed. */
static void abort_parts(lg_graphstage *s) {
    s->arrived.n = 0;
    for (int p = 0; p < MAX_PARTS; p++)
        if (s->parts[p]) {
            lg_engine_abort(s->parts[p]->engine);
            s->parts[p]->pending = 0;
        }
}

/* Notes when message m's input arrived (an input message's timestamp, a
 * fact's header), timed at the batch's commit. */
static void note_arrival(lg_graphstage *s, const rd_kafka_message_t *m) {
    int64_t at;
    if (!s->o->metrics)
        return;
    if (s->o->single)
        lg_stage_arrivals_add(&s->arrived, lg_stage_arrival(m));
    else if (lg_stage_arrived_get(m, &at))
        lg_stage_arrivals_add(&s->arrived, at);
}

/* Reads the parse stage's counts once each (0 without two stages) into
 * *dl and *ff; returns their sum, which tells whether they changed. */
static int64_t parse_read(const lg_graphstage *s, int64_t *dl, int64_t *ff) {
    const lg_stage_counts *pc = s->o->parse_counts;
    *dl = pc ? pc->deadlettered : 0;
    *ff = pc ? pc->failed_folded : 0;
    return *dl + *ff;
}

/* lg_graphstage_totals; *parse gets the sum of the parse stage's counts it
 * added. */
static void totals(const lg_graphstage *s, lg_engine_stats *out, int64_t *parse) {
    lg_graphstage_stats(s, out);
    if (s->o->stats_base) /* the stage's earlier incarnations: counters go on */
        lg_engine_stats_add(out, s->o->stats_base);
    int64_t dl, ff;
    *parse = parse_read(s, &dl, &ff);
    out->deadlettered += (uint64_t)dl;
    out->failed_calls += (uint64_t)ff;
}

void lg_graphstage_totals(const lg_graphstage *s, lg_engine_stats *out) {
    int64_t parse;
    totals(s, out, &parse);
}

/* Sets the metrics' counters from the totals. */
static void update_counts(lg_graphstage *s) {
    lg_engine_stats st;
    totals(s, &st, &s->parse_seen);
    lg_metrics_std_update(s->o->metrics, &st);
}

/* Commits the open transaction: derived events and changelog of every
 * partition with pending records, then the facts offsets; then RocksDB.
 * Returns 0, 1 (aborted) or -1 (fatal). */
static int commit(lg_graphstage *s, char *errstr, size_t errstr_size) {
    if (!s->in_txn)
        return 0;
    int64_t t0 = lg_mono_ms();
    lg_metric *ph = s->o->metrics ? s->o->metrics->commit_phase : NULL;
    int64_t prepare_us = 0, produce_us = 0, tp = lg_mono_us(), visible = 0;
    cl_ctx x = {.s = s};
    lg_txn_result t = LG_TXN_OK;
    for (int p = 0; p < MAX_PARTS && t == LG_TXN_OK; p++) {
        part *pt = s->parts[p];
        if (!pt || !pt->pending)
            continue;
        x.partition = pt->partition;
        x.delivered = &pt->cl_delivered;
        int64_t a = lg_mono_us();
        int rc = lg_engine_prepare(pt->engine, errstr, errstr_size);
        int64_t b = lg_mono_us();
        if (rc == 0)
            rc = lg_engine_changes(pt->engine, produce_change, &x);
        prepare_us += b - a;
        produce_us += lg_mono_us() - b;
        if (rc != 0 || x.failed) {
            if (x.failed)
                snprintf(errstr, errstr_size, "%s", s->err);
            t = LG_TXN_ABORTED;
        }
    }
    free(x.key);
    if (ph && t == LG_TXN_OK) {
        lg_metric_observe(ph, (const char *const[]){"graph", "prepare"}, (double)prepare_us / 1e6);
        lg_metric_observe(ph, (const char *const[]){"graph", "produce"}, (double)produce_us / 1e6);
    }
    tp = lg_mono_us();
    if (t == LG_TXN_OK && lg_sink_flush(s->sink, TXN_TIMEOUT_MS, errstr, errstr_size) != LG_SINK_OK)
        t = LG_TXN_ABORTED;
    if (t != LG_TXN_OK) {
        char e2[256];
        t = lg_txn_abort(s->prod, TXN_TIMEOUT_MS, e2, sizeof e2);
    } else {
        tp = lg_stage_phase(ph, "graph", "flush", tp);
        t = lg_txn_commit(s->prod, s->consumer, s->batch, TXN_TIMEOUT_MS, errstr, errstr_size);
        if (t == LG_TXN_OK) {
            tp = lg_stage_phase(ph, "graph", "txn", tp);
            visible = lg_wall_ms(); /* the batch's derived events are visible */
        }
    }
    s->in_txn = false;
    if (t != LG_TXN_OK) {
        abort_parts(s);
        if (s->o->metrics)
            lg_metric_add1(s->o->metrics->errors, t == LG_TXN_FATAL ? "txn_fatal" : "txn_aborted",
                           1);
        if (t == LG_TXN_FATAL)
            return -1;
        lg_log(LG_LOG_WARN, COMP, "transaction aborted, the batch will be redone: %s", errstr);
        return 1;
    }
    /* Committed in Kafka: now make it durable locally, with the changelog
     * position reached (from the delivery reports: no round trip). */
    for (int p = 0; p < MAX_PARTS; p++) {
        part *pt = s->parts[p];
        if (!pt || !pt->pending)
            continue;
        lg_pair pos[2];
        char k1[64], v1[32], k2[64], v2[32];
        size_t npos = 0;
        rd_kafka_topic_partition_t *tp =
            rd_kafka_topic_partition_list_find(s->batch, s->c->topics_facts, pt->partition);
        if (tp) {
            snprintf(k1, sizeof k1, "facts/%" PRId32, pt->partition);
            snprintf(v1, sizeof v1, "%" PRId64, tp->offset);
            pos[npos++] = (lg_pair){k1, v1};
        }
        if (pt->cl_delivered >= 0) {
            /* every changelog record up to the last one delivered is in
             * Kafka and applied here; what follows it (the transaction's
             * marker) is read again, harmlessly, by a restore */
            snprintf(k2, sizeof k2, "changelog/%" PRId32, pt->partition);
            snprintf(v2, sizeof v2, "%" PRId64, pt->cl_delivered + 1);
            pos[npos++] = (lg_pair){k2, v2};
        }
        if (lg_engine_commit(pt->engine, pos, npos, errstr, errstr_size) != 0) {
            /* Kafka has the batch; the local state is behind it. A restart
             * restores the missing part from the changelog. */
            return -1;
        }
        pt->pending = 0;
    }
    lg_stage_phase(ph, "graph", "state", tp);
    s->committed += s->batch_msgs;
    s->batch_msgs = 0;
    s->batch_started_ms = 0;
    rd_kafka_topic_partition_list_destroy(s->batch);
    s->batch = rd_kafka_topic_partition_list_new(8);
    if (s->o->metrics) {
        /* next to the counts of what it times */
        lg_stage_arrivals_observe(&s->arrived, s->o->metrics->e2e_latency, visible);
        update_counts(s);
        lg_metric_observe(s->o->metrics->commit_latency, NULL,
                          (double)(lg_mono_ms() - t0) / 1000.0);
        lg_metric_set(s->o->metrics->last_commit, NULL, (double)lg_wall_ms() / 1000.0);
    }
    return 0;
}

static void rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *parts, void *opaque) {
    lg_graphstage *s = opaque;
    char e[512];
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        /* single: whatever input it gets, the graph is partition 0 */
        for (int i = 0; i < (s->o->single ? 1 : parts->cnt); i++)
            if (part_open(s, s->o->single ? 0 : parts->elems[i].partition, e, sizeof e) != 0) {
                snprintf(s->err, sizeof s->err, "%s", e);
                s->fatal = -1;
            }
        pre_close(s); /* local states of partitions now elsewhere */
        lg_log(LG_LOG_INFO, COMP, "assigned %d %s partitions", parts->cnt,
               s->o->single ? "input" : "facts");
        rd_kafka_assign(rk, parts);
        return;
    }
    int rc = commit(s, e, sizeof e);
    if (rc != 0) {
        snprintf(s->err, sizeof s->err, "%s", e);
        s->fatal = rc < 0 ? -1 : 1;
    }
    if (!s->o->single) /* single: the graph stays, whatever input comes next */
        for (int i = 0; i < parts->cnt; i++)
            part_close(s, parts->elems[i].partition);
    rd_kafka_assign(rk, NULL);
}

lg_graphstage *lg_graphstage_new(const lg_graphstage_opts *o, char *errstr, size_t errstr_size) {
    lg_graphstage *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(errstr, errstr_size, "out of memory");
        lg_sink_destroy(o->feed);
        return NULL;
    }
    s->o = o;
    s->feed = o->feed; /* owned from here on, also on failure */
    s->c = o->config;
    s->batch = rd_kafka_topic_partition_list_new(8);
    if (o->single) /* one per group, whatever the instance */
        snprintf(s->txn_id, sizeof s->txn_id, "lineaged-%s-single", s->c->kafka_group_id);
    else
        lg_kafka_txn_id(s->c, "graph", s->txn_id, sizeof s->txn_id);
    s->sink = lg_stage_open_sink(s->c, o->bootstrap, o->json, s->txn_id, o->state_dir, errstr,
                                 errstr_size);
    if (!s->sink)
        goto fail;
    s->prod = lg_stage_producer(s->sink);
    s->feed = o->feed;
    if (o->single) { /* the whole graph is partition 0: no state elsewhere */
        int n =
            lg_kafka_partition_count(s->prod, s->c->topics_changelog, 10000, errstr, errstr_size);
        if (n < 0)
            goto fail;
        if (n > 1) {
            snprintf(errstr, errstr_size,
                     "processing.stages = 1 keeps the whole graph in partition 0 of %s, which "
                     "has %d partitions: the others may hold state of a two-stage run that one "
                     "stage would not see; keep processing.stages = 2 or use a new changelog topic",
                     s->c->topics_changelog, n);
            goto fail;
        }
    }
    if (!(s->out = lg_sink_new(&tee_ops, s))) {
        snprintf(errstr, errstr_size, "out of memory");
        goto fail;
    }
    char group[512];
    const char *topics[LG_SRC_COUNT] = {s->c->topics_facts};
    size_t nt = 1;
    if (o->single) {
        snprintf(group, sizeof group, "%s", s->c->kafka_group_id);
        nt = lg_stage_input_topics(s->c, s->topics, topics);
    } else {
        snprintf(group, sizeof group, "%s.graph", s->c->kafka_group_id);
    }
    s->consumer = lg_stage_open_consumer(s->c, o->bootstrap, group, topics, nt, rebalance, s,
                                         &s->wake, errstr, errstr_size);
    if (!s->consumer)
        goto fail;
    pre_open(s); /* while the group forms */
    if (o->single)
        lg_log(LG_LOG_INFO, COMP,
               "single stage: group %s, %zu input topics, changelog %s partition 0, "
               "transactional id %s",
               group, nt, s->c->topics_changelog, s->txn_id);
    else
        lg_log(LG_LOG_INFO, COMP, "graph stage: group %s on %s, changelog %s, transactional id %s",
               group, s->c->topics_facts, s->c->topics_changelog, s->txn_id);
    return s;
fail:
    lg_graphstage_destroy(s);
    return NULL;
}

/* The earliest due time of a held-back candidate over the partitions. */
static void update_next_due(lg_graphstage *s) {
    int64_t due = 0;
    for (int p = 0; p < MAX_PARTS; p++) {
        int64_t at = s->parts[p] ? lg_engine_next_due(s->parts[p]->engine) : 0;
        if (at && (!due || at < due))
            due = at;
    }
    s->next_due = due;
}

static int step(lg_graphstage *s, int timeout_ms, bool force, char *errstr, size_t errstr_size);

int lg_graphstage_step(lg_graphstage *s, int timeout_ms, bool force, char *errstr,
                       size_t errstr_size) {
    int rc = step(s, timeout_ms, force, errstr, errstr_size);
    update_next_due(s);
    return rc;
}

/* single: parses input message m into partition pt's engine (unusable
 * input to the dead-letter topic). Returns 0 or -1 (a state or sink
 * failure). */
static int apply_input(lg_graphstage *s, part *pt, const rd_kafka_message_t *m, char *errstr,
                       size_t errstr_size) {
    const char *topic = rd_kafka_topic_name(m->rkt);
    lg_source src = lg_stage_source_of(s->topics, topic);
    char desc[400];
    snprintf(desc, sizeof desc, "kafka:%s/%" PRId32 "@%" PRId64, topic, m->partition, m->offset);
    lg_origin origin = {desc, topic, m->partition, m->offset};
    s->per_source[src]++;
    if (src == LG_SRC_NONE) /* not subscribed: cannot happen */
        return 0;
    if ((int64_t)m->len > s->c->input_max_bytes) {
        lg_engine_count_messages(pt->engine, 1);
        return lg_engine_deadletter(pt->engine, src, &origin, m->payload, m->len,
                                    "message larger than input.max.bytes", errstr, errstr_size);
    }
    return lg_engine_process(pt->engine, src, m->payload ? m->payload : "", m->len, &origin, errstr,
                             errstr_size);
}

static int step(lg_graphstage *s, int timeout_ms, bool force, char *errstr, size_t errstr_size) {
    int64_t until = lg_mono_ms() + timeout_ms;
    bool dry = false; /* a poll came back empty */
    for (;;) {
        rd_kafka_message_t *m;
        lg_poll_result pr =
            lg_stage_poll(s->consumer, s->c, until, s->batch_started_ms, s->last_msg_ms, &s->fatal,
                          s->err, COMP, &m, errstr, errstr_size);
        if (pr == LG_POLL_DRY) {
            dry = true;
            break;
        }
        if (pr == LG_POLL_AGAIN)
            continue;
        if (pr != LG_POLL_MSG)
            return pr == LG_POLL_FATAL ? -1 : 1;
        int32_t pn = s->o->single ? 0 : m->partition;
        part *pt = pn >= 0 && pn < MAX_PARTS ? s->parts[pn] : NULL;
        if (!pt) {
            snprintf(errstr, errstr_size, "message from unassigned %s partition %" PRId32,
                     s->o->single ? "input" : "facts", m->partition);
            rd_kafka_message_destroy(m);
            return 1;
        }
        if (!s->in_txn) {
            if (lg_txn_begin(s->prod, errstr, errstr_size) != LG_TXN_OK) {
                rd_kafka_message_destroy(m);
                return -1;
            }
            s->in_txn = true;
        }
        lg_record rec;
        int rc = 0;
        if (s->o->single) {
            rc = apply_input(s, pt, m, errstr, errstr_size);
        } else if (lg_factcodec_decode(m->payload, m->len, &rec) != 0) {
            char desc[400];
            snprintf(desc, sizeof desc, "kafka:%s/%" PRId32 "@%" PRId64, s->c->topics_facts,
                     m->partition, m->offset);
            lg_deadletter dl = {.source = "facts",
                                .reason = "facts: undecodable record (version mismatch?)",
                                .origin = desc,
                                .topic = s->c->topics_facts,
                                .partition = m->partition,
                                .offset = m->offset,
                                .raw = m->payload,
                                .rawlen = m->len};
            if (lg_sink_deadletter(s->sink, &dl, errstr, errstr_size) != LG_SINK_OK)
                rc = -1;
            lg_engine_count_deadlettered(pt->engine);
        } else {
            rc = lg_engine_apply(pt->engine, &rec, errstr, errstr_size);
        }
        pt->pending++;
        note_arrival(s, m);
        lg_stage_mark(s->batch, m);
        rd_kafka_message_destroy(m);
        if (rc != 0) {
            char e2[256];
            lg_txn_abort(s->prod, TXN_TIMEOUT_MS, e2, sizeof e2);
            s->in_txn = false;
            abort_parts(s);
            return -1; /* a state failure (disk full ...) is fatal */
        }
        s->consumed++;
        s->batch_msgs++;
        s->last_msg_ms = lg_mono_ms();
        if (!s->batch_started_ms)
            s->batch_started_ms = s->last_msg_ms;
        if (lg_stage_batch_due(s->c, s->last_msg_ms, s->batch_msgs, s->batch_started_ms,
                               s->last_msg_ms, false))
            break;
    }
    bool due = lg_stage_batch_due(s->c, lg_mono_ms(), s->batch_msgs, s->batch_started_ms,
                                  s->last_msg_ms, dry);
    /* held-back candidates that came due need a commit even with no input */
    int64_t wall = lg_wall_ms();
    for (int p = 0; p < MAX_PARTS; p++) {
        part *pt = s->parts[p];
        int64_t at = pt ? lg_engine_next_due(pt->engine) : 0;
        if (at && wall >= at) {
            pt->pending++;
            due = true;
            if (!s->in_txn) {
                if (lg_txn_begin(s->prod, errstr, errstr_size) != LG_TXN_OK)
                    return -1;
                s->in_txn = true;
            }
        }
    }
    if (due || force)
        return commit(s, errstr, errstr_size);
    /* the parse stage committed counts that came with no fact (dead letters,
     * folded failed calls) */
    int64_t dl, ff;
    if (s->o->metrics && parse_read(s, &dl, &ff) != s->parse_seen)
        update_counts(s);
    return 0;
}

rd_kafka_t *lg_graphstage_consumer(lg_graphstage *s) {
    return s->consumer;
}

int64_t lg_graphstage_consumed(const lg_graphstage *s) {
    return s->consumed;
}

int64_t lg_graphstage_committed(const lg_graphstage *s) {
    return s->committed;
}

int64_t lg_graphstage_last_message_ms(const lg_graphstage *s) {
    return s->last_msg_ms;
}

int64_t lg_graphstage_source_count(const lg_graphstage *s, int src) {
    return src >= 0 && src < LG_SRC_COUNT ? s->per_source[src] : 0;
}

int64_t lg_graphstage_next_due(const lg_graphstage *s) {
    return s->next_due;
}

void lg_graphstage_stats(const lg_graphstage *s, lg_engine_stats *out) {
    *out = s->closed_stats;
    for (int p = 0; p < MAX_PARTS; p++)
        if (s->parts[p])
            lg_engine_stats_add(out, lg_engine_get_stats(s->parts[p]->engine));
}

void lg_graphstage_destroy(lg_graphstage *s) {
    if (!s)
        return;
    if (s->in_txn) {
        char e[256];
        lg_txn_abort(s->prod, 10000, e, sizeof e);
        s->in_txn = false;
        abort_parts(s);
    }
    if (s->consumer) {
        s->fatal = 0;
        lg_stage_close_consumer(s->consumer, s->wake); /* revokes: closes the engines */
    }
    for (int p = 0; p < MAX_PARTS; p++)
        part_close(s, p);
    pre_close(s);
    lg_sink_destroy(s->out);
    lg_sink_destroy(s->sink);
    lg_sink_destroy(s->feed);
    if (s->batch)
        rd_kafka_topic_partition_list_destroy(s->batch);
    lg_stage_arrivals_free(&s->arrived);
    free(s);
}
