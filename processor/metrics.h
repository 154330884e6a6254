/*
 * processor/metrics.h - a small Prometheus metrics registry: counters,
 * gauges and histograms with labels, rendered in the text exposition format
 * (version 0.0.4) for GET /metrics.
 *
 * A family is registered once (name, help, label names); its series are
 * created on first use of a label-value combination. Updates and rendering
 * are thread-safe (one mutex per registry), so the run loop can update while
 * the HTTP server renders.
 *
 * Ownership: lg_metrics_new() returns a registry the caller owns and frees
 * with lg_metrics_destroy(); families (lg_metric) are owned by the registry
 * and valid until it is destroyed. Strings passed in are copied.
 */
#ifndef LG_PROCESSOR_METRICS_H
#define LG_PROCESSOR_METRICS_H

#include "processor/engine.h"
#include "sinks/strbuf.h"

#include <stddef.h>
#include <stdint.h>

typedef struct lg_metrics lg_metrics;
typedef struct lg_metric lg_metric;

typedef enum lg_metric_type {
    LG_METRIC_COUNTER = 0,
    LG_METRIC_GAUGE = 1,
    LG_METRIC_HISTOGRAM = 2,
} lg_metric_type;

#define LG_METRIC_MAX_LABELS 4
#define LG_METRIC_MAX_BUCKETS 16

/** A new empty registry, or NULL on ENOMEM. */
lg_metrics *lg_metrics_new(void);

/** Frees the registry and its families. NULL is a no-op. */
void lg_metrics_destroy(lg_metrics *m);

/** Registers a family, or returns the one already registered under name
 *  (when its type matches; NULL otherwise). labels: comma-separated label
 *  names ("source,type"), NULL or "" for none (at most 4). Histograms take
 *  increasing upper bounds (at most 16; +Inf is implicit). NULL on a bad
 *  name or ENOMEM. */
lg_metric *lg_metrics_family(lg_metrics *m, lg_metric_type type, const char *name, const char *help,
                             const char *labels, const double *buckets, size_t nbuckets);

/** Counters and gauges: adds v to the series of the label values (one per
 *  label name, in order; NULL when the family has none). A counter ignores
 *  negative v. NULL f is a no-op (so an optional registry costs nothing). */
void lg_metric_add(lg_metric *f, const char *const *values, double v);

/** Sets the series to v: gauges, and counters mirrored from a cumulative
 *  source (e.g. lg_engine_stats). NULL f is a no-op. */
void lg_metric_set(lg_metric *f, const char *const *values, double v);

/** Histograms: records one observation. NULL f is a no-op. */
void lg_metric_observe(lg_metric *f, const char *const *values, double v);
/** Histograms: records the n observations v[0..n) under one lock (a
 *  batch's per-record figures). NULL f or n == 0 is a no-op. */
void lg_metric_observe_n(lg_metric *f, const char *const *values, const double *v, size_t n);

/** Single-label shorthands. */
void lg_metric_add1(lg_metric *f, const char *value, double v);
void lg_metric_set1(lg_metric *f, const char *value, double v);

/** Current value of a counter/gauge series (0 when absent); for tests. */
double lg_metric_value(lg_metric *f, const char *const *values);

/** A gauge computed at render time by fn(opaque) (e.g. the state size).
 *  Returns 0 or -1 (ENOMEM, name taken). opaque is borrowed. */
int lg_metrics_gauge_fn(lg_metrics *m, const char *name, const char *help,
                        double (*fn)(void *opaque), void *opaque);

/** Appends the exposition text of every family, in registration order.
 *  Returns 0 or -1 on ENOMEM. */
int lg_metrics_render(lg_metrics *m, lg_strbuf *out);

/** The daemon's standard families, registered by lg_metrics_std(). Each is
 *  owned by the registry. */
typedef struct lg_metrics_std {
    lg_metric *input_messages; /* counter lineaged_input_messages_total{source} */
    lg_metric *records;        /* counter lineaged_records_total{source} (usable) */
    lg_metric *coalesced;      /* counter lineaged_usage_coalesced_total{source} (two
                                  stages: usable, folded by the parse stage) */
    lg_metric *duplicates;     /* counter lineaged_duplicates_total */
    lg_metric *dedupe_expired; /* counter lineaged_dedupe_expired_total */
    lg_metric *failed_calls;   /* counter lineaged_failed_calls_total */
    lg_metric *deadlettered;   /* counter lineaged_deadlettered_total */
    lg_metric *derived;        /* counter lineaged_derived_events_total{type} */
    lg_metric *batches;        /* counter lineaged_batches_total */
    lg_metric *errors;         /* counter lineaged_errors_total{kind} */
    lg_metric *consumer_lag;   /* gauge lineaged_consumer_lag_messages{topic,partition} */
    lg_metric *commit_latency; /* histogram lineaged_commit_latency_seconds */
    lg_metric *last_commit;    /* gauge lineaged_last_commit_timestamp_seconds */
    lg_metric *commit_phase;   /* histogram lineaged_commit_phase_seconds{stage,phase}
                                  (exactly-once `run`) */
    lg_metric *e2e_latency;    /* histogram lineaged_end_to_end_latency_seconds (`run`) */
} lg_metrics_std;

/** Registers the standard families in m. Returns 0 or -1 (ENOMEM). */
int lg_metrics_std_init(lg_metrics *m, lg_metrics_std *out);

/** Mirrors the engine's cumulative counters (since it was opened) into the
 *  standard families: input messages per source are not in the stats, the
 *  rest are. */
void lg_metrics_std_update(const lg_metrics_std *s, const lg_engine_stats *st);

#endif
