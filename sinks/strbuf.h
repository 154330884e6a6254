/*
 * sinks/strbuf.h - a growable byte buffer shared by the encoders and the
 * transports. It is a plain value type (not opaque) so encoders can append
 * into a buffer the caller keeps and reuses between events.
 *
 * Ownership: the buffer owns data (malloc'd); lg_strbuf_free() releases it.
 * data is always NUL-terminated when len > 0 or after any append, so it can
 * be used as a C string when the content has no NUL byte.
 */
#ifndef LG_SINKS_STRBUF_H
#define LG_SINKS_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct lg_strbuf {
    char *data; /* owned; NULL until the first append */
    size_t len; /* bytes used, not counting the terminating NUL */
    size_t cap; /* bytes allocated */
} lg_strbuf;

#define LG_STRBUF_INIT                                                                             \
    { NULL, 0, 0 }

/** Empties the buffer, keeping its memory for reuse. */
void lg_strbuf_reset(lg_strbuf *b);

/** Frees the memory; the buffer is then empty and reusable. NULL is a no-op. */
void lg_strbuf_free(lg_strbuf *b);

/** Appends n bytes. Returns 0, or -1 on ENOMEM (the buffer is unchanged). */
int lg_strbuf_append(lg_strbuf *b, const void *p, size_t n);

/** Appends a NUL-terminated string. Returns 0 or -1 (ENOMEM). */
int lg_strbuf_puts(lg_strbuf *b, const char *s);

/** Appends one byte. Returns 0 or -1 (ENOMEM). */
int lg_strbuf_putc(lg_strbuf *b, char c);

/** Appends printf-formatted text. Returns 0 or -1 (ENOMEM, bad format). */
int lg_strbuf_printf(lg_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
