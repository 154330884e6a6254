/*
 * processor/api/reader.h - the lineage state opened for questions beside a
 * running daemon: RocksDB secondary instances (state/graph.h,
 * lg_graph_opts.secondary_dir) whose own files live in a scratch directory
 * made here ($TMPDIR/lineaged-reader-XXXXXX, /tmp without TMPDIR) and
 * removed at close. Works as well on a state no daemon holds.
 *
 * A reader killed before its close (kill -9, OOM, a crash) cannot remove its
 * scratch directory, so each reader holds <scratch>/.lock locked (flock) for
 * its whole life, and every open first sweeps the same parent: a
 * lineaged-reader-* directory of ours (symlinks and other users' entries are
 * left alone) whose lock it can take belongs to a dead reader and is
 * removed; one with no lock file (an older version's, or a reader's between
 * making it and locking it) only when nothing in it changed for an hour. The
 * sweep never fails the open; it logs one line when it removed or could not
 * remove something.
 *
 * Two layouts are read: a state directory holding one graph (`lineaged
 * replay`, at-least-once `run`), and the exactly-once daemon's partitions
 * <state.dir>/p<N>, one graph per facts partition (each holding whole
 * tenants); partitions that appear later are picked up by refresh.
 *
 * Ownership: lg_state_reader_open() returns a reader the caller owns and
 * closes with lg_state_reader_close(); the graphs it lends are valid until
 * the next refresh or close. Not thread-safe (a graph is not): callers
 * serialise.
 */
#ifndef LG_PROCESSOR_API_READER_H
#define LG_PROCESSOR_API_READER_H

#include "state/graph.h"
#include "state/query.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lg_state_reader lg_state_reader;

/** Opens state_dir (a lineage state, flat or partitioned) as secondary
 *  instances, after sweeping stale scratch directories (see the file
 *  comment). cache_mb 0 = 64 (per graph). With allow_empty, a directory
 *  holding no state yet (a daemon that has not been assigned a partition
 *  yet, or no directory at all) gives a reader with no graphs, which refresh
 *  fills when the state appears; without, that is an error. Returns NULL
 *  with errstr on error. */
lg_state_reader *lg_state_reader_open(const char *state_dir, size_t cache_mb, bool allow_empty,
                                      char *errstr, size_t errstr_size);

/** The graphs to query (borrowed; see the file comment). */
const lg_q_graphs *lg_state_reader_graphs(lg_state_reader *r);

/** Catches up with the daemon's latest commits and opens new partitions
 *  (node pointers from the graphs become invalid). Returns 0, or -1 with
 *  errstr. */
int lg_state_reader_refresh(lg_state_reader *r, char *errstr, size_t errstr_size);

/** Closes the graphs, removes the scratch directory and releases its lock.
 *  NULL is a no-op. */
void lg_state_reader_close(lg_state_reader *r);

/** Size in bytes of the files under dir (not following links), or -1. */
int64_t lg_dir_size(const char *dir);

#endif
