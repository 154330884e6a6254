/*
 * tests/bench/state.c - lg_bench_state: the state-scale measurements that
 * need the library rather than the CLI.
 *
 *   lg_bench_state count  --state DIR
 *       nodes in the state by kind: humans, NHIs (and agents), others.
 *   lg_bench_state query  --state DIR --owner EMAIL [--reps N]
 *       owner-lineage query latency: "everything this person owns", asked
 *       of the query engine (state/query.h lg_q_owns, the figure that
 *       counts), and for comparison as a bare breadth-first walk of the
 *       reverse links (lg_graph_links) with each descendant attributed
 *       (lg_graph_attribute). The state is opened read-only; for each
 *       method the first query runs on cold caches (a fresh open), the next
 *       N on warm ones (p50, p99, max).
 *   lg_bench_state resume --state DIR --source SRC --event FILE
 *       time to open the state (lg_engine_open: RocksDB recovery included)
 *       and to process and commit the first message of FILE.
 *
 * Each prints one JSON object on stdout. Exit 0, 1 on error, 2 on usage.
 */
#include "processor/engine.h"
#include "processor/sources/reader.h"
#include "sinks/file/file_sink.h"
#include "state/graph.h"
#include "state/query.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const char *arg_value(int argc, char **argv, const char *name) {
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

/* ---- count ---- */

typedef struct counts {
    uint64_t nodes, humans, nhis, other;
    uint64_t by_kind[LG_NODE_KIND_COUNT];
} counts;

static int count_node(void *opaque, lg_node *n) {
    counts *c = opaque;
    c->nodes++;
    if ((int)n->kind >= 0 && n->kind < LG_NODE_KIND_COUNT)
        c->by_kind[n->kind]++;
    if (n->kind == LG_NODE_HUMAN)
        c->humans++;
    else if (lg_node_kind_is_nhi(n->kind))
        c->nhis++;
    else
        c->other++;
    return 0;
}

static int cmd_count(lg_graph *g) {
    counts c = {0};
    double t0 = now_ms();
    if (lg_graph_foreach(g, count_node, &c) != 0) {
        fprintf(stderr, "lg_bench_state: count: cannot read the nodes\n");
        return 1;
    }
    printf("{\"nodes\":%" PRIu64 ",\"humans\":%" PRIu64 ",\"nhis\":%" PRIu64 ",\"other\":%" PRIu64
           ",\"scan_ms\":%.1f,\"by_kind\":{",
           c.nodes, c.humans, c.nhis, c.other, now_ms() - t0);
    bool first = true;
    for (int k = 0; k < LG_NODE_KIND_COUNT; k++) {
        if (!c.by_kind[k])
            continue;
        printf("%s\"%s\":%" PRIu64, first ? "" : ",", lg_node_kind_name((lg_node_kind)k),
               c.by_kind[k]);
        first = false;
    }
    printf("}}\n");
    return 0;
}

/* ---- query ---- */

/* A set of owned strings with a FIFO order (the BFS queue). */
typedef struct idset {
    char **slot; /* hash table */
    size_t cap, n;
    char **order; /* insertion order */
    size_t norder, caporder;
} idset;

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h ^ (h >> 29);
}

static void idset_clear(idset *s) {
    for (size_t i = 0; i < s->norder; i++)
        free(s->order[i]);
    if (s->cap)
        memset(s->slot, 0, s->cap * sizeof *s->slot);
    s->n = s->norder = 0;
}

static void idset_free(idset *s) {
    idset_clear(s);
    free(s->slot);
    free(s->order);
}

/* 1 added, 0 present, -1 ENOMEM. */
static int idset_add(idset *s, const char *id) {
    if ((s->n + 1) * 2 > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 1024;
        char **ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->slot[i])
                continue;
            size_t j = hash_str(s->slot[i]) & (ncap - 1);
            while (ns[j])
                j = (j + 1) & (ncap - 1);
            ns[j] = s->slot[i];
        }
        free(s->slot);
        s->slot = ns;
        s->cap = ncap;
    }
    size_t j = hash_str(id) & (s->cap - 1);
    while (s->slot[j]) {
        if (strcmp(s->slot[j], id) == 0)
            return 0;
        j = (j + 1) & (s->cap - 1);
    }
    if (s->norder == s->caporder) {
        size_t nc = s->caporder ? s->caporder * 2 : 1024;
        char **no = realloc(s->order, nc * sizeof *no);
        if (!no)
            return -1;
        s->order = no;
        s->caporder = nc;
    }
    char *copy = strdup(id);
    if (!copy)
        return -1;
    s->slot[j] = copy;
    s->order[s->norder++] = copy;
    s->n++;
    return 1;
}

static int on_link(void *opaque, const char *to, char link) {
    (void)link;
    return idset_add(opaque, to) < 0 ? -1 : 0;
}

typedef struct query_result {
    size_t descendants, owned;
} query_result;

/* One owner-lineage query. Returns 0 or -1. */
static int owner_query(lg_graph *g, const char *email, idset *seen, query_result *out) {
    idset_clear(seen);
    out->descendants = out->owned = 0;
    if (idset_add(seen, email) < 0)
        return -1;
    for (size_t head = 0; head < seen->norder; head++) {
        const char *id = seen->order[head];
        if (lg_graph_links(g, id, 0, on_link, seen) != 0)
            return -1;
        if (head == 0)
            continue;
        out->descendants++;
        lg_node *n = lg_graph_get(g, id, strlen(id));
        if (!n || !lg_node_kind_is_nhi(n->kind))
            continue;
        lg_attribution a;
        lg_graph_attribute(g, n, INT64_MAX, &a);
        if (a.owner_id && strcmp(a.owner_id, email) == 0)
            out->owned++;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One "everything this person owns" through the query engine. */
static int engine_query(lg_graph *g, const char *email, query_result *out) {
    char err[512];
    lg_q_result *r = NULL;
    lg_q_opts o = {.as_of = LG_Q_NOW};
    int rc = lg_q_owns(g, email, &o, &r, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "lg_bench_state: lg_q_owns: %s\n", rc < 0 ? err : "person not found");
        lg_q_result_free(r);
        return -1;
    }
    out->descendants = r->nitems ? r->nitems - 1 : 0;
    out->owned = 0;
    for (size_t i = 1; i < r->nitems; i++)
        out->owned += lg_node_kind_is_nhi(r->items[i].kind);
    lg_q_result_free(r);
    return 0;
}

typedef struct latency {
    double cold, p50, p99, max;
    query_result r;
} latency;

/* Opens the state read-only, runs one cold query and reps warm ones. */
static int measure(const char *dir, const char *email, int reps, bool engine, latency *out) {
    char err[1024];
    idset seen = {0};
    double *lat = calloc((size_t)reps, sizeof *lat);
    lg_graph_opts go = {.read_only = true};
    lg_graph *g = lat ? lg_graph_open(dir, &go, err, sizeof err) : NULL;
    int rc = -1;
    if (!g) {
        fprintf(stderr, "lg_bench_state: %s\n", lat ? err : "out of memory");
        goto cleanup;
    }
    for (int i = -1; i < reps; i++) {
        double t0 = now_ms();
        if ((engine ? engine_query(g, email, &out->r) : owner_query(g, email, &seen, &out->r)) != 0)
            goto cleanup;
        double t = now_ms() - t0;
        if (i < 0)
            out->cold = t;
        else
            lat[i] = t;
    }
    qsort(lat, (size_t)reps, sizeof *lat, cmp_double);
    out->p50 = lat[reps / 2];
    out->p99 = lat[(size_t)(0.99 * (reps - 1) + 0.5)];
    out->max = lat[reps - 1];
    rc = 0;
cleanup:
    lg_graph_close(g);
    idset_free(&seen);
    free(lat);
    return rc;
}

static int cmd_query(const char *dir, const char *email, int reps) {
    latency e = {0}, t = {0};
    if (measure(dir, email, reps, true, &e) != 0 || measure(dir, email, reps, false, &t) != 0)
        return 1;
    printf("{\"owner\":\"%s\",\"method\":\"lg_q_owns\",\"descendants\":%zu,\"owned\":%zu,"
           "\"reps\":%d,\"cold_ms\":%.3f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
           "\"traversal\":{\"method\":\"lg_graph_links BFS + lg_graph_attribute\","
           "\"descendants\":%zu,\"owned\":%zu,\"cold_ms\":%.3f,\"p50_ms\":%.3f,"
           "\"p99_ms\":%.3f,\"max_ms\":%.3f}}\n",
           email, e.r.descendants, e.r.owned, reps, e.cold, e.p50, e.p99, e.max, t.r.descendants,
           t.r.owned, t.cold, t.p50, t.p99, t.max);
    return 0;
}

/* ---- resume ---- */

static int cmd_resume(const char *dir, const char *source, const char *event) {
    char err[1024];
    int rc = 1;
    lg_sink *out = NULL;
    lg_engine *e = NULL;
    lg_reader *rd = NULL;
    lg_source src = lg_source_from_name(source);
    if (src == LG_SRC_NONE) {
        fprintf(stderr, "lg_bench_state: unknown source %s\n", source);
        return 2;
    }
    if (!(out = lg_sink_file_open("/dev/null", LG_SINK_FILE_JSON, err, sizeof err)))
        goto cleanup;
    if (!(rd = lg_reader_open(event, err, sizeof err)))
        goto cleanup;
    const char *msg;
    size_t len;
    int64_t line;
    double t0 = now_ms();
    lg_engine_opts eo = {.state_dir = dir, .out = out, .deadletter = out};
    if (!(e = lg_engine_open(&eo, err, sizeof err)))
        goto cleanup;
    double t_open = now_ms() - t0;
    if (lg_reader_next(rd, &msg, &len, &line, err, sizeof err) != 1) {
        snprintf(err, sizeof err, "%s: no message", event);
        goto cleanup;
    }
    lg_origin origin = {"bench", NULL, -1, -1};
    lg_pair pos = {"bench/resume", "1"};
    if (lg_engine_process(e, src, msg, len, &origin, err, sizeof err) != 0 ||
        lg_engine_commit(e, &pos, 1, err, sizeof err) != 0)
        goto cleanup;
    double t_first = now_ms() - t0;
    lg_engine_close(e);
    e = NULL;
    double t_close = now_ms() - t0 - t_first;
    printf("{\"open_ms\":%.3f,\"first_event_ms\":%.3f,\"close_ms\":%.3f}\n", t_open, t_first,
           t_close);
    rc = 0;
cleanup:
    if (rc)
        fprintf(stderr, "lg_bench_state: resume: %s\n", err);
    lg_engine_close(e);
    lg_reader_close(rd);
    lg_sink_destroy(out);
    return rc;
}

int main(int argc, char **argv) {
    const char *usage = "usage: lg_bench_state count --state DIR\n"
                        "       lg_bench_state query --state DIR --owner EMAIL [--reps N]\n"
                        "       lg_bench_state resume --state DIR --source SRC --event FILE\n";
    const char *dir = argc > 2 ? arg_value(argc, argv, "--state") : NULL;
    if (argc < 2 || !dir) {
        fputs(usage, stderr);
        return 2;
    }
    if (strcmp(argv[1], "resume") == 0) {
        const char *src = arg_value(argc, argv, "--source");
        const char *ev = arg_value(argc, argv, "--event");
        if (!src || !ev) {
            fputs(usage, stderr);
            return 2;
        }
        return cmd_resume(dir, src, ev);
    }
    const char *owner = arg_value(argc, argv, "--owner");
    const char *reps_s = arg_value(argc, argv, "--reps");
    int reps = reps_s ? atoi(reps_s) : 200;
    bool query = strcmp(argv[1], "query") == 0;
    if ((!query && strcmp(argv[1], "count") != 0) || (query && (!owner || reps < 1))) {
        fputs(usage, stderr);
        return 2;
    }
    if (query)
        return cmd_query(dir, owner, reps);
    char err[1024];
    lg_graph_opts go = {.read_only = true};
    lg_graph *g = lg_graph_open(dir, &go, err, sizeof err);
    if (!g) {
        fprintf(stderr, "lg_bench_state: %s\n", err);
        return 1;
    }
    int rc = cmd_count(g);
    lg_graph_close(g);
    return rc;
}
