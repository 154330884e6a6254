/*
 * sinks/fanout/fanout.c - one sink in front of several.
 */
#include "sinks/fanout/fanout.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct fanout {
    lg_sink **v;
    size_t n;
} fanout;

/* One operation on one child; arg is the event, the dead letter or the
 * timeout. */
typedef lg_sink_result (*child_op)(lg_sink *c, const void *arg, char *err, size_t errsz);

static lg_sink_result op_emit(lg_sink *c, const void *arg, char *err, size_t errsz) {
    return lg_sink_emit(c, arg, err, errsz);
}

static lg_sink_result op_deadletter(lg_sink *c, const void *arg, char *err, size_t errsz) {
    return lg_sink_deadletter(c, arg, err, errsz);
}

static lg_sink_result op_flush(lg_sink *c, const void *arg, char *err, size_t errsz) {
    return lg_sink_flush(c, *(const int *)arg, err, errsz);
}

/* Runs op on every child; the worst result, the first failure's message. */
static lg_sink_result each(fanout *f, child_op op, const void *arg, char *errstr,
                           size_t errstr_size) {
    lg_sink_result worst = LG_SINK_OK;
    char err[512];
    for (size_t i = 0; i < f->n; i++) {
        err[0] = '\0';
        lg_sink_result r = op(f->v[i], arg, err, sizeof(err));
        if (r == LG_SINK_OK)
            continue;
        if (worst == LG_SINK_OK && errstr_size)
            snprintf(errstr, errstr_size, "%s", err);
        if (r > worst)
            worst = r;
    }
    return worst;
}

static lg_sink_result fo_emit(void *self, const lg_derived *ev, char *errstr, size_t errstr_size) {
    return each(self, op_emit, ev, errstr, errstr_size);
}

static lg_sink_result fo_deadletter(void *self, const lg_deadletter *dl, char *errstr,
                                    size_t errstr_size) {
    return each(self, op_deadletter, dl, errstr, errstr_size);
}

static lg_sink_result fo_flush(void *self, int timeout_ms, char *errstr, size_t errstr_size) {
    return each(self, op_flush, &timeout_ms, errstr, errstr_size);
}

static void fo_destroy(void *self) {
    fanout *f = self;
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        lg_sink_destroy(f->v[i]);
    free(f->v);
    free(f);
}

static const lg_sink_ops fanout_ops = {
    .name = "fanout",
    .emit = fo_emit,
    .deadletter = fo_deadletter,
    .flush = fo_flush,
    .destroy = fo_destroy,
};

lg_sink *lg_sink_fanout_new(lg_sink *const *sinks, size_t n, char *errstr, size_t errstr_size) {
    fanout *f = calloc(1, sizeof(*f));
    lg_sink **v = calloc(n ? n : 1, sizeof(*v));
    if (!f || !v) {
        for (size_t i = 0; i < n; i++)
            lg_sink_destroy(sinks[i]);
        free(f);
        free(v);
        snprintf(errstr, errstr_size, "fanout sink: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (sinks[i])
            v[f->n++] = sinks[i];
    f->v = v;
    lg_sink *s = lg_sink_new(&fanout_ops, f); /* destroys f (and the children) on failure */
    if (!s)
        snprintf(errstr, errstr_size, "fanout sink: out of memory");
    return s;
}

lg_sink *lg_sink_fanout_child(lg_sink *s, size_t i) {
    fanout *f = lg_sink_impl(s, &fanout_ops);
    return f && i < f->n ? f->v[i] : NULL;
}

size_t lg_sink_fanout_count(lg_sink *s) {
    fanout *f = lg_sink_impl(s, &fanout_ops);
    return f ? f->n : 0;
}
