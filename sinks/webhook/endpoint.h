/*
 * sinks/webhook/endpoint.h - webhook endpoint settings and the endpoints
 * file (webhook.endpoints.file).
 *
 * The file is `[name]` sections of `key = value` lines; `#` starts a
 * comment line. Keys (docs/sinks.md has examples):
 *   url              http(s) URL (required)
 *   types            comma-separated derived types; default: all six
 *   template         json | slack | ticket | revoke (default json)
 *   secret           HMAC-SHA256 signing secret (prefer secret.file)
 *   secret.file      file holding the secret (trailing newline ignored)
 *   timeout          per attempt: ms, s, m (default 10s)
 *   max.retries      retries after the first attempt (default 10)
 *   backoff.initial  first pause before a retry (default 1s)
 *   backoff.max      cap of the pause (default 5m)
 *   header           "Name: value", repeatable (e.g. Authorization)
 *   ca.location      PEM CA bundle for https (default: system store)
 *   ssl.verify       true | false (default true)
 *   dry_run          true: record the call in the audit file, do not send
 *   audit.file       JSON-lines record of every attempt and its answer
 * Section names are [A-Za-z0-9_.-]{1,63} and unique.
 *
 * Ownership: lg_webhook_endpoints owns every endpoint and string in it;
 * free it with lg_webhook_endpoints_free().
 */
#ifndef LG_SINKS_WEBHOOK_ENDPOINT_H
#define LG_SINKS_WEBHOOK_ENDPOINT_H

#include "sinks/derived.h"
#include "sinks/webhook/template.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LG_WEBHOOK_NAME_MAX 64

typedef struct lg_webhook_endpoint {
    char name[LG_WEBHOOK_NAME_MAX];
    char *url;
    bool types[LG_DERIVED_TYPE_COUNT];
    lg_webhook_template tmpl;
    char *secret; /* NULL: unsigned */
    size_t secret_len;
    int64_t timeout_ms;
    int64_t max_retries;
    int64_t backoff_initial_ms;
    int64_t backoff_max_ms;
    char **headers; /* "Name: value" */
    size_t nheaders;
    char *ca_file; /* NULL: system store */
    bool no_verify;
    bool dry_run;
    char *audit_file; /* NULL: no audit record */
} lg_webhook_endpoint;

typedef struct lg_webhook_endpoints {
    lg_webhook_endpoint *v;
    size_t n;
} lg_webhook_endpoints;

/** Appends an endpoint with the defaults and the given name (valid and
 *  not yet used). Returns it (owned by eps), or NULL with errstr. */
lg_webhook_endpoint *lg_webhook_endpoints_add(lg_webhook_endpoints *eps, const char *name,
                                              char *errstr, size_t errstr_size);

/** Sets one key of e (file syntax, see above). Returns 0 or -1 with
 *  errstr "KEY: message". */
int lg_webhook_endpoint_set(lg_webhook_endpoint *e, const char *key, const char *value,
                            char *errstr, size_t errstr_size);

/** Appends the endpoints of a file. Returns 0, or -1 with errstr
 *  "FILE:LINE: message" (or "FILE: ..."); every endpoint must have a url. */
int lg_webhook_endpoints_load(lg_webhook_endpoints *eps, const char *path, char *errstr,
                              size_t errstr_size);

/** Checks that every endpoint has a url. Returns 0 or -1 with errstr. */
int lg_webhook_endpoints_check(const lg_webhook_endpoints *eps, char *errstr, size_t errstr_size);

/** Frees everything; eps is then empty. NULL is a no-op. */
void lg_webhook_endpoints_free(lg_webhook_endpoints *eps);

#endif
