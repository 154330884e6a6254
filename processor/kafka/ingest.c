/* processor/kafka/ingest.c - see ingest.h. */
#include "processor/kafka/ingest.h"

#include "processor/factcodec.h"
#include "processor/kafka/coalesce.h"
#include "processor/kafka/stage.h"
#include "processor/kafka/txn.h"
#include "processor/sources/source.h"
#include "sinks/kafka/kafka_sink.h"
#include "state/codec.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMP "ingest"
#define TXN_TIMEOUT_MS 60000

struct lg_ingest {
    const lg_config *c;
    const lg_pairs *tenants;
    const lg_metrics_std *metrics; /* borrowed, may be NULL */
    rd_kafka_t *consumer;
    lg_fetchwake *wake; /* keeps the consumer's prefetch refilling; may be NULL */
    lg_sink *sink;      /* dead letters; its producer also carries the facts */
    rd_kafka_t *prod;   /* borrowed from sink */
    lg_source_ctx *src;
    const char *topics[LG_SRC_COUNT];
    int facts_partitions;
    rd_kafka_topic_partition_list_t *batch;
    bool in_txn;
    int64_t batch_started_ms, batch_msgs;
    /* read by the controlling thread while the stage runs on its own */
    _Atomic int64_t consumed, committed, last_msg_ms;
    lg_stage_counts *counts;   /* opts.counts */
    int64_t deadlettered_open; /* the open batch's dead letters */
    _Atomic int64_t per_source[LG_SRC_COUNT];
    int fatal;
    lg_wbuf enc;
    /* pure usage records of the open batch, coalesced per identity */
    lg_coalesce usage;
    lg_wbuf ukey; /* scratch: the identity of a usage record */
    /* per source: the open batch's usage records not published (all of
     * them until the commit publishes the kept ones; then those folded) */
    int64_t usage_open[LG_SRC_COUNT];
    int64_t failed_open;                     /* failed calls among them */
    _Atomic int64_t coalesced[LG_SRC_COUNT]; /* folded, committed batches */
    /* per-message context for the parser callbacks */
    const rd_kafka_message_t *msg;
    int64_t arrived; /* the message's arrival (lg_stage_arrival) */
    int failed;
    char err[512];
};

int32_t lg_ingest_tenant_partition(const char *tenant, size_t len, int n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)tenant[i];
        h *= 16777619u;
    }
    return n > 0 ? (int32_t)(h % (uint32_t)n) : 0;
}

static lg_str tenant_of(const lg_ingest *s, const lg_record *rec) {
    if (s->tenants && rec->tenant.n)
        for (size_t i = 0; i < s->tenants->n; i++) {
            const char *id = s->tenants->v[i].id;
            if (strlen(id) == rec->tenant.n && memcmp(id, rec->tenant.p, rec->tenant.n) == 0)
                return (lg_str){s->tenants->v[i].email, strlen(s->tenants->v[i].email)};
        }
    return LG_STR_LIT("default");
}

static int begin_if_needed(lg_ingest *s) {
    if (s->in_txn)
        return 0;
    if (lg_txn_begin(s->prod, s->err, sizeof s->err) != LG_TXN_OK)
        return -1;
    s->in_txn = true;
    return 0;
}

static int produce_fact(lg_ingest *s, int32_t part, const char *tenant, size_t tlen,
                        int64_t arrived, const void *val, size_t vlen) {
    rd_kafka_resp_err_t err;
    unsigned char at[8];
    lg_be64_put(at, (uint64_t)arrived);
    for (;;) {
        err = rd_kafka_producev(s->prod, RD_KAFKA_V_TOPIC(s->c->topics_facts),
                                RD_KAFKA_V_PARTITION(part), RD_KAFKA_V_KEY(tenant, tlen),
                                RD_KAFKA_V_VALUE((void *)val, vlen),
                                RD_KAFKA_V_HEADER(LG_STAGE_ARRIVED_HEADER, at, sizeof at),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            break;
        rd_kafka_poll(s->prod, 50); /* backpressure: let deliveries drain */
    }
    if (err) {
        snprintf(s->err, sizeof s->err, "produce to %s: %s", s->c->topics_facts,
                 rd_kafka_err2str(err));
        return -1;
    }
    return 0;
}

static bool pure_usage(const lg_record *rec) {
    if (rec->nfacts == 0)
        return false;
    for (size_t i = 0; i < rec->nfacts; i++)
        if (rec->facts[i].type != LG_FACT_USED)
            return false;
    return true;
}

/* The identity of a pure usage record: its tenant and each fact's kind,
 * subject, parent and object (any bytes: compared by length). */
static void usage_key(lg_wbuf *w, lg_str tenant, const lg_record *rec) {
    lg_wbuf_reset(w);
    lg_wbuf_bytes(w, tenant.p, tenant.n);
    for (size_t i = 0; i < rec->nfacts; i++) {
        const lg_fact *f = &rec->facts[i];
        unsigned char k = (unsigned char)f->kind;
        lg_wbuf_bytes(w, "\x1f", 1);
        lg_wbuf_bytes(w, &k, 1);
        lg_wbuf_u64(w, f->subject.n);
        lg_wbuf_bytes(w, f->subject.p, f->subject.n);
        lg_wbuf_u64(w, f->parent.n);
        lg_wbuf_bytes(w, f->parent.p, f->parent.n);
        lg_wbuf_u64(w, f->object.n);
        lg_wbuf_bytes(w, f->object.p, f->object.n);
    }
}

static int produce_kept(void *opaque, int32_t part, const char *tenant, size_t tlen,
                        int64_t arrived, const void *rec, size_t rlen) {
    lg_ingest *s = opaque;
    bool failed;
    lg_source src = lg_factcodec_head(rec, rlen, &failed);
    if (src != LG_SRC_NONE)
        s->usage_open[src]--;
    if (failed)
        s->failed_open--;
    return produce_fact(s, part, tenant, tlen, arrived, rec, rlen);
}

/* Forgets the batch's coalesced usage (publish: produce it first; what
 * was not published was folded, and the commit counts it). */
static int usage_done(lg_ingest *s, bool publish) {
    int rc = publish ? lg_coalesce_each(&s->usage, produce_kept, s) : 0;
    if (!publish) {
        memset(s->usage_open, 0, sizeof s->usage_open);
        s->failed_open = 0;
    }
    lg_coalesce_clear(&s->usage);
    return rc;
}

static int flush_usage(lg_ingest *s) {
    return usage_done(s, true);
}

static void drop_usage(lg_ingest *s) {
    usage_done(s, false);
}

static int on_record(void *opaque, const lg_record *rec, const char *raw, size_t rawlen) {
    lg_ingest *s = opaque;
    (void)raw;
    (void)rawlen;
    lg_str tenant = tenant_of(s, rec);
    lg_wbuf_reset(&s->enc);
    if (lg_factcodec_encode(rec, &s->enc) < 0) {
        snprintf(s->err, sizeof s->err, "out of memory encoding a record");
        return s->failed = -1;
    }
    int32_t part = lg_ingest_tenant_partition(tenant.p, tenant.n, s->facts_partitions);
    if (pure_usage(rec)) {
        usage_key(&s->ukey, tenant, rec);
        if (s->ukey.oom ||
            lg_coalesce_add(&s->usage, s->ukey.p, s->ukey.n, part, tenant.p, tenant.n, rec->time_ms,
                            s->arrived, s->enc.p, s->enc.n) < 0) {
            snprintf(s->err, sizeof s->err, "out of memory coalescing usage");
            return s->failed = -1;
        }
        if ((int)rec->source > 0 && (int)rec->source < LG_SRC_COUNT)
            s->usage_open[rec->source]++;
        if (rec->failed)
            s->failed_open++;
        return 0;
    }
    return produce_fact(s, part, tenant.p, tenant.n, s->arrived, s->enc.p, s->enc.n)
               ? (s->failed = -1)
               : 0;
}

static int on_bad(void *opaque, const char *raw, size_t rawlen, const char *reason) {
    lg_ingest *s = opaque;
    const rd_kafka_message_t *m = s->msg;
    char desc[400];
    const char *topic = rd_kafka_topic_name(m->rkt);
    snprintf(desc, sizeof desc, "kafka:%s/%" PRId32 "@%" PRId64, topic, m->partition, m->offset);
    lg_source src = lg_stage_source_of(s->topics, topic);
    lg_deadletter dl = {.source = lg_source_name(src),
                        .reason = reason,
                        .origin = desc,
                        .topic = topic,
                        .partition = m->partition,
                        .offset = m->offset,
                        .raw = raw,
                        .rawlen = rawlen};
    if (lg_sink_deadletter(s->sink, &dl, s->err, sizeof s->err) != LG_SINK_OK)
        return s->failed = -1;
    s->deadlettered_open++;
    return 0;
}

/* Commits the open transaction with the batch's offsets. 0, 1 aborted, -1. */
static int commit(lg_ingest *s, char *errstr, size_t errstr_size) {
    if (!s->in_txn)
        return 0;
    lg_metric *ph = s->metrics ? s->metrics->commit_phase : NULL;
    int64_t t0 = lg_mono_us();
    lg_sink_result r = LG_SINK_FATAL;
    if (flush_usage(s) == 0) {
        t0 = lg_stage_phase(ph, "parse", "produce", t0);
        r = lg_sink_flush(s->sink, TXN_TIMEOUT_MS, errstr, errstr_size);
        t0 = lg_stage_phase(ph, "parse", "flush", t0);
    }
    lg_txn_result t;
    if (r != LG_SINK_OK) {
        t = lg_txn_abort(s->prod, TXN_TIMEOUT_MS, errstr, errstr_size);
    } else {
        t = lg_txn_commit(s->prod, s->consumer, s->batch, TXN_TIMEOUT_MS, errstr, errstr_size);
        if (t == LG_TXN_OK)
            lg_stage_phase(ph, "parse", "txn", t0);
    }
    s->in_txn = false;
    if (t == LG_TXN_OK) {
        for (int i = 0; i < LG_SRC_COUNT; i++)
            s->coalesced[i] += s->usage_open[i];
        if (s->counts) {
            s->counts->deadlettered += s->deadlettered_open;
            s->counts->failed_folded += s->failed_open;
        }
    }
    memset(s->usage_open, 0, sizeof s->usage_open);
    s->deadlettered_open = s->failed_open = 0;
    if (t == LG_TXN_FATAL)
        return -1;
    if (t == LG_TXN_ABORTED) {
        lg_log(LG_LOG_WARN, COMP, "transaction aborted, the batch will be redone: %s", errstr);
        return 1;
    }
    s->committed += s->batch_msgs;
    s->batch_msgs = 0;
    s->batch_started_ms = 0;
    rd_kafka_topic_partition_list_destroy(s->batch);
    s->batch = rd_kafka_topic_partition_list_new(8);
    return 0;
}

static void rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *parts, void *opaque) {
    lg_ingest *s = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        lg_log(LG_LOG_INFO, COMP, "assigned %d input partitions", parts->cnt);
        rd_kafka_assign(rk, parts);
        return;
    }
    /* give the partitions back only after their batch is committed */
    char e[512];
    int rc = commit(s, e, sizeof e);
    if (rc != 0) {
        snprintf(s->err, sizeof s->err, "%s", e);
        s->fatal = rc < 0 ? -1 : 1;
    }
    rd_kafka_assign(rk, NULL);
}

lg_ingest *lg_ingest_new(const lg_ingest_opts *o, char *errstr, size_t errstr_size) {
    const lg_config *c = o->config;
    lg_ingest *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    s->c = c;
    s->tenants = o->tenants;
    s->metrics = o->metrics;
    s->counts = o->counts;
    const char *topics[LG_SRC_COUNT];
    size_t nt = lg_stage_input_topics(c, s->topics, topics);
    s->batch = rd_kafka_topic_partition_list_new(8);
    char txn[512];
    lg_kafka_txn_id(c, "ingest", txn, sizeof txn);
    if (!(s->src = lg_source_ctx_new())) {
        snprintf(errstr, errstr_size, "out of memory");
        goto fail;
    }
    s->sink = lg_stage_open_sink(c, o->bootstrap, strcmp(c->output_format, "json") == 0, txn, NULL,
                                 errstr, errstr_size);
    if (!s->sink)
        goto fail;
    s->prod = lg_stage_producer(s->sink);
    s->facts_partitions =
        lg_kafka_partition_count(s->prod, c->topics_facts, 10000, errstr, errstr_size);
    if (s->facts_partitions <= 0)
        goto fail;
    s->consumer = lg_stage_open_consumer(c, o->bootstrap, c->kafka_group_id, topics, nt, rebalance,
                                         s, &s->wake, errstr, errstr_size);
    if (!s->consumer)
        goto fail;
    lg_log(LG_LOG_INFO, COMP,
           "parse stage: group %s, %zu input topics -> %s (%d partitions), "
           "transactional id %s",
           c->kafka_group_id, nt, c->topics_facts, s->facts_partitions, txn);
    return s;
fail:
    lg_ingest_destroy(s);
    return NULL;
}

int lg_ingest_step(lg_ingest *s, int timeout_ms, bool force, char *errstr, size_t errstr_size) {
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
        if (begin_if_needed(s) != 0) {
            rd_kafka_message_destroy(m);
            snprintf(errstr, errstr_size, "%s", s->err);
            return -1;
        }
        lg_source src = lg_stage_source_of(s->topics, rd_kafka_topic_name(m->rkt));
        s->msg = m;
        s->arrived = lg_stage_arrival(m);
        s->failed = 0;
        if (src != LG_SRC_NONE) {
            if ((int64_t)m->len > s->c->input_max_bytes)
                on_bad(s, m->payload, m->len, "message larger than input.max.bytes");
            else
                lg_source_parse(s->src, src, m->payload ? m->payload : "", m->len, on_record,
                                on_bad, s);
        }
        s->msg = NULL;
        lg_stage_mark(s->batch, m);
        rd_kafka_message_destroy(m);
        if (s->failed) {
            snprintf(errstr, errstr_size, "%s", s->err);
            drop_usage(s);
            lg_txn_abort(s->prod, TXN_TIMEOUT_MS, s->err, sizeof s->err);
            s->in_txn = false;
            return 1;
        }
        s->consumed++;
        s->per_source[src]++;
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
    if (due || force)
        return commit(s, errstr, errstr_size);
    return 0;
}

int64_t lg_ingest_consumed(const lg_ingest *s) {
    return s->consumed;
}

int64_t lg_ingest_committed(const lg_ingest *s) {
    return s->committed;
}

int64_t lg_ingest_source_count(const lg_ingest *s, int src) {
    return src >= 0 && src < LG_SRC_COUNT ? s->per_source[src] : 0;
}

int64_t lg_ingest_coalesced(const lg_ingest *s, int src) {
    return src >= 0 && src < LG_SRC_COUNT ? s->coalesced[src] : 0;
}

rd_kafka_t *lg_ingest_consumer(lg_ingest *s) {
    return s->consumer;
}

int64_t lg_ingest_last_message_ms(const lg_ingest *s) {
    return s->last_msg_ms;
}

void lg_ingest_destroy(lg_ingest *s) {
    if (!s)
        return;
    if (s->in_txn) {
        char e[256];
        lg_txn_abort(s->prod, 10000, e, sizeof e);
    }
    if (s->consumer) {
        s->fatal = 0;
        s->in_txn = false; /* nothing left to commit on the final revoke */
        lg_stage_close_consumer(s->consumer, s->wake);
    }
    drop_usage(s);
    lg_coalesce_free(&s->usage);
    lg_wbuf_free(&s->ukey);
    lg_sink_destroy(s->sink);
    lg_source_ctx_destroy(s->src);
    if (s->batch)
        rd_kafka_topic_partition_list_destroy(s->batch);
    lg_wbuf_free(&s->enc);
    free(s);
}
