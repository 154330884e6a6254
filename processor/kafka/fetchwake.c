/*
 * processor/kafka/fetchwake.c - wakes a consumer's fetchers on librdkafka
 * releases without fetch.queue.backoff.ms (see fetchwake.h).
 */
#include "processor/kafka/fetchwake.h"

#include "processor/clock.h"
#include "processor/config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COMP "kafka"

struct lg_fetchwake {
    rd_kafka_t *rk; /* borrowed */
    char *topic;    /* NULL: the assignment */
    int32_t partition;
    int interval_ms;
    size_t min_queued; /* wake only with this many messages queued */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop; /* under mu */
    atomic_uint_fast64_t sent;
};

bool lg_fetchwake_needed(void) {
    return rd_kafka_version() < 0x020300ff;
}

/* The partitions to wake: the fixed one or the assignment; NULL when none. */
static rd_kafka_topic_partition_list_t *wake_list(lg_fetchwake *w) {
    rd_kafka_topic_partition_list_t *l = NULL;
    if (w->topic) {
        l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, w->topic, w->partition);
    } else if (rd_kafka_assignment(w->rk, &l) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return NULL;
    }
    if (l && l->cnt == 0) {
        rd_kafka_topic_partition_list_destroy(l);
        return NULL;
    }
    return l;
}

/* True when w was asked to stop during the wait. */
static bool wait_interval(lg_fetchwake *w) {
    struct timespec dl;
    lg_mono_deadline(&dl, w->interval_ms);
    pthread_mutex_lock(&w->mu);
    while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &dl) == 0)
        ;
    bool stop = w->stop;
    pthread_mutex_unlock(&w->mu);
    return stop;
}

static void *wake_main(void *arg) {
    lg_fetchwake *w = arg;
    pthread_setname_np(pthread_self(), "lg fetchwake");
    /* the queue the application reads: a consumer that keeps up with its
     * input holds little in it, never reaches the prefetch bound and
     * needs no waking (nor any request more on its broker connection) */
    rd_kafka_queue_t *q = w->topic ? rd_kafka_queue_get_partition(w->rk, w->topic, w->partition)
                                   : rd_kafka_queue_get_consumer(w->rk);
    size_t before = 0;
    while (!wait_interval(w)) {
        size_t now = q ? rd_kafka_queue_length(q) : SIZE_MAX;
        bool behind = now >= w->min_queued || before >= w->min_queued;
        before = now;
        if (!behind)
            continue;
        rd_kafka_topic_partition_list_t *l = wake_list(w);
        if (!l)
            continue;
        /* timestamp -1 asks for the latest offset: the answer is not
         * used, the request is what wakes each leader's broker thread */
        for (int i = 0; i < l->cnt; i++)
            l->elems[i].offset = RD_KAFKA_OFFSET_END;
        (void)rd_kafka_offsets_for_times(w->rk, l, 5000);
        atomic_fetch_add(&w->sent, 1);
        rd_kafka_topic_partition_list_destroy(l);
    }
    if (q)
        rd_kafka_queue_destroy(q);
    return NULL;
}

lg_fetchwake *lg_fetchwake_start(rd_kafka_t *consumer, const char *topic, int32_t partition,
                                 int interval_ms, size_t min_queued) {
    if (!lg_fetchwake_needed() || !consumer || interval_ms <= 0)
        return NULL;
    lg_fetchwake *w = calloc(1, sizeof *w);
    if (!w || (topic && !(w->topic = strdup(topic)))) {
        free(w);
        lg_log(LG_LOG_WARN, COMP, "fetch waker: out of memory: the consumer may refetch late");
        return NULL;
    }
    w->rk = consumer;
    w->partition = partition;
    w->interval_ms = interval_ms;
    w->min_queued = min_queued;
    atomic_init(&w->sent, 0);
    pthread_mutex_init(&w->mu, NULL);
    lg_mono_cond_init(&w->cv);
    if (pthread_create(&w->thread, NULL, wake_main, w) != 0) {
        lg_log(LG_LOG_WARN, COMP,
               "fetch waker: cannot start a thread: the consumer may "
               "refetch late");
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w->topic);
        free(w);
        return NULL;
    }
    return w;
}

void lg_fetchwake_stop(lg_fetchwake *w) {
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w->topic);
    free(w);
}

uint64_t lg_fetchwake_count(const lg_fetchwake *w) {
    return w ? atomic_load(&((lg_fetchwake *)w)->sent) : 0;
}
