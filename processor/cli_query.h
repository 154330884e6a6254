/*
 * processor/cli_query.h - the `lineaged query ...` and `lineaged serve`
 * commands: questions to the lineage state from the command line (text for
 * people, --json for machines, --csv for the access review) and the HTTP
 * API with the lineage map over a state directory.
 *
 * Both open the state as a RocksDB secondary instance, so they are safe to
 * run beside `lineaged run` on the same state.dir.
 *
 * Exit codes: 0 answered, 1 state or I/O error, 2 usage error, 3 the asked
 * identity or person is not in the state.
 */
#ifndef LG_PROCESSOR_CLI_QUERY_H
#define LG_PROCESSOR_CLI_QUERY_H

#include "processor/config.h"

#include <signal.h>

/** Loads a configuration (defaults, then the file when path is non-NULL,
 *  then LINEAGED_* variables); NULL after printing the error. The caller
 *  frees it with lg_config_destroy(). main.c passes its loader. */
typedef lg_config *(*lg_cli_config_loader)(const char *path);

/** Usage text of `lineaged query` / `lineaged serve` (static). */
extern const char lg_cli_query_usage[];
extern const char lg_cli_serve_usage[];

/** `lineaged query WHAT [options] [ARG]`; argv[0] is "query". */
int lg_cli_query(int argc, char **argv, lg_cli_config_loader load);

/** `lineaged serve [options]`; argv[0] is "serve". Runs until *running is
 *  cleared (a signal). */
int lg_cli_serve(int argc, char **argv, lg_cli_config_loader load, volatile sig_atomic_t *running);

#endif
