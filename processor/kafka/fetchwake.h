/*
 * processor/kafka/fetchwake.h - keeps a consumer's prefetch queue refilling
 * on librdkafka releases before 2.3.0.
 *
 * librdkafka stops fetching a partition while the consumer's prefetch queue
 * is over queued.max.messages.kbytes or queued.min.messages, and decides
 * again only when the partition leader's broker thread wakes: on an op, on
 * I/O, or after a second. Releases from 2.3.0 bound that wait with
 * fetch.queue.backoff.ms; earlier ones (Debian 12 ships 2.0.2) do not, so a
 * consumer that drains its queue in less than a second starves for the rest
 * of it (measured: `lineaged run` refetched at whole seconds with its 64 MiB
 * input queue empty, and ran at about the rate that one queue per second
 * allows). While the consumer is behind (its local queue holds many
 * messages, now or at the previous look), a waker asks the leaders of its
 * partitions for their latest offsets every interval
 * (rd_kafka_offsets_for_times: one small ListOffsets request per broker),
 * which wakes each broker thread, and the queue refills within an interval
 * of falling under its bound. A consumer that keeps up is left alone.
 *
 * Ownership: a waker borrows its consumer; stop it before the consumer is
 * closed or destroyed. Strings passed in are copied.
 */
#ifndef LG_PROCESSOR_KAFKA_FETCHWAKE_H
#define LG_PROCESSOR_KAFKA_FETCHWAKE_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** How often a waker looks and wakes the fetchers; equal to the
 *  fetch.queue.backoff.ms lg_kafka_consumer_conf sets on librdkafka
 *  releases that have it (processor/config.c's table; test_kafka_client
 *  checks they agree). */
#define LG_FETCHWAKE_INTERVAL_MS 50
/** The messages a consumer's queue holds when it is behind: far more than
 *  a batch of a stage that keeps up (a few hundred), less than a full
 *  prefetch queue (queued.max.messages.kbytes, 16 MiB: about 11,000 CloudTrail
 *  records or 40,000 facts). */
#define LG_FETCHWAKE_MIN_QUEUED 5000

typedef struct lg_fetchwake lg_fetchwake;

/** Whether the librdkafka in use needs a waker (older than 2.3.0, without
 *  fetch.queue.backoff.ms). */
bool lg_fetchwake_needed(void);

/** Starts a thread that wakes consumer's fetchers every interval_ms while
 *  the consumer's queue holds at least min_queued messages (or did at the
 *  previous look): those of topic's partition `partition` (a simple
 *  consumer's, started with rd_kafka_consume_start, whose partition queue
 *  is the one looked at), or with topic NULL those of the consumer's
 *  current assignment (the consumer queue of rd_kafka_poll_set_consumer).
 *  Returns NULL when no waker is needed
 *  (lg_fetchwake_needed) or none could be started (the consumer then works
 *  as before, only slower: logged). */
lg_fetchwake *lg_fetchwake_start(rd_kafka_t *consumer, const char *topic, int32_t partition,
                                 int interval_ms, size_t min_queued);

/** Stops and frees w (NULL: nothing); returns once its thread has ended. */
void lg_fetchwake_stop(lg_fetchwake *w);

/** How many wake requests w has sent (for tests). */
uint64_t lg_fetchwake_count(const lg_fetchwake *w);

#endif
