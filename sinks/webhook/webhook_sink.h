/*
 * sinks/webhook/webhook_sink.h - derived events POSTed as JSON to webhook
 * endpoints (and the revocation hook), with delivery that survives
 * restarts.
 *
 * emit() renders the event for every endpoint whose types include it (its
 * template: json, slack, ticket, revoke) and stages the call in the
 * durable outbox (sinks/webhook/outbox); flush() writes the staged calls
 * with fsync and returns LG_SINK_OK only then. One delivery thread per
 * endpoint POSTs its calls in order, oldest first (so what a previous run
 * left in the outbox goes out first), and deletes a call only after a 2xx
 * answer or once it is dead-lettered. A process that stops (even kill -9)
 * after a successful flush loses nothing: the next sink on the same
 * outbox delivers it. A call may then be delivered twice: receivers
 * de-duplicate on Idempotency-Key.
 *
 * Each request: POST url, body = the rendered event, headers
 *   Content-Type: application/json
 *   User-Agent: lineaged/<version>
 *   Idempotency-Key: <event_id>
 *   X-Lineaged-Event-Id: <event_id>
 *   X-Lineaged-Event-Type: <type>
 *   X-Lineaged-Delivery-Attempt: <1, 2, ...>
 *   X-Lineaged-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 *                                           (when the endpoint has a secret)
 *   and the endpoint's own `header` lines.
 * Answers: 2xx delivered; 5xx, 408, 429 and network errors (timeouts
 * included) are retried after a pause drawn uniformly from
 * [0, min(backoff.max, backoff.initial * 2^(attempt-1))] ("full jitter"),
 * or after Retry-After when the answer has one (capped at one hour), up to
 * max.retries retries; any other status, a permanent transport error (bad
 * TLS certificate, bad URL) or a spent retry budget dead-letters the call:
 * one JSON line in the dead-letter file with endpoint, event, attempts,
 * last status, error and answer, and the body.
 * An endpoint with dry_run sends nothing: each call is recorded in its
 * audit file (outcome "dry_run") and removed. An endpoint with an audit
 * file records every attempt and its answer there (one JSON line each,
 * fsync'd). Calls of endpoints no longer configured are dead-lettered at
 * start-up.
 *
 * Ownership: the caller owns the sink (lg_sink_destroy), which stops the
 * delivery threads (an in-flight request is aborted and stays in the
 * outbox). The endpoints are MOVED into the sink: *opts->endpoints is
 * emptied by the constructor, even when it fails. Other strings are
 * copied. emit/flush/deadletter from one thread.
 */
#ifndef LG_SINKS_WEBHOOK_WEBHOOK_SINK_H
#define LG_SINKS_WEBHOOK_WEBHOOK_SINK_H

#include "sinks/sink.h"
#include "sinks/webhook/endpoint.h"

#include <stddef.h>
#include <stdint.h>

#define LG_WEBHOOK_RETRY_AFTER_CAP_MS 3600000

typedef struct lg_sink_webhook_opts {
    lg_webhook_endpoints *endpoints; /* moved into the sink (see above); at least one */
    const char *outbox_dir;          /* RocksDB directory, created if missing */
    const char *deadletter_path;     /* JSON-lines file, created if missing */
    lg_sink_log_cb log;              /* NULL = stderr */
    void *log_opaque;
} lg_sink_webhook_opts;

typedef struct lg_sink_webhook_stats {
    uint64_t enqueued;     /* calls made durable by flush */
    uint64_t delivered;    /* 2xx answers */
    uint64_t retries;      /* failed attempts that were retried */
    uint64_t deadlettered; /* calls given up */
    uint64_t dry_run;      /* calls recorded without sending */
    uint64_t pending;      /* calls in the outbox, not yet done */
} lg_sink_webhook_stats;

/** Opens the outbox, dead-letters calls of unknown endpoints, starts one
 *  delivery thread per endpoint. Returns NULL with errstr on failure. */
lg_sink *lg_sink_webhook_new(const lg_sink_webhook_opts *opts, char *errstr, size_t errstr_size);

/** Copies the counters into *out. Returns 0, or -1 when s is not a webhook
 *  sink. */
int lg_sink_webhook_get_stats(lg_sink *s, lg_sink_webhook_stats *out);

/** Waits until every flushed call is done (delivered, dead-lettered or
 *  recorded) or timeout_ms passed. Returns 0 when none is pending, 1 on
 *  timeout, -1 when s is not a webhook sink. */
int lg_sink_webhook_drain(lg_sink *s, int timeout_ms);

#endif
