/* tests/bench/gen/buf.c - see buf.h. */
#include "tests/bench/gen/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define OUT_FLUSH_AT (1u << 20)

void lg_gen_buf_free(lg_gen_buf *b) {
    free(b->p);
    *b = (lg_gen_buf){0};
}

void lg_gen_buf_reset(lg_gen_buf *b) {
    b->n = 0;
}

static bool reserve(lg_gen_buf *b, size_t extra) {
    if (b->oom)
        return false;
    if (b->n + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void lg_gen_buf_put(lg_gen_buf *b, const char *s, size_t n) {
    if (!reserve(b, n))
        return;
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

void lg_gen_buf_puts(lg_gen_buf *b, const char *s) {
    lg_gen_buf_put(b, s, strlen(s));
}

void lg_gen_buf_putc(lg_gen_buf *b, char c) {
    if (reserve(b, 1))
        b->p[b->n++] = c;
}

void lg_gen_buf_printf(lg_gen_buf *b, const char *fmt, ...) {
    va_list ap;
    for (int pass = 0; pass < 2; pass++) {
        size_t room = b->cap > b->n ? b->cap - b->n : 0;
        va_start(ap, fmt);
        int k = vsnprintf(room ? b->p + b->n : NULL, room, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = true;
            return;
        }
        if ((size_t)k < room) {
            b->n += (size_t)k;
            return;
        }
        if (!reserve(b, (size_t)k))
            return;
    }
}

void lg_gen_buf_u64(lg_gen_buf *b, uint64_t v) {
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    lg_gen_buf_put(b, tmp + i, sizeof tmp - i);
}

lg_gen_out *lg_gen_out_open(const char *path, char *errstr, size_t errstr_size) {
    lg_gen_out *o = calloc(1, sizeof *o);
    if (!o || !(o->path = strdup(path))) {
        snprintf(errstr, errstr_size, "out of memory");
        goto fail;
    }
    if (!(o->fp = fopen(path, "wb"))) {
        snprintf(errstr, errstr_size, "cannot create %s: %s", path, strerror(errno));
        goto fail;
    }
    return o;
fail:
    if (o)
        free(o->path);
    free(o);
    return NULL;
}

static void out_flush(lg_gen_out *o) {
    if (o->b.n && fwrite(o->b.p, 1, o->b.n, o->fp) != o->b.n)
        o->failed = true;
    lg_gen_buf_reset(&o->b);
}

void lg_gen_out_record(lg_gen_out *o, const lg_gen_buf *rec) {
    lg_gen_buf_put(&o->b, rec->p, rec->n);
    lg_gen_buf_putc(&o->b, '\n');
    o->records++;
    o->bytes += rec->n + 1;
    if (o->b.oom || rec->oom)
        o->failed = true;
    if (o->b.n >= OUT_FLUSH_AT)
        out_flush(o);
}

int lg_gen_out_close(lg_gen_out *o, char *errstr, size_t errstr_size) {
    if (!o)
        return 0;
    out_flush(o);
    int rc = 0;
    if (fclose(o->fp) != 0 || o->failed) {
        snprintf(errstr, errstr_size, "writing %s failed: %s", o->path,
                 o->b.oom ? "out of memory" : strerror(errno));
        rc = -1;
    }
    lg_gen_buf_free(&o->b);
    free(o->path);
    free(o);
    return rc;
}
