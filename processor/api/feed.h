/*
 * processor/api/feed.h - the live feed of derived events behind
 * /api/events and /api/events/stream: a bounded ring of JSON-encoded events
 * with increasing sequence numbers (1, 2, ...), and waiting for new ones.
 *
 * Thread-safe. Ownership: lg_feed_new() returns a feed the caller owns and
 * frees with lg_feed_destroy() once no thread uses it; pushed text is
 * copied; functions filling an lg_strbuf append to the caller's buffer.
 */
#ifndef LG_PROCESSOR_API_FEED_H
#define LG_PROCESSOR_API_FEED_H

#include "sinks/strbuf.h"

#include <stddef.h>
#include <stdint.h>

typedef struct lg_feed lg_feed;

/** A feed keeping the last cap events (0 = 500). NULL on ENOMEM. */
lg_feed *lg_feed_new(size_t cap);

/** Frees the feed. NULL is a no-op. */
void lg_feed_destroy(lg_feed *f);

/** Appends one event (a JSON object, copied). Returns its sequence number,
 *  or 0 on ENOMEM. Wakes the waiters. */
uint64_t lg_feed_push(lg_feed *f, const char *json, size_t len);

/** The sequence number of the newest event (0 when none). */
uint64_t lg_feed_last(lg_feed *f);

/** Appends the events newer than since (oldest first, at most limit; the
 *  newest ones when more are kept) as comma-separated JSON objects; *count
 *  gets how many. Returns the sequence number of the last one appended (or
 *  since when none), or 0 on ENOMEM. */
uint64_t lg_feed_since(lg_feed *f, uint64_t since, size_t limit, lg_strbuf *out, size_t *count);

/** Appends the first kept event newer than after; returns its sequence
 *  number, or 0 when there is none. */
uint64_t lg_feed_next(lg_feed *f, uint64_t after, lg_strbuf *out);

/** Waits until an event newer than after exists (1), timeout_ms passes (0)
 *  or the feed is closed (-1). */
int lg_feed_wait(lg_feed *f, uint64_t after, int timeout_ms);

/** Marks the feed closed and wakes every waiter (streams then end). */
void lg_feed_close(lg_feed *f);

#endif
