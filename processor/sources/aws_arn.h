/*
 * processor/sources/aws_arn.h - canonical node ids for AWS principals, shared
 * by the CloudTrail and Bedrock parsers.
 *
 * IAM users and roles are identified WITHOUT their path, so that
 *   arn:aws:sts::ACCT:assumed-role/ROLE/SESSION and
 *   arn:aws:iam::ACCT:role/aws-reserved/sso.amazonaws.com/REGION/ROLE
 * both map to arn:aws:iam::ACCT:role/ROLE.
 *
 * Ownership: returned strings are borrowed from the input or from the arena.
 */
#ifndef LG_SOURCES_AWS_ARN_H
#define LG_SOURCES_AWS_ARN_H

#include "processor/sources/arena.h"
#include "state/fact.h"

#include <stdbool.h>

/** A principal parsed from an ARN. */
typedef struct lg_aws_principal {
    lg_node_kind kind; /* IAM_USER, IAM_ROLE (also for assumed-role),
                          AWS_ROOT, FEDERATED_USER; UNKNOWN otherwise */
    lg_str id;         /* canonical node id */
    lg_str name;       /* user / role / federated user name */
    lg_str session;    /* assumed-role session name, else {NULL,0} */
    lg_str partition;  /* "aws", "aws-cn", ... */
    lg_str account;
} lg_aws_principal;

/** Parses a principal ARN. Returns false (kind UNKNOWN) when arn is not a
 *  user, role, assumed-role, root or federated-user ARN, or on ENOMEM. */
bool lg_aws_arn_parse(lg_arena *a, lg_str arn, lg_aws_principal *out);

/** Builds "arn:PARTITION:iam::ACCOUNT:TYPE/NAME" (type "user" or "role"),
 *  dropping any path in name. partition {NULL,0} means "aws". Returns
 *  {NULL,0} when account or name is empty, or on ENOMEM. */
lg_str lg_aws_iam_id(lg_arena *a, lg_str partition, lg_str account, const char *type, lg_str name);

/** True for IAM Identity Center roles (name starts "AWSReservedSSO_"). */
bool lg_aws_is_sso_role(lg_str role_name);

#endif
