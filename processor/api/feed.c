/* processor/api/feed.c - see feed.h. */
#include "processor/api/feed.h"
#include "processor/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct slot {
    uint64_t seq;
    char *json;
    size_t len;
} slot;

struct lg_feed {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    slot *ring;
    size_t cap;
    uint64_t last; /* newest seq; slot of seq s is ring[(s - 1) % cap] */
    bool closed;
};

lg_feed *lg_feed_new(size_t cap) {
    lg_feed *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->cap = cap ? cap : 500;
    f->ring = calloc(f->cap, sizeof *f->ring);
    if (!f->ring) {
        free(f);
        return NULL;
    }
    pthread_mutex_init(&f->mu, NULL);
    lg_mono_cond_init(&f->cv);
    return f;
}

void lg_feed_destroy(lg_feed *f) {
    if (!f)
        return;
    for (size_t i = 0; i < f->cap; i++)
        free(f->ring[i].json);
    free(f->ring);
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

uint64_t lg_feed_push(lg_feed *f, const char *json, size_t len) {
    char *copy = malloc(len + 1);
    if (!copy)
        return 0;
    memcpy(copy, json, len);
    copy[len] = '\0';
    pthread_mutex_lock(&f->mu);
    uint64_t seq = ++f->last;
    slot *s = &f->ring[(seq - 1) % f->cap];
    free(s->json);
    *s = (slot){seq, copy, len};
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    return seq;
}

uint64_t lg_feed_last(lg_feed *f) {
    pthread_mutex_lock(&f->mu);
    uint64_t last = f->last;
    pthread_mutex_unlock(&f->mu);
    return last;
}

/* The oldest kept seq; the lock is held. */
static uint64_t oldest(const lg_feed *f) {
    return f->last > f->cap ? f->last - f->cap + 1 : 1;
}

uint64_t lg_feed_since(lg_feed *f, uint64_t since, size_t limit, lg_strbuf *out, size_t *count) {
    *count = 0;
    pthread_mutex_lock(&f->mu);
    uint64_t from = since + 1 > oldest(f) ? since + 1 : oldest(f);
    if (f->last >= from && f->last - from + 1 > limit)
        from = f->last - limit + 1;
    uint64_t got = since;
    for (uint64_t s = from; s <= f->last; s++) {
        const slot *sl = &f->ring[(s - 1) % f->cap];
        if ((*count && lg_strbuf_putc(out, ',') != 0) ||
            lg_strbuf_append(out, sl->json, sl->len) != 0) {
            got = 0;
            break;
        }
        (*count)++;
        got = s;
    }
    pthread_mutex_unlock(&f->mu);
    return got;
}

uint64_t lg_feed_next(lg_feed *f, uint64_t after, lg_strbuf *out) {
    pthread_mutex_lock(&f->mu);
    uint64_t s = after + 1 > oldest(f) ? after + 1 : oldest(f);
    uint64_t got = 0;
    if (s <= f->last) {
        const slot *sl = &f->ring[(s - 1) % f->cap];
        if (lg_strbuf_append(out, sl->json, sl->len) == 0)
            got = s;
    }
    pthread_mutex_unlock(&f->mu);
    return got;
}

int lg_feed_wait(lg_feed *f, uint64_t after, int timeout_ms) {
    struct timespec dl;
    lg_mono_deadline(&dl, timeout_ms);
    int rc = 0;
    pthread_mutex_lock(&f->mu);
    for (;;) {
        if (f->closed) {
            rc = -1;
            break;
        }
        if (f->last > after) {
            rc = 1;
            break;
        }
        if (pthread_cond_timedwait(&f->cv, &f->mu, &dl) == ETIMEDOUT) {
            rc = f->closed ? -1 : f->last > after ? 1 : 0;
            break;
        }
    }
    pthread_mutex_unlock(&f->mu);
    return rc;
}

void lg_feed_close(lg_feed *f) {
    pthread_mutex_lock(&f->mu);
    f->closed = true;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
}
