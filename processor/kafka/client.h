/*
 * processor/kafka/client.h - librdkafka client configuration from lineaged's
 * configuration: bootstrap servers plus every rdkafka.* passthrough key.
 *
 * Ownership: returns a conf the caller owns (rd_kafka_new() takes it over on
 * success; otherwise rd_kafka_conf_destroy()).
 */
#ifndef LG_PROCESSOR_KAFKA_CLIENT_H
#define LG_PROCESSOR_KAFKA_CLIENT_H

#include "processor/config.h"

#include <librdkafka/rdkafka.h>

/** bootstrap.servers = bootstrap, log_level warning, then c's rdkafka.*
 *  keys (c may be NULL). Returns NULL with errstr on a bad property. */
rd_kafka_conf_t *lg_kafka_client_conf(const lg_config *c, const char *bootstrap, char *errstr,
                                      size_t errstr_size);

/** The same for a consumer, with lineaged's consumer defaults set first so
 *  rdkafka.* keys override them: fetch responses bounded to
 *  LG_KAFKA_FETCH_BYTES, a broker-side fetch wait of
 *  LG_KAFKA_FETCH_WAIT_MS (the latency a quiet topic adds) and, when
 *  queue_kbytes is not NULL, a prefetch queue (queued.max.messages.kbytes)
 *  of that many KiB instead of librdkafka's 64 MiB. librdkafka stops
 *  fetching while the queue is full; from 2.3.0 it looks again after
 *  fetch.queue.backoff.ms, set here to LG_KAFKA_QUEUE_BACKOFF_MS, and before
 *  it only up to a second later unless woken (processor/kafka/fetchwake.h:
 *  every consumer of `lineaged run` has a waker). */
rd_kafka_conf_t *lg_kafka_consumer_conf(const lg_config *c, const char *bootstrap,
                                        const char *queue_kbytes, char *errstr, size_t errstr_size);

/** fetch.max.bytes of lineaged's consumers (librdkafka's default is
 *  50 MiB). librdkafka looks at the prefetch queue's size only before it
 *  sends a fetch, and decompresses the whole response into the queue when
 *  it arrives, so a full queue can grow by a response's bytes times the
 *  topic's compression ratio (librdkafka issues 2076 and 2853). The bench's
 *  lz4 CloudTrail topics compress about 6:1: with 8 MiB fetches a 16 MiB
 *  queue held up to about 60 MB more, and building 1M NHIs through one stage
 *  peaked at 273-300 MB RSS; with 2 MiB, at 243-248 MB. The cost: one
 *  stage's throughput run fell from a median of 85,438 to 75,964 events/s
 *  (ranges overlapping; docs/performance.md). rdkafka.fetch.max.bytes
 *  overrides it where memory is not bounded. */
#define LG_KAFKA_FETCH_BYTES "2097152"
#define LG_KAFKA_FETCH_WAIT_MS "100"
/** fetch.queue.backoff.ms where librdkafka has it (LG_FETCHWAKE_INTERVAL_MS). */
#define LG_KAFKA_QUEUE_BACKOFF_MS "50"
/** The prefetch queue of the stages' consumers (input and facts; the
 *  changelog restore keeps librdkafka's 64 MiB): 16 MiB is about 11,000
 *  CloudTrail records or 40,000 facts, several of the waker's intervals
 *  (LG_FETCHWAKE_INTERVAL_MS) of a stage's work, so the queue refills
 *  before it runs dry. Measured with `processing.stages = 1` on the bench's
 *  corpora: the same rate as with 64 MiB (90,635 against 84,180-95,557
 *  events/s) and 50 MB less peak RSS. */
#define LG_KAFKA_QUEUE_KBYTES "16384"

#endif
