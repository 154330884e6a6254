/*
 * processor/prefetch.h - `lineaged replay`'s reading and parsing, ahead of
 * the graph, on a thread of its own.
 *
 * The thread reads the inputs one after the other (processor/sources/
 * reader.h), parses each message with the source parsers and files what
 * they give into chunks: each usable event as its facts (the binary form
 * of processor/factcodec.h, the one the Kafka path's facts topic carries),
 * each unusable event or oversized message as a dead letter with its reason
 * and original bytes. A chunk holds up to batch_max messages of one input,
 * so that the driver commits after each chunk exactly where it committed
 * when it parsed inline: the batches, their positions and so the derived
 * events do not change. Up to `depth` chunks wait parsed; the thread then
 * waits for the driver. Without a thread (opts.threaded false) the same
 * chunks are read when the driver asks for them.
 *
 * Ownership: lg_prefetch_start() borrows the options (inputs, running)
 * until lg_prefetch_stop(), which joins the thread and frees everything. A
 * chunk returned by lg_prefetch_next() is borrowed until
 * lg_prefetch_release(); the slices lg_prefetch_each() hands out are valid
 * during the callback only. One driver thread calls next/release/stop.
 */
#ifndef LG_PROCESSOR_PREFETCH_H
#define LG_PROCESSOR_PREFETCH_H

#include "processor/replay.h"
#include "state/codec.h"
#include "state/fact.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lg_prefetch lg_prefetch;

typedef struct lg_prefetch_opts {
    const lg_replay_input *inputs; /* read in this order */
    size_t ninputs;
    size_t batch_max;               /* messages per chunk (>= 1) */
    int64_t input_max_bytes;        /* larger messages are dead letters */
    size_t depth;                   /* chunks parsed ahead (0 = 2) */
    bool threaded;                  /* false: lg_prefetch_next reads the next
                                       chunk on the caller's thread (inputs that
                                       can block, such as a pipe, so that a
                                       signal interrupts the read) */
    volatile sig_atomic_t *running; /* cleared: the chunk in progress is the last */
} lg_prefetch_opts;

typedef struct lg_prefetch_chunk {
    size_t input;      /* index into opts.inputs */
    int64_t line;      /* line of the last message read (the commit position) */
    size_t messages;   /* messages read into this chunk */
    bool end_of_input; /* the last chunk of its input */
    bool last;         /* nothing follows: every input read, stopped or failed */
    char err[512];     /* non-empty: reading failed here (the chunk's entries
                          before the failure are valid) */
    lg_wbuf buf;       /* the entries (private encoding) */
} lg_prefetch_chunk;

/** A dead letter filed by the thread: the reason, the line of the message
 *  it came from, its original bytes (for an oversized message, the first
 *  1024) and whether it was an oversized message (the driver warns). */
typedef struct lg_prefetch_bad {
    const char *reason;
    int64_t line;
    const char *raw;
    size_t rawlen;
    bool oversized;
} lg_prefetch_bad;

/** Starts the thread (opts.threaded; when none can be created, the chunks
 *  are read on the caller's thread instead). Returns NULL and fills errstr
 *  on ENOMEM. */
lg_prefetch *lg_prefetch_start(const lg_prefetch_opts *o, char *errstr, size_t errstr_size);

/** The next chunk, in input order, waiting for it; NULL after the chunk
 *  marked last (or on lg_prefetch_stop). */
lg_prefetch_chunk *lg_prefetch_next(lg_prefetch *p);

/** Gives a chunk back to the thread for reuse. */
void lg_prefetch_release(lg_prefetch *p, lg_prefetch_chunk *c);

/** Calls on_record for each usable event (decoded into a record whose
 *  strings borrow the chunk) and on_bad for each dead letter, in input
 *  order. Returns 0, the first non-zero callback value, or -1 on a chunk
 *  it cannot decode (a bug: the thread wrote it). */
int lg_prefetch_each(const lg_prefetch_chunk *c, int (*on_record)(void *opaque, const lg_record *r),
                     int (*on_bad)(void *opaque, const lg_prefetch_bad *b), void *opaque);

/** Stops the thread (it finishes the message in hand), joins it and frees
 *  everything, chunks included. NULL is a no-op. */
void lg_prefetch_stop(lg_prefetch *p);

#endif
