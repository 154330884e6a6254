/*
 * processor/sources/arena.h - a scratch arena for the short strings the
 * source parsers build (lower-cased e-mails, canonical ARNs, node ids).
 *
 * Memory comes from a chain of blocks; lg_arena_reset() makes it all
 * reusable at once and keeps the first block, so a steady stream of events
 * allocates nothing. Ownership: the caller owns the arena
 * (lg_arena_destroy()); every pointer handed out is owned by the arena and
 * valid until the next lg_arena_reset() or lg_arena_destroy().
 */
#ifndef LG_SOURCES_ARENA_H
#define LG_SOURCES_ARENA_H

#include "state/fact.h"

#include <stddef.h>

typedef struct lg_arena lg_arena;

/** Creates an arena whose first block holds block_size bytes (0 = 16 KiB).
 *  NULL on ENOMEM. */
lg_arena *lg_arena_new(size_t block_size);

/** Frees the arena and all its blocks. NULL is a no-op. */
void lg_arena_destroy(lg_arena *a);

/** Makes every allocation reusable (pointers handed out become invalid). */
void lg_arena_reset(lg_arena *a);

/** Returns n bytes (unaligned: for strings), or NULL on ENOMEM. */
char *lg_arena_alloc(lg_arena *a, size_t n);

/** Concatenates n parts into one arena string. {NULL,0} on ENOMEM. */
lg_str lg_arena_join(lg_arena *a, const lg_str *parts, size_t n);

/** Returns s lower-cased (ASCII). When s has no upper-case letter, s itself
 *  is returned and nothing is copied. */
lg_str lg_arena_lower(lg_arena *a, lg_str s);

#endif
