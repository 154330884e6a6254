/* state/sort.c - see sort.h. */
#include "state/sort.h"

#include "state/codec.h"

#include <stdlib.h>
#include <string.h>

/* Below this many items a run is finished by insertion sort. */
#define SMALL 24

typedef struct keyed {
    uint64_t k; /* 8 bytes of the key, big-endian, zero-padded */
    size_t i;   /* index into the run */
} keyed;

/* The 8 bytes of it's key from offset off, big-endian, zero-padded. */
static uint64_t chunk(const lg_sort_item *it, size_t off) {
    unsigned char b[8] = {0};
    size_t left = it->n > off ? it->n - off : 0;
    memcpy(b, it->p + off, left < 8 ? left : 8);
    return lg_be64_get(b);
}

/* memcmp then length order, from offset off (both keys at least off long). */
static int cmp_from(const lg_sort_item *a, const lg_sort_item *b, size_t off) {
    size_t an = a->n - off, bn = b->n - off, m = an < bn ? an : bn;
    int c = memcmp(a->p + off, b->p + off, m);
    return c ? c : an < bn ? -1 : an > bn;
}

/* Insertion sort of v[0..n), whose keys agree on their first off bytes. */
static void small_sort(lg_sort_item *v, size_t n, size_t off) {
    for (size_t i = 1; i < n; i++) {
        lg_sort_item x = v[i];
        size_t j = i;
        while (j > 0 && cmp_from(&v[j - 1], &x, off) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* LSD radix sort of a[0..n) by k, one byte a pass, skipping a byte that
 * every item shares; b is scratch. The result is in a. */
static void radix(keyed *a, keyed *b, size_t n) {
    size_t count[8][256];
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++)
        for (int d = 0; d < 8; d++)
            count[d][(a[i].k >> (8 * d)) & 0xff]++;
    keyed *from = a, *to = b;
    for (int d = 0; d < 8; d++) {
        size_t *c = count[d];
        if (c[(from[0].k >> (8 * d)) & 0xff] == n)
            continue;
        size_t sum = 0;
        for (int j = 0; j < 256; j++) {
            size_t t = c[j];
            c[j] = sum;
            sum += t;
        }
        for (size_t i = 0; i < n; i++)
            to[c[(from[i].k >> (8 * d)) & 0xff]++] = from[i];
        keyed *t = from;
        from = to;
        to = t;
    }
    if (from != a)
        memcpy(a, from, n * sizeof *a);
}

/* Sorts the run v[0..n), whose keys agree on their first off bytes; ka,
 * kb and tmp are scratch of n items each. */
static void sort_run(lg_sort_item *v, size_t n, size_t off, keyed *ka, keyed *kb,
                     lg_sort_item *tmp) {
    if (n <= SMALL) {
        small_sort(v, n, off);
        return;
    }
    for (size_t i = 0; i < n; i++)
        ka[i] = (keyed){chunk(&v[i], off), i};
    radix(ka, kb, n);
    for (size_t i = 0; i < n; i++)
        tmp[i] = v[ka[i].i];
    memcpy(v, tmp, n * sizeof *v);
    /* a run of equal chunks: its keys that end within the chunk come first
     * (shorter before longer: they differ only in trailing zero bytes),
     * then the others, ordered by what follows */
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && ka[j].k == ka[i].k)
            j++;
        if (j - i > 1) {
            size_t w = 0;
            for (size_t x = i; x < j; x++)
                if (v[x].n <= off + 8)
                    tmp[w++] = v[x];
            size_t ended = w;
            for (size_t x = i; x < j; x++)
                if (v[x].n > off + 8)
                    tmp[w++] = v[x];
            memcpy(v + i, tmp, (j - i) * sizeof *v);
            for (size_t a = i + 1; a < i + ended; a++) { /* by length */
                lg_sort_item x = v[a];
                size_t b = a;
                while (b > i && v[b - 1].n > x.n) {
                    v[b] = v[b - 1];
                    b--;
                }
                v[b] = x;
            }
            /* the slots of this run are free: the rest's scratch */
            size_t r = i + ended;
            if (j - r > 1)
                sort_run(v + r, j - r, off + 8, ka + r, kb + r, tmp + r);
        }
        i = j;
    }
}

int lg_sort_bytes(lg_sort_item *v, size_t n) {
    if (n < 2)
        return 0;
    if (n <= SMALL) {
        small_sort(v, n, 0);
        return 0;
    }
    keyed *ka = malloc(n * sizeof *ka), *kb = malloc(n * sizeof *kb);
    lg_sort_item *tmp = malloc(n * sizeof *tmp);
    int rc = ka && kb && tmp ? 0 : -1;
    if (rc == 0)
        sort_run(v, n, 0, ka, kb, tmp);
    free(ka);
    free(kb);
    free(tmp);
    return rc;
}
