/*
 * tests/fuzz/fuzz_source.h - the body shared by the per-source libFuzzer
 * targets: parse the input as one message of a source and read every byte
 * the callbacks are given (so ASan sees any dangling borrowed string).
 */
#ifndef LG_FUZZ_SOURCE_H
#define LG_FUZZ_SOURCE_H

#include "processor/sources/source.h"

#include <stddef.h>
#include <stdint.h>

static volatile unsigned fuzz_sink;

static void fuzz_touch(const char *p, size_t n) {
    unsigned h = 0;
    for (size_t i = 0; i < n; i++)
        h = h * 31 + (unsigned char)p[i];
    fuzz_sink += h;
}

static void fuzz_touch_str(lg_str s) {
    if (s.n)
        fuzz_touch(s.p, s.n);
}

static int fuzz_on_record(void *opaque, const lg_record *r, const char *raw, size_t rawlen) {
    (void)opaque;
    fuzz_touch(raw, rawlen);
    fuzz_touch_str(r->event_id);
    fuzz_touch_str(r->event_name);
    fuzz_touch_str(r->tenant);
    if (r->nfacts > LG_RECORD_MAX_FACTS)
        __builtin_trap();
    for (size_t i = 0; i < r->nfacts; i++) {
        const lg_fact *f = &r->facts[i];
        fuzz_touch_str(f->subject);
        fuzz_touch_str(f->actor);
        fuzz_touch_str(f->parent);
        fuzz_touch_str(f->object);
        fuzz_touch_str(f->detail);
        if (f->subject.n == 0) /* every fact names its subject */
            __builtin_trap();
    }
    return 0;
}

static int fuzz_on_bad(void *opaque, const char *raw, size_t rawlen, const char *reason) {
    (void)opaque;
    fuzz_touch(raw, rawlen);
    while (*reason)
        fuzz_sink += (unsigned char)*reason++;
    return 0;
}

static int fuzz_source(lg_source src, const uint8_t *data, size_t size) {
    static lg_source_ctx *ctx;
    if (!ctx)
        ctx = lg_source_ctx_new(); /* one per process, as in the daemon */
    if (ctx)
        lg_source_parse(ctx, src, (const char *)data, size, fuzz_on_record, fuzz_on_bad, NULL);
    return 0;
}

#endif
