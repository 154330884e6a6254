/*
 * tests/tools/derived_fixture.h - sample derived events shared by the sink
 * and encoder tests (header-only, static data: nothing to free).
 */
#ifndef LG_TESTS_DERIVED_FIXTURE_H
#define LG_TESTS_DERIVED_FIXTURE_H

#include "sinks/derived.h"
#include "sinks/sink.h"

#include <string.h>

/* 2024-05-01T10:00:00.123Z and 2024-04-30T17:30:00.000Z */
#define DF_EVENT_MS 1714557600123LL
#define DF_DEPARTED_MS 1714498200000LL

/* Fills *ev with an event of type t about access key AKIAEXAMPLE0000000<t>.
 * Odd types are ownerless; even types have a departed owner. */
static inline void df_sample(lg_derived *ev, lg_derived_type t) {
    static const char *const ids[] = {
        "00000000000000000000000000000000", "11111111111111111111111111111111",
        "22222222222222222222222222222222", "33333333333333333333333333333333",
        "44444444444444444444444444444444", "55555555555555555555555555555555"};
    static const char *const subjects[] = {"AKIAEXAMPLE00000000", "AKIAEXAMPLE00000001",
                                           "AKIAEXAMPLE00000002", "AKIAEXAMPLE00000003",
                                           "AKIAEXAMPLE00000004", "AKIAEXAMPLE00000005"};
    memset(ev, 0, sizeof(*ev));
    ev->type = t;
    ev->event_id = ids[t];
    ev->event_time_ms = DF_EVENT_MS + t;
    ev->subject_id = subjects[t];
    ev->subject_kind = "access_key";
    ev->subject_name = (t % 2) ? NULL : "ci-deployer";
    if (t % 2 == 0) {
        ev->owner_id = "alice@example.com";
        ev->owner_status = "departed";
        ev->owner_departed_ms = DF_DEPARTED_MS;
    }
    ev->privileged = t == LG_DERIVED_PRIV_OWNERLESS || t == LG_DERIVED_PRIV_OWNERLESS_RESOLVED;
    ev->reason = "owner alice@example.com departed";
    ev->resolves = (t == LG_DERIVED_ORPHAN_RESOLVED || t == LG_DERIVED_PRIV_OWNERLESS_RESOLVED)
                       ? "00000000000000000000000000000000"
                       : NULL;
    ev->tenant = (t % 3) ? "123456789012" : NULL;
    ev->nevidence = 2;
    ev->evidence[0] = "cloudtrail:ev-1";
    ev->evidence[1] = "okta:ev-2";
    ev->nchain = 3;
    ev->chain[0] = subjects[t];
    ev->chain[1] = "arn:aws:iam::123456789012:user/ci";
    ev->chain[2] = "alice@example.com";
}

/* A dead letter holding raw[0..rawlen). */
static inline void df_deadletter(lg_deadletter *dl, const void *raw, size_t rawlen) {
    memset(dl, 0, sizeof(*dl));
    dl->source = "cloudtrail";
    dl->reason = "not JSON";
    dl->origin = "kafka:cloudtrail/3@42";
    dl->topic = "cloudtrail";
    dl->partition = 3;
    dl->offset = 42;
    dl->raw = raw;
    dl->rawlen = rawlen;
}

#endif
