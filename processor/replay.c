/*
 * processor/replay.c - `lineaged replay`: files -> engine -> stdout.
 */
#include "processor/replay.h"

#include "processor/engine.h"
#include "processor/prefetch.h"
#include "sinks/file/file_sink.h"
#include "sinks/outputs/outputs.h"
#include "sinks/webhook/webhook_sink.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define COMP "replay"
#define WEBHOOK_DRAIN_MS 30000

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

/* ---- the replay loop ---- */

typedef struct replay {
    const lg_replay_opts *o;
    lg_engine *engine;
    const lg_prefetch_chunk *chunk; /* being applied */
    char *errstr;
    size_t errstr_size;
    bool failed; /* a callback's engine call failed (errstr says why) */
    char poskey[4096];
    char posval[32];
} replay;

static int commit(replay *r, const char *path, int64_t line, char *errstr, size_t errstr_size) {
    snprintf(r->poskey, sizeof(r->poskey), "file/%s", path);
    snprintf(r->posval, sizeof(r->posval), "%" PRId64, line);
    lg_pair pos = {r->poskey, r->posval};
    return lg_engine_commit(r->engine, &pos, 1, errstr, errstr_size);
}

static int apply_record(void *opaque, const lg_record *rec) {
    replay *r = opaque;
    if (lg_engine_apply(r->engine, rec, r->errstr, r->errstr_size) == 0)
        return 0;
    r->failed = true;
    return -1;
}

/* A dead letter the prefetch thread filed: an unusable event, or the
 * first bytes of a message over input.max.bytes (which is also logged). */
static int apply_bad(void *opaque, const lg_prefetch_bad *b) {
    replay *r = opaque;
    const lg_replay_input *in = &r->o->inputs[r->chunk->input];
    char desc[4200];
    snprintf(desc, sizeof(desc), "file:%s:%" PRId64, in->path, b->line);
    if (b->oversized)
        LG_LOGW(COMP, "%s: %s (first %zu bytes dead-lettered)", desc, b->reason, b->rawlen);
    lg_origin origin = {desc, NULL, -1, -1};
    if (lg_engine_deadletter(r->engine, in->src, &origin, b->raw, b->rawlen, b->reason, r->errstr,
                             r->errstr_size) == 0)
        return 0;
    r->failed = true;
    return -1;
}

/* Reads every input through the prefetch thread: each chunk is one batch,
 * committed with the position it reached (as when parsing inline: a batch
 * of batch.max.messages messages, and the rest of each input). */
static int replay_inputs(replay *r, char *errstr, size_t errstr_size) {
    if (!r->o->ninputs)
        return 0;
    /* a thread reads ahead when every input is a regular file; one that can
     * block (a pipe, a terminal) is read on this thread, so that a signal
     * interrupts the read as it ends the replay */
    bool regular = true;
    for (size_t i = 0; i < r->o->ninputs && regular; i++) {
        struct stat st;
        const char *path = r->o->inputs[i].path;
        int rc = strcmp(path, "-") == 0 ? fstat(STDIN_FILENO, &st) : stat(path, &st);
        regular = rc == 0 && S_ISREG(st.st_mode);
    }
    lg_prefetch_opts po = {.inputs = r->o->inputs,
                           .threaded = regular,
                           .ninputs = r->o->ninputs,
                           .batch_max = (size_t)r->o->config->batch_max_messages,
                           .input_max_bytes = r->o->config->input_max_bytes,
                           .running = r->o->running};
    lg_prefetch *pf = lg_prefetch_start(&po, errstr, errstr_size);
    if (!pf)
        return -1;
    r->errstr = errstr;
    r->errstr_size = errstr_size;
    int rc = 0;
    size_t announced = (size_t)-1;
    lg_prefetch_chunk *c;
    while (rc == 0 && (c = lg_prefetch_next(pf)) != NULL) {
        const lg_replay_input *in = &r->o->inputs[c->input];
        if (c->input != announced) {
            LG_LOGD(COMP, "reading %s as %s", in->path, lg_source_name(in->src));
            announced = c->input;
        }
        r->chunk = c;
        lg_engine_count_messages(r->engine, c->messages);
        if (lg_prefetch_each(c, apply_record, apply_bad, r) != 0) {
            if (!r->failed)
                snprintf(errstr, errstr_size, "prefetch: a chunk of %s could not be read back",
                         in->path);
            rc = -1;
        } else if (c->err[0]) /* a read error: the batch in progress is not committed */
            snprintf(errstr, errstr_size, "%s", c->err), rc = -1;
        else
            rc = commit(r, in->path, c->line, errstr, errstr_size);
        bool last = c->last;
        lg_prefetch_release(pf, c);
        if (last)
            break;
    }
    lg_prefetch_stop(pf);
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
    replay r = {.o = o};
    lg_pairs owners = {0}, aliases = {0};
    lg_sink *out = NULL, *dl = NULL;
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
    lg_sink *stdout_sink = lg_sink_file_stream(o->out, LG_SINK_FILE_JSON, errstr, errstr_size);
    if (!stdout_sink)
        goto cleanup;
    /* stdout, plus the configured webhooks and revocation hook if any */
    lg_outputs_opts oo = {.config = o->config, .state_dir = o->state_dir, .primary = stdout_sink};
    out = lg_outputs_new(&oo, errstr, errstr_size);
    if (!out)
        goto cleanup;
    dl = lg_sink_file_open(dlpath, LG_SINK_FILE_JSON, errstr, errstr_size);
    if (!dl)
        goto cleanup;
    eo.out = out;
    eo.deadletter = dl;
    /* the positions live in the state alone: a batch's write can overlap
     * the next batch */
    eo.async_write = true;
    r.engine = lg_engine_open(&eo, errstr, errstr_size);
    if (!r.engine)
        goto cleanup;

    if (replay_inputs(&r, errstr, errstr_size) != 0)
        goto cleanup;
    if (*o->running) {
        /* the end of the input: nothing more can name an owner, so the
         * held-back privileged_key.ownerless candidates are announced */
        lg_engine_flush_held(r.engine);
        if (lg_engine_commit(r.engine, NULL, 0, errstr, errstr_size) != 0)
            goto cleanup;
    }
    if (lg_engine_sync(r.engine, errstr, errstr_size) != 0)
        goto cleanup;
    if (!*o->running) {
        snprintf(errstr, errstr_size, "interrupted by a signal (committed batches are kept)");
        print_summary(lg_engine_get_stats(r.engine), now_s() - t0, true);
        goto cleanup;
    }
    print_summary(lg_engine_get_stats(r.engine), now_s() - t0, false);
    rc = 0;
cleanup:
    if (out && lg_outputs_webhook(out)) /* deliver what the outbox holds */
        lg_sink_webhook_drain(lg_outputs_webhook(out), WEBHOOK_DRAIN_MS);
    lg_engine_close(r.engine);
    lg_sink_destroy(dl);
    lg_sink_destroy(out);
    lg_pairs_free(&owners);
    lg_pairs_free(&aliases);
    return rc;
}
