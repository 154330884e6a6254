/*
 * processor/sources/cloudtrail/cloudtrail.h - AWS CloudTrail records to
 * lineage facts (see state/fact.h for the meaning of each fact).
 *
 * Required: eventID and a parsable eventTime. errorCode marks the record
 * failed: it is kept (so it can be counted) but carries no facts.
 */
#ifndef LG_SOURCES_CLOUDTRAIL_H
#define LG_SOURCES_CLOUDTRAIL_H

#include "processor/sources/parse_util.h"

/** Maps one CloudTrail record (a JSON object) into *rec. Returns 0, or -1
 *  with a reason in errstr ("cloudtrail: missing eventID"). Strings in
 *  *rec are borrowed from the document and env->arena. */
int lg_ct_parse(lg_src_env *env, lg_json_val ev, lg_record *rec, char *errstr, size_t errstr_size);

#endif
