/*
 * tests/bench/gen/ctx.h - what every record writer of the generator needs:
 * the company, the random stream, the event time and the record buffer, and
 * the shared formatting helpers (timestamps, UUIDs, IP addresses).
 *
 * Ownership: every pointer in lg_gen_ctx is borrowed from the caller.
 */
#ifndef LG_BENCH_GEN_CTX_H
#define LG_BENCH_GEN_CTX_H

#include "tests/bench/gen/buf.h"
#include "tests/bench/gen/company.h"
#include "tests/bench/gen/rng.h"

#include <stdint.h>

typedef struct lg_gen_ctx {
    const lg_gen_company *co;
    lg_gen_rng *rng;
    int64_t t_ms;    /* event time, ms since the epoch */
    lg_gen_buf *rec; /* the record being written (reset by the caller) */
} lg_gen_ctx;

/** Appends t as ISO-8601 UTC: "2025-01-06T08:00:00Z" (ms = false) or
 *  "2025-01-06T08:00:00.123Z" (ms = true). */
void lg_gen_put_time(lg_gen_buf *b, int64_t t_ms, bool ms);

/** Appends a random lower-case UUID (8-4-4-4-12). */
void lg_gen_put_uuid(lg_gen_ctx *c);

/** Appends a public-looking IPv4 address stable for key. */
void lg_gen_put_ip(lg_gen_buf *b, uint64_t key);

/** Appends n random characters of an lg_gen_chars alphabet. */
void lg_gen_put_chars(lg_gen_ctx *c, const char *alphabet, size_t n);

#endif
