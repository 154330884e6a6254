/* processor/sources/reader.c - see reader.h. */
#include "processor/sources/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

enum { MODE_UNKNOWN, MODE_LINES, MODE_WHOLE, MODE_VALUES };

struct lg_reader {
    gzFile gz;
    char *buf;  /* buf[start..end) holds unread bytes */
    size_t cap; /* allocated size (one byte kept for a NUL) */
    size_t start;
    size_t end;
    bool eof;
    int mode;
    int64_t line; /* line number of buf[start] */
    bool done;    /* MODE_WHOLE: the message was returned */
};

#define READ_CHUNK 65536

lg_reader *lg_reader_open(const char *path, char *errstr, size_t errstr_size) {
    lg_reader *r = calloc(1, sizeof *r);
    int fd = -1;
    if (!r) {
        snprintf(errstr, errstr_size, "out of memory");
        goto fail;
    }
    fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        goto fail;
    }
    /* gzdopen reads gzip members when the magic is present and passes
     * anything else through unchanged. */
    r->gz = gzdopen(fd, "rb");
    if (!r->gz) {
        snprintf(errstr, errstr_size, "%s: cannot open for reading", path);
        goto fail;
    }
    fd = -1;
    gzbuffer(r->gz, READ_CHUNK);
    r->cap = READ_CHUNK;
    r->buf = malloc(r->cap + 1);
    if (!r->buf) {
        snprintf(errstr, errstr_size, "out of memory");
        goto fail;
    }
    r->line = 1;
    return r;
fail:
    if (fd >= 0)
        close(fd);
    lg_reader_close(r);
    return NULL;
}

void lg_reader_close(lg_reader *r) {
    if (!r)
        return;
    if (r->gz)
        gzclose(r->gz);
    free(r->buf);
    free(r);
}

/* Reads more input after buf[end]; compacts or grows the buffer first.
 * Returns bytes read, 0 at EOF, -1 on error. */
static int fill(lg_reader *r, char *errstr, size_t errstr_size) {
    if (r->eof)
        return 0;
    if (r->start > 0 && r->start == r->end) {
        r->start = r->end = 0;
    } else if (r->start > r->cap / 2) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->cap - r->end < READ_CHUNK / 2) {
        size_t ncap = r->cap * 2;
        char *nb = realloc(r->buf, ncap + 1);
        if (!nb) {
            snprintf(errstr, errstr_size, "out of memory");
            return -1;
        }
        r->buf = nb;
        r->cap = ncap;
    }
    int n = gzread(r->gz, r->buf + r->end, (unsigned)(r->cap - r->end));
    if (n < 0) {
        int zerr;
        const char *m = gzerror(r->gz, &zerr);
        snprintf(errstr, errstr_size, "read error: %s", m ? m : "unknown");
        return -1;
    }
    if (n == 0) {
        r->eof = true;
        return 0;
    }
    r->end += (size_t)n;
    return n;
}

static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skips whitespace at buf[start], counting newlines. False if data ends. */
static bool skip_space(lg_reader *r) {
    while (r->start < r->end && is_space(r->buf[r->start])) {
        if (r->buf[r->start] == '\n')
            r->line++;
        r->start++;
    }
    return r->start < r->end;
}

/* Finds the end of the JSON value starting with '{' or '[' at buf[from]:
 * returns its length, or 0 if it does not end in buf[from..end). Sets
 * *newline when a newline occurs inside it. */
static size_t value_extent(const char *p, size_t n, bool *newline) {
    int depth = 0;
    bool in_str = false, esc = false;
    *newline = false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\n')
            *newline = true;
        if (in_str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"')
            in_str = true;
        else if (c == '{' || c == '[')
            depth++;
        else if ((c == '}' || c == ']') && --depth == 0)
            return i + 1;
    }
    return 0;
}

/* True when one of the lines in p[0..n) starts with '{' and holds a whole
 * JSON value on that line. Looks at the bytes already buffered only. */
static bool later_line_is_value(const char *p, size_t n) {
    for (int lines = 0; n > 0 && lines < 64; lines++) {
        const char *nl = memchr(p, '\n', n);
        size_t len = nl ? (size_t)(nl - p) + 1 : n;
        bool newline;
        if (p[0] == '{' && value_extent(p, len, &newline) > 0)
            return true;
        p += len;
        n -= len;
    }
    return false;
}

static int decide_mode(lg_reader *r, char *errstr, size_t errstr_size) {
    /* Enough bytes for the BOM and the first non-blank character. */
    for (;;) {
        if (r->end - r->start >= 3 || r->eof)
            break;
        if (fill(r, errstr, errstr_size) < 0)
            return -1;
    }
    if (r->end - r->start >= 3 && memcmp(r->buf + r->start, "\xEF\xBB\xBF", 3) == 0)
        r->start += 3;
    for (;;) {
        if (skip_space(r))
            break;
        int n = fill(r, errstr, errstr_size);
        if (n < 0)
            return -1;
        if (n == 0) {
            r->mode = MODE_LINES; /* empty input */
            return 0;
        }
    }
    char c = r->buf[r->start];
    if (c == '[') {
        r->mode = MODE_WHOLE;
        return 0;
    }
    if (c != '{') {
        r->mode = MODE_LINES;
        return 0;
    }
    /* Does the first object end on its first line? */
    for (;;) {
        const char *p = r->buf + r->start;
        size_t avail = r->end - r->start;
        const char *nl = memchr(p, '\n', avail);
        bool newline;
        size_t ext = value_extent(p, nl ? (size_t)(nl - p) + 1 : avail, &newline);
        if (ext) {
            r->mode = MODE_LINES;
            return 0;
        }
        if (nl) {
            /* The first line is not a whole object: pretty-printed JSON, or
             * JSON lines whose first line is broken. A later line that starts
             * at column 0 with '{' and closes on the same line is JSON lines
             * (pretty-printed values never close on their opening line). */
            r->mode = later_line_is_value(nl + 1, (size_t)(r->buf + r->end - (nl + 1)))
                          ? MODE_LINES
                          : MODE_VALUES;
            return 0;
        }
        int n = fill(r, errstr, errstr_size);
        if (n < 0)
            return -1;
        if (n == 0) {
            r->mode = MODE_LINES; /* one unterminated line: let the parser judge */
            return 0;
        }
    }
}

static int next_line(lg_reader *r, const char **msg, size_t *len, int64_t *line, char *errstr,
                     size_t errstr_size) {
    size_t scan = r->start;
    for (;;) {
        char *nl = memchr(r->buf + scan, '\n', r->end - scan);
        size_t lend;
        bool have = false;
        if (nl) {
            lend = (size_t)(nl - r->buf);
            have = true;
        } else if (r->eof) {
            if (r->start == r->end)
                return 0;
            lend = r->end;
            have = true;
        } else {
            size_t off = r->end - r->start;
            int n = fill(r, errstr, errstr_size);
            if (n < 0)
                return -1;
            scan = r->start + off;
            continue;
        }
        if (have) {
            size_t b = r->start, e = lend;
            int64_t ln = r->line;
            r->start = nl ? lend + 1 : lend;
            r->line++;
            while (b < e && is_space(r->buf[b]))
                b++;
            while (e > b && is_space(r->buf[e - 1]))
                e--;
            if (b == e) {
                scan = r->start;
                continue; /* blank line */
            }
            r->buf[e] = '\0';
            *msg = r->buf + b;
            *len = e - b;
            *line = ln;
            return 1;
        }
    }
}

static int read_all(lg_reader *r, char *errstr, size_t errstr_size) {
    for (;;) {
        int n = fill(r, errstr, errstr_size);
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
    }
}

int lg_reader_next(lg_reader *r, const char **msg, size_t *len, int64_t *line, char *errstr,
                   size_t errstr_size) {
    if (r->mode == MODE_UNKNOWN && decide_mode(r, errstr, errstr_size) < 0)
        return -1;
    if (r->mode == MODE_LINES)
        return next_line(r, msg, len, line, errstr, errstr_size);
    if (r->mode == MODE_WHOLE) {
        if (r->done)
            return 0;
        if (read_all(r, errstr, errstr_size) < 0)
            return -1;
        r->done = true;
        size_t e = r->end;
        while (e > r->start && is_space(r->buf[e - 1]))
            e--;
        r->buf[e] = '\0';
        *msg = r->buf + r->start;
        *len = e - r->start;
        *line = r->line;
        r->start = r->end;
        return 1;
    }
    /* MODE_VALUES: whole content in memory, one message per top-level value. */
    if (!r->eof && read_all(r, errstr, errstr_size) < 0)
        return -1;
    if (!skip_space(r))
        return 0;
    const char *p = r->buf + r->start;
    size_t avail = r->end - r->start, ext = 0;
    bool newline;
    if (*p == '{' || *p == '[')
        ext = value_extent(p, avail, &newline);
    if (ext == 0) {
        /* Not a balanced value: hand over the rest so the parser reports it. */
        ext = avail;
        while (ext > 0 && is_space(p[ext - 1]))
            ext--;
    }
    *msg = p;
    *len = ext;
    *line = r->line;
    for (size_t i = 0; i < ext; i++)
        if (p[i] == '\n')
            r->line++;
    r->start += ext;
    return 1;
}
