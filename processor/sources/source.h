/*
 * processor/sources/source.h - parsers that turn raw source messages into
 * lg_record facts (state/fact.h), one parser per source:
 *   processor/sources/cloudtrail/, okta/, github/, bedrock/.
 *
 * A message is what one Kafka record or one line of a JSON-lines file holds.
 * It may contain one event, or (CloudTrail) a {"Records":[...]} envelope, or a
 * bare JSON array of events: the parser splits it and calls on_record once per
 * usable event and on_bad once per unusable one, in input order.
 *
 * Ownership: the records and raw slices passed to the callbacks are BORROWED
 * and valid only during the callback. The lg_source_ctx is owned by the
 * caller; create one per thread.
 */
#ifndef LG_SOURCES_SOURCE_H
#define LG_SOURCES_SOURCE_H

#include "state/fact.h"

#include <stddef.h>

typedef struct lg_source_ctx lg_source_ctx;

/** Called once per usable event. Returns 0 to continue, non-zero to stop
 *  parsing the message (the value is returned by lg_source_parse). */
typedef int (*lg_record_cb)(void *opaque, const lg_record *rec, const char *raw, size_t rawlen);

/** Called once per unusable event (or for the whole message when it is not
 *  JSON at all): raw is the original bytes of that event (for an element of
 *  an array or envelope, its minified JSON), reason a short human-readable
 *  sentence such as "cloudtrail: missing eventTime". Return as for
 *  lg_record_cb. */
typedef int (*lg_bad_cb)(void *opaque, const char *raw, size_t rawlen, const char *reason);

/** Creates a parsing context (JSON parser, scratch arena). NULL on ENOMEM. */
lg_source_ctx *lg_source_ctx_new(void);

/** Frees the context. NULL is a no-op. */
void lg_source_ctx_destroy(lg_source_ctx *ctx);

/** Parses one message of the given source, calling the callbacks. Returns 0
 *  when the whole message was consumed (good and bad events alike), or the
 *  first non-zero callback return value. */
int lg_source_parse(lg_source_ctx *ctx, lg_source src, const char *buf, size_t len,
                    lg_record_cb on_record, lg_bad_cb on_bad, void *opaque);

/** Parses a timestamp as the sources write it: ISO-8601 with 'Z' or an offset
 *  and optional fraction ("2024-08-01T13:33:28Z"), Panther's
 *  "YYYY-MM-DD HH:MM:SS[.fffffffff]" (UTC), or epoch milliseconds / seconds
 *  as a decimal string. Returns true and sets *ms on success. */
bool lg_parse_time(const char *s, size_t n, int64_t *ms);

#endif
