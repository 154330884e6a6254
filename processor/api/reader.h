/*
 * processor/api/reader.h - the lineage state opened for questions beside a
 * running daemon: a RocksDB secondary instance (state/graph.h,
 * lg_graph_opts.secondary_dir) whose own files live in a scratch directory
 * made here and removed at close. Works as well on a state no daemon holds.
 *
 * Ownership: lg_state_reader_open() returns a reader the caller owns and
 * closes with lg_state_reader_close(); the graph it lends is valid until
 * then. Not thread-safe (the graph is not): callers serialise.
 */
#ifndef LG_PROCESSOR_API_READER_H
#define LG_PROCESSOR_API_READER_H

#include "state/graph.h"

#include <stddef.h>

typedef struct lg_state_reader lg_state_reader;

/** Opens state_dir (which must hold a lineage state) as a secondary
 *  instance. cache_mb 0 = 64. Returns NULL with errstr on error. */
lg_state_reader *lg_state_reader_open(const char *state_dir, size_t cache_mb, char *errstr,
                                      size_t errstr_size);

/** The graph (borrowed). */
lg_graph *lg_state_reader_graph(lg_state_reader *r);

/** Catches up with the daemon's latest commits (pointers from the graph
 *  become invalid). Returns 0, or -1 with errstr. */
int lg_state_reader_refresh(lg_state_reader *r, char *errstr, size_t errstr_size);

/** Closes the graph and removes the scratch directory. NULL is a no-op. */
void lg_state_reader_close(lg_state_reader *r);

/** Size in bytes of the files under dir (not following links), or -1. */
int64_t lg_dir_size(const char *dir);

#endif
