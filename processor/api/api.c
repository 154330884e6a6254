/* processor/api/api.c - see api.h. */
#include "processor/api/api.h"
#include "processor/clock.h"

#include "processor/api/assets.h"
#include "processor/api/feed.h"
#include "processor/api/reader.h"
#include "processor/api/render.h"
#include "sinks/json/json_encode.h"
#include "state/query.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SSE_KEEPALIVE_MS 15000
#define GRAPH_MAX_ITEMS 3000
#define FOLLOW_CHUNK (4u << 20) /* bytes of the events file read at a time */

struct lg_api {
    struct MHD_Daemon *d;
    int fd; /* listening socket, owned until MHD takes it */
    int port;
    char *token;
    size_t token_len;
    char *state_dir;
    size_t cache_mb;
    int refresh_ms;
    /* the state: one query at a time */
    pthread_mutex_t gmu;
    lg_state_reader *reader;
    int64_t refreshed_at; /* monotonic ms of the last catch-up */
    atomic_bool refresh_failed;
    atomic_bool ready;
    /* metrics */
    lg_metrics *metrics;
    bool own_metrics;
    lg_metric *m_requests, *m_state_size, *m_query_seconds;
    /* live feed, and the optional events file it follows */
    lg_feed *feed;
    char *events_file;
    pthread_t follower;
    bool follower_started;
    pthread_mutex_t fmu;
    pthread_cond_t fcv;
    bool stopping;
};

/* ---- configuration ---- */

int lg_api_opts_from_config(const lg_config *c, lg_api_opts *o, char **token_owned, char *errstr,
                            size_t errstr_size) {
    *token_owned = NULL;
    o->listen = c->api_listen;
    o->token = c->api_token;
    o->cache_mb = (size_t)c->cache_mb;
    o->refresh_ms = (int)c->api_refresh_ms;
    if (c->api_token_file[0]) {
        FILE *f = fopen(c->api_token_file, "r");
        char line[1024];
        if (!f || !fgets(line, sizeof line, f)) {
            snprintf(errstr, errstr_size, "api.token.file %s: %s", c->api_token_file,
                     f ? "empty" : strerror(errno));
            if (f)
                fclose(f);
            return -1;
        }
        fclose(f);
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0]) {
            snprintf(errstr, errstr_size, "api.token.file %s: empty first line", c->api_token_file);
            return -1;
        }
        *token_owned = strdup(line);
        if (!*token_owned) {
            snprintf(errstr, errstr_size, "out of memory");
            return -1;
        }
        o->token = *token_owned;
    }
    return 0;
}

/* ---- addresses ---- */

static bool sa_is_loopback(const struct sockaddr *sa) {
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a6))
            return true;
        return IN6_IS_ADDR_V4MAPPED(a6) && a6->s6_addr[12] == 127;
    }
    return false;
}

/* Splits "host:port" / "[v6]:port". Returns 0 or -1. */
static int split_listen(const char *s, char *host, size_t hn, char *port, size_t pn) {
    const char *colon;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':' || (size_t)(end - s - 1) >= hn)
            return -1;
        memcpy(host, s + 1, (size_t)(end - s - 1));
        host[end - s - 1] = '\0';
        colon = end + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || memchr(s, ':', (size_t)(colon - s)) || (size_t)(colon - s) >= hn)
            return -1;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
        if (!host[0])
            snprintf(host, hn, "0.0.0.0");
    }
    const char *p = colon + 1;
    if (!*p || strlen(p) >= pn || strspn(p, "0123456789") != strlen(p) || atoi(p) > 65535)
        return -1;
    snprintf(port, pn, "%s", p);
    return 0;
}

bool lg_api_is_loopback(const char *host) {
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    if (!host || getaddrinfo(host, NULL, &hints, &res) != 0)
        return false;
    bool all = res != NULL;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
        all = all && sa_is_loopback(ai->ai_addr);
    freeaddrinfo(res);
    return all;
}

/* Binds and listens; *v6 tells the family. Returns the fd or -1. */
static int bind_listen(const char *listen_at, bool need_token_ok, bool *v6, char *errstr,
                       size_t errstr_size) {
    char host[256], port[16];
    if (split_listen(listen_at, host, sizeof host, port, sizeof port) != 0) {
        snprintf(errstr, errstr_size, "api.listen \"%s\": expected HOST:PORT or [V6]:PORT",
                 listen_at);
        return -1;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0 || !res) {
        snprintf(errstr, errstr_size, "api.listen \"%s\": %s", listen_at, gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (!sa_is_loopback(ai->ai_addr) && !need_token_ok) {
            snprintf(errstr, errstr_size,
                     "api.listen \"%s\" is not a loopback address: set api.token or "
                     "api.token.file (requests must then carry it as a bearer token)",
                     listen_at);
            break;
        }
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (ai->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 64) == 0) {
            *v6 = ai->ai_family == AF_INET6;
            break;
        }
        snprintf(errstr, errstr_size, "api.listen \"%s\": %s", listen_at, strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* ---- responses ---- */

static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                          "form-action 'none'; frame-ancestors 'none'";

static void common_headers(struct MHD_Response *r, const char *type) {
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

/* Sends body (taken: its memory goes to MHD or is freed). */
static enum MHD_Result send_buf(lg_api *a, struct MHD_Connection *c, const char *route,
                                unsigned code, const char *type, lg_strbuf *body) {
    struct MHD_Response *r;
    if (body->len) {
        r = MHD_create_response_from_buffer(body->len, body->data, MHD_RESPMEM_MUST_FREE);
        if (r)
            *body = (lg_strbuf)LG_STRBUF_INIT;
    } else {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    lg_strbuf_free(body);
    if (!r)
        return MHD_NO;
    common_headers(r, type);
    if (code == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"lineaged\"");
    if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, "Allow", "GET, HEAD");
    char cs[8];
    snprintf(cs, sizeof cs, "%u", code);
    lg_metric_add(a->m_requests, (const char *const[]){route, cs}, 1);
    enum MHD_Result rc = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result send_error(lg_api *a, struct MHD_Connection *c, const char *route,
                                  unsigned code, const char *msg) {
    lg_strbuf b = LG_STRBUF_INIT;
    lg_strbuf_puts(&b, "{\"error\":");
    lg_json_append_string(&b, msg, strlen(msg));
    lg_strbuf_puts(&b, "}\n");
    return send_buf(a, c, route, code, "application/json; charset=utf-8", &b);
}

static enum MHD_Result send_json(lg_api *a, struct MHD_Connection *c, const char *route,
                                 lg_strbuf *b) {
    if (lg_strbuf_putc(b, '\n') != 0) {
        lg_strbuf_free(b);
        return send_error(a, c, route, 500, "out of memory");
    }
    return send_buf(a, c, route, MHD_HTTP_OK, "application/json; charset=utf-8", b);
}

/* ---- auth ---- */

/* Compares in time that depends on the secret's length only. */
static bool ct_equal(const char *given, size_t gn, const char *secret, size_t sn) {
    volatile unsigned char diff = gn != sn;
    for (size_t i = 0; i < sn; i++)
        diff |= (unsigned char)(secret[i] ^ (i < gn ? given[i] : 0));
    return diff == 0;
}

static bool authorized(const lg_api *a, struct MHD_Connection *c) {
    if (!a->token)
        return true;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return false;
    h += 7;
    while (*h == ' ')
        h++;
    return ct_equal(h, strlen(h), a->token, a->token_len);
}

/* ---- the state ---- */

/* Catches up with the daemon when due; the graph lock is held. */
static void refresh_if_due(lg_api *a) {
    int64_t now = lg_mono_ms();
    if (a->refreshed_at && now - a->refreshed_at < a->refresh_ms)
        return;
    char err[512];
    if (lg_state_reader_refresh(a->reader, err, sizeof err) != 0) {
        if (!a->refresh_failed)
            LG_LOGW("api", "%s", err);
        a->refresh_failed = true;
    } else {
        a->refresh_failed = false;
    }
    a->refreshed_at = now;
}

static const char *arg(struct MHD_Connection *c, const char *name) {
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    return v && *v ? v : NULL;
}

static int int_arg(struct MHD_Connection *c, const char *name, long lo, long hi, long def,
                   long *out) {
    const char *v = arg(c, name);
    *out = def;
    if (!v)
        return 0;
    char *end = NULL;
    long x = strtol(v, &end, 10);
    if (end == v || *end || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

/* Runs one query under the graph lock and renders it. */
static enum MHD_Result query(lg_api *a, struct MHD_Connection *c, const char *route,
                             lg_render_query q) {
    lg_q_opts o = {0};
    const char *as_of = arg(c, "as_of");
    if (as_of && lg_q_parse_time(as_of, &o.as_of) != 0)
        return send_error(a, c, route, 400, "bad as_of: expected ISO-8601 or YYYY-MM-DD");
    const char *subject = NULL;
    long n = 0, limit = 50;
    bool csv = false;
    switch (q) {
    case LG_RQ_OWNER:
    case LG_RQ_NODE:
    case LG_RQ_GRAPH:
        subject = arg(c, "id");
        break;
    case LG_RQ_OWNS:
    case LG_RQ_OFFBOARD:
        subject = arg(c, "person");
        break;
    case LG_RQ_SEARCH:
        subject = arg(c, "q");
        break;
    default:
        break;
    }
    if (q != LG_RQ_ORPHANS && q != LG_RQ_REVIEW && !subject)
        return send_error(a, c, route, 400,
                          q == LG_RQ_SEARCH                          ? "q is required"
                          : (q == LG_RQ_OWNS || q == LG_RQ_OFFBOARD) ? "person is required"
                                                                     : "id is required");
    if (int_arg(c, "unused_days", 1, 36500, 30, &n) != 0)
        return send_error(a, c, route, 400, "bad unused_days");
    o.unused_ms = n * 86400000L;
    if (int_arg(c, "depth", 1, 8, 2, &n) != 0)
        return send_error(a, c, route, 400, "bad depth (1..8)");
    o.depth = (int)n;
    if (int_arg(c, "limit", 1, 1000, 50, &limit) != 0)
        return send_error(a, c, route, 400, "bad limit (1..1000)");
    if (q == LG_RQ_GRAPH)
        o.max_items = GRAPH_MAX_ITEMS;
    const char *fmt = arg(c, "format");
    if (q == LG_RQ_REVIEW && fmt) {
        if (strcmp(fmt, "csv") != 0 && strcmp(fmt, "json") != 0)
            return send_error(a, c, route, 400, "format is csv or json");
        csv = strcmp(fmt, "csv") == 0;
    }
    char err[1024] = "";
    lg_q_result *r = NULL;
    int rc;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_mutex_lock(&a->gmu);
    refresh_if_due(a);
    lg_graph *g = NULL; /* the graphs are in the options */
    o.graphs = lg_state_reader_graphs(a->reader);
    if (!o.graphs->n) {
        pthread_mutex_unlock(&a->gmu);
        return send_error(a, c, route, 503, "no lineage state yet (the daemon has no partition)");
    }
    switch (q) {
    case LG_RQ_OWNER:
        rc = lg_q_owner(g, subject, &o, &r, err, sizeof err);
        break;
    case LG_RQ_OWNS:
        rc = lg_q_owns(g, subject, &o, &r, err, sizeof err);
        break;
    case LG_RQ_OFFBOARD:
        rc = lg_q_offboard(g, subject, &o, &r, err, sizeof err);
        break;
    case LG_RQ_ORPHANS:
        rc = lg_q_orphans(g, &o, &r, err, sizeof err);
        break;
    case LG_RQ_REVIEW:
        rc = lg_q_review(g, &o, &r, err, sizeof err);
        break;
    case LG_RQ_SEARCH:
        rc = lg_q_search(g, subject, (size_t)limit, &o, &r, err, sizeof err);
        break;
    case LG_RQ_NODE:
        rc = lg_q_node(g, subject, &o, &r, err, sizeof err);
        break;
    default:
        rc = lg_q_graph(g, subject, &o, &r, err, sizeof err);
        break;
    }
    pthread_mutex_unlock(&a->gmu);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    lg_metric_observe(a->m_query_seconds, (const char *const[]){lg_render_query_name(q)},
                      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    if (rc == LG_Q_NOT_FOUND)
        return send_error(a, c, route, 404, err);
    if (rc != 0)
        return send_error(a, c, route, strstr(err, "names ") ? 400 : 500, err);
    lg_strbuf b = LG_STRBUF_INIT;
    int wrc = csv ? lg_render_review_csv(r, &b) : lg_render_json(q, r, &b);
    lg_q_result_free(r);
    if (wrc != 0) {
        lg_strbuf_free(&b);
        return send_error(a, c, route, 500, "out of memory");
    }
    if (!csv)
        return send_json(a, c, route, &b);
    return send_buf(a, c, route, 200, "text/csv; charset=utf-8", &b);
}

/* ---- the live feed ---- */

static enum MHD_Result events(lg_api *a, struct MHD_Connection *c) {
    long since = 0, limit = 100;
    if (int_arg(c, "since", 0, LONG_MAX, 0, &since) != 0 ||
        int_arg(c, "limit", 1, 10000, 100, &limit) != 0)
        return send_error(a, c, "/api/events", 400, "bad since or limit");
    lg_strbuf b = LG_STRBUF_INIT;
    size_t count = 0;
    uint64_t last = lg_feed_last(a->feed);
    int rc = lg_strbuf_printf(&b, "{\"last\":%" PRIu64 ",\"events\":[", last);
    if (lg_feed_since(a->feed, (uint64_t)since, (size_t)limit, &b, &count) == 0 && since == 0 &&
        count)
        rc = -1;
    rc |= lg_strbuf_puts(&b, "]}");
    if (rc) {
        lg_strbuf_free(&b);
        return send_error(a, c, "/api/events", 500, "out of memory");
    }
    return send_json(a, c, "/api/events", &b);
}

typedef struct sse {
    lg_api *a;
    uint64_t seq;
    lg_strbuf buf, ev;
    size_t off;
    bool started;
} sse;

static ssize_t sse_read(void *cls, uint64_t pos, char *out, size_t max) {
    (void)pos;
    sse *s = cls;
    for (;;) {
        if (s->off < s->buf.len) {
            size_t n = s->buf.len - s->off < max ? s->buf.len - s->off : max;
            memcpy(out, s->buf.data + s->off, n);
            s->off += n;
            return (ssize_t)n;
        }
        lg_strbuf_reset(&s->buf);
        s->off = 0;
        if (!s->started) {
            s->started = true;
            if (lg_strbuf_puts(&s->buf, "retry: 2000\n: lineaged live feed\n\n") != 0)
                return MHD_CONTENT_READER_END_WITH_ERROR;
            continue;
        }
        lg_strbuf_reset(&s->ev);
        uint64_t seq = lg_feed_next(s->a->feed, s->seq, &s->ev);
        if (seq) {
            s->seq = seq;
            if (lg_strbuf_printf(&s->buf, "id: %" PRIu64 "\nevent: derived\ndata: ", seq) != 0 ||
                lg_strbuf_append(&s->buf, s->ev.data, s->ev.len) != 0 ||
                lg_strbuf_puts(&s->buf, "\n\n") != 0)
                return MHD_CONTENT_READER_END_WITH_ERROR;
            continue;
        }
        int w = lg_feed_wait(s->a->feed, s->seq, SSE_KEEPALIVE_MS);
        if (w < 0)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (w == 0 && lg_strbuf_puts(&s->buf, ": keepalive\n\n") != 0)
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
}

static void sse_free(void *cls) {
    sse *s = cls;
    lg_strbuf_free(&s->buf);
    lg_strbuf_free(&s->ev);
    free(s);
}

static enum MHD_Result stream(lg_api *a, struct MHD_Connection *c) {
    const char *route = "/api/events/stream";
    sse *s = calloc(1, sizeof *s);
    if (!s)
        return send_error(a, c, route, 500, "out of memory");
    s->a = a;
    s->seq = lg_feed_last(a->feed);
    const char *from = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
    if (!from)
        from = arg(c, "since");
    if (from) {
        char *end = NULL;
        unsigned long long v = strtoull(from, &end, 10);
        if (end != from && !*end && v <= s->seq)
            s->seq = v;
    }
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, s, sse_free);
    if (!r) {
        sse_free(s);
        return MHD_NO;
    }
    common_headers(r, "text/event-stream; charset=utf-8");
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    lg_metric_add(a->m_requests, (const char *const[]){route, "200"}, 1);
    enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

/* Follows the events file: complete lines that are JSON objects. */
static void *follow(void *arg) {
    lg_api *a = arg;
    long off = 0;
    char *buf = NULL;
    size_t cap = 0;
    pthread_mutex_lock(&a->fmu);
    while (!a->stopping) {
        pthread_mutex_unlock(&a->fmu);
        FILE *f = fopen(a->events_file, "rb");
        struct stat st;
        if (f && fstat(fileno(f), &st) == 0) {
            if (st.st_size < off)
                off = 0; /* truncated or replaced */
            if (st.st_size > off && fseek(f, off, SEEK_SET) == 0) {
                size_t want = (size_t)(st.st_size - off);
                if (want > FOLLOW_CHUNK)
                    want = FOLLOW_CHUNK; /* the rest on the next turn */
                if (want > cap) {
                    char *nb = realloc(buf, want);
                    if (nb) {
                        buf = nb;
                        cap = want;
                    }
                }
                size_t got = want <= cap ? fread(buf, 1, want, f) : 0;
                size_t start = 0;
                for (size_t i = 0; i < got; i++) {
                    if (buf[i] != '\n')
                        continue;
                    if (buf[start] == '{')
                        lg_feed_push(a->feed, buf + start, i - start);
                    start = i + 1;
                }
                if (!start && got == FOLLOW_CHUNK)
                    start = got; /* a line longer than a chunk: not an event, skip it */
                off += (long)start;
                if (got == FOLLOW_CHUNK) { /* more to read now */
                    fclose(f);
                    pthread_mutex_lock(&a->fmu);
                    continue;
                }
            }
        }
        if (f)
            fclose(f);
        pthread_mutex_lock(&a->fmu);
        struct timespec dl;
        lg_mono_deadline(&dl, 300);
        if (!a->stopping)
            pthread_cond_timedwait(&a->fcv, &a->fmu, &dl);
    }
    pthread_mutex_unlock(&a->fmu);
    free(buf);
    return NULL;
}

void lg_api_publish(lg_api *a, const lg_derived *ev) {
    if (!a || !ev)
        return;
    lg_strbuf b = LG_STRBUF_INIT;
    if (lg_json_encode_derived(ev, &b) == 0)
        lg_feed_push(a->feed, b.data, b.len);
    lg_strbuf_free(&b);
}

static lg_sink_result feed_emit(void *self, const lg_derived *ev, char *errstr,
                                size_t errstr_size) {
    (void)errstr;
    (void)errstr_size;
    lg_api_publish(self, ev);
    return LG_SINK_OK;
}

static lg_sink_result feed_deadletter(void *self, const lg_deadletter *dl, char *errstr,
                                      size_t errstr_size) {
    (void)self;
    (void)dl;
    (void)errstr;
    (void)errstr_size;
    return LG_SINK_OK;
}

static lg_sink_result feed_flush(void *self, int timeout_ms, char *errstr, size_t errstr_size) {
    (void)self;
    (void)timeout_ms;
    (void)errstr;
    (void)errstr_size;
    return LG_SINK_OK;
}

static void feed_destroy(void *self) {
    (void)self; /* the server owns itself */
}

static const lg_sink_ops feed_ops = {"api-feed", feed_emit, feed_deadletter, feed_flush,
                                     feed_destroy};

lg_sink *lg_api_feed_sink(lg_api *a) {
    return lg_sink_new(&feed_ops, a);
}

/* ---- routing ---- */

static const struct {
    const char *path;
    lg_render_query q;
} query_routes[] = {
    {"/api/owner", LG_RQ_OWNER},       {"/api/owns", LG_RQ_OWNS},
    {"/api/offboard", LG_RQ_OFFBOARD}, {"/api/orphans", LG_RQ_ORPHANS},
    {"/api/review", LG_RQ_REVIEW},     {"/api/search", LG_RQ_SEARCH},
    {"/api/node", LG_RQ_NODE},         {"/api/graph", LG_RQ_GRAPH},
};

static enum MHD_Result probe(lg_api *a, struct MHD_Connection *c, bool ready_probe) {
    const char *route = ready_probe ? "/readyz" : "/healthz";
    lg_strbuf b = LG_STRBUF_INIT;
    if (!ready_probe) {
        lg_strbuf_puts(&b, "{\"status\":\"ok\"}");
        return send_json(a, c, route, &b);
    }
    bool state_ok;
    if (pthread_mutex_trylock(&a->gmu) == 0) {
        refresh_if_due(a);
        state_ok = !a->refresh_failed && lg_state_reader_graphs(a->reader)->n > 0;
        pthread_mutex_unlock(&a->gmu);
    } else { /* a query is running: the last catch-up tells */
        state_ok = !atomic_load(&a->refresh_failed);
    }
    bool ready = state_ok && atomic_load(&a->ready);
    lg_strbuf_printf(&b, "{\"ready\":%s,\"state\":\"%s\"}", ready ? "true" : "false",
                     state_ok ? "ok" : "no state yet, or cannot catch up with the daemon's");
    if (!ready) {
        lg_strbuf_putc(&b, '\n');
        return send_buf(a, c, route, 503, "application/json; charset=utf-8", &b);
    }
    return send_json(a, c, route, &b);
}

static enum MHD_Result metrics(lg_api *a, struct MHD_Connection *c) {
    int64_t size = lg_dir_size(a->state_dir);
    if (size >= 0)
        lg_metric_set(a->m_state_size, NULL, (double)size);
    lg_strbuf b = LG_STRBUF_INIT;
    if (lg_metrics_render(a->metrics, &b) != 0) {
        lg_strbuf_free(&b);
        return send_error(a, c, "/metrics", 500, "out of memory");
    }
    return send_buf(a, c, "/metrics", 200, "text/plain; version=0.0.4; charset=utf-8", &b);
}

static enum MHD_Result asset(lg_api *a, struct MHD_Connection *c, const lg_api_asset *as) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(as->len, (void *)as->data, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    common_headers(r, as->type);
    MHD_add_response_header(r, "Content-Security-Policy", csp);
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    lg_metric_add(a->m_requests, (const char *const[]){"/static", "200"}, 1);
    enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls) {
    (void)version;
    (void)upload;
    lg_api *a = cls;
    static int marker;
    if (!*con_cls) { /* headers are in: answer on this call, any body is ignored */
        *con_cls = &marker;
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
            return send_error(a, c, "other", 405, "only GET and HEAD");
    } else {
        *upload_size = 0;
        return MHD_YES;
    }
    if (!strcmp(url, "/healthz") || !strcmp(url, "/readyz"))
        return probe(a, c, url[1] == 'r');
    const lg_api_asset *as = lg_api_asset_find(url);
    if (as)
        return asset(a, c, as);
    if (!authorized(a, c))
        return send_error(a, c, "unauthorized", 401, "a bearer token is required");
    if (!strcmp(url, "/metrics"))
        return metrics(a, c);
    if (!strcmp(url, "/api/events"))
        return events(a, c);
    if (!strcmp(url, "/api/events/stream"))
        return stream(a, c);
    for (size_t i = 0; i < sizeof query_routes / sizeof *query_routes; i++)
        if (!strcmp(url, query_routes[i].path))
            return query(a, c, query_routes[i].path, query_routes[i].q);
    return send_error(a, c, "other", 404, "no such endpoint");
}

const lg_api_asset *lg_api_asset_find(const char *path) {
    if (!strcmp(path, "/index.html"))
        path = "/";
    for (size_t i = 0; i < lg_api_asset_count; i++)
        if (!strcmp(lg_api_assets[i].path, path))
            return &lg_api_assets[i];
    return NULL;
}

/* ---- lifecycle ---- */

lg_api *lg_api_start(const lg_api_opts *o, char *errstr, size_t errstr_size) {
    if (!o->listen || !o->listen[0]) {
        snprintf(errstr, errstr_size, "api.listen is empty: the API is disabled");
        return NULL;
    }
    if (!o->state_dir) {
        snprintf(errstr, errstr_size, "the API needs a state directory");
        return NULL;
    }
    lg_api *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    a->fd = -1;
    pthread_mutex_init(&a->gmu, NULL);
    pthread_mutex_init(&a->fmu, NULL);
    lg_mono_cond_init(&a->fcv);
    atomic_store(&a->ready, !o->start_unready);
    a->refresh_ms = o->refresh_ms > 0 ? o->refresh_ms : 1000;
    a->cache_mb = o->cache_mb;
    bool has_token = o->token && o->token[0];
    a->token = has_token ? strdup(o->token) : NULL;
    a->token_len = has_token ? strlen(o->token) : 0;
    a->state_dir = strdup(o->state_dir);
    a->feed = lg_feed_new(o->feed_size);
    a->metrics = o->metrics;
    if (!a->metrics) {
        a->metrics = lg_metrics_new();
        a->own_metrics = true;
    }
    if ((has_token && !a->token) || !a->state_dir || !a->feed || !a->metrics) {
        snprintf(errstr, errstr_size, "out of memory");
        goto fail;
    }
    static const double qsec[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5};
    a->m_requests =
        lg_metrics_family(a->metrics, LG_METRIC_COUNTER, "lineaged_http_requests_total",
                          "HTTP API requests, per route and status code.", "route,code", NULL, 0);
    a->m_state_size = lg_metrics_family(a->metrics, LG_METRIC_GAUGE, "lineaged_state_size_bytes",
                                        "Size of the files of the state directory.", NULL, NULL, 0);
    a->m_query_seconds = lg_metrics_family(
        a->metrics, LG_METRIC_HISTOGRAM, "lineaged_api_query_seconds",
        "Time to answer a query, per query.", "query", qsec, sizeof qsec / sizeof *qsec);
    a->reader =
        lg_state_reader_open(o->state_dir, o->cache_mb, o->wait_for_state, errstr, errstr_size);
    if (!a->reader)
        goto fail;
    a->refreshed_at = lg_mono_ms();
    bool v6 = false;
    a->fd = bind_listen(o->listen, has_token, &v6, errstr, errstr_size);
    if (a->fd < 0)
        goto fail;
    if (o->events_file) {
        a->events_file = strdup(o->events_file);
        if (!a->events_file || pthread_create(&a->follower, NULL, follow, a) != 0) {
            snprintf(errstr, errstr_size, "cannot follow %s", o->events_file);
            goto fail;
        }
        a->follower_started = true;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    a->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, a, MHD_OPTION_LISTEN_SOCKET, a->fd,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_END);
    if (!a->d) {
        snprintf(errstr, errstr_size, "cannot start the HTTP server on %s", o->listen);
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(a->d, MHD_DAEMON_INFO_BIND_PORT);
    a->port = info ? info->port : 0;
    a->fd = -1; /* MHD closes it */
    return a;
fail:
    lg_api_stop(a);
    return NULL;
}

lg_api *lg_api_start_config(const lg_config *c, const char *state_dir, lg_metrics *metrics,
                            char *errstr, size_t errstr_size) {
    if (errstr_size)
        errstr[0] = '\0';
    if (!c->api_listen[0])
        return NULL;
    lg_api_opts o = {0};
    char *token = NULL;
    if (lg_api_opts_from_config(c, &o, &token, errstr, errstr_size) != 0)
        return NULL;
    o.state_dir = state_dir;
    o.metrics = metrics;
    o.wait_for_state = true;
    lg_api *a = lg_api_start(&o, errstr, errstr_size); /* copies the token */
    free(token);
    return a;
}

int lg_api_port(const lg_api *a) {
    return a->port;
}

void lg_api_url(const lg_api *a, const char *listen, char *buf, size_t size) {
    const char *colon = strrchr(listen, ':');
    int hn = colon ? (int)(colon - listen) : (int)strlen(listen);
    snprintf(buf, size, "http://%.*s:%d/", hn, listen, a->port);
}

lg_metrics *lg_api_metrics(lg_api *a) {
    return a->metrics;
}

void lg_api_set_ready(lg_api *a, bool ready) {
    atomic_store(&a->ready, ready);
}

void lg_api_stop(lg_api *a) {
    if (!a)
        return;
    if (a->feed)
        lg_feed_close(a->feed); /* ends the event streams */
    if (a->d)
        MHD_stop_daemon(a->d);
    if (a->fd >= 0)
        close(a->fd);
    if (a->follower_started) {
        pthread_mutex_lock(&a->fmu);
        a->stopping = true;
        pthread_cond_broadcast(&a->fcv);
        pthread_mutex_unlock(&a->fmu);
        pthread_join(a->follower, NULL);
    }
    lg_state_reader_close(a->reader);
    lg_feed_destroy(a->feed);
    if (a->own_metrics)
        lg_metrics_destroy(a->metrics);
    free(a->events_file);
    free(a->token);
    free(a->state_dir);
    pthread_cond_destroy(&a->fcv);
    pthread_mutex_destroy(&a->fmu);
    pthread_mutex_destroy(&a->gmu);
    free(a);
}
