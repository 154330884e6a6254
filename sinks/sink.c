/*
 * sinks/sink.c - the sink wrapper: a vtable plus its state.
 */
#include "sinks/sink.h"

#include <stdio.h>
#include <stdlib.h>

struct lg_sink {
    const lg_sink_ops *ops;
    void *self;
};

lg_sink *lg_sink_new(const lg_sink_ops *ops, void *self) {
    lg_sink *s = calloc(1, sizeof(*s));
    if (!s) {
        if (ops && ops->destroy)
            ops->destroy(self);
        return NULL;
    }
    s->ops = ops;
    s->self = self;
    return s;
}

/* Fills errstr when an implementation lacks an operation. */
static lg_sink_result sink_unsupported(const lg_sink *s, const char *what, char *errstr,
                                       size_t errstr_size) {
    if (errstr && errstr_size)
        snprintf(errstr, errstr_size, "sink %s: %s not supported", s->ops->name, what);
    return LG_SINK_FATAL;
}

lg_sink_result lg_sink_emit(lg_sink *s, const lg_derived *ev, char *errstr, size_t errstr_size) {
    if (!s->ops->emit)
        return sink_unsupported(s, "emit", errstr, errstr_size);
    return s->ops->emit(s->self, ev, errstr, errstr_size);
}

lg_sink_result lg_sink_deadletter(lg_sink *s, const lg_deadletter *dl, char *errstr,
                                  size_t errstr_size) {
    if (!s->ops->deadletter)
        return sink_unsupported(s, "deadletter", errstr, errstr_size);
    return s->ops->deadletter(s->self, dl, errstr, errstr_size);
}

lg_sink_result lg_sink_flush(lg_sink *s, int timeout_ms, char *errstr, size_t errstr_size) {
    if (!s->ops->flush)
        return LG_SINK_OK; /* nothing buffered by a sink without flush */
    return s->ops->flush(s->self, timeout_ms, errstr, errstr_size);
}

void *lg_sink_impl(lg_sink *s, const lg_sink_ops *ops) {
    if (!s || s->ops != ops)
        return NULL;
    return s->self;
}

const char *lg_sink_name(const lg_sink *s) {
    return s ? s->ops->name : "(null)";
}

void lg_sink_destroy(lg_sink *s) {
    if (!s)
        return;
    if (s->ops->destroy)
        s->ops->destroy(s->self);
    free(s);
}
