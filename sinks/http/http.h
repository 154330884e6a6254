/*
 * sinks/http/http.h - a small HTTP client over libcurl for the sinks that
 * talk HTTP: the Schema Registry client, the webhook and revocation sinks.
 *
 * One lg_http is one libcurl easy handle (connections are kept alive
 * between requests) with fixed options: per-request timeout, TLS (CA file,
 * client certificate and key, verification on/off) and optional basic auth.
 * A request returns 0 when an HTTP response arrived, whatever its status,
 * and -1 on a transport failure (DNS, connect, TLS, timeout, abort), with
 * the reason in the response's error field.
 *
 * Ownership: the caller owns the client (lg_http_destroy) and each response
 * (lg_http_response_free). Strings in the options are copied. Not
 * thread-safe: one client per thread.
 */
#ifndef LG_SINKS_HTTP_HTTP_H
#define LG_SINKS_HTTP_HTTP_H

#include "sinks/strbuf.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lg_http lg_http;

/** Client options; a zeroed struct gives: no auth, system CAs, verify on,
 *  30 s timeout. */
typedef struct lg_http_opts {
    const char *user_info;  /* "user:password" for basic auth, or NULL/"" */
    const char *ca_file;    /* PEM CA bundle, or NULL/"" for the system store */
    const char *cert_file;  /* PEM client certificate (mutual TLS), or NULL/"" */
    const char *key_file;   /* PEM private key of cert_file, or NULL/"" */
    bool no_verify;         /* true: do not verify the server's certificate or name */
    int64_t timeout_ms;     /* whole-request timeout; <= 0 means 30000 */
    const char *user_agent; /* NULL: "lineaged/<version>" */
} lg_http_opts;

/** One response. status is 0 when the request failed before a response. */
typedef struct lg_http_response {
    long status;
    lg_strbuf body;         /* response body (owned), NUL-terminated when non-empty */
    int64_t retry_after_ms; /* Retry-After (seconds or HTTP date) in ms, -1 when absent */
    char error[256];        /* transport error when the request returned -1, else "" */
    bool permanent;         /* transport error that a retry cannot fix (bad URL, TLS
                               certificate or key, unsupported protocol) */
} lg_http_response;

/** Creates a client. Returns NULL and fills errstr on failure (ENOMEM,
 *  libcurl initialisation). */
lg_http *lg_http_new(const lg_http_opts *opts, char *errstr, size_t errstr_size);

/** Destroys the client. NULL is a no-op. */
void lg_http_destroy(lg_http *h);

/** A flag the client polls while a request is in flight: once it reads
 *  true the request is aborted (returns -1, error "aborted"). Borrowed;
 *  must outlive the client. NULL removes it. */
void lg_http_set_abort_flag(lg_http *h, const atomic_bool *flag);

/** Sends one request. method is "GET", "POST", "PUT"...; headers is a
 *  NULL-terminated array of "Name: value" strings (borrowed, may be NULL);
 *  body/len is sent when body is not NULL. The response is reset first and
 *  filled. Returns 0 when a response arrived (any status), -1 otherwise. */
int lg_http_request(lg_http *h, const char *method, const char *url, const char *const *headers,
                    const void *body, size_t len, lg_http_response *resp);

/** Frees the response's body; the struct can be reused. NULL is a no-op. */
void lg_http_response_free(lg_http_response *resp);

/** Parses a Retry-After value: delta-seconds or an IMF-fixdate, relative to
 *  now_unix (seconds). Returns milliseconds (>= 0) or -1 when unparsable. */
int64_t lg_http_parse_retry_after(const char *value, int64_t now_unix);

/** Copies url into out with any "user:password@" removed (for logs and audit
 *  records). Returns out. */
char *lg_http_redact_url(const char *url, char *out, size_t size);

#endif
