/*
 * tests/bench/gen/rng.h - the generator's deterministic randomness: a
 * xoshiro256** stream seeded with splitmix64, and a keyed 64-bit mix for
 * identifiers that must not depend on the order they are asked for.
 *
 * Ownership: lg_gen_rng is plain data owned by the caller. Nothing here
 * allocates.
 */
#ifndef LG_BENCH_GEN_RNG_H
#define LG_BENCH_GEN_RNG_H

#include <stdbool.h>
#include <stdint.h>

typedef struct lg_gen_rng {
    uint64_t s[4];
} lg_gen_rng;

/** Seeds the stream; the same seed always gives the same sequence. */
void lg_gen_rng_seed(lg_gen_rng *r, uint64_t seed);

/** Next 64 random bits. */
uint64_t lg_gen_rng_next(lg_gen_rng *r);

/** Uniform in [0, n); 0 when n is 0. */
uint64_t lg_gen_rng_below(lg_gen_rng *r, uint64_t n);

/** True with probability permille / 1000 (integer maths: identical on every
 *  platform). */
bool lg_gen_rng_permille(lg_gen_rng *r, unsigned permille);

/** A well-mixed hash of (seed, a, b, c): identifiers derived from it are
 *  stable whatever else the generator draws. */
uint64_t lg_gen_hash(uint64_t seed, uint64_t a, uint64_t b, uint64_t c);

#endif
