/*
 * sinks/webhook/webhook_sink.c - outbox-backed webhook delivery.
 */
#include "sinks/webhook/webhook_sink.h"
#include "processor/clock.h"

#include "sinks/http/http.h"
#include "sinks/json/json_encode.h"
#include "sinks/webhook/outbox.h"
#include "sinks/webhook/sign.h"
#include "sinks/webhook/template.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RESPONSE_KEEP 2048 /* bytes of an answer kept in audit/dead-letter records */
#define READ_ERROR_PAUSE_MS 1000

typedef struct webhook_sink webhook_sink;

typedef struct ep_state {
    webhook_sink *w;
    size_t index;
    pthread_t thread;
    bool started;
    lg_http *http;
    int audit_fd; /* -1: no audit */
    atomic_uint_fast64_t pending;
    uint64_t staged; /* writer: staged since the last commit */
    unsigned int seed;
} ep_state;

struct webhook_sink {
    lg_webhook_endpoints eps;
    ep_state *ep;
    lg_outbox *outbox;
    int dl_fd;
    lg_sink_log_cb log;
    void *log_opaque;
    pthread_mutex_t mu;
    pthread_cond_t cond; /* commits, stop */
    uint64_t generation; /* bumped by each commit (under mu) */
    atomic_bool stop;
    bool sync_ok; /* mu and cond initialised */
    atomic_uint_fast64_t enqueued, delivered, retries, deadlettered, dry_run;
    lg_strbuf val; /* writer scratch */
};

static void wh_log(const webhook_sink *w, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void wh_log(const webhook_sink *w, int level, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (w->log)
        w->log(w->log_opaque, level, msg);
    else
        fprintf(stderr, "lineaged: sinks/webhook: %s\n", msg);
}

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits on the sink's condition until deadline (monotonic ms) or stop. */
static void wait_until(webhook_sink *w, int64_t deadline) {
    pthread_mutex_lock(&w->mu);
    while (!atomic_load(&w->stop)) {
        int64_t left = deadline - lg_mono_ms();
        if (left <= 0)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += (time_t)(left / 1000);
        ts.tv_nsec += (long)(left % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L)
            ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&w->cond, &w->mu, &ts);
    }
    pthread_mutex_unlock(&w->mu);
}

/* Appends line + '\n' to fd and fsyncs. Returns 0 or -1 (errno). */
static int append_line(int fd, lg_strbuf *line) {
    if (lg_strbuf_putc(line, '\n') != 0)
        return -1;
    const char *p = line->data;
    size_t left = line->len;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        left -= (size_t)n;
    }
    return fsync(fd);
}

static int open_append(const char *path, char *errstr, size_t errstr_size) {
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        snprintf(errstr, errstr_size, "webhook sink: %s: %s", path, strerror(errno));
    return fd;
}

/* A stored call: "<type>\0<event_id>\0<body>". */
typedef struct call {
    const char *type, *event_id, *body;
    size_t body_len;
} call;

static int parse_call(const char *v, size_t len, call *c) {
    const char *z1 = memchr(v, '\0', len);
    const char *z2 = z1 ? memchr(z1 + 1, '\0', len - (size_t)(z1 + 1 - v)) : NULL;
    if (!z2)
        return -1;
    c->type = v;
    c->event_id = z1 + 1;
    c->body = z2 + 1;
    c->body_len = len - (size_t)(z2 + 1 - v);
    return 0;
}

typedef struct outcome {
    const char *what; /* "delivered", "retry", "dead_letter", "dry_run" */
    int attempt;
    long status;
    const char *error; /* or NULL */
    const lg_strbuf *response;
    int64_t retry_in_ms; /* for "retry" */
} outcome;

/* Appends the members shared by audit and dead-letter records. */
static int put_record_head(lg_strbuf *b, const lg_webhook_endpoint *e, const call *c,
                           const outcome *o) {
    char t[40], url[2048];
    lg_http_redact_url(e->url, url, sizeof(url));
    if (lg_strbuf_printf(
            b, "{\"time\":\"%s\",\"endpoint\":", lg_json_format_time(wall_ms(), t, sizeof(t))) ||
        lg_json_append_string(b, e->name, strlen(e->name)) || lg_strbuf_puts(b, ",\"url\":") ||
        lg_json_append_string(b, url, strlen(url)) || lg_strbuf_puts(b, ",\"event_id\":") ||
        lg_json_append_string(b, c->event_id, strlen(c->event_id)) ||
        lg_strbuf_puts(b, ",\"type\":") || lg_json_append_string(b, c->type, strlen(c->type)) ||
        lg_strbuf_printf(b, ",\"outcome\":\"%s\",\"attempt\":%d,\"dry_run\":%s", o->what,
                         o->attempt, e->dry_run ? "true" : "false"))
        return -1;
    if (o->status ? lg_strbuf_printf(b, ",\"status\":%ld", o->status)
                  : lg_strbuf_puts(b, ",\"status\":null"))
        return -1;
    if (lg_strbuf_puts(b, ",\"error\":") ||
        (o->error ? lg_json_append_string(b, o->error, strlen(o->error))
                  : lg_strbuf_puts(b, "null")) ||
        lg_strbuf_puts(b, ",\"response\":"))
        return -1;
    if (o->response && o->response->len)
        return lg_json_append_string(b, o->response->data,
                                     o->response->len > RESPONSE_KEEP ? RESPONSE_KEEP
                                                                      : o->response->len);
    return lg_strbuf_puts(b, "null");
}

static void record(ep_state *ep, int fd, const char *what, const call *c, const outcome *o) {
    webhook_sink *w = ep->w;
    const lg_webhook_endpoint *e = &w->eps.v[ep->index];
    lg_strbuf b = LG_STRBUF_INIT;
    int rc = put_record_head(&b, e, c, o);
    if (!rc && !strcmp(o->what, "retry"))
        rc = lg_strbuf_printf(&b, ",\"retry_in_ms\":%" PRId64, o->retry_in_ms);
    rc = rc || lg_strbuf_puts(&b, ",\"request\":") || lg_strbuf_append(&b, c->body, c->body_len) ||
         lg_strbuf_putc(&b, '}') || append_line(fd, &b);
    if (rc)
        wh_log(w, 3, "endpoint %s: cannot write the %s record of event %s: %s", e->name, what,
               c->event_id, strerror(errno));
    lg_strbuf_free(&b);
}

static bool retryable(const lg_http_response *r) {
    if (r->status == 0)
        return !r->permanent;
    return r->status >= 500 || r->status == 408 || r->status == 429;
}

/* Pause before retry number `attempt` (1-based): full jitter, or
 * Retry-After when the server gave one. */
static int64_t backoff_ms(ep_state *ep, int attempt, int64_t retry_after_ms) {
    const lg_webhook_endpoint *e = &ep->w->eps.v[ep->index];
    if (retry_after_ms >= 0)
        return retry_after_ms > LG_WEBHOOK_RETRY_AFTER_CAP_MS ? LG_WEBHOOK_RETRY_AFTER_CAP_MS
                                                              : retry_after_ms;
    int64_t cap = e->backoff_initial_ms;
    for (int i = 1; i < attempt && cap < e->backoff_max_ms; i++)
        cap *= 2;
    if (cap > e->backoff_max_ms)
        cap = e->backoff_max_ms;
    uint64_t r = ((uint64_t)rand_r(&ep->seed) << 31) ^ (uint64_t)rand_r(&ep->seed);
    return (int64_t)(r % (uint64_t)(cap + 1));
}

/* Builds the request headers into hdr (owned strings in store). */
static void build_headers(const lg_webhook_endpoint *e, const call *c, int attempt,
                          char store[6][160], const char **hdr) {
    size_t n = 0;
    hdr[n++] = "Content-Type: application/json";
    snprintf(store[0], sizeof(store[0]), "Idempotency-Key: %.100s", c->event_id);
    snprintf(store[1], sizeof(store[1]), "X-Lineaged-Event-Id: %.100s", c->event_id);
    snprintf(store[2], sizeof(store[2]), "X-Lineaged-Event-Type: %.100s", c->type);
    snprintf(store[3], sizeof(store[3]), "X-Lineaged-Delivery-Attempt: %d", attempt);
    for (int i = 0; i < 4; i++)
        hdr[n++] = store[i];
    if (e->secret) {
        char sig[LG_WEBHOOK_SIGNATURE_MAX];
        if (lg_webhook_sign(e->secret, e->secret_len, (int64_t)time(NULL), c->body, c->body_len,
                            sig) == 0) {
            snprintf(store[4], sizeof(store[4]), LG_WEBHOOK_SIGNATURE_HEADER ": %s", sig);
            hdr[n++] = store[4];
        }
    }
    for (size_t i = 0; i < e->nheaders; i++)
        hdr[n++] = e->headers[i];
    hdr[n] = NULL;
}

/* "HTTP 503" or the transport error, for logs. */
static const char *answer(const lg_http_response *r, char *buf, size_t size) {
    if (r->status)
        snprintf(buf, size, "HTTP %ld", r->status);
    else
        snprintf(buf, size, "%s", r->error);
    return buf;
}

/* Delivers one call: returns 0 when it is done (delivered, dead-lettered,
 * recorded) and may be deleted, 1 when the sink is stopping. */
static int deliver(ep_state *ep, const call *c) {
    webhook_sink *w = ep->w;
    const lg_webhook_endpoint *e = &w->eps.v[ep->index];
    lg_http_response resp = {0};
    char store[6][160], why[300];
    const char **hdr = calloc(e->nheaders + 8, sizeof(*hdr));
    int rc = 1;
    if (!hdr)
        return 1; /* retried on the next start */
    for (int attempt = 1; !atomic_load(&w->stop); attempt++) {
        outcome o = {.attempt = attempt, .response = &resp.body};
        if (e->dry_run) {
            o.what = "dry_run";
            if (ep->audit_fd >= 0)
                record(ep, ep->audit_fd, "audit", c, &o);
            atomic_fetch_add(&w->dry_run, 1);
            wh_log(w, 6, "endpoint %s: dry run: %s %s recorded, not sent", e->name, c->type,
                   c->event_id);
            rc = 0;
            break;
        }
        build_headers(e, c, attempt, store, hdr);
        lg_http_request(ep->http, "POST", e->url, hdr, c->body, c->body_len, &resp);
        if (resp.status == 0 && atomic_load(&w->stop))
            break; /* aborted by destroy: stays in the outbox */
        o.status = resp.status;
        o.error = resp.status ? NULL : resp.error;
        if (resp.status >= 200 && resp.status <= 299) {
            o.what = "delivered";
            if (ep->audit_fd >= 0)
                record(ep, ep->audit_fd, "audit", c, &o);
            atomic_fetch_add(&w->delivered, 1);
            rc = 0;
            break;
        }
        if (retryable(&resp) && attempt <= e->max_retries) {
            o.what = "retry";
            o.retry_in_ms = backoff_ms(ep, attempt, resp.retry_after_ms);
            if (ep->audit_fd >= 0)
                record(ep, ep->audit_fd, "audit", c, &o);
            atomic_fetch_add(&w->retries, 1);
            wh_log(w, 4, "endpoint %s: %s %s attempt %d: %s%ld%s; retry in %" PRId64 " ms", e->name,
                   c->type, c->event_id, attempt, resp.status ? "HTTP " : "", resp.status,
                   resp.status ? "" : resp.error, o.retry_in_ms);
            wait_until(w, lg_mono_ms() + o.retry_in_ms);
            continue;
        }
        o.what = "dead_letter";
        record(ep, w->dl_fd, "dead-letter", c, &o);
        if (ep->audit_fd >= 0)
            record(ep, ep->audit_fd, "audit", c, &o);
        atomic_fetch_add(&w->deadlettered, 1);
        wh_log(w, 3, "endpoint %s: %s %s dead-lettered after %d attempt(s): %s", e->name, c->type,
               c->event_id, attempt, answer(&resp, why, sizeof(why)));
        rc = 0;
        break;
    }
    lg_http_response_free(&resp);
    free(hdr);
    return rc;
}

static void *ep_thread(void *arg) {
    ep_state *ep = arg;
    webhook_sink *w = ep->w;
    const char *name = w->eps.v[ep->index].name;
    uint64_t cursor = 0;
    char err[512];
    while (!atomic_load(&w->stop)) {
        pthread_mutex_lock(&w->mu);
        uint64_t gen = w->generation;
        pthread_mutex_unlock(&w->mu);
        lg_outbox_entry ent;
        int r = lg_outbox_next(w->outbox, name, cursor, &ent, err, sizeof(err));
        if (r < 0) {
            wh_log(w, 3, "endpoint %s: %s", name, err);
            wait_until(w, lg_mono_ms() + READ_ERROR_PAUSE_MS);
            continue;
        }
        if (r == 0) {
            pthread_mutex_lock(&w->mu);
            while (gen == w->generation && !atomic_load(&w->stop))
                pthread_cond_wait(&w->cond, &w->mu);
            pthread_mutex_unlock(&w->mu);
            continue;
        }
        call c;
        int done = 0;
        if (parse_call(ent.value, ent.len, &c) != 0)
            wh_log(w, 3, "endpoint %s: outbox entry %" PRIu64 " is corrupt: dropped", name,
                   ent.seq);
        else
            done = deliver(ep, &c);
        if (done == 0) {
            if (lg_outbox_delete(w->outbox, name, ent.seq, err, sizeof(err)) != 0)
                wh_log(w, 3, "endpoint %s: %s", name, err);
            cursor = ent.seq + 1;
            atomic_fetch_sub(&ep->pending, 1);
            pthread_mutex_lock(&w->mu);
            pthread_cond_broadcast(&w->cond); /* drain() waits on it */
            pthread_mutex_unlock(&w->mu);
        } else {
            wait_until(w, lg_mono_ms() + READ_ERROR_PAUSE_MS); /* out of memory: later */
        }
        free(ent.value);
    }
    return NULL;
}

static ep_state *find_ep(webhook_sink *w, const char *name) {
    for (size_t i = 0; i < w->eps.n; i++)
        if (strcmp(w->eps.v[i].name, name) == 0)
            return &w->ep[i];
    return NULL;
}

/* Start-up scan: count pending calls per endpoint and dead-letter the
 * calls of endpoints that are no longer configured. */
typedef struct orphan_call {
    char name[LG_WEBHOOK_NAME_MAX];
    uint64_t seq;
} orphan_call;

typedef struct scan_ctx {
    webhook_sink *w;
    orphan_call *orphans;
    size_t norphans;
} scan_ctx;

static int scan_entry(void *opaque, const char *endpoint, uint64_t seq, const char *v, size_t len) {
    scan_ctx *sc = opaque;
    webhook_sink *w = sc->w;
    ep_state *ep = find_ep(w, endpoint);
    if (ep) {
        atomic_fetch_add(&ep->pending, 1);
        return 0;
    }
    call c;
    lg_strbuf b = LG_STRBUF_INIT;
    if (parse_call(v, len, &c) == 0) {
        char t[40];
        int rc = lg_strbuf_printf(&b, "{\"time\":\"%s\",\"endpoint\":",
                                  lg_json_format_time(wall_ms(), t, sizeof(t))) ||
                 lg_json_append_string(&b, endpoint, strlen(endpoint)) ||
                 lg_strbuf_puts(&b, ",\"event_id\":") ||
                 lg_json_append_string(&b, c.event_id, strlen(c.event_id)) ||
                 lg_strbuf_puts(&b, ",\"type\":") ||
                 lg_json_append_string(&b, c.type, strlen(c.type)) ||
                 lg_strbuf_puts(&b, ",\"outcome\":\"dead_letter\",\"attempt\":0,\"status\":null,"
                                    "\"error\":\"endpoint no longer configured\",\"request\":") ||
                 lg_strbuf_append(&b, c.body, c.body_len) || lg_strbuf_putc(&b, '}') ||
                 append_line(w->dl_fd, &b);
        lg_strbuf_free(&b);
        if (rc)
            return 1;
        atomic_fetch_add(&w->deadlettered, 1);
    }
    orphan_call *no = realloc(sc->orphans, (sc->norphans + 1) * sizeof(*no));
    if (!no)
        return 1;
    sc->orphans = no;
    snprintf(no[sc->norphans].name, sizeof(no[0].name), "%s", endpoint);
    no[sc->norphans++].seq = seq;
    return 0;
}

static int startup_scan(webhook_sink *w, char *errstr, size_t errstr_size) {
    scan_ctx sc = {.w = w};
    int rc = lg_outbox_scan(w->outbox, scan_entry, &sc, errstr, errstr_size);
    if (rc > 0)
        snprintf(errstr, errstr_size,
                 "webhook sink: cannot dead-letter the calls of removed "
                 "endpoints: %s",
                 strerror(errno));
    for (size_t i = 0; rc == 0 && i < sc.norphans; i++)
        rc =
            lg_outbox_delete(w->outbox, sc.orphans[i].name, sc.orphans[i].seq, errstr, errstr_size);
    if (rc == 0 && sc.norphans)
        wh_log(w, 4, "%zu call(s) of endpoints no longer configured were dead-lettered",
               sc.norphans);
    free(sc.orphans);
    return rc ? -1 : 0;
}

static lg_sink_result wh_emit(void *self, const lg_derived *ev, char *errstr, size_t errstr_size) {
    webhook_sink *w = self;
    if ((int)ev->type < 0 || (int)ev->type >= LG_DERIVED_TYPE_COUNT) {
        snprintf(errstr, errstr_size, "webhook sink: unknown derived type %d", (int)ev->type);
        return LG_SINK_DROP;
    }
    const char *type = lg_derived_type_name(ev->type);
    const char *id = ev->event_id ? ev->event_id : "";
    for (size_t i = 0; i < w->eps.n; i++) {
        const lg_webhook_endpoint *e = &w->eps.v[i];
        if (!e->types[ev->type])
            continue;
        lg_strbuf_reset(&w->val);
        if (lg_strbuf_append(&w->val, type, strlen(type) + 1) ||
            lg_strbuf_append(&w->val, id, strlen(id) + 1) ||
            lg_webhook_render(e->tmpl, ev, &w->val) ||
            lg_outbox_stage(w->outbox, e->name, w->val.data, w->val.len)) {
            snprintf(errstr, errstr_size, "webhook sink: out of memory");
            return LG_SINK_RETRY;
        }
        w->ep[i].staged++;
    }
    return LG_SINK_OK;
}

static lg_sink_result wh_deadletter(void *self, const lg_deadletter *dl, char *errstr,
                                    size_t errstr_size) {
    (void)self, (void)dl, (void)errstr, (void)errstr_size;
    return LG_SINK_OK; /* input dead letters are not webhook business */
}

static lg_sink_result wh_flush(void *self, int timeout_ms, char *errstr, size_t errstr_size) {
    (void)timeout_ms;
    webhook_sink *w = self;
    if (lg_outbox_staged(w->outbox) == 0)
        return LG_SINK_OK;
    /* counted before the commit makes them visible to the delivery threads,
     * so a fast delivery never takes a count below zero */
    uint64_t total = 0;
    for (size_t i = 0; i < w->eps.n; i++) {
        atomic_fetch_add(&w->ep[i].pending, w->ep[i].staged);
        total += w->ep[i].staged;
    }
    if (lg_outbox_commit(w->outbox, errstr, errstr_size) != 0) {
        for (size_t i = 0; i < w->eps.n; i++)
            atomic_fetch_sub(&w->ep[i].pending, w->ep[i].staged);
        return LG_SINK_RETRY;
    }
    for (size_t i = 0; i < w->eps.n; i++)
        w->ep[i].staged = 0;
    atomic_fetch_add(&w->enqueued, total);
    pthread_mutex_lock(&w->mu);
    w->generation++;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->mu);
    return LG_SINK_OK;
}

static void wh_destroy(void *self) {
    webhook_sink *w = self;
    if (!w)
        return;
    if (w->sync_ok) {
        pthread_mutex_lock(&w->mu);
        atomic_store(&w->stop, true);
        pthread_cond_broadcast(&w->cond);
        pthread_mutex_unlock(&w->mu);
    }
    for (size_t i = 0; w->ep && i < w->eps.n; i++) {
        if (w->ep[i].started)
            pthread_join(w->ep[i].thread, NULL);
        lg_http_destroy(w->ep[i].http);
        if (w->ep[i].audit_fd >= 0)
            close(w->ep[i].audit_fd);
    }
    if (w->outbox && lg_outbox_staged(w->outbox))
        wh_log(w, 4, "destroyed with %zu call(s) not flushed", lg_outbox_staged(w->outbox));
    lg_outbox_close(w->outbox);
    if (w->dl_fd >= 0)
        close(w->dl_fd);
    if (w->sync_ok) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cond);
    }
    lg_webhook_endpoints_free(&w->eps);
    free(w->ep);
    lg_strbuf_free(&w->val);
    free(w);
}

static const lg_sink_ops webhook_ops = {
    .name = "webhook",
    .emit = wh_emit,
    .deadletter = wh_deadletter,
    .flush = wh_flush,
    .destroy = wh_destroy,
};

static int init_sync(webhook_sink *w) {
    if (lg_mono_cond_init(&w->cond) != 0)
        return -1;
    if (pthread_mutex_init(&w->mu, NULL) != 0) {
        pthread_cond_destroy(&w->cond);
        return -1;
    }
    w->sync_ok = true;
    return 0;
}

lg_sink *lg_sink_webhook_new(const lg_sink_webhook_opts *opts, char *errstr, size_t errstr_size) {
    webhook_sink *w = calloc(1, sizeof(*w));
    lg_webhook_endpoints moved = *opts->endpoints;
    memset(opts->endpoints, 0, sizeof(*opts->endpoints));
    if (!w) {
        lg_webhook_endpoints_free(&moved);
        snprintf(errstr, errstr_size, "webhook sink: out of memory");
        return NULL;
    }
    w->eps = moved;
    w->dl_fd = -1;
    w->log = opts->log;
    w->log_opaque = opts->log_opaque;
    if (w->eps.n == 0 || !opts->outbox_dir || !opts->deadletter_path) {
        snprintf(errstr, errstr_size, "webhook sink: no endpoint, outbox or dead-letter path");
        goto fail;
    }
    if (lg_webhook_endpoints_check(&w->eps, errstr, errstr_size) != 0)
        goto fail;
    if (!(w->ep = calloc(w->eps.n, sizeof(*w->ep))) || init_sync(w) != 0) {
        snprintf(errstr, errstr_size, "webhook sink: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < w->eps.n; i++)
        w->ep[i].audit_fd = -1;
    if ((w->dl_fd = open_append(opts->deadletter_path, errstr, errstr_size)) < 0)
        goto fail;
    if (mkdir(opts->outbox_dir, 0750) != 0 && errno != EEXIST) {
        snprintf(errstr, errstr_size, "webhook sink: %s: %s", opts->outbox_dir, strerror(errno));
        goto fail;
    }
    if (!(w->outbox = lg_outbox_open(opts->outbox_dir, errstr, errstr_size)))
        goto fail;
    for (size_t i = 0; i < w->eps.n; i++) {
        const lg_webhook_endpoint *e = &w->eps.v[i];
        ep_state *ep = &w->ep[i];
        ep->w = w;
        ep->index = i;
        ep->seed = (unsigned int)(wall_ms() ^ (int64_t)(i * 2654435761u));
        lg_http_opts ho = {
            .ca_file = e->ca_file, .no_verify = e->no_verify, .timeout_ms = e->timeout_ms};
        if (!(ep->http = lg_http_new(&ho, errstr, errstr_size)))
            goto fail;
        lg_http_set_abort_flag(ep->http, &w->stop);
        if (e->audit_file && (ep->audit_fd = open_append(e->audit_file, errstr, errstr_size)) < 0)
            goto fail;
    }
    if (startup_scan(w, errstr, errstr_size) != 0)
        goto fail;
    for (size_t i = 0; i < w->eps.n; i++) {
        if (pthread_create(&w->ep[i].thread, NULL, ep_thread, &w->ep[i]) != 0) {
            snprintf(errstr, errstr_size, "webhook sink: cannot start a delivery thread");
            goto fail;
        }
        w->ep[i].started = true;
        uint64_t p = atomic_load(&w->ep[i].pending);
        if (p)
            wh_log(w, 6, "endpoint %s: %" PRIu64 " call(s) left by a previous run go first",
                   w->eps.v[i].name, p);
    }
    lg_sink *s = lg_sink_new(&webhook_ops, w);
    if (!s)
        snprintf(errstr, errstr_size, "webhook sink: out of memory");
    return s;
fail:
    wh_destroy(w);
    return NULL;
}

int lg_sink_webhook_get_stats(lg_sink *s, lg_sink_webhook_stats *out) {
    webhook_sink *w = lg_sink_impl(s, &webhook_ops);
    if (!w)
        return -1;
    out->enqueued = atomic_load(&w->enqueued);
    out->delivered = atomic_load(&w->delivered);
    out->retries = atomic_load(&w->retries);
    out->deadlettered = atomic_load(&w->deadlettered);
    out->dry_run = atomic_load(&w->dry_run);
    out->pending = 0;
    for (size_t i = 0; i < w->eps.n; i++)
        out->pending += atomic_load(&w->ep[i].pending);
    return 0;
}

int lg_sink_webhook_drain(lg_sink *s, int timeout_ms) {
    webhook_sink *w = lg_sink_impl(s, &webhook_ops);
    if (!w)
        return -1;
    int64_t deadline = lg_mono_ms() + timeout_ms;
    for (;;) {
        uint64_t pending = 0;
        for (size_t i = 0; i < w->eps.n; i++)
            pending += atomic_load(&w->ep[i].pending);
        if (pending == 0)
            return 0;
        if (lg_mono_ms() >= deadline)
            return 1;
        wait_until(w, lg_mono_ms() + 50 < deadline ? lg_mono_ms() + 50 : deadline);
    }
}
