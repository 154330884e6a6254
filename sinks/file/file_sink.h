/*
 * sinks/file/file_sink.h - JSON-lines (or pretty text) transport to a file
 * or a stream: derived events via lg_sink_emit(), dead letters via
 * lg_sink_deadletter(), one record per line. Used for stdout, for an output
 * file and for the dead-letter file.
 *
 * Durability: lg_sink_flush() does fflush() and, when the destination is a
 * regular file, fsync(); only then does it return LG_SINK_OK. With no record
 * written since its last successful flush it does nothing (all of it is
 * durable already).
 *
 * Ownership: the constructors return a sink the caller frees with
 * lg_sink_destroy(). A stream passed to lg_sink_file_stream() is BORROWED
 * (not closed); a file opened by lg_sink_file_open() is owned and closed.
 */
#ifndef LG_SINKS_FILE_SINK_H
#define LG_SINKS_FILE_SINK_H

#include "sinks/sink.h"

#include <stdio.h>

typedef enum lg_sink_file_format {
    LG_SINK_FILE_JSON = 0,   /* lg_json_encode_derived / _deadletter, one per line */
    LG_SINK_FILE_PRETTY = 1, /* lg_json_format_pretty: one human-readable line */
} lg_sink_file_format;

/** Opens path for appending (created 0644 if missing). "-" means stdout
 *  (borrowed). Returns NULL and fills errstr on failure. */
lg_sink *lg_sink_file_open(const char *path, lg_sink_file_format fmt, char *errstr,
                           size_t errstr_size);

/** Writes to fp, which stays owned by the caller and must outlive the sink.
 *  Returns NULL and fills errstr on ENOMEM. */
lg_sink *lg_sink_file_stream(FILE *fp, lg_sink_file_format fmt, char *errstr, size_t errstr_size);

/** Parses "json" / "pretty"; returns -1 when unknown. */
int lg_sink_file_format_from_name(const char *name);

#endif
