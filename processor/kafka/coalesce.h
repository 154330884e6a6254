/*
 * processor/kafka/coalesce.h - the parse stage's pure usage records of one
 * batch, coalesced per identity: only the earliest and the latest use by
 * event time are published (the graph keeps first and last use; what lies
 * between changes nothing it decides).
 *
 * An identity is an opaque byte string (any bytes, NUL included) that the
 * caller builds from the record's tenant and facts. Records arrive in any
 * time order: whichever comes first, the earliest and the latest are kept.
 *
 * Ownership: the caller owns the set (zero-initialised, lg_coalesce_free);
 * it copies every key, tenant and record it keeps. Not thread-safe.
 */
#ifndef LG_PROCESSOR_KAFKA_COALESCE_H
#define LG_PROCESSOR_KAFKA_COALESCE_H

#include "state/bset.h"

#include <stddef.h>
#include <stdint.h>

typedef struct lg_coalesce_item lg_coalesce_item;

typedef struct lg_coalesce {
    lg_coalesce_item *items; /* identities in first-seen order */
    size_t n, cap;
    lg_bset keys;      /* identity -> index + 1 into items */
    int64_t coalesced; /* records that found their identity already there */
} lg_coalesce;

/** Keeps rec[0..rlen) (the encoding of a pure usage record of event time t,
 *  for facts partition part and tenant[0..tlen), whose input message
 *  arrived at wall-clock ms arrived) as the earliest and/or the latest use
 *  of identity key[0..klen) in the batch. A record at the time of one
 *  already kept is dropped. Returns 0, or -1 on ENOMEM (the set stays
 *  usable; the record may be lost). */
int lg_coalesce_add(lg_coalesce *c, const void *key, size_t klen, int32_t part, const char *tenant,
                    size_t tlen, int64_t t, int64_t arrived, const void *rec, size_t rlen);

/** Calls cb for every kept record: identities in first-seen order, each
 *  with its earliest use, then its latest when that is another record. The
 *  tenant (tlen bytes) is also NUL-terminated; arrived is the earliest
 *  arrival of every record the identity's kept records stand for. Returns
 *  0, or the first non-zero cb result (and stops there). */
int lg_coalesce_each(const lg_coalesce *c,
                     int (*cb)(void *opaque, int32_t part, const char *tenant, size_t tlen,
                               int64_t arrived, const void *rec, size_t rlen),
                     void *opaque);

/** Forgets the kept records (the next batch starts empty). */
void lg_coalesce_clear(lg_coalesce *c);

/** Frees everything. NULL is a no-op. */
void lg_coalesce_free(lg_coalesce *c);

#endif
