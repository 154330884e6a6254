/* processor/factcodec.c - see factcodec.h. */
#include "processor/factcodec.h"

#include <string.h>

static void put_str(lg_wbuf *w, lg_str s) {
    if (!s.p) {
        lg_wbuf_u64(w, 0);
        return;
    }
    lg_wbuf_u64(w, (uint64_t)s.n + 1);
    lg_wbuf_bytes(w, s.p, s.n);
}

static inline lg_str get_str(lg_rbuf *r) {
    uint64_t n = lg_rbuf_u64(r);
    if (r->err || n == 0)
        return LG_STR_NULL;
    n -= 1;
    if (n > r->n - r->off) {
        r->err = true;
        return LG_STR_NULL;
    }
    lg_str s = {(const char *)r->p + r->off, (size_t)n};
    r->off += n;
    return s;
}

int lg_factcodec_encode(const lg_record *rec, lg_wbuf *w) {
    unsigned char head[2] = {LG_FACTCODEC_VERSION, (unsigned char)rec->source};
    lg_wbuf_bytes(w, head, 2);
    lg_wbuf_i64(w, rec->time_ms);
    unsigned char failed = rec->failed;
    lg_wbuf_bytes(w, &failed, 1);
    put_str(w, rec->event_id);
    put_str(w, rec->event_name);
    put_str(w, rec->tenant);
    lg_wbuf_u64(w, rec->nfacts);
    for (size_t i = 0; i < rec->nfacts; i++) {
        const lg_fact *f = &rec->facts[i];
        lg_wbuf_u64(w, (uint64_t)f->type);
        lg_wbuf_u64(w, (uint64_t)f->kind);
        lg_wbuf_u64(w, (uint64_t)f->actor_kind);
        lg_wbuf_u64(w, (uint64_t)f->parent_kind);
        lg_wbuf_i64(w, f->status);
        lg_wbuf_u64(w, f->flag);
        put_str(w, f->subject);
        put_str(w, f->actor);
        put_str(w, f->parent);
        put_str(w, f->object);
        put_str(w, f->detail);
    }
    return w->oom ? -1 : 0;
}

lg_source lg_factcodec_head(const void *buf, size_t len, bool *failed) {
    lg_rbuf r = {buf, len, 2, false};
    *failed = false;
    if (len < 3 || r.p[0] != LG_FACTCODEC_VERSION || r.p[1] >= LG_SRC_COUNT)
        return LG_SRC_NONE;
    lg_rbuf_i64(&r); /* the event time */
    if (r.err || r.off >= r.n)
        return LG_SRC_NONE;
    *failed = r.p[r.off] != 0;
    return (lg_source)r.p[1];
}

int lg_factcodec_decode(const void *buf, size_t len, lg_record *rec) {
    lg_rbuf r = {buf, len, 0, false};
    /* the header is cleared, the facts past nfacts are left alone (every
     * field of the decoded ones is set below): no 1.7 KB memset per record */
    rec->source = LG_SRC_NONE;
    rec->time_ms = 0;
    rec->event_id = rec->event_name = rec->tenant = LG_STR_NULL;
    rec->failed = false;
    rec->nfacts = 0;
    if (len < 3 || r.p[0] != LG_FACTCODEC_VERSION)
        return -1;
    rec->source = (lg_source)r.p[1];
    r.off = 2;
    rec->time_ms = lg_rbuf_i64(&r);
    if (r.off >= r.n)
        return -1;
    rec->failed = r.p[r.off++] != 0;
    rec->event_id = get_str(&r);
    rec->event_name = get_str(&r);
    rec->tenant = get_str(&r);
    uint64_t n = lg_rbuf_u64(&r);
    if (r.err || n > LG_RECORD_MAX_FACTS || (int)rec->source >= LG_SRC_COUNT)
        return -1;
    for (size_t i = 0; i < (size_t)n; i++) {
        lg_fact *f = &rec->facts[i];
        f->type = (lg_fact_type)lg_rbuf_u64(&r);
        f->kind = (lg_node_kind)lg_rbuf_u64(&r);
        f->actor_kind = (lg_node_kind)lg_rbuf_u64(&r);
        f->parent_kind = (lg_node_kind)lg_rbuf_u64(&r);
        f->status = (int)lg_rbuf_i64(&r);
        f->flag = lg_rbuf_u64(&r) != 0;
        f->subject = get_str(&r);
        f->actor = get_str(&r);
        f->parent = get_str(&r);
        f->object = get_str(&r);
        f->detail = get_str(&r);
        if (f->kind >= LG_NODE_KIND_COUNT || f->actor_kind >= LG_NODE_KIND_COUNT ||
            f->parent_kind >= LG_NODE_KIND_COUNT)
            return -1;
        rec->nfacts = i + 1;
    }
    return r.err || r.off != r.n ? -1 : 0;
}
