/*
 * tests/fuzz/fuzz_factcodec.c - libFuzzer target: the facts codec, the
 * binary records the Kafka path's facts topic carries and `replay`'s
 * prefetch thread files (processor/factcodec.h).
 *
 * The input is read two ways. As an encoding: a decode that succeeds must
 * re-encode to bytes that decode to the same record. As one CloudTrail
 * message (the seeds are the samples): every record the parser gives must
 * come back from its encoding unchanged.
 */
#include "processor/factcodec.h"
#include "processor/sources/source.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool str_eq(lg_str a, lg_str b) {
    return (a.p == NULL) == (b.p == NULL) && a.n == b.n && (!a.n || memcmp(a.p, b.p, a.n) == 0);
}

static bool rec_eq(const lg_record *a, const lg_record *b) {
    if (a->source != b->source || a->time_ms != b->time_ms || a->failed != b->failed ||
        a->nfacts != b->nfacts || !str_eq(a->event_id, b->event_id) ||
        !str_eq(a->event_name, b->event_name) || !str_eq(a->tenant, b->tenant))
        return false;
    for (size_t i = 0; i < a->nfacts; i++) {
        const lg_fact *x = &a->facts[i], *y = &b->facts[i];
        if (x->type != y->type || x->kind != y->kind || x->actor_kind != y->actor_kind ||
            x->parent_kind != y->parent_kind || x->status != y->status || x->flag != y->flag ||
            !str_eq(x->subject, y->subject) || !str_eq(x->actor, y->actor) ||
            !str_eq(x->parent, y->parent) || !str_eq(x->object, y->object) ||
            !str_eq(x->detail, y->detail))
            return false;
    }
    return true;
}

/* rec -> bytes -> a record equal to rec, or a crash libFuzzer reports. */
static void round_trip(const lg_record *rec) {
    static lg_record back; /* 1.7 KB: off the stack */
    lg_wbuf w = {0};
    if (lg_factcodec_encode(rec, &w) < 0)
        __builtin_trap(); /* ENOMEM under the fuzzer's RSS limit: a leak */
    if (lg_factcodec_decode(w.p, w.n, &back) != 0 || !rec_eq(rec, &back))
        __builtin_trap();
    lg_wbuf_free(&w);
}

static int on_record(void *opaque, const lg_record *r, const char *raw, size_t rawlen) {
    (void)opaque, (void)raw, (void)rawlen;
    round_trip(r);
    return 0;
}

static int on_bad(void *opaque, const char *raw, size_t rawlen, const char *reason) {
    (void)opaque, (void)raw, (void)rawlen, (void)reason;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static lg_record rec;
    static lg_source_ctx *ctx;
    if (lg_factcodec_decode(data, size, &rec) == 0)
        round_trip(&rec);
    if (!ctx && !(ctx = lg_source_ctx_new()))
        return 0;
    lg_source_parse(ctx, LG_SRC_CLOUDTRAIL, (const char *)data, size, on_record, on_bad, NULL);
    return 0;
}
