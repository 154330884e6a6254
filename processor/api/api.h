/*
 * processor/api/api.h - the HTTP API and the lineage map (libmicrohttpd).
 *
 * Endpoints (GET; JSON unless said otherwise; every query takes as_of=TIME,
 * ISO-8601 or a date meaning its end of day UTC):
 *   /api/owner?id=ID           owner, chain with evidence, confidence, dependants
 *   /api/owns?person=P         everything P owns, grouped by system and kind
 *   /api/offboard?person=P[&unused_days=N]  recommendations per identity
 *   /api/orphans               current orphans and ownerless privileged keys
 *   /api/review?format=csv|json  access-review export
 *   /api/search?q=TEXT[&limit=N]  the map's search box
 *   /api/node?id=ID            details and evidence of one identity
 *   /api/graph?id=ID&depth=N   a subgraph for the map (depth 1..8)
 *   /api/events[?since=SEQ]    recent derived events (the live feed)
 *   /api/events/stream         the same as Server-Sent Events
 *   /healthz /readyz           liveness, readiness (state open and fresh)
 *   /metrics                   Prometheus text exposition
 *   /  /map.js  /map.css       the lineage map (embedded at build time)
 *
 * Security: listens on loopback unless told otherwise; bound to any other
 * address it refuses to start without a bearer token. With a token, every
 * request but /healthz, /readyz and the map's static files must carry
 * "Authorization: Bearer TOKEN" (compared in constant time), else 401.
 *
 * Queries run on a RocksDB secondary instance of the state directory
 * (processor/api/reader.h), refreshed at most every refresh_ms, one request
 * at a time (the graph is not thread-safe); the feed and metrics are
 * thread-safe and can be fed from the daemon's loop.
 *
 * Ownership: lg_api_start() copies what it needs from opts (metrics is
 * borrowed and must outlive the server); the caller owns the server and
 * stops it with lg_api_stop().
 */
#ifndef LG_PROCESSOR_API_API_H
#define LG_PROCESSOR_API_API_H

#include "processor/config.h"
#include "processor/metrics.h"
#include "sinks/derived.h"
#include "sinks/sink.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct lg_api lg_api;

typedef struct lg_api_opts {
    const char *listen;      /* "HOST:PORT", "[v6]:PORT"; port 0 = any free port */
    const char *token;       /* bearer token; NULL or "" = none (loopback only) */
    const char *state_dir;   /* the lineage state to answer from */
    size_t cache_mb;         /* RocksDB block cache of the reader; 0 = 64 */
    int refresh_ms;          /* catch up with the daemon at most this often; 0 = 1000 */
    lg_metrics *metrics;     /* borrowed; NULL = a registry of the server's own */
    const char *events_file; /* follow this JSON-lines file of derived events; may be NULL */
    size_t feed_size;        /* derived events kept for the feed; 0 = 500 */
    bool start_unready;      /* /readyz says 503 until lg_api_set_ready(true) */
    bool wait_for_state;     /* a state directory with no state yet is fine (the
                                daemon's before its first partition): queries
                                and /readyz answer 503 until it appears; else
                                lg_api_start fails */
} lg_api_opts;

/** Fills listen and token from the configuration (api.listen, api.token,
 *  api.token.file: the file's first line). *token_owned receives a malloc'd
 *  token read from the file (the caller frees it; opts->token points to it
 *  or into c). Returns 0, or -1 with errstr (unreadable token file). */
int lg_api_opts_from_config(const lg_config *c, lg_api_opts *opts, char **token_owned, char *errstr,
                            size_t errstr_size);

/** True when host (an address or "localhost") is a loopback address. */
bool lg_api_is_loopback(const char *host);

/** Starts the server. Returns NULL with errstr when the address is bad or
 *  busy, a non-loopback address has no token, or the state cannot be
 *  opened. An empty listen string is an error: callers skip the API. */
lg_api *lg_api_start(const lg_api_opts *opts, char *errstr, size_t errstr_size);

/** The daemon's one call: the server for c (api.listen, api.token,
 *  api.token.file, api.refresh, cache.mb) over state_dir, with metrics (may
 *  be NULL), waiting for the state to appear. Returns NULL with errstr on
 *  error, and NULL with an empty errstr when api.listen is empty (the API
 *  is disabled). */
lg_api *lg_api_start_config(const lg_config *c, const char *state_dir, lg_metrics *metrics,
                            char *errstr, size_t errstr_size);

/** The port the server listens on (useful with port 0). */
int lg_api_port(const lg_api *a);

/** Writes "http://HOST:PORT/" into buf: the host of listen (api.listen,
 *  HOST:PORT or [V6]:PORT) and the port the server really listens on (so
 *  port 0 shows the one it was given). */
void lg_api_url(const lg_api *a, const char *listen, char *buf, size_t size);

/** The metrics registry the server renders at /metrics (borrowed). */
lg_metrics *lg_api_metrics(lg_api *a);

/** Readiness reported by /readyz (with the state being open). */
void lg_api_set_ready(lg_api *a, bool ready);

/** Adds a derived event to the live feed (thread-safe; ev is copied). */
void lg_api_publish(lg_api *a, const lg_derived *ev);

/** A sink whose emit publishes to the feed and always succeeds (for a tee
 *  beside the real output). The caller owns it (lg_sink_destroy) and must
 *  destroy it before stopping the server. NULL on ENOMEM. */
lg_sink *lg_api_feed_sink(lg_api *a);

/** Stops the server, ends open event streams and closes the state. NULL is a
 *  no-op. */
void lg_api_stop(lg_api *a);

#endif
