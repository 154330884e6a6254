/*
 * processor/replay.h - `lineaged replay`: feed files (or stdin) of source
 * events through the engine in order, front to back, printing derived events
 * as JSON lines and dead-lettering unusable events to a file.
 *
 * Inputs are JSON lines, a JSON array, or a {"Records":[...]} document, each
 * optionally gzip-compressed; "-" is stdin. Batches commit every
 * config->batch_max_messages messages and at the end of the inputs, with the
 * position "file/<path>" -> lines (or documents) consumed.
 *
 * Ownership: everything in lg_replay_opts is borrowed for the call.
 */
#ifndef LG_PROCESSOR_REPLAY_H
#define LG_PROCESSOR_REPLAY_H

#include "processor/config.h"
#include "state/fact.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

typedef struct lg_replay_input {
    lg_source src;
    const char *path; /* "-" = stdin */
} lg_replay_input;

typedef struct lg_replay_opts {
    const lg_config *config;     /* batch size, owners/aliases, cache */
    const char *state_dir;       /* required */
    const char *deadletter_path; /* NULL = STATE_DIR/deadletter.jsonl */
    const lg_replay_input *inputs;
    size_t ninputs;
    FILE *out;                      /* derived events as JSON lines */
    volatile sig_atomic_t *running; /* cleared by a signal: stop early */
} lg_replay_opts;

/** Splits "SOURCE:PATH" into in (path borrowed from arg). Returns 0, or -1
 *  with errstr when SOURCE is not cloudtrail|okta|github|bedrock. */
int lg_replay_parse_input(const char *arg, lg_replay_input *in, char *errstr, size_t errstr_size);

/** Runs the replay. Returns 0 when every input was processed (malformed
 *  events do not count as failures), or -1 on an I/O or state error (errstr
 *  names the file). Prints the summary line on stderr. */
int lg_replay_run(const lg_replay_opts *opts, char *errstr, size_t errstr_size);

#endif
