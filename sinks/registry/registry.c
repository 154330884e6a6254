/*
 * sinks/registry/registry.c - Schema Registry REST client.
 */
#include "sinks/registry/registry.h"
#include "processor/clock.h"

#include "processor/json/json.h"
#include "sinks/json/json_encode.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_DEADLINE_MS 30000
#define PAUSE_FIRST_MS 200
#define PAUSE_MAX_MS 2000

typedef struct reg_cache {
    char *subject;
    char *schema;
    int32_t id;
} reg_cache;

struct lg_registry {
    char *url; /* without trailing '/' */
    lg_http *http;
    lg_json_parser *json;
    int64_t deadline_ms;
    reg_cache *cache;
    size_t ncache;
    lg_http_response resp;
    lg_strbuf req;
};

static const char *const strategy_names[] = {"TopicNameStrategy", "RecordNameStrategy",
                                             "TopicRecordNameStrategy"};

int lg_registry_strategy_from_name(const char *name) {
    size_t n = strlen(name);
    for (int i = 0; i < 3; i++) {
        size_t m = strlen(strategy_names[i]);
        /* "io.confluent.kafka.serializers.subject.TopicNameStrategy" too */
        if (n >= m && strcmp(name + n - m, strategy_names[i]) == 0 &&
            (n == m || name[n - m - 1] == '.'))
            return i;
    }
    return -1;
}

const char *lg_registry_strategy_name(lg_registry_strategy s) {
    return (unsigned)s < 3 ? strategy_names[s] : "?";
}

int lg_registry_subject(lg_registry_strategy s, const char *topic, const char *record, char *out,
                        size_t size) {
    int n;
    switch (s) {
    case LG_REGISTRY_TOPIC_NAME:
        n = snprintf(out, size, "%s-value", topic);
        break;
    case LG_REGISTRY_RECORD_NAME:
        n = snprintf(out, size, "%s", record);
        break;
    case LG_REGISTRY_TOPIC_RECORD_NAME:
        n = snprintf(out, size, "%s-%s", topic, record);
        break;
    default:
        return -1;
    }
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

void lg_registry_frame_header(int32_t id, unsigned char out[LG_REGISTRY_HEADER_LEN]) {
    uint32_t u = (uint32_t)id;
    out[0] = LG_REGISTRY_MAGIC;
    out[1] = (unsigned char)(u >> 24);
    out[2] = (unsigned char)(u >> 16);
    out[3] = (unsigned char)(u >> 8);
    out[4] = (unsigned char)u;
}

int64_t lg_registry_frame_id(const void *value, size_t len) {
    const unsigned char *p = value;
    if (len < LG_REGISTRY_HEADER_LEN || p[0] != LG_REGISTRY_MAGIC)
        return -1;
    return (int64_t)(int32_t)((uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 |
                              (uint32_t)p[4]);
}

void lg_registry_destroy(lg_registry *r) {
    if (!r)
        return;
    for (size_t i = 0; i < r->ncache; i++) {
        free(r->cache[i].subject);
        free(r->cache[i].schema);
    }
    free(r->cache);
    lg_http_destroy(r->http);
    lg_json_parser_destroy(r->json);
    lg_http_response_free(&r->resp);
    lg_strbuf_free(&r->req);
    free(r->url);
    free(r);
}

lg_registry *lg_registry_new(const lg_registry_opts *opts, char *errstr, size_t errstr_size) {
    if (!opts->url || !*opts->url) {
        snprintf(errstr, errstr_size, "schema registry: no URL configured");
        return NULL;
    }
    lg_registry *r = calloc(1, sizeof(*r));
    if (!r || !(r->url = strdup(opts->url)) || !(r->json = lg_json_parser_new())) {
        snprintf(errstr, errstr_size, "schema registry: out of memory");
        goto fail;
    }
    size_t n = strlen(r->url);
    while (n > 0 && r->url[n - 1] == '/')
        r->url[--n] = '\0';
    r->deadline_ms = opts->deadline_ms > 0 ? opts->deadline_ms : DEFAULT_DEADLINE_MS;
    lg_http_opts ho = opts->http;
    if (ho.timeout_ms <= 0 || ho.timeout_ms > r->deadline_ms)
        ho.timeout_ms = r->deadline_ms;
    if (!(r->http = lg_http_new(&ho, errstr, errstr_size)))
        goto fail;
    return r;
fail:
    lg_registry_destroy(r);
    return NULL;
}

static void pause_ms(int64_t ms) {
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Appends s percent-encoded (RFC 3986 unreserved characters kept). */
static int append_escaped(lg_strbuf *b, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            if (lg_strbuf_putc(b, (char)c) != 0)
                return -1;
        } else if (lg_strbuf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15]) != 0) {
            return -1;
        }
    }
    return 0;
}

static bool transient(long status) {
    return status == 0 || status >= 500 || status == 408 || status == 429;
}

/* Formats a failed response: status, the registry's error_code and
 * message when its body is the usual {"error_code":..,"message":..}. */
static void describe_failure(lg_registry *r, const char *method, const char *url, char *errstr,
                             size_t errstr_size) {
    lg_http_response *resp = &r->resp;
    if (resp->status == 0) {
        snprintf(errstr, errstr_size, "schema registry: %s %s: %s", method, url, resp->error);
        return;
    }
    lg_json_val root;
    char jerr[128];
    int64_t code = 0;
    const char *msg = NULL;
    size_t msglen = 0;
    if (resp->body.len > 0 &&
        lg_json_parse(r->json, resp->body.data, resp->body.len, &root, jerr, sizeof(jerr)) == 0 &&
        lg_json_int(lg_json_get(root, "error_code"), &code) &&
        lg_json_str(lg_json_get(root, "message"), &msg, &msglen)) {
        snprintf(errstr, errstr_size,
                 "schema registry: %s %s: HTTP %ld (error_code %" PRId64 "): %.*s", method, url,
                 resp->status, code, (int)msglen, msg);
        return;
    }
    snprintf(errstr, errstr_size, "schema registry: %s %s: HTTP %ld: %.*s", method, url,
             resp->status, (int)(resp->body.len > 300 ? 300 : resp->body.len),
             resp->body.data ? resp->body.data : "");
}

/* Sends method url (body optional) until a non-transient answer or the
 * deadline. On 2xx parses the body into *root and returns 0; else -1. */
static int call(lg_registry *r, const char *method, const char *path, const char *body,
                lg_json_val *root, char *errstr, size_t errstr_size) {
    static const char *const hdrs[] = {
        "Content-Type: application/vnd.schemaregistry.v1+json",
        "Accept: application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, "
        "application/json",
        NULL};
    char url[2048];
    if ((size_t)snprintf(url, sizeof(url), "%s%s", r->url, path) >= sizeof(url)) {
        snprintf(errstr, errstr_size, "schema registry: URL too long");
        return -1;
    }
    char shown[2048];
    lg_http_redact_url(url, shown, sizeof(shown));
    int64_t deadline = lg_mono_ms() + r->deadline_ms;
    int64_t pause = PAUSE_FIRST_MS;
    for (;;) {
        lg_http_request(r->http, method, url, hdrs, body, body ? strlen(body) : 0, &r->resp);
        if (!transient(r->resp.status) || r->resp.permanent)
            break;
        int64_t left = deadline - lg_mono_ms();
        if (left <= 0) {
            char why[1024];
            describe_failure(r, method, shown, why, sizeof(why));
            snprintf(errstr, errstr_size, "%s (gave up after %" PRId64 " ms of retries)", why,
                     r->deadline_ms);
            return -1;
        }
        int64_t wait = r->resp.retry_after_ms > pause ? r->resp.retry_after_ms : pause;
        pause_ms(wait < left ? wait : left);
        pause = pause * 2 > PAUSE_MAX_MS ? PAUSE_MAX_MS : pause * 2;
    }
    if (r->resp.status == 0 || r->resp.status < 200 || r->resp.status > 299) {
        describe_failure(r, method, shown, errstr, errstr_size);
        return -1;
    }
    char jerr[256];
    if (lg_json_parse(r->json, r->resp.body.data ? r->resp.body.data : "", r->resp.body.len, root,
                      jerr, sizeof(jerr)) != 0) {
        snprintf(errstr, errstr_size,
                 "schema registry: %s %s: HTTP %ld with a body that is not "
                 "JSON: %s",
                 method, shown, r->resp.status, jerr);
        return -1;
    }
    return 0;
}

/* r->req = {"schema": "<schema_json>"} */
static int schema_body(lg_registry *r, const char *schema_json) {
    lg_strbuf_reset(&r->req);
    return lg_strbuf_puts(&r->req, "{\"schema\":") ||
                   lg_json_append_string(&r->req, schema_json, strlen(schema_json)) ||
                   lg_strbuf_putc(&r->req, '}')
               ? -1
               : 0;
}

/* path = prefix + escaped subject + suffix, in a caller buffer */
static int subject_path(const char *prefix, const char *subject, const char *suffix,
                        lg_strbuf *out) {
    lg_strbuf_reset(out);
    return lg_strbuf_puts(out, prefix) || append_escaped(out, subject) ||
                   lg_strbuf_puts(out, suffix)
               ? -1
               : 0;
}

static int get_id(lg_json_val v, const char *key, int32_t *out) {
    int64_t x;
    if (!lg_json_int(lg_json_get(v, key), &x) || x < 0 || x > INT32_MAX)
        return -1;
    *out = (int32_t)x;
    return 0;
}

int lg_registry_register(lg_registry *r, const char *subject, const char *schema_json, int32_t *id,
                         char *errstr, size_t errstr_size) {
    lg_strbuf path = LG_STRBUF_INIT;
    lg_json_val root;
    int rc = -1;
    for (size_t i = 0; i < r->ncache; i++)
        if (!strcmp(r->cache[i].subject, subject) && !strcmp(r->cache[i].schema, schema_json)) {
            *id = r->cache[i].id;
            return 0;
        }
    if (subject_path("/subjects/", subject, "/versions", &path) || schema_body(r, schema_json)) {
        snprintf(errstr, errstr_size, "schema registry: out of memory");
        goto cleanup;
    }
    if (call(r, "POST", path.data, r->req.data, &root, errstr, errstr_size) != 0)
        goto cleanup;
    if (get_id(root, "id", id) != 0) {
        snprintf(errstr, errstr_size, "schema registry: POST %s%s: no \"id\" in the answer", r->url,
                 path.data);
        goto cleanup;
    }
    reg_cache *nc = realloc(r->cache, (r->ncache + 1) * sizeof(*nc));
    if (nc) {
        r->cache = nc;
        reg_cache *e = &nc[r->ncache];
        e->subject = strdup(subject);
        e->schema = strdup(schema_json);
        e->id = *id;
        if (e->subject && e->schema)
            r->ncache++;
        else
            free(e->subject), free(e->schema); /* not cached: asked again next time */
    }
    rc = 0;
cleanup:
    lg_strbuf_free(&path);
    return rc;
}

static int copy_schema(lg_json_val root, lg_strbuf *out) {
    const char *s;
    size_t n;
    if (!lg_json_str(lg_json_get(root, "schema"), &s, &n))
        return -1;
    lg_strbuf_reset(out);
    return lg_strbuf_append(out, s, n);
}

int lg_registry_schema_by_id(lg_registry *r, int32_t id, lg_strbuf *out, char *errstr,
                             size_t errstr_size) {
    char path[64];
    lg_json_val root;
    snprintf(path, sizeof(path), "/schemas/ids/%" PRId32, id);
    if (call(r, "GET", path, NULL, &root, errstr, errstr_size) != 0)
        return -1;
    if (copy_schema(root, out) != 0) {
        snprintf(errstr, errstr_size, "schema registry: GET %s%s: no \"schema\" in the answer",
                 r->url, path);
        return -1;
    }
    return 0;
}

int lg_registry_latest(lg_registry *r, const char *subject, int32_t *id, int32_t *version,
                       lg_strbuf *schema, char *errstr, size_t errstr_size) {
    lg_strbuf path = LG_STRBUF_INIT;
    lg_json_val root;
    int rc = -1;
    if (subject_path("/subjects/", subject, "/versions/latest", &path)) {
        snprintf(errstr, errstr_size, "schema registry: out of memory");
        goto cleanup;
    }
    if (call(r, "GET", path.data, NULL, &root, errstr, errstr_size) != 0)
        goto cleanup;
    if (get_id(root, "id", id) != 0 || get_id(root, "version", version) != 0 ||
        (schema && copy_schema(root, schema) != 0)) {
        snprintf(errstr, errstr_size, "schema registry: GET %s%s: unexpected answer", r->url,
                 path.data);
        goto cleanup;
    }
    rc = 0;
cleanup:
    lg_strbuf_free(&path);
    return rc;
}

int lg_registry_check_compatibility(lg_registry *r, const char *subject, const char *schema_json,
                                    bool *compatible, lg_strbuf *messages, char *errstr,
                                    size_t errstr_size) {
    lg_strbuf path = LG_STRBUF_INIT;
    lg_json_val root, v;
    lg_json_iter it;
    int rc = -1;
    if (subject_path("/compatibility/subjects/", subject, "/versions/latest?verbose=true", &path) ||
        schema_body(r, schema_json)) {
        snprintf(errstr, errstr_size, "schema registry: out of memory");
        goto cleanup;
    }
    if (call(r, "POST", path.data, r->req.data, &root, errstr, errstr_size) != 0)
        goto cleanup;
    if (!lg_json_bool(lg_json_get(root, "is_compatible"), compatible)) {
        snprintf(errstr, errstr_size, "schema registry: POST %s%s: no \"is_compatible\"", r->url,
                 path.data);
        goto cleanup;
    }
    if (messages) {
        lg_strbuf_reset(messages);
        if (lg_json_iter_begin(lg_json_get(root, "messages"), &it)) {
            const char *s;
            size_t n;
            while (lg_json_iter_next(&it, NULL, NULL, &v))
                if (lg_json_str(v, &s, &n) && ((messages->len && lg_strbuf_puts(messages, "; ")) ||
                                               lg_strbuf_append(messages, s, n))) {
                    snprintf(errstr, errstr_size, "schema registry: out of memory");
                    goto cleanup;
                }
        }
    }
    rc = 0;
cleanup:
    lg_strbuf_free(&path);
    return rc;
}
