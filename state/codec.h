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

typedef struct lg_wbuf {
    char *p;
    size_t n, cap;
    bool oom; /* set on allocation failure; the buffer is then unusable */
} lg_wbuf;

void lg_wbuf_u64(lg_wbuf *w, uint64_t v);
void lg_wbuf_i64(lg_wbuf *w, int64_t v);
/** Writes a NUL-terminated string (NULL is written as absent). */
void lg_wbuf_str(lg_wbuf *w, const char *s);
void lg_wbuf_bytes(lg_wbuf *w, const void *p, size_t n);
void lg_wbuf_reset(lg_wbuf *w);
void lg_wbuf_free(lg_wbuf *w);

typedef struct lg_rbuf {
    const unsigned char *p;
    size_t n, off;
    bool err; /* set when the input was short or malformed */
} lg_rbuf;

uint64_t lg_rbuf_u64(lg_rbuf *r);
int64_t lg_rbuf_i64(lg_rbuf *r);
/** Returns a malloc'd copy or NULL for an absent string (check r->err). */
char *lg_rbuf_str(lg_rbuf *r);

/** Writes v into out[0..8), most significant byte first. */
void lg_be64_put(unsigned char out[8], uint64_t v);

/** Reads 8 bytes written by lg_be64_put. */
uint64_t lg_be64_get(const unsigned char in[8]);

#endif
