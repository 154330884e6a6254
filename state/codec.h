/*
 * state/codec.h - a tiny binary codec for state records: varints, signed
 * 64-bit integers and length-prefixed strings (used by state/node.c), and
 * fixed 8-byte big-endian integers (keys that sort by number, headers).
 *
 * Ownership: lg_wbuf owns its buffer (free with lg_wbuf_free); lg_rbuf
 * borrows the bytes it reads. Strings read with lg_rbuf_str are malloc'd
 * and owned by the caller.
 */
#ifndef LG_STATE_CODEC_H
#define LG_STATE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct lg_wbuf {
    char *p;
    size_t n, cap;
    bool oom; /* set on allocation failure; the buffer is then unusable */
} lg_wbuf;

/** Makes room for more bytes after w->n (the slow path of the writers
 *  below). False when it cannot (w->oom is then set). */
bool lg_wbuf_grow(lg_wbuf *w, size_t more);

/* The writers and readers every record passes through are inline: the
 * common case (room in the buffer, a one-byte varint) costs a compare and a
 * store instead of a call. */
static inline void lg_wbuf_bytes(lg_wbuf *w, const void *p, size_t n) {
    if ((w->cap - w->n < n || w->oom) && !lg_wbuf_grow(w, n))
        return;
    if (n)
        memcpy(w->p + w->n, p, n);
    w->n += n;
}

static inline void lg_wbuf_u64(lg_wbuf *w, uint64_t v) {
    if ((w->cap - w->n < 10 || w->oom) && !lg_wbuf_grow(w, 10))
        return;
    unsigned char *b = (unsigned char *)w->p + w->n;
    size_t i = 0;
    while (v >= 0x80) {
        b[i++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    b[i++] = (unsigned char)v;
    w->n += i;
}

static inline void lg_wbuf_i64(lg_wbuf *w, int64_t v) {
    lg_wbuf_u64(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); /* zig-zag */
}

/** Writes a NUL-terminated string (NULL is written as absent). */
void lg_wbuf_str(lg_wbuf *w, const char *s);
void lg_wbuf_reset(lg_wbuf *w);
void lg_wbuf_free(lg_wbuf *w);

typedef struct lg_rbuf {
    const unsigned char *p;
    size_t n, off;
    bool err; /* set when the input was short or malformed */
} lg_rbuf;

/** A varint of more than one byte, or none (the slow path of
 *  lg_rbuf_u64). */
uint64_t lg_rbuf_varint(lg_rbuf *r);

static inline uint64_t lg_rbuf_u64(lg_rbuf *r) {
    if (r->off < r->n && r->p[r->off] < 0x80)
        return r->p[r->off++];
    return lg_rbuf_varint(r);
}

static inline int64_t lg_rbuf_i64(lg_rbuf *r) {
    uint64_t u = lg_rbuf_u64(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}
/** Returns a malloc'd copy or NULL for an absent string (check r->err). */
char *lg_rbuf_str(lg_rbuf *r);

/** Writes v into out[0..8), most significant byte first. */
void lg_be64_put(unsigned char out[8], uint64_t v);

/** Reads 8 bytes written by lg_be64_put (inline: state/sort.c reads a
 *  key chunk with it per item and pass). */
static inline uint64_t lg_be64_get(const unsigned char in[8]) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | in[i];
    return v;
}

#endif
