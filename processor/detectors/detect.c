/* processor/detectors/detect.c - see detect.h. */
#include "processor/detectors/detect.h"

#include "state/bset.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_RELATED 64
#define MAX_DESCENDANTS 1000000

/* An owned derived event, collected per batch and sorted before emission. */
typedef struct pending {
    lg_derived ev;
    char *strs[8 + LG_DERIVED_MAX_EVIDENCE + LG_DERIVED_MAX_CHAIN];
    size_t nstrs;
} pending;

/* A subject whose uses need no event for event times in [from, until):
 * its effective owner is not departed there (see eval_use). */
typedef struct quiet_span {
    const lg_node *node;
    int64_t from, until;
} quiet_span;

/* A subject re-evaluated because of a structural change (its own or one up
 * its lineage). seq is the arrival number of the latest change in the batch
 * that can alter its attribution (0: none did). Its uses that arrived before
 * that change are judged as one, the latest by event time together with the
 * committed last use, at the moment of the change; later ones one by one in
 * arrival order. This is what committing record by record does (a use is
 * judged when it arrives, and a lineage change judges the last use known),
 * so the batch size changes nothing. */
typedef struct struct_subject {
    const lg_node *node;
    uint32_t seq;
    bool judged;
    int64_t t; /* the latest use so far, LG_TIME_NONE when none */
    const char *evt, *action;
} struct_subject;

struct lg_detect {
    lg_graph *g;
    /* quiet spans of this run, open addressing on the node pointer (the
     * graph does not change the attribution of anything during a run, and
     * nodes are not freed before the commit) */
    quiet_span *quiet;
    size_t nquiet, capquiet;
    pending *out;
    size_t nout, capout;
    lg_bset seen;       /* subjects evaluated this run */
    const char **queue; /* BFS queue of descendants (borrowed from seen) */
    size_t nqueue, capqueue;
    struct_subject *subj; /* subjects of structural changes, in evaluation order */
    size_t nsubj, capsubj;
    uint32_t *subj_idx; /* open addressing on the node pointer: index + 1 in subj */
    size_t capsubj_idx;
    int failed;
    int64_t hold_ms, now_ms, next_due;
    bool flush;
};

static uint64_t h64(const char *s, uint64_t seed) {
    uint64_t h = 1469598103934665603ULL ^ seed;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t fmix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

void lg_detect_event_id(char out[33], const char *const *parts) {
    uint64_t a = 0x9e3779b97f4a7c15ULL, b = 0x2545f4914f6cdd1dULL;
    for (size_t i = 0; parts[i]; i++) {
        a = fmix(a ^ h64(parts[i], a));
        b = fmix(b ^ h64(parts[i], b + i + 1));
        a = fmix(a ^ 0x1f), b = fmix(b ^ 0x1f); /* separator */
    }
    snprintf(out, 33, "%016" PRIx64 "%016" PRIx64, a, b);
}

/* ---- string set ---- */

lg_detect *lg_detect_new(lg_graph *g) {
    lg_detect *d = calloc(1, sizeof *d);
    if (d)
        d->g = g;
    return d;
}

static void pending_clear(lg_detect *d) {
    for (size_t i = 0; i < d->nout; i++)
        for (size_t j = 0; j < d->out[i].nstrs; j++)
            free(d->out[i].strs[j]);
    d->nout = 0;
}

void lg_detect_destroy(lg_detect *d) {
    if (!d)
        return;
    pending_clear(d);
    free(d->out);
    free(d->quiet);
    free(d->queue);
    free(d->subj);
    free(d->subj_idx);
    lg_bset_free(&d->seen);
    free(d);
}

/* ---- building events ---- */

static const char *own(pending *p, const char *s) {
    if (!s || p->nstrs >= sizeof p->strs / sizeof p->strs[0])
        return NULL;
    char *c = strdup(s);
    if (c)
        p->strs[p->nstrs++] = c;
    return c;
}

static void add_evidence(pending *p, const char *evt) {
    if (!evt || !*evt || p->ev.nevidence >= LG_DERIVED_MAX_EVIDENCE)
        return;
    if (strncmp(evt, "none:", 5) == 0) /* configuration, not an event */
        return;
    for (size_t i = 0; i < p->ev.nevidence; i++)
        if (strcmp(p->ev.evidence[i], evt) == 0)
            return;
    const char *c = own(p, evt);
    if (c)
        p->ev.evidence[p->ev.nevidence++] = c;
}

/* Announced keys kept on the subject: a one-letter type and the id that
 * identifies the condition ("o:<orphan id>", "O:<orphan id>" once resolved,
 * "p:"/"P:" likewise for privileged ownerless, "u:" used after departure,
 * "a:" agent). */
static void ann_key(char out[40], char tag, const char *id) {
    snprintf(out, 40, "%c:%s", tag, id);
}

static pending *new_event(lg_detect *d, lg_derived_type type, const lg_node *s, int64_t t,
                          const lg_attribution *a, const char *event_id, char tag,
                          const char *cond_id) {
    char key[40];
    ann_key(key, tag, cond_id);
    if (lg_strlist_has(s->announced, s->nannounced, key))
        return NULL;
    if (d->nout == d->capout) {
        size_t cap = d->capout ? d->capout * 2 : 64;
        pending *o = realloc(d->out, cap * sizeof *o);
        if (!o) {
            d->failed = 1;
            return NULL;
        }
        d->out = o;
        d->capout = cap;
    }
    lg_node *mut = lg_graph_get(d->g, s->id, strlen(s->id));
    if (!mut || lg_strlist_add(&mut->announced, &mut->nannounced, key) < 0) {
        d->failed = 1;
        return NULL;
    }
    lg_graph_mark_dirty(d->g, mut);
    pending *p = &d->out[d->nout++];
    memset(p, 0, sizeof *p);
    p->ev.type = type;
    p->ev.event_id = own(p, event_id);
    p->ev.event_time_ms = t;
    p->ev.subject_id = own(p, s->id);
    p->ev.subject_kind = lg_node_kind_name(s->kind);
    p->ev.subject_name = own(p, s->name);
    p->ev.tenant = own(p, s->tenant);
    if (a && a->owner_id) {
        p->ev.owner_id = own(p, a->owner_id);
        p->ev.owner_status = lg_human_status_name(a->owner_status);
        if (a->owner_status == LG_STATUS_DEPARTED)
            p->ev.owner_departed_ms = a->status_since;
    }
    if (a) {
        for (size_t i = 0; i <= a->n && p->ev.nchain < LG_DERIVED_MAX_CHAIN; i++) {
            const char *c = own(p, a->chain[i]);
            if (c)
                p->ev.chain[p->ev.nchain++] = c;
        }
        for (size_t i = 0; i < a->n; i++)
            add_evidence(p, a->evidence[i]);
    }
    add_evidence(p, s->created_evt);
    return p;
}

static void fmt_time(char *buf, size_t n, int64_t ms) {
    if (ms == LG_TIME_NONE || ms <= LG_TIME_NONE + 1) {
        snprintf(buf, n, "an unknown time");
        return;
    }
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void set_reason(pending *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_reason(pending *p, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    p->ev.reason = own(p, buf);
}

/* ---- the timeline of one subject ---- */

typedef struct related {
    const lg_node *nodes[MAX_RELATED];
    size_t n;
} related;

static void rel_add(lg_detect *d, related *r, const char *id) {
    if (!id || r->n >= MAX_RELATED)
        return;
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->nodes[i]->id, id) == 0)
            return;
    const lg_node *n = lg_graph_get(d->g, id, strlen(id));
    if (n)
        r->nodes[r->n++] = n;
}

/* Everything whose history can change the subject's owner or privilege. */
static void collect_related(lg_detect *d, const lg_node *s, related *r) {
    r->n = 0;
    r->nodes[r->n++] = s;
    for (size_t i = 0; i < r->n; i++) {
        const lg_node *n = r->nodes[i];
        for (uint32_t j = 0; j < n->owner.n; j++)
            rel_add(d, r, n->owner.items[j].str);
        rel_add(d, r, n->parent);
        rel_add(d, r, n->creator);
        rel_add(d, r, n->issuer);
        rel_add(d, r, n->hint);
        rel_add(d, r, n->alias_of);
    }
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static size_t collect_times(const related *r, int64_t **out) {
    size_t cap = 16, n = 0;
    int64_t *t = malloc(cap * sizeof *t);
    if (!t)
        return 0;
#define PUSH(v)                                                                                    \
    do {                                                                                           \
        if ((v) == LG_TIME_NONE)                                                                   \
            break;                                                                                 \
        if (n == cap) {                                                                            \
            int64_t *nt = realloc(t, (cap *= 2) * sizeof *t);                                      \
            if (!nt) {                                                                             \
                free(t);                                                                           \
                return 0;                                                                          \
            }                                                                                      \
            t = nt;                                                                                \
        }                                                                                          \
        t[n++] = (v);                                                                              \
    } while (0)
    for (size_t i = 0; i < r->n; i++) {
        const lg_node *x = r->nodes[i];
        PUSH(x->created_ms);
        PUSH(x->deleted_ms);
        const lg_series *ss[] = {&x->owner, &x->status, &x->priv, &x->enabled};
        for (size_t k = 0; k < 4; k++)
            for (uint32_t j = 0; j < ss[k]->n; j++)
                PUSH(ss[k]->items[j].t);
    }
#undef PUSH
    qsort(t, n, sizeof *t, cmp_i64);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || t[u - 1] != t[i])
            t[u++] = t[i];
    *out = t;
    return u;
}

static const char *end_reason(lg_detect *d, const lg_node *s, int64_t t, const char *old_owner,
                              const lg_attribution *now) {
    if (s->deleted_ms != LG_TIME_NONE && t >= s->deleted_ms)
        return "deleted";
    if (!lg_node_active_at(s, t))
        return "disabled";
    if (now->owner_id && old_owner && strcmp(now->owner_id, old_owner) == 0)
        return "owner reactivated";
    (void)d;
    return "reassigned";
}

/* The conditions the timeline holds now, to find announced ones that later
 * data has superseded. */
typedef struct begin_set {
    char keys[32][40];
    size_t n;
} begin_set;

static void keep_begin(begin_set *b, char tag, const char *id) {
    if (b->n < 32)
        ann_key(b->keys[b->n++], tag, id);
}

static bool begin_has(const begin_set *b, const char *key) {
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->keys[i], key) == 0)
            return true;
    return b->n >= 32; /* overflow: never retract what we cannot check */
}

/* An announced condition that the timeline no longer contains is resolved
 * as superseded (late data showed it did not hold as announced). */
static void resolve_superseded(lg_detect *d, const lg_node *s, const begin_set *b, int64_t t) {
    char todo[16][40];
    size_t n = 0;
    for (uint32_t i = 0; i < s->nannounced && n < 16; i++) {
        const char *k = s->announced[i];
        if ((k[0] != 'o' && k[0] != 'p') || k[1] != ':' || begin_has(b, k))
            continue;
        char done[40];
        ann_key(done, k[0] == 'o' ? 'O' : 'P', k + 2);
        if (!lg_strlist_has(s->announced, s->nannounced, done))
            snprintf(todo[n++], 40, "%s", k);
    }
    for (size_t i = 0; i < n; i++) {
        bool orphan = todo[i][0] == 'o';
        const char *begin_id = todo[i] + 2;
        char id[33];
        lg_detect_event_id(
            id, (const char *[]){orphan ? "orphan.resolved" : "privileged_key.ownerless.resolved",
                                 begin_id, "superseded", NULL});
        lg_attribution a;
        lg_graph_attribute(d->g, s, t, &a);
        pending *p =
            new_event(d, orphan ? LG_DERIVED_ORPHAN_RESOLVED : LG_DERIVED_PRIV_OWNERLESS_RESOLVED,
                      s, t, &a, id, orphan ? 'O' : 'P', begin_id);
        if (!p)
            continue;
        p->ev.resolves = own(p, begin_id);
        p->ev.privileged = lg_graph_privileged_at(d->g, s, t, NULL);
        set_reason(p,
                   "%s %s: superseded, events that arrived later show the condition did not "
                   "hold as announced",
                   lg_node_kind_name(s->kind), s->id);
    }
}

static bool announced(const lg_node *s, char tag, const char *id) {
    char key[40];
    ann_key(key, tag, id);
    return lg_strlist_has(s->announced, s->nannounced, key);
}

/* Has the subject's ownerless candidate been held long enough? */
static bool hold_over(const lg_detect *d, const lg_node *s) {
    return d->hold_ms <= 0 || d->flush ||
           (s->pending_since > 0 && d->now_ms - s->pending_since >= d->hold_ms);
}

/* Records whether the subject still has a held-back candidate. */
static void set_held(lg_detect *d, const lg_node *s, bool held) {
    if (held == (s->pending_since > 0)) {
        if (held) {
            int64_t due = s->pending_since + d->hold_ms;
            if (!d->next_due || due < d->next_due)
                d->next_due = due;
        }
        return;
    }
    lg_node *mut = lg_graph_get(d->g, s->id, strlen(s->id));
    if (!mut) {
        d->failed = 1;
        return;
    }
    if (held) {
        mut->pending_since = d->now_ms;
        if (lg_graph_pending_add(d->g, s->id) < 0)
            d->failed = 1;
        int64_t due = d->now_ms + d->hold_ms;
        if (!d->next_due || due < d->next_due)
            d->next_due = due;
    } else {
        mut->pending_since = 0;
        if (lg_graph_pending_remove(d->g, s->id) < 0)
            d->failed = 1;
    }
    lg_graph_mark_dirty(d->g, mut);
}

typedef struct cond_state {
    bool on;
    char owner[320]; /* owner at begin ("" = none) */
    char begin_id[33];
    int64_t begin;
} cond_state;

static void eval_timeline(lg_detect *d, const lg_node *s) {
    if (!lg_node_kind_is_nhi(s->kind) || s->kind == LG_NODE_STS_SESSION)
        return;
    related r;
    collect_related(d, s, &r);
    int64_t *times = NULL;
    size_t nt = collect_times(&r, &times);
    cond_state orphan = {0}, priv = {0};
    begin_set begins = {0};
    bool held = false; /* an ownerless begin is held back */
    bool is_key = lg_node_kind_is_credential(s->kind);
    for (size_t i = 0; i < nt && !d->failed; i++) {
        int64_t t = times[i];
        lg_attribution a;
        lg_graph_attribute(d->g, s, t, &a);
        bool active = lg_node_active_at(s, t);
        const char *grant = NULL;
        bool privileged = lg_graph_privileged_at(d->g, s, t, &grant);
        const char *owner = a.owner_id ? a.owner_id : "";
        /* orphan */
        bool o_on = active && a.owner_id && a.owner_status == LG_STATUS_DEPARTED;
        if (orphan.on && (!o_on || strcmp(orphan.owner, owner) != 0)) {
            char id[33];
            char tb[24];
            snprintf(tb, sizeof tb, "%" PRId64, t);
            lg_detect_event_id(id, (const char *[]){"orphan.resolved", orphan.begin_id, tb, NULL});
            pending *p =
                new_event(d, LG_DERIVED_ORPHAN_RESOLVED, s, t, &a, id, 'O', orphan.begin_id);
            if (p) {
                p->ev.resolves = own(p, orphan.begin_id);
                p->ev.privileged = privileged;
                const char *why = end_reason(d, s, t, orphan.owner, &a);
                set_reason(p, "%s %s is no longer orphaned: %s", lg_node_kind_name(s->kind), s->id,
                           why);
                add_evidence(p, !active ? s->deleted_evt : a.status_evt);
            }
            orphan.on = false;
        }
        if (o_on && !orphan.on) {
            char tb[24];
            snprintf(tb, sizeof tb, "%" PRId64, t);
            lg_detect_event_id(orphan.begin_id,
                               (const char *[]){"orphan.new", s->id, owner, tb, NULL});
            snprintf(orphan.owner, sizeof orphan.owner, "%s", owner);
            orphan.on = true;
            orphan.begin = t;
            pending *p = new_event(d, LG_DERIVED_ORPHAN_NEW, s, t, &a, orphan.begin_id, 'o',
                                   orphan.begin_id);
            keep_begin(&begins, 'o', orphan.begin_id);
            if (p) {
                char dep[32];
                fmt_time(dep, sizeof dep, a.status_since);
                p->ev.privileged = privileged;
                set_reason(p, "%s %s is active but its owner %s departed at %s (via %s)",
                           lg_node_kind_name(s->kind), s->id, owner, dep,
                           a.n ? lg_basis_name(a.basis[0]) : "none");
                add_evidence(p, a.status_evt);
            }
        }
        /* privileged credential without a human owner */
        bool p_on = is_key && active && privileged && !a.owner_id;
        if (priv.on && !p_on && announced(s, 'p', priv.begin_id)) {
            char id[33], tb[24];
            snprintf(tb, sizeof tb, "%" PRId64, t);
            lg_detect_event_id(
                id, (const char *[]){"privileged_key.ownerless.resolved", priv.begin_id, tb, NULL});
            pending *p =
                new_event(d, LG_DERIVED_PRIV_OWNERLESS_RESOLVED, s, t, &a, id, 'P', priv.begin_id);
            if (p) {
                p->ev.resolves = own(p, priv.begin_id);
                p->ev.privileged = privileged;
                set_reason(p, "%s %s: %s", lg_node_kind_name(s->kind), s->id,
                           !active       ? "deleted or disabled"
                           : !privileged ? "no longer privileged"
                                         : "now has a human owner");
            }
        }
        if (priv.on && !p_on)
            priv.on = false;
        if (p_on && !priv.on) {
            char tb[24];
            snprintf(tb, sizeof tb, "%" PRId64, t);
            lg_detect_event_id(priv.begin_id,
                               (const char *[]){"privileged_key.ownerless", s->id, tb, NULL});
            priv.on = true;
            priv.begin = t;
            pending *p = NULL;
            if (!announced(s, 'p', priv.begin_id)) {
                if (hold_over(d, s))
                    p = new_event(d, LG_DERIVED_PRIV_OWNERLESS, s, t, &a, priv.begin_id, 'p',
                                  priv.begin_id);
                else
                    held = true;
            }
            keep_begin(&begins, 'p', priv.begin_id);
            if (p) {
                p->ev.privileged = true;
                const char *root = a.chain[a.n];
                set_reason(p, "privileged %s %s has no human owner (lineage ends at %s%s)",
                           lg_node_kind_name(s->kind), s->id, root, a.cycle ? ", a cycle" : "");
                add_evidence(p, grant);
            }
        }
    }
    if (s->nannounced && nt)
        resolve_superseded(d, s, &begins, times[nt - 1]);
    free(times);
    set_held(d, s, held);
}

static quiet_span *quiet_slot(const lg_detect *d, const lg_node *s) {
    uintptr_t h = (uintptr_t)s;
    h ^= h >> 17;
    h *= 0x9e3779b97f4a7c15ULL;
    size_t j = (size_t)(h >> 20) & (d->capquiet - 1);
    while (d->quiet[j].node && d->quiet[j].node != s)
        j = (j + 1) & (d->capquiet - 1);
    return &d->quiet[j];
}

/* Remembers that uses of s in [from, until) announce nothing. */
static void quiet_add(lg_detect *d, const lg_node *s, int64_t from, int64_t until) {
    if ((d->nquiet + 1) * 2 > d->capquiet) {
        size_t ocap = d->capquiet, cap = ocap ? ocap * 2 : 1024;
        quiet_span *old = d->quiet, *nq = calloc(cap, sizeof *nq);
        if (!nq)
            return; /* only a shortcut: work without it */
        d->quiet = nq;
        d->capquiet = cap;
        for (size_t i = 0; i < ocap; i++)
            if (old[i].node)
                *quiet_slot(d, old[i].node) = old[i];
        free(old);
    }
    quiet_span *q = quiet_slot(d, s);
    if (!q->node)
        d->nquiet++;
    *q = (quiet_span){s, from, until};
}

static bool is_quiet(const lg_detect *d, const lg_node *s, int64_t t) {
    if (!d->nquiet)
        return false;
    const quiet_span *q = quiet_slot(d, s);
    return q->node && t >= q->from && t < q->until;
}

/* A use at time t by subject s: used after departure / agent acting. */
static void eval_use(lg_detect *d, const lg_node *s, int64_t t, const char *evt,
                     const char *action) {
    if (t == LG_TIME_NONE)
        return;
    bool agent = s->kind == LG_NODE_AGENT;
    if (!agent && !lg_node_kind_is_credential(s->kind))
        return;
    if (is_quiet(d, s, t)) /* most uses: another use of s already showed it */
        return;
    lg_attribution a;
    lg_graph_attribute(d->g, s, t, &a);
    if (!a.owner_id || a.owner_status != LG_STATUS_DEPARTED) {
        quiet_add(d, s, a.valid_from, a.valid_until);
        return;
    }
    const char *type = agent ? "agent.departed_principal" : "credential.used_after_departure";
    char id[33], dep[24];
    snprintf(dep, sizeof dep, "%" PRId64, a.status_since);
    lg_detect_event_id(id, (const char *[]){type, s->id, a.owner_id, dep, NULL});
    pending *p =
        new_event(d, agent ? LG_DERIVED_AGENT_DEPARTED_PRINCIPAL : LG_DERIVED_USED_AFTER_DEPARTURE,
                  s, t, &a, id, agent ? 'a' : 'u', id);
    if (!p)
        return;
    char when[32];
    fmt_time(when, sizeof when, a.status_since);
    p->ev.privileged = lg_graph_privileged_at(d->g, s, t, NULL);
    if (agent)
        set_reason(p, "agent %s%s%s acted under the authority of %s, who departed at %s", s->id,
                   s->name ? " " : "", s->name ? s->name : "", a.owner_id, when);
    else
        set_reason(p, "%s %s was used (%s) after its owner %s departed at %s",
                   lg_node_kind_name(s->kind), s->id, action ? action : "call", a.owner_id, when);
    add_evidence(p, evt);
    add_evidence(p, a.status_evt);
}

/* ---- subjects of structural changes ---- */

/* Makes room for one more element in *arr (n used of *cap). */
static int grow(void *arr, size_t *cap, size_t n, size_t size, size_t first) {
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : first;
    void *np = realloc(*(void **)arr, ncap * size);
    if (!np)
        return -1;
    *(void **)arr = np;
    *cap = ncap;
    return 0;
}

static size_t subj_slot(const lg_detect *d, const lg_node *s) {
    uintptr_t h = (uintptr_t)s;
    h ^= h >> 17;
    h *= 0x9e3779b97f4a7c15ULL;
    size_t j = (size_t)(h >> 20) & (d->capsubj_idx - 1);
    while (d->subj_idx[j] && d->subj[d->subj_idx[j] - 1].node != s)
        j = (j + 1) & (d->capsubj_idx - 1);
    return j;
}

static struct_subject *subj_find(const lg_detect *d, const lg_node *s) {
    if (!d->nsubj)
        return NULL;
    uint32_t i = d->subj_idx[subj_slot(d, s)];
    return i ? &d->subj[i - 1] : NULL;
}

/* Registers s (not yet registered) as changed at arrival number seq. */
static int subj_add(lg_detect *d, const lg_node *s, uint32_t seq) {
    if ((d->nsubj + 1) * 2 > d->capsubj_idx) {
        size_t cap = d->capsubj_idx ? d->capsubj_idx * 2 : 1024;
        uint32_t *ni = calloc(cap, sizeof *ni);
        if (!ni)
            return -1;
        free(d->subj_idx);
        d->subj_idx = ni;
        d->capsubj_idx = cap;
        for (size_t i = 0; i < d->nsubj; i++)
            d->subj_idx[subj_slot(d, d->subj[i].node)] = (uint32_t)i + 1;
    }
    if (grow(&d->subj, &d->capsubj, d->nsubj, sizeof *d->subj, 256) < 0)
        return -1;
    d->subj[d->nsubj] =
        (struct_subject){s, seq, false, s->last_used_ms, s->last_used_evt, s->last_action};
    d->subj_idx[subj_slot(d, s)] = (uint32_t)++d->nsubj;
    return 0;
}

/* Judges the uses gathered for a changed subject (once). */
static void subj_judge(lg_detect *d, struct_subject *x) {
    if (x->judged)
        return;
    x->judged = true;
    if (x->t != LG_TIME_NONE)
        eval_use(d, x->node, x->t, x->evt, x->action);
}

/* ---- the batch ---- */

static int enqueue(void *opaque, const char *to, char link) {
    lg_detect *d = opaque;
    (void)link;
    const char *stored = NULL;
    int rc = lg_bset_insert(&d->seen, to, strlen(to), &stored);
    if (rc < 0)
        return -1;
    if (rc == 0 || d->seen.n > MAX_DESCENDANTS)
        return 0;
    if (d->nqueue == d->capqueue) {
        size_t cap = d->capqueue ? d->capqueue * 2 : 256;
        const char **q = realloc(d->queue, cap * sizeof *q);
        if (!q)
            return -1;
        d->queue = q;
        d->capqueue = cap;
    }
    d->queue[d->nqueue++] = stored;
    return 0;
}

static int cmp_pending(const void *a, const void *b) {
    const pending *x = a, *y = b;
    if (x->ev.event_time_ms != y->ev.event_time_ms)
        return x->ev.event_time_ms < y->ev.event_time_ms ? -1 : 1;
    return strcmp(x->ev.event_id, y->ev.event_id);
}

void lg_detect_set_hold(lg_detect *d, int64_t hold_ms) {
    d->hold_ms = hold_ms;
}

int64_t lg_detect_next_due(const lg_detect *d) {
    return d->next_due;
}

/* A root of the re-evaluation: a node changed at arrival number seq (0 for
 * the held-back candidates, re-checked at every run). */
typedef struct root {
    const char *id;
    uint32_t seq;
    size_t order;
    bool owned;
} root;

typedef struct roots {
    root *r;
    size_t n, cap;
} roots;

static int roots_add(roots *rs, const char *id, uint32_t seq, bool copy) {
    if (grow(&rs->r, &rs->cap, rs->n, sizeof *rs->r, 64) < 0)
        return -1;
    const char *c = copy ? strdup(id) : id;
    if (!c)
        return -1;
    rs->r[rs->n] = (root){c, seq, rs->n, copy};
    rs->n++;
    return 0;
}

static int add_pending_root(void *opaque, const char *subject, char link) {
    (void)link;
    return roots_add(opaque, subject, 0, true);
}

static int cmp_root(const void *a, const void *b) {
    const root *x = a, *y = b;
    if (x->seq != y->seq)
        return x->seq > y->seq ? -1 : 1; /* latest first */
    return x->order < y->order ? -1 : x->order > y->order;
}

static void roots_free(roots *rs) {
    for (size_t i = 0; i < rs->n; i++)
        if (rs->r[i].owned)
            free((char *)rs->r[i].id);
    free(rs->r);
}

/* Re-evaluates everything under the structural changes, latest lineage
 * change first, so that a subject under several is judged at the latest:
 * from then on, what the batch knows about its lineage was known. */
static int eval_structure(lg_detect *d) {
    lg_node **touched;
    const unsigned *flags;
    const uint32_t *seqs;
    size_t nt = lg_graph_touched(d->g, &touched, &flags, &seqs);
    roots rs = {0};
    int rc = 0;
    for (size_t i = 0; i < nt && !rc; i++)
        if (flags[i] & LG_TOUCH_STRUCT)
            rc = roots_add(&rs, touched[i]->id, seqs[i], false);
    /* held-back candidates are re-checked at every run */
    if (!rc)
        rc = lg_graph_pending_foreach(d->g, add_pending_root, &rs);
    if (rc) {
        roots_free(&rs);
        return -1;
    }
    if (rs.n > 1)
        qsort(rs.r, rs.n, sizeof *rs.r, cmp_root);
    size_t qi = 0;
    for (size_t ri = 0; ri < rs.n && !d->failed && !rc; ri++) {
        if ((rc = enqueue(d, rs.r[ri].id, 0)) < 0)
            break;
        for (; qi < d->nqueue && !d->failed; qi++) {
            const char *id = d->queue[qi];
            if ((rc = lg_graph_links(d->g, id, 0, enqueue, d)) < 0)
                break;
            lg_node *s = lg_graph_get(d->g, id, strlen(id));
            if (!s)
                continue;
            eval_timeline(d, s);
            if ((rc = subj_add(d, s, rs.r[ri].seq)) < 0)
                break;
        }
    }
    roots_free(&rs);
    return rc < 0 ? -1 : 0;
}

int lg_detect_run(lg_detect *d, int64_t now_ms, bool flush, lg_emit_fn emit, void *opaque,
                  char *errstr, size_t errstr_size) {
    d->failed = 0;
    d->now_ms = now_ms;
    d->flush = flush;
    d->next_due = 0;
    d->nqueue = 0;
    d->nsubj = 0;
    if (d->capsubj_idx)
        memset(d->subj_idx, 0, d->capsubj_idx * sizeof *d->subj_idx);
    if (d->nquiet)
        memset(d->quiet, 0, d->capquiet * sizeof *d->quiet);
    d->nquiet = 0;
    lg_bset_free(&d->seen);
    pending_clear(d);
    if (eval_structure(d) < 0)
        goto oom;
    /* the uses, in arrival order: a changed subject's uses that arrived
     * before its change are judged together at the change */
    const lg_usage *uses;
    size_t nu = lg_graph_usages(d->g, &uses);
    for (size_t i = 0; i < nu && !d->failed; i++) {
        struct_subject *x = subj_find(d, uses[i].node);
        if (x && !x->judged) {
            if (uses[i].seq < x->seq) {
                if (x->t == LG_TIME_NONE || uses[i].t > x->t)
                    x->t = uses[i].t, x->evt = uses[i].evt, x->action = uses[i].action;
                continue;
            }
            subj_judge(d, x);
        }
        eval_use(d, uses[i].node, uses[i].t, uses[i].evt, uses[i].action);
    }
    for (size_t i = 0; i < d->nsubj && !d->failed; i++)
        subj_judge(d, &d->subj[i]);
    if (d->failed)
        goto oom;
    if (d->nout > 1)
        qsort(d->out, d->nout, sizeof *d->out, cmp_pending);
    for (size_t i = 0; i < d->nout; i++)
        if (emit(opaque, &d->out[i].ev) != 0) {
            snprintf(errstr, errstr_size, "detectors: the output refused a derived event");
            pending_clear(d);
            return -1;
        }
    pending_clear(d);
    return 0;
oom:
    snprintf(errstr, errstr_size, "detectors: out of memory or state read failure");
    pending_clear(d);
    return -1;
}
