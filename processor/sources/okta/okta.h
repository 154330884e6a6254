/*
 * processor/sources/okta/okta.h - Okta System Log events to lineage facts.
 *
 * Required: uuid and a parsable published time. outcome.result FAILURE
 * marks the record failed (kept, no facts).
 */
#ifndef LG_SOURCES_OKTA_H
#define LG_SOURCES_OKTA_H

#include "processor/sources/parse_util.h"

/** Maps one Okta System Log event into *rec. Returns 0, or -1 with a reason
 *  in errstr ("okta: missing uuid"). Strings are borrowed (see fact.h). */
int lg_okta_parse(lg_src_env *env, lg_json_val ev, lg_record *rec, char *errstr,
                  size_t errstr_size);

#endif
