/*
 * sinks/json/json_encode.h - JSON encodings of derived events and dead
 * letters, and the one-line "pretty" text for people watching a terminal.
 * Encoders only: transports (file, Kafka) decide where the bytes go.
 *
 * Every function APPENDS to a caller-owned lg_strbuf (the caller resets and
 * frees it) and never writes a newline inside a record. Input structs and
 * strings are borrowed. Strings are escaped per RFC 8259; control characters
 * become \uXXXX (or \n, \t...), and bytes that are not valid UTF-8 are
 * replaced by U+FFFD, so the output is always valid UTF-8 JSON.
 * Return value: 0, or -1 on ENOMEM (the buffer then holds a partial record
 * the caller must discard).
 */
#ifndef LG_SINKS_JSON_ENCODE_H
#define LG_SINKS_JSON_ENCODE_H

#include "sinks/derived.h"
#include "sinks/sink.h"
#include "sinks/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** One JSON object: type, event_id, event_time, subject{id,kind,name},
 *  owner ({id,status,departed_at?} or null; departed_at only when known),
 *  privileged, reason, resolves (event_id of the opening event, or null),
 *  tenant, evidence[], chain[], schema_version. NULL strings become null. */
int lg_json_encode_derived(const lg_derived *ev, lg_strbuf *out);

/** One JSON object: source, reason, origin, topic, partition, offset,
 *  raw_base64, and raw (the bytes as a string) only when they are valid
 *  UTF-8 without NUL bytes. */
int lg_json_encode_deadletter(const lg_deadletter *dl, lg_strbuf *out);

/** One line of text for people (no trailing newline), e.g.
 *  "2024-05-01T10:00:00.000Z  orphan.new  AKIA...  access_key
 *   owner=alice@x (departed 2024-04-30)  privileged  reason".
 *  Control characters are replaced by '?' so no terminal escape survives. */
int lg_json_format_pretty(const lg_derived *ev, lg_strbuf *out);

/** The same for a dead letter: "deadletter  SOURCE  ORIGIN  REASON". */
int lg_json_format_pretty_deadletter(const lg_deadletter *dl, lg_strbuf *out);

/** Appends s[0..len) as a quoted, escaped JSON string. */
int lg_json_append_string(lg_strbuf *out, const char *s, size_t len);

/** Formats epoch milliseconds as ISO-8601 UTC "YYYY-MM-DDTHH:MM:SS.mmmZ"
 *  into buf (at least 32 bytes). Returns buf. */
char *lg_json_format_time(int64_t ms, char *buf, size_t size);

/** True when p[0..len) is well-formed UTF-8 (no overlongs, surrogates or
 *  code points above U+10FFFF). */
bool lg_utf8_valid(const void *p, size_t len);

/** Appends the standard base64 (RFC 4648, padded) of p[0..len). */
int lg_base64_append(lg_strbuf *out, const void *p, size_t len);

#endif
