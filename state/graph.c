/* state/graph.c - see graph.h. */
#include "state/graph.h"

#include "state/bset.h"
#include "state/codec.h"
#include "state/sort.h"

#include <rocksdb/c.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    CF_DEFAULT = LG_CF_META,
    CF_NODES = LG_CF_NODES,
    CF_LINKS = LG_CF_LINKS,
    CF_SEEN = LG_CF_SEEN,
    CF_COUNT = LG_CF_COUNT
};
static const char *const cf_names[CF_COUNT] = {"default", "nodes", "links", "seen"};

typedef struct centry {
    lg_node *node;
    uint64_t hash;
    uint32_t idlen; /* strlen(node->id) */
    uint32_t tidx;  /* index in the touched list when touch != 0 */
    unsigned touch;
    bool dirty;
    uint8_t hits; /* cache hits since loaded or last kept (saturating) */
} centry;

struct plink {
    char *from, *to;
    char link;
    uint32_t prev; /* index + 1 of the previous link with the same from, 0 = none */
};

/* links added by a batch, indexed by from-id; the set owns its strings */
typedef struct plinkset {
    struct plink *v;
    size_t n, cap;
    uint32_t *idx; /* open addressing: index + 1 of the last plink of a from-id */
    size_t icap;
} plinkset;

struct lg_graph {
    rocksdb_t *db;
    rocksdb_options_t *opts;
    rocksdb_options_t *links_opts; /* opts plus the links' prefix extractor */
    rocksdb_block_based_table_options_t *bbto;
    rocksdb_cache_t *cache;
    rocksdb_filterpolicy_t *bloom;
    rocksdb_column_family_handle_t *cf[CF_COUNT];
    rocksdb_readoptions_t *ro;
    rocksdb_readoptions_t *ro_links; /* ro, seeks bounded to one from-id */
    rocksdb_writeoptions_t *wo;
    rocksdb_writebatch_t *wb; /* the pending batch (reads never go through it) */
    /* async_write: the previous batch, written by a thread of its own while
     * this one is built; until the write is joined its dedupe keys and links
     * stay readable beside it (seen_prev, plinks_prev) and its nodes stay in
     * the node cache (no trim while a write is in flight) */
    bool async_write;
    bool handed;                      /* wb_prev went to the writer and is not released */
    bool writing;                     /* the writer is at it (under wlock) */
    bool writer_started, writer_stop; /* writer_stop under wlock */
    pthread_t writer;
    pthread_mutex_t wlock; /* guards writing and writer_stop with the writer */
    pthread_cond_t wcond;
    rocksdb_writebatch_t *wb_prev; /* the batch being written; owned by writer until joined */
    char *write_err;               /* the writer's RocksDB error, read after the join */
    bool write_err_told;           /* write_err went to a caller's errstr */
    /* an iterator over the committed links, kept for the batch: nothing is
     * written to the database between two commits, so one iterator serves
     * every lg_graph_links call of a batch (the detectors make one per
     * touched node); destroyed when the batch ends */
    rocksdb_iterator_t *links_it;
    bool links_busy; /* links_it is in use by a caller up the stack */
    /* read-your-writes for the pending batch, kept beside it */
    lg_bset seen_batch;   /* dedupe keys added in this batch */
    lg_bset seen_prev;    /* and in the batch being written (async_write) */
    plinkset plinks;      /* links added in this batch */
    plinkset plinks_prev; /* and in the batch being written (async_write) */
    lg_bset held;         /* held-back candidates (committed + pending) */
    bool read_only;
    bool secondary;
    size_t max_cached;
    /* dedupe retention: the newest event hour checked since open (read by
     * the compaction filter on RocksDB's threads) and the retention */
    _Atomic int64_t seen_newest_hour;
    int64_t seen_retention_hours; /* 0: kept forever */
    rocksdb_options_t *seen_opts; /* opts plus the compaction filter */
    rocksdb_compactionfilter_t *seen_filter;
    /* with a changelog the batches delete the keys past the retention
     * themselves (expire_seen), so that their tombstones reach it; the
     * expiry resumes at seen_from[0..seen_from_len) (0: from the start):
     * a key and a NUL, or the hour where the previous pass ran out */
    bool seen_expire;
    size_t seen_from_len;
    unsigned char seen_from[17];
    uint64_t seen_expired, seen_expired_pending; /* committed; in the batch */
    /* node cache: open addressing, power-of-two capacity */
    centry *tab;
    size_t cap, count;
    /* batch bookkeeping */
    centry **dirty;
    size_t ndirty, capdirty;
    lg_node **touched;
    unsigned *touch_flags;
    uint32_t *touch_seq; /* arrival number of the first structural change */
    size_t ntouched, captouched;
    uint32_t seq; /* lg_graph_apply calls in this batch */
    lg_usage *uses;
    size_t nuses, capuses;
    struct strchunk *usestr; /* the uses' strings (evidence, action) */
    lg_wbuf wbuf;
    bool capture;    /* opts.changelog */
    lg_wbuf changes; /* captured: [cf][klen][key][vlen][val]... */
    bool prepared;   /* node changes are in the write batch */
    bool restored;   /* restore_put since the last commit: drop the cache */
};

/* No per-operation counters: RocksDB's perf level is a thread-local that
 * defaults to counting, which costs a thread-local lookup per key comparison
 * in a shared library (5% of a replay's samples on the writer thread when
 * only the opening thread had turned it off). Every thread that works on
 * the state calls this: the opening one, the writer, and each batch's
 * (lg_graph_prepare), since a driver may process on a thread of its own. */
static void quiet_perf(void) {
    rocksdb_set_perf_level(rocksdb_disable);
}

static void set_err(char *errstr, size_t n, const char *what, char *rerr) {
    if (errstr && n)
        snprintf(errstr, n, "state: %s: %s", what, rerr ? rerr : "out of memory");
    free(rerr);
}

/* Every state write of a batch goes through here (captured for the
 * changelog when enabled). */
static void batch_put(lg_graph *g, int cf, const char *k, size_t kn, const char *v, size_t vn) {
    if (v)
        rocksdb_writebatch_put_cf(g->wb, g->cf[cf], k, kn, v, vn);
    else
        rocksdb_writebatch_delete_cf(g->wb, g->cf[cf], k, kn);
    if (g->capture && cf != CF_DEFAULT) {
        /* [cf][klen][key][vlen + 1 or 0 for a delete][val] */
        unsigned char c = (unsigned char)cf;
        lg_wbuf_bytes(&g->changes, &c, 1);
        lg_wbuf_u64(&g->changes, kn);
        lg_wbuf_bytes(&g->changes, k, kn);
        lg_wbuf_u64(&g->changes, v ? vn + 1 : 0);
        if (v)
            lg_wbuf_bytes(&g->changes, v, vn);
    }
}

/* ---- the batch's usage strings: chunks freed together at the batch's end ---- */

struct strchunk {
    struct strchunk *next;
    size_t used, cap;
    char data[];
};

static char *usestr_dup(lg_graph *g, const char *s) {
    size_t n = strlen(s) + 1;
    struct strchunk *c = g->usestr;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->next = g->usestr;
        c->used = 0;
        c->cap = cap;
        g->usestr = c;
    }
    char *p = c->data + c->used;
    memcpy(p, s, n);
    c->used += n;
    return p;
}

/* Empties the chunks, keeping the newest one. */
static void usestr_reset(lg_graph *g, bool all) {
    struct strchunk *c = g->usestr;
    if (!c)
        return;
    struct strchunk *rest = all ? c : c->next;
    while (rest) {
        struct strchunk *next = rest->next;
        free(rest);
        rest = next;
    }
    if (all)
        g->usestr = NULL;
    else
        c->next = NULL, c->used = 0;
}

/* ---- cache ---- */

/* The free slot where an entry of hash h goes in tab (linear probing). */
static centry *free_slot(centry *tab, size_t cap, uint64_t h) {
    size_t j = h & (cap - 1);
    while (tab[j].node)
        j = (j + 1) & (cap - 1);
    return &tab[j];
}

static void cache_clear(lg_graph *g) {
    for (size_t i = 0; i < g->cap; i++) {
        lg_node_free(g->tab[i].node);
        g->tab[i] = (centry){0};
    }
    g->count = 0;
    g->ndirty = 0;
}

/* Empties the cache when it is full, but keeps (up to half of max_cached)
 * what is likely to be read again: the humans, where every attribution
 * ends, and nodes hit at least twice since they were loaded or last kept,
 * such as the users, roles and sessions shared by many credentials. A kept
 * node must earn its place again before the next trim. Called between
 * batches only (no entry is dirty). */
static void cache_trim(lg_graph *g) {
    size_t budget = g->max_cached / 2, nk = 0;
    centry *keep = malloc((budget ? budget : 1) * sizeof *keep);
    if (!keep) {
        cache_clear(g);
        return;
    }
    for (size_t i = 0; i < g->cap; i++) {
        centry *c = &g->tab[i];
        if (!c->node)
            continue;
        if (nk < budget && (c->node->kind == LG_NODE_HUMAN || c->hits >= 2)) {
            keep[nk] = *c; /* neither dirty nor touched: batch_reset cleared them */
            keep[nk++].hits = 0;
        } else {
            lg_node_free(c->node);
        }
        *c = (centry){0};
    }
    g->ndirty = 0;
    for (size_t i = 0; i < nk; i++)
        *free_slot(g->tab, g->cap, keep[i].hash) = keep[i];
    g->count = nk;
    free(keep);
}

static int cache_grow(lg_graph *g) {
    size_t ncap = g->cap ? g->cap * 2 : 1024;
    centry *nt = calloc(ncap, sizeof *nt);
    if (!nt)
        return -1;
    for (size_t i = 0; i < g->cap; i++)
        if (g->tab[i].node)
            *free_slot(nt, ncap, g->tab[i].hash) = g->tab[i];
    /* dirty list holds pointers into the table: rebuild it */
    g->ndirty = 0;
    free(g->tab);
    g->tab = nt;
    g->cap = ncap;
    for (size_t i = 0; i < ncap; i++) {
        if (!nt[i].dirty)
            continue;
        g->dirty[g->ndirty++] = &nt[i];
    }
    return 0;
}

static centry *cache_find(lg_graph *g, const char *id, size_t n, uint64_t h) {
    if (!g->cap)
        return NULL;
    size_t j = h & (g->cap - 1);
    while (g->tab[j].node) {
        centry *e = &g->tab[j];
        if (e->hash == h && e->idlen == n && memcmp(lg_node_id_of(e->node), id, n) == 0)
            return e;
        j = (j + 1) & (g->cap - 1);
    }
    return NULL;
}

static centry *cache_insert(lg_graph *g, lg_node *node, size_t idlen, uint64_t h) {
    if ((g->count + 1) * 2 > g->cap && cache_grow(g) < 0)
        return NULL;
    centry *e = free_slot(g->tab, g->cap, h);
    *e = (centry){.node = node, .hash = h, .idlen = (uint32_t)idlen};
    g->count++;
    return e;
}

static centry *entry_get(lg_graph *g, const char *id, size_t n) {
    uint64_t h = lg_bset_hash(id, n);
    centry *e = cache_find(g, id, n, h);
    if (e) {
        if (e->hits < UINT8_MAX)
            e->hits++;
        return e;
    }
    char *err = NULL;
    size_t vlen = 0;
    char *val = rocksdb_get_cf(g->db, g->ro, g->cf[CF_NODES], id, n, &vlen, &err);
    if (err) {
        fprintf(stderr, "lineaged: state: read %.*s: %s\n", (int)n, id, err);
        free(err);
        return NULL;
    }
    if (!val)
        return NULL;
    lg_node *node = lg_node_decode(id, n, val, vlen);
    free(val);
    if (!node) {
        fprintf(stderr, "lineaged: state: corrupt node record %.*s\n", (int)n, id);
        return NULL;
    }
    e = cache_insert(g, node, n, h);
    if (!e)
        lg_node_free(node);
    return e;
}

size_t lg_graph_cached(const lg_graph *g) {
    return g->count;
}

lg_node *lg_graph_get(lg_graph *g, const char *id, size_t idlen) {
    centry *e = entry_get(g, id, idlen);
    return e ? e->node : NULL;
}

static int mark_dirty(lg_graph *g, centry *e) {
    if (e->dirty)
        return 0;
    if (g->ndirty == g->capdirty) {
        size_t cap = g->capdirty ? g->capdirty * 2 : 256;
        centry **d = realloc(g->dirty, cap * sizeof *d);
        if (!d)
            return -1;
        g->dirty = d;
        g->capdirty = cap;
    }
    /* the table may be rehashed later: cache_grow rebuilds this list */
    e->dirty = true;
    g->dirty[g->ndirty++] = e;
    return 0;
}

void lg_graph_mark_dirty(lg_graph *g, lg_node *n) {
    size_t len = strlen(n->id);
    centry *e = cache_find(g, n->id, len, lg_bset_hash(n->id, len));
    if (e)
        mark_dirty(g, e);
}

static int touch(lg_graph *g, centry *e, unsigned flags) {
    if (mark_dirty(g, e) < 0)
        return -1;
    if ((e->touch & flags) == flags) {
        if (flags == LG_TOUCH_LINEAGE) /* the latest lineage change counts */
            g->touch_seq[e->tidx] = g->seq;
        return 0;
    }
    if (!e->touch) {
        if (g->ntouched == g->captouched) {
            size_t cap = g->captouched ? g->captouched * 2 : 256;
            lg_node **t = realloc(g->touched, cap * sizeof *t);
            unsigned *f = realloc(g->touch_flags, cap * sizeof *f);
            uint32_t *q = realloc(g->touch_seq, cap * sizeof *q);
            if (t)
                g->touched = t;
            if (f)
                g->touch_flags = f;
            if (q)
                g->touch_seq = q;
            if (!t || !f || !q)
                return -1;
            g->captouched = cap;
        }
        e->tidx = (uint32_t)g->ntouched;
        g->touched[g->ntouched] = e->node;
        g->touch_flags[g->ntouched] = 0;
        g->touch_seq[g->ntouched] = 0;
        g->ntouched++;
    }
    if (flags == LG_TOUCH_LINEAGE)
        g->touch_seq[e->tidx] = g->seq;
    e->touch |= flags;
    g->touch_flags[e->tidx] |= flags;
    return 0;
}

/* Gets or creates a node for modification. */
static centry *node_ref(lg_graph *g, const char *id, size_t n, lg_node_kind kind) {
    centry *e = entry_get(g, id, n);
    if (!e) {
        lg_node *node = lg_node_new(id, n, kind);
        if (!node)
            return NULL;
        e = cache_insert(g, node, n, lg_bset_hash(id, n));
        if (!e) {
            lg_node_free(node);
            return NULL;
        }
        if (mark_dirty(g, e) < 0 || touch(g, e, LG_TOUCH_LINEAGE) < 0)
            return NULL;
    } else if (e->node->kind == LG_NODE_UNKNOWN && kind != LG_NODE_UNKNOWN) {
        e->node->kind = kind;
        if (touch(g, e, LG_TOUCH_LINEAGE) < 0)
            return NULL;
    }
    return e;
}

/* ---- links ---- */

/* Index slot of from-id (found, or the free slot where it goes). */
static uint32_t *plink_slot(plinkset *ps, const char *from, size_t fn, uint64_t h) {
    size_t j = h & (ps->icap - 1);
    while (ps->idx[j]) {
        const char *f = ps->v[ps->idx[j] - 1].from;
        if (strncmp(f, from, fn) == 0 && f[fn] == '\0')
            break;
        j = (j + 1) & (ps->icap - 1);
    }
    return &ps->idx[j];
}

static int plink_add(plinkset *ps, const char *from, size_t fn, char link, const char *to,
                     size_t tn) {
    if ((ps->n + 1) * 2 > ps->icap) {
        size_t cap = ps->icap ? ps->icap * 2 : 256;
        uint32_t *ni = calloc(cap, sizeof *ni);
        if (!ni)
            return -1;
        free(ps->idx);
        ps->idx = ni;
        ps->icap = cap;
        /* re-index: the newest link of each from-id heads its chain */
        for (size_t i = 0; i < ps->n; i++) {
            const char *f = ps->v[i].from;
            *plink_slot(ps, f, strlen(f), lg_bset_hash(f, strlen(f))) = (uint32_t)i + 1;
        }
    }
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 256;
        struct plink *np = realloc(ps->v, cap * sizeof *np);
        if (!np)
            return -1;
        ps->v = np;
        ps->cap = cap;
    }
    uint32_t *slot = plink_slot(ps, from, fn, lg_bset_hash(from, fn));
    struct plink *pl = &ps->v[ps->n];
    pl->from = strndup(from, fn);
    pl->to = strndup(to, tn);
    pl->link = link;
    pl->prev = *slot;
    if (!pl->from || !pl->to) {
        free(pl->from);
        free(pl->to);
        return -1;
    }
    *slot = (uint32_t)++ps->n;
    return 0;
}

static void plinks_clear(plinkset *ps) {
    for (size_t i = 0; i < ps->n; i++) {
        free(ps->v[i].from);
        free(ps->v[i].to);
    }
    ps->n = 0;
    if (ps->idx)
        memset(ps->idx, 0, ps->icap * sizeof *ps->idx);
}

static void plinks_free(plinkset *ps) {
    plinks_clear(ps);
    free(ps->v);
    free(ps->idx);
    *ps = (plinkset){0};
}

/* Calls cb for the links of a set from id (any type when link is 0). */
static int plinks_each(plinkset *ps, const char *id, size_t n, char link,
                       int (*cb)(void *opaque, const char *to, char link), void *opaque) {
    if (!ps->n)
        return 0;
    int rc = 0;
    uint32_t at = *plink_slot(ps, id, n, lg_bset_hash(id, n));
    for (; at && !rc; at = ps->v[at - 1].prev)
        if (!link || ps->v[at - 1].link == link)
            rc = cb(opaque, ps->v[at - 1].to, ps->v[at - 1].link);
    return rc;
}

static int put_link(lg_graph *g, const char *from, size_t fn, char link, const char *to,
                    size_t tn) {
    if (!fn || !tn)
        return 0;
    return plink_add(&g->plinks, from, fn, link, to, tn); /* written, sorted, at prepare */
}

int lg_graph_links(lg_graph *g, const char *id, char link,
                   int (*cb)(void *opaque, const char *to, char link), void *opaque) {
    size_t n = strlen(id);
    char *prefix = malloc(n + 2);
    if (!prefix)
        return -1;
    memcpy(prefix, id, n);
    prefix[n] = '\0';
    prefix[n + 1] = link;
    size_t plen = link ? n + 2 : n + 1;
    /* a callback that lists links in turn gets an iterator of its own */
    bool shared = !g->links_busy;
    if (shared && !g->links_it)
        g->links_it = rocksdb_create_iterator_cf(g->db, g->ro_links, g->cf[CF_LINKS]);
    rocksdb_iterator_t *it =
        shared ? g->links_it : rocksdb_create_iterator_cf(g->db, g->ro_links, g->cf[CF_LINKS]);
    if (shared)
        g->links_busy = true;
    int rc = 0;
    char *to = NULL;
    /* links added by the pending batch and by the one being written first
     * (a link both pending and committed may be seen twice: callers keep
     * visited sets) */
    rc = plinks_each(&g->plinks, id, n, link, cb, opaque);
    if (!rc)
        rc = plinks_each(&g->plinks_prev, id, n, link, cb, opaque);
    if (rc)
        goto done;
    for (rocksdb_iter_seek(it, prefix, plen); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t klen;
        const char *k = rocksdb_iter_key(it, &klen);
        if (klen < n + 2 || memcmp(k, prefix, plen) != 0)
            break;
        size_t tlen = klen - n - 2;
        char *t = realloc(to, tlen + 1);
        if (!t) {
            rc = -1;
            break;
        }
        to = t;
        memcpy(to, k + n + 2, tlen);
        to[tlen] = '\0';
        rc = cb(opaque, to, k[n + 1]);
        if (rc)
            break;
    }
done:
    free(to);
    if (shared)
        g->links_busy = false;
    else
        rocksdb_iter_destroy(it);
    free(prefix);
    return rc;
}

/* ---- held-back candidates: links from a reserved id ---- */
#define PENDING_ID "\x01pending"
#define PENDING_LINK 'W'

static int pending_key(const char *subject, char **k, size_t *kn) {
    size_t pn = sizeof PENDING_ID - 1, sn = strlen(subject);
    *kn = pn + 2 + sn;
    if (!(*k = malloc(*kn)))
        return -1;
    memcpy(*k, PENDING_ID, pn);
    (*k)[pn] = '\0';
    (*k)[pn + 1] = PENDING_LINK;
    memcpy(*k + pn + 2, subject, sn);
    return 0;
}

int lg_graph_pending_add(lg_graph *g, const char *subject) {
    char *k;
    size_t kn;
    if (pending_key(subject, &k, &kn) < 0 || lg_bset_add(&g->held, subject, strlen(subject)) < 0)
        return -1;
    batch_put(g, CF_LINKS, k, kn, "", 0);
    free(k);
    return 0;
}

int lg_graph_pending_remove(lg_graph *g, const char *subject) {
    char *k;
    size_t kn;
    if (pending_key(subject, &k, &kn) < 0)
        return -1;
    lg_bset_remove(&g->held, subject, strlen(subject));
    batch_put(g, CF_LINKS, k, kn, NULL, 0);
    free(k);
    return 0;
}

typedef struct held_cb {
    int (*cb)(void *opaque, const char *subject, char link);
    void *opaque;
} held_cb;

static int held_each(void *opaque, const char *k, size_t n) {
    held_cb *h = opaque;
    (void)n;
    return h->cb(h->opaque, k, PENDING_LINK);
}

int lg_graph_pending_foreach(lg_graph *g, int (*cb)(void *opaque, const char *subject, char link),
                             void *opaque) {
    held_cb h = {cb, opaque};
    return lg_bset_foreach(&g->held, held_each, &h);
}

static int held_load_one(void *opaque, const char *to, char link) {
    (void)link;
    return lg_bset_add(opaque, to, strlen(to)) < 0 ? -1 : 0;
}

/* (Re)reads the committed held-back set. */
static int held_load(lg_graph *g) {
    lg_bset_clear(&g->held);
    plinkset keep = g->plinks; /* committed only (no write is in flight) */
    g->plinks = (plinkset){0};
    int rc = lg_graph_links(g, PENDING_ID, PENDING_LINK, held_load_one, &g->held);
    g->plinks = keep;
    return rc;
}

/* ---- open / close ---- */

/* The links family's prefix is a key's from-id and its NUL: every read of
 * the family is a seek to one node's links (lg_graph_links), most of them to
 * a node that has none (a new credential or session under a structural
 * change), which the prefix bloom filters then answer without reading a
 * block. The name is stored with each table (RocksDB ignores the filters of
 * tables written under another name): give it a new version whenever what
 * links_prefix returns changes. */
static char *links_prefix(void *state, const char *key, size_t length, size_t *dst_length) {
    (void)state;
    const char *nul = memchr(key, '\0', length);
    *dst_length = nul ? (size_t)(nul - key) + 1 : length;
    return (char *)key;
}

static unsigned char links_in_domain(void *state, const char *key, size_t length) {
    (void)state;
    return memchr(key, '\0', length) != NULL;
}

static unsigned char links_in_range(void *state, const char *key, size_t length) {
    (void)state, (void)key, (void)length;
    return 0;
}

static void links_prefix_free(void *state) {
    (void)state; /* stateless; RocksDB calls this unconditionally */
}

static const char *links_prefix_name(void *state) {
    (void)state;
    return "lineaged.links-from.1";
}

#define SEEN_HOUR_MS 3600000LL
static unsigned char seen_filter(void *state, int level, const char *key, size_t klen,
                                 const char *val, size_t vlen, char **nval, size_t *nvlen,
                                 unsigned char *changed);
static const char *seen_filter_name(void *state);
static void seen_filter_free(void *state) {
    (void)state; /* the graph owns itself */
}

lg_graph *lg_graph_open(const char *dir, const lg_graph_opts *o, char *errstr, size_t errstr_size) {
    lg_graph_opts def = {0};
    if (!o)
        o = &def;
    lg_graph *g = calloc(1, sizeof *g);
    if (!g) {
        set_err(errstr, errstr_size, "open", NULL);
        return NULL;
    }
    g->capture = o->changelog;
    g->secondary = o->secondary_dir != NULL;
    g->read_only = o->read_only || g->secondary;
    g->async_write = o->async_write && !g->read_only;
    g->max_cached = o->max_cached ? o->max_cached : 200000;
    g->opts = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(g->opts, 1);
    rocksdb_options_set_create_missing_column_families(g->opts, 1);
    rocksdb_options_increase_parallelism(g->opts, 2);
    rocksdb_options_set_compression(g->opts, rocksdb_lz4_compression);
    /* Most point reads miss (new dedupe keys, new nodes): a memtable bloom
     * filter answers those without searching the memtable. */
    rocksdb_options_set_memtable_whole_key_filtering(g->opts, 1);
    rocksdb_options_set_memtable_prefix_bloom_size_ratio(g->opts, 0.05);
    /* Bounded memory: the memtables of all column families share 32 MiB,
     * and the write-ahead log is recycled by flushing stale families. */
    rocksdb_options_set_write_buffer_size(g->opts, 16 << 20);
    rocksdb_options_set_db_write_buffer_size(g->opts, 32 << 20);
    rocksdb_options_set_max_total_wal_size(g->opts, 64 << 20);
    quiet_perf();
    if (g->secondary)
        rocksdb_options_set_max_open_files(g->opts, -1); /* required for secondaries */
    g->bbto = rocksdb_block_based_options_create();
    g->cache = rocksdb_cache_create_lru((o->cache_mb ? o->cache_mb : 64) << 20);
    rocksdb_block_based_options_set_block_cache(g->bbto, g->cache);
    g->bloom = rocksdb_filterpolicy_create_bloom_full(10);
    rocksdb_block_based_options_set_filter_policy(g->bbto, g->bloom);
    rocksdb_options_set_block_based_table_factory(g->opts, g->bbto);
    g->links_opts = rocksdb_options_create_copy(g->opts);
    /* owned by links_opts from here */
    rocksdb_options_set_prefix_extractor(
        g->links_opts,
        rocksdb_slicetransform_create(NULL, links_prefix_free, links_prefix, links_in_domain,
                                      links_in_range, links_prefix_name));
    if (o->seen_retention_ms > 0 && !g->read_only) {
        int64_t hours = (o->seen_retention_ms + SEEN_HOUR_MS - 1) / SEEN_HOUR_MS;
        g->seen_retention_hours = hours;
        g->seen_expire = o->changelog;
    }
    if (g->seen_retention_hours && !g->seen_expire) {
        g->seen_opts = rocksdb_options_create_copy(g->opts);
        g->seen_filter =
            rocksdb_compactionfilter_create(g, seen_filter_free, seen_filter, seen_filter_name);
        rocksdb_options_set_compaction_filter(g->seen_opts, g->seen_filter);
    }
    const rocksdb_options_t *cfo[CF_COUNT];
    for (int i = 0; i < CF_COUNT; i++)
        cfo[i] = i == CF_LINKS                  ? g->links_opts
                 : i == CF_SEEN && g->seen_opts ? g->seen_opts
                                                : g->opts;
    char *err = NULL;
    if (g->secondary)
        g->db = rocksdb_open_as_secondary_column_families(g->opts, dir, o->secondary_dir, CF_COUNT,
                                                          cf_names, cfo, g->cf, &err);
    else if (g->read_only)
        g->db = rocksdb_open_for_read_only_column_families(g->opts, dir, CF_COUNT, cf_names, cfo,
                                                           g->cf, 0, &err);
    else
        g->db = rocksdb_open_column_families(g->opts, dir, CF_COUNT, cf_names, cfo, g->cf, &err);
    if (err || !g->db) {
        char what[512];
        snprintf(what, sizeof what, "cannot open state directory %s", dir);
        set_err(errstr, errstr_size, what, err);
        g->db = NULL;
        lg_graph_close(g);
        return NULL;
    }
    g->ro = rocksdb_readoptions_create();
    g->ro_links = rocksdb_readoptions_create();
    rocksdb_readoptions_set_prefix_same_as_start(g->ro_links, 1);
    g->wo = rocksdb_writeoptions_create();
    g->wb = rocksdb_writebatch_create();
    g->wb_prev = rocksdb_writebatch_create();
    if (held_load(g) < 0) {
        set_err(errstr, errstr_size, "read the held-back candidates", NULL);
        lg_graph_close(g);
        return NULL;
    }
    return g;
}

static int write_join(lg_graph *g, char *errstr, size_t errstr_size);

static void batch_reset(lg_graph *g) {
    g->seen_expired_pending = 0;
    usestr_reset(g, false);
    g->nuses = 0;
    g->ntouched = 0;
    g->seq = 0;
    for (size_t i = 0; i < g->ndirty; i++) {
        g->dirty[i]->dirty = false;
        g->dirty[i]->touch = 0;
    }
    g->ndirty = 0;
    g->prepared = false;
    if (g->links_it) { /* the next batch reads what this one wrote */
        rocksdb_iter_destroy(g->links_it);
        g->links_it = NULL;
    }
    lg_wbuf_reset(&g->changes);
    lg_bset_clear(&g->seen_batch);
    plinks_clear(&g->plinks);
    if (g->wb)
        rocksdb_writebatch_clear(g->wb);
}

int lg_graph_refresh(lg_graph *g, char *errstr, size_t errstr_size) {
    if (!g->secondary)
        return 0;
    char *err = NULL;
    rocksdb_try_catch_up_with_primary(g->db, &err);
    if (err) {
        set_err(errstr, errstr_size, "catch up with the daemon's state", err);
        return -1;
    }
    batch_reset(g);
    cache_clear(g);
    return 0;
}

void lg_graph_close(lg_graph *g) {
    if (!g)
        return;
    char err[512];
    bool told = g->write_err_told; /* a caller has it already: not twice */
    if (write_join(g, err, sizeof err) < 0 && !told)
        fprintf(stderr, "lineaged: %s\n", err);
    if (g->writer_started) {
        pthread_mutex_lock(&g->wlock);
        g->writer_stop = true;
        pthread_cond_broadcast(&g->wcond);
        pthread_mutex_unlock(&g->wlock);
        pthread_join(g->writer, NULL);
        pthread_mutex_destroy(&g->wlock);
        pthread_cond_destroy(&g->wcond);
    }
    free(g->write_err);
    batch_reset(g);
    cache_clear(g);
    free(g->tab);
    free(g->dirty);
    free(g->touched);
    free(g->touch_flags);
    free(g->touch_seq);
    free(g->uses);
    usestr_reset(g, true);
    lg_wbuf_free(&g->wbuf);
    lg_wbuf_free(&g->changes);
    if (g->wb)
        rocksdb_writebatch_destroy(g->wb);
    if (g->wb_prev)
        rocksdb_writebatch_destroy(g->wb_prev);
    lg_bset_free(&g->seen_batch);
    lg_bset_free(&g->seen_prev);
    lg_bset_free(&g->held);
    plinks_free(&g->plinks);
    plinks_free(&g->plinks_prev);
    for (int i = 0; i < CF_COUNT; i++)
        if (g->cf[i])
            rocksdb_column_family_handle_destroy(g->cf[i]);
    if (g->db)
        rocksdb_close(g->db);
    if (g->ro)
        rocksdb_readoptions_destroy(g->ro);
    if (g->ro_links)
        rocksdb_readoptions_destroy(g->ro_links);
    if (g->wo)
        rocksdb_writeoptions_destroy(g->wo);
    rocksdb_options_destroy(g->opts);
    if (g->links_opts)
        rocksdb_options_destroy(g->links_opts);
    if (g->seen_opts)
        rocksdb_options_destroy(g->seen_opts);
    if (g->seen_filter) /* not owned by the options: after the database */
        rocksdb_compactionfilter_destroy(g->seen_filter);
    rocksdb_block_based_options_destroy(g->bbto);
    rocksdb_cache_destroy(g->cache);
    free(g);
}

/* ---- dedupe ---- */

/* A 16-byte dedupe key: the event's hour since the epoch (big-endian u32,
 * so that keys sort by time and compaction can drop old ones), then 96 bits
 * of two independent 64-bit hashes of source and id. (Keys written before
 * the hour prefix, 16 hash bytes, read as random hours: most of them far
 * ahead, which the retention never drops.) */
static uint32_t seen_hour_of(int64_t time_ms) {
    int64_t hour = time_ms > 0 ? time_ms / SEEN_HOUR_MS : 0;
    return hour > UINT32_MAX ? UINT32_MAX : (uint32_t)hour;
}

/* Writes hour h as a key's 4-byte big-endian prefix (seen_hour reads it). */
static void seen_hour_put(uint32_t h, unsigned char out[4]) {
    out[0] = (unsigned char)(h >> 24);
    out[1] = (unsigned char)(h >> 16);
    out[2] = (unsigned char)(h >> 8);
    out[3] = (unsigned char)h;
}

static void seen_key(lg_source src, lg_str id, uint32_t h, unsigned char out[16]) {
    uint64_t a = 0xcbf29ce484222325ULL ^ (uint64_t)src, b = 0x84222325cbf29ce4ULL + src;
    for (size_t i = 0; i < id.n; i++) {
        unsigned char c = (unsigned char)id.p[i];
        a = (a ^ c) * 0x100000001b3ULL;
        b = (b ^ c) * 0x9e3779b97f4a7c15ULL;
        b ^= b >> 29;
    }
    a ^= a >> 33;
    a *= 0xff51afd7ed558ccdULL;
    a ^= a >> 33;
    b ^= b >> 31;
    b *= 0xc4ceb9fe1a85ec53ULL;
    b ^= b >> 32;
    seen_hour_put(h, out);
    memcpy(out + 4, &a, 8);
    memcpy(out + 12, &b, 4);
}

static uint32_t seen_hour(const char *k) {
    const unsigned char *u = (const unsigned char *)k;
    return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

/* The hour before which dedupe keys are past the retention: the newest
 * hour checked since open minus the retention; 0 while there is none. */
static int64_t seen_horizon(const lg_graph *g) {
    int64_t newest = atomic_load_explicit(&g->seen_newest_hour, memory_order_relaxed);
    int64_t horizon = newest - g->seen_retention_hours;
    return g->seen_retention_hours && newest > 0 && horizon > 0 ? horizon : 0;
}

/* The dedupe family's compaction filter: drops a key filed under an hour
 * before the horizon (nothing while no event was checked). Runs on
 * RocksDB's compaction threads. */
static unsigned char seen_filter(void *state, int level, const char *key, size_t klen,
                                 const char *val, size_t vlen, char **nval, size_t *nvlen,
                                 unsigned char *changed) {
    (void)level, (void)val, (void)vlen, (void)nval, (void)nvlen, (void)changed;
    int64_t horizon = seen_horizon(state);
    return klen == 16 && seen_hour(key) < horizon;
}

static const char *seen_filter_name(void *state) {
    (void)state;
    return "lineaged.seen_retention";
}

uint64_t lg_graph_seen_expired(const lg_graph *g) {
    return g->seen_expired;
}

int lg_graph_check_seen(lg_graph *g, lg_source src, lg_str id, int64_t time_ms, char *errstr,
                        size_t errstr_size) {
    unsigned char k[16];
    int64_t hour = seen_hour_of(time_ms);
    seen_key(src, id, (uint32_t)hour, k);
    if (hour > atomic_load_explicit(&g->seen_newest_hour, memory_order_relaxed))
        atomic_store_explicit(&g->seen_newest_hour, hour, memory_order_relaxed);
    if (lg_bset_has(&g->seen_batch, k, sizeof k) || lg_bset_has(&g->seen_prev, k, sizeof k))
        return 1;
    char *err = NULL;
    rocksdb_pinnableslice_t *v =
        rocksdb_get_pinned_cf(g->db, g->ro, g->cf[CF_SEEN], (const char *)k, sizeof k, &err);
    if (err) {
        set_err(errstr, errstr_size, "dedupe read", err);
        return -1;
    }
    if (v) {
        rocksdb_pinnableslice_destroy(v);
        return 1;
    }
    if (lg_bset_add(&g->seen_batch, k, sizeof k) < 0) {
        set_err(errstr, errstr_size, "dedupe", NULL);
        return -1;
    }
    return 0; /* written, sorted, at prepare */
}

/* The least number of expired dedupe keys a batch deletes (when there are
 * that many): a batch deletes at least twice the keys it adds, so the
 * expiry keeps up with any input. */
#define SEEN_EXPIRE_MIN 4096

/* Non-zero (stops lg_bset_foreach) for a key before the horizon at opaque. */
static int before_horizon(void *opaque, const char *k, size_t n) {
    return n == 16 && seen_hour(k) < *(const int64_t *)opaque;
}

/* With a changelog: deletes the committed dedupe keys filed under an hour
 * before horizon (what the compaction filter would drop) in the pending
 * batch, oldest first, resuming where the previous batch stopped, so that
 * the changelog gets their tombstones and a restore does not bring them
 * back. When the batch still being written (async_write) holds such a key
 * (rare: only an event about the retention old), that write is joined
 * first so that the key is among the committed ones. */
static int expire_seen(lg_graph *g, int64_t horizon, char *errstr, size_t errstr_size) {
    if (!g->seen_expire || !horizon)
        return 0;
    unsigned char upper[4];
    seen_hour_put((uint32_t)horizon, upper);
    /* the previous pass ran out at this same horizon: nothing new is there,
     * in flight included (put_sorted keeps nothing before it); the usual
     * case, as the horizon moves once an hour of event time */
    if (g->seen_from_len == sizeof upper && memcmp(g->seen_from, upper, sizeof upper) == 0)
        return 0;
    if (g->handed && lg_bset_foreach(&g->seen_prev, before_horizon, &horizon) &&
        write_join(g, errstr, errstr_size) < 0)
        return -1;
    size_t max = 2 * g->seen_batch.n > SEEN_EXPIRE_MIN ? 2 * g->seen_batch.n : SEEN_EXPIRE_MIN;
    unsigned char lower[sizeof g->seen_from];
    size_t lower_len = g->seen_from_len;
    memcpy(lower, g->seen_from, lower_len);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)upper, sizeof upper);
    if (lower_len)
        rocksdb_readoptions_set_iterate_lower_bound(ro, (const char *)lower, lower_len);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(g->db, ro, g->cf[CF_SEEN]);
    size_t n = 0;
    for (rocksdb_iter_seek_to_first(it); n < max && rocksdb_iter_valid(it);
         rocksdb_iter_next(it), n++) {
        size_t kl;
        const char *k = rocksdb_iter_key(it, &kl);
        batch_put(g, CF_SEEN, k, kl, NULL, 0);
        g->seen_expired_pending++;
        if (kl == 16) { /* the next pass starts after it: it may not be written yet */
            memcpy(g->seen_from, k, 16);
            g->seen_from[16] = 0;
            g->seen_from_len = 17;
        }
    }
    char *err = NULL;
    rocksdb_iter_get_error(it, &err);
    if (!err && !rocksdb_iter_valid(it)) {
        /* nothing is left before the horizon, and nothing will be written
         * there (put_sorted): the next pass starts at it instead of walking
         * the deletions again until compaction removes them */
        memcpy(g->seen_from, upper, sizeof upper);
        g->seen_from_len = sizeof upper;
    }
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
    if (err) {
        set_err(errstr, errstr_size, "dedupe expiry", err);
        return -1;
    }
    return 0;
}

/* ---- applying facts ---- */

static bool has(lg_str s) {
    return s.p && s.n;
}

/* NUL-terminated copy of an lg_str in a small scratch buffer or heap. */
typedef struct tmpstr {
    char buf[256];
    char *p;
} tmpstr;

static const char *tmp_cstr(tmpstr *t, lg_str s) {
    if (!s.p)
        return NULL;
    t->p = s.n < sizeof t->buf ? t->buf : malloc(s.n + 1);
    if (!t->p)
        return NULL;
    memcpy(t->p, s.p, s.n);
    t->p[s.n] = '\0';
    return t->p;
}

static void tmp_free(tmpstr *t) {
    if (t->p && t->p != t->buf)
        free(t->p);
}

static int set_if_unset(char **dst, lg_str s) {
    if (*dst || !has(s))
        return 0;
    *dst = strndup(s.p, s.n);
    return *dst ? 1 : -1;
}

static bool earlier(int64_t t, const char *evt, int64_t cur_t, const char *cur_evt) {
    if (cur_t == LG_TIME_NONE)
        return true;
    if (t != cur_t)
        return t < cur_t;
    return cur_evt && evt && strcmp(evt, cur_evt) < 0;
}

/* A use is recorded for the batch; the node's usage fields take it at
 * prepare (fold_uses), so that the detectors see the committed ones. */
static int add_use(lg_graph *g, centry *e, int64_t t, const char *evt, const char *action) {
    lg_node *n = e->node;
    if (touch(g, e, LG_TOUCH_USAGE) < 0)
        return -1;
    if (g->nuses == g->capuses) {
        size_t cap = g->capuses ? g->capuses * 2 : 256;
        lg_usage *u = realloc(g->uses, cap * sizeof *u);
        if (!u)
            return -1;
        g->uses = u;
        g->capuses = cap;
    }
    /* the evidence of consecutive uses is often the same event (an agent
     * acting through a session): share the copy */
    const lg_usage *prev = g->nuses ? &g->uses[g->nuses - 1] : NULL;
    char *ev = NULL, *act = NULL;
    if (evt && prev && prev->evt && strcmp(prev->evt, evt) == 0)
        ev = prev->evt;
    else if (evt && !(ev = usestr_dup(g, evt)))
        return -1;
    if (action && prev && prev->action && strcmp(prev->action, action) == 0)
        act = prev->action;
    else if (action && !(act = usestr_dup(g, action)))
        return -1;
    g->uses[g->nuses++] = (lg_usage){n, t, ev, act, g->seq};
    return 0;
}

/* The node's last use including the batch's uses so far. */
static void last_use(const lg_graph *g, const lg_node *n, int64_t *t, const char **evt,
                     const char **action) {
    *t = n->last_used_ms, *evt = n->last_used_evt, *action = n->last_action;
    for (size_t i = 0; i < g->nuses; i++) {
        const lg_usage *u = &g->uses[i];
        if (u->node == n && (*t == LG_TIME_NONE || u->t > *t))
            *t = u->t, *evt = u->evt, *action = u->action;
    }
}

/* Folds the batch's uses into their nodes' usage fields, in arrival order. */
static int fold_uses(lg_graph *g) {
    for (size_t i = 0; i < g->nuses; i++) {
        const lg_usage *u = &g->uses[i];
        lg_node *n = u->node;
        if (n->first_used_ms == LG_TIME_NONE || u->t < n->first_used_ms)
            n->first_used_ms = u->t;
        if (n->last_used_ms == LG_TIME_NONE || u->t > n->last_used_ms) {
            n->last_used_ms = u->t;
            if (lg_strset(&n->last_used_evt, u->evt) < 0 ||
                lg_strset(&n->last_action, u->action) < 0)
                return -1;
        }
    }
    return 0;
}

/* Agents bound to a role act whenever the role (or a session of it) acts. */
static int role_acts(lg_graph *g, const char *role, size_t rn, int64_t t, const char *evt,
                     const char *action) {
    centry *re = node_ref(g, role, rn, LG_NODE_IAM_ROLE);
    if (!re)
        return -1;
    if (add_use(g, re, t, evt, action) < 0)
        return -1;
    if (!re->node->nagents)
        return 0;
    for (uint32_t i = 0; i < re->node->nagents; i++) {
        const char *aid = re->node->agents[i];
        centry *ae = node_ref(g, aid, strlen(aid), LG_NODE_AGENT);
        if (!ae || add_use(g, ae, t, evt, action) < 0)
            return -1;
        re = node_ref(g, role, rn, LG_NODE_IAM_ROLE); /* the table may have grown */
        if (!re)
            return -1;
    }
    return 0;
}

#define REF(s, k) node_ref(g, (s).p, (s).n, (k))

static int apply_fact(lg_graph *g, const lg_record *rec, const lg_fact *f, const char *evt) {
    int64_t t = rec->time_ms;
    centry *e = NULL;
    lg_node *n;
    tmpstr tmp = {0};
    int rc = 0;
    switch (f->type) {
    case LG_FACT_HUMAN:
        return REF(f->subject, LG_NODE_HUMAN) ? 0 : -1;
    case LG_FACT_HUMAN_STATUS: {
        if (!(e = REF(f->subject, LG_NODE_HUMAN)))
            return -1;
        /* The detectors act on departures only: a status that leaves every
         * instant as departed or not as it was (suspended after active, active
         * again, a second departure) is stored, but nothing under the human is
         * re-evaluated (each human owns hundreds of identities; Okta reports
         * sign-ins, suspensions and their lifting). Nothing a re-evaluation
         * could emit would be new: conditions begin and end only where
         * departed-ness changes, events already announced are never emitted
         * again, and later events read the stored statuses when they are
         * made. That is the case exactly when the item just before the new
         * one in the series (ordered by time, then event id) is departed as
         * much as it: where the new item is in force it replaces that one,
         * and a run of departures (whose first item dates the departure) is
         * neither split nor given a new first item. This holds at an instant
         * shared with other statuses too (a suspension lifted at once). */
        uint32_t pos = 0;
        rc = lg_series_insert(&e->node->status, t, f->status, NULL, evt, &pos);
        if (rc <= 0)
            return rc;
        int prev = pos ? e->node->status.items[pos - 1].val : LG_STATUS_ACTIVE;
        bool same = (prev == LG_STATUS_DEPARTED) == (f->status == LG_STATUS_DEPARTED);
        return same ? mark_dirty(g, e) : touch(g, e, LG_TOUCH_LINEAGE);
    }
    case LG_FACT_ALIAS:
        if (!has(f->object) || !REF(f->object, LG_NODE_HUMAN))
            return has(f->object) ? -1 : 0;
        if (!(e = REF(f->subject, f->kind ? f->kind : LG_NODE_GH_ACCOUNT)))
            return -1;
        n = e->node;
        if (!n->alias_of || strncmp(n->alias_of, f->object.p, f->object.n) != 0 ||
            n->alias_of[f->object.n]) {
            free(n->alias_of);
            if (!(n->alias_of = strndup(f->object.p, f->object.n)) ||
                lg_strset(&n->alias_evt, evt) < 0 || touch(g, e, LG_TOUCH_LINEAGE) < 0)
                return -1;
        }
        return put_link(g, f->object.p, f->object.n, LG_LINK_ALIAS, f->subject.p, f->subject.n);
    case LG_FACT_CREATED:
    case LG_FACT_SESSION:
        if (has(f->actor) && !REF(f->actor, f->actor_kind))
            return -1;
        if (has(f->object) && f->type == LG_FACT_CREATED && !REF(f->object, LG_NODE_HUMAN))
            return -1;
        if (!(e = REF(f->subject, f->type == LG_FACT_SESSION ? LG_NODE_STS_SESSION : f->kind)))
            return -1;
        n = e->node;
        if (earlier(t, evt, n->created_ms, n->created_evt)) {
            n->created_ms = t;
            if (lg_strset(&n->created_evt, evt) < 0)
                return -1;
            if (has(f->actor)) {
                char **who = f->type == LG_FACT_SESSION ? &n->issuer : &n->creator;
                free(*who);
                if (!(*who = strndup(f->actor.p, f->actor.n)))
                    return -1;
                if (f->type == LG_FACT_SESSION) {
                    n->issuer_kind = f->actor_kind;
                    if (lg_strset(&n->issuer_evt, evt) < 0)
                        return -1;
                } else {
                    n->creator_kind = f->actor_kind;
                }
            }
        }
        if (set_if_unset(&n->name, f->detail) < 0 || set_if_unset(&n->tenant, rec->tenant) < 0)
            return -1;
        if (f->flag && f->type == LG_FACT_CREATED)
            n->priv_at_birth = true;
        if (has(f->parent) && !n->parent) {
            if (set_if_unset(&n->parent, f->parent) < 0)
                return -1;
            n->parent_kind = f->parent_kind;
        }
        if (f->type == LG_FACT_SESSION && has(f->object) && set_if_unset(&n->hint, f->object) < 0)
            return -1;
        if (f->type == LG_FACT_CREATED && has(f->object) &&
            lg_series_add(&n->owner, t, 0, tmp_cstr(&tmp, f->object), evt) < 0)
            rc = -1;
        tmp_free(&tmp);
        if (rc < 0 || touch(g, e, LG_TOUCH_LINEAGE) < 0)
            return -1;
        if (put_link(g, f->actor.p, f->actor.n,
                     f->type == LG_FACT_SESSION ? LG_LINK_SESSION : LG_LINK_CREATED, f->subject.p,
                     f->subject.n) < 0)
            return -1;
        if (f->type == LG_FACT_SESSION) {
            if (has(f->object) && (!REF(f->object, LG_NODE_HUMAN) ||
                                   put_link(g, f->object.p, f->object.n, LG_LINK_HINT, f->subject.p,
                                            f->subject.n) < 0))
                return -1;
            return 0;
        }
        if (has(f->object) &&
            put_link(g, f->object.p, f->object.n, LG_LINK_OWNER, f->subject.p, f->subject.n) < 0)
            return -1;
        return put_link(g, f->parent.p, f->parent.n, LG_LINK_CREDENTIAL, f->subject.p,
                        f->subject.n);
    case LG_FACT_DELETED:
        if (!(e = REF(f->subject, f->kind)))
            return -1;
        n = e->node;
        if (earlier(t, evt, n->deleted_ms, n->deleted_evt)) {
            n->deleted_ms = t;
            if (lg_strset(&n->deleted_evt, evt) < 0)
                return -1;
        }
        return touch(g, e, LG_TOUCH_STRUCT);
    case LG_FACT_ENABLED:
        if (!(e = REF(f->subject, f->kind)))
            return -1;
        rc = lg_series_add(&e->node->enabled, t, f->flag ? 1 : 0, NULL, evt);
        return rc < 0 ? -1 : rc ? touch(g, e, LG_TOUCH_STRUCT) : 0;
    case LG_FACT_OWNER:
        if (!(e = REF(f->subject, f->kind)))
            return -1;
        rc = lg_series_add(&e->node->owner, t, 0, has(f->object) ? tmp_cstr(&tmp, f->object) : "",
                           evt);
        tmp_free(&tmp);
        if (rc < 0 || (rc && touch(g, e, LG_TOUCH_LINEAGE) < 0))
            return -1;
        if (has(f->object) &&
            (!REF(f->object, LG_NODE_HUMAN) ||
             put_link(g, f->object.p, f->object.n, LG_LINK_OWNER, f->subject.p, f->subject.n) < 0))
            return -1;
        return 0;
    case LG_FACT_PRIVILEGE:
        if (!(e = REF(f->subject, f->kind)))
            return -1;
        rc = lg_series_add(&e->node->priv, t, f->flag ? 1 : 0,
                           has(f->detail) ? tmp_cstr(&tmp, f->detail) : "*", evt);
        tmp_free(&tmp);
        return rc < 0 ? -1 : rc ? touch(g, e, LG_TOUCH_STRUCT) : 0;
    case LG_FACT_USED: {
        if (!(e = REF(f->subject, f->kind)))
            return -1;
        n = e->node;
        bool changed = false;
        if (has(f->parent) && !n->parent) {
            if (set_if_unset(&n->parent, f->parent) < 0)
                return -1;
            n->parent_kind = f->parent_kind;
            changed = true;
            if (n->kind != LG_NODE_STS_SESSION &&
                put_link(g, f->parent.p, f->parent.n, LG_LINK_CREDENTIAL, f->subject.p,
                         f->subject.n) < 0)
                return -1;
        }
        if (has(f->object) && !n->hint) {
            if (set_if_unset(&n->hint, f->object) < 0 || !REF(f->object, LG_NODE_HUMAN))
                return -1;
            if (!(e = REF(f->subject, f->kind)))
                return -1;
            n = e->node;
            changed = true;
            if (put_link(g, f->object.p, f->object.n, LG_LINK_HINT, f->subject.p, f->subject.n) < 0)
                return -1;
        }
        if (set_if_unset(&n->tenant, rec->tenant) < 0)
            return -1;
        if (changed && touch(g, e, LG_TOUCH_LINEAGE) < 0)
            return -1;
        const char *action = tmp_cstr(&tmp, f->detail);
        if (n->kind == LG_NODE_IAM_ROLE) {
            rc = 0;
            char *rcopy = strndup(f->subject.p, f->subject.n);
            rc = rcopy ? role_acts(g, rcopy, f->subject.n, t, evt, action) : -1;
            free(rcopy);
            tmp_free(&tmp);
            return rc;
        }
        rc = add_use(g, e, t, evt, action);
        /* a session or the role itself acting makes the role's agents act */
        if (rc == 0) {
            lg_str role = n->kind == LG_NODE_STS_SESSION && n->parent
                              ? (lg_str){n->parent, strlen(n->parent)}
                              : LG_STR_NULL;
            if (has(role)) {
                char *rcopy = strndup(role.p, role.n); /* n may move */
                rc = rcopy ? role_acts(g, rcopy, role.n, t, evt, action) : -1;
                free(rcopy);
            }
        }
        tmp_free(&tmp);
        return rc;
    }
    case LG_FACT_AGENT_ROLE: {
        if (!has(f->parent))
            return 0;
        if (!(e = REF(f->subject, LG_NODE_AGENT)))
            return -1;
        if (set_if_unset(&e->node->agent_role, f->parent) < 0 || touch(g, e, LG_TOUCH_STRUCT) < 0)
            return -1;
        centry *re = REF(f->parent, LG_NODE_IAM_ROLE);
        if (!re)
            return -1;
        const char *aid = tmp_cstr(&tmp, f->subject);
        rc = aid ? lg_strlist_add(&re->node->agents, &re->node->nagents, aid) : -1;
        if (rc >= 0 && mark_dirty(g, re) < 0)
            rc = -1;
        /* the role may have acted before we learnt it serves this agent */
        int64_t lu;
        const char *lev, *lact;
        last_use(g, re->node, &lu, &lev, &lact);
        if (rc >= 0 && lu != LG_TIME_NONE) {
            centry *ae = entry_get(g, aid, f->subject.n);
            rc = ae ? add_use(g, ae, lu, lev, lact) : -1;
        }
        tmp_free(&tmp);
        if (rc < 0)
            return -1;
        return put_link(g, f->parent.p, f->parent.n, LG_LINK_AGENT, f->subject.p, f->subject.n);
    }
    case LG_FACT_MEMBER_REMOVED:
        if (!(e = REF(f->subject, LG_NODE_GH_ACCOUNT)))
            return -1;
        if (e->node->removed_ms == LG_TIME_NONE || t > e->node->removed_ms)
            e->node->removed_ms = t;
        return touch(g, e, LG_TOUCH_STRUCT);
    }
    return 0;
}

int lg_graph_apply(lg_graph *g, const lg_record *rec, const lg_fact *f, char *errstr,
                   size_t errstr_size) {
    if (!has(f->subject))
        return 0;
    g->seq++;
    /* evidence "source:event-id" (no printf: this runs once per fact) */
    char evt[512];
    const char *sn = lg_source_name(rec->source);
    size_t snl = strlen(sn), idl = rec->event_id.p ? rec->event_id.n : 0;
    if (snl + 1 + idl >= sizeof evt)
        idl = sizeof evt - snl - 2;
    memcpy(evt, sn, snl);
    evt[snl] = ':';
    if (idl)
        memcpy(evt + snl + 1, rec->event_id.p, idl);
    evt[snl + 1 + idl] = '\0';
    if (apply_fact(g, rec, f, evt) < 0) {
        set_err(errstr, errstr_size, "apply fact", NULL);
        return -1;
    }
    return 0;
}

int lg_graph_apply_config(lg_graph *g, const char *id, lg_node_kind kind, const char *email,
                          char *errstr, size_t errstr_size) {
    lg_record rec = {
        .source = LG_SRC_NONE, .event_id = {"config", 6}, .time_ms = LG_TIME_NONE + 1, .nfacts = 0};
    lg_fact f = {.type = kind == LG_NODE_GH_ACCOUNT ? LG_FACT_ALIAS : LG_FACT_OWNER,
                 .kind = kind,
                 .subject = {id, strlen(id)},
                 .object = {email, strlen(email)}};
    return lg_graph_apply(g, &rec, &f, errstr, errstr_size);
}

size_t lg_graph_touched(lg_graph *g, lg_node ***nodes, const unsigned **flags,
                        const uint32_t **seqs) {
    *nodes = g->touched;
    *flags = g->touch_flags;
    *seqs = g->touch_seq;
    return g->ntouched;
}

size_t lg_graph_usages(lg_graph *g, const lg_usage **uses) {
    *uses = g->uses;
    return g->nuses;
}

/* ---- attribution ---- */

const char *lg_basis_name(lg_basis b) {
    switch (b) {
    case LG_BASIS_EXPLICIT:
        return "explicit";
    case LG_BASIS_CREATOR:
        return "creator";
    case LG_BASIS_INHERITED:
        return "inherited";
    case LG_BASIS_SESSION:
        return "session";
    case LG_BASIS_ALIAS:
        return "alias";
    default:
        return "none";
    }
}

/* True when node x is one of nodes[0..n]: the walk came back to an
 * identity of its chain. Nodes, not ids, are compared: one id has one node
 * in the cache, and an id without a node ends the walk, so it cannot
 * close a cycle (and comparing pointers spares a strcmp per link of every
 * attribution, 1% of a replay). */
static bool in_chain(const lg_node *const *nodes, size_t n, const lg_node *x) {
    for (size_t i = 0; i <= n; i++)
        if (nodes[i] == x)
            return true;
    return false;
}

/* Narrows [a->valid_from, a->valid_until) to the times for which
 * lg_series_at(s, ...) gives the same item as at t. */
static void series_span(lg_attribution *a, const lg_series *s, int64_t t) {
    uint32_t i = s->n;
    while (i > 0 && s->items[i - 1].t > t)
        i--;
    /* items[i - 1] is the item at t (none when i == 0); items[i] the next */
    if (i > 0 && s->items[i - 1].t > a->valid_from)
        a->valid_from = s->items[i - 1].t;
    if (i < s->n && s->items[i].t < a->valid_until)
        a->valid_until = s->items[i].t;
}

void lg_graph_attribute(lg_graph *g, const lg_node *n, int64_t t, lg_attribution *a) {
    memset(a, 0, sizeof *a);
    a->status_since = LG_TIME_NONE;
    a->valid_from = INT64_MIN;
    a->valid_until = INT64_MAX;
    a->chain[0] = n->id;
    const lg_node *cur = n;
    const lg_node *nodes[LG_ATTR_MAX + 1] = {n}; /* the chain's nodes */
    for (;;) {
        if (!cur) { /* a referenced identity we hold no record of */
            return;
        }
        if (cur->kind == LG_NODE_HUMAN) {
            a->owner_id = cur->id;
            a->owner = cur;
            a->owner_status = lg_node_status_at(cur, t, &a->status_since, &a->status_evt);
            series_span(a, &cur->status, t);
            return;
        }
        const char *next = NULL, *evid = NULL;
        lg_basis basis = LG_BASIS_NONE;
        const lg_sitem *ow = NULL;
        if (cur->kind != LG_NODE_GH_ACCOUNT) {
            ow = lg_node_owner_at(cur, t);
            series_span(a, &cur->owner, t);
        }
        if (cur->kind == LG_NODE_GH_ACCOUNT && cur->alias_of) {
            next = cur->alias_of, evid = cur->alias_evt, basis = LG_BASIS_ALIAS;
        } else if (ow) {
            next = ow->str, evid = ow->evt, basis = LG_BASIS_EXPLICIT;
        } else if (cur->kind == LG_NODE_STS_SESSION) {
            if (cur->issuer)
                next = cur->issuer, evid = cur->issuer_evt, basis = LG_BASIS_SESSION;
            else if (cur->hint)
                next = cur->hint, evid = cur->created_evt, basis = LG_BASIS_SESSION;
        } else if (lg_node_kind_is_credential(cur->kind) && cur->parent) {
            next = cur->parent, evid = cur->created_evt, basis = LG_BASIS_INHERITED;
        } else if (cur->creator) {
            next = cur->creator, evid = cur->created_evt, basis = LG_BASIS_CREATOR;
        }
        if (!next)
            return;
        const lg_node *nx = a->n < LG_ATTR_MAX ? lg_graph_get(g, next, strlen(next)) : NULL;
        if (a->n >= LG_ATTR_MAX || (nx && in_chain(nodes, a->n, nx))) {
            a->cycle = true;
            return;
        }
        a->basis[a->n] = basis;
        a->evidence[a->n] = evid;
        a->chain[++a->n] = next;
        nodes[a->n] = cur = nx;
        if (!cur && basis != LG_BASIS_NONE && strchr(next, '@') &&
            (basis == LG_BASIS_EXPLICIT || basis == LG_BASIS_ALIAS ||
             (basis == LG_BASIS_SESSION && !strchr(next, ':')))) {
            /* an e-mail we have no node for: a human presumed active */
            a->owner_id = next;
            a->owner_status = LG_STATUS_ACTIVE;
            return;
        }
    }
}

/* The account root can do anything: it is privileged by definition. */
static bool own_priv(const lg_node *n, int64_t t, const char **evt) {
    if (n->kind == LG_NODE_AWS_ROOT) {
        if (evt)
            *evt = NULL;
        return true;
    }
    return lg_node_own_priv_at(n, t, evt);
}

bool lg_graph_privileged_at(lg_graph *g, const lg_node *n, int64_t t, const char **evt) {
    if (own_priv(n, t, evt))
        return true;
    if (!lg_node_kind_is_credential(n->kind))
        return false;
    const char *via = n->parent ? n->parent : n->creator;
    if (!via)
        return false;
    const lg_node *p = lg_graph_get(g, via, strlen(via));
    return p && own_priv(p, t, evt);
}

/* ---- commit ---- */

/* Sort helpers: a batch's keys go to RocksDB in key order per column family,
 * which makes memtable inserts sequential (cheap splices). */
static int collect_seen(void *opaque, const char *k, size_t n) {
    lg_sort_item **at = opaque;
    *(*at)++ = (lg_sort_item){(const unsigned char *)k, n, NULL};
    return 0;
}

/* Orders g->dirty by id (the writer's memtable inserts are cheaper in key
 * order). Returns -1 on ENOMEM. */
static int sort_dirty(lg_graph *g) {
    size_t n = g->ndirty;
    if (n < 2)
        return 0;
    lg_sort_item *v = malloc(n * sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < n; i++)
        v[i] = (lg_sort_item){(const unsigned char *)lg_node_id_of(g->dirty[i]->node),
                              g->dirty[i]->idlen, g->dirty[i]};
    int rc = lg_sort_bytes(v, n);
    for (size_t i = 0; i < n; i++)
        g->dirty[i] = v[i].val;
    free(v);
    return rc;
}

static int cmp_plink(const void *a, const void *b) {
    const struct plink *x = *(const struct plink *const *)a, *y = *(const struct plink *const *)b;
    int c = strcmp(x->from, y->from);
    if (c)
        return c;
    if (x->link != y->link)
        return (unsigned char)x->link < (unsigned char)y->link ? -1 : 1;
    return strcmp(x->to, y->to);
}

/* The batch's dedupe keys in key order, but those already past the
 * retention (horizon: an event older than it behind the newest, or the
 * newest moved on in this batch): the compaction filter would drop them,
 * the expiry delete them again. */
static int put_seen(lg_graph *g, int64_t horizon) {
    size_t n = g->seen_batch.n;
    lg_sort_item *keys = malloc((n ? n : 1) * sizeof *keys);
    if (!keys)
        return -1;
    lg_sort_item *at = keys;
    lg_bset_foreach(&g->seen_batch, collect_seen, &at);
    int rc = lg_sort_bytes(keys, n);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *k = (const char *)keys[i].p;
        if (!horizon || seen_hour(k) >= horizon)
            batch_put(g, CF_SEEN, k, 16, "", 0);
    }
    free(keys);
    return rc;
}

/* The batch's new links in key order. */
static int put_links(lg_graph *g) {
    size_t np = g->plinks.n;
    void **v = malloc((np ? np : 1) * sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < np; i++)
        v[i] = &g->plinks.v[i];
    if (np > 1)
        qsort(v, np, sizeof *v, cmp_plink);
    char stackbuf[512];
    for (size_t i = 0; i < np; i++) {
        const struct plink *pl = v[i];
        size_t fn = strlen(pl->from), tn = strlen(pl->to), klen = fn + tn + 2;
        char *k = klen <= sizeof stackbuf ? stackbuf : malloc(klen);
        if (!k) {
            free(v);
            return -1;
        }
        memcpy(k, pl->from, fn);
        k[fn] = '\0';
        k[fn + 1] = pl->link;
        memcpy(k + fn + 2, pl->to, tn);
        batch_put(g, CF_LINKS, k, klen, "", 0);
        if (k != stackbuf)
            free(k);
    }
    free(v);
    return 0;
}

static int put_sorted(lg_graph *g, int64_t horizon) {
    return put_seen(g, horizon) < 0 || put_links(g) < 0 ? -1 : sort_dirty(g);
}

int lg_graph_prepare(lg_graph *g, char *errstr, size_t errstr_size) {
    if (g->prepared)
        return 0;
    quiet_perf();
    int64_t horizon = seen_horizon(g);
    if (fold_uses(g) < 0 || put_sorted(g, horizon) < 0) {
        set_err(errstr, errstr_size, "prepare batch", NULL);
        return -1;
    }
    if (expire_seen(g, horizon, errstr, errstr_size) < 0)
        return -1;
    for (size_t i = 0; i < g->ndirty; i++) {
        lg_node *n = g->dirty[i]->node;
        lg_wbuf_reset(&g->wbuf);
        if (lg_node_encode(n, &g->wbuf) < 0) {
            set_err(errstr, errstr_size, "encode node", NULL);
            return -1;
        }
        batch_put(g, CF_NODES, n->id, g->dirty[i]->idlen, g->wbuf.p, g->wbuf.n);
    }
    if (g->changes.oom) {
        set_err(errstr, errstr_size, "changelog capture", NULL);
        return -1;
    }
    g->prepared = true;
    return 0;
}

int lg_graph_changes(lg_graph *g,
                     int (*cb)(void *opaque, int cf, const char *key, size_t klen, const char *val,
                               size_t vlen),
                     void *opaque) {
    lg_rbuf r = {(const unsigned char *)g->changes.p, g->changes.n, 0, false};
    while (r.off < r.n) {
        int cf = r.p[r.off++];
        size_t kn = (size_t)lg_rbuf_u64(&r);
        if (r.err || kn > r.n - r.off)
            return -1;
        const char *k = (const char *)r.p + r.off;
        r.off += kn;
        size_t vn = (size_t)lg_rbuf_u64(&r);
        const char *v = NULL;
        if (vn) {
            vn -= 1;
            if (r.err || vn > r.n - r.off)
                return -1;
            v = (const char *)r.p + r.off;
            r.off += vn;
        }
        int rc = cb(opaque, cf, k, kn, v, vn);
        if (rc)
            return rc;
    }
    return 0;
}

int lg_graph_restore_put(lg_graph *g, int cf, const char *key, size_t klen, const char *val,
                         size_t vlen) {
    if (cf <= CF_DEFAULT || cf >= CF_COUNT || g->read_only)
        return -1;
    if (val)
        rocksdb_writebatch_put_cf(g->wb, g->cf[cf], key, klen, val, vlen);
    else
        rocksdb_writebatch_delete_cf(g->wb, g->cf[cf], key, klen);
    g->restored = true;
    g->seen_from_len = 0; /* restored keys may lie before it */
    return 0;
}

static void *writer_main(void *arg) {
    lg_graph *g = arg;
    pthread_setname_np(pthread_self(), "lg state write");
    quiet_perf();
    pthread_mutex_lock(&g->wlock);
    for (;;) {
        while (!g->writing && !g->writer_stop)
            pthread_cond_wait(&g->wcond, &g->wlock);
        if (!g->writing)
            break;
        pthread_mutex_unlock(&g->wlock);
        rocksdb_write(g->db, g->wo, g->wb_prev, &g->write_err);
        pthread_mutex_lock(&g->wlock);
        g->writing = false;
        pthread_cond_broadcast(&g->wcond);
    }
    pthread_mutex_unlock(&g->wlock);
    return NULL;
}

/* Joins the write in flight, if any, and lets its batch go. Returns 0, or
 * -1 with errstr when that write (or any earlier one) failed: the error
 * sticks, since the state on disk then lacks a batch its caller committed. */
static int write_join(lg_graph *g, char *errstr, size_t errstr_size) {
    if (g->handed) {
        pthread_mutex_lock(&g->wlock);
        while (g->writing)
            pthread_cond_wait(&g->wcond, &g->wlock);
        pthread_mutex_unlock(&g->wlock);
        g->handed = false;
        rocksdb_writebatch_clear(g->wb_prev);
        lg_bset_clear(&g->seen_prev);
        plinks_clear(&g->plinks_prev);
    }
    if (g->write_err) {
        if (errstr && errstr_size) {
            snprintf(errstr, errstr_size, "state: write batch: %s", g->write_err);
            g->write_err_told = true;
        }
        return -1;
    }
    return 0;
}

int lg_graph_compact(lg_graph *g, char *errstr, size_t errstr_size) {
    if (write_join(g, errstr, errstr_size) < 0)
        return -1;
    if (g->read_only) {
        set_err(errstr, errstr_size, "compact", strdup("state opened read-only"));
        return -1;
    }
    rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
    char *err = NULL;
    for (int i = 0; i < CF_COUNT && !err; i++)
        rocksdb_flush_cf(g->db, fo, g->cf[i], &err);
    rocksdb_flushoptions_destroy(fo);
    if (err) {
        set_err(errstr, errstr_size, "flush", err);
        return -1;
    }
    for (int i = 0; i < CF_COUNT; i++)
        rocksdb_compact_range_cf(g->db, g->cf[i], NULL, 0, NULL, 0);
    return 0;
}

int lg_graph_sync(lg_graph *g, char *errstr, size_t errstr_size) {
    return g ? write_join(g, errstr, errstr_size) : 0;
}

/* Starts the writer thread once. Returns false (and turns async_write off:
 * the caller writes its batches itself) when it cannot. */
static bool writer_start(lg_graph *g) {
    if (g->writer_started)
        return true;
    bool mutex = false, cond = false;
    if ((mutex = pthread_mutex_init(&g->wlock, NULL) == 0) &&
        (cond = pthread_cond_init(&g->wcond, NULL) == 0) &&
        pthread_create(&g->writer, NULL, writer_main, g) == 0) {
        g->writer_started = true;
        return true;
    }
    if (cond)
        pthread_cond_destroy(&g->wcond);
    if (mutex)
        pthread_mutex_destroy(&g->wlock);
    fprintf(stderr, "lineaged: state: no writer thread: batches are written in the caller's\n");
    g->async_write = false;
    return false;
}

/* Hands the prepared batch to the writer thread; the batch's dedupe keys and
 * links move to the *_prev sets, where reads still find them until the
 * write is joined. No write may be in flight (write_join). */
static void write_async(lg_graph *g) {
    rocksdb_writebatch_t *wb = g->wb;
    g->wb = g->wb_prev;
    g->wb_prev = wb;
    lg_bset t = g->seen_prev;
    g->seen_prev = g->seen_batch;
    g->seen_batch = t;
    plinkset p = g->plinks_prev;
    g->plinks_prev = g->plinks;
    g->plinks = p;
    pthread_mutex_lock(&g->wlock);
    g->writing = true;
    pthread_cond_broadcast(&g->wcond);
    pthread_mutex_unlock(&g->wlock);
    g->handed = true;
}

int lg_graph_commit(lg_graph *g, const char *const *pos_keys, const char *const *pos_vals,
                    size_t npos, char *errstr, size_t errstr_size) {
    if (g->read_only) {
        set_err(errstr, errstr_size, "commit", strdup("state opened read-only"));
        return -1;
    }
    if (lg_graph_prepare(g, errstr, errstr_size) < 0)
        return -1;
    for (size_t i = 0; i < npos; i++)
        batch_put(g, CF_DEFAULT, pos_keys[i], strlen(pos_keys[i]), pos_vals[i],
                  strlen(pos_vals[i]));
    /* the previous batch first: batches reach the disk in order */
    if (write_join(g, errstr, errstr_size) < 0)
        return -1;
    if (g->async_write && !g->restored && writer_start(g)) {
        write_async(g);
    } else {
        char *err = NULL;
        rocksdb_write(g->db, g->wo, g->wb, &err);
        if (err) {
            set_err(errstr, errstr_size, "write batch", err);
            return -1;
        }
    }
    g->seen_expired += g->seen_expired_pending;
    batch_reset(g);
    if (g->restored) {
        cache_clear(g);
        if (held_load(g) < 0) {
            set_err(errstr, errstr_size, "read the held-back candidates", NULL);
            g->restored = false;
            return -1;
        }
        g->restored = false;
    } else if (g->count > g->max_cached) {
        /* a trimmed node is read back from the disk: the batch that last
         * wrote it must be there */
        if (write_join(g, errstr, errstr_size) < 0)
            return -1;
        cache_trim(g);
    }
    return 0;
}

void lg_graph_abort(lg_graph *g) {
    write_join(g, NULL, 0); /* a failed write fails the next commit */
    batch_reset(g);
    g->seen_from_len = 0; /* the batch's expiry did not happen */
    cache_clear(g);
    g->restored = false;
    if (held_load(g) < 0) /* undo the batch's held-set changes */
        fprintf(stderr, "lineaged: state: could not re-read the held-back candidates\n");
}

int lg_graph_meta_get(lg_graph *g, const char *key, char **out, char *errstr, size_t errstr_size) {
    if (write_join(g, errstr, errstr_size) < 0)
        return -1;
    char *err = NULL;
    size_t vlen;
    char *v = rocksdb_get_cf(g->db, g->ro, g->cf[CF_DEFAULT], key, strlen(key), &vlen, &err);
    *out = NULL;
    if (err) {
        set_err(errstr, errstr_size, "read meta", err);
        return -1;
    }
    if (v) {
        *out = strndup(v, vlen);
        free(v);
        if (!*out) {
            set_err(errstr, errstr_size, "read meta", NULL);
            return -1;
        }
    }
    return 0;
}

int lg_graph_foreach(lg_graph *g, int (*cb)(void *opaque, lg_node *n), void *opaque) {
    if (write_join(g, NULL, 0) < 0)
        return -1;
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(g->db, g->ro, g->cf[CF_NODES]);
    int rc = 0;
    for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it) && !rc; rocksdb_iter_next(it)) {
        size_t klen, vlen;
        const char *k = rocksdb_iter_key(it, &klen);
        const char *v = rocksdb_iter_value(it, &vlen);
        lg_node *n = lg_node_decode(k, klen, v, vlen);
        if (!n) {
            rc = -1;
            break;
        }
        rc = cb(opaque, n);
        lg_node_free(n);
    }
    rocksdb_iter_destroy(it);
    return rc;
}
