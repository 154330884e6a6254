/* processor/kafka/coalesce.c - see coalesce.h. */
#include "processor/kafka/coalesce.h"

#include "state/codec.h"

#include <stdlib.h>
#include <string.h>

struct lg_coalesce_item {
    int32_t part;
    char *tenant;
    size_t tlen;
    int64_t t[2];    /* earliest, latest */
    int64_t arrived; /* the earliest arrival of the records it stands for */
    lg_wbuf rec[2];  /* their encodings; rec[1] empty: rec[0] is both */
};

static int set_rec(lg_wbuf *w, const void *rec, size_t rlen) {
    lg_wbuf_reset(w);
    lg_wbuf_bytes(w, rec, rlen);
    return w->oom ? -1 : 0;
}

int lg_coalesce_add(lg_coalesce *c, const void *key, size_t klen, int32_t part, const char *tenant,
                    size_t tlen, int64_t t, int64_t arrived, const void *rec, size_t rlen) {
    uint32_t *slot;
    int added = lg_bset_put(&c->keys, key, klen, &slot);
    if (added < 0)
        return -1;
    if (!added) {
        lg_coalesce_item *it = &c->items[*slot - 1];
        c->coalesced++;
        if (arrived < it->arrived)
            it->arrived = arrived;
        if (t < it->t[0]) {
            if (!it->rec[1].n) { /* the one record so far is the latest */
                lg_wbuf latest = it->rec[0];
                it->rec[0] = it->rec[1];
                it->rec[1] = latest;
            }
            it->t[0] = t;
            return set_rec(&it->rec[0], rec, rlen);
        }
        if (t > it->t[1]) {
            it->t[1] = t;
            return set_rec(&it->rec[1], rec, rlen);
        }
        return 0;
    }
    lg_coalesce_item *it = NULL;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        lg_coalesce_item *ni = realloc(c->items, cap * sizeof *ni);
        if (!ni)
            goto oom;
        c->items = ni;
        c->cap = cap;
    }
    it = &c->items[c->n];
    memset(it, 0, sizeof *it);
    if (!(it->tenant = malloc(tlen + 1)) || set_rec(&it->rec[0], rec, rlen) < 0)
        goto oom;
    memcpy(it->tenant, tenant, tlen);
    it->tenant[tlen] = '\0';
    it->tlen = tlen;
    it->part = part;
    it->t[0] = it->t[1] = t;
    it->arrived = arrived;
    *slot = (uint32_t)++c->n;
    return 0;
oom:
    if (it) {
        free(it->tenant);
        lg_wbuf_free(&it->rec[0]);
    }
    lg_bset_remove(&c->keys, key, klen);
    return -1;
}

int lg_coalesce_each(const lg_coalesce *c,
                     int (*cb)(void *opaque, int32_t part, const char *tenant, size_t tlen,
                               int64_t arrived, const void *rec, size_t rlen),
                     void *opaque) {
    for (size_t i = 0; i < c->n; i++) {
        const lg_coalesce_item *it = &c->items[i];
        for (int k = 0; k < 2; k++) {
            int rc = it->rec[k].n ? cb(opaque, it->part, it->tenant, it->tlen, it->arrived,
                                       it->rec[k].p, it->rec[k].n)
                                  : 0;
            if (rc)
                return rc;
        }
    }
    return 0;
}

void lg_coalesce_clear(lg_coalesce *c) {
    for (size_t i = 0; i < c->n; i++) {
        free(c->items[i].tenant);
        lg_wbuf_free(&c->items[i].rec[0]);
        lg_wbuf_free(&c->items[i].rec[1]);
    }
    c->n = 0;
    lg_bset_clear(&c->keys);
}

void lg_coalesce_free(lg_coalesce *c) {
    if (!c)
        return;
    lg_coalesce_clear(c);
    free(c->items);
    lg_bset_free(&c->keys);
    memset(c, 0, sizeof *c);
}
