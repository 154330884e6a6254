/*
 * processor/kafka/demo.h - the bundled demo for `lineaged run --demo`: a
 * small company's events (deploy/demo/<source>.jsonl) produced into the
 * input topics, and a reader of the derived topic that prints each derived
 * event for people and records which types were seen.
 *
 * Ownership: lg_demo_watch_new() returns a watcher the caller frees with
 * lg_demo_watch_destroy(). Strings passed in are borrowed for the call.
 */
#ifndef LG_PROCESSOR_KAFKA_DEMO_H
#define LG_PROCESSOR_KAFKA_DEMO_H

#include "processor/config.h"
#include "sinks/derived.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** Finds the demo data directory: hint if given, else ./deploy/demo, the
 *  source tree's deploy/demo, or ../deploy/demo next to the binary. Writes
 *  it into out and returns 0, or -1 with errstr listing where it looked. */
int lg_demo_locate(const char *hint, char *out, size_t out_size, char *errstr, size_t errstr_size);

/** Produces every non-blank line of DIR/<source>.jsonl, for each source,
 *  to that source's input topic (c->topics_*) at bootstrap, and waits for
 *  delivery. *produced gets the number of messages. Returns 0 or -1. */
int lg_demo_produce(const lg_config *c, const char *bootstrap, const char *dir, int64_t *produced,
                    char *errstr, size_t errstr_size);

typedef struct lg_demo_watch lg_demo_watch;

/** Reads topic (JSON-encoded derived events) from the beginning. */
lg_demo_watch *lg_demo_watch_new(const char *bootstrap, const char *topic, char *errstr,
                                 size_t errstr_size);

/** Polls for up to timeout_ms; prints each new derived event as one line
 *  to out (when not NULL). Returns the number of events read. */
int lg_demo_watch_poll(lg_demo_watch *w, FILE *out, int timeout_ms);

/** Number of derived events of type t read so far. */
int64_t lg_demo_watch_seen(const lg_demo_watch *w, lg_derived_type t);

/** NULL is a no-op. */
void lg_demo_watch_destroy(lg_demo_watch *w);

#endif
