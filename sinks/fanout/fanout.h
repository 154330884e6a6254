/*
 * sinks/fanout/fanout.h - a sink that forwards to several sinks, so the
 * daemon publishes derived events to Kafka and to webhooks at once.
 *
 * emit, deadletter and flush go to every child in order (all of them,
 * even after one failed); the result is the worst child result
 * (FATAL > DROP > RETRY > OK) with the first failing child's errstr, so a
 * flush is OK only when every child flushed. A failed emit may have reached
 * some children: the engine then fails the batch and replays it, and the
 * children see the (deterministic) events again; delivery is at least
 * once.
 *
 * Ownership: the fanout OWNS its children from the call on (also when the
 * constructor fails) and destroys them, in order, with itself.
 */
#ifndef LG_SINKS_FANOUT_FANOUT_H
#define LG_SINKS_FANOUT_FANOUT_H

#include "sinks/sink.h"

#include <stddef.h>

/** Returns a sink over sinks[0..n) (n >= 1; NULL entries are skipped), or
 *  NULL with errstr on ENOMEM. */
lg_sink *lg_sink_fanout_new(lg_sink *const *sinks, size_t n, char *errstr, size_t errstr_size);

/** Child i (borrowed) of a fanout sink, or NULL (out of range, not a
 *  fanout). */
lg_sink *lg_sink_fanout_child(lg_sink *s, size_t i);

/** Number of children; 0 when s is not a fanout sink. */
size_t lg_sink_fanout_count(lg_sink *s);

#endif
