/*
 * processor/api/render.h - query results (state/query.h) as JSON for the
 * HTTP API and `lineaged query --json`, as CSV for the access review, and as
 * text for people (a tree view of a person's lineage, tables elsewhere).
 *
 * Every function APPENDS to a caller-owned lg_strbuf and returns 0, or -1 on
 * ENOMEM. Results are borrowed. JSON is one object per call, UTF-8, times in
 * ISO-8601 UTC ("2025-03-20T17:00:00.000Z") or null when unknown. Text output
 * replaces control characters so no terminal escape survives.
 */
#ifndef LG_PROCESSOR_API_RENDER_H
#define LG_PROCESSOR_API_RENDER_H

#include "sinks/strbuf.h"
#include "state/query.h"

#include <stdbool.h>

/** Which query produced a result (they share lg_q_result). */
typedef enum lg_render_query {
    LG_RQ_OWNER = 0,
    LG_RQ_OWNS,
    LG_RQ_OFFBOARD,
    LG_RQ_ORPHANS,
    LG_RQ_REVIEW,
    LG_RQ_SEARCH,
    LG_RQ_NODE,
    LG_RQ_GRAPH,
} lg_render_query;

/** The query's name ("owner", "owns", ...). Static. */
const char *lg_render_query_name(lg_render_query q);

/** One JSON object for the result: {"query":..., "as_of":..., ...}; the
 *  fields per query are documented in docs/queries.md. */
int lg_render_json(lg_render_query q, const lg_q_result *r, lg_strbuf *out);

/** The access review as CSV (RFC 4180: CRLF line ends, fields with a comma,
 *  quote or line break quoted, quotes doubled), with a header row. */
int lg_render_review_csv(const lg_q_result *r, lg_strbuf *out);

/** Text for people: a tree for owns/offboard, the chain for owner, tables
 *  for the others. Lines end with '\n'. */
int lg_render_text(lg_render_query q, const lg_q_result *r, lg_strbuf *out);

#endif
