/*
 * tests/bench/gen/buf.h - a growable byte buffer with the appenders the
 * record writers need, and a buffered output file.
 *
 * Ownership: an lg_gen_buf owns its bytes (lg_gen_buf_free()). An lg_gen_out
 * owns its FILE and buffer (lg_gen_out_close(), NULL is a no-op). Allocation
 * failure is sticky: lg_gen_buf.oom is set and later appends do nothing.
 */
#ifndef LG_BENCH_GEN_BUF_H
#define LG_BENCH_GEN_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct lg_gen_buf {
    char *p;
    size_t n, cap;
    bool oom;
} lg_gen_buf;

void lg_gen_buf_free(lg_gen_buf *b);
void lg_gen_buf_reset(lg_gen_buf *b);
void lg_gen_buf_put(lg_gen_buf *b, const char *s, size_t n);
void lg_gen_buf_puts(lg_gen_buf *b, const char *s);
void lg_gen_buf_putc(lg_gen_buf *b, char c);
void lg_gen_buf_printf(lg_gen_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Unsigned decimal. */
void lg_gen_buf_u64(lg_gen_buf *b, uint64_t v);

/** A buffered JSON-lines output file with counters. */
typedef struct lg_gen_out {
    FILE *fp;
    char *path;
    lg_gen_buf b;
    uint64_t records, bytes;
    bool failed;
} lg_gen_out;

/** Creates (truncates) path. NULL with errstr on failure. Caller closes. */
lg_gen_out *lg_gen_out_open(const char *path, char *errstr, size_t errstr_size);

/** Appends one record (rec's bytes) and a newline. */
void lg_gen_out_record(lg_gen_out *o, const lg_gen_buf *rec);

/** Flushes and closes; returns 0, or -1 with errstr when any write failed.
 *  NULL is a no-op returning 0. */
int lg_gen_out_close(lg_gen_out *o, char *errstr, size_t errstr_size);

#endif
