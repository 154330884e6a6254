/*
 * sinks/file/file_sink.c - JSON lines / pretty lines to a FILE*.
 */
#include "sinks/file/file_sink.h"

#include "sinks/json/json_encode.h"
#include "sinks/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct file_sink {
    FILE *fp;
    bool owned; /* close fp on destroy */
    lg_sink_file_format fmt;
    char *path; /* for messages; "<stream>" when borrowed */
    lg_strbuf line;
    bool dirty; /* written to since the last successful flush */
} file_sink;

/* Maps a write errno to a sink result: a full disk may clear up. */
static lg_sink_result file_error(file_sink *f, const char *what, int err, char *errstr,
                                 size_t errstr_size) {
    snprintf(errstr, errstr_size, "file sink %s: %s: %s", f->path, what, strerror(err));
    return err == ENOSPC || err == EAGAIN || err == EINTR ? LG_SINK_RETRY : LG_SINK_FATAL;
}

/* Writes f->line plus a newline. */
static lg_sink_result file_write_line(file_sink *f, char *errstr, size_t errstr_size) {
    if (lg_strbuf_putc(&f->line, '\n') != 0)
        return file_error(f, "encode", ENOMEM, errstr, errstr_size);
    errno = 0;
    f->dirty = true;
    if (fwrite(f->line.data, 1, f->line.len, f->fp) != f->line.len) {
        int err = errno ? errno : EIO;
        clearerr(f->fp);
        return file_error(f, "write", err, errstr, errstr_size);
    }
    return LG_SINK_OK;
}

static lg_sink_result file_emit(void *self, const lg_derived *ev, char *errstr,
                                size_t errstr_size) {
    file_sink *f = self;
    lg_strbuf_reset(&f->line);
    int rc = f->fmt == LG_SINK_FILE_PRETTY ? lg_json_format_pretty(ev, &f->line)
                                           : lg_json_encode_derived(ev, &f->line);
    if (rc != 0)
        return file_error(f, "encode", ENOMEM, errstr, errstr_size);
    return file_write_line(f, errstr, errstr_size);
}

static lg_sink_result file_deadletter(void *self, const lg_deadletter *dl, char *errstr,
                                      size_t errstr_size) {
    file_sink *f = self;
    lg_strbuf_reset(&f->line);
    int rc = f->fmt == LG_SINK_FILE_PRETTY ? lg_json_format_pretty_deadletter(dl, &f->line)
                                           : lg_json_encode_deadletter(dl, &f->line);
    if (rc != 0)
        return file_error(f, "encode", ENOMEM, errstr, errstr_size);
    return file_write_line(f, errstr, errstr_size);
}

static lg_sink_result file_flush(void *self, int timeout_ms, char *errstr, size_t errstr_size) {
    file_sink *f = self;
    struct stat st;
    (void)timeout_ms;
    /* nothing written since the last flush: all of it is durable already,
     * and an fsync would still cost a disk cache flush (a replay flushes
     * its dead-letter file every batch) */
    if (!f->dirty)
        return LG_SINK_OK;
    if (fflush(f->fp) != 0) {
        int err = errno;
        clearerr(f->fp);
        return file_error(f, "flush", err, errstr, errstr_size);
    }
    /* Pipes and terminals cannot be fsync'ed; regular files must be. */
    if (fstat(fileno(f->fp), &st) == 0 && S_ISREG(st.st_mode) && fsync(fileno(f->fp)) != 0)
        return file_error(f, "fsync", errno, errstr, errstr_size);
    f->dirty = false;
    return LG_SINK_OK;
}

static void file_destroy(void *self) {
    file_sink *f = self;
    if (!f)
        return;
    if (f->fp && f->owned)
        fclose(f->fp);
    else if (f->fp)
        fflush(f->fp);
    lg_strbuf_free(&f->line);
    free(f->path);
    free(f);
}

static const lg_sink_ops file_sink_ops = {
    .name = "file",
    .emit = file_emit,
    .deadletter = file_deadletter,
    .flush = file_flush,
    .destroy = file_destroy,
};

/* Wraps fp (owned or not) in a sink. On failure closes fp if owned. */
static lg_sink *file_sink_new(FILE *fp, bool owned, const char *path, lg_sink_file_format fmt,
                              char *errstr, size_t errstr_size) {
    file_sink *f = calloc(1, sizeof(*f));
    if (!f || !(f->path = strdup(path)))
        goto fail;
    f->fp = fp;
    f->owned = owned;
    f->fmt = fmt;
    lg_sink *s = lg_sink_new(&file_sink_ops, f); /* destroys f on failure */
    if (!s)
        snprintf(errstr, errstr_size, "file sink %s: out of memory", path);
    return s;
fail:
    snprintf(errstr, errstr_size, "file sink %s: out of memory", path);
    if (owned)
        fclose(fp);
    if (f)
        free(f->path);
    free(f);
    return NULL;
}

lg_sink *lg_sink_file_stream(FILE *fp, lg_sink_file_format fmt, char *errstr, size_t errstr_size) {
    return file_sink_new(fp, false, "<stream>", fmt, errstr, errstr_size);
}

lg_sink *lg_sink_file_open(const char *path, lg_sink_file_format fmt, char *errstr,
                           size_t errstr_size) {
    if (strcmp(path, "-") == 0)
        return file_sink_new(stdout, false, "<stdout>", fmt, errstr, errstr_size);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(errstr, errstr_size, "file sink %s: open: %s", path, strerror(errno));
        return NULL;
    }
    FILE *fp = fdopen(fd, "a");
    if (!fp) {
        snprintf(errstr, errstr_size, "file sink %s: fdopen: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    return file_sink_new(fp, true, path, fmt, errstr, errstr_size);
}

int lg_sink_file_format_from_name(const char *name) {
    if (name && strcmp(name, "json") == 0)
        return LG_SINK_FILE_JSON;
    if (name && strcmp(name, "pretty") == 0)
        return LG_SINK_FILE_PRETTY;
    return -1;
}
