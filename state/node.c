/* state/node.c - see node.h. */
#include "state/node.h"

#include "state/codec.h"

#include <stdlib.h>
#include <string.h>

lg_node *lg_node_new(const char *id, size_t idlen, lg_node_kind kind) {
    /* the id lives in the node's own allocation: one allocation, and the node
     * cache's lookups touch one less block */
    lg_node *n = calloc(1, sizeof *n + idlen + 1);
    if (!n)
        return NULL;
    n->id = (char *)(n + 1);
    memcpy(n->id, id, idlen);
    n->id[idlen] = '\0';
    n->kind = kind;
    n->created_ms = LG_TIME_NONE;
    n->deleted_ms = LG_TIME_NONE;
    n->removed_ms = LG_TIME_NONE;
    n->first_used_ms = LG_TIME_NONE;
    n->last_used_ms = LG_TIME_NONE;
    return n;
}

static void series_free(lg_series *s) {
    for (uint32_t i = 0; i < s->n; i++) {
        free(s->items[i].str);
        free(s->items[i].evt);
    }
    free(s->items);
    memset(s, 0, sizeof *s);
}

static void strlist_free(char **l, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

void lg_node_free(lg_node *n) {
    if (!n)
        return;
    free(n->name);
    free(n->tenant);
    free(n->created_evt);
    free(n->creator);
    free(n->parent);
    free(n->issuer);
    free(n->issuer_evt);
    free(n->hint);
    free(n->alias_of);
    free(n->alias_evt);
    free(n->agent_role);
    free(n->deleted_evt);
    free(n->last_used_evt);
    free(n->last_action);
    series_free(&n->owner);
    series_free(&n->status);
    series_free(&n->priv);
    series_free(&n->enabled);
    strlist_free(n->agents, n->nagents);
    strlist_free(n->announced, n->nannounced);
    free(n);
}

int lg_strset(char **dst, const char *src) {
    if (*dst && src) { /* a usage's evidence and action change every batch */
        size_t n = strlen(src), have = strlen(*dst);
        if (n == have && memcmp(*dst, src, n) == 0)
            return 0;
        if (n <= have) { /* fits in the old copy's allocation */
            memmove(*dst, src, n + 1);
            return 0;
        }
    }
    char *c = NULL;
    if (src) {
        c = strdup(src);
        if (!c)
            return -1;
    }
    free(*dst);
    *dst = c;
    return 0;
}

static int nstrcmp(const char *a, const char *b) {
    if (!a)
        return b ? -1 : 0;
    if (!b)
        return 1;
    return strcmp(a, b);
}

static int item_cmp(int64_t t, const char *evt, const char *str, int32_t val, const lg_sitem *it) {
    if (t != it->t)
        return t < it->t ? -1 : 1;
    int c = nstrcmp(evt, it->evt);
    if (c)
        return c;
    c = nstrcmp(str, it->str);
    if (c)
        return c;
    return val == it->val ? 0 : (val < it->val ? -1 : 1);
}

int lg_series_add(lg_series *s, int64_t t, int32_t val, const char *str, const char *evt) {
    uint32_t pos;
    return lg_series_insert(s, t, val, str, evt, &pos);
}

int lg_series_insert(lg_series *s, int64_t t, int32_t val, const char *str, const char *evt,
                     uint32_t *at) {
    uint32_t pos = s->n;
    while (pos > 0) {
        int c = item_cmp(t, evt, str, val, &s->items[pos - 1]);
        if (c == 0) {
            *at = pos - 1;
            return 0;
        }
        if (c > 0)
            break;
        pos--;
    }
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 2;
        lg_sitem *items = realloc(s->items, cap * sizeof *items);
        if (!items)
            return -1;
        s->items = items;
        s->cap = cap;
    }
    lg_sitem it = {t, val, NULL, NULL};
    if ((str && !(it.str = strdup(str))) || (evt && !(it.evt = strdup(evt)))) {
        free(it.str);
        return -1;
    }
    memmove(&s->items[pos + 1], &s->items[pos], (s->n - pos) * sizeof *s->items);
    s->items[pos] = it;
    s->n++;
    *at = pos;
    return 1;
}

const lg_sitem *lg_series_at(const lg_series *s, int64_t t) {
    for (uint32_t i = s->n; i > 0; i--)
        if (s->items[i - 1].t <= t)
            return &s->items[i - 1];
    return NULL;
}

bool lg_strlist_has(char *const *list, uint32_t n, const char *s) {
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

int lg_strlist_add(char ***list, uint32_t *n, const char *s) {
    if (lg_strlist_has(*list, *n, s))
        return 0;
    char **l = realloc(*list, (*n + 1) * sizeof *l);
    if (!l)
        return -1;
    *list = l;
    if (!(l[*n] = strdup(s)))
        return -1;
    (*n)++;
    return 1;
}

int lg_node_status_at(const lg_node *human, int64_t t, int64_t *since, const char **evt) {
    const lg_sitem *it = human ? lg_series_at(&human->status, t) : NULL;
    /* a departure repeated while departed changes nothing: the span dates
     * from its first one */
    if (it && it->val == LG_STATUS_DEPARTED)
        while (it > human->status.items && it[-1].val == LG_STATUS_DEPARTED)
            it--;
    if (since)
        *since = it ? it->t : LG_TIME_NONE;
    if (evt)
        *evt = it ? it->evt : NULL;
    return it ? it->val : LG_STATUS_ACTIVE;
}

const lg_sitem *lg_node_owner_at(const lg_node *n, int64_t t) {
    const lg_sitem *it = lg_series_at(&n->owner, t);
    return (it && it->str && it->str[0]) ? it : NULL;
}

bool lg_node_active_at(const lg_node *n, int64_t t) {
    if (n->created_ms != LG_TIME_NONE && t < n->created_ms)
        return false;
    if (n->deleted_ms != LG_TIME_NONE && t >= n->deleted_ms)
        return false;
    const lg_sitem *en = lg_series_at(&n->enabled, t);
    return !en || en->val != 0;
}

bool lg_node_own_priv_at(const lg_node *n, int64_t t, const char **evt) {
    /* For each grant name, the latest item at or before t decides. */
    for (uint32_t i = n->priv.n; i > 0; i--) {
        const lg_sitem *it = &n->priv.items[i - 1];
        if (it->t > t || it->val != 1)
            continue;
        bool revoked_later = false;
        for (uint32_t j = i; j < n->priv.n && n->priv.items[j].t <= t; j++)
            if (n->priv.items[j].val == 0 && nstrcmp(n->priv.items[j].str, it->str) == 0)
                revoked_later = true;
        if (!revoked_later) {
            if (evt)
                *evt = it->evt;
            return true;
        }
    }
    if (n->priv_at_birth && (n->created_ms == LG_TIME_NONE || n->created_ms <= t)) {
        if (evt)
            *evt = n->created_evt;
        return true;
    }
    return false;
}

/* ---- encoding ---- */

static void enc_series(lg_wbuf *w, const lg_series *s) {
    lg_wbuf_u64(w, s->n);
    for (uint32_t i = 0; i < s->n; i++) {
        lg_wbuf_i64(w, s->items[i].t);
        lg_wbuf_i64(w, s->items[i].val);
        lg_wbuf_str(w, s->items[i].str);
        lg_wbuf_str(w, s->items[i].evt);
    }
}

static void enc_list(lg_wbuf *w, char *const *l, uint32_t n) {
    lg_wbuf_u64(w, n);
    for (uint32_t i = 0; i < n; i++)
        lg_wbuf_str(w, l[i]);
}

int lg_node_encode(const lg_node *n, lg_wbuf *w) {
    lg_wbuf_u64(w, LG_NODE_FORMAT_VERSION);
    lg_wbuf_u64(w, (uint64_t)n->kind);
    lg_wbuf_str(w, n->name);
    lg_wbuf_str(w, n->tenant);
    lg_wbuf_i64(w, n->created_ms);
    lg_wbuf_str(w, n->created_evt);
    lg_wbuf_str(w, n->creator);
    lg_wbuf_u64(w, (uint64_t)n->creator_kind);
    lg_wbuf_str(w, n->parent);
    lg_wbuf_u64(w, (uint64_t)n->parent_kind);
    lg_wbuf_str(w, n->issuer);
    lg_wbuf_u64(w, (uint64_t)n->issuer_kind);
    lg_wbuf_str(w, n->issuer_evt);
    lg_wbuf_str(w, n->hint);
    lg_wbuf_str(w, n->alias_of);
    lg_wbuf_str(w, n->alias_evt);
    lg_wbuf_str(w, n->agent_role);
    lg_wbuf_i64(w, n->deleted_ms);
    lg_wbuf_str(w, n->deleted_evt);
    lg_wbuf_i64(w, n->removed_ms);
    lg_wbuf_u64(w, n->priv_at_birth);
    enc_series(w, &n->owner);
    enc_series(w, &n->status);
    enc_series(w, &n->priv);
    enc_series(w, &n->enabled);
    lg_wbuf_i64(w, n->first_used_ms);
    lg_wbuf_i64(w, n->last_used_ms);
    lg_wbuf_str(w, n->last_used_evt);
    lg_wbuf_str(w, n->last_action);
    enc_list(w, n->agents, n->nagents);
    enc_list(w, n->announced, n->nannounced);
    lg_wbuf_i64(w, n->pending_since);
    return w->oom ? -1 : 0;
}

static int dec_series(lg_rbuf *r, lg_series *s) {
    uint64_t n = lg_rbuf_u64(r);
    if (r->err || n > r->n)
        return -1;
    for (uint64_t i = 0; i < n; i++) {
        int64_t t = lg_rbuf_i64(r);
        int32_t val = (int32_t)lg_rbuf_i64(r);
        char *str = lg_rbuf_str(r);
        char *evt = lg_rbuf_str(r);
        int rc = r->err ? -1 : lg_series_add(s, t, val, str, evt);
        free(str);
        free(evt);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int dec_list(lg_rbuf *r, char ***l, uint32_t *n) {
    uint64_t cnt = lg_rbuf_u64(r);
    if (r->err || cnt > r->n)
        return -1;
    for (uint64_t i = 0; i < cnt; i++) {
        char *s = lg_rbuf_str(r);
        int rc = (r->err || !s) ? -1 : lg_strlist_add(l, n, s);
        free(s);
        if (rc < 0)
            return -1;
    }
    return 0;
}

lg_node *lg_node_decode(const char *id, size_t idlen, const void *buf, size_t len) {
    lg_rbuf r = {buf, len, 0, false};
    uint64_t version = lg_rbuf_u64(&r);
    if (version < 1 || version > LG_NODE_FORMAT_VERSION)
        return NULL;
    lg_node *n = lg_node_new(id, idlen, (lg_node_kind)lg_rbuf_u64(&r));
    if (!n)
        return NULL;
    n->name = lg_rbuf_str(&r);
    n->tenant = lg_rbuf_str(&r);
    n->created_ms = lg_rbuf_i64(&r);
    n->created_evt = lg_rbuf_str(&r);
    n->creator = lg_rbuf_str(&r);
    n->creator_kind = (lg_node_kind)lg_rbuf_u64(&r);
    n->parent = lg_rbuf_str(&r);
    n->parent_kind = (lg_node_kind)lg_rbuf_u64(&r);
    n->issuer = lg_rbuf_str(&r);
    n->issuer_kind = (lg_node_kind)lg_rbuf_u64(&r);
    n->issuer_evt = lg_rbuf_str(&r);
    n->hint = lg_rbuf_str(&r);
    n->alias_of = lg_rbuf_str(&r);
    n->alias_evt = lg_rbuf_str(&r);
    n->agent_role = lg_rbuf_str(&r);
    n->deleted_ms = lg_rbuf_i64(&r);
    n->deleted_evt = lg_rbuf_str(&r);
    n->removed_ms = lg_rbuf_i64(&r);
    n->priv_at_birth = lg_rbuf_u64(&r) != 0;
    if (dec_series(&r, &n->owner) || dec_series(&r, &n->status) || dec_series(&r, &n->priv) ||
        dec_series(&r, &n->enabled))
        goto fail;
    n->first_used_ms = lg_rbuf_i64(&r);
    n->last_used_ms = lg_rbuf_i64(&r);
    n->last_used_evt = lg_rbuf_str(&r);
    n->last_action = lg_rbuf_str(&r);
    if (dec_list(&r, &n->agents, &n->nagents) || dec_list(&r, &n->announced, &n->nannounced))
        goto fail;
    if (version >= 2)
        n->pending_since = lg_rbuf_i64(&r);
    if (r.err)
        goto fail;
    return n;
fail:
    lg_node_free(n);
    return NULL;
}
