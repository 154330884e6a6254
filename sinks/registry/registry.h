/*
 * sinks/registry/registry.h - a Confluent Schema Registry client (REST v1
 * over sinks/http) and the Confluent wire format of Kafka values.
 *
 * lineaged registers the schema of each derived-event type at start-up
 * under a subject chosen by the subject naming strategy, keeps the ids it
 * got back (a registration of an already registered schema returns the
 * existing id, so restarts are idempotent), and frames each Kafka value as
 * magic byte 0, the 4-byte big-endian schema id, then the Avro binary datum.
 *
 * Errors: every failed call fills errstr with the request, the HTTP status
 * and the registry's own error_code and message, e.g.
 *   schema registry: POST http://sr:8081/subjects/t-value/versions: HTTP 409
 *   (error_code 409): Schema being registered is incompatible ...
 * Transient failures (no connection, timeout, HTTP 5xx/408/429) are retried
 * with a growing pause until the client's deadline; other statuses fail at
 * once.
 *
 * Ownership: the caller owns the client (lg_registry_destroy). Strings in
 * the options are copied. Not thread-safe.
 */
#ifndef LG_SINKS_REGISTRY_REGISTRY_H
#define LG_SINKS_REGISTRY_REGISTRY_H

#include "sinks/http/http.h"
#include "sinks/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Confluent wire format: magic byte + 4-byte big-endian schema id. */
#define LG_REGISTRY_MAGIC 0
#define LG_REGISTRY_HEADER_LEN 5

typedef enum lg_registry_strategy {
    LG_REGISTRY_TOPIC_NAME = 0,        /* "<topic>-value" */
    LG_REGISTRY_RECORD_NAME = 1,       /* "<record full name>" */
    LG_REGISTRY_TOPIC_RECORD_NAME = 2, /* "<topic>-<record full name>" */
} lg_registry_strategy;

/** Parses "TopicNameStrategy", "RecordNameStrategy" or
 *  "TopicRecordNameStrategy" (also the Java class names ending in them);
 *  returns -1 when unknown. */
int lg_registry_strategy_from_name(const char *name);

/** Static name of a strategy ("TopicNameStrategy", ...). */
const char *lg_registry_strategy_name(lg_registry_strategy s);

/** Writes the subject of a value for topic and record (full name,
 *  "namespace.Name") into out. Returns 0, or -1 when it does not fit. */
int lg_registry_subject(lg_registry_strategy s, const char *topic, const char *record, char *out,
                        size_t size);

/** Writes the 5-byte Confluent header of schema id into out. */
void lg_registry_frame_header(int32_t id, unsigned char out[LG_REGISTRY_HEADER_LEN]);

/** Reads the header of a framed value: returns the schema id, or -1 when
 *  len < 5 or the magic byte is not 0. */
int64_t lg_registry_frame_id(const void *value, size_t len);

typedef struct lg_registry lg_registry;

typedef struct lg_registry_opts {
    const char *url;     /* base URL, e.g. "https://sr.example:8081" (trailing '/' ok) */
    lg_http_opts http;   /* basic auth ("user:password"), TLS, per-request timeout */
    int64_t deadline_ms; /* how long one call keeps retrying transient failures; <= 0: 30000 */
} lg_registry_opts;

/** Creates a client. Nothing is sent yet. Returns NULL and fills errstr on
 *  a missing URL or ENOMEM. */
lg_registry *lg_registry_new(const lg_registry_opts *opts, char *errstr, size_t errstr_size);

/** Destroys the client. NULL is a no-op. */
void lg_registry_destroy(lg_registry *r);

/** Registers an Avro schema (its JSON text) under subject
 *  (POST /subjects/{subject}/versions) and sets *id. Registrations are
 *  cached: the same (subject, schema) asks the registry once. Returns 0 or
 *  -1 with errstr. */
int lg_registry_register(lg_registry *r, const char *subject, const char *schema_json, int32_t *id,
                         char *errstr, size_t errstr_size);

/** Fetches the schema text of id (GET /schemas/ids/{id}) into out (reset
 *  first). Returns 0 or -1 with errstr. */
int lg_registry_schema_by_id(lg_registry *r, int32_t id, lg_strbuf *out, char *errstr,
                             size_t errstr_size);

/** Latest version of subject (GET /subjects/{subject}/versions/latest):
 *  sets *id and *version and, when schema is not NULL, its text. Returns 0
 *  or -1 with errstr. */
int lg_registry_latest(lg_registry *r, const char *subject, int32_t *id, int32_t *version,
                       lg_strbuf *schema, char *errstr, size_t errstr_size);

/** Asks whether schema_json is compatible with the latest version of
 *  subject under the subject's compatibility level
 *  (POST /compatibility/subjects/{subject}/versions/latest?verbose=true).
 *  Sets *compatible; when messages is not NULL it gets the registry's
 *  explanations joined by "; ". Returns 0 or -1 with errstr. */
int lg_registry_check_compatibility(lg_registry *r, const char *subject, const char *schema_json,
                                    bool *compatible, lg_strbuf *messages, char *errstr,
                                    size_t errstr_size);

#endif
