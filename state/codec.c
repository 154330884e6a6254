/* state/codec.c - see codec.h. */
#include "state/codec.h"

#include <stdlib.h>
#include <string.h>

bool lg_wbuf_grow(lg_wbuf *w, size_t more) {
    if (w->oom)
        return false;
    if (w->n + more <= w->cap)
        return true;
    size_t cap = w->cap ? w->cap : 256;
    while (cap < w->n + more)
        cap *= 2;
    char *p = realloc(w->p, cap);
    if (!p) {
        w->oom = true;
        return false;
    }
    w->p = p;
    w->cap = cap;
    return true;
}

void lg_wbuf_str(lg_wbuf *w, const char *s) {
    if (!s) {
        lg_wbuf_u64(w, 0);
        return;
    }
    size_t n = strlen(s);
    lg_wbuf_u64(w, (uint64_t)n + 1);
    lg_wbuf_bytes(w, s, n);
}

void lg_wbuf_reset(lg_wbuf *w) {
    w->n = 0;
}

void lg_wbuf_free(lg_wbuf *w) {
    free(w->p);
    memset(w, 0, sizeof *w);
}

uint64_t lg_rbuf_varint(lg_rbuf *r) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->off >= r->n) {
            r->err = true;
            return 0;
        }
        unsigned char c = r->p[r->off++];
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return v;
    }
    r->err = true;
    return 0;
}

char *lg_rbuf_str(lg_rbuf *r) {
    uint64_t n = lg_rbuf_u64(r);
    if (r->err || n == 0)
        return NULL;
    n -= 1;
    if (n > r->n - r->off) {
        r->err = true;
        return NULL;
    }
    char *s = malloc(n + 1);
    if (!s) {
        r->err = true;
        return NULL;
    }
    memcpy(s, r->p + r->off, n);
    s[n] = '\0';
    r->off += n;
    return s;
}

void lg_be64_put(unsigned char out[8], uint64_t v) {
    for (int i = 7; i >= 0; i--) {
        out[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}
