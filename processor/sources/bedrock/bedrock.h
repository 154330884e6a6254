/*
 * processor/sources/bedrock/bedrock.h - Amazon Bedrock model invocation log
 * records to lineage facts.
 *
 * Required: requestId and a parsable timestamp. identity.arn gives one USED
 * fact: an assumed-role session -> the role (IAM_ROLE) with object = the
 * session name when it is an e-mail; an IAM user -> IAM_USER. detail =
 * operation, tenant = accountId.
 */
#ifndef LG_SOURCES_BEDROCK_H
#define LG_SOURCES_BEDROCK_H

#include "processor/sources/parse_util.h"

/** Maps one ModelInvocationLog record into *rec. Returns 0, or -1 with a
 *  reason in errstr ("bedrock: missing requestId"). Strings are borrowed. */
int lg_bedrock_parse(lg_src_env *env, lg_json_val ev, lg_record *rec, char *errstr,
                     size_t errstr_size);

#endif
