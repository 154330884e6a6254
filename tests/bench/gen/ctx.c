/* tests/bench/gen/ctx.c - see ctx.h. */
#include "tests/bench/gen/ctx.h"

#include <time.h>

void lg_gen_put_time(lg_gen_buf *b, int64_t t_ms, bool ms) {
    time_t s = (time_t)(t_ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    if (ms)
        lg_gen_buf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                          tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                          (int)(t_ms % 1000));
    else
        lg_gen_buf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                          tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void lg_gen_put_uuid(lg_gen_ctx *c) {
    static const char hex[] = "0123456789abcdef";
    uint64_t a = lg_gen_rng_next(c->rng), b = lg_gen_rng_next(c->rng);
    char u[36];
    for (int i = 0, k = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            u[i] = '-';
            continue;
        }
        uint64_t *src = k < 16 ? &a : &b;
        u[i] = hex[*src & 15];
        *src >>= 4;
        k++;
    }
    u[14] = '4';
    lg_gen_buf_put(c->rec, u, 36);
}

void lg_gen_put_ip(lg_gen_buf *b, uint64_t key) {
    uint64_t x = lg_gen_hash(key, 0x1b, 0, 0);
    static const unsigned firsts[] = {3, 18, 34, 35, 44, 52, 54, 63, 81, 98, 104, 147, 185, 203};
    lg_gen_buf_printf(b, "%u.%u.%u.%u", firsts[x % 14], (unsigned)(x >> 8) & 255,
                      (unsigned)(x >> 16) & 255, 1 + (unsigned)((x >> 24) % 254));
}

void lg_gen_put_chars(lg_gen_ctx *c, const char *alphabet, size_t n) {
    char tmp[256];
    while (n) {
        size_t k = n < 64 ? n : 64;
        lg_gen_chars(lg_gen_rng_next(c->rng), alphabet, tmp, k);
        lg_gen_buf_put(c->rec, tmp, k);
        n -= k;
    }
}
