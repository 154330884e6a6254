/*
 * sinks/webhook/outbox.h - the webhook sink's durable outbox: a small
 * RocksDB of calls not yet delivered, one FIFO per endpoint.
 *
 * Key: endpoint name, a NUL byte, the 8-byte big-endian sequence number
 * (increasing across the outbox, continued after a restart). Value: the
 * caller's bytes. The writer stages entries (lg_outbox_stage) and makes
 * them durable together with one synced write (lg_outbox_commit); only
 * committed entries are visible to readers. Readers (the delivery threads)
 * take the oldest entry of their endpoint at or after a sequence number and
 * delete it once it is done. RocksDB's lock file keeps a second process
 * from opening the same outbox.
 *
 * Threads: stage/commit from one thread; next/delete/scan from any thread.
 * Ownership: the caller owns the outbox (lg_outbox_close) and the value of
 * each entry it reads (free()).
 */
#ifndef LG_SINKS_WEBHOOK_OUTBOX_H
#define LG_SINKS_WEBHOOK_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

typedef struct lg_outbox lg_outbox;

typedef struct lg_outbox_entry {
    uint64_t seq;
    char *value; /* malloc'd, NUL-terminated; the caller frees it */
    size_t len;
} lg_outbox_entry;

/** Opens (creating) the outbox in dir. Returns NULL with errstr. */
lg_outbox *lg_outbox_open(const char *dir, char *errstr, size_t errstr_size);

/** Closes it; staged entries that were not committed are dropped. NULL is a
 *  no-op. */
void lg_outbox_close(lg_outbox *o);

/** Stages an entry for endpoint. Returns 0 or -1 (ENOMEM). */
int lg_outbox_stage(lg_outbox *o, const char *endpoint, const void *value, size_t len);

/** Number of staged, uncommitted entries. */
size_t lg_outbox_staged(const lg_outbox *o);

/** Writes the staged entries with fsync. Returns 0 (they are durable and
 *  visible), or -1 with errstr (they stay staged; call again). */
int lg_outbox_commit(lg_outbox *o, char *errstr, size_t errstr_size);

/** The oldest committed entry of endpoint with seq >= from. Returns 1 and
 *  fills *out, 0 when there is none, -1 with errstr on a read error. */
int lg_outbox_next(lg_outbox *o, const char *endpoint, uint64_t from, lg_outbox_entry *out,
                   char *errstr, size_t errstr_size);

/** Deletes one entry. Returns 0 or -1 with errstr. */
int lg_outbox_delete(lg_outbox *o, const char *endpoint, uint64_t seq, char *errstr,
                     size_t errstr_size);

/** Calls fn for every committed entry in key order (endpoint, then seq);
 *  strings are borrowed for the call. fn returns 0 to go on. Returns 0, -1
 *  with errstr on a read error, or fn's non-zero value. */
int lg_outbox_scan(lg_outbox *o,
                   int (*fn)(void *opaque, const char *endpoint, uint64_t seq, const char *value,
                             size_t len),
                   void *opaque, char *errstr, size_t errstr_size);

#endif
