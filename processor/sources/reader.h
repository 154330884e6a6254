/*
 * processor/sources/reader.h - reads source messages from a file or stdin.
 *
 * Gzip input is detected by its magic bytes and inflated (zlib). Framing,
 * decided once from the content after a UTF-8 BOM and leading whitespace:
 *  - starts with '[': the whole content is one message (the source parser
 *    splits the array);
 *  - starts with '{' and the first value does not end on its first line (a
 *    pretty-printed object): each top-level value is one message, numbered
 *    by the line it starts on;
 *  - otherwise JSON lines: each non-blank line is one message ("\r\n" and a
 *    missing final newline are fine). JSON-lines input is streamed: memory
 *    is bounded by the longest line.
 *
 * Ownership: the caller owns the reader (lg_reader_close()). A message
 * returned by lg_reader_next() is borrowed and valid until the next call.
 */
#ifndef LG_SOURCES_READER_H
#define LG_SOURCES_READER_H

#include <stddef.h>
#include <stdint.h>

typedef struct lg_reader lg_reader;

/** Opens path ("-" = standard input, which is not closed by
 *  lg_reader_close()). Returns NULL and fills errstr on error. */
lg_reader *lg_reader_open(const char *path, char *errstr, size_t errstr_size);

/** Next message. Returns 1 and sets *msg, *len and *line (1-based line the
 *  message starts on), 0 at the end of input, or -1 on a read or
 *  decompression error (errstr says why). */
int lg_reader_next(lg_reader *r, const char **msg, size_t *len, int64_t *line, char *errstr,
                   size_t errstr_size);

/** Closes the reader. NULL is a no-op. */
void lg_reader_close(lg_reader *r);

#endif
