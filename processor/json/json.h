/*
 * processor/json/json.h - a small C view of simdjson's DOM parser.
 *
 * simdjson is C++; this module is the only C++ in lineaged (json.cpp, an
 * extern "C" shim). Everything else reads JSON through these functions.
 *
 * Ownership: an lg_json_parser owns the last parsed document. Every
 * lg_json_val and every string returned from it is BORROWED from that
 * document and becomes invalid on the next lg_json_parse() on the same
 * parser or on lg_json_parser_destroy(). A parser is not thread-safe; use one
 * per thread.
 */
#ifndef LG_JSON_H
#define LG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lg_json_parser lg_json_parser;

/** A borrowed handle to one JSON value. Plain data: copy freely. */
typedef struct lg_json_val {
    uint64_t opaque[2];
} lg_json_val;

typedef enum lg_json_type {
    LG_JSON_MISSING = 0, /* no such key / not an object / out of range */
    LG_JSON_NULL,
    LG_JSON_BOOL,
    LG_JSON_INT,  /* fits int64 */
    LG_JSON_UINT, /* > INT64_MAX */
    LG_JSON_DOUBLE,
    LG_JSON_STRING,
    LG_JSON_ARRAY,
    LG_JSON_OBJECT,
} lg_json_type;

/** Iterator over an array or an object. Plain data. */
typedef struct lg_json_iter {
    uint64_t opaque[4];
} lg_json_iter;

/** Creates a parser. Returns NULL on allocation failure. Caller owns it and
 *  frees it with lg_json_parser_destroy(). */
lg_json_parser *lg_json_parser_new(void);

/** Frees the parser and its document. NULL is a no-op. */
void lg_json_parser_destroy(lg_json_parser *p);

/** Parses one JSON document from buf[0..len). The buffer is not kept (it is
 *  copied into padded storage when needed). On success returns 0 and sets
 *  *root; on error returns -1 and writes a message into errstr. */
int lg_json_parse(lg_json_parser *p, const char *buf, size_t len, lg_json_val *root, char *errstr,
                  size_t errstr_size);

lg_json_type lg_json_type_of(lg_json_val v);

/** Member lookup; LG_JSON_MISSING type when v is not an object or has no such
 *  key. key is NUL-terminated. */
lg_json_val lg_json_get(lg_json_val v, const char *key);

/** Nested lookup by a '/'-separated path of member names, e.g.
 *  "userIdentity/sessionContext/sessionIssuer/arn". */
lg_json_val lg_json_path(lg_json_val v, const char *path);

/** If v is a string, sets *s and *n to its bytes (borrowed, not NUL-terminated
 *  in general) and returns true. Otherwise returns false. */
bool lg_json_str(lg_json_val v, const char **s, size_t *n);

/** Integer value: INT, UINT (clamped) or an integral DOUBLE. */
bool lg_json_int(lg_json_val v, int64_t *out);
bool lg_json_double(lg_json_val v, double *out);
bool lg_json_bool(lg_json_val v, bool *out);

/** Number of elements of an array or members of an object; 0 otherwise. */
size_t lg_json_size(lg_json_val v);

/** Starts iterating an array or object. Returns false if v is neither. */
bool lg_json_iter_begin(lg_json_val v, lg_json_iter *it);

/** Next element. For objects *key and *keylen are set (borrowed); for arrays they
 *  may be NULL. Returns false at the end. */
bool lg_json_iter_next(lg_json_iter *it, const char **key, size_t *keylen, lg_json_val *val);

/** Serialises v as minified JSON into a malloc'd NUL-terminated buffer; the
 *  caller frees it with free(). Returns NULL on allocation failure. *len gets
 *  the length without the NUL. */
char *lg_json_minify(lg_json_val v, size_t *len);

#ifdef __cplusplus
}
#endif

#endif
