/* processor/metrics.c - see metrics.h. */
#include "processor/metrics.h"

#include "sinks/derived.h"
#include "state/fact.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct series {
    char *values[LG_METRIC_MAX_LABELS];
    double v;                               /* counter / gauge */
    uint64_t counts[LG_METRIC_MAX_BUCKETS]; /* histogram: per bucket (not cumulative) */
    uint64_t count;
    double sum;
} series;

struct lg_metric {
    lg_metrics *reg;
    lg_metric_type type;
    char *name, *help;
    size_t nlabels;
    char *labels[LG_METRIC_MAX_LABELS];
    double bounds[LG_METRIC_MAX_BUCKETS];
    size_t nbounds;
    series *s;
    size_t n, cap;
    double (*fn)(void *);
    void *fn_opaque;
};

struct lg_metrics {
    pthread_mutex_t mu;
    lg_metric **f;
    size_t n, cap;
};

lg_metrics *lg_metrics_new(void) {
    lg_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    pthread_mutex_init(&m->mu, NULL);
    return m;
}

static void family_free(lg_metric *f) {
    for (size_t i = 0; i < f->n; i++)
        for (size_t k = 0; k < f->nlabels; k++)
            free(f->s[i].values[k]);
    for (size_t k = 0; k < f->nlabels; k++)
        free(f->labels[k]);
    free(f->s);
    free(f->name);
    free(f->help);
    free(f);
}

void lg_metrics_destroy(lg_metrics *m) {
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        family_free(m->f[i]);
    free(m->f);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static bool valid_name(const char *s) {
    if (!s || !*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == ':'))
            return false;
    return true;
}

static lg_metric *find_family(lg_metrics *m, const char *name) {
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->f[i]->name, name) == 0)
            return m->f[i];
    return NULL;
}

/* Creates and registers a family; the registry lock is held. */
static lg_metric *family_new(lg_metrics *m, lg_metric_type type, const char *name, const char *help,
                             const char *labels) {
    lg_metric *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->reg = m;
    f->type = type;
    f->name = strdup(name);
    f->help = strdup(help ? help : "");
    if (!f->name || !f->help)
        goto fail;
    for (const char *p = labels; p && *p;) {
        size_t len = strcspn(p, ",");
        if (f->nlabels == LG_METRIC_MAX_LABELS || !len)
            goto fail;
        f->labels[f->nlabels] = strndup(p, len);
        if (!f->labels[f->nlabels] || !valid_name(f->labels[f->nlabels]))
            goto fail;
        f->nlabels++;
        p += len;
        if (*p == ',')
            p++;
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        lg_metric **nf = realloc(m->f, cap * sizeof *nf);
        if (!nf)
            goto fail;
        m->f = nf;
        m->cap = cap;
    }
    m->f[m->n++] = f;
    return f;
fail:
    family_free(f);
    return NULL;
}

lg_metric *lg_metrics_family(lg_metrics *m, lg_metric_type type, const char *name, const char *help,
                             const char *labels, const double *buckets, size_t nbuckets) {
    if (!m || !valid_name(name) || nbuckets > LG_METRIC_MAX_BUCKETS)
        return NULL;
    for (size_t i = 1; i < nbuckets; i++)
        if (!(buckets[i] > buckets[i - 1]))
            return NULL;
    pthread_mutex_lock(&m->mu);
    lg_metric *f = find_family(m, name);
    if (f) {
        if (f->type != type || f->fn)
            f = NULL;
    } else if ((f = family_new(m, type, name, help, labels)) != NULL &&
               type == LG_METRIC_HISTOGRAM) {
        memcpy(f->bounds, buckets, nbuckets * sizeof *buckets);
        f->nbounds = nbuckets;
    }
    pthread_mutex_unlock(&m->mu);
    return f;
}

int lg_metrics_gauge_fn(lg_metrics *m, const char *name, const char *help,
                        double (*fn)(void *opaque), void *opaque) {
    if (!m || !fn || !valid_name(name))
        return -1;
    pthread_mutex_lock(&m->mu);
    lg_metric *f = find_family(m, name) ? NULL : family_new(m, LG_METRIC_GAUGE, name, help, NULL);
    if (f) {
        f->fn = fn;
        f->fn_opaque = opaque;
    }
    pthread_mutex_unlock(&m->mu);
    return f ? 0 : -1;
}

/* The series of the label values, created if needed; the lock is held. */
static series *get_series(lg_metric *f, const char *const *values) {
    for (size_t i = 0; i < f->n; i++) {
        size_t k = 0;
        while (k < f->nlabels && strcmp(f->s[i].values[k], values[k] ? values[k] : "") == 0)
            k++;
        if (k == f->nlabels)
            return &f->s[i];
    }
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 4;
        series *ns = realloc(f->s, cap * sizeof *ns);
        if (!ns)
            return NULL;
        f->s = ns;
        f->cap = cap;
    }
    series *s = &f->s[f->n];
    memset(s, 0, sizeof *s);
    for (size_t k = 0; k < f->nlabels; k++) {
        s->values[k] = strdup(values[k] ? values[k] : "");
        if (!s->values[k]) {
            while (k > 0)
                free(s->values[--k]);
            return NULL;
        }
    }
    f->n++;
    return s;
}

static const char *const no_values[LG_METRIC_MAX_LABELS] = {NULL};

/* One histogram observation; the lock is held. */
static void observe_locked(const lg_metric *f, series *s, double v) {
    size_t b = 0;
    while (b < f->nbounds && v > f->bounds[b])
        b++;
    if (b < f->nbounds)
        s->counts[b]++;
    s->count++;
    s->sum += v;
}

static void update(lg_metric *f, const char *const *values, double v, int op) {
    if (!f)
        return;
    pthread_mutex_lock(&f->reg->mu);
    series *s = get_series(f, values ? values : no_values);
    if (s) {
        if (op == 0 && (f->type != LG_METRIC_COUNTER || v >= 0))
            s->v += v;
        else if (op == 1)
            s->v = v;
        else if (op == 2 && f->type == LG_METRIC_HISTOGRAM)
            observe_locked(f, s, v);
    }
    pthread_mutex_unlock(&f->reg->mu);
}

void lg_metric_observe_n(lg_metric *f, const char *const *values, const double *v, size_t n) {
    if (!f || !n || f->type != LG_METRIC_HISTOGRAM)
        return;
    pthread_mutex_lock(&f->reg->mu);
    series *s = get_series(f, values ? values : no_values);
    for (size_t i = 0; s && i < n; i++)
        observe_locked(f, s, v[i]);
    pthread_mutex_unlock(&f->reg->mu);
}

void lg_metric_add(lg_metric *f, const char *const *values, double v) {
    update(f, values, v, 0);
}

void lg_metric_set(lg_metric *f, const char *const *values, double v) {
    update(f, values, v, 1);
}

void lg_metric_observe(lg_metric *f, const char *const *values, double v) {
    update(f, values, v, 2);
}

void lg_metric_add1(lg_metric *f, const char *value, double v) {
    update(f, (const char *const[]){value}, v, 0);
}

void lg_metric_set1(lg_metric *f, const char *value, double v) {
    update(f, (const char *const[]){value}, v, 1);
}

double lg_metric_value(lg_metric *f, const char *const *values) {
    if (!f)
        return 0;
    double v = 0;
    pthread_mutex_lock(&f->reg->mu);
    values = values ? values : no_values;
    for (size_t i = 0; i < f->n; i++) {
        size_t k = 0;
        while (k < f->nlabels && strcmp(f->s[i].values[k], values[k] ? values[k] : "") == 0)
            k++;
        if (k == f->nlabels)
            v = f->s[i].v;
    }
    pthread_mutex_unlock(&f->reg->mu);
    return v;
}

/* ---- exposition ---- */

static int put_escaped(lg_strbuf *b, const char *s, bool quote) {
    int rc = 0;
    for (; *s && !rc; s++) {
        if (*s == '\\')
            rc = lg_strbuf_puts(b, "\\\\");
        else if (*s == '\n')
            rc = lg_strbuf_puts(b, "\\n");
        else if (*s == '"' && quote)
            rc = lg_strbuf_puts(b, "\\\"");
        else
            rc = lg_strbuf_putc(b, *s);
    }
    return rc;
}

static int put_value(lg_strbuf *b, double v) {
    if (isnan(v))
        return lg_strbuf_puts(b, "NaN");
    if (isinf(v))
        return lg_strbuf_puts(b, v > 0 ? "+Inf" : "-Inf");
    if (v == (double)(int64_t)v && fabs(v) < 9e15)
        return lg_strbuf_printf(b, "%lld", (long long)v);
    return lg_strbuf_printf(b, "%.17g", v);
}

/* name{l1="v1",...,extra} value */
static int put_sample(lg_strbuf *b, const lg_metric *f, const char *suffix, const series *s,
                      const char *extra_name, const char *extra_val, double v) {
    int rc = lg_strbuf_printf(b, "%s%s", f->name, suffix);
    size_t nl = s ? f->nlabels : 0;
    if (nl || extra_name) {
        rc |= lg_strbuf_putc(b, '{');
        for (size_t k = 0; k < nl; k++) {
            rc |= lg_strbuf_printf(b, "%s%s=\"", k ? "," : "", f->labels[k]);
            rc |= put_escaped(b, s->values[k], true);
            rc |= lg_strbuf_putc(b, '"');
        }
        if (extra_name)
            rc |= lg_strbuf_printf(b, "%s%s=\"%s\"", nl ? "," : "", extra_name, extra_val);
        rc |= lg_strbuf_putc(b, '}');
    }
    rc |= lg_strbuf_putc(b, ' ');
    rc |= put_value(b, v);
    rc |= lg_strbuf_putc(b, '\n');
    return rc;
}

static int render_family(lg_strbuf *b, const lg_metric *f) {
    static const char *const types[] = {"counter", "gauge", "histogram"};
    int rc = lg_strbuf_printf(b, "# HELP %s ", f->name);
    rc |= put_escaped(b, f->help, false);
    rc |= lg_strbuf_printf(b, "\n# TYPE %s %s\n", f->name, types[f->type]);
    if (f->fn)
        return rc | put_sample(b, f, "", NULL, NULL, NULL, f->fn(f->fn_opaque));
    /* a family without labels always has its one series (zeros until used) */
    series zero = {0};
    const series *all = f->s;
    size_t n = f->n;
    if (!n && !f->nlabels) {
        all = &zero;
        n = 1;
    }
    for (size_t i = 0; i < n; i++) {
        const series *s = &all[i];
        if (f->type != LG_METRIC_HISTOGRAM) {
            rc |= put_sample(b, f, "", s, NULL, NULL, s->v);
            continue;
        }
        uint64_t cum = 0;
        for (size_t k = 0; k < f->nbounds; k++) {
            char le[64];
            snprintf(le, sizeof le, "%g", f->bounds[k]);
            cum += s->counts[k];
            rc |= put_sample(b, f, "_bucket", s, "le", le, (double)cum);
        }
        rc |= put_sample(b, f, "_bucket", s, "le", "+Inf", (double)s->count);
        rc |= put_sample(b, f, "_sum", s, NULL, NULL, s->sum);
        rc |= put_sample(b, f, "_count", s, NULL, NULL, (double)s->count);
    }
    return rc;
}

int lg_metrics_render(lg_metrics *m, lg_strbuf *out) {
    int rc = 0;
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->n && !rc; i++)
        rc = render_family(out, m->f[i]);
    pthread_mutex_unlock(&m->mu);
    return rc ? -1 : 0;
}

/* ---- the daemon's standard families ---- */

int lg_metrics_std_init(lg_metrics *m, lg_metrics_std *s) {
    static const double latency[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                     0.25,  0.5,   1,    2.5,   5,    10};
    static const double e2e[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                 1,     2.5,  5,     10,   30,  60,   300};
    memset(s, 0, sizeof *s);
    s->input_messages = lg_metrics_family(m, LG_METRIC_COUNTER, "lineaged_input_messages_total",
                                          "Input messages read, per source.", "source", NULL, 0);
    s->records =
        lg_metrics_family(m, LG_METRIC_COUNTER, "lineaged_records_total",
                          "Usable source records processed, per source.", "source", NULL, 0);
    s->coalesced = lg_metrics_family(
        m, LG_METRIC_COUNTER, "lineaged_usage_coalesced_total",
        "Exactly-once run with two stages: usable records of pure usage the parse stage folded "
        "into another use of the same identity in its batch (only each identity's earliest and "
        "latest use reach the graph), per source; not in lineaged_records_total.",
        "source", NULL, 0);
    s->duplicates =
        lg_metrics_family(m, LG_METRIC_COUNTER, "lineaged_duplicates_total",
                          "Re-delivered records ignored (same source event id).", NULL, NULL, 0);
    s->dedupe_expired = lg_metrics_family(
        m, LG_METRIC_COUNTER, "lineaged_dedupe_expired_total",
        "Re-delivery keys past dedupe.retention deleted by the batches, with tombstones in the "
        "changelog (exactly-once run; elsewhere compaction drops them uncounted).",
        NULL, NULL, 0);
    s->failed_calls = lg_metrics_family(
        m, LG_METRIC_COUNTER, "lineaged_failed_calls_total",
        "Records of failed calls (errorCode): they create nothing (with two stages, "
        "those among the usage the parse stage folded are counted too).",
        NULL, NULL, 0);
    s->deadlettered =
        lg_metrics_family(m, LG_METRIC_COUNTER, "lineaged_deadlettered_total",
                          "Unusable input messages sent to the dead-letter output.", NULL, NULL, 0);
    s->derived = lg_metrics_family(m, LG_METRIC_COUNTER, "lineaged_derived_events_total",
                                   "Derived events published, per type.", "type", NULL, 0);
    s->batches = lg_metrics_family(m, LG_METRIC_COUNTER, "lineaged_batches_total",
                                   "Batches committed.", NULL, NULL, 0);
    s->errors = lg_metrics_family(m, LG_METRIC_COUNTER, "lineaged_errors_total",
                                  "Errors, per kind (kafka, state, sink, ...).", "kind", NULL, 0);
    s->consumer_lag =
        lg_metrics_family(m, LG_METRIC_GAUGE, "lineaged_consumer_lag_messages",
                          "Messages between the committed position and the partition end.",
                          "topic,partition", NULL, 0);
    s->commit_latency = lg_metrics_family(m, LG_METRIC_HISTOGRAM, "lineaged_commit_latency_seconds",
                                          "Time to commit a batch (sink flush and state write).",
                                          NULL, latency, sizeof latency / sizeof *latency);
    s->last_commit =
        lg_metrics_family(m, LG_METRIC_GAUGE, "lineaged_last_commit_timestamp_seconds",
                          "Wall-clock time of the last committed batch.", NULL, NULL, 0);
    s->commit_phase = lg_metrics_family(
        m, LG_METRIC_HISTOGRAM, "lineaged_commit_phase_seconds",
        "Exactly-once run: time of each phase of a stage's commit (stage parse: produce, "
        "flush, txn; stage graph: prepare, produce, flush, txn, state).",
        "stage,phase", latency, sizeof latency / sizeof *latency);
    s->e2e_latency = lg_metrics_family(
        m, LG_METRIC_HISTOGRAM, "lineaged_end_to_end_latency_seconds",
        "run: from each input message's Kafka timestamp to the commit that made its output "
        "visible (exactly-once: per fact of the graph stage; at-least-once: per message).",
        NULL, e2e, sizeof e2e / sizeof *e2e);
    lg_metric **all = &s->input_messages;
    for (size_t i = 0; i < sizeof *s / sizeof *all; i++)
        if (!all[i])
            return -1;
    return 0;
}

void lg_metrics_std_update(const lg_metrics_std *s, const lg_engine_stats *st) {
    for (int src = 1; src < LG_SRC_COUNT; src++)
        lg_metric_set1(s->records, lg_source_name((lg_source)src), (double)st->records[src]);
    lg_metric_set(s->duplicates, NULL, (double)st->duplicates);
    lg_metric_set(s->dedupe_expired, NULL, (double)st->dedupe_expired);
    lg_metric_set(s->failed_calls, NULL, (double)st->failed_calls);
    lg_metric_set(s->deadlettered, NULL, (double)st->deadlettered);
    lg_metric_set(s->batches, NULL, (double)st->batches);
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++)
        lg_metric_set1(s->derived, lg_derived_type_name((lg_derived_type)t),
                       (double)st->derived[t]);
}
