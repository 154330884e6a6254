/*
 * processor/replay.c - `lineaged replay`: files -> engine -> stdout.
 */
#include "processor/replay.h"

#include "processor/engine.h"
#include "sinks/file/file_sink.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define COMP "replay"
#define CHUNK 65536

int lg_replay_parse_input(const char *arg, lg_replay_input *in, char *errstr, size_t errstr_size) {
    const char *colon = strchr(arg, ':');
    char name[32];
    size_t n = colon ? (size_t)(colon - arg) : 0;
    if (!colon || n == 0 || n >= sizeof(name) || !colon[1]) {
        snprintf(errstr, errstr_size,
                 "bad input \"%s\": expected SOURCE:PATH with SOURCE one of "
                 "cloudtrail, okta, github, bedrock",
                 arg);
        return -1;
    }
    memcpy(name, arg, n);
    name[n] = '\0';
    in->src = lg_source_from_name(name);
    if (in->src == LG_SRC_NONE) {
        snprintf(errstr, errstr_size,
                 "unknown source \"%s\" in \"%s\": expected cloudtrail, okta, github or bedrock",
                 name, arg);
        return -1;
    }
    in->path = colon + 1;
    return 0;
}

/* ---- input: gzip-transparent, JSON lines or one whole document ---- */

typedef struct input {
    gzFile gz;
    const char *path;
    char *buf; /* unread bytes are buf[pos..len) */
    size_t cap, len, pos;
    bool eof;
    int64_t line; /* number of the last line returned */
} input;

static int input_open(input *in, const char *path, char *errstr, size_t errstr_size) {
    memset(in, 0, sizeof(*in));
    in->path = path;
    if (strcmp(path, "-") == 0) {
        int fd = dup(STDIN_FILENO);
        in->gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
        if (!in->gz && fd >= 0)
            close(fd);
    } else {
        in->gz = gzopen(path, "rb");
    }
    if (!in->gz) {
        snprintf(errstr, errstr_size, "cannot open %s: %s", path,
                 errno ? strerror(errno) : "error");
        return -1;
    }
    gzbuffer(in->gz, CHUNK);
    return 0;
}

static void input_close(input *in) {
    if (in->gz)
        gzclose(in->gz);
    free(in->buf);
    memset(in, 0, sizeof(*in));
}

/* Reads more bytes; returns 1 when some were added, 0 at EOF, -1 on error. */
static int input_fill(input *in, char *errstr, size_t errstr_size) {
    if (in->eof)
        return 0;
    if (in->pos > 0 && in->pos == in->len)
        in->pos = in->len = 0;
    if (in->pos > in->cap / 2) {
        memmove(in->buf, in->buf + in->pos, in->len - in->pos);
        in->len -= in->pos;
        in->pos = 0;
    }
    if (in->cap - in->len < CHUNK) {
        size_t ncap = in->cap ? in->cap * 2 : 4 * CHUNK;
        char *nb = realloc(in->buf, ncap + 1);
        if (!nb) {
            snprintf(errstr, errstr_size, "%s: out of memory", in->path);
            return -1;
        }
        in->buf = nb;
        in->cap = ncap;
    }
    int r = gzread(in->gz, in->buf + in->len, (unsigned)(in->cap - in->len));
    if (r < 0) {
        int zerr = 0;
        const char *msg = gzerror(in->gz, &zerr);
        snprintf(errstr, errstr_size, "cannot read %s: %s", in->path,
                 zerr == Z_ERRNO ? strerror(errno) : msg);
        return -1;
    }
    if (r == 0) {
        in->eof = true;
        return 0;
    }
    in->len += (size_t)r;
    return 1;
}

/* Next line without its newline (a final line may lack one). *toolong is set
 * when the line exceeded max and was skipped (its first bytes are returned).
 * Returns 1, 0 at EOF, -1 on error. */
static int input_line(input *in, size_t max, const char **line, size_t *len, bool *toolong,
                      char *errstr, size_t errstr_size) {
    *toolong = false;
    for (;;) {
        char *start = in->buf + in->pos;
        char *nl = in->len > in->pos ? memchr(start, '\n', in->len - in->pos) : NULL;
        if (nl || (in->eof && in->len > in->pos)) {
            size_t n = nl ? (size_t)(nl - start) : in->len - in->pos;
            in->pos += n + (nl ? 1 : 0);
            in->line++;
            if (n > 0 && start[n - 1] == '\r')
                n--;
            *line = start;
            *len = n;
            if (n > max) {
                *toolong = true;
                *len = 256;
            }
            return 1;
        }
        if (in->eof)
            return 0;
        if (in->len - in->pos > max + 1) {
            /* discard the rest of an over-long line */
            size_t keep = 256;
            memmove(in->buf, in->buf + in->pos, keep);
            in->pos = 0;
            in->len = keep;
            for (;;) {
                int r = input_fill(in, errstr, errstr_size);
                if (r < 0)
                    return -1;
                char *e = memchr(in->buf + keep, '\n', in->len - keep);
                if (e || r == 0) {
                    size_t after = e ? (size_t)(e - in->buf) + 1 : in->len;
                    memmove(in->buf + keep, in->buf + after, in->len - after);
                    in->len = keep + (in->len - after);
                    in->line++;
                    *line = in->buf;
                    *len = keep;
                    *toolong = true;
                    in->pos = keep;
                    return 1;
                }
                in->len = keep;
            }
        }
        if (input_fill(in, errstr, errstr_size) < 0)
            return -1;
    }
}

/* True when s[0..n) is one complete JSON object or array (balanced braces
 * and brackets outside strings). Used to tell JSON lines from a
 * pretty-printed document. */
static bool complete_json(const char *s, size_t n) {
    int depth = 0;
    bool str = false, esc = false, seen = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                str = false;
            continue;
        }
        if (c == '"')
            str = true;
        else if (c == '{' || c == '[') {
            depth++;
            seen = true;
        } else if (c == '}' || c == ']')
            depth--;
    }
    return seen && depth == 0 && !str;
}

typedef enum input_mode { MODE_LINES, MODE_DOCUMENT } input_mode;

/* Looks at the start of the input to choose its mode. */
static int input_detect(input *in, input_mode *mode, char *errstr, size_t errstr_size) {
    for (;;) {
        size_t i = in->pos;
        if (in->len - i >= 3 && memcmp(in->buf + i, "\xEF\xBB\xBF", 3) == 0)
            in->pos = i += 3;
        while (i < in->len && strchr(" \t\r\n", in->buf[i]))
            i++;
        if (i < in->len) {
            if (in->buf[i] == '[') {
                *mode = MODE_DOCUMENT;
                return 0;
            }
            if (in->buf[i] != '{') {
                *mode = MODE_LINES;
                return 0;
            }
            char *nl = memchr(in->buf + i, '\n', in->len - i);
            if (nl || in->eof) {
                size_t n = nl ? (size_t)(nl - (in->buf + i)) : in->len - i;
                *mode = complete_json(in->buf + i, n) ? MODE_LINES : MODE_DOCUMENT;
                return 0;
            }
        } else if (in->eof) {
            *mode = MODE_LINES;
            return 0;
        }
        int r = input_fill(in, errstr, errstr_size);
        if (r < 0)
            return -1;
    }
}

/* ---- the replay loop ---- */

typedef struct replay {
    const lg_replay_opts *o;
    lg_engine *engine;
    lg_sink *dl;
    size_t batch_max;
    char poskey[4096];
    char posval[32];
} replay;

static int commit(replay *r, const input *in, char *errstr, size_t errstr_size) {
    snprintf(r->poskey, sizeof(r->poskey), "file/%s", in->path);
    snprintf(r->posval, sizeof(r->posval), "%" PRId64, in->line);
    lg_pair pos = {r->poskey, r->posval};
    return lg_engine_commit(r->engine, &pos, 1, errstr, errstr_size);
}

static int process(replay *r, const input *in, lg_source src, const char *buf, size_t len,
                   char *errstr, size_t errstr_size) {
    char desc[4200];
    snprintf(desc, sizeof(desc), "file:%s:%" PRId64, in->path, in->line);
    lg_origin origin = {desc, NULL, -1, -1};
    if (lg_engine_process(r->engine, src, buf, len, &origin, errstr, errstr_size) != 0)
        return -1;
    if (lg_engine_pending(r->engine) >= r->batch_max)
        return commit(r, in, errstr, errstr_size);
    return 0;
}

static int deadletter_toolong(replay *r, const input *in, lg_source src, const char *buf,
                              size_t len, char *errstr, size_t errstr_size) {
    char desc[4200], reason[128];
    snprintf(desc, sizeof(desc), "file:%s:%" PRId64, in->path, in->line);
    snprintf(reason, sizeof(reason), "message longer than input.max.bytes (%" PRId64 ")",
             r->o->config->input_max_bytes);
    lg_deadletter dl = {lg_source_name(src), reason, desc, NULL, -1, -1, buf, len};
    LG_LOGW(COMP, "%s: %s (first %zu bytes dead-lettered)", desc, reason, len);
    return lg_sink_deadletter(r->dl, &dl, errstr, errstr_size) == LG_SINK_OK ? 0 : -1;
}

static int replay_input(replay *r, const lg_replay_input *ri, char *errstr, size_t errstr_size) {
    input in;
    if (input_open(&in, ri->path, errstr, errstr_size) != 0)
        return -1;
    int rc = -1;
    size_t max = (size_t)r->o->config->input_max_bytes;
    input_mode mode;
    if (input_detect(&in, &mode, errstr, errstr_size) != 0)
        goto cleanup;
    if (mode == MODE_DOCUMENT) {
        int f;
        while ((f = input_fill(&in, errstr, errstr_size)) > 0) {
            if (in.len - in.pos > max)
                break;
        }
        if (f < 0)
            goto cleanup;
        in.line = 1;
        if (in.len - in.pos > max) {
            if (deadletter_toolong(r, &in, ri->src, in.buf + in.pos, 256, errstr, errstr_size))
                goto cleanup;
        } else if (process(r, &in, ri->src, in.buf + in.pos, in.len - in.pos, errstr,
                           errstr_size) != 0)
            goto cleanup;
    } else {
        const char *line;
        size_t len;
        bool toolong;
        int g;
        while (*r->o->running &&
               (g = input_line(&in, max, &line, &len, &toolong, errstr, errstr_size)) > 0) {
            size_t i = 0;
            while (i < len && strchr(" \t", line[i]))
                i++;
            if (i == len)
                continue; /* blank line */
            if (toolong) {
                if (deadletter_toolong(r, &in, ri->src, line, len, errstr, errstr_size) != 0)
                    goto cleanup;
            } else if (process(r, &in, ri->src, line, len, errstr, errstr_size) != 0)
                goto cleanup;
        }
        if (*r->o->running && g < 0)
            goto cleanup;
    }
    if (commit(r, &in, errstr, errstr_size) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    input_close(&in);
    return rc;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_summary(const lg_engine_stats *st, double elapsed, bool interrupted) {
    uint64_t events = 0, derived = 0;
    for (int s = 1; s < LG_SRC_COUNT; s++)
        events += st->records[s];
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++)
        derived += st->derived[t];
    char per_type[512] = "";
    size_t n = 0;
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT && n < sizeof(per_type); t++)
        if (st->derived[t])
            n += (size_t)snprintf(per_type + n, sizeof(per_type) - n, "%s%s=%" PRIu64,
                                  n ? " " : " (", lg_derived_type_name((lg_derived_type)t),
                                  st->derived[t]);
    if (n && n < sizeof(per_type) - 1)
        strcat(per_type, ")");
    lg_log(LG_LOG_INFO, COMP,
           "%s: messages=%" PRIu64 " events=%" PRIu64 " cloudtrail=%" PRIu64 " okta=%" PRIu64
           " github=%" PRIu64 " bedrock=%" PRIu64 " duplicates=%" PRIu64 " failed_calls=%" PRIu64
           " deadlettered=%" PRIu64 " derived=%" PRIu64 "%s batches=%" PRIu64
           " elapsed=%.3fs rate=%.0f events/s",
           interrupted ? "interrupted" : "done", st->messages, events,
           st->records[LG_SRC_CLOUDTRAIL], st->records[LG_SRC_OKTA], st->records[LG_SRC_GITHUB],
           st->records[LG_SRC_BEDROCK], st->duplicates, st->failed_calls, st->deadlettered, derived,
           per_type, st->batches, elapsed, elapsed > 0 ? (double)events / elapsed : 0.0);
}

int lg_replay_run(const lg_replay_opts *o, char *errstr, size_t errstr_size) {
    int rc = -1;
    double t0 = now_s();
    replay r = {.o = o, .batch_max = (size_t)o->config->batch_max_messages};
    lg_pairs owners = {0}, aliases = {0};
    lg_sink *out = NULL;
    char dlpath[4096];

    for (size_t i = 0; i < o->ninputs; i++) {
        const char *p = o->inputs[i].path;
        if (strcmp(p, "-") != 0 && access(p, R_OK) != 0) {
            snprintf(errstr, errstr_size, "cannot read %s: %s", p, strerror(errno));
            return -1;
        }
    }
    if (o->deadletter_path)
        snprintf(dlpath, sizeof(dlpath), "%s", o->deadletter_path);
    else
        snprintf(dlpath, sizeof(dlpath), "%s/deadletter.jsonl", o->state_dir);

    lg_engine_opts eo = {.state_dir = o->state_dir};
    if (lg_config_engine_opts(o->config, &eo, &owners, &aliases, errstr, errstr_size) != 0)
        goto cleanup;
    /* The state directory must exist before the dead-letter file in it. */
    if (mkdir(o->state_dir, 0755) != 0 && errno != EEXIST) {
        snprintf(errstr, errstr_size, "cannot create state directory %s: %s", o->state_dir,
                 strerror(errno));
        goto cleanup;
    }
    out = lg_sink_file_stream(o->out, LG_SINK_FILE_JSON, errstr, errstr_size);
    if (!out)
        goto cleanup;
    r.dl = lg_sink_file_open(dlpath, LG_SINK_FILE_JSON, errstr, errstr_size);
    if (!r.dl)
        goto cleanup;
    eo.out = out;
    eo.deadletter = r.dl;
    r.engine = lg_engine_open(&eo, errstr, errstr_size);
    if (!r.engine)
        goto cleanup;

    for (size_t i = 0; i < o->ninputs && *o->running; i++) {
        LG_LOGD(COMP, "reading %s as %s", o->inputs[i].path, lg_source_name(o->inputs[i].src));
        if (replay_input(&r, &o->inputs[i], errstr, errstr_size) != 0)
            goto cleanup;
    }
    if (!*o->running) {
        snprintf(errstr, errstr_size, "interrupted by a signal (committed batches are kept)");
        print_summary(lg_engine_get_stats(r.engine), now_s() - t0, true);
        goto cleanup;
    }
    print_summary(lg_engine_get_stats(r.engine), now_s() - t0, false);
    rc = 0;
cleanup:
    lg_engine_close(r.engine);
    lg_sink_destroy(r.dl);
    lg_sink_destroy(out);
    lg_pairs_free(&owners);
    lg_pairs_free(&aliases);
    return rc;
}
