/*
 * state/sort.h - ordering byte strings the way RocksDB's default
 * comparator does, faster than qsort with a compare callback: an MSD radix
 * sort on 8-byte big-endian chunks. Each element is visited once per chunk
 * that its run of equal prefixes still shares, and never compared through
 * a function pointer.
 *
 * Used to hand a batch's keys to RocksDB in key order (its memtable inserts
 * are cheaper so).
 *
 * Ownership: the caller owns the array and the strings; lg_sort_bytes
 * borrows them and allocates only scratch, freed before it returns.
 */
#ifndef LG_STATE_SORT_H
#define LG_STATE_SORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct lg_sort_item {
    const unsigned char *p; /* the key's bytes (borrowed) */
    size_t n;               /* its length */
    void *val;              /* what the caller sorts by the key (borrowed) */
} lg_sort_item;

/** Sorts v[0..n) by key bytes, as memcmp then length order (a key before
 *  every longer key it begins). Equal keys keep no particular order.
 *  Returns 0, or -1 on ENOMEM (v is then left in some order of its items). */
int lg_sort_bytes(lg_sort_item *v, size_t n);

#endif
