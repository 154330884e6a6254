/*
 * sinks/sink.h - the sink interface. A sink takes derived events (and
 * dead-letter records) and delivers them somewhere: stdout, a file, Kafka.
 *
 * Delivery contract: lg_sink_emit() hands an event over; lg_sink_flush()
 * returns only when everything emitted so far is durable at the destination
 * (or reports failure). The engine commits input positions only after a
 * successful flush, so a sink must never report success for data it may
 * still lose.
 *
 * Ownership: the caller owns the lg_sink and frees it with lg_sink_destroy().
 * Events passed to emit are borrowed for the duration of the call.
 */
#ifndef LG_SINKS_SINK_H
#define LG_SINKS_SINK_H

#include "sinks/derived.h"

#include <stddef.h>

typedef enum lg_sink_result {
    LG_SINK_OK = 0,
    LG_SINK_RETRY = 1, /* transient: the same call may succeed later */
    LG_SINK_DROP = 2,  /* permanent for this item: dead-letter it */
    LG_SINK_FATAL = 3, /* the sink cannot continue */
} lg_sink_result;

/** A dead-letter item: input that could not be used. */
typedef struct lg_deadletter {
    const char *source; /* "cloudtrail", ... or "unknown" */
    const char *reason; /* human-readable */
    const char *origin; /* "file:PATH:LINE" or "kafka:TOPIC/PARTITION@OFFSET" */
    const char *topic;  /* Kafka input topic or NULL */
    int32_t partition;  /* -1 when not from Kafka */
    int64_t offset;     /* -1 when not from Kafka */
    const void *raw;    /* the original bytes */
    size_t rawlen;
} lg_deadletter;

typedef struct lg_sink lg_sink;

/** Log callback of sinks that log (webhooks, outputs): level is a syslog
 *  level (3 error, 4 warning, 6 info, 7 debug); msg is borrowed for the
 *  call. May be called from a sink's own threads. */
typedef void (*lg_sink_log_cb)(void *opaque, int level, const char *msg);

/** Implementation table: a sink is a vtable plus its state. Implementations
 *  live in sinks/<name>/ and provide a constructor returning lg_sink*. */
typedef struct lg_sink_ops {
    const char *name;
    lg_sink_result (*emit)(void *self, const lg_derived *ev, char *errstr, size_t errstr_size);
    lg_sink_result (*deadletter)(void *self, const lg_deadletter *dl, char *errstr,
                                 size_t errstr_size);
    lg_sink_result (*flush)(void *self, int timeout_ms, char *errstr, size_t errstr_size);
    void (*destroy)(void *self);
} lg_sink_ops;

/** Wraps an implementation. ops is static; self is owned by the new sink and
 *  destroyed with it. Returns NULL on ENOMEM (self is then destroyed). */
lg_sink *lg_sink_new(const lg_sink_ops *ops, void *self);

lg_sink_result lg_sink_emit(lg_sink *s, const lg_derived *ev, char *errstr, size_t errstr_size);
lg_sink_result lg_sink_deadletter(lg_sink *s, const lg_deadletter *dl, char *errstr,
                                  size_t errstr_size);
lg_sink_result lg_sink_flush(lg_sink *s, int timeout_ms, char *errstr, size_t errstr_size);

/** The implementation state of s when s was made with ops, else NULL. Lets a
 *  transport offer typed extras (e.g. lg_sink_kafka_get_stats). Borrowed. */
void *lg_sink_impl(lg_sink *s, const lg_sink_ops *ops);

/** The implementation's name (ops->name); static string. */
const char *lg_sink_name(const lg_sink *s);

/** Destroys the sink. NULL is a no-op. */
void lg_sink_destroy(lg_sink *s);

#endif
