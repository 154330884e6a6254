/*
 * processor/sources/parse_util.h - private helpers shared by the four source
 * parsers (not part of the public source API).
 *
 * Ownership: every lg_str returned is borrowed from the current JSON
 * document or from env->arena (see state/fact.h).
 */
#ifndef LG_SOURCES_PARSE_UTIL_H
#define LG_SOURCES_PARSE_UTIL_H

#include "processor/json/json.h"
#include "processor/sources/arena.h"
#include "state/fact.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/** What a per-source parser may use besides the event itself. Borrowed. */
typedef struct lg_src_env {
    lg_arena *arena;     /* scratch strings, reset before each event */
    lg_json_parser *aux; /* for JSON embedded in strings (policy documents) */
} lg_src_env;

/** A per-source parser: maps one event object into *rec (already zeroed,
 *  source set). Returns 0, or -1 with a reason such as
 *  "cloudtrail: missing eventID" in errstr (the event is unusable). */
typedef int (*lg_src_parse_fn)(lg_src_env *env, lg_json_val ev, lg_record *rec, char *errstr,
                               size_t errstr_size);

/** Compares an lg_str with a string literal: length first, then bytes. */
#define LG_STR_EQ(s, lit) ((s).n == sizeof(lit) - 1 && memcmp((s).p, (lit), sizeof(lit) - 1) == 0)

/** True if s starts with the literal prefix. */
#define LG_STR_PREFIX(s, lit)                                                                      \
    ((s).n >= sizeof(lit) - 1 && memcmp((s).p, (lit), sizeof(lit) - 1) == 0)

/** String member key of v; {NULL,0} when absent, not a string or empty. */
lg_str lg_src_get(lg_json_val v, const char *key);

/** As lg_src_get, for a '/'-separated path. */
lg_str lg_src_path(lg_json_val v, const char *path);

/** ASCII case-insensitive equality with a NUL-terminated string. */
bool lg_src_ieq(lg_str s, const char *z);

/** ASCII case-insensitive substring search. */
bool lg_src_icontains(lg_str s, const char *needle);

/** True when s has exactly one '@' with text on both sides and a '.' in the
 *  domain. */
bool lg_src_is_email(lg_str s);

/** s lower-cased when it is an e-mail, else {NULL,0}. */
lg_str lg_src_email(lg_src_env *env, lg_str s);

/** Appends a zeroed fact of the given type/kind/subject and returns it. When
 *  the record is full, returns a scratch fact that is not kept. */
lg_fact *lg_src_add(lg_record *rec, lg_fact_type type, lg_node_kind kind, lg_str subject);

/** Writes "<fmt...>" into errstr and returns -1. */
int lg_src_bad(char *errstr, size_t errstr_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** True when v is a string for which pred holds, or an array holding one. */
bool lg_src_any_str(lg_json_val v, bool (*pred)(lg_str s));

/** The common head of every parser: rec->event_id from the string member
 *  id_key and rec->time_ms from time_key (lg_src_time). On failure writes
 *  "<src>: missing <key>" or "<src>: unparsable <key>" and returns -1. */
int lg_src_id_time(lg_json_val ev, const char *src, const char *id_key, const char *time_key,
                   lg_record *rec, char *errstr, size_t errstr_size);

/** Event time from a JSON string (lg_parse_time) or an epoch number
 *  (milliseconds, or seconds when below 1e11). */
bool lg_src_time(lg_json_val v, int64_t *ms);

/** Epoch number to milliseconds (seconds when below 1e11). */
int64_t lg_src_epoch_ms(double v);

#endif
