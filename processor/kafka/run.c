/*
 * processor/kafka/run.c - the daemon loop: consume, process, commit state,
 * then commit offsets.
 */
#include "processor/kafka/run.h"
#include "processor/clock.h"

#include "processor/api/api.h"
#include "processor/engine.h"
#include "processor/kafka/client.h"
#include "processor/kafka/demo.h"
#include "processor/kafka/embedded.h"
#include "processor/kafka/fetchwake.h"
#include "processor/kafka/graphstage.h"
#include "processor/kafka/ingest.h"
#include "processor/kafka/runner.h"
#include "processor/kafka/stage.h"
#include "processor/kafka/txn.h"
#include "processor/metrics.h"
#include "sinks/fanout/fanout.h"
#include "sinks/kafka/kafka_sink.h"

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define COMP "run"
#define DEMO_DEADLINE_MS 60000
#define DEMO_OWNERLESS_HOLD_MS 2000 /* people watch the demo: a short hold */

typedef struct lg_daemon { /* private to this file */
    const lg_kafka_run_opts *o;
    const lg_config *c;
    rd_kafka_t *rk;
    lg_fetchwake *wake; /* keeps rk's prefetch refilling; may be NULL */
    lg_engine *engine;
    const char *topics[LG_SRC_COUNT];       /* by lg_source */
    rd_kafka_topic_partition_list_t *batch; /* next offsets of the pending batch */
    int64_t batch_started_ms;
    int64_t consumed; /* messages processed and committed or pending */
    int64_t committed_msgs;
    int fatal;                 /* set by the rebalance callback on a failed commit */
    const lg_metrics_std *std; /* NULL: no metrics */
    lg_stage_arrivals arrived; /* of the pending batch's messages */
    char err[1024];
} lg_daemon;

/* Commits the pending batch: engine (state + derived events + positions),
 * then the Kafka offsets. Returns 0 or -1 with errstr. */
static int commit_batch(lg_daemon *d, char *errstr, size_t errstr_size) {
    rd_kafka_topic_partition_list_t *b = d->batch;
    int64_t held = lg_engine_next_due(d->engine);
    if (b->cnt == 0 && lg_engine_pending(d->engine) == 0 && !(held && lg_wall_ms() >= held))
        return 0;
    int64_t t0 = lg_mono_ms();
    lg_pair *pos = calloc((size_t)b->cnt + 1, sizeof(*pos));
    char(*keys)[300] = calloc((size_t)b->cnt + 1, sizeof(*keys));
    char(*vals)[24] = calloc((size_t)b->cnt + 1, sizeof(*vals));
    int rc = -1;
    if (!pos || !keys || !vals) {
        snprintf(errstr, errstr_size, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < b->cnt; i++) {
        snprintf(keys[i], sizeof(keys[i]), "kafka/%s/%" PRId32, b->elems[i].topic,
                 b->elems[i].partition);
        snprintf(vals[i], sizeof(vals[i]), "%" PRId64, b->elems[i].offset);
        pos[i].id = keys[i];
        pos[i].email = vals[i];
    }
    if (lg_engine_commit(d->engine, pos, (size_t)b->cnt, errstr, errstr_size) != 0)
        goto cleanup;
    if (b->cnt > 0) {
        rd_kafka_resp_err_t err = rd_kafka_commit(d->rk, b, 0 /* sync */);
        if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
            /* The state is durable: a lost offset commit only means
             * re-delivery, which the engine dedupes. */
            lg_log(LG_LOG_WARN, COMP,
                   "offset commit failed (messages will be re-delivered "
                   "and deduplicated): %s",
                   rd_kafka_err2str(err));
        }
    }
    LG_LOGD(COMP, "committed batch of %zu partitions", (size_t)b->cnt);
    if (d->std) { /* the derived events and dead letters are delivered */
        int64_t now = lg_wall_ms();
        lg_stage_arrivals_observe(&d->arrived, d->std->e2e_latency, now);
        lg_metric_observe(d->std->commit_latency, NULL, (double)(lg_mono_ms() - t0) / 1000.0);
        lg_metric_set(d->std->last_commit, NULL, (double)now / 1000.0);
    }
    d->committed_msgs = d->consumed;
    rd_kafka_topic_partition_list_destroy(d->batch);
    d->batch = rd_kafka_topic_partition_list_new(8);
    rc = 0;
cleanup:
    free(pos);
    free(keys);
    free(vals);
    return rc;
}

static void log_kafka_error(rd_kafka_error_t *e) {
    if (!e)
        return;
    lg_log(LG_LOG_ERROR, COMP, "rebalance: %s", rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
}

/* On assignment, start each partition where the state says it is (the
 * engine's position is at or ahead of Kafka's committed offset). On
 * revocation, commit the pending batch first. */
static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
    lg_daemon *d = opaque;
    bool cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        for (int i = 0; i < parts->cnt; i++) {
            char key[300], *val = NULL, e[256];
            snprintf(key, sizeof(key), "kafka/%s/%" PRId32, parts->elems[i].topic,
                     parts->elems[i].partition);
            if (lg_engine_position(d->engine, key, &val, e, sizeof(e)) == 0 && val) {
                parts->elems[i].offset = strtoll(val, NULL, 10);
                LG_LOGD(COMP, "%s: resuming at %s", key, val);
            }
            free(val);
        }
        lg_log(LG_LOG_INFO, COMP, "assigned %d partitions", parts->cnt);
        if (cooperative)
            log_kafka_error(rd_kafka_incremental_assign(rk, parts));
        else
            rd_kafka_assign(rk, parts);
    } else {
        if (commit_batch(d, d->err, sizeof(d->err)) != 0)
            d->fatal = 1;
        if (cooperative)
            log_kafka_error(rd_kafka_incremental_unassign(rk, parts));
        else
            rd_kafka_assign(rk, NULL);
    }
}

/* The at-least-once consumer: the stages' (manual offsets, read_committed,
 * static membership with instance.id set, the fetch waker) with this
 * loop's rebalance callback. */
static int open_consumer(lg_daemon *d, const char *bootstrap, char *errstr, size_t errstr_size) {
    const char *enabled[LG_SRC_COUNT];
    size_t n = lg_stage_input_topics(d->c, d->topics, enabled);
    d->rk = lg_stage_open_consumer(d->c, bootstrap, d->c->kafka_group_id, enabled, n, rebalance_cb,
                                   d, &d->wake, errstr, errstr_size);
    return d->rk ? 0 : -1;
}

/* Hands one message to the engine. Returns 0 or -1 (fatal). */
static int handle_message(lg_daemon *d, const rd_kafka_message_t *m, char *errstr,
                          size_t errstr_size) {
    const char *topic = rd_kafka_topic_name(m->rkt);
    char desc[400];
    snprintf(desc, sizeof(desc), "kafka:%s/%" PRId32 "@%" PRId64, topic, m->partition, m->offset);
    lg_origin origin = {desc, topic, m->partition, m->offset};
    lg_source src = lg_stage_source_of(d->topics, topic);
    if (src == LG_SRC_NONE) {
        lg_log(LG_LOG_WARN, COMP, "%s: message from an unexpected topic ignored", desc);
    } else if (lg_engine_process(d->engine, src, m->payload ? m->payload : "", m->len, &origin,
                                 errstr, errstr_size) != 0) {
        return -1;
    }
    rd_kafka_topic_partition_t *tp =
        rd_kafka_topic_partition_list_find(d->batch, topic, m->partition);
    if (!tp)
        tp = rd_kafka_topic_partition_list_add(d->batch, topic, m->partition);
    tp->offset = m->offset + 1;
    if (d->std)
        lg_stage_arrivals_add(&d->arrived, lg_stage_arrival(m));
    if (d->batch_started_ms == 0)
        d->batch_started_ms = lg_mono_ms();
    d->consumed++;
    return 0;
}

static int make_state_dir(const lg_kafka_run_opts *o, char *tmpl, size_t size, const char **dir,
                          char *errstr, size_t errstr_size) {
    *dir = o->state_dir && *o->state_dir ? o->state_dir : o->config->state_dir;
    if (**dir)
        return 0;
    if (!o->demo) {
        snprintf(errstr, errstr_size,
                 "state.dir is not configured (set it in the config file, "
                 "LINEAGED_STATE_DIR or --state)");
        return -1;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(tmpl, size, "%s/lineaged-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmpl)) {
        snprintf(errstr, errstr_size, "cannot create a temporary state directory: %s",
                 strerror(errno));
        return -1;
    }
    *dir = tmpl;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path); /* best effort: keep going */
    return 0;
}

/* Removes a directory tree this process created with mkdtemp. */
static void remove_tree(const char *dir) {
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static bool demo_done(const lg_demo_watch *w) {
    static const lg_derived_type want[] = {LG_DERIVED_ORPHAN_NEW, LG_DERIVED_PRIV_OWNERLESS,
                                           LG_DERIVED_AGENT_DEPARTED_PRINCIPAL,
                                           LG_DERIVED_USED_AFTER_DEPARTURE};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (lg_demo_watch_seen(w, want[i]) == 0)
            return false;
    return true;
}

static void demo_missing(const lg_demo_watch *w, char *buf, size_t size) {
    size_t n = 0;
    buf[0] = '\0';
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++)
        if (t != LG_DERIVED_ORPHAN_RESOLVED && t != LG_DERIVED_PRIV_OWNERLESS_RESOLVED &&
            lg_demo_watch_seen(w, (lg_derived_type)t) == 0 && n < size)
            n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "",
                                  lg_derived_type_name((lg_derived_type)t));
}

/* ---- exactly_once: parse stage -> facts topic -> graph stage ---- */

/* Creates the internal topics when missing (embedded: in the mock cluster). */
static int ensure_internal_topics(const lg_config *c, const char *bootstrap, lg_kafka_embedded *emb,
                                  char *errstr, size_t errstr_size) {
    /* one stage: no facts topic, and the graph in one changelog partition */
    bool single = c->processing_stages == 1;
    int parts = single ? 1 : (int)c->facts_partitions;
    if (emb)
        return (!single &&
                lg_kafka_embedded_create_topic(emb, c->topics_facts, parts, errstr, errstr_size)) ||
               lg_kafka_embedded_create_topic(emb, c->topics_changelog, parts, errstr, errstr_size);
    if (!c->topics_create)
        return 0;
    rd_kafka_conf_t *conf = lg_kafka_client_conf(c, bootstrap, errstr, errstr_size);
    if (!conf)
        return -1;
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errstr_size);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    int repl = (int)c->topics_replication_factor;
    int rc = (!single && lg_kafka_ensure_topic(rk, c->topics_facts, parts, repl, false, 30000,
                                               errstr, errstr_size)) ||
                     lg_kafka_ensure_topic(rk, c->topics_changelog, parts, repl, true, 30000,
                                           errstr, errstr_size)
                 ? -1
                 : 0;
    rd_kafka_destroy(rk);
    return rc;
}

/* The HTTP API over the state; NULL with an empty errstr when disabled.
 * The demo only warns when it cannot listen (people run it anywhere). */
static lg_api *start_api(const lg_kafka_run_opts *o, const char *state_dir, lg_metrics *metrics,
                         char *errstr, size_t errstr_size) {
    *errstr = '\0';
    lg_api *api = lg_api_start_config(o->config, state_dir, metrics, errstr, errstr_size);
    if (!api && *errstr && o->demo) {
        lg_log(LG_LOG_WARN, COMP, "no HTTP API for the demo: %s", errstr);
        *errstr = '\0';
    }
    if (api) {
        char url[300];
        lg_api_url(api, o->config->api_listen, url, sizeof url);
        lg_log(LG_LOG_INFO, COMP, "HTTP API and lineage map at %s", url);
    }
    return api;
}

#define MAX_RESTARTS 20
#define LAG_EVERY_MS 1000
#define STEP_POLL_MS 50     /* each stage's poll: how soon it notices a stop */
#define CONTROL_EVERY_MS 10 /* the controlling loop: limits, idleness, the demo */

/* Consumer lag of every assigned partition (cached watermarks: no request). */
static void update_lag(rd_kafka_t *rk, const lg_metrics_std *std) {
    rd_kafka_topic_partition_list_t *a = NULL;
    if (!rk || rd_kafka_assignment(rk, &a) || !a)
        return;
    if (rd_kafka_position(rk, a) == RD_KAFKA_RESP_ERR_NO_ERROR)
        for (int i = 0; i < a->cnt; i++) {
            int64_t lo, hi;
            if (a->elems[i].offset < 0 ||
                rd_kafka_get_watermark_offsets(rk, a->elems[i].topic, a->elems[i].partition, &lo,
                                               &hi) != RD_KAFKA_RESP_ERR_NO_ERROR ||
                hi < 0)
                continue;
            char part[16];
            snprintf(part, sizeof part, "%" PRId32, a->elems[i].partition);
            lg_metric_set(std->consumer_lag, (const char *[]){a->elems[i].topic, part},
                          (double)(hi - a->elems[i].offset));
        }
    rd_kafka_topic_partition_list_destroy(a);
}

/* The input side's counters: the parse stage's, or with one stage
 * (processing.stages = 1, no parse stage) the graph stage's. */
static int64_t input_consumed(const lg_ingest *in, const lg_graphstage *gs) {
    return in ? lg_ingest_consumed(in) : lg_graphstage_consumed(gs);
}

static int64_t input_committed(const lg_ingest *in, const lg_graphstage *gs) {
    return in ? lg_ingest_committed(in) : lg_graphstage_committed(gs);
}

static int64_t input_source_count(const lg_ingest *in, const lg_graphstage *gs, int src) {
    return in ? lg_ingest_source_count(in, src) : lg_graphstage_source_count(gs, src);
}

static int64_t input_last_message_ms(const lg_ingest *in, const lg_graphstage *gs) {
    int64_t last = in ? lg_ingest_last_message_ms(in) : 0, g = lg_graphstage_last_message_ms(gs);
    return g > last ? g : last;
}

static int64_t coalesced_count(const lg_ingest *in, int src) {
    return in ? lg_ingest_coalesced(in, src) : 0;
}

/* Mirrors the parse stage's per-source counters (base: earlier
 * incarnations of the stages, after restarts; coalesced usage: two stages
 * only). */
static void update_inputs(const lg_metrics_std *std, const int64_t *base,
                          const int64_t *coalesced_base, const lg_ingest *in,
                          const lg_graphstage *gs) {
    for (int src = 1; src < LG_SRC_COUNT; src++) {
        const char *name = lg_source_name((lg_source)src);
        lg_metric_set1(std->input_messages, name,
                       (double)(base[src] + input_source_count(in, gs, src)));
        if (in)
            lg_metric_set1(std->coalesced, name,
                           (double)(coalesced_base[src] + coalesced_count(in, src)));
    }
}

/* The stages' steps, as the runners call them. */
static int ingest_step(void *stage, int timeout_ms, bool force, char *errstr, size_t errstr_size) {
    return lg_ingest_step(stage, timeout_ms, force, errstr, errstr_size);
}

static int graph_step(void *stage, int timeout_ms, bool force, char *errstr, size_t errstr_size) {
    return lg_graphstage_step(stage, timeout_ms, force, errstr, errstr_size);
}

/* The graph stage, created on a thread of its own (open_stages). */
typedef struct graph_open {
    const lg_graphstage_opts *go;
    lg_graphstage *gs;
    char err[512];
} graph_open;

static void *graph_open_thread(void *arg) {
    graph_open *x = arg;
    x->gs = lg_graphstage_new(x->go, x->err, sizeof x->err);
    return NULL;
}

/* Creates both stages at once: each initialises its transactions, which
 * after a kill -9 waits until the broker has aborted the killed
 * incarnation's open transaction (librdkafka retries every 500 ms), so
 * created one after the other their waits would add up. With go->single
 * only the graph stage (*in NULL). Returns 0, or -1 with errstr and
 * neither stage (the graph stage's feed sink is consumed either way). */
static int open_stages(const lg_ingest_opts *io, const lg_graphstage_opts *go, lg_ingest **in,
                       lg_graphstage **gs, char *errstr, size_t errstr_size) {
    *in = NULL;
    if (go->single)
        return (*gs = lg_graphstage_new(go, errstr, errstr_size)) ? 0 : -1;
    graph_open x = {.go = go};
    pthread_t t;
    bool threaded = pthread_create(&t, NULL, graph_open_thread, &x) == 0;
    if (!threaded) /* no thread to spare: one after the other */
        graph_open_thread(&x);
    *in = lg_ingest_new(io, errstr, errstr_size);
    if (threaded)
        pthread_join(t, NULL);
    *gs = x.gs;
    if (*in && *gs)
        return 0;
    if (*in) /* the graph stage's error */
        snprintf(errstr, errstr_size, "%s", x.err);
    lg_ingest_destroy(*in);
    lg_graphstage_destroy(*gs);
    *in = NULL;
    *gs = NULL;
    return -1;
}

static int run_eos(const lg_kafka_run_opts *o, const char *bootstrap, lg_kafka_embedded *emb,
                   const char *state_dir, int64_t produced, char *errstr, size_t errstr_size) {
    const lg_config *c = o->config;
    lg_ingest *in = NULL;
    lg_graphstage *gs = NULL;
    lg_demo_watch *watch = NULL;
    lg_pairs owners = {0}, aliases = {0}, tenants = {0};
    lg_engine_opts eo = {0};
    int rc = -1, restarts = 0;
    int64_t consumed_before = 0, graph_committed_before = 0;
    lg_engine_stats total = {0};
    lg_stage_counts parse_counts = {0}; /* every incarnation's committed batches */
    lg_metrics *metrics = o->metrics ? o->metrics : lg_metrics_new();
    lg_metrics_std std;
    lg_api *api = NULL;
    lg_runners *runners = NULL;
    int64_t in_base[LG_SRC_COUNT] = {0}, coalesced_base[LG_SRC_COUNT] = {0}, last_lag = 0;
    if (!metrics || lg_metrics_std_init(metrics, &std) != 0) {
        snprintf(errstr, errstr_size, "out of memory");
        goto cleanup;
    }
    /* the HTTP API (queries, map, /metrics) over this instance's state */
    api = start_api(o, state_dir, metrics, errstr, errstr_size);
    if (!api && *errstr)
        goto cleanup;
    if (ensure_internal_topics(c, bootstrap, emb, errstr, errstr_size) != 0 ||
        lg_pairs_load(&tenants, c->tenants_file, errstr, errstr_size) != 0 ||
        lg_config_engine_opts(c, &eo, &owners, &aliases, errstr, errstr_size) != 0)
        goto cleanup;
    if (o->demo)
        eo.ownerless_hold_ms = DEMO_OWNERLESS_HOLD_MS;
    bool json = o->demo || strcmp(c->output_format, "json") == 0;
    lg_ingest_opts io = {.config = c,
                         .bootstrap = bootstrap,
                         .tenants = &tenants,
                         .metrics = &std,
                         .counts = &parse_counts};
    lg_graphstage_opts go = {.config = c,
                             .bootstrap = bootstrap,
                             .state_dir = state_dir,
                             .engine = &eo,
                             .json = json,
                             .metrics = &std,
                             .stats_base = &total,
                             .parse_counts = &parse_counts,
                             .single = c->processing_stages == 1};
    go.feed = api ? lg_api_feed_sink(api) : NULL;
    if (open_stages(&io, &go, &in, &gs, errstr, errstr_size) != 0)
        goto cleanup;
    if (o->demo && !(watch = lg_demo_watch_new(bootstrap, c->topics_derived, errstr, errstr_size)))
        goto cleanup;
    lg_log(LG_LOG_INFO, COMP, "exactly-once processing (%s); state in %s",
           in ? "two stages" : "one stage", state_dir);
    int64_t start = lg_mono_ms(), demo_deadline = start + DEMO_DEADLINE_MS;
    bool stop = false;
    int ri = -1, rg = -1;
    while (!stop) {
        if (!runners) { /* the two stages on threads of their own */
            if (!(runners = lg_runners_new(STEP_POLL_MS))) {
                snprintf(errstr, errstr_size, "out of memory");
                goto cleanup;
            }
            if ((in && (ri = lg_runners_add(runners, "parse stage", ingest_step, in, errstr,
                                            errstr_size)) < 0) ||
                (rg = lg_runners_add(runners, in ? "graph stage" : "single stage", graph_step, gs,
                                     errstr, errstr_size)) < 0)
                goto cleanup;
        }
        int r = lg_runners_wait(runners, CONTROL_EVERY_MS, errstr, errstr_size);
        if (r < 0)
            goto cleanup;
        if (r > 0) { /* an aborted transaction: start both stages again */
            lg_runners_destroy(runners);
            runners = NULL;
            if (++restarts > MAX_RESTARTS) {
                lg_log(LG_LOG_ERROR, COMP, "too many aborted transactions; last: %s", errstr);
                goto cleanup;
            }
            lg_log(LG_LOG_WARN, COMP, "restarting the stages after: %s", errstr);
            lg_metric_add1(std.errors, "stage_restart", 1);
            for (int src = 1; src < LG_SRC_COUNT; src++) {
                in_base[src] += input_source_count(in, gs, src);
                coalesced_base[src] += coalesced_count(in, src);
            }
            consumed_before += input_committed(in, gs);
            graph_committed_before += lg_graphstage_committed(gs);
            lg_engine_stats st;
            lg_graphstage_stats(gs, &st);
            lg_engine_stats_add(&total, &st); /* the stage's next incarnation goes on */
            lg_ingest_destroy(in);
            lg_graphstage_destroy(gs);
            in = NULL;
            gs = NULL;
            go.feed = api ? lg_api_feed_sink(api) : NULL;
            if (open_stages(&io, &go, &in, &gs, errstr, errstr_size) != 0)
                goto cleanup;
            continue;
        }
        bool stopping = !*o->running;
        int64_t consumed = consumed_before + input_consumed(in, gs);
        bool limit = o->max_messages > 0 && consumed >= o->max_messages;
        if (stopping || limit) { /* commit at every step from now on */
            if (in)
                lg_runners_force(runners, ri, true);
            lg_runners_force(runners, rg, true);
        }
        if (lg_mono_ms() - last_lag >= LAG_EVERY_MS) {
            last_lag = lg_mono_ms();
            if (in)
                update_lag(lg_ingest_consumer(in), &std);
            update_lag(lg_graphstage_consumer(gs), &std);
            update_inputs(&std, in_base, coalesced_base, in, gs);
        }
        int64_t now = lg_mono_ms();
        int64_t last = input_last_message_ms(in, gs);
        if (!last)
            last = start;
        /* idle, and nothing held back that is still to be announced */
        bool idle = o->exit_when_idle_ms > 0 && now - last >= o->exit_when_idle_ms &&
                    lg_graphstage_next_due(gs) == 0;
        if (watch)
            lg_demo_watch_poll(watch, o->out, 0);
        if (o->demo && input_committed(in, gs) + consumed_before >= produced &&
            lg_graphstage_consumed(gs) == lg_graphstage_committed(gs) &&
            now - lg_graphstage_last_message_ms(gs) > 300 && demo_done(watch))
            stop = true;
        if (o->demo && now > demo_deadline) {
            char missing[256];
            demo_missing(watch, missing, sizeof(missing));
            snprintf(errstr, errstr_size,
                     "demo: after %d s, %" PRId64 "/%" PRId64 " messages committed; derived "
                     "events not seen: %s",
                     DEMO_DEADLINE_MS / 1000, input_committed(in, gs) + consumed_before, produced,
                     missing);
            goto cleanup;
        }
        if (stopping || idle ||
            (limit && lg_graphstage_consumed(gs) == lg_graphstage_committed(gs) &&
             now - lg_graphstage_last_message_ms(gs) > 500))
            stop = true;
    }
    /* the stages are this thread's again: commit what is pending */
    lg_runners_destroy(runners);
    runners = NULL;
    if ((in && lg_ingest_step(in, 0, true, errstr, errstr_size) != 0) ||
        lg_graphstage_step(gs, 0, true, errstr, errstr_size) != 0)
        goto cleanup;
    update_inputs(&std, in_base, coalesced_base, in, gs); /* the last reads too */
    lg_engine_stats st; /* every incarnation of both stages, as the metrics */
    lg_graphstage_totals(gs, &st);
    uint64_t derived = 0;
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++)
        derived += st.derived[t];
    /* usable records per source, as `replay` counts them: those the graph
     * stage applied and those the parse stage folded */
    int64_t records[LG_SRC_COUNT] = {0}, coalesced = 0;
    for (int src = 1; src < LG_SRC_COUNT; src++) {
        int64_t folded = coalesced_base[src] + coalesced_count(in, src);
        coalesced += folded;
        records[src] = (int64_t)st.records[src] + folded;
    }
    lg_log(LG_LOG_INFO, COMP,
           "stopped: messages=%" PRId64 " facts=%" PRId64 " cloudtrail=%" PRId64 " okta=%" PRId64
           " github=%" PRId64 " bedrock=%" PRId64 " duplicates=%" PRIu64 " coalesced=%" PRId64
           " failed_calls=%" PRIu64 " deadlettered=%" PRIu64 " derived=%" PRIu64 " restarts=%d",
           consumed_before + input_committed(in, gs),
           graph_committed_before + lg_graphstage_committed(gs), records[LG_SRC_CLOUDTRAIL],
           records[LG_SRC_OKTA], records[LG_SRC_GITHUB], records[LG_SRC_BEDROCK], st.duplicates,
           coalesced, st.failed_calls, st.deadlettered, derived, restarts);
    if (o->demo && o->out) {
        lg_demo_watch_poll(watch, o->out, 200);
        fprintf(o->out, "\ndemo: %" PRId64 " input messages processed; derived events:", produced);
        for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++)
            fprintf(o->out, " %s=%" PRId64, lg_derived_type_name((lg_derived_type)t),
                    lg_demo_watch_seen(watch, (lg_derived_type)t));
        fprintf(o->out, "; dead-lettered=%" PRIu64 "\n", st.deadlettered);
    }
    rc = 0;
cleanup:
    lg_runners_destroy(runners); /* joins the stages' threads first */
    lg_demo_watch_destroy(watch);
    lg_ingest_destroy(in);
    lg_graphstage_destroy(gs); /* destroys the feed sink before the API stops */
    lg_api_stop(api);
    if (metrics != o->metrics)
        lg_metrics_destroy(metrics);
    lg_pairs_free(&owners);
    lg_pairs_free(&aliases);
    lg_pairs_free(&tenants);
    return rc;
}

int lg_kafka_run(const lg_kafka_run_opts *o, char *errstr, size_t errstr_size) {
    const lg_config *c = o->config;
    lg_daemon d = {.o = o, .c = c};
    lg_kafka_embedded *emb = NULL;
    lg_demo_watch *watch = NULL;
    lg_sink *out = NULL;
    lg_metrics *metrics = NULL;
    lg_metrics_std std;
    lg_api *api = NULL;
    lg_pairs owners = {0}, aliases = {0};
    char tmpdir[PATH_MAX] = "", demodir[PATH_MAX];
    const char *state_dir;
    int64_t produced = 0;
    int rc = -1;

    lg_stage_input_topics(c, d.topics, NULL);
    d.batch = rd_kafka_topic_partition_list_new(8);

    if (o->demo && lg_demo_locate(o->demo_dir, demodir, sizeof(demodir), errstr, errstr_size))
        goto cleanup;
    if (make_state_dir(o, tmpdir, sizeof(tmpdir), &state_dir, errstr, errstr_size) != 0)
        goto cleanup;
    const char *bootstrap = c->kafka_brokers;
    if (o->demo && *bootstrap)
        lg_log(LG_LOG_WARN, COMP, "--demo ignores kafka.brokers: it uses an embedded Kafka");
    if (o->demo || !*bootstrap) {
        const char *topics[] = {c->topics_cloudtrail, c->topics_okta, c->topics_github,
                                c->topics_bedrock};
        emb = lg_kafka_embedded_new(1, topics, 4, 1, errstr, errstr_size);
        if (!emb ||
            lg_kafka_embedded_create_topic(emb, c->topics_derived, 1, errstr, errstr_size) ||
            lg_kafka_embedded_create_topic(emb, c->topics_deadletter, 1, errstr, errstr_size))
            goto cleanup;
        bootstrap = lg_kafka_embedded_bootstrap(emb);
        lg_log(LG_LOG_INFO, COMP,
               "no kafka.brokers configured: starting embedded Kafka (librdkafka mock cluster) "
               "at %s",
               bootstrap);
    }
    if (o->demo && lg_demo_produce(c, bootstrap, demodir, &produced, errstr, errstr_size) != 0)
        goto cleanup;

    if (strcmp(c->processing_guarantee, "exactly_once") == 0) {
        rc = run_eos(o, bootstrap, emb, state_dir, produced, errstr, errstr_size);
        goto cleanup;
    }

    /* at_least_once: one stage. Derived events and dead letters go to
     * Kafka. The demo reads the derived topic back as JSON so people can
     * follow it. */
    out = lg_stage_open_sink(c, bootstrap, o->demo || strcmp(c->output_format, "json") == 0, NULL,
                             state_dir, errstr, errstr_size);
    if (!out)
        goto cleanup;
    if (!(metrics = o->metrics ? o->metrics : lg_metrics_new()) ||
        lg_metrics_std_init(metrics, &std) != 0) {
        snprintf(errstr, errstr_size, "out of memory");
        goto cleanup;
    }
    d.std = &std;
    api = start_api(o, state_dir, metrics, errstr, errstr_size);
    if (!api && *errstr)
        goto cleanup;
    if (api) { /* derived events also go to the map's live feed */
        lg_sink *both[2] = {out, lg_api_feed_sink(api)};
        out = lg_sink_fanout_new(both, 2, errstr, errstr_size);
        if (!out)
            goto cleanup;
    }
    lg_engine_opts eo = {.state_dir = state_dir, .out = out, .deadletter = out};
    if (lg_config_engine_opts(c, &eo, &owners, &aliases, errstr, errstr_size) != 0)
        goto cleanup;
    if (o->demo)
        eo.ownerless_hold_ms = DEMO_OWNERLESS_HOLD_MS;
    d.engine = lg_engine_open(&eo, errstr, errstr_size);
    if (!d.engine)
        goto cleanup;
    if (o->demo && !(watch = lg_demo_watch_new(bootstrap, c->topics_derived, errstr, errstr_size)))
        goto cleanup;
    if (open_consumer(&d, bootstrap, errstr, errstr_size) != 0)
        goto cleanup;
    lg_log(LG_LOG_INFO, COMP, "consuming as group %s; state in %s", c->kafka_group_id, state_dir);

    int64_t last_msg = lg_mono_ms(), demo_deadline = lg_mono_ms() + DEMO_DEADLINE_MS;
    bool stop = false;
    while (!stop) {
        if (d.fatal) {
            snprintf(errstr, errstr_size, "%s", d.err);
            goto cleanup;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(d.rk, 100);
        int64_t now = lg_mono_ms();
        if (m) {
            if (!m->err) {
                last_msg = now;
                int r = handle_message(&d, m, errstr, errstr_size);
                rd_kafka_message_destroy(m);
                if (r != 0)
                    goto cleanup;
            } else {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    lg_log(LG_LOG_WARN, COMP, "consumer: %s", rd_kafka_message_errstr(m));
                rd_kafka_message_destroy(m);
            }
        }
        bool limit = o->max_messages > 0 && d.consumed >= o->max_messages;
        bool idle = o->exit_when_idle_ms > 0 && now - last_msg >= o->exit_when_idle_ms;
        int64_t held = lg_engine_next_due(d.engine);
        bool due = (int64_t)lg_engine_pending(d.engine) >= c->batch_max_messages ||
                   (d.batch_started_ms && now - d.batch_started_ms >= c->batch_max_ms) ||
                   (held && lg_wall_ms() >= held);
        if (due || limit || idle || !*o->running || (o->demo && d.consumed >= produced)) {
            if (commit_batch(&d, errstr, errstr_size) != 0)
                goto cleanup;
            if (metrics)
                lg_metrics_std_update(&std, lg_engine_get_stats(d.engine));
            d.batch_started_ms = 0;
        }
        if (watch)
            lg_demo_watch_poll(watch, o->out, 0);
        if (o->demo && d.committed_msgs >= produced && demo_done(watch))
            stop = true;
        if (o->demo && now > demo_deadline) {
            char missing[256];
            demo_missing(watch, missing, sizeof(missing));
            snprintf(errstr, errstr_size,
                     "demo: after %d s, %" PRId64 "/%" PRId64 " messages committed; derived "
                     "events not seen: %s",
                     DEMO_DEADLINE_MS / 1000, d.committed_msgs, produced, missing);
            goto cleanup;
        }
        if (limit || idle || !*o->running)
            stop = true;
    }
    const lg_engine_stats *st = lg_engine_get_stats(d.engine);
    uint64_t derived = 0;
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++)
        derived += st->derived[t];
    lg_log(LG_LOG_INFO, COMP,
           "stopped: messages=%" PRIu64 " cloudtrail=%" PRIu64 " okta=%" PRIu64 " github=%" PRIu64
           " bedrock=%" PRIu64 " duplicates=%" PRIu64 " deadlettered=%" PRIu64 " derived=%" PRIu64
           " batches=%" PRIu64,
           st->messages, st->records[LG_SRC_CLOUDTRAIL], st->records[LG_SRC_OKTA],
           st->records[LG_SRC_GITHUB], st->records[LG_SRC_BEDROCK], st->duplicates,
           st->deadlettered, derived, st->batches);
    if (o->demo && o->out) {
        fprintf(o->out, "\ndemo: %" PRId64 " input messages processed; derived events:", produced);
        for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++)
            fprintf(o->out, " %s=%" PRId64, lg_derived_type_name((lg_derived_type)t),
                    lg_demo_watch_seen(watch, (lg_derived_type)t));
        fprintf(o->out, "; dead-lettered=%" PRIu64 "\n", st->deadlettered);
    }
    rc = 0;
cleanup:
    if (rc != 0 && d.engine) {
        /* Nothing of a failed batch may be committed by the revocation
         * during close. */
        lg_engine_abort(d.engine);
        rd_kafka_topic_partition_list_destroy(d.batch);
        d.batch = rd_kafka_topic_partition_list_new(1);
    }
    lg_stage_close_consumer(d.rk, d.wake);
    lg_demo_watch_destroy(watch);
    lg_engine_close(d.engine);
    lg_sink_destroy(out); /* the feed sink inside goes before the API */
    lg_api_stop(api);
    if (metrics != o->metrics)
        lg_metrics_destroy(metrics);
    lg_stage_arrivals_free(&d.arrived);
    lg_pairs_free(&owners);
    lg_pairs_free(&aliases);
    lg_kafka_embedded_destroy(emb);
    rd_kafka_topic_partition_list_destroy(d.batch);
    if (*tmpdir)
        remove_tree(tmpdir);
    return rc;
}
