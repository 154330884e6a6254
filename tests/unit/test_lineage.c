/*
 * tests/unit/test_lineage.c - attribution rules and detectors on the graph,
 * driven by hand-made facts (the parsers are tested on their own). Each
 * scenario checks the derived events, and that every arrival order of the
 * same records gives the same set of event ids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include "processor/detectors/detect.h"
#include "state/graph.h"
#include "testutil.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- a scripted record: a source event id, a time and its facts ---- */
typedef struct srec {
    const char *id;
    int64_t t;
    lg_fact facts[4];
    size_t n;
} srec;

#define S(x) ((lg_str){(x), sizeof(x) - 1})
#define T(min) ((int64_t)1700000000000LL + (int64_t)(min)*60000)

typedef struct capture {
    size_t n;
    char ids[64][33];
    int types[64];
    char subjects[64][128];
    char owners[64][128];
    int64_t times[64];
} capture;

static int cap_emit(void *opaque, const lg_derived *ev) {
    capture *c = opaque;
    if (c->n >= 64)
        return -1;
    snprintf(c->ids[c->n], 33, "%s", ev->event_id);
    c->types[c->n] = ev->type;
    snprintf(c->subjects[c->n], 128, "%s", ev->subject_id);
    snprintf(c->owners[c->n], 128, "%s", ev->owner_id ? ev->owner_id : "");
    c->times[c->n] = ev->event_time_ms;
    assert_true(ev->nevidence > 0 || ev->type == LG_DERIVED_PRIV_OWNERLESS_RESOLVED);
    assert_non_null(ev->reason);
    c->n++;
    return 0;
}

/* world_open's graphs write their batches on the writer thread */
static bool async_mode;

typedef struct world {
    char *dir;
    lg_graph *g;
    lg_detect *d;
    capture out;
    int64_t now; /* processing time handed to the detector */
    bool flush;
    size_t max_cached; /* node cache bound (0: the default) */
} world;

static void world_open(world *w) {
    char err[256];
    if (!w->dir)
        w->dir = tu_tmpdir("lg-lineage");
    assert_non_null(w->dir);
    lg_graph_opts o = {.max_cached = w->max_cached, .async_write = async_mode};
    w->g = lg_graph_open(w->dir, &o, err, sizeof err);
    assert_non_null(w->g);
    w->d = lg_detect_new(w->g);
    assert_non_null(w->d);
}

static void world_close(world *w, bool remove) {
    lg_detect_destroy(w->d);
    lg_graph_close(w->g);
    if (remove) {
        tu_rmtree(w->dir);
        free(w->dir);
        w->dir = NULL;
    }
}

/* Feeds one record as one batch (the strictest arrival granularity). */
static void feed(world *w, const srec *r) {
    char err[256];
    lg_record rec = {
        .source = LG_SRC_CLOUDTRAIL, .event_id = {r->id, strlen(r->id)}, .time_ms = r->t};
    int seen = lg_graph_check_seen(w->g, rec.source, rec.event_id, rec.time_ms, err, sizeof err);
    assert_true(seen >= 0);
    if (!seen)
        for (size_t i = 0; i < r->n; i++)
            assert_int_equal(lg_graph_apply(w->g, &rec, &r->facts[i], err, sizeof err), 0);
    assert_int_equal(lg_detect_run(w->d, w->now, w->flush, cap_emit, &w->out, err, sizeof err), 0);
    assert_int_equal(lg_graph_commit(w->g, NULL, NULL, 0, err, sizeof err), 0);
}

static int find(const capture *c, int type, const char *subject) {
    for (size_t i = 0; i < c->n; i++)
        if (c->types[i] == type && strcmp(c->subjects[i], subject) == 0)
            return (int)i;
    return -1;
}

static int cmp_id(const void *a, const void *b) {
    return strcmp(a, b);
}

/* Runs recs in the given order in a fresh state; returns the sorted ids. */
static void run_order(const srec *recs, const size_t *order, size_t n, capture *out) {
    world w = {0};
    world_open(&w);
    for (size_t i = 0; i < n; i++)
        feed(&w, &recs[order[i]]);
    *out = w.out;
    qsort(out->ids, out->n, sizeof out->ids[0], cmp_id);
    world_close(&w, true);
}

static bool next_perm(size_t *a, size_t n) {
    size_t i = n - 1;
    while (i > 0 && a[i - 1] >= a[i])
        i--;
    if (i == 0)
        return false;
    size_t j = n - 1;
    while (a[j] <= a[i - 1])
        j--;
    size_t t = a[i - 1];
    a[i - 1] = a[j];
    a[j] = t;
    for (size_t l = i, r = n - 1; l < r; l++, r--)
        t = a[l], a[l] = a[r], a[r] = t;
    return true;
}

/* Every permutation of recs yields the same id set as the sorted order. */
static void assert_order_independent(const srec *recs, size_t n, capture *ref) {
    size_t order[8];
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    run_order(recs, order, n, ref);
    while (next_perm(order, n)) {
        capture c;
        run_order(recs, order, n, &c);
        assert_int_equal(c.n, ref->n);
        for (size_t i = 0; i < c.n; i++)
            assert_string_equal(c.ids[i], ref->ids[i]);
    }
}

#define HUMAN_STATUS(email, st)                                                                    \
    { .type = LG_FACT_HUMAN_STATUS, .kind = LG_NODE_HUMAN, .subject = S(email), .status = (st) }
#define CREATED(kind_, id, akind_, actor_)                                                         \
    {                                                                                              \
        .type = LG_FACT_CREATED, .kind = (kind_), .subject = S(id), .actor_kind = (akind_),        \
        .actor = S(actor_)                                                                         \
    }

static const char *BOB = "bob@acme.example";
#define BOB_S "bob@acme.example"
#define USER_ARN "arn:aws:iam::111:user/reporting-bot"

/* bob creates an IAM user and a key for it; bob departs: both orphaned,
 * whatever the arrival order; the key's use after departure is flagged. */
static void test_orphan_any_order(void **state) {
    (void)state;
    srec recs[] = {
        {"create-user", T(0), {CREATED(LG_NODE_IAM_USER, USER_ARN, LG_NODE_HUMAN, BOB_S)}, 1},
        {"create-key",
         T(1),
         {{.type = LG_FACT_CREATED,
           .kind = LG_NODE_ACCESS_KEY,
           .subject = S("AKIAREPORT"),
           .actor_kind = LG_NODE_HUMAN,
           .actor = S(BOB_S),
           .parent_kind = LG_NODE_IAM_USER,
           .parent = S(USER_ARN)}},
         1},
        {"bob-leaves", T(10), {HUMAN_STATUS(BOB_S, LG_STATUS_DEPARTED)}, 1},
        {"key-used",
         T(20),
         {{.type = LG_FACT_USED,
           .kind = LG_NODE_ACCESS_KEY,
           .subject = S("AKIAREPORT"),
           .parent_kind = LG_NODE_IAM_USER,
           .parent = S(USER_ARN),
           .detail = S("ListBuckets")}},
         1},
    };
    capture ref;
    assert_order_independent(recs, 4, &ref);
    assert_int_equal(ref.n, 3);

    /* in arrival order, check content */
    size_t order[] = {0, 1, 2, 3};
    capture c;
    world w = {0};
    world_open(&w);
    for (size_t i = 0; i < 4; i++)
        feed(&w, &recs[order[i]]);
    c = w.out;
    int o1 = find(&c, LG_DERIVED_ORPHAN_NEW, USER_ARN);
    int o2 = find(&c, LG_DERIVED_ORPHAN_NEW, "AKIAREPORT");
    int u = find(&c, LG_DERIVED_USED_AFTER_DEPARTURE, "AKIAREPORT");
    assert_true(o1 >= 0 && o2 >= 0 && u >= 0);
    assert_string_equal(c.owners[o1], BOB);
    assert_int_equal(c.times[o1], T(10));
    assert_int_equal(c.times[u], T(20));
    /* re-delivery of every record changes nothing */
    size_t before = w.out.n;
    for (size_t i = 0; i < 4; i++)
        feed(&w, &recs[i]);
    assert_int_equal(w.out.n, before);
    /* a restart keeps what was announced */
    world_close(&w, false);
    world_open(&w);
    w.out.n = 0;
    feed(&w, &(srec){"bob-leaves-again", T(10), {HUMAN_STATUS(BOB_S, LG_STATUS_DEPARTED)}, 1});
    assert_int_equal(w.out.n, 0);
    world_close(&w, true);
}

/* Statuses that change no departed-ness (a suspension and its lifting, a
 * second departure) are not re-evaluated when they arrive, yet they give
 * the same events in any arrival order: the orphan from the departure and
 * one use after it, dated from the first departure. */
static void test_status_noise_any_order(void **state) {
    (void)state;
    srec recs[] = {
        {"create-key", T(1), {CREATED(LG_NODE_ACCESS_KEY, "AKIANOISE", LG_NODE_HUMAN, BOB_S)}, 1},
        {"bob-suspended", T(5), {HUMAN_STATUS(BOB_S, LG_STATUS_SUSPENDED)}, 1},
        {"bob-back", T(6), {HUMAN_STATUS(BOB_S, LG_STATUS_ACTIVE)}, 1},
        {"bob-leaves", T(10), {HUMAN_STATUS(BOB_S, LG_STATUS_DEPARTED)}, 1},
        {"key-used",
         T(20),
         {{.type = LG_FACT_USED,
           .kind = LG_NODE_ACCESS_KEY,
           .subject = S("AKIANOISE"),
           .detail = S("ListBuckets")}},
         1},
        {"bob-leaves-again", T(12), {HUMAN_STATUS(BOB_S, LG_STATUS_DEPARTED)}, 1},
    };
    capture ref;
    assert_order_independent(recs, 5, &ref);
    assert_int_equal(ref.n, 2);
    /* the second departure, before or after the use (an earlier departure
     * arriving after a later one is a correction: test_superseded) */
    const size_t orders[2][6] = {{0, 1, 2, 3, 4, 5}, {0, 1, 2, 3, 5, 4}};
    for (int k = 0; k < 2; k++) {
        capture c;
        run_order(recs, orders[k], 6, &c);
        assert_int_equal(c.n, 2);
        for (size_t i = 0; i < c.n; i++)
            assert_string_equal(c.ids[i], ref.ids[i]);
    }
    world w = {0};
    world_open(&w);
    for (size_t i = 0; i < 6; i++)
        feed(&w, &recs[i]);
    int o = find(&w.out, LG_DERIVED_ORPHAN_NEW, "AKIANOISE");
    int u = find(&w.out, LG_DERIVED_USED_AFTER_DEPARTURE, "AKIANOISE");
    assert_true(o >= 0 && u >= 0);
    assert_int_equal(w.out.times[o], T(10));
    assert_int_equal(w.out.times[u], T(20));
    world_close(&w, true);
}

/* A late creation record (arriving after the departure) still orphans. */
static void test_late_creation_and_reactivation(void **state) {
    (void)state;
    world w = {0};
    world_open(&w);
    feed(&w, &(srec){"leave", T(10), {HUMAN_STATUS(BOB_S, LG_STATUS_DEPARTED)}, 1});
    assert_int_equal(w.out.n, 0);
    feed(&w, &(srec){"mk",
                     T(0),
                     {CREATED(LG_NODE_IAM_ROLE, "arn:aws:iam::1:role/r", LG_NODE_HUMAN, BOB_S)},
                     1});
    assert_int_equal(w.out.n, 1);
    assert_int_equal(w.out.types[0], LG_DERIVED_ORPHAN_NEW);
    assert_int_equal(w.out.times[0], T(10));
    feed(&w, &(srec){"back", T(30), {HUMAN_STATUS(BOB_S, LG_STATUS_ACTIVE)}, 1});
    assert_int_equal(w.out.n, 2);
    assert_int_equal(w.out.types[1], LG_DERIVED_ORPHAN_RESOLVED);
    assert_int_equal(w.out.times[1], T(30));
    world_close(&w, true);
}

/* Explicit owner tag beats the creator; keys inherit; admin + no human =
 * privileged_key.ownerless, resolved when an owner is tagged. */
static void test_explicit_owner_and_privileged(void **state) {
    (void)state;
    world w = {0};
    world_open(&w);
    /* an IAM user with no human behind it creates an admin user and a key */
    feed(&w, &(srec){"cu",
                     T(0),
                     {CREATED(LG_NODE_IAM_USER, "arn:aws:iam::1:user/admin", LG_NODE_IAM_USER,
                              "arn:aws:iam::1:user/christophe")},
                     1});
    feed(&w, &(srec){"ap",
                     T(0),
                     {{.type = LG_FACT_PRIVILEGE,
                       .kind = LG_NODE_IAM_USER,
                       .subject = S("arn:aws:iam::1:user/admin"),
                       .detail = S("arn:aws:iam::aws:policy/AdministratorAccess"),
                       .flag = true}},
                     1});
    feed(&w, &(srec){"ck",
                     T(0),
                     {{.type = LG_FACT_CREATED,
                       .kind = LG_NODE_ACCESS_KEY,
                       .subject = S("AKIAADM"),
                       .actor_kind = LG_NODE_IAM_USER,
                       .actor = S("arn:aws:iam::1:user/christophe"),
                       .parent_kind = LG_NODE_IAM_USER,
                       .parent = S("arn:aws:iam::1:user/admin")}},
                     1});
    int p = find(&w.out, LG_DERIVED_PRIV_OWNERLESS, "AKIAADM");
    assert_true(p >= 0);
    assert_int_equal(w.out.n, 1); /* the user itself is not a key */
    /* tagging the user with an owner resolves the key's condition */
    feed(&w, &(srec){"tag",
                     T(5),
                     {{.type = LG_FACT_OWNER,
                       .kind = LG_NODE_IAM_USER,
                       .subject = S("arn:aws:iam::1:user/admin"),
                       .object = S("carol@acme.example")}},
                     1});
    assert_true(find(&w.out, LG_DERIVED_PRIV_OWNERLESS_RESOLVED, "AKIAADM") >= 0);
    lg_node *k = lg_graph_get(w.g, "AKIAADM", 7);
    assert_non_null(k);
    lg_attribution a;
    lg_graph_attribute(w.g, k, INT64_MAX, &a);
    assert_string_equal(a.owner_id, "carol@acme.example");
    assert_int_equal(a.basis[0], LG_BASIS_INHERITED);
    assert_int_equal(a.basis[1], LG_BASIS_EXPLICIT);
    /* the answer holds from the tag on */
    assert_int_equal(a.valid_from, T(5));
    assert_int_equal(a.valid_until, INT64_MAX);
    /* as of before the tag, there was no owner, until the tag */
    lg_graph_attribute(w.g, k, T(1), &a);
    assert_null(a.owner_id);
    assert_int_equal(a.valid_from, INT64_MIN);
    assert_int_equal(a.valid_until, T(5));
    world_close(&w, true);
}

/* Applies a record to the pending batch without running the detectors. */
static void apply_only(world *w, const srec *r) {
    char err[256];
    lg_record rec = {
        .source = LG_SRC_CLOUDTRAIL, .event_id = {r->id, strlen(r->id)}, .time_ms = r->t};
    for (size_t i = 0; i < r->n; i++)
        assert_int_equal(lg_graph_apply(w->g, &rec, &r->facts[i], err, sizeof err), 0);
}

#define KEY_USED(id, t)                                                                            \
    (&(srec){(id),                                                                                 \
             (t),                                                                                  \
             {{.type = LG_FACT_USED, .kind = LG_NODE_ACCESS_KEY, .subject = S("AKIAU")}},          \
             1})

/* Several uses of a key in one batch, before and after its owner's
 * departure (in the graph's time order or not): the first use after the
 * departure is announced, whatever the uses before it showed. */
static void test_uses_in_one_batch(void **state) {
    (void)state;
    world w = {0};
    world_open(&w);
    feed(&w, &(srec){"ck", T(0), {CREATED(LG_NODE_ACCESS_KEY, "AKIAU", LG_NODE_HUMAN, BOB_S)}, 1});
    feed(&w, &(srec){"leave", T(10), {HUMAN_STATUS(BOB_S, LG_STATUS_DEPARTED)}, 1});
    size_t before = w.out.n;
    apply_only(&w, KEY_USED("u1", T(5)));
    apply_only(&w, KEY_USED("u2", T(6)));
    apply_only(&w, KEY_USED("u3", T(20)));
    apply_only(&w, KEY_USED("u4", T(7)));
    char err[256];
    assert_int_equal(lg_detect_run(w.d, w.now, w.flush, cap_emit, &w.out, err, sizeof err), 0);
    assert_int_equal(lg_graph_commit(w.g, NULL, NULL, 0, err, sizeof err), 0);
    int u = find(&w.out, LG_DERIVED_USED_AFTER_DEPARTURE, "AKIAU");
    assert_true(u >= (int)before);
    assert_int_equal(w.out.times[u], T(20));
    assert_string_equal(w.out.owners[u], BOB);
    world_close(&w, true);
}

/* ---- batch boundaries change nothing ---- */

/* Every field of every derived event, one line each. */
typedef struct lines {
    char *l[64];
    size_t n;
} lines;

static int line_emit(void *opaque, const lg_derived *ev) {
    lines *c = opaque;
    char buf[4096];
    size_t n = (size_t)snprintf(
        buf, sizeof buf, "%d|%s|%lld|%s|%s|%s|%s|%s|%lld|%d|%s|%s|%s|", (int)ev->type, ev->event_id,
        (long long)ev->event_time_ms, ev->subject_id, ev->subject_kind,
        ev->subject_name ? ev->subject_name : "-", ev->owner_id ? ev->owner_id : "-",
        ev->owner_status ? ev->owner_status : "-", (long long)ev->owner_departed_ms,
        (int)ev->privileged, ev->reason, ev->resolves ? ev->resolves : "-",
        ev->tenant ? ev->tenant : "-");
    for (size_t i = 0; i < ev->nevidence && n < sizeof buf; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "e:%s|", ev->evidence[i]);
    for (size_t i = 0; i < ev->nchain && n < sizeof buf; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "c:%s|", ev->chain[i]);
    if (c->n >= 64)
        return -1;
    c->l[c->n++] = strdup(buf);
    return 0;
}

static int cmp_line(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays recs in order with a node cache of max_cached (0: the default),
 * committing every `batch` records (and at the end); returns every derived
 * event, sorted. */
static void run_batches(const srec *recs, size_t n, size_t batch, size_t max_cached, lines *out) {
    world w = {.max_cached = max_cached};
    world_open(&w);
    char err[256];
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        apply_only(&w, &recs[i]);
        if ((i + 1) % batch == 0 || i + 1 == n) {
            assert_int_equal(lg_detect_run(w.d, w.now, true, line_emit, out, err, sizeof err), 0);
            assert_int_equal(lg_graph_commit(w.g, NULL, NULL, 0, err, sizeof err), 0);
            if (max_cached)
                assert_true(lg_graph_cached(w.g) <= max_cached);
        }
    }
    qsort(out->l, out->n, sizeof out->l[0], cmp_line);
    world_close(&w, true);
}

static void lines_free(lines *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->l[i]);
}

/* Replays recs in batches of `batch` with a node cache of max_cached (0: the
 * default) and checks every derived event against ref, one record per batch. */
static void assert_batches_same(const srec *recs, size_t n, size_t batch, size_t max_cached,
                                const lines *ref) {
    lines c;
    run_batches(recs, n, batch, max_cached, &c);
    if (c.n != ref->n)
        fail_msg("cache %zu, batch size %zu: %zu derived events, %zu with 1", max_cached, batch,
                 c.n, ref->n);
    for (size_t i = 0; i < c.n; i++)
        if (strcmp(c.l[i], ref->l[i]) != 0)
            fail_msg("cache %zu, batch size %zu:\n  %s\nbatch size 1:\n  %s", max_cached, batch,
                     c.l[i], ref->l[i]);
    lines_free(&c);
}

#define USE(id, t, kind_, subj, parent_, action)                                                   \
    {                                                                                              \
        (id), (t),                                                                                 \
            {{.type = LG_FACT_USED,                                                                \
              .kind = (kind_),                                                                     \
              .subject = S(subj),                                                                  \
              .parent_kind = LG_NODE_IAM_USER,                                                     \
              .parent = S(parent_),                                                                \
              .detail = S(action)}},                                                               \
            1                                                                                      \
    }

/* A stream in event-time order (plus one identity whose creation arrives
 * after its uses): the derived events, every field of them (reasons quote
 * the use that triggered them, times are its time, evidence its event),
 * are the same whatever the batch size. */
static void test_batch_size_independent(void **state) {
    (void)state;
    const srec recs[] = {
        {"user", T(0), {CREATED(LG_NODE_IAM_USER, USER_ARN, LG_NODE_HUMAN, BOB_S)}, 1},
        {"key",
         T(1),
         {{.type = LG_FACT_CREATED,
           .kind = LG_NODE_ACCESS_KEY,
           .subject = S("AKIAK1"),
           .actor_kind = LG_NODE_HUMAN,
           .actor = S(BOB_S),
           .parent_kind = LG_NODE_IAM_USER,
           .parent = S(USER_ARN)}},
         1},
        {"tok", T(2), {CREATED(LG_NODE_OKTA_API_TOKEN, "00TOK", LG_NODE_HUMAN, BOB_S)}, 1},
        {"agent",
         T(2),
         {CREATED(LG_NODE_AGENT, "AGENT1", LG_NODE_HUMAN, BOB_S),
          {.type = LG_FACT_AGENT_ROLE,
           .kind = LG_NODE_AGENT,
           .subject = S("AGENT1"),
           .parent_kind = LG_NODE_IAM_ROLE,
           .parent = S("arn:aws:iam::111:role/agent-exec")}},
         2},
        USE("u1", T(5), LG_NODE_ACCESS_KEY, "AKIAK1", USER_ARN, "ListBuckets"),
        USE("u2", T(8), LG_NODE_ACCESS_KEY, "AKIAK1", USER_ARN, "GetObject"),
        {"leave", T(10), {HUMAN_STATUS(BOB_S, LG_STATUS_DEPARTED)}, 1},
        USE("u3", T(11), LG_NODE_ACCESS_KEY, "AKIAK1", USER_ARN, "PutObject"),
        USE("u4", T(12), LG_NODE_ACCESS_KEY, "AKIAK1", USER_ARN, "DeleteObject"),
        {"revoke1",
         T(13),
         {{.type = LG_FACT_DELETED, .kind = LG_NODE_OKTA_API_TOKEN, .subject = S("00TOK")}},
         1},
        {"revoke2",
         T(14),
         {{.type = LG_FACT_DELETED, .kind = LG_NODE_OKTA_API_TOKEN, .subject = S("00TOK")}},
         1},
        {"sess",
         T(15),
         {{.type = LG_FACT_USED,
           .kind = LG_NODE_STS_SESSION,
           .subject = S("ASIAAGENT"),
           .parent_kind = LG_NODE_IAM_ROLE,
           .parent = S("arn:aws:iam::111:role/agent-exec"),
           .detail = S("InvokeModel")}},
         1},
        USE("u5", T(16), LG_NODE_ACCESS_KEY, "AKIAK1", USER_ARN, "ListBuckets"),
        /* a key of a user whose creation arrives after the key's uses */
        USE("v1", T(20), LG_NODE_ACCESS_KEY, "AKIAK3", "arn:aws:iam::111:user/late", "Describe"),
        USE("v2", T(21), LG_NODE_ACCESS_KEY, "AKIAK3", "arn:aws:iam::111:user/late", "Get"),
        USE("v3", T(19), LG_NODE_ACCESS_KEY, "AKIAK3", "arn:aws:iam::111:user/late", "List"),
        {"late-user",
         T(1),
         {CREATED(LG_NODE_IAM_USER, "arn:aws:iam::111:user/late", LG_NODE_HUMAN, BOB_S)},
         1},
        USE("v4", T(22), LG_NODE_ACCESS_KEY, "AKIAK3", "arn:aws:iam::111:user/late", "Put"),
    };
    size_t n = sizeof recs / sizeof recs[0];
    lines ref;
    run_batches(recs, n, 1, 0, &ref);
    /* what the stream announces, one record per batch */
    bool used = false, late = false, resolved = false;
    for (size_t i = 0; i < ref.n; i++) {
        used |= strstr(ref.l[i], "AKIAK1 was used (PutObject)") != NULL;
        late |= strstr(ref.l[i], "AKIAK3 was used (Get)") != NULL;
        resolved |= strstr(ref.l[i], "00TOK is no longer orphaned: deleted") != NULL &&
                    strstr(ref.l[i], "|1700000780000|") != NULL; /* the first revocation */
    }
    assert_true(used);
    assert_true(late);
    assert_true(resolved);
    assert_true(ref.n >= 8);
    for (size_t b = 2; b <= n; b++)
        assert_batches_same(recs, n, b, 0, &ref);
    /* a node cache too small for the stream (emptied at commits, nodes
     * read back from the state) changes nothing either */
    for (size_t cached = 1; cached <= 4; cached++)
        for (size_t b = 1; b <= n; b += 3)
            assert_batches_same(recs, n, b, cached, &ref);
    lines_free(&ref);
}

/* STS session joined by access key id; agent acting through its role after
 * its authorising human left. */
static void test_session_and_agent(void **state) {
    (void)state;
    srec recs[] = {
        {"agent",
         T(0),
         {CREATED(LG_NODE_AGENT, "AGENT1", LG_NODE_HUMAN, BOB_S),
          {.type = LG_FACT_AGENT_ROLE,
           .kind = LG_NODE_AGENT,
           .subject = S("AGENT1"),
           .parent_kind = LG_NODE_IAM_ROLE,
           .parent = S("arn:aws:iam::1:role/agent-exec")}},
         2},
        {"leave", T(10), {HUMAN_STATUS(BOB_S, LG_STATUS_DEPARTED)}, 1},
        {"sess-use",
         T(20),
         {{.type = LG_FACT_USED,
           .kind = LG_NODE_STS_SESSION,
           .subject = S("ASIAAGENT"),
           .parent_kind = LG_NODE_IAM_ROLE,
           .parent = S("arn:aws:iam::1:role/agent-exec"),
           .detail = S("InvokeModel")}},
         1},
    };
    capture ref;
    assert_order_independent(recs, 3, &ref);
    world w = {0};
    world_open(&w);
    for (size_t i = 0; i < 3; i++)
        feed(&w, &recs[i]);
    assert_true(find(&w.out, LG_DERIVED_AGENT_DEPARTED_PRINCIPAL, "AGENT1") >= 0);
    assert_true(find(&w.out, LG_DERIVED_ORPHAN_NEW, "AGENT1") >= 0);
    /* session attributed through its issuer */
    feed(&w, &(srec){"assume",
                     T(30),
                     {{.type = LG_FACT_SESSION,
                       .kind = LG_NODE_STS_SESSION,
                       .subject = S("ASIAX"),
                       .actor_kind = LG_NODE_IAM_USER,
                       .actor = S("arn:aws:iam::1:user/ci"),
                       .parent_kind = LG_NODE_IAM_ROLE,
                       .parent = S("arn:aws:iam::1:role/deploy")}},
                     1});
    feed(&w, &(srec){"tag-ci",
                     T(0),
                     {{.type = LG_FACT_OWNER,
                       .kind = LG_NODE_IAM_USER,
                       .subject = S("arn:aws:iam::1:user/ci"),
                       .object = S("dana@acme.example")}},
                     1});
    lg_attribution a;
    lg_graph_attribute(w.g, lg_graph_get(w.g, "ASIAX", 5), INT64_MAX, &a);
    assert_string_equal(a.owner_id, "dana@acme.example");
    assert_int_equal(a.basis[0], LG_BASIS_SESSION);
    world_close(&w, true);
}

/* A late deletion that preceded the departure supersedes the orphan. */
static void test_superseded(void **state) {
    (void)state;
    world w = {0};
    world_open(&w);
    feed(&w, &(srec){"mk",
                     T(0),
                     {CREATED(LG_NODE_IAM_ROLE, "arn:aws:iam::1:role/old", LG_NODE_HUMAN, BOB_S)},
                     1});
    feed(&w, &(srec){"leave", T(10), {HUMAN_STATUS(BOB_S, LG_STATUS_DEPARTED)}, 1});
    assert_int_equal(w.out.n, 1);
    assert_int_equal(w.out.types[0], LG_DERIVED_ORPHAN_NEW);
    feed(&w, &(srec){"del",
                     T(5),
                     {{.type = LG_FACT_DELETED,
                       .kind = LG_NODE_IAM_ROLE,
                       .subject = S("arn:aws:iam::1:role/old")}},
                     1});
    assert_int_equal(w.out.n, 2);
    assert_int_equal(w.out.types[1], LG_DERIVED_ORPHAN_RESOLVED);
    /* nothing more on re-evaluation */
    feed(&w, &(srec){"leave2", T(11), {HUMAN_STATUS(BOB_S, LG_STATUS_DEPARTED)}, 1});
    assert_int_equal(w.out.n, 2);
    world_close(&w, true);
}

/* With a hold, an unsorted delivery (policy and key before the CreateUser
 * that names the owner) raises no false privileged_key.ownerless; a key that
 * stays ownerless is announced once the hold is over, or at a flush. */
static void test_ownerless_hold(void **state) {
    (void)state;
    world w = {0};
    world_open(&w);
    lg_detect_set_hold(w.d, 30000);
    w.now = 1000000;
    srec grant = {"ap",
                  T(0),
                  {{.type = LG_FACT_PRIVILEGE,
                    .kind = LG_NODE_IAM_USER,
                    .subject = S("arn:aws:iam::1:user/svc"),
                    .detail = S("arn:aws:iam::aws:policy/AdministratorAccess"),
                    .flag = true}},
                  1};
    srec key = {"ck",
                T(0),
                {{.type = LG_FACT_CREATED,
                  .kind = LG_NODE_ACCESS_KEY,
                  .subject = S("AKIASVC"),
                  .actor_kind = LG_NODE_HUMAN,
                  .actor = S(BOB_S),
                  .parent_kind = LG_NODE_IAM_USER,
                  .parent = S("arn:aws:iam::1:user/svc")}},
                1};
    feed(&w, &grant);
    feed(&w, &key);
    assert_int_equal(w.out.n, 0); /* held back */
    assert_int_not_equal(lg_detect_next_due(w.d), 0);
    w.now += 5000;
    feed(&w, &(srec){"cu",
                     T(0),
                     {CREATED(LG_NODE_IAM_USER, "arn:aws:iam::1:user/svc", LG_NODE_HUMAN, BOB_S)},
                     1});
    w.now += 60000;
    feed(&w, &(srec){"other", T(1), {HUMAN_STATUS("x@y.example", LG_STATUS_ACTIVE)}, 1});
    assert_int_equal(w.out.n, 0); /* the owner arrived in time: nothing to say */
    assert_int_equal(lg_detect_next_due(w.d), 0);

    /* a key that really has no owner is announced when the hold is over */
    feed(&w, &(srec){"ap2",
                     T(2),
                     {{.type = LG_FACT_PRIVILEGE,
                       .kind = LG_NODE_IAM_USER,
                       .subject = S("arn:aws:iam::1:user/legacy"),
                       .detail = S("arn:aws:iam::aws:policy/AdministratorAccess"),
                       .flag = true}},
                     1});
    feed(&w, &(srec){"ck2",
                     T(2),
                     {{.type = LG_FACT_USED,
                       .kind = LG_NODE_ACCESS_KEY,
                       .subject = S("AKIALEGACY"),
                       .parent_kind = LG_NODE_IAM_USER,
                       .parent = S("arn:aws:iam::1:user/legacy")}},
                     1});
    assert_int_equal(w.out.n, 0);
    w.now += 10000;
    feed(&w, &(srec){"noise", T(3), {HUMAN_STATUS("x@y.example", LG_STATUS_ACTIVE)}, 1});
    assert_int_equal(w.out.n, 0); /* 10 s < 30 s */
    w.now += 25000;
    feed(&w, &(srec){"noise2", T(4), {HUMAN_STATUS("z@y.example", LG_STATUS_ACTIVE)}, 1});
    assert_int_equal(w.out.n, 1);
    assert_int_equal(w.out.types[0], LG_DERIVED_PRIV_OWNERLESS);
    assert_string_equal(w.out.subjects[0], "AKIALEGACY");
    assert_int_equal(lg_detect_next_due(w.d), 0);

    /* a flush announces at once */
    feed(&w, &(srec){"ap3",
                     T(5),
                     {{.type = LG_FACT_PRIVILEGE,
                       .kind = LG_NODE_IAM_USER,
                       .subject = S("arn:aws:iam::1:user/other"),
                       .detail = S("arn:aws:iam::aws:policy/IAMFullAccess"),
                       .flag = true}},
                     1});
    feed(&w, &(srec){"ck3",
                     T(5),
                     {{.type = LG_FACT_USED,
                       .kind = LG_NODE_ACCESS_KEY,
                       .subject = S("AKIAOTHER"),
                       .parent_kind = LG_NODE_IAM_USER,
                       .parent = S("arn:aws:iam::1:user/other")}},
                     1});
    assert_int_equal(w.out.n, 1);
    w.flush = true;
    feed(&w, &(srec){"noise3", T(6), {HUMAN_STATUS("z@y.example", LG_STATUS_ACTIVE)}, 1});
    assert_int_equal(w.out.n, 2);
    assert_string_equal(w.out.subjects[1], "AKIAOTHER");
    world_close(&w, true);
}

/* Ownership cycles terminate with no owner. */
static void test_cycle(void **state) {
    (void)state;
    world w = {0};
    world_open(&w);
    feed(&w, &(srec){"a",
                     T(0),
                     {CREATED(LG_NODE_IAM_ROLE, "arn:aws:iam::1:role/a", LG_NODE_IAM_ROLE,
                              "arn:aws:iam::1:role/b"),
                      CREATED(LG_NODE_IAM_ROLE, "arn:aws:iam::1:role/b", LG_NODE_IAM_ROLE,
                              "arn:aws:iam::1:role/a")},
                     2});
    lg_attribution a;
    lg_graph_attribute(w.g, lg_graph_get(w.g, "arn:aws:iam::1:role/a", 21), INT64_MAX, &a);
    assert_null(a.owner_id);
    assert_true(a.cycle);
    /* found when the walk comes back to a, not at the chain's length limit */
    assert_int_equal(a.n, 1);
    assert_string_equal(a.chain[1], "arn:aws:iam::1:role/b");
    world_close(&w, true);
}

/* A secondary instance reads the daemon's state while it is open and
 * catches up on refresh. */
static void test_secondary_reader(void **state) {
    (void)state;
    world w = {0};
    world_open(&w);
    feed(&w, &(srec){"mk",
                     T(0),
                     {CREATED(LG_NODE_IAM_ROLE, "arn:aws:iam::1:role/one", LG_NODE_HUMAN, BOB_S)},
                     1});
    char err[256], sec[512];
    snprintf(sec, sizeof sec, "%s/secondary", w.dir);
    lg_graph_opts o = {.secondary_dir = sec};
    lg_graph *r = lg_graph_open(w.dir, &o, err, sizeof err);
    assert_non_null(r);
    assert_non_null(lg_graph_get(r, "arn:aws:iam::1:role/one", 23));
    assert_null(lg_graph_get(r, "arn:aws:iam::1:role/two", 23));
    feed(&w, &(srec){"mk2",
                     T(1),
                     {CREATED(LG_NODE_IAM_ROLE, "arn:aws:iam::1:role/two", LG_NODE_HUMAN, BOB_S)},
                     1});
    assert_int_equal(lg_graph_refresh(r, err, sizeof err), 0);
    lg_node *two = lg_graph_get(r, "arn:aws:iam::1:role/two", 23);
    assert_non_null(two);
    lg_attribution a;
    lg_graph_attribute(r, two, INT64_MAX, &a);
    assert_string_equal(a.owner_id, BOB);
    assert_int_equal(lg_graph_commit(r, NULL, NULL, 0, err, sizeof err), -1); /* read-only */
    lg_graph_close(r);
    world_close(&w, true);
}

typedef struct linkset {
    size_t n;
    char to[4][64];
    char link[4];
} linkset;

static int collect_link(void *opaque, const char *to, char link) {
    linkset *l = opaque;
    if (l->n >= 4)
        return -1;
    snprintf(l->to[l->n], sizeof l->to[0], "%s", to);
    l->link[l->n++] = link;
    return 0;
}

/* Lists id's links (any type when link is 0); expects exactly one, to want,
 * or none when want is NULL. */
static void assert_links(lg_graph *g, const char *id, char link, const char *want) {
    linkset l = {0};
    assert_int_equal(lg_graph_links(g, id, link, collect_link, &l), 0);
    assert_int_equal(l.n, want ? 1 : 0);
    if (want)
        assert_string_equal(l.to[0], want);
}

#define USER_A "arn:aws:iam::1:user/a"
#define USER_AB "arn:aws:iam::1:user/ab"

/* A node's links are its own, never those of an id it is a prefix of,
 * pending, committed in the memtable, or in a table file after a reopen
 * (the links family seeks by from-id prefix with bloom filters). */
static void test_links_by_prefix(void **state) {
    (void)state;
    world w = {0};
    world_open(&w);
    char err[256];
    lg_record rec = {.source = LG_SRC_CLOUDTRAIL, .event_id = S("mk"), .time_ms = T(0)};
    const lg_fact f[] = {CREATED(LG_NODE_ACCESS_KEY, "key-a", LG_NODE_IAM_USER, USER_A),
                         CREATED(LG_NODE_ACCESS_KEY, "key-ab", LG_NODE_IAM_USER, USER_AB)};
    for (int i = 0; i < 2; i++)
        assert_int_equal(lg_graph_apply(w.g, &rec, &f[i], err, sizeof err), 0);
    for (int round = 0; round < 3; round++) {
        assert_links(w.g, USER_A, 0, "key-a");
        assert_links(w.g, USER_A, LG_LINK_CREATED, "key-a");
        assert_links(w.g, USER_A, LG_LINK_OWNER, NULL);
        assert_links(w.g, USER_AB, 0, "key-ab");
        assert_links(w.g, "arn:aws:iam::1:user/", 0, NULL);
        assert_links(w.g, "key-a", 0, NULL);
        if (round == 0) /* then committed, in the memtable */
            assert_int_equal(lg_graph_commit(w.g, NULL, NULL, 0, err, sizeof err), 0);
        else if (round == 1) { /* then in a table file: reopening flushes the log */
            lg_detect_destroy(w.d);
            lg_graph_close(w.g);
            world_open(&w);
        }
    }
    world_close(&w, true);
}

/* Creates keys key-<from>..key-<to - 1> for USER_A as one record. */
static void make_keys(world *w, int from, int to) {
    char err[256], id[32];
    lg_record rec = {.source = LG_SRC_CLOUDTRAIL, .event_id = S("keys"), .time_ms = T(from)};
    for (int i = from; i < to; i++) {
        snprintf(id, sizeof id, "key-%d", i);
        lg_fact f = CREATED(LG_NODE_ACCESS_KEY, "", LG_NODE_IAM_USER, USER_A);
        f.subject = (lg_str){id, strlen(id)};
        assert_int_equal(lg_graph_apply(w->g, &rec, &f, err, sizeof err), 0);
    }
}

/* Whether id was in the node cache: reading it does not grow the cache.
 * Also checks that the node, new or decoded, keeps its id where the
 * cache's lookups read it (lg_node_id_of). */
static bool was_cached(world *w, const char *id) {
    size_t before = lg_graph_cached(w->g);
    const lg_node *n = lg_graph_get(w->g, id, strlen(id));
    assert_non_null(n);
    assert_ptr_equal(lg_node_id_of(n), n->id);
    assert_string_equal(n->id, id);
    return lg_graph_cached(w->g) == before;
}

/* A commit that finds the node cache over its bound keeps the humans and
 * the nodes read again since they were loaded (at most half the bound),
 * and a kept node that is not read again goes at the next trim. */
static void test_cache_trim(void **state) {
    (void)state;
    world w = {.max_cached = 8};
    world_open(&w);
    char err[256];
    lg_record rec = {.source = LG_SRC_OKTA, .event_id = S("st"), .time_ms = T(0)};
    const lg_fact st = HUMAN_STATUS(BOB_S, LG_STATUS_ACTIVE);
    assert_int_equal(lg_graph_apply(w.g, &rec, &st, err, sizeof err), 0);
    make_keys(&w, 0, 10); /* USER_A is read once per key */
    assert_non_null(lg_graph_get(w.g, "key-0", 5));
    assert_non_null(lg_graph_get(w.g, "key-0", 5));
    assert_int_equal(lg_graph_cached(w.g), 12);
    assert_int_equal(lg_graph_commit(w.g, NULL, NULL, 0, err, sizeof err), 0);
    assert_int_equal(lg_graph_cached(w.g), 3);
    assert_true(was_cached(&w, BOB_S));
    assert_true(was_cached(&w, USER_A));
    assert_true(was_cached(&w, "key-0"));
    assert_false(was_cached(&w, "key-5"));
    /* key-0 and key-5 are not read again before the next trim */
    make_keys(&w, 10, 20);
    assert_int_equal(lg_graph_commit(w.g, NULL, NULL, 0, err, sizeof err), 0);
    assert_int_equal(lg_graph_cached(w.g), 2);
    assert_true(was_cached(&w, BOB_S));
    assert_true(was_cached(&w, USER_A));
    assert_false(was_cached(&w, "key-0"));
    world_close(&w, true);
}

/* Applies bob's status at minute min as a batch of its own; returns the
 * touch flags it left on bob (0: not touched). */
static unsigned status_touch(world *w, const char *evt, int min, lg_human_status st) {
    char err[256];
    lg_record rec = {.source = LG_SRC_OKTA, .event_id = {evt, strlen(evt)}, .time_ms = T(min)};
    const lg_fact f = HUMAN_STATUS(BOB_S, st);
    assert_int_equal(lg_graph_apply(w->g, &rec, &f, err, sizeof err), 0);
    lg_node **nodes;
    const unsigned *flags;
    const uint32_t *seqs;
    size_t n = lg_graph_touched(w->g, &nodes, &flags, &seqs);
    unsigned out = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(nodes[i]->id, BOB) == 0)
            out = flags[i];
    assert_int_equal(lg_graph_commit(w->g, NULL, NULL, 0, err, sizeof err), 0);
    return out;
}

/* A status that leaves departed-ness unchanged at every instant (active
 * by default) re-evaluates nothing under the human; one that starts or ends
 * a departed span does, wherever it lands in time, and at an instant shared
 * with other statuses (ordered by event id) so does one that lands after an
 * item departed otherwise than it, as one that splits a run of departures;
 * every status is kept. */
static void test_repeated_status(void **state) {
    (void)state;
    world w = {0};
    world_open(&w);
    status_touch(&w, "s0", 1, LG_STATUS_ACTIVE); /* bob is new: touched as such */
    assert_int_equal(status_touch(&w, "s1", 10, LG_STATUS_ACTIVE), 0);
    assert_int_equal(status_touch(&w, "s2", 20, LG_STATUS_SUSPENDED), 0);
    assert_int_equal(status_touch(&w, "s3", 25, LG_STATUS_SUSPENDED), 0);
    assert_int_equal(status_touch(&w, "s4", 30, LG_STATUS_ACTIVE), 0);
    assert_int_equal(status_touch(&w, "s5", 0, LG_STATUS_ACTIVE), 0); /* before all */
    assert_int_equal(status_touch(&w, "s6", 15, LG_STATUS_SUSPENDED), 0);
    assert_int_equal(status_touch(&w, "s7", 20, LG_STATUS_ACTIVE), 0); /* a tie, after s2 */
    assert_true(status_touch(&w, "s8", 40, LG_STATUS_DEPARTED) & LG_TOUCH_STRUCT);
    assert_int_equal(status_touch(&w, "s9", 50, LG_STATUS_DEPARTED), 0); /* departed again */
    assert_true(status_touch(&w, "s10", 45, LG_STATUS_ACTIVE) & LG_TOUCH_STRUCT); /* back */
    assert_int_equal(status_touch(&w, "s10", 45, LG_STATUS_ACTIVE), 0); /* known: no change */
    assert_true(status_touch(&w, "s11", 35, LG_STATUS_DEPARTED) & LG_TOUCH_STRUCT); /* earlier */
    /* ties: t1 < t2 < t3 and u1 < u2 < u3 by event id */
    assert_int_equal(status_touch(&w, "t1", 60, LG_STATUS_DEPARTED), 0); /* after s9 */
    assert_int_equal(status_touch(&w, "t3", 60, LG_STATUS_DEPARTED), 0);
    assert_true(status_touch(&w, "t2", 60, LG_STATUS_ACTIVE) & LG_TOUCH_STRUCT); /* splits */
    assert_true(status_touch(&w, "u2", 70, LG_STATUS_ACTIVE) & LG_TOUCH_STRUCT);
    assert_int_equal(status_touch(&w, "u1", 70, LG_STATUS_DEPARTED), 0);           /* before u2 */
    assert_true(status_touch(&w, "u3", 70, LG_STATUS_DEPARTED) & LG_TOUCH_STRUCT); /* after */
    lg_node *bob = lg_graph_get(w.g, BOB, strlen(BOB));
    assert_non_null(bob);
    assert_int_equal(bob->status.n, 18);
    int64_t since = 0;
    const char *evt = NULL;
    assert_int_equal(lg_node_status_at(bob, T(65), &since, &evt), LG_STATUS_DEPARTED);
    assert_int_equal(since, T(60));
    assert_true(strstr(evt, "t3") != NULL); /* t2 split the run */
    assert_int_equal(lg_node_status_at(bob, T(75), &since, &evt), LG_STATUS_DEPARTED);
    assert_true(strstr(evt, "u3") != NULL);
    assert_int_equal(lg_node_status_at(bob, T(26), NULL, &evt), LG_STATUS_SUSPENDED);
    assert_non_null(evt);
    assert_true(strstr(evt, "s3") != NULL);
    assert_int_equal(lg_node_status_at(bob, T(36), NULL, NULL), LG_STATUS_DEPARTED);
    assert_int_equal(lg_node_status_at(bob, T(47), NULL, NULL), LG_STATUS_ACTIVE);
    assert_int_equal(lg_node_status_at(bob, T(55), NULL, NULL), LG_STATUS_DEPARTED);
    world_close(&w, true);
}

/* Whether id links (by any type) to want and to nothing else; a link of the
 * batch being written may be listed twice (committed and pending). */
static bool links_only_to(lg_graph *g, const char *id, const char *want) {
    linkset l = {0};
    assert_int_equal(lg_graph_links(g, id, 0, collect_link, &l), 0);
    for (size_t i = 0; i < l.n; i++)
        if (strcmp(l.to[i], want) != 0)
            return false;
    return l.n > 0;
}

/* The record creating access key <tag>-KEY<i> by actor at minute i (event
 * id <tag>-<i>), in the caller's buffers key and evt (32 bytes each). */
static void key_created(const char *tag, int i, const char *actor, char *key, char *evt,
                        lg_record *rec, lg_fact *f) {
    snprintf(key, 32, "%s-KEY%06d", tag, i);
    snprintf(evt, 32, "%s-%d", tag, i);
    *rec =
        (lg_record){.source = LG_SRC_CLOUDTRAIL, .event_id = {evt, strlen(evt)}, .time_ms = T(i)};
    *f = (lg_fact)CREATED(LG_NODE_ACCESS_KEY, "", LG_NODE_IAM_USER, "");
    f->subject = (lg_str){key, strlen(key)};
    f->actor = (lg_str){actor, strlen(actor)};
}

/* Applies round r's record to g as a new event: user r creates access key
 * r (user, key, evt: 64, 64 and 32 bytes, filled in). */
static void apply_round(lg_graph *g, const char *tag, int r, char *user, char *key, char *evt) {
    char err[256];
    snprintf(user, 64, "arn:aws:iam::1:user/u%d", r);
    lg_record rec;
    lg_fact f;
    key_created(tag, r, user, key, evt, &rec, &f);
    assert_int_equal(lg_graph_check_seen(g, rec.source, rec.event_id, rec.time_ms, err, sizeof err),
                     0);
    assert_int_equal(lg_graph_apply(g, &rec, &f, err, sizeof err), 0);
}

/* With async_write each batch reads what the batch before it committed
 * while that one is still being written (its dedupe keys, links and
 * nodes), and everything is on disk after lg_graph_sync, in order. */
static void test_async_reads_in_flight(void **state) {
    (void)state;
    async_mode = true;
    world w = {0};
    world_open(&w);
    char err[256], user[64], key[64], evt[32];
    enum { ROUNDS = 200 };
    for (int r = 0; r < ROUNDS; r++) {
        apply_round(w.g, "ASYNC", r, user, key, evt);
        char pos[16];
        snprintf(pos, sizeof pos, "%d", r);
        const char *pk = "file/test", *pv = pos;
        assert_int_equal(lg_graph_commit(w.g, &pk, &pv, 1, err, sizeof err), 0);
        /* the next batch, at once: the write above is most likely still
         * running */
        assert_int_equal(lg_graph_check_seen(w.g, LG_SRC_CLOUDTRAIL, (lg_str){evt, strlen(evt)},
                                             T(r), err, sizeof err),
                         1);
        assert_true(links_only_to(w.g, user, key));
        assert_non_null(lg_graph_get(w.g, key, strlen(key)));
    }
    assert_int_equal(lg_graph_sync(w.g, err, sizeof err), 0);
    char *pos = NULL;
    assert_int_equal(lg_graph_meta_get(w.g, "file/test", &pos, err, sizeof err), 0);
    assert_non_null(pos);
    assert_int_equal(atoi(pos), ROUNDS - 1);
    free(pos);
    lg_detect_destroy(w.d);
    lg_graph_close(w.g);
    /* reopened without the writer: every batch is on disk */
    async_mode = false;
    world_open(&w);
    for (int r = 0; r < ROUNDS; r++) {
        snprintf(user, sizeof user, "arn:aws:iam::1:user/u%d", r);
        lg_record rec;
        lg_fact f;
        key_created("ASYNC", r, user, key, evt, &rec, &f);
        assert_int_equal(lg_graph_check_seen(w.g, LG_SRC_CLOUDTRAIL, (lg_str){evt, strlen(evt)},
                                             T(r), err, sizeof err),
                         1);
        assert_links(w.g, user, 0, key);
        const lg_node *n = lg_graph_get(w.g, key, strlen(key));
        assert_non_null(n);
        assert_int_equal(n->kind, LG_NODE_ACCESS_KEY);
    }
    world_close(&w, true);
}

/* A changelog consumer for test_async_changelog: puts every change into
 * another graph and notes whether the batch's key and the previous batch's
 * key were among its nodes. */
typedef struct cl_copy {
    lg_graph *to;
    const char *key, *prev;
    bool saw_key, saw_prev;
} cl_copy;

static int cl_put(void *opaque, int cf, const char *k, size_t kn, const char *v, size_t vn) {
    cl_copy *c = opaque;
    if (cf == LG_CF_NODES) {
        c->saw_key |= strlen(c->key) == kn && memcmp(c->key, k, kn) == 0;
        c->saw_prev |= c->prev && strlen(c->prev) == kn && memcmp(c->prev, k, kn) == 0;
    }
    return lg_graph_restore_put(c->to, cf, k, kn, v, vn);
}

/* Whether this process has a thread named name (its comm). */
static bool thread_named(const char *name) {
    bool found = false;
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d && !found && (e = readdir(d)) != NULL) {
        char path[300], comm[64] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (f && fgets(comm, sizeof comm, f))
            found = strncmp(comm, name, strlen(name)) == 0 && comm[strlen(name)] == '\n';
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
    return found;
}

static bool writer_named(void *arg) {
    (void)arg;
    return thread_named("lg state write");
}

/* The graph stage's way: changes captured for the changelog, each batch
 * written on the writer thread. Each batch's changes are its own (none of
 * the batch still being written), and a graph rebuilt from nothing but
 * the captured changes holds every batch. */
static void test_async_changelog(void **state) {
    (void)state;
    char err[256], user[64], key[64], prev[64], evt[32];
    char *dir = tu_tmpdir("lg-async-cl"), *copy = tu_tmpdir("lg-async-copy");
    lg_graph_opts o = {.changelog = true, .async_write = true};
    lg_graph *g = lg_graph_open(dir, &o, err, sizeof err);
    lg_graph_opts oc = {0};
    lg_graph *c = lg_graph_open(copy, &oc, err, sizeof err);
    assert_non_null(g);
    assert_non_null(c);
    enum { ROUNDS = 100 };
    for (int r = 0; r < ROUNDS; r++) {
        apply_round(g, "CL", r, user, key, evt);
        assert_int_equal(lg_graph_prepare(g, err, sizeof err), 0);
        cl_copy cc = {.to = c, .key = key, .prev = r ? prev : NULL};
        assert_int_equal(lg_graph_changes(g, cl_put, &cc), 0);
        assert_true(cc.saw_key);
        assert_false(cc.saw_prev);
        assert_int_equal(lg_graph_commit(c, NULL, NULL, 0, err, sizeof err), 0);
        assert_int_equal(lg_graph_commit(g, NULL, NULL, 0, err, sizeof err), 0);
        if (r == 0) /* the write really is on the writer thread (named as it starts) */
            assert_true(tu_poll(writer_named, NULL, 5000));
        snprintf(prev, sizeof prev, "%s", key);
    }
    assert_int_equal(lg_graph_sync(g, err, sizeof err), 0);
    lg_graph_close(g);
    for (int r = 0; r < ROUNDS; r++) {
        snprintf(user, sizeof user, "arn:aws:iam::1:user/u%d", r);
        lg_record rec;
        lg_fact f;
        key_created("CL", r, user, key, evt, &rec, &f);
        assert_int_equal(lg_graph_check_seen(c, LG_SRC_CLOUDTRAIL, (lg_str){evt, strlen(evt)}, T(r),
                                             err, sizeof err),
                         1);
        assert_links(c, user, 0, key);
        const lg_node *n = lg_graph_get(c, key, strlen(key));
        assert_non_null(n);
        assert_int_equal(n->kind, LG_NODE_ACCESS_KEY);
    }
    lg_graph_close(c);
    tu_rmtree(dir);
    tu_rmtree(copy);
    free(dir);
    free(copy);
}

/* Commits one batch creating access keys first..first+n-1 of user u (long
 * names make the batch large), at position pos. Returns the commit's result. */
static int commit_keys(lg_graph *g, int first, int n, const char *pos, char *err, size_t errsz) {
    static char name[600];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    for (int i = first; i < first + n; i++) {
        char key[32], evt[32];
        lg_record rec;
        lg_fact f;
        key_created("WFAIL", i, "arn:aws:iam::1:user/u", key, evt, &rec, &f);
        f.detail = (lg_str){name, strlen(name)};
        if (lg_graph_apply(g, &rec, &f, err, errsz) != 0)
            return -2;
    }
    const char *pk = "file/test";
    return lg_graph_commit(g, &pk, &pos, 1, err, errsz);
}

/* The largest file under dir (not recursive), in bytes. */
static off_t largest_file(const char *dir) {
    off_t max = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char path[4200];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > max)
            max = st.st_size;
    }
    if (d)
        closedir(d);
    return max;
}

/* The child of test_async_write_failure: exits 0 when every step went as
 * expected, else with the number of the step that did not. */
static int write_failure_child(const char *dir) {
    char err[512] = "";
    lg_graph_opts o = {.async_write = true};
    lg_graph *g = lg_graph_open(dir, &o, err, sizeof err);
    if (!g)
        return 10;
    if (commit_keys(g, 0, 1, "1", err, sizeof err) != 0 || lg_graph_sync(g, err, sizeof err) != 0)
        return 11;
    /* from now on no file may grow past its size plus 64 KiB: the next
     * batch (about 1.3 MB) cannot reach the write-ahead log. Ignoring
     * SIGXFSZ turns the kill into EFBIG, as lineaged's main does. */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {(rlim_t)largest_file(dir) + 65536, (rlim_t)largest_file(dir) + 65536};
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        return 12;
    /* handed to the writer: its failure is told by the next commit */
    if (commit_keys(g, 1, 2000, "2", err, sizeof err) == -2)
        return 13;
    err[0] = '\0';
    if (commit_keys(g, 3000, 1, "3", err, sizeof err) != -1 || !strstr(err, "write batch") ||
        !strstr(err, "File too large"))
        return 14;
    err[0] = '\0';
    if (commit_keys(g, 3001, 1, "4", err, sizeof err) != -1 || !strstr(err, "write batch"))
        return 15; /* the error stays */
    if (lg_graph_sync(g, err, sizeof err) != -1)
        return 16;
    lg_graph_close(g);
    return 0;
}

/* A batch whose write fails on the writer thread (the disk refuses it:
 * here the file size limit) fails the next commit, every later one and the
 * sync, with the reason; the disk holds whole batches in order: reopened,
 * the state has the batches before the failure and nothing from it on. In
 * a child process, since the limit applies to the whole process. */
static void test_async_write_failure(void **state) {
    (void)state;
    char *dir = tu_tmpdir("lg-wfail");
    assert_non_null(dir);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(write_failure_child(dir));
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    char err[256];
    lg_graph_opts o = {0};
    lg_graph *g = lg_graph_open(dir, &o, err, sizeof err);
    assert_non_null(g);
    char *pos = NULL;
    assert_int_equal(lg_graph_meta_get(g, "file/test", &pos, err, sizeof err), 0);
    assert_non_null(pos);
    assert_string_equal(pos, "1");
    free(pos);
    assert_non_null(lg_graph_get(g, "WFAIL-KEY000000", 15));
    assert_null(lg_graph_get(g, "WFAIL-KEY000001", 15));
    assert_null(lg_graph_get(g, "WFAIL-KEY002000", 15));
    assert_null(lg_graph_get(g, "WFAIL-KEY003000", 15));
    assert_int_equal(
        lg_graph_check_seen(g, LG_SRC_CLOUDTRAIL, (lg_str){"WFAIL-1", 7}, T(1), err, sizeof err),
        0);
    lg_graph_close(g);
    tu_rmtree(dir);
    free(dir);
}

/* Dedupe keys of events older than the retention behind the newest event
 * time checked are dropped when RocksDB compacts, newer ones stay; without a
 * retention every key stays. */
static void test_seen_retention(void **state) {
    (void)state;
    static const struct {
        const char *id;
        int min;
    } ev[] = {{"e0", 0}, {"e5", 300}, {"e9", 540}, {"e10", 600}};
    for (int forever = 0; forever < 2; forever++) {
        char *dir = tu_tmpdir("lg-seen");
        assert_non_null(dir);
        char err[256];
        lg_graph_opts o = {.seen_retention_ms = forever ? 0 : 2 * 3600000};
        lg_graph *g = lg_graph_open(dir, &o, err, sizeof err);
        assert_non_null(g);
        for (size_t i = 0; i < 4; i++) {
            lg_str id = {ev[i].id, strlen(ev[i].id)};
            assert_int_equal(lg_graph_check_seen(g, LG_SRC_OKTA, id, T(ev[i].min), err, sizeof err),
                             0);
            assert_int_equal(lg_graph_commit(g, NULL, NULL, 0, err, sizeof err), 0);
        }
        assert_int_equal(lg_graph_compact(g, err, sizeof err), 0);
        /* the newest is 10 h after e0: 2 h keep e9 and e10 */
        for (size_t i = 0; i < 4; i++) {
            lg_str id = {ev[i].id, strlen(ev[i].id)};
            int want = forever || ev[i].min >= 540;
            assert_int_equal(lg_graph_check_seen(g, LG_SRC_OKTA, id, T(ev[i].min), err, sizeof err),
                             want);
        }
        lg_graph_close(g);
        tu_rmtree(dir);
        free(dir);
    }
}

/* Counts a prepared batch's dedupe-key changes (lg_graph_changes). */
typedef struct seen_changes {
    int puts, dels;
} seen_changes;

static int count_seen(void *opaque, int cf, const char *k, size_t kn, const char *v, size_t vn) {
    (void)k, (void)vn;
    seen_changes *c = opaque;
    if (cf == LG_CF_SEEN && kn == 16)
        *(v ? &c->puts : &c->dels) += 1;
    return 0;
}

/* Checks event id at minute min (want: lg_graph_check_seen's answer), then
 * prepares and commits the batch; returns its dedupe-key changes. */
static seen_changes seen_batch(lg_graph *g, const char *id, int min, int want) {
    char err[256];
    assert_int_equal(
        lg_graph_check_seen(g, LG_SRC_OKTA, (lg_str){id, strlen(id)}, T(min), err, sizeof err),
        want);
    seen_changes c = {0, 0};
    assert_int_equal(lg_graph_prepare(g, err, sizeof err), 0);
    assert_int_equal(lg_graph_changes(g, count_seen, &c), 0);
    assert_int_equal(lg_graph_commit(g, NULL, NULL, 0, err, sizeof err), 0);
    return c;
}

/* With a changelog the batches delete the dedupe keys past the retention
 * themselves, so that their tombstones reach the changelog (the compaction
 * filter cannot tell it): oldest first, at least 4,096 a batch, resuming
 * where the previous batch stopped; a key filed late under an expired hour
 * goes too; the keys within the retention stay. */
static void test_seen_expiry_changelog(void **state) {
    (void)state;
    char *dir = tu_tmpdir("lg-seen-cl");
    assert_non_null(dir);
    char err[256], id[32];
    lg_graph_opts o = {.changelog = true, .seen_retention_ms = 2 * 3600000};
    lg_graph *g = lg_graph_open(dir, &o, err, sizeof err);
    assert_non_null(g);
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof id, "old-%d", i);
        assert_int_equal(lg_graph_check_seen(g, LG_SRC_OKTA, (lg_str){id, strlen(id)}, T(i % 60),
                                             err, sizeof err),
                         0);
    }
    seen_changes c = {0, 0};
    assert_int_equal(lg_graph_prepare(g, err, sizeof err), 0);
    assert_int_equal(lg_graph_changes(g, count_seen, &c), 0);
    assert_int_equal(c.puts, 5000);
    assert_int_equal(c.dels, 0); /* within the retention of the newest */
    assert_int_equal(lg_graph_commit(g, NULL, NULL, 0, err, sizeof err), 0);

    /* 10 h later: all 5,000 are past the 2 h retention; a batch that is
     * aborted deletes nothing, and the next one starts over */
    assert_int_equal(
        lg_graph_check_seen(g, LG_SRC_OKTA, (lg_str){"new-0", 5}, T(600), err, sizeof err), 0);
    c = (seen_changes){0, 0};
    assert_int_equal(lg_graph_prepare(g, err, sizeof err), 0);
    assert_int_equal(lg_graph_changes(g, count_seen, &c), 0);
    assert_int_equal(c.dels, 4096);
    lg_graph_abort(g);
    c = seen_batch(g, "new-1", 600, 0);
    assert_int_equal(c.puts, 1);
    assert_int_equal(c.dels, 4096);
    c = seen_batch(g, "new-2", 601, 0);
    assert_int_equal(c.dels, 5000 - 4096);
    c = seen_batch(g, "new-3", 602, 0);
    assert_int_equal(c.dels, 0);
    /* forgotten without any compaction: a re-delivery that old is new, and
     * is not kept */
    c = seen_batch(g, "old-7", 7, 0);
    assert_int_equal(c.puts + c.dels, 0);
    c = seen_batch(g, "old-7", 7, 0);
    assert_int_equal(c.puts + c.dels, 0);
    c = seen_batch(g, "new-1", 600, 1); /* within the retention: still seen */
    assert_int_equal(c.puts + c.dels, 0);
    assert_int_equal(lg_graph_seen_expired(g), 5000); /* the aborted batch's not counted */
    lg_graph_close(g);
    tu_rmtree(dir);
    free(dir);

    /* written on the writer thread: a key of the batch in flight that the
     * next batch puts past the retention is deleted once */
    dir = tu_tmpdir("lg-seen-cl");
    o.async_write = true;
    g = lg_graph_open(dir, &o, err, sizeof err);
    assert_non_null(g);
    c = seen_batch(g, "a", 0, 0);
    assert_int_equal(c.puts, 1);
    c = seen_batch(g, "b", 60, 0); /* hour 1: "a" is within 2 h */
    assert_int_equal(c.dels, 0);
    c = seen_batch(g, "c", 240, 0); /* hour 4: "a" and "b" are not */
    assert_int_equal(c.dels, 2);
    c = seen_batch(g, "d", 241, 0);
    assert_int_equal(c.dels, 0);
    lg_graph_close(g);
    tu_rmtree(dir);
    free(dir);
}

/* The scenarios above again, each batch written on the writer thread while
 * the next one is built: the same derived events. */
static void test_async_scenarios(void **state) {
    async_mode = true;
    test_orphan_any_order(state);
    test_status_noise_any_order(state);
    test_late_creation_and_reactivation(state);
    test_explicit_owner_and_privileged(state);
    test_batch_size_independent(state);
    test_session_and_agent(state);
    test_superseded(state);
    test_ownerless_hold(state);
    test_cache_trim(state);
    test_repeated_status(state);
    async_mode = false;
}

/* Deterministic ids: same parts, same id; different parts, different id. */
static void test_event_id(void **state) {
    (void)state;
    char a[33], b[33], c[33];
    lg_detect_event_id(a, (const char *[]){"orphan.new", "AKIA1", "x@y.z", "1", NULL});
    lg_detect_event_id(b, (const char *[]){"orphan.new", "AKIA1", "x@y.z", "1", NULL});
    lg_detect_event_id(c, (const char *[]){"orphan.new", "AKIA1", "x@y.z1", "", NULL});
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_int_equal(strlen(a), 32);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orphan_any_order),
        cmocka_unit_test(test_status_noise_any_order),
        cmocka_unit_test(test_late_creation_and_reactivation),
        cmocka_unit_test(test_explicit_owner_and_privileged),
        cmocka_unit_test(test_uses_in_one_batch),
        cmocka_unit_test(test_batch_size_independent),
        cmocka_unit_test(test_session_and_agent),
        cmocka_unit_test(test_superseded),
        cmocka_unit_test(test_ownerless_hold),
        cmocka_unit_test(test_cycle),
        cmocka_unit_test(test_secondary_reader),
        cmocka_unit_test(test_links_by_prefix),
        cmocka_unit_test(test_cache_trim),
        cmocka_unit_test(test_repeated_status),
        cmocka_unit_test(test_event_id),
        cmocka_unit_test(test_async_reads_in_flight),
        cmocka_unit_test(test_async_changelog),
        cmocka_unit_test(test_async_scenarios),
        cmocka_unit_test(test_async_write_failure),
        cmocka_unit_test(test_seen_retention),
        cmocka_unit_test(test_seen_expiry_changelog),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
