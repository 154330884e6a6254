/*
 * state/bset.h - a set of byte strings (open addressing, linear probing,
 * backward-shift deletion), each key with a small value the caller may use.
 * Used for a batch's seen keys, the held-back candidates, visited sets and
 * the parse stage's coalesced identities (key -> index).
 *
 * Ownership: the set copies the keys it stores and frees them in
 * lg_bset_clear() / lg_bset_free(); keys passed in are borrowed. Zero-
 * initialise an lg_bset before use. Not thread-safe.
 */
#ifndef LG_STATE_BSET_H
#define LG_STATE_BSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lg_bset_slot {
    uint64_t hash; /* 0 = empty */
    char *key;     /* NUL-terminated copy (keys may also contain NULs) */
    size_t len;
    uint32_t val; /* the caller's, through lg_bset_put (0 when added) */
} lg_bset_slot;

typedef struct lg_bset {
    lg_bset_slot *slots;
    size_t cap, n;
} lg_bset;

/** Adds k[0..n). Returns 1 when added, 0 when present, -1 on ENOMEM. */
int lg_bset_add(lg_bset *s, const void *k, size_t n);

/** As lg_bset_add; *stored (when not NULL) gets the set's own copy of the
 *  key, valid until the key is removed or the set cleared. */
int lg_bset_insert(lg_bset *s, const void *k, size_t n, const char **stored);

/** As lg_bset_add; *val gets the key's value slot, which the caller may
 *  fill (a map from keys to small numbers, such as indexes): 0 when the key
 *  was just added, else what was stored there. Valid until the next add or
 *  remove. */
int lg_bset_put(lg_bset *s, const void *k, size_t n, uint32_t **val);

/** True when k[0..n) is in the set. */
bool lg_bset_has(const lg_bset *s, const void *k, size_t n);

/** Removes k[0..n); returns true when it was there. */
bool lg_bset_remove(lg_bset *s, const void *k, size_t n);

/** Calls cb for each key (order unspecified; do not modify the set from
 *  cb). Returns 0 or cb's first non-zero value. */
int lg_bset_foreach(const lg_bset *s, int (*cb)(void *opaque, const char *k, size_t n),
                    void *opaque);

/** Empties the set, keeping its capacity. */
void lg_bset_clear(lg_bset *s);

/** Frees everything; the set is zeroed and reusable. */
void lg_bset_free(lg_bset *s);

/** The 64-bit hash the set uses (never 0). */
uint64_t lg_bset_hash(const void *k, size_t n);

#endif
