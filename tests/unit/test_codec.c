/*
 * tests/unit/test_codec.c - the byte codecs every record passes through:
 * varints across their byte boundaries (the inline one-byte path and the
 * longer ones), writes that grow an empty buffer, short and overlong input;
 * the facts codec's round trip into a record that held other bytes (only
 * the decoded facts are set); and the in-memory hash, whose last partial
 * word must count every byte of keys of every length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include "processor/factcodec.h"
#include "state/bset.h"
#include "state/codec.h"

#include <stdlib.h>
#include <string.h>

static const uint64_t u64s[] = {0,         1,       127,     128,        255,        16383,
                                16384,     2097151, 2097152, UINT32_MAX, 1ULL << 56, UINT64_MAX - 1,
                                UINT64_MAX};
static const int64_t i64s[] = {0, 1, -1, 63, -64, 64, -65, INT64_MAX, INT64_MIN, 1733600000000LL};

/* Each value reads back from a buffer that started empty, in the fewest
 * bytes: one below 128, one more per 7 bits, ten for the top bit. */
static void test_varints(void **state) {
    (void)state;
    lg_wbuf w = {0};
    size_t nu = sizeof u64s / sizeof *u64s, ni = sizeof i64s / sizeof *i64s;
    size_t want = 0;
    for (size_t i = 0; i < nu; i++) {
        lg_wbuf_u64(&w, u64s[i]);
        size_t bytes = 1;
        for (uint64_t v = u64s[i]; v >= 0x80; v >>= 7)
            bytes++;
        want += bytes;
        assert_int_equal(w.n, want);
    }
    for (size_t i = 0; i < ni; i++)
        lg_wbuf_i64(&w, i64s[i]);
    for (int i = 0; i < 300; i++) /* past the first allocation */
        lg_wbuf_bytes(&w, "x", 1);
    assert_false(w.oom);
    lg_rbuf r = {(const unsigned char *)w.p, w.n, 0, false};
    for (size_t i = 0; i < nu; i++)
        assert_true(lg_rbuf_u64(&r) == u64s[i]);
    for (size_t i = 0; i < ni; i++)
        assert_true(lg_rbuf_i64(&r) == i64s[i]);
    assert_false(r.err);
    assert_int_equal(r.n - r.off, 300);
    lg_wbuf_free(&w);
}

/* A read past the end, or a varint cut short or longer than ten bytes,
 * sets err and gives 0. */
static void test_short_and_overlong_input(void **state) {
    (void)state;
    lg_rbuf empty = {(const unsigned char *)"", 0, 0, false};
    assert_true(lg_rbuf_u64(&empty) == 0);
    assert_true(empty.err);
    static const unsigned char cut[] = {0x80, 0x81};
    lg_rbuf r = {cut, sizeof cut, 0, false};
    assert_true(lg_rbuf_u64(&r) == 0);
    assert_true(r.err);
    unsigned char longer[11];
    memset(longer, 0xff, sizeof longer);
    lg_rbuf o = {longer, sizeof longer, 0, false};
    assert_true(lg_rbuf_u64(&o) == 0);
    assert_true(o.err);
    static const unsigned char last[] = {0x81, 0x01, 0x05}; /* 129, then 5 */
    lg_rbuf l = {last, sizeof last, 0, false};
    assert_true(lg_rbuf_u64(&l) == 129);
    assert_true(lg_rbuf_u64(&l) == 5);
    assert_false(l.err);
    assert_true(lg_rbuf_u64(&l) == 0);
    assert_true(l.err);
}

static void assert_str(lg_str a, lg_str b) {
    assert_true((a.p == NULL) == (b.p == NULL));
    assert_int_equal(a.n, b.n);
    if (a.n)
        assert_memory_equal(a.p, b.p, a.n);
}

/* A record with absent, empty and binary strings and three facts decodes
 * into a record full of other bytes as it was; the facts after the third
 * keep those bytes; a truncated encoding is refused. */
static void test_factcodec_round_trip(void **state) {
    (void)state;
    lg_record in;
    memset(&in, 0, sizeof in);
    in.source = LG_SRC_CLOUDTRAIL;
    in.event_id = (lg_str){"e-1", 3};
    in.time_ms = -5;
    in.event_name = (lg_str){"", 0}; /* empty, not absent */
    in.tenant = LG_STR_NULL;
    in.failed = true;
    in.nfacts = 3;
    for (size_t i = 0; i < 3; i++) {
        lg_fact *f = &in.facts[i];
        f->type = i == 0 ? LG_FACT_USED : LG_FACT_SESSION;
        f->kind = LG_NODE_ACCESS_KEY;
        f->actor_kind = LG_NODE_IAM_USER;
        f->parent_kind = LG_NODE_IAM_ROLE;
        f->subject = (lg_str){"AKIA\0zero", 9}; /* any bytes */
        f->actor = i == 1 ? LG_STR_NULL : (lg_str){"arn:aws:iam::1:user/a", 21};
        f->parent = (lg_str){"r", 1};
        f->object = LG_STR_NULL;
        f->detail = (lg_str){"GetObject", 9};
        f->status = (int)i - 1;
        f->flag = i == 2;
    }
    lg_wbuf w = {0};
    assert_int_equal(lg_factcodec_encode(&in, &w), 0);
    lg_record *out = malloc(sizeof *out);
    assert_non_null(out);
    memset(out, 0xab, sizeof *out);
    assert_int_equal(lg_factcodec_decode(w.p, w.n, out), 0);
    assert_int_equal(out->source, in.source);
    assert_true(out->time_ms == in.time_ms);
    assert_true(out->failed);
    assert_str(out->event_id, in.event_id);
    assert_str(out->event_name, in.event_name);
    assert_str(out->tenant, in.tenant);
    assert_int_equal(out->nfacts, 3);
    for (size_t i = 0; i < 3; i++) {
        const lg_fact *a = &out->facts[i], *b = &in.facts[i];
        assert_int_equal(a->type, b->type);
        assert_int_equal(a->kind, b->kind);
        assert_int_equal(a->actor_kind, b->actor_kind);
        assert_int_equal(a->parent_kind, b->parent_kind);
        assert_int_equal(a->status, b->status);
        assert_int_equal(a->flag, b->flag);
        assert_str(a->subject, b->subject);
        assert_str(a->actor, b->actor);
        assert_str(a->parent, b->parent);
        assert_str(a->object, b->object);
        assert_str(a->detail, b->detail);
    }
    /* the header alone: source and failed, whatever the time's length */
    bool failed = false;
    assert_int_equal(lg_factcodec_head(w.p, w.n, &failed), LG_SRC_CLOUDTRAIL);
    assert_true(failed);
    lg_wbuf w2 = {0};
    in.source = LG_SRC_OKTA;
    in.failed = false;
    in.time_ms = INT64_MAX; /* the longest varint */
    assert_int_equal(lg_factcodec_encode(&in, &w2), 0);
    assert_int_equal(lg_factcodec_head(w2.p, w2.n, &failed), LG_SRC_OKTA);
    assert_false(failed);
    for (size_t cut = 0; cut < 13; cut++) { /* version, source, 10-byte time: failed is byte 12 */
        failed = true;
        assert_int_equal(lg_factcodec_head(w2.p, cut, &failed), LG_SRC_NONE);
        assert_false(failed);
    }
    lg_wbuf_free(&w2);
    unsigned char untouched[sizeof(lg_fact)];
    memset(untouched, 0xab, sizeof untouched);
    assert_memory_equal(&out->facts[3], untouched, sizeof untouched);
    for (size_t cut = 0; cut < w.n; cut++) /* every prefix is refused */
        assert_int_equal(lg_factcodec_decode(w.p, cut, out), -1);
    free(out);
    lg_wbuf_free(&w);
}

/* Keys of 1 to 40 bytes: changing any one byte, the last partial word's
 * included, changes the hash; so does the length alone. */
static void test_hash_counts_every_byte(void **state) {
    (void)state;
    unsigned char k[40];
    for (size_t i = 0; i < sizeof k; i++)
        k[i] = (unsigned char)(i * 37 + 11);
    for (size_t n = 1; n <= sizeof k; n++) {
        uint64_t h = lg_bset_hash(k, n);
        assert_true(h != 0);
        assert_true(h != lg_bset_hash(k, n - 1));
        for (size_t i = 0; i < n; i++) {
            k[i] ^= 0x40;
            assert_true(lg_bset_hash(k, n) != h);
            k[i] ^= 0x40;
        }
        assert_true(lg_bset_hash(k, n) == h);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varints),
        cmocka_unit_test(test_short_and_overlong_input),
        cmocka_unit_test(test_factcodec_round_trip),
        cmocka_unit_test(test_hash_counts_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
