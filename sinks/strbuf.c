/*
 * sinks/strbuf.c - growable byte buffer.
 */
#include "sinks/strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lg_strbuf_reset(lg_strbuf *b) {
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void lg_strbuf_free(lg_strbuf *b) {
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Makes room for n more bytes plus the NUL. */
static int strbuf_reserve(lg_strbuf *b, size_t n) {
    if (n >= SIZE_MAX / 2 - b->len)
        return -1;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int lg_strbuf_append(lg_strbuf *b, const void *p, size_t n) {
    if (strbuf_reserve(b, n) != 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int lg_strbuf_puts(lg_strbuf *b, const char *s) {
    return lg_strbuf_append(b, s, strlen(s));
}

int lg_strbuf_putc(lg_strbuf *b, char c) {
    return lg_strbuf_append(b, &c, 1);
}

int lg_strbuf_printf(lg_strbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || strbuf_reserve(b, (size_t)n) != 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}
