/* state/query.c - see query.h. */
#include "state/query.h"

#include "state/bset.h"

#include "processor/sources/arena.h"
#include "processor/sources/aws_arn.h"
#include "processor/sources/source.h"

#include <ctype.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DAY_MS INT64_C(86400000)
#define MAX_DEPTH 16

/* ---- a set of strings (open addressing; keys borrowed) ---- */

typedef struct strset {
    const char **tab;
    size_t cap, n;
} strset;

static uint64_t str_hash(const char *s) {
    return lg_bset_hash(s, strlen(s));
}

static bool strset_has(const strset *s, const char *k) {
    if (!s->cap)
        return false;
    for (size_t j = str_hash(k) & (s->cap - 1); s->tab[j]; j = (j + 1) & (s->cap - 1))
        if (strcmp(s->tab[j], k) == 0)
            return true;
    return false;
}

/* Adds k (borrowed: it must outlive the set). 1 added, 0 present, -1 ENOMEM. */
static int strset_add(strset *s, const char *k) {
    if (strset_has(s, k))
        return 0;
    if ((s->n + 1) * 2 > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 64;
        const char **nt = calloc(ncap, sizeof *nt);
        if (!nt)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->tab[i])
                continue;
            size_t j = str_hash(s->tab[i]) & (ncap - 1);
            while (nt[j])
                j = (j + 1) & (ncap - 1);
            nt[j] = s->tab[i];
        }
        free(s->tab);
        s->tab = nt;
        s->cap = ncap;
    }
    size_t j = str_hash(k) & (s->cap - 1);
    while (s->tab[j])
        j = (j + 1) & (s->cap - 1);
    s->tab[j] = k;
    s->n++;
    return 1;
}

static void strset_free(strset *s) {
    free(s->tab);
    *s = (strset){0};
}

/* ---- a growable list of strings (borrowed) ---- */

typedef struct strvec {
    const char **v;
    size_t n, cap;
} strvec;

static int grow(void **arr, size_t n, size_t *cap, size_t elem);

static int strvec_push(strvec *l, const char *s) {
    void *p = l->v;
    int rc = grow(&p, l->n, &l->cap, sizeof *l->v);
    l->v = p;
    if (rc < 0)
        return -1;
    l->v[l->n++] = s;
    return 0;
}

/* ---- query context ---- */

typedef struct qctx {
    const lg_q_graphs *gs;
    lg_graph *g;        /* the partition being read */
    lg_graph *one;      /* the g argument ... */
    lg_q_graphs one_gs; /* ... as a set of one */
    lg_q_result *r;
    lg_arena *a;
    int64_t t;   /* as-of event time for the graph */
    int64_t ref; /* clock for ages */
    int64_t unused_ms, session_max_ms;
    size_t max_items;
    int depth;
    bool oom;
    size_t capitems, capedges, capevidence;
} qctx;

static const char *pdup(qctx *c, const char *s) {
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *p = lg_arena_alloc(c->a, n + 1);
    if (!p) {
        c->oom = true;
        return NULL;
    }
    memcpy(p, s, n + 1);
    return p;
}

static const char *pfmt(qctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *pfmt(qctx *c, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return pdup(c, buf);
}

static void *pool_alloc(qctx *c, size_t n) {
    /* arena memory is unaligned: round the request and align by hand */
    char *p = lg_arena_alloc(c->a, n + 8);
    if (!p) {
        c->oom = true;
        return NULL;
    }
    uintptr_t u = ((uintptr_t)p + 7) & ~(uintptr_t)7;
    memset((void *)u, 0, n);
    return (void *)u;
}

static int ctx_init(qctx *c, lg_graph *g, const lg_q_opts *o, char *errstr, size_t errstr_size) {
    lg_q_opts def = {0};
    if (!o)
        o = &def;
    memset(c, 0, sizeof *c);
    c->one = g;
    c->one_gs = (lg_q_graphs){&c->one, 1};
    c->gs = o->graphs ? o->graphs : &c->one_gs;
    c->g = c->gs->n ? c->gs->v[0] : NULL;
    if (!c->g) {
        snprintf(errstr, errstr_size, "query: no state to read");
        return -1;
    }
    c->r = calloc(1, sizeof *c->r);
    c->a = lg_arena_new(0);
    if (!c->r || !c->a) {
        free(c->r);
        lg_arena_destroy(c->a);
        snprintf(errstr, errstr_size, "query: out of memory");
        return -1;
    }
    c->r->pool_ = c->a;
    c->t = o->as_of && o->as_of != LG_Q_NOW ? o->as_of : LG_Q_NOW;
    int64_t now = o->now_ms;
    if (!now) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    c->ref = c->t == LG_Q_NOW ? now : c->t;
    c->unused_ms = o->unused_ms > 0 ? o->unused_ms : 30 * DAY_MS;
    c->session_max_ms = o->session_max_ms > 0 ? o->session_max_ms : 36 * 3600 * INT64_C(1000);
    c->max_items = o->max_items ? o->max_items : 100000;
    c->depth = o->depth > 0 ? o->depth : 1;
    c->r->as_of = c->t;
    c->r->ref_ms = c->ref;
    c->r->confidence = "none";
    return 0;
}

/* Ends a query: hands the result over, or frees it on failure. */
static int ctx_finish(qctx *c, int rc, lg_q_result **out, char *errstr, size_t errstr_size) {
    if (rc == 0 && c->oom) {
        snprintf(errstr, errstr_size, "query: out of memory");
        rc = -1;
    }
    if (rc != 0) {
        lg_q_result_free(c->r);
        *out = NULL;
        return rc;
    }
    *out = c->r;
    return 0;
}

void lg_q_result_free(lg_q_result *r) {
    if (!r)
        return;
    free(r->items);
    free(r->edges);
    free(r->evidence);
    lg_arena_destroy(r->pool_);
    free(r);
}

/* ---- names ---- */

const char *lg_q_status_name(lg_q_status s) {
    switch (s) {
    case LG_Q_ACTIVE:
        return "active";
    case LG_Q_DELETED:
        return "deleted";
    case LG_Q_DISABLED:
        return "disabled";
    case LG_Q_EXPIRED:
        return "expired";
    case LG_Q_REMOVED:
        return "removed";
    }
    return "unknown";
}

const char *lg_q_action_name(lg_q_action a) {
    switch (a) {
    case LG_Q_DEPROVISION:
        return "deprovision";
    case LG_Q_REASSIGN:
        return "reassign";
    case LG_Q_SAFE_TO_REMOVE:
        return "safe_to_remove";
    default:
        return "none";
    }
}

const char *lg_q_system(lg_node_kind kind) {
    switch (kind) {
    case LG_NODE_HUMAN:
    case LG_NODE_OKTA_USER:
        return "human";
    case LG_NODE_GH_ACCOUNT:
    case LG_NODE_GH_FINE_PAT:
    case LG_NODE_GH_CLASSIC_TOKEN:
    case LG_NODE_GH_DEPLOY_KEY:
    case LG_NODE_GH_SSH_KEY:
    case LG_NODE_GH_APP_INSTALL:
        return "github";
    case LG_NODE_OKTA_API_TOKEN:
    case LG_NODE_OKTA_SERVICE_APP:
        return "okta";
    case LG_NODE_AGENT:
        return "bedrock";
    default:
        return "aws";
    }
}

static const char *link_name(char link) {
    switch (link) {
    case LG_LINK_CREATED:
        return "created";
    case LG_LINK_CREDENTIAL:
        return "credential";
    case LG_LINK_SESSION:
        return "session_of";
    case LG_LINK_OWNER:
        return "owner_tag";
    case LG_LINK_ALIAS:
        return "alias";
    case LG_LINK_AGENT:
        return "agent";
    case LG_LINK_HINT:
        return "hint";
    default:
        return "link";
    }
}

/* ---- time ---- */

static void fmt_day(int64_t ms, char *buf, size_t n) {
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(buf, n, "%Y-%m-%d", &tm);
}

int lg_q_parse_time(const char *s, int64_t *out) {
    if (!s)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 3 && strncasecmp(s, "now", 3) == 0) {
        *out = LG_Q_NOW;
        return 0;
    }
    if (n == 10 && s[4] == '-' && s[7] == '-') {
        char buf[32];
        snprintf(buf, sizeof buf, "%.10sT23:59:59.999Z", s);
        return lg_parse_time(buf, strlen(buf), out) ? 0 : -1;
    }
    bool digits = n > 0;
    for (size_t i = 0; i < n; i++)
        digits = digits && isdigit((unsigned char)s[i]);
    if (digits) { /* epoch milliseconds: 12 to 15 digits (1973 to 33658) */
        if (n < 12 || n > 15)
            return -1;
        *out = strtoll(s, NULL, 10);
        return 0;
    }
    /* ISO-8601 only: the sources' other forms need a 'T' here */
    if (n < 19 || s[10] != 'T')
        return -1;
    return lg_parse_time(s, n, out) ? 0 : -1;
}

/* ---- evaluating one node ---- */

/* Known to exist at t: created by then, or (creation unknown) not first
 * seen acting after t. */
static bool exists_at(const lg_node *n, int64_t t) {
    if (n->created_ms != LG_TIME_NONE)
        return n->created_ms <= t;
    return n->first_used_ms == LG_TIME_NONE || n->first_used_ms <= t;
}

static lg_q_status status_at(const qctx *c, const lg_node *n, int64_t *since, const char **evt) {
    *since = LG_TIME_NONE;
    *evt = NULL;
    if (n->deleted_ms != LG_TIME_NONE && n->deleted_ms <= c->t) {
        *since = n->deleted_ms;
        *evt = n->deleted_evt;
        return LG_Q_DELETED;
    }
    const lg_sitem *en = lg_series_at(&n->enabled, c->t);
    if (en && en->val == 0) {
        *since = en->t;
        *evt = en->evt;
        return LG_Q_DISABLED;
    }
    if (n->kind == LG_NODE_GH_ACCOUNT && n->removed_ms != LG_TIME_NONE && n->removed_ms <= c->t) {
        *since = n->removed_ms;
        return LG_Q_REMOVED;
    }
    if (n->kind == LG_NODE_STS_SESSION) {
        int64_t issued = n->created_ms != LG_TIME_NONE ? n->created_ms : n->first_used_ms;
        if (issued != LG_TIME_NONE && c->ref - issued > c->session_max_ms) {
            *since = issued + c->session_max_ms;
            *evt = n->created_evt;
            return LG_Q_EXPIRED;
        }
    }
    *since = n->created_ms;
    *evt = n->created_evt;
    return LG_Q_ACTIVE;
}

/* Confidence of an attribution, the product of its links' scores: an
 * explicit tag, an alias, the user a credential belongs to and the caller
 * that obtained a session (joined on its key) are certain (1.0); a session
 * attributed through its sourceIdentity or e-mail session name is 0.9; "the
 * creator owns it" is an inference (0.75). high >= 0.9 > medium >= 0.6 > low. */
static double link_score(qctx *c, const lg_attribution *a, size_t i) {
    switch (a->basis[i]) {
    case LG_BASIS_EXPLICIT:
    case LG_BASIS_ALIAS:
    case LG_BASIS_INHERITED:
        return 1.0;
    case LG_BASIS_SESSION: {
        const lg_node *s = lg_graph_get(c->g, a->chain[i], strlen(a->chain[i]));
        return s && s->issuer && strcmp(s->issuer, a->chain[i + 1]) == 0 ? 1.0 : 0.9;
    }
    case LG_BASIS_CREATOR:
        return 0.75;
    default:
        return 0.0;
    }
}

static const char *confidence_label(double s) {
    return s >= 0.9 ? "high" : s >= 0.6 ? "medium" : s > 0 ? "low" : "none";
}

static double attribution_score(qctx *c, const lg_attribution *a, lg_basis *weakest) {
    *weakest = LG_BASIS_NONE;
    if (!a->owner_id || a->cycle)
        return 0.0;
    double score = 1.0, low = 2.0;
    for (size_t i = 0; i < a->n; i++) {
        double s = link_score(c, a, i);
        score *= s;
        if (s < low) {
            low = s;
            *weakest = a->basis[i];
        }
    }
    return score;
}

/* Direct children through the links below an identity. */
typedef struct kids {
    qctx *c;
    strvec ids;
    strvec types;
    bool human;
} kids;

static int kids_cb(void *opaque, const char *to, char link) {
    kids *k = opaque;
    if (!k->human && (link == LG_LINK_OWNER || link == LG_LINK_ALIAS || link == LG_LINK_HINT))
        return 0;
    const char *id = pdup(k->c, to);
    if (!id || strvec_push(&k->ids, id) < 0 || strvec_push(&k->types, link_name(link)) < 0) {
        k->c->oom = true;
        return -1;
    }
    return 0;
}

/* Collects the link targets of id (humans: owner tags, aliases, sessions
 * named after them and what they created; others: what they created, their
 * credentials, sessions and agents). The caller frees k->ids/types.v. */
static int children(qctx *c, const char *id, bool human, kids *k) {
    memset(k, 0, sizeof *k);
    k->c = c;
    k->human = human;
    return lg_graph_links(c->g, id, 0, kids_cb, k) < 0 ? -1 : 0;
}

static void kids_free(kids *k) {
    free(k->ids.v);
    free(k->types.v);
}

/* Makes room for one more element in *arr (n used, *cap allocated). */
static int grow(void **arr, size_t n, size_t *cap, size_t elem) {
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *na = realloc(*arr, ncap * elem);
    if (!na)
        return -1;
    *arr = na;
    *cap = ncap;
    return 0;
}

static lg_q_item *push_item(qctx *c) {
    lg_q_result *r = c->r;
    void *p = r->items;
    int rc = grow(&p, r->nitems, &c->capitems, sizeof *r->items);
    r->items = p;
    if (rc < 0) {
        c->oom = true;
        return NULL;
    }
    lg_q_item *it = &r->items[r->nitems++];
    memset(it, 0, sizeof *it);
    return it;
}

static void push_edge(qctx *c, const char *from, const char *to, const char *type,
                      const char *evidence, bool lineage) {
    lg_q_result *r = c->r;
    void *p = r->edges;
    int rc = grow(&p, r->nedges, &c->capedges, sizeof *r->edges);
    r->edges = p;
    if (rc < 0) {
        c->oom = true;
        return;
    }
    r->edges[r->nedges++] =
        (lg_q_edge){pdup(c, from), pdup(c, to), type, pdup(c, evidence), lineage};
}

static void push_evidence(qctx *c, const char *what, int64_t t, const char *evt) {
    lg_q_result *r = c->r;
    void *p = r->evidence;
    int rc = grow(&p, r->nevidence, &c->capevidence, sizeof *r->evidence);
    r->evidence = p;
    if (rc < 0) {
        c->oom = true;
        return;
    }
    r->evidence[r->nevidence++] = (lg_q_evidence){what, t, pdup(c, evt)};
}

/* Fills it from n at the context's time; a has n's attribution (or NULL to
 * compute it). */
static void fill(qctx *c, lg_q_item *it, const lg_node *n, const char *role,
                 const lg_attribution *given) {
    it->id = pdup(c, n->id);
    it->kind = n->kind;
    for (size_t p = 0; p < c->gs->n; p++)
        if (c->gs->v[p] == c->g)
            it->partition = (int)p;
    it->name = pdup(c, n->name);
    it->system = lg_q_system(n->kind);
    it->tenant = pdup(c, n->tenant);
    it->role = role;
    const char *evt;
    it->status = status_at(c, n, &it->status_since, &evt);
    it->status_evt = pdup(c, evt);
    if (n->kind == LG_NODE_HUMAN) {
        it->status = LG_Q_ACTIVE;
        it->human_status = lg_node_status_at(n, c->t, &it->status_since, &evt);
        it->status_evt = pdup(c, evt);
    }
    const char *pevt = NULL;
    it->privileged = lg_graph_privileged_at(c->g, n, c->t, &pevt);
    it->priv_evt = pdup(c, pevt);
    it->created_ms = n->created_ms;
    it->created_evt = pdup(c, n->created_evt);
    it->creator = pdup(c, n->creator ? n->creator : n->issuer);
    it->first_used_ms = n->first_used_ms != LG_TIME_NONE && n->first_used_ms <= c->t
                            ? n->first_used_ms
                            : LG_TIME_NONE;
    it->last_used_ms = LG_TIME_NONE;
    if (n->last_used_ms != LG_TIME_NONE && n->last_used_ms <= c->t) {
        it->last_used_ms = n->last_used_ms;
        it->last_used_evt = pdup(c, n->last_used_evt);
        it->last_action = pdup(c, n->last_action);
    } else if (it->first_used_ms != LG_TIME_NONE) {
        it->last_used_ms = it->first_used_ms;
        it->last_used_later = true;
    }
    lg_attribution local;
    const lg_attribution *a = given;
    if (!a) {
        lg_graph_attribute(c->g, n, c->t, &local);
        a = &local;
    }
    it->owner_id = pdup(c, a->owner_id);
    it->owner_status = a->owner_status;
    it->owner_status_since = a->status_since;
    it->owner_status_evt = pdup(c, a->status_evt);
    it->nchain = a->n;
    it->cycle = a->cycle;
    const char **chain = pool_alloc(c, (a->n + 1) * sizeof *chain);
    lg_basis *basis = pool_alloc(c, (a->n + 1) * sizeof *basis);
    const char **ev = pool_alloc(c, (a->n + 1) * sizeof *ev);
    if (!chain || !basis || !ev) {
        it->nchain = 0;
        return;
    }
    for (size_t i = 0; i <= a->n; i++)
        chain[i] = pdup(c, a->chain[i]);
    for (size_t i = 0; i < a->n; i++) {
        basis[i] = a->basis[i];
        ev[i] = pdup(c, a->evidence[i]);
        if (!ev[i] && a->basis[i] == LG_BASIS_SESSION) {
            /* a session known from its calls only: they carry the identity */
            const lg_node *s = lg_graph_get(c->g, a->chain[i], strlen(a->chain[i]));
            ev[i] = s ? pdup(c, s->last_used_evt) : NULL;
        }
    }
    it->chain = chain;
    it->basis = basis;
    it->evidence = ev;
    lg_basis weakest;
    it->confidence = confidence_label(attribution_score(c, a, &weakest));
    it->via = a->n ? chain[1] : NULL;
    it->via_basis = a->n ? a->basis[0] : LG_BASIS_NONE;
    it->depth = (int)a->n;
    bool active = it->status == LG_Q_ACTIVE;
    bool nhi = lg_node_kind_is_nhi(n->kind) && n->kind != LG_NODE_STS_SESSION;
    if (it->privileged)
        it->flags |= LG_QF_PRIVILEGED;
    if (nhi && active && a->owner_id && a->owner_status == LG_STATUS_DEPARTED)
        it->flags |= LG_QF_ORPHAN;
    if (nhi && active && lg_node_kind_is_credential(n->kind) && it->privileged && !a->owner_id)
        it->flags |= LG_QF_PRIV_OWNERLESS;
}

/* An item for an owner we hold no node for (an e-mail from a tag). */
static void fill_bare_human(qctx *c, lg_q_item *it, const char *email, const char *role) {
    it->id = pdup(c, email);
    it->kind = LG_NODE_HUMAN;
    it->system = "human";
    it->role = role;
    it->status_since = it->created_ms = it->owner_status_since = LG_TIME_NONE;
    it->first_used_ms = it->last_used_ms = LG_TIME_NONE;
    it->owner_id = it->id;
    it->chain = pool_alloc(c, sizeof *it->chain);
    if (it->chain)
        it->chain[0] = it->id;
    it->confidence = "high";
}

static const lg_node *get_node(qctx *c, const char *id) {
    return lg_graph_get(c->g, id, strlen(id));
}

/* ---- finding what the user means ---- */

typedef struct name_match {
    const char *want;
    char *found; /* first match (malloc'd) */
    lg_node_kind kind;
    size_t part; /* partition of the first match */
    size_t cur;  /* partition being scanned */
    size_t count;
    char others[512];
} name_match;

/* A display name, or a person's e-mail local part ("bob"). */
static int name_cb(void *opaque, lg_node *n) {
    name_match *m = opaque;
    size_t wl = strlen(m->want);
    bool local =
        n->kind == LG_NODE_HUMAN && strncasecmp(n->id, m->want, wl) == 0 && n->id[wl] == '@';
    if (!local && (!n->name || strcasecmp(n->name, m->want) != 0))
        return 0;
    if (m->found && strcmp(m->found, n->id) == 0)
        return 0; /* the same identity (a person) in another partition */
    if (m->count++ == 0) {
        m->found = strdup(n->id);
        m->kind = n->kind;
        m->part = m->cur;
        if (!m->found)
            return -1;
    }
    size_t used = strlen(m->others);
    if (used + strlen(n->id) + 3 < sizeof m->others)
        snprintf(m->others + used, sizeof m->others - used, "%s%s", used ? ", " : "", n->id);
    return 0;
}

/* The first partition holding cand; *part gets its index. */
static const lg_node *lookup(const lg_q_graphs *gs, const char *cand, size_t *part) {
    if (!cand || !*cand)
        return NULL;
    for (size_t i = 0; i < gs->n; i++) {
        const lg_node *n = lg_graph_get(gs->v[i], cand, strlen(cand));
        if (n) {
            *part = i;
            return n;
        }
    }
    return NULL;
}

static const lg_node *lookup_prefixed(const lg_q_graphs *gs, const char *prefix, const char *s,
                                      size_t *part) {
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s%s", prefix, s) >= (int)sizeof buf)
        return NULL;
    return lookup(gs, buf, part);
}

/* The forms of an identifier people hold, canonicalised as the parsers do. */
static const lg_node *find_exact(const lg_q_graphs *gs, const char *in, size_t *part) {
    const lg_node *n = lookup(gs, in, part);
    if (n)
        return n;
    size_t len = strlen(in);
    char low[1024], up[1024];
    for (size_t i = 0; i <= len; i++) {
        low[i] = (char)tolower((unsigned char)in[i]);
        up[i] = (char)toupper((unsigned char)in[i]);
    }
    if (strchr(in, '@') && !strchr(in, ':') && (n = lookup(gs, low, part)))
        return n;
    if (strncmp(in, "arn:", 4) == 0) {
        lg_arena *a = lg_arena_new(1024);
        lg_aws_principal p;
        char canon[1024] = "";
        if (a && lg_aws_arn_parse(a, (lg_str){in, len}, &p) && p.id.n < sizeof canon) {
            memcpy(canon, p.id.p, p.id.n);
            canon[p.id.n] = '\0';
        }
        lg_arena_destroy(a);
        if (canon[0] && (n = lookup(gs, canon, part)))
            return n;
        /* arn:aws:bedrock:REGION:ACCT:agent/ID, agent-alias/ID/ALIAS */
        const char *res = strstr(in, ":agent/");
        if (!res)
            res = strstr(in, ":agent-alias/");
        if (res && strstr(in, ":bedrock:")) {
            char agent[256];
            const char *s = strchr(res, '/') + 1;
            size_t alen = strcspn(s, "/");
            if (alen < sizeof agent) {
                memcpy(agent, s, alen);
                agent[alen] = '\0';
                if ((n = lookup(gs, agent, part)))
                    return n;
            }
        }
    }
    if ((n = lookup(gs, up, part))) /* AKIA..., ASIA..., agent ids */
        return n;
    static const char *const prefixes[] = {"github-pat:", "github-token:", "github:"};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if ((n = lookup_prefixed(gs, prefixes[i], in, part)))
            return n;
    return lookup_prefixed(gs, "github:", low, part);
}

/* A raw GitHub token (ghp_..., github_pat_...): the audit log names it by
 * the base64 of its SHA-256 (hashed_token), and so do our node ids. */
static const lg_node *find_raw_github_token(const lg_q_graphs *gs, const char *in, size_t *part) {
    static const char *const prefixes[] = {"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"};
    bool raw = false;
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        raw = raw || strncmp(in, prefixes[i], strlen(prefixes[i])) == 0;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    if (!raw || !EVP_Digest(in, strlen(in), md, &mdlen, EVP_sha256(), NULL))
        return NULL;
    EVP_EncodeBlock((unsigned char *)b64, md, (int)mdlen);
    const lg_node *n = lookup_prefixed(gs, "github-pat:", b64, part);
    return n ? n : lookup_prefixed(gs, "github-token:", b64, part);
}

/* Finds input; *part gets the partition. Returns the node, or NULL with *rc
 * LG_Q_NOT_FOUND or -1 (errstr set). */
static const lg_node *find(const lg_q_graphs *gs, const char *input, size_t *part, int *rc,
                           char *errstr, size_t errstr_size) {
    char in[1024];
    *rc = LG_Q_NOT_FOUND;
    while (input && isspace((unsigned char)*input))
        input++;
    if (!input || !*input)
        return NULL;
    snprintf(in, sizeof in, "%s", input);
    size_t n = strlen(in);
    while (n && isspace((unsigned char)in[n - 1]))
        in[--n] = '\0';
    const lg_node *node = find_exact(gs, in, part);
    if (!node)
        node = find_raw_github_token(gs, in, part);
    if (node) {
        *rc = 0;
        return node;
    }
    name_match m = {.want = in};
    for (size_t i = 0; i < gs->n; i++) {
        m.cur = i;
        if (lg_graph_foreach(gs->v[i], name_cb, &m) < 0 && !m.found) {
            snprintf(errstr, errstr_size, "query: cannot scan the state");
            *rc = -1;
            return NULL;
        }
    }
    if (m.count > 1) {
        snprintf(errstr, errstr_size, "\"%s\" names %zu identities: %s", in, m.count, m.others);
        *rc = -1;
    } else if (m.count == 1) {
        node = lg_graph_get(gs->v[m.part], m.found, strlen(m.found));
        *part = m.part;
        *rc = node ? 0 : LG_Q_NOT_FOUND;
    }
    free(m.found);
    return node;
}

int lg_q_find(lg_graph *g, const char *input, char **id, lg_node_kind *kind, char *errstr,
              size_t errstr_size) {
    size_t part;
    int rc;
    lg_q_graphs one = {&g, 1};
    const lg_q_graphs *gs = &one;
    *id = NULL;
    *kind = LG_NODE_UNKNOWN;
    const lg_node *n = find(gs, input, &part, &rc, errstr, errstr_size);
    if (!n)
        return rc;
    *kind = n->kind;
    *id = strdup(n->id);
    if (!*id) {
        snprintf(errstr, errstr_size, "query: out of memory");
        return -1;
    }
    return 0;
}

/* Resolves input to a node and reads its partition from then on; or sets rc
 * to LG_Q_NOT_FOUND / -1. */
static const lg_node *resolve(qctx *c, const char *input, int *rc, char *errstr,
                              size_t errstr_size) {
    size_t part = 0;
    const lg_node *n = find(c->gs, input, &part, rc, errstr, errstr_size);
    if (!n) {
        if (*rc == LG_Q_NOT_FOUND)
            snprintf(errstr, errstr_size, "no identity \"%s\" in the lineage state", input);
        return NULL;
    }
    c->g = c->gs->v[part];
    if (!exists_at(n, c->t)) {
        char t[40], since[40];
        fmt_day(c->t, t, sizeof t);
        fmt_day(n->created_ms != LG_TIME_NONE ? n->created_ms : n->first_used_ms, since,
                sizeof since);
        snprintf(errstr, errstr_size, "%s did not exist yet on %s (it appears on %s)", n->id, t,
                 since);
        *rc = LG_Q_NOT_FOUND;
        return NULL;
    }
    return n;
}

/* Begins a query about one identity: the context, then the node input
 * names (a person from the partition that knows them best). NULL with *rc:
 * LG_Q_NOT_FOUND or -1 (finish the context), or BEGIN_FAILED (no context). */
#define BEGIN_FAILED (-2)
static const lg_node *best_person(qctx *c, const char *id);

static const lg_node *begin(qctx *c, lg_graph *g, const char *input, const lg_q_opts *o, int *rc,
                            char *errstr, size_t errstr_size) {
    *rc = 0;
    if (ctx_init(c, g, o, errstr, errstr_size) < 0) {
        *rc = BEGIN_FAILED;
        return NULL;
    }
    const lg_node *n = resolve(c, input, rc, errstr, errstr_size);
    return n && n->kind == LG_NODE_HUMAN ? best_person(c, n->id) : n;
}

static int begin_failed(qctx *c, int rc, lg_q_result **out, char *errstr, size_t errstr_size) {
    if (rc == BEGIN_FAILED) {
        *out = NULL;
        return -1;
    }
    return ctx_finish(c, rc, out, errstr, errstr_size);
}

/* ---- owner ---- */

/* Adds the active identities below id (breadth first, bounded) as items. */
static void add_dependants(qctx *c, const char *root, strset *seen, size_t limit) {
    strvec queue = {0};
    if (strvec_push(&queue, pdup(c, root)) < 0) {
        c->oom = true;
        return;
    }
    size_t added = 0;
    for (size_t qi = 0; qi < queue.n && !c->oom; qi++) {
        kids k;
        if (children(c, queue.v[qi], false, &k) < 0) {
            kids_free(&k);
            break;
        }
        for (size_t i = 0; i < k.ids.n && !c->oom; i++) {
            if (strset_add(seen, k.ids.v[i]) != 1)
                continue;
            const lg_node *n = get_node(c, k.ids.v[i]);
            if (!n || !exists_at(n, c->t) || n->kind == LG_NODE_HUMAN)
                continue;
            int64_t since;
            const char *evt;
            if (status_at(c, n, &since, &evt) != LG_Q_ACTIVE)
                continue;
            if (added++ >= limit) {
                c->r->truncated = true;
                break;
            }
            lg_q_item *it = push_item(c);
            if (!it)
                break;
            fill(c, it, n, "dependant", NULL);
            it->via = pdup(c, queue.v[qi]);
            if (strvec_push(&queue, k.ids.v[i]) < 0)
                c->oom = true;
        }
        kids_free(&k);
    }
    free(queue.v);
}

int lg_q_owner(lg_graph *g, const char *input, const lg_q_opts *o, lg_q_result **out, char *errstr,
               size_t errstr_size) {
    qctx c;
    int rc;
    const lg_node *n = begin(&c, g, input, o, &rc, errstr, errstr_size);
    if (!n)
        return begin_failed(&c, rc, out, errstr, errstr_size);
    lg_attribution a;
    lg_graph_attribute(c.g, n, c.t, &a);
    lg_q_item *it = push_item(&c);
    if (it) {
        fill(&c, it, n, "subject", &a);
        lg_basis weakest;
        c.r->confidence_score = attribution_score(&c, &a, &weakest);
        c.r->confidence = confidence_label(c.r->confidence_score);
        c.r->weakest_basis = weakest != LG_BASIS_NONE ? lg_basis_name(weakest) : NULL;
        c.r->subject = c.r->items[0].id;
    }
    strset seen = {0};
    strset_add(&seen, c.r->subject ? c.r->subject : "");
    for (size_t i = 1; i <= a.n && !c.oom; i++) {
        const char *cid = c.r->items[0].chain[i];
        strset_add(&seen, cid);
        const lg_node *cn = get_node(&c, cid);
        lg_q_item *ci = push_item(&c);
        if (!ci)
            break;
        if (cn)
            fill(&c, ci, cn, "chain", NULL);
        else
            fill_bare_human(&c, ci, cid, "chain");
    }
    add_dependants(&c, n->id, &seen, c.max_items < 1000 ? c.max_items : 1000);
    strset_free(&seen);
    return ctx_finish(&c, 0, out, errstr, errstr_size);
}

/* ---- owns ---- */

static int cmp_str(const char *a, const char *b) {
    return strcmp(a ? a : "", b ? b : "");
}

static int cmp_owned(const void *pa, const void *pb) {
    const lg_q_item *a = pa, *b = pb;
    int d = cmp_str(a->system, b->system);
    if (!d)
        d = cmp_str(lg_node_kind_name(a->kind), lg_node_kind_name(b->kind));
    return d ? d : cmp_str(a->id, b->id);
}

/* Everything person owns at c->t, in every partition that knows the
 * person, as items after items[0]. */
static int collect_owned(qctx *c, const lg_node *person) {
    lg_q_item *root = push_item(c);
    if (!root)
        return -1;
    fill(c, root, person, "subject", NULL);
    c->r->subject = root->id;
    const char *who = root->id;
    strset seen = {0};
    strvec queue = {0};
    for (size_t p = 0; p < c->gs->n && !c->oom && !c->r->truncated; p++) {
        c->g = c->gs->v[p];
        if (!get_node(c, who))
            continue;
        queue.n = 0;
        if (strvec_push(&queue, who) < 0)
            c->oom = true;
        for (size_t qi = 0; qi < queue.n && !c->oom && !c->r->truncated; qi++) {
            const lg_node *from = get_node(c, queue.v[qi]);
            kids k;
            if (children(c, queue.v[qi], from && from->kind == LG_NODE_HUMAN, &k) < 0) {
                kids_free(&k);
                break;
            }
            for (size_t i = 0; i < k.ids.n && !c->oom; i++) {
                const char *id = k.ids.v[i];
                if (strset_has(&seen, id))
                    continue;
                const lg_node *n = get_node(c, id);
                if (!n || n->kind == LG_NODE_HUMAN || !exists_at(n, c->t))
                    continue;
                lg_attribution a;
                lg_graph_attribute(c->g, n, c->t, &a);
                if (!a.owner_id || strcmp(a.owner_id, who) != 0)
                    continue;
                if (c->r->nitems >= c->max_items) {
                    c->r->truncated = true;
                    break;
                }
                lg_q_item *it = push_item(c);
                if (!it || strset_add(&seen, id) < 0)
                    break;
                fill(c, it, n, "owned", &a);
                if (strvec_push(&queue, id) < 0)
                    c->oom = true;
            }
            kids_free(&k);
        }
    }
    free(queue.v);
    strset_free(&seen);
    if (c->r->nitems > 2)
        qsort(c->r->items + 1, c->r->nitems - 1, sizeof *c->r->items, cmp_owned);
    return c->oom ? -1 : 0;
}

/* A person's node in the partition that knows most about them (the most
 * status changes: where their directory's events go); c->g is set to it. */
static const lg_node *best_person(qctx *c, const char *id) {
    const lg_node *best = NULL;
    for (size_t p = 0; p < c->gs->n; p++) {
        const lg_node *n = lg_graph_get(c->gs->v[p], id, strlen(id));
        if (n && (!best || n->status.n > best->status.n)) {
            best = n;
            c->g = c->gs->v[p];
        }
    }
    return best;
}

static const lg_node *resolve_person(qctx *c, const char *person, int *rc, char *errstr,
                                     size_t errstr_size) {
    const lg_node *n = resolve(c, person, rc, errstr, errstr_size);
    if (n && n->kind == LG_NODE_GH_ACCOUNT && n->alias_of) /* a login names its human */
        n = get_node(c, n->alias_of);
    if (n && n->kind != LG_NODE_HUMAN) {
        snprintf(errstr, errstr_size, "\"%s\" is a %s, not a person", person,
                 lg_node_kind_name(n->kind));
        *rc = LG_Q_NOT_FOUND;
        return NULL;
    }
    if (!n && *rc == 0)
        *rc = LG_Q_NOT_FOUND;
    return n ? best_person(c, n->id) : NULL;
}

int lg_q_owns(lg_graph *g, const char *person, const lg_q_opts *o, lg_q_result **out, char *errstr,
              size_t errstr_size) {
    qctx c;
    if (ctx_init(&c, g, o, errstr, errstr_size) < 0)
        return -1;
    int rc = 0;
    const lg_node *p = resolve_person(&c, person, &rc, errstr, errstr_size);
    if (p)
        rc = collect_owned(&c, p);
    return ctx_finish(&c, rc, out, errstr, errstr_size);
}

/* ---- offboarding ---- */

typedef struct need_ctx {
    qctx *c;
    const char *person;
    strset visiting;
    size_t budget;
} need_ctx;

static const char *kind_id(qctx *c, const lg_node *n) {
    if (n->name && strcmp(n->name, n->id) != 0)
        return pfmt(c, "%s %s (%s)", lg_node_kind_name(n->kind), n->id, n->name);
    return pfmt(c, "%s %s", lg_node_kind_name(n->kind), n->id);
}

/* Last use at or before the time (first use as a lower bound when the last
 * known use is later). */
static int64_t used_at(const qctx *c, const lg_node *n) {
    if (n->last_used_ms != LG_TIME_NONE && n->last_used_ms <= c->t)
        return n->last_used_ms;
    if (n->first_used_ms != LG_TIME_NONE && n->first_used_ms <= c->t)
        return n->first_used_ms;
    return LG_TIME_NONE;
}

/* True when id is needed: it was used recently, or an active identity below
 * it is needed or belongs to someone else (or nobody). *why says why. */
static bool needed(need_ctx *nc, const lg_node *n, int depth, const char **why) {
    qctx *c = nc->c;
    int64_t since;
    const char *evt;
    if (status_at(c, n, &since, &evt) != LG_Q_ACTIVE || !exists_at(n, c->t))
        return false;
    int64_t used = used_at(c, n);
    if (used != LG_TIME_NONE && c->ref - used < c->unused_ms) {
        char day[16];
        fmt_day(used, day, sizeof day);
        *why = pfmt(c, "used on %s (%s)", day, n->last_action ? n->last_action : "call");
        return true;
    }
    const char *nid = pdup(c, n->id);
    if (!nid || depth >= MAX_DEPTH || !nc->budget || strset_add(&nc->visiting, nid) != 1)
        return false;
    nc->budget--;
    kids k;
    bool need = false;
    if (children(c, nid, false, &k) < 0) {
        kids_free(&k);
        return false;
    }
    for (size_t i = 0; i < k.ids.n && !need; i++) {
        const lg_node *ch = get_node(c, k.ids.v[i]);
        if (!ch || ch->kind == LG_NODE_HUMAN || !exists_at(ch, c->t) ||
            status_at(c, ch, &since, &evt) != LG_Q_ACTIVE)
            continue;
        lg_attribution a;
        lg_graph_attribute(c->g, ch, c->t, &a);
        const char *sub = NULL;
        if (!a.owner_id || strcmp(a.owner_id, nc->person) != 0) {
            *why = pfmt(c, "%s depends on it and %s%s", kind_id(c, ch),
                        a.owner_id ? "belongs to " : "has no owner", a.owner_id ? a.owner_id : "");
            need = true;
        } else if (needed(nc, ch, depth + 1, &sub)) {
            *why = pfmt(c, "%s depends on it: %s", kind_id(c, ch), sub);
            need = true;
        }
    }
    kids_free(&k);
    return need;
}

/* Active identities below n (bounded). */
static size_t count_dependants(qctx *c, const char *root) {
    strset seen = {0};
    strvec queue = {0};
    size_t count = 0;
    const char *r = pdup(c, root);
    if (!r || strset_add(&seen, r) < 0 || strvec_push(&queue, r) < 0)
        c->oom = true;
    for (size_t qi = 0; qi < queue.n && !c->oom && count < c->max_items; qi++) {
        kids k;
        if (children(c, queue.v[qi], false, &k) < 0) {
            kids_free(&k);
            break;
        }
        for (size_t i = 0; i < k.ids.n; i++) {
            if (strset_add(&seen, k.ids.v[i]) != 1)
                continue;
            const lg_node *n = get_node(c, k.ids.v[i]);
            int64_t since;
            const char *evt;
            if (!n || n->kind == LG_NODE_HUMAN || !exists_at(n, c->t) ||
                status_at(c, n, &since, &evt) != LG_Q_ACTIVE)
                continue;
            count++;
            if (strvec_push(&queue, k.ids.v[i]) < 0)
                c->oom = true;
        }
        kids_free(&k);
    }
    free(queue.v);
    strset_free(&seen);
    return count;
}

/* How an identity came to be the person's: the link that reaches them. */
static const char *why_theirs(const lg_q_item *it) {
    switch (it->nchain ? it->basis[it->nchain - 1] : LG_BASIS_NONE) {
    case LG_BASIS_EXPLICIT:
        return "owner tag";
    case LG_BASIS_CREATOR:
        return "they created it";
    case LG_BASIS_SESSION:
        return "made in their session";
    case LG_BASIS_ALIAS:
        return "made by their account";
    case LG_BASIS_INHERITED:
        return "a credential of theirs";
    default:
        return "attribution";
    }
}

static void recommend(need_ctx *nc, lg_q_item *it) {
    qctx *c = nc->c;
    char day[16] = "";
    if (it->status_since != LG_TIME_NONE)
        fmt_day(it->status_since, day, sizeof day);
    const char *priv = it->privileged ? "privileged; " : "";
    switch (it->status) {
    case LG_Q_DELETED:
        it->action = LG_Q_SAFE_TO_REMOVE;
        it->reason = pfmt(c, "already deleted on %s", day);
        return;
    case LG_Q_DISABLED:
        it->action = LG_Q_SAFE_TO_REMOVE;
        it->reason = pfmt(c, "disabled since %s; delete it", day);
        return;
    case LG_Q_EXPIRED:
        it->action = LG_Q_SAFE_TO_REMOVE;
        it->reason = pfmt(c, "temporary session, expired by %s", day);
        return;
    case LG_Q_REMOVED:
        it->action = LG_Q_SAFE_TO_REMOVE;
        it->reason = pfmt(c, "already removed from the organisation on %s", day);
        return;
    case LG_Q_ACTIVE:
        break;
    }
    const lg_node *n = get_node(c, it->id);
    if (!n)
        return;
    it->ndependants = count_dependants(c, it->id);
    const char *why = NULL;
    if (n->kind != LG_NODE_GH_ACCOUNT && needed(nc, n, 0, &why)) {
        it->action = LG_Q_REASSIGN;
        it->reason = pfmt(c, "%s%s; give it a new owner before removing access", priv, why);
        return;
    }
    it->action = LG_Q_DEPROVISION;
    if (n->kind == LG_NODE_GH_ACCOUNT) {
        it->reason = pfmt(c, "%s's own account: remove it from the organisation", nc->person);
        return;
    }
    const char *use;
    if (it->last_used_ms == LG_TIME_NONE)
        use = "never used";
    else {
        char ud[16];
        fmt_day(it->last_used_ms, ud, sizeof ud);
        use =
            pfmt(c, "unused since %s (%" PRId64 " days)", ud, (c->ref - it->last_used_ms) / DAY_MS);
    }
    const char *deps = it->ndependants == 1 ? "; the identity below it goes with it"
                       : it->ndependants
                           ? pfmt(c, "; the %zu identities below it go with it", it->ndependants)
                           : "";
    it->reason = pfmt(c, "%s%s; nothing else depends on it, %s is its only owner (%s)%s", priv, use,
                      nc->person, why_theirs(it), deps);
}

int lg_q_offboard(lg_graph *g, const char *person, const lg_q_opts *o, lg_q_result **out,
                  char *errstr, size_t errstr_size) {
    qctx c;
    if (ctx_init(&c, g, o, errstr, errstr_size) < 0)
        return -1;
    int rc = 0;
    const lg_node *p = resolve_person(&c, person, &rc, errstr, errstr_size);
    if (p)
        rc = collect_owned(&c, p);
    if (p && rc == 0) {
        need_ctx nc = {&c, c.r->subject, {0}, 0};
        for (size_t i = 1; i < c.r->nitems && !c.oom; i++) {
            strset_free(&nc.visiting);
            nc.budget = 10000; /* identities looked at below one item */
            c.g = c.gs->v[c.r->items[i].partition];
            recommend(&nc, &c.r->items[i]);
        }
        strset_free(&nc.visiting);
    }
    return ctx_finish(&c, rc, out, errstr, errstr_size);
}

/* ---- scans: orphans, review, search ---- */

typedef struct scan_ctx {
    qctx *c;
    const char *q; /* search */
    int mode;
    strset *seen;
    void (*visit)(qctx *, const lg_node *);
} scan_ctx;

enum { SCAN_NHI, SCAN_SEARCH };

/* Evaluates each node as the iterator decodes it (no second read). */
static int scan_cb(void *opaque, lg_node *n) {
    scan_ctx *s = opaque;
    qctx *c = s->c;
    if (s->mode == SCAN_NHI) {
        if (!lg_node_kind_is_nhi(n->kind) || n->kind == LG_NODE_STS_SESSION)
            return 0;
    } else if (!strcasestr(n->id, s->q) && !(n->name && strcasestr(n->name, s->q))) {
        return 0;
    }
    if (!exists_at(n, c->t) || strset_has(s->seen, n->id))
        return 0;
    const char *id = pdup(c, n->id);
    if (!id || strset_add(s->seen, id) < 0) {
        c->oom = true;
        return -1;
    }
    s->visit(c, n);
    return c->oom || c->r->truncated ? 1 : 0;
}

/* Calls visit for each node of every partition that passes the scan's
 * filter and exists at the time (an id seen in an earlier partition is
 * skipped). */
static int scan(qctx *c, int mode, const char *q, void (*visit)(qctx *, const lg_node *),
                char *errstr, size_t errstr_size) {
    strset seen = {0};
    int rc = 0;
    for (size_t p = 0; p < c->gs->n && rc == 0 && !c->oom && !c->r->truncated; p++) {
        c->g = c->gs->v[p];
        scan_ctx s = {c, q, mode, &seen, visit};
        rc = lg_graph_foreach(c->g, scan_cb, &s);
        if (rc > 0 && !c->oom)
            rc = 0; /* stopped at max_items */
        else if (rc != 0 && !c->oom)
            snprintf(errstr, errstr_size, "query: cannot scan the state (corrupt node record)");
    }
    strset_free(&seen);
    return rc ? -1 : 0;
}

/* An item slot, or NULL (and truncated) when max_items is reached. */
static lg_q_item *push_bounded(qctx *c) {
    if (c->r->nitems >= c->max_items) {
        c->r->truncated = true;
        return NULL;
    }
    return push_item(c);
}

static void orphan_visit(qctx *c, const lg_node *n) {
    lg_q_item tmp;
    memset(&tmp, 0, sizeof tmp);
    fill(c, &tmp, n, "orphan", NULL);
    if (!(tmp.flags & (LG_QF_ORPHAN | LG_QF_PRIV_OWNERLESS)))
        return;
    if (!(tmp.flags & LG_QF_ORPHAN))
        tmp.role = "privileged_ownerless";
    lg_q_item *it = push_bounded(c);
    if (it)
        *it = tmp;
}

int lg_q_orphans(lg_graph *g, const lg_q_opts *o, lg_q_result **out, char *errstr,
                 size_t errstr_size) {
    qctx c;
    if (ctx_init(&c, g, o, errstr, errstr_size) < 0)
        return -1;
    int rc = scan(&c, SCAN_NHI, NULL, orphan_visit, errstr, errstr_size);
    return ctx_finish(&c, rc, out, errstr, errstr_size);
}

static int cmp_review(const void *pa, const void *pb) {
    const lg_q_item *a = pa, *b = pb;
    if (!a->owner_id != !b->owner_id)
        return a->owner_id ? -1 : 1;
    int d = cmp_str(a->owner_id, b->owner_id);
    return d ? d : cmp_owned(pa, pb);
}

static void review_visit(qctx *c, const lg_node *n) {
    int64_t since;
    const char *evt;
    if (status_at(c, n, &since, &evt) == LG_Q_DELETED)
        return;
    lg_q_item *it = push_bounded(c);
    if (it)
        fill(c, it, n, "review", NULL);
}

int lg_q_review(lg_graph *g, const lg_q_opts *o, lg_q_result **out, char *errstr,
                size_t errstr_size) {
    qctx c;
    if (ctx_init(&c, g, o, errstr, errstr_size) < 0)
        return -1;
    int rc = scan(&c, SCAN_NHI, NULL, review_visit, errstr, errstr_size);
    if (c.r->nitems > 1)
        qsort(c.r->items, c.r->nitems, sizeof *c.r->items, cmp_review);
    return ctx_finish(&c, rc, out, errstr, errstr_size);
}

static int search_rank(const lg_q_item *it, const char *q) {
    int r = it->kind == LG_NODE_HUMAN ? 0 : 4;
    if (strcasecmp(it->id, q) == 0 || (it->name && strcasecmp(it->name, q) == 0))
        return r;
    if (strncasecmp(it->id, q, strlen(q)) == 0 ||
        (it->name && strncasecmp(it->name, q, strlen(q)) == 0))
        return r + 1;
    return r + 2;
}

static _Thread_local const char *search_q;

static int cmp_search(const void *pa, const void *pb) {
    const lg_q_item *a = pa, *b = pb;
    int d = search_rank(a, search_q) - search_rank(b, search_q);
    return d ? d : cmp_owned(pa, pb);
}

static void search_visit(qctx *c, const lg_node *n) {
    lg_graph *scanning = c->g;
    if (n->kind == LG_NODE_HUMAN) /* from where the person is best known */
        n = best_person(c, n->id);
    lg_q_item *it = push_bounded(c);
    if (it)
        fill(c, it, n, "match", NULL);
    c->g = scanning;
}

int lg_q_search(lg_graph *g, const char *q, size_t limit, const lg_q_opts *o, lg_q_result **out,
                char *errstr, size_t errstr_size) {
    qctx c;
    if (ctx_init(&c, g, o, errstr, errstr_size) < 0)
        return -1;
    if (!limit)
        limit = 50;
    while (q && isspace((unsigned char)*q))
        q++;
    if (!q || !*q)
        return ctx_finish(&c, 0, out, errstr, errstr_size);
    c.r->subject = pdup(&c, q);
    int rc = scan(&c, SCAN_SEARCH, q, search_visit, errstr, errstr_size);
    search_q = q;
    if (c.r->nitems > 1)
        qsort(c.r->items, c.r->nitems, sizeof *c.r->items, cmp_search);
    if (c.r->nitems > limit) {
        c.r->nitems = limit;
        c.r->truncated = true;
    }
    return ctx_finish(&c, rc, out, errstr, errstr_size);
}

/* ---- node details ---- */

static void node_evidence(qctx *c, const lg_node *n) {
    if (n->created_ms != LG_TIME_NONE || n->created_evt) {
        const char *by = n->creator ? n->creator : n->issuer;
        push_evidence(c, by ? pfmt(c, "created by %s", by) : "created", n->created_ms,
                      n->created_evt);
    }
    if (n->parent)
        push_evidence(c,
                      pfmt(c, "%s of %s", n->kind == LG_NODE_STS_SESSION ? "session" : "credential",
                           n->parent),
                      n->created_ms, n->created_evt);
    if (n->issuer)
        push_evidence(c, pfmt(c, "session obtained by %s", n->issuer), n->created_ms,
                      n->issuer_evt);
    if (n->hint)
        push_evidence(c, pfmt(c, "session identity %s", n->hint), n->created_ms, n->created_evt);
    if (n->alias_of)
        push_evidence(c, pfmt(c, "account of %s", n->alias_of), LG_TIME_NONE, n->alias_evt);
    if (n->agent_role)
        push_evidence(c, pfmt(c, "runs as %s", n->agent_role), LG_TIME_NONE, n->created_evt);
    for (uint32_t i = 0; i < n->owner.n; i++) {
        const lg_sitem *s = &n->owner.items[i];
        push_evidence(
            c, s->str && *s->str ? pfmt(c, "owner tag %s", s->str) : pdup(c, "owner tag removed"),
            s->t <= LG_TIME_NONE + 1 ? LG_TIME_NONE : s->t, s->evt);
    }
    for (uint32_t i = 0; i < n->priv.n; i++) {
        const lg_sitem *s = &n->priv.items[i];
        push_evidence(c, pfmt(c, "%s %s", s->val ? "granted" : "revoked", s->str ? s->str : "*"),
                      s->t, s->evt);
    }
    if (n->priv_at_birth)
        push_evidence(c, "privileged at creation (admin scopes)", n->created_ms, n->created_evt);
    for (uint32_t i = 0; i < n->status.n; i++) {
        const lg_sitem *s = &n->status.items[i];
        push_evidence(c, pfmt(c, "status %s", lg_human_status_name(s->val)), s->t, s->evt);
    }
    for (uint32_t i = 0; i < n->enabled.n; i++) {
        const lg_sitem *s = &n->enabled.items[i];
        push_evidence(c, s->val ? "enabled" : "disabled", s->t, s->evt);
    }
    if (n->removed_ms != LG_TIME_NONE)
        push_evidence(c, "removed from the organisation", n->removed_ms, NULL);
    if (n->deleted_ms != LG_TIME_NONE)
        push_evidence(c, "deleted", n->deleted_ms, n->deleted_evt);
    if (n->first_used_ms != LG_TIME_NONE && n->first_used_ms != n->last_used_ms)
        push_evidence(c, "first used", n->first_used_ms, NULL);
    if (n->last_used_ms != LG_TIME_NONE)
        push_evidence(c, pfmt(c, "last used (%s)", n->last_action ? n->last_action : "call"),
                      n->last_used_ms, n->last_used_evt);
    for (uint32_t i = 0; i < n->nagents; i++)
        push_evidence(c, pfmt(c, "agent %s runs as this role", n->agents[i]), LG_TIME_NONE, NULL);
}

int lg_q_node(lg_graph *g, const char *input, const lg_q_opts *o, lg_q_result **out, char *errstr,
              size_t errstr_size) {
    qctx c;
    int rc;
    const lg_node *n = begin(&c, g, input, o, &rc, errstr, errstr_size);
    if (!n)
        return begin_failed(&c, rc, out, errstr, errstr_size);
    lg_q_item *it = push_item(&c);
    if (it) {
        fill(&c, it, n, "node", NULL);
        c.r->subject = it->id;
        c.r->confidence = it->confidence;
        it->ndependants = count_dependants(&c, n->id);
    }
    node_evidence(&c, n);
    return ctx_finish(&c, 0, out, errstr, errstr_size);
}

/* ---- subgraph for the map ---- */

/* Number of direct children (a hint for the map's "expand"). */
static size_t nchildren(qctx *c, const lg_node *n) {
    kids k;
    size_t cnt = 0;
    if (children(c, n->id, n->kind == LG_NODE_HUMAN, &k) == 0)
        cnt = k.ids.n;
    kids_free(&k);
    return cnt;
}

/* Breadth first below root in the current partition, to c->depth levels:
 * items, edges; explored gets the ids whose children were listed. */
static void graph_down(qctx *c, const char *root, const char *person, strset *seen,
                       strset *explored) {
    strvec level = {0}, next = {0};
    if (strvec_push(&level, root) < 0)
        c->oom = true;
    for (int d = 0; d < c->depth && level.n && !c->oom && !c->r->truncated; d++) {
        next.n = 0;
        for (size_t qi = 0; qi < level.n && !c->oom && !c->r->truncated; qi++) {
            const char *from = level.v[qi];
            const lg_node *fn = get_node(c, from);
            kids k;
            if (strset_add(explored, from) < 0) {
                c->oom = true;
                break;
            }
            if (children(c, from, fn && fn->kind == LG_NODE_HUMAN, &k) < 0) {
                kids_free(&k);
                c->oom = true;
                break;
            }
            for (size_t i = 0; i < k.ids.n; i++) {
                const char *id = k.ids.v[i];
                const lg_node *n = strset_has(seen, id) ? NULL : get_node(c, id);
                if (!n || n->kind == LG_NODE_HUMAN || !exists_at(n, c->t))
                    continue;
                lg_attribution a;
                lg_graph_attribute(c->g, n, c->t, &a);
                bool lineage = a.n && strcmp(a.chain[1], from) == 0;
                bool owned = person && a.owner_id && strcmp(a.owner_id, person) == 0;
                /* below a person: what the person owns, in its attribution
                 * tree, and what depends on it but belongs to someone else
                 * (shown, not followed) */
                if (owned && !lineage)
                    continue; /* it hangs under its own parent in the tree */
                if (person && !owned && (!fn || fn->kind == LG_NODE_HUMAN))
                    continue; /* an old tag or alias: no longer the person's */
                lg_q_item *ni = push_bounded(c);
                if (!ni || strset_add(seen, id) < 0)
                    break;
                fill(c, ni, n, owned ? "owned" : "dependant", &a);
                ni->ndependants = nchildren(c, n);
                ni->via = pdup(c, from);
                ni->depth = d + 1;
                push_edge(c, from, id, lineage ? lg_basis_name(a.basis[0]) : k.types.v[i],
                          lineage ? a.evidence[0] : n->created_evt, lineage);
                if ((!person || owned) && strvec_push(&next, ni->id) < 0)
                    c->oom = true;
            }
            kids_free(&k);
        }
        strvec tmp = level;
        level = next;
        next = tmp;
    }
    for (size_t qi = 0; qi < level.n && !c->r->truncated; qi++) {
        const lg_node *ln = get_node(c, level.v[qi]); /* anything below the last level? */
        if (ln && nchildren(c, ln))
            c->r->truncated = true;
    }
    free(level.v);
    free(next.v);
}

int lg_q_graph(lg_graph *g, const char *input, const lg_q_opts *o, lg_q_result **out, char *errstr,
               size_t errstr_size) {
    qctx c;
    int rc;
    const lg_node *root = begin(&c, g, input, o, &rc, errstr, errstr_size);
    if (!root)
        return begin_failed(&c, rc, out, errstr, errstr_size);
    lg_graph *home = c.g;
    lg_q_item *it = push_item(&c);
    if (!it)
        return ctx_finish(&c, -1, out, errstr, errstr_size);
    fill(&c, it, root, "subject", NULL);
    it->ndependants = nchildren(&c, root);
    c.r->subject = it->id;
    strset seen = {0}, explored = {0};
    strset_add(&seen, c.r->subject);
    /* up: the attribution chain to the owner */
    size_t nchain = it->nchain;
    for (size_t i = 1; i <= nchain && !c.oom; i++) {
        const lg_q_item *s = &c.r->items[0];
        const char *cid = s->chain[i];
        push_edge(&c, cid, s->chain[i - 1], lg_basis_name(s->basis[i - 1]), s->evidence[i - 1],
                  true);
        if (strset_add(&seen, cid) != 1)
            continue;
        const lg_node *cn = get_node(&c, cid);
        lg_q_item *ci = push_item(&c);
        if (!ci)
            break;
        if (cn) {
            fill(&c, ci, cn, "chain", NULL);
            ci->ndependants = nchildren(&c, cn);
        } else {
            fill_bare_human(&c, ci, cid, "chain");
        }
    }
    /* down: a person's identities in every partition that knows them */
    const char *person = root->kind == LG_NODE_HUMAN ? c.r->subject : NULL;
    for (size_t p = 0; p < c.gs->n && !c.oom; p++) {
        c.g = person ? c.gs->v[p] : home;
        if (person && !get_node(&c, person))
            continue;
        graph_down(&c, c.r->subject, person, &seen, &explored);
        if (!person)
            break;
    }
    for (size_t i = 0; i < c.r->nitems; i++)
        c.r->items[i].complete = strset_has(&explored, c.r->items[i].id);
    strset_free(&explored);
    strset_free(&seen);
    return ctx_finish(&c, 0, out, errstr, errstr_size);
}
