/* tests/bench/gen/rng.c - see rng.h. */
#include "tests/bench/gen/rng.h"

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

void lg_gen_rng_seed(lg_gen_rng *r, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

uint64_t lg_gen_rng_next(lg_gen_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t lg_gen_rng_below(lg_gen_rng *r, uint64_t n) {
    if (n == 0)
        return 0;
    /* 128-bit multiply-shift: unbiased enough for a load generator */
    return (uint64_t)(((unsigned __int128)lg_gen_rng_next(r) * n) >> 64);
}

bool lg_gen_rng_permille(lg_gen_rng *r, unsigned permille) {
    return lg_gen_rng_below(r, 1000) < permille;
}

uint64_t lg_gen_hash(uint64_t seed, uint64_t a, uint64_t b, uint64_t c) {
    uint64_t x = seed ^ 0x2545f4914f6cdd1dULL;
    uint64_t h = splitmix64(&x);
    x ^= a * 0x9e3779b97f4a7c15ULL;
    h ^= splitmix64(&x);
    x ^= b * 0xc2b2ae3d27d4eb4fULL;
    h ^= splitmix64(&x);
    x ^= c * 0x165667b19e3779f9ULL;
    h ^= splitmix64(&x);
    return h;
}
