/*
 * processor/replay.c - `lineaged replay`: files -> engine -> stdout.
 */
#include "processor/replay.h"

#include "processor/engine.h"
#include "processor/sources/reader.h"
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
    lg_sink *dl;
    size_t batch_max;
    char poskey[4096];
    char posval[32];
} replay;

static int commit(replay *r, const char *path, int64_t line, char *errstr, size_t errstr_size) {
    snprintf(r->poskey, sizeof(r->poskey), "file/%s", path);
    snprintf(r->posval, sizeof(r->posval), "%" PRId64, line);
    lg_pair pos = {r->poskey, r->posval};
    return lg_engine_commit(r->engine, &pos, 1, errstr, errstr_size);
}

/* One message: too large -> dead letter (its first bytes), else the engine.
 * Commits when the batch is full. */
static int process(replay *r, lg_source src, const char *path, int64_t line, const char *buf,
                   size_t len, char *errstr, size_t errstr_size) {
    char desc[4200];
    snprintf(desc, sizeof(desc), "file:%s:%" PRId64, path, line);
    if (len > (size_t)r->o->config->input_max_bytes) {
        char reason[128];
        snprintf(reason, sizeof(reason),
                 "message of %zu bytes exceeds input.max.bytes (%" PRId64 ")", len,
                 r->o->config->input_max_bytes);
        lg_deadletter dl = {lg_source_name(src), reason, desc, NULL, -1, -1, buf, 1024};
        LG_LOGW(COMP, "%s: %s (first 1024 bytes dead-lettered)", desc, reason);
        if (lg_sink_deadletter(r->dl, &dl, errstr, errstr_size) != LG_SINK_OK)
            return -1;
    } else {
        lg_origin origin = {desc, NULL, -1, -1};
        if (lg_engine_process(r->engine, src, buf, len, &origin, errstr, errstr_size) != 0)
            return -1;
    }
    if (lg_engine_pending(r->engine) >= r->batch_max)
        return commit(r, path, line, errstr, errstr_size);
    return 0;
}

static int replay_input(replay *r, const lg_replay_input *ri, char *errstr, size_t errstr_size) {
    lg_reader *rd = lg_reader_open(ri->path, errstr, errstr_size);
    if (!rd)
        return -1;
    int rc = -1, g = 0;
    const char *msg;
    size_t len;
    int64_t line = 0;
    while (*r->o->running && (g = lg_reader_next(rd, &msg, &len, &line, errstr, errstr_size)) > 0)
        if (process(r, ri->src, ri->path, line, msg, len, errstr, errstr_size) != 0)
            goto cleanup;
    if (*r->o->running && g < 0)
        goto cleanup;
    if (commit(r, ri->path, line, errstr, errstr_size) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    lg_reader_close(rd);
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
    lg_sink *stdout_sink = lg_sink_file_stream(o->out, LG_SINK_FILE_JSON, errstr, errstr_size);
    if (!stdout_sink)
        goto cleanup;
    /* stdout, plus the configured webhooks and revocation hook if any */
    lg_outputs_opts oo = {.config = o->config, .state_dir = o->state_dir, .primary = stdout_sink};
    out = lg_outputs_new(&oo, errstr, errstr_size);
    if (!out)
        goto cleanup;
    r.dl = lg_sink_file_open(dlpath, LG_SINK_FILE_JSON, errstr, errstr_size);
    if (!r.dl)
        goto cleanup;
    eo.out = out;
    eo.deadletter = r.dl;
    /* the positions live in the state alone: a batch's write can overlap
     * the next batch */
    eo.async_write = true;
    r.engine = lg_engine_open(&eo, errstr, errstr_size);
    if (!r.engine)
        goto cleanup;

    for (size_t i = 0; i < o->ninputs && *o->running; i++) {
        LG_LOGD(COMP, "reading %s as %s", o->inputs[i].path, lg_source_name(o->inputs[i].src));
        if (replay_input(&r, &o->inputs[i], errstr, errstr_size) != 0)
            goto cleanup;
    }
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
    lg_sink_destroy(r.dl);
    lg_sink_destroy(out);
    lg_pairs_free(&owners);
    lg_pairs_free(&aliases);
    return rc;
}
