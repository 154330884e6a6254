/*
 * processor/detectors/detect.h - turns what a batch changed in the lineage
 * graph into derived events (sinks/derived.h).
 *
 * Conditions are evaluated on the event-time timeline of each affected
 * identity, from the facts the graph holds, so the same facts give the same
 * conditions whatever order they arrived in:
 *   orphan.new / orphan.resolved: an active NHI or agent whose effective
 *     owner is departed; begins at the later of the departure and the
 *     creation, ends at deletion, disablement, reassignment or reactivation.
 *   privileged_key.ownerless / .resolved: a privileged long-lived credential
 *     (STS sessions excluded: they expire) with no effective human owner.
 *   credential.used_after_departure: a credential used, by event time, after
 *     its owner departed (once per credential and departure).
 *   agent.departed_principal: an agent acting after the departure of the
 *     human it acts for (once per agent and departure).
 * Every event id is a hash of the condition (type, subject, owner, time it
 * began), so a condition always gets the same id; ids already announced are
 * kept on the subject's node and never announced again.
 *
 * Ownership: the detector borrows the graph; events passed to the emit
 * callback are borrowed for the duration of the call.
 */
#ifndef LG_DETECTORS_DETECT_H
#define LG_DETECTORS_DETECT_H

#include "sinks/derived.h"
#include "state/graph.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lg_detect lg_detect;

/** Called for each new derived event, in event-time order within a batch.
 *  Returns 0, or non-zero to abort the run (the batch must then be aborted). */
typedef int (*lg_emit_fn)(void *opaque, const lg_derived *ev);

/** Creates a detector over g (borrowed). NULL on ENOMEM. */
lg_detect *lg_detect_new(lg_graph *g);

/** Frees the detector. NULL is a no-op. */
void lg_detect_destroy(lg_detect *d);

/** Hold for privileged_key.ownerless: "no owner" is the absence of
 *  evidence, and unsorted delivery (a CreateUser record arriving after the
 *  policy attachment and the key) makes a key look ownerless for a moment.
 *  A candidate is announced only once it has stayed ownerless for hold_ms of
 *  processing time (0, the default: at once). Held-back candidates are part
 *  of the state and re-checked at every run. */
void lg_detect_set_hold(lg_detect *d, int64_t hold_ms);

/** Evaluates everything the graph's pending batch touched (and, for lineage
 *  changes, everything below it, and every held-back candidate) and emits
 *  the derived events that are new. now_ms is the processing time (wall
 *  clock); flush announces held-back candidates whatever their age (end of
 *  a replay). Marks events announced in the graph's pending batch. Returns
 *  0, or -1 with errstr (state failure or the emit callback failed). */
int lg_detect_run(lg_detect *d, int64_t now_ms, bool flush, lg_emit_fn emit, void *opaque,
                  char *errstr, size_t errstr_size);

/** After a run: the processing time at which the earliest held-back
 *  candidate becomes due, or 0 when none is held back. */
int64_t lg_detect_next_due(const lg_detect *d);

/** Computes the deterministic 32-hex-digit id of a condition from its parts
 *  (NULL-terminated list of strings). out must hold 33 bytes. */
void lg_detect_event_id(char out[33], const char *const *parts);

#endif
