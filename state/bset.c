/* state/bset.c - see bset.h. */
#include "state/bset.h"

#include <stdlib.h>
#include <string.h>

/* Eight bytes per step (a multiply and a shift: the byte-at-a-time FNV-1a
 * this replaced cost a multiply per byte, 1.7% of a replay in the node
 * cache alone), the length folded in first, then a final avalanche so that
 * the low bits the tables index by depend on every byte. In-memory only:
 * nothing on disk or on the wire depends on it. */
uint64_t lg_bset_hash(const void *k, size_t n) {
    const unsigned char *p = k;
    const size_t len = n;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)len * 0xc2b2ae3d27d4eb4fULL);
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
    }
    if (n) {
        uint64_t w = 0;
        if (len >= 8) /* the last 8 bytes, overlapping the last word: one load */
            memcpy(&w, p + n - 8, 8);
        else
            for (size_t i = 0; i < n; i++)
                w |= (uint64_t)p[i] << (8 * i);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
    }
    h ^= h >> 32;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 29;
    return h ? h : 1;
}

static bool slot_is(const lg_bset_slot *sl, uint64_t h, const void *k, size_t n) {
    return sl->hash == h && sl->len == n && memcmp(sl->key, k, n) == 0;
}

static int grow(lg_bset *s) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    lg_bset_slot *ns = calloc(cap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->slots[i].hash)
            continue;
        size_t j = s->slots[i].hash & (cap - 1);
        while (ns[j].hash)
            j = (j + 1) & (cap - 1);
        ns[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = ns;
    s->cap = cap;
    return 0;
}

/* Finds or adds k[0..n): *at gets its slot. Returns 1 added, 0 present,
 * -1 on ENOMEM. */
static int put(lg_bset *s, const void *k, size_t n, lg_bset_slot **at) {
    if ((s->n + 1) * 2 > s->cap && grow(s) < 0)
        return -1;
    uint64_t h = lg_bset_hash(k, n);
    size_t j = h & (s->cap - 1);
    while (s->slots[j].hash) {
        if (slot_is(&s->slots[j], h, k, n)) {
            *at = &s->slots[j];
            return 0;
        }
        j = (j + 1) & (s->cap - 1);
    }
    char *c = malloc(n + 1);
    if (!c)
        return -1;
    memcpy(c, k, n);
    c[n] = '\0';
    s->slots[j] = (lg_bset_slot){h, c, n, 0};
    s->n++;
    *at = &s->slots[j];
    return 1;
}

int lg_bset_insert(lg_bset *s, const void *k, size_t n, const char **stored) {
    lg_bset_slot *sl;
    int rc = put(s, k, n, &sl);
    if (rc >= 0 && stored)
        *stored = sl->key;
    return rc;
}

int lg_bset_put(lg_bset *s, const void *k, size_t n, uint32_t **val) {
    lg_bset_slot *sl;
    int rc = put(s, k, n, &sl);
    if (rc >= 0)
        *val = &sl->val;
    return rc;
}

int lg_bset_add(lg_bset *s, const void *k, size_t n) {
    return lg_bset_insert(s, k, n, NULL);
}

bool lg_bset_has(const lg_bset *s, const void *k, size_t n) {
    if (!s->n)
        return false;
    uint64_t h = lg_bset_hash(k, n);
    for (size_t j = h & (s->cap - 1); s->slots[j].hash; j = (j + 1) & (s->cap - 1))
        if (slot_is(&s->slots[j], h, k, n))
            return true;
    return false;
}

bool lg_bset_remove(lg_bset *s, const void *k, size_t n) {
    if (!s->n)
        return false;
    uint64_t h = lg_bset_hash(k, n);
    size_t j = h & (s->cap - 1);
    while (s->slots[j].hash && !slot_is(&s->slots[j], h, k, n))
        j = (j + 1) & (s->cap - 1);
    if (!s->slots[j].hash)
        return false;
    free(s->slots[j].key);
    s->slots[j] = (lg_bset_slot){0};
    s->n--;
    /* backward shift: move later entries of the run into the hole */
    size_t hole = j;
    for (size_t i = (j + 1) & (s->cap - 1); s->slots[i].hash; i = (i + 1) & (s->cap - 1)) {
        size_t home = s->slots[i].hash & (s->cap - 1);
        /* can the entry at i live at hole? (its home is not in (hole, i]) */
        bool between = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
        if (!between) {
            s->slots[hole] = s->slots[i];
            s->slots[i] = (lg_bset_slot){0};
            hole = i;
        }
    }
    return true;
}

int lg_bset_foreach(const lg_bset *s, int (*cb)(void *opaque, const char *k, size_t n),
                    void *opaque) {
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].hash) {
            int rc = cb(opaque, s->slots[i].key, s->slots[i].len);
            if (rc)
                return rc;
        }
    return 0;
}

void lg_bset_clear(lg_bset *s) {
    if (!s->n)
        return;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].hash) {
            free(s->slots[i].key);
            s->slots[i] = (lg_bset_slot){0};
        }
    s->n = 0;
}

void lg_bset_free(lg_bset *s) {
    lg_bset_clear(s);
    free(s->slots);
    memset(s, 0, sizeof *s);
}
