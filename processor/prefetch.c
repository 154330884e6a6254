/* processor/prefetch.c - see prefetch.h. */
#include "processor/prefetch.h"

#include "processor/factcodec.h"
#include "processor/sources/reader.h"
#include "processor/sources/source.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Entries: a tag, then
 *   TAG_RECORD:              varint length, the record's factcodec bytes;
 *   TAG_BAD / TAG_OVERSIZED: zigzag line, then the reason and the raw
 *                            bytes, each as a varint length and bytes. */
enum { TAG_RECORD = 1, TAG_BAD = 2, TAG_OVERSIZED = 3 };

#define OVERSIZED_RAW 1024 /* bytes of an oversized message dead-lettered */

struct lg_prefetch {
    lg_prefetch_opts o;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;         /* a chunk became ready, or free, or stop was asked */
    lg_prefetch_chunk **ready; /* FIFO ring of parsed chunks */
    size_t rhead, nready;
    lg_prefetch_chunk **spare; /* chunks to fill */
    size_t nspare;
    size_t nchunks; /* depth + 2: filled, in the driver's hands, ready */
    lg_prefetch_chunk *all;
    atomic_bool stop; /* read by the thread between messages */
    bool done;
    /* the reading side's own (the thread's, or the driver's without one) */
    lg_source_ctx *src;
    lg_prefetch_chunk *cur; /* being filled */
    lg_wbuf scratch;
    size_t input; /* the input being read */
    lg_reader *rd;
    int64_t line;
};

static void put_bad(lg_wbuf *w, int tag, int64_t line, const char *reason, const char *raw,
                    size_t rawlen) {
    lg_wbuf_u64(w, (uint64_t)tag);
    lg_wbuf_i64(w, line);
    lg_wbuf_u64(w, strlen(reason));
    lg_wbuf_bytes(w, reason, strlen(reason));
    lg_wbuf_u64(w, rawlen);
    lg_wbuf_bytes(w, raw, rawlen);
}

static int file_record(void *opaque, const lg_record *rec, const char *raw, size_t rawlen) {
    lg_prefetch *p = opaque;
    (void)raw, (void)rawlen;
    lg_wbuf_reset(&p->scratch);
    if (lg_factcodec_encode(rec, &p->scratch) < 0)
        return -1;
    lg_wbuf_u64(&p->cur->buf, TAG_RECORD);
    lg_wbuf_u64(&p->cur->buf, p->scratch.n);
    lg_wbuf_bytes(&p->cur->buf, p->scratch.p, p->scratch.n);
    return p->cur->buf.oom ? -1 : 0;
}

static int file_bad(void *opaque, const char *raw, size_t rawlen, const char *reason) {
    lg_prefetch *p = opaque;
    put_bad(&p->cur->buf, TAG_BAD, p->line, reason, raw, rawlen);
    return p->cur->buf.oom ? -1 : 0;
}

static void chunk_begin(lg_prefetch_chunk *c, size_t input) {
    lg_wbuf_reset(&c->buf);
    c->buf.oom = false;
    c->input = input;
    c->line = 0;
    c->messages = 0;
    c->end_of_input = c->last = false;
    c->err[0] = '\0';
}

static bool running(const lg_prefetch *p) {
    return *p->o.running && !atomic_load(&p->stop);
}

/* Fills c from where the previous chunk ended: up to batch_max messages of
 * the current input, or the rest of it. Sets c->last when nothing follows
 * (every input read, stopped, or failed). */
static void fill(lg_prefetch *p, lg_prefetch_chunk *c) {
    p->cur = c;
    chunk_begin(c, p->input);
    c->line = p->line;
    if (p->input >= p->o.ninputs) {
        c->last = true;
        return;
    }
    const lg_replay_input *in = &p->o.inputs[p->input];
    if (!p->rd) {
        p->line = c->line = 0;
        if (!(p->rd = lg_reader_open(in->path, c->err, sizeof c->err))) {
            c->last = true;
            return;
        }
    }
    const char *msg;
    size_t len;
    int g = 1; /* stays 1 when stopped before the next read */
    while (running(p) &&
           (g = lg_reader_next(p->rd, &msg, &len, &p->line, c->err, sizeof c->err)) > 0) {
        c->line = p->line;
        c->messages++;
        if ((int64_t)len > p->o.input_max_bytes) {
            char reason[128];
            snprintf(reason, sizeof reason,
                     "message of %zu bytes exceeds input.max.bytes (%" PRId64 ")", len,
                     p->o.input_max_bytes);
            put_bad(&c->buf, TAG_OVERSIZED, p->line, reason, msg,
                    len < OVERSIZED_RAW ? len : OVERSIZED_RAW);
        } else {
            lg_source_parse(p->src, in->src, msg, len, file_record, file_bad, p);
        }
        if (c->buf.oom || p->scratch.oom) { /* the parse stopped short: fail */
            snprintf(c->err, sizeof c->err, "prefetch: out of memory");
            g = -1;
            break;
        }
        if (c->messages >= p->o.batch_max)
            return; /* the input goes on in the next chunk */
    }
    if (g < 0 && !running(p)) { /* a read interrupted by the signal that stops us */
        c->err[0] = '\0';
        g = 1;
    }
    lg_reader_close(p->rd);
    p->rd = NULL;
    c->end_of_input = g == 0;
    if (c->end_of_input && running(p))
        p->input++;
    c->last = !c->end_of_input || !running(p) || p->input == p->o.ninputs;
}

/* Queues a filled chunk for the driver and takes a spare one (waiting for
 * it); NULL after the last chunk or when asked to stop. */
static lg_prefetch_chunk *publish(lg_prefetch *p, lg_prefetch_chunk *c) {
    pthread_mutex_lock(&p->mu);
    p->ready[(p->rhead + p->nready) % p->nchunks] = c;
    p->nready++;
    if (c->last)
        p->done = true;
    pthread_cond_broadcast(&p->cv);
    while (!c->last && !p->stop && !p->nspare)
        pthread_cond_wait(&p->cv, &p->mu);
    lg_prefetch_chunk *next = !c->last && !p->stop ? p->spare[--p->nspare] : NULL;
    pthread_mutex_unlock(&p->mu);
    return next;
}

static void *prefetch_main(void *arg) {
    lg_prefetch *p = arg;
    pthread_setname_np(pthread_self(), "lg prefetch");
    pthread_mutex_lock(&p->mu);
    lg_prefetch_chunk *c = p->spare[--p->nspare];
    pthread_mutex_unlock(&p->mu);
    do
        fill(p, c);
    while ((c = publish(p, c)) != NULL);
    return NULL;
}

lg_prefetch *lg_prefetch_start(const lg_prefetch_opts *o, char *errstr, size_t errstr_size) {
    lg_prefetch *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(errstr, errstr_size, "prefetch: out of memory");
        return NULL;
    }
    p->o = *o;
    if (!p->o.depth)
        p->o.depth = 2;
    if (!p->o.batch_max)
        p->o.batch_max = 1;
    p->nchunks = p->o.depth + 2;
    p->all = calloc(p->nchunks, sizeof *p->all);
    p->ready = calloc(p->nchunks, sizeof *p->ready);
    p->spare = calloc(p->nchunks, sizeof *p->spare);
    p->src = lg_source_ctx_new();
    if (!p->all || !p->ready || !p->spare || !p->src) {
        snprintf(errstr, errstr_size, "prefetch: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < p->nchunks; i++)
        p->spare[p->nspare++] = &p->all[i];
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (p->o.threaded && pthread_create(&p->thread, NULL, prefetch_main, p) != 0)
        p->o.threaded = false; /* no thread to spare: read when asked, as without one */
    return p;
fail:
    lg_source_ctx_destroy(p->src);
    free(p->all);
    free(p->ready);
    free(p->spare);
    free(p);
    return NULL;
}

lg_prefetch_chunk *lg_prefetch_next(lg_prefetch *p) {
    if (!p->o.threaded) { /* read on the caller's thread */
        if (p->done || !p->nspare)
            return NULL;
        lg_prefetch_chunk *c = p->spare[--p->nspare];
        fill(p, c);
        p->done = c->last;
        return c;
    }
    pthread_mutex_lock(&p->mu);
    while (!p->nready && !p->done && !p->stop)
        pthread_cond_wait(&p->cv, &p->mu);
    lg_prefetch_chunk *c = NULL;
    if (p->nready && !p->stop) {
        c = p->ready[p->rhead];
        p->rhead = (p->rhead + 1) % p->nchunks;
        p->nready--;
    }
    pthread_mutex_unlock(&p->mu);
    return c;
}

void lg_prefetch_release(lg_prefetch *p, lg_prefetch_chunk *c) {
    pthread_mutex_lock(&p->mu);
    p->spare[p->nspare++] = c;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static lg_str get_bytes(lg_rbuf *r) {
    uint64_t n = lg_rbuf_u64(r);
    if (r->err || n > r->n - r->off) {
        r->err = true;
        return LG_STR_NULL;
    }
    lg_str s = {(const char *)r->p + r->off, (size_t)n};
    r->off += n;
    return s;
}

int lg_prefetch_each(const lg_prefetch_chunk *c, int (*on_record)(void *opaque, const lg_record *r),
                     int (*on_bad)(void *opaque, const lg_prefetch_bad *b), void *opaque) {
    lg_rbuf r = {(const unsigned char *)c->buf.p, c->buf.n, 0, false};
    lg_record rec;
    while (r.off < r.n) {
        uint64_t tag = lg_rbuf_u64(&r);
        int rc;
        if (tag == TAG_RECORD) {
            lg_str b = get_bytes(&r);
            if (r.err || lg_factcodec_decode(b.p, b.n, &rec) < 0)
                return -1;
            rc = on_record(opaque, &rec);
        } else if (tag == TAG_BAD || tag == TAG_OVERSIZED) {
            lg_prefetch_bad bad = {.line = lg_rbuf_i64(&r), .oversized = tag == TAG_OVERSIZED};
            lg_str why = get_bytes(&r), raw = get_bytes(&r);
            if (r.err)
                return -1;
            char reason[512]; /* the callback gets a C string */
            snprintf(reason, sizeof reason, "%.*s", (int)why.n, why.p);
            bad.reason = reason;
            bad.raw = raw.p;
            bad.rawlen = raw.n;
            rc = on_bad(opaque, &bad);
        } else {
            return -1;
        }
        if (rc)
            return rc;
    }
    return r.err ? -1 : 0;
}

void lg_prefetch_stop(lg_prefetch *p) {
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, true);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (p->o.threaded)
        pthread_join(p->thread, NULL);
    pthread_cond_destroy(&p->cv);
    lg_reader_close(p->rd);
    pthread_mutex_destroy(&p->mu);
    for (size_t i = 0; i < p->nchunks; i++)
        lg_wbuf_free(&p->all[i].buf);
    lg_wbuf_free(&p->scratch);
    lg_source_ctx_destroy(p->src);
    free(p->all);
    free(p->ready);
    free(p->spare);
    free(p);
}
